// Ink turns every line of every frame into styled characters (ANSI tokenizing
// and a width per character) in a cache it throws away after each frame: with
// a full-screen table that is most of a frame's time (about 17 ms at 120x40,
// 200 ms at 300x100, measured by bench/ui.ts). A top-style view redraws mostly
// the same lines (a key press moves the selection or re-sorts rows whose text
// has not changed), so the cache is kept from frame to frame here, bounded.
//
// This reaches into Ink's internals (build/output.js, not part of its public
// API): if they are not where this expects them, nothing is changed and Ink
// simply works as it always does.

type Caches = {readonly styledChars: Map<string, unknown>; readonly widths: Map<string, number>; readonly blockWidths: Map<string, number>};
type OutputInstance = {caches: Caches};
type OutputClass = {prototype: {get: (this: OutputInstance) => unknown}};

/** Lines (and widths) kept before the cache starts over: a few screens' worth. */
const maxCachedLines = 4096;

async function keepInkOutputCaches(): Promise<void> {
	try {
		const module = (await import(new URL('output.js', import.meta.resolve('ink')).href)) as {default?: OutputClass};
		const output = module.default;
		const originalGet = output?.prototype.get;
		if (typeof originalGet !== 'function') {
			return;
		}
		let kept: Caches | null = null;
		output!.prototype.get = function (this: OutputInstance) {
			if (!(this.caches?.styledChars instanceof Map)) {
				return originalGet.call(this);
			}
			if (kept === null || kept.styledChars.size > maxCachedLines || kept.widths.size > 4 * maxCachedLines) {
				kept = this.caches;
			}
			this.caches = kept;
			return originalGet.call(this);
		};
	} catch {
		// Another layout of Ink: leave it alone.
	}
}

await keepInkOutputCaches();
