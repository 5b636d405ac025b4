// Latency quantiles of the aggregator against exact answers: seeded data from
// several distributions goes through add + snapshot, and p50/p90/p99 are held
// to DDSketch's guarantee around the exact order statistic at rank
// floor(q * (n - 1)) of the sorted values; max and mean are exact (to float
// rounding). Rows read from one sketch, rows merged from several cells, the
// totals and routes merged by folding all go through the same checks.

import {DDSketch} from '@datadog/sketches-js';
import test, {type ExecutionContext} from 'ava';
import {createAggregator, latencyRelativeError, type LatencySummary, type Row, type ViewOptions} from '../source/aggregate/index.js';
import {LATENCY_RELATIVE_ERROR, LatencySketch, keyOf, latencyP99, summarizeLatency} from '../source/aggregate/latency.js';
import type {Exchange} from '../source/http/exchange.js';
import {makeExchange} from './helpers/ui-exchanges.js';
import {seeded} from './helpers/seeded.js';

const t0 = Date.UTC(2025, 0, 1);
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'count', descending: true}, filter: null, role: 'both'};

/** A standard normal draw (Box-Muller). */
const normal = (random: () => number): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

type Distribution = {readonly name: string; readonly draw: (random: () => number) => number};

const distributions: readonly Distribution[] = [
	{name: 'uniform 1-100 ms', draw: random => 1 + random() * 99},
	{name: 'log-normal, heavy tail', draw: random => Math.exp(Math.log(20) + 1.5 * normal(random))},
	{name: 'pareto, very heavy tail', draw: random => 5 / (1 - random()) ** (1 / 1.2)},
	{name: 'bimodal: 2 ms and 300 ms', draw: random => random() < 0.7 ? 2 + 0.2 * normal(random) : 300 + 30 * normal(random)},
	{name: 'sub-millisecond loopback', draw: random => 0.02 + random() * 0.2},
	{name: 'seconds-long uploads', draw: random => 5000 + random() * 25_000},
];

/** Exchanges with the given total times, ttfb a random share of each, spread over `spanMs`. */
function exchangesWith(latencies: readonly number[], random: () => number, fields: Partial<Exchange> = {}, spanMs = 30_000): Exchange[] {
	return latencies.map((latency, index) => {
		const startMs = t0 + (index / latencies.length) * spanMs;
		return makeExchange({
			path: '/api/items',
			...fields,
			startMs,
			firstByteMs: startMs + latency * (0.1 + 0.9 * random()),
			endMs: startMs + latency,
		});
	});
}

// The measures as the aggregator defines them, from the exchanges' own clocks (negative ones count as 0).
const totalTime = (exchange: Exchange): number => Math.max(0, exchange.endMs - exchange.startMs);
const firstByte = (exchange: Exchange): number => Math.max(0, exchange.firstByteMs - exchange.startMs);

type Exact = {readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number};

/** Exact figures: the sorted value at rank floor(q * (n - 1)), the largest value, the arithmetic mean. */
function exact(values: readonly number[]): Exact {
	const sorted = [...values].sort((a, b) => a - b);
	const at = (q: number): number => sorted[Math.floor(q * (sorted.length - 1))]!;
	let sum = 0;
	for (const value of values) {
		sum += value;
	}
	return {p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1)!, mean: sum / values.length};
}

/** Each quantile within the relative error of the exact one; max exact; mean to float rounding. */
function assertSummary(t: ExecutionContext, actual: LatencySummary, values: readonly number[], label: string): void {
	const expected = exact(values);
	for (const q of ['p50', 'p90', 'p99'] as const) {
		const bound = latencyRelativeError * expected[q] * (1 + 1e-9);
		t.true(Math.abs(actual[q] - expected[q]) <= bound,
			`${label} ${q}: ${actual[q]} is not within ${latencyRelativeError * 100}% of the exact ${expected[q]}`);
	}
	t.is(actual.max, expected.max, `${label} max`);
	t.true(Math.abs(actual.mean - expected.mean) <= 1e-9 * expected.mean, `${label} mean: ${actual.mean} vs ${expected.mean}`);
}

