// `httptop --demo`: the built-in server and client fill the report at once,
// every route of the demo shows up on both sides, and the two children are
// gone when httptop exits, whether its time ran out or it was interrupted.
// Needs BPF (root): skipped without it unless HTTPTOP_REQUIRE_BPF is set.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';
import type {Report} from '../source/report/index.js';
import {bpfSerialTest} from './helpers/bpf.js';
import {runCli, startCli} from './helpers/cli.js';

const demoRoutes = ['/api/users/:id', '/api/users', '/api/orders', '/health', '/static/app.js'];

const isAlive = (pid: number): boolean => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

function assertDemoReport(t: ExecutionContext, report: Report): number[] {
	t.true(report.totals.count > 100, `${report.totals.count} exchanges`);
	for (const role of ['server', 'client'] as const) {
		const routes = new Set(report.endpoints.filter(endpoint => endpoint.role === role).map(endpoint => endpoint.route));
		for (const route of demoRoutes) {
			t.true(routes.has(route), `${role} ${route}`);
		}
	}

	const comms = new Set(report.endpoints.map(endpoint => endpoint.process?.comm));
	t.deepEqual([...comms].sort(), ['demo-client', 'demo-server']);
	t.false(JSON.stringify(report).includes('demo-secret-token'), 'the client\'s query strings stay hidden');
	return [...new Set(report.endpoints.map(endpoint => endpoint.process!.pid))];
}

bpfSerialTest('--demo --snapshot fills every route on both sides, then its children are gone', async t => {
	const result = await runCli(['--demo', '--snapshot', '--duration', '2', '--format', 'json']);
	t.is(result.code, 0, result.stderr);
	t.regex(result.stderr, /^httptop: tracing \d+ tracepoints · TLS: .*\(demo server pid \d+ on 127\.0\.0\.1:\d+, client pid \d+\) for 2 s/);
	const pids = assertDemoReport(t, JSON.parse(result.stdout) as Report);
	t.is(pids.length, 2);
	t.deepEqual(pids.filter(pid => isAlive(pid)), [], 'the demo server and client exited with httptop');
});

bpfSerialTest('--demo children die when httptop is killed outright (SIGKILL)', async t => {
	const httptop = startCli(['--demo', '--snapshot', '--duration', '1m']);
	await httptop.waitForStderr(/demo server pid \d+/);
	const [, server, client] = /demo server pid (\d+) .* client pid (\d+)/.exec(httptop.stderr())!.map(Number);
	t.true(isAlive(server!) && isAlive(client!));
	httptop.process.kill('SIGKILL');
	await httptop.result();
	const deadline = Date.now() + 5000;
	while ((isAlive(server!) || isAlive(client!)) && Date.now() < deadline) {
		await new Promise(resolve => setTimeout(resolve, 50));
	}

	t.false(isAlive(server!), 'demo server gone');
	t.false(isAlive(client!), 'demo client gone');
});

bpfSerialTest('--record tees the demo into a file whose --replay report counts the same per endpoint', async t => {
	const directory = mkdtempSync(join(tmpdir(), 'httptop-record-'));
	t.teardown(() => rmSync(directory, {recursive: true, force: true}));
	const file = join(directory, 'demo.ndjson');
	const live = await runCli(['--demo', '--snapshot', '--duration', '2', '--record', file, '--format', 'json']);
	t.is(live.code, 0, live.stderr);
	t.regex(live.stderr, /recording to .*demo\.ndjson/);
	const replayed = await runCli(['--replay', file, '--snapshot', '--format', 'json']);
	t.is(replayed.code, 0, replayed.stderr);
	const counts = (report: Report) => Object.fromEntries(report.endpoints.map(endpoint => [`${endpoint.role} ${endpoint.method} ${endpoint.route}`, endpoint.count]));
	const liveReport = JSON.parse(live.stdout) as Report;
	t.true(liveReport.totals.count > 100);
	t.deepEqual(counts(JSON.parse(replayed.stdout) as Report), counts(liveReport));
	t.false(readFileSync(file, 'utf8').includes('demo-secret-token'), 'no query strings recorded without --show-query');
});

bpfSerialTest('--show-query keeps query strings: a recording made with it has them', async t => {
	const directory = mkdtempSync(join(tmpdir(), 'httptop-query-'));
	t.teardown(() => rmSync(directory, {recursive: true, force: true}));
	const file = join(directory, 'with-query.ndjson');
	const result = await runCli(['--demo', '--snapshot', '--duration', '1.5', '--show-query', '--record', file, '--format', 'json']);
	t.is(result.code, 0, result.stderr);
	const lines = readFileSync(file, 'utf8').trim().split('\n').map(line => JSON.parse(line) as {method: string; path: string; query?: string});
	const orders = lines.filter(line => line.method === 'GET' && line.path === '/api/orders');
	t.true(orders.length > 0);
	t.true(orders.every(line => /^page=\d&session=demo-secret-token$/.test(line.query ?? '')), 'every GET /api/orders carries its query');
});
