// A row that holds most of the endpoint table (one process serving a hundred
// endpoints; a filter that keeps all but a few rows) has its quantiles, and
// the totals under a filter their counts and rate, worked out as everything
// counted less what left the table less the other rows. These tests drive
// that path through expiry (whole rows and single cells), the row cap and role
// filters, and check it against the exchanges sent (exact quantiles within the
// sketch's relative error, exact counts, max and mean) and against the same
// row merged cell by cell (the drill-down merges).

import test, {type ExecutionContext} from 'ava';
import {createAggregator, parseFilter, type Aggregator, type Row, type ViewOptions} from '../source/aggregate/index.js';
import type {Exchange, Role} from '../source/http/exchange.js';
import {makeExchange} from './helpers/ui-exchanges.js';

import {assertQuantiles} from './helpers/quantiles.js';
import {seeded} from './helpers/seeded.js';

const t0 = Date.UTC(2025, 0, 1);
const minute = 60_000;
const endpointView: ViewOptions = {groupBy: 'endpoint', sort: {column: 'key', descending: false}, filter: null, role: 'both'};
const processView: ViewOptions = {...endpointView, groupBy: 'process'};

type Sent = {readonly exchange: Exchange; readonly route: string; readonly shop: number};

/**
 * nginx (pid 100) serves 120 routes, /shop{j}/item{k}, a 503 every seventh
 * request; node (pid 200) serves 5 POST routes; python3 (pid 300) calls 5 GET
 * routes. `late` sends a second burst 11 minutes on, when nothing of the
 * first is left but what the second burst touches again: only 200s, and no
 * route of /shop0 (so /shop0's rows expire whole, every 503 cell alone).
 */
function traffic(seed: number, late: boolean, clientOf: (index: number) => string = index => `10.0.0.${index % 7}`): Sent[] {
	const random = seeded(seed);
	const sent: Sent[] = [];
	const send = (fromMs: number, burst: 'first' | 'late'): void => {
		let index = 0;
		const push = (fields: Partial<Exchange>, route: string, shop: number): void => {
			const startMs = fromMs + random() * 30_000;
			const latency = 0.05 + random() ** 3 * 300;
			sent.push({
				exchange: makeExchange({
					...fields,
					startMs,
					firstByteMs: startMs + latency * (0.1 + 0.9 * random()),
					endMs: startMs + latency,
					// A server hears from seven clients; the client calls one server.
					remote: fields.role === 'client' ? {address: '10.0.2.1', port: 8000} : {address: clientOf(index), port: 40_000 + (index % 1000)},
				}),
				route,
				shop,
			});
			index++;
		};
		for (let round = 0; round < 20; round++) {
			for (let shop = 0; shop < 10; shop++) {
				for (let item = 0; item < 12; item++) {
					const status = burst === 'first' && index % 7 === 0 ? 503 : 200;
					if (burst === 'late' && shop === 0) {
						continue;
					}
					push({pid: 100, tid: 100, comm: 'nginx', local: {address: '10.0.0.1', port: 80}, method: 'GET', path: `/shop${shop}/item${item}`, status}, `/shop${shop}/item${item}`, shop);
				}
			}
			for (let route = 0; route < 5; route++) {
				push({pid: 200, tid: 200, comm: 'node', local: {address: '10.0.0.1', port: 3000}, method: 'POST', path: `/orders${route}`, status: 201}, `/orders${route}`, -1);
				push({
					role: 'client', pid: 300, tid: 300, comm: 'python3', local: {address: '10.0.0.1', port: 50_000}, method: 'GET', path: `/api/v${route}`,
					status: random() < 0.1 ? 404 : 200,
				}, `/api/v${route}`, -1);
			}
		}
	};
	send(t0, 'first');
	if (late) {
		send(t0 + 11 * minute, 'late');
	}
	return sent.sort((a, b) => a.exchange.endMs - b.exchange.endMs);
}

const totalTime = (exchange: Exchange): number => Math.max(0, exchange.endMs - exchange.startMs);
const firstByte = (exchange: Exchange): number => Math.max(0, exchange.firstByteMs - exchange.startMs);

