// One table line as text segments with a tone each: pure, so that what a row
// looks like at a given width is tested without a terminal.

import type {Row, Sort} from '../aggregate/types.js';
import {columnOfSort, type Column, type Layout} from './column-layout.js';
import {formatBytes, formatCount, formatDuration, formatPercent, formatRate} from './format.js';
import {sanitize} from './sanitize.js';
import {sparkline} from './sparkline.js';
import {cellWidth, elideMiddle, padEnd, padStart, truncateEnd} from './text-width.js';

/** How a segment is coloured; `plain`, `dim` and bold (`bad`, `notice`) are all a no-colour terminal distinguishes. */
export type Tone = 'plain' | 'dim' | 'warn' | 'bad' | 'good' | 'notice';

export type Segment = {readonly text: string; readonly tone: Tone};

// Latency cells turn yellow from `slowMs` and red from `verySlowMs`; error
// rates turn yellow above zero and red from `highErrorRate`.
export const slowMs = 100;
export const verySlowMs = 1000;
export const highErrorRate = 0.05;

export const latencyTone = (ms: number): Tone => (ms >= verySlowMs ? 'bad' : ms >= slowMs ? 'warn' : 'plain');
export const errorTone = (rate: number): Tone => (rate >= highErrorRate ? 'bad' : rate > 0 ? 'warn' : 'plain');

const roleNames = {server: 'srv', client: 'cli'} as const;

/** What the process column shows: `container/comm[pid]`, `*` when the row mixes processes. */
export function processLabel(row: Row): string {
	const process = row.process ? `${sanitize(row.process.comm)}[${row.process.pid}]` : null;
	const container = row.container === null ? null : sanitize(row.container);
	if (process && container) {
		return `${container}/${process}`;
	}

	return process ?? container ?? '*';
}

/**
 * The process column in `width` cells: the whole label when it fits, else
 * without the container, then without the pid, then the name cut at its end
 * (as top cuts a command), so the name stays readable.
 */
export function fitProcessLabel(row: Row, width: number): string {
	const candidates = [processLabel(row)];
	if (row.process) {
		const comm = sanitize(row.process.comm);
		candidates.push(`${comm}[${row.process.pid}]`, comm);
	}

	return candidates.find(candidate => cellWidth(candidate) <= width) ?? truncateEnd(candidates.at(-1) ?? '', width);
}

/** What the key column shows for a row, sanitised. */
export function keyLabel(row: Row): string {
	return sanitize(row.label);
}

/**
 * A row's protocol in one word, as URL schemes and ALPN name them: http and
 * https (HTTP/1.x), h2c and h2 (HTTP/2 in the clear and over TLS), grpc and
 * grpcs; `mixed` when the row's exchanges differ.
 */
export function protocolLabel(row: Row): string {
	if (row.protocol === null || row.tls === null) return 'mixed';
	if (row.protocol !== 'HTTP/2') return row.tls ? 'https' : 'http';
	if (row.grpcStatusCodes.length > 0) return row.tls ? 'grpcs' : 'grpc';
	return row.tls ? 'h2' : 'h2c';
}

function cell(row: Row, column: Column): Segment {
	const latency = (ms: number): Segment => ({text: formatDuration(ms), tone: row.count === 0 ? 'dim' : latencyTone(ms)});
	switch (column.id) {
		case 'role': {
			return row.role ? {text: roleNames[row.role], tone: 'plain'} : {text: '*', tone: 'dim'};
		}

		case 'proto': {
			const label = protocolLabel(row);
			return {text: label, tone: label === 'http' || label === 'mixed' ? 'dim' : 'plain'};
		}

		case 'method': {
			return row.method === null ? {text: '-', tone: 'dim'} : {text: sanitize(row.method), tone: 'plain'};
		}

		case 'key': {
			const tone: Tone = row.isOther ? 'dim' : row.errorRate >= highErrorRate ? 'bad' : row.latencyMs.p99 >= verySlowMs ? 'warn' : 'plain';
			return {text: elideMiddle(keyLabel(row), column.width), tone};
		}

		case 'process': {
			return {text: fitProcessLabel(row, column.width), tone: row.process ? 'plain' : 'dim'};
		}

		case 'rate': {
			return {text: formatRate(row.ratePerSec), tone: row.ratePerSec === 0 ? 'dim' : 'plain'};
		}

		case 'count': {
			return {text: formatCount(row.count), tone: 'plain'};
		}

		case 'errorRate': {
			return {text: formatPercent(row.errorRate), tone: errorTone(row.errorRate)};
		}

		case 'p50': {
			return latency(row.latencyMs.p50);
		}

		case 'p90': {
			return latency(row.latencyMs.p90);
		}

		case 'p99': {
			return latency(row.latencyMs.p99);
		}

		case 'max': {
			return latency(row.latencyMs.max);
		}

		case 'bytesIn': {
			return {text: formatBytes(row.bytesInPerSec), tone: 'plain'};
		}

		case 'bytesOut': {
			return {text: formatBytes(row.bytesOutPerSec), tone: 'plain'};
		}

		case 'spark': {
			return {text: sparkline(row.rateHistory, column.width), tone: 'good'};
		}
	}
}

const fit = (text: string, column: Column): string =>
	column.align === 'right' ? padStart(text, column.width) : padEnd(text, column.width);

/** Joins cells into one line: gutter, then the columns separated by the gap; neighbours of one tone merge. */
function joinCells(layout: Layout, marker: string, cells: readonly Segment[]): Segment[] {
	const segments: Segment[] = [];
	const push = (text: string, tone: Tone) => {
		const last = segments.at(-1);
		if (last && last.tone === tone) {
			segments[segments.length - 1] = {text: last.text + text, tone};
		} else {
			segments.push({text, tone});
		}
	};

	push(padEnd(marker, layout.gutter), 'plain');
	for (const [index, segment] of cells.entries()) {
		if (index > 0) {
			push(' '.repeat(layout.gap), 'plain');
		}

		push(segment.text, segment.tone);
	}

	return segments;
}

/** A row as segments exactly `layout.width` cells wide. */
export function rowSegments(row: Row, layout: Layout, selected: boolean): Segment[] {
	const cells = layout.columns.map(column => {
		const segment = cell(row, column);
		return {text: fit(segment.text, column), tone: segment.tone};
	});
	return joinCells(layout, selected ? '>' : ' ', cells);
}

/** The column titles, with ▼ or ▲ on the sort column. */
export function headerText(layout: Layout, sort: Sort): string {
	const sorted = columnOfSort(layout, sort);
	const cells = layout.columns.map(column => {
		const title = column === sorted ? `${column.title}${sort.descending ? '▼' : '▲'}` : column.title;
		return {text: fit(title, column), tone: 'plain' as const};
	});
	return joinCells(layout, ' ', cells).map(segment => segment.text).join('');
}
