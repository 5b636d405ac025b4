// Decodes the addon's batches of raw records (layout: bpf/httptop.h, mirrored in
// layout.ts) into typed capture events. A record
// may be longer than its header and `captured` payload bytes (the kernel builds
// some in size classes): the rest is padding, never data.

import type {CaptureEvent, CloseEvent, ConnectionOrigin, DataEvent, Direction, Endpoint} from './events.js';
import {recordHeaderBytes, recordLayout as at, unixNameRoom, unixNamesLayout} from './layout.js';

export {recordHeaderBytes} from './layout.js';

const kindData = 1;
const kindClose = 2;
const kindUnixNames = 3;
const kindExec = 4;
const flagTls = 1;
const afUnix = 1;
const afInet = 2;

const syscallNames = ['read', 'readv', 'recvfrom', 'recvmsg', 'write', 'writev', 'sendto', 'sendmsg', 'sendfile', 'close', 'tls_read', 'tls_write'];
const origins: readonly ConnectionOrigin[] = ['unknown', 'accepted', 'connected'];

const u64 = (view: DataView, at: number): number => view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;

function address(bytes: Buffer, at: number, family: number): string {
	if (family === afInet) {
		return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
	}

	const groups: string[] = [];
	for (let i = 0; i < 16; i += 2) {
		groups.push(((bytes[at + i]! << 8) | bytes[at + i + 1]!).toString(16));
	}

	return compressIpv6(groups);
}

