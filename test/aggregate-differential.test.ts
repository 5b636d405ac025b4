// The aggregator against a plain recount. Random traffic (servers with one
// client and with many, a client that turns up late, a container, requests
// without Host, 4xx and 5xx) goes in, batch by batch, with snapshots in
// between in every grouping, so that the caches, the row sums, the kept
// quantile positions, the peer cells standing for their endpoint cells and
// the row-difference shortcut are all in play. Then every grouping, role and
// identity filter is checked against the same exchanges grouped by hand:
// which rows there are, what they are called, their counts, errors, bytes and
// status classes exactly, their quantiles within the sketch's stated error.
// Nothing expires here and no cap is reached (other tests cover those).

import test, {type ExecutionContext} from 'ava';
import {
	createAggregator, normalizeRoute, parseFilter, type Aggregator, type Filter, type GroupBy, type Row,
	type Snapshot, type ViewOptions,
} from '../source/aggregate/index.js';
import type {Exchange, Role} from '../source/http/exchange.js';

import {assertQuantiles} from './helpers/quantiles.js';
import {seeded} from './helpers/seeded.js';

const t0 = Date.UTC(2025, 0, 1);
const groupings: readonly GroupBy[] = ['endpoint', 'process', 'container', 'host', 'peer', 'status'];

type Service = {
	readonly role: Role;
	readonly pid: number;
	readonly comm: string;
	readonly container: string | null;
	readonly port: number; // a server's listening port, a client's local one
	readonly remote: () => {address: string; port: number}; // per connection
	readonly methods: readonly string[];
	readonly hosts: readonly (string | null)[];
};

/** Servers and clients of a small host; `random` picks per connection and per request. */
function services(random: () => number, late: boolean): Service[] {
	return [
		// nginx: two workers on one port, many clients.
		{role: 'server', pid: 100, comm: 'nginx', container: null, port: 80, remote: () => ({address: `10.0.0.${1 + Math.floor(random() ** 2 * 9)}`, port: 40_000 + Math.floor(random() * 20_000)}), methods: ['GET', 'GET', 'POST'], hosts: ['shop.example', 'api.example', null]},
		{role: 'server', pid: 101, comm: 'nginx', container: null, port: 80, remote: () => ({address: `10.0.0.${1 + Math.floor(random() * 3)}`, port: 40_000 + Math.floor(random() * 20_000)}), methods: ['GET'], hosts: ['shop.example']},
		// node: one client only, until (late) a second one turns up.
		{role: 'server', pid: 200, comm: 'node', container: null, port: 3000, remote: () => ({address: late && random() < 0.5 ? '10.0.1.2' : '10.0.1.1', port: 41_000}), methods: ['POST', 'GET'], hosts: ['api.internal']},
		// A container's gunicorn: its service is the container.
		{role: 'server', pid: 500, comm: 'gunicorn', container: 'web', port: 8000, remote: () => ({address: '10.0.3.1', port: 42_000}), methods: ['GET', 'DELETE'], hosts: ['web.internal:8000']},
		// python3 calls node and an outside API.
		{role: 'client', pid: 300, comm: 'python3', container: null, port: 50_000, remote: () => (random() < 0.7 ? {address: '10.0.1.9', port: 3000} : {address: '192.0.2.7', port: 443}), methods: ['GET', 'PUT'], hosts: ['api.internal', 'pay.example']},
	];
}

const resources = ['users', 'orders', 'items', 'carts'];

function pathOf(random: () => number): string {
	const roll = random();
	if (roll < 0.1) {
		return '/health';
	}
	if (roll < 0.2) {
		return `/static/app${Math.floor(random() * 3)}.css`;
	}
	const resource = resources[Math.floor(random() * resources.length)]!;
	return roll < 0.6 ? `/api/${resource}/${Math.floor(random() * 100_000)}` : `/api/${resource}`;
}

/** `count` exchanges between fromMs and fromMs + spanMs, in end order, on keep-alive connections of 20 requests. */
function traffic(seed: number, count: number, fromMs: number, spanMs: number, late: boolean): Exchange[] {
	const random = seeded(seed);
	const all = services(random, late);
	const connections = all.map(() => ({id: 0, left: 0, remote: {address: '', port: 0}}));
	const exchanges: Exchange[] = [];
	for (let index = 0; index < count; index++) {
		const which = Math.floor(random() * all.length);
		const service = all[which]!;
		const connection = connections[which]!;
		if (connection.left === 0) {
			connection.id = seed * 1_000_000 + index;
			connection.left = 20;
			connection.remote = service.remote();
		}
		connection.left--;
		const startMs = fromMs + random() * spanMs;
		const latency = 0.05 + random() ** 3 * 400;
		const roll = random();
		exchanges.push({
			role: service.role,
			pid: service.pid,
			tid: service.pid,
			comm: service.comm,
			container: service.container,
			fd: 10 + which,
			connId: connection.id,
			local: {address: '10.0.0.100', port: service.port},
			remote: connection.remote,
			method: service.methods[Math.floor(random() * service.methods.length)]!,
			path: pathOf(random),
			query: null,
			host: service.hosts[Math.floor(random() * service.hosts.length)]!,
			httpVersion: '1.1',
			tls: false,
			grpcStatus: null,
			status: roll < 0.8 ? 200 : (roll < 0.85 ? 304 : (roll < 0.93 ? 404 : 503)),
			// Sums of these identify a group among the rows (see check).
			requestBytes: 100 + Math.floor(random() * 1_000_000),
			responseBytes: 100 + Math.floor(random() * 1_000_000),
			startMs,
			firstByteMs: startMs + latency * (0.05 + 0.95 * random()),
			endMs: startMs + latency,
		});
	}
	return exchanges.sort((a, b) => a.endMs - b.endMs);
}

