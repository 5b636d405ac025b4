// A bucket store for DDSketch that costs 4 bytes a bucket instead of 8.
//
// DDSketch splits into a mapping (value -> bucket key, which is where its
// relative-error guarantee comes from) and a store (counts per key). The
// library's DenseStore keeps counts in a plain JS array grown 128 buckets at a
// time: about 6.7 kB per sketch over a wide latency range. The aggregator
// keeps two sketches per cell and tens of thousands of cells, so this store
// keeps the same dense layout in a Uint32Array grown 32 buckets at a time. It
// implements the part of the Store interface DDSketch uses (add, keyAtRank,
// merge, copy, length, count); the sketch's mapping, its accept, merge and
// quantile rules are the library's.

const chunk = 32;

export class CompactStore {
	bins = new Uint32Array(0);
	/** Key of bins[0]. */
	offset = 0;
	count = 0;
	minKey = Infinity;
	maxKey = -Infinity;

	add(key: number, weight = 1): void {
		if (key < this.minKey || key > this.maxKey) {
			this.extend(Math.min(key, this.minKey), Math.max(key, this.maxKey));
		}
		this.bins[key - this.offset]! += weight;
		this.count += weight;
	}

	/** Makes room for keys in [low, high] and records them as the range in use. */
	private extend(low: number, high: number): void {
		const {bins, offset} = this;
		if (low < offset || high >= offset + bins.length) {
			const start = Math.floor(low / chunk) * chunk;
			const end = (Math.floor(high / chunk) + 1) * chunk;
			const grown = new Uint32Array(end - start);
			if (this.count > 0) {
				grown.set(bins.subarray(this.minKey - offset, this.maxKey - offset + 1), this.minKey - start);
			}
			this.bins = grown;
			this.offset = start;
		}
		this.minKey = low;
		this.maxKey = high;
	}

	/** DDSketch's rule: the first key whose cumulative count exceeds `rank` (or reaches rank + 1 when `lower` is false). */
	keyAtRank(rank: number, lower = true): number {
		let running = 0;
		for (let key = this.minKey; key <= this.maxKey; key++) {
			running += this.bins[key - this.offset]!;
			if ((lower && running > rank) || (!lower && running >= rank + 1)) {
				return key;
			}
		}
		return this.maxKey;
	}

	merge(other: CompactStore): void {
		if (other.count === 0) {
			return;
		}
		this.extend(Math.min(this.minKey, other.minKey), Math.max(this.maxKey, other.maxKey));
		for (let key = other.minKey; key <= other.maxKey; key++) {
			this.bins[key - this.offset]! += other.bins[key - other.offset]!;
		}
		this.count += other.count;
	}

	copy(other: CompactStore): void {
		this.bins = other.bins.slice();
		this.offset = other.offset;
		this.count = other.count;
		this.minKey = other.minKey;
		this.maxKey = other.maxKey;
	}

	length(): number {
		return this.bins.length;
	}
}
