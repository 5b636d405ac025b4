// Latency distributions: one DDSketch per cell and measure (total time, time to
// first byte). DDSketch (Masson, Rim & Lee, VLDB 2019; @datadog/sketches-js) maps
// every value to a logarithmic bucket, so each quantile it returns is within
// LATENCY_RELATIVE_ERROR of the true value at that rank, whatever the scale: a
// 30 µs loopback request and a 30 s upload are both kept to 1 %. Values are
// recorded in milliseconds as floats; no unit conversion can lose sub-ms detail.
//
// A sketch that stands for a row keeps where its p50, p90 and p99 sit as values
// arrive, and a read moves them the few buckets they went since the last one;
// any other is read from its own buckets in a single pass (p50, p90 and p99
// together). Sketches of many cells are combined by adding their buckets into
// one scratch array: DDSketch's merge, without allocating a sketch per group
// per tick.

import {DDSketch} from '@datadog/sketches-js';
import {CompactStore} from './compact-store.js';
import type {LatencySummary} from './types.js';

/** The relative error of every latency quantile (p50, p90, p99) the aggregator reports. */
export const LATENCY_RELATIVE_ERROR = 0.01;

/**
 * Where one quantile of a sketch sits, kept as values arrive (see
 * createLatencySketch): its bucket key (-Infinity for the zero bucket), how
 * many values lie in lower buckets and how many in it; and the value of
 * bucket `valueKey`. A new value only adds to `below` or `at`; the position
 * moves to the bucket that holds the quantile again when it is read.
 */
type QuantilePosition = {readonly q: number; key: number; below: number; at: number; value: number; valueKey: number};

/**
 * Which quantiles a sketch keeps the position of: none, p99 alone (what a
 * tick sorting thousands of rows by p99 reads), or p99, p90 and p50 (a row
 * sum, whose every quantile a snapshot of all rows reads).
 */
export type TrackedQuantiles = 'none' | 'p99' | 'quantiles';

/** A DDSketch whose bucket counts live in a CompactStore. */
export type LatencySketch = Omit<DDSketch, 'store' | 'merge'> & {
	readonly store: CompactStore;
	/** The positions it keeps, highest quantile first. */
	readonly positions: readonly QuantilePosition[];
	/**
	 * The count the positions hold for: -1 before the first read, and once a
	 * merge (or anything but recordKeyedLatency) changed the sketch; the next
	 * read then places them by a walk from the top.
	 */
	placedCount: number;
	merge(other: LatencySketch): void;
};

const template = new DDSketch({relativeAccuracy: LATENCY_RELATIVE_ERROR});
/** Latencies are never negative (they are clamped), so no sketch ever writes its negative store: they share one. */
const sharedNegativeStore = template.negativeStore;

const position = (q: number): QuantilePosition => ({q, key: 0, below: 0, at: 0, value: 0, valueKey: Number.NaN});
const noPositions: readonly QuantilePosition[] = [];

/**
 * A sketch. One that tracks quantiles keeps their positions as values arrive,
 * while its buckets are in cache: a tick reading thousands of rows then reads
 * a few fields of each instead of walking their buckets.
 */
export function createLatencySketch(tracked: TrackedQuantiles = 'none'): LatencySketch {
	const sketch = new DDSketch({relativeAccuracy: LATENCY_RELATIVE_ERROR});
	sketch.mapping = template.mapping; // immutable, and mergeable() compares gammas
	sketch.negativeStore = sharedNegativeStore;
	(sketch as {store: unknown}).store = new CompactStore();
	const positions = tracked === 'none' ? noPositions : (tracked === 'p99' ? [position(0.99)] : [position(0.99), position(0.9), position(0.5)]);
	Object.assign(sketch, {positions, placedCount: -1});
	return sketch as unknown as LatencySketch;
}

const {mapping} = template;

/**
 * A duration, clamped at 0 (negative ones come from clock skew between CPUs),
 * with its bucket key (NaN: the zero bucket). One
 * exchange goes into several sketches (its cell, its row, the peer table,
 * the totals): the logarithm behind the key is taken once, not once each.
 */
