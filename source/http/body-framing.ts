// Where a message body ends (RFC 9112 section 6): decided from the head, and
// for a response from the method of the request it answers. Bodies are framed
// by byte counts only, so that bytes the capture did not copy cost nothing.

import {lineFeed, type RequestHead, type ResponseHead} from './head-parser.js';

export type BodyFraming =
	| {readonly kind: 'none'} // the message ends with its head
	| {readonly kind: 'length'; readonly length: number} // Content-Length
	| {readonly kind: 'chunked'}
	| {readonly kind: 'close'} // the body runs until the connection closes
	| {readonly kind: 'tunnel'} // HTTP ends here: 101 Switching Protocols, or a CONNECT tunnel
	| {readonly kind: 'invalid'; readonly reason: string};

export const noBody: BodyFraming = {kind: 'none'};
export const chunkedBody: BodyFraming = {kind: 'chunked'};
export const closeDelimited: BodyFraming = {kind: 'close'};
export const tunnel: BodyFraming = {kind: 'tunnel'};
const unsupportedCoding: BodyFraming = {kind: 'invalid', reason: 'request Transfer-Encoding does not end in chunked'};

// Framings are never changed: those of the small lengths met over and over are made once.
const smallLengths: readonly BodyFraming[] = Array.from({length: 1024}, (_, length) => (length === 0 ? noBody : {kind: 'length', length}));
const byLength = (length: number): BodyFraming => (length < smallLengths.length ? smallLengths[length]! : {kind: 'length', length});

/** A request has a body only when it says so; a request with no length has none. */
export const requestFraming = (head: RequestHead): BodyFraming => {
	if (head.transferEncoding) return head.chunked ? chunkedBody : unsupportedCoding;
	return head.contentLength === null ? noBody : byLength(head.contentLength);
};

/** Interim responses (100 Continue, 103 Early Hints) precede the final one. */
export const isInterim = (head: ResponseHead): boolean => head.status < 200 && head.status !== 101;

/**
 * requestMethod: the method of the request this response answers, or null
 * when that request was not seen.
 */
export const responseFraming = (head: ResponseHead, requestMethod: string | null): BodyFraming => {
	const {status} = head;
	if (status === 101) return tunnel;
	if (requestMethod === 'CONNECT' && status >= 200 && status < 300) return tunnel;
	if (status < 200 || status === 204 || status === 304 || requestMethod === 'HEAD') return noBody;
	if (head.transferEncoding) return head.chunked ? chunkedBody : closeDelimited;
	return head.contentLength === null ? closeDelimited : byLength(head.contentLength);
};

export type ChunkSizeLine =
	| {readonly status: 'more'}
	| {readonly status: 'invalid'}
	| {readonly status: 'ok'; readonly size: number; readonly consumed: number};

const moreLine: ChunkSizeLine = {status: 'more'};
const badLine: ChunkSizeLine = {status: 'invalid'};

/** Longest chunk-size line accepted, extensions included. */
export const maxChunkLineBytes = 4096;

const hexValue = (byte: number): number => {
	if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
	const lower = byte | 0x20;
	return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
};

/**
 * Parses `size[;extensions] CRLF` at `buf[start..end]`. The size is at most 13
 * hex digits (2^52), which keeps it an exact JavaScript number.
 */
export const parseChunkSizeLine = (buf: Buffer, start: number, end = buf.length): ChunkSizeLine => {
	let at = start;
	let size = 0;
	while (at < end) {
		const digit = hexValue(buf[at]!);
		if (digit < 0) break;
		size = size * 16 + digit;
		at++;
		if (at - start > 13) return badLine;
	}

	if (at === end) return end - start > maxChunkLineBytes ? badLine : moreLine;
	if (at === start) return badLine;
	const next = buf[at]!;
	// After the digits: whitespace, ';' extensions, or the line end.
	if (next !== 0x0d && next !== 0x0a && next !== 0x3b && next !== 0x20 && next !== 0x09) return badLine;
	const lf = lineFeed(buf, at, end);
	if (lf < 0) return end - start > maxChunkLineBytes ? badLine : moreLine;
	if (lf + 1 - start > maxChunkLineBytes) return badLine;
	return {status: 'ok', size, consumed: lf + 1 - start};
};

export type TrailerSection = {readonly status: 'more'} | {readonly status: 'invalid'} | {readonly status: 'ok'; readonly consumed: number};

const moreTrailers: TrailerSection = {status: 'more'};
const badTrailers: TrailerSection = {status: 'invalid'};

/** Parses the trailer lines after the last chunk at `buf[start..end]`, up to and including the empty line. */
export const parseTrailerSection = (buf: Buffer, start: number, maxBytes: number, end = buf.length): TrailerSection => {
	let pos = start;
	for (;;) {
		const lf = lineFeed(buf, pos, end);
		if (lf < 0) return end - start > maxBytes ? badTrailers : moreTrailers;
		if (lf + 1 - start > maxBytes) return badTrailers;
		const lineEnd = lf > pos && buf[lf - 1] === 0x0d ? lf - 1 : lf;
		if (lineEnd === pos) return {status: 'ok', consumed: lf + 1 - start};
		pos = lf + 1;
	}
};
