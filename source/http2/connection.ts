// One HTTP/2 connection as seen by one process: its two frame streams, one HPACK
// decoder per direction, and its streams, each of which becomes one Exchange.
//
// Bytes of an exchange, per side: every HEADERS, CONTINUATION and DATA frame of
// its stream, whole (the 9-byte frame header, padding included): what the
// stream's messages put on the wire. Frames of the connection (SETTINGS, PING,
// WINDOW_UPDATE, GOAWAY, the preface) and a stream's control frames
// (RST_STREAM, PRIORITY, WINDOW_UPDATE) belong to no exchange.
//
// Timing follows the HTTP/1 rules: a server's request starts when the read
// that carried the first byte of its HEADERS returns, and its response's first
// byte is when the write that carried the response HEADERS starts; a client's
// the reverse. The exchange ends when the syscall that carried the response's
// END_STREAM returns.

import type {DataEvent, Direction, Endpoint} from '../capture/events.js';
import type {ConnectionContext} from '../http/connection.js';
import type {Exchange, Role} from '../http/exchange.js';
import {splitTarget} from '../http/target.js';
import {frameFlag, frameHeaderBytes, frameType, headerBlockFragment, looksLikeFrames, matchPreface, readGoawayLastStreamId, readSettings, settingsId} from './frame.js';
import {FrameStream, capturedBytes, type Frame, type FrameStreamOwner} from './frame-stream.js';
import {HeaderBlockDecoder, type HeaderField} from './header-decoder.js';

/** The path of a stream whose request headers named dynamic table entries added before httptop saw the connection. */
export const joinedLatePath = '(h2 joined late)';
/** The path of a stream whose request header block was not captured (or was not valid HPACK). */
export const headersLostPath = '(h2 headers lost)';
/** The method when it cannot be known, for the same reasons. */
export const unknownMethod = '(unknown)';

/** Counters of the HTTP/2 path, beside the HTTP layer's shared ones. */
export type MutableHttp2Counters = {
	streams: number; // exchanges made from streams
	resets: number; // streams reset before their response ended (also counted as unpaired)
	joinedLate: number; // exchanges whose path could not be known: the connection was joined late
	headerBlocksLost: number; // header blocks not captured or not decodable (also counted as truncated or parse errors)
};

export type Http2Context = ConnectionContext & {readonly http2: MutableHttp2Counters};

/**
 * Whether a connection whose first captured syscall is `event` speaks HTTP/2:
 * it starts with the client preface (a client's write, a server's read), or
 * with whole HTTP/2 frames (a server's SETTINGS, written before it reads the
 * preface; a connection joined late; one forgotten while idle). HTTP/1 and TLS
 * records never read as frames: their fourth byte is no frame type, or their
 * first three make a frame longer than 16384 bytes.
 */
export const startsHttp2 = (event: DataEvent): boolean => {
	const data = capturedBytes(event);
	const preface = matchPreface(data);
	if (preface === 'preface' || (preface === 'partial' && data.length === event.bytes && data.length >= 4)) return true;
	return looksLikeFrames(data, event.bytes);
};

// Streams tracked at once per connection; beyond it the oldest is given up (unpaired).
const maxStreams = 4096;

type Side = {
	bytes: number;
	ended: boolean;
};

type Stream = {
	readonly id: number;
	readonly method: string;
	readonly target: string; // :path, or a label when it cannot be known
	readonly authority: string | null;
	readonly tid: number;
	readonly comm: string;
	readonly startNs: number;
	readonly request: Side;
	readonly response: Side;
	status: number | null; // null until the final response headers
	grpcStatus: number | null; // the grpc-status header or trailer
	readonly grpc: boolean; // a gRPC call by its request's content-type
	responseKnown: boolean; // every response header field was decoded (none hidden in an unseen table)
	firstByteNs: number;
	endNs: number;
};

type Block = {
	readonly type: number; // HEADERS or PUSH_PROMISE
	readonly streamId: number;
	readonly endStream: boolean;
	readonly first: Frame;
	fragments: Uint8Array[];
	size: number;
	bytes: number; // frames on the wire
	lost: boolean;
};

