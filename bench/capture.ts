// Capture cost: requests/s of nginx and of a Node server under wrk, untraced,
// with the same tracepoints on programs that return at once (the floor any
// design pays), and fully traced by httptop's pipeline, side by side in one run.
import {fileURLToPath} from 'node:url';
import {createAggregator} from '../source/aggregate/index.js';
import type {ViewOptions} from '../source/aggregate/types.js';
import {startTracer, type ObjectVariant} from '../source/capture/tracer.js';
import type {Exchange} from '../source/http/exchange.js';
import {createLiveSource} from '../source/pipeline/live-source.js';
import {startNginx, startNodeServer, wrk, type Server} from './servers.js';

const seconds = Number(process.env['HTTPTOP_BENCH_SECONDS'] ?? 4);
const rounds = Number(process.env['HTTPTOP_BENCH_ROUNDS'] ?? 3);
export const median = (values: readonly number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const connections = 50;
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'rate', descending: true}, filter: null, role: 'both'};

export type Traced = {
	perSecond: number;
	wrkRequests: number;
	captured: number; // server-side exchanges of the server's pid
	kernelDrops: number;
	userspaceDrops: number;
	cpuMsPerExchange: number;
	cpuPercentOfCore: number;
};

/** The benchmarks' build of the BPF object (make builds it beside the product's), in one of its floor modes. */
export function floorVariant(mode: 'noop' | 'args' | 'discard'): ObjectVariant {
	const objectPath = fileURLToPath(new URL('../bpf/.output/httptop.bench.bpf.o', import.meta.url));
	const on = Buffer.from([1]);
	if (mode === 'noop') return {objectPath, globals: {noop: on}};
	return mode === 'args' ? {objectPath, globals: {args_only: on}} : {objectPath, decode: false};
}

const settle = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

/** The whole of httptop but the drawing: capture, HTTP, aggregation, one snapshot per second. */
export async function fullyTraced(server: Server, load: () => ReturnType<typeof wrk>): Promise<Traced> {
	const source = await createLiveSource({showQuery: false});
	const aggregator = createAggregator();
	let captured = 0;
	await source.start((batch: readonly Exchange[]) => {
		aggregator.add(batch);
		for (const exchange of batch) {
			if (exchange.pid === server.pid && exchange.role === 'server') {
				captured++;
			}
		}
	});
	const tick = setInterval(() => aggregator.snapshot(view, Date.now()), 1000);
	await settle(200);
	const cpuBefore = process.cpuUsage();
	const wallBefore = performance.now();
	const result = await load();
	await settle(300); // let the last records drain
	const cpu = process.cpuUsage(cpuBefore);
	const wallMs = performance.now() - wallBefore;
	clearInterval(tick);
	const health = source.health();
	await source.stop();
	const cpuMs = (cpu.user + cpu.system) / 1000;
	return {
		perSecond: result.perSecond,
		wrkRequests: result.requests,
		captured,
		kernelDrops: health.kernel?.ringbufDrops ?? 0,
		userspaceDrops: health.userspaceDrops,
		cpuMsPerExchange: captured > 0 ? cpuMs / captured : Number.NaN,
		cpuPercentOfCore: (100 * cpuMs) / wallMs,
	};
}

/**
 * (b) with noop: the tracepoints' own cost; (s) with args: each data syscall's arguments saved at
 * entry and taken at exit, nothing else; (k) with discard: the BPF programs and the addon, nothing decoded.
 */
export async function tracedOnly(load: () => ReturnType<typeof wrk>, mode: 'noop' | 'args' | 'discard', tls = true): Promise<number> {
	const tracer = startTracer({tls}, () => undefined, floorVariant(mode));
	await tracer.tlsSettled();
	try {
		return (await load()).perSecond;
	} finally {
		tracer.stop();
	}
}

export async function benchCapture(): Promise<Record<string, number | string>> {
	const figures: Record<string, number | string> = {};
	for (const start of [startNginx, startNodeServer]) {
		const server = await start();
		try {
			const saturate = async () => wrk(server.port, seconds, connections);
			await wrk(server.port, 1, connections); // warm-up
			// The five modes in turn, `rounds` times, and the median of each: one run of
			// a few seconds on a small VM is off by 10% or more either way.
			const runs = {untraced: [] as number[], floor: [] as number[], args: [] as number[], kernel: [] as number[], traced: [] as Traced[]};
			for (let round = 0; round < rounds; round++) {
				runs.untraced.push((await saturate()).perSecond);
				runs.floor.push(await tracedOnly(saturate, 'noop'));
				runs.args.push(await tracedOnly(saturate, 'args'));
				runs.kernel.push(await tracedOnly(saturate, 'discard'));
				runs.traced.push(await fullyTraced(server, saturate));
			}
			const untraced = median(runs.untraced);
			const floorRate = median(runs.floor);
			const argsRate = median(runs.args);
			const kernelRate = median(runs.kernel);
			const traced = [...runs.traced].sort((x, y) => x.perSecond - y.perSecond)[Math.floor(rounds / 2)]!;
			const name = server.name;
			figures[`${name} rounds (median of each)`] = rounds;
			figures[`${name} untraced req/s (a)`] = Math.round(untraced);
			figures[`${name} floor req/s (b)`] = Math.round(floorRate);
			figures[`${name} arguments saved at entry and taken at exit, nothing else: req/s (s)`] = Math.round(argsRate);
			figures[`${name} BPF programs + addon only, records discarded: req/s (k)`] = Math.round(kernelRate);
			figures[`${name} traced req/s (c)`] = Math.round(traced.perSecond);
			figures[`${name} b/a`] = round(floorRate / untraced, 3);
			figures[`${name} s/a`] = round(argsRate / untraced, 3);
			figures[`${name} k/a`] = round(kernelRate / untraced, 3);
			figures[`${name} c/a`] = round(traced.perSecond / untraced, 3);
			figures[`${name} saturated: wrk requests`] = traced.wrkRequests;
			figures[`${name} saturated: captured server exchanges`] = traced.captured;
			figures[`${name} saturated: kernel drops`] = traced.kernelDrops;
			figures[`${name} saturated: user-space drops`] = traced.userspaceDrops;
			figures[`${name} httptop CPU µs/exchange`] = round(traced.cpuMsPerExchange * 1000, 2);
			figures[`${name} httptop CPU % of a core (saturated)`] = round(traced.cpuPercentOfCore, 1);

			// About 10,000 requests/s, paced: 24 connections each waiting 2 ms between requests.
			const paced = await fullyTraced(server, async () => wrk(server.port, seconds, 24, 2));
			figures[`${name} paced: req/s`] = Math.round(paced.perSecond);
			figures[`${name} paced: wrk requests`] = paced.wrkRequests;
			figures[`${name} paced: captured server exchanges`] = paced.captured;
			figures[`${name} paced: captured %`] = round((100 * paced.captured) / paced.wrkRequests, 2);
			figures[`${name} paced: drops (kernel + user space)`] = paced.kernelDrops + paced.userspaceDrops;
			figures[`${name} paced: httptop CPU % of a core`] = round(paced.cpuPercentOfCore, 1);
		} finally {
			server.stop();
		}
	}

	return figures;
}

export const round = (value: number, digits: number): number => Number(value.toFixed(digits));
