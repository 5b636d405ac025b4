// Latency distributions: one DDSketch per cell and measure (total time, time to
// first byte). DDSketch (Masson, Rim & Lee, VLDB 2019; @datadog/sketches-js) maps
// every value to a logarithmic bucket, so each quantile it returns is within
// LATENCY_RELATIVE_ERROR of the true value at that rank, whatever the scale: a
// 30 µs loopback request and a 30 s upload are both kept to 1 %. Values are
// recorded in milliseconds as floats; no unit conversion can lose sub-ms detail.
//
// A sketch that stands for a row keeps where its p50, p90 and p99 sit, moving
// them as values arrive; any other is read from its own buckets in a single
// pass (p50, p90 and p99 together). Sketches of many cells are combined by
// adding their buckets into one scratch array: DDSketch's merge, without
// allocating a sketch per group per tick.

import {DDSketch} from '@datadog/sketches-js';
import {CompactStore} from './compact-store.js';
import type {LatencySummary} from './types.js';

/** The relative error of every latency quantile (p50, p90, p99) the aggregator reports. */
export const LATENCY_RELATIVE_ERROR = 0.01;

/**
 * Which quantiles a sketch keeps the position of: none, p99 alone (what a
 * tick sorting thousands of rows by p99 reads), or p99, p90 and p50 (a row
 * sum, whose every quantile a snapshot of all rows reads).
 */
export type TrackedQuantiles = 'none' | 'p99' | 'quantiles';

const {mapping} = new DDSketch({relativeAccuracy: LATENCY_RELATIVE_ERROR});

// A sketch's figures, in one Float64Array: a tick reads thousands of sketches,
// and fields of a JS object holding fractions (a sum, a min) are each a
// separate heap number, one more cache miss a read.
const count = 0;
const zeros = 1; // values in the zero bucket
const sum = 2;
const min = 3;
const max = 4;
/** The count the positions hold for: -1 before the first read, and after a merge; the next read places them anew. */
const placed = 5;
const firstPosition = 6;
// A kept quantile's position: its bucket key (-Infinity for the zero bucket),
// how many values lie in lower buckets and how many in it, and the value of
// bucket `valueKey` (worked out once per bucket the quantile moves to).
const positionKey = 0;
const positionBelow = 1;
const positionAt = 2;
const positionValueKey = 3;
const positionValue = 4;
const positionStride = 5;
/** The quantiles kept, highest first (a lower one starts its walk where the one above settled). */
const trackedRanks = [0.99, 0.9, 0.5];

/**
 * A DDSketch (the library's logarithmic mapping, bucket counts in a
 * CompactStore) that can keep where some of its quantiles sit as values
 * arrive, while its buckets are in cache: a new value adds to a position's
 * counts, and the position moves when its quantile has left its bucket
 * (once placed by a first read). A tick reading thousands of rows then reads
 * a few numbers of each instead of walking their buckets.
 */
export class LatencySketch {
	readonly store = new CompactStore();
	/** How many quantiles it keeps: 0, 1 (p99) or 3 (p99, p90, p50). */
	readonly tracked: number;
	/** Its figures are state[base] to state[base + stateLength(tracked) - 1] (a cell keeps all its figures in one array). */
	readonly state: Float64Array;
	readonly base: number;

	constructor(tracked: TrackedQuantiles = 'none', state?: Float64Array, base = 0) {
		this.tracked = trackedCount(tracked);
		this.state = state ?? new Float64Array(stateLength(tracked));
		this.base = base;
		const {state: values} = this;
		values[base + min] = Infinity;
		values[base + max] = -Infinity;
		values[base + placed] = -1;
		for (let i = 0; i < this.tracked; i++) {
			values[base + firstPosition + i * positionStride + positionValueKey] = Number.NaN;
		}
	}

	get count(): number {
		return this.state[this.base + count]!;
	}

	get zeroCount(): number {
		return this.state[this.base + zeros]!;
	}

	get sum(): number {
		return this.state[this.base + sum]!;
	}

	get min(): number {
		return this.state[this.base + min]!;
	}

	get max(): number {
		return this.state[this.base + max]!;
	}

