// From cells to rows: which row a cell falls in under each grouping, and the
// figures of a row made of one or more cells (sums, merged sketches, summed
// per-second rings).

import type {Role} from '../http/exchange.js';
import {endpointRowKey, sharedIdentity, statusClassIndex, type Cell} from './cell.js';
import {otherLabel} from './cell-table.js';
import {summarizeLatency} from './latency.js';
import type {GroupBy, LatencySummary, Row, StatusClasses} from './types.js';
import {WindowSums, type WindowRates} from './windows.js';

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
			return identity.peer ?? '(unknown)';
		}
		case 'status': {
			return String(identity.status);
		}
	}
}

export type RowContext = {
	readonly groupBy: GroupBy;
	readonly nowMs: number;
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

/** Requests per second over the last 60 whole seconds of the cells, oldest first. */
function historyOf(cells: readonly Cell[], nowMs: number): number[] {
	const sums = new WindowSums();
	sums.clear(true);
	for (const cell of cells) {
		cell.windows.addTo(sums, nowMs);
	}
	return sums.history!;
}

/**
 * A row as a tick builds it. Figures a tick seldom reads of every row (the
 * sparkline of the rows on screen, rates, status classes, latency and
 * time-to-first-byte quantiles, example paths) are prototype getters,
 * worked out when first read, from the same cells at the tick's clock (so they
 * include what the cells took in between, which the view reads within the same
 * tick): a tick of thousands of rows pays only for what it sorts and shows. (A class, not an
 * object literal with getters: those cost a closure each, per row.)
 */
class BuiltRow implements Row {
	readonly key: string;
	readonly groupBy: GroupBy;
	readonly label: string;
	readonly role: Role | null;
	readonly method: string | null;
	readonly route: string | null;
	readonly host: string | null;
	readonly process: {readonly pid: number; readonly comm: string} | null;
	readonly container: string | null;
	readonly isOther: boolean;
	readonly count: number;
	readonly errors: number;
	readonly errorRate: number;
	readonly bytesIn: number;
	readonly bytesOut: number;
	readonly lastSeenMs: number;
	private rates: WindowRates | null = null;
	private classes: StatusClasses | null = null;
	private latency: LatencySummary | null = null;
	private ttfb: LatencySummary | null = null;
	private history: readonly number[] | null = null;
	private paths: readonly string[] | null = null;

	constructor(
		key: string,
		private readonly cells: readonly Cell[],
		private readonly members: readonly Cell[],
		private readonly context: RowContext,
	) {
		const {groupBy} = context;
		const first = members[0] ?? cells[0]!;
		let count = 0;
		let errors = 0;
		let bytesIn = 0;
		let bytesOut = 0;
		let lastSeenMs = -Infinity;
		for (const cell of cells) {
			count += cell.count;
			errors += cell.errors;
			bytesIn += cell.bytesIn;
			bytesOut += cell.bytesOut;
			lastSeenMs = Math.max(lastSeenMs, cell.lastSeenMs);
		}
		const isOther = first.isOther;
		const endpoint = groupBy === 'endpoint' && !isOther;
		const {pid, comm, role, host, container} = cells.length === 1 && cells[0]!.members === members && members.length > 0
			? cells[0]!.membersShare()
			: sharedIdentity(members.length > 0 ? members : cells);
		this.key = key;
		this.groupBy = groupBy;
		this.label = labelOf(first, groupBy);
		this.role = role;
		this.method = endpoint ? first.identity.method : null;
		this.route = endpoint ? first.identity.route : null;
		this.host = isOther ? null : host;
		this.process = isOther || pid === null || comm === null ? null : {pid, comm};
		this.container = isOther ? null : container;
		this.isOther = isOther;
		this.count = count;
		this.errors = errors;
		this.errorRate = count > 0 ? errors / count : 0;
		this.bytesIn = bytesIn;
		this.bytesOut = bytesOut;
		this.lastSeenMs = lastSeenMs;
	}

	/** The sliding windows of all the cells, at the tick's clock. */
	private windowRates(): WindowRates {
		if (this.rates === null) {
			const {sums, nowMs} = this.context;
			sums.clear(false);
			for (const cell of this.cells) {
				cell.windows.addTo(sums, nowMs);
			}
			this.rates = sums.rates();
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

	get rate60s(): number {
		return this.windowRates().rate60s;
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
		const {cells} = this;
		return this.latency ??= cells.length === 1 ? cells[0]!.latencySummary() : summarizeLatency(cells.map(cell => cell.latency));
	}

	/** p99 total time: all a sort or filter by p99 reads of most rows (a row of one sketch walks only its tail). */
	latencyP99(): number {
		const {cells} = this;
		return this.latency === null && cells.length === 1 ? cells[0]!.latencyP99() : this.latencyMs.p99;
	}

	get ttfbMs(): LatencySummary {
		const {cells} = this;
		return this.ttfb ??= cells.length === 1 ? cells[0]!.ttfbSummary() : summarizeLatency(cells.map(cell => cell.ttfb));
	}

	get rateHistory(): readonly number[] {
		return this.history ??= historyOf(this.cells, this.context.nowMs);
	}

	get examplePaths(): readonly string[] {
		return this.paths ??= examplePaths(this.members, this.context.examplePaths);
	}
}

/** A row's p99 total time, cheaply when the aggregator built the row. */
export const rowLatencyP99 = (row: Row): number => row instanceof BuiltRow ? row.latencyP99() : row.latencyMs.p99;

/** A row from the cells whose figures add up to it and the cells that say who it is (the same ones, or a row sum's members). */
export const buildRow = (key: string, cells: readonly Cell[], members: readonly Cell[], context: RowContext): Row =>
	new BuiltRow(key, cells, members, context);
