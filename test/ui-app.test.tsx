// The live view rendered by ink-testing-library over a real aggregator fed
// with recorded exchanges: what it shows, and what every key does.

import anyTest, {type ExecutionContext} from 'ava';
import {render} from 'ink-testing-library';
import {createAggregator} from '../source/aggregate/index.js';
import type {ViewOptions} from '../source/aggregate/types.js';
import type {Exchange} from '../source/http/exchange.js';
import {App} from '../source/ui/app.js';
import {layoutColumns} from '../source/ui/column-layout.js';
import {keyBindings} from '../source/ui/modes.js';
import {makeExchange, recordedSource, threeEndpoints, traffic, type EndpointTraffic} from './helpers/ui-exchanges.js';

// One at a time: each test drives its own Ink instance and timing matters.
const test = anyTest.serial;

const startMs = Date.UTC(2025, 0, 1, 12);
const recordedMs = 30_000;

const defaultView: ViewOptions = {groupBy: 'endpoint', sort: {column: 'rate', descending: true}, filter: null, role: 'both'};

const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	left: '\u001B[D',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
	home: '\u001B[H',
	end: '\u001B[F',
	enter: '\r',
	escape: '\u001B',
	backspace: '\u007F',
	ctrlC: '\u0003',
	ctrlU: '\u0015',
	f1: '\u001BOP', // as xterm and tmux send them
	f4: '\u001BOS',
	f6: '\u001B[17~',
	f10: '\u001B[21~',
	insert: '\u001B[2~',
} as const;

type Setup = {
	readonly exchanges?: readonly Exchange[];
	readonly view?: Partial<ViewOptions>;
	readonly columns?: number;
	readonly rows?: number;
	readonly intervalMs?: number;
	readonly showQuery?: boolean;
};

const settle = async (ms = 0) => new Promise<void>(resolve => {
	setTimeout(() => setImmediate(resolve), ms);
});

async function setup(t: ExecutionContext, options: Setup = {}) {
	const clock = {now: startMs + recordedMs};
	const aggregator = createAggregator();
	const source = recordedSource(options.exchanges ?? traffic(threeEndpoints, startMs, startMs + recordedMs));
	await source.start(batch => {
		aggregator.add(batch);
	});
	let quits = 0;
	const view = {...defaultView, ...options.view};
	const instance = render(
		<App
			source={source}
			aggregator={aggregator}
			initialView={view}
			intervalMs={options.intervalMs ?? 60_000}
			color={false}
			showQuery={options.showQuery ?? false}
			hostname="test-host"
			now={() => clock.now}
			onQuit={() => {
				quits++;
			}}
		/>,
	);
	t.teardown(() => {
		instance.unmount();
	});

	const resize = async (columns: number, rows: number) => {
		Object.defineProperty(instance.stdout, 'columns', {value: columns, configurable: true});
		Object.defineProperty(instance.stdout, 'rows', {value: rows, configurable: true});
		instance.stdout.emit('resize');
		// Drawn for the new size: as many lines as the screen has (but one), a table as wide as its layout.
		const tableWidth = layoutColumns(columns, view.groupBy).width;
		const deadline = Date.now() + 2000;
		while (Date.now() < deadline) {
			const lines = (instance.lastFrame() ?? '').split('\n');
			if (lines.length === rows - 1 && lines[4]?.length === tableWidth) {
				break;
			}

			await settle(5);
		}

		// The input listener is attached after the first commit.
		await settle(10);
	};

	await resize(options.columns ?? 120, options.rows ?? 30);
	return {
		aggregator,
		source,
		clock,
		instance,
		resize,
		quits: () => quits,
		frame: () => instance.lastFrame() ?? '',
		lines: () => (instance.lastFrame() ?? '').split('\n'),
		async press(...sequence: string[]) {
			for (const key of sequence) {
				instance.stdin.write(key);
				// A lone Escape is told apart from a sequence on the next turn of the loop.
				await settle(key === keys.escape ? 5 : 0);
			}
		},
	};
}

