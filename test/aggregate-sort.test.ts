// Sorting: every column in sortColumns, both directions, checked against an
// order worked out in the test; ties (frequent in this data by design) fall
// back to the row key, ascending, whatever the direction, so equal rows never
// swap between ticks or with the order traffic arrived in.

import test, {type ExecutionContext} from 'ava';
import {
	compareRows, createAggregator, descendingByDefault, groupByValues, parseFilter, sortColumns, sortRows,
	type Aggregator, type Row, type SortColumn, type ViewOptions,
} from '../source/aggregate/index.js';
import type {Exchange} from '../source/http/exchange.js';
import {makeExchange} from './helpers/ui-exchanges.js';
import {seeded} from './helpers/seeded.js';

const t0 = Date.UTC(2025, 0, 1);
const nowMs = t0 + 30_000;
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'count', descending: true}, filter: null, role: 'both'};

/**
 * Sixteen endpoints whose figures are each drawn from two or three values, so
 * every column has ties: count, latency, errors, bytes, method, process and the
 * time of the last exchange.
 */
function traffic(seed: number): Exchange[] {
	const random = seeded(seed);
	const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
	const exchanges: Exchange[] = [];
	for (let endpoint = 0; endpoint < 16; endpoint++) {
		const count = pick([2, 4]);
		const latency = pick([10, 20]);
		const failing = pick([0, 1]);
		const responseBytes = pick([100, 200]);
		const [pid, comm] = pick([[1, 'alpha'], [2, 'alpha'], [3, 'beta']] as const);
		const method = pick(['GET', 'POST']);
		const lastMs = pick([t0 + 20_500, t0 + 25_500]);
		for (let i = 0; i < count; i++) {
			const endMs = lastMs - i * 1000;
			exchanges.push(makeExchange({
				pid,
				tid: pid,
				comm,
				container: null,
				connId: 1000 + endpoint,
				local: {address: '10.0.0.1', port: 8080},
				remote: {address: `10.0.0.${100 + (endpoint % 3)}`, port: 50_000},
				method,
				path: `/e${String(endpoint).padStart(2, '0')}`,
				host: 'example',
				status: failing === 1 && i % 2 === 0 ? 500 : 200,
				requestBytes: 100,
				responseBytes,
				startMs: endMs - latency,
				firstByteMs: endMs - latency / 2,
				endMs,
			}));
		}
	}
	return exchanges;
}

/** What each column compares, as sort.ts and types.ts describe it. */
const valueOf: Record<SortColumn, (row: Row) => number | string> = {
	rate: row => row.ratePerSec,
	count: row => row.count,
	errors: row => row.errors,
	errorRate: row => row.errorRate,
	p50: row => row.latencyMs.p50,
	p90: row => row.latencyMs.p90,
	p99: row => row.latencyMs.p99,
	max: row => row.latencyMs.max,
	mean: row => row.latencyMs.mean,
	ttfb: row => row.ttfbMs.p99,
	bytesIn: row => row.bytesIn,
	bytesOut: row => row.bytesOut,
	lastSeen: row => row.lastSeenMs,
	key: row => row.label,
	method: row => row.method ?? '',
	process: row => row.process?.comm ?? '',
};

/** The expected order: the column's value in the direction asked, then process id, then row key ascending. */
function expectedOrder(rows: readonly Row[], column: SortColumn, descending: boolean): string[] {
	const order = (a: number | string, b: number | string): number => a < b ? -1 : (a > b ? 1 : 0);
	return [...rows].sort((a, b) => {
		let byValue = order(valueOf[column](a), valueOf[column](b));
		if (byValue === 0 && column === 'process') {
			byValue = order(a.process?.pid ?? -1, b.process?.pid ?? -1); // same name: by pid, as numbers
		}
		return (descending ? -byValue : byValue) || order(a.key, b.key);
	}).map(row => row.key);
}

const keys = (rows: readonly Row[]): string[] => rows.map(row => row.key);

function fed(exchanges: readonly Exchange[]): Aggregator {
	const aggregator = createAggregator();
	aggregator.add(exchanges);
	return aggregator;
}

