// Aggregator benchmarks: ingest rate on one core, RSS after a flood of
// 1,000,000 exchanges with unique raw paths (measured in a child process of its
// own, so nothing else in the process counts), and the per-tick work (every
// row's percentiles and rates, grouping, sorting) at 5,000 rows. The VM this
// runs on drifts by a third from one minute to the next: each ingest figure is
// the median of `runs` runs, with their range.
// With AGGREGATE_BASELINE=<git revision>, the same figures of that revision's
// aggregator (extracted with git archive) run side by side in the same
// process, both ways round, with the ratio new/old.
// Run alone: node --import=tsx bench/aggregate.ts
import {execFile, execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import type {Exchange} from '../source/http/exchange.js';
import type {Aggregator, Row, ViewOptions} from '../source/aggregate/index.js';
import type * as AggregateModule from '../source/aggregate/index.js';
import {seeded as random} from '../test/helpers/seeded.js';

const floodSize = 1_000_000;
const floodWarmUp = 100_000;
const runs = 5;
const batchSize = 1024;
const tickRows = 5000;
const t0 = Date.UTC(2025, 0, 1);
/** Rows a screen shows, whose every figure a live tick reads. */
const shownRows = 60;

type Implementation = Pick<typeof AggregateModule, 'createAggregator' | 'parseFilter'>;
const thisTree = new URL('../source/aggregate/index.js', import.meta.url).href;
/** The aggregator measured: this tree's, or the one at the module URL given (a child process's second argument). */
let createAggregator: Implementation['createAggregator'];
let parseFilter: Implementation['parseFilter'];

async function use(moduleUrl: string): Promise<void> {
	({createAggregator, parseFilter} = await import(moduleUrl) as Implementation);
}

/** A revision's aggregator, extracted from git into a temporary folder: its module URL. */
function extracted(revision: string): string {
	const root = fileURLToPath(new URL('..', import.meta.url));
	const folder = mkdtempSync(join(root, 'bench', '.baseline-')); // inside the tree, so that its imports find node_modules
	const archive = execFileSync('git', ['-C', root, 'archive', revision, 'source/aggregate', 'source/http'], {maxBuffer: 1 << 28});
	execFileSync('tar', ['-x', '-C', folder], {input: archive});
	process.on('exit', () => {
		rmSync(folder, {recursive: true, force: true});
	});
	return pathToFileURL(join(folder, 'source/aggregate/index.js')).href;
}

/** Every figure a view can show of a row, read. */
function readAll(row: Row): number {
	return row.count + row.errorRate + row.ratePerSec + row.rate1s + row.rate60s + row.rateHistory.length + row.latencyMs.p50 + row.latencyMs.p90
		+ row.latencyMs.p99 + row.latencyMs.mean + row.ttfbMs.p50 + row.ttfbMs.p99 + row.bytesInPerSec + row.bytesOutPerSec + row.examplePaths.length
		+ row.status['2xx'] + (row.process?.pid ?? 0) + row.label.length;
}
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

/** Per-tick work at 5,000 rows: 25 routes x 200 hosts, ~100 exchanges each, three status codes: 15,000 cells. */
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
	const times: Record<string, number[]> = {};
	// CPU time, not wall time: on a shared machine the wall clock also counts other processes' turns.
	const time = (name: string, work: () => unknown): void => {
		const start = process.cpuUsage();
		work();
		const {user, system} = process.cpuUsage(start);
		(times[name] ??= []).push((user + system) / 1000);
	};
	let rows = 0;
	let sink = 0;
	for (let tick = 1; tick <= 15; tick++) {
		const now = t0 + tick * 1000;
		feed(now - 500, 1); // every row changed since the last tick
		// A live tick: every row's sort key, every figure of the rows on screen.
		time('tickMs', () => {
			const snapshot = aggregator.snapshot(view, now);
			rows = snapshot.rows.length;
			for (const row of snapshot.rows.slice(0, shownRows)) {
				sink += readAll(row);
			}
		});
		// What --snapshot pays: every figure of every row.
		time('tickEveryFigureMs', () => {
			for (const row of aggregator.snapshot(view, now + 1).rows) {
				sink += readAll(row);
			}
		});
		let processKey = '';
		time('tickByProcessMs', () => {
			processKey = aggregator.snapshot({...view, groupBy: 'process'}, now + 2).rows[0]!.key;
		});
		// The drill-down the live view redraws every tick while open: the one process, 15,000 cells.
		time('detailMs', () => aggregator.detail(processKey, {...view, groupBy: 'process'}, now + 2));
		time('tickFilteredMs', () => aggregator.snapshot({...view, filter: filter.filter}, now + 3));
		for (const groupBy of ['host', 'status', 'peer'] as const) {
			time(`${groupBy}Ms`, () => {
				for (const row of aggregator.snapshot({...view, groupBy}, now + 4).rows.slice(0, shownRows)) {
					sink += readAll(row);
				}
			});
		}
	}
	if (Number.isNaN(sink)) {
		throw new Error('a row figure is not a number');
	}
	return {tickRows: rows, ...Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values.slice(5))]))};
}

/** The median of the values and their range, as the table shows them: `median (lowest-highest)`. */
function spread(values: number[], digits = 0): string {
	const text = (value: number): string => value.toFixed(digits);
	const sorted = [...values].sort((a, b) => a - b);
	return `${text(median(values))} (${text(sorted[0]!)}-${text(sorted.at(-1)!)})`;
}