// RFC 5952: the longest run of zero groups becomes "::"; IPv4-mapped addresses read as IPv4.
function compressIpv6(groups: string[]): string {
	if (groups.slice(0, 5).every(g => g === '0') && groups[5] === 'ffff') {
		const hi = Number.parseInt(groups[6]!, 16);
		const lo = Number.parseInt(groups[7]!, 16);
		return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
	}

	let bestStart = -1;
	let bestLength = 1;
	for (let i = 0; i < 8; i++) {
		let j = i;
		while (j < 8 && groups[j] === '0') {
			j++;
		}

		if (j - i > bestLength) {
			bestStart = i;
			bestLength = j - i;
		}
	}

	if (bestStart < 0) {
		return groups.join(':');
	}

	return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

/**
 * An AF_UNIX socket's name as an address: a path ("/run/app.sock") as it is,
 * an abstract name with "@" for its leading NUL (as ss and /proc/net/unix
 * show it) and without trailing NULs, "" for an unnamed socket. A path ends
 * at its first NUL.
 */
function unixName(bytes: Buffer, at: number, length: number): string {
	if (length <= 0) {
		return '';
	}

	if (bytes[at] === 0) {
		// Trailing NULs are padding: libuv (so Node) binds an abstract name with all 108 bytes.
		let end = at + length;
		while (end > at + 1 && bytes[end - 1] === 0) {
			end--;
		}

		return '@' + bytes.toString('latin1', at + 1, end);
	}

	let end = at;
	while (end < at + length && bytes[end] !== 0) {
		end++;
	}

	return bytes.toString('latin1', at, end);
}

function comm(bytes: Buffer, at: number): string {
	let end = at;
	while (end < at + 16 && bytes[end] !== 0) {
		end++;
	}

	return Buffer.from(bytes.buffer, bytes.byteOffset + at, end - at).toString('latin1');
}

/** Remembers the last endpoints decoded per connection, so that each is built once. */
type EndpointCache = Map<number, {local: Endpoint; remote: Endpoint; comm: string}>;

/** Mutable views of the event types: the streaming decoder fills one object of each in place. */
type Mutable<T> = {-readonly [K in keyof T]: T[K]};

export type Decoder = {
	decode(batch: Uint8Array): CaptureEvent[];
	/**
	 * The same events, each handed to `visit` as soon as it is decoded. The event
	 * objects are reused: an event (not its data bytes, which stay the batch's) is
	 * valid only during its call. Returns the number of events.
	 */
	decodeEach(batch: Uint8Array, visit: (event: CaptureEvent) => void): number;
	/** Records that were too short or of an unknown kind (a version mismatch). */
	readonly malformed: () => number;
};

const noEndpoint: Endpoint = {address: '', port: 0};
const noBytes = Buffer.alloc(0);

// A data event: its bytes are read in place from the batch; `data`, a view of
// them, is made only when asked for. The streaming decoder reuses one.
class BatchDataEvent implements DataEvent {
	readonly kind = 'data';
	connId = 0;
	pid = 0;
	tid = 0;
	fd = 0;
	comm = '';
	origin: ConnectionOrigin = 'unknown';
	direction: Direction = 'egress';
	syscall = '';
	tls = false;
	local: Endpoint = noEndpoint;
	remote: Endpoint = noEndpoint;
	tsEnterNs = 0;
	tsExitNs = 0;
	bytes = 0;
	batch: Buffer = noBytes;
	batchOffset = 0;
	captured = 0;

	get data(): Uint8Array {
		return this.batch.subarray(this.batchOffset, this.batchOffset + this.captured);
	}
}

const newCloseEvent = (): Mutable<CloseEvent> => ({kind: 'close', connId: 0, pid: 0, tid: 0, fd: 0, tsNs: 0});

export type DecoderOptions = {
	/** A process called exec (its pid, and the file exec'd as exec was given it): where TLS libraries may need hooking. */
	readonly onExec?: (pid: number, file: string) => void;
};

export function createDecoder(options: DecoderOptions = {}): Decoder {
	const endpoints: EndpointCache = new Map();
	let malformed = 0;

	// The event of the record at `record` (its length checked), in the reused objects when given; null: malformed.
	function read(
		batch: Buffer,
		view: DataView,
		record: number,
		length: number,
		reusedData: BatchDataEvent | null,
		reusedClose: Mutable<CloseEvent> | null,
	): CaptureEvent | null {
		const kind = batch[record + at.kind]!;
		const connId = u64(view, record + at.connId);
		const pid = view.getUint32(record + at.tgid, true);
		const tid = view.getUint32(record + at.tid, true);
		const fd = view.getInt32(record + at.fd, true);
		if (kind === kindClose) {
			const close = reusedClose ?? newCloseEvent();
			close.connId = connId;
			close.pid = pid;
			close.tid = tid;
			close.fd = fd;
			close.tsNs = u64(view, record + at.tsEnterNs);
			endpoints.delete(connId);
			return close;
		}

		if (kind === kindUnixNames) {
			// The names stand for the addresses of the connection's data records, which follow.
			const lengths = view.getUint32(record + at.bytes, true);
			if (length < recordHeaderBytes + 2 * unixNameRoom) {
				malformed++;
				return null;
			}

			const names = record + recordHeaderBytes;
			endpoints.set(connId, {
				local: {address: unixName(batch, names + unixNamesLayout.local, Math.min(lengths & 0xFF_FF, unixNameRoom)), port: 0},
				remote: {address: unixName(batch, names + unixNamesLayout.remote, Math.min(lengths >>> 16, unixNameRoom)), port: 0},
				comm: comm(batch, record + at.comm),
			});
			return null;
		}

		if (kind === kindExec) {
			const captured = Math.min(view.getUint32(record + at.captured, true), length - recordHeaderBytes);
			options.onExec?.(pid, batch.toString('latin1', record + recordHeaderBytes, record + recordHeaderBytes + captured));
			return null;
		}

		if (kind !== kindData) {
			malformed++;
			return null;
		}

		let known = endpoints.get(connId);
		if (!known) {
			const family = view.getUint16(record + at.family, true);
			// An AF_UNIX connection whose names were lost (ring buffer full) is unnamed at both ends.
			known = family === afUnix ? {local: noEndpoint, remote: noEndpoint, comm: comm(batch, record + at.comm)} : {
				local: {address: address(batch, record + at.localAddr, family), port: view.getUint16(record + at.localPort, true)},
				remote: {address: address(batch, record + at.remoteAddr, family), port: view.getUint16(record + at.remotePort, true)},
				comm: comm(batch, record + at.comm),
			};
			endpoints.set(connId, known);
		}

		const captured = Math.min(view.getUint32(record + at.captured, true), length - recordHeaderBytes);
		const data = reusedData ?? new BatchDataEvent();
		data.connId = connId;
		data.pid = pid;
		data.tid = tid;
		data.fd = fd;
		data.comm = known.comm;
		data.origin = origins[batch[record + at.origin]!] ?? 'unknown';
		data.direction = batch[record + at.direction] === 1 ? 'ingress' : 'egress';
		data.syscall = syscallNames[batch[record + at.syscall]!] ?? 'unknown';
		data.tls = (view.getUint16(record + at.flags, true) & flagTls) !== 0;
		data.local = known.local;
		data.remote = known.remote;
		data.tsEnterNs = u64(view, record + at.tsEnterNs);
		data.tsExitNs = u64(view, record + at.tsExitNs);
		data.bytes = view.getUint32(record + at.bytes, true);
		data.batch = batch;
		data.batchOffset = record + recordHeaderBytes;
		data.captured = captured;

		return data;
	}

	const reusedData = new BatchDataEvent();
	const reusedClose = newCloseEvent();

	// Every well-formed record to `visit`, in reused event objects or (reuse false) in new ones.
	function scan(bytes: Uint8Array, reuse: boolean, visit: (event: CaptureEvent) => void): number {
		const batch = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
		let count = 0;
		let at = 0;
		while (at + 4 <= batch.byteLength) {
			const length = view.getUint32(at, true);
			const record = at + 4;
			at = (record + length + 7) & ~7;
			if (length < recordHeaderBytes || record + length > batch.byteLength) {
				malformed++;
				continue;
			}

			const event = reuse
				? read(batch, view, record, length, reusedData, reusedClose)
				: read(batch, view, record, length, null, null);
			if (event === null) continue;
			count++;
			visit(event);
		}

		reusedData.batch = noBytes; // the batch is not held on to after its events
		// Bound the cache: closes normally prune it; a flood of unclosed connections must not grow it forever.
		if (endpoints.size > 100_000) {
			endpoints.clear();
		}

		return count;
	}

	function decode(batch: Uint8Array): CaptureEvent[] {
		const events: CaptureEvent[] = [];
		scan(batch, false, event => events.push(event));
		return events;
	}

	const decodeEach = (batch: Uint8Array, visit: (event: CaptureEvent) => void): number => scan(batch, true, visit);

	return {decode, decodeEach, malformed: () => malformed};
}
