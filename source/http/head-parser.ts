// One HTTP/1.x request or response head parsed from the front of a byte
// buffer: the "parse one frame" function of the Kyanos/Pixie parser contract.
// Only the few header values httptop needs are decoded (as latin1, straight
// from the buffer); every other header, Authorization and Cookie included, is
// stepped over by its line end and never turned into a string.

export type MessageKind = 'request' | 'response';

type HeadCommon = {
	readonly version: string; // "1.0" or "1.1"
	readonly headBytes: number; // start line + headers + the empty line (complete heads), or the bytes seen
	readonly complete: boolean; // false: a capture gap cut the head; later headers are unknown
	readonly host: string | null;
	readonly contentLength: number | null; // null when absent
	readonly transferEncoding: boolean; // a Transfer-Encoding header was present
	readonly chunked: boolean; // ... and its final coding is chunked
	readonly connectionClose: boolean;
	readonly connectionUpgrade: boolean;
	readonly upgrade: string | null; // the Upgrade header, e.g. "websocket"
};

export type RequestHead = HeadCommon & {
	readonly kind: 'request';
	readonly method: string;
	readonly target: string; // as sent: origin-form, absolute-form, authority-form or "*"
};

export type ResponseHead = HeadCommon & {
	readonly kind: 'response';
	readonly status: number;
};

export type Head = RequestHead | ResponseHead;

export type HeadParseResult =
	| {readonly status: 'more'} // a valid beginning: the rest is still to come
	| {readonly status: 'invalid'; readonly reason: string}
	| {readonly status: 'ok'; readonly head: Head};

/** What parseHeadOrStatus returns when there is no head: every HeadParseResult but 'ok'. */
export type NoHead = Exclude<HeadParseResult, {readonly status: 'ok'}>;

/** A head, not one of the NoHead results (a head has a kind; they do not). */
export const isHead = (result: Head | NoHead): result is Head => (result as Partial<Head>).kind !== undefined;

/** Heads larger than this are not HTTP we accept (nginx allows 4 x 8 KiB by default). */
export const defaultMaxHeadBytes = 64 * 1024;

const needMore: NoHead = {status: 'more'};
const invalid = (reason: string): NoHead => ({status: 'invalid', reason});
const notHttp = invalid('not an HTTP/1.x start line');
const badStatusLine = invalid('malformed status line');
const badRequestLine = invalid('malformed request line');
const badTarget = invalid('request target holds spaces or control bytes');
const badHeaderLine = invalid('header line without a name');
const badContentLength = invalid('invalid Content-Length');
const tooLarge = invalid('head larger than the limit');
const unexpectedRequest = invalid('a request where responses flow');
const unexpectedResponse = invalid('a response where requests flow');

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
const maxMethodLength = 32;
const maxHostLength = 255;
const httpSlash = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

const lowerCodes = (name: string): readonly number[] => [...name].map((char) => char.charCodeAt(0));
const hostName = lowerCodes('host');
const upgradeName = lowerCodes('upgrade');
const connectionName = lowerCodes('connection');
const contentLengthName = lowerCodes('content-length');
const transferEncodingName = lowerCodes('transfer-encoding');

const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x30 && byte <= 0x39;

// Methods as nginx accepts them: upper-case letters, '-' and '_'. Lower-case or
// binary first bytes are rejected at once, which is what makes garbage cheap.
const isMethodByte = (byte: number): boolean => (byte >= 0x41 && byte <= 0x5a) || byte === 0x2d || byte === 0x5f;