const serviceOf = (exchange: Exchange): string => exchange.role === 'server'
	? (exchange.container ?? `${exchange.comm}:${exchange.local.port}`)
	: `${exchange.remote.address}:${exchange.remote.port}`;

/** The row an exchange falls in, by hand: its key and the label the row shows. */
function groupOf(exchange: Exchange, groupBy: GroupBy): {key: string; label: string} {
	switch (groupBy) {
		case 'endpoint': {
			const route = normalizeRoute(exchange.path);
			return {key: [exchange.role, exchange.method, route, exchange.host ?? '', serviceOf(exchange)].join(' '), label: route};
		}
		case 'process': {
			return {key: `${exchange.pid} ${exchange.comm}`, label: `${exchange.comm}[${exchange.pid}]`};
		}
		case 'container': {
			return {key: exchange.container ?? '', label: exchange.container ?? '(host)'};
		}
		case 'host': {
			return {key: exchange.host ?? '', label: exchange.host ?? '(no Host)'};
		}
		case 'peer': {
			// A server's peer is the client's address; a client's, the service it calls.
			const peer = exchange.role === 'server' ? exchange.remote.address : serviceOf(exchange);
			return {key: peer, label: peer};
		}
		case 'status': {
			return {key: String(exchange.status), label: String(exchange.status)};
		}
	}
}

type Group = {label: string; exchanges: Exchange[]};

const isError = (exchange: Exchange): boolean => exchange.status >= 500 || (exchange.role === 'client' && exchange.status >= 400);
const bytesIn = (exchange: Exchange): number => exchange.role === 'server' ? exchange.requestBytes : exchange.responseBytes;
const bytesOut = (exchange: Exchange): number => exchange.role === 'server' ? exchange.responseBytes : exchange.requestBytes;
const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
const fingerprint = (count: number, inBytes: number, outBytes: number): string => `${count} ${inBytes} ${outBytes}`;