type BlockInfo = {
	method: string | null;
	path: string | null;
	authority: string | null;
	host: string | null;
	status: number | null;
	grpcStatus: number | null;
	grpc: boolean; // content-type application/grpc (or +proto, ...), not grpc-web
	request: boolean; // has a request pseudo-header
	unknown: boolean; // a field named a table entry never seen
};

const grpcContentType = /^application\/grpc(?:[+;]|$)/i;

const readFields = (fields: readonly HeaderField[]): BlockInfo => {
	const info: BlockInfo = {method: null, path: null, authority: null, host: null, status: null, grpcStatus: null, grpc: false, request: false, unknown: false};
	for (const {name, value} of fields) {
		if (name === null || value === null) {
			info.unknown = true;
			continue;
		}

		if (name === ':method' || name === ':path' || name === ':scheme' || name === ':authority') info.request = true;
		switch (name) {
			case ':method': {
				info.method = value;
				break;
			}

			case ':path': {
				info.path = value;
				break;
			}

			case ':authority': {
				info.authority = value;
				break;
			}

			case 'host': {
				info.host = value;
				break;
			}

			case ':status': {
				if (/^\d{3}$/.test(value)) info.status = Number(value);
				break;
			}

			case 'grpc-status': {
				if (/^\d{1,3}$/.test(value)) info.grpcStatus = Number(value);
				break;
			}

			case 'content-type': {
				// Not application/grpc-web: its status travels in the body.
				info.grpc = grpcContentType.test(value);
				break;
			}

			default:
		}
	}

	return info;
};

/**
 * The gRPC status a client gives a call whose response has no grpc-status (an
 * intermediary's error, or a server that is no gRPC server): grpc/doc/http-grpc-status-mapping.md,
 * and UNKNOWN for a 200 without one, as grpc-go does.
 */
const grpcStatusOfHttp = (status: number): number => {
	switch (status) {
		case 400: {
			return 13; // INTERNAL
		}

		case 401: {
			return 16; // UNAUTHENTICATED
		}

		case 403: {
			return 7; // PERMISSION_DENIED
		}

		case 404: {
			return 12; // UNIMPLEMENTED
		}

		case 429:
		case 502:
		case 503:
		case 504: {
			return 14; // UNAVAILABLE
		}

		default: {
			return 2; // UNKNOWN
		}
	}
};

const opposite = (direction: Direction): Direction => (direction === 'ingress' ? 'egress' : 'ingress');

export class Http2Connection implements FrameStreamOwner {
	role: Role | null = null;
	lastSeenNs = 0;
	touched = -1; // the assembler's LRU stamp
	readonly connId: number;
	private readonly pid: number;
	private readonly fd: number;
	private readonly seenFromStart: boolean;
	private readonly tls: boolean;
	private readonly local: Endpoint;
	private readonly remote: Endpoint;
	private readonly ingress: FrameStream;
	private readonly egress: FrameStream;
	// The decoder of the header blocks sent in each direction.
	private readonly ingressDecoder = new HeaderBlockDecoder(false);
	private readonly egressDecoder = new HeaderBlockDecoder(false);
	private readonly blocks: {ingress: Block | null; egress: Block | null} = {ingress: null, egress: null};
	private readonly streams = new Map<number, Stream>(); // by id, oldest first
	private lastRequestStreamId = 0;
	private blocksSeen = false; // some header block went by (decoded or not)
	private container: string | null | undefined;
	private out: Exchange[] = [];

	constructor(
		first: DataEvent,
		private readonly context: Http2Context,
	) {
		this.connId = first.connId;
		this.pid = first.pid;
		this.fd = first.fd;
		this.seenFromStart = first.origin !== 'unknown';
		this.tls = first.tls;
		this.local = first.local;
		this.remote = first.remote;
		this.ingress = new FrameStream(this, 'ingress', context.maxHeadBytes, context.budget, this.seenFromStart);
		this.egress = new FrameStream(this, 'egress', context.maxHeadBytes, context.budget, this.seenFromStart);
	}

	/** True when nothing is in flight: no stream, no header block or frame half read. */
	get idle(): boolean {
		return this.streams.size === 0 && this.blocks.ingress === null && this.blocks.egress === null && this.ingress.idle && this.egress.idle;
	}

