// Aggregator benchmarks: ingest rate on one core, RSS after a flood of
// 1,000,000 exchanges with unique raw paths (measured in a child process of its
// own, so nothing else in the process counts), and the per-tick work (every
// row's percentiles and rates, grouping, sorting) at 5,000 rows. The VM this
// runs on drifts by a third from one minute to the next: each ingest figure is
// the median of `runs` runs, with their range.
// Run alone: node --import=tsx bench/aggregate.ts
import {execFile} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import type {Exchange} from '../source/http/exchange.js';
import {createAggregator, parseFilter, type Aggregator, type ViewOptions} from '../source/aggregate/index.js';
import {seeded as random} from '../test/helpers/seeded.js';

const floodSize = 1_000_000;
const floodWarmUp = 100_000;
const runs = 5;
const batchSize = 1024;
const tickRows = 5000;
const t0 = Date.UTC(2025, 0, 1);

type Shape = {role: 'server' | 'client'; method: string; host: string; pid: number; comm: string; port: number; remote: string; conn: number};

const shapes: Shape[] = [
	{role: 'server', method: 'GET', host: 'shop.example', pid: 4101, comm: 'nginx', port: 80, remote: '10.0.0.7', conn: 1},
	{role: 'server', method: 'GET', host: 'shop.example', pid: 4102, comm: 'nginx', port: 80, remote: '10.0.0.8', conn: 2},
	{role: 'server', method: 'POST', host: 'api.example', pid: 5200, comm: 'node', port: 3000, remote: '10.0.0.9', conn: 3},
	{role: 'client', method: 'GET', host: 'api.example', pid: 6300, comm: 'python3', port: 3000, remote: '10.0.1.2', conn: 4},
];

type Endpoints = {readonly local: Exchange['local']; readonly remote: Exchange['remote']};

/**
 * The capture hands out one local and one remote endpoint object per
 * connection, which every exchange on it carries (see capture/decode.ts and
 * http/connection.ts); so does the bench. Only the connections of the
 * moment are kept, as the decoder forgets a connection on close.
 */
let connectionEndpoints = new Map<number, Endpoints>();

function endpointsOf(connId: number, shape: Shape, sequence: number, clients: number): Endpoints {
	let endpoints = connectionEndpoints.get(connId);
	if (endpoints === undefined) {
		endpoints = {
			local: {address: '10.0.0.1', port: shape.role === 'server' ? shape.port : 40_000},
			// A server's connection comes from one of `clients` addresses, a client's goes to its one server.
			remote: {
				address: shape.role === 'server' && clients > 1 ? `${shape.remote}${Math.floor(sequence / 100) % clients}` : shape.remote,
				port: shape.role === 'server' ? 50_000 : shape.port,
			},
		};
		if (connectionEndpoints.size >= 1024) {
			connectionEndpoints = new Map();
		}
		connectionEndpoints.set(connId, endpoints);
	}
	return endpoints;
}

/** Each workload starts with no connection known (they reuse connection ids). */
function forgetConnections(): void {
	connectionEndpoints = new Map();
}

/** Keep-alive connections: each shape opens a new one every 100 requests. */
function exchange(next: () => number, path: string, shape: Shape, atMs: number, sequence: number, clients = 1): Exchange {
	const latency = 0.02 + next() ** 3 * 200; // 20 µs to 200 ms, mostly fast
	const roll = next();
	const connId = shape.conn * 1_000_000 + Math.floor(sequence / 100);
	const {local, remote} = endpointsOf(connId, shape, sequence, clients);
	return {
		role: shape.role,
		pid: shape.pid,
		tid: shape.pid,
		comm: shape.comm,
		container: null,
		fd: 12,
		connId,
		local,
		remote,
		method: shape.method,
		path,
		query: null,
		host: shape.host,
		httpVersion: '1.1',
		tls: false,
		grpcStatus: null,
		status: roll < 0.9 ? 200 : (roll < 0.97 ? 404 : 503),
		requestBytes: 120 + Math.floor(next() * 400),
		responseBytes: 200 + Math.floor(next() * 4000),
		startMs: atMs - latency,
		firstByteMs: atMs - latency / 2,
		endMs: atMs,
	};
}

