// The filter language: good expressions applied through snapshot() to known
// traffic, with the surviving rows worked out in the test from the exchanges
// (identity terms pick exchanges, metric terms pick whole rows, terms are
// ANDed); bad expressions rejected with a message and the position of the bad
// token.

import test from 'ava';
import {createAggregator, parseFilter, type Filter, type Row, type ViewOptions} from '../source/aggregate/index.js';
import type {Exchange} from '../source/http/exchange.js';
import {makeExchange} from './helpers/ui-exchanges.js';

const t0 = Date.UTC(2025, 0, 1);
const nowMs = t0 + 60_000;
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'key', descending: false}, filter: null, role: 'both'};

type Endpoint = {
	readonly role: 'server' | 'client';
	readonly pid: number;
	readonly comm: string;
	readonly container: string | null;
	readonly method: string;
	readonly paths: readonly string[];
	readonly route: string;
	readonly latencyMs: number; // every request of the endpoint takes this long
	readonly statuses: ReadonlyArray<readonly [status: number, count: number]>;
	readonly remote: string; // the client's address (server) or the server's (client)
};

const endpoints: readonly Endpoint[] = [
	{role: 'server', pid: 100, comm: 'nginx', container: 'web', method: 'GET', paths: ['/api/products/1', '/api/products/2'], route: '/api/products/:id', latencyMs: 5, statuses: [[200, 20], [503, 5]], remote: '10.0.0.7'},
	{role: 'server', pid: 100, comm: 'nginx', container: 'web', method: 'POST', paths: ['/api/cart'], route: '/api/cart', latencyMs: 150, statuses: [[201, 10], [500, 2]], remote: '10.0.0.8'},
	{role: 'server', pid: 200, comm: 'node', container: null, method: 'GET', paths: ['/health'], route: '/health', latencyMs: 1, statuses: [[200, 30]], remote: '10.0.0.9'},
	{role: 'server', pid: 200, comm: 'node', container: null, method: 'POST', paths: ['/login'], route: '/login', latencyMs: 300, statuses: [[200, 8], [401, 4]], remote: '10.0.0.9'},
	{role: 'client', pid: 300, comm: 'python3', container: 'jobs', method: 'GET', paths: ['/api/products/7'], route: '/api/products/:id', latencyMs: 50, statuses: [[200, 6], [404, 3]], remote: '10.0.1.2'},
	{role: 'server', pid: 101, comm: 'nginx', container: 'web-canary', method: 'GET', paths: ['/static/app.css'], route: '/static/app.css', latencyMs: 2, statuses: [[200, 12]], remote: '10.0.0.7'},
];

type Sent = {readonly exchange: Exchange; readonly endpoint: Endpoint};

const sent: Sent[] = endpoints.flatMap(endpoint => endpoint.statuses.flatMap(([status, count]) => Array.from({length: count}, (_, index): Sent => {
	const startMs = t0 + 10_000 + index * 100;
	const server = endpoint.role === 'server';
	return {
		endpoint,
		exchange: makeExchange({
			role: endpoint.role,
			pid: endpoint.pid,
			tid: endpoint.pid,
			comm: endpoint.comm,
			container: endpoint.container,
			connId: endpoint.pid * 10 + (server ? 1 : 2),
			local: server ? {address: '10.0.0.1', port: 80} : {address: '10.0.0.5', port: 41_000},
			remote: server ? {address: endpoint.remote, port: 52_000} : {address: endpoint.remote, port: 80},
			method: endpoint.method,
			path: endpoint.paths[index % endpoint.paths.length]!,
			host: 'shop.example',
			status,
			startMs,
			firstByteMs: startMs + endpoint.latencyMs / 2,
			endMs: startMs + endpoint.latencyMs,
		}),
	};
})));

const aggregator = createAggregator();
aggregator.add(sent.map(item => item.exchange));

const parsed = (source: string): Filter => {
	const result = parseFilter(source);
	if (!result.ok) {
		throw new Error(`${source}: ${result.message}`);
	}
	return result.filter;
};

/** A row as [role, route, count], the way the test names the expected ones. */
const described = (row: Row): string => `${row.role} ${row.method} ${row.route} ${row.count}`;

