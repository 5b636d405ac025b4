// The decoder against hand-built batches laid out as bpf/httptop.h says.
import test from 'ava';
import {createDecoder, recordHeaderBytes} from '../source/capture/decode.js';
import type {DataEvent} from '../source/capture/events.js';

type Fields = {kind?: number; family?: number; connId: number; bytes: number; payload: Buffer; room?: number};

/** One record as the addon frames it: u32 length, header, payload, padding up to `room`, then 8-byte alignment. */
function record({kind = 1, family = 2, connId, bytes, payload, room = payload.length}: Fields): Buffer {
	const length = recordHeaderBytes + room;
	const framed = Buffer.alloc((4 + length + 7) & ~7, 0xee); // padding bytes that must never be read as data
	framed.writeUInt32LE(length, 0);
	const h = framed.subarray(4, 4 + recordHeaderBytes);
	h.fill(0);
	h[0] = kind;
	h[1] = 1; // ingress
	h[2] = 0; // read
	h[3] = 1; // accepted
	h.writeUInt16LE(family, 4); // AF_INET unless told
	h.writeUInt16LE(8080, 6);
	h.writeUInt16LE(40_000, 8);
	h.writeUInt32LE(42, 12);
	h.writeUInt32LE(43, 16);
	h.writeInt32LE(7, 20);
	h.writeUInt32LE(connId, 24);
	h.writeUInt32LE(1000, 32);
	h.writeUInt32LE(2000, 40);
	h.writeUInt32LE(bytes, 48);
	h.writeUInt32LE(payload.length, 52);
	h.set([127, 0, 0, 1], 56);
	h.set([127, 0, 0, 2], 72);
	h.write('nginx', 88, 'latin1');
	payload.copy(framed, 4 + recordHeaderBytes);
	return framed;
}

test('a record padded past its payload gives only its captured bytes, and the record after it is read whole', t => {
	const first = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
	const second = Buffer.from('HTTP/1.1 204 No Content\r\n\r\n');
	const batch = Buffer.concat([
		record({connId: 1, bytes: first.length, payload: first, room: 128}),
		record({connId: 2, bytes: 9000, payload: second, room: 512}),
		record({connId: 1, bytes: first.length, payload: first}),
	]);
	for (const decode of [(b: Buffer) => createDecoder().decode(b), (b: Buffer) => {
		const copies: Array<{connId: number; bytes: number; data: string}> = [];
		createDecoder().decodeEach(b, event => {
			const data = event as DataEvent;
			copies.push({connId: data.connId, bytes: data.bytes, data: Buffer.from(data.data).toString('latin1')});
		});
		return copies;
	}]) {
		const events = decode(batch).map(e => ({connId: (e as DataEvent).connId, bytes: (e as DataEvent).bytes, data: Buffer.from((e as DataEvent).data).toString('latin1')}));
		t.deepEqual(events, [
			{connId: 1, bytes: first.length, data: first.toString('latin1')},
			{connId: 2, bytes: 9000, data: second.toString('latin1')},
			{connId: 1, bytes: first.length, data: first.toString('latin1')},
		]);
	}
});

test('a record whose captured count runs past its length is cut to the record, not read into the next', t => {
	const payload = Buffer.from('GET / HTTP/1.1\r\n\r\n');
	const bad = record({connId: 1, bytes: 100, payload});
	bad.writeUInt32LE(5000, 4 + 52); // captured larger than the record holds
	const [event] = createDecoder().decode(Buffer.concat([bad, record({connId: 2, bytes: payload.length, payload})]));
	t.is((event as DataEvent).data.length, bad.readUInt32LE(0) - recordHeaderBytes);
});

/** A HTTPTOP_RECORD_UNIX_NAMES record: the two names in their 128-byte slots, their lengths in `bytes`. */
function unixNames(connId: number, local: Buffer, remote: Buffer): Buffer {
	const payload = Buffer.alloc(256, 0xee); // bytes past a name's length must not be read
	local.copy(payload, 0);
	remote.copy(payload, 128);
	return record({kind: 3, family: 1, connId, bytes: local.length | (remote.length << 16), payload});
}

test('the names of an AF_UNIX connection stand for its addresses: a path ends at its NUL, an abstract name reads @ without its padding, none reads ""', t => {
	const get = Buffer.from('GET / HTTP/1.1\r\n\r\n');
	const data = (connId: number) => record({family: 1, connId, bytes: get.length, payload: get});
	const events = createDecoder().decode(Buffer.concat([
		unixNames(1, Buffer.from('/run/app.sock\0'), Buffer.alloc(0)),
		data(1),
		unixNames(2, Buffer.alloc(0), Buffer.from('\0podman-api')),
		data(2),
		data(3), // its names were lost (the ring buffer was full)
		unixNames(4, Buffer.alloc(0), Buffer.concat([Buffer.from('\0node-api'), Buffer.alloc(99)])), // bound by libuv: all 108 bytes
		data(4),
	])) as DataEvent[];
	t.deepEqual(events.map(e => [e.connId, e.local, e.remote]), [
		[1, {address: '/run/app.sock', port: 0}, {address: '', port: 0}],
		[2, {address: '', port: 0}, {address: '@podman-api', port: 0}],
		[3, {address: '', port: 0}, {address: '', port: 0}],
		[4, {address: '', port: 0}, {address: '@node-api', port: 0}],
	]);
	t.is(createDecoder().decode(unixNames(4, Buffer.from('/x'), Buffer.alloc(0))).length, 0, 'the names are no event of their own');
});
