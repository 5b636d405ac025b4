// Recorded-style exchanges for the live view's tests and benchmark: what a
// few real endpoints produce over some seconds, deterministic (seeded) so a
// test knows which row is busiest, slowest or failing.

import type {Exchange} from '../../source/http/exchange.js';
import type {ExchangeSource, SourceHealth, SourceState} from '../../source/pipeline/exchange-source.js';

export type EndpointTraffic = {
	readonly method: string;
	readonly path: (index: number) => string; // the raw path of the index-th request
	readonly perSecond: number;
	readonly latencyMs: number; // typical total time; spread ±50%
	readonly errorEvery?: number; // every n-th response is a 500
	readonly comm?: string;
	readonly pid?: number;
	readonly role?: Exchange['role'];
	readonly host?: string | null;
	readonly query?: string | null;
	readonly container?: string | null;
	readonly port?: number;
};

/** A small linear congruential generator: the same traffic on every run. */
function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
		return state / 2 ** 32;
	};
}

let connections = 0;

/** One exchange, filled with plausible values for what is not given. */
export function makeExchange(fields: Partial<Exchange> & {readonly startMs: number}): Exchange {
	const startMs = fields.startMs;
	return {
		role: 'server',
		pid: 4242,
		tid: 4242,
		comm: 'node',
		container: null,
		fd: 12,
		connId: ++connections,
		local: {address: '127.0.0.1', port: 8080},
		remote: {address: '127.0.0.1', port: 40_000 + (connections % 20_000)},
		method: 'GET',
		path: '/',
		query: null,
		host: 'localhost:8080',
		httpVersion: '1.1',
		tls: false,
		grpcStatus: null,
		status: 200,
		requestBytes: 120,
		responseBytes: 900,
		firstByteMs: startMs + 1,
		endMs: startMs + 2,
		...fields,
	};
}

/** The exchanges `endpoints` produce between `fromMs` and `toMs`, in end-time order. */
export function traffic(endpoints: readonly EndpointTraffic[], fromMs: number, toMs: number, seed = 1): Exchange[] {
	const random = seeded(seed);
	const exchanges: Exchange[] = [];
	for (const endpoint of endpoints) {
		const count = Math.round(((toMs - fromMs) / 1000) * endpoint.perSecond);
		for (let index = 0; index < count; index++) {
			const startMs = fromMs + ((index + random()) / count) * (toMs - fromMs);
			const latency = endpoint.latencyMs * (0.5 + random());
			const failed = endpoint.errorEvery !== undefined && index % endpoint.errorEvery === 0;
			exchanges.push(makeExchange({
				role: endpoint.role ?? 'server',
				pid: endpoint.pid ?? 4242,
				tid: endpoint.pid ?? 4242,
				comm: endpoint.comm ?? 'node',
				container: endpoint.container ?? null,
				// A server listens on the port; a client's own port is the ephemeral one.
				...(endpoint.role === 'client'
					? {local: {address: '127.0.0.1', port: 40_000 + (index % 20_000)}, remote: {address: '127.0.0.1', port: endpoint.port ?? 8080}}
					: {local: {address: '127.0.0.1', port: endpoint.port ?? 8080}}),
				method: endpoint.method,
				path: endpoint.path(index),
				query: endpoint.query ?? null,
				host: endpoint.host === undefined ? 'localhost:8080' : endpoint.host,
				status: failed ? 500 : 200,
				responseBytes: 200 + Math.round(random() * 2000),
				startMs,
				firstByteMs: startMs + latency * 0.8,
				endMs: startMs + latency,
			}));
		}
	}

	return exchanges.sort((a, b) => a.endMs - b.endMs);
}

/**
 * Three endpoints whose order differs by each sort: `/api/fast` is the
 * busiest, `/api/slow/:id` the slowest, `/api/flaky` fails one in four.
 */
export const threeEndpoints: readonly EndpointTraffic[] = [
	{method: 'GET', path: () => '/api/fast', perSecond: 50, latencyMs: 2},
	{method: 'GET', path: index => `/api/slow/${1000 + (index % 7)}`, perSecond: 5, latencyMs: 400},
	{method: 'POST', path: () => '/api/flaky', perSecond: 20, latencyMs: 30, errorEvery: 4, comm: 'python3', pid: 777},
];

export type RecordedSource = ExchangeSource & {
	/** How many times stop() was called. */
	stops(): number;
	/** Sets what health() reports from now on. */
	setHealth(health: SourceHealth): void;
};

export const quietHealth: SourceHealth = {events: 0, kernel: null, userspaceDrops: 0, http: {parseErrors: 0, unpaired: 0, truncated: 0}, http2: null, tls: null};

/**
 * A source that hands over recorded exchanges in batches, as a replay does,
 * then reports `replay-done`; it stands in for the capture below the view.
 */
export function recordedSource(exchanges: readonly Exchange[], options: {readonly onStop?: () => void; readonly batchSize?: number} = {}): RecordedSource {
	let state: SourceState = 'stopped';
	let stops = 0;
	let health = quietHealth;
	let finish: () => void = () => undefined;
	const finished = new Promise<void>(resolve => {
		finish = resolve;
	});
	return {
		description: `replaying ${exchanges.length} recorded exchanges`,
		async start(sink) {
			state = 'replaying';
			const size = options.batchSize ?? 1000;
			for (let index = 0; index < exchanges.length; index += size) {
				sink(exchanges.slice(index, index + size));
			}

			state = 'replay-done';
			finish();
		},
		state: () => state,
		health: () => health,
		finished,
		async stop() {
			stops++;
			state = 'stopped';
			options.onStop?.();
		},
		stops: () => stops,
		setHealth(next) {
			health = next;
		},
	};
}
