// The in-process aggregator. Per exchange it finds a cell and records into it;
// once per tick, `snapshot` drops idle cells, groups the live ones into rows,
// filters and sorts them. A row is the sum of its live cells in every view, so
// the same exchanges give the same figures whichever grouping or filter picks
// them. Pure: no I/O, no timers; every `nowMs` comes from the caller.
//
// Two tables of cells: `endpoints` counts every exchange; `peers` counts the
// server-side exchanges once more, split by the client's address, for the peer
// grouping and `peer=` filters (a client's peer, the server it calls, is part
// of its endpoint identity already); a peer cell expires with the endpoint
// cell of the same exchanges, so that both tables count them. Each table
// holds cells of at most maxRows rows (and maxRows x cellsPerRow cells); past
// that, traffic lands in "(other)" cells, counted everywhere, shown as the
// "(other)" row.

import {addressOfEndpointText, endpointText, isUnixAddress, type Exchange, type Role} from '../http/exchange.js';
import {Cell, capKey, cellKey, isError, otherLabel, protocolOf, requestKey, stemKey, type ExchangeFigures, type Identity} from './cell.js';
import {compiledFilter} from './filter.js';
import {keyOf, latencyHistogram, LatencySketch, summarizeLatency} from './latency.js';
import {RouteFolder, defaultSegmentLimit, type RouteNode} from './route-folding.js';
import {TableRow, codeCounts, slowestRecent, topPaths, type RowContext} from './rows.js';
import {sortRows} from './sort.js';
import type {
	Aggregator, AggregatorOptions, CaptureCounters, CaptureHealth, Filter, LatencySummary, Row, RowDetail, Snapshot, ViewOptions,
} from './types.js';
import {countInRing, newRing, secondOf, WindowSums, windowSeconds} from './windows.js';

export type CreateAggregatorOptions = AggregatorOptions & {
	/** Distinct values after one route prefix before they fold into `*`; default 32. */
	readonly routeSegmentLimit?: number;
};

export const defaultMaxRows = 5000;
export const defaultIdleExpiryMs = 10 * 60_000;
export const defaultExamplePaths = 8;
/** On average a row may split into this many cells (processes x status codes) before the memory cap applies. */
export const cellsPerRow = 4;
/** Rows whose every figure a tick works out: more than a terminal shows. */
const shownRows = 60;
const detailPaths = 50;
const detailSlow = 10;

/** Cells of at most maxRows rows, found by key, and by row. */
class Table {
	readonly cells = new Map<string, Cell>();
	/** The cells of each row (by capKey), "(other)" cells aside. */
	readonly rows = new Map<string, Cell[]>();
	readonly others: Cell[] = [];
	/** Bumped whenever cells leave or move, so cells cached elsewhere are looked up again. */
	generation = 0;
	/** No cell was last seen before this. */
	private oldestSeenMs = -Infinity;

	constructor(private readonly maxRows: number, private readonly pathsPerCell: number) {}

	/** The cell of a key: found, or made of the identity, or (when the table is full) the matching "(other)" cell; `seenMs`: when what it is about to count ended. */
	cellOf(key: string, identityOf: () => Identity, seenMs: number): Cell {
		const found = this.cells.get(key);
		if (found !== undefined) {
			return found;
		}
		const identity = identityOf();
		const row = capKey(identity);
		if (!identity.isOther && ((!this.rows.has(row) && this.rows.size >= this.maxRows) || this.cells.size - this.others.length >= this.maxRows * cellsPerRow)) {
			const other = otherOf(identity);
			return this.cellOf(cellKey(other), () => other, seenMs);
		}
		const cell = new Cell(key, identity, this.pathsPerCell);
		this.cells.set(key, cell);
		this.oldestSeenMs = Math.min(this.oldestSeenMs, seenMs); // it may record an exchange older than every other
		if (identity.isOther) {
			this.others.push(cell);
		} else {
			const cells = this.rows.get(row);
			if (cells === undefined) {
				this.rows.set(row, [cell]);
			} else {
				cells.push(cell);
			}
		}
		return cell;
	}

	private remove(cell: Cell): void {
		this.cells.delete(cell.key);
		this.generation++;
		const row = capKey(cell.identity);
		const cells = cell.identity.isOther ? this.others : this.rows.get(row)!;
		cells.splice(cells.indexOf(cell), 1);
		if (cells.length === 0 && !cell.identity.isOther) {
			this.rows.delete(row);
		}
	}