	/** The HPACK tables hold entries: forgotten, later header blocks decode only in part. */
	get holdsTables(): boolean {
		return !this.ingressDecoder.empty || !this.egressDecoder.empty;
	}

	/** Set by the assembler when the capture lost events: frames of any connection may be missing. */
	set gap(lost: boolean) {
		if (!lost) return;
		for (const direction of ['ingress', 'egress'] as const) {
			this.frameStream(direction).loseSync();
			this.loseBlocks(direction);
		}
	}

	get gap(): boolean {
		return false;
	}

	push(event: DataEvent, out: Exchange[]): void {
		this.out = out;
		this.lastSeenNs = event.tsExitNs;
		this.frameStream(event.direction).push(event);
	}

	/** The socket was closed (or given up): streams whose response ended are exchanges, the rest unpaired. */
	close(out: Exchange[]): void {
		this.out = out;
		for (const stream of this.streams.values()) {
			if (stream.response.ended) this.emit(stream);
			else this.context.counters.unpaired++;
		}

		this.streams.clear();
		for (const direction of ['ingress', 'egress'] as const) {
			this.dropBlock(direction);
			this.frameStream(direction).close();
		}
	}

	/** HTTP/2 frames never lose their end the way an HTTP/1 body can: nothing to expire here. */
	expireLostMessages(_beforeNs: number, _out: Exchange[]): void {}

	prefaceSeen(stream: FrameStream): void {
		if (this.role === null) this.role = stream.direction === 'egress' ? 'client' : 'server';
		// The connection was seen from its first byte: both HPACK tables are known, unless a block already went by.
		if (!this.blocksSeen) {
			this.ingressDecoder.complete = true;
			this.egressDecoder.complete = true;
		}
	}

	syncLost(stream: FrameStream, reason: 'truncated' | 'invalid'): void {
		if (reason === 'truncated') this.context.counters.truncated++;
		else this.context.counters.parseErrors++;
		this.loseBlocks(stream.direction);
	}

	frame(stream: FrameStream, frame: Frame): void {
		const {direction} = stream;
		const {header} = frame;
		switch (header.type) {
			case frameType.headers:
			case frameType.pushPromise: {
				if (this.blocks[direction] !== null) {
					// A header block must end before any other frame: the stream is not HTTP/2 as expected.
					this.context.counters.parseErrors++;
					this.loseBlocks(direction);
				}

				const block: Block = {
					type: header.type,
					streamId: header.streamId,
					endStream: (header.flags & frameFlag.endStream) !== 0,
					first: frame,
					fragments: [],
					size: 0,
					bytes: 0,
					lost: false,
				};
				this.blocks[direction] = block;
				this.blocksSeen = true;
				this.addFragment(direction, block, frame);
				break;
			}

			case frameType.continuation: {
				const block = this.blocks[direction];
				if (block === null || block.streamId !== header.streamId) {
					// Its HEADERS went by while the framing was lost (already counted), or a protocol error.
					if (block !== null) this.context.counters.parseErrors++;
					this.loseBlocks(direction);
					break;
				}

				this.addFragment(direction, block, frame);
				break;
			}

			case frameType.data: {
				this.dataFrame(direction, frame);
				break;
			}

			case frameType.rstStream: {
				this.resetStream(header.streamId);
				break;
			}

			case frameType.settings: {
				if ((header.flags & frameFlag.ack) !== 0 || frame.payload === null) break;
				for (const [id, value] of readSettings(frame.payload)) {
					// The sender's own decoder will accept a table this big from its peer's encoder.
					if (id === settingsId.headerTableSize) this.decoder(opposite(direction)).setLimit(value);
				}

				break;
			}

			case frameType.goaway: {
				// A server's GOAWAY: the client's streams above the last one it processed get no
				// answer here. (A client's names the server's pushed streams: nothing counted.)
				if (frame.payload === null || this.role === null || direction === this.requestDirection()) break;
				const last = readGoawayLastStreamId(frame.payload);
				for (const [id, candidate] of this.streams) {
					if (id > last && !candidate.response.ended) {
						this.streams.delete(id);
						this.context.counters.unpaired++;
					}
				}

				break;
			}

			default:
			// PING, WINDOW_UPDATE, PRIORITY and extension frames carry nothing an exchange shows.
		}
	}