/** Raw paths that are all different: ids, hashes, slugs and names at several depths. */
function uniquePath(index: number, next: () => number): string {
	const word = Math.floor(next() * 1e9).toString(36);
	switch (index % 6) {
		case 0: {
			return `/users/${index}/orders`;
		}
		case 1: {
			return `/files/${(index * 2_654_435_761 >>> 0).toString(16).padStart(8, '0')}${word}`;
		}
		case 2: {
			return `/blog/${word}-post-${index}`;
		}
		case 3: {
			return `/search/${word}x${index}/page`;
		}
		case 4: {
			return `/u/${word}/repos/${word}${index}/tree/main`;
		}
		default: {
			return `/static/${word}${index}.js`;
		}
	}
}

const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'p99', descending: true}, filter: null, role: 'both'};

/** A full collection, now (the flag can be set at run time; gc is then found in a new context). */
function collectGarbage(): void {
	setFlagsFromString('--expose-gc');
	(runInNewContext('gc') as () => void)();
}

/** Feeds `size` exchanges with unique raw paths (the first numbered `from`) to the aggregator; the time add() took, in ms. */
function feedUniquePaths(aggregator: Aggregator, size: number, from: number, next: () => number): number {
	let ingestMs = 0;
	const batch: Exchange[] = [];
	for (let index = from; index < from + size; index += batchSize) {
		batch.length = 0;
		for (let i = index; i < Math.min(from + size, index + batchSize); i++) {
			batch.push(exchange(next, uniquePath(i, next), shapes[i % shapes.length]!, t0 + i / 50, i));
		}
		const start = performance.now();
		aggregator.add(batch);
		ingestMs += performance.now() - start;
	}
	return ingestMs;
}

/**
 * The flood, in this process: ingest rate over unique paths, then memory.
 * Meant for a fresh process. The code is warmed up first on other unique
 * paths, into an aggregator then thrown away, as the typical-traffic figure
 * warms up on its pool: a flood finds a running httptop's code compiled.
 */
async function flood(): Promise<Record<string, number>> {
	forgetConnections();
	feedUniquePaths(createAggregator(), floodWarmUp, floodSize, random(5));
	forgetConnections();
	const aggregator = createAggregator();
	const ingestMs = feedUniquePaths(aggregator, floodSize, 0, random(7));
	const snapshot = aggregator.snapshot(view, t0 + floodSize / 50);
	collectGarbage();
	await new Promise(resolve => setTimeout(resolve, 50));
	const memory = process.memoryUsage();
	return {
		floodIngestPerSec: floodSize / (ingestMs / 1000),
		rssMb: memory.rss / 1e6,
		heapUsedMb: memory.heapUsed / 1e6,
		rows: snapshot.totals.rows,
	};
}

/** Typical traffic: a fixed pool of exchanges over ~150 routes, ingested again and again; each server hears from `clients` addresses. */
function ingestRate(clients = 1): number {
	forgetConnections();
	const next = random(11);
	const pool: Exchange[] = [];
	for (let i = 0; i < 65_536; i++) {
		const resource = ['users', 'orders', 'items', 'carts', 'search'][i % 5]!;
		const path = `/api/v1/${resource}/${Math.floor(next() * 1e6)}${i % 3 === 0 ? '/history' : ''}`;
		pool.push(exchange(next, path, shapes[i % shapes.length]!, t0 + i / 20, i, clients));
	}
	const aggregator = createAggregator();
	const batches: Exchange[][] = [];
	for (let i = 0; i < pool.length; i += batchSize) {
		batches.push(pool.slice(i, i + batchSize));
	}
	aggregator.add(pool); // warm up: cells exist, code is optimized
	const rounds = Math.ceil(floodSize / pool.length);
	const start = performance.now();
	for (let round = 0; round < rounds; round++) {
		for (const batch of batches) {
			aggregator.add(batch);
		}
	}
	return (rounds * pool.length) / ((performance.now() - start) / 1000);
}