	/** DDSketch's merge: every sketch has the one mapping. */
	merge(other: LatencySketch): void {
		const mine = this.state;
		const theirs = other.state;
		const at = this.base;
		const from = other.base;
		this.store.merge(other.store);
		mine[at + count]! += theirs[from + count]!;
		mine[at + zeros]! += theirs[from + zeros]!;
		mine[at + sum]! += theirs[from + sum]!;
		mine[at + min] = Math.min(mine[at + min]!, theirs[from + min]!);
		mine[at + max] = Math.max(mine[at + max]!, theirs[from + max]!);
		mine[at + placed] = -1;
	}
}

const trackedCount = (tracked: TrackedQuantiles): number => tracked === 'none' ? 0 : (tracked === 'p99' ? 1 : 3);

/** How many numbers of a state array a sketch keeping `tracked` takes. */
export const stateLength = (tracked: TrackedQuantiles): number => firstPosition + trackedCount(tracked) * positionStride;

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
	const {state, base, tracked} = sketch;
	const keeps = tracked > 0 && state[base + placed] === state[base + count];
	if (Number.isNaN(key)) {
		state[base + zeros]!++;
	} else {
		sketch.store.add(key);
	}
	state[base + count]!++;
	state[base + sum]! += ms;
	if (ms < state[base + min]!) {
		state[base + min] = ms;
	}
	if (ms > state[base + max]!) {
		state[base + max] = ms;
	}
	if (keeps) {
		// Each position counts the value, then settles, now that the buckets are in cache:
		// a tick reads thousands of rows, each a cache miss or two away.
		state[base + placed]!++;
		const bucket = Number.isNaN(key) ? -Infinity : key;
		for (let i = 0; i < tracked; i++) {
			const at = base + firstPosition + i * positionStride;
			const held = state[at + positionKey]!;
			if (bucket < held) {
				state[at + positionBelow]!++;
			} else if (bucket === held) {
				state[at + positionAt]!++;
			}
			settle(sketch, at, trackedRanks[i]!);
		}
	}
}

/**
 * Moves the position at state[at] to the bucket that holds rank q * (n - 1)
 * again: the first bucket whose cumulative count (the zero bucket first)
 * exceeds it. One value moves a quantile by one non-empty bucket at most,
 * so this seldom loops.
 */
function settle(sketch: LatencySketch, at: number, q: number): void {
	const {state, base} = sketch;
	const rank = q * (state[base + count]! - 1);
	let below = state[at + positionBelow]!;
	let inIt = state[at + positionAt]!;
	if (below <= rank && below + inIt > rank) {
		return; // still there: the buckets, elsewhere in memory, are not read
	}
	let key = state[at + positionKey]!;
	const {bins, offset, minKey, maxKey} = sketch.store;
	while (below > rank) {
		// Down to the next non-empty bucket below (the zero bucket last).
		key--;
		while (key >= minKey && bins[key - offset] === 0) {
			key--;
		}
		if (key < minKey) {
			key = -Infinity;
			inIt = state[base + zeros]!;
			below = 0;
		} else {
			inIt = bins[key - offset]!;
			below -= inIt;
		}
	}
	while (below + inIt <= rank) {
		// Up to the next non-empty bucket above.
		below += inIt;
		key = key === -Infinity ? minKey : key + 1;
		while (key < maxKey && bins[key - offset] === 0) {
			key++;
		}
		inIt = bins[key - offset]!;
	}
	state[at + positionKey] = key;
	state[at + positionBelow] = below;
	state[at + positionAt] = inIt;
}

/**
 * Brings a sketch's kept positions to where its quantiles are now, if they
 * are out of date (never placed, or merged into). They start from the top
 * (as if every value were below it), each lower quantile from where the one
 * above it settled: one walk down, as findKeys.
 */
function settleAll(sketch: LatencySketch): void {
	const {state, base, store, tracked} = sketch;
	const first = base + firstPosition;
	if (state[base + placed] !== state[base + count]) {
		const top = store.bins[store.maxKey - store.offset]!;
		state[first + positionKey] = store.maxKey;
		state[first + positionAt] = top;
		state[first + positionBelow] = state[base + count]! - top;
		settle(sketch, first, trackedRanks[0]!);
		for (let i = 1; i < tracked; i++) {
			const at = first + i * positionStride;
			state.copyWithin(at, at - positionStride, at - positionStride + positionAt + 1); // key, below, at
			settle(sketch, at, trackedRanks[i]!);
		}
		state[base + placed] = state[base + count]!;
	}
	// Placed positions settle as values arrive (recordKeyedLatency): nothing to do.
}

