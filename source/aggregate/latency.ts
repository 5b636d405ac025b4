// Latency distributions: @datadog/sketches-js's DDSketch (Masson, Rim & Lee,
// VLDB 2019), one per cell and measure (total time, time to first byte). Its
// logarithmic mapping keeps each quantile within LATENCY_RELATIVE_ERROR of the
// true value at that rank, whatever the scale. Values are milliseconds, clamped
// at 0 (clock skew between CPUs gives negative ones).
//
// Rows made of several cells read their sketches' buckets (the DenseStore's
// public bins) added into one scratch array: DDSketch's merge without a sketch
// per row per tick. Quantiles follow DDSketch's rank rule, the value of rank
// floor(q * (n - 1)), clamped to the exact min and max.

import {DDSketch} from '@datadog/sketches-js';
import type {LatencySummary} from './types.js';

/** The relative error of every latency quantile (p50, p90, p99) the aggregator reports. */
export const LATENCY_RELATIVE_ERROR = 0.01;

export const newSketch = (): DDSketch => new DDSketch({relativeAccuracy: LATENCY_RELATIVE_ERROR});

const {mapping} = newSketch();

export const recordLatency = (sketch: DDSketch, ms: number): void => {
	sketch.accept(ms > 0 ? ms : 0);
};

export const emptyLatency: LatencySummary = {p50: 0, p90: 0, p99: 0, max: 0, mean: 0};

/** Bucket counts of one or more sketches: counts[first + i] is the bucket of key minKey + i, i < length. */
type Buckets = {counts: ArrayLike<number>; first: number; length: number; minKey: number; zeroCount: number; count: number; sum: number; min: number; max: number};

let scratch = new Float64Array(4096);

/** The sketches' buckets: a lone sketch's own bins, or all of them added into the scratch array (valid until the next call). */
function bucketsOf(sketches: readonly DDSketch[]): Buckets {
	let minKey = Infinity;
	let maxKey = -Infinity;
	const totals = {zeroCount: 0, count: 0, sum: 0, min: Infinity, max: -Infinity};
	for (const sketch of sketches) {
		if (sketch.count === 0) {
			continue;
		}
		if (sketch.store.count > 0) {
			minKey = Math.min(minKey, sketch.store.minKey);
			maxKey = Math.max(maxKey, sketch.store.maxKey);
		}
		totals.zeroCount += sketch.zeroCount;
		totals.count += sketch.count;
		totals.sum += sketch.sum;
		totals.min = Math.min(totals.min, sketch.min);
		totals.max = Math.max(totals.max, sketch.max);
	}
	const length = maxKey >= minKey ? maxKey - minKey + 1 : 0;
	if (sketches.length === 1) {
		const {store} = sketches[0]!;
		return {counts: store.bins, first: store.minKey - store.offset, length, minKey, ...totals};
	}
	if (scratch.length < length) {
		scratch = new Float64Array(length * 2);
	}
	scratch.fill(0, 0, length);
	for (const {store} of sketches) {
		const {bins, offset} = store;
		if (store.count > 0) {
			for (let key = store.minKey; key <= store.maxKey; key++) {
				scratch[key - minKey]! += bins[key - offset]!;
			}
		}
	}
	return {counts: scratch, first: 0, length, minKey, ...totals};
}

/** The value of quantile q of the buckets; walked down from the top (p99 sits a few buckets below it). */
function quantile(buckets: Buckets, q: number): number {
	const {counts, first, length, minKey, count} = buckets;
	const rank = q * (count - 1);
	let below = count;
	for (let i = first + length - 1; i >= first; i--) {
		below -= counts[i]!;
		if (below <= rank) {
			return Math.min(buckets.max, Math.max(buckets.min, mapping.value(minKey + i - first)));
		}
	}
	return 0; // the zero bucket
}

/** p50, p90, p99 (each within LATENCY_RELATIVE_ERROR), exact max and mean of the sketches taken together. */
export function summarizeLatency(sketches: readonly DDSketch[]): LatencySummary {
	const buckets = bucketsOf(sketches);
	if (buckets.count === 0) {
		return emptyLatency;
	}
	return {
		p50: quantile(buckets, 0.5),
		p90: quantile(buckets, 0.9),
		p99: quantile(buckets, 0.99),
		max: buckets.max,
		mean: buckets.sum / buckets.count,
	};
}

/** p99 alone, as summarizeLatency gives it: what sorting or filtering every row by p99 reads. */
export function latencyP99(sketches: readonly DDSketch[]): number {
	const buckets = bucketsOf(sketches);
	return buckets.count === 0 ? 0 : quantile(buckets, 0.99);
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

/** A histogram bucket: how many values are at most `upToMs` (and above the bound before). */
export type LatencyBucket = {upToMs: number; count: number};

/**
 * The sketches' distribution over 1-2-5 bounds (ms): each sketch bucket counts
 * under the first bound at or above its value. Empty buckets at either end are left out.
 */
export function latencyHistogram(sketches: readonly DDSketch[]): LatencyBucket[] {
	const buckets = bucketsOf(sketches);
	if (buckets.count === 0) {
		return [];
	}
	const histogram = displayBounds.map(upToMs => ({upToMs, count: 0}));
	histogram[0]!.count += buckets.zeroCount;
	let bound = 0;
	for (let i = 0; i < buckets.length; i++) {
		const count = buckets.counts[buckets.first + i]!;
		if (count > 0) {
			const value = mapping.value(buckets.minKey + i);
			while (value > displayBounds[bound]!) {
				bound++;
			}
			histogram[bound]!.count += count;
		}
	}
	let last = histogram.length - 1;
	while (histogram[last]!.count === 0) {
		last--;
	}
	return histogram.slice(histogram.findIndex(bucket => bucket.count > 0), last + 1);
}
