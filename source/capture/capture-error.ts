// A failure to start or run the capture, with a one-line message for the user.
export class CaptureError extends Error {
	override readonly name = 'CaptureError';
}
