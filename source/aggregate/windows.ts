// Per-second counters for the sliding rate windows (1 s, 10 s, 60 s) and the
// 60 s history. Each cell keeps a ring of one-second slots tagged with the
// second they hold; an exchange counts in the second its response ended. Time
// is whatever clock the exchanges carry and the caller passes as `nowMs`, so a
// replay measured against the recording's clock shows the recording's rates.

/** Seconds the request ring holds: the 60 s window, its partial oldest second, and slack for late batches. */
const slots = 64;
/** Seconds the byte rings hold: bytes per second are only shown over 10 s. */
const byteSlots = 16;
export const historySeconds = 60;

// A ring is numbers in a Float64Array (a cell's, next to its other figures):
// a head of sums over its newest second's 10 s window, then 64 request slots
// of [second tag, requests], then 16 byte slots of [second tag, bytes in,
// bytes out]. A slot's tag sits next to its figures.
//
// The head: a tick reads every row's 1 s and 10 s windows, which from the
// slots is eleven seconds of each ring, eight cache lines or so. While the
// newest second a ring counted is the tick's own or the one before (any row
// busy in the last second or two), the head's sums give the same figures
// from one or two lines. The slots stay the truth: the head is rebuilt from
// them when a new second starts or after a merge, and kept up as exchanges
// arrive.
const headAnchor = 0; // the second the head's sums end at; -1: none
const headRequests10 = 1; // requests in seconds anchor - 9 to anchor
const headIn10 = 2;
const headOut10 = 3;
const headRequestsNow = 4; // in second anchor
const headRequestsBefore = 5; // in second anchor - 1
const headRequestsOldest = 6; // in second anchor - 10, the windows' partial one
const headInOldest = 7;
const headOutOldest = 8;
const headRequestsNinth = 9; // in second anchor - 9: the partial one of a window read a second later
const headInNinth = 10;
const headOutNinth = 11;
const headSize = 12;
const countBase = headSize;
const countStride = 2;
const byteBase = countBase + slots * countStride;
const byteStride = 3;
const size = byteBase + byteSlots * byteStride;
/** The seconds back the 1 s and 10 s windows and the byte rates reach (the oldest one partly). */
const recentSeconds = 10;

export class SecondCounters {
	/** How many numbers of an array a ring takes. */
	static readonly length = size;

	/** The ring is values[base] to values[base + SecondCounters.length - 1] (a cell keeps all its figures in one array). */
	constructor(
		private readonly values = new Float64Array(size),
		private readonly base = 0,
	) {
		values[base + headAnchor] = -1;
		for (let slot = 0; slot < slots; slot++) {
			values[base + countBase + slot * countStride] = -1;
		}
		for (let slot = 0; slot < byteSlots; slot++) {
			values[base + byteBase + slot * byteStride] = -1;
		}
	}

	add(second: number, inBytes: number, outBytes: number): void {
		const {values, base} = this;
		const at = base + countBase + (second & (slots - 1)) * countStride;
		const held = values[at]!;
		if (held !== second) {
			if (held > second) {
				return; // older than anything the ring still holds: it counts in the totals only
			}
			values[at] = second;
			values[at + 1] = 0;
		}
		values[at + 1]!++;
		const byteAt = base + byteBase + (second & (byteSlots - 1)) * byteStride;
		const byteHeld = values[byteAt]!;
		if (byteHeld !== second) {
			if (byteHeld > second) {
				return; // too old for the byte ring, and for the head's sums
			}
			values[byteAt] = second;
			values[byteAt + 1] = 0;
			values[byteAt + 2] = 0;
		}
		values[byteAt + 1]! += inBytes;
		values[byteAt + 2]! += outBytes;
		const back = values[base + headAnchor]! - second;
		if (back < 0) {
			this.rebuildHead(second); // a new second: once a second a busy ring, seconds apart an idle one
		} else {
			this.countInHead(back, 1, inBytes, outBytes);
		}
	}

