// A block of prepared lines (detail view, help overlay), one Text each.

import {Box} from 'ink';
import type {Line} from './detail-lines.js';
import {SegmentsLine} from './segments-line.js';

type Props = {readonly lines: readonly Line[]; readonly color: boolean; readonly width: number};

export function LinesBlock({lines, color, width}: Props) {
	return (
		<Box flexDirection="column" flexShrink={0}>
			{lines.map((line, index) => (
				// Lines are positions on screen: the index is their identity.
				<SegmentsLine key={index} segments={line.length === 0 ? [{text: ' ', tone: 'plain'}] : line} color={color} width={width} />
			))}
		</Box>
	);
}