type Figures = {ingest: number[]; ingestManyClients: number[]; floods: Array<Record<string, number>>; ticks: Array<Record<string, number>>};

/** One run of every ingest figure and a flood of one implementation. */
async function ingestRun(moduleUrl: string, figures: Figures): Promise<void> {
	await use(moduleUrl);
	figures.ingest.push(ingestRate());
	figures.ingestManyClients.push(ingestRate(7));
	const {stdout} = await promisify(execFile)(process.execPath, ['--import=tsx', fileURLToPath(import.meta.url), '--flood', moduleUrl], {maxBuffer: 1 << 20});
	figures.floods.push(JSON.parse(stdout) as Record<string, number>);
}

const tickFigures: Record<string, string> = {
	tickMs: `live tick at 5,000 rows: every row's sort key (p99), every figure of ${shownRows} rows (ms)`,
	tickEveryFigureMs: 'every figure of all 5,000 rows (what --snapshot pays) (ms)',
	tickByProcessMs: 'tick at 5,000 rows grouped by process (ms)',
	tickFilteredMs: 'tick at 5,000 rows with a filter (ms)',
	detailMs: 'drill-down into the one process of the 5,000 rows (ms)',
	hostMs: 'tick grouped by Host, 200 rows of 75 cells (ms)',
	statusMs: 'tick grouped by status code, 3 rows of 5,000 cells (ms)',
	peerMs: 'tick grouped by peer, 1 row of 15,000 cells (ms)',
};

/** The figures of each implementation; with two, side by side with new/old. */
function table(all: Figures[]): Record<string, string> {
	const rows: Record<string, string> = {};
	const put = (name: string, values: Array<number | string>, ratio: number[] | null): void => {
		rows[name] = values.join(' | ') + (ratio === null ? '' : ` | ${(ratio[1]! / ratio[0]!).toFixed(2)}`);
	};
	const both = all.length === 2;
	const medians = (pick: (figures: Figures) => number[]): number[] => all.map(figures => median([...pick(figures)]));
	const line = (name: string, pick: (figures: Figures) => number[], digits = 0): void => {
		put(name, all.map(figures => spread(pick(figures), digits)), both ? medians(pick) : null);
	};
	line(`ingest, typical traffic (exchanges/s, one core; median of ${runs} runs, range)`, figures => figures.ingest);
	line('ingest, typical traffic, each server endpoint called from 7 clients (exchanges/s)', figures => figures.ingestManyClients);
	line('ingest, 1,000,000 unique raw paths (exchanges/s)', figures => figures.floods.map(flood => flood.floodIngestPerSec!));
	line('RSS after the 1,000,000-path flood (MB)', figures => figures.floods.map(flood => flood.rssMb!), 1);
	line('heap used after the flood (MB)', figures => figures.floods.map(flood => flood.heapUsedMb!), 1);
	put('rows after the flood', all.map(figures => figures.floods[0]!.rows!), null);
	for (const [key, name] of Object.entries(tickFigures)) {
		line(name, figures => figures.ticks.map(tick => tick[key]!), 2);
	}
	put('rows in the tick benchmark', all.map(figures => figures.ticks[0]!.tickRows!), null);
	return rows;
}

export async function benchAggregate(): Promise<Record<string, number | string>> {
	const baseline = process.env['AGGREGATE_BASELINE'];
	const modules = baseline === undefined ? [thisTree] : [extracted(baseline), thisTree];
	const all: Figures[] = modules.map(() => ({ingest: [], ingestManyClients: [], floods: [], ticks: []}));
	const reference: number[] = [];
	// AGGREGATE_TICKS_ONLY=1: the tick figures alone (a quick look while working).
	for (let run = 0; run < (process.env['AGGREGATE_TICKS_ONLY'] === undefined ? runs : 0); run++) {
		// Interleaved, and every other run the other way round, so that a slow minute of the VM's falls on every figure alike.
		reference.push(referenceRate());
		for (const index of run % 2 === 0 ? modules.keys() : [...modules.keys()].reverse()) {
			await ingestRun(modules[index]!, all[index]!);
		}
	}
	collectGarbage();
	for (const index of [...modules.keys(), ...[...modules.keys()].reverse()]) {
		await use(modules[index]!);
		all[index]!.ticks.push(tickTimes());
		collectGarbage(); // the process holds one aggregator at a time, as httptop does
	}
	if (all[0]!.ingest.length === 0) {
		return Object.fromEntries(Object.entries(tickFigures).map(([key, name]) => [name, all.map(figures => figures.ticks.map(tick => tick[key]!.toFixed(1)).join(' ')).join(' | ')]));
	}
	const header = baseline === undefined ? 'this tree' : `${baseline} | this tree | new/old`;
	return {
		'aggregator measured': header,
		'reference loop, the VM\'s speed during the ingest runs (million steps/s)': spread(reference, 1),
		...table(all),
	};
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	if (process.argv.includes('--flood')) {
		await use(process.argv[process.argv.indexOf('--flood') + 1] ?? thisTree);
		console.log(JSON.stringify(await flood()));
	} else {
		for (const [name, value] of Object.entries(await benchAggregate())) {
			console.log(`${name}: ${value}`);
		}
	}
}