function fed(sent: readonly Sent[], maxRows?: number): Aggregator {
	const aggregator = createAggregator(maxRows === undefined ? {} : {maxRows});
	aggregator.add(sent.map(({exchange}) => exchange));
	return aggregator;
}

const endOf = (sent: readonly Sent[]): number => Math.max(...sent.map(({exchange}) => exchange.endMs)) + 1000;

const rowOf = (t: ExecutionContext, rows: readonly Row[], label: string): Row => {
	const row = rows.find(candidate => candidate.label === label);
	t.truthy(row, `no row ${label} in ${rows.map(candidate => candidate.label).join(', ')}`);
	return row!;
};

for (const role of ['both', 'server'] as const satisfies ReadonlyArray<Role | 'both'>) {
	test(`grouped by process (role ${role}), after whole rows and single cells expired: the process of most endpoints has the quantiles of the exchanges its cells still hold`, (t) => {
		const sent = traffic(1, true);
		const aggregator = fed(sent);
		const nowMs = endOf(sent);
		const view = {...processView, role};
		const snapshot = aggregator.snapshot(view, nowMs);
		const nginx = rowOf(t, snapshot.rows, 'nginx[100]');
		// Left in the table: nginx's 200 cells of /shop1 to /shop9, first burst and late one (its 503 cells and /shop0 expired).
		const held = sent.filter(({exchange, shop}) => exchange.pid === 100 && shop > 0 && exchange.status === 200).map(({exchange}) => exchange);
		t.is(nginx.count, held.length);
		assertQuantiles(t, nginx.latencyMs, held.map(totalTime), 'total time');
		assertQuantiles(t, nginx.ttfbMs, held.map(firstByte), 'ttfb');
		// The drill-down merges the row's cells: the same buckets, the same figures.
		const detail = aggregator.detail(nginx.key, view, nowMs)!;
		t.deepEqual(nginx.latencyMs, detail.row.latencyMs);
		t.deepEqual(nginx.ttfbMs, detail.row.ttfbMs);
		// The drill-down of so large a row: a histogram and status codes that add up to it, the slowest recent exchanges first.
		t.is(detail.latencyHistogram.reduce((sum, bucket) => sum + bucket.count, 0), held.length);
		t.deepEqual(detail.statusCodes, [{code: 200, count: held.length}]);
		const recent = held.filter(exchange => exchange.endMs >= nowMs - minute).sort((x, y) => totalTime(y) - totalTime(x));
		t.is(detail.recentSlow.length, 10);
		t.is(detail.recentSlow[0], recent[0]);
		for (const [index, exchange] of detail.recentSlow.entries()) {
			t.true(recent.includes(exchange));
			t.true(index === 0 || totalTime(exchange) <= totalTime(detail.recentSlow[index - 1]!));
		}
		t.deepEqual(rowOf(t, snapshot.rows, 'node[200]').latencyMs, aggregator.detail(rowOf(t, snapshot.rows, 'node[200]').key, view, nowMs)!.row.latencyMs);
		t.is(snapshot.rows.length, role === 'both' ? 3 : 2);
	});
}

test('grouped by peer, after rows, cells and cells standing for their endpoint cell expired: the client of most requests has the quantiles of the exchanges its cells still hold', (t) => {
	// One client sends nine requests in ten; a cell that heard from it alone stood for its endpoint cell until the peer view.
	const sent = traffic(5, true, index => index % 10 === 0 ? '10.0.1.1' : '10.0.0.1');
	const aggregator = fed(sent);
	const nowMs = endOf(sent);
	const snapshot = aggregator.snapshot({...endpointView, groupBy: 'peer'}, nowMs);
	const main = rowOf(t, snapshot.rows, '10.0.0.1');
	// Left of its cells: those (route, status, this client) the late burst touched again.
	const touched = new Set(sent.filter(({exchange}) => exchange.endMs >= nowMs - 10 * minute && exchange.remote.address === '10.0.0.1')
		.map(({exchange, route}) => `${exchange.pid} ${route} ${exchange.status}`));
	const held = sent.filter(({exchange, route}) => exchange.role === 'server' && exchange.remote.address === '10.0.0.1'
		&& touched.has(`${exchange.pid} ${route} ${exchange.status}`)).map(({exchange}) => exchange);
	t.is(main.count, held.length);
	assertQuantiles(t, main.latencyMs, held.map(totalTime), 'total time');
	assertQuantiles(t, main.ttfbMs, held.map(firstByte), 'ttfb');
	const detail = aggregator.detail(main.key, {...endpointView, groupBy: 'peer'}, nowMs)!;
	t.deepEqual(main.latencyMs, detail.row.latencyMs);
	t.is(detail.latencyHistogram.reduce((sum, bucket) => sum + bucket.count, 0), held.length);
});

