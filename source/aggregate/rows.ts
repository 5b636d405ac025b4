// From cells to rows: which row a cell falls in under each grouping, and the
// figures of a row made of one or more cells (sums, merged sketches, summed
// per-second rings).

import type {Role} from '../http/exchange.js';
import {endpointRowKey, sharedIdentity, statusClassIndex, type Cell} from './cell.js';
import {otherLabel} from './cell-table.js';
import {keptP99, keptSummary, summarizeLatency} from './latency.js';
import type {GroupBy, LatencySummary, Row, StatusClasses} from './types.js';
import {addHeadWindows, WindowSums, type WindowRates} from './windows.js';

const separator = '\u001F';

const groupKeyMakers: Record<GroupBy, (cell: Cell) => string> = {
	endpoint: ({identity}) => endpointRowKey(identity),
	process: ({identity}) => `${identity.pid}${separator}${identity.comm}`,
	container: ({identity}) => identity.container ?? '',
	host: ({identity}) => identity.host ?? '',
	peer: ({identity}) => identity.peer ?? '',
	status: ({identity}) => String(identity.status),
};

/** The key of the row a cell falls in; every "(other)" cell falls in the one "(other)" row. */
export const groupKeyOf = (cell: Cell, groupBy: GroupBy): string =>
	cell.isOther ? otherLabel : cell.groupKey(groupBy, groupKeyMakers[groupBy]);

