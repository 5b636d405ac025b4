// The drill-down of one row as lines of toned segments: a summary, the
// latency histogram, status codes, raw paths and the slowest recent
// exchanges. Pure; the detail view only arranges these sections.

import type {Row, RowDetail} from '../aggregate/types.js';
import type {Exchange} from '../http/exchange.js';
import {formatAddress, formatBytes, formatCount, formatDuration, formatPercent, formatRate} from './format.js';
import {sanitize} from './sanitize.js';
import {errorTone, keyLabel, latencyTone, processLabel, type Segment, type Tone} from './table-line.js';
import {cellWidth, elideMiddle, padEnd, padStart, truncateEnd} from './text-width.js';

export type Line = readonly Segment[];

export type Section = {readonly title: string; readonly lines: readonly Line[]};

const plain = (text: string): Segment => ({text, tone: 'plain'});
const dim = (text: string): Segment => ({text, tone: 'dim'});
const toned = (text: string, tone: Tone): Segment => ({text, tone});

/** A bar of `count / peak` of `width` cells; at least one cell when count is non-zero. */
function bar(count: number, peak: number, width: number): string {
	if (count <= 0 || peak <= 0 || width <= 0) {
		return '';
	}

	return '█'.repeat(Math.max(1, Math.round((count / peak) * width)));
}

/** Figure groups packed into lines of at most `width` cells, a group never split. */
function packGroups(groups: ReadonlyArray<readonly Segment[]>, width: number): Line[] {
	const lines: Segment[][] = [];
	let used = 0;
	for (const group of groups) {
		const size = group.reduce((sum, segment) => sum + cellWidth(segment.text), 0);
		const last = lines.at(-1);
		if (last && used + size <= width) {
			last.push(...group);
			used += size;
		} else {
			lines.push([...group]);
			used = size;
		}
	}

	return lines;
}

/**
 * Where a row's exchanges meet the other end, when its sampled exchanges all
 * agree: the address a server row answers on ("on 10.0.0.1:8080", "on
 * /run/app.sock"), or the one a client row calls ("to 10.0.0.5:80"). An
 * endpoint row is one service, but a container's may answer on two ports.
 */
export function meetingPoint(detail: RowDetail): string | null {
	const {role} = detail.row;
	if (role === null || detail.recentSlow.length === 0) {
		return null;
	}

	const ends = detail.recentSlow.map(exchange => (role === 'server' ? exchange.local : exchange.remote));
	if (ends.some(end => end.address === '')) {
		return null; // unnamed (a unix socket's client) or unknown
	}

	const addresses = new Set(ends.map(end => formatAddress(end)));
	return addresses.size === 1 ? `${role === 'server' ? 'on' : 'to'} ${sanitize([...addresses][0]!)}` : null;
}

/** "HTTP/2 over TLS", "HTTP/1.1", or "mixed" for a row whose exchanges differ. */
function protocolText(row: Row): string {
	if (row.protocol === null) return row.tls === null ? 'mixed' : `mixed${row.tls ? ' over TLS' : ''}`;
	return `${row.protocol}${row.tls === null ? ', TLS and not' : (row.tls ? ' over TLS' : '')}${row.grpcStatusCodes.length > 0 ? ' (gRPC)' : ''}`;
}

/** The row's identity (and where it meets the other end, when known), then its figures on as many lines as the width needs. */
export function summaryLines(row: Row, width: number, meeting: string | null = null): Line[] {
	const identity: Segment[] = [];
	if (row.method !== null) {
		identity.push(toned(`${sanitize(row.method)} `, 'good'));
	}

	identity.push(plain(keyLabel(row)), dim('  '));
	if (row.role) {
		identity.push(dim('role '), plain(row.role), dim('  '));
	}

	identity.push(dim('proto '), plain(protocolText(row)), dim('  '));
	identity.push(dim('process '), plain(processLabel(row)));
	if (row.host !== null) {
		identity.push(dim('  host '), plain(sanitize(row.host)));
	}

	if (meeting !== null) {
		identity.push(dim('  '), plain(meeting));
	}

	const figure = (name: string, text: string, tone: Tone = 'plain'): Segment[] => [dim(`${name} `), toned(text, tone), dim('  ')];
	const latency = (name: string, ms: number) => figure(name, formatDuration(ms), latencyTone(ms));
	const figures = [
		figure('count', formatCount(row.count)),
		figure('req/s', formatRate(row.ratePerSec)),
		figure('err', formatPercent(row.errorRate), errorTone(row.errorRate)),
		latency('p50', row.latencyMs.p50),
		latency('p90', row.latencyMs.p90),
		latency('p99', row.latencyMs.p99),
		latency('max', row.latencyMs.max),
		latency('mean', row.latencyMs.mean),
		latency('ttfb p50', row.ttfbMs.p50),
		latency('ttfb p99', row.ttfbMs.p99),
		figure('in/s', formatBytes(row.bytesInPerSec)),
		figure('out/s', formatBytes(row.bytesOutPerSec)),
	];
	return [identity, ...packGroups(figures, width)];
}

