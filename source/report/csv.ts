// The CSV report (RFC 4180 quoting): one header line, one line per row, every column on
// every line whatever the grouping, so scripts can index by name. Text is
// sanitised like every other printed string: a spreadsheet or a terminal
// showing the file gets no control characters.

import {sanitize} from '../ui/sanitize.js';
import type {Report, ReportEndpoint} from './model.js';

type CsvValue = string | number | boolean | null;

const csvColumns: ReadonlyArray<readonly [string, (endpoint: ReportEndpoint) => CsvValue]> = [
	['label', endpoint => endpoint.label],
	['role', endpoint => endpoint.role],
	['method', endpoint => endpoint.method],
	['route', endpoint => endpoint.route],
	['host', endpoint => endpoint.host],
	['pid', endpoint => endpoint.process?.pid ?? null],
	['comm', endpoint => endpoint.process?.comm ?? null],
	['container', endpoint => endpoint.container],
	['tls', endpoint => endpoint.tls],
	['protocol', endpoint => endpoint.protocol],
	['other', endpoint => endpoint.other],
	['count', endpoint => endpoint.count],
	['rate_per_sec', endpoint => endpoint.ratePerSec],
	['errors', endpoint => endpoint.errors],
	['status_1xx', endpoint => endpoint.status['1xx']],
	['status_2xx', endpoint => endpoint.status['2xx']],
	['status_3xx', endpoint => endpoint.status['3xx']],
	['status_4xx', endpoint => endpoint.status['4xx']],
	['status_5xx', endpoint => endpoint.status['5xx']],
	['latency_p50_ms', endpoint => endpoint.latencyMs.p50],
	['latency_p90_ms', endpoint => endpoint.latencyMs.p90],
	['latency_p99_ms', endpoint => endpoint.latencyMs.p99],
	['latency_max_ms', endpoint => endpoint.latencyMs.max],
	['latency_mean_ms', endpoint => endpoint.latencyMs.mean],
	['ttfb_p50_ms', endpoint => endpoint.ttfbMs.p50],
	['ttfb_p99_ms', endpoint => endpoint.ttfbMs.p99],
	['bytes_in', endpoint => endpoint.bytesIn],
	['bytes_out', endpoint => endpoint.bytesOut],
	['example_paths', endpoint => endpoint.examplePaths.join(' ')],
	['grpc_status_codes', endpoint => endpoint.grpcStatusCodes.map(({code, count}) => `${code}:${count}`).join(' ')],
];

/** The CSV header's column names, in order. */
export const csvHeader: readonly string[] = csvColumns.map(([name]) => name);

const needsQuotes = /[",\r\n]|^\s|\s$/;

function csvField(value: CsvValue): string {
	if (value === null) {
		return '';
	}

	if (typeof value !== 'string') {
		return String(value);
	}

	const text = sanitize(value);
	return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function formatCsv(report: Report): string {
	const lines = [csvHeader.join(',')];
	for (const endpoint of report.endpoints) {
		lines.push(csvColumns.map(([, value]) => csvField(value(endpoint))).join(','));
	}

	// LF, not RFC 4180's CRLF: the file is read by shell pipelines as often as by parsers, which accept both.
	return `${lines.join('\n')}\n`;
}
