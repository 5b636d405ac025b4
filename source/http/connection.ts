// One connection (TCP or unix domain socket) as seen by one process: its two message streams, which
// of them carries requests (the role), and the stitching of each request to
// its final response in order (HTTP/1.x answers pipelined requests FIFO).

import type {DataEvent, Direction, Endpoint} from '../capture/events.js';
import {isInterim, requestFraming, responseFraming, type BodyFraming} from './body-framing.js';
import type {Exchange, Role} from './exchange.js';
import type {RequestHead, ResponseHead} from './head-parser.js';
import {MessageStream, type BufferBudget, type Message, type StreamOwner, type SyncLoss} from './message-stream.js';
import {splitTarget} from './target.js';

export type MutableHttpCounters = {
	parseErrors: number;
	unpaired: number;
	truncated: number;
};

/** What every connection of one assembler shares. */
export type ConnectionContext = {
	readonly counters: MutableHttpCounters;
	readonly budget: BufferBudget;
	readonly maxHeadBytes: number;
	readonly maxPipelined: number;
	readonly keepQuery: boolean;
	readonly toEpochMs: (ns: number) => number;
	readonly resolveContainer: (pid: number) => string | null;
};

const wrongDirection: BodyFraming = {kind: 'invalid', reason: 'message kind against the connection role'};

export class Connection implements StreamOwner {
	role: Role | null = null;
	/** Responses may have been missed: pair the next one with the newest request. */
	gap = false;
	lastSeenNs = 0;
	touched = -1; // the assembler's LRU stamp
	readonly connId: number;
	private readonly pid: number;
	private readonly fd: number;
	private readonly seenFromStart: boolean; // accepted or connected while tracing
	private readonly tls: boolean; // HTTPS: the streams carry the TLS library's plaintext
	private readonly local: Endpoint;
	private readonly remote: Endpoint;
	private readonly ingress: MessageStream;
	private readonly egress: MessageStream;
	private readonly waiting: Message[] = []; // requests with no final response head yet, oldest first
	private container: string | null | undefined;
	private out: Exchange[] = [];
	private interimBytes = 0; // 1xx responses since the last final one: the final response carries them
	private sawRequest = false; // a request head was parsed on this connection

	constructor(
		first: DataEvent,
		private readonly context: ConnectionContext,
	) {
		this.connId = first.connId;
		this.pid = first.pid;
		this.fd = first.fd;
		this.seenFromStart = first.origin !== 'unknown';
		this.tls = first.tls;
		this.local = first.local;
		this.remote = first.remote;
		this.ingress = new MessageStream(this, 'ingress', context.maxHeadBytes, context.budget);
		this.egress = new MessageStream(this, 'egress', context.maxHeadBytes, context.budget);
	}

	/** True when nothing is in flight: forgetting the connection now loses nothing. */
	get idle(): boolean {
		return this.waiting.length === 0 && this.ingress.idle && this.egress.idle;
	}

	push(event: DataEvent, out: Exchange[]): void {
		this.out = out;
		this.lastSeenNs = event.tsExitNs;
		(event.direction === 'ingress' ? this.ingress : this.egress).push(event);
	}

	/** The socket was closed (or given up): end what is in flight; unanswered requests are unpaired. */
	close(out: Exchange[]): void {
		this.out = out;
		this.requestStream().close();
		this.responseStream().close();
		this.context.counters.unpaired += this.waiting.length;
		this.waiting.length = 0;
	}

	/** Ends messages whose framing was lost and that saw no byte since `beforeNs`. */
	expireLostMessages(beforeNs: number, out: Exchange[]): void {
		this.out = out;
		this.requestStream().expireLostMessage(beforeNs);
		this.responseStream().expireLostMessage(beforeNs);
	}

	headParsed(stream: MessageStream, message: Message): BodyFraming {
		const {head} = message;
		const requestDirection: Direction = head.kind === 'request' ? stream.direction : opposite(stream.direction);
		if (this.role === null) this.setRole(requestDirection === 'ingress' ? 'server' : 'client');
		else if (requestDirection !== this.requestDirection()) return wrongDirection;
		return head.kind === 'request' ? this.requestHead(message, head) : this.responseHead(message, head);
	}

