// Writing exchanges to a recording as they arrive. The file is opened (or
// created, and appended to) synchronously so that a bad path is a one-line
// error at startup; writing is asynchronous and never blocks the live view.

import {createWriteStream, openSync} from 'node:fs';
import type {Exchange} from '../http/exchange.js';
import {exchangeToLine} from './format.js';
import {describeFileError} from './lines.js';

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
	/** Exchanges not written: after a write error, or while the disk lags more than 64 MiB behind. */
	dropped(): number;
	/** Flushes and closes; safe to call twice. */
	close(): Promise<void>;
};

/** How far writing may fall behind before batches are dropped (and counted) rather than buffered. */
const maxBufferedBytes = 64 << 20;

/** Opens (creating or appending) `path`; throws a one-line Error if it cannot be opened. */
export function createRecorder(path: string, options: RecorderOptions = {}): Recorder {
	let fd: number;
	try {
		fd = openSync(path, 'a', 0o600); // captures can hold paths and hosts: not world-readable
	} catch (error) {
		throw new Error(`cannot write the recording ${path}: ${describeFileError(error)}`, {cause: error});
	}
	const stream = createWriteStream(path, {fd});
	let written = 0;
	let dropped = 0;
	let failed = false;
	let closing: Promise<void> | null = null;
	stream.on('error', error => {
		if (!failed) {
			failed = true;
			options.onError?.(new Error(`cannot write the recording ${path}: ${describeFileError(error)}`));
		}
	});
	return {
		path,
		write(batch) {
			if (batch.length === 0) {
				return;
			}
			if (failed || closing !== null || stream.writableLength > maxBufferedBytes) {
				dropped += batch.length;
				return;
			}
			let text = '';
			for (const exchange of batch) {
				text += exchangeToLine(exchange) + '\n';
			}
			stream.write(text);
			written += batch.length;
		},
		written: () => written,
		dropped: () => dropped,
		close() {
			closing ??= new Promise(resolve => {
				if (stream.destroyed) {
					resolve();
					return;
				}
				stream.once('close', () => {
					resolve();
				});
				stream.end();
			});
			return closing;
		},
	};
}