test('grouped by process past the row cap: the largest process row, "(other)" beside it, is what merging its cells gives, and the rows add up to every exchange', (t) => {
	const sent = traffic(2, false);
	const aggregator = fed(sent, 100);
	const nowMs = endOf(sent);
	const snapshot = aggregator.snapshot(processView, nowMs);
	const other = rowOf(t, snapshot.rows, '(other)');
	t.true(other.count > 0);
	const nginx = rowOf(t, snapshot.rows, 'nginx[100]');
	const detail = aggregator.detail(nginx.key, processView, nowMs)!;
	t.is(nginx.count, detail.row.count);
	t.deepEqual(nginx.latencyMs, detail.row.latencyMs);
	t.deepEqual(nginx.ttfbMs, detail.row.ttfbMs);
	t.is(snapshot.rows.reduce((sum, row) => sum + row.count, 0), sent.length);
	t.true(nginx.count > sent.length / 2);
});

test('a filter that keeps most rows, after whole rows and single cells expired: the totals count, errors, rate and quantiles of the rows it kept', (t) => {
	const sent = traffic(3, true);
	const aggregator = fed(sent);
	const nowMs = endOf(sent);
	for (const source of ['method=GET', 'method=GET latency>0.01ms', 'route~/shop']) {
		const parsed = parseFilter(source);
		if (!parsed.ok) {
			t.fail(parsed.message);
			return;
		}
		const snapshot = aggregator.snapshot({...endpointView, filter: parsed.filter}, nowMs);
		// Kept: the exchanges of GET cells still in the table, as in every other view: /shop0's rows and every 503 cell expired.
		const touched = new Set(sent.filter(({exchange}) => exchange.endMs >= nowMs - 10 * minute).map(({exchange, route}) => `${exchange.pid} ${route} ${exchange.status}`));
		const kept = sent.filter(({exchange, route}) => (source === 'route~/shop' ? route.startsWith('/shop') : exchange.method === 'GET')
			&& touched.has(`${exchange.pid} ${route} ${exchange.status}`)).map(({exchange}) => exchange);
		const {totals} = snapshot;
		t.is(totals.count, kept.length, source);
		t.is(totals.count, snapshot.rows.reduce((sum, row) => sum + row.count, 0), source);
		const errors = kept.filter(exchange => exchange.status >= 500 || (exchange.role === 'client' && exchange.status >= 400)).length;
		t.true(errors > 0 || source === 'route~/shop', source); // the client's 404s; nginx's 503s expired
		t.is(totals.errors, errors, source);
		const rate = snapshot.rows.reduce((sum, row) => sum + row.ratePerSec, 0);
		t.true(Math.abs(totals.ratePerSec - rate) <= 1e-9 * rate && rate > 0, `${source} rate: ${totals.ratePerSec} vs ${rate}`);
		assertQuantiles(t, totals.latencyMs, kept.map(totalTime), source);
	}
});

test('a filter on one role keeps most of that role\'s rows: totals are that role\'s', (t) => {
	const sent = traffic(4, false);
	const aggregator = fed(sent);
	const nowMs = endOf(sent);
	const parsed = parseFilter('route~/shop');
	if (!parsed.ok) {
		t.fail(parsed.message);
		return;
	}
	const snapshot = aggregator.snapshot({...endpointView, role: 'server', filter: parsed.filter}, nowMs);
	const kept = sent.filter(({route}) => route.startsWith('/shop')).map(({exchange}) => exchange);
	t.is(snapshot.totals.count, kept.length);
	t.is(snapshot.totals.errors, kept.filter(exchange => exchange.status >= 500).length);
	assertQuantiles(t, snapshot.totals.latencyMs, kept.map(totalTime), 'server rows of /shop');
});
