import test, {type ExecutionContext} from 'ava';
import type {CaptureEvent, DataEvent, Direction} from '../source/capture/events.js';
import {createHttpAssembler, type HttpAssemblerOptions} from '../source/http/assembler.js';
import type {Exchange} from '../source/http/exchange.js';
import {joinedLatePath, startsHttp2, unknownMethod} from '../source/http2/connection.js';
import {kernelView, loadFixture, recut, truncateTo} from './fixtures/http/load.js';
import {frameStarts, frameView, joinPairs, joinedLate, loadH2Fixture, referenceStreams, type ReferenceStream} from './fixtures/h2/load.js';

const toMs = (ns: number): number => ns / 1e6;

const assemble = (events: readonly CaptureEvent[], options: Partial<HttpAssemblerOptions> = {}) => {
	const assembler = createHttpAssembler({monotonicNsToEpochMs: toMs, keepQuery: false, ...options});
	const exchanges = [...assembler.push(events), ...assembler.flush()];
	return {exchanges, counters: assembler.counters(), http2: assembler.http2Counters()};
};

const summary = (exchange: Exchange): string =>
	`${exchange.method} ${exchange.path} ${exchange.status}${exchange.grpcStatus === null ? '' : ` grpc ${exchange.grpcStatus}`}`;

const times = (count: number, text: string): string[] => Array.from({length: count}, () => text);

type Expected = {readonly summaries: readonly string[]; readonly resets: number};

// What each recorded program was asked to do (record.sh and the peer scripts).
const nodeStreams = [
	'GET /hello 200',
	'POST /upload 201',
	'GET /trailers 200',
	'GET /missing 404',
	'GET /big-headers 200',
	...times(10, 'GET /big 200'),
	'GET /hello 200',
];
const grpcCalls = [
	'POST /demo.Echo/Say 200 grpc 0',
	'POST /demo.Echo/Say 200 grpc 0',
	'POST /demo.Echo/Fail 200 grpc 3',
	'POST /demo.Echo/Lookup 200 grpc 5',
	'POST /demo.Other/Missing 200 grpc 12',
	'POST /demo.Echo/Say 200 grpc 0',
];
// Each call answered 404 with no grpc-status: what the gRPC client makes of it (UNIMPLEMENTED).
const grpcCallsTo404 = grpcCalls.map((line) => `${line.split(' ').slice(0, 2).join(' ')} 404 grpc 12`);
const fixtures: Record<string, Expected> = {
	'nghttpd-curl.server': {summaries: ['GET /a.txt 200', 'GET /missing 404', 'HEAD /a.txt 200', 'POST /a.txt 200'], resets: 0},
	'nghttpd-curl.client': {summaries: ['POST /a.txt 200'], resets: 0},
	'h2load.server': {summaries: times(30, 'GET /a.txt 200'), resets: 0},
	'h2load.client': {summaries: times(30, 'GET /a.txt 200'), resets: 0},
	'big.server': {summaries: times(10, 'GET /big.bin 200'), resets: 0},
	'big.client': {summaries: times(10, 'GET /big.bin 200'), resets: 0},
	'grpc.server': {summaries: grpcCalls, resets: 0},
	'grpc.client': {summaries: grpcCalls, resets: 0},
	'grpc-404.server': {summaries: grpcCallsTo404, resets: 0},
	'grpc-404.client': {summaries: grpcCallsTo404, resets: 0},
	'push.server': {summaries: ['GET /index.html 200'], resets: 0}, // /a.txt is pushed: no request of the client's
	'push.client': {summaries: ['GET /index.html 200'], resets: 0},
	'node.server': {summaries: nodeStreams, resets: 1},
	'node.client': {summaries: nodeStreams, resets: 1},
};

const roleOf = (name: string): 'server' | 'client' => (name.endsWith('.server') ? 'server' : 'client');
const requestDirection = (name: string): Direction => (roleOf(name) === 'server' ? 'ingress' : 'egress');
const sorted = (values: readonly string[]): string[] => [...values].sort();

// Bytes and times of an exchange, and what the reference walk says they must be.
const measured = (exchange: Exchange): string =>
	JSON.stringify([exchange.requestBytes, exchange.responseBytes, exchange.startMs, exchange.firstByteMs, exchange.endMs]);
const expectedMeasures = (streams: readonly ReferenceStream[], role: 'server' | 'client'): string[] =>
	streams
		.filter((stream) => !stream.reset)
		.map((stream) => {
			const server = role === 'server';
			const start = server ? stream.requestStart!.tsExitNs : stream.requestStart!.tsEnterNs;
			const firstByte = server ? stream.responseStart!.tsEnterNs : stream.responseStart!.tsExitNs;
			return JSON.stringify([stream.requestBytes, stream.responseBytes, toMs(start), toMs(firstByte), toMs(stream.responseEnd!.tsExitNs)]);
		});

