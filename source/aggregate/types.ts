// The aggregator's public view model: what the live view (source/ui) and the
// report (source/report) read. The aggregator itself is pure: no I/O, no timers;
// the caller passes the clock.

import type {Exchange, Role} from '../http/exchange.js';

export type GroupBy = 'endpoint' | 'process' | 'container' | 'host' | 'peer' | 'status';
export const groupByValues: readonly GroupBy[] = ['endpoint', 'process', 'container', 'host', 'peer', 'status'];

export type RoleFilter = Role | 'both';

/** Columns a view can sort by. */
export type SortColumn =
	| 'rate'
	| 'count'
	| 'errors'
	| 'errorRate'
	| 'p50'
	| 'p90'
	| 'p99'
	| 'max'
	| 'mean'
	| 'ttfb'
	| 'bytesIn'
	| 'bytesOut'
	| 'key'
	| 'method'
	| 'process'
	| 'lastSeen';

export type Sort = {readonly column: SortColumn; readonly descending: boolean};

/** Latency figures in milliseconds. */
export type LatencySummary = {
	readonly p50: number;
	readonly p90: number;
	readonly p99: number;
	readonly max: number;
	readonly mean: number;
};

export type StatusClasses = {
	readonly '1xx': number;
	readonly '2xx': number;
	readonly '3xx': number;
	readonly '4xx': number;
	readonly '5xx': number;
};

/** One row of the table, as of one tick (each figure worked out when first read; see aggregate/rows.ts). */
export type Row = {
	readonly key: string; // stable and unique within one grouping
	readonly groupBy: GroupBy;
	readonly label: string; // what the key column shows: route, process, host, peer or status; raw, sanitise before display
	readonly role: Role | null; // null when the row mixes roles
	readonly method: string | null; // endpoint grouping only
	readonly route: string | null; // normalized route, endpoint grouping only
	readonly host: string | null;
	readonly process: {readonly pid: number; readonly comm: string} | null; // null when the row mixes processes
	readonly container: string | null;
	readonly tls: boolean | null; // null when the row mixes TLS and plaintext exchanges
	readonly protocol: string | null; // "HTTP/1.0", "HTTP/1.1" or "HTTP/2"; null when the row mixes them
	readonly isOther: boolean; // the "(other)" row past the row cap
	readonly count: number; // since start (or the last reset), of the cells still live: an idle part of a row expires from every view
	readonly ratePerSec: number; // over the last 10 s window
	readonly rate1s: number;
	readonly rate10s: number;
	readonly rate60s: number;
	readonly rateHistory: readonly number[]; // requests per second, oldest first, last 60 s
	readonly status: StatusClasses;
	readonly errors: number; // server role: 5xx; client role: 4xx and 5xx (OpenTelemetry's convention); any role: a non-zero gRPC status
	readonly errorRate: number; // errors / count, 0..1
	readonly latencyMs: LatencySummary; // total time, request start to response end
	readonly ttfbMs: LatencySummary; // request start to first response byte
	readonly bytesIn: number; // bytes the traced process received (server: requests; client: responses)
	readonly bytesOut: number;
	readonly bytesInPerSec: number; // over the last 10 s
	readonly bytesOutPerSec: number;
	readonly lastSeenMs: number; // epoch ms
	readonly examplePaths: readonly string[]; // a bounded sample of raw paths under the route (no query strings)
	readonly grpcStatusCodes: ReadonlyArray<{readonly code: number; readonly count: number}>; // gRPC calls per grpc-status; empty when none
};

export type CaptureHealth = {
	readonly events: number; // capture records decoded
	readonly eventsPerSec: number;
	readonly dropped: number; // kernel ring buffer drops + batches user space could not take
	readonly truncated: number; // records or messages not captured whole
	readonly parseErrors: number;
	readonly unpaired: number;
};

export type Totals = {
	readonly count: number;
	readonly ratePerSec: number;
	readonly errors: number;
	readonly errorRate: number;
	readonly latencyMs: LatencySummary;
	readonly rows: number; // rows before --top
	readonly capture: CaptureHealth;
};

/** How a view wants the rows: all of it can change at any time without re-capture. */
export type ViewOptions = {
	readonly groupBy: GroupBy;
	readonly sort: Sort;
	readonly filter: Filter | null;
	readonly role: RoleFilter;
	readonly top?: number;
};

export type Snapshot = {
	readonly atMs: number;
	readonly startedAtMs: number; // first exchange, or the last reset
	readonly rows: readonly Row[];
	readonly totals: Totals;
};

/** The drill-down of one row. */
export type RowDetail = {
	readonly row: Row;
	readonly latencyHistogram: ReadonlyArray<{readonly upToMs: number; readonly count: number}>;
	readonly statusCodes: ReadonlyArray<{readonly code: number; readonly count: number}>;
	readonly grpcStatusCodes: ReadonlyArray<{readonly code: number; readonly count: number}>; // empty when no gRPC
	readonly paths: ReadonlyArray<{readonly path: string; readonly count: number}>;
	readonly recentSlow: readonly Exchange[]; // slowest recent exchanges, slowest first
};

/** A parsed filter expression (see source/aggregate/filter.ts). */
export type Filter = {
	readonly source: string;
	readonly matchesExchange: (exchange: Exchange) => boolean; // identity fields: method, route, status, comm, ...
	readonly matchesRow: (row: Row) => boolean; // metric fields: latency, rate, count, errors
};

export type FilterParseResult =
	| {readonly ok: true; readonly filter: Filter}
	| {readonly ok: false; readonly message: string; readonly position: number};

export type AggregatorOptions = {
	readonly maxRows?: number; // distinct rows kept before traffic folds into "(other)"; default 5000
	readonly idleExpiryMs?: number; // rows unseen this long are dropped; default 10 minutes
	readonly examplePathsPerRow?: number; // raw paths kept per route; default 8
	/**
	 * When watching began (tracing started), on the exchanges' clock: a window
	 * longer than what has been watched so far is a rate over the time watched.
	 * Default: the first exchange's start.
	 */
	readonly observedSinceMs?: number;
};

/** Counters about the capture itself, fed by the pipeline once per tick. */
export type CaptureCounters = {
	readonly events: number;
	readonly dropped: number;
	readonly truncated: number;
	readonly parseErrors: number;
	readonly unpaired: number;
};

export type Aggregator = {
	/** Per-event path: records values and bumps counters only. */
	add(batch: readonly Exchange[]): void;
	setCaptureCounters(counters: CaptureCounters, nowMs: number): void;
	/** Per-tick: percentiles, rates, grouping, filter and sort. */
	snapshot(view: ViewOptions, nowMs: number): Snapshot;
	detail(key: string, view: ViewOptions, nowMs: number): RowDetail | null;
	/** `z`: forget every row and count, keep capturing. */
	reset(nowMs: number): void;
};