export type KeyedLatency = {ms: number; key: number};

export function keyLatency(ms: number, into: KeyedLatency): void {
	into.ms = ms > 0 ? ms : 0;
	into.key = into.ms > mapping.minPossible ? mapping.key(into.ms) : Number.NaN;
}

/** What DDSketch's accept does, with the key already known. */
export function recordKeyedLatency(sketch: LatencySketch, latency: KeyedLatency): void {
	const {ms, key} = latency;
	const {positions} = sketch;
	if (sketch.placedCount === sketch.count && positions.length > 0) {
		const bucket = Number.isNaN(key) ? -Infinity : key;
		for (let i = 0; i < positions.length; i++) {
			const at = positions[i]!;
			if (bucket < at.key) {
				at.below++;
			} else if (bucket === at.key) {
				at.at++;
			}
		}
		sketch.placedCount++;
	}
	if (Number.isNaN(key)) {
		sketch.zeroCount++;
	} else {
		sketch.store.add(key);
	}
	sketch.count++;
	sketch.sum += ms;
	if (ms < sketch.min) {
		sketch.min = ms;
	}
	if (ms > sketch.max) {
		sketch.max = ms;
	}
}

/**
 * Moves a position to the bucket that holds rank q * (n - 1) again: the first
 * bucket whose cumulative count (the zero bucket first) exceeds it. Between
 * two reads a quantile moves by a few non-empty buckets at most, so this
 * seldom loops.
 */
function settle(at: QuantilePosition, sketch: LatencySketch): void {
	const rank = at.q * (sketch.count - 1);
	const {bins, offset, minKey, maxKey} = sketch.store;
	while (at.below > rank) {
		// Down to the next non-empty bucket below (the zero bucket last).
		let key = at.key - 1;
		while (key >= minKey && bins[key - offset] === 0) {
			key--;
		}
		if (key < minKey) {
			at.key = -Infinity;
			at.at = sketch.zeroCount;
			at.below = 0;
		} else {
			at.key = key;
			at.at = bins[key - offset]!;
			at.below -= at.at;
		}
	}
	while (at.below + at.at <= rank) {
		// Up to the next non-empty bucket above.
		let key = at.key === -Infinity ? minKey : at.key + 1;
		while (key < maxKey && bins[key - offset] === 0) {
			key++;
		}
		at.below += at.at;
		at.key = key;
		at.at = bins[key - offset]!;
	}
}

/**
 * Brings a tracking sketch's positions to where its quantiles are now. Out of
 * date ones start from the top (as if every value were below it), each lower
 * quantile from where the one above it settled: one walk down, as findKeys.
 */
function settleAll(sketch: LatencySketch): void {
	const {positions, store} = sketch;
	if (sketch.placedCount !== sketch.count) {
		let from: QuantilePosition | null = null;
		for (const at of positions) {
			if (from === null) {
				at.key = store.maxKey;
				at.at = store.bins[store.maxKey - store.offset]!;
				at.below = sketch.count - at.at;
			} else {
				at.key = from.key;
				at.at = from.at;
				at.below = from.below;
			}
			settle(at, sketch);
			from = at;
		}
		sketch.placedCount = sketch.count;
		return;
	}
	for (const at of positions) {
		settle(at, sketch);
	}
}

/** The value a position stands for, clamped to the sketch's exact min and max. */
function positionValue(at: QuantilePosition, sketch: LatencySketch): number {
	if (at.key === -Infinity) {
		return 0;
	}
	if (at.valueKey !== at.key) {
		at.value = bucketValue(at.key); // once per bucket the quantile moves to, not per read
		at.valueKey = at.key;
	}
	return Math.min(sketch.max, Math.max(sketch.min, at.value));
}

export const emptyLatency: LatencySummary = {p50: 0, p90: 0, p99: 0, max: 0, mean: 0};

/** Bucket counts of one or more sketches laid side by side, by bucket key. */
type Buckets = {
	readonly counts: Uint32Array; // counts[i] is the bucket with key minKey + i (as the stores keep them)
	readonly length: number;
	readonly minKey: number;
	readonly zeroCount: number;
	readonly count: number;
	readonly sum: number;
	readonly min: number;
	readonly max: number;
};

