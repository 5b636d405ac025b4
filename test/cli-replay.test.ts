// The built CLI over a recording (--replay FILE --snapshot), no privileges
// needed: every format parsed back and checked against the same known traffic,
// every selection and presentation flag, colour rules (NO_COLOR, --no-color,
// FORCE_COLOR), hostile captured strings, and a recording with bad lines.
// The recording is written by the real recorder (source/record).
import {appendFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {parse} from 'csv-parse/sync';
import type {Exchange} from '../source/http/exchange.js';
import {createRecorder} from '../source/record/index.js';
import type {Report, ReportEndpoint} from '../source/report/index.js';
import {cliEnv, cliPath, runCli} from './helpers/cli.js';
import {schemaErrors} from './helpers/json-schema.js';
import {hasTmux, startTmux} from './helpers/tmux.js';

const schema = JSON.parse(readFileSync(new URL('../source/report/report.schema.json', import.meta.url), 'utf8'));
const tmuxTest = (await hasTmux()) ? test.serial : test.serial.skip;
const directory = mkdtempSync(join(tmpdir(), 'httptop-cli-replay-'));
test.after.always(() => {
	rmSync(directory, {recursive: true, force: true});
});

const firstStartMs = Date.parse('2025-01-01T00:00:00.000Z');
const spacingMs = 100;
const hostilePath = '/x|y\u001B]0;pwned\u0007\u009B2J\u202Eevil';
const hostileComm = 'ev\u001B[31mil';

type Traffic = {
	readonly count: number;
	readonly fields: (index: number) => Partial<Exchange> & Pick<Exchange, 'method' | 'path' | 'status'>;
	readonly latencyMs: (index: number) => number;
};

const api = {role: 'server', pid: 100, comm: 'api', container: 'web-1', local: {address: '10.0.0.1', port: 8080}, host: 'api.internal'} as const;
const worker = {role: 'client', pid: 200, comm: 'worker', container: null, local: {address: '10.0.0.2', port: 40_000}, remote: {address: '93.184.216.34', port: 80}, host: 'example.com'} as const;
const evil = {role: 'server', pid: 300, comm: hostileComm, container: null, local: {address: '10.0.0.3', port: 9090}, host: null} as const;

// The known traffic; every expectation below is derived from it.
const traffic: readonly Traffic[] = [
	{count: 60, fields: index => ({...api, method: 'GET', path: `/api/users/${index + 1}`, status: index % 6 === 0 ? 404 : 200}), latencyMs: index => 10 + (index % 10)},
	{count: 20, fields: index => ({...api, method: 'POST', path: '/api/orders', status: index % 4 === 0 ? 500 : 201}), latencyMs: () => 50},
	{count: 30, fields: index => ({...api, method: 'GET', path: '/health', query: index % 2 === 0 ? 'token=secret-value' : null, status: 200}), latencyMs: () => 1},
	{count: 25, fields: () => ({...worker, method: 'GET', path: '/v1/items', status: 200}), latencyMs: () => 100},
	{count: 3, fields: () => ({...evil, method: 'GET', path: hostilePath, status: 200}), latencyMs: () => 5},
];

function exchanges(): Exchange[] {
	const all: Exchange[] = [];
	for (const {count, fields, latencyMs} of traffic) {
		for (let index = 0; index < count; index++) {
			const startMs = firstStartMs + (all.length * spacingMs);
			all.push({
				tid: 1,
				fd: 7,
				connId: all.length,
				remote: {address: '10.0.0.9', port: 50_000 + index},
				query: null,
				httpVersion: '1.1',
				requestBytes: 120,
				responseBytes: 480,
				startMs,
				firstByteMs: startMs + (latencyMs(index) / 2),
				endMs: startMs + latencyMs(index),
				...fields(index),
			} as Exchange);
		}
	}

	return all;
}

const recorded = exchanges();
const recording = join(directory, 'capture.ndjson');
const lastEndMs = Math.max(...recorded.map(exchange => exchange.endMs));

test.before(async () => {
	const recorder = createRecorder(recording);
	recorder.write(recorded.slice(0, 50));
	recorder.write(recorded.slice(50));
	await recorder.close();
});

const snapshot = async (args: string[], env = cliEnv()) => {
	const result = await runCli(['--replay', recording, '--snapshot', ...args], env);
	if (result.code !== 0) {
		throw new Error(`httptop ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
	}

	return result;
};

const json = async (args: string[] = []): Promise<Report> => JSON.parse((await snapshot([...args, '--format', 'json'])).stdout) as Report;
const countOf = (report: Report, method: string, route: string): number | undefined =>
	report.endpoints.find(endpoint => endpoint.method === method && endpoint.route === route)?.count;

// Raw control characters other than the newline, and the bidi override.
const unsafe = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202E]/;

test.serial('json: the schema, exact counts and status classes per endpoint, the recording\'s own period', async t => {
	const report = await json();
	t.deepEqual(schemaErrors(schema, report), []);
	t.is(report.startedAt, new Date(firstStartMs).toISOString());
	t.is(report.durationMs, lastEndMs - firstStartMs);
	t.is(report.totals.count, recorded.length);
	t.is(countOf(report, 'GET', '/api/users/:id'), 60);
	t.is(countOf(report, 'POST', '/api/orders'), 20);
	t.is(countOf(report, 'GET', '/health'), 30);
	t.is(countOf(report, 'GET', '/v1/items'), 25);
	const users = report.endpoints.find(endpoint => endpoint.route === '/api/users/:id')!;
	t.deepEqual(users.status, {'1xx': 0, '2xx': 50, '3xx': 0, '4xx': 10, '5xx': 0});
	t.deepEqual(users.process, {pid: 100, comm: 'api'});
	t.is(users.container, 'web-1');
	t.is(users.role, 'server');
	t.is(users.ratePerSec, Math.round(60 / (report.durationMs / 1000) * 1000) / 1000);
	// 10 + index % 10 ms over both status codes: the row merges its 200 and 404 cells.
	t.true(Math.abs(users.latencyMs.max - 19) <= 19 * 0.02, `max ${users.latencyMs.max}, expected 19`);
	t.is(users.latencyMs.mean, 14.5);
	const orders = report.endpoints.find(endpoint => endpoint.route === '/api/orders')!;
	t.is(orders.errors, 5);
	t.is(orders.status['5xx'], 5);
	t.is(report.endpoints.find(endpoint => endpoint.route === '/v1/items')!.role, 'client');
	t.deepEqual(report.endpoints.map(endpoint => endpoint.count), [60, 30, 25, 20, 3], 'sorted by count, largest first');
});

test.serial('json keeps hostile strings exact but escaped; no query string appears', async t => {
	const {stdout} = await snapshot(['--format', 'json']);
	t.false(unsafe.test(stdout));
	t.false(stdout.includes('secret-value'));
	const evilRow = (JSON.parse(stdout) as Report).endpoints.find(endpoint => endpoint.process?.pid === 300)!;
	t.is(evilRow.process!.comm, hostileComm);
	t.true(evilRow.examplePaths.every(path => path === hostilePath));
});

test.serial('csv parsed by csv-parse matches the json row for row', async t => {
	const report = await json();
	const {stdout} = await snapshot(['--format', 'csv']);
	t.false(unsafe.test(stdout));
	const records = parse(stdout, {columns: true}) as Array<Record<string, string>>;
	t.is(records.length, report.endpoints.length);
	for (const [index, endpoint] of report.endpoints.entries()) {
		const record = records[index]!;
		t.is(record.method, endpoint.method ?? '');
		t.is(Number(record.count), endpoint.count);
		t.is(Number(record.rate_per_sec), endpoint.ratePerSec);
		t.is(Number(record.status_4xx), endpoint.status['4xx']);
		t.is(Number(record.latency_p99_ms), endpoint.latencyMs.p99);
		t.is(Number(record.bytes_out), endpoint.bytesOut);
		t.is(record.pid, String(endpoint.process?.pid ?? ''));
	}

	const evilRecord = records.find(record => record.pid === '300')!;
	t.is(evilRecord.comm, 'ev\\x1b[31mil', 'control characters shown escaped');
});

test.serial('markdown: a table with the header\'s cell count on every line, | escaped', async t => {
	const {stdout} = await snapshot(['--format', 'markdown']);
	t.false(unsafe.test(stdout));
	const lines = stdout.split('\n').filter(line => line.startsWith('|'));
	const cells = (line: string) => line.slice(1, -1).split(/(?<!\\)\|/);
	t.is(lines.length, 2 + 5);
	t.true(lines.every(line => cells(line).length === cells(lines[0]!).length));
	// The route stops at the `;` (normalised), escaped for the terminal, then for Markdown.
	t.true(lines.some(line => line.includes('| GET | /x\\|y\\\\x1b\\]0 | server | ev\\\\x1b\\[31mil\\[300\\] |')));
});

test.serial('table (the default): a header line and one line per row, plain in a pipe; colour only when asked and allowed', async t => {
	const plain = await snapshot([]);
	t.false(unsafe.test(plain.stdout), 'a pipe gets no escape sequences');
	t.regex(plain.stdout, /\n\n METHOD +ROUTE +ROLE +PROCESS/);
	t.regex(plain.stdout, /^ GET +\/api\/users\/:id +server +api\[100\] /m);
	t.regex(plain.stderr, /^httptop: .*replay.*\n$/, 'one status line on stderr');

	const forced = await snapshot([], cliEnv({FORCE_COLOR: '1'}));
	t.true(forced.stdout.includes('\u001B['), 'FORCE_COLOR colours the header even in a pipe');
	t.false((await snapshot([], cliEnv({FORCE_COLOR: '1', NO_COLOR: '1'}))).stdout.includes('\u001B'), 'NO_COLOR wins');
	t.false((await snapshot(['--no-color'], cliEnv({FORCE_COLOR: '1'}))).stdout.includes('\u001B'), '--no-color wins');
	t.false((await snapshot(['-C'], cliEnv({FORCE_COLOR: '1'}))).stdout.includes('\u001B'), '-C wins');
});

test.serial('--top cuts every format; without it json and csv carry every row', async t => {
	const top = await json(['--top', '2']);
	t.is(top.endpoints.length, 2);
	t.is(top.totals.rows, 5);
	t.is(top.totals.count, recorded.length, 'totals are before --top');
	const csv = parse((await snapshot(['--format', 'csv', '--top', '2'])).stdout, {columns: true}) as unknown[];
	t.is(csv.length, 2);
	t.is((await json()).endpoints.length, 5);
	t.regex((await snapshot(['--top', '2'])).stdout, /showing 2 of 5 rows/);
});

test.serial('--sort, --reverse and --group-by', async t => {
	const byP99 = (await json(['--sort', 'p99'])).endpoints.map(endpoint => endpoint.route);
	t.deepEqual(byP99.slice(0, 2), ['/v1/items', '/api/orders']);
	const ascending = (await json(['-s', 'p99', '--reverse'])).endpoints.map(endpoint => endpoint.route);
	t.deepEqual(ascending, [...byP99].reverse());
	const byKey = (await json(['--sort', 'key'])).endpoints.map(endpoint => endpoint.label);
	t.deepEqual(byKey, [...byKey].sort());
	const byProcess = await json(['--group-by', 'process']);
	t.is(byProcess.groupBy, 'process');
	t.deepEqual(byProcess.endpoints.map(endpoint => [endpoint.process?.pid, endpoint.count]), [[100, 110], [200, 25], [300, 3]]);
	t.true(byProcess.endpoints.every(endpoint => endpoint.method === null && endpoint.route === null));
	const byStatus = await json(['--group-by', 'status']);
	t.is(byStatus.endpoints.reduce((sum, endpoint) => sum + endpoint.count, 0), recorded.length);
});

test.serial('selection: --role, --filter, --container, and --pid/--comm/--port applied to a recording', async t => {
	const routes = (report: Report): string[] => report.endpoints.map(endpoint => `${endpoint.method} ${endpoint.route}`).sort();
	const counts = (report: Report): number[] => report.endpoints.map(endpoint => endpoint.count);
	t.deepEqual(routes(await json(['--role', 'client'])), ['GET /v1/items']);
	t.is((await json(['--role', 'server'])).totals.count, recorded.length - 25);
	const errors = await json(['--filter', 'status>=500']);
	t.deepEqual(routes(errors), ['POST /api/orders']);
	t.deepEqual(counts(errors), [5]);
	t.deepEqual(routes(await json(['--container', 'web-1'])), ['GET /api/users/:id', 'GET /health', 'POST /api/orders']);
	t.deepEqual(routes(await json(['--pid', '200'])), ['GET /v1/items']);
	t.deepEqual(routes(await json(['--comm', 'worker', '--comm', 'api', '--filter', 'method=POST'])), ['POST /api/orders']);
	t.deepEqual(routes(await json(['--port', '80'])), ['GET /v1/items'], 'a client\'s remote port');
	t.deepEqual(routes(await json(['--port', '9090', '-p', '300'])).length, 1);
	t.is((await json(['--container', 'web-1', '--pid', '200'])).endpoints.length, 0, 'different flags combine as AND');
});

test.serial('--show-query and --interval are accepted in a report; --duration does not cut a replay short', async t => {
	const report = await json(['--show-query', '-d', '2', '--duration', '0.1']);
	t.is(report.totals.count, recorded.length);
	t.is(report.durationMs, lastEndMs - firstStartMs);
});

test.serial('a recording with bad lines: they are skipped with one warning, the rest is reported', async t => {
	const damaged = join(directory, 'damaged.ndjson');
	appendFileSync(damaged, readFileSync(recording, 'utf8'));
	appendFileSync(damaged, '{"not": "an exchange"}\nthis is not json\n');
	const result = await runCli(['--replay', damaged, '--snapshot', '--format', 'json']);
	t.is(result.code, 0, result.stderr);
	t.is((JSON.parse(result.stdout) as Report).totals.count, recorded.length);
	t.regex(result.stderr, /^httptop: skipped 2 unreadable lines of the recording \(line \d+: .+\)$/m);
});

test.serial('an empty recording gives an empty report, exit 0', async t => {
	const empty = join(directory, 'empty.ndjson');
	appendFileSync(empty, '');
	const result = await runCli(['--replay', empty, '--snapshot', '--format', 'json']);
	t.is(result.code, 0, result.stderr);
	const report = JSON.parse(result.stdout) as Report;
	t.deepEqual(report.endpoints, [] as ReportEndpoint[]);
	t.deepEqual(schemaErrors(schema, report), []);
	const table = await runCli(['--replay', empty, '--snapshot']);
	t.regex(table.stdout, /no HTTP exchanges matched/);
});

tmuxTest('the live view over a recording: it plays back in real time, q quits with 0', async t => {
	const session = await startTmux({columns: 160, rows: 30, env: {HTTPTOP_CLI: cliPath, RECORDING: recording}});
	t.teardown(async () => session.kill());
	await session.type('node "$HTTPTOP_CLI" --replay "$RECORDING" -d 0.2 --sort key; echo "exit=$?"');
	await session.sendKeys('Enter');
	const early = await session.waitFor(screen => screen.includes('/api/users/:id'), 'the first replayed rows');
	t.false(early.includes('/v1/items'), 'the client traffic, 8 s into the recording, has not been played yet');
	await session.sendKeys('q');
	await session.waitFor(screen => /exit=0/.test(screen), 'exit 0 after q');
});

test.serial('a table shows 100 rows unless --top says more, and says so; csv still carries every row', async t => {
	const many = join(directory, 'many-processes.ndjson');
	const recorder = createRecorder(many);
	recorder.write(recorded.map((exchange, index) => ({...exchange, pid: 1000 + index}))); // 138 processes
	await recorder.close();
	const table = await runCli(['--replay', many, '--snapshot', '--group-by', 'process']);
	t.is(table.code, 0, table.stderr);
	t.regex(table.stdout, /showing 100 of 138 rows\n\(a table shows 100 rows unless --top says more; --format csv or json carries every row\)/);
	const tableLines = (stdout: string): number => stdout.split('\n\n')[1]!.trimEnd().split('\n').length;
	t.is(tableLines(table.stdout), 1 + 100);
	const wide = await runCli(['--replay', many, '--snapshot', '--group-by', 'process', '--top', '120']);
	t.is(tableLines(wide.stdout), 1 + 120);
	t.false(wide.stdout.includes('unless --top'));
	const csv = await runCli(['--replay', many, '--snapshot', '--group-by', 'process', '--format', 'csv']);
	t.is((parse(csv.stdout, {columns: true}) as unknown[]).length, 138);
});