const onlyRow = (t: ExecutionContext, rows: readonly Row[]): Row => {
	t.is(rows.length, 1);
	return rows[0]!;
};

const endOf = (exchanges: readonly Exchange[]): number => Math.ceil(Math.max(...exchanges.map(exchange => exchange.endMs)) / 1000) * 1000;

for (const [index, distribution] of distributions.entries()) {
	test(`one endpoint, ${distribution.name}: p50/p90/p99 within the relative error, exact max and mean, total time and ttfb`, (t) => {
		const random = seeded(1000 + index);
		const latencies = Array.from({length: 5000}, () => distribution.draw(random));
		const exchanges = exchangesWith(latencies, random);
		const aggregator = createAggregator();
		for (let i = 0; i < exchanges.length; i += 256) {
			aggregator.add(exchanges.slice(i, i + 256));
		}
		const snapshot = aggregator.snapshot(view, endOf(exchanges));
		const row = onlyRow(t, snapshot.rows);
		t.is(row.count, exchanges.length);
		assertSummary(t, row.latencyMs, exchanges.map(totalTime), 'latency');
		assertSummary(t, row.ttfbMs, exchanges.map(firstByte), 'ttfb');
		assertSummary(t, snapshot.totals.latencyMs, exchanges.map(totalTime), 'totals');
	});
}

test('constant latency: every quantile is the value itself (clamped to the exact min and max)', (t) => {
	const random = seeded(7);
	const exchanges = exchangesWith(Array.from({length: 1000}, () => 42.5), random);
	const aggregator = createAggregator();
	aggregator.add(exchanges);
	const row = onlyRow(t, aggregator.snapshot(view, endOf(exchanges)).rows);
	const value = totalTime(exchanges[0]!);
	t.true(exchanges.every(exchange => totalTime(exchange) === value), 'the test data is constant on the exchanges\' clock');
	t.deepEqual(row.latencyMs, {p50: value, p90: value, p99: value, max: value, mean: value});
});

test('the rank rule: p50 of 500 fast and 500 slow requests is the 500th value (rank floor(0.5 * 999)), not a midpoint', (t) => {
	const random = seeded(8);
	// Alternating, so arrival order says nothing about rank.
	const latencies = Array.from({length: 1000}, (_, index) => index % 2 === 0 ? 1 + random() * 0.5 : 1000 + random() * 500);
	const exchanges = exchangesWith(latencies, random);
	const aggregator = createAggregator();
	aggregator.add(exchanges);
	const row = onlyRow(t, aggregator.snapshot(view, endOf(exchanges)).rows);
	const fastMax = Math.max(...exchanges.map(totalTime).filter(value => value < 100));
	// The 500th smallest is the slowest fast request.
	t.true(Math.abs(row.latencyMs.p50 - fastMax) <= latencyRelativeError * fastMax * (1 + 1e-9), `p50 ${row.latencyMs.p50} vs ${fastMax}`);
	t.true(row.latencyMs.p90 >= 1000 * (1 - latencyRelativeError));
	assertSummary(t, row.latencyMs, exchanges.map(totalTime), 'latency');
});

test('the rank rule again, with the mean near the fast end of the range (500 at ~1 ms, 499 at ~2 ms, one at 100 ms)', (t) => {
	const random = seeded(13);
	const latencies = Array.from({length: 1000}, (_, index) => {
		if (index === 501) {
			return 100;
		}
		return index % 2 === 0 ? 1 + random() * 0.1 : 2 + random() * 0.1;
	});
	const exchanges = exchangesWith(latencies, random);
	const aggregator = createAggregator();
	aggregator.add(exchanges);
	const row = onlyRow(t, aggregator.snapshot(view, endOf(exchanges)).rows);
	const fastMax = Math.max(...exchanges.map(totalTime).filter(value => value < 1.5));
	t.true(Math.abs(row.latencyMs.p50 - fastMax) <= latencyRelativeError * fastMax * (1 + 1e-9), `p50 ${row.latencyMs.p50} vs ${fastMax}`);
	assertSummary(t, row.latencyMs, exchanges.map(totalTime), 'latency');
});