type Bucket = {readonly upToMs: number; readonly count: number};

/** At most `lines` buckets: empty ones at both ends dropped, neighbours merged. */
export function mergeBuckets(histogram: readonly Bucket[], lines: number): Bucket[] {
	const first = histogram.findIndex(bucket => bucket.count > 0);
	if (first === -1 || lines <= 0) {
		return [];
	}

	let last = histogram.length - 1;
	while (last > first && (histogram[last]?.count ?? 0) === 0) {
		last--;
	}

	const used = histogram.slice(first, last + 1);
	const perLine = Math.ceil(used.length / lines);
	const merged: Bucket[] = [];
	for (let start = 0; start < used.length; start += perLine) {
		const group = used.slice(start, start + perLine);
		merged.push({upToMs: group.at(-1)?.upToMs ?? 0, count: group.reduce((sum, bucket) => sum + bucket.count, 0)});
	}

	return merged;
}

export function histogramSection(detail: RowDetail, width: number, lines: number): Section {
	const buckets = mergeBuckets(detail.latencyHistogram, lines);
	const peak = Math.max(0, ...buckets.map(bucket => bucket.count));
	const barWidth = Math.max(0, width - 9 - 7 - 2);
	return {
		title: 'Latency',
		lines: buckets.map(bucket => [
			dim(padStart(`≤${formatDuration(bucket.upToMs)}`, 9)),
			plain(' '),
			toned(padEnd(bar(bucket.count, peak, barWidth), barWidth), latencyTone(bucket.upToMs)),
			plain(' '),
			plain(padStart(formatCount(bucket.count), 7)),
		]),
	};
}

const statusTone = (code: number): Tone => (code >= 500 ? 'bad' : code >= 400 ? 'warn' : code < 300 ? 'good' : 'plain');

/** gRPC's status codes by name (grpc/doc/statuscodes.md). */
const grpcNames = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
	'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL',
	'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

/** The HTTP status codes, then a gRPC row's grpc-status codes (as g0, g14, ... with their names). */
export function statusSection(detail: RowDetail, width: number, lines: number): Section {
	const http = [...detail.statusCodes].sort((a, b) => b.count - a.count || a.code - b.code)
		.map(entry => ({label: String(entry.code), name: '', count: entry.count, tone: statusTone(entry.code)}));
	const grpc = [...detail.grpcStatusCodes].sort((a, b) => b.count - a.count || a.code - b.code)
		.map(entry => ({label: `g${entry.code}`, name: grpcNames[entry.code] ?? '', count: entry.count, tone: (entry.code === 0 ? 'good' : 'bad') as Tone}));
	const codes = [...http, ...grpc].slice(0, lines);
	const total = detail.statusCodes.reduce((sum, entry) => sum + entry.count, 0);
	const peak = Math.max(0, ...codes.map(entry => entry.count));
	const label = Math.max(3, ...codes.map(entry => entry.label.length));
	const barWidth = Math.max(0, width - label - 7 - 7 - 3);
	return {
		title: grpc.length > 0 ? 'Status codes, then gRPC status (g)' : 'Status codes',
		lines: codes.map(entry => [
			toned(padEnd(entry.label, label), entry.tone),
			plain(' '),
			plain(padStart(formatCount(entry.count), 7)),
			plain(' '),
			dim(padStart(formatPercent(total > 0 ? entry.count / total : 0), 7)),
			plain(' '),
			dim(truncateEnd(entry.name ? `${entry.name} ` : '', barWidth)),
			toned(bar(entry.count, peak, Math.max(0, barWidth - (entry.name ? entry.name.length + 1 : 0))), entry.tone),
		]),
	};
}

