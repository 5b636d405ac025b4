import {readdirSync} from 'node:fs';
import test from 'ava';
import type {CaptureEvent, DataEvent, Direction} from '../source/capture/events.js';
import {createHttpAssembler, type HttpAssemblerOptions} from '../source/http/assembler.js';
import type {Exchange} from '../source/http/exchange.js';
import {dataEvents, join, kernelView, loadFixture, recut, truncateTo} from './fixtures/http/load.js';

const toMs = (ns: number): number => ns / 1e6;

const assemble = (events: readonly CaptureEvent[], options: Partial<HttpAssemblerOptions> = {}) => {
	const assembler = createHttpAssembler({monotonicNsToEpochMs: toMs, keepQuery: false, ...options});
	const exchanges = [...assembler.push(events), ...assembler.flush()];
	return {exchanges, counters: assembler.counters(), assembler};
};

const fixture = (name: string): CaptureEvent[] => kernelView(loadFixture(name).events);
const text = (event: DataEvent): string => Buffer.from(event.data).toString('latin1');
const sum = (events: readonly DataEvent[]): number => events.reduce((total, event) => total + event.bytes, 0);
const summary = (exchange: Exchange): string => `${exchange.method} ${exchange.path} ${exchange.status}`;

type Turn = {readonly request: DataEvent[]; readonly response: DataEvent[]};

/**
 * A connection without pipelining as turns: each run of syscalls in the request
 * direction, then the run in the other direction that answers it. Independent
 * of the parser: it looks only at which way the bytes went.
 */
const turns = (events: readonly CaptureEvent[], connId: number, requestDirection: Direction): Turn[] => {
	const result: Turn[] = [];
	for (const event of dataEvents(events).filter((candidate) => candidate.connId === connId)) {
		const last = result.at(-1);
		if (event.direction === requestDirection) {
			if (last === undefined || last.response.length > 0) result.push({request: [event], response: []});
			else last.request.push(event);
		} else {
			last?.response.push(event);
		}
	}

	return result;
};

const expectTurns = (t: import('ava').ExecutionContext, exchanges: readonly Exchange[], expected: readonly Turn[]): void => {
	t.is(exchanges.length, expected.length);
	for (const [index, turn] of expected.entries()) {
		const exchange = exchanges[index]!;
		const server = exchange.role === 'server';
		t.is(exchange.requestBytes, sum(turn.request), `request bytes of ${summary(exchange)}`);
		t.is(exchange.responseBytes, sum(turn.response), `response bytes of ${summary(exchange)}`);
		t.is(exchange.startMs, toMs(server ? turn.request[0]!.tsExitNs : turn.request[0]!.tsEnterNs));
		t.is(exchange.firstByteMs, toMs(server ? turn.response[0]!.tsEnterNs : turn.response[0]!.tsExitNs));
		t.is(exchange.endMs, toMs(turn.response.at(-1)!.tsExitNs));
	}
};

const zeroCounters = {parseErrors: 0, unpaired: 0, truncated: 0, connections: 0, evicted: 0, bufferedBytes: 0};

const nginxKeepAliveSummary = [
	'GET /a.txt 200',
	'GET /index.html 200',
	'GET /echo 200',
	'GET /empty 204',
	'GET /missing 404',
	'HEAD /a.txt 200',
	'GET /a.txt 304',
];

test('nginx serving curl on one keep-alive connection: 7 server exchanges, exact bytes and times', (t) => {
	const events = fixture('nginx-keepalive.server');
	const {exchanges, counters} = assemble(events);
	t.deepEqual(exchanges.map(summary), nginxKeepAliveSummary);
	expectTurns(t, exchanges, turns(events, 1, 'ingress'));
	const first = dataEvents(events)[0]!;
	for (const exchange of exchanges) {
		t.like(exchange, {
			role: 'server',
			pid: first.pid,
			tid: first.tid,
			comm: 'nginx',
			fd: first.fd,
			connId: 1,
			container: null,
			host: '127.0.0.1:18080',
			httpVersion: '1.1',
			query: null,
		});
		t.deepEqual(exchange.local, {address: '127.0.0.1', port: 18_080});
		t.is(exchange.remote.address, '127.0.0.1');
		t.true(exchange.startMs <= exchange.firstByteMs && exchange.firstByteMs <= exchange.endMs);
	}

	t.deepEqual(counters, zeroCounters);
});

