// Terminal cell widths of already sanitised text, and fitting text into a
// fixed number of cells. Table cells are laid out by these functions, so a
// route never pushes the next column sideways.

// Printable ASCII and the symbols the view draws itself (sparkline blocks,
// ellipsis, sort arrows, µs, key hints): one cell per UTF-16 unit, no
// lookup needed (a test checks each symbol against codePointWidth and Ink).
export const narrowSymbols = '\u00b5\u2026\u2191\u2193\u2264\u232b\u23ce\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588\u25b2\u25bc';
export const narrowText = new RegExp(`^[\\x20-\\x7e${narrowSymbols}]*$`);
const zeroWidth = /^(?:\p{M}|[\u200B-\u200F]|[\uFE00-\uFE0F])$/u;
const pictographic = /^\p{Extended_Pictographic}$/u;

// East Asian Wide and Fullwidth blocks (Unicode UAX #11), coarse but covering
// the scripts and symbols that really occur in names and paths.
const wideRanges: ReadonlyArray<readonly [number, number]> = [
	[0x11_00, 0x11_5f],
	[0x23_1a, 0x23_1b],
	[0x23_29, 0x23_2a],
	[0x2e_80, 0x30_3e],
	[0x30_41, 0x33_ff],
	[0x34_00, 0x4d_bf],
	[0x4e_00, 0x9f_ff],
	[0xa0_00, 0xa4_cf],
	[0xa9_60, 0xa9_7f],
	[0xac_00, 0xd7_a3],
	[0xf9_00, 0xfa_ff],
	[0xfe_10, 0xfe_19],
	[0xfe_30, 0xfe_6f],
	[0xff_00, 0xff_60],
	[0xff_e0, 0xff_e6],
	[0x1_f3_00, 0x1_f6_4f],
	[0x1_f9_00, 0x1_f9_ff],
	[0x2_00_00, 0x3_ff_fd],
];

/** Cells one code point takes: 0, 1 or 2. */
export function codePointWidth(character: string): number {
	const codePoint = character.codePointAt(0) ?? 0;
	if (codePoint < 0x7f) {
		return codePoint >= 0x20 ? 1 : 0;
	}

	if (zeroWidth.test(character)) {
		return 0;
	}

	for (const [low, high] of wideRanges) {
		if (codePoint >= low && codePoint <= high) {
			return 2;
		}
	}

	return pictographic.test(character) && codePoint > 0xff ? 2 : 1;
}

/** Cells `text` takes on a terminal. */
export function cellWidth(text: string): number {
	if (narrowText.test(text)) {
		return text.length;
	}

	let width = 0;
	for (const character of text) {
		width += codePointWidth(character);
	}

	return width;
}

/** The longest prefix of `text` that fits in `width` cells. */
function takeStart(text: string, width: number): string {
	if (narrowText.test(text)) {
		return text.slice(0, width);
	}

	let used = 0;
	let end = 0;
	for (const character of text) {
		const next = used + codePointWidth(character);
		if (next > width) {
			break;
		}

		used = next;
		end += character.length;
	}

	return text.slice(0, end);
}

/** The longest suffix of `text` that fits in `width` cells. */
function takeEnd(text: string, width: number): string {
	if (narrowText.test(text)) {
		return width <= 0 ? '' : text.slice(-width);
	}

	const characters = [...text];
	let used = 0;
	let start = characters.length;
	while (start > 0) {
		const next = used + codePointWidth(characters[start - 1] ?? '');
		if (next > width) {
			break;
		}

		used = next;
		start--;
	}

	return characters.slice(start).join('');
}

const ellipsis = '…';

/** `text` cut to at most `width` cells, ending in an ellipsis when cut. */
export function truncateEnd(text: string, width: number): string {
	if (width <= 0) {
		return '';
	}

	if (cellWidth(text) <= width) {
		return text;
	}

	return takeStart(text, width - 1) + ellipsis;
}

/**
 * `text` cut to at most `width` cells by removing its middle, so that both
 * the start of a route and its last segments stay visible:
 * `/api/v1/customers/:id/orders/:id/items` -> `/api/v1/cust…:id/items`.
 */
export function elideMiddle(text: string, width: number): string {
	if (width <= 0) {
		return '';
	}

	if (cellWidth(text) <= width) {
		return text;
	}

	if (width === 1) {
		return ellipsis;
	}

	const tail = Math.floor((width - 1) / 2);
	const head = width - 1 - tail;
	return takeStart(text, head) + ellipsis + takeEnd(text, tail);
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
