// The bottom line: the mode's key hints (and a notice such as "counters
// reset"), or in filter mode the prompt with its error shown inline.

import {Box, Text} from 'ink';
import type {Mode} from './modes.js';
import {footerHints} from './modes.js';
import {sanitize} from './sanitize.js';
import {SegmentsLine} from './segments-line.js';
import type {Segment} from './table-line.js';
import {cellWidth, truncateEnd} from './text-width.js';

/** Lines the footer takes in a mode. */
export const footerHeight = (mode: Mode): number => (mode.kind === 'filter' ? 2 : 1);

type Props = {
	readonly mode: Mode;
	readonly notice: string | null;
	readonly width: number;
	readonly color: boolean;
};

function FilterPrompt({mode, width, color}: {readonly mode: Extract<Mode, {kind: 'filter'}>; readonly width: number; readonly color: boolean}) {
	const prompt = 'filter: ';
	// The prompt shows the end of a long draft, where the typing happens.
	const draft = sanitize(mode.draft);
	const room = Math.max(1, width - prompt.length - 1);
	const shown = cellWidth(draft) > room ? `…${[...draft].slice(-(room - 1)).join('')}` : draft;
	const error = mode.error;
	const caret = error ? `${' '.repeat(Math.min(width - 1, prompt.length + Math.max(0, error.position)))}^ ` : '';
	return (
		<Box flexDirection="column" flexShrink={0}>
			<Text wrap="truncate">
				<Text bold>{prompt}</Text>
				{shown}
				<Text inverse> </Text>
			</Text>
			{error ? (
				<Text wrap="truncate" color={color ? 'red' : undefined} bold={!color}>
					{truncateEnd(`${caret}${sanitize(error.message)}`, width)}
				</Text>
			) : (
				<Text wrap="truncate" dimColor>
					{truncateEnd(footerHints.filter, width)}
				</Text>
			)}
		</Box>
	);
}

export function Footer({mode, notice, width, color}: Props) {
	if (mode.kind === 'filter') {
		return <FilterPrompt mode={mode} width={width} color={color} />;
	}

	const prefix = notice ? `${notice}  ` : '';
	const hints: Segment = {text: truncateEnd(footerHints[mode.kind], Math.max(0, width - prefix.length)), tone: 'dim'};
	return <SegmentsLine segments={prefix ? [{text: prefix, tone: 'notice'}, hints] : [hints]} color={color} width={width} />;
}
