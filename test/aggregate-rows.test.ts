// Rows: the row cap and the "(other)" row (nothing dropped), every grouping
// over the same data without re-adding, role filters, status classes and error
// counts, bytes, totals, reset and the drill-down (detail). Expected figures
// are counted in the test from the exchanges sent.

import test, {type ExecutionContext} from 'ava';
import {createAggregator, groupByValues, parseFilter, type GroupBy, type Row, type Snapshot, type ViewOptions} from '../source/aggregate/index.js';
import type {Exchange, Role} from '../source/http/exchange.js';
import {makeExchange} from './helpers/ui-exchanges.js';
import {seeded} from './helpers/seeded.js';

const t0 = Date.UTC(2025, 0, 1);
const nowMs = t0 + 60_000;
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'key', descending: false}, filter: null, role: 'both'};

/** Who sends what: the test's own description of each endpoint, route included. */
type Spec = {
	readonly role: Role;
	readonly pid: number;
	readonly comm: string;
	readonly container: string | null;
	readonly port: number; // the listening side's
	readonly remote: readonly string[]; // server: client addresses; client: the server's address
	readonly method: string;
	readonly paths: readonly string[];
	readonly route: string;
	readonly host: string | null;
	readonly statuses: readonly number[];
	readonly count: number;
};

const specs: readonly Spec[] = [
	{role: 'server', pid: 100, comm: 'nginx', container: 'web', port: 80, remote: ['10.0.0.7', '10.0.0.8'], method: 'GET', paths: ['/'], route: '/', host: 'shop.example', statuses: [200, 200, 304, 404], count: 120},
	{role: 'server', pid: 100, comm: 'nginx', container: 'web', port: 80, remote: ['10.0.0.7'], method: 'GET', paths: ['/products/1', '/products/22', '/products/333'], route: '/products/:id', host: 'shop.example', statuses: [200, 500, 503], count: 90},
	{role: 'server', pid: 100, comm: 'nginx', container: 'web', port: 80, remote: ['10.0.0.8'], method: 'POST', paths: ['/cart'], route: '/cart', host: 'shop.example', statuses: [201, 400, 502], count: 45},
	{role: 'server', pid: 200, comm: 'node', container: null, port: 3000, remote: ['10.0.0.9'], method: 'GET', paths: ['/api/users/7', '/api/users/8'], route: '/api/users/:id', host: 'api.example', statuses: [200, 101, 404], count: 80},
	// A second worker of the same service: its traffic joins the same endpoint row.
	{role: 'server', pid: 201, comm: 'node', container: null, port: 3000, remote: ['10.0.0.9', '10.0.0.10'], method: 'GET', paths: ['/api/users/9'], route: '/api/users/:id', host: 'api.example', statuses: [200, 500], count: 40},
	{role: 'server', pid: 200, comm: 'node', container: null, port: 3000, remote: ['10.0.0.10'], method: 'POST', paths: ['/api/orders'], route: '/api/orders', host: null, statuses: [201, 503], count: 30},
	{role: 'client', pid: 300, comm: 'python3', container: 'worker', port: 3000, remote: ['10.0.1.2'], method: 'GET', paths: ['/api/users/7'], route: '/api/users/:id', host: 'api.example', statuses: [200, 404, 500], count: 60},
	{role: 'client', pid: 300, comm: 'python3', container: 'worker', port: 443, remote: ['10.0.1.3'], method: 'POST', paths: ['/v1/charge'], route: '/v1/charge', host: 'pay.example', statuses: [200, 402, 429, 503], count: 50},
];

type Sent = {readonly exchange: Exchange; readonly spec: Spec};

/** The traffic of the specs over 50 s, in end-time order, statuses and sizes drawn from a seeded generator. */
function traffic(seed = 1): Sent[] {
	const random = seeded(seed);
	const sent: Sent[] = [];
	for (const spec of specs) {
		for (let index = 0; index < spec.count; index++) {
			const startMs = t0 + 5000 + random() * 50_000;
			const latency = 1 + random() * 200;
			const remote = spec.remote[index % spec.remote.length]!;
			const exchange = makeExchange({
				role: spec.role,
				pid: spec.pid,
				tid: spec.pid,
				comm: spec.comm,
				container: spec.container,
				connId: spec.pid * 1000 + (index % 7),
				local: spec.role === 'server' ? {address: '10.0.0.1', port: spec.port} : {address: '10.0.0.5', port: 40_000 + (index % 7)},
				remote: spec.role === 'server' ? {address: remote, port: 50_000 + (index % 7)} : {address: remote, port: spec.port},
				method: spec.method,
				path: spec.paths[index % spec.paths.length]!,
				host: spec.host,
				status: spec.statuses[Math.floor(random() * spec.statuses.length)]!,
				requestBytes: 100 + Math.floor(random() * 1000),
				responseBytes: Math.floor(random() * 100_000),
				startMs,
				firstByteMs: startMs + latency / 2,
				endMs: startMs + latency,
			});
			sent.push({exchange, spec});
		}
	}
	return sent.sort((a, b) => a.exchange.endMs - b.exchange.endMs);
}