	/**
	 * Drops the cells whose last exchange ended before cutoffMs, from every view
	 * alike. With a 10-minute expiry the answer is nearly always "none": no cell
	 * was last seen before `oldestSeenMs` (cells only get newer), so the walk
	 * waits until some cell may be due.
	 */
	expire(cutoffMs: number, lastSeenOf = (cell: Cell): number => cell.lastSeenMs): void {
		if (cutoffMs <= this.oldestSeenMs) {
			return;
		}
		let oldest = Infinity;
		for (const cell of this.cells.values()) {
			const lastSeenMs = lastSeenOf(cell);
			if (lastSeenMs < cutoffMs) {
				this.remove(cell);
			} else {
				oldest = Math.min(oldest, lastSeenMs);
			}
		}
		this.oldestSeenMs = oldest;
	}

	/** Gives every cell the route `reroute` makes of its own; cells that end up alike merge (folding only merges rows). */
	reroute(reroute: (route: string) => string): void {
		for (const cell of [...this.cells.values()]) {
			const route = reroute(cell.identity.route);
			if (route !== cell.identity.route && !cell.identity.isOther) {
				this.remove(cell);
				const identity = {...cell.identity, route};
				this.cellOf(cellKey(identity), () => identity, cell.lastSeenMs).absorb(cell);
			}
		}
	}

	clear(): void {
		this.cells.clear();
		this.rows.clear();
		this.others.length = 0;
		this.oldestSeenMs = -Infinity;
		this.generation++;
	}
}

/** Where an identity's traffic goes past the row cap: its role, status codes, TLS and protocol stay, who and what go. */
const otherOf = (identity: Identity): Identity => ({
	...identity, method: otherLabel, route: otherLabel, host: null, pid: 0, comm: otherLabel, container: null, port: 0, service: otherLabel,
	peer: null, peerAddress: null, isOther: true,
});

/** Counts kept per role outside the cells: the unfiltered totals run since start, expired cells included. */
class RoleTotals {
	count = 0;
	errors = 0;
	readonly latency = new LatencySketch();
	readonly ring = newRing();
}

/** What one connection's exchanges share, and (by what they share) the cells its requests were counted in lately. */
type Connection = {
	readonly role: Role;
	readonly server: boolean;
	readonly pid: number;
	readonly comm: string;
	readonly container: string | null;
	readonly tls: boolean;
	readonly localPort: number;
	readonly remoteAddress: string;
	readonly remotePort: number;
	readonly port: number; // the listening side's
	readonly service: string;
	readonly stem: string; // see stemKey
	readonly endpointCells: CellCache;
	readonly peerCells: CellCache;
};

/** Cells found for one process, service and client, by route node; valid while the table's generation holds. */
type CellCache = {generation: number; readonly byRoute: Map<RouteNode, Cell[]>};

const connectionCacheSize = 65_536;
const cachedPerRoute = 16;

const sameConnection = (known: Connection, exchange: Exchange): boolean => known.pid === exchange.pid && known.role === exchange.role
	&& known.comm === exchange.comm && known.container === exchange.container && known.tls === exchange.tls && known.localPort === exchange.local.port
	&& known.remotePort === exchange.remote.port && known.remoteAddress === exchange.remote.address;

const zeroCounters: CaptureCounters = {events: 0, dropped: 0, truncated: 0, parseErrors: 0, unpaired: 0};

const activeFilter = (view: ViewOptions): Filter | null => view.filter !== null && view.filter.source.trim() !== '' ? view.filter : null;

