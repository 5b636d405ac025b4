// Route normalization: one raw request path -> a route template with bounded
// cardinality. Segments that are plainly identifiers become placeholders:
//   digits              -> :id      /users/123         -> /users/:id
//   UUID                -> :uuid    /orders/3f2b...-.. -> /orders/:uuid
//   long or mixed hex   -> :hex     /blobs/9f86d081884c7d65 -> /blobs/:hex
//   ISO date            -> :date    /reports/2024-05-01 -> /reports/:date
//   base64-like token   -> :token   /share/CfMkAGbE_aivhFydEpaRafPuGWbmHfG -> /share/:token
// A placeholder keeps a short file extension (/img/123.png -> /img/:id.png).
// Words, versions and file names stay as they are (/api/v2, /hello.world,
// /static/app.css). Segments that are not identifiers but still explode (slugs,
// user names, file names) are folded later by RouteFolder, which needs to see
// the traffic. This file is pure and allocation-light: it runs once per exchange.

/** Deeper paths keep this many segments and end in "/**". */
export const maxRouteSegments = 16;
/** Longer segments are data, not names. */
export const maxSegmentLength = 64;

const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isLower = (code: number): boolean => code >= 97 && code <= 122;
const isUpper = (code: number): boolean => code >= 65 && code <= 90;
const isHexLetter = (code: number): boolean => (code >= 97 && code <= 102) || (code >= 65 && code <= 70);

/** 8-4-4-4-12 hex digits. */
function isUuid(text: string, start: number, end: number): boolean {
	if (end - start !== 36) {
		return false;
	}
	for (let i = start; i < end; i++) {
		const code = text.charCodeAt(i);
		const offset = i - start;
		if (offset === 8 || offset === 13 || offset === 18 || offset === 23) {
			if (code !== 45) {
				return false;
			}
		} else if (!isDigit(code) && !isHexLetter(code)) {
			return false;
		}
	}
	return true;
}

/** YYYY-MM-DD */
function isDate(text: string, start: number, end: number): boolean {
	if (end - start !== 10 || text.charCodeAt(start + 4) !== 45 || text.charCodeAt(start + 7) !== 45) {
		return false;
	}
	for (let i = start; i < end; i++) {
		if (i - start !== 4 && i - start !== 7 && !isDigit(text.charCodeAt(i))) {
			return false;
		}
	}
	return true;
}

/** The placeholder for text[start, end) if it is an identifier, else null. */
function placeholderFor(text: string, start: number, end: number): string | null {
	const length = end - start;
	if (length === 0) {
		return null;
	}
	let digits = 0;
	let hexLetters = 0;
	let lower = 0;
	let upper = 0;
	let caseChanges = 0;
	let classChanges = 0; // letter <-> digit
	let tokenChars = 0; // [A-Za-z0-9_-+=~]
	let previousLetterCase = 0; // 1 lower, 2 upper
	let previousClass = 0; // 1 letter, 2 digit
	for (let i = start; i < end; i++) {
		const code = text.charCodeAt(i);
		let charClass = 0;
		if (isDigit(code)) {
			digits++;
			charClass = 2;
		} else if (isLower(code) || isUpper(code)) {
			if (isHexLetter(code)) {
				hexLetters++;
			}
			const letterCase = isLower(code) ? 1 : 2;
			if (letterCase === 1) {
				lower++;
			} else {
				upper++;
			}
			if (previousLetterCase !== 0 && previousLetterCase !== letterCase) {
				caseChanges++;
			}
			previousLetterCase = letterCase;
			charClass = 1;
		} else if (code === 45 || code === 95 || code === 43 || code === 61 || code === 126) {
			tokenChars++;
		} else {
			tokenChars = -Infinity; // anything else (. % @ , ...) rules out a token
		}
		if (charClass !== 0) {
			if (previousClass !== 0 && previousClass !== charClass) {
				classChanges++;
			}
			previousClass = charClass;
		}
	}
	if (digits === length) {
		return ':id';
	}
	if (digits + hexLetters === length && (length >= 16 || (length >= 8 && digits > 0 && hexLetters > 0))) {
		return ':hex';
	}
	if (isUuid(text, start, end)) {
		return ':uuid';
	}
	if (isDate(text, start, end)) {
		return ':date';
	}
	if (length > maxSegmentLength) {
		return ':token';
	}
	const isTokenAlphabet = digits + lower + upper + tokenChars === length;
	if (isTokenAlphabet && length >= 16) {
		// Random-looking: letters and digits interleaved, or case flipping far more than in camelCase words.
		if ((digits >= 2 && classChanges >= 3) || (lower >= 2 && upper >= 2 && caseChanges * 4 >= length && !isCamelWords(text, start, end))) {
			return ':token';
		}
	}
	return null;
}

