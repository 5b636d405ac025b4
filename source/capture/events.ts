// Typed capture events: what source/capture/decode.ts makes of the raw ring
// buffer records laid out in bpf/httptop.h. The HTTP layer sees only these.

export type Direction = 'egress' | 'ingress';

/** How the connection was first seen by the kernel side. */
export type ConnectionOrigin = 'unknown' | 'accepted' | 'connected';

export type Endpoint = {
	readonly address: string; // "127.0.0.1" or "::1"; an AF_UNIX socket's name ("/run/app.sock", "@abstract"); "" when unknown or unnamed
	readonly port: number;
};

export type DataEvent = {
	readonly kind: 'data';
	readonly connId: number; // unique per connection while one tracer runs
	readonly pid: number; // process id (the kernel's tgid)
	readonly tid: number; // thread id
	readonly fd: number;
	readonly comm: string; // raw thread name from the kernel: hostile, sanitise before display
	readonly origin: ConnectionOrigin;
	readonly direction: Direction;
	readonly syscall: string; // "read", "writev", "sendfile", ... ("ssl_read", "ssl_write" for TLS plaintext)
	/** The bytes are plaintext taken from a TLS library's read or write call on this connection, not the socket's bytes. */
	readonly tls: boolean;
	readonly local: Endpoint;
	readonly remote: Endpoint;
	readonly tsEnterNs: number; // CLOCK_MONOTONIC nanoseconds at syscall entry; ingress: tsExitNs (the kernel does not read the clock at a read's entry)
	readonly tsExitNs: number; // CLOCK_MONOTONIC nanoseconds at syscall exit
	readonly bytes: number; // what the syscall really moved: always exact
	readonly data: Uint8Array; // the first `data.length` <= bytes of them
	/**
	 * Set by the streaming decoder: the captured bytes are also
	 * batch[batchOffset, batchOffset + captured), to be read in place without
	 * making `data` (a view per record costs more than the rest of its decoding).
	 */
	readonly batch?: Buffer;
	readonly batchOffset?: number;
	readonly captured?: number;
};

export type CloseEvent = {
	readonly kind: 'close';
	readonly connId: number;
	readonly pid: number;
	readonly tid: number;
	readonly fd: number;
	readonly tsNs: number;
};

export type CaptureEvent = DataEvent | CloseEvent;

/** Kernel counters (bpf/httptop.h enum httptop_counter), summed over CPUs. */
export type KernelCounters = {
	readonly records: number;
	readonly ringbufDrops: number;
	readonly truncated: number;
	readonly readFaults: number;
	readonly conns: number;
	readonly skippedChunks: number;
	readonly notHttpConns: number;
	readonly argsFull: number;
	readonly filteredConns: number;
	readonly tlsConns: number; // connections seen carrying TLS records (their plaintext comes from the TLS calls)
	readonly tlsUnbound: number; // TLS calls whose plaintext could not be tied to a TLS socket: lost
	readonly tlsNotHttp: number; // TLS connections whose plaintext is not HTTP/1.x
};
