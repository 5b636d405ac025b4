import test from 'ava';
import type {DataEvent, Direction} from '../source/capture/events.js';
import {Connection, type ConnectionContext} from '../source/http/connection.js';
import type {Exchange} from '../source/http/exchange.js';
import {dataEvents, loadFixture} from './fixtures/http/load.js';

const context = (maxPipelined = 256): ConnectionContext => ({
	counters: {parseErrors: 0, unpaired: 0, truncated: 0},
	budget: {used: 0, limit: 1 << 20},
	maxHeadBytes: 64 * 1024,
	maxPipelined,
	keepQuery: false,
	toEpochMs: (ns) => ns / 1e6,
	resolveContainer: () => null,
});

// A syscall on a server's accepted socket: `text` moved, of which `captured` bytes were copied.
let clock = 1_000_000;
const chunk = (direction: Direction, text: string | Buffer, bytes?: number, captured = 4096): DataEvent => {
	const data = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
	clock += 10_000;
	return {
		kind: 'data',
		connId: 1,
		pid: 42,
		tid: 42,
		fd: 7,
		comm: 'server',
		origin: 'accepted',
		direction,
		syscall: direction === 'ingress' ? 'read' : 'writev',
		tls: false,
		local: {address: '127.0.0.1', port: 8080},
		remote: {address: '127.0.0.1', port: 50_000},
		tsEnterNs: clock,
		tsExitNs: clock + 1000,
		bytes: bytes ?? data.length,
		data: data.subarray(0, captured),
	};
};

const run = (events: readonly DataEvent[], shared = context()) => {
	const connection = new Connection(events[0]!, shared);
	const out: Exchange[] = [];
	for (const event of events) connection.push(event, out);
	return {connection, out, counters: shared.counters};
};

const summary = (exchange: Exchange): string => `${exchange.method} ${exchange.path} ${exchange.status} ${exchange.requestBytes}/${exchange.responseBytes}`;
const nginx = dataEvents(loadFixture('nginx-keepalive.server').events);

test('an early answer waits for the rest of the request body before it is emitted', (t) => {
	const head = 'POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 10000\r\n\r\n';
	const refusal = 'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n';
	const {connection, out} = run([chunk('ingress', head + 'x'.repeat(1000)), chunk('egress', refusal)]);
	t.deepEqual(out, []);
	const rest = chunk('ingress', 'x'.repeat(9000));
	connection.push(rest, out);
	t.deepEqual(out.map(summary), [`POST /upload 413 ${head.length + 10_000}/${refusal.length}`]);
});

