// ExchangeSource wrappers the CLI puts around a source. Selection belongs to
// the source, not to the view: what --container (or, for a recording,
// --pid/--comm/--port) leaves out is never counted or recorded, just as the
// kernel never hands over what it filters, and editing the filter in the live
// view cannot bring it back.

import type {Exchange} from '../http/exchange.js';
import type {ExchangeSource} from '../pipeline/exchange-source.js';
import type {Recorder} from '../record/index.js';

export type UserSpaceSelection = {
	readonly containers: readonly string[];
	readonly pids: readonly number[];
	readonly comms: readonly string[];
	readonly ports: readonly number[]; // local or remote
};

/** A predicate matching exchanges that pass every non-empty part of the selection, or null when nothing is selected. */
export function selectionPredicate(selection: UserSpaceSelection): ((exchange: Exchange) => boolean) | null {
	const checks: Array<(exchange: Exchange) => boolean> = [];
	if (selection.containers.length > 0) {
		const containers = new Set(selection.containers);
		checks.push(exchange => exchange.container !== null && containers.has(exchange.container));
	}

	if (selection.pids.length > 0) {
		const pids = new Set(selection.pids);
		checks.push(exchange => pids.has(exchange.pid));
	}

	if (selection.comms.length > 0) {
		const comms = new Set(selection.comms);
		checks.push(exchange => comms.has(exchange.comm));
	}

	if (selection.ports.length > 0) {
		const ports = new Set(selection.ports);
		checks.push(exchange => ports.has(exchange.local.port) || ports.has(exchange.remote.port));
	}

	return checks.length === 0 ? null : exchange => checks.every(check => check(exchange));
}

/** `source`, with every batch passed through `transform` before the sink sees it. */
function mapBatches(source: ExchangeSource, transform: (batch: readonly Exchange[]) => readonly Exchange[]): ExchangeSource {
	return {
		get description() {
			return source.description;
		},
		async start(sink) {
			await source.start(batch => {
				const out = transform(batch);
				if (out.length > 0) {
					sink(out);
				}
			});
		},
		state: () => source.state(),
		health: () => source.health(),
		finished: source.finished,
		stop: async () => source.stop(),
	};
}

/** Only the exchanges `matches` accepts reach the sink. */
export function selectExchanges(source: ExchangeSource, matches: (exchange: Exchange) => boolean): ExchangeSource {
	return mapBatches(source, batch => batch.filter(exchange => matches(exchange)));
}

/** Every batch is also appended to the recording; the recorder closes when the source stops. */
export function recordExchanges(source: ExchangeSource, recorder: Recorder): ExchangeSource {
	let reported = false; // stop() runs again when the CLI cleans up: say it once
	const recording = mapBatches(source, batch => {
		recorder.write(batch);
		return batch;
	});
	return {
		...recording,
		get description() {
			return `${source.description}, recording to ${recorder.path}`;
		},
		async stop() {
			await source.stop();
			await recorder.close();
			const dropped = recorder.dropped();
			if (dropped > 0 && !reported) {
				reported = true;
				// console, not stderr: the live view holds console output until it gives the terminal back.
				console.error(`httptop: --record: ${dropped} exchanges were not written to ${recorder.path} (the disk fell behind, or writing failed)`);
			}
		},
	};
}

/** A failure to start `source` rethrown as `describe` makes it (a replay's unreadable file is a usage error, for one). */
export function mapStartError(source: ExchangeSource, describe: (error: unknown) => Error): ExchangeSource {
	const passThrough = mapBatches(source, batch => batch);
	return {
		...passThrough,
		get description() {
			return source.description;
		},
		async start(sink) {
			try {
				await passThrough.start(sink);
			} catch (error) {
				throw describe(error);
			}
		},
	};
}
