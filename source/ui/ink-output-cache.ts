// Ink builds every frame as a grid of styled cells (one object per cell of
// the terminal), then turns each grid row back into a string, comparing the
// styles of every cell with its neighbour's: with a full-screen table that is
// most of a frame's time at large sizes (at 300x100, 30,000 cells a frame).
// A top-style view redraws mostly the same lines (a key press moves the
// selection or re-sorts rows whose text has not changed), so here:
//
// - each screen row's string is kept, keyed by what was written to that row
//   (position and text of each write, in order), and a row is only built
//   again when that changes;
// - a row holding one line of plain text and colour codes (every row the
//   view draws) is built run by run (`fastRow`), which gives Ink's string
//   (checked against Ink's own at load, and by tests) without Ink's grapheme
//   segmentation of the whole line; any other row is built by Ink's own code
//   (its `get` on a one-row output holding just that row's writes), with
//   Ink's cache of styled characters per line kept from frame to frame
//   (bounded) instead of thrown away after each frame.
//
// The same module also lends out Ink's own measure of a line's width (its
// string-width), for segments-line.tsx.
//
// This reaches into Ink's internals (build/output.js, not part of its public
// API): if they are not what this expects (or a frame holds anything this
// does not know, such as a clipping box), Ink's own `get` runs, as it always
// does, and no width is lent out.

import {styledCharsFromTokens, styledCharsToString, tokenize, type StyledChar, type Token} from '@alcalzone/ansi-tokenize';
import {narrowText} from './text-width.js';

type Caches = {readonly styledChars: Map<string, unknown>; readonly widths: Map<string, number>; readonly blockWidths: Map<string, number>};
type Transformer = (line: string, index: number) => string;
type Write = {readonly type: 'write'; readonly x: number; readonly y: number; readonly text: string; readonly transformers: readonly Transformer[]};
type Operation = Write | {readonly type: string};
type OutputInstance = {width: number; height: number; operations: Operation[]; caches: Caches};
type Get = (this: OutputInstance) => {output: string; height: number};
type OutputClass = {
	new (options: {width: number; height: number}): {caches?: {readonly widths?: Map<string, number>; getStringWidth?: (text: string) => number}};
	prototype: {get: Get};
};

/** Lines (and widths) kept before the styled-character cache starts over (rows are kept whole, below; this serves rows made of several writes). */
const maxCachedLines = 256;
/** Screen rows kept before the row cache starts over. */
const maxCachedRows = 4096;

export type InkOutputPatch = {
	/** Ink's own `get`, unpatched (for tests comparing the two). */
	readonly original: Get;
	/** The replacement installed on Ink's Output class. */
	readonly patched: Get;
	/** Whether rows of one line are built run by run (they agreed with Ink's own on sample lines). */
	readonly fastRows: boolean;
};

const isWrite = (operation: Operation): operation is Write => operation.type === 'write';

