// The top-style table: a title line, then one line per row, the selected one
// in inverse video and marked with `>` (which survives --no-color).

import {Box, Text} from 'ink';
import type {TableView} from './body-lines.js';
import {SegmentsLine} from './segments-line.js';
import {headerText, rowSegments} from './table-line.js';

export function Table({rows, layout, sort, selected, scrollTop, pageSize, color, width, emptyText}: TableView) {
	const visible = rows.slice(scrollTop, scrollTop + pageSize);
	return (
		<Box flexDirection="column" flexShrink={0}>
			<SegmentsLine segments={[{text: headerText(layout, sort), tone: 'plain'}]} color={color} width={width} inverse bold />
			{visible.length === 0 ? (
				<Text wrap="truncate" dimColor>
					{` ${emptyText}`}
				</Text>
			) : (
				visible.map((row, offset) => {
					const isSelected = scrollTop + offset === selected;
					return <SegmentsLine key={row.key} segments={rowSegments(row, layout, isSelected)} color={color} width={width} inverse={isSelected} />;
				})
			)}
		</Box>
	);
}