	private addFragment(direction: Direction, block: Block, frame: Frame): void {
		block.bytes += frameHeaderBytes + frame.header.length;
		if (frame.payload === null) {
			block.lost = true;
		} else if (!block.lost) {
			const fragment = headerBlockFragment(frame.header, frame.payload);
			const {budget, maxHeadBytes} = this.context;
			if (typeof fragment === 'string' || block.size + fragment.fragment.length > maxHeadBytes || budget.used + fragment.fragment.length > budget.limit) {
				this.release(block);
				block.lost = true;
			} else {
				block.fragments.push(fragment.fragment);
				block.size += fragment.fragment.length;
				budget.used += fragment.fragment.length;
			}
		}

		if ((frame.header.flags & frameFlag.endHeaders) !== 0) {
			this.blocks[direction] = null;
			this.headerBlock(direction, block, frame);
			this.release(block);
		}
	}

	private headerBlock(direction: Direction, block: Block, last: Frame): void {
		const decoder = this.decoder(direction);
		let fields: HeaderField[] | null = null;
		if (block.lost) {
			decoder.forget();
			this.context.counters.truncated++;
			this.context.http2.headerBlocksLost++;
		} else {
			fields = decoder.decode(block.fragments.length === 1 ? block.fragments[0]! : Buffer.concat(block.fragments));
			if (fields === null) {
				this.context.counters.parseErrors++;
				this.context.http2.headerBlocksLost++;
			}
		}

		// Pushed streams answer no request of the client: their promises only keep the table in step.
		if (block.type === frameType.pushPromise) return;
		const info = readFields(fields ?? []);
		const known = fields !== null;
		if (this.role === null) {
			// Joined late: request headers or response headers tell the roles. Other blocks
			// (trailers, or all fields unknown) belong to streams begun before: nothing to count.
			if (info.request === (info.status !== null)) return;
			this.role = (direction === 'egress') === info.request ? 'client' : 'server';
		}

		const stream = this.streams.get(block.streamId);
		if (direction === this.requestDirection()) {
			if (stream === undefined) this.openStream(block, last, info, known, known && decoder.complete);
			else {
				stream.request.bytes += block.bytes;
				if (block.endStream) this.endSide(stream, stream.request, last);
			}

			return;
		}

		if (stream === undefined) {
			// The answer to a request not seen. Below the last request seen: a stream already
			// given up (counted then) or, on a connection joined late, opened before it was seen.
			// Above: a request lost with the framing.
			// (Even streams are pushed by the server: no request of the client's.)
			const lostRequest = block.streamId % 2 === 1 && block.streamId > this.lastRequestStreamId;
			if (lostRequest && (this.seenFromStart || this.lastRequestStreamId > 0)) this.context.counters.unpaired++;
			return;
		}

		stream.response.bytes += block.bytes;
		if (!known || info.unknown) stream.responseKnown = false;
		if (stream.status === null) {
			const interim = info.status !== null && info.status < 200;
			if (!interim) {
				stream.status = info.status ?? 0;
				stream.firstByteNs = this.role === 'server' ? block.first.startEnterNs : block.first.startExitNs;
			}
		}

		if (info.grpcStatus !== null) stream.grpcStatus = info.grpcStatus;
		if (block.endStream) this.endSide(stream, stream.response, last);
	}