// SGR sequences (colour, bold, dim, inverse: all chalk writes), tokenized once each.
const sgrSequence = /\u001B\[[\d;]*m/g;
const sequenceTokens = new Map<string, Token[]>();
const tokensOf = (sequence: string): Token[] => {
	let tokens = sequenceTokens.get(sequence);
	if (tokens === undefined) {
		tokens = tokenize(sequence);
		if (sequenceTokens.size < 256) {
			sequenceTokens.set(sequence, tokens);
		}
	}

	return tokens;
};

/**
 * The row Ink makes of one line written at `x`, built run by run instead of
 * cell by cell: for a line whose text (outside its SGR sequences) is
 * printable ASCII or the view's own one-cell symbols, each character is one
 * grapheme one cell wide, and characters between two sequences share their
 * styles, so Ink's per-cell style diff is empty inside a run. Ink's own
 * tokenizer (the same package) styles the runs, and its styledCharsToString
 * joins them: the same string as Ink's, at a fraction of the cost (Ink
 * segments the whole line into graphemes). Null for any other line.
 */
export function fastRow(x: number, line: string, width: number): string | null {
	if (!Number.isInteger(x) || x < 0 || x > width) {
		return null;
	}

	const tokens: Token[] = [];
	const runs: string[] = [];
	let cells = 0;
	let start = 0;
	const text = (end: number): boolean => {
		if (end > start) {
			const run = line.slice(start, end);
			if (!narrowText.test(run)) {
				return false;
			}

			tokens.push({type: 'char', value: run, fullWidth: false});
			runs.push(run);
			cells += run.length;
		}

		return true;
	};

	for (const match of line.matchAll(sgrSequence)) {
		if (!text(match.index)) {
			return null;
		}

		tokens.push(...tokensOf(match[0]));
		start = match.index + match[0].length;
	}

	if (!text(line.length)) {
		return null;
	}

	// One styled "character" per run, holding the whole run: Ink's string of them is the row's.
	const chars: StyledChar[] = styledCharsFromTokens(tokens);
	if (chars.length !== runs.length) {
		return null;
	}

	const blank = (count: number): StyledChar => ({type: 'char', value: ' '.repeat(count), fullWidth: false, styles: []});
	const row = [...(x > 0 ? [blank(x)] : []), ...chars, ...(width > x + cells ? [blank(width - x - cells)] : [])];
	return styledCharsToString(row).trimEnd();
}

function makePatched(output: OutputClass): {readonly patched: Get; readonly fastRows: boolean} {
	const originalGet = output.prototype.get;
	let kept: Caches | null = null;
	// Width and position of the write (or width alone for several writes) -> what was written -> the row's string.
	const rowCache = new Map<string, Map<string, string>>();
	let cachedRows = 0;

	const keepCaches = (instance: OutputInstance): void => {
		if (kept === null || kept.styledChars.size > maxCachedLines || kept.widths.size > 4 * maxCachedLines || kept.blockWidths.size > maxCachedLines) {
			kept = instance.caches;
		}

		instance.caches = kept;
	};

	/** Ink's own way: its get on a one-row output holding just this row's writes. */
	const inkRow = (caches: Caches, width: number, writes: ReadonlyArray<readonly [number, string]>): string =>
		originalGet.call({width, height: 1, operations: writes.map(([x, line]) => ({type: 'write', x, y: 0, text: line, transformers: []})), caches}).output;

	// Rows are built run by run only if that agrees with Ink on a few lines like the view's.
	const samples: ReadonlyArray<readonly [number, string]> = [
		[0, 'plain'],
		[2, '\u001B[2m/api\u001B[22m \u001B[1m\u001B[31m25.0%\u001B[39m\u001B[22m  '],
		[0, '\u001B[7m>\u001B[1m▁▂█…\u001B[22m \u001B[27m'],
		[0, '\u001B[32mok\u001B[39m\u001B[2m\u001B[22m   '],
		[5, '\u001B[38;5;123mx\u001B[0m y\u001B[1;4mz'],
		[0, ''],
	];
	let fastRows = false;
	try {
		const caches = new output({width: 0, height: 0}).caches as unknown as Caches;
		fastRows = samples.every(([x, line]) => fastRow(x, line, 20) === inkRow(caches, 20, [[x, line]]));
	} catch {
		// Ink's own rows, then.
	}

	const patched: Get = function (this: OutputInstance) {
		if (!(this.caches?.styledChars instanceof Map) || !Array.isArray(this.operations)) {
			return originalGet.call(this);
		}

		keepCaches(this);
		const {width, height, operations} = this;
		if (!Number.isInteger(width) || !Number.isInteger(height) || height < 0) {
			return originalGet.call(this);
		}

		// What each screen row receives, in order: [x, line after the transformers].
		const rows: Array<Array<[number, string]> | undefined> = [];
		for (const operation of operations) {
			if (!isWrite(operation) || typeof operation.text !== 'string' || !Array.isArray(operation.transformers)) {
				// Clipping (or anything else): Ink's own way.
				return originalGet.call(this);
			}

			const {x, y, text, transformers} = operation;
			let offsetY = 0;
			for (const [index, original] of text.split('\n').entries()) {
				const row = y + offsetY;
				// As in Ink: a line below (or above) the output is skipped, and so are the ones after it.
				if (!Number.isInteger(row) || row < 0 || row >= height) {
					continue;
				}

				let line = original;
				for (const transformer of transformers) {
					line = transformer(line, index);
				}

				if (typeof line !== 'string' || line.includes('\n')) {
					return originalGet.call(this);
				}

				(rows[row] ??= []).push([x, line]);
				offsetY++;
			}
		}

		const lines: string[] = [];
		for (let row = 0; row < height; row++) {
			const writes = rows[row];
			if (writes === undefined) {
				// A row of blank cells, trimmed.
				lines.push('');
				continue;
			}

			// One write (the common case) is looked up by its line itself, the same string from frame to frame.
			const only = writes.length === 1 ? writes[0] : undefined;
			const group = only ? `${width}\u0000${only[0]}` : String(width);
			const key = only ? only[1] : writes.map(([x, line]) => `${x}\u0000${line.length}\u0000${line}`).join('\u0000');
			let built = rowCache.get(group)?.get(key);
			if (built === undefined) {
				built = (only && fastRows ? fastRow(only[0], only[1], width) : null) ?? inkRow(this.caches, width, writes);
				if (++cachedRows > maxCachedRows) {
					rowCache.clear();
					cachedRows = 1;
				}

				let rowsOfGroup = rowCache.get(group);
				if (rowsOfGroup === undefined) {
					rowsOfGroup = new Map();
					rowCache.set(group, rowsOfGroup);
				}

				rowsOfGroup.set(key, built);
			}

			lines.push(built);
		}

		return {output: lines.join('\n'), height};
	};
	return {patched, fastRows};
}

/** Ink's own width of a line (the string-width it measures and places text with), through a bounded cache. */
function makeStringWidth(output: OutputClass): ((text: string) => number) | null {
	try {
		return makeStringWidthOrThrow(output);
	} catch {
		return null;
	}
}

function makeStringWidthOrThrow(output: OutputClass): ((text: string) => number) | null {
	const fresh = () => new output({width: 0, height: 0}).caches;
	let caches = fresh();
	if (typeof caches?.getStringWidth !== 'function' || !(caches.widths instanceof Map)) {
		return null;
	}

	const measure = (text: string): number => {
		if ((caches?.widths?.size ?? 0) > 4 * maxCachedLines) {
			caches = fresh();
		}

		return caches?.getStringWidth?.(text) ?? Number.NaN;
	};

	return measure('ab') === 2 && measure('日本') === 4 && measure('\u001B[1mab\u001B[22m') === 2 ? measure : null;
}

async function loadInkOutput(): Promise<OutputClass | null> {
	try {
		const module = (await import(new URL('output.js', import.meta.resolve('ink')).href)) as {default?: OutputClass};
		return typeof module.default?.prototype.get === 'function' ? module.default : null;
	} catch {
		// Another layout of Ink: leave it alone.
		return null;
	}
}

function patchInkOutput(output: OutputClass | null): InkOutputPatch | null {
	const originalGet = output?.prototype.get;
	if (!output || typeof originalGet !== 'function') {
		return null;
	}

	const {patched, fastRows} = makePatched(output);
	output.prototype.get = patched;
	return {original: originalGet, patched, fastRows};
}

const inkOutput = await loadInkOutput();

/** What was installed on Ink's Output class, or null when Ink is laid out otherwise (and left alone). */
export const inkOutputPatch = patchInkOutput(inkOutput);

/** Cells Ink takes a line to be wide (its string-width), or null when that is out of reach. */
export const inkStringWidth = inkOutput ? makeStringWidth(inkOutput) : null;
