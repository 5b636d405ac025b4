// The one status line a snapshot writes to stderr while it collects, so that
// stdout carries only the report. On a terminal it is redrawn in place (cut to
// the width so it never wraps, the description elided before the progress)
// and erased at the end; into a pipe or file it is written once.

import {sanitize} from '../ui/sanitize.js';
import {cellWidth, elideMiddle} from '../ui/text-width.js';

export type StatusLine = {
	/** `what` may be elided to fit a terminal; `progress` (counts, time left) is kept whole. */
	update(what: string, progress: string): void;
	/** Erases the line on a terminal; nothing more is written to a pipe. */
	done(): void;
};

const prefix = 'httptop: ';

export function createStatusLine(stream: NodeJS.WriteStream): StatusLine {
	const redraw = Boolean(stream.isTTY);
	let written = false;
	return {
		update(what, progress) {
			const tail = ` ${sanitize(progress)}`;
			if (redraw) {
				const room = (stream.columns || 80) - 1 - prefix.length - cellWidth(tail);
				stream.write(`\r\u001B[K${prefix}${elideMiddle(sanitize(what), Math.max(1, room))}${tail}`);
			} else if (!written) {
				stream.write(`${prefix}${sanitize(what)}${tail}\n`);
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
