// `httptop --snapshot` as a user runs it, against a real server (Node's http)
// loaded by real clients (ab, curl): the report's per-endpoint counts must be
// exactly what the clients sent, on both sides of the wire, in every format.
// Needs BPF (root): skipped without it unless HTTPTOP_REQUIRE_BPF is set.
import {execFile} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import type {ExecutionContext} from 'ava';
import {parse} from 'csv-parse/sync';
import {normalizeRoute} from '../source/aggregate/index.js';
import type {Report} from '../source/report/index.js';
import {bpfSerialTest} from './helpers/bpf.js';
import {startCli} from './helpers/cli.js';
import {startChild} from './helpers/processes.js';
import {schemaErrors} from './helpers/json-schema.js';

const run = promisify(execFile);
const peers = fileURLToPath(new URL('peers/', import.meta.url));
const schema = (await import('../source/report/report.schema.json', {with: {type: 'json'}})).default;

async function nodeServer(t: ExecutionContext) {
	const server = startChild(process.execPath, [join(peers, 'http-server.mjs')]);
	t.teardown(() => server.kill());
	const port = Number(/port (\d+)/.exec(await server.waitForLine(/^port/))![1]);
	return {pid: server.pid, port};
}

type Load = {readonly method: 'GET' | 'POST'; readonly path: string; readonly count: number};

// Keep-alive and one connection per request, GET and POST with a body, 2xx and 4xx, a query string that must not show.
const load: readonly Load[] = [
	{method: 'GET', path: '/hello', count: 300},
	{method: 'GET', path: '/status/404', count: 120},
	{method: 'POST', path: '/echo', count: 80},
	{method: 'GET', path: '/users/17?token=secret', count: 12},
];

/** Sends `load` with ab and curl, checking each client did send every request. */
async function sendLoad(t: ExecutionContext, port: number): Promise<void> {
	const directory = mkdtempSync(join(tmpdir(), 'httptop-cli-'));
	t.teardown(() => rmSync(directory, {recursive: true, force: true}));
	const body = join(directory, 'body.json');
	writeFileSync(body, JSON.stringify({order: 42, items: ['a', 'b']}));
	const url = (path: string) => `http://127.0.0.1:${port}${path}`;
	for (const {method, path, count} of load) {
		if (path.includes('?')) {
			for (let index = 0; index < count; index++) {
				await run('curl', ['-sS', '-o', '/dev/null', url(path)]);
			}

			continue;
		}

		const keepAlive = path === '/hello' || method === 'POST' ? ['-k'] : [];
		const post = method === 'POST' ? ['-p', body, '-T', 'application/json'] : [];
		const {stdout} = await run('ab', ['-q', '-n', String(count), '-c', '4', ...keepAlive, ...post, url(path)]);
		t.regex(stdout, new RegExp(`Complete requests:\\s+${count}\\b`), `ab sent every ${method} ${path}`);
	}
}

const endpointOf = ({method, path}: Load): string => `${method} ${normalizeRoute(path.split('?')[0]!)}`;

const expectedCounts = (): Record<string, number> =>
	Object.fromEntries(load.map(item => [endpointOf(item), item.count]));

/** Starts httptop, waits for its status line, sends the load, then Ctrl-C: the report covers exactly the load. */
async function snapshotOfLoad(t: ExecutionContext, args: readonly string[], port: number) {
	const httptop = startCli(['--snapshot', '--duration', '2m', ...args]);
	await httptop.waitForStderr(/^httptop: tracing \d+ tracepoints · TLS: .* for 120 s/);
	await sendLoad(t, port);
	// The capture drains every 10 ms; give the last exchanges time to come through.
	await new Promise(resolve => setTimeout(resolve, 500));
	httptop.process.kill('SIGINT');
	const result = await httptop.result();
	t.is(result.code, 0, result.stderr);
	t.is(result.stderr.trim().split('\n').length, 1, 'one status line on stderr, nothing else');
	return result;
}

const countsBy = (rows: ReadonlyArray<{key: string; count: number}>): Record<string, number> => {
	const counts: Record<string, number> = {};
	for (const {key, count} of rows) {
		counts[key] = (counts[key] ?? 0) + count;
	}

	return counts;
};

bpfSerialTest('json: per-endpoint counts equal what was sent, server and client side alike', async t => {
	const server = await nodeServer(t);
	// --port matches both the server's local port and every client's remote port.
	const {stdout} = await snapshotOfLoad(t, ['--port', String(server.port), '--format', 'json'], server.port);
	const report = JSON.parse(stdout) as Report;
	t.deepEqual(schemaErrors(schema, report), []);
	for (const role of ['server', 'client'] as const) {
		const rows = report.endpoints.filter(endpoint => endpoint.role === role);
		t.deepEqual(countsBy(rows.map(endpoint => ({key: `${endpoint.method} ${endpoint.route}`, count: endpoint.count}))), expectedCounts(), role);
	}

	const hello = report.endpoints.find(endpoint => endpoint.role === 'server' && endpoint.route === '/hello')!;
	t.is(hello.process?.pid, server.pid);
	t.is(hello.status['2xx'], 300);
	const notFound = report.endpoints.find(endpoint => endpoint.role === 'server' && endpoint.route === normalizeRoute('/status/404'))!;
	t.is(notFound.status['4xx'], 120);
	t.is(notFound.errors, 0, 'a 404 is not a server error');
	t.true(report.durationMs > 0 && report.totals.ratePerSec > 0);
	t.is(report.capture.dropped, 0);
	t.false(stdout.includes('secret'), 'query strings stay hidden without --show-query');
});

bpfSerialTest('csv with --pid and --group-by process: the server process counts every request', async t => {
	const server = await nodeServer(t);
	const {stdout} = await snapshotOfLoad(t, ['--pid', String(server.pid), '--group-by', 'process', '--format', 'csv'], server.port);
	const records = parse(stdout, {columns: true}) as Array<Record<string, string>>;
	t.is(records.length, 1, 'the kernel traced only the server');
	t.is(records[0]!.pid, String(server.pid));
	t.is(records[0]!.role, 'server');
	t.is(Number(records[0]!.count), load.reduce((sum, item) => sum + item.count, 0));
});

bpfSerialTest('markdown with --comm ab --role client --filter: only ab\'s matching requests', async t => {
	const server = await nodeServer(t);
	const {stdout} = await snapshotOfLoad(t, ['--comm', 'ab', '--role', 'client', '--filter', 'method=GET', '--format', 'markdown'], server.port);
	const table = stdout.split('\n').filter(line => line.startsWith('|'));
	const header = table[0]!.slice(1, -1).split('|').map(cell => cell.trim());
	const cells = table.slice(2).map(line => line.slice(1, -1).split(/(?<!\\)\|/).map(cell => cell.trim()));
	const column = (name: string) => header.indexOf(name);
	t.true(cells.every(row => row[column('ROLE')] === 'client' && row[column('METHOD')] === 'GET'));
	t.deepEqual(
		countsBy(cells.map(row => ({key: `GET ${row[column('ROUTE')]!.replaceAll('\\', '')}`, count: Number(row[column('REQS')])}))),
		{'GET /hello': 300, [`GET ${normalizeRoute('/status/404')}`]: 120},
		'curl\'s requests and ab\'s POSTs are left out',
	);
});
