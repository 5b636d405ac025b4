// The default report: summary lines, a blank line, then a table of one line
// per row under a header line, as top, kubectl and docker ps print theirs:
// an ink-table (@alcalzone/ink-table, the ESM build of ink-table) whose
// skeleton draws nothing, so no border and no rule between rows; columns are
// two spaces apart. Rendered once to a string. ink-table sizes and pads
// columns by String.length, not terminal cells, so cell text is made one cell
// per UTF-16 unit here (sanitised, wide characters escaped). On a terminal the
// table is fitted to its width (the route elided, then the least useful
// columns left out, as top does); a pipe gets every column at full width.

import React from 'react';
import {Text, renderToString} from 'ink';
import {Table} from '@alcalzone/ink-table';
import {cellWidth, elideMiddle, truncateEnd} from '../ui/text-width.js';
import {displayColumns, lastResortDropOrder, summaryLines, type DisplayColumn} from './columns.js';
import type {Report} from './model.js';

export type TableOptions = {
	readonly color: boolean;
	readonly width?: number; // terminal columns; undefined when stdout is not a terminal
	readonly note?: string; // appended to the summary
};

const cellPadding = 1;
// The route is elided to this before any column is left out, and never below the second.
const comfortableKeyWidth = 32;
const narrowestKeyWidth = 12;

// Text is already sanitised; a character whose cells differ from its UTF-16
// length (wide, zero-width, astral) would misalign ink-table, so it is escaped.
const cellAligned = (text: string): string =>
	text.replace(/[^\x20-\x7e]/gu, character => (cellWidth(character) === character.length
		? character
		: `\\u{${(character.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`));

type Laid = {readonly columns: readonly DisplayColumn[]; readonly cells: readonly string[][]};

const columnWidth = (laid: Laid, index: number): number =>
	Math.max(laid.columns[index]?.header.length ?? 0, ...laid.cells.map(row => row[index]?.length ?? 0));

// The width ink-table lays out: per column the longest text plus padding on both sides.
const layoutWidth = (laid: Laid): number =>
	laid.columns.reduce((sum, _column, index) => sum + columnWidth(laid, index) + (2 * cellPadding), 0);

// The width of the lines as printed: the last column's right padding is trailing space, trimmed.
const tableWidth = (laid: Laid): number => layoutWidth(laid) - cellPadding;

// The skeleton (borders, rules between rows) draws nothing.
const noSkeleton = () => null;

// The route in the endpoint view, else the grouping's label: the first column.
const keyIndexOf = (columns: readonly DisplayColumn[]): number => Math.max(0, columns.findIndex(column => column.header === 'ROUTE'));

function elideKey(laid: Laid, maxWidth: number, floor: number): Laid {
	const keyIndex = keyIndexOf(laid.columns);
	const excess = tableWidth(laid) - maxWidth;
	const keyWidth = columnWidth(laid, keyIndex);
	const target = Math.max(floor, laid.columns[keyIndex]?.header.length ?? 0, keyWidth - excess);
	if (excess <= 0 || target >= keyWidth) {
		return laid;
	}

	return {columns: laid.columns, cells: laid.cells.map(row => row.map((cell, index) => (index === keyIndex ? elideMiddle(cell, target) : cell)))};
}

function withoutColumn(laid: Laid, dropped: number): Laid {
	return {
		columns: laid.columns.filter((_column, index) => index !== dropped),
		cells: laid.cells.map(row => row.filter((_cell, index) => index !== dropped)),
	};
}

/** Leaves out droppable columns below `below` in their order, lowest first, until the table fits. */
function dropColumns(laid: Laid, maxWidth: number, below: number): Laid {
	let fitted = laid;
	while (tableWidth(fitted) > maxWidth) {
		const droppable = fitted.columns
			.map((column, index) => ({order: column.dropOrder, index}))
			.filter((entry): entry is {order: number; index: number} => entry.order !== undefined && entry.order < below)
			.sort((first, second) => first.order - second.order)[0];
		if (!droppable) {
			break;
		}

		fitted = withoutColumn(fitted, droppable.index);
	}

	return fitted;
}

/** Cuts the end of the text columns that allow it (PROCESS, HOST, CONTAINER), widest first, down to their floors. */
function cutTextColumns(laid: Laid, maxWidth: number): Laid {
	let fitted = laid;
	for (;;) {
		const excess = tableWidth(fitted) - maxWidth;
		const widest = fitted.columns
			.map((column, index) => ({floor: Math.max(column.cutTo ?? Infinity, column.header.length), width: columnWidth(fitted, index), index}))
			.filter(entry => entry.width > entry.floor)
			.sort((first, second) => second.width - first.width)[0];
		if (excess <= 0 || !widest) {
			return fitted;
		}

		const target = Math.max(widest.floor, widest.width - excess);
		fitted = {columns: fitted.columns, cells: fitted.cells.map(row => row.map((cell, index) => (index === widest.index ? truncateEnd(cell, target) : cell)))};
	}
}

/**
 * Fits the table into `maxWidth`, as top does: elide the route, leave out
 * the least useful columns, elide the route further and cut the process and
 * host names, and only then leave out P50 and 5XX. Below about 60 columns
 * the table still runs over.
 */
function fitToWidth(laid: Laid, maxWidth: number): Laid {
	let fitted = dropColumns(elideKey(laid, maxWidth, comfortableKeyWidth), maxWidth, lastResortDropOrder);
	fitted = cutTextColumns(elideKey(fitted, maxWidth, narrowestKeyWidth), maxWidth);
	return dropColumns(fitted, maxWidth, Infinity);
}

export function formatTable(report: Report, options: TableOptions): string {
	const summary = summaryLines(report);
	if (options.note) {
		summary.push(options.note);
	}

	if (report.endpoints.length === 0) {
		return `${summary.join('\n')}\n`;
	}

	const columns = displayColumns(report);
	const full: Laid = {columns, cells: report.endpoints.map(endpoint => columns.map(column => cellAligned(column.text(endpoint))))};
	const laid = options.width === undefined ? full : fitToWidth(full, options.width);
	const hidden = full.columns.length - laid.columns.length;
	if (hidden > 0) {
		summary.push(`${hidden} column${hidden === 1 ? '' : 's'} left out to fit the terminal (a pipe, or --format, gets them all)`);
	}

	const data = laid.cells.map(row => Object.fromEntries(laid.columns.map((column, index) => [column.header, row[index] ?? ''])));
	const Header = ({children}: React.PropsWithChildren) => (options.color ? <Text bold color="blue">{children}</Text> : <Text>{children}</Text>);
	// Laid out wider than the table so that Ink never wraps a line; the terminal's width was honoured above.
	const table = renderToString(
		<Table
			data={data}
			columns={laid.columns.map(column => ({key: column.header, align: column.align}))}
			padding={cellPadding}
			header={Header}
			skeleton={noSkeleton}
		/>,
		{columns: layoutWidth(laid) + 1},
	);
	return `${summary.join('\n')}\n\n${table}\n`;
}