let scratch = new Uint32Array(4096);

/** Adds the buckets of every sketch into the shared scratch array (valid until the next call). */
function combine(sketches: readonly LatencySketch[]): Buckets {
	let minKey = Infinity;
	let maxKey = -Infinity;
	let zeroCount = 0;
	let count = 0;
	let sum = 0;
	let min = Infinity;
	let max = -Infinity;
	for (const sketch of sketches) {
		if (sketch.count === 0) {
			continue;
		}
		const {store} = sketch;
		if (store.count > 0) {
			minKey = Math.min(minKey, store.minKey);
			maxKey = Math.max(maxKey, store.maxKey);
		}
		zeroCount += sketch.zeroCount;
		count += sketch.count;
		sum += sketch.sum;
		min = Math.min(min, sketch.min);
		max = Math.max(max, sketch.max);
	}
	const length = maxKey >= minKey ? maxKey - minKey + 1 : 0;
	if (scratch.length < length) {
		scratch = new Uint32Array(length * 2);
	}
	scratch.fill(0, 0, length);
	for (const sketch of sketches) {
		const {store} = sketch;
		if (store.count === 0) {
			continue;
		}
		const {bins, offset} = store;
		const shift = offset - minKey;
		for (let i = store.minKey - offset, end = store.maxKey - offset; i <= end; i++) {
			scratch[i + shift]! += bins[i]!;
		}
	}
	return {counts: scratch, length, minKey, zeroCount, count, sum, min, max};
}

type Totals = {readonly zeroCount: number; readonly count: number; readonly sum: number; readonly min: number; readonly max: number};

const keys = [0, 0, 0]; // p99, p90, p50 bucket keys found by `findKeys`; NaN for the zero bucket

/**
 * Finds the bucket keys of p99, p90 and p50, in that order: for each, the
 * first key whose cumulative count (the zero bucket included) exceeds its rank
 * q * (n - 1). `bins[first + i]` holds key `minKey + i`, for i in [0, length).
 * One walk down from the top finds all three: bucket i holds a quantile when
 * the buckets below it hold no more than its rank. A tick walks thousands of
 * sketches, so the walk goes four buckets a step where none of them can hold
 * the quantile looked for, and a bucket that holds two quantiles is read once.
 */
function findKeys(bins: Uint32Array, first: number, length: number, minKey: number, count: number): void {
	const base = minKey - first;
	let below = count; // values in buckets under bucket i, the zero bucket included
	let i = first + length - 1;
	for (let q = 0; q < 3; q++) {
		const rank = (q === 0 ? 0.99 : q === 1 ? 0.9 : 0.5) * (count - 1);
		if (q > 0 && below <= rank) {
			keys[q] = keys[q - 1]!; // the bucket that held the previous quantile holds this one too
			continue;
		}
		if (q > 0) {
			i--; // below already excludes bucket i + 1
		}
		while (i - 3 >= first) {
			const four = bins[i]! + bins[i - 1]! + bins[i - 2]! + bins[i - 3]!;
			if (below - four <= rank) {
				break;
			}
			below -= four;
			i -= 4;
		}
		for (; i >= first; i--) {
			below -= bins[i]!;
			if (below <= rank) {
				break;
			}
		}
		keys[q] = i >= first ? base + i : Number.NaN; // past the lowest bucket: the zero bucket
	}
}

// Bucket values (a power each) for the keys a latency in ms can have, worked out once each
// (every sketch has the one mapping, see createLatencySketch).
const valueTableBase = -2048;
const valueTable = new Float64Array(4096).fill(Number.NaN);

const bucketValue = (key: number): number => {
	const slot = key - valueTableBase;
	if (slot < 0 || slot >= valueTable.length) {
		return mapping.value(key);
	}
	let value = valueTable[slot]!;
	if (Number.isNaN(value)) {
		value = mapping.value(key);
		valueTable[slot] = value;
	}
	return value;
};

