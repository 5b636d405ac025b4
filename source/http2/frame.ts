// HTTP/2 framing (RFC 9113 section 4 and 6), pure: the client preface, the
// 9-byte frame header, and the payloads httptop reads (header block fragments
// with their padding and priority fields, SETTINGS, RST_STREAM, GOAWAY).
// Transport across syscalls lives in frame-stream.ts.

export const frameHeaderBytes = 9;

/** What a client sends first on every HTTP/2 connection (RFC 9113 section 3.4). */
export const clientPreface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const frameType = {
	data: 0x0,
	headers: 0x1,
	priority: 0x2,
	rstStream: 0x3,
	settings: 0x4,
	pushPromise: 0x5,
	ping: 0x6,
	goaway: 0x7,
	windowUpdate: 0x8,
	continuation: 0x9,
} as const;

export const frameFlag = {
	endStream: 0x1, // DATA, HEADERS
	ack: 0x1, // SETTINGS, PING
	endHeaders: 0x4, // HEADERS, PUSH_PROMISE, CONTINUATION
	padded: 0x8, // DATA, HEADERS, PUSH_PROMISE
	priority: 0x20, // HEADERS
} as const;

export const settingsId = {headerTableSize: 0x1} as const;

export type FrameHeader = {
	readonly length: number; // payload bytes, not counting these 9
	readonly type: number;
	readonly flags: number;
	readonly streamId: number;
};

// A 31-bit stream id (the high bit is reserved and ignored on receipt).
const readStreamId = (bytes: Uint8Array, offset: number): number =>
	(bytes[offset]! & 0x7f) * 0x100_0000 + (bytes[offset + 1]! << 16) + (bytes[offset + 2]! << 8) + bytes[offset + 3]!;

/** The frame header at `offset`; the caller checks that 9 bytes are there. */
export const readFrameHeader = (bytes: Uint8Array, offset: number): FrameHeader => ({
	length: (bytes[offset]! << 16) | (bytes[offset + 1]! << 8) | bytes[offset + 2]!,
	type: bytes[offset + 3]!,
	flags: bytes[offset + 4]!,
	streamId: readStreamId(bytes, offset + 5),
});

// Default SETTINGS_MAX_FRAME_SIZE: peers may raise it, so only the frames that
// are always small are held to a bound when judging strange bytes.
const defaultMaxFrameSize = 16_384;

/**
 * Why a frame header cannot be one a conforming peer sent, or null. Strict about
 * types and the stream ids and lengths the RFC fixes, so that stray bytes (an
 * HTTP/1 request line, a TLS record, the middle of a DATA payload) are rejected.
 */
export const frameHeaderProblem = (header: FrameHeader): string | null => {
	const {length, type, streamId} = header;
	switch (type) {
		case frameType.data:
		case frameType.headers:
		case frameType.continuation:
		case frameType.pushPromise: {
			return streamId === 0 ? 'stream frame on stream 0' : null;
		}

		case frameType.priority: {
			return streamId === 0 || length !== 5 ? 'bad PRIORITY frame' : null;
		}

		case frameType.rstStream: {
			return streamId === 0 || length !== 4 ? 'bad RST_STREAM frame' : null;
		}

		case frameType.settings: {
			return streamId !== 0 || length % 6 !== 0 || length > defaultMaxFrameSize ? 'bad SETTINGS frame' : null;
		}

		case frameType.ping: {
			return streamId !== 0 || length !== 8 ? 'bad PING frame' : null;
		}

		case frameType.goaway: {
			return streamId !== 0 || length < 8 || length > defaultMaxFrameSize ? 'bad GOAWAY frame' : null;
		}

		case frameType.windowUpdate: {
			return length === 4 ? null : 'bad WINDOW_UPDATE frame';
		}

		default: {
			// Extension frame types exist (ALTSVC, ORIGIN, ...) but are rare; bytes that
			// merely might be one are not taken for HTTP/2.
			return 'unknown frame type';
		}
	}
};

export type PreludeMatch = 'preface' | 'partial' | 'no';

/** Whether `data` starts with the client preface, or is a prefix of it. */
export const matchPreface = (data: Uint8Array): PreludeMatch => {
	const length = Math.min(data.length, clientPreface.length);
	for (let index = 0; index < length; index++) if (data[index] !== clientPreface[index]) return 'no';
	return length === clientPreface.length ? 'preface' : 'partial';
};

/**
 * Whether `data` (the captured start of `bytes` bytes) reads as whole HTTP/2
 * frames from its first byte: every frame header inside the capture is
 * plausible and no longer than the default SETTINGS_MAX_FRAME_SIZE, and the
 * last frame ends at `bytes` or runs past the capture. At most `maxFrames`
 * headers are checked.
 */
export const looksLikeFrames = (data: Uint8Array, bytes: number, maxFrames = 16): boolean => {
	let offset = 0;
	for (let count = 0; count < maxFrames; count++) {
		if (offset === bytes) return count > 0;
		if (offset + frameHeaderBytes > data.length) return count > 0 && offset < bytes;
		const header = readFrameHeader(data, offset);
		if (header.length > defaultMaxFrameSize || frameHeaderProblem(header) !== null) return false;
		offset += frameHeaderBytes + header.length;
		if (offset > bytes) return true; // the frame continues in the next syscall
	}

	return true;
};

export type HeaderBlockFragment = {
	readonly fragment: Uint8Array;
	readonly promisedStreamId: number; // PUSH_PROMISE only, else 0
};

/**
 * The header block fragment of a HEADERS, PUSH_PROMISE or CONTINUATION payload:
 * without the pad length, the padding, the priority fields (HEADERS with
 * PRIORITY) and the promised stream id (PUSH_PROMISE). A string when malformed.
 */
export const headerBlockFragment = (header: FrameHeader, payload: Uint8Array): HeaderBlockFragment | string => {
	let start = 0;
	let end = payload.length;
	if (header.type !== frameType.continuation && (header.flags & frameFlag.padded) !== 0) {
		if (payload.length < 1) return 'PADDED frame without a pad length';
		end -= payload[0]!;
		start = 1;
	}

	let promisedStreamId = 0;
	if (header.type === frameType.headers && (header.flags & frameFlag.priority) !== 0) start += 5;
	if (header.type === frameType.pushPromise) {
		if (start + 4 > end) return 'PUSH_PROMISE without a promised stream id';
		promisedStreamId = readStreamId(payload, start);
		start += 4;
	}

	if (start > end) return 'padding longer than the frame';
	return {fragment: payload.subarray(start, end), promisedStreamId};
};

/** SETTINGS parameters in order as [identifier, value]; an ACK has none. */
export const readSettings = (payload: Uint8Array): Array<readonly [number, number]> => {
	const settings: Array<readonly [number, number]> = [];
	for (let offset = 0; offset + 6 <= payload.length; offset += 6) {
		const id = (payload[offset]! << 8) | payload[offset + 1]!;
		const value = payload[offset + 2]! * 0x100_0000 + (payload[offset + 3]! << 16) + (payload[offset + 4]! << 8) + payload[offset + 5]!;
		settings.push([id, value]);
	}

	return settings;
};

/** GOAWAY's last stream id: streams above it were never processed by the sender. */
export const readGoawayLastStreamId = (payload: Uint8Array): number =>
	payload.length < 4 ? 0 : readStreamId(payload, 0);
