import test from 'ava';
import type {DataEvent} from '../source/capture/events.js';
import {clientPreface, frameFlag, frameType, headerBlockFragment, looksLikeFrames, matchPreface, readFrameHeader, readSettings} from '../source/http2/frame.js';
import {FrameStream, type Frame, type FrameStreamOwner} from '../source/http2/frame-stream.js';
import {HeaderBlockDecoder, type HeaderField} from '../source/http2/header-decoder.js';
import {loadFixture} from './fixtures/http/load.js';
import {loadH2Fixture} from './fixtures/h2/load.js';

const dataOf = (name: string, direction: 'ingress' | 'egress'): DataEvent[] =>
	loadH2Fixture(name).events.filter((event): event is DataEvent => event.kind === 'data' && event.direction === direction);

type Collected = {frames: Frame[]; prefaces: number; losses: string[]};

const collector = (): Collected & FrameStreamOwner => {
	const collected: Collected = {frames: [], prefaces: 0, losses: []};
	return Object.assign(collected, {
		prefaceSeen() {
			collected.prefaces++;
		},
		frame(_stream: FrameStream, frame: Frame) {
			collected.frames.push(frame);
		},
		syncLost(_stream: FrameStream, reason: string) {
			collected.losses.push(reason);
		},
	});
};

const run = (events: readonly DataEvent[], seenFromStart = true) => {
	const owner = collector();
	const budget = {used: 0, limit: 1 << 20};
	const stream = new FrameStream(owner, events[0]!.direction, 65_536, budget, seenFromStart);
	for (const event of events) stream.push(event);
	return {...owner, stream, budget};
};

/** The header blocks of one direction, decoded in order. */
const headerBlocks = (frames: readonly Frame[]): Array<{first: Frame; frames: number; fields: HeaderField[] | null; raw: Uint8Array}> => {
	const decoder = new HeaderBlockDecoder(true);
	const blocks = [];
	let parts: Uint8Array[] = [];
	let first: Frame | undefined;
	for (const frame of frames) {
		if (frame.header.type !== frameType.headers && frame.header.type !== frameType.continuation) continue;
		first ??= frame;
		const fragment = headerBlockFragment(frame.header, frame.payload!);
		if (typeof fragment === 'string') throw new Error(fragment);
		parts.push(fragment.fragment);
		if ((frame.header.flags & frameFlag.endHeaders) !== 0) {
			const raw = Buffer.concat(parts);
			blocks.push({first, frames: parts.length, fields: decoder.decode(raw), raw});
			parts = [];
			first = undefined;
		}
	}

	return blocks;
};

const value = (fields: readonly HeaderField[] | null, name: string): string | null | undefined => fields?.find((field) => field.name === name)?.value;

test('the client preface, then frames: one byte per syscall or as recorded, the same frames', (t) => {
	const events = dataOf('node.client', 'egress');
	const whole = run(events);
	t.is(whole.prefaces, 1);
	t.deepEqual(whole.losses, []);
	const bytes = events.map((event) => Buffer.from(event.data));
	const split = run(
		events.flatMap((event, index) =>
			[...bytes[index]!].map((byte) => ({...event, bytes: 1, data: Buffer.from([byte])})),
		),
	);
	t.is(split.prefaces, 1);
	t.deepEqual(
		split.frames.map((frame) => [frame.header, frame.payload === null ? null : Buffer.from(frame.payload).toString('hex')]),
		whole.frames.map((frame) => [frame.header, frame.payload === null ? null : Buffer.from(frame.payload).toString('hex')]),
	);
	t.is(whole.budget.used, 0);
	t.is(split.budget.used, 0);
	// Every byte is in the preface or a frame.
	const total = events.reduce((sum, event) => sum + event.bytes, 0);
	t.is(whole.frames.reduce((sum, frame) => sum + 9 + frame.header.length, clientPreface.length), total);
});

