// The built CLI (dist/source/cli.js, `make ts`) run as a process, the way a
// user or a script runs it: no terminal, stdout and stderr captured apart.

import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

export const cliPath = fileURLToPath(new URL('../../dist/source/cli.js', import.meta.url));

export type CliResult = {
	readonly code: number | null;
	readonly signal: NodeJS.Signals | null;
	readonly stdout: string;
	readonly stderr: string;
};

export type RunningCli = {
	readonly process: ChildProcess;
	/** Resolves when stderr so far matches `pattern`; rejects if the CLI exits first or after `timeoutMs`. */
	waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
	stderr(): string;
	result(): Promise<CliResult>;
};

const running = new Set<ChildProcess>();
process.on('exit', () => {
	for (const child of running) {
		child.kill('SIGKILL');
	}
});

/** The environment a script would give it: no colour forcing, no colour refusal unless a test says so. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {...process.env};
	delete env.NO_COLOR;
	delete env.FORCE_COLOR;
	return {...env, ...extra};
}

export function assertBuilt(): void {
	if (!existsSync(cliPath)) {
		throw new Error(`${cliPath} is missing: build first (make ts, or npx tsc -p .)`);
	}
}

export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = cliEnv()): RunningCli {
	assertBuilt();
	const child = spawn(process.execPath, [cliPath, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
	running.add(child);
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	const result = new Promise<CliResult>(resolve => {
		child.on('close', (code, signal) => {
			running.delete(child);
			resolve({code, signal, stdout, stderr});
		});
	});
	return {
		process: child,
		stderr: () => stderr,
		result: async () => result,
		async waitForStderr(pattern, timeoutMs = 60_000) { // generous: a loaded CI machine starts node slowly; it returns at the first match
			const deadline = Date.now() + timeoutMs;
			let exited = false;
			void result.then(() => {
				exited = true;
			});
			while (!pattern.test(stderr)) {
				if (exited) {
					throw new Error(`httptop exited before stderr matched ${pattern}; stderr: ${stderr}`);
				}

				if (Date.now() > deadline) {
					throw new Error(`stderr did not match ${pattern} in ${timeoutMs} ms; stderr: ${stderr}`);
				}

				await new Promise(resolve => setTimeout(resolve, 25));
			}
		},
	};
}

/** Runs the CLI to its end, with a time limit after which it is killed. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = cliEnv(), timeoutMs = 60_000): Promise<CliResult> {
	const cli = startCli(args, env);
	const timer = setTimeout(() => cli.process.kill('SIGKILL'), timeoutMs);
	try {
		return await cli.result();
	} finally {
		clearTimeout(timer);
	}
}
