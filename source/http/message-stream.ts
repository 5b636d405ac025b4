// One direction of one connection as a sequence of HTTP messages: the
// transport half of the parser, kept apart from the protocol rules (which the
// owner decides through StreamOwner).
//
// Each chunk is one syscall: `bytes` were moved, of which only the first
// `data.length` were captured. Bodies are skipped by count, so a gap in a body
// costs nothing. A head or chunk-size line that runs into a gap cannot be read:
// the stream then loses sync, lets the message it was in (if any) absorb every
// following chunk, and picks up again at the first chunk that begins with a
// message start line.

import type {DataEvent, Direction} from '../capture/events.js';
import {
	parseChunkSizeLine,
	parseTrailerSection,
	type BodyFraming,
	type ChunkSizeLine,
	type TrailerSection,
} from './body-framing.js';
import {
	defaultMaxHeadBytes,
	isHead,
	lineFeed,
	messageStartKind,
	parseHeadOrStatus,
	type Head,
	type MessageKind,
	type NoHead,
} from './head-parser.js';

const needMore: NoHead = {status: 'more'};

/** One request or response, growing as its chunks arrive. */
export class Message {
	bytes: number; // head + body bytes moved so far
	lastExitNs: number; // exit time of the last syscall that moved bytes of it
	ended = false;
	lost = false; // its framing was lost: its end is estimated
	incomplete = false; // the connection ended before its framing did
	interim = false; // a 1xx response before the final one
	emitted = false;
	partner: Message | null = null; // request <-> final response

	constructor(
		readonly head: Head,
		readonly startEnterNs: number, // the syscall that moved its first byte
		readonly startExitNs: number,
		readonly tid: number,
		readonly comm: string,
	) {
		this.bytes = head.headBytes;
		this.lastExitNs = startExitNs;
	}
}

export type SyncLoss = 'parse-error' | 'truncated' | 'too-large';

export type StreamOwner = {
	/** A head was read. Returns how the body is framed; 'invalid' rejects the message. */
	headParsed(stream: MessageStream, message: Message): BodyFraming;
	messageEnded(stream: MessageStream, message: Message): void;
	syncLost(stream: MessageStream, loss: SyncLoss): void;
	/** A chunk was passed over while waiting for a start line (no message took it). */
	chunkSkipped(stream: MessageStream): void;
};

/** Bytes held for incomplete heads, shared by every stream of an assembler. */
export type BufferBudget = {used: number; readonly limit: number};

// What the stream is reading now.
const seek = 0; // waiting for a chunk that begins with a start line
const head = 1;
const body = 2; // Content-Length body: `remaining` bytes
const chunkSize = 3;
const chunkData = 4; // chunk data and its CRLF: `remaining` bytes
const trailers = 5;
const untilClose = 6;
const tunnelled = 7; // no longer HTTP

const asBuffer = (data: Uint8Array): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
const noBytes = Buffer.alloc(0);

// "\r\n0\r\n\r\n": how a chunked body nearly always ends.
const lastChunk = Buffer.from('\r\n0\r\n\r\n', 'latin1');

export class MessageStream {
	expect: MessageKind | null = null; // set by the owner once the role is known
	private mode = seek;
	private remaining = 0;
	private current: Message | null = null;
	private pending: Buffer | null = null; // captured bytes of a head or line not yet complete
	private pendingEnterNs = 0;
	private pendingExitNs = 0;
	private pendingTid = 0;
	private pendingComm = '';
	private parsedAny = false;
	// The chunk being pushed: its captured bytes are buf[base, base + captured). Cleared
	// after each push (buf may be a whole drained batch, not to be held on to).
	private buf: Buffer = noBytes;
	private base = 0;
	private captured = 0;
	// What front() returns: the bytes to parse are frontBuf[frontStart, frontEnd).
	private frontBuf: Buffer = noBytes;
	private frontStart = 0;
	private frontEnd = 0;

