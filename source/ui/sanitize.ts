// Captured strings (paths, Host headers, comm names, methods) are hostile: a
// request line can carry ESC sequences that would move the cursor, recolour
// the screen, set the window title or write the clipboard (OSC 52) if printed
// raw. Ink itself passes SGR and OSC sequences through, so everything shown on
// screen goes through `sanitize` first.

// Printable ASCII other than the backslash, which is escaped so that a shown
// `\x1b` can only ever mean that the byte was there.
const plainAscii = /^[\x20-\x5b\x5d-\x7e]*$/;

// Code points that must not reach the terminal as themselves:
// Cc: C0 and C1 controls, DEL; Cf: format characters (bidi overrides and
// isolates, zero-width joiners, soft hyphen, BOM); Zl, Zp: line and paragraph
// separators; Co: private use; Cn: unassigned (their width is unknown); Cs:
// lone surrogates (invalid UTF-16; in `u` mode a valid pair is one code point).
const unsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}\\]/gu;

const escapeCodePoint = (match: string): string => {
	if (match === '\\') {
		return '\\\\';
	}

	const codePoint = match.codePointAt(0) ?? 0;
	if (codePoint <= 0xff) {
		return `\\x${codePoint.toString(16).padStart(2, '0')}`;
	}

	return `\\u{${codePoint.toString(16).toUpperCase()}}`;
};

/**
 * Returns `text` safe to write to a terminal: control characters, escape
 * sequences, bidi overrides, invisible and invalid code points are shown
 * escaped (`\x1b`, `\u{202E}`), backslashes doubled, everything else kept.
 */
export function sanitize(text: string): string {
	if (plainAscii.test(text)) {
		return text;
	}

	return text.replace(unsafe, escapeCodePoint);
}
