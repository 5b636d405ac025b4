// Replaying a recording as an ExchangeSource, so the live view, the snapshot
// report and the aggregator work on a capture without root.
//
// Time: the aggregator's windows run on the clock its caller passes. A replay
// keeps the recorded timestamps, and `captureNowMs()` is the recording's clock
// at the point the replay has reached: as fast as possible (the default), the
// end of the latest exchange handed over; at a finite speed, the recording's
// start plus the wall time elapsed times the speed. Passing it as `nowMs`
// makes rates, windows and idle expiry come out as they were in the capture,
// and once the replay is done the clock stops at the recording's last exchange,
// so a snapshot then shows the rates of the recording's final seconds.

import {setImmediate as nextTurn, setTimeout as sleep} from 'node:timers/promises';
import type {Exchange} from '../http/exchange.js';
import type {ExchangeSource, SourceHealth, SourceState} from '../pipeline/exchange-source.js';
import {lineToExchange} from './format.js';
import {maxLineBytes, openRecording, readLines} from './lines.js';

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
	/** The first 1000 warnings (every one goes to onWarning; health counts them all as parse errors). */
	warnings(): readonly ReplayWarning[];
};

const keptWarnings = 1000;

const tooLongMessage = `longer than ${maxLineBytes / (1 << 20)} MiB: not an exchange`;

/** Reads a whole recording; bad lines are skipped and listed in `warnings`. Rejects if the file is unreadable. */
export async function readReplay(path: string): Promise<{exchanges: Exchange[]; warnings: ReplayWarning[]}> {
	const handle = await openRecording(path);
	const exchanges: Exchange[] = [];
	const warnings: ReplayWarning[] = [];
	try {
		for await (const line of readLines(handle)) {
			const result = line.text === null ? {ok: false as const, message: tooLongMessage} : lineToExchange(line.text);
			if (result.ok) {
				exchanges.push(result.exchange);
			} else {
				warnings.push({line: line.number, message: result.message});
			}
		}
	} finally {
		await handle.close();
	}
	return {exchanges, warnings};
}

/** An ExchangeSource over a recording; `start` rejects with a one-line Error if the file is unreadable. */
export function createReplaySource(path: string, options: ReplayOptions = {}): ReplaySource {
	const speed = options.speed !== undefined && options.speed > 0 ? options.speed : Number.POSITIVE_INFINITY;
	const batchSize = Math.max(1, options.batchSize ?? 1024);
	const paced = Number.isFinite(speed);
	const warnings: ReplayWarning[] = [];
	let badLines = 0;
	let state: SourceState = 'replaying';
	let started = false;
	let stopped = false;
	let firstRecordedMs: number | null = null;
	let wallStartMs = 0;
	let latestMs: number | null = null;
	let finish: () => void = () => undefined;
	const finished = new Promise<void>(resolve => {
		finish = resolve;
	});

	const warn = (warning: ReplayWarning): void => {
		badLines++;
		if (warnings.length < keptWarnings) {
			warnings.push(warning);
		}
		options.onWarning?.(warning);
	};

	async function pump(handle: Awaited<ReturnType<typeof openRecording>>, sink: (batch: readonly Exchange[]) => void): Promise<void> {
		let batch: Exchange[] = [];
		let lineNumber = 0;
		const deliver = (): void => {
			if (batch.length > 0 && !stopped) {
				for (const exchange of batch) {
					latestMs = Math.max(latestMs ?? exchange.endMs, exchange.endMs);
				}
				sink(batch);
			}
			batch = [];
		};
		try {
			for await (const line of readLines(handle)) {
				if (stopped) {
					break;
				}
				lineNumber = line.number;
				const result = line.text === null ? {ok: false as const, message: tooLongMessage} : lineToExchange(line.text);
				if (!result.ok) {
					warn({line: line.number, message: result.message});
					continue;
				}
				const exchange = result.exchange;
				if (firstRecordedMs === null) {
					firstRecordedMs = exchange.endMs;
					wallStartMs = Date.now();
				}
				if (paced) {
					const dueMs = wallStartMs + (exchange.endMs - firstRecordedMs) / speed;
					if (dueMs > Date.now()) {
						deliver();
						await sleep(dueMs - Date.now());
					}
				}
				batch.push(exchange);
				if (batch.length >= batchSize) {
					deliver();
					await nextTurn(); // let the view draw between batches
				}
			}
			deliver();
		} catch (error) {
			warn({line: lineNumber + 1, message: `replay stopped: ${(error as Error).message}`});
		} finally {
			await handle.close().catch(() => undefined);
			if (!stopped) {
				state = 'replay-done';
			}
			finish();
		}
	}

	return {
		description: `replaying ${path}${paced ? ` at ${speed}x` : ''}`,
		async start(sink) {
			if (started) {
				throw new Error('this replay has already started');
			}
			started = true;
			const handle = await openRecording(path);
			if (stopped) {
				await handle.close();
				return;
			}
			void pump(handle, sink);
		},
		state: () => state,
		health(): SourceHealth {
			return {events: 0, kernel: null, userspaceDrops: 0, http: {parseErrors: badLines, unpaired: 0, truncated: 0}, http2: null, tls: null};
		},
		finished,
		async stop() {
			stopped = true;
			state = 'stopped';
			if (!started) {
				finish();
			}
			await finished;
		},
		captureNowMs() {
			if (firstRecordedMs === null) {
				return Date.now();
			}
			const reached = latestMs ?? firstRecordedMs;
			if (!paced || state !== 'replaying') {
				return reached;
			}
			return Math.max(reached, firstRecordedMs + (Date.now() - wallStartMs) * speed);
		},
		warnings: () => warnings,
	};
}
