// The report's data, built once from an aggregator snapshot; every format
// (json, csv, markdown, table) renders this and computes nothing of its own.
// Its JSON form is the documented, stable `version: 1` schema (README, "JSON report").

import type {GroupBy, LatencySummary, Row, Snapshot} from '../aggregate/types.js';

/** Milliseconds, rounded to the microsecond. */
export type ReportLatency = {readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number};

export type ReportEndpoint = {
	readonly label: string; // what the grouping keys on: the route, process, host, peer or status
	readonly role: 'server' | 'client' | null; // null when the row mixes roles
	readonly method: string | null;
	readonly route: string | null;
	readonly host: string | null;
	readonly process: {readonly pid: number; readonly comm: string} | null;
	readonly container: string | null;
	readonly tls: boolean | null; // null when the row mixes TLS and plaintext exchanges
	readonly protocol: string | null; // "HTTP/1.0", "HTTP/1.1", "HTTP/2"; null when mixed
	readonly other: boolean; // the "(other)" row that traffic past the row cap folds into
	readonly count: number;
	readonly ratePerSec: number; // count / the report's duration
	readonly errors: number;
	readonly status: {readonly '1xx': number; readonly '2xx': number; readonly '3xx': number; readonly '4xx': number; readonly '5xx': number};
	readonly latencyMs: ReportLatency;
	readonly ttfbMs: {readonly p50: number; readonly p99: number};
	readonly bytesIn: number;
	readonly bytesOut: number;
	readonly examplePaths: readonly string[];
	readonly grpcStatusCodes: ReadonlyArray<{readonly code: number; readonly count: number}>; // empty when no gRPC
};

/** What the TLS probes covered: files hooked per library, and what could not be hooked or tied to a connection. */
export type ReportTls = {
	readonly openssl: number;
	readonly gnutls: number;
	readonly go: number;
	readonly failed: number; // files whose hooks failed to attach
	readonly skipped: number; // files that cannot be hooked (a Go binary without symbols)
	readonly lost: number; // TLS reads and writes whose plaintext could not be tied to a connection
};

/** What the HTTP/2 path made of a live capture; its losses are also in the capture's truncated, parseErrors and unpaired. */
export type ReportHttp2 = {
	readonly streams: number; // exchanges made from HTTP/2 streams
	readonly resets: number; // streams reset before their response ended (also unpaired)
	readonly joinedLate: number; // exchanges whose path is unknown: the connection was joined after its headers went by
	readonly headerBlocksLost: number; // header blocks not captured whole or not decodable (also truncated or parse errors)
};

export type Report = {
	readonly version: 1;
	readonly startedAt: string; // ISO-8601
	readonly durationMs: number;
	readonly groupBy: GroupBy;
	readonly capture: {
		readonly events: number;
		readonly dropped: number;
		readonly truncated: number;
		readonly parseErrors: number;
		readonly unpaired: number;
		readonly tls: ReportTls | null; // null: no live capture, or --no-tls
		readonly http2: ReportHttp2 | null; // null: no live capture
	};
	readonly totals: {
		readonly count: number;
		readonly ratePerSec: number;
		readonly errors: number;
		readonly latencyMs: ReportLatency;
		readonly rows: number; // rows before --top
	};
	readonly endpoints: readonly ReportEndpoint[];
};

export type ReportMeta = {
	readonly groupBy: GroupBy;
	readonly startedAtMs: number; // epoch ms the report's period began
	readonly durationMs: number; // the report's period: what ratePerSec divides by
	readonly showQuery: boolean;
	readonly tls?: ReportTls | null;
	readonly http2?: ReportHttp2 | null;
};

// Three decimals of a millisecond is a microsecond: finer digits are histogram noise.
const round = (value: number, decimals = 3): number => {
	if (!Number.isFinite(value)) {
		return 0;
	}

	const factor = 10 ** decimals;
	return Math.round(value * factor) / factor;
};

// The aggregator keeps paths without queries; this holds even if a source ever
// hands one through, unless the user asked for queries with --show-query.
const withoutQuery = (path: string): string => {
	const queryStart = path.indexOf('?');
	return queryStart === -1 ? path : path.slice(0, queryStart);
};

const latencyOf = (summary: LatencySummary): ReportLatency => ({
	p50: round(summary.p50),
	p90: round(summary.p90),
	p99: round(summary.p99),
	max: round(summary.max),
	mean: round(summary.mean),
});

const perSecond = (count: number, durationMs: number): number => durationMs > 0 ? round(count / (durationMs / 1000)) : 0;

function endpointOf(row: Row, meta: ReportMeta): ReportEndpoint {
	return {
		label: row.label,
		role: row.role,
		method: row.method,
		route: row.route,
		host: row.host,
		process: row.process ? {pid: row.process.pid, comm: row.process.comm} : null,
		container: row.container,
		tls: row.tls,
		protocol: row.protocol,
		other: row.isOther,
		count: row.count,
		ratePerSec: perSecond(row.count, meta.durationMs),
		errors: row.errors,
		status: {...row.status},
		latencyMs: latencyOf(row.latencyMs),
		ttfbMs: {p50: round(row.ttfbMs.p50), p99: round(row.ttfbMs.p99)},
		bytesIn: row.bytesIn,
		bytesOut: row.bytesOut,
		examplePaths: meta.showQuery ? [...row.examplePaths] : row.examplePaths.map(path => withoutQuery(path)),
		grpcStatusCodes: row.grpcStatusCodes.map(({code, count}) => ({code, count})),
	};
}

/** The report of one snapshot; `snapshot.rows` already carry the grouping, filter, sort and --top. */
export function buildReport(snapshot: Snapshot, meta: ReportMeta): Report {
	const {totals} = snapshot;
	return {
		version: 1,
		startedAt: new Date(meta.startedAtMs).toISOString(),
		durationMs: Math.round(meta.durationMs),
		groupBy: meta.groupBy,
		capture: {
			events: totals.capture.events,
			dropped: totals.capture.dropped,
			truncated: totals.capture.truncated,
			parseErrors: totals.capture.parseErrors,
			unpaired: totals.capture.unpaired,
			tls: meta.tls ?? null,
			http2: meta.http2 ?? null,
		},
		totals: {
			count: totals.count,
			ratePerSec: perSecond(totals.count, meta.durationMs),
			errors: totals.errors,
			latencyMs: latencyOf(totals.latencyMs),
			rows: totals.rows,
		},
		endpoints: snapshot.rows.map(row => endpointOf(row, meta)),
	};
}