	/** Counts requests and bytes of the second `back` seconds before the head's anchor in the head's sums it falls in. */
	private countInHead(back: number, requests: number, bytesIn: number, bytesOut: number): void {
		const {values, base} = this;
		if (back < recentSeconds) {
			values[base + headRequests10]! += requests;
			values[base + headIn10]! += bytesIn;
			values[base + headOut10]! += bytesOut;
			if (back === 0) {
				values[base + headRequestsNow]! += requests;
			} else if (back === 1) {
				values[base + headRequestsBefore]! += requests;
			} else if (back === recentSeconds - 1) {
				values[base + headRequestsNinth]! += requests;
				values[base + headInNinth]! += bytesIn;
				values[base + headOutNinth]! += bytesOut;
			}
		} else if (back === recentSeconds) {
			values[base + headRequestsOldest]! += requests;
			values[base + headInOldest]! += bytesIn;
			values[base + headOutOldest]! += bytesOut;
		}
	}

	/** The head's sums, from the slots, for `anchor`: the newest second a slot holds (looked for when not given). */
	private rebuildHead(anchor = -1): void {
		const {values, base} = this;
		if (anchor < 0) {
			for (let slot = 0; slot < slots; slot++) {
				anchor = Math.max(anchor, values[base + countBase + slot * countStride]!);
			}
		}
		values.fill(0, base, base + headSize);
		values[base + headAnchor] = anchor;
		if (anchor < 0) {
			return;
		}
		for (let back = 0; back <= recentSeconds; back++) {
			const second = anchor - back;
			const at = base + countBase + (second & (slots - 1)) * countStride;
			const byteAt = base + byteBase + (second & (byteSlots - 1)) * byteStride;
			const bytesHeld = values[byteAt] === second;
			this.countInHead(back, values[at] === second ? values[at + 1]! : 0, bytesHeld ? values[byteAt + 1]! : 0, bytesHeld ? values[byteAt + 2]! : 0);
		}
	}

	/**
	 * Adds this ring's last 61 seconds (60 for history, one more for the windows'
	 * partial oldest second) into `sums`; with `recentOnly`, only the 1 s and 10 s
	 * windows and the byte rates (count60 and history are left as they are).
	 */
	addTo(sums: WindowSums, nowMs: number, recentOnly = false): void {
		const {values, base} = this;
		if (recentOnly && addHeadWindows(values, base, nowMs, sums)) {
			return;
		}
		const nowSecond = Math.floor(nowMs / 1000);
		const partial = 1 - (nowMs - nowSecond * 1000) / 1000; // share of the oldest second still inside a window
		const {history} = sums;
		const reach = recentOnly ? recentSeconds : historySeconds;
		for (let back = 0; back <= reach; back++) {
			const second = nowSecond - back;
			const at = base + countBase + (second & (slots - 1)) * countStride;
			if (values[at] !== second) {
				continue;
			}
			const count = values[at + 1]!;
			if (back < 1) {
				sums.count1 += count;
			} else if (back === 1) {
				sums.count1 += partial * count;
			}
			if (back < 10) {
				sums.count10 += count;
			} else if (back === 10) {
				sums.count10 += partial * count;
			}
			if (!recentOnly) {
				if (back >= 1 && history !== null) {
					history[historySeconds - back]! += count;
				}
				sums.count60 += back < 60 ? count : partial * count;
			}
		}
		for (let back = 0; back <= recentSeconds; back++) {
			const second = nowSecond - back;
			const at = base + byteBase + (second & (byteSlots - 1)) * byteStride;
			if (values[at] === second) {
				const weight = back < 10 ? 1 : partial;
				sums.bytesIn10 += weight * values[at + 1]!;
				sums.bytesOut10 += weight * values[at + 2]!;
			}
		}
	}

	/** Folds another ring into this one (when two cells become one). */
	merge(other: SecondCounters): void {
		const mine = this.values;
		const theirs = other.values;
		const shift = other.base - this.base; // theirs[at + shift] is the slot of mine[at]
		const mergeRing = (start: number, length: number, stride: number): void => {
			for (let at = this.base + start; at < this.base + start + length * stride; at += stride) {
				const second = theirs[at + shift]!;
				const held = mine[at]!;
				if (second < 0 || held > second) {
					continue;
				}
				if (held < second) {
					mine[at] = second;
					mine.fill(0, at + 1, at + stride);
				}
				for (let field = at + 1; field < at + stride; field++) {
					mine[field]! += theirs[field + shift]!;
				}
			}
		};
		mergeRing(countBase, slots, countStride);
		mergeRing(byteBase, byteSlots, byteStride);
		this.rebuildHead();
	}
}

