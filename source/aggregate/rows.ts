// From cells to rows: which row a cell falls in under each grouping, and the
// figures of a row made of one or more cells (sums, merged sketches, summed
// per-second rings).

import type {Role} from '../http/exchange.js';
import {endpointRowKey, type Cell} from './cell.js';
import {otherLabel} from './cell-table.js';
import {summarizeLatency} from './latency.js';
import type {GroupBy, Row, StatusClasses} from './types.js';
import type {WindowSums} from './windows.js';

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

/** The value all cells share, or null when they differ. */
function common<T>(cells: readonly Cell[], get: (cell: Cell) => T): T | null {
	const first = get(cells[0]!);
	for (let i = 1; i < cells.length; i++) {
		if (get(cells[i]!) !== first) {
			return null;
		}
	}
	return first;
}

const classIndex = (status: number): number => Math.min(4, Math.max(0, Math.floor(status / 100) - 1));

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

/** A row from the cells whose figures add up to it and the cells that say who it is (the same ones, or a row sum's members). */
export function buildRow(key: string, cells: readonly Cell[], members: readonly Cell[], context: RowContext): Row {
	const {groupBy, nowMs, sums} = context;
	const first = members[0] ?? cells[0]!;
	let count = 0;
	let errors = 0;
	let bytesIn = 0;
	let bytesOut = 0;
	let lastSeenMs = -Infinity;
	const classes = [0, 0, 0, 0, 0];
	sums.clear();
	for (const cell of cells) {
		count += cell.count;
		errors += cell.errors;
		bytesIn += cell.bytesIn;
		bytesOut += cell.bytesOut;
		lastSeenMs = Math.max(lastSeenMs, cell.lastSeenMs);
		if (cell.statusCodes === null) {
			classes[classIndex(cell.identity.status)]! += cell.count;
		} else {
			for (const [code, codeCount] of cell.statusCodes) {
				classes[classIndex(code)]! += codeCount;
			}
		}
		cell.windows.addTo(sums, nowMs);
	}
	const rates = sums.rates();
	const single = cells.length === 1 ? cells[0]!.summaries() : null;
	const isOther = first.isOther;
	const status: StatusClasses = {'1xx': classes[0]!, '2xx': classes[1]!, '3xx': classes[2]!, '4xx': classes[3]!, '5xx': classes[4]!};
	const pid = isOther ? null : common(members, cell => cell.identity.pid);
	const comm = isOther ? null : common(members, cell => cell.identity.comm);
	const endpoint = groupBy === 'endpoint' && !isOther;
	return {
		key,
		groupBy,
		label: labelOf(first, groupBy),
		role: common<Role>(members, cell => cell.identity.role),
		method: endpoint ? first.identity.method : null,
		route: endpoint ? first.identity.route : null,
		host: isOther ? null : common(members, cell => cell.identity.host),
		process: pid === null || comm === null ? null : {pid, comm},
		container: isOther ? null : common(members, cell => cell.identity.container),
		isOther,
		count,
		ratePerSec: rates.rate10s,
		rate1s: rates.rate1s,
		rate10s: rates.rate10s,
		rate60s: rates.rate60s,
		rateHistory: rates.rateHistory,
		status,
		errors,
		errorRate: count > 0 ? errors / count : 0,
		latencyMs: single?.latency ?? summarizeLatency(cells.map(cell => cell.latency)),
		ttfbMs: single?.ttfb ?? summarizeLatency(cells.map(cell => cell.ttfb)),
		bytesIn,
		bytesOut,
		bytesInPerSec: rates.bytesInPerSec,
		bytesOutPerSec: rates.bytesOutPerSec,
		lastSeenMs,
		examplePaths: examplePaths(members, context.examplePaths),
	};
}
