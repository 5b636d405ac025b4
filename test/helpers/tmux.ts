// A real terminal for end-to-end tests of the live view: a shell in a tmux
// session of fixed size on a private tmux server, driven with send-keys and
// read with capture-pane. Every session is killed with its server.

import {execFile} from 'node:child_process';
import {promisify} from 'node:util';

const run = promisify(execFile);

export type TmuxSession = {
	readonly socket: string;
	/** tmux key names or literal text: `['q']`, `['Enter']`, `['C-c']`, `['PageDown']`. */
	sendKeys(...keys: string[]): Promise<void>;
	/** Text typed as it is, character by character (no key-name lookup). */
	type(text: string): Promise<void>;
	/** The visible screen, one line per row, trailing spaces trimmed. */
	capture(): Promise<string>;
	/** Polls the screen until `condition` holds; rejects after `timeoutMs` with the last screen in the message. */
	waitFor(condition: (screen: string) => boolean, description: string, timeoutMs?: number): Promise<string>;
	/** A tmux format of the pane, e.g. `#{alternate_on}`, `#{cursor_flag}`, `#{pane_current_command}`. */
	display(format: string): Promise<string>;
	resize(columns: number, rows: number): Promise<void>;
	kill(): Promise<void>;
};

let sessions = 0;

export async function hasTmux(): Promise<boolean> {
	try {
		await run('tmux', ['-V']);
		return true;
	} catch {
		return false;
	}
}

export type TmuxOptions = {
	readonly columns: number;
	readonly rows: number;
	readonly cwd?: string;
	/** The shell prompt; tests look for it to know the shell is back. */
	readonly prompt?: string;
	/**
	 * Variables for the shell. A long path typed on the command line wraps and
	 * shifts the screen; a variable keeps the typed line as short in every checkout.
	 */
	readonly env?: Readonly<Record<string, string>>;
};

export const defaultPrompt = 'tmux-test$ ';

/**
 * Starts bash (no rc files, a known prompt) in a new tmux server. The
 * environment loses CI markers: Ink stops drawing frames when it thinks it
 * runs in CI, and a person's terminal is what is being tested.
 */
export async function startTmux(options: TmuxOptions): Promise<TmuxSession> {
	const socket = `httptop-test-${process.pid}-${++sessions}`;
	const tmux = async (...args: string[]): Promise<string> => (await run('tmux', ['-L', socket, '-f', '/dev/null', ...args], {cwd: options.cwd})).stdout;
	const prompt = options.prompt ?? defaultPrompt;
	const environment = Object.keys(process.env).filter(name => name === 'CI' || name === 'CONTINUOUS_INTEGRATION' || name.startsWith('CI_'));
	const variables = Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`);
	const shell = ['env', ...environment.flatMap(name => ['-u', name]), `PS1=${prompt}`, 'TERM=xterm-256color', ...variables, 'bash', '--norc', '--noprofile'];
	await tmux(
		'new-session', '-d', '-s', 'test', '-x', String(options.columns), '-y', String(options.rows),
		...(options.cwd ? ['-c', options.cwd] : []),
		shell.map(part => `'${part.replaceAll('\'', '\'\\\'\'')}'`).join(' '),
	);
	// The window keeps the size given even when no client is attached.
	await tmux('set-option', '-t', 'test', 'window-size', 'manual').catch(() => undefined);

	const session: TmuxSession = {
		socket,
		async sendKeys(...keys) {
			await tmux('send-keys', '-t', 'test', ...keys);
		},
		async type(text) {
			await tmux('send-keys', '-t', 'test', '-l', text);
		},
		async capture() {
			const screen = await tmux('capture-pane', '-p', '-t', 'test');
			return screen.split('\n').map(line => line.trimEnd()).join('\n');
		},
		async waitFor(condition, description, timeoutMs = 20_000) {
			const deadline = Date.now() + timeoutMs;
			let screen = '';
			while (Date.now() < deadline) {
				screen = await session.capture();
				if (condition(screen)) {
					return screen;
				}

				await new Promise(resolve => setTimeout(resolve, 100));
			}

			throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}; the screen was:\n${screen}`);
		},
		async display(format) {
			return (await tmux('display-message', '-p', '-t', 'test', format)).trim();
		},
		async resize(columns, rows) {
			await tmux('resize-window', '-t', 'test', '-x', String(columns), '-y', String(rows));
		},
		async kill() {
			await tmux('kill-server').catch(() => undefined);
		},
	};
	await session.waitFor(screen => screen.includes(prompt.trim()), 'the shell prompt', 10_000);
	return session;
}

/** The screen's lines that contain `text`, top to bottom, as row numbers. */
export function rowOf(screen: string, text: string): number {
	return screen.split('\n').findIndex(line => line.includes(text));
}