/**
 * The VM's speed of the moment: a fixed loop of what ingest is made of
 * (integer hashing, Map lookups, typed-array counts), in million steps/s,
 * run next to each ingest run. This machine's speed drifts by a third from
 * one minute to the next; this tells a slow run of the code from a run on
 * a slow minute.
 */
function referenceRate(): number {
	const steps = 4_000_000;
	const counts = new Map<number, number>();
	const buckets = new Uint32Array(4096);
	let hash = 0;
	const start = performance.now();
	for (let i = 0; i < steps; i++) {
		hash = (Math.imul(hash, 31) + i) | 0;
		const key = hash & 0xff_ff;
		counts.set(key, (counts.get(key) ?? 0) + 1);
		buckets[hash & 4095]!++;
	}
	const rate = steps / ((performance.now() - start) * 1000);
	return buckets[0]! >= 0 ? rate : Number.NaN; // read, so the loop is not dropped
}

const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Per-tick work at 5,000 rows: 25 routes x 200 hosts, ~100 exchanges each. */
function tickTimes(): Record<string, number> {
	forgetConnections();
	const next = random(13);
	const aggregator: Aggregator = createAggregator({maxRows: tickRows});
	const shape = shapes[0]!;
	const batch: Exchange[] = [];
	const feed = (atMs: number, perRow: number): void => {
		for (let round = 0; round < perRow; round++) {
			batch.length = 0;
			for (let row = 0; row < tickRows; row++) {
				const host = `h${row % 200}.example`;
				batch.push(exchange(next, `/api/r${Math.floor(row / 200)}`, {...shape, host}, atMs + round, row));
			}
			aggregator.add(batch);
		}
	};
	feed(t0, 100);
	const filter = parseFilter('status>=200 latency>1ms');
	if (!filter.ok) {
		throw new Error(filter.message);
	}
	const times = {
		cold: [] as number[], everyFigure: [] as number[], warm: [] as number[], process: [] as number[], filtered: [] as number[], detail: [] as number[],
		host: [] as number[], status: [] as number[], peer: [] as number[],
	};
	let rows = 0;
	for (let tick = 1; tick <= 15; tick++) {
		const now = t0 + tick * 1000;
		feed(now - 500, 1); // every row changed since the last tick: nothing cached
		let start = performance.now();
		const snapshot = aggregator.snapshot(view, now);
		rows = snapshot.rows.length;
		times.cold.push(performance.now() - start);
		// What the snapshot leaves to be worked out when read (all but the rows a screen shows): every row's quantiles and rates.
		let sink = 0;
		for (const row of snapshot.rows) {
			sink += row.latencyMs.p50 + row.latencyMs.p90 + row.ttfbMs.p99 + row.ratePerSec;
		}
		times.everyFigure.push(performance.now() - start);
		if (Number.isNaN(sink)) {
			throw new Error('a row figure is not a number');
		}
		start = performance.now();
		aggregator.snapshot(view, now + 1);
		times.warm.push(performance.now() - start);
		start = performance.now();
		const byProcess = aggregator.snapshot({...view, groupBy: 'process'}, now + 2);
		times.process.push(performance.now() - start);
		// The drill-down the live view redraws every tick while open: the one process, 20,000 cells.
		start = performance.now();
		if (aggregator.detail(byProcess.rows[0]!.key, {...view, groupBy: 'process'}, now + 2) === null) {
			throw new Error('no detail of the process row');
		}
		times.detail.push(performance.now() - start);
		start = performance.now();
		aggregator.snapshot({...view, filter: filter.filter}, now + 3);
		times.filtered.push(performance.now() - start);
		for (const groupBy of ['host', 'status', 'peer'] as const) {
			start = performance.now();
			aggregator.snapshot({...view, groupBy}, now + 4);
			times[groupBy].push(performance.now() - start);
		}
	}
	return {
		tickRows: rows,
		tickMs: median(times.cold.slice(5)),
		tickEveryFigureMs: median(times.everyFigure.slice(5)),
		tickUnchangedMs: median(times.warm.slice(5)),
		tickByProcessMs: median(times.process.slice(5)),
		tickFilteredMs: median(times.filtered.slice(5)),
		detailMs: median(times.detail.slice(5)),
		hostMs: median(times.host.slice(5)),
		statusMs: median(times.status.slice(5)),
		peerMs: median(times.peer.slice(5)),
	};
}

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/** The median of the values and their range, as the table shows them: `median (lowest-highest)`. */
function spread(values: number[], digits = 0): string {
	const text = (value: number): string => value.toFixed(digits);
	const sorted = [...values].sort((a, b) => a - b);
	return `${text(median(values))} (${text(sorted[0]!)}-${text(sorted.at(-1)!)})`;
}

