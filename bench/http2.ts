// HTTP/2 capture cost: nghttpd (h2c) under h2load, ten streams at once on each
// of ten connections, untraced, with the tracepoint floor (programs that return
// at once), and fully traced, side by side in one run.
import {execFile} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startChild} from '../test/helpers/processes.js';
import {waitForPort} from '../test/helpers/tls-peers.js';
import {fullyTraced, median, round, tracedOnly, type Traced} from './capture.js';
import type {Server, WrkResult} from './servers.js';

const seconds = Number(process.env['HTTPTOP_BENCH_SECONDS'] ?? 4);
const rounds = Number(process.env['HTTPTOP_BENCH_ROUNDS'] ?? 3);

async function startNghttpd(): Promise<Server> {
	const directory = mkdtempSync(join(tmpdir(), 'httptop-bench-nghttpd-'));
	writeFileSync(join(directory, 'index.html'), 'httptop benchmark body, forty-seven bytes long\n');
	const port = 20_000 + Math.floor(Math.random() * 20_000);
	const child = startChild('nghttpd', ['--no-tls', '-d', directory, String(port)]);
	await waitForPort(port);
	return {
		name: 'nghttpd',
		pid: child.pid,
		port,
		stop() {
			child.kill();
			rmSync(directory, {recursive: true, force: true});
		},
	};
}

/** h2load for `seconds`: 10 connections, 10 streams at once on each. */
async function h2load(port: number): Promise<WrkResult> {
	const output = await new Promise<string>((resolve, reject) => {
		execFile('h2load', ['-c', '10', '-m', '10', '-D', String(seconds), `http://127.0.0.1:${port}/index.html`], (error, stdout) => {
			if (error) reject(error);
			else resolve(stdout);
		});
	});
	const perSecond = Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(output)?.[1]);
	const requests = Number(/requests: \d+ total, \d+ started, (\d+) done/.exec(output)?.[1]);
	if (!Number.isFinite(perSecond) || !Number.isFinite(requests)) throw new TypeError(`could not read h2load's output: ${output}`);
	return {requests, perSecond, non2xx: 0};
}

export async function benchHttp2(): Promise<Record<string, number | string>> {
	const figures: Record<string, number | string> = {};
	const server = await startNghttpd();
	try {
		const load = async () => h2load(server.port);
		await load(); // warm-up
		const runs = {untraced: [] as number[], floor: [] as number[], traced: [] as Traced[]};
		for (let round = 0; round < rounds; round++) {
			runs.untraced.push((await load()).perSecond);
			runs.floor.push(await tracedOnly(load, 'noop', false));
			runs.traced.push(await fullyTraced(server, load));
		}

		const untraced = median(runs.untraced);
		const floor = median(runs.floor);
		const traced = [...runs.traced].sort((x, y) => x.perSecond - y.perSecond)[Math.floor(rounds / 2)]!;
		figures['rounds (median of each)'] = rounds;
		figures['nghttpd untraced req/s (a)'] = Math.round(untraced);
		figures['nghttpd tracepoint floor req/s (b)'] = Math.round(floor);
		figures['nghttpd traced req/s (c)'] = Math.round(traced.perSecond);
		figures['nghttpd b/a'] = round(floor / untraced, 3);
		figures['nghttpd c/a'] = round(traced.perSecond / untraced, 3);
		figures['saturated: h2load requests'] = traced.wrkRequests;
		figures['saturated: captured server streams'] = traced.captured;
		figures['saturated: drops (kernel + user space)'] = traced.kernelDrops + traced.userspaceDrops;
		figures['httptop CPU µs/exchange'] = round(traced.cpuMsPerExchange * 1000, 2);
		figures['httptop CPU % of a core (saturated)'] = round(traced.cpuPercentOfCore, 1);
	} finally {
		server.stop();
	}

	return figures;
}
