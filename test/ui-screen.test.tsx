// The live view as the CLI draws it (source/ui/screen.ts): Ink writes the
// header and the footer, the screen puts the body between them and writes
// only the lines that changed. Its writes are replayed here on a grid of
// lines (moves, erases), and what that grid shows must be what Ink alone
// shows for the same view (the way ink-testing-library draws it), key after key.

import {EventEmitter} from 'node:events';
import anyTest from 'ava';
import {render as inkRender} from 'ink';
import {render} from 'ink-testing-library';
import {createAggregator} from '../source/aggregate/index.js';
import {App} from '../source/ui/app.js';
import {createScreen} from '../source/ui/screen.js';
import {recordedSource, threeEndpoints, traffic} from './helpers/ui-exchanges.js';
import {KeyboardStdin} from './helpers/keyboard-stdin.js';

const test = anyTest.serial;

const startMs = Date.UTC(2025, 0, 1, 12);
const recordedMs = 30_000;
const sgr = /\u001B\[[\d;]*m/g;
const settle = async (ms = 10) => new Promise<void>(resolve => {
	setTimeout(() => setImmediate(resolve), ms);
});

/** A terminal that keeps its lines: it understands the screen's moves and erases, and nothing else. */
class LineTerminal extends EventEmitter {
	readonly isTTY = true;
	lines: string[] = [];
	writes: string[] = [];
	constructor(public columns: number, public rows: number) {
		super();
	}

	write(data: string): boolean {
		this.writes.push(data);
		const body = data.replace(/^\u001B\[\?2026h/, '').replace(/\u001B\[\?2026l$/, '');
		let row = 0;
		for (const part of body.split(/(?=\u001B\[(?:\d+;1H|2J|J))/)) {
			let rest = part;
			if (rest.startsWith('\u001B[2J')) {
				this.lines = [];
				rest = rest.slice(4);
			} else if (rest.startsWith('\u001B[J')) {
				this.lines = this.lines.slice(0, row);
				rest = rest.slice(3);
			} else {
				const move = /^\u001B\[(\d+);1H/.exec(rest);
				if (move) {
					row = Number(move[1]) - 1;
					rest = rest.slice(move[0].length);
				}
			}

			if (rest !== '') {
				if (!rest.endsWith('\u001B[K')) {
					throw new Error(`a line without an erase to its end: ${JSON.stringify(rest)}`);
				}

				while (this.lines.length < row) {
					this.lines.push('');
				}

				this.lines[row] = rest.slice(0, -3);
			}
		}

		return true;
	}

	text(): string {
		return this.lines.map(line => line.replaceAll(sgr, '').trimEnd()).join('\n').trimEnd();
	}
}

const exchanges = traffic(threeEndpoints, startMs, startMs + recordedMs);

async function both(columns: number, rows: number, color: boolean) {
	const start = async () => {
		const aggregator = createAggregator();
		const source = recordedSource(exchanges);
		await source.start(batch => {
			aggregator.add(batch);
		});
		return {aggregator, source, initialView: {groupBy: 'endpoint', sort: {column: 'rate', descending: true}, filter: null, role: 'both'} as const, intervalMs: 60_000, color, showQuery: false, hostname: 'test-host', now: () => startMs + recordedMs};
	};

	const terminal = new LineTerminal(columns, rows);
	const screen = createScreen(terminal as unknown as NodeJS.WriteStream);
	const stdin = new KeyboardStdin();
	const drawn = inkRender(<App {...await start()} screen={screen} />, {stdout: screen.inkStdout, stdin: stdin as unknown as NodeJS.ReadStream, stderr: terminal as unknown as NodeJS.WriteStream, debug: true, exitOnCtrlC: false, patchConsole: false});
	const ink = render(<App {...await start()} />);
	Object.defineProperty(ink.stdout, 'columns', {value: columns, configurable: true});
	Object.defineProperty(ink.stdout, 'rows', {value: rows, configurable: true});
	ink.stdout.emit('resize');
	await settle(50);
	return {
		terminal,
		screenText: () => terminal.text(),
		inkText: () => (ink.lastFrame() ?? '').split('\n').map(line => line.replaceAll(sgr, '').trimEnd()).join('\n').trimEnd(),
		async press(key: string) {
			stdin.press(key);
			ink.stdin.write(key);
			await settle(key === '\u001B' ? 20 : 10);
		},
		unmount() {
			drawn.unmount();
			ink.unmount();
		},
	};
}

for (const [columns, rows, color] of [[120, 30, true], [80, 24, false], [200, 50, true]] as const) {
	test(`${columns}x${rows}${color ? '' : ', no colour'}: the screen shows what Ink alone shows, key after key`, async t => {
		const view = await both(columns, rows, color);
		t.teardown(() => {
			view.unmount();
		});
		// Every key below changes the screen: both views have taken it when the screen changed and they agree.
		const compare = async (step: string, before?: string) => {
			const deadline = Date.now() + 2000;
			while ((view.screenText() === before || view.screenText() !== view.inkText()) && Date.now() < deadline) {
				await settle(10);
			}

			const screen = view.screenText();
			t.is(screen, view.inkText(), step);
			t.is(view.terminal.lines.length, rows - 1, `${step}: one line short of the terminal`);
		};

		await compare('first frame');
		t.regex(view.screenText(), /\/api\/fast/);
		for (const [key, step] of [['j', 'down'], ['j', 'down again'], ['R', 'reversed'], ['?', 'help'], ['\u001B', 'help closed'], ['\r', 'detail'], ['\u001B', 'table again'], ['/', 'filter prompt'], ['route~fast', 'typed'], ['\r', 'filtered']] as const) {
			const before = view.screenText();
			await view.press(key);
			await compare(step, before);
			t.not(view.screenText(), before, `${step}: the screen changed`);
		}

		t.regex(view.screenText(), /filter route~fast/);
		t.notRegex(view.screenText(), /\/api\/flaky/);
	});
}

test('only the lines that changed are written; a resize draws everything again', async t => {
	const view = await both(120, 30, true);
	t.teardown(() => {
		view.unmount();
	});
	const writes = view.terminal.writes.length;
	await view.press('j');
	const moved = view.terminal.writes.slice(writes).join('');
	// The selection moved: the two rows that changed (and the footer's notice, if any), not the screen.
	t.true((moved.match(/\u001B\[\d+;1H/g) ?? []).length <= 3, JSON.stringify(moved));
	t.false(moved.includes('\u001B[2J'));
	const beforeResize = view.terminal.writes.length;
	view.terminal.columns = 100;
	view.terminal.emit('resize');
	await view.press('k');
	const resized = view.terminal.writes.slice(beforeResize).find(write => write.includes('\u001B[2J'));
	t.truthy(resized, 'the screen erased after a resize');
	t.is((resized?.match(/\u001B\[\d+;1H/g) ?? []).length, 29, `every line drawn: ${JSON.stringify(resized)}`);
	t.true(view.terminal.lines.every(line => line.replaceAll(sgr, '').length <= 100), 'nothing wider than the new width');
});
