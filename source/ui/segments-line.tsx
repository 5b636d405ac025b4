// One terminal line made of toned segments. Without colour, tones fall back
// to bold (bad) and dim, so errors still stand out on a monochrome terminal.

import {Text} from 'ink';
import type {Segment, Tone} from './table-line.js';

type ToneStyle = {readonly color?: string; readonly dimColor?: boolean; readonly bold?: boolean};

const coloured: Readonly<Record<Tone, ToneStyle>> = {
	plain: {},
	dim: {dimColor: true},
	warn: {color: 'yellow'},
	bad: {color: 'red', bold: true},
	good: {color: 'green'},
};

const monochrome: Readonly<Record<Tone, ToneStyle>> = {
	plain: {},
	dim: {dimColor: true},
	warn: {},
	bad: {bold: true},
	good: {},
};

export const toneStyle = (tone: Tone, color: boolean): ToneStyle => (color ? coloured : monochrome)[tone];

type Props = {
	readonly segments: readonly Segment[];
	readonly color: boolean;
	readonly inverse?: boolean;
	readonly bold?: boolean;
};

export function SegmentsLine({segments, color, inverse, bold}: Props) {
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