test('curl on the same connection: 7 client exchanges timed from its write to its read', (t) => {
	const events = fixture('nginx-keepalive.client');
	const {exchanges, counters} = assemble(events);
	t.deepEqual(exchanges.map(summary), nginxKeepAliveSummary);
	expectTurns(t, exchanges, turns(events, 1, 'egress'));
	t.true(exchanges.every((exchange) => exchange.role === 'client' && exchange.comm === 'curl' && exchange.local.port !== 18_080));
	t.true(exchanges.every((exchange) => exchange.remote.port === 18_080));
	t.deepEqual(counters, zeroCounters);
});

test('query strings are dropped unless asked for', (t) => {
	const events = fixture('nginx-keepalive.server');
	const dropped = assemble(events).exchanges;
	t.is(dropped[2]!.path, '/echo');
	t.is(dropped[2]!.query, null);
	t.false(JSON.stringify(dropped).includes('s3cret'));
	const kept = assemble(events, {keepQuery: true}).exchanges;
	t.is(kept[2]!.query, 'x=1&token=s3cret');
	t.is(kept[0]!.query, null);
});

test('each exchange is emitted exactly once, whatever the batching', (t) => {
	const events = fixture('node-keepalive.server');
	const whole = assemble(events).exchanges;
	const assembler = createHttpAssembler({monotonicNsToEpochMs: toMs, keepQuery: false});
	const oneByOne = events.flatMap((event) => assembler.push([event]));
	t.deepEqual(oneByOne, whole);
	t.deepEqual(assembler.flush(), []);
	t.deepEqual(assembler.expire(Number.MAX_SAFE_INTEGER), []);
	t.is(assembler.counters().connections, 0);
});

test('node http on both ends: chunked, 1 MiB, 100-continue, HEAD, 204, 304, 404 and a reused fd', (t) => {
	const expected = [
		'GET /hello 200',
		'GET /chunked 200',
		'GET /big-chunked 200',
		'GET /big-length 200',
		'POST /upload 200',
		'HEAD /hello 200',
		'GET /empty 204',
		'GET /cached 304',
		'GET /missing 404',
	];
	for (const [name, role] of [
		['node-keepalive.server', 'server'],
		['node-keepalive.client', 'client'],
	] as const) {
		const events = fixture(name);
		const {exchanges, counters} = assemble(events);
		t.deepEqual(exchanges.map(summary), expected, name);
		t.true(exchanges.every((exchange) => exchange.role === role));
		t.is(counters.parseErrors + counters.unpaired, 0);
		const byPath = (path: string) => exchanges.find((exchange) => exchange.path === path)!;
		t.is(byPath('/big-length').responseBytes - 1_048_576, text(dataEvents(events).find((event) => text(event).includes('content-length: 1048576'))!).indexOf('\r\n\r\n') + 4);
		t.true(byPath('/big-chunked').responseBytes > 1_048_576);
		// The 100 Continue pairs with nothing: the response is the final one, carrying the 100's bytes too, and the request carries its 3000-byte body.
		const post = byPath('/upload');
		const postHead = dataEvents(events).find((event) => text(event).startsWith('POST /upload'))!;
		t.is(post.requestBytes, postHead.bytes + 3000);
		const finalResponse = dataEvents(events).find((event) => text(event).startsWith('HTTP/1.1 200') && event.tsEnterNs > postHead.tsEnterNs)!;
		const proceed = dataEvents(events).find((event) => text(event).startsWith('HTTP/1.1 100'))!;
		t.is(post.responseBytes, proceed.bytes + finalResponse.bytes);
		t.is(post.firstByteMs, toMs(role === 'server' ? finalResponse.tsEnterNs : finalResponse.tsExitNs));
		// The connection closed after HEAD; the next one got the same fd and a new connId.
		t.deepEqual([...new Set(exchanges.map((exchange) => exchange.connId))], [1, 2]);
		t.is(new Set(exchanges.map((exchange) => exchange.fd)).size, 1);
		// Turns hold wherever no interim response splits them: the 100 Continue makes the upload two turns.
		for (const connId of [1, 2]) {
			const connectionTurns = turns(events, connId, role === 'server' ? 'ingress' : 'egress');
			const upload = connectionTurns.findIndex((turn) => text(turn.request[0]!).startsWith('POST /upload'));
			t.is(upload >= 0, connId === 1);
			expectTurns(
				t,
				exchanges.filter((exchange) => exchange.connId === connId && exchange.path !== '/upload'),
				connectionTurns.filter((_turn, index) => upload < 0 || (index !== upload && index !== upload + 1)),
			);
		}
	}
});

