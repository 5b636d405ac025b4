// Latency distributions: a DDSketch (Masson, Rim & Lee, VLDB 2019) per cell and
// measure (total time, time to first byte), with @datadog/sketches-js's
// logarithmic mapping: each quantile is within LATENCY_RELATIVE_ERROR of the
// true value at that rank, whatever the scale. Values are milliseconds, clamped
// at 0 (clock skew between CPUs gives negative ones).
//
// The bucket counts are kept in a store of our own, not the library's
// DenseStore, a plain JS array grown 128 buckets at a time: about 4 kB a
// sketch over a typical latency range, all of which a tick reading a row of
// 15,000 cells reads (198 MB RSS after the 1,000,000-path flood, against 135;
// docs/benchmarks.md). Ours is sparse while a sketch has few distinct
// buckets, as most cells do: sorted [key, count] pairs in an Int32Array, 8
// bytes per bucket in use, which a merge or a walk reads as they are. Past
// `sparseLimit` distinct buckets (or a count past int32) it is dense: a
// Float64Array from the lowest key in use to the highest, grown 32 buckets at
// a time. Doubles, not Uint32: a busy cell, and more so the scratch sketch a
// row's cells are added up in, would pass 2^32 in one bucket within days.
//
// Quantiles follow DDSketch's rank rule, the value of rank floor(q * (n - 1)),
// clamped to the exact min and max. A row's sketches are walked together from
// the top key down to the lowest quantile asked (p99, what a sort reads of
// every row, is a few buckets from the top); a row of many cells is first
// added up into one scratch sketch.

import {DDSketch} from '@datadog/sketches-js';
import type {LatencySummary} from './types.js';

/** The relative error of every latency quantile (p50, p90, p99) the aggregator reports. */
export const LATENCY_RELATIVE_ERROR = 0.01;

const {mapping} = new DDSketch({relativeAccuracy: LATENCY_RELATIVE_ERROR});
const chunk = 32;
const sparseLimit = 128;
const countLimit = 0x7fffffff;
const noBins = new Float64Array(0);

/** The bucket key of a duration in ms (NaN: the zero bucket); worked out once per exchange for every sketch it goes in. */
export const keyOf = (ms: number): number => ms > mapping.minPossible ? mapping.key(ms) : Number.NaN;

export class LatencySketch {
	/** Sparse: `used` [key, count] pairs, sorted by key; null once dense. */
	pairs: Int32Array | null = new Int32Array(8);
	used = 0;
	/** Dense: bins[key - offset] counts the values of bucket key, for keys minKey to maxKey. */
	bins = noBins;
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
		} else if (this.pairs === null) {
			this.addDense(key, weight);
		} else {
			this.addPair(key, weight);
		}
		this.count += weight;
		this.sum += ms * weight;
		this.min = Math.min(this.min, ms);
		this.max = Math.max(this.max, ms);
	}

	private addDense(key: number, weight: number): void {
		if (key < this.minKey || key > this.maxKey) {
			this.extend(Math.min(key, this.minKey), Math.max(key, this.maxKey));
		}
		this.bins[key - this.offset]! += weight;
	}

	private addPair(key: number, weight: number): void {
		let pairs = this.pairs!;
		const {used} = this;
		let low = 0;
		let high = used;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (pairs[middle * 2]! < key) {
				low = middle + 1;
			} else {
				high = middle;
			}
		}
		const at = low * 2;
		if (low < used && pairs[at] === key && pairs[at + 1]! + weight <= countLimit) {
			pairs[at + 1]! += weight;
			return;
		}
		if (used === sparseLimit || weight > countLimit || (low < used && pairs[at] === key)) {
			this.densify();
			this.addDense(key, weight);
			return;
		}
		if (used * 2 === pairs.length) {
			const grown = new Int32Array(pairs.length * 2);
			grown.set(pairs);
			this.pairs = pairs = grown;
		}
		pairs.copyWithin(at + 2, at, used * 2);
		pairs[at] = key;
		pairs[at + 1] = weight;
		this.used = used + 1;
		this.minKey = pairs[0]!;
		this.maxKey = pairs[used * 2]!;
	}

	/** From pairs to the dense store. */
	private densify(): void {
		const pairs = this.pairs!;
		this.pairs = null;
		const {minKey, maxKey} = this;
		this.minKey = Infinity;
		this.maxKey = -Infinity;
		if (maxKey >= minKey) {
			this.extend(minKey, maxKey);
		}
		for (let at = 0; at < this.used * 2; at += 2) {
			this.bins[pairs[at]! - this.offset] = pairs[at + 1]!;
		}
		this.used = 0;
	}

	/** Makes room for keys low to high and records them as the range in use (dense). */
	private extend(low: number, high: number): void {
		const {bins, offset} = this;
		if (low < offset || high >= offset + bins.length) {
			const start = Math.floor(low / chunk) * chunk;
			const grown = new Float64Array((Math.floor(high / chunk) + 1) * chunk - start);
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
		const {pairs} = other;
		if (pairs !== null && this.pairs !== null) {
			for (let at = 0; at < other.used * 2; at += 2) {
				if (this.pairs === null) { // past sparseLimit
					this.addDense(pairs[at]!, pairs[at + 1]!);
				} else {
					this.addPair(pairs[at]!, pairs[at + 1]!);
				}
			}
		} else if (other.maxKey >= other.minKey) {
			if (this.pairs !== null) {
				this.densify();
			}
			if (other.minKey < this.minKey || other.maxKey > this.maxKey) {
				this.extend(Math.min(this.minKey, other.minKey), Math.max(this.maxKey, other.maxKey));
			}
			const {bins, offset} = this;
			if (pairs === null) {
				// Whole chunks, four buckets a step: both arrays start on a chunk and are zero outside
				// their keys in use, so the chunks around the other's keys are inside both arrays.
				const from = other.bins;
				const shift = other.offset - offset; // from[i] is bins[i + shift]
				const end = (Math.floor(other.maxKey / chunk) + 1) * chunk - other.offset;
				for (let i = Math.floor(other.minKey / chunk) * chunk - other.offset; i < end; i += 4) {
					bins[i + shift]! += from[i]!;
					bins[i + shift + 1]! += from[i + 1]!;
					bins[i + shift + 2]! += from[i + 2]!;
					bins[i + shift + 3]! += from[i + 3]!;
				}
			} else {
				for (let at = 0, end = other.used * 2; at < end; at += 2) {
					bins[pairs[at]! - offset]! += pairs[at + 1]!;
				}
			}
		}
		this.zeroCount += other.zeroCount;
		this.count += other.count;
		this.sum += other.sum;
		this.min = Math.min(this.min, other.min);
		this.max = Math.max(this.max, other.max);
	}

	/** Empty again and dense, keeping its array (which spans most rows' keys after a few): the scratch sketch rows are added up in. */
	clear(): void {
		if (this.pairs === null && this.maxKey >= this.minKey) {
			this.bins.fill(0, this.minKey - this.offset, this.maxKey - this.offset + 1);
		}
		this.pairs = null;
		this.minKey = Infinity;
		this.maxKey = -Infinity;
		this.zeroCount = 0;
		this.count = 0;
		this.sum = 0;
		this.min = Infinity;
		this.max = -Infinity;
	}

}

