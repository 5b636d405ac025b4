// The live view's body (table, detail, help) as finished terminal lines, for
// the screen (screen.ts) to draw between Ink's header and footer: styled as
// the <Text> elements of segments-line.tsx style them, never wider than the
// terminal, and with nothing a terminal would act on.

import type {Row, Sort} from '../aggregate/types.js';
import type {Layout} from './column-layout.js';
import type {Line} from './detail-lines.js';
import {sanitize} from './sanitize.js';
import {styledLine} from './segments-line.js';
import {headerText, rowSegments, type Segment} from './table-line.js';
import {cellWidth, truncateEnd} from './text-width.js';

// What sanitize escapes, but the backslash: segments are sanitised already; this only guards.
const unsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]/u;

/** The segments cut to `width` cells (the segment that crosses the edge cut at its end), and made safe. */
function fitted(segments: readonly Segment[], width: number): Segment[] {
	const fitting: Segment[] = [];
	let used = 0;
	for (const segment of segments) {
		const text = unsafe.test(segment.text) ? sanitize(segment.text) : segment.text;
		const cells = cellWidth(text);
		if (used + cells <= width) {
			fitting.push({text, tone: segment.tone});
			used += cells;
			continue;
		}

		const cut = truncateEnd(text, width - used);
		if (cut !== '') {
			fitting.push({text: cut, tone: segment.tone});
		}

		break;
	}

	return fitting;
}

/** One line of segments, styled, in at most `width` cells. */
export function bodyLine(segments: readonly Segment[], color: boolean, width: number, inverse = false, bold = false): string {
	return styledLine(fitted(segments, width), color, inverse, bold);
}

/** A block of prepared lines (detail view, help overlay). */
export function blockLines(lines: readonly Line[], color: boolean, width: number): string[] {
	return lines.map(line => bodyLine(line, color, width));
}

/** What the table shows: table.tsx draws the same through Ink. */
export type TableView = {
	readonly rows: readonly Row[];
	readonly layout: Layout;
	readonly sort: Sort;
	readonly selected: number;
	readonly scrollTop: number;
	readonly pageSize: number;
	readonly color: boolean;
	readonly width: number;
	readonly emptyText: string;
};

// Each row's line, kept while its snapshot lasts (a snapshot's rows never change; a new snapshot has new
// rows): a key that moves the selection draws two rows' lines again, not the page.
type KeptLine = {readonly layout: Layout; readonly color: boolean; readonly width: number; readonly selected: boolean; readonly line: string};
const keptLines = new WeakMap<Row, KeptLine>();

function rowLine(row: Row, layout: Layout, color: boolean, width: number, selected: boolean): string {
	const kept = keptLines.get(row);
	if (kept && kept.layout === layout && kept.color === color && kept.width === width && kept.selected === selected) {
		return kept.line;
	}

	// A row is exactly the layout's width, of sanitised text: measured again only when the layout is wider than the terminal.
	const segments = rowSegments(row, layout, selected);
	const line = layout.width <= width ? styledLine(segments, color, selected) : bodyLine(segments, color, width, selected);
	keptLines.set(row, {layout, color, width, selected, line});
	return line;
}

/** The table as table.tsx draws it: the title line, then one line per visible row, the selected one in inverse video. */
export function tableLines({rows, layout, sort, selected, scrollTop, pageSize, color, width, emptyText}: TableView): string[] {
	const visible = rows.slice(scrollTop, scrollTop + pageSize);
	const lines = [bodyLine([{text: headerText(layout, sort), tone: 'plain'}], color, width, true, true)];
	if (visible.length === 0) {
		lines.push(bodyLine([{text: ` ${emptyText}`, tone: 'dim'}], color, width));
	}

	for (const [offset, row] of visible.entries()) {
		lines.push(rowLine(row, layout, color, width, scrollTop + offset === selected));
	}

	return lines;
}