/** Every stream counted once: the right summaries, bytes and times, nothing lost or unpaired but the resets. */
const expectExact = (t: ExecutionContext, name: string, events: readonly CaptureEvent[], reference: readonly CaptureEvent[] = events): void => {
	const expected = fixtures[name]!;
	const {exchanges, counters, http2} = assemble(events);
	t.deepEqual(sorted(exchanges.map(summary)), sorted(expected.summaries), name);
	t.deepEqual(sorted(exchanges.map(measured)), sorted(expectedMeasures(referenceStreams(reference, requestDirection(name)), roleOf(name))), `${name}: bytes and times`);
	t.true(exchanges.every((exchange) => exchange.role === roleOf(name) && exchange.httpVersion === '2' && exchange.host === '127.0.0.1:18190'));
	t.deepEqual(counters, {parseErrors: 0, unpaired: expected.resets, truncated: 0, connections: 0, evicted: 0, bufferedBytes: 0}, name);
	t.deepEqual(http2, {streams: expected.summaries.length, resets: expected.resets, joinedLate: 0, headerBlocksLost: 0}, name);
};

const names = Object.keys(fixtures);

for (const name of names) {
	test(`${name}: every stream is one exchange with its method, path, status, gRPC status, bytes and times`, (t) => {
		expectExact(t, name, loadH2Fixture(name).events);
	});
}

// Sizes chosen to split frame headers (9 bytes), preface (24) and payloads at every kind of place.
const cuts = [1, 8, 2, 9, 15, 24, 3, 100, 4096];

// The first syscall of a connection stays whole: it is how the kernel side and the
// assembler tell HTTP/2 (the preface, a server's SETTINGS) from the rest.
const recutAfterFirst = (events: readonly CaptureEvent[]): CaptureEvent[] => {
	const seen = new Set<number>();
	return events.flatMap((event): CaptureEvent[] => {
		if (event.kind !== 'data') return [event];
		if (!seen.has(event.connId)) {
			seen.add(event.connId);
			return [event];
		}

		return recut(event, cuts);
	});
};

test('every fixture re-cut into other syscall boundaries gives the same exchanges', (t) => {
	for (const name of names) expectExact(t, name, recutAfterFirst(loadH2Fixture(name).events));
});

test('every fixture with syscalls joined in twos gives the same exchanges', (t) => {
	for (const name of names) expectExact(t, name, joinPairs(loadH2Fixture(name).events));
});

test('a capture of frame headers and header blocks only, DATA counted but not copied, gives the same exchanges', (t) => {
	for (const name of names) {
		const {events} = loadH2Fixture(name);
		const view = frameView(events);
		t.true(view.some((event) => event.kind === 'data' && event.data.length < event.bytes), `${name} has uncopied bytes`);
		expectExact(t, name, view, events);
	}
});

test('a capture cut to its first 4096 bytes per syscall counts every stream once and shows no wrong value', (t) => {
	for (const name of names) {
		const expected = fixtures[name]!;
		const {exchanges, counters} = assemble(truncateTo(loadH2Fixture(name).events, 4096));
		// What was lost is counted: streams are exchanges or unpaired (resets included), and sync losses are truncations.
		t.is(exchanges.length + counters.unpaired, expected.summaries.length + expected.resets, name);
		t.is(counters.parseErrors, 0, name);
		const left = [...expected.summaries];
		for (const exchange of exchanges) {
			const index = left.indexOf(summary(exchange));
			t.not(index, -1, `${name}: ${summary(exchange)}`);
			left.splice(index, 1);
		}

		if (exchanges.length < expected.summaries.length) t.true(counters.truncated > 0, name);
	}
});

test('the query string is dropped unless asked for', (t) => {
	const server = assemble(loadH2Fixture('nghttpd-curl.server').events);
	t.true(server.exchanges.every((exchange) => exchange.query === null));
	const kept = assemble(loadH2Fixture('nghttpd-curl.server').events, {keepQuery: true});
	t.deepEqual(
		kept.exchanges.filter((exchange) => exchange.query !== null).map((exchange) => `${exchange.method} ${exchange.path} ${exchange.query!}`),
		['POST /a.txt token=s3cret'],
	);
	const node = assemble(loadH2Fixture('node.client').events, {keepQuery: true});
	t.is(node.exchanges.find((exchange) => exchange.query !== null)?.query, 'token=s3cret');
});

test('TLS plaintext: exchanges carry the tls flag', (t) => {
	const events = loadH2Fixture('grpc.client').events.map((event) => (event.kind === 'data' ? {...event, tls: true, syscall: 'ssl_write'} : event));
	const {exchanges} = assemble(events);
	t.is(exchanges.length, grpcCalls.length);
	t.true(exchanges.every((exchange) => exchange.tls));
});