test('zero and negative times (clock skew between CPUs) count as 0 ms', (t) => {
	const random = seeded(9);
	// 60 % zero or negative, then positive: p50 is 0, p90 and p99 come from the positive ones.
	const latencies = Array.from({length: 1000}, (_, index) => {
		if (index % 10 < 3) {
			return 0;
		}
		return index % 10 < 6 ? -0.5 * random() : 10 + random() * 90;
	});
	const exchanges = exchangesWith(latencies, random);
	const aggregator = createAggregator();
	aggregator.add(exchanges);
	const row = onlyRow(t, aggregator.snapshot(view, endOf(exchanges)).rows);
	t.is(row.latencyMs.p50, 0);
	assertSummary(t, row.latencyMs, exchanges.map(totalTime), 'latency');
});

test('exactly half the requests at 0 ms: p50, at rank floor(0.5 * 999), is the last of the zeros', (t) => {
	const random = seeded(14);
	const latencies = Array.from({length: 1000}, (_, index) => {
		if (index === 1) {
			return 100;
		}
		return index % 2 === 0 ? 0 : 1 + random() * 0.1;
	});
	const exchanges = exchangesWith(latencies, random);
	const aggregator = createAggregator();
	aggregator.add(exchanges);
	const row = onlyRow(t, aggregator.snapshot(view, endOf(exchanges)).rows);
	t.is(exchanges.filter(exchange => totalTime(exchange) === 0).length, 500);
	t.is(row.latencyMs.p50, 0);
	assertSummary(t, row.latencyMs, exchanges.map(totalTime), 'latency');
});

test('95 % of the requests at 0 ms: p50 and p90 are 0, p99 comes from the rest', (t) => {
	const random = seeded(15);
	const latencies = Array.from({length: 1000}, (_, index) => index % 20 === 0 ? 5 + random() * 50 : 0);
	const exchanges = exchangesWith(latencies, random);
	const aggregator = createAggregator();
	aggregator.add(exchanges);
	const row = onlyRow(t, aggregator.snapshot(view, endOf(exchanges)).rows);
	t.is(row.latencyMs.p50, 0);
	t.is(row.latencyMs.p90, 0);
	t.true(row.latencyMs.p99 >= 5 * (1 - latencyRelativeError));
	assertSummary(t, row.latencyMs, exchanges.map(totalTime), 'latency');
});

test('a row of many cells (processes and status codes), grouped several ways: merged sketches keep the bound', (t) => {
	const random = seeded(10);
	const exchanges: Exchange[] = [];
	// Four processes with different distributions, each answering 200, 404 and 503: twelve cells of one endpoint.
	const processes = [
		{pid: 101, comm: 'api-fast', draw: distributions[0]!.draw},
		{pid: 102, comm: 'api-tail', draw: distributions[1]!.draw},
		{pid: 103, comm: 'api-slow', draw: distributions[5]!.draw},
		{pid: 104, comm: 'api-cached', draw: () => 0}, // only the zero bucket: no buckets of its own to merge
	];
	for (const process of processes) {
		const latencies = Array.from({length: 2000}, () => process.draw(random));
		exchanges.push(...exchangesWith(latencies, random, {pid: process.pid, tid: process.pid, comm: process.comm, container: 'api'})
			.map((exchange, index) => ({...exchange, status: [200, 404, 503][index % 3]!})));
	}
	const aggregator = createAggregator();
	aggregator.add(exchanges);
	const nowMs = endOf(exchanges);
	const all = exchanges.map(totalTime);

	// Endpoint: one row (the container is the service), read from its running sum.
	const endpoint = onlyRow(t, aggregator.snapshot(view, nowMs).rows);
	t.is(endpoint.count, exchanges.length);
	assertSummary(t, endpoint.latencyMs, all, 'endpoint');
	assertSummary(t, endpoint.ttfbMs, exchanges.map(firstByte), 'endpoint ttfb');

	// Host and container: the twelve cells merged at snapshot time.
	for (const groupBy of ['host', 'container'] as const) {
		const row = onlyRow(t, aggregator.snapshot({...view, groupBy}, nowMs).rows);
		assertSummary(t, row.latencyMs, all, groupBy);
		assertSummary(t, row.ttfbMs, exchanges.map(firstByte), `${groupBy} ttfb`);
	}

	// Process (three cells each) and status (four each).
	const byProcess = aggregator.snapshot({...view, groupBy: 'process'}, nowMs).rows;
	t.is(byProcess.length, processes.length);
	for (const process of processes) {
		const row = byProcess.find(candidate => candidate.process?.pid === process.pid);
		t.truthy(row, process.comm);
		assertSummary(t, row!.latencyMs, exchanges.filter(exchange => exchange.pid === process.pid).map(totalTime), process.comm);
	}
	const byStatus = aggregator.snapshot({...view, groupBy: 'status'}, nowMs).rows;
	t.deepEqual(byStatus.map(row => row.label).sort(), ['200', '404', '503']);
	for (const row of byStatus) {
		assertSummary(t, row.latencyMs, exchanges.filter(exchange => String(exchange.status) === row.label).map(totalTime), `status ${row.label}`);
	}
});

