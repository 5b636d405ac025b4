// Per-second counters for the sliding rate windows (1 s, 10 s, 60 s) and the
// 60 s history. Each cell keeps a ring of one-second slots tagged with the
// second they hold; an exchange counts in the second its response ended. Time
// is whatever clock the exchanges carry and the caller passes as `nowMs`, so a
// replay measured against the recording's clock shows the recording's rates.

/** Seconds the ring holds: the 60 s window, its partial oldest second, and slack for late batches. */
const slots = 64;
const slotMask = slots - 1;
/** Values per slot: requests, bytes in, bytes out. */
const fields = 3;
export const historySeconds = 60;

export class SecondCounters {
	private readonly seconds = new Float64Array(slots).fill(-1);
	private readonly values = new Float64Array(slots * fields);

	add(second: number, bytesIn: number, bytesOut: number): void {
		const slot = second & slotMask;
		const held = this.seconds[slot]!;
		if (held !== second) {
			if (held > second) {
				return; // older than anything the ring still holds: it counts in the totals only
			}
			this.seconds[slot] = second;
			this.values.fill(0, slot * fields, slot * fields + fields);
		}
		const base = slot * fields;
		this.values[base]!++;
		this.values[base + 1]! += bytesIn;
		this.values[base + 2]! += bytesOut;
	}

	/** Adds this ring's seconds in (now - windowSpan, now] into `sums`. */
	addTo(sums: WindowSums, nowMs: number): void {
		const nowSecond = Math.floor(nowMs / 1000);
		const partial = 1 - (nowMs - nowSecond * 1000) / 1000; // share of the oldest second still inside a window
		const history = sums.history;
		for (let slot = 0; slot < slots; slot++) {
			const back = nowSecond - this.seconds[slot]!;
			if (back < 0 || back > historySeconds) {
				continue;
			}
			const base = slot * fields;
			const count = this.values[base]!;
			if (back >= 1) {
				history[historySeconds - back]! += count;
			}
			if (back < 1) {
				sums.count1 += count;
			} else if (back === 1) {
				sums.count1 += partial * count;
			}
			if (back <= 10) {
				const weight = back < 10 ? 1 : partial;
				sums.count10 += weight * count;
				sums.bytesIn10 += weight * this.values[base + 1]!;
				sums.bytesOut10 += weight * this.values[base + 2]!;
			}
			sums.count60 += back < 60 ? count : partial * count;
		}
	}

	/** Folds another ring into this one (when two cells become one). */
	merge(other: SecondCounters): void {
		for (let slot = 0; slot < slots; slot++) {
			const second = other.seconds[slot]!;
			if (second < 0) {
				continue;
			}
			const held = this.seconds[slot]!;
			if (held > second) {
				continue;
			}
			const base = slot * fields;
			if (held < second) {
				this.seconds[slot] = second;
				this.values.fill(0, base, base + fields);
			}
			for (let field = 0; field < fields; field++) {
				this.values[base + field]! += other.values[base + field]!;
			}
		}
	}
}

export type WindowRates = {
	readonly rate1s: number;
	readonly rate10s: number;
	readonly rate60s: number;
	readonly bytesInPerSec: number; // 10 s window
	readonly bytesOutPerSec: number;
	readonly rateHistory: number[]; // requests in each of the last 60 whole seconds, oldest first
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
	history: number[] = new Array<number>(historySeconds).fill(0);

	/** Starts over, with a fresh history array (the previous one belongs to a row now). */
	clear(): void {
		this.count1 = 0;
		this.count10 = 0;
		this.count60 = 0;
		this.bytesIn10 = 0;
		this.bytesOut10 = 0;
		this.history = new Array<number>(historySeconds).fill(0);
	}

	rates(): WindowRates {
		return {
			rate1s: this.count1,
			rate10s: this.count10 / 10,
			rate60s: this.count60 / 60,
			bytesInPerSec: this.bytesIn10 / 10,
			bytesOutPerSec: this.bytesOut10 / 10,
			rateHistory: this.history,
		};
	}
}

export const secondOf = (ms: number): number => Math.floor(ms / 1000);
