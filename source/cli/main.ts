// What httptop does with its arguments: parse and validate them, open the
// source (replay, demo or live capture), then print a snapshot report or run
// the live view. The exit code is decided here: 0 success, 1 runtime failure,
// 2 bad usage. Every failure is one line on stderr, never a stack trace.

import os from 'node:os';
import process from 'node:process';
import {createAggregator} from '../aggregate/index.js';
import {CaptureError} from '../capture/capture-error.js';
import {sanitize} from '../ui/sanitize.js';
import {helpText} from './help.js';
import {openSource, type OpenedSource} from './open-source.js';
import {parseCommandLine, UsageError, type Options} from './options.js';
import {runSnapshot} from './run-snapshot.js';

const exitSuccess = 0;
const exitFailure = 1;
const exitUsage = 2;

const firstLine = (text: string): string => text.split('\n').find(line => line.trim() !== '')?.trim() ?? text;

/** "httptop: <message>"; messages that already name httptop are not prefixed twice. */
function printError(message: string): void {
	// Messages quote arguments and file contents back: escaped like any other untrusted text.
	const line = sanitize(firstLine(message));
	process.stderr.write(`${line.startsWith('httptop') ? line : `httptop: ${line}`}\n`);
}

function exitCodeOf(error: unknown): number {
	if (error instanceof UsageError) {
		printError(error.message);
		return exitUsage;
	}

	if (error instanceof CaptureError) {
		printError(error.message);
		return exitFailure;
	}

	printError(`internal error: ${error instanceof Error ? error.message : String(error)}`);
	if (process.env.HTTPTOP_DEBUG && error instanceof Error && error.stack) {
		process.stderr.write(`${error.stack}\n`);
	}

	return exitFailure;
}

/** Ctrl-C or SIGTERM: the first ends a snapshot's collection early, a second one exits at once. */
function interruption(): Promise<void> {
	return new Promise(resolve => {
		let signals = 0;
		const onSignal = (signal: NodeJS.Signals): void => {
			signals++;
			if (signals > 1) {
				process.exit(signal === 'SIGINT' ? 130 : 143);
			}

			resolve();
		};

		process.on('SIGINT', onSignal);
		process.on('SIGTERM', onSignal);
	});
}

async function runLive(options: Options, opened: OpenedSource): Promise<void> {
	const {runLiveView} = await import('../ui/run-live-view.js');
	const {source, replay} = opened;
	// Live, watching begins now: the first seconds' rates are over the seconds watched. A replay's begin at its first exchange.
	const aggregator = createAggregator(replay ? {} : {observedSinceMs: Date.now()});
	await source.start(batch => {
		aggregator.add(batch);
	});
	await runLiveView({
		source,
		aggregator,
		initialView: options.view,
		intervalMs: options.intervalMs,
		color: options.color,
		showQuery: options.showQuery,
		hostname: os.hostname(),
		...(replay ? {now: () => replay.captureNowMs()} : {}),
	});
}

/** Runs httptop with these arguments; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
	let options: Options;
	try {
		const command = parseCommandLine(argv, process.env);
		if (command.kind === 'help') {
			process.stdout.write(`${helpText}\n`);
			return exitSuccess;
		}

		if (command.kind === 'version') {
			process.stdout.write(`${command.version}\n`);
			return exitSuccess;
		}

		options = command.options;
		if (options.mode === 'live' && !(process.stdin.isTTY && process.stdout.isTTY)) {
			throw new UsageError('the live view needs a terminal; for scripts and pipes use --snapshot (with --format json, csv or markdown)');
		}
	} catch (error) {
		return exitCodeOf(error);
	}

	let opened: OpenedSource | undefined;
	try {
		if (options.mode === 'snapshot') {
			// Listening before anything starts: Ctrl-C during start-up still ends in a report.
			const interrupted = interruption();
			opened = await openSource(options);
			await runSnapshot(options, opened, {stdout: process.stdout, stderr: process.stderr, interrupted});
		} else {
			opened = await openSource(options);
			await runLive(options, opened);
		}

		return exitSuccess;
	} catch (error) {
		return exitCodeOf(error);
	} finally {
		await opened?.source.stop().catch(() => undefined);
	}
}
