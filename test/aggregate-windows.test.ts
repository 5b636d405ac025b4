// Request and byte rates over the sliding windows (1 s, 10 s, 60 s), the 60 s
// history and the rate since start, on a clock the test controls: exchanges
// carry their own times, every snapshot gets an explicit nowMs. Expected
// rates are counted from the exchanges themselves. Also: windows sliding out
// after traffic stops, and idle rows expiring (idleExpiryMs).

import test, {type ExecutionContext} from 'ava';
import {createAggregator, defaultIdleExpiryMs, rateSinceStart, type Row, type Snapshot, type ViewOptions} from '../source/aggregate/index.js';
import type {Exchange} from '../source/http/exchange.js';
import {makeExchange} from './helpers/ui-exchanges.js';
import {seeded} from './helpers/seeded.js';
import {countInRing, mergeRing, newRing, WindowSums} from '../source/aggregate/windows.js';

const t0 = Date.UTC(2025, 0, 1); // a whole second
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'key', descending: false}, filter: null, role: 'both'};

/** An exchange that ended at `endMs` after 5 ms. */
const ended = (endMs: number, fields: Partial<Exchange> = {}): Exchange =>
	makeExchange({path: '/api/a', ...fields, startMs: endMs - 5, firstByteMs: endMs - 1, endMs});

const rowOf = (t: ExecutionContext, snapshot: Snapshot, route: string): Row => {
	const row = snapshot.rows.find(candidate => candidate.route === route);
	t.truthy(row, `a row for ${route}`);
	return row!;
};

