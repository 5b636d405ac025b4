// The columns of the human formats (table, markdown): chosen by the grouping,
// with columns that are empty on every row left out. Every string a column
// returns is already sanitised; formats only lay them out.

import type {GroupBy} from '../aggregate/types.js';
import {formatBytes, formatDuration, formatPercent, formatRate} from '../ui/format.js';
import {sanitize} from '../ui/sanitize.js';
import type {Report, ReportEndpoint} from './model.js';

export type Alignment = 'left' | 'right';

export type DisplayColumn = {
	readonly header: string;
	readonly align: Alignment;
	readonly text: (endpoint: ReportEndpoint) => string;
	/**
	 * Columns a narrow terminal can do without, lowest first; absent: always
	 * shown. From `lastResortDropOrder` on, only once every text column is
	 * elided as far as it goes.
	 */
	readonly dropOrder?: number;
	/** A text column that may be cut at its end to this width (the key column is elided in its middle instead). */
	readonly cutTo?: number;
};

/** Drop orders from here on are left out only after the text columns are cut as far as they go. */
export const lastResortDropOrder = 100;

const processText = (endpoint: ReportEndpoint): string =>
	endpoint.process ? `${sanitize(endpoint.process.comm)}[${endpoint.process.pid}]` : '(several)';

const labelHeaders: Record<GroupBy, string> = {
	endpoint: 'ROUTE',
	process: 'PROCESS',
	container: 'CONTAINER',
	host: 'HOST',
	peer: 'PEER',
	status: 'STATUS',
};

const keyColumns = (groupBy: GroupBy): DisplayColumn[] => {
	if (groupBy === 'endpoint') {
		return [
			{header: 'METHOD', align: 'left', text: endpoint => sanitize(endpoint.method ?? '')},
			{header: 'ROUTE', align: 'left', text: endpoint => sanitize(endpoint.route ?? endpoint.label)},
		];
	}

	return [{header: labelHeaders[groupBy], align: 'left', text: endpoint => sanitize(endpoint.label)}];
};

const roleColumn: DisplayColumn = {header: 'ROLE', align: 'left', text: endpoint => endpoint.role ?? 'both'};

// Identity columns that only earn their width when some row has a value.
const optionalColumns = (groupBy: GroupBy): Array<{column: DisplayColumn; present: (endpoint: ReportEndpoint) => boolean}> => [
	{
		column: {header: 'PROCESS', align: 'left', cutTo: 10, text: processText},
		present: endpoint => groupBy !== 'process' && endpoint.process !== null,
	},
	{
		column: {header: 'CONTAINER', align: 'left', dropOrder: 8, cutTo: 10, text: endpoint => sanitize(endpoint.container ?? '-')},
		present: endpoint => groupBy !== 'container' && endpoint.container !== null,
	},
	{
		column: {header: 'HOST', align: 'left', dropOrder: 9, cutTo: 12, text: endpoint => sanitize(endpoint.host ?? '-')},
		present: endpoint => groupBy === 'endpoint' && endpoint.host !== null,
	},
	{
		column: {header: 'PROTO', align: 'left', dropOrder: 10, text: endpoint => sanitize(endpoint.protocol ?? 'mixed')},
		present: endpoint => endpoint.protocol !== 'HTTP/1.1',
	},
	{
		column: {header: 'TLS', align: 'left', dropOrder: 11, text: endpoint => endpoint.tls === null ? 'mixed' : (endpoint.tls ? 'yes' : 'no')},
		present: endpoint => endpoint.tls !== false,
	},
];

const metricColumns: DisplayColumn[] = [
	{header: 'REQS', align: 'right', text: endpoint => String(endpoint.count)},
	{header: 'REQ/S', align: 'right', text: endpoint => formatRate(endpoint.ratePerSec)},
	{header: 'ERR%', align: 'right', dropOrder: 7, text: endpoint => formatPercent(endpoint.count > 0 ? endpoint.errors / endpoint.count : 0)},
	{header: '4XX', align: 'right', dropOrder: 5, text: endpoint => String(endpoint.status['4xx'])},
	{header: '5XX', align: 'right', dropOrder: lastResortDropOrder, text: endpoint => String(endpoint.status['5xx'])},
	{header: 'P50', align: 'right', dropOrder: lastResortDropOrder + 1, text: endpoint => formatDuration(endpoint.latencyMs.p50)},
	{header: 'P90', align: 'right', dropOrder: 1, text: endpoint => formatDuration(endpoint.latencyMs.p90)},
	{header: 'P99', align: 'right', text: endpoint => formatDuration(endpoint.latencyMs.p99)},
	{header: 'MAX', align: 'right', dropOrder: 3, text: endpoint => formatDuration(endpoint.latencyMs.max)},
	{header: 'TTFB', align: 'right', dropOrder: 2, text: endpoint => formatDuration(endpoint.ttfbMs.p50)},
	{header: 'IN', align: 'right', dropOrder: 4, text: endpoint => formatBytes(endpoint.bytesIn)},
	{header: 'OUT', align: 'right', dropOrder: 6, text: endpoint => formatBytes(endpoint.bytesOut)},
];

/** The columns a human report shows for this report's grouping and rows. */
export function displayColumns(report: Report): DisplayColumn[] {
	const present = optionalColumns(report.groupBy)
		.filter(({present}) => report.endpoints.some(endpoint => present(endpoint)))
		.map(({column}) => column);
	return [...keyColumns(report.groupBy), roleColumn, ...present, ...metricColumns];
}

/** The lines above a human report's table: period, totals, capture health, and what was left out. */
export function summaryLines(report: Report): string[] {
	const {totals, capture} = report;
	const lines = [
		`httptop report: ${formatDuration(report.durationMs)} from ${report.startedAt}, grouped by ${report.groupBy}`,
		`${totals.count} requests (${formatRate(totals.ratePerSec)}/s), errors ${formatPercent(totals.count > 0 ? totals.errors / totals.count : 0)}, `
		+ `p50 ${formatDuration(totals.latencyMs.p50)}, p99 ${formatDuration(totals.latencyMs.p99)}, max ${formatDuration(totals.latencyMs.max)}`,
		`capture: ${capture.events} events, ${capture.dropped} dropped, ${capture.truncated} truncated, `
		+ `${capture.parseErrors} parse errors, ${capture.unpaired} unpaired`,
	];
	if (capture.tls) {
		const {tls} = capture;
		lines.push(`TLS: OpenSSL ${tls.openssl}, GnuTLS ${tls.gnutls}, Go ${tls.go} hooked; ${tls.failed} failed, ${tls.skipped} skipped, `
			+ `${tls.lost} lost`);
	}

	// Only where HTTP/2 was seen: streams that made exchanges, or that were reset or lost their headers.
	if (capture.http2 && Object.values(capture.http2).some(count => count > 0)) {
		const {http2} = capture;
		lines.push(`HTTP/2: ${http2.streams} stream${http2.streams === 1 ? '' : 's'}, ${http2.resets} reset, `
			+ `${http2.joinedLate} joined late, ${http2.headerBlocksLost} header block${http2.headerBlocksLost === 1 ? '' : 's'} lost`);
	}

	if (report.endpoints.length < totals.rows) {
		lines.push(`showing ${report.endpoints.length} of ${totals.rows} rows`);
	}

	if (report.endpoints.length === 0) {
		lines.push('no HTTP exchanges matched (httptop decodes HTTP/1.x and HTTP/2 over TCP and unix sockets, and over TLS through OpenSSL, GnuTLS and Go)');
	}

	return lines;
}
