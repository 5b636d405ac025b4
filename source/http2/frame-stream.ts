// One direction of an HTTP/2 connection as a sequence of frames, across syscall
// boundaries: a syscall may carry several frames, a frame may span several
// syscalls, and the capture may hold only the first part of a syscall's bytes.
// Framing goes by byte counts, so payloads that were not captured (DATA, which
// is only counted) cost nothing; only a frame header that falls in uncaptured
// bytes loses the framing, which is found again at the start of a later syscall
// that reads as whole frames.
//
// What the capture must give to lose nothing: every frame header and every
// HEADERS, PUSH_PROMISE, CONTINUATION and SETTINGS payload inside the captured
// prefix of some event. A kernel that walks frame headers can cut one syscall
// into several events, each a contiguous run of its bytes with the syscall's
// times, `bytes` its length and `data` what was copied from its start (as
// test/fixtures/h2/load.ts frameView does); a prefix-only copy works too, and
// loses the frames after the first frame header it cuts, until a syscall
// starts with frames again.

import type {DataEvent, Direction} from '../capture/events.js';
import type {BufferBudget} from '../http/message-stream.js';
import {frameHeaderBytes, frameHeaderProblem, frameType, looksLikeFrames, matchPreface, clientPreface, readFrameHeader, type FrameHeader} from './frame.js';

/** A whole frame, with the syscalls that carried its first and its last byte. */
export type Frame = {
	readonly header: FrameHeader;
	/**
	 * The payload, for the frame types whose payload httptop reads (HEADERS,
	 * PUSH_PROMISE, CONTINUATION, SETTINGS, RST_STREAM, GOAWAY); null for the
	 * others, and when some of its bytes were not captured or did not fit.
	 */
	readonly payload: Uint8Array | null;
	readonly startEnterNs: number;
	readonly startExitNs: number;
	readonly endExitNs: number;
	readonly tid: number;
	readonly comm: string;
};

export type FrameStreamOwner = {
	/** The client preface was read at the start of this direction. */
	prefaceSeen(stream: FrameStream): void;
	frame(stream: FrameStream, frame: Frame): void;
	/** The framing was lost: frames (maybe header blocks) went by unseen. */
	syncLost(stream: FrameStream, reason: 'truncated' | 'invalid'): void;
};

const keptTypes = new Set<number>([
	frameType.headers,
	frameType.pushPromise,
	frameType.continuation,
	frameType.settings,
	frameType.rstStream,
	frameType.goaway,
]);

/** The bytes of an event that were captured (never more than it moved). */
export const capturedBytes = (event: DataEvent): Uint8Array => {
	if (event.batch === undefined) return event.data.length > event.bytes ? event.data.subarray(0, event.bytes) : event.data;
	const start = event.batchOffset!;
	return event.batch.subarray(start, start + Math.min(event.captured!, event.bytes));
};

type FrameInProgress = {
	readonly header: FrameHeader;
	left: number; // payload bytes still to come
	readonly keep: boolean;
	chunks: Buffer[];
	kept: number;
	missing: boolean; // a payload byte we wanted was not captured or did not fit
	readonly startEnterNs: number;
	readonly startExitNs: number;
	readonly tid: number;
	readonly comm: string;
};

export class FrameStream {
	/** Frames are being followed; false before the first frame and after the framing was lost. */
	synced = false;
	/** Bytes this direction moved while the framing was lost. */
	skippedBytes = 0;
	private started = false; // some byte of this direction was seen
	private prefaceLeft = 0;
	private readonly header = Buffer.alloc(frameHeaderBytes);
	private headerHave = 0;
	private headerStart: {enterNs: number; exitNs: number; tid: number; comm: string} | null = null;
	private partial: FrameInProgress | null = null;

	constructor(
		private readonly owner: FrameStreamOwner,
		readonly direction: Direction,
		private readonly maxKeptPayload: number,
		private readonly budget: BufferBudget,
		private readonly seenFromStart: boolean, // the first byte pushed is the direction's first: a frame or the preface starts there
	) {}

	/** True between frames: nothing half read. */
	get idle(): boolean {
		return this.partial === null && this.headerHave === 0 && this.prefaceLeft === 0;
	}

	/** The capture lost events: whatever comes next may start anywhere. */
	loseSync(): void {
		this.reset();
		this.synced = false;
	}

	/** Drops what is half read. */
	close(): void {
		this.reset();
	}