function labelOf(cell: Cell, groupBy: GroupBy): string {
	const {identity} = cell;
	if (cell.isOther) {
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

export type RowContext = {
	readonly groupBy: GroupBy;
	readonly nowMs: number;
	/** Seconds watched by nowMs (since tracing started, or the first exchange): windows longer than it divide by it. */
	readonly watchedS: number;
	readonly examplePaths: number;
	readonly sums: WindowSums; // scratch, reused for every row
};

const byCount = (a: {path: string; count: number}, b: {path: string; count: number}): number =>
	b.count - a.count || (a.path < b.path ? -1 : (a.path > b.path ? 1 : 0));

/** The most counted raw paths of the cells, most counted first. */
export function topPaths(cells: readonly Cell[], limit: number): Array<{path: string; count: number}> {
	if (cells.length === 1) {
		const {paths, counts} = cells[0]!.paths;
		return paths.map((path, index) => ({path, count: counts[index]!})).sort(byCount).slice(0, limit);
	}
	const counts = new Map<string, number>();
	for (const cell of cells) {
		const {paths, counts: pathCounts} = cell.paths;
		for (let i = 0; i < paths.length; i++) {
			counts.set(paths[i]!, (counts.get(paths[i]!) ?? 0) + pathCounts[i]!);
		}
	}
	return [...counts].map(([path, count]) => ({path, count})).sort(byCount).slice(0, limit);
}

/** Up to `limit` sampled raw paths of the cells, without counting them (the detail view counts). */
function examplePaths(cells: readonly Cell[], limit: number): string[] {
	if (cells.length === 1) {
		return cells[0]!.paths.paths.slice(0, limit);
	}
	const paths = new Set<string>();
	for (const cell of cells) {
		for (const path of cell.paths.paths) {
			if (paths.size >= limit) {
				return [...paths];
			}
			paths.add(path);
		}
	}
	return [...paths];
}

/** The last minute of the cells: the 60 s rate, and requests per whole second, oldest first. */
function minuteOf(cells: readonly Cell[], nowMs: number, watchedS: number): {readonly rate60s: number; readonly history: readonly number[]} {
	const sums = new WindowSums();
	sums.clear(true);
	for (const cell of cells) {
		cell.windows.addTo(sums, nowMs);
	}
	return {rate60s: sums.rate60s(watchedS), history: sums.history!};
}

/** A row's sums over its cells: count, errors, bytes, last seen. */
type RowSums = {count: number; errors: number; bytesIn: number; bytesOut: number; lastSeenMs: number};

/** Who a row is: the fields its cells share. */
type RowIdentity = {
	readonly label: string;
	readonly role: Role | null;
	readonly method: string | null;
	readonly route: string | null;
	readonly host: string | null;
	readonly process: {readonly pid: number; readonly comm: string} | null;
	readonly container: string | null;
};

/**
 * A row as a tick builds it. Every figure, and who the row is, are prototype
 * getters worked out when first read, from the same cells at the tick's clock
 * (so they include what the cells took in between, which the view reads
 * within the same tick): a tick sorting thousands of rows by one column reads
 * that column of each, and everything only of the rows it shows (the
 * aggregator reads those at the tick). Each cell a row reads is a cache miss
 * a tick of 5,000 rows pays 5,000 times. (A class, not an object literal with
 * getters: those cost a closure each, per row.)
 */
class BuiltRow implements Row {
	private sums: RowSums | null = null;
	private identity: RowIdentity | null = null;
	private rates: WindowRates | null = null;
	private minute: {readonly rate60s: number; readonly history: readonly number[]} | null = null;
	private classes: StatusClasses | null = null;
	private latency: LatencySummary | null = null;
	private ttfb: LatencySummary | null = null;
	private paths: readonly string[] | null = null;

	/**
	 * A row of one cell (a row sum, most often): that cell's figures array and
	 * where its parts start, read here, as the tick builds rows in table
	 * order. A later read in sorted order (the sort's, then every figure's)
	 * goes from the row to the array, not row, cell list, cell, array: each
	 * hop is a cache miss that waits for the one before it.
	 */
	private readonly soleFigures: Float64Array | null;
	private readonly soleKeepsQuantiles: boolean;
	private readonly soleTtfbAt: number;
	private readonly soleWindowsAt: number;

	constructor(
		readonly key: string,
		/** The cells whose figures add up to the row. */
		readonly cells: readonly Cell[],
		private readonly members: readonly Cell[],
		private readonly context: RowContext,
		private readonly difference: LatencyDifference | null,
	) {
		const sole = cells.length === 1 ? cells[0]! : null;
		this.soleFigures = sole === null ? null : sole.figures;
		this.soleKeepsQuantiles = sole !== null && sole.keepsQuantiles;
		this.soleTtfbAt = sole === null ? 0 : sole.ttfbAt;
		this.soleWindowsAt = sole === null ? 0 : sole.windowsAt;
	}

	get groupBy(): GroupBy {
		return this.context.groupBy;
	}

	get isOther(): boolean {
		return (this.members[0] ?? this.cells[0]!).isOther;
	}

	private summed(): RowSums {
		if (this.sums === null) {
			let count = 0;
			let errors = 0;
			let bytesIn = 0;
			let bytesOut = 0;
			let lastSeenMs = -Infinity;
			for (const cell of this.cells) {
				count += cell.count;
				errors += cell.errors;
				bytesIn += cell.bytesIn;
				bytesOut += cell.bytesOut;
				lastSeenMs = Math.max(lastSeenMs, cell.lastSeenMs);
			}
			this.sums = {count, errors, bytesIn, bytesOut, lastSeenMs};
		}
		return this.sums;
	}

	get count(): number {
		return this.summed().count;
	}

	get errors(): number {
		return this.summed().errors;
	}

	get errorRate(): number {
		const {count, errors} = this.summed();
		return count > 0 ? errors / count : 0;
	}

	get bytesIn(): number {
		return this.summed().bytesIn;
	}

	get bytesOut(): number {
		return this.summed().bytesOut;
	}

	get lastSeenMs(): number {
		return this.summed().lastSeenMs;
	}

	private identified(): RowIdentity {
		if (this.identity === null) {
			const {cells, members} = this;
			const {groupBy} = this.context;
			const first = members[0] ?? cells[0]!;
			const {isOther} = first;
			const endpoint = groupBy === 'endpoint' && !isOther;
			const {pid, comm, role, host, container} = cells.length === 1 && cells[0]!.members === members && members.length > 0
				? cells[0]!.membersShare()
				: sharedIdentity(cells); // the members are the figures' (a row sum's members, or the cell)
			this.identity = {
				label: labelOf(first, groupBy),
				role,
				method: endpoint ? first.identity.method : null,
				route: endpoint ? first.identity.route : null,
				host: isOther ? null : host,
				process: isOther || pid === null || comm === null ? null : {pid, comm},
				container: isOther ? null : container,
			};
		}
		return this.identity;
	}

	get label(): string {
		return this.identified().label;
	}

	get role(): Role | null {
		return this.identified().role;
	}

	get method(): string | null {
		return this.identified().method;
	}

	get route(): string | null {
		return this.identified().route;
	}

	get host(): string | null {
		return this.identified().host;
	}

	get process(): {readonly pid: number; readonly comm: string} | null {
		return this.identified().process;
	}

	get container(): string | null {
		return this.identified().container;
	}

	/** Reads now what a view shows of the row, so that it is what the sort saw. */
	materialize(): void {
		this.summed();
		this.identified();
		void this.latencyMs;
		void this.ratePerSec;
		void this.status;
	}

	/** The 1 s and 10 s windows of all the cells, at the tick's clock. */
	private windowRates(): WindowRates {
		if (this.rates === null) {
			const {sums, nowMs} = this.context;
			const {soleFigures} = this;
			sums.clear(false);
			if (soleFigures !== null) {
				if (!addHeadWindows(soleFigures, this.soleWindowsAt, nowMs, sums)) {
					this.cells[0]!.windows.addTo(sums, nowMs, true);
				}
			} else {
				for (const cell of this.cells) {
					if (!addHeadWindows(cell.figures, cell.windowsAt, nowMs, sums)) {
						cell.windows.addTo(sums, nowMs, true);
					}
				}
			}
			this.rates = sums.rates(this.context.watchedS);
		}
		return this.rates;
	}

	get ratePerSec(): number {
		return this.windowRates().rate10s;
	}

	get rate1s(): number {
		return this.windowRates().rate1s;
	}

	get rate10s(): number {
		return this.windowRates().rate10s;
	}

	/** The 60 s window and the sparkline read a minute of each ring, so only when asked for, and together. */
	private lastMinute(): {readonly rate60s: number; readonly history: readonly number[]} {
		return this.minute ??= minuteOf(this.cells, this.context.nowMs, this.context.watchedS);
	}

	get rate60s(): number {
		return this.lastMinute().rate60s;
	}

	get bytesInPerSec(): number {
		return this.windowRates().bytesInPerSec;
	}

	get bytesOutPerSec(): number {
		return this.windowRates().bytesOutPerSec;
	}

	get status(): StatusClasses {
		if (this.classes === null) {
			const classes = [0, 0, 0, 0, 0];
			for (const cell of this.cells) {
				const cellClasses = cell.statusClasses;
				if (cellClasses === null) {
					classes[statusClassIndex(cell.identity.status)]! += cell.count;
				} else {
					for (let i = 0; i < 5; i++) {
						classes[i]! += cellClasses[i]!;
					}
				}
			}
			this.classes = {'1xx': classes[0]!, '2xx': classes[1]!, '3xx': classes[2]!, '4xx': classes[3]!, '5xx': classes[4]!};
		}
		return this.classes;
	}

	get latencyMs(): LatencySummary {
		if (this.latency === null) {
			const {cells, soleFigures} = this;
			this.latency = (soleFigures !== null && this.soleKeepsQuantiles ? keptSummary(soleFigures, 0) : null)
				?? (cells.length === 1 ? cells[0]!.latencySummary() : (this.difference?.latency() ?? summarizeLatency(cells.map(cell => cell.latency))));
		}
		return this.latency;
	}

	/** p99 total time: all a sort or filter by p99 reads of most rows (a row of one sketch reads the p99 it keeps). */
	latencyP99(): number {
		const {soleFigures} = this;
		if (this.latency === null && soleFigures !== null) {
			const kept = keptP99(soleFigures, 0);
			return Number.isNaN(kept) ? this.cells[0]!.latencyP99() : kept;
		}
		return this.latencyMs.p99;
	}

	get ttfbMs(): LatencySummary {
		if (this.ttfb === null) {
			const {cells, soleFigures} = this;
			this.ttfb = (soleFigures !== null && this.soleKeepsQuantiles ? keptSummary(soleFigures, this.soleTtfbAt) : null)
				?? (cells.length === 1 ? cells[0]!.ttfbSummary() : (this.difference?.ttfb() ?? summarizeLatency(cells.map(cell => cell.ttfb))));
		}
		return this.ttfb;
	}

	get rateHistory(): readonly number[] {
		return this.lastMinute().history;
	}

	get examplePaths(): readonly string[] {
		return this.paths ??= examplePaths(this.members, this.context.examplePaths);
	}
}

/** A row's p99 total time, cheaply when the aggregator built the row. */
export const rowLatencyP99 = (row: Row): number => row instanceof BuiltRow ? row.latencyP99() : row.latencyMs.p99;

/**
 * A row's quantiles worked out other than by merging its cells' sketches:
 * for a row holding most of a table, as the table less every other row.
 */
export type LatencyDifference = {readonly latency: () => LatencySummary; readonly ttfb: () => LatencySummary};

/** A row from the cells whose figures add up to it and the cells that say who it is (the same ones, or a row sum's members). */
export const buildRow = (key: string, cells: readonly Cell[], members: readonly Cell[], context: RowContext, difference: LatencyDifference | null = null): Row =>
	new BuiltRow(key, cells, members, context, difference);

/** Where a sort may keep a row's key rank: the row's one cell, when the row's key is that cell's own. */
export const rankHolderOf = (row: Row): Cell | null => {
	if (row instanceof BuiltRow && row.cells.length === 1) {
		const cell = row.cells[0]!;
		return cell.rowKey === row.key ? cell : null;
	}
	return null;
};

/** Reads a row's figures now (see BuiltRow). */
export const materializeRow = (row: Row): void => {
	if (row instanceof BuiltRow) {
		row.materialize();
	}
};
