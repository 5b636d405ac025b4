import test from 'ava';
import {sanitize} from '../source/ui/sanitize.js';
import {cellWidth, elideMiddle, padEnd, padStart, truncateEnd} from '../source/ui/text-width.js';
import {seeded} from './helpers/seeded.js';

// Every code point that a terminal acts on rather than shows.
const terminalControls = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

test('plain ASCII passes through unchanged', t => {
	t.is(sanitize('/api/v1/users/:id?x=1'), '/api/v1/users/:id?x=1');
	t.is(sanitize(''), '');
});

test('ESC sequences are shown escaped, never raw', t => {
	t.is(sanitize('/\u001b[2J\u001b[31mred'), '/\\x1b[2J\\x1b[31mred');
	// OSC 52 writes the clipboard, OSC 0 sets the window title; Ink would pass both through.
	t.is(sanitize('\u001b]52;c;ZXZpbA==\u0007'), '\\x1b]52;c;ZXZpbA==\\x07');
	t.is(sanitize('\u001b]0;owned\u001b\\'), '\\x1b]0;owned\\x1b\\\\');
});

test('C0, DEL and C1 controls are escaped as \\xNN', t => {
	t.is(sanitize('a\nb\rc\td\u0000e'), 'a\\x0ab\\x0dc\\x09d\\x00e');
	t.is(sanitize('x\u007fy'), 'x\\x7fy');
	// C1 CSI (0x9b) starts a control sequence on some terminals.
	t.is(sanitize('\u009b31m\u0085'), '\\x9b31m\\x85');
});

test('bidi overrides, invisible format characters and separators are escaped', t => {
	t.is(sanitize('/admin\u202Etxt.exe'), '/admin\\u{202E}txt.exe');
	t.is(sanitize('a\u2066b\u2069'), 'a\\u{2066}b\\u{2069}');
	t.is(sanitize('zero\u200Bwidth\uFEFF'), 'zero\\u{200B}width\\u{FEFF}');
	t.is(sanitize('line\u2028sep'), 'line\\u{2028}sep');
});

test('lone surrogates and private-use code points are escaped; valid pairs are kept', t => {
	t.is(sanitize('a\uD800b'), 'a\\u{D800}b');
	t.is(sanitize('\uDC00'), '\\u{DC00}');
	t.is(sanitize('\uE000'), '\\u{E000}');
	t.is(sanitize('ok 😀'), 'ok 😀');
});

test('backslashes are doubled so a shown escape is unambiguous', t => {
	t.is(sanitize('C:\\x1b'), 'C:\\\\x1b');
});

test('printable non-ASCII text is kept', t => {
	t.is(sanitize('/café/日本語'), '/café/日本語');
});

test('nothing a terminal acts on survives, whatever the bytes', t => {
	for (let codePoint = 0; codePoint < 0x3000; codePoint++) {
		const text = `a${String.fromCodePoint(codePoint)}b`;
		t.false(terminalControls.test(sanitize(text)), `U+${codePoint.toString(16)}`);
	}
});

test('cell widths count wide and zero-width characters', t => {
	t.is(cellWidth('abc'), 3);
	t.is(cellWidth('日本'), 4);
	t.is(cellWidth('e\u0301'), 1);
	t.is(cellWidth('µs'), 2);
});

test('elideMiddle keeps both ends of a long route', t => {
	const route = '/api/v1/customers/:id/orders/:id/items';
	t.is(elideMiddle(route, 100), route);
	const elided = elideMiddle(route, 21);
	t.is(cellWidth(elided), 21);
	t.true(elided.startsWith('/api/v1/cu'));
	t.true(elided.endsWith(':id/items'));
	t.true(elided.includes('…'));
	t.is(elideMiddle(route, 1), '…');
	t.is(elideMiddle(route, 0), '');
	// Wide characters cannot always fill the last cell.
	t.true(cellWidth(elideMiddle('/日本語/日本語/日本語', 9)) <= 9);
	t.true(cellWidth(elideMiddle('/日本語/日本語/日本語', 9)) >= 8);
});

test('padding and truncation give exact widths', t => {
	t.is(padEnd('ab', 4), 'ab  ');
	t.is(padStart('ab', 4), '  ab');
	t.is(padEnd('abcdef', 4), 'abc…');
	t.is(truncateEnd('abcdef', 6), 'abcdef');
	t.is(truncateEnd('日本語', 5), '日本…');
	t.is(cellWidth(padEnd('日本語', 5)), 5);
});

test('a cut never overflows its cells, whatever character falls on the cut, and pads to the exact width', t => {
	const pieces = ['a', '/api', '日', '本語', '😀', 'e\u0301', '\u200B', '…', '▁▂', 'µ', '🇩🇪', '한국', '\\x1b[', 'ｱ'];
	const next = seeded(3);
	for (let index = 0; index < 3000; index++) {
		const text = Array.from({length: Math.floor(next() * 12)}, () => pieces[Math.floor(next() * pieces.length)]!).join('');
		const width = Math.floor(next() * 14);
		const context = JSON.stringify({text, width});
		t.true(cellWidth(truncateEnd(text, width)) <= width, context);
		t.true(cellWidth(elideMiddle(text, width)) <= width, context);
		t.is(cellWidth(padEnd(text, width)), width, context);
		t.is(cellWidth(padStart(text, width)), width, context);
		if (width > 0 && cellWidth(text) <= width) {
			t.is(truncateEnd(text, width), text, context);
			t.is(elideMiddle(text, width), text, context);
		}
	}
});
