// From cells to rows. A row is the cells a grouping put together. What is
// cheap (counts, bytes, status classes, who the row is) is added up when the
// row is made; rates and quantiles are worked out when first read, and kept:
// a tick reads the sort column of every row, and every figure only of the rows
// a screen shows (the aggregator reads those at the tick, so they are what
// the sort saw), and a --snapshot report reads all of them once.

import type {Exchange, Role} from '../http/exchange.js';
import {otherLabel, type Cell} from './cell.js';
import {latencyP99, summarizeLatency} from './latency.js';
import {recentSlowMs} from './samples.js';
import type {GroupBy, LatencySummary, Row, StatusClasses} from './types.js';
import {WindowSums, windowSeconds} from './windows.js';

export type RowContext = {
	readonly groupBy: GroupBy;
	readonly nowMs: number;
	/** Seconds watched by nowMs (since tracing started, or the first exchange): windows longer than it divide by it. */
	readonly watchedS: number;
	readonly examplePaths: number;
};

function labelOf(cell: Cell, groupBy: GroupBy): string {
	const {identity} = cell;
	if (identity.isOther) {
		return otherLabel;
	}
	switch (groupBy) {
		case 'endpoint': {
			return identity.route;
		}
		case 'process': {
			return `${identity.comm}[${identity.pid}]`;
		}
		case 'container': {
			return identity.container ?? '(host)';
		}
		case 'host': {
			return identity.host ?? '(no Host)';
		}
		case 'peer': {
			// '': a unix socket's client, which has no name
			return identity.peer === null ? '(unknown)' : (identity.peer === '' ? '(unnamed)' : identity.peer);
		}
		case 'status': {
			return String(identity.status);
		}
	}
}

/** The value all cells share, or null. */
function shared<T>(cells: readonly Cell[], get: (cell: Cell) => T): T | null {
	const first = get(cells[0]!);
	for (let i = 1; i < cells.length; i++) {
		if (get(cells[i]!) !== first) {
			return null;
		}
	}
	return first;
}

type Rates = {rate1s: number; rate10s: number; bytesInPerSec: number; bytesOutPerSec: number};

export class TableRow implements Row {
	readonly groupBy: GroupBy;
	readonly label: string;
	readonly isOther: boolean;
	readonly role: Role | null;
	readonly method: string | null;
	readonly route: string | null;
	readonly host: string | null;
	readonly process: {readonly pid: number; readonly comm: string} | null;
	readonly container: string | null;
	readonly tls: boolean | null;
	readonly protocol: string | null;
	readonly count: number = 0;
	readonly errors: number = 0;
	readonly bytesIn: number = 0;
	readonly bytesOut: number = 0;
	readonly lastSeenMs: number = -Infinity;
	readonly status: StatusClasses;
	private rates: Rates | null = null;
	private minute: WindowSums | null = null;
	private latency: LatencySummary | null = null;
	private ttfb: LatencySummary | null = null;
	private paths: readonly string[] | null = null;

	constructor(readonly key: string, readonly cells: readonly Cell[], private readonly context: RowContext) {
		const first = cells[0]!;
		const {groupBy} = context;
		this.groupBy = groupBy;
		this.label = labelOf(first, groupBy);
		this.isOther = first.identity.isOther;
		const endpoint = groupBy === 'endpoint' && !this.isOther;
		this.role = shared(cells, cell => cell.identity.role);
		this.method = endpoint ? first.identity.method : null;
		this.route = endpoint ? first.identity.route : null;
		const pid = shared(cells, cell => cell.identity.pid);
		const comm = shared(cells, cell => cell.identity.comm);
		this.host = this.isOther ? null : shared(cells, cell => cell.identity.host);
		this.process = this.isOther || pid === null || comm === null ? null : {pid, comm};
		this.container = this.isOther ? null : shared(cells, cell => cell.identity.container);
		this.tls = shared(cells, cell => cell.identity.tls);
		this.protocol = shared(cells, cell => cell.identity.protocol);
		const classes = [0, 0, 0, 0, 0];
		for (const cell of cells) {
			this.count += cell.count;
			this.errors += cell.errors;
			this.bytesIn += cell.bytesIn;
			this.bytesOut += cell.bytesOut;
			this.lastSeenMs = Math.max(this.lastSeenMs, cell.lastSeenMs);
			// 0 for 1xx ... 4 for 5xx (codes out of range count in the nearest class)
			classes[Math.min(4, Math.max(0, Math.floor(cell.identity.status / 100) - 1))]! += cell.count;
		}
		this.status = {'1xx': classes[0]!, '2xx': classes[1]!, '3xx': classes[2]!, '4xx': classes[3]!, '5xx': classes[4]!};
	}