const dataCount = (events: readonly CaptureEvent[]): number => events.filter((event) => event.kind === 'data').length;

test('joined late at every syscall: no wrong method, path or status, and the streams begun after are counted', (t) => {
	for (const name of names) {
		const {events} = loadH2Fixture(name);
		const expected = fixtures[name]!;
		const streams = referenceStreams(events, requestDirection(name));
		const starts = frameStarts(events, requestDirection(name));
		const data = events.filter((event): event is DataEvent => event.kind === 'data');
		const allowedMethods = new Set([...expected.summaries.map((line) => line.split(' ')[0]!), unknownMethod]);
		const allowedPaths = new Set([...expected.summaries.map((line) => line.split(' ')[1]!), joinedLatePath]);
		const allowedStatus = new Set(expected.summaries.map((line) => Number(line.split(' ')[2])));
		const allowedGrpc = new Set<number | null>([null, ...expected.summaries.map((line) => (line.includes(' grpc ') ? Number(line.split(' ').at(-1)) : null))]);
		for (let from = 1; from < dataCount(events); from++) {
			const {exchanges, counters} = assemble(joinedLate(events, from));
			for (const exchange of exchanges) {
				const where = `${name} from ${from}: ${summary(exchange)}`;
				t.true(allowedMethods.has(exchange.method), where);
				t.true(allowedPaths.has(exchange.path), where);
				t.true(allowedStatus.has(exchange.status), where);
				t.true(allowedGrpc.has(exchange.grpcStatus), where);
			}

			// Streams whose request comes once the framing of the request side is found (at a
			// syscall that starts with a frame) are counted exactly once: as exchanges, or unpaired
			// (resets, or a response side whose framing was not found yet). Earlier ones are not.
			const counted = streams.filter((stream) => {
				const sync = data.findIndex(
					(event, index) => index >= from && event.connId === stream.connId && event.direction === requestDirection(name) && starts.has(event),
				);
				return sync >= 0 && data.indexOf(stream.requestStart!) >= sync;
			});
			t.is(exchanges.length + counters.unpaired, counted.length, `${name} from ${from}`);
		}
	}
});

test('joined late after the first gRPC call: the path that call put in the table is labelled, the others decoded', (t) => {
	const {events} = loadH2Fixture('grpc.client');
	const streams = referenceStreams(events, 'egress');
	const data = events.filter((event): event is DataEvent => event.kind === 'data');
	// Start at the write of the second call's HEADERS.
	const from = data.indexOf(streams[1]!.requestStart!);
	const {exchanges, counters, http2} = assemble(joinedLate(events, from));
	// The first call also put content-type and grpc-status 0 in the tables: a later call
	// that names them is not known to be gRPC at all, rather than given a guessed status.
	t.deepEqual(exchanges.map(summary), [
		`POST ${joinedLatePath} 200`,
		'POST /demo.Echo/Fail 200 grpc 3',
		'POST /demo.Echo/Lookup 200 grpc 5',
		'POST /demo.Other/Missing 200 grpc 12',
		`POST ${joinedLatePath} 200`,
	]);
	t.is(counters.unpaired, 0);
	t.is(http2.joinedLate, 2);
	// The bytes are known from the frames even where the headers are not.
	const expected = streams.slice(1);
	t.deepEqual(
		exchanges.map((exchange) => exchange.requestBytes),
		expected.map((stream) => stream.requestBytes),
	);
});

test('a capture gap loses the framing and the HPACK tables, never the count of streams begun after', (t) => {
	const {events} = loadH2Fixture('h2load.client');
	const assembler = createHttpAssembler({monotonicNsToEpochMs: toMs, keepQuery: false});
	const half = Math.floor(events.length / 2);
	const exchanges = assembler.push(events.slice(0, half));
	assembler.markCaptureGap();
	exchanges.push(...assembler.push(events.slice(half)), ...assembler.flush());
	const counters = assembler.counters();
	t.true(exchanges.every((exchange) => ['GET /a.txt 200', `GET ${joinedLatePath} 200`, `${unknownMethod} ${joinedLatePath} 200`].includes(summary(exchange))));
	t.is(exchanges.length + counters.unpaired, 30);
});

test('HTTP/1 connections never start as HTTP/2, a TLS ClientHello included', (t) => {
	const http1 = ['nginx-keepalive.client', 'nginx-keepalive.server', 'node-curl.server', 'node-tunnel.client', 'python.server', 'nginx-tls.server'];
	for (const name of http1) {
		const first = new Map<number, DataEvent>();
		for (const event of loadFixture(name).events) if (event.kind === 'data' && !first.has(event.connId)) first.set(event.connId, event);
		for (const event of first.values()) t.false(startsHttp2(event), name);
		for (const event of kernelView(loadFixture(name).events)) if (event.kind === 'data') t.false(startsHttp2({...event, origin: 'unknown'}), name);
	}
});