const valueOf = (key: number, totals: Totals): number =>
	Number.isNaN(key) ? 0 : Math.min(totals.max, Math.max(totals.min, bucketValue(key)));

function summarize(bins: Uint32Array, first: number, length: number, minKey: number, totals: Totals): LatencySummary {
	findKeys(bins, first, length, minKey, totals.count);
	return {
		p50: valueOf(keys[2]!, totals),
		p90: valueOf(keys[1]!, totals),
		p99: valueOf(keys[0]!, totals),
		max: totals.max,
		mean: totals.sum / totals.count,
	};
}

/**
 * p99 alone, as summarizeLatency would give it: what a tick sorting or
 * filtering thousands of rows by p99 needs of each. A sketch that keeps its
 * p99's position reads it; any other is summarized.
 */
export function latencyP99(sketch: LatencySketch): number {
	const {store, positions} = sketch;
	if (positions.length === 0) {
		return summarizeLatency([sketch]).p99;
	}
	if (store.count === 0) {
		return 0; // no values, or every one in the zero bucket
	}
	settleAll(sketch);
	return positionValue(positions[0]!, sketch);
}

/**
 * p50, p90, p99 (each within LATENCY_RELATIVE_ERROR), exact max and mean of the
 * given sketches taken together. Quantiles follow DDSketch's rank rule, the value
 * of rank floor(q * (n - 1)) in sorted order, and are clamped to the exact min and max.
 */
export function summarizeLatency(sketches: readonly LatencySketch[]): LatencySummary {
	if (sketches.length === 1) {
		const sketch = sketches[0]!;
		if (sketch.count === 0) {
			return emptyLatency;
		}
		const {store, positions} = sketch;
		if (positions.length === 3 && store.count > 0) {
			settleAll(sketch);
			return {
				p50: positionValue(positions[2]!, sketch),
				p90: positionValue(positions[1]!, sketch),
				p99: positionValue(positions[0]!, sketch),
				max: sketch.max,
				mean: sketch.sum / sketch.count,
			};
		}
		if (store.count === 0) {
			// Every value is in the zero bucket (and the store's range is empty: its minKey is Infinity).
			return summarize(store.bins, 0, 0, 0, sketch);
		}
		return summarize(store.bins, store.minKey - store.offset, store.maxKey - store.minKey + 1, store.minKey, sketch);
	}
	const buckets = combine(sketches); // none: a count of 0
	if (buckets.count === 0) {
		return emptyLatency;
	}
	return summarize(buckets.counts, 0, buckets.length, buckets.minKey, buckets);
}

/** Display buckets: a 1-2-5 series of upper bounds from 10 µs to 100 s. */
const displayBounds: readonly number[] = (() => {
	const bounds: number[] = [];
	for (let decade = 0.01; decade < 1e5; decade *= 10) {
		for (const step of [1, 2, 5]) {
			bounds.push(Number((decade * step).toPrecision(3)));
		}
	}
	bounds.push(1e5, Infinity);
	return bounds;
})();

/**
 * The distribution of the sketches as a histogram over 1-2-5 bounds (ms): each
 * sketch bucket is counted under the first bound at or above its representative
 * value. Leading and trailing empty buckets are left out.
 */
export function latencyHistogram(sketches: readonly LatencySketch[]): Array<{upToMs: number; count: number}> {
	const buckets = combine(sketches);
	if (buckets.count === 0) {
		return [];
	}
	const histogram = displayBounds.map(upToMs => ({upToMs, count: 0}));
	histogram[0]!.count += buckets.zeroCount;
	let bound = 0;
	for (let i = 0; i < buckets.length; i++) {
		const count = buckets.counts[i]!;
		if (count === 0) {
			continue;
		}
		const value = bucketValue(buckets.minKey + i);
		while (value > displayBounds[bound]!) {
			bound++;
		}
		histogram[bound]!.count += count;
	}
	let last = histogram.length - 1;
	while (histogram[last]!.count === 0) {
		last--;
	}
	return histogram.slice(histogram.findIndex(bucket => bucket.count > 0), last + 1);
}