test('totals merge the server and client sketches', (t) => {
	const random = seeded(11);
	const server = exchangesWith(Array.from({length: 3000}, () => distributions[1]!.draw(random)), random);
	const client = exchangesWith(Array.from({length: 3000}, () => distributions[3]!.draw(random)), random, {
		role: 'client',
		local: {address: '10.0.0.2', port: 45_000},
		remote: {address: '10.0.0.3', port: 9000},
		comm: 'curl',
	});
	const aggregator = createAggregator();
	aggregator.add([...server, ...client]);
	const nowMs = endOf([...server, ...client]);
	assertSummary(t, aggregator.snapshot(view, nowMs).totals.latencyMs, [...server, ...client].map(totalTime), 'both roles');
	assertSummary(t, aggregator.snapshot({...view, role: 'server'}, nowMs).totals.latencyMs, server.map(totalTime), 'server');
	assertSummary(t, aggregator.snapshot({...view, role: 'client'}, nowMs).totals.latencyMs, client.map(totalTime), 'client');
});

test('routes merged by folding keep the bound over everything they took in', (t) => {
	const random = seeded(12);
	const aggregator = createAggregator({routeSegmentLimit: 4});
	// Ten distinct names under /files: the fifth folds them all into /files/*, the four before move there too.
	const exchanges: Exchange[] = [];
	for (let name = 0; name < 10; name++) {
		const draw = distributions[name % distributions.length]!.draw;
		exchanges.push(...exchangesWith(Array.from({length: 500}, () => draw(random)), random, {path: `/files/report-${'abcdefghij'[name]}`}));
	}
	for (let i = 0; i < exchanges.length; i += 500) {
		aggregator.add(exchanges.slice(i, i + 500)); // one name per batch: rows exist before the fold
	}
	const row = onlyRow(t, aggregator.snapshot(view, endOf(exchanges)).rows);
	t.is(row.route, '/files/*');
	t.is(row.count, exchanges.length);
	assertSummary(t, row.latencyMs, exchanges.map(totalTime), 'folded');
	assertSummary(t, row.ttfbMs, exchanges.map(firstByte), 'folded ttfb');
});

test('no exchanges, no figures: an empty aggregator reports zero latency', (t) => {
	const snapshot = createAggregator().snapshot(view, t0);
	t.deepEqual(snapshot.rows, []);
	t.deepEqual(snapshot.totals.latencyMs, {p50: 0, p90: 0, p99: 0, max: 0, mean: 0});
});

const record = (sketch: LatencySketch, ms: number): void => {
	sketch.add(ms, keyOf(ms));
};

test('one sketch read in place gives the quantiles of the same sketch combined with an empty one, and p99 alone the same p99', (t) => {
	const random = seeded(77);
	const shapes: Array<() => number> = [
		() => 0.02 + random() ** 3 * 200, // wide, mostly fast
		() => 5 + random() * 0.5, // narrow
		() => random() < 0.995 ? 1 : 30_000, // a far tail
		() => random() < 0.5 ? 0 : 0.001 + random(), // half in the zero bucket
		() => Math.exp(random() * 20 - 10), // 45 µs to 22 s, log-uniform
	];
	for (const [index, shape] of shapes.entries()) {
		for (const size of [1, 2, 7, 100, 5000]) {
			const single = new LatencySketch();
			for (let i = 0; i < size; i++) {
				record(single, shape());
			}
			// Two sketches are added up into a scratch array first, then walked.
			t.deepEqual(summarizeLatency([single]), summarizeLatency([single, new LatencySketch()]), `shape ${index}, ${size} values`);
			t.is(latencyP99([single]), summarizeLatency([single]).p99, `p99 alone, shape ${index}, ${size} values`);
		}
	}
});