type Screen = Awaited<ReturnType<typeof setup>>;

/** The screen rows holding each text, -1 when absent. */
const rowsOf = (screen: Screen, ...texts: string[]): number[] => texts.map(text => screen.lines().findIndex(line => line.includes(text)));

const selectedLine = (screen: Screen): string => screen.lines().find(line => line.startsWith('>')) ?? '';

test('shows the header, the column titles and one line per endpoint, busiest first', async t => {
	const screen = await setup(t);
	const frame = screen.frame();
	t.regex(frame, /httptop on test-host/);
	t.regex(frame, /replay finished/);
	t.regex(frame, /req\/s \d/);
	t.regex(frame, /errors [\d.]+%/);
	t.regex(frame, /p99 [\d.]+(µs|ms|s)/);
	t.regex(frame, /events\/s .*drops 0 .*truncated 0 .*parse errors 0/);
	t.regex(frame, /group endpoint .*sort rate▼ .*role both/);
	t.regex(frame, /ROUTE +PROCESS +REQ\/S▼ +COUNT +ERR%/);
	const [fast, flaky, slow] = rowsOf(screen, '/api/fast', '/api/flaky', '/api/slow');
	t.true(fast! > 0 && fast! < flaky! && flaky! < slow!, screen.frame());
	t.true(selectedLine(screen).includes('/api/fast'));
	t.regex(screen.lines()[flaky!] ?? '', /POST .*python3\[777]/);
	t.regex(screen.frame(), /\? help .*q quit/);
});

test('the screen is one line short of the terminal and never wider', async t => {
	for (const [columns, rows] of [[80, 24], [120, 40], [300, 50]] as const) {
		const screen = await setup(t, {columns, rows});
		const lines = screen.lines();
		t.is(lines.length, rows - 1, `${columns}x${rows}`);
		for (const line of lines) {
			t.true(line.length <= columns, `${columns}: ${line}`);
		}
	}
});

test('80 columns drop the minor columns; 300 show them all with the sparkline', async t => {
	const screen = await setup(t, {columns: 80, rows: 24});
	t.notRegex(screen.frame(), /P90|MAX|REQ\/S 60s/);
	t.regex(screen.frame(), /P99/);
	await screen.resize(300, 40);
	t.regex(screen.frame(), /P50 +P90 +P99 +MAX +IN\/S +OUT\/S +REQ\/S 60s/);
	t.regex(screen.lines().find(line => line.includes('/api/fast')) ?? '', /[▁▂▃▄▅▆▇█]{5,}/);
	await screen.resize(80, 24);
	t.notRegex(screen.frame(), /REQ\/S 60s/);
});

test('captured control characters and escape sequences are shown escaped', async t => {
	const hostile = [
		makeExchange({startMs: startMs + 1000, path: '/x\u001B[2J\u001B]0;pwned\u0007/y', comm: 'ev\u001B[31mil', host: 'h\u009Bost'}),
		makeExchange({startMs: startMs + 1000, path: '/rtl\u202Egnp.exe', method: 'G\rET'}),
	];
	const screen = await setup(t, {exchanges: hostile, columns: 200});
	const frame = screen.frame();
	t.false(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202E]/u.test(frame), JSON.stringify(frame));
	t.true(frame.includes('\\x1b'));
	t.true(frame.includes('\\u{202E}'));
	t.true(frame.includes('ev\\x1b[31mil'));
});

test('j, k and the arrows move the selection; Home and End jump', async t => {
	const screen = await setup(t);
	await screen.press('j');
	t.true(selectedLine(screen).includes('/api/flaky'));
	await screen.press(keys.down);
	t.true(selectedLine(screen).includes('/api/slow'));
	await screen.press(keys.down);
	t.true(selectedLine(screen).includes('/api/slow'), 'stays on the last row');
	await screen.press('k');
	t.true(selectedLine(screen).includes('/api/flaky'));
	await screen.press(keys.up, keys.up);
	t.true(selectedLine(screen).includes('/api/fast'));
	await screen.press(keys.end);
	t.true(selectedLine(screen).includes('/api/slow'));
	await screen.press(keys.home);
	t.true(selectedLine(screen).includes('/api/fast'));
});