	constructor(
		private readonly owner: StreamOwner,
		readonly direction: Direction,
		private readonly maxHeadBytes: number,
		private readonly budget: BufferBudget,
	) {}

	/** True when nothing is in flight: a good moment to forget the connection. */
	get idle(): boolean {
		return this.current === null && this.pending === null && (this.mode === head || this.mode === seek || this.mode === tunnelled);
	}

	/** True once a head was read: chunks skipped after that were not the tail of something before us. */
	get hasParsed(): boolean {
		return this.parsedAny;
	}

	get inMessage(): Message | null {
		return this.current;
	}

	push(event: DataEvent): void {
		const total = event.bytes;
		if (total <= 0 || this.mode === tunnelled) return;
		if (event.batch === undefined) {
			this.buf = asBuffer(event.data);
			this.base = 0;
			this.captured = Math.min(this.buf.length, total);
		} else {
			this.buf = event.batch;
			this.base = event.batchOffset!;
			this.captured = Math.min(event.captured!, total);
		}

		this.consume(event, total);
		this.buf = noBytes;
		this.frontBuf = noBytes;
	}

	private consume(event: DataEvent, total: number): void {
		let off = 0;
		if (this.mode === seek && !this.resynchronise(event)) return;
		while (off < total) {
			switch (this.mode) {
				case head: {
					off = this.readHead(event, off);
					break;
				}

				case body:
				case chunkData: {
					const message = this.current!;
					const count = Math.min(this.remaining, total - off);
					off += count;
					this.remaining -= count;
					message.bytes += count;
					message.lastExitNs = event.tsExitNs;
					if (this.remaining === 0) {
						if (this.mode === body) this.finish(message);
						else this.mode = chunkSize;
					}

					break;
				}

				case chunkSize:
				case trailers: {
					off = this.readChunkLine(event, off);
					break;
				}

				default: {
					// untilClose, or seek after a loss inside this chunk: the rest belongs to the current message.
					this.absorb(event, total - off);
					off = total;
				}
			}
		}
	}

	/** The connection is gone: end what is in flight at its last byte. */
	close(): void {
		this.dropPending();
		const message = this.current;
		if (message === null) return;
		this.current = null;
		if (this.mode !== untilClose && this.mode !== seek) message.incomplete = true;
		this.mode = seek;
		this.end(message);
	}

	/** Ends a message whose framing was lost, at its last byte (a new request shows it is over). */
	endLostMessage(): void {
		const message = this.current;
		if (this.mode !== seek || message === null) return;
		this.current = null;
		this.end(message);
	}

	/** Ends a lost message that has seen no bytes since `beforeNs`. */
	expireLostMessage(beforeNs: number): void {
		if (this.current !== null && this.current.lastExitNs < beforeNs) this.endLostMessage();
	}

	/** HTTP is over on this connection (101, CONNECT): ignore every further byte. */
	stop(): void {
		this.dropPending();
		const message = this.current;
		this.current = null;
		this.mode = tunnelled;
		if (message !== null) this.end(message);
	}

	// At a chunk boundary while lost: does this chunk begin a message?
	private resynchronise(event: DataEvent): boolean {
		const {buf, base, captured} = this;
		const kind = captured > 0 ? messageStartKind(buf, base, base + captured) : null;
		const starts =
			kind === null
				? isStartFragment(buf, base, captured, event.bytes, this.expect)
				: this.expect === null || kind === this.expect;
		if (!starts) {
			const message = this.current;
			if (message === null) {
				this.owner.chunkSkipped(this);
			} else {
				this.absorb(event, event.bytes);
				if (message.head.chunked && captured === event.bytes && endsChunkedBody(buf, base, captured)) this.endLostMessage();
			}

			return false;
		}

		this.endLostMessage();
		this.mode = head;
		return true;
	}

	private absorb(event: DataEvent, count: number): void {
		const message = this.current;
		if (message === null) return;
		message.bytes += count;
		message.lastExitNs = event.tsExitNs;
	}

