// Sorting rows by any column, either direction, stably: ties (and equal
// values) fall back to the row key, always ascending, so rows with the same
// figures keep their places from one tick to the next.

import {rowLatencyP99} from './rows.js';
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

/** A sorted copy. Each row's value and key are read once, not once per comparison. */
export function sortRows(rows: readonly Row[], sort: Sort): Row[] {
	const extract = extractors[sort.column];
	const direction = sort.descending ? -1 : 1;
	const values = rows.map(row => extract(row));
	const keys = rows.map(row => row.key);
	const indices = rows.map((_, index) => index);
	const byKey = (a: number, b: number): number => keys[a]! < keys[b]! ? -1 : (keys[a]! > keys[b]! ? 1 : 0);
	if (values.every(value => typeof value === 'number')) {
		// NaN sorts as the smallest value, as in compareValues.
		const numbers = Float64Array.from(values as number[], value => Number.isNaN(value) ? -Infinity : value);
		indices.sort((a, b) => (numbers[a] === numbers[b] ? 0 : (numbers[a]! < numbers[b]! ? -direction : direction)) || byKey(a, b));
	} else {
		indices.sort((a, b) => (direction * compareValues(values[a]!, values[b]!)) || byKey(a, b));
	}
	return indices.map(index => rows[index]!);
}

/** Whether a column reads best largest first (figures) or A to Z (names). */
export const descendingByDefault = (column: SortColumn): boolean => column !== 'key' && column !== 'method' && column !== 'process';