const isError = (role: Role, status: number): boolean => status >= 500 || (role === 'client' && status >= 400);

type Figures = {count: number; errors: number; bytesIn: number; bytesOut: number; status: Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx', number>};

const emptyFigures = (): Figures => ({count: 0, errors: 0, bytesIn: 0, bytesOut: 0, status: {'1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0}});

function addTo(figures: Figures, exchange: Exchange): void {
	const server = exchange.role === 'server';
	figures.count++;
	figures.errors += isError(exchange.role, exchange.status) ? 1 : 0;
	figures.bytesIn += server ? exchange.requestBytes : exchange.responseBytes;
	figures.bytesOut += server ? exchange.responseBytes : exchange.requestBytes;
	figures.status[`${Math.floor(exchange.status / 100)}xx` as keyof Figures['status']]++;
}

/** The row label each grouping gives an exchange, as types.ts and the groupings describe them. */
function expectedLabel({exchange, spec}: Sent, groupBy: GroupBy): string {
	switch (groupBy) {
		case 'endpoint': {
			// Route alone is not unique (a server and a client of the same route): qualify it for the comparison.
			return [spec.role, spec.method, spec.route, spec.host ?? ''].join(' ');
		}
		case 'process': {
			return `${exchange.comm}[${exchange.pid}]`;
		}
		case 'container': {
			return exchange.container ?? '(host)';
		}
		case 'host': {
			return exchange.host ?? '(no Host)';
		}
		case 'peer': {
			return exchange.role === 'server' ? exchange.remote.address : `${exchange.remote.address}:${exchange.remote.port}`;
		}
		case 'status': {
			return String(exchange.status);
		}
	}
}

/** The label of a row, endpoint rows qualified as in expectedLabel (in these specs each endpoint has one service). */
const actualLabel = (row: Row): string => row.groupBy === 'endpoint' && !row.isOther
	? [row.role, row.method, row.route, row.host ?? ''].join(' ')
	: row.label;

function expectedRows(sent: readonly Sent[], groupBy: GroupBy, role: ViewOptions['role'] = 'both'): Map<string, Figures> {
	const rows = new Map<string, Figures>();
	for (const item of sent) {
		if (role !== 'both' && item.exchange.role !== role) {
			continue;
		}
		const label = expectedLabel(item, groupBy);
		const figures = rows.get(label) ?? emptyFigures();
		addTo(figures, item.exchange);
		rows.set(label, figures);
	}
	return rows;
}

const figuresOf = (row: Row): Figures => ({count: row.count, errors: row.errors, bytesIn: row.bytesIn, bytesOut: row.bytesOut, status: {...row.status}});

function assertRows(t: ExecutionContext, snapshot: Snapshot, expected: Map<string, Figures>, label: string): void {
	const actual = new Map(snapshot.rows.map(row => [actualLabel(row), figuresOf(row)]));
	t.is(actual.size, snapshot.rows.length, `${label}: labels are unique`);
	t.deepEqual(Object.fromEntries([...actual].sort()), Object.fromEntries([...expected].sort()), label);
	for (const row of snapshot.rows) {
		t.is(row.errorRate, row.count > 0 ? row.errors / row.count : 0, `${label} ${row.label} errorRate`);
	}
}

const sumOf = (rows: readonly Row[], get: (row: Row) => number): number => rows.reduce((sum, row) => sum + get(row), 0);

test('every grouping over the same data, switched without re-adding: keys, labels and figures', (t) => {
	const sent = traffic();
	const aggregator = createAggregator();
	aggregator.add(sent.map(item => item.exchange));
	for (const round of [1, 2]) {
		for (const groupBy of groupByValues) {
			const snapshot = aggregator.snapshot({...view, groupBy}, nowMs);
			assertRows(t, snapshot, expectedRows(sent, groupBy), `${groupBy} (round ${round})`);
			t.true(snapshot.rows.every(row => row.groupBy === groupBy && !row.isOther));
			t.is(new Set(snapshot.rows.map(row => row.key)).size, snapshot.rows.length, `${groupBy}: keys are unique`);
		}
	}
	// Keys are stable from one snapshot to the next.
	const first = aggregator.snapshot({...view, groupBy: 'process'}, nowMs).rows.map(row => row.key);
	t.deepEqual(aggregator.snapshot({...view, groupBy: 'process'}, nowMs + 1000).rows.map(row => row.key), first);
});

test('row identity fields: shared values are given, mixed ones are null', (t) => {
	const sent = traffic();
	const aggregator = createAggregator();
	aggregator.add(sent.map(item => item.exchange));
	const rows = aggregator.snapshot(view, nowMs).rows;
	const users = rows.find(row => row.role === 'server' && row.route === '/api/users/:id')!;
	t.like(users, {method: 'GET', host: 'api.example', container: null, process: null}); // two worker pids
	t.is(users.count, 80 + 40);
	const cart = rows.find(row => row.route === '/cart')!;
	t.like(cart, {role: 'server', method: 'POST', container: 'web', process: {pid: 100, comm: 'nginx'}, label: '/cart'});
	const byHost = aggregator.snapshot({...view, groupBy: 'host'}, nowMs).rows;
	// api.example is served (server) and called (client): the row mixes roles.
	t.is(byHost.find(row => row.label === 'api.example')!.role, null);
	t.is(byHost.find(row => row.label === 'shop.example')!.role, 'server');
	for (const row of byHost) {
		t.is(row.method, null);
		t.is(row.route, null);
	}
});

test('an endpoint row is one service: the same route served by two containers is two rows, by two workers of one port one row', (t) => {
	const aggregator = createAggregator();
	const exchange = (fields: Partial<Exchange>): Exchange => makeExchange({path: '/', startMs: t0, endMs: t0 + 1, ...fields});
	aggregator.add([
		exchange({container: 'web', pid: 10}),
		exchange({container: 'web', pid: 10}),
		exchange({container: 'web-canary', pid: 11}),
		exchange({container: null, comm: 'node', pid: 20, local: {address: '10.0.0.1', port: 3000}}),
		exchange({container: null, comm: 'node', pid: 21, local: {address: '10.0.0.1', port: 3000}}),
		exchange({container: null, comm: 'node', pid: 22, local: {address: '10.0.0.1', port: 3001}}),
	]);
	const rows = aggregator.snapshot(view, nowMs).rows;
	t.deepEqual(rows.map(row => [row.route, row.container, row.process?.pid ?? null, row.count]).sort((a, b) => String(a).localeCompare(String(b))), [
		['/', 'web', 10, 2],
		['/', 'web-canary', 11, 1],
		['/', null, 22, 1],
		['/', null, null, 2], // pids 20 and 21 on port 3000: one service, mixed processes
	].sort((a, b) => String(a).localeCompare(String(b))));
});

test('unix domain sockets: a service is its socket file, a client\'s peer is the file it calls, and filters match it whole', (t) => {
	const aggregator = createAggregator();
	const exchange = (fields: Partial<Exchange>): Exchange => makeExchange({path: '/', startMs: t0, endMs: t0 + 1, container: null, comm: 'gunicorn', ...fields});
	const unnamed = {address: '', port: 0};
	aggregator.add([
		exchange({pid: 30, local: {address: '/run/app.sock', port: 0}, remote: unnamed}),
		exchange({pid: 31, local: {address: '/run/app.sock', port: 0}, remote: unnamed}),
		exchange({pid: 30, local: {address: '/run/admin.sock', port: 0}, remote: unnamed}),
		exchange({pid: 30, local: {address: '10.0.0.1', port: 8000}}),
		exchange({role: 'client', pid: 40, comm: 'nginx', local: unnamed, remote: {address: '/run/app.sock', port: 0}}),
		exchange({role: 'client', pid: 40, comm: 'nginx', local: unnamed, remote: {address: '@podman', port: 0}}),
	]);
	const rows = aggregator.snapshot(view, nowMs).rows;
	const servers = rows.filter(row => row.role === 'server').map(row => [row.process?.pid ?? null, row.count]).sort();
	t.deepEqual(servers, [[null, 2], [30, 1], [30, 1]], 'one row per socket file (two workers on one: one row), another for the TCP port');
	const peers = aggregator.snapshot({...view, groupBy: 'peer', role: 'client'}, nowMs).rows.map(row => row.label).sort();
	t.deepEqual(peers, ['/run/app.sock', '@podman']);
	const serverPeers = aggregator.snapshot({...view, groupBy: 'peer', role: 'server'}, nowMs).rows.map(row => row.label).sort();
	t.deepEqual(serverPeers, ['(unnamed)', '127.0.0.1'], 'a unix socket\'s clients have no name');
	const parsed = parseFilter('peer=/run/app.sock');
	if (!parsed.ok) {
		t.fail(parsed.message);
		return;
	}

	const filtered = aggregator.snapshot({...view, filter: parsed.filter, role: 'client'}, nowMs).rows;
	t.deepEqual(filtered.map(row => row.count), [1]);
});

test('role filter: server, client or both', (t) => {
	const sent = traffic();
	const aggregator = createAggregator();
	aggregator.add(sent.map(item => item.exchange));
	for (const role of ['server', 'client', 'both'] as const) {
		for (const groupBy of ['endpoint', 'process', 'status'] as const) {
			const snapshot = aggregator.snapshot({...view, groupBy, role}, nowMs);
			assertRows(t, snapshot, expectedRows(sent, groupBy, role), `${role} ${groupBy}`);
		}
		const mine = sent.filter(item => role === 'both' || item.exchange.role === role);
		const totals = aggregator.snapshot({...view, role}, nowMs).totals;
		t.is(totals.count, mine.length, role);
		t.is(totals.errors, mine.filter(item => isError(item.exchange.role, item.exchange.status)).length, `${role} errors`);
		t.is(totals.errorRate, totals.errors / totals.count);
	}
	t.true(aggregator.snapshot({...view, role: 'client'}, nowMs).rows.every(row => row.role === 'client'));
});

test('errors: a server counts 5xx, a client 4xx and 5xx; status classes add up to the count', (t) => {
	const aggregator = createAggregator();
	const statuses = [101, 200, 204, 301, 304, 400, 404, 429, 500, 502, 503];
	const exchanges: Exchange[] = [];
	for (const role of ['server', 'client'] as const) {
		for (const [index, status] of statuses.entries()) {
			exchanges.push(makeExchange({
				role,
				path: '/x',
				status,
				connId: role === 'server' ? 1 : 2,
				local: {address: '10.0.0.1', port: role === 'server' ? 8080 : 40_000},
				remote: {address: '10.0.0.2', port: role === 'server' ? 50_000 : 8080},
				startMs: t0 + index,
				endMs: t0 + index + 3,
			}));
		}
	}
	aggregator.add(exchanges);
	const rows = aggregator.snapshot(view, nowMs).rows;
	const server = rows.find(row => row.role === 'server')!;
	const client = rows.find(row => row.role === 'client')!;
	const classes = {'1xx': 1, '2xx': 2, '3xx': 2, '4xx': 3, '5xx': 3};
	t.deepEqual(server.status, classes);
	t.deepEqual(client.status, classes);
	t.is(server.errors, 3);
	t.is(server.errorRate, 3 / 11);
	t.is(client.errors, 6);
	t.is(client.errorRate, 6 / 11);
	t.is(aggregator.snapshot(view, nowMs).totals.errors, 9);
});

test('bytes: a server receives requests and sends responses, a client the reverse', (t) => {
	const aggregator = createAggregator();
	aggregator.add([
		makeExchange({role: 'server', path: '/up', requestBytes: 5000, responseBytes: 200, startMs: t0, endMs: t0 + 5}),
		makeExchange({role: 'server', path: '/up', requestBytes: 3000, responseBytes: 100, startMs: t0, endMs: t0 + 5}),
		makeExchange({
			role: 'client', path: '/down', requestBytes: 150, responseBytes: 70_000, startMs: t0, endMs: t0 + 5,
			local: {address: '10.0.0.1', port: 40_001}, remote: {address: '10.0.0.2', port: 80},
		}),
	]);
	const rows = aggregator.snapshot(view, nowMs).rows;
	t.like(rows.find(row => row.route === '/up'), {bytesIn: 8000, bytesOut: 300});
	t.like(rows.find(row => row.route === '/down'), {bytesIn: 70_000, bytesOut: 150});
});

test('the row cap: traffic of rows past maxRows lands in "(other)", and every count adds up to what was sent', (t) => {
	const aggregator = createAggregator({maxRows: 3});
	// Ten endpoints, the i-th with i + 1 requests, one endpoint after the other.
	const exchanges: Exchange[] = [];
	for (let route = 0; route < 10; route++) {
		for (let i = 0; i <= route; i++) {
			exchanges.push(makeExchange({path: `/r${route}`, status: i % 4 === 0 ? 500 : 200, startMs: t0 + exchanges.length, endMs: t0 + exchanges.length + 1}));
		}
	}
	aggregator.add(exchanges);
	const snapshot = aggregator.snapshot(view, nowMs);
	t.deepEqual(snapshot.rows.map(row => [row.label, row.count]), [['(other)', 4 + 5 + 6 + 7 + 8 + 9 + 10], ['/r0', 1], ['/r1', 2], ['/r2', 3]]);
	const other = snapshot.rows[0]!;
	t.like(other, {isOther: true, method: null, route: null, process: null, host: null, container: null, role: 'server'});
	const overflow = exchanges.filter(exchange => !['/r0', '/r1', '/r2'].includes(exchange.path));
	t.is(other.errors, overflow.filter(exchange => exchange.status >= 500).length);
	t.is(other.status['5xx'] + other.status['2xx'], other.count);
	t.is(other.bytesIn, overflow.reduce((sum, exchange) => sum + exchange.requestBytes, 0));
	t.is(snapshot.totals.count, exchanges.length);
	t.is(sumOf(snapshot.rows, row => row.count), exchanges.length);
	// Known rows keep counting once the table is full; new ones keep going to "(other)".
	aggregator.add([makeExchange({path: '/r0', startMs: t0 + 100, endMs: t0 + 101}), makeExchange({path: '/r99', startMs: t0 + 100, endMs: t0 + 101})]);
	t.deepEqual(aggregator.snapshot(view, nowMs).rows.map(row => [row.label, row.count]), [['(other)', 50], ['/r0', 2], ['/r1', 2], ['/r2', 3]]);
});

test('with the cap hit, every grouping and role still accounts for every exchange exactly once', (t) => {
	const sent = traffic(2);
	const aggregator = createAggregator({maxRows: 3});
	aggregator.add(sent.map(item => item.exchange));
	for (const role of ['server', 'client', 'both'] as const) {
		const mine = sent.filter(item => role === 'both' || item.exchange.role === role);
		for (const groupBy of groupByValues) {
			const snapshot = aggregator.snapshot({...view, groupBy, role}, nowMs);
			const label = `${role} ${groupBy}`;
			t.is(sumOf(snapshot.rows, row => row.count), mine.length, label);
			t.is(sumOf(snapshot.rows, row => row.errors), mine.filter(item => isError(item.exchange.role, item.exchange.status)).length, `${label} errors`);
			t.is(sumOf(snapshot.rows, row => row.bytesOut), mine.reduce((sum, item) =>
				sum + (item.exchange.role === 'server' ? item.exchange.responseBytes : item.exchange.requestBytes), 0), `${label} bytes out`);
			t.true(snapshot.rows.filter(row => row.isOther).length <= 1, `${label}: one "(other)" row`);
			if (groupBy === 'endpoint') {
				t.true(snapshot.rows.filter(row => !row.isOther).length <= 3, label);
			}
			t.is(snapshot.totals.count, mine.length);
		}
	}
	// The endpoint rows kept are the first three to arrive, each counted in full.
	const firstThree: Sent[] = [];
	for (const item of sent) {
		const key = expectedLabel(item, 'endpoint');
		if (!firstThree.some(kept => expectedLabel(kept, 'endpoint') === key) && firstThree.length < 3) {
			firstThree.push(item);
		}
	}
	const kept = aggregator.snapshot(view, nowMs).rows.filter(row => !row.isOther);
	t.deepEqual(
		Object.fromEntries(kept.map(row => [actualLabel(row), row.count])),
		Object.fromEntries(firstThree.map(item => {
			const key = expectedLabel(item, 'endpoint');
			return [key, sent.filter(other => expectedLabel(other, 'endpoint') === key).length];
		})),
	);
});

test('a row splitting into more cells than the memory cap allows sends the extra ones to "(other)", still counted', (t) => {
	const aggregator = createAggregator({maxRows: 2});
	// One endpoint answering 30 different status codes, 3 of each.
	const exchanges: Exchange[] = [];
	for (let code = 0; code < 30; code++) {
		for (let i = 0; i < 3; i++) {
			exchanges.push(makeExchange({path: '/many', status: 200 + code, startMs: t0 + exchanges.length, endMs: t0 + exchanges.length + 1}));
		}
	}
	aggregator.add(exchanges);
	for (const groupBy of groupByValues) {
		const rows = aggregator.snapshot({...view, groupBy}, nowMs).rows;
		t.is(sumOf(rows, row => row.count), exchanges.length, groupBy);
	}
	const rows = aggregator.snapshot(view, nowMs).rows;
	const other = rows.find(row => row.isOther);
	const many = rows.find(row => row.route === '/many')!;
	t.true(many.count > 0 && many.count % 3 === 0);
	t.is(many.count + (other?.count ?? 0), 90);
	// Together the row and "(other)" still hold each code's three exchanges.
	const codes = new Map<number, number>();
	for (const row of rows) {
		for (const {code, count} of aggregator.detail(row.key, view, nowMs)!.statusCodes) {
			codes.set(code, (codes.get(code) ?? 0) + count);
		}
	}
	t.deepEqual([...codes].sort((a, b) => a[0] - b[0]), Array.from({length: 30}, (_, code) => [200 + code, 3]));
});

test('top: only the first rows, while totals count them all', (t) => {
	const sent = traffic();
	const aggregator = createAggregator();
	aggregator.add(sent.map(item => item.exchange));
	const all = aggregator.snapshot({...view, sort: {column: 'count', descending: true}}, nowMs);
	const top = aggregator.snapshot({...view, sort: {column: 'count', descending: true}, top: 2}, nowMs);
	t.deepEqual(top.rows, all.rows.slice(0, 2));
	t.is(top.totals.rows, all.rows.length);
	t.is(top.totals.count, sent.length);
});

test('totals: count, errors, error rate and rows', (t) => {
	const sent = traffic();
	const aggregator = createAggregator();
	aggregator.add(sent.map(item => item.exchange));
	const snapshot = aggregator.snapshot(view, nowMs);
	const errors = sent.filter(item => isError(item.exchange.role, item.exchange.status)).length;
	t.like(snapshot.totals, {count: sent.length, errors, errorRate: errors / sent.length, rows: expectedRows(sent, 'endpoint').size});
	t.is(snapshot.totals.latencyMs.max, Math.max(...sent.map(item => item.exchange.endMs - item.exchange.startMs)));
});

test('capture health: counters since start or the last reset, and events per second', (t) => {
	const aggregator = createAggregator();
	aggregator.setCaptureCounters({events: 1000, dropped: 2, truncated: 1, parseErrors: 3, unpaired: 4}, t0);
	aggregator.setCaptureCounters({events: 6000, dropped: 5, truncated: 1, parseErrors: 3, unpaired: 4}, t0 + 5000);
	t.deepEqual(aggregator.snapshot(view, t0 + 5000).totals.capture, {events: 6000, eventsPerSec: 1000, dropped: 5, truncated: 1, parseErrors: 3, unpaired: 4});
	aggregator.reset(t0 + 5000);
	aggregator.setCaptureCounters({events: 6500, dropped: 7, truncated: 1, parseErrors: 3, unpaired: 4}, t0 + 6000);
	t.like(aggregator.snapshot(view, t0 + 6000).totals.capture, {events: 500, dropped: 2, truncated: 0, parseErrors: 0, unpaired: 0});
});

test('reset forgets every row and count, then counts afresh', (t) => {
	const sent = traffic();
	const aggregator = createAggregator();
	aggregator.add(sent.map(item => item.exchange));
	const before = aggregator.snapshot(view, nowMs);
	aggregator.reset(nowMs);
	const after = aggregator.snapshot(view, nowMs + 1000);
	t.deepEqual(after.rows, []);
	t.like(after.totals, {count: 0, errors: 0, errorRate: 0, ratePerSec: 0, rows: 0});
	t.deepEqual(after.totals.latencyMs, {p50: 0, p90: 0, p99: 0, max: 0, mean: 0});
	t.is(after.startedAtMs, nowMs);
	t.is(aggregator.detail(before.rows[0]!.key, view, nowMs + 1000), null);
	for (const groupBy of groupByValues) {
		t.deepEqual(aggregator.snapshot({...view, groupBy}, nowMs + 1000).rows, [], groupBy);
	}
	// The same traffic again (new times) gives the same counts as the first time.
	const again = sent.map(item => ({...item, exchange: {...item.exchange, startMs: item.exchange.startMs + 60_000, firstByteMs: item.exchange.firstByteMs + 60_000, endMs: item.exchange.endMs + 60_000}}));
	aggregator.add(again.map(item => item.exchange));
	assertRows(t, aggregator.snapshot(view, nowMs + 60_000), expectedRows(again, 'endpoint'), 'after reset');
});

/** An exchange of /slow taking `latency` ms and ending at `endMs`. */
const slow = (latency: number, endMs: number, status = 200): Exchange =>
	makeExchange({path: '/slow', status, startMs: endMs - latency, firstByteMs: endMs - latency / 2, endMs});

test('detail: status code breakdown, histogram counts summing to the count, recent slow exchanges slowest first', (t) => {
	const random = seeded(5);
	const aggregator = createAggregator();
	const exchanges: Exchange[] = [];
	// An old, very slow one: more than a minute before now, so not recent.
	exchanges.push(slow(9000, nowMs - 90_000, 200));
	// 3 ms, 30 ms and 300 ms requests (far from any 1-2-5 bound) over the last 30 s, with three status codes.
	const plan: Array<[number, number, number]> = [[3, 200, 120], [30, 404, 40], [300, 500, 15]];
	for (const [latency, status, count] of plan) {
		for (let i = 0; i < count; i++) {
			exchanges.push(slow(latency * (0.9 + random() * 0.2), nowMs - 30_000 + random() * 29_000, status));
		}
	}
	exchanges.sort((a, b) => a.endMs - b.endMs);
	aggregator.add(exchanges);
	const row = aggregator.snapshot(view, nowMs).rows[0]!;
	const detail = aggregator.detail(row.key, view, nowMs)!;
	t.is(detail.row.key, row.key);
	t.is(detail.row.count, exchanges.length);
	t.deepEqual(detail.statusCodes, [{code: 200, count: 121}, {code: 404, count: 40}, {code: 500, count: 15}]);

	const histogram = detail.latencyHistogram;
	t.is(histogram.reduce((sum, bucket) => sum + bucket.count, 0), row.count);
	const bucket = (upToMs: number): number => histogram.find(entry => entry.upToMs === upToMs)?.count ?? 0;
	t.is(bucket(5), 120);
	t.is(bucket(50), 40);
	t.is(bucket(500), 15);
	t.is(bucket(10_000), 1);
	t.deepEqual(histogram.map(entry => entry.upToMs), [...histogram.map(entry => entry.upToMs)].sort((a, b) => a - b));
	t.true(histogram[0]!.count > 0 && histogram.at(-1)!.count > 0, 'no empty buckets at the ends');

	const recent = detail.recentSlow;
	t.true(recent.length > 0 && recent.length <= 10);
	const latency = (exchange: Exchange): number => exchange.endMs - exchange.startMs;
	for (let i = 1; i < recent.length; i++) {
		t.true(latency(recent[i - 1]!) >= latency(recent[i]!), 'slowest first');
	}
	t.true(recent.every(exchange => exchanges.includes(exchange) && exchange.endMs >= nowMs - 60_000), 'recent exchanges of this row');
	t.false(recent.some(exchange => latency(exchange) > 5000), 'the old one is not recent');
	// The slowest recent exchange of each status code is there, the slowest of all first.
	for (const [, status] of plan) {
		const slowest = exchanges.filter(exchange => exchange.status === status && exchange.endMs >= nowMs - 60_000)
			.reduce((a, b) => latency(a) >= latency(b) ? a : b);
		t.true(recent.includes(slowest), `slowest ${status}`);
	}
	t.is(recent[0], exchanges.filter(exchange => exchange.endMs >= nowMs - 60_000).reduce((a, b) => latency(a) >= latency(b) ? a : b));
});

test('detail of the "(other)" row and of unknown keys', (t) => {
	const aggregator = createAggregator({maxRows: 1});
	aggregator.add([
		makeExchange({path: '/a', status: 200, startMs: t0, endMs: t0 + 1}),
		makeExchange({path: '/b', status: 404, startMs: t0, endMs: t0 + 1}),
		makeExchange({path: '/c', status: 503, startMs: t0, endMs: t0 + 1}),
		makeExchange({path: '/c', status: 503, startMs: t0, endMs: t0 + 1}),
	]);
	const other = aggregator.snapshot(view, t0 + 1000).rows.find(row => row.isOther)!;
	const detail = aggregator.detail(other.key, view, t0 + 1000)!;
	t.deepEqual(detail.statusCodes, [{code: 404, count: 1}, {code: 503, count: 2}]);
	t.deepEqual(detail.paths.map(entry => [entry.path, entry.count]), [['/c', 2], ['/b', 1]]);
	t.is(aggregator.detail('no such row', view, t0 + 1000), null);
});

test('a merged row (grouped by status) drills down the same way', (t) => {
	const sent = traffic();
	const aggregator = createAggregator();
	aggregator.add(sent.map(item => item.exchange));
	const statusView: ViewOptions = {...view, groupBy: 'status'};
	for (const row of aggregator.snapshot(statusView, nowMs).rows) {
		const detail = aggregator.detail(row.key, statusView, nowMs)!;
		t.deepEqual(detail.statusCodes, [{code: Number(row.label), count: row.count}]);
		t.is(detail.latencyHistogram.reduce((sum, bucket) => sum + bucket.count, 0), row.count);
		t.true(detail.recentSlow.every(exchange => String(exchange.status) === row.label));
	}
});

test('a filter that keeps every cell of a row shows the row as merged cells would, and after a cell expires only what is left', (t) => {
	const parsed = parseFilter('status>=100');
	if (!parsed.ok) {
		t.fail(parsed.message);
		return;
	}
	const filtered: ViewOptions = {...view, filter: parsed.filter};
	const aggregator = createAggregator({idleExpiryMs: 10_000});
	// One endpoint row, two cells (200 and 404); the 404s stop early.
	const batch: Exchange[] = [];
	for (let i = 0; i < 30; i++) {
		batch.push(makeExchange({path: '/a', status: 200, startMs: t0 + i * 1000, endMs: t0 + i * 1000 + 5}));
	}
	for (let i = 0; i < 10; i++) {
		batch.push(makeExchange({path: '/a', status: 404, startMs: t0 + i * 100, endMs: t0 + i * 100 + 50}));
	}
	aggregator.add(batch);
	const early = t0 + 5000;
	const [unfilteredRow] = aggregator.snapshot(view, early).rows;
	const [filteredRow] = aggregator.snapshot(filtered, early).rows;
	t.is(filteredRow!.count, 40);
	t.deepEqual(figuresOf(filteredRow!), figuresOf(unfilteredRow!));
	t.deepEqual(filteredRow!.latencyMs, unfilteredRow!.latencyMs);
	// At 25 s the 404 cell (last seen at ~1 s) has expired; the 200 cell goes on.
	const late = t0 + 25_000;
	const [afterExpiry] = aggregator.snapshot(filtered, late).rows;
	t.is(afterExpiry!.count, 30, 'the filtered row counts the cells that are left');
	t.is(afterExpiry!.status['4xx'], 0);
	t.is(aggregator.snapshot(view, late).rows[0]!.count, 30, 'so does the unfiltered row: one answer per row');
});

test('a row folded together with one whose cell expired still filters to what its cells hold', (t) => {
	const parsed = parseFilter('status>=100');
	if (!parsed.ok) {
		t.fail(parsed.message);
		return;
	}
	const filtered: ViewOptions = {...view, filter: parsed.filter};
	const aggregator = createAggregator({idleExpiryMs: 10_000, routeSegmentLimit: 2});
	const at = (path: string, status: number, ms: number) => makeExchange({path, status, startMs: ms, endMs: ms + 1});
	// /x/alpha: a 500 at the start (expires), 200s until 12 s.
	aggregator.add([at('/x/alpha', 500, t0), ...Array.from({length: 12}, (_, i) => at('/x/alpha', 200, t0 + (i + 1) * 1000))]);
	aggregator.snapshot(view, t0 + 15_000); // the 500 cell expires out of /x/alpha's row
	// Two more values under /x/ fold /x/alpha, /x/beta and /x/gamma into one row.
	aggregator.add([at('/x/beta', 200, t0 + 15_000), at('/x/gamma', 200, t0 + 15_100)]);
	const rows = aggregator.snapshot(filtered, t0 + 16_000).rows;
	t.deepEqual(rows.map(row => row.label), ['/x/*']);
	t.is(rows[0]!.count, 14, 'the twelve 200s of /x/alpha and one each of /x/beta and /x/gamma, not the expired 500');
	t.is(rows[0]!.status['5xx'], 0);
});