	private finish(message: Message): void {
		this.current = null;
		this.mode = head;
		this.end(message);
	}

	private end(message: Message): void {
		message.ended = true;
		this.owner.messageEnded(this, message);
	}

	private loseSync(loss: SyncLoss, event: DataEvent, off: number, message: Message | null): number {
		this.dropPending();
		this.mode = seek;
		this.current = message;
		if (message !== null) {
			message.lost = true;
			this.absorb(event, event.bytes - off);
		}

		this.owner.syncLost(this, loss);
		return event.bytes;
	}

	private dropPending(): void {
		if (this.pending !== null) this.budget.used -= this.pending.length;
		this.pending = null;
	}

	// Keeps the captured rest of this chunk (from `off`) for the next one, given the
	// bytes front() returned. False: over a limit.
	private keepPending(event: DataEvent, off: number): boolean {
		const added = this.captured - off;
		if (this.budget.used + added > this.budget.limit) return false;
		if (this.pending === null) {
			// a copy: the event's buffer is not ours to keep
			this.pending = Buffer.from(this.buf.subarray(this.base + off, this.base + this.captured));
			this.pendingEnterNs = event.tsEnterNs;
			this.pendingExitNs = event.tsExitNs;
			this.pendingTid = event.tid;
			this.pendingComm = event.comm;
		} else {
			this.pending = this.frontBuf; // pending and this chunk joined: a new buffer, or pending itself
		}

		this.budget.used += added;
		return true;
	}

	// The bytes to parse, those kept from earlier chunks then this chunk's from `off`,
	// into frontBuf[frontStart, frontEnd).
	private front(off: number): void {
		const {pending} = this;
		if (pending === null) {
			this.frontBuf = this.buf;
			this.frontStart = this.base + off;
			this.frontEnd = this.base + this.captured;
			return;
		}

		this.frontBuf =
			off === this.captured ? pending : Buffer.concat([pending, this.buf.subarray(this.base + off, this.base + this.captured)]);
		this.frontStart = 0;
		this.frontEnd = this.frontBuf.length;
	}

	private readHead(event: DataEvent, off: number): number {
		const total = event.bytes;
		const carried = this.pending?.length ?? 0;
		if (off >= this.captured) {
			// The next head starts (or goes on) where the capture stopped.
			if (carried === 0) return this.loseSync('truncated', event, off, null);
			this.front(off);
			return this.truncatedHead(event, off);
		}

		this.front(off);
		// Nothing can end a head or a start line but a line feed: wait for one.
		const result: Head | NoHead =
			carried > 0 && lineFeed(this.buf, this.base + off, this.base + this.captured) < 0
				? needMore
				: parseHeadOrStatus(this.frontBuf, this.frontStart, this.expect, this.maxHeadBytes, false, this.frontEnd);
		if (isHead(result)) {
			const message = this.startMessage(result, event, carried);
			this.dropPending();
			const next = off + result.headBytes - carried;
			this.frame(message, this.owner.headParsed(this, message));
			if (this.mode === seek) return this.loseSync('parse-error', event, next, null);
			return next;
		}

		if (result.status === 'more') {
			if (this.captured < total) return this.truncatedHead(event, off);
			if (this.frontEnd - this.frontStart > this.maxHeadBytes || !this.keepPending(event, off)) {
				return this.loseSync('too-large', event, off, null);
			}

			return total;
		}

		return this.loseSync('parse-error', event, off, null);
	}

	private startMessage(parsed: Head, event: DataEvent, carried: number): Message {
		this.parsedAny = true;
		const message =
			carried > 0
				? new Message(parsed, this.pendingEnterNs, this.pendingExitNs, this.pendingTid, this.pendingComm)
				: new Message(parsed, event.tsEnterNs, event.tsExitNs, event.tid, event.comm);
		message.lastExitNs = event.tsExitNs;
		return message;
	}

