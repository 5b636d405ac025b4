// HTTPS capture cost: nginx over TLS under wrk (both on libssl), untraced, with
// the tracepoint and uprobe floor (every program attached, returning at once),
// and fully traced, side by side in one run.
import {fullyTraced, median, round, tracedOnly, type Traced} from './capture.js';
import {startNginx, wrk} from './servers.js';

const seconds = Number(process.env['HTTPTOP_BENCH_SECONDS'] ?? 4);
const rounds = Number(process.env['HTTPTOP_BENCH_ROUNDS'] ?? 3);
const connections = 50;

export async function benchHttps(): Promise<Record<string, number | string>> {
	const figures: Record<string, number | string> = {};
	const server = await startNginx({tls: true});
	try {
		const saturate = async () => wrk(server.port, seconds, connections, undefined, 'https');
		await saturate(); // warm-up
		const runs = {untraced: [] as number[], tracepoints: [] as number[], floor: [] as number[], traced: [] as Traced[]};
		for (let round = 0; round < rounds; round++) {
			runs.untraced.push((await saturate()).perSecond);
			runs.tracepoints.push(await tracedOnly(saturate, 'noop', false));
			runs.floor.push(await tracedOnly(saturate, 'noop'));
			runs.traced.push(await fullyTraced(server, saturate));
		}

		const untraced = median(runs.untraced);
		const tracepoints = median(runs.tracepoints);
		const floor = median(runs.floor);
		const traced = [...runs.traced].sort((x, y) => x.perSecond - y.perSecond)[Math.floor(rounds / 2)]!;
		// Microseconds a request takes longer, nginx and wrk sharing the machine's two cores.
		const addedUs = (rate: number): number => 1e6 / rate - 1e6 / untraced;
		figures['rounds (median of each)'] = rounds;
		figures['nginx-tls untraced req/s (a)'] = Math.round(untraced);
		figures['nginx-tls tracepoint floor (--no-tls, programs return at once), req/s (t)'] = Math.round(tracepoints);
		figures['nginx-tls floor: tracepoints and uprobes on programs that return at once, req/s (b)'] = Math.round(floor);
		figures['nginx-tls traced req/s (c)'] = Math.round(traced.perSecond);
		figures['nginx-tls t/a'] = round(tracepoints / untraced, 3);
		figures['nginx-tls b/a'] = round(floor / untraced, 3);
		figures['nginx-tls c/a'] = round(traced.perSecond / untraced, 3);
		figures['µs added per request, tracepoint floor (1/t - 1/a)'] = round(addedUs(tracepoints), 2);
		figures['µs added per request, floor (1/b - 1/a)'] = round(addedUs(floor), 2);
		figures['µs per TLS call, uprobes alone ((1/b - 1/t) ÷ 5 calls a request)'] = round((1e6 / floor - 1e6 / tracepoints) / 5, 2);
		figures['µs added per request, traced (1/c - 1/a)'] = round(addedUs(traced.perSecond), 2);
		// Per request: nginx calls SSL_read twice (the request, then "want read") and SSL_write once;
		// wrk calls SSL_write once and SSL_read once or twice. About five TLS calls a request.
		figures['µs per TLS call, traced (÷ 5 calls a request)'] = round(addedUs(traced.perSecond) / 5, 2);
		figures['saturated: wrk requests'] = traced.wrkRequests;
		figures['saturated: captured server exchanges'] = traced.captured;
		figures['saturated: drops (kernel + user space)'] = traced.kernelDrops + traced.userspaceDrops;
		figures['httptop CPU µs/exchange'] = round(traced.cpuMsPerExchange * 1000, 2);
		figures['httptop CPU % of a core (saturated)'] = round(traced.cpuPercentOfCore, 1);
	} finally {
		server.stop();
	}

	return figures;
}
