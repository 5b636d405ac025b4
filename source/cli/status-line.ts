// The one status line a snapshot writes to stderr while it collects, so that
// stdout carries only the report. On a terminal it is redrawn in place and
// erased at the end; into a pipe or file it is written once.

import {sanitize} from '../ui/sanitize.js';

export type StatusLine = {
	update(text: string): void;
	/** Erases the line on a terminal; nothing more is written to a pipe. */
	done(): void;
};

export function createStatusLine(stream: NodeJS.WriteStream): StatusLine {
	const redraw = Boolean(stream.isTTY);
	let written = false;
	return {
		update(text) {
			const line = `httptop: ${sanitize(text)}`;
			if (redraw) {
				// Cut to the terminal's width so the line never wraps and can be erased whole.
				stream.write(`\r\u001B[K${line.slice(0, Math.max(1, (stream.columns || 80) - 1))}`);
			} else if (!written) {
				stream.write(`${line}\n`);
			}

			written = true;
		},
		done() {
			if (redraw && written) {
				stream.write('\r\u001B[K');
			}
		},
	};
}