const close = (t: ExecutionContext, actual: number, expected: number, label: string): void => {
	t.true(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${label}: ${actual}, expected ${expected}`);
};

/**
 * What the windows promise, from the exchanges: at a whole second a W s window
 * is exactly the exchanges that ended in (now - W s, now]; in between, the
 * current partial second, the W - 1 whole seconds before it and the share of the
 * second before those that is still inside the window.
 */
function expectedWindows(exchanges: readonly Exchange[], nowMs: number, watchedS: number) {
	const nowSecond = Math.floor(nowMs / 1000);
	const partial = 1 - (nowMs - nowSecond * 1000) / 1000;
	// Requests, bytes in and bytes out per second the exchanges ended in, up to now.
	const perSecond = new Map<number, [number, number, number]>();
	for (const exchange of exchanges) {
		if (exchange.endMs > nowMs) {
			continue;
		}
		const second = Math.floor(exchange.endMs / 1000);
		const sums = perSecond.get(second) ?? [0, 0, 0];
		const server = exchange.role === 'server';
		sums[0]++;
		sums[1] += server ? exchange.requestBytes : exchange.responseBytes;
		sums[2] += server ? exchange.responseBytes : exchange.requestBytes;
		perSecond.set(second, sums);
	}
	const inSecond = (second: number, measure: 0 | 1 | 2): number => perSecond.get(second)?.[measure] ?? 0;
	const window = (seconds: number, measure: 0 | 1 | 2): number => {
		let sum = partial * inSecond(nowSecond - seconds, measure);
		for (let back = 0; back < seconds; back++) {
			sum += inSecond(nowSecond - back, measure);
		}
		// Until a whole window has been watched, a rate over the time watched (at least a second).
		return sum / Math.min(seconds, Math.max(1, watchedS));
	};
	return {
		rate1s: window(1, 0),
		rate10s: window(10, 0),
		rate60s: window(60, 0),
		bytesInPerSec: window(10, 1),
		bytesOutPerSec: window(10, 2),
		rateHistory: Array.from({length: 60}, (_, index) => inSecond(nowSecond - 60 + index, 0)),
	};
}

/** Exactly the exchanges that ended in (now - windowMs, now]. */
const endedWithin = (exchanges: readonly Exchange[], nowMs: number, windowMs: number): number =>
	exchanges.filter(exchange => exchange.endMs > nowMs - windowMs && exchange.endMs <= nowMs).length;

test('rates over 1 s, 10 s and 60 s, bytes per second and the history follow uneven traffic as the clock moves, then fall to 0', (t) => {
	const random = seeded(21);
	const trafficSeconds = 90;
	// Two endpoints, a server and a client one, with uneven load: some seconds empty, some busy.
	const all: Exchange[] = [];
	for (let second = 0; second < trafficSeconds; second++) {
		const burst = second % 17 === 3 ? 40 : 0;
		for (const route of ['/api/a', '/api/b']) {
			const count = Math.floor(random() * (route === '/api/a' ? 12 : 4)) + (route === '/api/a' ? burst : 0);
			for (let i = 0; i < count; i++) {
				// Never exactly on a second, where "which second" would be a matter of convention.
				const endMs = t0 + second * 1000 + 1 + random() * 998;
				all.push(ended(endMs, route === '/api/a'
					? {path: route, requestBytes: 100 + Math.floor(random() * 900), responseBytes: Math.floor(random() * 50_000)}
					: {path: route, role: 'client', local: {address: '10.0.0.5', port: 41_000}, remote: {address: '10.0.0.6', port: 80},
						requestBytes: 200 + Math.floor(random() * 100), responseBytes: 1000 + Math.floor(random() * 4000)}));
			}
		}
	}
	all.sort((a, b) => a.endMs - b.endMs);
	const aggregator = createAggregator({observedSinceMs: t0}); // watching began at t0, as when tracing starts
	const added: Exchange[] = [];
	let next = 0;
	let checked = 0;
	const endMs = t0 + (trafficSeconds + 65) * 1000;
	for (let nowMs = t0 + 250; nowMs <= endMs; nowMs += 250) {
		// What has ended by now arrives, in one batch per tick.
		const batch: Exchange[] = [];
		while (next < all.length && all[next]!.endMs <= nowMs) {
			batch.push(all[next++]!);
		}
		aggregator.add(batch);
		added.push(...batch);
		const snapshot = aggregator.snapshot(view, nowMs);
		for (const route of ['/api/a', '/api/b']) {
			const mine = added.filter(exchange => exchange.path === route);
			if (mine.length === 0) {
				continue;
			}
			const row = rowOf(t, snapshot, route);
			const expected = expectedWindows(mine, nowMs, (nowMs - t0) / 1000);
			const label = `${route} at +${nowMs - t0} ms`;
			t.is(row.count, mine.length, label);
			close(t, row.rate1s, expected.rate1s, `${label} rate1s`);
			close(t, row.rate10s, expected.rate10s, `${label} rate10s`);
			close(t, row.ratePerSec, expected.rate10s, `${label} ratePerSec`);
			close(t, row.rate60s, expected.rate60s, `${label} rate60s`);
			close(t, row.bytesInPerSec, expected.bytesInPerSec, `${label} bytesIn/s`);
			close(t, row.bytesOutPerSec, expected.bytesOutPerSec, `${label} bytesOut/s`);
			t.deepEqual(row.rateHistory, expected.rateHistory, `${label} history`);
			if (nowMs % 1000 === 0 && nowMs - t0 >= 60_000) {
				// On a whole second the windows are exact.
				close(t, row.rate1s, endedWithin(mine, nowMs, 1000), `${label} exact 1 s`);
				close(t, row.rate10s, endedWithin(mine, nowMs, 10_000) / 10, `${label} exact 10 s`);
				close(t, row.rate60s, endedWithin(mine, nowMs, 60_000) / 60, `${label} exact 60 s`);
			}
			checked++;
		}
		close(t, snapshot.totals.ratePerSec, snapshot.rows.reduce((sum, row) => sum + row.rate10s, 0), 'totals rate');
	}
	t.true(checked > 1000);

	// 65 s after the last exchange every window has slid past it; the counts since start stay.
	const last = aggregator.snapshot(view, endMs);
	for (const row of last.rows) {
		t.is(row.rate1s, 0);
		t.is(row.rate10s, 0);
		t.is(row.rate60s, 0);
		t.is(row.bytesInPerSec, 0);
		t.is(row.bytesOutPerSec, 0);
		t.deepEqual(row.rateHistory, new Array(60).fill(0));
	}
	t.is(last.totals.ratePerSec, 0);
	t.is(last.totals.count, all.length);
});

test('windows slide out one by one after the traffic stops', (t) => {
	const aggregator = createAggregator({observedSinceMs: t0});
	// 10 requests in each of 60 seconds, the last second being [59 s, 60 s).
	const exchanges: Exchange[] = [];
	for (let second = 0; second < 60; second++) {
		for (let i = 0; i < 10; i++) {
			exchanges.push(ended(t0 + second * 1000 + 50 + i * 90, {requestBytes: 100, responseBytes: 1000}));
		}
	}
	aggregator.add(exchanges);
	const at = (seconds: number): Row => aggregator.snapshot(view, t0 + seconds * 1000).rows[0]!;
	t.like(at(60), {rate1s: 10, rate10s: 10, rate60s: 10, bytesInPerSec: 1000, bytesOutPerSec: 10_000});
	t.like(at(61), {rate1s: 0, rate10s: 9, rate60s: 590 / 60, bytesInPerSec: 900});
	t.like(at(65), {rate1s: 0, rate10s: 5, rate60s: 550 / 60});
	t.like(at(70), {rate1s: 0, rate10s: 0, rate60s: 500 / 60, bytesInPerSec: 0, bytesOutPerSec: 0});
	t.like(at(119), {rate10s: 0, rate60s: 10 / 60});
	t.like(at(120), {rate1s: 0, rate10s: 0, rate60s: 0, count: 600});
	// Half a second past 60 s: half of second 59 is still inside the 1 s window.
	t.like(aggregator.snapshot(view, t0 + 60_500).rows[0]!, {rate1s: 5, rate10s: 9.5});
});

test('until a whole window has been watched, its rate is over the time watched: a steady 50/s reads 50/s from the first seconds', (t) => {
	const aggregator = createAggregator({observedSinceMs: t0});
	// 50 requests a second from t0, read as the seconds go by.
	const steady = Array.from({length: 30 * 50}, (_, index) => ended(t0 + 10 + index * 20));
	let added = 0;
	for (const second of [1, 2, 3, 5, 9, 10, 15, 30]) {
		const nowMs = t0 + second * 1000;
		const batch = steady.filter(exchange => exchange.endMs > t0 + (added * 20) && exchange.endMs <= nowMs);
		aggregator.add(batch);
		added += batch.length;
		const row = aggregator.snapshot(view, nowMs).rows[0]!;
		close(t, row.rate10s, 50, `rate10s after ${second} s`);
		close(t, row.rate60s, 50, `rate60s after ${second} s`);
		close(t, aggregator.snapshot(view, nowMs).totals.ratePerSec, 50, `totals after ${second} s`);
	}
	// With no start given, watching begins at the earliest exchange start, whatever order exchanges arrive in.
	const unordered = createAggregator();
	unordered.add([...steady.slice(0, 100)].reverse());
	t.is(unordered.snapshot(view, t0 + 2000).startedAtMs, steady[0]!.startMs);
});

test('exchanges that arrive late or out of order count in the second they ended', (t) => {
	const exchanges = Array.from({length: 100}, (_, index) => ended(t0 + 50_001 + index * 97.3));
	const inOrder = createAggregator();
	inOrder.add(exchanges);
	const reversed = createAggregator();
	reversed.add([...exchanges].reverse());
	const nowMs = t0 + 60_000;
	const a = inOrder.snapshot(view, nowMs).rows[0]!;
	const b = reversed.snapshot(view, nowMs).rows[0]!;
	t.is(a.rate10s, endedWithin(exchanges, nowMs, 10_000) / 10);
	t.is(a.rate1s, endedWithin(exchanges, nowMs, 1000));
	// Every figure a row shows (rows are objects with lazily computed figures: compare what they show, not how they hold it).
	const shown = (row: Row) => ({
		key: row.key, label: row.label, count: row.count, status: row.status, errors: row.errors,
		rate1s: row.rate1s, rate10s: row.rate10s, rate60s: row.rate60s, rateHistory: [...row.rateHistory],
		latencyMs: row.latencyMs, ttfbMs: row.ttfbMs, bytesIn: row.bytesIn, bytesOut: row.bytesOut,
		bytesInPerSec: row.bytesInPerSec, bytesOutPerSec: row.bytesOutPerSec, lastSeenMs: row.lastSeenMs,
		examplePaths: [...row.examplePaths].sort(),
	});
	t.deepEqual(shown(b), shown(a));
});

test('rate since start: count over the time since the first exchange started, or since the last reset', (t) => {
	const aggregator = createAggregator();
	const exchanges = Array.from({length: 300}, (_, index) => ended(t0 + 2000 + index * 100));
	aggregator.add(exchanges);
	const nowMs = t0 + 40_000;
	const snapshot = aggregator.snapshot(view, nowMs);
	t.is(snapshot.startedAtMs, exchanges[0]!.startMs);
	t.is(snapshot.atMs, nowMs);
	close(t, rateSinceStart(snapshot.rows[0]!, snapshot), 300 / ((nowMs - exchanges[0]!.startMs) / 1000), 'since start');

	aggregator.reset(t0 + 50_000);
	const later = Array.from({length: 20}, (_, index) => ended(t0 + 51_000 + index * 100));
	aggregator.add(later);
	const afterReset = aggregator.snapshot(view, t0 + 60_000);
	t.is(afterReset.startedAtMs, t0 + 50_000);
	t.is(afterReset.rows[0]!.count, 20);
	close(t, rateSinceStart(afterReset.rows[0]!, afterReset), 20 / 10, 'since the reset');
	// No time elapsed: no rate, rather than a division by zero.
	t.is(rateSinceStart(afterReset.rows[0]!, {...afterReset, atMs: afterReset.startedAtMs}), 0);
	// Before any exchange the clock starts at the first snapshot.
	t.is(createAggregator().snapshot(view, t0).startedAtMs, t0);
});

test('idle rows expire after idleExpiryMs; totals since start keep their counts', (t) => {
	const idleExpiryMs = 5000;
	const aggregator = createAggregator({idleExpiryMs});
	const a = [ended(t0 + 500, {path: '/a'}), ended(t0 + 1000, {path: '/a'})];
	const b = [ended(t0 + 4000, {path: '/b'})];
	aggregator.add([...a, ...b]);
	const routes = (nowMs: number): string[] => aggregator.snapshot(view, nowMs).rows.map(row => row.route!);
	t.deepEqual(routes(t0 + 1000 + idleExpiryMs - 1), ['/a', '/b']);
	t.deepEqual(routes(t0 + 1000 + idleExpiryMs + 1), ['/b']);
	const snapshot = aggregator.snapshot(view, t0 + 1000 + idleExpiryMs + 1);
	t.is(snapshot.totals.rows, 1);
	t.is(snapshot.totals.count, 3, 'totals run since start, expired rows included');
	t.deepEqual(routes(t0 + 4000 + idleExpiryMs + 1), []);
	// Traffic brings a row back, counted from its new traffic on.
	aggregator.add([ended(t0 + 20_000, {path: '/a'})]);
	const back = aggregator.snapshot(view, t0 + 20_000);
	t.deepEqual(back.rows.map(row => [row.route, row.count]), [['/a', 1]]);
	t.is(back.totals.count, 4);
});

test('the "(other)" row expires when idle too, and rows past the cap take its place', (t) => {
	const aggregator = createAggregator({maxRows: 1, idleExpiryMs: 5000});
	aggregator.add([ended(t0 + 1000, {path: '/kept'}), ended(t0 + 2000, {path: '/overflow'})]);
	t.deepEqual(aggregator.snapshot(view, t0 + 3000).rows.map(row => row.label), ['(other)', '/kept']);
	t.deepEqual(aggregator.snapshot(view, t0 + 6500).rows.map(row => row.label), ['(other)']);
	t.deepEqual(aggregator.snapshot(view, t0 + 7500).rows, []);
	// With the table empty again, a new endpoint gets a row of its own.
	aggregator.add([ended(t0 + 8000, {path: '/overflow'})]);
	t.deepEqual(aggregator.snapshot(view, t0 + 8000).rows.map(row => [row.label, row.count]), [['/overflow', 1]]);
});

test('the default expiry is ten minutes', (t) => {
	t.is(defaultIdleExpiryMs, 10 * 60_000);
	const aggregator = createAggregator();
	aggregator.add([ended(t0 + 1000)]);
	t.is(aggregator.snapshot(view, t0 + 1000 + defaultIdleExpiryMs - 1).rows.length, 1);
	t.is(aggregator.snapshot(view, t0 + 1000 + defaultIdleExpiryMs + 1).rows.length, 0);
});

test('a row first seen through a late exchange, older than every other, still expires on time', (t) => {
	const idleExpiryMs = 5000;
	const aggregator = createAggregator({idleExpiryMs});
	aggregator.add([ended(t0 + 10_000, {path: '/recent'})]);
	const routes = (nowMs: number): string[] => aggregator.snapshot(view, nowMs).rows.map(row => row.route!);
	t.deepEqual(routes(t0 + 10_000), ['/recent']); // the table has been walked once: nothing was due
	aggregator.add([ended(t0 + 1000, {path: '/late'})]); // a late batch: ended long before the other
	t.deepEqual(routes(t0 + 6000), ['/late', '/recent']);
	t.deepEqual(routes(t0 + 6001 + 1000), ['/recent'], 'the late row expires 5 s after its exchange ended');
	t.deepEqual(routes(t0 + 15_001), []);
});

test('one ring\'s 1 s and 10 s windows, read at its newest second or later, are what its exchanges add up to, through late arrivals and merges', (t) => {
	const random = seeded(91);
	type Event = {second: number; bytesIn: number; bytesOut: number};
	const expected = (events: readonly Event[], nowMs: number): Record<string, number> => {
		const nowSecond = Math.floor(nowMs / 1000);
		const partial = 1 - (nowMs - nowSecond * 1000) / 1000;
		const requests = (back: number): number => events.filter(event => event.second === nowSecond - back).length;
		const bytes = (back: number, field: 'bytesIn' | 'bytesOut'): number =>
			events.filter(event => event.second === nowSecond - back).reduce((total, event) => total + event[field], 0);
		let count10 = 0;
		let bytesIn10 = 0;
		let bytesOut10 = 0;
		for (let back = 0; back < 10; back++) {
			count10 += requests(back);
			bytesIn10 += bytes(back, 'bytesIn');
			bytesOut10 += bytes(back, 'bytesOut');
		}
		return {
			count1: requests(0) + partial * requests(1),
			count10: count10 + partial * requests(10),
			bytesIn10: bytesIn10 + partial * bytes(10, 'bytesIn'),
			bytesOut10: bytesOut10 + partial * bytes(10, 'bytesOut'),
		};
	};
	const read = (ring: Float64Array, nowMs: number): Record<string, number> => {
		const sums = new WindowSums(nowMs);
		sums.addRequests(ring);
		sums.addBytes(ring);
		return {count1: sums.count1, count10: sums.count10, bytesIn10: sums.bytesIn10, bytesOut10: sums.bytesOut10};
	};
	const feed = (ring: Float64Array, events: Event[], newest: number): number => {
		// Mostly the newest second or a new one; sometimes late, by up to 70 s (past what the slots keep).
		const roll = random();
		const second = roll < 0.6 ? newest : (roll < 0.75 ? newest + 1 + Math.floor(random() * 3) : newest - Math.floor(random() * 70));
		const event = {second, bytesIn: Math.floor(random() * 5000), bytesOut: Math.floor(random() * 50_000)};
		countInRing(ring, event.second, event.bytesIn, event.bytesOut);
		events.push(event);
		return Math.max(newest, second);
	};
	const start = 1_735_689_600; // a second, as secondOf gives them
	const ring = newRing();
	const events: Event[] = [];
	let newest = start;
	for (let step = 0; step < 3000; step++) {
		newest = feed(ring, events, newest);
		if (step % 400 === 399) {
			// Another ring, over the same seconds, merged in.
			const other = newRing();
			let otherNewest = newest - 5;
			for (let i = 0; i < 50; i++) {
				otherNewest = feed(other, events, otherNewest);
			}
			mergeRing(ring, other);
			newest = Math.max(newest, otherNewest);
		}
		const fraction = Math.floor(random() * 1000);
		for (const nowMs of [newest * 1000 + fraction, (newest + 1) * 1000 + fraction, (newest + 2 + Math.floor(random() * 12)) * 1000 + fraction]) {
			const got = read(ring, nowMs);
			const want = expected(events, nowMs);
			for (const field of Object.keys(want)) {
				t.true(Math.abs(got[field]! - want[field]!) <= 1e-9 * Math.max(1, want[field]!), `step ${step}, ${field} at ${nowMs}: ${got[field]} against ${want[field]}`);
			}
		}
	}
});