// Sixty services with one route each: distinct rows that route folding leaves alone.
const manyEndpoints: EndpointTraffic[] = Array.from({length: 60}, (_, index) => ({
	method: 'GET',
	path: () => '/page',
	comm: `w${String(index).padStart(2, '0')}`,
	pid: 1000 + index,
	perSecond: 60 - index,
	latencyMs: 5,
}));

test('PgDn and PgUp move a page, the table scrolls to keep the selection visible', async t => {
	const screen = await setup(t, {exchanges: traffic(manyEndpoints, startMs, startMs + recordedMs), columns: 100, rows: 24});
	t.regex(screen.frame(), /w00\[/);
	t.notRegex(screen.frame(), /w30\[/);
	await screen.press(keys.pageDown);
	const selected = /w(\d\d)\[/.exec(selectedLine(screen))?.[1];
	// 23 lines: 4 header, 1 footer, 1 column titles: 17 rows a page.
	t.is(selected, '17');
	await screen.press(keys.pageDown, keys.pageDown);
	t.is(/w(\d\d)\[/.exec(selectedLine(screen))?.[1], '51');
	t.notRegex(screen.frame(), /w00\[/);
	await screen.press(keys.end);
	t.is(/w(\d\d)\[/.exec(selectedLine(screen))?.[1], '59');
	await screen.press(keys.pageUp);
	t.is(/w(\d\d)\[/.exec(selectedLine(screen))?.[1], '42');
	await screen.press(keys.home);
	t.regex(screen.frame(), /w00\[/);
});

test('the selection follows its row when the order changes', async t => {
	const screen = await setup(t);
	await screen.press('j', 'j');
	t.true(selectedLine(screen).includes('/api/slow'));
	await screen.press('l');
	// /api/slow is now first by p99, and still selected.
	t.true(selectedLine(screen).includes('/api/slow'));
	const [slow] = rowsOf(screen, '/api/slow');
	const [fast] = rowsOf(screen, '/api/fast');
	t.true(slow! < fast!);
});

test('direct sort keys: l p99, r rate, n count, e errors, b and B bytes; R reverses', async t => {
	const screen = await setup(t);
	await screen.press('l');
	t.regex(screen.frame(), /P99▼/);
	let [fast, flaky, slow] = rowsOf(screen, '/api/fast', '/api/flaky', '/api/slow');
	t.true(slow! < flaky! && flaky! < fast!, screen.frame());
	await screen.press('R');
	t.regex(screen.frame(), /P99▲/);
	[fast, flaky, slow] = rowsOf(screen, '/api/fast', '/api/flaky', '/api/slow');
	t.true(fast! < flaky! && flaky! < slow!);
	await screen.press('e');
	t.regex(screen.frame(), /ERR%▼/);
	t.regex(screen.frame(), /sort errorRate▼/);
	[fast, flaky, slow] = rowsOf(screen, '/api/fast', '/api/flaky', '/api/slow');
	t.true(flaky! < fast! && flaky! < slow!);
	await screen.press('n');
	t.regex(screen.frame(), /COUNT▼/);
	[fast, flaky, slow] = rowsOf(screen, '/api/fast', '/api/flaky', '/api/slow');
	t.true(fast! < flaky! && flaky! < slow!);
	await screen.press('b');
	t.regex(screen.frame(), /OUT\/S▼/);
	await screen.press('B');
	t.regex(screen.frame(), /IN\/S▼/);
	await screen.press('r');
	t.regex(screen.frame(), /REQ\/S▼/);
});

test('htop\'s function keys: F1 help, F4 filter, F6 next sort column, F10 quit; not typed at the filter prompt', async t => {
	const screen = await setup(t);
	await screen.press(keys.f6);
	t.regex(screen.frame(), /COUNT▼/);
	await screen.press(keys.insert); // a key with no binding: nothing happens
	t.regex(screen.frame(), /COUNT▼/);
	await screen.press(keys.f1);
	t.regex(screen.frame(), /this help/);
	await screen.press(keys.f1); // any bound key closes the help
	t.regex(screen.frame(), /ROUTE +PROCESS/);
	await screen.press(keys.f4, 'm', keys.f10, 'e');
	t.regex(screen.frame(), /filter: me$/m);
	t.is(screen.quits(), 0);
	await screen.press(keys.escape, keys.f10);
	t.is(screen.quits(), 1);
});

test('< and > move the sort to the neighbouring column', async t => {
	const screen = await setup(t);
	await screen.press('>');
	t.regex(screen.frame(), /COUNT▼/);
	await screen.press('>');
	t.regex(screen.frame(), /ERR%▼/);
	await screen.press('<', '<');
	t.regex(screen.frame(), /REQ\/S▼/);
	await screen.press('<');
	t.regex(screen.frame(), /PROCESS▲/);
	await screen.press('.');
	t.regex(screen.frame(), /REQ\/S▼/);
	await screen.press(',');
	t.regex(screen.frame(), /PROCESS▲/);
});

test('/ filters with the aggregator expressions; errors show inline; Esc cancels; empty clears', async t => {
	const screen = await setup(t);
	await screen.press('/');
	t.regex(screen.frame(), /^filter:/m);
	await screen.press(...'route~flaky');
	t.regex(screen.frame(), /filter: route~flaky/);
	await screen.press(keys.enter);
	t.deepEqual(rowsOf(screen, '/api/fast', '/api/slow').filter(row => row !== -1), []);
	t.true(rowsOf(screen, '/api/flaky')[0]! > 0);
	t.regex(screen.frame(), /filter route~flaky/);

	// A bad expression keeps the prompt open with the error under it.
	await screen.press('/', keys.ctrlU, ...'status>>x');
	await screen.press(keys.enter);
	t.regex(screen.frame(), /filter: status>>x/);
	t.regex(screen.frame(), /\^ /);
	t.true(rowsOf(screen, '/api/flaky')[0]! > 0, 'the old filter still applies');
	await screen.press(keys.escape);
	t.notRegex(screen.frame(), /^filter:/m);
	t.regex(screen.frame(), /filter route~flaky/);

	// Backspace edits; an empty prompt clears the filter.
	await screen.press('/');
	for (let index = 0; index < 'route~flaky'.length; index++) {
		await screen.press(keys.backspace);
	}

	t.regex(screen.lines().at(-2) ?? '', /^filter: *$/);
	await screen.press(keys.enter);
	t.regex(screen.frame(), /no filter/);
	t.true(rowsOf(screen, '/api/fast')[0]! > 0);
});

test('q typed in the filter prompt is text, not quit', async t => {
	const screen = await setup(t);
	await screen.press('/', 'q');
	t.is(screen.quits(), 0);
	t.regex(screen.frame(), /filter: q/);
});

test('g cycles the grouping through process, container, host, peer, status and back', async t => {
	const screen = await setup(t);
	await screen.press('g');
	t.regex(screen.frame(), /group process/);
	t.regex(screen.frame(), / PROCESS +REQ\/S/);
	t.regex(screen.frame(), /python3/);
	t.notRegex(screen.frame(), /\/api\/fast/);
	for (const grouping of ['container', 'host', 'peer', 'status']) {
		await screen.press('g');
		t.regex(screen.frame(), new RegExp(`group ${grouping}`));
	}

	t.regex(screen.frame(), /500/);
	await screen.press('g');
	t.regex(screen.frame(), /group endpoint/);
	t.regex(screen.frame(), /\/api\/fast/);
});

test('s and c show the server side, the client side, or both', async t => {
	const endpoints: EndpointTraffic[] = [
		...threeEndpoints,
		{method: 'GET', path: () => '/upstream/users', perSecond: 10, latencyMs: 20, role: 'client', comm: 'curl', pid: 900},
	];
	const screen = await setup(t, {exchanges: traffic(endpoints, startMs, startMs + recordedMs)});
	t.true(rowsOf(screen, '/upstream/users')[0]! > 0);
	await screen.press('s');
	t.regex(screen.frame(), /role server/);
	t.is(rowsOf(screen, '/upstream/users')[0], -1);
	t.true(rowsOf(screen, '/api/fast')[0]! > 0);
	await screen.press('c');
	t.regex(screen.frame(), /role client/);
	t.true(rowsOf(screen, '/upstream/users')[0]! > 0);
	t.is(rowsOf(screen, '/api/fast')[0], -1);
	await screen.press('c');
	t.regex(screen.frame(), /role both/);
	t.true(rowsOf(screen, '/api/fast')[0]! > 0);
	t.true(rowsOf(screen, '/upstream/users')[0]! > 0);
});

test('the table refreshes on the tick, not per exchange; p and space pause it while the aggregator keeps counting', async t => {
	const screen = await setup(t, {intervalMs: 40});
	const late = (path: string) => traffic([{method: 'GET', path: () => path, perSecond: 100, latencyMs: 3}], startMs + recordedMs, startMs + recordedMs + 1000);
	screen.clock.now += 1000;
	const frames = screen.instance.frames.length;
	screen.aggregator.add(late('/late/one'));
	t.is(screen.instance.frames.length, frames, 'adding exchanges alone draws nothing');
	await settle(120);
	t.true(rowsOf(screen, '/late/one')[0]! > 0, 'the next tick shows them');

	await screen.press('p');
	t.regex(screen.frame(), /PAUSED/);
	screen.aggregator.add(late('/late/two'));
	screen.clock.now += 1000;
	await settle(150);
	t.is(rowsOf(screen, '/late/two')[0], -1, 'paused: the table is frozen');
	await screen.press(' ');
	t.notRegex(screen.frame(), /PAUSED/);
	t.true(rowsOf(screen, '/late/two')[0]! > 0, 'resumed: what was captured meanwhile shows');
});

test('z resets the counters and keeps capturing', async t => {
	const screen = await setup(t, {intervalMs: 40});
	t.true(rowsOf(screen, '/api/fast')[0]! > 0);
	await screen.press('z');
	t.regex(screen.frame(), /counters reset/);
	t.is(rowsOf(screen, '/api/fast')[0], -1);
	t.regex(screen.frame(), /waiting for HTTP traffic|replay/);
	screen.aggregator.add([makeExchange({startMs: screen.clock.now - 10, path: '/after/reset'})]);
	await settle(120);
	t.true(rowsOf(screen, '/after/reset')[0]! > 0);
});

test('Enter opens the detail: histogram, status codes, raw paths, slow exchanges; Esc and Backspace go back', async t => {
	const screen = await setup(t, {columns: 120, rows: 40});
	await screen.press('j', 'j');
	await screen.press(keys.enter);
	const frame = screen.frame();
	t.regex(frame, /GET \/api\/slow/);
	t.regex(frame, /Latency/);
	t.regex(frame, /≤[\d.]+(µs|ms|s) +█+/);
	t.regex(frame, /Status codes/);
	t.regex(frame, /200 +\d+/);
	t.regex(frame, /Paths/);
	t.regex(frame, /\/api\/slow\/100\d/);
	t.regex(frame, /Slowest recent exchanges/);
	t.regex(frame, /[\d.]+ms +200 +GET \/api\/slow\/100\d +127\.0\.0\.1:\d+ +node\[4242]/);
	t.regex(frame, /Esc\/⌫ back/);
	await screen.press(keys.escape);
	t.regex(screen.frame(), /ROUTE +PROCESS/);
	t.true(selectedLine(screen).includes('/api/slow'), 'the selection is kept');
	await screen.press(keys.enter);
	t.regex(screen.frame(), /Latency/);
	await screen.press(keys.backspace);
	t.regex(screen.frame(), /ROUTE +PROCESS/);
});

test('in the detail, the arrows move to the neighbouring row and 500s show in the status codes', async t => {
	const screen = await setup(t, {columns: 90, rows: 40});
	await screen.press(keys.enter);
	t.regex(screen.frame(), /GET \/api\/fast/);
	await screen.press(keys.down);
	t.regex(screen.frame(), /POST \/api\/flaky/);
	t.regex(screen.frame(), /500 +\d+ +2[45][.\d]*%/);
	await screen.press('k');
	t.regex(screen.frame(), /GET \/api\/fast/);
});

test('query strings stay hidden in the detail unless --show-query', async t => {
	const withQuery = traffic([{method: 'GET', path: () => '/search', query: 'token=s3cret', perSecond: 5, latencyMs: 50}], startMs, startMs + recordedMs);
	const hidden = await setup(t, {exchanges: withQuery, rows: 40});
	await hidden.press(keys.enter);
	t.regex(hidden.frame(), /GET \/search/);
	t.notRegex(hidden.frame(), /s3cret/);
	const shown = await setup(t, {exchanges: withQuery, rows: 40, showQuery: true});
	await shown.press(keys.enter);
	t.regex(shown.frame(), /GET \/search\?token=s3cret/);
});

test('? shows every key binding; any key closes the help', async t => {
	const screen = await setup(t, {columns: 120, rows: 40});
	await screen.press('?');
	const frame = screen.frame();
	for (const section of keyBindings) {
		t.true(frame.includes(section.title), section.title);
		for (const binding of section.bindings) {
			t.true(frame.includes(binding.keys), binding.keys);
		}
	}

	await screen.press('x');
	t.regex(screen.frame(), /ROUTE +PROCESS/);
	t.is(screen.quits(), 0);
});

test('the help fits 80x24', async t => {
	const screen = await setup(t, {columns: 80, rows: 24});
	await screen.press('?');
	const frame = screen.frame();
	for (const binding of keyBindings.flatMap(section => section.bindings)) {
		t.true(frame.includes(binding.keys), binding.keys);
	}
});

for (const [name, sequence] of [['q', ['q']], ['Esc', [keys.escape]], ['Ctrl-C', [keys.ctrlC]]] as const) {
	test(`${name} quits from the table`, async t => {
		const screen = await setup(t);
		await screen.press(...sequence);
		t.is(screen.quits(), 1);
	});
}

test('Ctrl-C quits from the filter prompt, the detail and the help; q quits from the detail', async t => {
	for (const opening of ['/', keys.enter, '?']) {
		const screen = await setup(t);
		await screen.press(opening, keys.ctrlC);
		t.is(screen.quits(), 1, JSON.stringify(opening));
	}

	const screen = await setup(t);
	await screen.press(keys.enter, 'q');
	t.is(screen.quits(), 1);
});

test('capture health: drops stand out, counters come from the source', async t => {
	const screen = await setup(t, {intervalMs: 40});
	screen.source.setHealth({
		events: 5000,
		kernel: {records: 5000, ringbufDrops: 12, truncated: 900, readFaults: 1, conns: 4, skippedChunks: 0, notHttpConns: 0, argsFull: 3, filteredConns: 0, tlsConns: 0, tlsUnbound: 0, tlsNotHttp: 0},
		userspaceDrops: 2,
		http: {parseErrors: 7, unpaired: 5, truncated: 4},
		http2: null,
		tls: null,
	});
	screen.clock.now += 1000;
	await settle(120);
	t.regex(screen.frame(), /drops 17 /);
	t.regex(screen.frame(), /truncated 5 /);
	t.regex(screen.frame(), /parse errors 7 /);
	t.regex(screen.frame(), /unpaired 5/);
});

test('keys that arrive together in one read each count: jj moves two rows, a pasted filter with Enter applies', async t => {
	const screen = await setup(t);
	await screen.press('jj');
	t.true(selectedLine(screen).includes('/api/slow'));
	await screen.press('/', 'route~flaky\r');
	t.notRegex(screen.frame(), /^filter:/m);
	t.regex(screen.frame(), /filter route~flaky/);
	t.is(rowsOf(screen, '/api/fast')[0], -1);
});
