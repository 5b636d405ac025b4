// Decodes the addon's batches of raw records (layout: bpf/httptop.h) into typed
// capture events. Offsets mirror struct httptop_record byte for byte.

import type {CaptureEvent, ConnectionOrigin, Direction, Endpoint} from './events.js';

export const recordHeaderBytes = 104;

const kindData = 1;
const kindClose = 2;
const afInet = 2;

const syscallNames = ['read', 'readv', 'recvfrom', 'recvmsg', 'write', 'writev', 'sendto', 'sendmsg', 'sendfile', 'close'];
const origins: readonly ConnectionOrigin[] = ['unknown', 'accepted', 'connected'];

const u64 = (view: DataView, at: number): number => view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;

function address(bytes: Uint8Array, at: number, family: number): string {
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

function comm(bytes: Uint8Array, at: number): string {
	let end = at;
	while (end < at + 16 && bytes[end] !== 0) {
		end++;
	}

	return Buffer.from(bytes.buffer, bytes.byteOffset + at, end - at).toString('latin1');
}

/** Remembers the last endpoints decoded per connection, so that each is built once. */
type EndpointCache = Map<number, {local: Endpoint; remote: Endpoint; comm: string}>;

export type Decoder = {
	decode(batch: Uint8Array): CaptureEvent[];
	/** Records that were too short or of an unknown kind (a version mismatch). */
	readonly malformed: () => number;
};

export function createDecoder(): Decoder {
	const endpoints: EndpointCache = new Map();
	let malformed = 0;

	function decode(batch: Uint8Array): CaptureEvent[] {
		const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
		const events: CaptureEvent[] = [];
		let at = 0;
		while (at + 4 <= batch.byteLength) {
			const length = view.getUint32(at, true);
			const record = at + 4;
			at = (record + length + 7) & ~7;
			if (length < recordHeaderBytes || record + length > batch.byteLength) {
				malformed++;
				continue;
			}

			const kind = batch[record]!;
			const connId = u64(view, record + 24);
			const pid = view.getUint32(record + 12, true);
			const tid = view.getUint32(record + 16, true);
			const fd = view.getInt32(record + 20, true);
			if (kind === kindClose) {
				events.push({kind: 'close', connId, pid, tid, fd, tsNs: u64(view, record + 32)});
				endpoints.delete(connId);
				continue;
			}

			if (kind !== kindData) {
				malformed++;
				continue;
			}

			let known = endpoints.get(connId);
			if (!known) {
				const family = view.getUint16(record + 4, true);
				known = {
					local: {address: address(batch, record + 56, family), port: view.getUint16(record + 6, true)},
					remote: {address: address(batch, record + 72, family), port: view.getUint16(record + 8, true)},
					comm: comm(batch, record + 88),
				};
				endpoints.set(connId, known);
			}

			const captured = Math.min(view.getUint32(record + 52, true), length - recordHeaderBytes);
			events.push({
				kind: 'data',
				connId,
				pid,
				tid,
				fd,
				comm: known.comm,
				origin: origins[batch[record + 3]!] ?? 'unknown',
				direction: (batch[record + 1] === 1 ? 'ingress' : 'egress') satisfies Direction,
				syscall: syscallNames[batch[record + 2]!] ?? 'unknown',
				local: known.local,
				remote: known.remote,
				tsEnterNs: u64(view, record + 32),
				tsExitNs: u64(view, record + 40),
				bytes: view.getUint32(record + 48, true),
				data: batch.subarray(record + recordHeaderBytes, record + recordHeaderBytes + captured),
			});
		}

		// Bound the cache: closes normally prune it; a flood of unclosed connections must not grow it forever.
		if (endpoints.size > 100_000) {
			endpoints.clear();
		}

		return events;
	}

	return {decode, malformed: () => malformed};
}
