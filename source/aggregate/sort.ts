// Sorting rows by any column, either direction, stably: ties (and equal
// values) fall back to the row key, always ascending, so rows with the same
// figures keep their places from one tick to the next.

import {rankHolderOf, rowLatencyP99} from './rows.js';
import type {Row, Sort, SortColumn} from './types.js';

/** Every column a view can sort by, in the order a UI cycles through them. */
export const sortColumns: readonly SortColumn[] = [
	'rate', 'count', 'errors', 'errorRate', 'p50', 'p90', 'p99', 'max', 'mean', 'ttfb',
	'bytesIn', 'bytesOut', 'lastSeen', 'key', 'method', 'process',
];

type Extract = (row: Row) => number | string;

/** What each column compares; `ttfb` is the p99 time to first byte, `key` the label the row shows. */
const extractors: Record<SortColumn, Extract> = {
	rate: row => row.ratePerSec,
	count: row => row.count,
	errors: row => row.errors,
	errorRate: row => row.errorRate,
	p50: row => row.latencyMs.p50,
	p90: row => row.latencyMs.p90,
	p99: rowLatencyP99,
	max: row => row.latencyMs.max,
	mean: row => row.latencyMs.mean,
	ttfb: row => row.ttfbMs.p99,
	bytesIn: row => row.bytesIn,
	bytesOut: row => row.bytesOut,
	lastSeen: row => row.lastSeenMs,
	key: row => row.label,
	method: row => row.method ?? '',
	process: row => row.process === null ? '' : row.process.comm + '\u0000' + String(row.process.pid).padStart(10, '0'),
};

const compareValues = (a: number | string, b: number | string): number => {
	if (typeof a === 'number' && typeof b === 'number') {
		// NaN sorts as the smallest value rather than poisoning the order.
		const left = Number.isNaN(a) ? -Infinity : a;
		const right = Number.isNaN(b) ? -Infinity : b;
		return left < right ? -1 : (left > right ? 1 : 0);
	}
	const left = String(a);
	const right = String(b);
	return left < right ? -1 : (left > right ? 1 : 0);
};

const compareKeys = (a: Row, b: Row): number => a.key < b.key ? -1 : (a.key > b.key ? 1 : 0);

export function compareRows(sort: Sort): (a: Row, b: Row) => number {
	const extract = extractors[sort.column];
	const direction = sort.descending ? -1 : 1;
	return (a, b) => (direction * compareValues(extract(a), extract(b))) || compareKeys(a, b);
}

/**
 * The ascending order of row keys, as numbers, kept from tick to tick: ties
 * (frequent: quantiles fall on sketch buckets) compare two numbers instead of
 * two long keys. Rebuilt, with one string sort, only when a key it has not
 * ranked shows up; the rebuild also forgets keys that are gone. A row whose
 * key is its cell's own (an endpoint row) keeps its rank on that cell, which
 * the tick reads anyway: a map lookup by a long key is cache misses, per row.
 */
export class KeyOrder {
	private ranks = new Map<string, number>();
	/** Bumped on every rebuild: ranks kept on cells before it are stale. */
	private generation = 0;

	/** The rank of each row's key, in the rows' order (integers: a comparator returning them boxes nothing). */
	of(rows: readonly Row[]): Int32Array {
		const ranks = new Int32Array(rows.length);
		for (let i = 0; i < rows.length; i++) {
			const row = rows[i]!;
			const holder = rankHolderOf(row);
			if (holder !== null && holder.rankOrder === this && holder.rankGeneration === this.generation) {
				ranks[i] = holder.rank;
				continue;
			}
			const rank = this.ranks.get(row.key);
			if (rank === undefined) {
				return this.rebuild(rows);
			}
			ranks[i] = rank;
			if (holder !== null) {
				holder.rankOrder = this;
				holder.rankGeneration = this.generation;
				holder.rank = rank;
			}
		}
		return ranks;
	}

	private rebuild(rows: readonly Row[]): Int32Array {
		const keys = rows.map(row => row.key).sort((a, b) => a < b ? -1 : (a > b ? 1 : 0));
		this.ranks = new Map();
		this.generation++;
		for (let i = 0; i < keys.length; i++) {
			this.ranks.set(keys[i]!, i);
		}
		return Int32Array.from(rows, row => this.ranks.get(row.key)!);
	}
}

/** The columns whose values are text; every other is a number. */
const textColumns = new Set<SortColumn>(['key', 'method', 'process']);

/**
 * A sorted copy. `order`, kept by the caller across calls, makes ties cheap.
 * Values are extracted once per row, not once per comparison, and row indices
 * sorted. A figure goes straight into a Float64Array and comparators return
 * -1, 0, 1 or a difference of integer ranks: a fractional number held in an
 * ordinary array or returned to the sort is a heap allocation, and a tick
 * makes some 60,000 comparisons at 5,000 rows.
 */
export function sortRows(rows: readonly Row[], sort: Sort, order: KeyOrder = new KeyOrder()): Row[] {
	const extract = extractors[sort.column];
	const direction = sort.descending ? -1 : 1;
	const ranks = order.of(rows);
	const count = rows.length;
	// Plain loops: the mapping forms of Array.from and Float64Array.from call back per element.
	const indices: number[] = new Array<number>(count);
	for (let i = 0; i < count; i++) {
		indices[i] = i;
	}
	if (textColumns.has(sort.column)) {
		const values: string[] = new Array<string>(count);
		for (let i = 0; i < count; i++) {
			values[i] = extract(rows[i]!) as string;
		}
		indices.sort((a, b) => (direction * compareValues(values[a]!, values[b]!)) || ranks[a]! - ranks[b]!);
	} else {
		// NaN as the smallest value; equal values, infinities included, fall back to the key.
		const numbers = new Float64Array(count);
		for (let i = 0; i < count; i++) {
			const value = extract(rows[i]!) as number;
			numbers[i] = Number.isNaN(value) ? -Infinity : value;
		}
		indices.sort((a, b) => {
			const left = numbers[a]!;
			const right = numbers[b]!;
			return left < right ? -direction : (left > right ? direction : ranks[a]! - ranks[b]!);
		});
	}
	const sorted: Row[] = new Array<Row>(count);
	for (let i = 0; i < count; i++) {
		sorted[i] = rows[indices[i]!]!;
	}
	return sorted;
}

/** Whether a column reads best largest first (figures) or A to Z (names). */
export const descendingByDefault = (column: SortColumn): boolean => column !== 'key' && column !== 'method' && column !== 'process';