type RowFigures = {readonly count: number; readonly errors: number; readonly latencyMs: number};

/**
 * What a filter should leave: the exchanges the identity part picks, grouped
 * by endpoint, then the rows the metric part picks (each endpoint's latency is
 * constant, so its p99 is that value).
 */
function expected(pick: (item: Sent) => boolean, keepRow: (figures: RowFigures) => boolean = () => true): string[] {
	const rows: string[] = [];
	for (const endpoint of endpoints) {
		const mine = sent.filter(item => item.endpoint === endpoint && pick(item));
		const errors = mine.filter(({exchange}) => exchange.status >= 500 || (exchange.role === 'client' && exchange.status >= 400)).length;
		if (mine.length > 0 && keepRow({count: mine.length, errors, latencyMs: endpoint.latencyMs})) {
			rows.push(`${endpoint.role} ${endpoint.method} ${endpoint.route} ${mine.length}`);
		}
	}
	return rows.sort();
}

const cases: ReadonlyArray<{readonly source: string; readonly pick?: (item: Sent) => boolean; readonly keepRow?: (figures: RowFigures) => boolean}> = [
	{source: 'status>=500', pick: ({exchange}) => exchange.status >= 500},
	{source: 'status=5xx', pick: ({exchange}) => exchange.status >= 500 && exchange.status <= 599},
	{source: 'status=404,503', pick: ({exchange}) => exchange.status === 404 || exchange.status === 503},
	{source: 'status!=200', pick: ({exchange}) => exchange.status !== 200},
	{source: 'status<300', pick: ({exchange}) => exchange.status < 300},
	{source: 'method=POST', pick: ({exchange}) => exchange.method === 'POST'},
	{source: 'method=post', pick: ({exchange}) => exchange.method === 'POST'},
	{source: 'method!=GET', pick: ({exchange}) => exchange.method !== 'GET'},
	{source: 'route~/api', pick: ({endpoint}) => endpoint.route.includes('/api')},
	{source: 'route~/API', pick: ({endpoint}) => endpoint.route.includes('/api')},
	{source: 'route!~/api', pick: ({endpoint}) => !endpoint.route.includes('/api')},
	{source: 'route=/api/products/:id', pick: ({endpoint}) => endpoint.route === '/api/products/:id'},
	{source: 'path=/api/products/2', pick: ({endpoint}) => endpoint.paths.includes('/api/products/2')},
	{source: 'comm=nginx', pick: ({exchange}) => exchange.comm === 'nginx'},
	{source: 'comm=NGINX', pick: ({exchange}) => exchange.comm === 'nginx'},
	{source: 'process=node', pick: ({exchange}) => exchange.comm === 'node'},
	{source: 'pid=100', pick: ({exchange}) => exchange.pid === 100},
	{source: 'container=web', pick: ({exchange}) => exchange.container === 'web'},
	{source: 'container=""', pick: ({exchange}) => exchange.container === null},
	{source: 'container~web', pick: ({exchange}) => exchange.container?.includes('web') ?? false},
	{source: 'role=client', pick: ({exchange}) => exchange.role === 'client'},
	{source: 'peer=10.0.1.2', pick: ({exchange}) => exchange.remote.address === '10.0.1.2'},
	{source: 'peer=10.0.0.7', pick: ({exchange}) => exchange.remote.address === '10.0.0.7'},
	{source: 'latency>100ms', keepRow: ({latencyMs}) => latencyMs > 100},
	{source: 'latency>0.1s', keepRow: ({latencyMs}) => latencyMs > 100},
	{source: 'latency<=2000us', keepRow: ({latencyMs}) => latencyMs <= 2},
	{source: 'p50>=40', keepRow: ({latencyMs}) => latencyMs >= 40},
	{source: 'count>=20', keepRow: ({count}) => count >= 20},
	{source: 'errors>0', keepRow: ({errors}) => errors > 0},
	{source: 'errorRate>=25%', keepRow: ({count, errors}) => errors / count >= 0.25},
	{source: 'method=GET route~/api status>=500', pick: ({exchange, endpoint}) => exchange.method === 'GET' && endpoint.route.includes('/api') && exchange.status >= 500},
	{source: 'comm=nginx latency>100ms', pick: ({exchange}) => exchange.comm === 'nginx', keepRow: ({latencyMs}) => latencyMs > 100},
	{source: 'status>=400 role=client', pick: ({exchange}) => exchange.status >= 400 && exchange.role === 'client'},
	{source: '  method = POST   latency > 200ms  ', pick: ({exchange}) => exchange.method === 'POST', keepRow: ({latencyMs}) => latencyMs > 200},
	{source: 'container=web status>=500 errors>=3', pick: ({exchange}) => exchange.container === 'web' && exchange.status >= 500, keepRow: ({errors}) => errors >= 3},
	{source: 'route~/api container=jobs', pick: ({exchange, endpoint}) => endpoint.route.includes('/api') && exchange.container === 'jobs'},
	{source: '', pick: () => true},
];

