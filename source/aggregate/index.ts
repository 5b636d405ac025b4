// The aggregator's public surface: what the live view, the report and the CLI import.
// (Stubs with the final signatures; the implementation follows in this folder.)

import type {Aggregator, AggregatorOptions, FilterParseResult, SortColumn} from './types.js';

export type * from './types.js';
export {groupByValues} from './types.js';

/** Every column a view can sort by, in the order a UI cycles through them. */
export const sortColumns: readonly SortColumn[] = [
	'rate', 'count', 'errors', 'errorRate', 'p50', 'p90', 'p99', 'max', 'mean', 'ttfb',
	'bytesIn', 'bytesOut', 'lastSeen', 'key', 'method', 'process',
];

/** Relative error of every latency percentile the aggregator reports. */
export const latencyRelativeError = 0.01;

export function createAggregator(_options?: AggregatorOptions): Aggregator {
	throw new Error('not implemented yet');
}

/** Parses a filter expression such as `status>=500 method=POST route~/api`. */
export function parseFilter(_text: string): FilterParseResult {
	throw new Error('not implemented yet');
}

/** `/users/123/orders` -> `/users/:id/orders` (the per-path part; folding of exploding segments is per aggregator). */
export function normalizeRoute(_path: string): string {
	throw new Error('not implemented yet');
}
