// Record and replay exchanges as NDJSON (docs/record-format.md).
// (Stubs with the final signatures; the implementation follows in this folder.)

import type {Exchange} from '../http/exchange.js';
import type {ExchangeSource} from '../pipeline/exchange-source.js';

export type RecorderOptions = {
	/** Called once if writing fails later (disk full...); the recorder then stops writing. */
	readonly onError?: (error: Error) => void;
};

export type Recorder = {
	readonly path: string;
	/** Appends one line per exchange; never throws (errors go to onError). */
	write(batch: readonly Exchange[]): void;
	/** Exchanges written so far. */
	written(): number;
	/** Flushes and closes; safe to call twice. */
	close(): Promise<void>;
};

/** A line that could not be read back: its 1-based line number and why. */
export type ReplayWarning = {readonly line: number; readonly message: string};

export type ReplayOptions = {
	/** 1 = real time, 2 = twice as fast; default Infinity: as fast as possible. */
	readonly speed?: number;
	/** Exchanges per batch handed to the sink; default 1024. */
	readonly batchSize?: number;
	readonly onWarning?: (warning: ReplayWarning) => void;
};

export type ReplaySource = ExchangeSource & {
	/**
	 * The capture's clock: epoch ms of the recording at the point the replay has reached.
	 * Pass it as `nowMs` to the aggregator so a replay shows the rates of the recording.
	 */
	captureNowMs(): number;
	warnings(): readonly ReplayWarning[];
};

/** Opens (creating or appending) `path`; throws a one-line Error if it cannot be opened. */
export function createRecorder(_path: string, _options?: RecorderOptions): Recorder {
	throw new Error('not implemented yet');
}

/** Reads a whole recording; bad lines are skipped and listed in `warnings`. Rejects if the file is unreadable. */
export async function readReplay(_path: string): Promise<{exchanges: Exchange[]; warnings: ReplayWarning[]}> {
	throw new Error('not implemented yet');
}

/** An ExchangeSource over a recording; `start` rejects with a one-line Error if the file is unreadable. */
export function createReplaySource(_path: string, _options?: ReplayOptions): ReplaySource {
	throw new Error('not implemented yet');
}