/**
 * Letters only, and every capital starts a word of at least three letters
 * (`getUserProfileSettings`, `ListObjectsV`): a name, not a token. Random
 * tokens put capitals side by side or one letter apart soon enough.
 */
function isCamelWords(text: string, start: number, end: number): boolean {
	for (let i = start; i < end; i++) {
		const code = text.charCodeAt(i);
		if (isUpper(code)) {
			if (i + 2 >= end || !isLower(text.charCodeAt(i + 1)) || !isLower(text.charCodeAt(i + 2))) {
				return false;
			}
		} else if (!isLower(code)) {
			return false;
		}
	}
	return true;
}

/** Where a short extension after the last dot starts (".css", ".json"); -1 when there is none. */
export function extensionStart(text: string, start: number, end: number): number {
	for (let i = end - 1; i > start && i >= end - 6; i--) {
		const code = text.charCodeAt(i);
		if (code === 46) {
			return i < end - 1 && i > start ? i : -1;
		}
		if (!isLower(code) && !isUpper(code) && !isDigit(code)) {
			return -1;
		}
	}
	return -1;
}

/** The normalized form of the segment text[start, end): a placeholder, or the segment itself. */
export function normalizeSegment(text: string, start: number, end: number): string {
	for (let i = start; i < end; i++) {
		if (text.charCodeAt(i) === 59) {
			end = i; // matrix parameters (;jsessionid=...) are never part of a route
		}
	}
	const whole = placeholderFor(text, start, end);
	if (whole !== null) {
		return whole;
	}
	const dot = extensionStart(text, start, end);
	if (dot > 0) {
		const base = placeholderFor(text, start, dot);
		if (base !== null) {
			return base + text.slice(dot, end);
		}
	}
	return text.slice(start, end);
}

/** Where the path proper starts and ends: skips an absolute-form "http://host", stops at "?" or "#". */
export function pathBounds(path: string): {start: number; end: number} | null {
	let start = 0;
	if (path.charCodeAt(0) !== 47) {
		const scheme = path.indexOf('://');
		if (scheme <= 0 || scheme > 8) {
			return null;
		}
		start = path.indexOf('/', scheme + 3);
		if (start < 0) {
			return {start: path.length, end: path.length};
		}
	}
	let end = path.length;
	for (let i = start; i < end; i++) {
		const code = path.charCodeAt(i);
		if (code === 63 || code === 35) {
			end = i;
			break;
		}
	}
	return {start, end};
}

/**
 * `/users/123/orders` -> `/users/:id/orders`. The per-path part of route
 * normalization; folding segments that explode in distinct values needs the
 * traffic and lives in each aggregator (RouteFolder). `*` (OPTIONS *) stays
 * `*`; an authority-form target (CONNECT host:port) becomes `:authority`.
 */
export function normalizeRoute(path: string): string {
	if (path === '*') {
		return '*';
	}
	const bounds = pathBounds(path);
	if (bounds === null) {
		return ':authority';
	}
	if (bounds.start === bounds.end) {
		return '/';
	}
	let route = '';
	let segments = 0;
	let segmentStart = bounds.start + 1;
	for (;;) {
		let segmentEnd = path.indexOf('/', segmentStart);
		if (segmentEnd < 0 || segmentEnd > bounds.end) {
			segmentEnd = bounds.end;
		}
		if (++segments > maxRouteSegments) {
			return route + '/**';
		}
		route += '/' + normalizeSegment(path, segmentStart, segmentEnd);
		if (segmentEnd >= bounds.end) {
			return route;
		}
		segmentStart = segmentEnd + 1;
	}
}