for (const {source, pick, keepRow} of cases) {
	test(`filter ${JSON.stringify(source)}: the rows it should leave, with the counts of what it picks`, (t) => {
		const filter = parsed(source);
		const snapshot = aggregator.snapshot({...view, filter}, nowMs);
		const wanted = expected(pick ?? (() => true), keepRow);
		t.deepEqual(snapshot.rows.map(described).sort(), wanted);
		t.true(wanted.length > 0, 'the case leaves something, or it proves little');
		t.is(snapshot.totals.count, snapshot.rows.reduce((sum, row) => sum + row.count, 0));
		t.is(snapshot.totals.rows, snapshot.rows.length);
	});
}

test('a filter that matches nothing leaves no rows and zero totals', (t) => {
	const snapshot = aggregator.snapshot({...view, filter: parsed('comm=apache')}, nowMs);
	t.deepEqual(snapshot.rows, []);
	t.like(snapshot.totals, {count: 0, errors: 0, rows: 0});
});

test('identity filters in other groupings: by process, the nginx rows count only 5xx', (t) => {
	const rows = aggregator.snapshot({...view, groupBy: 'process', filter: parsed('status>=500')}, nowMs).rows;
	const fivexx = sent.filter(({exchange}) => exchange.status >= 500);
	t.deepEqual(
		Object.fromEntries(rows.map(row => [row.label, row.count])),
		{'nginx[100]': fivexx.filter(({exchange}) => exchange.pid === 100).length},
	);
});

test('matchesExchange applies identity terms and the latency terms to one exchange', (t) => {
	const one = (source: string, exchange: Exchange): boolean => parsed(source).matchesExchange(exchange);
	const cart = sent.find(({endpoint, exchange}) => endpoint.route === '/api/cart' && exchange.status === 500)!.exchange;
	t.true(one('status>=500 method=POST route~cart', cart));
	t.true(one('latency>=150ms', cart));
	t.false(one('latency>150ms', cart));
	t.true(one('ttfb=75ms', cart)); // first byte half way
	t.true(one('count>1000', cart), 'other metric terms are not applied to one exchange');
	t.false(one('container=web-canary', cart));
	t.true(one('route=/api/cart peer=10.0.0.8 port=80 host=SHOP.example', cart));
});

test('quoted values, with spaces and escaped quotes', (t) => {
	const exchange = makeExchange({comm: 'my "app" x', container: 'blue green', startMs: t0, endMs: t0 + 1});
	t.true(parsed('comm="my \\"app\\" x"').matchesExchange(exchange));
	t.true(parsed('container=\'blue green\'').matchesExchange(exchange));
	t.false(parsed('container="blue"').matchesExchange(exchange));
});

// Each bad expression, where its bad token starts, and a word the message must contain.
const bad: ReadonlyArray<readonly [source: string, position: number, says: string]> = [
	['foo=1', 0, 'unknown field "foo"'],
	['status>=500 foo=1', 12, 'unknown field "foo"'],
	['   status>=500   bogus~x', 17, 'unknown field "bogus"'],
	['method>GET', 6, 'operator ">"'],
	['role<server', 4, 'operator "<"'],
	['latency~5', 7, 'operator "~"'],
	['status 500', 7, 'expected an operator'],
	['status', 6, 'expected an operator'],
	['status=abc', 7, 'not a status'],
	['status>=500 status=6xx', 19, 'not a status'],
	['pid=12x', 4, 'whole number'],
	['role=peer', 5, 'not a role'],
	['count>lots', 6, 'not a count'],
	['rate>10/m', 5, 'rate in requests per second'],
	['errorRate>5', 10, 'over 1'],
	['latency>fast', 8, 'duration'],
	['status>=', 8, 'missing value'],
	['method=   ', 10, 'missing value'],
	['method=GET route~', 17, 'missing value'],
	['latency>100xs', 8, 'unknown unit "xs"'],
	['p99 < 2h', 6, 'unknown unit "h"'],
	['host="abc', 5, 'unterminated quote'],
	['status=500,,502', 11, 'empty item'],
	['>=5', 0, 'expected a field name'],
	['status>=500 123', 12, 'expected a field name'],
];

