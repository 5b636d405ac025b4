// The built CLI in a real terminal (tmux): `httptop --demo` opens the live
// view and quits on q with exit 0 and its demo children gone; a --snapshot on
// a terminal redraws its status line in place, erases it, and fits the table
// to the terminal's width. Needs BPF (root) and tmux.
import test from 'ava';
import {bpfSerialTest} from './helpers/bpf.js';
import {assertBuilt, cliPath} from './helpers/cli.js';
import {hasTmux, startTmux} from './helpers/tmux.js';

const tmuxAvailable = await hasTmux();
const terminalTest = tmuxAvailable ? bpfSerialTest : test.serial.skip;

const isAlive = (pid: number): boolean => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

terminalTest('httptop --demo: the live view fills, q quits with 0, the demo is gone', async t => {
	assertBuilt();
	const session = await startTmux({columns: 160, rows: 40, env: {HTTPTOP_CLI: cliPath}});
	t.teardown(async () => session.kill());
	await session.type('node "$HTTPTOP_CLI" --demo -d 0.5; echo "exit=$?"');
	await session.sendKeys('Enter');
	const screen = await session.waitFor(text => text.includes('/api/users/:id') && text.includes('demo-server'), 'demo traffic in the table');
	const [, server, client] = /demo server pid (\d+) on 127\.0\.0\.1:\d+, client pid (\d+)/.exec(screen)?.map(Number) ?? [];
	t.truthy(server && client, `the header names the demo's processes:\n${screen}`);
	await session.sendKeys('q');
	await session.waitFor(text => /exit=0/.test(text), 'exit 0 after q');
	t.false(isAlive(server!), 'demo server gone');
	t.false(isAlive(client!), 'demo client gone');
});

terminalTest('--snapshot on a terminal: status line redrawn then erased, table fitted to the width', async t => {
	assertBuilt();
	// The typed line fits in one row whatever the checkout's path: the report is checked to start on the next.
	const session = await startTmux({columns: 100, rows: 50, env: {HTTPTOP_CLI: cliPath}});
	t.teardown(async () => session.kill());
	await session.type('node "$HTTPTOP_CLI" --demo --snapshot --duration 4; echo "exit=$?"');
	await session.sendKeys('Enter');
	// Cut to the terminal's width, so it can be redrawn and erased whole; the count goes up as it is redrawn.
	const status = /^httptop: tracing .* for 4 s\.\.\. \d+ requests, \d s left \(Ctrl-C stops early\)$/m;
	const first = await session.waitFor(text => status.test(text), 'the status line');
	t.true(status.exec(first)![0].length < 100, 'elided to the width');
	await session.waitFor(text => /^httptop: tracing .* [1-9]\d* requests/m.test(text), 'the status line redrawn with a count');
	const screen = await session.waitFor(text => /exit=\d+/.test(text), 'the exit code', 30_000);
	t.regex(screen, /exit=0/);
	t.false(screen.includes('tracepoints'), 'the status line was erased');
	const lines = screen.split('\n');
	const table = lines.slice(lines.findIndex(line => /^ METHOD /.test(line)), lines.findIndex(line => /^exit=/.test(line)));
	t.true(table.length > 2, screen);
	t.true(table.every(line => line.length <= 100), `widest line ${Math.max(...table.map(line => line.length))}`);
	t.regex(screen, /columns? left out to fit the terminal/);
	t.regex(screen, /--duration 4; echo "exit=\$\?"\nhttptop report: /, 'the report starts where the status line was');
});
