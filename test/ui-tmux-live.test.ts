// httptop itself (the CLI) tracing a real Node server under a bounded load,
// in a real terminal: rows appear, sorting changes the order, a filter
// narrows the rows, q exits and leaves a clean prompt. Needs BPF privileges:
// skipped without them unless HTTPTOP_REQUIRE_BPF is set.

import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {ExecutionContext} from 'ava';
import {bpfSerialTest} from './helpers/bpf.js';
import {startChild} from './helpers/processes.js';
import {hasTmux, rowOf, startTmux, type TmuxSession} from './helpers/tmux.js';

const repository = fileURLToPath(new URL('..', import.meta.url));
const tmuxPresent = await hasTmux();

/** The first screen row showing `route`, below the column titles. */
const firstRow = (screen: string, route: string): number => rowOf(screen, route);

async function assertCleanExit(t: ExecutionContext, session: TmuxSession) {
	const screen = await session.waitFor(text => /exit=\d+/.test(text) && text.trimEnd().endsWith('tmux-test$'), 'the exit and the prompt', 15_000);
	t.regex(screen, /exit=0/);
	t.is(await session.display('#{alternate_on}'), '0');
	t.is(await session.display('#{cursor_flag}'), '1');
	t.false(screen.includes('REQ/S'), screen);
	t.false(screen.includes('/api/fast'), screen);
}

bpfSerialTest('live: a real server under load shows up, sorts, filters, and q exits cleanly', async t => {
	t.true(tmuxPresent, 'tmux is installed');
	const server = startChild('node', [join(repository, 'test/peers/http-server.mjs')]);
	const port = Number((await server.waitForLine(/^port \d+$/)).split(' ')[1]);
	const session = await startTmux({columns: 120, rows: 30, cwd: repository});
	t.teardown(async () => {
		await session.kill();
		server.kill();
	});

	// --port keeps other traffic on this machine out of the table.
	await session.type(`node --import=tsx source/cli.tsx --port ${port} --interval 0.5; echo "exit=$?"`);
	await session.sendKeys('Enter');
	const tracing = await session.waitFor(screen => /tracing/.test(screen) && screen.includes('REQ/S'), 'the live view tracing', 30_000);
	t.regex(tracing.split('\n')[0]!, /^httptop on \S+ +up \S+ +tracing \d+ tracepoints · TLS: OpenSSL \d+, GnuTLS \d+, Go \d+.*$/, 'the title line says "tracing" once');

	// At most 12 s and 60,000 requests, paced to 1,000/s.
	const load = startChild('node', ['--import=tsx', join(repository, 'test/helpers/ui-load-client.ts'), String(port), '12', '60000', '1000'], {cwd: repository});
	t.teardown(() => {
		load.kill();
	});
	let screen = await session.waitFor(
		text => text.includes('/api/fast') && text.includes('/slow') && text.includes('/status/'),
		'rows for the three routes',
	);
	t.regex(screen, /srv +http +GET +\/api\/fast +node\[\d+]/);
	t.regex(screen, /cli +http +GET +\/api\/fast +node\[\d+]/);
	// Sorted by rate: the busy route above the slow one.
	t.true(firstRow(screen, '/api/fast') < firstRow(screen, '/slow'), screen);

	await session.sendKeys('l');
	screen = await session.waitFor(text => text.includes('P99▼') && firstRow(text, '/slow') < firstRow(text, '/api/fast'), 'sorted by p99: /slow first');
	t.true(firstRow(screen, '/slow') > 0);

	await session.sendKeys('/');
	await session.type('route~status');
	await session.sendKeys('Enter');
	screen = await session.waitFor(text => text.includes('filter route~status') && !text.includes('/api/fast'), 'the filtered table');
	t.true(firstRow(screen, '/status/') > 0);
	t.is(firstRow(screen, '/slow'), -1);

	await session.sendKeys('q');
	await assertCleanExit(t, session);
});
