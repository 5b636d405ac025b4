// One answer per row: the same exchanges give the same counts and quantiles
// in every grouping and filter that selects them, after cells expired too. The
// aggregator once kept an endpoint row's figures since start (expired status
// codes and processes included) while every other view counted live cells
// only; these tests fail on that. So did a server's client that went quiet:
// its peer cells expired while the endpoint row kept counting its exchanges.
// And the dimensions TLS, protocol and gRPC
// status: what a row says of them, the errors gRPC adds, the drill-down's
// gRPC codes and the filters on them.

import test from 'ava';
import {createAggregator, parseFilter, type Filter, type Row, type ViewOptions} from '../source/aggregate/index.js';
import type {Exchange} from '../source/http/exchange.js';
import {makeExchange} from './helpers/ui-exchanges.js';
import {assertQuantiles} from './helpers/quantiles.js';

const t0 = Date.UTC(2025, 0, 1);
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'count', descending: true}, filter: null, role: 'both'};

const filtered = (source: string): Filter => {
	const parsed = parseFilter(source);
	if (!parsed.ok) {
		throw new Error(parsed.message);
	}
	return parsed.filter;
};

const sum = (rows: readonly Row[]): number => rows.reduce((total, row) => total + row.count, 0);

test('after a status code and a process of an endpoint expire, every view of the endpoint counts the same live exchanges', (t) => {
	const aggregator = createAggregator({idleExpiryMs: 10_000});
	const sent: Exchange[] = [];
	// /a on port 80: worker 100 answers 200 every 100 ms for 30 s; at the start, a 503 and worker 101's answers.
	for (let i = 0; i < 300; i++) {
		const startMs = t0 + i * 100;
		sent.push(makeExchange({pid: 100, comm: 'nginx', local: {address: '10.0.0.1', port: 80}, path: '/a', startMs, firstByteMs: startMs + 1 + (i % 7), endMs: startMs + 2 + (i % 13)}));
	}
	for (let i = 0; i < 20; i++) {
		const startMs = t0 + i * 50;
		sent.push(makeExchange({pid: i % 2 === 0 ? 100 : 101, comm: 'nginx', local: {address: '10.0.0.1', port: 80}, path: '/a', status: i % 2 === 0 ? 503 : 200, startMs, firstByteMs: startMs + 40, endMs: startMs + 90}));
	}
	aggregator.add(sent.sort((a, b) => a.endMs - b.endMs));
	const nowMs = t0 + 30_500; // the 503 cell and worker 101 idle for over 10 s
	const live = sent.filter(exchange => exchange.pid === 100 && exchange.status === 200);
	const endpoint = aggregator.snapshot(view, nowMs).rows;
	t.is(endpoint.length, 1);
	t.is(endpoint[0]!.count, live.length, 'the endpoint view counts the live cells only');
	t.is(endpoint[0]!.status['5xx'], 0);
	assertQuantiles(t, endpoint[0]!.latencyMs, live.map(exchange => exchange.endMs - exchange.startMs), 'endpoint view');
	const views: Array<[string, ViewOptions]> = [
		['by process', {...view, groupBy: 'process'}],
		['by status', {...view, groupBy: 'status'}],
		['by Host', {...view, groupBy: 'host'}],
		['by peer', {...view, groupBy: 'peer'}],
		['route filter', {...view, filter: filtered('route=/a')}],
		['method filter', {...view, filter: filtered('method=GET')}],
		['role filter', {...view, filter: filtered('role=server')}],
		['role', {...view, role: 'server'}],
	];
	for (const [label, other] of views) {
		const rows = aggregator.snapshot(other, nowMs).rows;
		t.is(sum(rows), endpoint[0]!.count, label);
		if (rows.length === 1) {
			t.deepEqual(rows[0]!.latencyMs, endpoint[0]!.latencyMs, label);
			t.deepEqual(rows[0]!.ttfbMs, endpoint[0]!.ttfbMs, label);
		}
	}
	const detail = aggregator.detail(endpoint[0]!.key, view, nowMs)!;
	t.deepEqual(detail.statusCodes, [{code: 200, count: live.length}]);
});

test('a client that went quiet stays in the peer view while the endpoint row it was counted in still counts it', (t) => {
	const aggregator = createAggregator({idleExpiryMs: 10_000});
	const sent: Exchange[] = [];
	// /b on port 80: 10.0.0.5 calls it for the first 5 s, 10.0.0.6 every 100 ms for 30 s.
	for (let i = 0; i < 300; i++) {
		const quiet = i < 50 && i % 2 === 0;
		const startMs = t0 + i * 100;
		sent.push(makeExchange({local: {address: '10.0.0.1', port: 80}, remote: {address: quiet ? '10.0.0.5' : '10.0.0.6', port: 40_000}, path: '/b',
			startMs, firstByteMs: startMs + 1, endMs: startMs + 2 + (i % 11)}));
	}
	aggregator.add(sent);
	const nowMs = t0 + 30_500; // 10.0.0.5 idle for 25 s, the endpoint not at all
	const endpoint = aggregator.snapshot(view, nowMs).rows;
	t.is(endpoint.length, 1);
	t.is(endpoint[0]!.count, 300);
	const peers = aggregator.snapshot({...view, groupBy: 'peer'}, nowMs).rows;
	t.deepEqual(peers.map(row => [row.label, row.count]), [['10.0.0.6', 275], ['10.0.0.5', 25]]);
	t.is(sum(aggregator.snapshot({...view, filter: filtered('peer=10.0.0.5')}, nowMs).rows), 25);
	// Once the endpoint goes quiet too, both leave together.
	t.is(aggregator.snapshot(view, t0 + 41_000).rows.length, 0);
	t.is(aggregator.snapshot({...view, groupBy: 'peer'}, t0 + 41_000).rows.length, 0);
});

