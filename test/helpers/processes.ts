// Child processes for end-to-end tests: real servers and clients, started and
// always killed, with a wait for the line that says they are ready.
import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process';
import {once} from 'node:events';
import {createInterface} from 'node:readline';

export type Child = {
	readonly process: ChildProcess;
	readonly pid: number;
	/** Resolves with the first stdout line matching `pattern` (or rejects after `timeoutMs`). */
	waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
	/** All stdout so far. */
	output(): string;
	/** Resolves with the exit code. */
	exited(): Promise<number | null>;
	kill(): void;
};

const children = new Set<ChildProcess>();
process.on('exit', () => {
	for (const child of children) {
		child.kill('SIGKILL');
	}
});

export function startChild(command: string, args: readonly string[], options: SpawnOptions = {}): Child {
	const child = spawn(command, args, {stdio: ['pipe', 'pipe', 'pipe'], ...options});
	children.add(child);
	child.on('exit', () => children.delete(child));
	const lines: string[] = [];
	let stdout = '';
	let stderr = '';
	const waiters: Array<{pattern: RegExp; resolve: (line: string) => void}> = [];
	createInterface({input: child.stdout!}).on('line', line => {
		lines.push(line);
		stdout += `${line}\n`;
		for (const waiter of [...waiters]) {
			if (waiter.pattern.test(line)) {
				waiters.splice(waiters.indexOf(waiter), 1);
				waiter.resolve(line);
			}
		}
	});
	child.stderr?.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const exit = once(child, 'close').then(([code]) => code as number | null);
	if (child.pid === undefined) {
		throw new Error(`could not start ${command}`);
	}

	return {
		process: child,
		pid: child.pid,
		async waitForLine(pattern, timeoutMs = 10_000) {
			const seen = lines.find(line => pattern.test(line));
			if (seen) {
				return seen;
			}

			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					reject(new Error(`${command} printed no line matching ${pattern} in ${timeoutMs} ms; stderr: ${stderr.slice(-500)}`));
				}, timeoutMs);
				waiters.push({
					pattern,
					resolve(line) {
						clearTimeout(timer);
						resolve(line);
					},
				});
				void exit.then(code => {
					clearTimeout(timer);
					reject(new Error(`${command} exited (${code}) before printing ${pattern}; stderr: ${stderr.slice(-500)}`));
				});
			});
		},
		output: () => stdout,
		exited: async () => exit,
		kill() {
			child.kill('SIGKILL');
		},
	};
}

export const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

/** Polls `condition` every 50 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (condition()) {
			return true;
		}

		await sleep(50);
	}

	return condition();
}
