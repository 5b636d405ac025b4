// Ink builds every frame as a grid of styled cells (one object per cell of
// the terminal), then turns each grid row back into a string, comparing the
// styles of every cell with its neighbour's: with a full-screen table that is
// most of a frame's time at large sizes (at 300x100, 30,000 cells a frame).
// A top-style view redraws mostly the same lines (a key press moves the
// selection or re-sorts rows whose text has not changed), so here:
//
// - each screen row's string is kept, keyed by what was written to that row
//   (position and text of each write, in order), and a row is only built
//   again when that changes; a row is built by Ink's own code (its `get` on a
//   one-row output holding just that row's writes), so it is exactly what
//   Ink would have made of it;
// - Ink's cache of styled characters per line, which it throws away after
//   each frame, is kept from frame to frame (bounded), for the rows that are
//   built.
//
// The same module also lends out Ink's own measure of a line's width (its
// string-width), for segments-line.tsx.
//
// This reaches into Ink's internals (build/output.js, not part of its public
// API): if they are not what this expects (or a frame holds anything this
// does not know, such as a clipping box), Ink's own `get` runs, as it always
// does, and no width is lent out.

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
};

const isWrite = (operation: Operation): operation is Write => operation.type === 'write';

function makePatched(originalGet: Get): Get {
	let kept: Caches | null = null;
	// Width and position of the write (or width alone for several writes) -> what was written -> the row's string.
	const rowCache = new Map<string, Map<string, string>>();
	let cachedRows = 0;

	const keepCaches = (output: OutputInstance): void => {
		if (kept === null || kept.styledChars.size > maxCachedLines || kept.widths.size > 4 * maxCachedLines || kept.blockWidths.size > maxCachedLines) {
			kept = output.caches;
		}

		output.caches = kept;
	};

	return function (this: OutputInstance) {
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
				const one: OutputInstance = {
					width,
					height: 1,
					operations: writes.map(([x, line]) => ({type: 'write', x, y: 0, text: line, transformers: []})),
					caches: this.caches,
				};
				built = originalGet.call(one).output;
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

	const patched = makePatched(originalGet);
	output.prototype.get = patched;
	return {original: originalGet, patched};
}

const inkOutput = await loadInkOutput();

/** What was installed on Ink's Output class, or null when Ink is laid out otherwise (and left alone). */
export const inkOutputPatch = patchInkOutput(inkOutput);

/** Cells Ink takes a line to be wide (its string-width), or null when that is out of reach. */
export const inkStringWidth = inkOutput ? makeStringWidth(inkOutput) : null;