	push(event: DataEvent): void {
		const data = capturedBytes(event);
		const total = event.bytes;
		if (!this.synced && !this.resync(data, total)) {
			this.skippedBytes += total;
			return;
		}

		let offset = 0;
		while (offset < total) {
			if (this.prefaceLeft > 0) {
				const length = Math.min(this.prefaceLeft, total - offset);
				const start = clientPreface.length - this.prefaceLeft;
				for (let index = 0; index < length && offset + index < data.length; index++) {
					if (data[offset + index] !== clientPreface[start + index]) return this.lose('invalid', total - offset);
				}

				offset += length;
				this.prefaceLeft -= length;
				if (this.prefaceLeft === 0) this.owner.prefaceSeen(this);
				continue;
			}

			const partial = this.partial;
			if (partial === null) {
				offset = this.readHeader(event, data, offset, total);
				if (offset < 0) return;
				continue;
			}

			const length = Math.min(partial.left, total - offset);
			if (partial.keep && !partial.missing) {
				const captured = Math.max(0, Math.min(length, data.length - offset));
				if (captured < length || partial.kept + length > this.maxKeptPayload || this.budget.used + length > this.budget.limit) {
					this.release(partial);
					partial.missing = true;
				} else {
					partial.chunks.push(Buffer.from(data.subarray(offset, offset + length)));
					partial.kept += length;
					this.budget.used += length;
				}
			}

			partial.left -= length;
			offset += length;
			if (partial.left === 0) this.finish(partial, event);
		}
	}

	// Reads (the rest of) a frame header at `offset`; returns the new offset, or -1 when the framing was lost.
	private readHeader(event: DataEvent, data: Uint8Array, offset: number, total: number): number {
		const length = Math.min(frameHeaderBytes - this.headerHave, total - offset);
		if (offset + length > data.length) {
			this.lose('truncated', total - offset);
			return -1;
		}

		if (this.headerHave === 0) this.headerStart = {enterNs: event.tsEnterNs, exitNs: event.tsExitNs, tid: event.tid, comm: event.comm};
		this.header.set(data.subarray(offset, offset + length), this.headerHave);
		this.headerHave += length;
		offset += length;
		if (this.headerHave < frameHeaderBytes) return offset;
		this.headerHave = 0;
		const header = readFrameHeader(this.header, 0);
		// Frame types this parser does not know are skipped (RFC 9113 5.5), the known ones checked.
		if (header.type <= frameType.continuation && frameHeaderProblem(header) !== null) {
			this.lose('invalid', total - offset);
			return -1;
		}

		const start = this.headerStart!;
		const partial: FrameInProgress = {
			header,
			left: header.length,
			keep: keptTypes.has(header.type),
			chunks: [],
			kept: 0,
			missing: false,
			startEnterNs: start.enterNs,
			startExitNs: start.exitNs,
			tid: start.tid,
			comm: start.comm,
		};
		this.partial = partial;
		if (header.length === 0) this.finish(partial, event);
		return offset;
	}

	private finish(partial: FrameInProgress, event: DataEvent): void {
		this.partial = null;
		let payload: Uint8Array | null = null;
		if (partial.keep && !partial.missing) payload = partial.chunks.length === 1 ? partial.chunks[0]! : Buffer.concat(partial.chunks, partial.kept);
		this.release(partial);
		this.owner.frame(this, {
			header: partial.header,
			payload,
			startEnterNs: partial.startEnterNs,
			startExitNs: partial.startExitNs,
			endExitNs: event.tsExitNs,
			tid: partial.tid,
			comm: partial.comm,
		});
	}

	private release(partial: FrameInProgress): void {
		this.budget.used -= partial.kept;
		partial.kept = 0;
		partial.chunks = [];
	}

	// Whether the framing can be taken up at the start of this syscall: the
	// client preface at the very start of a direction, or whole frames.
	private resync(data: Uint8Array, total: number): boolean {
		const first = !this.started;
		this.started = true;
		this.reset();
		const preface = first ? matchPreface(data) : 'no';
		if (preface === 'preface' || (preface === 'partial' && data.length === total)) {
			this.prefaceLeft = clientPreface.length;
		} else if (!(first && this.seenFromStart) && !looksLikeFrames(data, total)) {
			// Frame headers read later are checked one by one; here a syscall that may start
			// anywhere must read as frames throughout.
			return false;
		}

		this.synced = true;
		return true;
	}

	private lose(reason: 'truncated' | 'invalid', rest: number): void {
		this.skippedBytes += rest;
		this.loseSync();
		this.owner.syncLost(this, reason);
	}

	private reset(): void {
		if (this.partial !== null) this.release(this.partial);
		this.partial = null;
		this.headerHave = 0;
		this.headerStart = null;
		this.prefaceLeft = 0;
	}
}