test('a row says whether its exchanges were TLS and which protocol; mixed, it says null', (t) => {
	const aggregator = createAggregator();
	aggregator.add([
		makeExchange({path: '/secure', tls: true, httpVersion: '2', startMs: t0}),
		makeExchange({path: '/plain', tls: false, httpVersion: '1.0', startMs: t0}),
		makeExchange({path: '/mixed', tls: true, httpVersion: '1.1', startMs: t0}),
		makeExchange({path: '/mixed', tls: false, httpVersion: '2', startMs: t0 + 1}),
	]);
	const rows = aggregator.snapshot({...view, sort: {column: 'key', descending: false}}, t0 + 1000).rows;
	t.deepEqual(rows.map(row => [row.label, row.tls, row.protocol, row.count]), [
		['/mixed', null, null, 2],
		['/plain', false, 'HTTP/1.0', 1],
		['/secure', true, 'HTTP/2', 1],
	]);
	const labels = (source: string): string[] =>
		aggregator.snapshot({...view, sort: {column: 'key', descending: false}, filter: filtered(source)}, t0 + 1000).rows.map(row => `${row.label} ${row.count}`);
	t.deepEqual(labels('tls'), ['/mixed 1', '/secure 1']);
	t.deepEqual(labels('!tls'), ['/mixed 1', '/plain 1']);
	t.deepEqual(labels('tls == false'), ['/mixed 1', '/plain 1']);
	t.deepEqual(labels('tls!=true'), ['/mixed 1', '/plain 1']);
	t.deepEqual(labels('protocol == "HTTP/2"'), ['/mixed 1', '/secure 1']);
	t.deepEqual(labels('protocol=http/1.0,HTTP/2 tls'), ['/secure 1']);
	t.deepEqual(labels('protocol~1.'), ['/mixed 1', '/plain 1']);
	t.deepEqual(labels('protocol!=HTTP/2'), ['/mixed 1', '/plain 1']);
});

test('gRPC: a non-zero grpc-status is an error whatever the HTTP status; the drill-down counts each gRPC code; grpc filters pick gRPC calls', (t) => {
	const aggregator = createAggregator();
	const call = (grpcStatus: number | null, at: number, status = 200): Exchange =>
		makeExchange({method: 'POST', path: '/pkg.Service/Method', httpVersion: '2', grpcStatus, status, startMs: t0 + at});
	aggregator.add([call(0, 0), call(0, 1), call(14, 2), call(5, 3), call(14, 4), call(null, 5), call(null, 6, 503)]);
	const [row] = aggregator.snapshot(view, t0 + 1000).rows;
	t.is(row!.count, 7);
	t.is(row!.errors, 4, 'three non-zero gRPC statuses under HTTP 200, and a 503');
	const detail = aggregator.detail(row!.key, view, t0 + 1000)!;
	t.deepEqual(detail.grpcStatusCodes, [{code: 0, count: 2}, {code: 5, count: 1}, {code: 14, count: 2}]);
	t.deepEqual(detail.statusCodes, [{code: 200, count: 6}, {code: 503, count: 1}]);
	const count = (source: string): number => sum(aggregator.snapshot({...view, filter: filtered(source)}, t0 + 1000).rows);
	t.is(count('grpc'), 5);
	t.is(count('!grpc'), 2);
	t.is(count('grpcStatus=14'), 2);
	t.is(count('grpcStatus>0'), 3);
	t.is(count('grpc=false status>=500'), 1);
	const plain = createAggregator();
	plain.add([makeExchange({startMs: t0})]);
	t.deepEqual(plain.detail(plain.snapshot(view, t0 + 1000).rows[0]!.key, view, t0 + 1000)!.grpcStatusCodes, []);
});

test('filter errors on the new fields name what to write', (t) => {
	for (const [source, message] of [
		['tls=maybe', /not true or false/],
		['!method', /only negates a flag/],
		['tls>1', /does not apply to tls/],
		['grpcStatus=ok', /whole number/],
	] as const) {
		const parsed = parseFilter(source);
		t.false(parsed.ok, source);
		if (!parsed.ok) {
			t.regex(parsed.message, message, source);
		}
	}
});