test('three pipelined requests in one read, answered in three writes (nginx)', (t) => {
	const events = fixture('nginx-pipeline.server');
	const [read, ...writes] = dataEvents(events);
	t.is(writes.length, 3);
	const {exchanges, counters} = assemble(events);
	t.deepEqual(exchanges.map(summary), ['GET /a.txt 200', 'GET /echo 200', 'GET /index.html 200']);
	t.is(sum(dataEvents(events).slice(0, 1)), exchanges.reduce((total, exchange) => total + exchange.requestBytes, 0));
	for (const [index, exchange] of exchanges.entries()) {
		t.is(exchange.startMs, toMs(read!.tsExitNs)); // one read, one start time
		t.is(exchange.responseBytes, writes[index]!.bytes);
		t.is(exchange.firstByteMs, toMs(writes[index]!.tsEnterNs));
		t.is(exchange.endMs, toMs(writes[index]!.tsExitNs));
	}

	t.deepEqual(counters, zeroCounters);
});

test('three pipelined responses, read one by one and all in one read (the client side)', (t) => {
	const events = fixture('nginx-pipeline.client');
	const [write, ...reads] = dataEvents(events);
	const written = dataEvents(fixture('nginx-pipeline.server'))
		.filter((event) => event.direction === 'egress')
		.map((event) => event.bytes);
	// As recorded, and as a slower reader would have read the same bytes: at once.
	for (const responses of [reads, [join(reads)]]) {
		const {exchanges, counters} = assemble([write!, ...responses]);
		t.deepEqual(exchanges.map(summary), ['GET /a.txt 200', 'GET /echo 200', 'GET /index.html 200']);
		t.deepEqual(
			exchanges.map((exchange) => exchange.responseBytes),
			written,
		);
		t.true(exchanges.every((exchange) => exchange.role === 'client' && exchange.startMs === toMs(write!.tsEnterNs)));
		t.is(exchanges.at(-1)!.endMs, toMs(responses.at(-1)!.tsExitNs));
		t.deepEqual(counters, zeroCounters);
	}
});

test('pipelined requests cut into two reads anywhere still pair in order', (t) => {
	const events = fixture('nginx-pipeline.server');
	const [read, ...rest] = dataEvents(events);
	for (let cut = 1; cut < read!.bytes; cut++) {
		const {exchanges, counters} = assemble([...recut(read!, [cut]), ...rest]);
		t.deepEqual(exchanges.map(summary), ['GET /a.txt 200', 'GET /echo 200', 'GET /index.html 200'], `cut at ${cut}`);
		t.is(counters.parseErrors + counters.unpaired + counters.truncated, 0);
	}
});

