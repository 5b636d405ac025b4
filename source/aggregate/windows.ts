// Per-second counters for the sliding rate windows (1 s, 10 s, 60 s) and the
// 60 s history. Each cell keeps a ring of one-second slots; an exchange counts in the second its response ended. Time
// is whatever clock the exchanges carry and the caller passes as `nowMs`, so a
// replay measured against the recording's clock shows the recording's rates.
//
// A ring is one Float64Array: the newest second it holds, then 64 request
// slots and 16 slots each of bytes in and out (bytes per second are only shown
// over 10 s). Slot `second & 63` holds that second while it is one of the 64
// up to the newest; moving the newest second on clears the slots it passes.
// One tag for the whole ring, not one per slot: a window reads a run of
// adjacent slots and nothing else, and a cell's ring is 776 bytes.

const slots = 64; // the 60 s window, its partial oldest second, and slack for late batches
const byteSlots = 16;
const requestBase = 1;
const bytesInBase = requestBase + slots;
const bytesOutBase = bytesInBase + byteSlots;
export const historySeconds = 60;
export const ringLength = bytesOutBase + byteSlots;

export const newRing = (): Float64Array => {
	const ring = new Float64Array(ringLength);
	ring[0] = -Infinity;
	return ring;
};

export const secondOf = (ms: number): number => Math.floor(ms / 1000);

/** Counts one exchange that ended in `second`; one older than the ring holds counts in the totals only. */
export function countInRing(ring: Float64Array, second: number, bytesIn: number, bytesOut: number, requests = 1): void {
	let newest = ring[0]!;
	if (second > newest) {
		for (let passed = Math.max(newest + 1, second - slots + 1); passed <= second; passed++) {
			ring[requestBase + (passed & (slots - 1))] = 0;
		}
		for (let passed = Math.max(newest + 1, second - byteSlots + 1); passed <= second; passed++) {
			ring[bytesInBase + (passed & (byteSlots - 1))] = 0;
			ring[bytesOutBase + (passed & (byteSlots - 1))] = 0;
		}
		ring[0] = newest = second;
	}
	if (second > newest - slots) {
		ring[requestBase + (second & (slots - 1))]! += requests;
		if (second > newest - byteSlots) {
			ring[bytesInBase + (second & (byteSlots - 1))]! += bytesIn;
			ring[bytesOutBase + (second & (byteSlots - 1))]! += bytesOut;
		}
	}
}

/** Folds one ring into another (two cells become one). */
export function mergeRing(into: Float64Array, from: Float64Array): void {
	const newest = from[0]!;
	if (newest === -Infinity) {
		return; // nothing counted
	}
	for (let second = newest - slots + 1; second <= newest; second++) {
		const bytes = second > newest - byteSlots;
		const at = second & (byteSlots - 1);
		countInRing(into, second, bytes ? from[bytesInBase + at]! : 0, bytes ? from[bytesOutBase + at]! : 0, from[requestBase + (second & (slots - 1))]);
	}
}

/**
 * Sums of one or more rings' windows ending at nowMs. A window of W seconds
 * takes the current partial second, the W - 1 whole seconds before it, and the
 * part of the second before those that still lies inside the window (assuming
 * requests were spread evenly over that second): exact when nowMs falls on a
 * whole second, and never more than one second's traffic away otherwise. The
 * rings are added up second by second (a sort by rate reads 11 seconds of
 * every row's), and the windows read off those sums.
 */
export class WindowSums {
	/** Requests in each second back from now's: [0] is now's, partial. */
	private readonly requests = new Array<number>(historySeconds + 1).fill(0); // an array, not a typed array: one of these a row, and typed arrays are slow to make
	private bytesIn = 0;
	private bytesOut = 0;
	private readonly nowSecond: number;
	private readonly partial: number; // share of the oldest second still inside a window

	constructor(readonly nowMs: number) {
		this.nowSecond = secondOf(nowMs);
		this.partial = 1 - (nowMs - this.nowSecond * 1000) / 1000;
	}

	/** The seconds of the 1 s and 10 s windows; with `minute`, those of the 60 s window and the history too. */
	addRequests(ring: Float64Array, minute = false): void {
		const {requests, nowSecond} = this;
		const newest = ring[0]!;
		// Seconds after the newest have no requests; seconds before the ring's oldest are not in it.
		for (let back = Math.max(0, nowSecond - newest), last = Math.min(minute ? historySeconds : 10, nowSecond - newest + slots - 1); back <= last; back++) {
			requests[back]! += ring[requestBase + ((nowSecond - back) & (slots - 1))]!;
		}
	}

	/** The 10 s window's bytes. */
	addBytes(ring: Float64Array): void {
		const newest = ring[0]!;
		for (let back = Math.max(0, this.nowSecond - newest), last = Math.min(10, this.nowSecond - newest + byteSlots - 1); back <= last; back++) {
			const at = (this.nowSecond - back) & (byteSlots - 1);
			const weight = back < 10 ? 1 : this.partial;
			this.bytesIn += weight * ring[bytesInBase + at]!;
			this.bytesOut += weight * ring[bytesOutBase + at]!;
		}
	}

	/** Requests in the last `seconds` (1, 10 or 60; 60 needs addRequests' `minute`). */
	private window(seconds: number): number {
		let sum = this.partial * this.requests[seconds]!;
		for (let back = 0; back < seconds; back++) {
			sum += this.requests[back]!;
		}
		return sum;
	}

	get count1(): number {
		return this.window(1);
	}

	get count10(): number {
		return this.window(10);
	}

	get count60(): number {
		return this.window(60);
	}

	get bytesIn10(): number {
		return this.bytesIn;
	}

	get bytesOut10(): number {
		return this.bytesOut;
	}

	/** Requests per whole second, oldest first (with a minute's requests). */
	get history(): number[] {
		return this.requests.slice(1).reverse();
	}
}

/**
 * The seconds a `window`-second rate divides by when only `watchedS` seconds
 * have been watched (httptop started 3 s ago: a 10 s window holds 3 s of
 * traffic, and dividing it by 10 would show a third of the rate). Never under
 * a second, so the first exchanges do not read as a burst.
 */
export const windowSeconds = (window: number, watchedS: number): number => Math.min(window, Math.max(1, watchedS));
