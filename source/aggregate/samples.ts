// The two small bounded samples a cell keeps for drill-down: the raw paths seen
// under its route with their counts, and its slowest recent exchanges.

import type {Exchange} from '../http/exchange.js';

/** Length and last three characters: raw paths under one route mostly differ in their ids, at the end. */
const fingerprint = (path: string): number => {
	const {length} = path;
	return ((length & 0x3ff) << 21) | ((path.charCodeAt(length - 1) & 0x7f) << 14) | ((path.charCodeAt(length - 2) & 0x7f) << 7)
		| (path.charCodeAt(length - 3) & 0x7f);
};

/**
 * The most frequent raw paths, by the Space-Saving algorithm (Metwally et al.,
 * 2005): `capacity` slots; an unseen path takes the slot of the least counted
 * one and inherits its count plus one. Any path seen more often than the
 * smallest count kept is sure to be in the sample; `counts` holds for each
 * path a lower bound of how often it was seen (exact for a path that got its
 * slot while the sample still had room).
 */
export class PathSample {
	readonly paths: string[] = [];
	private readonly prints: number[] = []; // fingerprint(paths[i])
	private readonly upper: number[] = []; // Space-Saving's counts: upper bounds
	private readonly inherited: number[] = []; // what each path inherited with its slot

	constructor(private readonly capacity: number) {}

	/** At least how often each path in `paths` was seen. */
	get counts(): number[] {
		return this.upper.map((count, index) => count - this.inherited[index]!);
	}

	offer(raw: string, count = 1): void {
		const {paths, upper} = this;
		const query = raw.indexOf('?');
		const kept = query >= 0 ? raw.slice(0, query) : raw; // query strings are secrets; never kept
		// Compare fingerprints first, kept side by side in one array: reading each kept
		// path string to compare it is a cache miss per path, per exchange.
		const print = fingerprint(kept);
		const {prints} = this;
		for (let i = 0; i < prints.length; i++) {
			if (prints[i] === print && paths[i] === kept) {
				upper[i]! += count;
				return;
			}
		}
		if (this.capacity <= 0) {
			return;
		}
		if (paths.length < this.capacity) {
			paths.push(kept);
			prints.push(print);
			upper.push(count);
			this.inherited.push(0);
			return;
		}
		let least = 0;
		for (let i = 1; i < upper.length; i++) {
			if (upper[i]! < upper[least]!) {
				least = i;
			}
		}
		paths[least] = kept;
		prints[least] = print;
		this.inherited[least] = upper[least]!;
		upper[least]! += count;
	}

	merge(other: PathSample): void {
		const counts = other.counts;
		for (let i = 0; i < other.paths.length; i++) {
			this.offer(other.paths[i]!, counts[i]!);
		}
	}
}

/** How long an exchange stays "recent" for the slow sample. */
export const recentSlowMs = 60_000;
const slowCapacity = 3;

export type SlowExchange = {readonly exchange: Exchange; readonly latencyMs: number};

/** The slowest exchanges of the last minute (by the exchanges' own clock), at most three. */
export class SlowSample {
	readonly entries: SlowExchange[] = [];
	private floor = -Infinity; // fastest latency kept, once full
	private oldestEndMs = Infinity;

	offer(exchange: Exchange, latencyMs: number): void {
		const {entries} = this;
		if (entries.length >= slowCapacity && latencyMs <= this.floor && exchange.endMs - this.oldestEndMs <= recentSlowMs) {
			return; // the common case: not slower than anything kept, nothing kept has aged out
		}
		if (entries.length < slowCapacity) {
			entries.push({exchange, latencyMs});
		} else {
			let replace = 0;
			for (let i = 1; i < entries.length; i++) {
				const entry = entries[i]!;
				const current = entries[replace]!;
				const aged = exchange.endMs - entry.exchange.endMs > recentSlowMs;
				const currentAged = exchange.endMs - current.exchange.endMs > recentSlowMs;
				if ((aged && !currentAged) || (aged === currentAged && entry.latencyMs < current.latencyMs)) {
					replace = i;
				}
			}
			const current = entries[replace]!;
			if (latencyMs <= current.latencyMs && exchange.endMs - current.exchange.endMs <= recentSlowMs) {
				return;
			}
			entries[replace] = {exchange, latencyMs};
		}
		this.floor = entries.length >= slowCapacity ? Math.min(...entries.map(entry => entry.latencyMs)) : -Infinity;
		this.oldestEndMs = Math.min(...entries.map(entry => entry.exchange.endMs));
	}

	merge(other: SlowSample): void {
		for (const entry of other.entries) {
			this.offer(entry.exchange, entry.latencyMs);
		}
	}
}
