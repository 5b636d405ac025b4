// Latency distributions: a DDSketch (Masson, Rim & Lee, VLDB 2019) per cell and
// measure (total time, time to first byte), with @datadog/sketches-js's
// logarithmic mapping: each quantile is within LATENCY_RELATIVE_ERROR of the
// true value at that rank, whatever the scale. Values are milliseconds, clamped
// at 0 (clock skew between CPUs gives negative ones).
//
// The bucket counts are kept in a store of our own, not the library's
// DenseStore: that one keeps a plain JS array grown 128 buckets at a time,
// 8 bytes a bucket (about 4 kB a sketch over a typical latency range), and a
// tick that reads a row of 15,000 cells reads all of them. This store keeps the
// same dense layout in a Uint32Array grown 32 buckets at a time, half the
// bytes or less (measured in docs/benchmarks.md: RSS and tick times).
//
// Quantiles follow DDSketch's rank rule, the value of rank floor(q * (n - 1)),
// clamped to the exact min and max. A row's quantiles are found walking its
// cells' buckets together from the top key down, which stops at p50 (and
// p99, what a sort reads of every row, is a few buckets from the top).

import {DDSketch} from '@datadog/sketches-js';
import type {LatencySummary} from './types.js';

/** The relative error of every latency quantile (p50, p90, p99) the aggregator reports. */
export const LATENCY_RELATIVE_ERROR = 0.01;

const {mapping} = new DDSketch({relativeAccuracy: LATENCY_RELATIVE_ERROR});
const chunk = 32;

/** The bucket key of a duration in ms (NaN: the zero bucket); worked out once per exchange for every sketch it goes in. */
export const keyOf = (ms: number): number => ms > mapping.minPossible ? mapping.key(ms) : Number.NaN;

export class LatencySketch {
	/** bins[key - offset] counts the values of bucket key, for keys minKey to maxKey. */
	bins = new Uint32Array(0);
	offset = 0;
	minKey = Infinity;
	maxKey = -Infinity;
	zeroCount = 0;
	count = 0;
	sum = 0;
	min = Infinity;
	max = -Infinity;

	/** Records a duration (ms, not negative) whose bucket key is `key` (see keyOf). */
	add(ms: number, key: number, weight = 1): void {
		if (Number.isNaN(key)) {
			this.zeroCount += weight;
		} else {
			if (key < this.minKey || key > this.maxKey) {
				this.extend(Math.min(key, this.minKey), Math.max(key, this.maxKey));
			}
			this.bins[key - this.offset]! += weight;
		}
		this.count += weight;
		this.sum += ms * weight;
		this.min = Math.min(this.min, ms);
		this.max = Math.max(this.max, ms);
	}

	/** Makes room for keys low to high and records them as the range in use. */
	private extend(low: number, high: number): void {
		const {bins, offset} = this;
		if (low < offset || high >= offset + bins.length) {
			const start = Math.floor(low / chunk) * chunk;
			const grown = new Uint32Array((Math.floor(high / chunk) + 1) * chunk - start);
			if (this.maxKey >= this.minKey) {
				grown.set(bins.subarray(this.minKey - offset, this.maxKey - offset + 1), this.minKey - start);
			}
			this.bins = grown;
			this.offset = start;
		}
		this.minKey = low;
		this.maxKey = high;
	}

	/** DDSketch's merge (every sketch has the one mapping). */
	merge(other: LatencySketch): void {
		if (other.maxKey >= other.minKey) {
			if (other.minKey < this.minKey || other.maxKey > this.maxKey) {
				this.extend(Math.min(this.minKey, other.minKey), Math.max(this.maxKey, other.maxKey));
			}
			const {bins} = this;
			const from = other.bins;
			const shift = other.offset - this.offset; // from[i] is bins[i + shift]
			for (let i = other.minKey - other.offset, end = other.maxKey - other.offset; i <= end; i++) {
				bins[i + shift]! += from[i]!;
			}
		}
		this.zeroCount += other.zeroCount;
		this.count += other.count;
		this.sum += other.sum;
		this.min = Math.min(this.min, other.min);
		this.max = Math.max(this.max, other.max);
	}
}

export const emptyLatency: LatencySummary = {p50: 0, p90: 0, p99: 0, max: 0, mean: 0};

/** Up to this many sketches are walked together; more are added up into one first. */
export const walkedTogether = 8;
let scratch = new LatencySketch();

/**
 * The values of quantiles `qs` (highest first) of the sketches taken together:
 * one walk down their buckets from the highest key, each step taking that
 * key's count in every sketch, until the lowest quantile is reached. Many
 * sketches (a row of thousands of cells) are first added up into one, reading
 * each sketch's buckets in order rather than one bucket of each per step.
 */
function quantiles(sketches: readonly LatencySketch[], qs: readonly number[]): number[] {
	if (sketches.length > walkedTogether) {
		scratch = new LatencySketch();
		for (const sketch of sketches) {
			scratch.merge(sketch);
		}
		sketches = [scratch];
	}
	let count = 0;
	let top = -Infinity;
	let bottom = Infinity;
	let min = Infinity;
	let max = -Infinity;
	for (const sketch of sketches) {
		count += sketch.count;
		top = Math.max(top, sketch.maxKey);
		bottom = Math.min(bottom, sketch.minKey);
		min = Math.min(min, sketch.min);
		max = Math.max(max, sketch.max);
	}
	const values = [0, 0, 0]; // past the lowest key: the zero bucket
	let q = 0;
	let below = count; // values in buckets under the current key, the zero bucket included
	for (let key = top; key >= bottom && q < qs.length; key--) {
		for (let i = 0; i < sketches.length; i++) {
			const sketch = sketches[i]!;
			if (key >= sketch.minKey && key <= sketch.maxKey) {
				below -= sketch.bins[key - sketch.offset]!;
			}
		}
		for (; q < qs.length && below <= qs[q]! * (count - 1); q++) {
			values[q] = Math.min(max, Math.max(min, mapping.value(key)));
		}
	}
	return values;
}

const ranks = [0.99, 0.9, 0.5];
const p99Only = [0.99];

/** p50, p90, p99 (each within LATENCY_RELATIVE_ERROR), exact max and mean of the sketches taken together. */
export function summarizeLatency(sketches: readonly LatencySketch[]): LatencySummary {
	const count = sketches.reduce((total, sketch) => total + sketch.count, 0);
	if (count === 0) {
		return emptyLatency;
	}
	const [p99, p90, p50] = quantiles(sketches, ranks);
	const sum = sketches.reduce((total, sketch) => total + sketch.sum, 0);
	return {p50: p50!, p90: p90!, p99: p99!, max: sketches.reduce((highest, sketch) => Math.max(highest, sketch.max), -Infinity), mean: sum / count};
}

/** p99 alone, as summarizeLatency gives it: what sorting or filtering every row by p99 reads. */
export const latencyP99 = (sketches: readonly LatencySketch[]): number =>
	sketches.some(sketch => sketch.count > 0) ? quantiles(sketches, p99Only)[0]! : 0;

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
export function latencyHistogram(sketches: readonly LatencySketch[]): LatencyBucket[] {
	const merged = new LatencySketch();
	sketches.forEach(sketch => merged.merge(sketch));
	if (merged.count === 0) {
		return [];
	}
	const histogram = displayBounds.map(upToMs => ({upToMs, count: 0}));
	histogram[0]!.count += merged.zeroCount;
	let bound = 0;
	for (let key = merged.minKey; key <= merged.maxKey; key++) {
		const count = merged.bins[key - merged.offset]!;
		if (count > 0) {
			const value = mapping.value(key);
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
