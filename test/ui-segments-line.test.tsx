// A line that fits the terminal reaches Ink as blanks of the same width,
// the coloured line put in its place when Ink writes the frame
// (source/ui/segments-line.tsx): the frame must be exactly what one <Text>
// per segment gives. The test worker's stdout is no terminal, so colour
// support (Ink's chalk) is switched on by hand.

import test from 'ava';
import type {ReactElement} from 'react';
import type {Segment, Tone} from '../source/ui/table-line.js';

const {default: chalk} = await import('chalk');
chalk.level = 1;
const {render} = await import('ink-testing-library');
const {Box, Text} = await import('ink');
const {SegmentsLine, fittingCells, toneStyle} = await import('../source/ui/segments-line.js');
const {cellWidth} = await import('../source/ui/text-width.js');

type LineProps = {readonly segments: readonly Segment[]; readonly color: boolean; readonly inverse?: boolean; readonly bold?: boolean};

/** The ordinary way: one <Text> per segment inside one truncating <Text>. */
function TextPerSegment({segments, color, inverse, bold}: LineProps) {
	return (
		<Text wrap="truncate" inverse={inverse} bold={bold}>
			{segments.map((segment, index) => (
				<Text key={index} {...toneStyle(segment.tone, color)}>
					{segment.text}
				</Text>
			))}
		</Text>
	);
}

const frameOf = (element: ReactElement): string => {
	const instance = render(<Box flexDirection="column">{element}</Box>);
	const frame = instance.lastFrame() ?? '';
	instance.unmount();
	return frame;
};

const columns = 100; // ink-testing-library's terminal width
const tones: Tone[] = ['plain', 'dim', 'warn', 'bad', 'good', 'notice'];
const segmentsOf = (...texts: string[]): Segment[] => texts.map((text, index) => ({text, tone: tones[index % tones.length]!}));

const lines: Segment[][] = [
	segmentsOf('>', '/api/users/:id', '  12.5', ' 25.0%', ' ▁▂▃▅▇█ '),
	segmentsOf(' ROUTE▼', ' REQ/S', ' µs ≤ 1', ' …', ' ↑↓ ⌫ ⏎'),
	segmentsOf('/日本語/ページ', ' サーバ', ' ok'),
	segmentsOf('/emoji/😀/👍🏽/e\u0301', ' café', ''),
	segmentsOf('', 'trailing spaces   ', '   '),
	segmentsOf('x'.repeat(columns)),
];

test('a line that fits is drawn exactly as one Text per segment draws it, in colour or not, selected or not', t => {
	for (const segments of lines) {
		t.not(fittingCells(segments.map(segment => segment.text).join(''), columns), null, JSON.stringify(segments));
		for (const color of [true, false]) {
			for (const [inverse, bold] of [[false, false], [true, false], [true, true], [false, true]] as const) {
				t.is(
					frameOf(<SegmentsLine segments={segments} color={color} width={columns} inverse={inverse} bold={bold} />),
					frameOf(<TextPerSegment segments={segments} color={color} inverse={inverse} bold={bold} />),
					JSON.stringify({segments, color, inverse, bold}),
				);
			}
		}
	}
});

test('a line wider than the terminal is cut as Ink cuts it', t => {
	const segments = segmentsOf('/api/'.repeat(15), ' ▁▂▃▅▇█'.repeat(10), ' 日本語'.repeat(10));
	t.is(fittingCells(segments.map(segment => segment.text).join(''), columns), null);
	t.is(frameOf(<SegmentsLine segments={segments} color width={columns} inverse />), frameOf(<TextPerSegment segments={segments} color inverse />));
});

test('text with control characters takes the ordinary way, where Ink strips escape sequences', t => {
	const segments = segmentsOf('/x\u001B[2J', 'y\u009B31m', 'z');
	t.is(fittingCells(segments.map(segment => segment.text).join(''), columns), null);
	t.is(frameOf(<SegmentsLine segments={segments} color width={columns} />), frameOf(<TextPerSegment segments={segments} color />));
});

test('a line is measured as Ink measures it', t => {
	t.is(fittingCells('/api', 10), 4);
	t.is(fittingCells('/api', 3), null);
	t.is(fittingCells('a▁▂…', 10), 4);
	t.is(fittingCells('/日本', 10), 5);
	t.is(fittingCells('/日本', 4), null);
	t.is(fittingCells('/😀/e\u0301', 10), 5);
	// The symbols the view draws itself (sparkline blocks, ellipsis, sort arrows, µs, key hints): one cell each.
	const symbols = 'µ…↑↓≤⌫⏎▁▂▃▄▅▆▇█▲▼';
	for (const symbol of symbols) {
		t.is(cellWidth(symbol), 1, symbol);
	}

	// Ink measures them so too: a line of them filled to the terminal's width is not cut.
	const full = `${symbols}${'x'.repeat(columns - symbols.length - 1)}.`;
	t.is(frameOf(<Text wrap="truncate">{full}</Text>), full);
	t.is(frameOf(<Text wrap="truncate">{`${full}y`}</Text>), `${full.slice(0, -1)}…`);
});

test('a line drawn again with the same content stays the same, and changes with its content or colour', t => {
	const instance = render(<SegmentsLine segments={segmentsOf('one', ' two')} color width={columns} />);
	const first = instance.lastFrame();
	instance.rerender(<SegmentsLine segments={segmentsOf('one', ' two')} color width={columns} />);
	t.is(instance.lastFrame(), first);
	instance.rerender(<SegmentsLine segments={segmentsOf('one', ' owt')} color width={columns} />);
	t.is(instance.lastFrame(), frameOf(<TextPerSegment segments={segmentsOf('one', ' owt')} color />), 'same width, other text');
	instance.rerender(<SegmentsLine segments={segmentsOf('one', ' three')} color width={columns} />);
	t.is(instance.lastFrame(), frameOf(<TextPerSegment segments={segmentsOf('one', ' three')} color />));
	instance.rerender(<SegmentsLine segments={segmentsOf('one', ' three')} color={false} width={columns} />);
	t.is(instance.lastFrame(), frameOf(<TextPerSegment segments={segmentsOf('one', ' three')} color={false} />));
	instance.unmount();
});