test('pipelined requests to node, a chunked response among them', (t) => {
	const {exchanges, counters} = assemble(fixture('node-pipeline.server'));
	t.deepEqual(exchanges.map(summary), ['GET /hello 200', 'GET /chunked 200', 'GET /empty 204']);
	t.true(new Set(exchanges.map((exchange) => exchange.startMs)).size === 1);
	t.deepEqual(counters, zeroCounters);
});

test('curl against node: HTTP/1.0 close-delimited, 100-continue, 1 MiB chunked read in 100 KiB, chunked upload', (t) => {
	for (const [name, role] of [
		['node-curl.server', 'server'],
		['node-curl.client', 'client'],
	] as const) {
		const events = fixture(name);
		const {exchanges, counters} = assemble(events);
		t.deepEqual(exchanges.map(summary), ['GET /chunked 200', 'POST /upload 200', 'GET /big-chunked 200', 'POST /upload 200'], name);
		t.true(exchanges.every((exchange) => exchange.role === role));
		const [close10, continued, big, chunkedUpload] = exchanges;
		t.is(close10!.httpVersion, '1.0');
		const first = turns(events, 1, role === 'server' ? 'ingress' : 'egress')[0]!;
		t.is(close10!.responseBytes, sum(first.response)); // ended by the close, at the last byte
		t.is(close10!.endMs, toMs(first.response.at(-1)!.tsExitNs));
		t.is(continued!.requestBytes - 3000, dataEvents(events).find((event) => text(event).startsWith('POST /upload'))!.bytes);
		const bigTurn = turns(events, 2, role === 'server' ? 'ingress' : 'egress').find((turn) => text(turn.request[0]!).startsWith('GET /big-chunked'))!;
		t.is(big!.responseBytes, sum(bigTurn.response));
		t.is(big!.endMs, toMs(bigTurn.response.at(-1)!.tsExitNs));
		t.is(chunkedUpload!.requestBytes, sum(turns(events, 2, role === 'server' ? 'ingress' : 'egress').at(-1)!.request));
		t.is(counters.parseErrors + counters.unpaired, 0);
		// curl's 100 KiB reads hid chunk-size lines: sync was lost once, the exchange kept.
		t.is(counters.truncated, role === 'client' ? 1 : 0);
	}
});

test('a close-delimited response waits for the close', (t) => {
	const events = fixture('node-curl.server');
	const close = events.findIndex((event) => event.kind === 'close');
	const assembler = createHttpAssembler({monotonicNsToEpochMs: toMs, keepQuery: false});
	t.deepEqual(assembler.push(events.slice(0, close)), []);
	const atClose = assembler.push([events[close]!]);
	t.deepEqual(atClose.map(summary), ['GET /chunked 200']);
});

test('1 MiB from nginx with writev and with sendfile, both ends', (t) => {
	for (const [name, direction] of [
		['nginx-big.server', 'ingress'],
		['nginx-big.client', 'egress'],
	] as const) {
		const events = fixture(name);
		const {exchanges, counters} = assemble(events);
		t.deepEqual(exchanges.map(summary), ['GET /big.bin 200', 'GET /big.bin 200']);
		t.deepEqual(
			exchanges.map((exchange) => exchange.host),
			['127.0.0.1:18080', '127.0.0.1:18081'],
		);
		expectTurns(t, exchanges, [...turns(events, 1, direction), ...turns(events, 2, direction)]);
		t.deepEqual(counters, zeroCounters);
	}
});

test('heads larger than the capture: exchanges kept, counted truncated', (t) => {
	for (const [name, direction] of [
		['nginx-bigcookie.server', 'ingress'],
		['nginx-bigcookie.client', 'egress'],
	] as const) {
		const events = fixture(name);
		const {exchanges, counters} = assemble(events);
		t.deepEqual(exchanges.map(summary), ['GET /a.txt 200', 'GET /index.html 200']);
		expectTurns(t, exchanges, turns(events, 1, direction));
		t.true(exchanges.every((exchange) => exchange.host === '127.0.0.1:18080' && exchange.requestBytes > 6000));
		t.like(counters, {truncated: 2, parseErrors: 0, unpaired: 0});
		t.false(JSON.stringify(exchanges).includes('ccccc'));
	}
});