	messageEnded(_stream: MessageStream, message: Message): void {
		const {partner} = message;
		if (message.interim) this.interimBytes += message.bytes;
		if (partner === null) return; // an interim response, an unpaired response, or a request still waiting
		if (message.head.kind === 'request') {
			if (partner.ended) this.emit(message, partner);
		} else if (partner.ended || partner.lost) {
			// A request whose framing was lost ends at the next request; its response need not wait.
			this.emit(partner, message);
		}
	}

	syncLost(stream: MessageStream, loss: SyncLoss): void {
		if (loss === 'truncated') this.context.counters.truncated++;
		else this.context.counters.parseErrors++;
		// Heads lost on the response side hide an unknown number of responses.
		if (this.role === null || stream === this.responseStream()) this.gap = true;
	}

	chunkSkipped(stream: MessageStream): void {
		// Bytes on the response side that began no response while requests wait: most
		// likely a response whose head was not captured. Not so on a connection opened
		// before tracing began, before any response: there they end an unseen one.
		if (this.waiting.length > 0 && stream !== this.requestStream() && (this.seenFromStart || stream.hasParsed)) this.gap = true;
	}

	private requestHead(message: Message, head: RequestHead): BodyFraming {
		const framing = requestFraming(head);
		if (framing.kind === 'invalid') return framing;
		// A new request shows that a response whose end was lost is over.
		this.responseStream().endLostMessage();
		if (this.waiting.length >= this.context.maxPipelined) {
			this.waiting.shift();
			this.context.counters.unpaired++;
		}

		this.waiting.push(message);
		this.sawRequest = true;
		return framing;
	}

	private responseHead(message: Message, head: ResponseHead): BodyFraming {
		const {waiting} = this;
		if (this.gap && waiting.length > 1) {
			// Some responses went unseen: the answered requests cannot be told apart, but
			// without pipelining (nearly always) this one answers the newest request.
			this.context.counters.unpaired += waiting.length - 1;
			waiting.splice(0, waiting.length - 1);
		}

		this.gap = false;
		const request = waiting[0];
		const method = request?.head.kind === 'request' ? request.head.method : null;
		const framing = responseFraming(head, method);
		if (isInterim(head)) {
			message.interim = true;
			return framing;
		}

		// The peer received the interim responses too: their bytes count in this exchange's.
		message.bytes += this.interimBytes;
		this.interimBytes = 0;
		if (request === undefined) {
			// On a connection open before tracing began, a response before any request seen
			// answers a request sent before: nothing the capture lost.
			if (this.seenFromStart || this.sawRequest) this.context.counters.unpaired++;
		} else {
			waiting.shift();
			request.partner = message;
			message.partner = request;
		}

		if (framing.kind === 'tunnel') this.requestStream().stop();
		return framing;
	}

	private emit(request: Message, response: Message): void {
		if (request.emitted || request.head.kind !== 'request' || response.head.kind !== 'response') return;
		request.emitted = true;
		const {context} = this;
		const server = this.role === 'server';
		const target = splitTarget(request.head.target, context.keepQuery);
		if (this.container === undefined) this.container = context.resolveContainer(this.pid);
		this.out.push({
			role: server ? 'server' : 'client',
			pid: this.pid,
			tid: request.tid,
			comm: request.comm,
			container: this.container,
			fd: this.fd,
			connId: this.connId,
			local: this.local,
			remote: this.remote,
			method: request.head.method,
			path: target.path,
			query: target.query,
			host: request.head.host ?? target.authority,
			httpVersion: request.head.version,
			tls: this.tls,
			grpcStatus: null,
			status: response.head.status,
			requestBytes: request.bytes,
			responseBytes: response.bytes,
			// A server sees a request when its read returns and answers when its write starts;
			// a client sends when its write starts and sees the answer when its read returns.
			startMs: context.toEpochMs(server ? request.startExitNs : request.startEnterNs),
			firstByteMs: context.toEpochMs(server ? response.startEnterNs : response.startExitNs),
			endMs: context.toEpochMs(response.lastExitNs),
		});
	}

	private setRole(role: Role): void {
		this.role = role;
		this.requestStream().expect = 'request';
		this.responseStream().expect = 'response';
	}

	private requestDirection(): Direction {
		return this.role === 'client' ? 'egress' : 'ingress';
	}

	private requestStream(): MessageStream {
		return this.role === 'client' ? this.egress : this.ingress;
	}

	private responseStream(): MessageStream {
		return this.role === 'client' ? this.ingress : this.egress;
	}
}

const opposite = (direction: Direction): Direction => (direction === 'ingress' ? 'egress' : 'ingress');
