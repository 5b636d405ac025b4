// The live view: header, table (or the detail of one row, or the help), and a
// footer, redrawn once per tick from an aggregator snapshot and on each key.

import {Box, useApp, useInput, useIsScreenReaderEnabled} from 'ink';
import {useMemo, useRef, useState} from 'react';
import type {Snapshot, ViewOptions} from '../aggregate/types.js';
import type {SourceState} from '../pipeline/exchange-source.js';
import type {AppProps} from './app-props.js';
import {blockLines, tableLines} from './body-lines.js';
import {layoutColumns} from './column-layout.js';
import {detailLines, type Line} from './detail-lines.js';
import {Footer, footerHeight} from './footer.js';
import {Header, headerLines} from './header.js';
import {helpLines} from './help-lines.js';
import {LinesBlock} from './lines-block.js';
import {Table} from './table.js';
import {useRawInput} from './use-raw-input.js';
import {useSnapshotTick} from './use-snapshot-tick.js';
import {useTerminalSize} from './use-terminal-size.js';
import {functionKeysIn, handleKey, initialViewState, isUnnamedKey, scrollTopFor, selectedIndexIn, splitKeys, type KeyContext, type Keypress, type ViewState} from './view-state.js';

// The smallest screen the view lays out for; smaller terminals get it clipped.
const minimumHeight = 10;

function emptyText(view: ViewOptions, sourceState: SourceState, snapshot: Snapshot): string {
	if (view.filter && snapshot.totals.count > 0) {
		return 'no rows match the filter (/ to change it, Enter on an empty prompt clears it)';
	}

	if (view.role !== 'both' && snapshot.totals.count > 0) {
		return `no ${view.role}-side exchanges (${view.role === 'server' ? 's' : 'c'} shows both sides again)`;
	}

	if (sourceState === 'replay-done') {
		return 'the recording holds no exchanges';
	}

	return 'waiting for HTTP traffic...';
}

const goneLine: Line = [{text: 'This row is gone (reset, expired or filtered out). Esc goes back.', tone: 'dim'}];

export function App(props: AppProps) {
	const {aggregator, source, color, showQuery, hostname, intervalMs} = props;
	const now = props.now ?? Date.now;
	const {exit} = useApp();
	const size = useTerminalSize();
	const [state, setState] = useState<ViewState>(() => initialViewState(props.initialView));
	const [generation, setGeneration] = useState(0);
	const [startedAtMs] = useState(now);
	const snapshot = useSnapshotTick({aggregator, source, view: state.view, paused: state.paused, intervalMs, now, generation});

	// One line short of the terminal: Ink then redraws in place rather than clearing the screen each frame.
	const height = Math.max(minimumHeight, size.rows - 1);
	const bodyHeight = height - headerLines - footerHeight(state.mode);
	const pageSize = Math.max(1, bodyHeight - 1);
	const layout = useMemo(() => layoutColumns(size.columns, state.view.groupBy), [size.columns, state.view.groupBy]);
	const selected = selectedIndexIn(state, snapshot.rows);
	const scrollTop = scrollTopFor(state.scrollTop, selected, pageSize, snapshot.rows.length);

	const context: KeyContext = {
		rows: snapshot.rows,
		pageSize,
		sortable: layout.columns.flatMap(column => (column.sort ? [column.sort] : [])),
	};
	// Keys typed faster than a render see the state the previous key left.
	const latest = useRef({state, context});
	latest.current = {state, context};
	// One key press; false once it quit.
	const press = (character: string, key: Keypress): boolean => {
		const result = handleKey(latest.current.state, character, key, latest.current.context);
		latest.current = {...latest.current, state: result.state};
		setState(result.state);
		if (result.effect === 'reset') {
			aggregator.reset(now());
			setGeneration(previous => previous + 1);
		} else if (result.effect === 'quit') {
			props.onQuit?.();
			exit();
			return false;
		}
		return true;
	};
	// Ink names no function key: htop's are read from the raw input (before useInput: see use-raw-input.ts).
	useRawInput(input => {
		for (const standsFor of functionKeysIn(input, latest.current.state.mode.kind)) {
			if (!press(standsFor, {})) {
				return;
			}
		}
	});
	useInput((input, key) => {
		if (isUnnamedKey(input, key)) {
			return; // a function key is read from the raw input above
		}
		for (const [character, keypress] of splitKeys(input, key)) {
			if (!press(character, keypress)) {
				return;
			}
		}
	});

	const showsDetail = state.mode.kind === 'detail' || (state.mode.kind === 'help' && state.mode.back === 'detail');
	const detail = useMemo(
		() => (showsDetail && state.selectedKey !== null ? aggregator.detail(state.selectedKey, state.view, snapshot.atMs) : null),
		[aggregator, showsDetail, state.selectedKey, state.view, snapshot],
	);

	// The body drawn by the screen, outside Ink (see screen.ts); Ink draws it when there is no screen or a screen reader is on.
	const screenReader = useIsScreenReaderEnabled();
	const screen = screenReader ? undefined : props.screen;
	const emptyMessage = emptyText(state.view, source.state(), snapshot);
	let body;
	if (screen) {
		let lines: string[];
		if (state.mode.kind === 'help') {
			lines = blockLines(helpLines(size.columns, bodyHeight), color, size.columns);
		} else if (state.mode.kind === 'detail') {
			lines = blockLines(detail ? detailLines(detail, size.columns, bodyHeight, snapshot.atMs, showQuery) : [goneLine], color, size.columns);
		} else {
			lines = tableLines({rows: snapshot.rows, layout, sort: state.view.sort, selected, scrollTop, pageSize, color, width: size.columns, emptyText: emptyMessage});
		}

		// Exactly the body's height, so that the footer stays at the bottom.
		screen.setBody(headerLines, Array.from({length: bodyHeight}, (_, index) => lines[index] ?? ''), size);
	} else if (state.mode.kind === 'help') {
		body = <LinesBlock lines={helpLines(size.columns, bodyHeight)} color={color} width={size.columns} />;
	} else if (state.mode.kind === 'detail') {
		body = <LinesBlock lines={detail ? detailLines(detail, size.columns, bodyHeight, snapshot.atMs, showQuery) : [goneLine]} color={color} width={size.columns} />;
	} else {
		body = (
			<Table
				rows={snapshot.rows}
				layout={layout}
				sort={state.view.sort}
				selected={selected}
				scrollTop={scrollTop}
				pageSize={pageSize}
				color={color}
				width={size.columns}
				emptyText={emptyMessage}
			/>
		);
	}

	return (
		<Box flexDirection="column" height={screen ? headerLines + footerHeight(state.mode) : height}>
			<Header
				hostname={hostname}
				description={source.description}
				sourceState={source.state()}
				paused={state.paused}
				// A replay's clock is the recording's, which began before the view did.
				uptimeMs={Math.max(0, snapshot.atMs - Math.min(startedAtMs, snapshot.startedAtMs))}
				snapshot={snapshot}
				view={state.view}
				color={color}
				width={size.columns}
			/>
			{screen ? null : (
				<Box flexDirection="column" height={bodyHeight}>
					{body}
				</Box>
			)}
			<Footer mode={state.mode} notice={state.notice} width={size.columns} color={color} />
		</Box>
	);
}