test('a connection holding HPACK entries outlives the idle timeout; forgotten later, it resumes as joined late', (t) => {
	const {events} = loadH2Fixture('grpc.client');
	const streams = referenceStreams(events, 'egress');
	const data = events.filter((event): event is DataEvent => event.kind === 'data');
	const split = events.indexOf(streams[2]!.requestStart!); // before the third call
	const assembler = createHttpAssembler({monotonicNsToEpochMs: toMs, keepQuery: false});
	const exchanges = assembler.push(events.slice(0, split));
	t.deepEqual(exchanges.map(summary), grpcCalls.slice(0, 2));
	const last = data[data.indexOf(streams[2]!.requestStart!) - 1]!.tsExitNs;
	t.deepEqual(assembler.expire(last + 61e9), []);
	t.is(assembler.counters().connections, 1);
	assembler.expire(last + 601e9);
	t.is(assembler.counters().connections, 0);
	exchanges.push(...assembler.push(events.slice(split)), ...assembler.flush());
	// The table is gone with the connection: the last call's path was in it.
	t.deepEqual(exchanges.map(summary).slice(2), [...grpcCalls.slice(2, 5), `POST ${joinedLatePath} 200`]);
	t.is(assembler.counters().unpaired, 0);
	t.is(assembler.counters().bufferedBytes, 0);
});

test("a client's GOAWAY while responses are in flight ends none of them", (t) => {
	const {events} = loadH2Fixture('big.server');
	const reads = events.filter((event): event is DataEvent => event.kind === 'data' && event.direction === 'ingress');
	// h2load's GOAWAY (type 7) at the end of the connection, sent again right after the requests.
	const last = reads.at(-1)!;
	const at = Buffer.from(last.data).indexOf(Buffer.from([0, 0, 8, 7]));
	t.not(at, -1);
	const goaway = Buffer.from(last.data.subarray(at, at + 17));
	// After the write of the first response headers and DATA, before the rest.
	const after = events.findIndex((event) => event.kind === 'data' && event.direction === 'egress' && event.bytes > 1000);
	const before = events[after] as DataEvent;
	const early: DataEvent = {...reads[0]!, bytes: goaway.length, data: goaway, tsEnterNs: before.tsExitNs + 1, tsExitNs: before.tsExitNs + 2};
	const {exchanges, counters} = assemble([...events.slice(0, after + 1), early, ...events.slice(after + 1)]);
	t.deepEqual(exchanges.map(summary), times(10, 'GET /big.bin 200'));
	t.is(counters.unpaired, 0);
});

test('hostile bytes: fixtures with bytes overwritten at random never throw, release every buffer, and make well-formed exchanges', (t) => {
	let seed = 11;
	const random = (limit: number): number => {
		seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
		return Math.floor((seed / 2_147_483_648) * limit);
	};

	for (const name of names) {
		const {events} = loadH2Fixture(name);
		for (let round = 0; round < 20; round++) {
			const mutated = events.map((event) => {
				if (event.kind !== 'data' || random(3) !== 0) return event;
				const data = Buffer.from(event.data);
				for (let flips = 0; flips < 4; flips++) data[random(data.length)] = random(256);
				return {...event, data};
			});
			const {exchanges, counters} = assemble(mutated);
			t.is(counters.bufferedBytes, 0, name);
			t.true(
				exchanges.every((exchange) => exchange.path.length > 0 && exchange.status >= 0 && exchange.status <= 999 && exchange.requestBytes > 0 && exchange.endMs >= exchange.startMs),
				name,
			);
		}
	}
});

test("events in the streaming decoder's form (bytes read in place from a batch, one reused object) give the same exchanges", (t) => {
	for (const name of ['grpc.server', 'node.client', 'big.server']) {
		const {events} = loadH2Fixture(name);
		const assembler = createHttpAssembler({monotonicNsToEpochMs: toMs, keepQuery: false});
		const exchanges: Exchange[] = [];
		const reused = {} as {-readonly [K in keyof DataEvent]: DataEvent[K]};
		assembler.startBatch();
		for (const event of events) {
			if (event.kind !== 'data') {
				assembler.add(event, exchanges);
				continue;
			}

			// The record's bytes sit at an offset in a batch that is overwritten once the call returns.
			const batch = Buffer.alloc(event.data.length + 64, 0xee);
			batch.set(event.data, 40);
			Object.assign(reused, event, {data: new Uint8Array(0), batch, batchOffset: 40, captured: event.data.length});
			assembler.add(reused, exchanges);
			batch.fill(0xee);
		}

		exchanges.push(...assembler.flush());
		const expected = assemble(events).exchanges;
		t.deepEqual(exchanges.map(summary), expected.map(summary), name);
		t.deepEqual(exchanges.map(measured), expected.map(measured), name);
	}
});
