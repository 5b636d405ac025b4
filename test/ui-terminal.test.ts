// The live view's entry in a real terminal (tmux): it takes the alternate
// screen, draws, re-lays out on resize, and on every way out (q, Ctrl-C,
// SIGTERM, SIGHUP, an uncaught error) stops the source and gives the terminal
// back as it was: main screen, cursor shown, the same stty settings.

import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import anyTest, {type ExecutionContext} from 'ava';
import {hasTmux, rowOf, startTmux, type TmuxSession} from './helpers/tmux.js';

const test = (await hasTmux()) ? anyTest.serial : anyTest.skip;

const repository = fileURLToPath(new URL('..', import.meta.url));

type Run = {
	readonly session: TmuxSession;
	readonly marker: string;
	readonly directory: string;
	pid(): number;
	markerLines(): string[];
	/** Waits for the shell to report the exit code, and returns it. */
	exitCode(): Promise<number>;
};

async function startHarness(t: ExecutionContext, mode = '', columns = 100, rows = 30): Promise<Run> {
	const directory = mkdtempSync(join(tmpdir(), 'httptop-ui-'));
	const marker = join(directory, 'marker');
	const session = await startTmux({columns, rows, cwd: repository});
	t.teardown(async () => {
		await session.kill();
		rmSync(directory, {recursive: true, force: true});
	});
	await session.type(`stty -g > ${directory}/stty-before; node --import=tsx test/helpers/ui-live-view-harness.tsx ${marker} ${mode}; echo "exit=$?"; stty -g > ${directory}/stty-after`);
	await session.sendKeys('Enter');
	await session.waitFor(screen => screen.includes('/api/fast') && screen.includes('REQ/S'), 'the table');
	const markerLines = () => readFileSync(marker, 'utf8').trim().split('\n');
	return {
		session,
		marker,
		directory,
		markerLines,
		pid: () => Number(markerLines()[0]?.replace('pid ', '')),
		async exitCode() {
			const screen = await session.waitFor(text => /exit=\d+/.test(text), 'the exit code');
			return Number(/exit=(\d+)/.exec(screen)?.[1]);
		},
	};
}

/** The terminal is as it was: main screen, cursor visible, same tty modes, no frame left over. */
async function assertRestored(t: ExecutionContext, run: Run) {
	const screen = await run.session.waitFor(text => text.trimEnd().endsWith('tmux-test$'), 'the prompt after the run');
	t.is(await run.session.display('#{alternate_on}'), '0');
	t.is(await run.session.display('#{cursor_flag}'), '1');
	t.is(readFileSync(join(run.directory, 'stty-after'), 'utf8'), readFileSync(join(run.directory, 'stty-before'), 'utf8'));
	t.false(screen.includes('REQ/S'), screen);
	t.false(screen.includes('/api/fast'), screen);
}

test('the view takes the alternate screen; q stops the source and restores the terminal', async t => {
	const run = await startHarness(t);
	t.is(await run.session.display('#{alternate_on}'), '1');
	await run.session.sendKeys('q');
	t.is(await run.exitCode(), 0);
	t.deepEqual(run.markerLines().slice(1), ['stopped', 'resolved']);
	await assertRestored(t, run);
});

test('Ctrl-C quits the same way', async t => {
	const run = await startHarness(t);
	await run.session.sendKeys('C-c');
	t.is(await run.exitCode(), 0);
	t.deepEqual(run.markerLines().slice(1), ['stopped', 'resolved']);
	await assertRestored(t, run);
});

for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
	test(`${signal} stops the source, restores the terminal and exits ${code}`, async t => {
		const run = await startHarness(t);
		process.kill(run.pid(), signal);
		t.is(await run.exitCode(), code);
		t.deepEqual(run.markerLines().slice(1), ['stopped']);
		await assertRestored(t, run);
	});
}

test('an uncaught error stops the source, restores the terminal and exits 1 with one line', async t => {
	const run = await startHarness(t, 'crash');
	t.is(await run.exitCode(), 1);
	t.deepEqual(run.markerLines().slice(1), ['stopped']);
	await assertRestored(t, run);
	const screen = await run.session.capture();
	t.regex(screen, /httptop: internal error in the live view: simulated failure/);
	t.notRegex(screen, /at .*\.tsx?:\d+/, 'no stack trace');
});

test('a terminal resize re-lays out the table', async t => {
	const run = await startHarness(t, '', 80, 24);
	let screen = await run.session.capture();
	t.false(screen.includes('P90'));
	await run.session.resize(200, 40);
	screen = await run.session.waitFor(text => text.includes('REQ/S 60s') && text.includes('/api/fast') && text.includes('q quit'), 'the wide layout');
	t.true(rowOf(screen, '/api/fast') > 0);
	await run.session.resize(80, 24);
	screen = await run.session.waitFor(text => !text.includes('P90') && text.includes('/api/fast') && text.includes('q quit'), 'the narrow layout');
	for (const line of screen.split('\n')) {
		t.true(line.length <= 80);
	}

	t.true(rowOf(screen, '/api/fast') > 0);
	await run.session.sendKeys('q');
	t.is(await run.exitCode(), 0);
	await assertRestored(t, run);
});

test('wide, combining and hostile routes keep every column in line, as the terminal itself measures the cells', async t => {
	const run = await startHarness(t, 'wide', 120, 30);
	const screen = await run.session.waitFor(text => text.includes('/服务/订单') && text.includes('/한국어/주문'), 'the wide routes');
	// tmux's own width of a string (the cells it gives it on screen), through a user option.
	const cellsOf = async (text: string): Promise<number> => {
		await promisify(execFile)('tmux', ['-L', run.session.socket, 'set-option', '-g', '@measured', text]);
		return Number(await run.session.display('#{w:@measured}'));
	};

	const lines = screen.split('\n');
	const titles = lines.findIndex(line => /ROUTE +PROCESS/.test(line));
	const rows = lines.slice(titles + 1).filter(line => /node\[4242]|python3\[777]/.test(line));
	t.is(rows.length, 3 + 7, screen);
	const processColumn = lines[titles]!.indexOf('PROCESS');
	const lastColumnEnd = await cellsOf(lines[titles]!.trimEnd());
	for (const row of rows) {
		// The process column starts under its title, and the row ends where the titles end: nothing pushed sideways.
		t.is(await cellsOf(row.slice(0, row.search(/node\[4242]|python3\[777]/))), processColumn, row);
		t.is(await cellsOf(row.trimEnd()), lastColumnEnd, row);
	}

	t.true(rows.some(row => row.includes('/x\\x1b[2Jy\\x9b31m\\u{202E}z')), 'hostile bytes shown escaped');
	t.true(rows.some(row => row.includes('/cafe\u0301/e\u0301te\u0301')), 'combining accents kept');
	await run.session.sendKeys('q');
	t.is(await run.exitCode(), 0);
});