export function pathsSection(detail: RowDetail, width: number, lines: number): Section {
	const paths = detail.paths.slice(0, lines);
	return {
		title: 'Paths',
		lines: paths.map(entry => [plain(padStart(formatCount(entry.count), 7)), plain(' '), plain(elideMiddle(sanitize(entry.path), Math.max(1, width - 8)))]),
	};
}

/** What a request looked like: method, path and, with --show-query only, the query string. */
export function requestText(exchange: Exchange, showQuery: boolean): string {
	const query = showQuery && exchange.query !== null ? `?${exchange.query}` : '';
	return sanitize(`${exchange.method} ${exchange.path}${query}`);
}

export function slowSection(detail: RowDetail, width: number, lines: number, nowMs: number, showQuery: boolean): Section {
	const exchanges = detail.recentSlow.slice(0, lines);
	const ageWidth = 10;
	const fixed = 7 + 1 + 3 + 1 + 1 + 1 + 1 + ageWidth;
	const requests = exchanges.map(exchange => requestText(exchange, showQuery));
	const peers = exchanges.map(exchange => sanitize(formatAddress(exchange.remote)));
	const processes = exchanges.map(exchange => `${sanitize(exchange.comm)}[${exchange.pid}]`);
	const widest = (texts: readonly string[], most: number) => Math.min(most, Math.max(1, ...texts.map(text => cellWidth(text))));
	// Peer and process get up to a quarter each; the request the rest, and what it does not need goes back to them.
	const flexible = Math.max(30, width - fixed);
	const requestWidth = Math.min(widest(requests, flexible), flexible - 2 * Math.floor(flexible / 4));
	const peerWidth = widest(peers, Math.max(Math.floor(flexible / 4), Math.floor((flexible - requestWidth) / 2)));
	const processWidth = Math.max(1, Math.min(widest(processes, flexible), flexible - requestWidth - peerWidth));
	return {
		title: 'Slowest recent exchanges',
		lines: exchanges.map((exchange, index) => {
			const latency = exchange.endMs - exchange.startMs;
			return [
				toned(padStart(formatDuration(latency), 7), latencyTone(latency)),
				plain(' '),
				toned(padEnd(String(exchange.status), 3), statusTone(exchange.status)),
				plain(' '),
				plain(padEnd(elideMiddle(requests[index] ?? '', requestWidth), requestWidth)),
				plain(' '),
				dim(padEnd(elideMiddle(peers[index] ?? '', peerWidth), peerWidth)),
				plain(' '),
				plain(padEnd(elideMiddle(processes[index] ?? '', processWidth), processWidth)),
				plain(' '),
				dim(padStart(`${formatDuration(Math.max(0, nowMs - exchange.endMs))} ago`, ageWidth)),
			];
		}),
	};
}

/** A section as lines: its title, its lines, or a dim note when it has none; cut to `height`. */
export function sectionLines(section: Section, width: number, height: number): Line[] {
	if (height <= 0) {
		return [];
	}

	const title: Line = [{text: truncateEnd(section.title, width), tone: 'good'}];
	const body = section.lines.length === 0 ? [[dim('(none yet)')]] : section.lines;
	return [title, ...body].slice(0, height);
}

/** `line` cut or padded with spaces to exactly `width` cells. */
export function fitLine(line: Line, width: number): Line {
	const fitted: Segment[] = [];
	let used = 0;
	for (const segment of line) {
		if (used >= width) {
			break;
		}

		const text = truncateEnd(segment.text, width - used);
		fitted.push({text, tone: segment.tone});
		used += cellWidth(text);
	}

	if (used < width) {
		fitted.push(plain(' '.repeat(width - used)));
	}

	return fitted;
}

/** Two columns of lines side by side, `leftWidth` cells then a gap. */
export function besideLines(left: readonly Line[], right: readonly Line[], leftWidth: number, gapWidth: number): Line[] {
	const height = Math.max(left.length, right.length);
	const lines: Line[] = [];
	for (let index = 0; index < height; index++) {
		lines.push([...fitLine(left[index] ?? [], leftWidth), plain(' '.repeat(gapWidth)), ...(right[index] ?? [])]);
	}

	return lines;
}

// Terminals at least this wide show the histogram beside the status codes and paths.
const sideBySideWidth = 100;
// The fewest lines a section is given when space is short: its title and one line.
const sectionFloor = 2;