test('upgrade (101) and CONNECT end HTTP: the bytes after are not parsed', (t) => {
	for (const name of ['node-tunnel.server', 'node-tunnel.client']) {
		const {exchanges, counters} = assemble(fixture(name));
		t.deepEqual(exchanges.map(summary), ['GET /ws 101', 'CONNECT example.com:443 200'], name);
		t.is(exchanges[1]!.host, '127.0.0.1:18090');
		t.deepEqual(counters, zeroCounters);
	}
});

test('seen mid-stream, the first chunk a response: it is unpaired, the rest pair', (t) => {
	const events = loadFixture('nginx-keepalive.server').events.slice(1);
	const {exchanges, counters} = assemble(kernelView(events));
	t.deepEqual(exchanges.map(summary), nginxKeepAliveSummary.slice(1));
	t.like(counters, {unpaired: 1, parseErrors: 0, truncated: 0});
});

test('seen mid-stream, the first chunk a request of a keep-alive connection', (t) => {
	const events = loadFixture('nginx-keepalive.client').events.slice(4);
	const {exchanges, counters} = assemble(kernelView(events));
	t.deepEqual(exchanges.map(summary), nginxKeepAliveSummary.slice(2));
	t.true(exchanges.every((exchange) => exchange.role === 'client'));
	t.deepEqual(counters, zeroCounters);
});

test('seen mid-stream, the first chunks in the middle of a 1 MiB body: skipped without errors', (t) => {
	const all = loadFixture('node-keepalive.server').events;
	const bigLength = all.findIndex((event) => event.kind === 'data' && text(event).startsWith('GET /big-length'));
	// As a replay or a different kernel gate would deliver them: everything from the 5th body write on.
	const {exchanges, counters} = assemble(all.slice(bigLength + 5));
	t.deepEqual(exchanges.map(summary), ['POST /upload 200', 'HEAD /hello 200', 'GET /empty 204', 'GET /cached 304', 'GET /missing 404']);
	t.deepEqual(counters, zeroCounters);
});

test('python http.server: HTTP/1.0 answers, one connection each, the fd reused', (t) => {
	for (const [name, role] of [
		['python.server', 'server'],
		['python.client', 'client'],
	] as const) {
		const events = fixture(name);
		const {exchanges, counters} = assemble(events);
		t.deepEqual(exchanges.map(summary), ['GET /a.txt 200', 'GET /index.html 200']);
		t.deepEqual(
			exchanges.map((exchange) => exchange.connId),
			[1, 2],
		);
		t.is(exchanges[0]!.fd, exchanges[1]!.fd);
		t.true(exchanges.every((exchange) => exchange.role === role && exchange.httpVersion === '1.1'));
		expectTurns(t, exchanges, [...turns(events, 1, role === 'server' ? 'ingress' : 'egress'), ...turns(events, 2, role === 'server' ? 'ingress' : 'egress')]);
		t.deepEqual(counters, zeroCounters);
	}
});

test('a close followed by new data on the same connId starts afresh', (t) => {
	const events = fixture('python.server').map((event) => ({...event, connId: 7}));
	const {exchanges, counters} = assemble(events);
	t.deepEqual(exchanges.map(summary), ['GET /a.txt 200', 'GET /index.html 200']);
	t.deepEqual(counters, zeroCounters);
});

test('a TLS ClientHello never throws; the 400 nginx answers it with is unpaired', (t) => {
	// As the kernel sends it: the ClientHello never arrives (not HTTP), only nginx's 400.
	t.like(assemble(fixture('nginx-tls.server')).counters, {parseErrors: 0, unpaired: 1});
	// Unfiltered, the ClientHello is the first chunk seen: the tail of something unseen, skipped.
	const {exchanges, counters} = assemble(loadFixture('nginx-tls.server').events);
	t.deepEqual(exchanges, []);
	t.like(counters, {parseErrors: 0, unpaired: 1});
});