/** The value of the i-th kept quantile of the sketch at state[base] (settled), clamped to its exact min and max. */
function keptValue(state: Float64Array, base: number, i: number): number {
	const at = base + firstPosition + i * positionStride;
	const key = state[at + positionKey]!;
	if (key === -Infinity) {
		return 0;
	}
	if (state[at + positionValueKey] !== key) {
		state[at + positionValue] = bucketValue(key);
		state[at + positionValueKey] = key;
	}
	return Math.min(state[base + max]!, Math.max(state[base + min]!, state[at + positionValue]!));
}

/** Whether the positions of the sketch at state[base] hold, with a value out of the zero bucket (which has no key). */
const keptHold = (state: Float64Array, base: number): boolean =>
	state[base + placed] === state[base + count] && state[base + count]! > state[base + zeros]!;

/**
 * What summarizeSketch gives for a sketch keeping p99, p90 and p50 whose
 * figures are at state[base], read from that array alone: a tick reads it
 * of thousands of rows, and the sketch object is one more cache miss away.
 * Null when its positions are out of date: summarizeSketch then.
 */
export function keptSummary(state: Float64Array, base: number): LatencySummary | null {
	if (!keptHold(state, base)) {
		return null;
	}
	return {
		p50: keptValue(state, base, 2),
		p90: keptValue(state, base, 1),
		p99: keptValue(state, base, 0),
		max: state[base + max]!,
		mean: state[base + sum]! / state[base + count]!,
	};
}

/** p99 of a sketch keeping it whose figures are at state[base], from that array alone; NaN when out of date (latencyP99 then). */
export const keptP99 = (state: Float64Array, base: number): number => keptHold(state, base) ? keptValue(state, base, 0) : Number.NaN;

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

/** Zeroes the scratch array for keys minKey to maxKey (grown as needed); how many that is. */
function clearScratch(minKey: number, maxKey: number): number {
	const length = maxKey >= minKey ? maxKey - minKey + 1 : 0;
	if (scratch.length < length) {
		scratch = new Uint32Array(length * 2);
	}
	scratch.fill(0, 0, length);
	return length;
}

