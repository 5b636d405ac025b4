// A req/s history as a row of block characters, newest on the right.

const blocks = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * The last `width` values of `history` (oldest first) as block characters,
 * scaled to the largest of them; a zero shows as a space so that idle time
 * reads as a gap. Left-padded with spaces when the history is shorter.
 */
export function sparkline(history: readonly number[], width: number): string {
	if (width <= 0) {
		return '';
	}

	const values = history.slice(-width);
	const peak = Math.max(0, ...values.filter(value => Number.isFinite(value)));
	let line = ' '.repeat(width - values.length);
	for (const value of values) {
		if (!Number.isFinite(value) || value <= 0 || peak === 0) {
			line += ' ';
			continue;
		}

		const level = Math.min(blocks.length - 1, Math.floor((value / peak) * (blocks.length - 1) + 0.5));
		line += blocks[Math.max(0, level)];
	}

	return line;
}