export function createAggregator(options: CreateAggregatorOptions = {}): Aggregator {
	const maxRows = Math.max(1, options.maxRows ?? defaultMaxRows);
	const idleExpiryMs = options.idleExpiryMs ?? defaultIdleExpiryMs;
	const examplePaths = Math.max(0, options.examplePathsPerRow ?? defaultExamplePaths);
	const folder = new RouteFolder(options.routeSegmentLimit ?? defaultSegmentLimit);
	const endpoints = new Table(maxRows, examplePaths);
	const peers = new Table(maxRows, examplePaths);
	let totals = {server: new RoleTotals(), client: new RoleTotals()};
	let foldVersion = folder.version;
	// When watching began: given, or set by a reset; else the earliest exchange start seen.
	let startedAtMs: number | null = options.observedSinceMs ?? null;
	let startGiven = startedAtMs !== null;
	let captureLatest = zeroCounters;
	let captureBaseline = zeroCounters;
	let captureSamples: Array<{atMs: number; events: number}> = [];
	let connections = new Map<number, Connection>();

	/** Routes already seen may fold further after a fold: move their cells (rare; bounded by the route tree). */
	function routeNodeOf(path: string): RouteNode {
		let node = folder.nodeOf(path);
		for (let round = 0; folder.version !== foldVersion && round < 100; round++) {
			foldVersion = folder.version;
			const reroute = (route: string): string => folder.routeOf(route);
			endpoints.reroute(reroute);
			peers.reroute(reroute);
			node = folder.nodeOf(path);
		}
		return node;
	}

	/** The cell caches of connections that share what their cells' keys hold; forgotten all at once when too many. */
	let cellCaches = new Map<string, CellCache>();

	function cellCache(key: string): CellCache {
		let cache = cellCaches.get(key);
		if (cache === undefined) {
			if (cellCaches.size >= connectionCacheSize) {
				cellCaches = new Map();
			}
			cache = {generation: -1, byRoute: new Map()};
			cellCaches.set(key, cache);
		}
		return cache;
	}

	function connectionOf(exchange: Exchange): Connection {
		const known = connections.get(exchange.connId);
		if (known !== undefined && sameConnection(known, exchange)) {
			return known;
		}
		const {role, pid, comm, container, tls} = exchange;
		const server = role === 'server';
		const port = server ? exchange.local.port : exchange.remote.port;
		// The listening side: a server's container, or its process name and port (or socket name); the address:port
		// (or socket name) a client calls.
		const service = server ? (container ?? `${comm}:${isUnixAddress(exchange.local.address) ? exchange.local.address : port}`) : endpointText(exchange.remote);
		const stem = stemKey(role, pid, comm, container, tls, service);
		const connection: Connection = {
			role, server, pid, comm, container, tls, port, service, stem,
			localPort: exchange.local.port,
			remoteAddress: exchange.remote.address,
			remotePort: exchange.remote.port,
			endpointCells: cellCache(stem),
			peerCells: cellCache(server ? `${stem}\u001F${exchange.remote.address}` : stem),
		};
		if (connections.size >= connectionCacheSize) {
			connections = new Map();
		}
		connections.set(exchange.connId, connection);
		return connection;
	}

	function identityOf(connection: Connection, exchange: Exchange, route: string, peer: string | null): Identity {
		return {
			role: exchange.role,
			method: exchange.method,
			route,
			host: exchange.host,
			pid: exchange.pid,
			comm: exchange.comm,
			container: exchange.container,
			status: exchange.status,
			grpcStatus: exchange.grpcStatus,
			tls: exchange.tls,
			protocol: protocolOf(exchange.httpVersion),
			port: connection.port,
			service: connection.service,
			peer,
			peerAddress: peer === null ? null : (connection.server ? peer : addressOfEndpointText(peer)),
			isOther: false,
		};
	}

	/** The cell of an exchange in one table: one the connection found for the same request lately, or the table's. */
	function cellOf(table: Table, cache: CellCache, node: RouteNode, exchange: Exchange, connection: Connection, peer: string | null): Cell {
		if (cache.generation !== table.generation) {
			cache.byRoute.clear();
			cache.generation = table.generation;
		}
		const protocol = protocolOf(exchange.httpVersion);
		let cached = cache.byRoute.get(node);
		if (cached !== undefined) {
			for (const cell of cached) {
				const {identity} = cell;
				if (identity.status === exchange.status && identity.method === exchange.method && identity.host === exchange.host
					&& identity.grpcStatus === exchange.grpcStatus && identity.protocol === protocol) {
					return cell;
				}
			}
		}
		const key = requestKey(connection.stem, exchange.method, node.route, exchange.host, exchange.status, exchange.grpcStatus, protocol, connection.server ? peer : null);
		const cell = table.cellOf(key, () => identityOf(connection, exchange, node.route, peer), exchange.endMs);
		if (!cell.identity.isOther) {
			cached ??= [];
			cache.byRoute.set(node, cached);
			if (cached.length < cachedPerRoute) {
				cached.push(cell);
			}
		}
		return cell;
	}

	// One exchange's figures at a time, filled in place.
	const figures: ExchangeFigures = {latencyMs: 0, latencyKey: 0, ttfbMs: 0, ttfbKey: 0, second: 0, error: false, bytesIn: 0, bytesOut: 0};

	function add(batch: readonly Exchange[]): void {
		for (const exchange of batch) {
			const connection = connectionOf(exchange);
			const {server} = connection;
			const node = routeNodeOf(exchange.path);
			figures.latencyMs = Math.max(0, exchange.endMs - exchange.startMs);
			figures.ttfbMs = Math.max(0, exchange.firstByteMs - exchange.startMs);
			figures.latencyKey = keyOf(figures.latencyMs);
			figures.ttfbKey = keyOf(figures.ttfbMs);
			figures.second = secondOf(exchange.endMs);
			figures.error = isError(exchange.role, exchange.status, exchange.grpcStatus);
			figures.bytesIn = server ? exchange.requestBytes : exchange.responseBytes;
			figures.bytesOut = server ? exchange.responseBytes : exchange.requestBytes;
			const endpointCell = cellOf(endpoints, connection.endpointCells, node, exchange, connection, server ? null : connection.service);
			endpointCell.record(exchange, figures);
			if (server) {
				const peerCell = cellOf(peers, connection.peerCells, node, exchange, connection, exchange.remote.address);
				peerCell.record(exchange, figures);
				peerCell.endpointCell = endpointCell;
			}
			const roleTotals = server ? totals.server : totals.client;
			roleTotals.count++;
			roleTotals.errors += figures.error ? 1 : 0;
			roleTotals.latency.add(figures.latencyMs, figures.latencyKey);
			countInRing(roleTotals.ring, figures.second, figures.bytesIn, figures.bytesOut);
			if (!startGiven && (startedAtMs === null || exchange.startMs < startedAtMs)) {
				startedAtMs = exchange.startMs;
			}
		}
	}

	/** Whether an identity filter keeps a cell. "(other)" has no identity to filter on: it stays, labelled as what it is. */
	function keeps(cell: Cell, filter: Filter): boolean {
		if (cell.identity.isOther) {
			return true;
		}
		const compiled = compiledFilter(filter);
		if (compiled === undefined) {
			const example = cell.slow.entries[0]?.exchange;
			return example === undefined || filter.matchesExchange(example);
		}
		return compiled.identityTerms.every(test => test(cell));
	}

	/** The rows of a view before metric filters: its live cells, grouped (the endpoint table's rows are its endpoints). */
	function groups(view: ViewOptions): Map<string, Cell[]> {
		const filter = activeFilter(view);
		const kept = (cell: Cell): boolean => (view.role === 'both' || cell.identity.role === view.role) && (filter === null || keeps(cell, filter));
		const usesPeers = view.groupBy === 'peer' || (filter !== null && (compiledFilter(filter)?.identityFields.includes('peer') ?? false));
		const grouped = new Map<string, Cell[]>();
		if (view.groupBy === 'endpoint' && !usesPeers) {
			for (const [key, cells] of endpoints.rows) {
				// The table's own array when every cell is kept: a row reads its cells' figures when asked, so it
				// counts what they hold then either way; the rows on screen are read at the tick.
				const keptCells = view.role === 'both' && filter === null ? cells : cells.filter(cell => kept(cell));
				if (keptCells.length > 0) {
					grouped.set(key, keptCells);
				}
			}
			const others = endpoints.others.filter(cell => kept(cell));
			if (others.length > 0) {
				grouped.set(otherLabel, others);
			}
			return grouped;
		}
		const take = (cell: Cell): void => {
			if (!kept(cell)) {
				return;
			}
			const key = cell.groupKeys[view.groupBy];
			const group = grouped.get(key);
			if (group === undefined) {
				grouped.set(key, [cell]);
			} else {
				group.push(cell);
			}
		};
		for (const cell of endpoints.cells.values()) {
			if (!usesPeers || cell.identity.role === 'client') {
				take(cell);
			}
		}
		if (usesPeers) {
			peers.cells.forEach(take);
		}
		return grouped;
	}

	function rowContext(view: ViewOptions, nowMs: number): RowContext {
		const watchedS = startedAtMs === null ? 0 : (nowMs - startedAtMs) / 1000;
		return {groupBy: view.groupBy, nowMs, watchedS, examplePaths};
	}

	function captureHealth(): CaptureHealth {
		const since = (field: keyof CaptureCounters): number => Math.max(0, captureLatest[field] - captureBaseline[field]);
		const oldest = captureSamples[0];
		const newest = captureSamples.at(-1);
		const eventsPerSec = oldest !== undefined && newest !== undefined && newest.atMs > oldest.atMs
			? Math.max(0, (newest.events - oldest.events) / ((newest.atMs - oldest.atMs) / 1000))
			: 0;
		return {
			events: since('events'),
			eventsPerSec,
			dropped: since('dropped'),
			truncated: since('truncated'),
			parseErrors: since('parseErrors'),
			unpaired: since('unpaired'),
		};
	}

	/** The totals line: every exchange of the view's roles since start; under a filter, the rows it kept. */
	function totalsOf(view: ViewOptions, rows: readonly TableRow[], context: RowContext): {count: number; errors: number; ratePerSec: number; latencyMs: LatencySummary} {
		if (activeFilter(view) !== null) {
			const sum = (figure: (row: Row) => number): number => rows.reduce((total, row) => total + figure(row), 0);
			return {
				count: sum(row => row.count),
				errors: sum(row => row.errors),
				ratePerSec: sum(row => row.ratePerSec),
				latencyMs: summarizeLatency(rows.flatMap(row => row.cells.map(cell => cell.latency))),
			};
		}
		const roles = (view.role === 'both' ? ['server', 'client'] : [view.role]).map(role => totals[role as Role]);
		const sums = new WindowSums(context.nowMs);
		for (const role of roles) {
			sums.addRequests(role.ring);
		}
		return {
			count: roles.reduce((total, role) => total + role.count, 0),
			errors: roles.reduce((total, role) => total + role.errors, 0),
			ratePerSec: sums.count10 / windowSeconds(10, context.watchedS),
			latencyMs: summarizeLatency(roles.map(role => role.latency)),
		};
	}

	function snapshot(view: ViewOptions, nowMs: number): Snapshot {
		// A server's cell in the peer table lives as long as its endpoint cell, which counts the same
		// exchanges: a client gone quiet stays in the peer view while the endpoint row still counts it.
		peers.expire(nowMs - idleExpiryMs, cell => Math.max(cell.lastSeenMs, cell.endpointCell?.lastSeenMs ?? -Infinity));
		endpoints.expire(nowMs - idleExpiryMs);
		const context = rowContext(view, nowMs);
		const filter = activeFilter(view);
		let rows: TableRow[] = [];
		for (const [key, cells] of groups(view)) {
			rows.push(new TableRow(key, cells, context));
		}
		if (filter !== null) {
			rows = rows.filter(row => filter.matchesRow(row));
		}
		rows = sortRows(rows, view.sort) as TableRow[];
		const shown = view.top !== undefined && view.top >= 0 ? rows.slice(0, view.top) : rows;
		for (let i = 0; i < Math.min(shown.length, shownRows); i++) {
			shown[i]!.materialize();
		}
		const {count, errors, ratePerSec, latencyMs} = totalsOf(view, rows, context);
		return {
			atMs: nowMs,
			startedAtMs: startedAtMs ?? nowMs,
			rows: shown,
			totals: {count, ratePerSec, errors, errorRate: count > 0 ? errors / count : 0, latencyMs, rows: rows.length, capture: captureHealth()},
		};
	}

	function detail(key: string, view: ViewOptions, nowMs: number): RowDetail | null {
		const cells = groups(view).get(key);
		if (cells === undefined) {
			return null;
		}
		const filter = activeFilter(view);
		return {
			row: new TableRow(key, cells, rowContext(view, nowMs)),
			latencyHistogram: latencyHistogram(cells.map(cell => cell.latency)),
			statusCodes: codeCounts(cells, cell => cell.identity.status),
			grpcStatusCodes: codeCounts(cells, cell => cell.identity.grpcStatus),
			paths: topPaths(cells, detailPaths),
			recentSlow: slowestRecent(cells, nowMs, detailSlow, exchange => filter === null || filter.matchesExchange(exchange)),
		};
	}

	return {
		add,
		setCaptureCounters(counters, nowMs) {
			captureLatest = counters;
			captureSamples.push({atMs: nowMs, events: counters.events});
			// Events per second over the last ~10 s of samples.
			captureSamples = captureSamples.filter(sample => sample.atMs >= nowMs - 10_000);
		},
		snapshot,
		detail,
		reset(nowMs) {
			endpoints.clear();
			peers.clear();
			totals = {server: new RoleTotals(), client: new RoleTotals()};
			startedAtMs = nowMs;
			startGiven = true;
			captureBaseline = captureLatest;
		},
	};
}