export const emptyLatency: LatencySummary = {p50: 0, p90: 0, p99: 0, max: 0, mean: 0};

/** Up to this many sketches are walked together; more are added up into one first. */
const walkedTogether = 8;
const cursors = new Int32Array(walkedTogether);
const scratch = new LatencySketch();

/** The sketches added up in the scratch sketch (good until the next call). */
function together(sketches: readonly LatencySketch[]): LatencySketch {
	scratch.clear();
	for (const sketch of sketches) {
		scratch.merge(sketch);
	}
	return scratch;
}

/**
 * The values of quantiles `qs` (highest first) of the sketches taken together:
 * one walk down their buckets from the highest key, each step taking that
 * key's count in every sketch, until the lowest quantile is reached. Each
 * sketch has a cursor: a pair (sparse) or a key (dense). Many sketches (a row
 * of thousands of cells) are first added up into one, reading each sketch's
 * buckets in order rather than one bucket of each per step.
 */
function quantiles(sketches: readonly LatencySketch[], qs: readonly number[]): number[] {
	let count = 0;
	let min = Infinity;
	let max = -Infinity;
	for (let i = 0; i < sketches.length; i++) {
		const sketch = sketches[i]!;
		count += sketch.count;
		min = Math.min(min, sketch.min);
		max = Math.max(max, sketch.max);
		// Where each sketch's walk is: a key (dense) or a pair's index (sparse).
		cursors[i] = sketch.pairs === null ? sketch.maxKey : (sketch.used - 1) * 2;
	}
	const values = [0, 0, 0]; // past the lowest key: the zero bucket
	let q = 0;
	let below = count; // values in buckets under the current key, the zero bucket included
	while (q < qs.length) {
		let key = -Infinity;
		for (let i = 0; i < sketches.length; i++) {
			const sketch = sketches[i]!;
			const cursor = cursors[i]!;
			const {pairs} = sketch;
			if (pairs === null) {
				if (cursor >= sketch.minKey && cursor > key) {
					key = cursor;
				}
			} else if (cursor >= 0 && pairs[cursor]! > key) {
				key = pairs[cursor]!;
			}
		}
		if (key === -Infinity) {
			break;
		}
		for (let i = 0; i < sketches.length; i++) {
			const sketch = sketches[i]!;
			const cursor = cursors[i]!;
			const {pairs} = sketch;
			if (pairs === null) {
				if (cursor === key) {
					below -= sketch.bins[key - sketch.offset]!;
					cursors[i] = cursor - 1;
				}
			} else if (cursor >= 0 && pairs[cursor] === key) {
				below -= pairs[cursor + 1]!;
				cursors[i] = cursor - 2;
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
	const [p99, p90, p50] = quantiles(sketches.length > walkedTogether ? [together(sketches)] : sketches, ranks);
	const sum = sketches.reduce((total, sketch) => total + sketch.sum, 0);
	return {p50: p50!, p90: p90!, p99: p99!, max: sketches.reduce((highest, sketch) => Math.max(highest, sketch.max), -Infinity), mean: sum / count};
}

/** p99 alone, as summarizeLatency gives it: what sorting or filtering every row by p99 reads. */
export const latencyP99 = (sketches: readonly LatencySketch[]): number =>
	quantiles(sketches.length > walkedTogether ? [together(sketches)] : sketches, p99Only)[0]!; // 0 when empty

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
	merged.clear(); // dense, to read bucket by bucket
	merged.merge(together(sketches));
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