	// A head that runs into bytes the capture did not copy (the bytes front() returned).
	private truncatedHead(event: DataEvent, off: number): number {
		const carried = this.pending?.length ?? 0;
		const result = parseHeadOrStatus(this.frontBuf, this.frontStart, this.expect, this.maxHeadBytes, true, this.frontEnd);
		if (!isHead(result)) return this.loseSync(result.status === 'invalid' ? 'parse-error' : 'truncated', event, off, null);
		// Its start line is whole: keep the message, with an estimated end.
		const message = this.startMessage(result, event, carried);
		message.bytes = carried;
		const framing = this.owner.headParsed(this, message);
		if (framing.kind === 'invalid') return this.loseSync('parse-error', event, off, null);
		if (framing.kind === 'tunnel') {
			this.current = message;
			this.stop();
			return event.bytes;
		}

		return this.loseSync('truncated', event, off, message);
	}

	private frame(message: Message, framing: BodyFraming): void {
		switch (framing.kind) {
			case 'none': {
				this.finish(message);
				break;
			}

			case 'length': {
				this.current = message;
				this.remaining = framing.length;
				this.mode = body;
				break;
			}

			case 'chunked': {
				this.current = message;
				this.mode = chunkSize;
				break;
			}

			case 'close': {
				this.current = message;
				this.mode = untilClose;
				break;
			}

			case 'tunnel': {
				this.current = message;
				this.stop();
				break;
			}

			case 'invalid': {
				this.current = null;
				this.mode = seek;
			}
		}
	}

	// A chunk-size line, or the trailer section after the last chunk.
	private readChunkLine(event: DataEvent, off: number): number {
		const message = this.current!;
		if (off >= this.captured) return this.loseSync('truncated', event, off, message);
		const carried = this.pending?.length ?? 0;
		this.front(off);
		// A chunk size, or -1 when this was the trailer section (the body's end).
		let size = -1;
		let result: ChunkSizeLine | TrailerSection;
		if (this.mode === chunkSize) {
			const line = parseChunkSizeLine(this.frontBuf, this.frontStart, this.frontEnd);
			if (line.status === 'ok') size = line.size;
			result = line;
		} else {
			result = parseTrailerSection(this.frontBuf, this.frontStart, this.maxHeadBytes, this.frontEnd);
		}

		if (result.status === 'more') {
			if (this.captured < event.bytes) return this.loseSync('truncated', event, off, message);
			if (!this.keepPending(event, off)) return this.loseSync('too-large', event, off, message);
			message.bytes += event.bytes - off;
			message.lastExitNs = event.tsExitNs;
			return event.bytes;
		}

		if (result.status === 'invalid') return this.loseSync('parse-error', event, off, message);
		this.dropPending();
		const consumed = result.consumed - carried;
		message.bytes += consumed;
		message.lastExitNs = event.tsExitNs;
		if (size > 0) {
			this.remaining = size + 2;
			this.mode = chunkData;
		} else if (size === 0) {
			this.mode = trailers;
		} else {
			this.finish(message);
		}

		return off + consumed;
	}
}

// A few bytes, captured whole, that could begin a start line ("G", "HTT"): a
// writer that split its head at an odd place. Longer chunks must show more.
const isStartFragment = (buf: Buffer, base: number, captured: number, bytes: number, expect: MessageKind | null): boolean =>
	captured > 0 &&
	captured === bytes &&
	captured < 16 &&
	isMore(parseHeadOrStatus(buf, base, expect, defaultMaxHeadBytes, false, base + captured));

const isMore = (result: Head | NoHead): boolean => !isHead(result) && result.status === 'more';

// buf[base, base + captured) ends with "\r\n0\r\n\r\n", or is "0\r\n\r\n".
const endsChunkedBody = (buf: Buffer, base: number, captured: number): boolean =>
	captured >= lastChunk.length
		? buf.compare(lastChunk, 0, lastChunk.length, base + captured - lastChunk.length, base + captured) === 0
		: captured === 5 && buf.compare(lastChunk, 2, lastChunk.length, base, base + 5) === 0;
