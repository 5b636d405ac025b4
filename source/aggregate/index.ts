// The aggregator's public surface: what the live view, the report and the CLI import.

import type {Row, Snapshot} from './types.js';

export type * from './types.js';
export {groupByValues} from './types.js';
export {createAggregator, defaultIdleExpiryMs, defaultMaxRows, type CreateAggregatorOptions} from './aggregator.js';
export {filterFields, parseFilter} from './filter.js';
export {LATENCY_RELATIVE_ERROR as latencyRelativeError} from './latency.js';
export {normalizeRoute} from './route.js';
export {compareRows, descendingByDefault, sortColumns, sortRows} from './sort.js';

/** A row's requests per second since the aggregator started (or was reset). */
export const rateSinceStart = (row: Row, snapshot: Snapshot): number => {
	const seconds = (snapshot.atMs - snapshot.startedAtMs) / 1000;
	return seconds > 0 ? row.count / seconds : 0;
};
