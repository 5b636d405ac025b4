// Terminal cell widths of already sanitised text, and fitting text into a
// fixed number of cells. Table cells are laid out by these functions, so a
// route never pushes the next column sideways. The measure is string-width,
// the one Ink lays text out with (the same version), and cli-truncate cuts.

import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';

// string-width segments any text that is not printable ASCII into graphemes
// (a duration's µ, a sparkline, an ellipsis): the table measures the same
// few thousand cell texts frame after frame, so their widths are kept.
const widths = new Map<string, number>();
const maxKeptWidths = 4096;

/** Cells `text` takes on a terminal. */
export function cellWidth(text: string): number {
	let width = widths.get(text);
	if (width === undefined) {
		width = stringWidth(text);
		if (widths.size >= maxKeptWidths) {
			widths.clear();
		}

		widths.set(text, width);
	}

	return width;
}

/**
 * cli-truncate cut to at most `width` cells: it keeps a wide character that
 * starts in the last cell (slice-ansi does), so it is asked for one cell
 * less until the cut fits.
 */
function cutTo(text: string, width: number, position: 'end' | 'middle'): string {
	if (width > 0 && cellWidth(text) <= width) {
		return text;
	}

	for (let columns = width; columns > 0; columns--) {
		const cut = cliTruncate(text, columns, {position});
		if (cellWidth(cut) <= width) {
			return cut;
		}
	}

	return '';
}

/** `text` cut to at most `width` cells, ending in an ellipsis when cut. */
export function truncateEnd(text: string, width: number): string {
	return cutTo(text, width, 'end');
}

/**
 * `text` cut to at most `width` cells by removing its middle, so that both
 * the start of a route and its last segments stay visible:
 * `/api/v1/customers/:id/orders/:id/items` -> `/api/v1/cus…:id/items`.
 */
export function elideMiddle(text: string, width: number): string {
	return cutTo(text, width, 'middle');
}

/** Pads `text` with spaces to exactly `width` cells (truncating if longer). */
export function padEnd(text: string, width: number): string {
	const fitted = truncateEnd(text, width);
	return fitted + ' '.repeat(Math.max(0, width - cellWidth(fitted)));
}

/** Right-aligns `text` in exactly `width` cells (truncating if longer). */
export function padStart(text: string, width: number): string {
	const fitted = truncateEnd(text, width);
	return ' '.repeat(Math.max(0, width - cellWidth(fitted))) + fitted;
}
