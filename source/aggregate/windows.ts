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

// One Float64Array per cell: [second tags | requests] for 64 slots, then [second tags | bytes in | bytes out] for 16.
const countTags = 0;
const counts = slots;
const byteTags = 2 * slots;
const bytesIn = byteTags + byteSlots;
const bytesOut = bytesIn + byteSlots;
const size = bytesOut + byteSlots;

export class SecondCounters {
	private readonly values = new Float64Array(size).fill(-1, countTags, counts).fill(-1, byteTags, bytesIn);

	add(second: number, inBytes: number, outBytes: number): void {
		const values = this.values;
		const slot = second & (slots - 1);
		const held = values[countTags + slot]!;
		if (held !== second) {
			if (held > second) {
				return; // older than anything the ring still holds: it counts in the totals only
			}
			values[countTags + slot] = second;
			values[counts + slot] = 0;
		}
		values[counts + slot]!++;
		const byteSlot = second & (byteSlots - 1);
		const byteHeld = values[byteTags + byteSlot]!;
		if (byteHeld !== second) {
			if (byteHeld > second) {
				return;
			}
			values[byteTags + byteSlot] = second;
			values[bytesIn + byteSlot] = 0;
			values[bytesOut + byteSlot] = 0;
		}
		values[bytesIn + byteSlot]! += inBytes;
		values[bytesOut + byteSlot]! += outBytes;
	}

	/** Adds this ring's last 61 seconds (60 for history, one more for the windows' partial oldest second) into `sums`. */
	addTo(sums: WindowSums, nowMs: number): void {
		const values = this.values;
		const nowSecond = Math.floor(nowMs / 1000);
		const partial = 1 - (nowMs - nowSecond * 1000) / 1000; // share of the oldest second still inside a window
		const {history} = sums;
		for (let slot = 0; slot < slots; slot++) {
			const back = nowSecond - values[countTags + slot]!;
			if (back < 0 || back > historySeconds) {
				continue;
			}
			const count = values[counts + slot]!;
			if (back >= 1 && history !== null) {
				history[historySeconds - back]! += count;
			}
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
			sums.count60 += back < 60 ? count : partial * count;
		}
		for (let slot = 0; slot < byteSlots; slot++) {
			const back = nowSecond - values[byteTags + slot]!;
			if (back >= 0 && back <= 10) {
				const weight = back < 10 ? 1 : partial;
				sums.bytesIn10 += weight * values[bytesIn + slot]!;
				sums.bytesOut10 += weight * values[bytesOut + slot]!;
			}
		}
	}

	/** Folds another ring into this one (when two cells become one). */
	merge(other: SecondCounters): void {
		const mine = this.values;
		const theirs = other.values;
		const mergeRing = (tags: number, length: number, fields: readonly number[]): void => {
			for (let slot = 0; slot < length; slot++) {
				const second = theirs[tags + slot]!;
				const held = mine[tags + slot]!;
				if (second < 0 || held > second) {
					continue;
				}
				if (held < second) {
					mine[tags + slot] = second;
					for (const field of fields) {
						mine[field + slot] = 0;
					}
				}
				for (const field of fields) {
					mine[field + slot]! += theirs[field + slot]!;
				}
			}
		};
		mergeRing(countTags, slots, [counts]);
		mergeRing(byteTags, byteSlots, [bytesIn, bytesOut]);
	}
}

export type WindowRates = {
	readonly rate1s: number;
	readonly rate10s: number;
	readonly rate60s: number;
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

	rates(): WindowRates {
		return {
			rate1s: this.count1,
			rate10s: this.count10 / 10,
			rate60s: this.count60 / 60,
			bytesInPerSec: this.bytesIn10 / 10,
			bytesOutPerSec: this.bytesOut10 / 10,
		};
	}
}

export const secondOf = (ms: number): number => Math.floor(ms / 1000);