/**
 * Adds the 1 s and 10 s windows of the ring at values[base] at `nowMs` to
 * `sums` from its head, when the head can give them (its newest second is
 * now or the second before); false, and nothing added, when not: addTo
 * walks the slots then. The same sums as that walk, in the same order:
 * whole counts first, then the partial second. A tick calls this with a
 * cell's array, not through the ring object, a cache miss away.
 */
export function addHeadWindows(values: Float64Array, base: number, nowMs: number, sums: WindowSums): boolean {
	const nowSecond = Math.floor(nowMs / 1000);
	const partial = 1 - (nowMs - nowSecond * 1000) / 1000; // share of the oldest second still inside a window
	const anchor = values[base + headAnchor]!;
	if (anchor === nowSecond) {
		sums.count1 += values[base + headRequestsNow]!;
		sums.count1 += partial * values[base + headRequestsBefore]!;
		sums.count10 += values[base + headRequests10]!;
		sums.count10 += partial * values[base + headRequestsOldest]!;
		sums.bytesIn10 += values[base + headIn10]!;
		sums.bytesIn10 += partial * values[base + headInOldest]!;
		sums.bytesOut10 += values[base + headOut10]!;
		sums.bytesOut10 += partial * values[base + headOutOldest]!;
		return true;
	}
	if (anchor === nowSecond - 1) {
		// A second on: the anchor's second is the partial one of the 1 s window, anchor - 9 of the 10 s ones.
		const ninth = values[base + headRequestsNinth]!;
		const inNinth = values[base + headInNinth]!;
		const outNinth = values[base + headOutNinth]!;
		sums.count1 += partial * values[base + headRequestsNow]!;
		sums.count10 += values[base + headRequests10]! - ninth;
		sums.count10 += partial * ninth;
		sums.bytesIn10 += values[base + headIn10]! - inNinth;
		sums.bytesIn10 += partial * inNinth;
		sums.bytesOut10 += values[base + headOut10]! - outNinth;
		sums.bytesOut10 += partial * outNinth;
		return true;
	}
	return false;
}

/** The 1 s and 10 s windows (what `addTo(..., recentOnly)` fills). */
export type WindowRates = {
	readonly rate1s: number;
	readonly rate10s: number;
	readonly bytesInPerSec: number; // 10 s window
	readonly bytesOutPerSec: number;
};

/**
 * The windows of one or more rings, ending at `nowMs`. A window of W seconds
 * takes the current partial second, the W - 1 whole seconds before it, and the
 * part of the second before those that still lies inside the window (assuming
 * requests were spread evenly over that second): exact when nowMs falls on a
 * whole second, and never more than one second's traffic away otherwise.
 */
export class WindowSums {
	count1 = 0;
	count10 = 0;
	count60 = 0;
	bytesIn10 = 0;
	bytesOut10 = 0;
	/** Requests per whole second, oldest first; null when the caller wants no history (it is only drawn for rows on screen). */
	history: number[] | null = null;

	/** Starts over, with a fresh history array if asked (the previous one belongs to a row now). */
	clear(withHistory = true): void {
		this.count1 = 0;
		this.count10 = 0;
		this.count60 = 0;
		this.bytesIn10 = 0;
		this.bytesOut10 = 0;
		this.history = withHistory ? new Array<number>(historySeconds).fill(0) : null;
	}

	/** The 60 s window (a whole `addTo` only), over `watchedS` seconds when fewer were watched (see windowSeconds). */
	rate60s(watchedS: number): number {
		return this.count60 / windowSeconds(60, watchedS);
	}

	/** The 1 s and 10 s windows; the 10 s ones over `watchedS` seconds when fewer were watched. */
	rates(watchedS: number): WindowRates {
		const seconds = windowSeconds(10, watchedS);
		return {
			rate1s: this.count1,
			rate10s: this.count10 / seconds,
			bytesInPerSec: this.bytesIn10 / seconds,
			bytesOutPerSec: this.bytesOut10 / seconds,
		};
	}
}

export const secondOf = (ms: number): number => Math.floor(ms / 1000);

/**
 * The seconds a `window`-second rate divides by when only `watchedS` seconds
 * have been watched (httptop started 3 s ago: a 10 s window holds 3 s of
 * traffic, and dividing it by 10 would show a third of the rate). Never under
 * a second, so the first exchanges do not read as a burst.
 */
export const windowSeconds = (window: number, watchedS: number): number => Math.min(window, Math.max(1, watchedS));
