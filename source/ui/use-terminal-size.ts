// The terminal's size, updated on resize so that the table re-lays out.

import {useStdout} from 'ink';
import {useLayoutEffect, useState} from 'react';

export type TerminalSize = {readonly columns: number; readonly rows: number};

// What a terminal is assumed to be when the stream does not say (a pipe, a test).
const fallback: TerminalSize = {columns: 80, rows: 24};

export const sizeOf = (stream: NodeJS.WriteStream): TerminalSize => ({
	columns: stream.columns > 0 ? stream.columns : fallback.columns,
	rows: stream.rows > 0 ? stream.rows : fallback.rows,
});

export function useTerminalSize(): TerminalSize {
	const {stdout} = useStdout();
	const [size, setSize] = useState<TerminalSize>(() => sizeOf(stdout));
	// Subscribed during the commit, not after it: a resize right at start is not missed.
	useLayoutEffect(() => {
		const onResize = () => {
			setSize(previous => {
				const next = sizeOf(stdout);
				return next.columns === previous.columns && next.rows === previous.rows ? previous : next;
			});
		};

		stdout.on('resize', onResize);
		onResize();
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}