/** A fixed shuffle of a copy. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
	const random = seeded(seed);
	const copy = [...items];
	for (let i = copy.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[copy[i], copy[j]] = [copy[j]!, copy[i]!];
	}
	return copy;
}

const assertTiesExist = (t: ExecutionContext, rows: readonly Row[], column: SortColumn): void => {
	const values = rows.map(row => String(valueOf[column](row)));
	t.true(new Set(values).size < values.length, `the data has ties in ${column}`);
};

test('sortColumns lists every column a view can sort by, once', (t) => {
	const every: Record<SortColumn, true> = {
		rate: true, count: true, errors: true, errorRate: true, p50: true, p90: true, p99: true, max: true, mean: true,
		ttfb: true, bytesIn: true, bytesOut: true, key: true, method: true, process: true, lastSeen: true,
	};
	t.deepEqual([...sortColumns].sort(), Object.keys(every).sort());
	t.is(new Set(sortColumns).size, sortColumns.length);
});

for (const column of sortColumns) {
	for (const descending of [true, false]) {
		test(`sort by ${column}, ${descending ? 'descending' : 'ascending'}: values in order, ties by key, the same every tick and whatever the arrival order`, (t) => {
			const exchanges = traffic(31);
			const aggregator = fed(exchanges);
			const sorted = {column, descending};
			const rows = aggregator.snapshot({...view, sort: sorted}, nowMs).rows;
			t.is(rows.length, 16);
			if (column !== 'key') {
				assertTiesExist(t, rows, column);
			}
			t.deepEqual(keys(rows), expectedOrder(rows, column, descending));
			// The next ticks (no new traffic, rates moving) and the same traffic fed in another order.
			for (const later of [nowMs + 1, nowMs + 1000, nowMs + 7000]) {
				const next = aggregator.snapshot({...view, sort: sorted}, later).rows;
				t.deepEqual(keys(next), expectedOrder(next, column, descending), `at +${later - nowMs} ms`);
			}
			t.deepEqual(keys(fed(shuffled(exchanges, 5)).snapshot({...view, sort: sorted}, nowMs).rows), keys(rows), 'arrival order');
			// sortRows and compareRows agree, from any starting order.
			for (const seed of [1, 2, 3]) {
				t.deepEqual(keys(sortRows(shuffled(rows, seed), sorted)), keys(rows));
				t.deepEqual(keys(shuffled(rows, seed).sort(compareRows(sorted))), keys(rows));
			}
		});
	}
}

test('the two directions reverse the values, not the ties', (t) => {
	const rows = fed(traffic(32)).snapshot(view, nowMs).rows;
	const down = sortRows(rows, {column: 'count', descending: true});
	const up = sortRows(rows, {column: 'count', descending: false});
	// Within each count the keys stay ascending in both directions.
	for (const order of [down, up]) {
		for (let i = 1; i < order.length; i++) {
			if (order[i]!.count === order[i - 1]!.count) {
				t.true(order[i - 1]!.key < order[i]!.key);
			}
		}
	}
	t.deepEqual(down.map(row => row.count), [...up.map(row => row.count)].reverse());
});

test('other groupings sort the same way', (t) => {
	const aggregator = fed(traffic(33));
	for (const groupBy of groupByValues) {
		for (const column of ['count', 'p99', 'key', 'process'] as const) {
			const rows = aggregator.snapshot({...view, groupBy, sort: {column, descending: descendingByDefault(column)}}, nowMs).rows;
			t.deepEqual(keys(rows), expectedOrder(rows, column, descendingByDefault(column)), `${groupBy} by ${column}`);
		}
	}
});

test('NaN sorts as the smallest value instead of breaking the order', (t) => {
	const rows = fed(traffic(34)).snapshot(view, nowMs).rows.slice(0, 4);
	const broken = {...rows[2]!, latencyMs: {...rows[2]!.latencyMs, p50: Number.NaN}};
	const mixed = [rows[0]!, rows[1]!, broken, rows[3]!];
	t.is(sortRows(mixed, {column: 'p50', descending: false})[0], broken);
	t.is(sortRows(mixed, {column: 'p50', descending: true}).at(-1), broken);
});

test('names read best A to Z, figures largest first', (t) => {
	for (const column of sortColumns) {
		t.is(descendingByDefault(column), !['key', 'method', 'process'].includes(column), column);
	}
});

test('one key order kept across ticks: ties stay by key as rows come and go', (t) => {
	const exchanges = traffic(33);
	const aggregator = createAggregator();
	const sorted = {column: 'count', descending: true} as const;
	// Endpoints arrive in reverse key order, a few per tick, so every tick brings keys the order has not ranked yet.
	const byPath = [...new Set(exchanges.map(exchange => exchange.path))].sort().reverse();
	for (let tick = 0; tick < byPath.length; tick += 3) {
		const arriving = new Set(byPath.slice(tick, tick + 3));
		aggregator.add(exchanges.filter(exchange => arriving.has(exchange.path)));
		const rows = aggregator.snapshot({...view, sort: sorted}, nowMs).rows;
		t.deepEqual(keys(rows), expectedOrder(rows, 'count', true), `after ${tick + arriving.size} endpoints`);
		// A filtered view sorts a subset of the keys the order knows.
		const filter = parseFilter('method=GET');
		if (!filter.ok) {
			t.fail(filter.message);
			return;
		}
		const subset = aggregator.snapshot({...view, sort: sorted, filter: filter.filter}, nowMs).rows;
		t.true(subset.length < rows.length || rows.every(row => row.method === 'GET'));
		t.deepEqual(keys(subset), expectedOrder(subset, 'count', true));
	}
});

test('thousands of rows with few distinct values, infinities, NaN and both zeros: the order compareRows gives', (t) => {
	const random = seeded(35);
	const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0];
	// Rows as a sort reads them (a key, a count, a p99): a few distinct values, so most rows tie.
	const rows = Array.from({length: 3000}, (_, index) => {
		const roll = random();
		const value = roll < 0.1 ? special[Math.floor(random() * special.length)]! : Math.round(random() * 40) / 4;
		return {key: `k${String(Math.floor(random() * 1e6)).padStart(7, '0')}-${index}`, count: value, latencyMs: {p99: value}} as unknown as Row;
	});
	for (const column of ['count', 'p99'] as const) {
		for (const descending of [true, false]) {
			const expected = [...rows].sort(compareRows({column, descending}));
			t.deepEqual(sortRows(rows, {column, descending}).map(row => row.key), expected.map(row => row.key), `${column} ${descending ? 'descending' : 'ascending'}`);
		}
	}
});
