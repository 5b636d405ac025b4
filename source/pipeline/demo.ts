// --demo: a small HTTP server and a paced client load on 127.0.0.1, both child
// processes (source/demo/), traced by the live capture like any other process.
// The children hold an IPC channel to httptop and exit when it closes, so they
// die with httptop whatever way it ends.

import {fork, type ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import type {ExchangeSource} from './exchange-source.js';
import type {LiveSourceOptions} from './live-source.js';

export type DemoOptions = {
	readonly showQuery: boolean;
	readonly ratePerSec?: number; // default 200
	readonly durationMs?: number; // the client stops after this; default 10 minutes
	/** The capture to run; the real one unless a test passes another. */
	readonly createLiveSource?: (options: LiveSourceOptions) => Promise<ExchangeSource>;
};

export type DemoSource = ExchangeSource & {
	readonly serverPid: number;
	readonly clientPid: number;
	readonly port: number;
};

const startTimeoutMs = 10_000;
const exitTimeoutMs = 2000;

// Built: dist/source/demo/*.js run by node. Under tsx (tests): source/demo/*.ts, run with tsx.
const demoScript = (name: 'server' | 'client'): {path: string; execArgv: string[]} => {
	const isTypeScript = import.meta.url.endsWith('.ts');
	const url = new URL(`../demo/${name}.${isTypeScript ? 'ts' : 'js'}`, import.meta.url);
	return {path: fileURLToPath(url), execArgv: isTypeScript ? ['--import', 'tsx'] : []};
};

function spawnChild(name: 'server' | 'client', args: string[]): ChildProcess {
	const script = demoScript(name);
	return fork(script.path, args, {execArgv: script.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc']});
}

/** Resolves with the child's first IPC message; rejects if it exits or stays silent first. */
function firstMessage(child: ChildProcess, what: string): Promise<unknown> {
	let stderr = '';
	child.stderr?.setEncoding('utf8');
	child.stderr?.on('data', (chunk: string) => {
		stderr = (stderr + chunk).slice(-2000);
	});
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			reject(new Error(`the demo ${what} did not start within ${startTimeoutMs / 1000} s`));
		}, startTimeoutMs);
		child.once('message', message => {
			clearTimeout(timer);
			resolve(message);
		});
		child.once('exit', code => {
			clearTimeout(timer);
			const lastLine = stderr.trim().split('\n').at(-1) ?? '';
			reject(new Error(`the demo ${what} exited (code ${code})${lastLine ? `: ${lastLine}` : ''}`));
		});
	});
}

function whenSpawned(child: ChildProcess, what: string): Promise<number> {
	return new Promise((resolve, reject) => {
		child.once('spawn', () => {
			resolve(child.pid ?? 0);
		});
		child.once('error', error => {
			reject(new Error(`the demo ${what} could not start: ${error.message}`));
		});
	});
}

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM, then SIGKILL if it lingers; resolves once the child is gone (and reaped). */
async function endChild(child: ChildProcess): Promise<void> {
	if (hasExited(child) || child.pid === undefined) {
		return;
	}

	const exited = new Promise<void>(resolve => {
		child.once('exit', () => {
			resolve();
		});
	});
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), exitTimeoutMs);
	await exited;
	clearTimeout(timer);
}

export async function createDemoSource(options: DemoOptions): Promise<DemoSource> {
	const children: ChildProcess[] = [];
	// On process exit only synchronous work runs: signal, do not wait.
	const killChildren = (): void => {
		for (const child of children) {
			if (!hasExited(child)) {
				child.kill('SIGTERM');
			}
		}
	};

	// Belt and braces: the IPC channel closing already ends them.
	process.once('exit', killChildren);
	try {
		const server = spawnChild('server', []);
		children.push(server);
		const ready = await firstMessage(server, 'server') as {port?: unknown};
		const port = Number(ready.port);
		const client = spawnChild('client', [String(port), String(options.ratePerSec ?? 200), String(options.durationMs ?? 600_000)]);
		children.push(client);
		const clientPid = await whenSpawned(client, 'client');
		const serverPid = server.pid ?? 0;

		const createLive = options.createLiveSource ?? (await import('./live-source.js')).createLiveSource;
		const live = await createLive({pids: [serverPid, clientPid], showQuery: options.showQuery});
		return {
			serverPid,
			clientPid,
			port,
			get description() {
				return `${live.description} (demo server pid ${serverPid} on 127.0.0.1:${port}, client pid ${clientPid})`;
			},
			async start(sink) {
				await live.start(sink);
				client.send('go');
			},
			state: () => live.state(),
			health: () => live.health(),
			finished: live.finished,
			async stop() {
				await Promise.all(children.map(async child => endChild(child)));
				process.removeListener('exit', killChildren);
				await live.stop();
			},
		};
	} catch (error) {
		await Promise.all(children.map(async child => endChild(child)));
		process.removeListener('exit', killChildren);
		throw error;
	}
}
