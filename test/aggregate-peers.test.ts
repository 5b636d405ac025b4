// The peer table's shortcut: while a server's endpoint cell hears from one
// client alone, its peer cell stands empty for it (the aggregator records
// once, not twice). Everything read through the peer table must be what a
// peer table that records every exchange itself gives: the same traffic, with
// ticks, expiry and route folding on the way, through two aggregators, the
// shortcut on and off, compared view by view.

import test, {type ExecutionContext} from 'ava';
import {createAggregator, groupByValues, parseFilter, type Aggregator, type Snapshot, type ViewOptions} from '../source/aggregate/index.js';
import type {Exchange} from '../source/http/exchange.js';
import {makeExchange} from './helpers/ui-exchanges.js';
import {seeded} from './helpers/seeded.js';

const t0 = Date.UTC(2025, 0, 1);

/** A row as plain figures, everything a view shows of it. */
const plain = (snapshot: Snapshot): unknown => ({
	totals: {...snapshot.totals, capture: null},
	rows: snapshot.rows.map(row => ({
		key: row.key, label: row.label, role: row.role, host: row.host, process: row.process, count: row.count, errors: row.errors,
		bytesIn: row.bytesIn, bytesOut: row.bytesOut, lastSeenMs: row.lastSeenMs, latencyMs: row.latencyMs, ttfbMs: row.ttfbMs,
		rate1s: row.rate1s, rate10s: row.rate10s, rate60s: row.rate60s, rateHistory: row.rateHistory, status: row.status,
		examplePaths: [...row.examplePaths].sort(),
	})),
});

function exchanges(seed: number, count: number, fromMs: number): Exchange[] {
	const random = seeded(seed);
	const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
	const out: Exchange[] = [];
	for (let i = 0; i < count; i++) {
		const startMs = fromMs + i * 7;
		const server = random() < 0.8;
		// Most endpoints hear from one client; a few from two or three, some only later on.
		const route = pick(['/a', '/b', '/c', '/d', '/items/1', '/items/2', '/slug-x', '/slug-y']);
		const clients = route === '/b' ? ['10.0.0.1', '10.0.0.2'] : route === '/c' && i > count / 2 ? ['10.0.0.1', '10.0.0.3'] : ['10.0.0.1'];
		const latency = 0.05 + random() ** 2 * 40;
		out.push(makeExchange({
			role: server ? 'server' : 'client',
			pid: pick([10, 11]),
			comm: 'srv',
			connId: 1 + Math.floor(random() * 30),
			local: {address: '10.0.0.9', port: server ? 8080 : 40_000},
			remote: {address: server ? pick(clients) : '10.0.0.5', port: server ? 50_000 : 80},
			method: pick(['GET', 'GET', 'POST']),
			path: route,
			host: pick(['a.example', 'b.example']),
			status: pick([200, 200, 200, 404, 503]),
			startMs,
			firstByteMs: startMs + latency / 2,
			endMs: startMs + latency,
		}));
	}
	return out;
}

const views = (): ViewOptions[] => {
	const filter = (source: string) => {
		const parsed = parseFilter(source);
		if (!parsed.ok) {
			throw new Error(parsed.message);
		}
		return parsed.filter;
	};
	return [
		...groupByValues.map((groupBy): ViewOptions => ({groupBy, sort: {column: 'count', descending: true}, filter: null, role: 'both'})),
		{groupBy: 'endpoint', sort: {column: 'p99', descending: true}, filter: filter('peer=10.0.0.1'), role: 'both'},
		{groupBy: 'host', sort: {column: 'key', descending: false}, filter: filter('peer!=10.0.0.2 status>=400'), role: 'server'},
	];
};

function compare(t: ExecutionContext, mirrored: Aggregator, recording: Aggregator, nowMs: number, label: string): void {
	for (const view of views()) {
		const left = mirrored.snapshot(view, nowMs);
		const right = recording.snapshot(view, nowMs);
		t.deepEqual(plain(left), plain(right), `${label}: ${view.groupBy} ${view.filter?.source ?? ''}`);
		for (const row of right.rows.slice(0, 5)) {
			const detail = (aggregator: Aggregator) => {
				const found = aggregator.detail(row.key, view, nowMs);
				return found === null ? null : {...found, row: null, recentSlow: found.recentSlow.map(exchange => exchange.endMs).sort()};
			};
			t.deepEqual(detail(mirrored), detail(recording), `${label}: detail of ${row.label} by ${view.groupBy}`);
		}
	}
}

test('peer cells standing for one-client endpoint cells read exactly as peer cells that count for themselves', (t) => {
	for (const seed of [1, 2, 3]) {
		const mirrored = createAggregator({idleExpiryMs: 20_000, routeSegmentLimit: 6});
		const recording = createAggregator({idleExpiryMs: 20_000, routeSegmentLimit: 6, mirrorSoleClients: false});
		let at = t0;
		for (let round = 0; round < 6; round++) {
			const batch = exchanges(seed * 10 + round, 400, at);
			// Now and then an endpoint view only (it leaves the mirrors be), now and then every view.
			mirrored.add(batch);
			recording.add(batch);
			at += 400 * 7;
			const endpointView: ViewOptions = {groupBy: 'endpoint', sort: {column: 'rate', descending: true}, filter: null, role: 'both'};
			t.deepEqual(plain(mirrored.snapshot(endpointView, at)), plain(recording.snapshot(endpointView, at)), `seed ${seed} round ${round}`);
			if (round % 2 === 1) {
				compare(t, mirrored, recording, at, `seed ${seed} round ${round}`);
			}
			if (round === 3) {
				at += 25_000; // everything idle past the expiry: cells and their mirrors leave together
			}
		}
		// Routes that explode in values fold, and cells move: mirrors must not move empty.
		const slugs = Array.from({length: 12}, (_, index) => makeExchange({remote: {address: '10.0.0.1', port: 50_000}, path: `/slug-${index}z`, startMs: at + index, endMs: at + index + 3}));
		mirrored.add(slugs);
		recording.add(slugs);
		compare(t, mirrored, recording, at + 100, `seed ${seed} after folding`);
	}
});
