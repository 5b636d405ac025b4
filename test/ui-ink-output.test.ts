// The live view replaces Ink's Output.get with one that keeps each screen
// row's string from frame to frame (source/ui/ink-output-cache.ts): whatever
// is written, in whatever order, it must produce exactly what Ink's own get
// does, frame after frame (with the caches kept in between).

import test from 'ava';
import {fastRow, inkOutputPatch, type InkOutputPatch} from '../source/ui/ink-output-cache.js';
import {seeded} from './helpers/seeded.js';

type Transformer = (line: string, index: number) => string;
type Output = {write: (x: number, y: number, text: string, options: {transformers: Transformer[]}) => void; clip: (clip: object) => void; unclip: () => void};
type OutputClass = new (options: {width: number; height: number}) => Output;

const {default: OutputClass} = (await import(new URL('output.js', import.meta.resolve('ink')).href)) as {default: OutputClass};

const pieces = [
	'plain', ' ', '/api/users/:id', '▁▂▃▅▇█', '…', '▼', '日本語', '😀', 'e\u0301', '\u001B[31mred\u001B[39m', '\u001B[1mbold\u001B[22m',
	'\u001B[7m>\u001B[27m', '\u001B[2mdim\u001B[22m', 'x'.repeat(40), '', '\u001B[1;31m', '\u001B[0m', '\u001B[m', '\u001B[38;5;123m', '\u001B[48;2;1;2;3m',
	'\u001B]8;;http://x\u0007link\u001B]8;;\u0007', '\u001B[2J', '\u009B31m', 'µ≤↑',
];
const bold: Transformer = line => `\u001B[1m${line}\u001B[22m`;
const numbered: Transformer = (line, index) => `${index}:${line}`;

function randomFrame(next: () => number, width: number, height: number): Array<(output: Output) => void> {
	const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
	const steps: Array<(output: Output) => void> = [];
	const writes = Math.floor(next() * 2 * height);
	for (let index = 0; index < writes; index++) {
		const lines = Array.from({length: next() < 0.8 ? 1 : 1 + Math.floor(next() * 3)}, () =>
			Array.from({length: 1 + Math.floor(next() * 5)}, () => pick(pieces)).join(''));
		const x = next() < 0.6 ? 0 : Math.floor(next() * (width + 3));
		const y = Math.floor(next() * (height + 2)) - 1;
		const transformers = next() < 0.7 ? [] : next() < 0.5 ? [bold] : [numbered, bold];
		steps.push(output => {
			output.write(x, y, lines.join('\n'), {transformers});
		});
	}

	return steps;
}

const framesOf = (steps: ReadonlyArray<(output: Output) => void>, width: number, height: number, get: InkOutputPatch['original']) => {
	const output = new OutputClass({width, height});
	for (const step of steps) {
		step(output);
	}

	return get.call(output as unknown as ThisParameterType<InkOutputPatch['original']>);
};

test('the patch is installed on the Ink this project runs', t => {
	t.not(inkOutputPatch, null);
});

test('each frame is exactly what Ink builds, frame after frame', t => {
	const patch = inkOutputPatch!;
	const next = seeded(7);
	for (let frame = 0; frame < 400; frame++) {
		const width = 1 + Math.floor(next() * 30);
		const height = Math.floor(next() * 8);
		const steps = randomFrame(next, width, height);
		t.deepEqual(framesOf(steps, width, height, patch.patched), framesOf(steps, width, height, patch.original), `frame ${frame}`);
		// The same frame again: now from the kept rows.
		t.deepEqual(framesOf(steps, width, height, patch.patched), framesOf(steps, width, height, patch.original), `frame ${frame} again`);
	}
});

test('a row of one line is built run by run exactly as Ink builds it', t => {
	const patch = inkOutputPatch!;
	t.true(patch.fastRows);
	const next = seeded(11);
	const sgr = ['\u001B[1m', '\u001B[22m', '\u001B[2m', '\u001B[31m', '\u001B[39m', '\u001B[7m', '\u001B[27m', '\u001B[1;33m', '\u001B[0m', '\u001B[m', '\u001B[38;5;200m', '\u001B[42m', '\u001B[49m'];
	const texts = ['', ' ', 'a', '/api/users/:id', '▁▂▃▅▇█', '…', '▲▼', '  12.5ms ', 'x'.repeat(30)];
	let built = 0;
	for (let index = 0; index < 2000; index++) {
		const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
		const line = Array.from({length: Math.floor(next() * 12)}, () => (next() < 0.5 ? pick(sgr) : pick(texts))).join('');
		const width = Math.floor(next() * 60);
		const x = Math.floor(next() * (width + 2));
		const ink = framesOf([output => {
			output.write(x, 0, line, {transformers: []});
		}], width, 1, patch.original) as {output: string};
		const fast = fastRow(x, line, width);
		if (fast !== null) {
			built++;
			t.is(fast, ink.output, JSON.stringify({x, width, line}));
		}
	}

	t.true(built > 1500, `${built} rows built run by run`);
	t.is(fastRow(0, 'wide 日本', 20), null);
	t.is(fastRow(0, 'escape \u001B[2J', 20), null);
	t.is(fastRow(21, 'past the end', 20), null);
});

test('a frame with a clipping box is left to Ink', t => {
	const patch = inkOutputPatch!;
	const steps = [
		(output: Output) => {
			output.clip({x1: 2, x2: 6, y1: 0, y2: 2});
		},
		(output: Output) => {
			output.write(0, 0, 'abcdefghij\n\u001B[31m日本語日本語\u001B[39m\nhidden', {transformers: []});
		},
		(output: Output) => {
			output.unclip();
		},
	];
	t.deepEqual(framesOf(steps, 10, 3, patch.patched), framesOf(steps, 10, 3, patch.original));
});
