// The built CLI (dist/source/cli.js, `make ts`) run as a process, the way a
// user or a script runs it: no terminal, stdout and stderr captured apart.
// Also the built app where user nobody can run it, for root's tests of what an
// unprivileged user sees.

import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';

const run = promisify(execFile);

const checkout = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath = join(checkout, 'dist/source/cli.js');

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

/** User and group nobody: what root drops to when a test needs an unprivileged user. */
export const nobody = {uid: 65_534, gid: 65_534} as const;

/** setpriv's arguments that run the rest of the command line as nobody, with no groups. */
export const asNobody = [`--reuid=${nobody.uid}`, `--regid=${nobody.gid}`, '--clear-groups'] as const;

export type NobodyCli =
	| {readonly cliPath: string; readonly copied: boolean; remove(): void}
	| {readonly skip: string};

/**
 * What the built app reads at run time, relative to its root: the layout the
 * Containerfile installs (dist/source, the addon, the BPF object, package.json)
 * plus the production packages of node_modules (from package-lock.json).
 */
function runtimeFiles(): {readonly files: string[]; readonly links: Array<[string, string]>} {
	const lock = JSON.parse(readFileSync(join(checkout, 'package-lock.json'), 'utf8')) as {
		packages: Record<string, {dev?: boolean; devOptional?: boolean; link?: boolean; resolved?: string}>;
	};
	const files = ['package.json', 'dist/source', 'native/package.json', 'native/index.js', 'native/build/Release/bpf_loader_native.node', 'bpf/.output/httptop.bpf.o'];
	const links: Array<[string, string]> = [];
	for (const [path, entry] of Object.entries(lock.packages)) {
		// Nested packages (a/node_modules/b) come with their parent.
		if (!/^node_modules\/(?:@[^/]+\/)?[^/]+$/.test(path) || entry.dev || entry.devOptional) {
			continue;
		}

		if (entry.link) {
			links.push([path, entry.resolved ?? '']);
		} else if (existsSync(join(checkout, path))) { // an optional package for another platform is absent
			files.push(path);
		}
	}

	return {files, links};
}

/** Why nobody cannot read `paths` (setpriv's or node's first line of complaint), or undefined when it can. */
async function nobodyCannotRead(paths: readonly string[]): Promise<string | undefined> {
	const check = 'const fs = require("node:fs"); for (const path of process.argv.slice(1)) fs.accessSync(path, fs.constants.R_OK);';
	try {
		await run('setpriv', [...asNobody, process.execPath, '-e', check, ...paths], {env: cliEnv()});
		return undefined;
	} catch (error) {
		const {stderr, message} = error as {stderr?: string; message: string};
		return (/^Error: .*$/m.exec(stderr ?? '')?.[0] ?? stderr?.trim().split('\n')[0]) || message;
	}
}

/**
 * The built CLI where nobody can run it. The checkout itself when nobody can
 * read it; otherwise (a clone under /root or a 0700 home directory) a copy of
 * the app's run-time files in a new directory under the temp directory, which
 * `remove()` deletes. `skip` says why neither works (nobody cannot run node, or
 * cannot reach the temp directory); a missing build throws.
 */
export async function cliForNobody(): Promise<NobodyCli> {
	assertBuilt();
	const {files, links} = runtimeFiles();
	const missing = files.filter(file => !existsSync(join(checkout, file)));
	if (missing.length > 0) {
		throw new Error(`${missing.map(file => join(checkout, file)).join(', ')} missing: build first (make)`);
	}

	const probe = (root: string): string[] => [join(root, 'dist/source/cli.js'), ...files.map(file => join(root, file))];
	const inCheckout = await nobodyCannotRead(probe(checkout));
	if (inCheckout === undefined) {
		return {cliPath, copied: false, remove() {}};
	}

	let root: string | undefined;
	try {
		root = mkdtempSync(join(tmpdir(), 'httptop-nobody-'));
		// cp copies node_modules' thousands of files much faster than cpSync; a+rX as a umask of 077 may have made them private.
		await run('cp', ['-R', '--parents', ...files, root], {cwd: checkout});
		for (const [path, target] of links) {
			mkdirSync(dirname(join(root, path)), {recursive: true});
			symlinkSync(relative(dirname(join(root, path)), join(root, target)), join(root, path));
		}

		await run('chmod', ['-R', 'a+rX', root]);
	} catch (error) {
		if (root) {
			rmSync(root, {recursive: true, force: true});
		}

		return {skip: `nobody cannot read the checkout (${inCheckout}) and copying it to ${tmpdir()} failed: ${(error as Error).message}`};
	}

	const copy = root;
	const remove = () => {
		rmSync(copy, {recursive: true, force: true});
	};

	const inCopy = await nobodyCannotRead(probe(copy));
	if (inCopy !== undefined) {
		remove();
		return {skip: `nobody cannot read the checkout (${inCheckout}) nor its copy in ${copy} (${inCopy})`};
	}

	return {cliPath: join(copy, 'dist/source/cli.js'), copied: true, remove};
}
