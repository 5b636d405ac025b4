// The live view's screen. Ink lays out and styles the header and the footer;
// the body (the table, the detail of a row, the help) is a block of lines the
// view has already fitted to the terminal and styled, and Ink never sees it.
// Ink builds every frame as a grid of styled cells, one object per cell of
// its output, and turns each row back into a string: for a full-screen table
// that was most of a frame's time (bench/ui.ts, docs/benchmarks.md).
//
// Ink writes each whole frame (its `debug` option, a public one) to a stream
// that stands for the terminal here (`inkStdout`: the terminal's size and
// resize events, passed through). The body lines go in after the header's
// lines, and only the screen lines that changed since the last frame are
// written to the terminal, each in place, in one synchronised update.

import {EventEmitter} from 'node:events';
import {sizeOf} from './use-terminal-size.js';

export type Screen = {
	/** What Ink is given as its stdout (render's `stdout`, with `debug: true`). */
	readonly inkStdout: NodeJS.WriteStream;
	/**
	 * The lines drawn after Ink's first `at` lines, in the frame Ink writes
	 * next: already sanitised, styled, and no wider than the terminal, whose
	 * size they were laid out for is given.
	 */
	setBody(at: number, lines: readonly string[], size: {readonly columns: number; readonly rows: number}): void;
};

// Terminals that know it show a frame only once it is whole (DEC mode 2026); others ignore it.
const beginUpdate = '\u001B[?2026h';
const endUpdate = '\u001B[?2026l';
const eraseLineEnd = '\u001B[K';
const eraseBelow = '\u001B[J';
const eraseScreen = '\u001B[2J';
const moveTo = (row: number): string => `\u001B[${row + 1};1H`;

export function createScreen(terminal: NodeJS.WriteStream): Screen {
	let body: {at: number; lines: readonly string[]; size: string | null} = {at: 0, lines: [], size: null};
	let shown: string[] = [];
	let shownSize = '';

	const draw = (frame: string): void => {
		const {columns, rows} = sizeOf(terminal);
		const size = `${columns}x${rows}`;
		// Not a frame (Ink clears its log on a resize), or one of a size the view has not laid out yet
		// (Ink draws once on a resize, before the view hears of it): the view's next frame follows.
		if (frame === '' || (body.size !== null && body.size !== size)) {
			return;
		}

		const inkLines = frame.split('\n');
		// A terminal smaller than the view's smallest layout shows its top, as Ink would.
		const lines = [...inkLines.slice(0, body.at), ...body.lines, ...inkLines.slice(body.at)].slice(0, rows);
		let update = '';
		if (size !== shownSize) {
			// A resize: the terminal has moved and rewrapped what was there.
			update += eraseScreen;
			shown = [];
			shownSize = size;
		}

		for (const [row, line] of lines.entries()) {
			if (shown[row] !== line) {
				update += `${moveTo(row)}${line}${eraseLineEnd}`;
			}
		}

		if (lines.length < shown.length) {
			update += `${moveTo(lines.length)}${eraseBelow}`;
		}

		shown = lines;
		if (update !== '') {
			terminal.write(`${beginUpdate}${update}${endUpdate}`);
		}
	};

	const inkStdout = new (class extends EventEmitter {
		readonly isTTY = true;
		get columns(): number {
			return terminal.columns;
		}

		get rows(): number {
			return terminal.rows;
		}

		write(frame: string | Uint8Array): boolean {
			draw(typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8'));
			return true;
		}
	})();
	terminal.on('resize', () => inkStdout.emit('resize'));

	return {
		inkStdout: inkStdout as unknown as NodeJS.WriteStream,
		setBody(at, lines, {columns, rows}) {
			body = {at, lines, size: `${columns}x${rows}`};
		},
	};
}