/** Adds (sign 1) or takes away (-1) a store's buckets to or from scratch[key - minKey]. */
function addBuckets(store: CompactStore, minKey: number, sign: 1 | -1): void {
	const {bins, offset} = store;
	const shift = offset - minKey;
	for (let i = store.minKey - offset, end = store.maxKey - offset; i <= end; i++) {
		scratch[i + shift]! += sign * bins[i]!;
	}
}

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
	const length = clearScratch(minKey, maxKey);
	for (const {store} of sketches) {
		if (store.count > 0) {
			addBuckets(store, minKey, 1);
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
// (every sketch has the module's one `mapping`).
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
	if (sketch.tracked === 0) {
		return summarizeSketch(sketch).p99;
	}
	if (sketch.store.count === 0) {
		return 0; // no values, or every one in the zero bucket
	}
	settleAll(sketch);
	return keptValue(sketch.state, sketch.base, 0);
}

/**
 * p50, p90, p99 (each within LATENCY_RELATIVE_ERROR), exact max and mean of the
 * given sketches taken together. Quantiles follow DDSketch's rank rule, the value
 * of rank floor(q * (n - 1)) in sorted order, and are clamped to the exact min and max.
 */
export function summarizeLatency(sketches: readonly LatencySketch[]): LatencySummary {
	if (sketches.length === 1) {
		return summarizeSketch(sketches[0]!);
	}
	const buckets = combine(sketches); // none: a count of 0
	if (buckets.count === 0) {
		return emptyLatency;
	}
	return summarize(buckets.counts, 0, buckets.length, buckets.minKey, buckets);
}

/**
 * How many differences did not come to what they stand for, and were
 * merged after all: none, while the tables' bookkeeping of what left them
 * holds (the merge keeps a slip in it from showing; tests read this).
 */
let fallbacks = 0;
export const differenceFallbacks = (): number => fallbacks;
/** A difference worked out elsewhere (the totals' count) did not come to what it stands for. */
export const differenceFellBack = (): void => {
	fallbacks++;
};

/**
 * The buckets of `own` worked out from buckets that hold more, less buckets
 * that hold the difference: those of `plus` less those of `minus` (bucket
 * stores of sketches); the exact figures (count, zero bucket, sum, min, max)
 * are own's. A group holding most of a table (one process serving every
 * endpoint, a filter that keeps most rows) then reads the buckets of a few
 * sketches, not of thousands. The caller vouches that the difference is
 * own's buckets; where the counts say otherwise, own's are merged after all.
 */
function differenceBuckets(own: readonly LatencySketch[], plus: readonly CompactStore[], minus: readonly CompactStore[]): Buckets {
	let zeroCount = 0;
	let total = 0;
	let sumOfAll = 0;
	let lowest = Infinity;
	let highest = -Infinity;
	for (const {state, base} of own) {
		if (state[base + count]! > 0) {
			total += state[base + count]!;
			zeroCount += state[base + zeros]!;
			sumOfAll += state[base + sum]!;
			lowest = Math.min(lowest, state[base + min]!);
			highest = Math.max(highest, state[base + max]!);
		}
	}
	let minKey = Infinity;
	let maxKey = -Infinity;
	for (const store of plus) {
		if (store.count > 0) {
			minKey = Math.min(minKey, store.minKey);
			maxKey = Math.max(maxKey, store.maxKey);
		}
	}
	const length = clearScratch(minKey, maxKey);
	for (const store of plus) {
		if (store.count > 0) {
			addBuckets(store, minKey, 1);
		}
	}
	for (const store of minus) {
		if (store.count === 0) {
			continue;
		}
		if (store.minKey < minKey || store.maxKey > maxKey) {
			differenceFellBack();
			return combine(own); // not a part of plus
		}
		addBuckets(store, minKey, -1); // wraps below 0 (a Uint32Array): only a difference that is not own's ends there
	}
	let inBuckets = 0;
	for (let i = 0; i < length; i++) {
		inBuckets += scratch[i]!;
	}
	if (inBuckets !== total - zeroCount) {
		differenceFellBack();
		return combine(own);
	}
	return {counts: scratch, length, minKey, zeroCount, count: total, sum: sumOfAll, min: lowest, max: highest};
}

/** summarizeLatency(own), its buckets worked out as a difference (see differenceBuckets). */
export function summarizeDifference(own: readonly LatencySketch[], plus: readonly CompactStore[], minus: readonly CompactStore[]): LatencySummary {
	const buckets = differenceBuckets(own, plus, minus);
	return buckets.count === 0 ? emptyLatency : summarize(buckets.counts, 0, buckets.length, buckets.minKey, buckets);
}

/** latencyHistogram(own), its buckets worked out as a difference (see differenceBuckets). */
export const histogramOfDifference = (own: readonly LatencySketch[], plus: readonly CompactStore[], minus: readonly CompactStore[]): LatencyBucket[] =>
	histogramOf(differenceBuckets(own, plus, minus));

/** summarizeLatency of one sketch: read from the quantiles it keeps, or from its buckets. */
export function summarizeSketch(sketch: LatencySketch): LatencySummary {
	if (sketch.count === 0) {
		return emptyLatency;
	}
	const {store} = sketch;
	if (sketch.tracked === 3 && store.count > 0) {
		settleAll(sketch);
		return keptSummary(sketch.state, sketch.base)!; // placed now, with values out of the zero bucket
	}
	if (store.count === 0) {
		// Every value is in the zero bucket (and the store's range is empty: its minKey is Infinity).
		return summarize(store.bins, 0, 0, 0, sketch);
	}
	return summarize(store.bins, store.minKey - store.offset, store.maxKey - store.minKey + 1, store.minKey, sketch);
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
export const latencyHistogram = (sketches: readonly LatencySketch[]): LatencyBucket[] => histogramOf(combine(sketches));

/** A histogram bucket: how many values are at most `upToMs` (and above the bound before). */
export type LatencyBucket = {upToMs: number; count: number};

function histogramOf(buckets: Buckets): LatencyBucket[] {
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