test('the bucket walk and the merge give exactly the quantiles of the library\'s own DDSketch fed the same values', (t) => {
	// getValueAtQuantile is @datadog/sketches-js's rule, independent of the walk
	// here (from the top bucket down, the zero bucket). The values are dealt to
	// 1-12 sketches: some stay sparse, some pass 128 buckets and turn dense,
	// some turn dense while merged, and more than eight are added up first.
	const random = seeded(5);
	for (let round = 0; round < 2000; round++) {
		const size = 1 + Math.floor(random() ** 2 * (round % 4 === 0 ? 2000 : 300));
		const zeroShare = random() < 0.3 ? random() : 0;
		const spread = random() * 8;
		const parts = Array.from({length: 1 + Math.floor(random() * 12)}, () => new LatencySketch());
		const library = new DDSketch({relativeAccuracy: LATENCY_RELATIVE_ERROR});
		for (let i = 0; i < size; i++) {
			const ms = random() < zeroShare ? 0 : Math.exp(random() * spread) * 0.01;
			record(parts[i % parts.length]!, ms);
			library.accept(ms);
		}
		const whole = new LatencySketch();
		for (const part of parts) {
			whole.merge(part);
		}
		const expected = (q: number): number => Math.min(library.max, Math.max(library.min, library.getValueAtQuantile(q)!));
		for (const [how, summary] of [['merged in a tick', summarizeLatency(parts)], ['one sketch', summarizeLatency([whole])]] as const) {
			const label = `${how}, round ${round}, ${parts.length} sketches`;
			t.is(summary.p50, expected(0.5), label);
			t.is(summary.p90, expected(0.9), label);
			t.is(summary.p99, expected(0.99), label);
		}
		t.is(latencyP99(parts), expected(0.99), `p99 alone, round ${round}`);
	}
});

test('a row whose every exchange took no measurable time (all in the zero bucket) gives zeros, not a hang', (t) => {
	const aggregator = createAggregator();
	const at = Date.UTC(2025, 0, 1);
	aggregator.add([makeExchange({startMs: at, firstByteMs: at, endMs: at}), makeExchange({startMs: at + 5, firstByteMs: at + 4, endMs: at + 3})]);
	const [row] = aggregator.snapshot({groupBy: 'endpoint', sort: {column: 'p99', descending: true}, filter: null, role: 'both'}, at + 10).rows;
	t.deepEqual(row?.latencyMs, {p50: 0, p90: 0, p99: 0, max: 0, mean: 0});
	t.deepEqual(row?.ttfbMs, {p50: 0, p90: 0, p99: 0, max: 0, mean: 0});
});

test('a bucket counts past 2^32 (a busy cell over days, a row added up) without wrapping, sparse or dense', (t) => {
	const busy = new LatencySketch();
	busy.add(2, keyOf(2), 2 ** 31); // past int32 once more: the pairs give way to the dense store
	busy.add(2, keyOf(2), 2 ** 31);
	busy.add(2, keyOf(2), 2 ** 31); // 3 x 2^31 in one bucket: a Uint32 bucket would hold 2^31
	busy.add(50, keyOf(50), 2 ** 31 + 1000);
	const quiet = new LatencySketch();
	quiet.add(50, keyOf(50), 5); // sparse
	const many = Array.from({length: 10}, () => busy); // more than are walked together: added up first
	for (const sketches of [[busy], [busy, quiet], many]) {
		const summary = summarizeLatency(sketches);
		t.true(Math.abs(summary.p50 - 2) <= 2 * LATENCY_RELATIVE_ERROR, `p50 ${summary.p50}`);
		t.true(Math.abs(summary.p99 - 50) <= 50 * LATENCY_RELATIVE_ERROR, `p99 ${summary.p99}`);
	}
});