test('interim responses (103, 100) pair with nothing: the final one is timed, and carries their bytes', (t) => {
	const hints = chunk('egress', 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n');
	const proceed = chunk('egress', 'HTTP/1.1 100 Continue\r\n\r\n');
	const final = chunk('egress', 'HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok');
	const {out} = run([chunk('ingress', 'PUT /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n'), hints, proceed, final]);
	t.deepEqual(out.map(summary), [`PUT /x 201 ${'PUT /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n'.length}/${hints.bytes + proceed.bytes + final.bytes}`]);
	t.is(out[0]!.firstByteMs, final.tsEnterNs / 1e6);
});

test('the role follows the first message: a response written first makes a server', (t) => {
	const {connection, out, counters} = run([nginx[1]!, nginx[2]!, nginx[3]!]);
	t.is(connection.role, 'server');
	t.deepEqual(out.map((exchange) => exchange.path), ['/index.html']);
	t.is(counters.unpaired, 1);
});

test('a request where responses flow is a parse error, and parsing goes on', (t) => {
	const {out, counters} = run([nginx[0]!, nginx[1]!, {...nginx[2]!, direction: 'egress'}, nginx[2]!, nginx[3]!]);
	t.is(counters.parseErrors, 1);
	t.deepEqual(out.map((exchange) => exchange.path), ['/a.txt', '/index.html']);
});

test('a response whose head was not captured hides in a skipped chunk: the next response pairs with the newest request', (t) => {
	const lostResponse = {...nginx[1]!, data: Buffer.alloc(0)}; // e.g. sent with sendfile from a cache file
	const {out, counters} = run([nginx[0]!, lostResponse, nginx[2]!, nginx[3]!, nginx[4]!, nginx[5]!]);
	t.deepEqual(out.map((exchange) => exchange.path), ['/index.html', '/echo']);
	t.is(counters.unpaired, 1);
});

test('on a connection open before tracing, the tail of an unseen response does not disturb pipelined pairing', (t) => {
	const [read, first, second, third] = dataEvents(loadFixture('nginx-pipeline.server').events).map((event) => ({...event, origin: 'unknown' as const}));
	const firstRequest = Buffer.from(read!.data).indexOf('\r\n\r\n') + 4;
	const laterRequests = {...read!, data: read!.data.subarray(firstRequest), bytes: read!.bytes - firstRequest};
	const tail = {...first!, data: first!.data.subarray(first!.bytes - 100), bytes: 100};
	const {out, counters} = run([laterRequests, tail, second!, third!]);
	t.deepEqual(out.map((exchange) => exchange.path), ['/echo', '/index.html']);
	t.deepEqual(
		out.map((exchange) => exchange.responseBytes),
		[second!.bytes, third!.bytes],
	);
	t.deepEqual(counters, {parseErrors: 0, unpaired: 0, truncated: 0});
});

test('a response head larger than the capture still pairs; its end is the last chunk before the next request', (t) => {
	const cookies = Array.from({length: 60}, (_, index) => `Set-Cookie: c${index}=${'v'.repeat(80)}\r\n`).join('');
	const head = `HTTP/1.1 200 OK\r\nContent-Length: 5\r\n${cookies}\r\n`;
	const response = chunk('egress', `${head}hello`);
	t.true(response.bytes > 4096 && response.data.length === 4096);
	const {out, counters} = run([chunk('ingress', 'GET /big-head HTTP/1.1\r\n\r\n'), response, chunk('ingress', 'GET /next HTTP/1.1\r\n\r\n'), chunk('egress', 'HTTP/1.1 204 No Content\r\n\r\n')]);
	t.deepEqual(out.map(summary), ['GET /big-head 200 26/' + response.bytes, 'GET /next 204 22/27']);
	t.is(out[0]!.endMs, response.tsExitNs / 1e6);
	t.is(counters.truncated, 1);
});

test('requests beyond maxPipelined drop the oldest as unpaired', (t) => {
	const [read] = dataEvents(loadFixture('nginx-pipeline.server').events);
	const {counters, connection} = run([read!], context(2));
	t.is(counters.unpaired, 1);
	const out: Exchange[] = [];
	connection.close(out);
	t.is(counters.unpaired, 3); // the two still waiting at close
});

test('an upgrade request with a body: HTTP stops at the 101 and the request ends there', (t) => {
	const request = chunk('ingress', 'GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
	const switching = chunk('egress', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi');
	const frames = [chunk('ingress', '\x81\x85abcdHELLO'), chunk('egress', 'GET / HTTP/1.1\r\n\r\n'), chunk('ingress', 'HTTP/1.1 200 OK\r\n\r\n')];
	const {out, counters, connection} = run([request, switching, ...frames]);
	t.deepEqual(out.map((exchange) => exchange.status), [101]);
	t.is(out[0]!.responseBytes, switching.bytes - 4); // the frame after the head is not HTTP
	t.deepEqual(counters, {parseErrors: 0, unpaired: 0, truncated: 0});
	t.true(connection.idle);
});

test('on a connection open before tracing, responses before its first request seen answer earlier requests: not unpaired', (t) => {
	const before = (event: DataEvent): DataEvent => ({...event, origin: 'unknown'});
	const response = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
	const {out, counters} = run([
		before(chunk('egress', response)), // answers a request read before tracing began
		before(chunk('ingress', 'GET /seen HTTP/1.1\r\n\r\n')),
		before(chunk('egress', response)),
		before(chunk('egress', response)), // answers nothing seen after a request was: unpaired
	]);
	t.deepEqual(out.map(summary), [`GET /seen 200 22/${response.length}`]);
	t.is(counters.unpaired, 1);
	// Seen from its start, a connection's response with no request is unpaired from the first.
	t.is(run([chunk('egress', response), chunk('ingress', 'GET /x HTTP/1.1\r\n\r\n'), chunk('egress', response)]).counters.unpaired, 1);
});