for (const [source, position, says] of bad) {
	test(`bad filter ${JSON.stringify(source)}: rejected at ${position}`, (t) => {
		const result = parseFilter(source);
		if (result.ok) {
			t.fail('parsed');
			return;
		}
		t.is(result.position, position);
		t.true(result.message.includes(says), result.message);
		t.true(result.message.includes(`at column ${position + 1}`), `the message names the position: ${result.message}`);
	});
}

test('one filter kept across ticks: cells that arrive later are judged, and a path filter sees paths a cell samples later', (t) => {
	const live = createAggregator();
	const at = (index: number, path: string, status: number): Exchange => makeExchange({
		connId: 7, method: 'GET', path, status, startMs: t0 + index, firstByteMs: t0 + index + 1, endMs: t0 + index + 2,
	});
	const byStatus = parsed('status>=500');
	const byPath = parsed('path=/items/3');
	live.add([at(0, '/items/1', 200), at(1, '/items/2', 503)]);
	t.deepEqual(live.snapshot({...view, filter: byStatus}, nowMs).rows.map(row => row.count), [1]);
	t.deepEqual(live.snapshot({...view, filter: byPath}, nowMs).rows, []);
	// A new cell (500) of the same row, and a path the 200 cell has not sampled yet.
	live.add([at(2, '/items/3', 200), at(3, '/items/4', 500), at(4, '/items/4', 500)]);
	// The path filter first: its own verdicts from the last tick are the ones still on the cells.
	t.deepEqual(live.snapshot({...view, filter: byPath}, nowMs).rows.map(row => row.count), [2]);
	const again = live.snapshot({...view, filter: byStatus}, nowMs).rows;
	const fresh = live.snapshot({...view, filter: parsed('status>=500')}, nowMs).rows;
	t.deepEqual(again.map(row => row.count), [3]);
	t.deepEqual(again.map(row => row.count), fresh.map(row => row.count));
});

test('one filter kept across ticks and roles: a row that loses its matching cell to expiry drops out, each role sees its own rows', (t) => {
	const live = createAggregator({idleExpiryMs: 10_000});
	const at = (atMs: number, role: 'server' | 'client', status: number): Exchange => makeExchange({
		role, connId: role === 'server' ? 1 : 2, method: 'GET', path: '/items/1', status, startMs: atMs, firstByteMs: atMs + 1, endMs: atMs + 2,
	});
	const errors = parsed('status>=500');
	const rolesOf = (role: ViewOptions['role'], nowAt: number): string[] =>
		live.snapshot({...view, role, filter: errors}, nowAt).rows.map(row => `${row.role} ${row.count}`);
	live.add([at(t0, 'server', 503), at(t0, 'client', 502), at(t0 + 1000, 'server', 200), at(t0 + 1000, 'client', 200)]);
	t.deepEqual(rolesOf('both', t0 + 5000), ['client 1', 'server 1']);
	t.deepEqual(rolesOf('server', t0 + 5000), ['server 1']);
	t.deepEqual(rolesOf('client', t0 + 5000), ['client 1']);
	// The 200 cells stay busy; the 5xx cells go idle and expire.
	live.add([at(t0 + 9000, 'server', 200), at(t0 + 9000, 'client', 200)]);
	t.deepEqual(rolesOf('both', t0 + 12_000), []);
	live.add([at(t0 + 12_500, 'server', 500)]);
	t.deepEqual(rolesOf('both', t0 + 13_000), ['server 1']);
	t.deepEqual(rolesOf('client', t0 + 13_000), []);
});
