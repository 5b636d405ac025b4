// From cells to rows. A row is the cells a grouping put together; each of its
// figures is worked out from them when first read, and kept: a tick reads the
// sort column of every row, and every figure only of the rows a screen shows
// (the aggregator reads those at the tick, so they are what the sort saw); a
// --snapshot report reads all of them once.

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

/** Who a row is (the fields its cells share, null where they differ), and its sums. */
type Summary = {
	readonly role: Role | null;
	readonly host: string | null;
	readonly process: {readonly pid: number; readonly comm: string} | null;
	readonly container: string | null;
	readonly tls: boolean | null;
	readonly protocol: string | null;
	readonly count: number;
	readonly errors: number;
	readonly bytesIn: number;
	readonly bytesOut: number;
	readonly lastSeenMs: number;
	readonly status: StatusClasses;
};

const classes = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** A status code's class (codes out of range count in the nearest). */
const classOf = (status: number): keyof StatusClasses => classes[Math.min(4, Math.max(0, Math.floor(status / 100) - 1))]!;

function summaryOf(cells: readonly Cell[]): Summary {
	const first = cells[0]!.identity;
	let {role, pid, comm, host, container, tls, protocol} = first as {
		role: Role | null; pid: number | null; comm: string | null; host: string | null; container: string | null; tls: boolean | null; protocol: string | null;
	};
	let count = 0;
	let errors = 0;
	let bytesIn = 0;
	let bytesOut = 0;
	let lastSeenMs = -Infinity;
	const status = {'1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0};
	for (const cell of cells) {
		const {identity} = cell;
		role = identity.role === role ? role : null;
		pid = identity.pid === pid ? pid : null;
		comm = identity.comm === comm ? comm : null;
		host = identity.host === host ? host : null;
		container = identity.container === container ? container : null;
		tls = identity.tls === tls ? tls : null;
		protocol = identity.protocol === protocol ? protocol : null;
		count += cell.count;
		errors += cell.errors;
		bytesIn += cell.bytesIn;
		bytesOut += cell.bytesOut;
		lastSeenMs = Math.max(lastSeenMs, cell.lastSeenMs);
		status[classOf(identity.status)] += cell.count;
	}
	const other = first.isOther;
	return {
		role,
		host: other ? null : host,
		process: other || pid === null || comm === null ? null : {pid, comm},
		container: other ? null : container,
		tls,
		protocol,
		count,
		errors,
		bytesIn,
		bytesOut,
		lastSeenMs,
		status,
	};
}

/**
 * A row of a snapshot: its cells, and each figure worked out from them when
 * first read, at the snapshot's clock, then kept. (Each cell a row reads is a
 * cache miss or three, which a tick of 15,000 cells pays for every figure it
 * reads of every row: a sort reads one.)
 */
export class TableRow implements Row {
	private summed: Summary | null = null;
	private recentWindows: WindowSums | null = null;
	private allWindows: WindowSums | null = null;
	private latency: LatencySummary | null = null;
	private p99: number | null = null; // read alone: a filter on latency, then the sort, read it once
	private ttfb: LatencySummary | null = null;
	private paths: readonly string[] | null = null;
	private grpc: ReadonlyArray<{readonly code: number; readonly count: number}> | null = null;

	constructor(readonly key: string, readonly cells: readonly Cell[], private readonly context: RowContext) {}

	get groupBy(): GroupBy {
		return this.context.groupBy;
	}

	get isOther(): boolean {
		return this.cells[0]!.identity.isOther;
	}

	get label(): string {
		return labelOf(this.cells[0]!, this.context.groupBy);
	}

	get method(): string | null {
		return this.context.groupBy === 'endpoint' && !this.isOther ? this.cells[0]!.identity.method : null;
	}

	get route(): string | null {
		return this.context.groupBy === 'endpoint' && !this.isOther ? this.cells[0]!.identity.route : null;
	}

	private summary(): Summary {
		return this.summed ??= summaryOf(this.cells);
	}

	get role(): Role | null {
		return this.summary().role;
	}

	get host(): string | null {
		return this.summary().host;
	}

	get process(): {readonly pid: number; readonly comm: string} | null {
		return this.summary().process;
	}

	get container(): string | null {
		return this.summary().container;
	}

	get tls(): boolean | null {
		return this.summary().tls;
	}

	get protocol(): string | null {
		return this.summary().protocol;
	}

	get count(): number {
		return this.summary().count;
	}

	get errors(): number {
		return this.summary().errors;
	}

	get bytesIn(): number {
		return this.summary().bytesIn;
	}

	get bytesOut(): number {
		return this.summary().bytesOut;
	}

	get lastSeenMs(): number {
		return this.summary().lastSeenMs;
	}

	get status(): StatusClasses {
		return this.summary().status;
	}

	get grpcStatusCodes(): ReadonlyArray<{readonly code: number; readonly count: number}> {
		return this.grpc ??= codeCounts(this.cells, cell => cell.identity.grpcStatus);
	}

	get errorRate(): number {
		return this.count > 0 ? this.errors / this.count : 0;
	}

	/**
	 * The windows of all the cells at the tick's clock: the requests of the
	 * last 10 s alone (what a sort by rate reads of every row), or everything
	 * a view shows, in one pass over each ring.
	 */
	private windows(all: boolean): WindowSums {
		if (this.allWindows !== null || all) {
			return this.allWindows ??= this.sumWindows(true);
		}
		return this.recentWindows ??= this.sumWindows(false);
	}

	private sumWindows(all: boolean): WindowSums {
		const sums = new WindowSums(this.context.nowMs);
		for (const cell of this.cells) {
			sums.addRequests(cell.ring, all);
			if (all) {
				sums.addBytes(cell.ring);
			}
		}
		return sums;
	}

	get ratePerSec(): number {
		return this.rate10s;
	}

	get rate1s(): number {
		return this.windows(false).count1;
	}

	get rate10s(): number {
		return this.windows(false).count10 / windowSeconds(10, this.context.watchedS);
	}

	get bytesInPerSec(): number {
		return this.windows(true).bytesIn10 / windowSeconds(10, this.context.watchedS);
	}

	get bytesOutPerSec(): number {
		return this.windows(true).bytesOut10 / windowSeconds(10, this.context.watchedS);
	}

	get rate60s(): number {
		return this.windows(true).count60 / windowSeconds(60, this.context.watchedS);
	}

	get rateHistory(): readonly number[] {
		return this.windows(true).history;
	}

	get latencyMs(): LatencySummary {
		return this.latency ??= summarizeLatency(this.cells.map(cell => cell.latency));
	}

	/** p99 total time alone: what sorting or filtering every row by it reads. */
	latencyP99(): number {
		return this.p99 ??= this.latency?.p99 ?? latencyP99(this.cells.map(cell => cell.latency));
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
		void this.summary();
		void this.windows(true);
		void this.latencyMs;
		void this.ttfbMs;
		void this.examplePaths;
		void this.grpcStatusCodes;
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