	get errorRate(): number {
		return this.count > 0 ? this.errors / this.count : 0;
	}

	/** The 1 s and 10 s windows and the byte rates, at the tick's clock. */
	private recent(): Rates {
		if (this.rates === null) {
			const sums = new WindowSums();
			for (const cell of this.cells) {
				sums.add(cell.ring, this.context.nowMs);
			}
			const seconds = windowSeconds(10, this.context.watchedS);
			this.rates = {rate1s: sums.count1, rate10s: sums.count10 / seconds, bytesInPerSec: sums.bytesIn10 / seconds, bytesOutPerSec: sums.bytesOut10 / seconds};
		}
		return this.rates;
	}

	get ratePerSec(): number {
		return this.recent().rate10s;
	}

	get rate1s(): number {
		return this.recent().rate1s;
	}

	get rate10s(): number {
		return this.recent().rate10s;
	}

	get bytesInPerSec(): number {
		return this.recent().bytesInPerSec;
	}

	get bytesOutPerSec(): number {
		return this.recent().bytesOutPerSec;
	}

	/** The 60 s window and the sparkline read a minute of each ring: only when asked for, and together. */
	private lastMinute(): WindowSums {
		if (this.minute === null) {
			this.minute = new WindowSums(true);
			for (const cell of this.cells) {
				this.minute.add(cell.ring, this.context.nowMs, true);
			}
		}
		return this.minute;
	}

	get rate60s(): number {
		return this.lastMinute().count60 / windowSeconds(60, this.context.watchedS);
	}

	get rateHistory(): readonly number[] {
		return this.lastMinute().history!;
	}

	get latencyMs(): LatencySummary {
		return this.latency ??= summarizeLatency(this.cells.map(cell => cell.latency));
	}

	/** p99 total time alone: what sorting or filtering every row by it reads. */
	latencyP99(): number {
		return this.latency === null ? latencyP99(this.cells.map(cell => cell.latency)) : this.latency.p99;
	}

	get ttfbMs(): LatencySummary {
		return this.ttfb ??= summarizeLatency(this.cells.map(cell => cell.ttfb));
	}

	get examplePaths(): readonly string[] {
		if (this.paths === null) {
			const paths = new Set<string>();
			for (const cell of this.cells) {
				for (const path of cell.paths.paths) {
					if (paths.size < this.context.examplePaths) {
						paths.add(path);
					}
				}
			}
			this.paths = [...paths];
		}
		return this.paths;
	}

	/** Works out now every figure a view shows, so that they are what the sort saw. */
	materialize(): void {
		void this.recent();
		void this.lastMinute();
		void this.latencyMs;
		void this.ttfbMs;
		void this.examplePaths;
	}
}

/** A row's p99 total time, cheaply when the aggregator built the row. */
export const rowLatencyP99 = (row: Row): number => row instanceof TableRow ? row.latencyP99() : row.latencyMs.p99;

const byCount = (a: {path: string; count: number}, b: {path: string; count: number}): number =>
	b.count - a.count || (a.path < b.path ? -1 : (a.path > b.path ? 1 : 0));

/** The most counted raw paths of the cells, most counted first. */
export function topPaths(cells: readonly Cell[], limit: number): Array<{path: string; count: number}> {
	const counts = new Map<string, number>();
	for (const cell of cells) {
		const {paths, counts: pathCounts} = cell.paths;
		for (let i = 0; i < paths.length; i++) {
			counts.set(paths[i]!, (counts.get(paths[i]!) ?? 0) + pathCounts[i]!);
		}
	}
	return [...counts].map(([path, count]) => ({path, count})).sort(byCount).slice(0, limit);
}

/** How many of the cells' exchanges had each code (status or gRPC status), by code. */
export function codeCounts(cells: readonly Cell[], codeOf: (cell: Cell) => number | null): Array<{code: number; count: number}> {
	const counts = new Map<number, number>();
	for (const cell of cells) {
		const code = codeOf(cell);
		if (code !== null) {
			counts.set(code, (counts.get(code) ?? 0) + cell.count);
		}
	}
	return [...counts].map(([code, count]) => ({code, count})).sort((a, b) => a.code - b.code);
}

/** The `limit` slowest exchanges of the cells' slow samples that ended at or after nowMs - recentSlowMs and that `keep` keeps, slowest first. */
export function slowestRecent(cells: readonly Cell[], nowMs: number, limit: number, keep: (exchange: Exchange) => boolean): Exchange[] {
	const entries = cells.flatMap(cell => cell.slow.entries)
		.filter(entry => entry.exchange.endMs >= nowMs - recentSlowMs && keep(entry.exchange));
	return entries.sort((a, b) => b.latencyMs - a.latencyMs).slice(0, limit).map(entry => entry.exchange);
}
