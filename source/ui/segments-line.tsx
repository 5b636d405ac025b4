// One terminal line made of toned segments. Without colour, tones fall back
// to bold (bad) and dim, so errors still stand out on a monochrome terminal.
//
// Ink measures the text of every <Text> it lays out (string-width, which
// splits a line into graphemes with Intl.Segmenter as soon as it holds one
// non-ASCII character, such as a sparkline's blocks, and strips colour codes
// first). So a line that fits the terminal reaches Ink as blanks of the same
// width, inside a <Transform> that puts the real, coloured line in its place
// when Ink writes the frame, after measuring and laying it out (a Transform
// that keeps the width, as Ink's documentation asks). The coloured line is
// made with chalk (Ink's own) in the order Ink's nested <Text> elements would
// make it, so the frame is the same. Blanks, not the text: a line whose
// figures change but not its width leaves Ink's text node as it was (no new
// layout). A line that might not fit, that holds control characters (Ink
// would strip escape sequences from it) or when a screen reader is on, takes
// the ordinary way: one <Text> per segment.
//
// Lines are memoised by their content: an unchanged line is not rendered
// again (a key press that moves the selection redraws two table lines).

import chalk from 'chalk';
import {Text, Transform, useIsScreenReaderEnabled} from 'ink';
import {memo} from 'react';
import {cellWidth} from './text-width.js';
import type {Segment, Tone} from './table-line.js';

type ToneStyle = {readonly color?: 'yellow' | 'red' | 'green'; readonly dimColor?: boolean; readonly bold?: boolean};

const coloured: Readonly<Record<Tone, ToneStyle>> = {
	plain: {},
	dim: {dimColor: true},
	warn: {color: 'yellow'},
	bad: {color: 'red', bold: true},
	good: {color: 'green'},
	notice: {color: 'yellow', bold: true},
};

const monochrome: Readonly<Record<Tone, ToneStyle>> = {
	plain: {},
	dim: {dimColor: true},
	warn: {},
	bad: {bold: true},
	good: {},
	notice: {bold: true},
};

export const toneStyle = (tone: Tone, color: boolean): ToneStyle => (color ? coloured : monochrome)[tone];

type Props = {
	readonly segments: readonly Segment[];
	readonly color: boolean;
	/** Cells the line may take: the terminal's width. */
	readonly width: number;
	readonly inverse?: boolean;
	readonly bold?: boolean;
};

/** The line as Ink's <Text> elements style it: each segment (dim, colour, bold, as Text applies them), then the whole line (bold, inverse). */
export function styledLine(segments: readonly Segment[], color: boolean, inverse = false, bold = false): string {
	let line = '';
	for (const segment of segments) {
		const style = toneStyle(segment.tone, color);
		let text = segment.text;
		if (style.dimColor) {
			text = chalk.dim(text);
		}

		if (style.color) {
			text = chalk[style.color](text);
		}

		if (style.bold) {
			text = chalk.bold(text);
		}

		line += text;
	}

	if (bold) {
		line = chalk.bold(line);
	}

	if (inverse) {
		line = chalk.inverse(line);
	}

	return line;
}

const controls = /[\u0000-\u001f\u007f-\u009f]/;

/** Cells `text` takes (as Ink measures it), or null when it does not fit in `width` cells or is not plain text. */
export function fittingCells(text: string, width: number): number | null {
	if (controls.test(text)) {
		return null;
	}

	const cells = cellWidth(text);
	return cells <= width ? cells : null;
}

function SegmentsLineView({segments, color, width, inverse, bold}: Props) {
	const screenReader = useIsScreenReaderEnabled();
	const cells = screenReader ? null : fittingCells(segments.map(segment => segment.text).join(''), width);
	if (cells !== null) {
		// Blanks: a line that changes but keeps its width leaves Ink's text, and so its layout, as it was.
		const placeholder = ' '.repeat(cells);
		const line = styledLine(segments, color, inverse, bold);
		// Ink hands the transform the line it measured; anything else (never expected) is left as it is.
		return <Transform transform={text => (text === placeholder ? line : text)}>{placeholder}</Transform>;
	}

	return (
		<Text wrap="truncate" inverse={inverse} bold={bold}>
			{segments.map((segment, index) => (
				// Segments of one line never reorder: the index is their identity.
				<Text key={index} {...toneStyle(segment.tone, color)}>
					{segment.text}
				</Text>
			))}
		</Text>
	);
}

const sameSegments = (a: readonly Segment[], b: readonly Segment[]): boolean =>
	a === b || (a.length === b.length && a.every((segment, index) => segment.text === b[index]?.text && segment.tone === b[index]?.tone));

export const SegmentsLine = memo(
	SegmentsLineView,
	(previous, next) =>
		previous.color === next.color
		&& previous.width === next.width
		&& previous.inverse === next.inverse
		&& previous.bold === next.bold
		&& sameSegments(previous.segments, next.segments),
);
