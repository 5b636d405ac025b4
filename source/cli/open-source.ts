// From Options to the ExchangeSource the CLI runs: a replayed recording, the
// demo, or the live capture; narrowed to the selection the kernel could not
// apply, and teed into --record. The live capture (and its native addon) is
// imported only when it is used, so --replay and --help work without BPF.

import {access, constants, stat} from 'node:fs/promises';
import type {ExchangeSource} from '../pipeline/exchange-source.js';
import {createRecorder, createReplaySource, type Recorder, type ReplaySource, type ReplayWarning} from '../record/index.js';
import {UsageError, type Options} from './options.js';
import {mapStartError, recordExchanges, selectExchanges, selectionPredicate} from './wrap-source.js';

export type OpenedSource = {
	readonly source: ExchangeSource;
	readonly replay: ReplaySource | null; // its clock drives the aggregator's
};

const reasonOf = (error: unknown): string => {
	const code = (error as NodeJS.ErrnoException).code;
	if (code === 'ENOENT') {
		return 'no such file';
	}

	if (code === 'EACCES' || code === 'EPERM') {
		return 'permission denied';
	}

	return error instanceof Error ? error.message : String(error);
};

/** A replay file must be a readable regular file: checked before anything starts. */
export async function checkReplayFile(path: string): Promise<void> {
	try {
		const info = await stat(path);
		if (!info.isFile()) {
			throw new UsageError(`--replay: cannot read '${path}': not a regular file`);
		}

		await access(path, constants.R_OK);
	} catch (error) {
		if (error instanceof UsageError) {
			throw error;
		}

		throw new UsageError(`--replay: cannot read '${path}': ${reasonOf(error)}`);
	}
}

async function openBaseSource(options: Options, onReplayWarning?: (warning: ReplayWarning) => void): Promise<OpenedSource> {
	if (options.source.kind === 'replay') {
		const {path} = options.source;
		await checkReplayFile(path);
		// A report wants the whole file at once; the live view plays it back in real time.
		const replay = createReplaySource(path, {
			speed: options.mode === 'snapshot' ? Number.POSITIVE_INFINITY : 1,
			onWarning: onReplayWarning,
		});
		const source = mapStartError(replay, error =>
			new UsageError(`--replay: cannot read '${path}': ${reasonOf(error)}`));
		return {source, replay};
	}

	if (options.source.kind === 'demo') {
		const {createDemoSource} = await import('../pipeline/demo.js');
		return {source: await createDemoSource({showQuery: options.showQuery}), replay: null};
	}

	const {createLiveSource} = await import('../pipeline/live-source.js');
	const {pids, comms, ports} = options.selection;
	return {source: await createLiveSource({pids, comms, ports, showQuery: options.showQuery, tls: options.tls}), replay: null};
}

export async function openSource(options: Options, onReplayWarning?: (warning: ReplayWarning) => void): Promise<OpenedSource> {
	const {selection} = options;
	// Opened first: a bad --record path is a usage error, found before any tracing starts.
	const recorder = options.recordPath === null ? null : openRecorder(options.recordPath);
	let opened: OpenedSource;
	try {
		opened = await openBaseSource(options, onReplayWarning);
	} catch (error) {
		await recorder?.close();
		throw error;
	}

	let {source} = opened;

	// The kernel selected pids, comms and ports of a live capture; the rest is selected here.
	const replayed = options.source.kind === 'replay';
	const matches = selectionPredicate({
		containers: selection.containers,
		pids: replayed ? selection.pids : [],
		comms: replayed ? selection.comms : [],
		ports: replayed ? selection.ports : [],
	});
	if (matches) {
		source = selectExchanges(source, matches);
	}

	if (recorder) {
		source = recordExchanges(source, recorder);
	}

	return {source, replay: opened.replay};
}

function openRecorder(path: string): Recorder {
	try {
		return createRecorder(path, {
			onError(error) {
				// console, not stderr: the live view holds console output until it gives the terminal back.
				console.error(`httptop: --record: writing '${path}' failed, recording stopped: ${error.message}`);
			},
		});
	} catch (error) {
		throw new UsageError(`--record: cannot write '${path}': ${reasonOf((error as Error).cause ?? error)}`);
	}
}
