// The live view's entry, called by the CLI: full screen on the alternate
// buffer, and the terminal restored and the source stopped (BPF programs
// detached) on every way out: q, Esc, Ctrl-C, SIGTERM, SIGHUP, SIGINT and an
// uncaught error.

import {render, type Instance} from 'ink';
import {format} from 'node:util';
import type {AppProps} from './app-props.js';
import {App} from './app.js';
import {createScreen} from './screen.js';

export type LiveViewStreams = {
	readonly stdin?: NodeJS.ReadStream;
	readonly stdout?: NodeJS.WriteStream;
	readonly stderr?: NodeJS.WriteStream;
};

const enterAlternateScreen = '\u001B[?1049h\u001B[2J\u001B[H\u001B[?25l';
const leaveAlternateScreen = '\u001B[?25h\u001B[?1049l';

// How long stopping the source may take before the view exits anyway.
const stopTimeoutMs = 3000;
// Console lines kept while the screen is taken, printed after it is given back.
const keptConsoleLines = 50;

const signalExitCodes = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129} as const;
type HandledSignal = keyof typeof signalExitCodes;

const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;

/** Routes console output to a buffer while the view owns the screen; returns the function that undoes it. */
function holdConsole(kept: string[]): () => void {
	const originals = consoleMethods.map(name => [name, console[name]] as const);
	for (const name of consoleMethods) {
		console[name] = (...parts: unknown[]) => {
			kept.push(format(...parts));
			kept.splice(0, Math.max(0, kept.length - keptConsoleLines));
		};
	}

	return () => {
		for (const [name, original] of originals) {
			console[name] = original;
		}
	};
}

async function stopWithin(props: AppProps, ms: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<void>(resolve => {
		timer = setTimeout(resolve, ms);
	});
	try {
		await Promise.race([props.source.stop().catch(() => undefined), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

const oneLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';

/**
 * Shows the live view until the user quits, then stops the source and gives
 * the terminal back. The caller starts the source (so that it can report a
 * missing privilege before the screen is taken) and decides the exit code of
 * a normal quit; a signal or an uncaught error exits the process from here,
 * after the same clean-up.
 */
export async function runLiveView(props: AppProps, streams: LiveViewStreams = {}): Promise<void> {
	const stdin = streams.stdin ?? process.stdin;
	const stdout = streams.stdout ?? process.stdout;
	const stderr = streams.stderr ?? process.stderr;
	if (!stdin.isTTY || !stdout.isTTY) {
		throw new Error('the live view needs a terminal; use --snapshot for a report on a pipe');
	}

	const consoleLines: string[] = [];
	const releaseConsole = holdConsole(consoleLines);
	let instance: Instance | undefined;
	let restored = false;
	const restoreTerminal = () => {
		if (restored) {
			return;
		}

		restored = true;
		try {
			stdin.setRawMode(false);
		} catch {
			// Already closed: nothing to restore.
		}

		stdout.write(leaveAlternateScreen);
		releaseConsole();
		for (const line of consoleLines) {
			stderr.write(`${line}\n`);
		}
	};

	let shuttingDown = false;
	const shutDown = async (exitCode: number, message: string | null) => {
		if (shuttingDown) {
			return;
		}

		shuttingDown = true;
		try {
			instance?.unmount();
		} catch {
			// The view is what failed; the terminal still has to be restored.
		}

		await stopWithin(props, stopTimeoutMs);
		restoreTerminal();
		if (message) {
			stderr.write(`httptop: ${message}\n`);
		}

		process.exit(exitCode);
	};

	const onSignal = (signal: HandledSignal) => {
		void shutDown(signalExitCodes[signal], null);
	};

	const onFatal = (error: unknown) => {
		void shutDown(1, `internal error in the live view: ${oneLine(error)}`);
	};

	const signals = Object.keys(signalExitCodes) as HandledSignal[];
	for (const signal of signals) {
		process.on(signal, onSignal);
	}

	process.on('uncaughtException', onFatal);
	process.on('unhandledRejection', onFatal);
	stdout.write(enterAlternateScreen);
	try {
		// Ink writes each whole frame (debug: no erase-and-redraw of its own) to the screen, which draws
		// the lines that changed, with the body Ink does not lay out (screen.ts).
		const screen = createScreen(stdout);
		instance = render(<App {...props} screen={screen} />, {
			stdin,
			stdout: screen.inkStdout,
			stderr,
			debug: true,
			exitOnCtrlC: false,
			patchConsole: false,
		});
		await instance.waitUntilExit();
	} catch (error) {
		await stopWithin(props, stopTimeoutMs);
		restoreTerminal();
		throw error;
	} finally {
		if (!shuttingDown) {
			for (const signal of signals) {
				process.off(signal, onSignal);
			}

			process.off('uncaughtException', onFatal);
			process.off('unhandledRejection', onFatal);
		}
	}

	if (shuttingDown) {
		// A signal or an error ended the view: shutDown exits the process once the source is stopped.
		await new Promise<never>(() => undefined);
	}

	await stopWithin(props, stopTimeoutMs);
	restoreTerminal();
}