test('garbage in the middle of a keep-alive connection: one parse error, the next request resynchronises', (t) => {
	const events = fixture('nginx-keepalive.server');
	const tls = dataEvents(loadFixture('nginx-tls.server').events)[0]!;
	const garbage = {...tls, connId: 1, pid: dataEvents(events)[0]!.pid, tsEnterNs: dataEvents(events)[3]!.tsExitNs + 1, tsExitNs: dataEvents(events)[3]!.tsExitNs + 2};
	const {exchanges, counters} = assemble([...events.slice(0, 4), garbage, ...events.slice(4)]);
	t.deepEqual(exchanges.map(summary), nginxKeepAliveSummary);
	t.like(counters, {parseErrors: 1, unpaired: 0});
});

test('random bytes on many connections never throw and count what they cost', (t) => {
	let seed = 12_345;
	const random = (): number => {
		seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
		return seed / 2_147_483_648;
	};

	const prefixes = ['GET / HTTP/1.1\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', 'POST /', 'HTTP/1.1 ', '', '\r\n0\r\n\r\n'];
	const events: CaptureEvent[] = [];
	for (let index = 0; index < 5000; index++) {
		const noise = Buffer.from(Array.from({length: Math.floor(random() * 300)}, () => Math.floor(random() * 256)));
		const data = Buffer.concat([Buffer.from(prefixes[Math.floor(random() * prefixes.length)]!), noise]);
		const connId = 1 + Math.floor(random() * 20);
		if (random() < 0.02) {
			events.push({kind: 'close', connId, pid: 1, tid: 1, fd: 3, tsNs: index * 1000});
			continue;
		}

		events.push({
			kind: 'data',
			connId,
			pid: 1,
			tid: 1,
			fd: 3,
			comm: 'fuzz',
			origin: 'unknown',
			direction: random() < 0.5 ? 'ingress' : 'egress',
			syscall: 'read',
			tls: false,
			local: {address: '127.0.0.1', port: 80},
			remote: {address: '127.0.0.1', port: 1000 + connId},
			tsEnterNs: index * 1000,
			tsExitNs: index * 1000 + 10,
			bytes: data.length + (random() < 0.2 ? Math.floor(random() * 100_000) : 0),
			data,
		});
	}

	const {counters, exchanges} = assemble(events, {maxConnections: 8});
	t.true(counters.parseErrors > 0);
	t.true(Number.isFinite(counters.unpaired) && Number.isFinite(counters.truncated));
	t.true(exchanges.every((exchange) => exchange.startMs <= exchange.endMs));
	t.is(counters.bufferedBytes, 0);
});

test('the least recently used connection goes first beyond maxConnections', (t) => {
	const a = fixture('nginx-keepalive.server');
	const b = fixture('python.server').map((event) => ({...event, connId: event.connId + 100}));
	// A's first request, then B's whole life, then the rest of A.
	const events = [a[0]!, ...b, ...a.slice(1)];
	const {exchanges, counters} = assemble(events, {maxConnections: 1});
	t.true(exchanges.some((exchange) => exchange.connId === 101));
	t.is(exchanges.filter((exchange) => exchange.connId === 1).length, nginxKeepAliveSummary.length - 1);
	t.like(counters, {evicted: 1, unpaired: 2}); // A's first request, and then its response
	t.true(counters.connections <= 1);
});

