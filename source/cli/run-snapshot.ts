// --snapshot: collect for --duration (a replay: the whole file), or until
// Ctrl-C, then print one report on stdout. A status line on stderr says what
// is happening meanwhile.

import {createAggregator} from '../aggregate/index.js';
import type {ViewOptions} from '../aggregate/types.js';
import {renderReport, type ReportMeta} from '../report/index.js';
import {captureCountersOf, http2Of, tlsOf} from '../ui/capture-counters.js';
import {sanitize} from '../ui/sanitize.js';
import type {OpenedSource} from './open-source.js';
import type {Options} from './options.js';
import {createStatusLine} from './status-line.js';

export type SnapshotIo = {
	readonly stdout: NodeJS.WriteStream;
	readonly stderr: NodeJS.WriteStream;
	/** Resolves when the user asks to stop early (Ctrl-C, SIGTERM). */
	readonly interrupted: Promise<void>;
};

const formatSeconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * Rows a table report shows unless --top says otherwise. A table is for reading,
 * and ink-table lays out every cell with Ink (about 2 ms a row, growing with
 * the row count: 5000 rows take over 20 s); csv and json carry every row.
 */
export const tableRowsByDefault = 100;

function reportView(options: Options): ViewOptions {
	const {view} = options;
	// A report's rate is count over the report's period: sorting by rate is sorting by count.
	const sort = view.sort.column === 'rate' ? {...view.sort, column: 'count' as const} : view.sort;
	const top = view.top ?? (options.format === 'table' ? tableRowsByDefault : undefined);
	return {...view, sort, ...(top === undefined ? {} : {top})};
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => {
	setTimeout(resolve, ms).unref();
});

/** Collects and prints the report; the source is stopped before this returns. */
export async function runSnapshot(options: Options, opened: OpenedSource, io: SnapshotIo): Promise<void> {
	const {source, replay} = opened;
	// Rows stay for the whole report, however long it collects.
	const aggregator = createAggregator({idleExpiryMs: Number.POSITIVE_INFINITY});
	let exchanges = 0;
	const status = createStatusLine(io.stderr);
	const progress = (): [string, string] => replay
		? [`${source.description}...`, `${exchanges} requests so far (Ctrl-C stops early)`]
		: [`${source.description} for ${formatSeconds(options.durationMs)}...`,
			`${exchanges} requests, ${formatSeconds(Math.max(0, endsAtMs - Date.now()))} left (Ctrl-C stops early)`];

	let endsAtMs = Number.POSITIVE_INFINITY;
	await source.start(batch => {
		exchanges += batch.length;
		aggregator.add(batch);
	});
	const startedAtMs = Date.now();
	endsAtMs = startedAtMs + options.durationMs;
	status.update(...progress());
	const ticker = setInterval(() => {
		status.update(...progress());
	}, 1000);
	try {
		await Promise.race([replay ? source.finished : sleep(options.durationMs), io.interrupted]);
	} finally {
		clearInterval(ticker);
		status.done();
	}

	const endedAtMs = Date.now();
	await source.stop();

	const nowMs = replay ? replay.captureNowMs() : endedAtMs;
	const health = source.health();
	aggregator.setCaptureCounters(captureCountersOf(health), nowMs);
	const view = reportView(options);
	const snapshot = aggregator.snapshot(view, nowMs);
	// A recording's period is its own clock's: first exchange to where the replay stopped.
	const replayStartMs = snapshot.totals.count > 0 ? Math.min(snapshot.startedAtMs, nowMs) : nowMs;
	const meta: ReportMeta = {
		groupBy: options.view.groupBy,
		startedAtMs: replay ? replayStartMs : startedAtMs,
		durationMs: replay ? nowMs - replayStartMs : endedAtMs - startedAtMs,
		showQuery: options.showQuery,
		tls: tlsOf(health),
		http2: http2Of(health),
	};

	const warnings = replay?.warnings() ?? [];
	if (warnings.length > 0) {
		const first = warnings[0]!;
		io.stderr.write(`httptop: skipped ${warnings.length} unreadable line${warnings.length === 1 ? '' : 's'} of the recording `
			+ `(line ${first.line}: ${sanitize(first.message)})\n`);
	}

	const text = renderReport(snapshot, meta, {
		format: options.format,
		color: options.color, // chalk (in Ink) still leaves a pipe plain unless FORCE_COLOR says otherwise
		// A terminal that reports no size (0 columns) is treated like a pipe.
		width: io.stdout.isTTY && io.stdout.columns > 0 ? io.stdout.columns : undefined,
		...(options.view.top === undefined && snapshot.totals.rows > snapshot.rows.length
			? {note: `(a table shows ${tableRowsByDefault} rows unless --top says more; --format csv or json carries every row)`}
			: {}),
	});
	await new Promise<void>((resolve, reject) => {
		io.stdout.write(text, error => {
			if (error) {
				reject(error);
			} else {
				resolve();
			}
		});
	});
}