const commonMethods = ['GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'PATCH', 'OPTIONS'].map((name) => ({name, codes: lowerCodes(name)}));

// The method as a string: the common ones without building a new one.
const methodName = (buf: Buffer, start: number, end: number): string => {
	const length = end - start;
	for (const method of commonMethods) {
		if (method.codes.length !== length) continue;
		let same = true;
		for (let i = 0; i < length && same; i++) same = buf[start + i] === method.codes[i];
		if (same) return method.name;
	}

	return buf.toString('latin1', start, end);
};

const versionString = (minorDigit: number): string =>
	minorDigit === 0x31 ? '1.1' : minorDigit === 0x30 ? '1.0' : `1.${String.fromCharCode(minorDigit)}`;

const nameMatches = (buf: Buffer, at: number, name: readonly number[]): boolean => {
	for (let i = 0; i < name.length; i++) {
		// ASCII case folding; the names compared hold only letters and '-'.
		if (((buf[at + i] ?? 0) | 0x20) !== name[i]) return false;
	}

	return true;
};

/**
 * Which kind of message a captured chunk starting at `start` begins, if it can
 * begin one at all: the resynchronisation test after a loss. The start line
 * is checked whole when its end was captured, else by its first bytes.
 */
export const messageStartKind = (buf: Buffer, start: number, end = buf.length): MessageKind | null => {
	if (end - start >= 9 && buf[start] === 0x48 && buf[start + 1] === 0x54) {
		const checked = Math.min(end - start, 13);
		for (let offset = 2; offset < checked; offset++) {
			if (!statusLineByteOk(offset, buf[start + offset]!)) return null;
		}

		return 'response';
	}

	let at = start;
	while (at < end && at - start <= maxMethodLength && isMethodByte(buf[at]!)) at++;
	if (at === start || at >= end - 1 || buf[at] !== SP) return null;
	const targetByte = buf[at + 1]!;
	if (targetByte <= SP || targetByte === 0x7f) return null;
	const lf = lineFeed(buf, at, end);
	if (lf < 0) return 'request';
	const lineEnd = lf > at && buf[lf - 1] === CR ? lf - 1 : lf;
	return lineEnd - at > 10 && buf[lineEnd - 9] === SP && buf[lineEnd - 8] === 0x48 && buf[lineEnd - 4] === 0x2f ? 'request' : null;
};

type MutableHead = {
	-readonly [K in keyof HeadCommon]: HeadCommon[K];
};

// Heads are built as one literal each, all fields present from the start:
// object spread here costs microseconds per head in V8.
const newResponseHead = (version: string, status: number): ResponseHead => ({
	kind: 'response',
	status,
	version,
	headBytes: 0,
	complete: true,
	host: null,
	contentLength: null,
	transferEncoding: false,
	chunked: false,
	connectionClose: false,
	connectionUpgrade: false,
	upgrade: null,
});

const newRequestHead = (version: string, method: string, target: string): RequestHead => ({
	kind: 'request',
	method,
	target,
	version,
	headBytes: 0,
	complete: true,
	host: null,
	contentLength: null,
	transferEncoding: false,
	chunked: false,
	connectionClose: false,
	connectionUpgrade: false,
	upgrade: null,
});

const isBlank = (byte: number | undefined): boolean => byte === SP || byte === HT;
// Where buf[from..to) starts and ends once leading and trailing spaces and tabs are left out.
const blanksSkipped = (buf: Buffer, from: number, to: number): number => {
	while (from < to && isBlank(buf[from])) from++;
	return from;
};

const blanksDropped = (buf: Buffer, from: number, to: number): number => {
	while (to > from && isBlank(buf[to - 1])) to--;
	return to;
};

const trimmedValue = (buf: Buffer, from: number, to: number): string => {
	const start = blanksSkipped(buf, from, to);
	const end = blanksDropped(buf, start, to);
	return buf.toString('latin1', start, end);
};

// Hosts and targets repeat: the strings of the last ones seen, in slots chosen by a
// hash of their bytes, are handed out again when the bytes match (which also spares
// the aggregator rehashing a new string for its maps). Latin1 only, where a string's
// char codes are its bytes; queries are never kept here.
const internSlots = 1024;
const maxInternedLength = 256;
const interned: string[] = Array.from({length: internSlots}, () => '');

const hashStep = (hash: number, byte: number): number => (Math.imul(hash, 31) + byte) | 0;

const internedLatin1 = (buf: Buffer, from: number, to: number, hash: number): string => {
	const length = to - from;
	if (length > maxInternedLength) return buf.toString('latin1', from, to);
	const slot = hash & (internSlots - 1);
	const known = interned[slot]!;
	if (known.length === length) {
		let at = 0;
		while (at < length && known.charCodeAt(at) === buf[from + at]) at++;
		if (at === length) return known;
	}

	const value = buf.toString('latin1', from, to);
	interned[slot] = value;
	return value;
};

const hostValue = (buf: Buffer, from: number, to: number): string => {
	const start = blanksSkipped(buf, from, to);
	let end = blanksDropped(buf, start, to);
	if (end - start > maxHostLength) end = start + maxHostLength;
	let hash = 0;
	for (let at = start; at < end; at++) hash = hashStep(hash, buf[at]!);
	return internedLatin1(buf, start, end, hash);
};

/**
 * The first line feed in buf[from..to), or -1. A plain loop: head and chunk
 * lines are short, Buffer#indexOf costs more to call than it saves on them, and
 * it would search past `to` (buf may be a whole drained batch).
 */
export const lineFeed = (buf: Buffer, from: number, to: number): number => {
	let at = from;
	// Four bytes a step: a quarter of the loop's own compares and jumps.
	for (; at + 3 < to; at += 4) {
		if (buf[at] === LF) return at;
		if (buf[at + 1] === LF) return at + 1;
		if (buf[at + 2] === LF) return at + 2;
		if (buf[at + 3] === LF) return at + 3;
	}

	for (; at < to; at++) if (buf[at] === LF) return at;
	return -1;
};

// buf[from..to) with spaces and tabs trimmed is `word` (lower case), ASCII case folded.
const valueIs = (buf: Buffer, from: number, to: number, word: readonly number[]): boolean => {
	const start = blanksSkipped(buf, from, to);
	const end = blanksDropped(buf, start, to);
	return end - start === word.length && nameMatches(buf, start, word);
};

const chunkedWord = lowerCodes('chunked');
const keepAliveWord = lowerCodes('keep-alive');
const closeWord = lowerCodes('close');

const parseContentLength = (value: string): number => {
	// "42" nearly always; a list of equal values ("42, 42") is allowed by RFC 9110.
	const parts = value.includes(',') ? value.split(',').map((part) => part.trim()) : [value];
	const first = parts[0] ?? '';
	if (!/^\d{1,15}$/.test(first) || parts.some((part) => part !== first)) return -1;
	return Number(first);
};

// The common case on bytes: 1 to 15 digits between optional spaces and tabs. Anything else: the string rules.
const contentLengthAt = (buf: Buffer, from: number, to: number): number => {
	const start = blanksSkipped(buf, from, to);
	const end = blanksDropped(buf, start, to);
	if (end > start && end - start <= 15) {
		let length = 0;
		let at = start;
		for (; at < end; at++) {
			const byte = buf[at]!;
			if (byte < 0x30 || byte > 0x39) break;
			length = length * 10 + byte - 0x30;
		}

		if (at === end) return length;
	}

	return parseContentLength(buf.toString('latin1', start, end));
};

const applyConnection = (fields: MutableHead, value: string): void => {
	for (const token of value.toLowerCase().split(',')) {
		const option = token.trim();
		if (option === 'close') fields.connectionClose = true;
		else if (option === 'upgrade') fields.connectionUpgrade = true;
	}
};

const applyTransferEncoding = (fields: MutableHead, value: string): void => {
	fields.transferEncoding = true;
	const codings = value.toLowerCase().split(',');
	fields.chunked = codings[codings.length - 1]!.trim() === 'chunked';
};

/**
 * Reads header lines from `pos` up to and including the empty line. Returns
 * the offset after the head, -1 when more bytes are needed, or an invalid result.
 */
const parseHeaderLines = (
	buf: Buffer,
	start: number,
	end: number,
	firstLineEnd: number,
	fields: MutableHead,
	maxHeadBytes: number,
): number | NoHead => {
	let pos = firstLineEnd;
	for (;;) {
		if (pos >= end) return -1;
		// One pass over the line: its first colon and its line feed.
		// The name: (byte | 0x30) === ':' holds for ':' and LF (and 0x1a, '*'), one test a byte.
		let colon = -1;
		let lf = pos;
		for (; lf < end; lf++) {
			const byte = buf[lf]!;
			if ((byte | 0x30) === COLON) {
				if (byte === COLON) {
					colon = lf;
					lf = lineFeed(buf, lf + 1, end);
					if (lf < 0) lf = end;
					break;
				}

				if (byte === LF) break;
			}
		}

		if (lf === end) return end - start > maxHeadBytes ? tooLarge : -1;
		if (lf + 1 - start > maxHeadBytes) return tooLarge;
		const lineEnd = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
		if (lineEnd === pos) return lf + 1;
		const first = buf[pos]!;
		// A line starting with whitespace continues the previous one (obs-fold):
		// rare, deprecated, and never one of the headers read here; skip it.
		if (first !== SP && first !== HT) {
			if (colon <= pos || colon >= lineEnd) return badHeaderLine;
			const before = buf[colon - 1];
			if (before === SP || before === HT) return badHeaderLine;
			const nameLength = colon - pos;
			if (nameLength === 4 && nameMatches(buf, pos, hostName)) {
				if (fields.host === null) fields.host = hostValue(buf, colon + 1, lineEnd);
			} else if (nameLength === 14 && nameMatches(buf, pos, contentLengthName)) {
				const length = contentLengthAt(buf, colon + 1, lineEnd);
				if (length < 0 || (fields.contentLength !== null && fields.contentLength !== length)) return badContentLength;
				fields.contentLength = length;
			} else if (nameLength === 17 && nameMatches(buf, pos, transferEncodingName)) {
				if (valueIs(buf, colon + 1, lineEnd, chunkedWord)) {
					fields.transferEncoding = true;
					fields.chunked = true;
				} else {
					applyTransferEncoding(fields, trimmedValue(buf, colon + 1, lineEnd));
				}
			} else if (nameLength === 10 && nameMatches(buf, pos, connectionName)) {
				if (valueIs(buf, colon + 1, lineEnd, closeWord)) fields.connectionClose = true;
				else if (!valueIs(buf, colon + 1, lineEnd, keepAliveWord)) applyConnection(fields, trimmedValue(buf, colon + 1, lineEnd));
			} else if (nameLength === 7 && nameMatches(buf, pos, upgradeName)) {
				fields.upgrade = trimmedValue(buf, colon + 1, lineEnd);
			}
		}

		pos = lf + 1;
	}
};

const finishHead = (
	head: Head,
	buf: Buffer,
	start: number,
	end: number,
	afterStartLine: number,
	maxHeadBytes: number,
	truncated: boolean,
): Head | NoHead => {
	// The head object is built here, so filling it in place is safe.
	const fields = head as MutableHead;
	const headEnd = parseHeaderLines(buf, start, end, afterStartLine, fields, maxHeadBytes);
	if (typeof headEnd !== 'number') return headEnd;
	if (headEnd >= 0) {
		fields.headBytes = headEnd - start;
		return head;
	}

	if (!truncated) return needMore;
	// The capture ends inside this head: keep what the complete lines said.
	fields.complete = false;
	fields.headBytes = end - start;
	return head;
};

// "HTTP/1.1 200" then a space (reason phrase) or the line end, checked byte by
// byte so that a short prefix can already be told valid or not.
const statusLineByteOk = (offset: number, byte: number): boolean => {
	if (offset < 5) return byte === httpSlash[offset];
	if (offset === 5) return byte === 0x31;
	if (offset === 6) return byte === 0x2e;
	if (offset === 8) return byte === SP;
	if (offset === 12) return byte === SP || byte === CR || byte === LF;
	return isDigit(byte);
};

const parseResponse = (buf: Buffer, start: number, end: number, maxHeadBytes: number, truncated: boolean): Head | NoHead => {
	const checked = Math.min(end - start, 13);
	for (let offset = 0; offset < checked; offset++) {
		if (!statusLineByteOk(offset, buf[start + offset]!)) return badStatusLine;
	}

	if (checked < 13) return needMore;
	const lf = lineFeed(buf, start + 12, end);
	if (lf < 0) return end - start > maxHeadBytes ? tooLarge : needMore;
	const status = (buf[start + 9]! - 0x30) * 100 + (buf[start + 10]! - 0x30) * 10 + (buf[start + 11]! - 0x30);
	if (status < 100) return badStatusLine;
	const head = newResponseHead(versionString(buf[start + 7]!), status);
	return finishHead(head, buf, start, end, lf + 1, maxHeadBytes, truncated);
};

const parseRequest = (buf: Buffer, start: number, end: number, maxHeadBytes: number, truncated: boolean): Head | NoHead => {
	let methodEnd = start;
	while (methodEnd < end && isMethodByte(buf[methodEnd]!)) {
		methodEnd++;
		if (methodEnd - start > maxMethodLength) return notHttp;
	}

	if (methodEnd === end) return needMore;
	if (methodEnd === start || buf[methodEnd] !== SP) return notHttp;
	if (methodEnd + 1 < end) {
		const targetByte = buf[methodEnd + 1]!;
		if (targetByte <= SP || targetByte === 0x7f) return badRequestLine;
	}

	const lf = lineFeed(buf, methodEnd, end);
	if (lf < 0) return end - start > maxHeadBytes ? tooLarge : needMore;
	if (lf + 1 - start > maxHeadBytes) return tooLarge;
	const lineEnd = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
	// "... HTTP/1.1" at the end of the line.
	const versionAt = lineEnd - 8;
	if (versionAt - 1 <= methodEnd + 1 || buf[versionAt - 1] !== SP || buf[versionAt + 5] !== 0x31 || buf[versionAt + 6] !== 0x2e) {
		return badRequestLine;
	}

	for (let i = 0; i < httpSlash.length; i++) {
		if (buf[versionAt + i] !== httpSlash[i]) return badRequestLine;
	}

	if (!isDigit(buf[versionAt + 7])) return badRequestLine;
	const targetEnd = versionAt - 1;
	let highBit = false;
	let query = false;
	let hash = 0;
	for (let at = methodEnd + 1; at < targetEnd; at++) {
		const byte = buf[at]!;
		if (byte <= SP || byte === 0x7f) return badTarget;
		if (byte >= 0x80) highBit = true;
		else if (byte === 0x3f) query = true;
		hash = hashStep(hash, byte);
	}

	// Raw UTF-8 in a target (sent by some clients instead of %-escapes) reads better decoded.
	const target = highBit
		? buf.toString('utf8', methodEnd + 1, targetEnd)
		: query
			? buf.toString('latin1', methodEnd + 1, targetEnd)
			: internedLatin1(buf, methodEnd + 1, targetEnd, hash);
	const head = newRequestHead(versionString(buf[versionAt + 7]!), methodName(buf, start, methodEnd), target);
	return finishHead(head, buf, start, end, lf + 1, maxHeadBytes, truncated);
};

/**
 * Parses the head of one message at `buf[start..end]` (end: the buffer's end unless given).
 *
 * expect: the kind this direction of the connection carries, or null when not
 * yet known. truncated: the bytes end where the capture ended, not where the
 * peer stopped; a head cut there is returned with complete = false as long as
 * its start line is whole.
 */
export const parseHead = (
	buf: Buffer,
	start: number,
	expect: MessageKind | null,
	maxHeadBytes = defaultMaxHeadBytes,
	truncated = false,
	end = buf.length,
): HeadParseResult => {
	const result = parseHeadOrStatus(buf, start, expect, maxHeadBytes, truncated, end);
	return isHead(result) ? {status: 'ok', head: result} : result;
};

/** parseHead without the result object around a head: the head itself, or why there is none. */
export const parseHeadOrStatus = (
	buf: Buffer,
	start: number,
	expect: MessageKind | null,
	maxHeadBytes: number,
	truncated: boolean,
	end: number,
): Head | NoHead => {
	const available = end - start;
	if (available <= 0) return needMore;
	let response = true;
	for (let i = 0; i < httpSlash.length && i < available; i++) {
		if (buf[start + i] !== httpSlash[i]) {
			response = false;
			break;
		}
	}

	if (response && available < httpSlash.length) return needMore; // "HT" could still be either
	if (response) return expect === 'request' ? unexpectedResponse : parseResponse(buf, start, end, maxHeadBytes, truncated);
	if (expect === 'response') return isMethodByte(buf[start]!) ? unexpectedRequest : notHttp;
	return parseRequest(buf, start, end, maxHeadBytes, truncated);
};
