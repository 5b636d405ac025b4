// One HTTP request paired with its response, as seen by one process: the unit
// that the aggregator, the recorder (NDJSON) and every view consume.

export type Role = 'server' | 'client';

export type Exchange = {
	readonly role: Role; // server: read the request, wrote the response; client: the reverse
	readonly pid: number; // process id (the kernel's tgid)
	readonly tid: number; // thread that read or wrote the request
	readonly comm: string; // process name: hostile bytes, sanitise before display
	readonly container: string | null; // container name or short id, null on the host
	readonly fd: number;
	readonly connId: number;
	readonly local: {readonly address: string; readonly port: number}; // AF_UNIX: the socket's name (see isUnixAddress), port 0
	readonly remote: {readonly address: string; readonly port: number};
	readonly method: string; // as sent, e.g. "GET"
	readonly path: string; // request target without the query string
	readonly query: string | null; // the query string without '?': a secret, never shown unless asked
	readonly host: string | null; // Host header
	readonly httpVersion: string; // "1.0", "1.1" or "2"
	readonly tls: boolean; // the plaintext came from a TLS library's read and write calls, not from the socket
	readonly grpcStatus: number | null; // the grpc-status trailer of a gRPC call; null when not gRPC
	readonly status: number; // final status code (1xx interim responses are skipped)
	readonly requestBytes: number; // request line + headers + body, as moved by the syscalls
	readonly responseBytes: number; // status line + headers + body
	readonly startMs: number; // epoch ms (fractional) when the first request byte was seen
	readonly firstByteMs: number; // epoch ms of the first byte of the final response
	readonly endMs: number; // epoch ms when the last response byte was seen
};

/**
 * Whether an address is an AF_UNIX socket's name (its port is 0): a path
 * ("/run/app.sock") or an abstract name ("@name"); an IP address never starts so.
 */
export const isUnixAddress = (address: string): boolean => address.startsWith('/') || address.startsWith('@');

/** An endpoint as one string: "10.0.0.1:80", "::1:8080", or a unix socket's name alone. */
export const endpointText = (endpoint: {readonly address: string; readonly port: number}): string =>
	isUnixAddress(endpoint.address) ? endpoint.address : `${endpoint.address}:${endpoint.port}`;

/** The address in an endpointText: what comes before its last colon, or the unix socket's name. */
export const addressOfEndpointText = (text: string): string =>
	isUnixAddress(text) ? text : text.slice(0, text.lastIndexOf(':'));

/** Time to first response byte and total time, in ms. */
export const ttfbMs = (exchange: Exchange): number => exchange.firstByteMs - exchange.startMs;
export const latencyMs = (exchange: Exchange): number => exchange.endMs - exchange.startMs;

/** Counters the HTTP layer keeps about what it could not turn into exchanges. */
export type HttpCounters = {
	readonly parseErrors: number; // bytes that were not HTTP where HTTP was expected
	readonly unpaired: number; // requests with no response (or responses with no request)
	readonly truncated: number; // messages whose headers were not fully captured
};