export async function benchAggregate(): Promise<Record<string, number | string>> {
	const reference: number[] = [];
	const ingest: number[] = [];
	const ingestManyClients: number[] = [];
	const floods: Array<Record<string, number>> = [];
	for (let run = 0; run < runs; run++) {
		// Interleaved, so that a slow minute of the VM's falls on every figure alike.
		reference.push(referenceRate());
		ingest.push(ingestRate());
		ingestManyClients.push(ingestRate(7));
		const {stdout} = await promisify(execFile)(process.execPath, ['--import=tsx', fileURLToPath(import.meta.url), '--flood'], {
			maxBuffer: 1 << 20,
		});
		floods.push(JSON.parse(stdout) as Record<string, number>);
	}
	collectGarbage(); // the ingest runs' aggregators and pools: the ticks' process holds one aggregator, as httptop does
	const ticks = tickTimes();
	return {
		'reference loop, the VM\'s speed during the ingest runs (million steps/s)': spread(reference, 1),
		[`ingest, typical traffic (exchanges/s, one core; median of ${runs} runs, range)`]: spread(ingest),
		'ingest, typical traffic, each server endpoint called from 7 clients (exchanges/s)': spread(ingestManyClients),
		'ingest, 1,000,000 unique raw paths (exchanges/s)': spread(floods.map(flood => flood.floodIngestPerSec!)),
		'RSS after the 1,000,000-path flood (MB)': spread(floods.map(flood => flood.rssMb!), 1),
		'heap used after the flood (MB)': spread(floods.map(flood => flood.heapUsedMb!), 1),
		'rows after the flood': floods[0]!.rows!,
		'tick at 5,000 rows, every row changed (ms)': round(ticks.tickMs!, 2),
		'tick at 5,000 rows, every row changed, then every row\'s quantiles and rates read (ms)': round(ticks.tickEveryFigureMs!, 2),
		'tick at 5,000 rows, nothing changed (ms)': round(ticks.tickUnchangedMs!, 2),
		'tick at 5,000 rows grouped by process (ms)': round(ticks.tickByProcessMs!, 2),
		'tick at 5,000 rows with a filter (ms)': round(ticks.tickFilteredMs!, 2),
		'drill-down into the one process of the 5,000 rows (ms)': round(ticks.detailMs!, 2),
		'tick grouped by Host, 200 rows of 75 cells (ms)': round(ticks.hostMs!, 2),
		'tick grouped by status code, 3 rows of 5,000 cells (ms)': round(ticks.statusMs!, 2),
		'tick grouped by peer, 1 row of 15,000 cells (ms)': round(ticks.peerMs!, 2),
		'rows in the tick benchmark': ticks.tickRows!,
	};
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	if (process.argv.includes('--flood')) {
		console.log(JSON.stringify(await flood()));
	} else {
		for (const [name, value] of Object.entries(await benchAggregate())) {
			console.log(`${name}: ${value}`);
		}
	}
}