/** The snapshot's rows are the exchanges the view keeps, grouped by hand, figure for figure. */
function check(t: ExecutionContext, aggregator: Aggregator, view: ViewOptions, kept: readonly Exchange[], nowMs: number, label: string): Snapshot {
	const groups = new Map<string, Group>();
	for (const exchange of kept) {
		const {key, label: rowLabel} = groupOf(exchange, view.groupBy);
		let group = groups.get(key);
		if (group === undefined) {
			group = {label: rowLabel, exchanges: []};
			groups.set(key, group);
		}
		group.exchanges.push(exchange);
	}
	const expected = new Map<string, Group>();
	for (const group of groups.values()) {
		expected.set(fingerprint(group.exchanges.length, sum(group.exchanges.map(bytesIn)), sum(group.exchanges.map(bytesOut))), group);
	}
	t.is(expected.size, groups.size, `${label}: groups told apart by their byte sums`);
	const snapshot = aggregator.snapshot(view, nowMs);
	t.is(snapshot.rows.length, groups.size, `${label}: rows ${snapshot.rows.map(row => row.label).join(', ')}`);
	t.is(snapshot.totals.count, kept.length, `${label}: totals`);
	t.is(snapshot.totals.errors, kept.filter(exchange => isError(exchange)).length, `${label}: total errors`);
	for (const row of snapshot.rows) {
		const group = expected.get(fingerprint(row.count, row.bytesIn, row.bytesOut));
		if (group === undefined) {
			t.fail(`${label}: row ${row.label} (${row.count} exchanges) matches no group`);
			continue;
		}
		const where = `${label}: ${row.label}`;
		t.is(row.label, group.label, where);
		t.is(row.errors, group.exchanges.filter(exchange => isError(exchange)).length, `${where} errors`);
		const classes = {'1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0};
		for (const exchange of group.exchanges) {
			classes[`${Math.floor(exchange.status / 100)}xx` as keyof typeof classes]++;
		}
		t.deepEqual(row.status, classes, `${where} status classes`);
		assertQuantiles(t, row.latencyMs, group.exchanges.map(exchange => exchange.endMs - exchange.startMs), `${where} total time`);
		assertQuantiles(t, row.ttfbMs, group.exchanges.map(exchange => exchange.firstByteMs - exchange.startMs), `${where} ttfb`);
	}
	return snapshot;
}

/** Rows in the view's order: by the column, then by key, ascending. */
function assertSorted(t: ExecutionContext, rows: readonly Row[], value: (row: Row) => number, descending: boolean, label: string): void {
	for (let i = 1; i < rows.length; i++) {
		const [before, after] = [rows[i - 1]!, rows[i]!];
		const order = (value(before) - value(after)) * (descending ? -1 : 1);
		t.true(order < 0 || (order === 0 && before.key < after.key), `${label}: ${before.label} before ${after.label}`);
	}
}

const filters = ['status>=500', 'comm=nginx', 'method=POST', 'route~/api/users', 'peer=10.0.0.2', 'container=web', 'host=shop.example', 'method=GET status>=400', 'role=client status!=200', 'port=80 peer!=10.0.0.1'];

function parsed(expression: string): Filter {
	const result = parseFilter(expression);
	if (!result.ok) {
		throw new Error(result.message);
	}
	return result.filter;
}

/** Fed in batches, with snapshots of every grouping between them (what a live view switching views does). */
function fed(batches: readonly Exchange[][]): Aggregator {
	const aggregator = createAggregator();
	for (const [index, batch] of batches.entries()) {
		aggregator.add(batch);
		const nowMs = batch.at(-1)!.endMs + 1;
		for (const groupBy of groupings) {
			aggregator.snapshot({groupBy, sort: {column: index % 2 === 0 ? 'p99' : 'rate', descending: true}, filter: null, role: 'both'}, nowMs);
		}
		aggregator.snapshot({groupBy: 'endpoint', sort: {column: 'count', descending: true}, filter: parsed(filters[index % filters.length]!), role: 'both'}, nowMs);
	}
	return aggregator;
}

for (const seed of [1, 2, 3]) {
	test(`seed ${seed}: every grouping, role and identity filter is the exchanges grouped by hand`, (t) => {
		const early = traffic(seed, 3000, t0, 60_000, false);
		const late = traffic(seed + 100, 3000, t0 + 60_000, 60_000, true);
		const all = [...early, ...late];
		const batches: Exchange[][] = [];
		for (let i = 0; i < all.length; i += 500) {
			batches.push(all.slice(i, i + 500));
		}
		const aggregator = fed(batches);
		const nowMs = all.at(-1)!.endMs + 1000;
		for (const groupBy of groupings) {
			for (const role of ['both', 'server', 'client'] as const) {
				const view: ViewOptions = {groupBy, sort: {column: 'count', descending: true}, filter: null, role};
				const kept = all.filter(exchange => role === 'both' || exchange.role === role);
				const snapshot = check(t, aggregator, view, kept, nowMs, `${groupBy} ${role}`);
				assertSorted(t, snapshot.rows, row => row.count, true, `${groupBy} ${role}`);
			}
			for (const expression of filters) {
				const filter = parsed(expression);
				const view: ViewOptions = {groupBy, sort: {column: 'p99', descending: false}, filter, role: 'both'};
				const snapshot = check(t, aggregator, view, all.filter(exchange => filter.matchesExchange(exchange)), nowMs, `${groupBy} ${expression}`);
				assertSorted(t, snapshot.rows, row => row.latencyMs.p99, false, `${groupBy} ${expression}`);
			}
		}
	});
}

test('a drill-down is the row it opens, whatever the grouping', (t) => {
	const all = [...traffic(7, 2000, t0, 60_000, false), ...traffic(8, 2000, t0 + 60_000, 60_000, true)];
	const aggregator = fed([all.slice(0, 2000), all.slice(2000)]);
	const nowMs = all.at(-1)!.endMs + 1000;
	for (const groupBy of groupings) {
		const view: ViewOptions = {groupBy, sort: {column: 'count', descending: true}, filter: null, role: 'both'};
		for (const row of aggregator.snapshot(view, nowMs).rows) {
			const detail = aggregator.detail(row.key, view, nowMs);
			if (detail === null) {
				t.fail(`${groupBy}: no drill-down of ${row.label}`);
				continue;
			}
			const where = `${groupBy} ${row.label}`;
			t.is(detail.row.count, row.count, where);
			t.deepEqual(detail.row.latencyMs, row.latencyMs, `${where} total time`);
			t.is(sum(detail.statusCodes.map(code => code.count)), row.count, `${where} status codes`);
			t.is(sum(detail.latencyHistogram.map(bucket => bucket.count)), row.count, `${where} histogram`);
		}
	}
});