test('expire: idle connections go, in-flight ones wait longer, lost messages end', (t) => {
	const events = fixture('node-curl.client');
	const last = (list: readonly CaptureEvent[]) => {
		const event = list.at(-1)!;
		return event.kind === 'data' ? event.tsExitNs : event.tsNs;
	};

	// Up to the end of the 1 MiB chunked response whose end curl's reads hid.
	const nextRequest = events.findIndex((event) => event.kind === 'data' && text(event).startsWith('POST /upload') && event.connId === 2);
	const secondUpload = events.findIndex((event, index) => index > nextRequest && event.kind === 'data' && text(event).startsWith('POST /upload'));
	const upToLost = events.slice(0, secondUpload);
	const assembler = createHttpAssembler({monotonicNsToEpochMs: toMs, keepQuery: false});
	t.deepEqual(assembler.push(upToLost).map(summary), ['GET /chunked 200', 'POST /upload 200']);
	const end = last(upToLost);
	t.deepEqual(assembler.expire(end + 1e9), []); // 1 s: still waiting
	const expired = assembler.expire(end + 3e9);
	t.deepEqual(expired.map(summary), ['GET /big-chunked 200']);
	t.is(expired[0]!.endMs, toMs(end));
	t.is(assembler.counters().connections, 1);
	t.deepEqual(assembler.expire(end + 61e9), []); // idle now: dropped
	t.is(assembler.counters().connections, 0);

	// A request with no answer yet holds its connection until the in-flight timeout, then is unpaired.
	const waiting = createHttpAssembler({monotonicNsToEpochMs: toMs, keepQuery: false, inFlightTimeoutMs: 5000});
	const request = fixture('nginx-keepalive.server')[0]!;
	waiting.push([request]);
	waiting.expire(last([request]) + 4e9);
	t.is(waiting.counters().connections, 1);
	waiting.expire(last([request]) + 6e9);
	t.like(waiting.counters(), {connections: 0, unpaired: 1});
});

test('after a capture gap a response pairs with the newest request, not a stale one', (t) => {
	const events = fixture('nginx-keepalive.server');
	// The ring buffer lost nginx's second response.
	const withHole = [...events.slice(0, 3), ...events.slice(4)];
	const assembler = createHttpAssembler({monotonicNsToEpochMs: toMs, keepQuery: false});
	const before = assembler.push(withHole.slice(0, 4));
	assembler.markCaptureGap();
	const after = [...assembler.push(withHole.slice(4)), ...assembler.flush()];
	t.deepEqual([...before, ...after].map(summary), nginxKeepAliveSummary.filter((_line, index) => index !== 1));
	t.like(assembler.counters(), {unpaired: 1});
});

test('resolveContainer is asked once per connection and named in its exchanges', (t) => {
	const asked: number[] = [];
	const {exchanges} = assemble(fixture('node-keepalive.server'), {
		resolveContainer(pid) {
			asked.push(pid);
			return 'web-1';
		},
	});
	t.is(asked.length, 2); // two connections
	t.true(exchanges.every((exchange) => exchange.container === 'web-1'));
});

// What the streaming decoder hands over: each event's bytes inside a larger buffer
// (here between other bytes that look like HTTP, to catch reads past the end), and no data view.
const inBatch = (events: readonly CaptureEvent[]): CaptureEvent[] => {
	const before = Buffer.from('HTTP/1.1 200 OK\r\n');
	const after = Buffer.from('\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n');
	return events.map((event) => {
		if (event.kind !== 'data') return event;
		const batch = Buffer.concat([before, event.data, after]);
		return {...event, data: new Uint8Array(0), batch, batchOffset: before.length, captured: event.data.length};
	});
};

test('bytes read in place from a batch give the same exchanges and counters as data views', (t) => {
	const names = readdirSync(new URL('fixtures/http/', import.meta.url)).filter((name) => name.endsWith('.ndjson'));
	t.true(names.length > 10);
	for (const name of names) {
		const events = fixture(name.replace(/\.ndjson$/, ''));
		for (const variant of [events, truncateTo(events, 100), truncateTo(events)]) {
			const plain = assemble(variant);
			const batched = assemble(inBatch(variant));
			t.deepEqual(batched.exchanges, plain.exchanges, name);
			t.deepEqual(batched.counters, plain.counters, name);
		}
	}
});
