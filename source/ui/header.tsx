// The four lines above the table: who and what is traced, the totals, the
// capture's health (drops stand out when non-zero), and the current view.

import {Box} from 'ink';
import type {Snapshot, ViewOptions} from '../aggregate/types.js';
import type {SourceState} from '../pipeline/exchange-source.js';
import {formatCount, formatDuration, formatPercent, formatRate} from './format.js';
import {sanitize} from './sanitize.js';
import {SegmentsLine} from './segments-line.js';
import {errorTone, latencyTone, type Segment, type Tone} from './table-line.js';

export const headerLines = 4;

type Props = {
	readonly hostname: string;
	readonly description: string;
	readonly sourceState: SourceState;
	readonly paused: boolean;
	readonly uptimeMs: number;
	readonly snapshot: Snapshot;
	readonly view: ViewOptions;
	readonly color: boolean;
	/** The terminal's width. */
	readonly width: number;
};

const stateLabels: Readonly<Record<SourceState, {readonly text: string; readonly tone: Tone}>> = {
	tracing: {text: 'tracing', tone: 'good'},
	replaying: {text: 'replaying a file', tone: 'good'},
	'replay-done': {text: 'replay finished', tone: 'plain'},
	stopped: {text: 'stopped', tone: 'warn'},
};

const label = (text: string): Segment => ({text, tone: 'dim'});
const value = (text: string, tone: Tone = 'plain'): Segment => ({text, tone});
const gap: Segment = {text: '  ', tone: 'plain'};

function titleLine(props: Props): Segment[] {
	const start = [value('httptop', 'good'), label(' on '), value(sanitize(props.hostname)), gap, label('up '), value(formatDuration(props.uptimeMs)), gap];
	const description = sanitize(props.description);
	if (!props.paused && (props.sourceState === 'tracing' || props.sourceState === 'replaying')) {
		// The description says it already ("tracing 26 tracepoints · TLS: ...", "replaying FILE"), in the state's tone.
		return [...start, value(description, stateLabels[props.sourceState].tone)];
	}
	const state = props.paused
		? value('PAUSED (capture goes on)', 'warn')
		: value(stateLabels[props.sourceState].text, stateLabels[props.sourceState].tone);
	return [...start, state, gap, label(description)];
}

function totalsLine({snapshot}: Props): Segment[] {
	const {totals} = snapshot;
	const shown = snapshot.rows.length === totals.rows ? formatCount(totals.rows) : `${formatCount(snapshot.rows.length)}/${formatCount(totals.rows)}`;
	return [
		label('req/s '),
		value(formatRate(totals.ratePerSec)),
		gap,
		label('requests '),
		value(formatCount(totals.count)),
		gap,
		label('errors '),
		value(formatPercent(totals.errorRate), errorTone(totals.errorRate)),
		gap,
		label('p50 '),
		value(formatDuration(totals.latencyMs.p50), latencyTone(totals.latencyMs.p50)),
		gap,
		label('p99 '),
		value(formatDuration(totals.latencyMs.p99), latencyTone(totals.latencyMs.p99)),
		gap,
		label('rows '),
		value(shown),
	];
}

function captureLine({snapshot}: Props): Segment[] {
	const {capture} = snapshot.totals;
	const counter = (name: string, count: number, tone: Tone): Segment[] => [label(`${name} `), value(formatCount(count), count > 0 ? tone : 'plain'), gap];
	return [
		label('capture  events/s '),
		value(formatRate(capture.eventsPerSec)),
		gap,
		...counter('drops', capture.dropped, 'bad'),
		...counter('truncated', capture.truncated, 'warn'),
		...counter('parse errors', capture.parseErrors, 'warn'),
		...counter('unpaired', capture.unpaired, 'plain'),
	];
}

function viewLine({view}: Props): Segment[] {
	const filter = view.filter ? [label('filter '), value(sanitize(view.filter.source), 'warn')] : [label('no filter (/ to add)')];
	return [
		label('group '),
		value(view.groupBy),
		gap,
		label('sort '),
		value(`${view.sort.column}${view.sort.descending ? '▼' : '▲'}`),
		gap,
		label('role '),
		value(view.role),
		gap,
		...filter,
	];
}

export function Header(props: Props) {
	return (
		<Box flexDirection="column" flexShrink={0}>
			<SegmentsLine segments={titleLine(props)} color={props.color} width={props.width} />
			<SegmentsLine segments={totalsLine(props)} color={props.color} width={props.width} />
			<SegmentsLine segments={captureLine(props)} color={props.color} width={props.width} />
			<SegmentsLine segments={viewLine(props)} color={props.color} width={props.width} />
		</Box>
	);
}