/** Heights for sections that want `wanted` lines in `total`: all they want if it fits, else shares with a floor each. */
export function shareHeights(wanted: readonly number[], total: number): number[] {
	const sum = wanted.reduce((all, height) => all + height, 0);
	if (sum <= total) {
		return [...wanted];
	}

	const heights = wanted.map(height => Math.min(height, sectionFloor));
	let spare = total - heights.reduce((all, height) => all + height, 0);
	// Hand out the rest a line at a time to the section furthest below what it wants, in proportion.
	while (spare > 0) {
		let best = -1;
		for (const [index, height] of heights.entries()) {
			const want = wanted[index] ?? 0;
			if (height < want && (best === -1 || height / want < (heights[best] ?? 0) / (wanted[best] ?? 1))) {
				best = index;
			}
		}

		if (best === -1) {
			break;
		}

		heights[best] = (heights[best] ?? 0) + 1;
		spare--;
	}

	return heights;
}

/**
 * The status codes' height, given before the other sections share the rest:
 * codes are few, and one left off the list hides errors the row counts. The
 * `others` sections keep at least their floor.
 */
const statusFirst = (wanted: number, available: number, others: number): number =>
	Math.min(wanted, Math.max(Math.min(sectionFloor, available), available - others * sectionFloor));

/** Lines a section of `entries` wants: a title and one line each (at least one, for "none yet"). */
const wantedFor = (entries: number): number => 1 + Math.max(1, entries);

function histogramEntries(detail: RowDetail): number {
	const buckets = detail.latencyHistogram;
	const first = buckets.findIndex(bucket => bucket.count > 0);
	if (first === -1) {
		return 0;
	}

	let last = buckets.length - 1;
	while (last > first && (buckets[last]?.count ?? 0) === 0) {
		last--;
	}

	return last - first + 1;
}

/** The whole drill-down in `width` x `height` cells, as lines. */
export function detailLines(detail: RowDetail, width: number, height: number, nowMs: number, showQuery: boolean): Line[] {
	const lines: Line[] = [...summaryLines(detail.row, width, meetingPoint(detail)), []];
	const remaining = height - lines.length;
	const histogramWanted = wantedFor(histogramEntries(detail));
	const statusWanted = wantedFor(detail.statusCodes.length + detail.grpcStatusCodes.length);
	const pathsWanted = wantedFor(detail.paths.length);
	const slowWanted = wantedFor(detail.recentSlow.length);
	const slow = (slowHeight: number): Line[] => sectionLines(slowSection(detail, width, slowHeight - 1, nowMs, showQuery), width, slowHeight);
	if (width >= sideBySideWidth) {
		const gapWidth = 3;
		const leftWidth = Math.floor((width - gapWidth) / 2);
		const rightWidth = width - gapWidth - leftWidth;
		const [topHeight = 0, slowHeight = 0] = shareHeights([Math.max(histogramWanted, statusWanted + 1 + pathsWanted), slowWanted], remaining - 1);
		const statusHeight = statusFirst(statusWanted, topHeight - 1, 1);
		const pathsHeight = topHeight - 1 - statusHeight;
		const left = sectionLines(histogramSection(detail, leftWidth, topHeight - 1), leftWidth, topHeight);
		const right = [
			...sectionLines(statusSection(detail, rightWidth, statusHeight - 1), rightWidth, statusHeight),
			[],
			...sectionLines(pathsSection(detail, rightWidth, pathsHeight - 1), rightWidth, pathsHeight),
		];
		lines.push(...besideLines(left, right, leftWidth, gapWidth), [], ...slow(slowHeight));
	} else {
		const available = remaining - 3;
		const statusHeight = statusFirst(statusWanted, available, 3);
		const [histogramHeight = 0, pathsHeight = 0, slowHeight = 0] = shareHeights(
			[histogramWanted, pathsWanted, slowWanted],
			available - statusHeight,
		);
		lines.push(
			...sectionLines(histogramSection(detail, width, histogramHeight - 1), width, histogramHeight),
			[],
			...sectionLines(statusSection(detail, width, statusHeight - 1), width, statusHeight),
			[],
			...sectionLines(pathsSection(detail, width, pathsHeight - 1), width, pathsHeight),
			[],
			...slow(slowHeight),
		);
	}

	return lines.slice(0, Math.max(0, height));
}
