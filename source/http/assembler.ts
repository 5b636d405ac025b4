// The HTTP layer's entry point: capture events in, exchanges out. Keeps one
// Connection per connId (HTTP/1, or source/http2's when its first bytes are
// HTTP/2), bounded in number (least recently used goes first) and in buffered
// bytes, and counts everything it had to give up.

import type {CaptureEvent} from '../capture/events.js';
import {Connection, type ConnectionContext, type MutableHttpCounters} from './connection.js';
import type {Exchange, HttpCounters} from './exchange.js';
import {defaultMaxHeadBytes} from './head-parser.js';
import {Http2Connection, startsHttp2, type Http2Context, type MutableHttp2Counters} from '../http2/connection.js';

export type HttpAssemblerOptions = {
	/** Converts a CLOCK_MONOTONIC timestamp to epoch milliseconds (fractional). */
	readonly monotonicNsToEpochMs: (ns: number) => number;
	/** Keep query strings (--show-query); when false every Exchange has query null. */
	readonly keepQuery: boolean;
	/** Container name or short id of a process, null on the host. Called once per connection. */
	readonly resolveContainer?: (pid: number) => string | null;
	/** Connections tracked at once; beyond it the least recently used is dropped. Default 16384. */
	readonly maxConnections?: number;
	/** Largest request or response head accepted. Default 64 KiB. */
	readonly maxHeadBytes?: number;
	/** Bytes held for incomplete heads over all connections. Default 32 MiB. */
	readonly maxBufferedBytes?: number;
	/** Requests awaiting a response on one connection. Default 256. */
	readonly maxPipelined?: number;
	/** expire() drops a connection with nothing in flight after this long without events. Default 60 s. */
	readonly idleTimeoutMs?: number;
	/** ... and one with a request or response in flight after this long. Default 10 min. */
	readonly inFlightTimeoutMs?: number;
	/** expire() ends a message whose framing was lost after this long without bytes. Default 2 s. */
	readonly lostMessageTimeoutMs?: number;
};

export type HttpAssemblerCounters = HttpCounters & {
	readonly connections: number; // tracked now
	readonly evicted: number; // connections dropped with messages in flight to stay under maxConnections
	readonly bufferedBytes: number; // held now for incomplete heads
};

/** What the HTTP/2 path made and gave up, beside the shared counters (which include its losses). */
export type Http2Counters = Readonly<MutableHttp2Counters>;

export type HttpAssembler = {
	/** Feeds a batch of events (in order per connection); returns the exchanges they completed. */
	push(events: readonly CaptureEvent[]): Exchange[];
	/**
	 * The same, one event at a time: startBatch() once per batch, then add() for each of
	 * its events, which appends what it completes to `out`. The event is not kept after
	 * the call (its object may be reused); data bytes kept for later are copied.
	 */
	startBatch(): void;
	add(event: CaptureEvent, out: Exchange[]): void;
	/** Ends idle connections and lost messages, given the current CLOCK_MONOTONIC time. */
	expire(nowNs: number): Exchange[];
	/** The capture lost events (ring buffer drops, missed syscalls): re-pair carefully. */
	markCaptureGap(): void;
	/** Ends every connection, as if all were closed now (end of a replay or of tracing). */
	flush(): Exchange[];
	counters(): HttpAssemblerCounters;
	http2Counters(): Http2Counters;
};

const msToNs = 1e6;

export const createHttpAssembler = (options: HttpAssemblerOptions): HttpAssembler => {
	const maxConnections = Math.max(1, options.maxConnections ?? 16_384);
	const idleTimeoutNs = (options.idleTimeoutMs ?? 60_000) * msToNs;
	const inFlightTimeoutNs = (options.inFlightTimeoutMs ?? 600_000) * msToNs;
	const lostMessageTimeoutNs = (options.lostMessageTimeoutMs ?? 2000) * msToNs;
	const counters: MutableHttpCounters = {parseErrors: 0, unpaired: 0, truncated: 0};
	const context: ConnectionContext = {
		counters,
		budget: {used: 0, limit: options.maxBufferedBytes ?? 32 * 1024 * 1024},
		maxHeadBytes: options.maxHeadBytes ?? defaultMaxHeadBytes,
		maxPipelined: Math.max(1, options.maxPipelined ?? 256),
		keepQuery: options.keepQuery,
		toEpochMs: options.monotonicNsToEpochMs,
		resolveContainer: options.resolveContainer ?? (() => null),
	};
	const http2: MutableHttp2Counters = {streams: 0, resets: 0, joinedLate: 0, headerBlocksLost: 0};
	const http2Context: Http2Context = {...context, http2};
	// Map order is the LRU order: a connection moves to the end once per batch.
	const connections = new Map<number, Connection | Http2Connection>();
	let evicted = 0;
	let batch = 0;

	const drop = (connection: Connection | Http2Connection, out: Exchange[]): void => {
		connection.close(out);
		connections.delete(connection.connId);
	};

	const evictOldest = (out: Exchange[]): void => {
		const oldest = connections.values().next().value;
		if (oldest === undefined) return;
		if (!oldest.idle) evicted++;
		drop(oldest, out);
	};

	const add = (event: CaptureEvent, out: Exchange[]): void => {
		let connection = connections.get(event.connId);
		if (event.kind === 'close') {
			if (connection !== undefined) drop(connection, out);
			return;
		}

		if (event.bytes <= 0) return;
		if (connection === undefined) {
			if (connections.size >= maxConnections) evictOldest(out);
			// A connection is HTTP/2 or HTTP/1 from its first bytes on.
			connection = startsHttp2(event) ? new Http2Connection(event, http2Context) : new Connection(event, context);
			connections.set(event.connId, connection);
		} else if (connection.role === null && connection instanceof Connection && startsHttp2(event)) {
			// Joined late in the middle of an HTTP/2 frame: nothing was HTTP/1 so far, and this syscall starts with whole frames.
			drop(connection, out);
			connection = new Http2Connection(event, http2Context);
			connections.set(event.connId, connection);
		} else if (connection.touched !== batch) {
			connections.delete(event.connId);
			connections.set(event.connId, connection);
		}

		connection.touched = batch;
		connection.push(event, out);
	};

	return {
		push(events) {
			const out: Exchange[] = [];
			batch++;
			for (const event of events) add(event, out);
			return out;
		},

		startBatch() {
			batch++;
		},

		add,

		expire(nowNs) {
			const out: Exchange[] = [];
			for (const connection of connections.values()) {
				// An idle HTTP/2 connection keeps its HPACK tables as long as one in flight.
				const idle = connection.idle && !(connection instanceof Http2Connection && connection.holdsTables);
				const timeout = idle ? idleTimeoutNs : inFlightTimeoutNs;
				if (nowNs - connection.lastSeenNs > timeout) drop(connection, out);
				else connection.expireLostMessages(nowNs - lostMessageTimeoutNs, out);
			}

			return out;
		},

		markCaptureGap() {
			for (const connection of connections.values()) connection.gap = true;
		},

		flush() {
			const out: Exchange[] = [];
			for (const connection of connections.values()) drop(connection, out);
			return out;
		},

		counters: () => ({...counters, connections: connections.size, evicted, bufferedBytes: context.budget.used}),

		http2Counters: () => ({...http2}),
	};
};
