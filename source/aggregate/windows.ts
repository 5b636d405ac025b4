// Per-second counters for the sliding rate windows (1 s, 10 s, 60 s) and the
// 60 s history. Each cell keeps a ring of one-second slots tagged with the
// second they hold; an exchange counts in the second its response ended. Time
// is whatever clock the exchanges carry and the caller passes as `nowMs`, so a
// replay measured against the recording's clock shows the recording's rates.
//
// A ring is one Float64Array: 64 request slots of [second, requests], then 16
// byte slots of [second, bytes in, bytes out] (bytes per second are only shown
// over 10 s).

const slots = 64; // the 60 s window, its partial oldest second, and slack for late batches
const byteSlots = 16;
const byteBase = slots * 2;
export const historySeconds = 60;
export const ringLength = byteBase + byteSlots * 3;

export const newRing = (): Float64Array => new Float64Array(ringLength).fill(-1);

export const secondOf = (ms: number): number => Math.floor(ms / 1000);

/** Counts one exchange that ended in `second`; one older than the ring holds counts in the totals only. */
export function countInRing(ring: Float64Array, second: number, bytesIn: number, bytesOut: number, requests = 1): void {
	const at = (second & (slots - 1)) * 2;
	if (ring[at]! > second) {
		return;
	}
	if (ring[at] !== second) {
		ring[at] = second;
		ring[at + 1] = 0;
	}
	ring[at + 1]! += requests;
	const byteAt = byteBase + (second & (byteSlots - 1)) * 3;
	if (ring[byteAt]! > second) {
		return;
	}
	if (ring[byteAt] !== second) {
		ring[byteAt] = second;
		ring[byteAt + 1] = 0;
		ring[byteAt + 2] = 0;
	}
	ring[byteAt + 1]! += bytesIn;
	ring[byteAt + 2]! += bytesOut;
}

/** Folds one ring into another (two cells become one). */
export function mergeRing(into: Float64Array, from: Float64Array): void {
	for (let at = 0; at < byteBase; at += 2) {
		if (from[at]! >= 0) {
			countInRing(into, from[at]!, 0, 0, from[at + 1]);
		}
	}
	for (let at = byteBase; at < ringLength; at += 3) {
		if (from[at]! >= 0) {
			countInRing(into, from[at]!, from[at + 1]!, from[at + 2]!, 0);
		}
	}
}

/**
 * Sums of one or more rings' windows ending at nowMs. A window of W seconds
 * takes the current partial second, the W - 1 whole seconds before it, and the
 * part of the second before those that still lies inside the window (assuming
 * requests were spread evenly over that second): exact when nowMs falls on a
 * whole second, and never more than one second's traffic away otherwise. Each
 * reader reads only its part of a ring: a sort by rate reads every row's.
 */
export class WindowSums {
	count1 = 0;
	count10 = 0;
	count60 = 0;
	bytesIn10 = 0;
	bytesOut10 = 0;
	/** Requests per whole second, oldest first (with a minute's requests). */
	readonly history = new Array<number>(historySeconds).fill(0);
	private readonly nowSecond: number;
	private readonly partial: number; // share of the oldest second still inside a window

	constructor(readonly nowMs: number) {
		this.nowSecond = secondOf(nowMs);
		this.partial = 1 - (nowMs - this.nowSecond * 1000) / 1000;
	}

	/** The 1 s and 10 s windows' requests; with `minute`, the 60 s window's and the history too, in the same pass. */
	addRequests(ring: Float64Array, minute = false): void {
		for (let back = 0; back <= (minute ? historySeconds : 10); back++) {
			const second = this.nowSecond - back;
			const at = (second & (slots - 1)) * 2;
			if (ring[at] === second) {
				const count = ring[at + 1]!;
				this.count1 += back < 1 ? count : (back === 1 ? this.partial * count : 0);
				this.count10 += back < 10 ? count : (back === 10 ? this.partial * count : 0);
				if (minute) {
					this.count60 += back < 60 ? count : this.partial * count;
					if (back >= 1) {
						this.history[historySeconds - back]! += count;
					}
				}
			}
		}
	}

	/** The 10 s window's bytes. */
	addBytes(ring: Float64Array): void {
		for (let back = 0; back <= 10; back++) {
			const second = this.nowSecond - back;
			const at = byteBase + (second & (byteSlots - 1)) * 3;
			if (ring[at] === second) {
				const weight = back < 10 ? 1 : this.partial;
				this.bytesIn10 += weight * ring[at + 1]!;
				this.bytesOut10 += weight * ring[at + 2]!;
			}
		}
	}
}

/**
 * The seconds a `window`-second rate divides by when only `watchedS` seconds
 * have been watched (httptop started 3 s ago: a 10 s window holds 3 s of
 * traffic, and dividing it by 10 would show a third of the rate). Never under
 * a second, so the first exchanges do not read as a burst.
 */
export const windowSeconds = (window: number, watchedS: number): number => Math.min(window, Math.max(1, watchedS));