	private openStream(block: Block, last: Frame, info: BlockInfo, decoded: boolean, complete: boolean): void {
		if (block.streamId <= this.lastRequestStreamId) return; // trailers of a stream already over
		this.lastRequestStreamId = block.streamId;
		if (this.streams.size >= maxStreams) {
			const oldest = this.streams.keys().next().value!;
			this.streams.delete(oldest);
			this.context.counters.unpaired++;
		}

		let target = info.path;
		if (info.method === 'CONNECT' && target === null) target = info.authority;
		if (target === null) {
			// Not decodable, or named table entries added before httptop saw the connection.
			target = !decoded ? headersLostPath : complete ? headersLostPath : joinedLatePath;
		}

		const server = this.role === 'server';
		const stream: Stream = {
			id: block.streamId,
			method: info.method ?? unknownMethod,
			target,
			authority: info.authority ?? info.host,
			tid: block.first.tid,
			comm: block.first.comm,
			startNs: server ? block.first.startExitNs : block.first.startEnterNs,
			request: {bytes: block.bytes, ended: false},
			response: {bytes: 0, ended: false},
			status: null,
			grpcStatus: null,
			grpc: info.grpc,
			responseKnown: true,
			firstByteNs: 0,
			endNs: 0,
		};
		this.streams.set(block.streamId, stream);
		if (block.endStream) this.endSide(stream, stream.request, last);
	}

	private dataFrame(direction: Direction, frame: Frame): void {
		const stream = this.streams.get(frame.header.streamId);
		if (stream === undefined) return;
		const side = direction === this.requestDirection() ? stream.request : stream.response;
		side.bytes += frameHeaderBytes + frame.header.length;
		if ((frame.header.flags & frameFlag.endStream) !== 0) this.endSide(stream, side, frame);
	}

	private endSide(stream: Stream, side: Side, last: Frame): void {
		side.ended = true;
		if (side === stream.response) stream.endNs = last.endExitNs;
		// The response may end before the request does (a gRPC server that answers early): it waits for it.
		if (stream.response.ended && stream.request.ended) {
			this.streams.delete(stream.id);
			this.emit(stream);
		}
	}

	private resetStream(id: number): void {
		const stream = this.streams.get(id);
		if (stream === undefined) return;
		this.streams.delete(id);
		if (stream.response.ended) {
			this.emit(stream);
		} else {
			this.context.counters.unpaired++;
			this.context.http2.resets++;
		}
	}

	private emit(stream: Stream): void {
		const {context} = this;
		if (this.container === undefined) this.container = context.resolveContainer(this.pid);
		const late = stream.target === joinedLatePath || stream.target === headersLostPath;
		const target = late ? {path: stream.target, query: null} : splitTarget(stream.target, context.keepQuery);
		context.http2.streams++;
		if (stream.target === joinedLatePath) context.http2.joinedLate++;
		this.out.push({
			role: this.role === 'server' ? 'server' : 'client',
			pid: this.pid,
			tid: stream.tid,
			comm: stream.comm,
			container: this.container,
			fd: this.fd,
			connId: this.connId,
			local: this.local,
			remote: this.remote,
			method: stream.method,
			path: target.path,
			query: target.query,
			host: stream.authority,
			httpVersion: '2',
			tls: this.tls,
			grpcStatus: stream.grpcStatus ?? (stream.grpc && stream.responseKnown && stream.status !== null ? grpcStatusOfHttp(stream.status) : null),
			status: stream.status ?? 0,
			requestBytes: stream.request.bytes,
			responseBytes: stream.response.bytes,
			startMs: context.toEpochMs(stream.startNs),
			firstByteMs: context.toEpochMs(stream.firstByteNs),
			endMs: context.toEpochMs(stream.endNs),
		});
	}

	// A header block in this direction was (or may have been) lost: its stream cannot be
	// decoded, and the table it changed is unknown from now on.
	private loseBlocks(direction: Direction): void {
		this.dropBlock(direction);
		this.decoder(direction).forget();
	}

	private dropBlock(direction: Direction): void {
		const block = this.blocks[direction];
		if (block !== null) this.release(block);
		this.blocks[direction] = null;
	}

	// Header block fragments held until END_HEADERS count in the shared buffer budget.
	private release(block: Block): void {
		this.context.budget.used -= block.size;
		block.size = 0;
		block.fragments = [];
	}

	private decoder(direction: Direction): HeaderBlockDecoder {
		return direction === 'ingress' ? this.ingressDecoder : this.egressDecoder;
	}

	private frameStream(direction: Direction): FrameStream {
		return direction === 'ingress' ? this.ingress : this.egress;
	}

	private requestDirection(): Direction {
		return this.role === 'client' ? 'egress' : 'ingress';
	}
}