test('real PADDED and PRIORITY HEADERS, CONTINUATION and a table size update from node:http2 decode', (t) => {
	const requests = headerBlocks(run(dataOf('node.client', 'egress')).frames);
	const responses = headerBlocks(run(dataOf('node.client', 'ingress')).frames);
	t.true(requests.every((block) => block.fields !== null));
	t.true(responses.every((block) => block.fields !== null));
	// PRIORITY: the request sent with a weight.
	const prioritized = requests.filter((block) => (block.first.header.flags & frameFlag.priority) !== 0);
	t.deepEqual(prioritized.map((block) => value(block.fields, ':path')), ['/missing']);
	// CONTINUATION: a 20000-byte header value does not fit one 16384-byte frame.
	const continued = requests.filter((block) => block.frames > 1);
	t.deepEqual(continued.map((block) => [value(block.fields, ':path'), value(block.fields, 'x-big-request')?.length]), [['/big-headers', 20_000]]);
	// PADDED: the server pads every HEADERS frame.
	t.true(responses.length > 0 && responses.every((block) => (block.first.header.flags & frameFlag.padded) !== 0));
	// The client asked for a 256-byte table: the server's first block starts with a size update (001xxxxx).
	t.is(responses[0]!.raw[0]! & 0xe0, 0x20);
	t.deepEqual(responses.map((block) => value(block.fields, ':status')).filter((status) => status !== undefined).slice(0, 4), ['200', '201', '200', '404']);
	// And the client's SETTINGS carried SETTINGS_HEADER_TABLE_SIZE.
	const settings = run(dataOf('node.client', 'egress')).frames.find((frame) => frame.header.type === frameType.settings)!;
	t.deepEqual(readSettings(settings.payload!), [[1, 256]]);
});

test('malformed padding and priority fields are reported, not read past', (t) => {
	const header = (type: number, flags: number, length: number) => ({type, flags, length, streamId: 1});
	t.is(typeof headerBlockFragment(header(frameType.headers, frameFlag.padded, 3), Buffer.from([5, 0x82, 0x84])), 'string');
	t.is(typeof headerBlockFragment(header(frameType.headers, frameFlag.padded, 0), Buffer.alloc(0)), 'string');
	t.is(typeof headerBlockFragment(header(frameType.headers, frameFlag.priority, 3), Buffer.from([0, 0, 0])), 'string');
	const padded = headerBlockFragment(header(frameType.headers, frameFlag.padded | frameFlag.priority, 9), Buffer.from([2, 0, 0, 0, 3, 15, 0x82, 0, 0]));
	t.deepEqual(typeof padded === 'string' ? padded : [...padded.fragment], [0x82]);
});

test('HTTP/1 and TLS bytes are neither the preface nor frames', (t) => {
	for (const name of ['nginx-keepalive.client', 'nginx-keepalive.server', 'nginx-tls.server', 'node-curl.client']) {
		for (const event of loadFixture(name).events) {
			if (event.kind !== 'data') continue;
			t.is(matchPreface(event.data), 'no', name);
			t.false(looksLikeFrames(event.data, event.bytes), name);
		}
	}

	t.false(looksLikeFrames(Buffer.from('GET / HTTP/1.1\r\n\r\n'), 18));
	t.is(matchPreface(clientPreface.subarray(0, 10)), 'partial');
	const server = dataOf('big.server', 'egress')[0]!;
	t.true(looksLikeFrames(server.data, server.bytes));
	t.deepEqual(readFrameHeader(server.data, 0), {length: 6, type: frameType.settings, flags: 0, streamId: 0});
});

test('a frame header past the capture loses the framing; a syscall of whole frames finds it again', (t) => {
	const events = dataOf('big.server', 'egress');
	const whole = run(events);
	// Cut the capture of a write holding several frames to just inside its second frame header.
	const index = events.findIndex((event) => looksLikeFrames(event.data, event.bytes) && readFrameHeader(event.data, 0).length + 9 < event.bytes);
	const cutAt = readFrameHeader(events[index]!.data, 0).length + 9 + 4;
	const truncated = events.map((event, at) => (at === index ? {...event, data: event.data.subarray(0, cutAt)} : event));
	const lossy = run(truncated);
	t.deepEqual(lossy.losses, ['truncated']);
	t.true(lossy.stream.skippedBytes > 0);
	const later = events.slice(index + 1).findIndex((event) => looksLikeFrames(event.data, event.bytes));
	t.not(later, -1);
	// The frames from the resync on are those of the full capture.
	const resyncAt = events[index + 1 + later]!;
	const fromResync = (frames: readonly Frame[]) => frames.filter((frame) => frame.startEnterNs >= resyncAt.tsEnterNs).map((frame) => frame.header);
	t.deepEqual(fromResync(lossy.frames), fromResync(whole.frames));
	t.is(lossy.budget.used, 0);
});

test('joined late: a syscall that starts inside a frame is skipped until one starts with frames', (t) => {
	const events = dataOf('node.client', 'ingress');
	const middle = events.findIndex((event, index) => index > 2 && !looksLikeFrames(event.data, event.bytes));
	t.not(middle, -1);
	const late = run(events.slice(middle), false);
	t.true(late.stream.skippedBytes >= events[middle]!.bytes);
	t.true(late.frames.length > 0);
	t.deepEqual(late.losses, []);
});
