// The in-process aggregator. The per-exchange path only finds a cell and
// records into it; grouping, identity filters (as a choice of cells), merging,
// percentiles, rates, metric filters and sorting happen once per tick in
// `snapshot`. Pure: no I/O, no timers; every `nowMs` comes from the caller.
//
// Two tables of cells: `endpoints` counts every exchange; `peers` counts the
// server-side exchanges once more, split by the client's address, for the peer
// grouping and `peer=` filters (a client's peer, the server it calls, is part
// of its endpoint identity already). Each table holds at most maxRows cells;
// past that, new identities land in "(other)".

import {addressOfEndpointText, endpointText, isUnixAddress, type Exchange, type Role} from '../http/exchange.js';
import {Cell, connectionStem, endpointRowKey, isError, peerKey, requestKey, type CellIdentity, type ExchangeFigures, type RowCells} from './cell.js';
import {CellTable, type RemovedFigures} from './cell-table.js';
import {CompactStore} from './compact-store.js';
import {compiledFilter, type CompiledFilter, type FilterSubject} from './filter.js';
import {
	LatencySketch, differenceFellBack, histogramOfDifference, keyLatency, latencyHistogram, recordKeyedLatency, summarizeDifference, summarizeLatency, type LatencyBucket,
} from './latency.js';
import {RouteFolder, defaultSegmentLimit, type RouteNode} from './route-folding.js';
import {buildRow, groupKeyOf, materializeRow, topPaths, type LatencyDifference, type RowContext} from './rows.js';
import {recentSlowMs, type SlowExchange} from './samples.js';
import {KeyOrder, sortRows} from './sort.js';
import type {
	Aggregator, AggregatorOptions, CaptureCounters, CaptureHealth, Filter, GroupBy, LatencySummary, Row, RowDetail, Snapshot, Totals, ViewOptions,
} from './types.js';
import {SecondCounters, secondOf, WindowSums} from './windows.js';

export type CreateAggregatorOptions = AggregatorOptions & {
	/** Distinct values after one route prefix before they fold into `*`; default 32. */
	readonly routeSegmentLimit?: number;
	/**
	 * Whether a server's endpoint cell that has heard from one client only stands for
	 * that client's peer cell (see add); default true. Off, for tests: every peer cell counts itself.
	 */
	readonly mirrorSoleClients?: boolean;
};

export const defaultMaxRows = 5000;
export const defaultIdleExpiryMs = 10 * 60_000;
export const defaultExamplePaths = 8;

const detailPaths = 50;
/** More rows than any terminal shows. */
const materializedRows = 256;
const detailSlow = 10;

/** Counts kept per role outside the cells, so totals since start survive cell expiry. */
class RoleTotals {
	count = 0;
	errors = 0;
	readonly windows = new SecondCounters();
	readonly latency = new LatencySketch();
	/** Time-to-first-byte buckets alone: all that working out a row as a difference reads (see summarizeDifference). */
	readonly ttfbBuckets = new CompactStore();

	record(figures: ExchangeFigures): void {
		this.count++;
		if (figures.error) {
			this.errors++;
		}
		this.windows.add(figures.second, figures.bytesIn, figures.bytesOut);
		recordKeyedLatency(this.latency, figures.latency);
		const {key} = figures.ttfb;
		if (!Number.isNaN(key)) {
			this.ttfbBuckets.add(key);
		}
	}
}

const connectionCacheSize = 65_536;

/** The identity fields one connection's exchanges share. */
type Connection = {
	readonly role: Role;
	readonly server: boolean;
	readonly pid: number;
	readonly comm: string;
	readonly container: string | null;
	readonly localPort: number;
	readonly remoteAddress: string;
	readonly remotePort: number;
	readonly port: number; // the listening side's
	readonly service: string;
	readonly peer: string | null; // the endpoint table's peer: a client's service, null for a server
	readonly stem: string;
	readonly endpointCache: StemCache;
	readonly peerCache: StemCache; // a server's, per client address
};

/** Cells recently found for one stem, by route node; valid while the table's generation holds. */
type StemCache = {
	generation: number;
	readonly byRoute: Map<RouteNode, Array<{readonly method: string; readonly host: string | null; readonly status: number; readonly cell: Cell}>>;
};

const maxCachedPerRoute = 16;

function newConnection(exchange: Exchange, stemCache: (stem: string) => StemCache): Connection {
	const {role, pid, comm, container} = exchange;
	const server = role === 'server';
	const port = server ? exchange.local.port : exchange.remote.port;
	// The listening side: a server's container, or its process name and port (or socket name); the address:port
	// (or socket name) a client calls.
	const service = server ? (container ?? `${comm}:${isUnixAddress(exchange.local.address) ? exchange.local.address : port}`) : endpointText(exchange.remote);
	const stem = connectionStem(role, pid, comm, container, service);
	return {
		role,
		server,
		pid,
		comm,
		container,
		localPort: exchange.local.port,
		remoteAddress: exchange.remote.address,
		remotePort: exchange.remote.port,
		port,
		service,
		peer: server ? null : service,
		stem,
		endpointCache: stemCache(stem),
		peerCache: server ? stemCache(peerKey(stem, exchange.remote.address)) : stemCache(stem),
	};
}

const identityOf = (connection: Connection, exchange: Exchange, route: string, peer: string | null): CellIdentity => ({
	role: connection.role,
	method: exchange.method,
	route,
	host: exchange.host,
	pid: connection.pid,
	comm: connection.comm,
	container: connection.container,
	status: exchange.status,
	port: connection.port,
	service: connection.service,
	peer,
});

/** A row of a view before it is built: its key and its cells (see RowCells). */
type Unit = RowCells;
/**
 * A view's rows before they are built, and what their figures add up to,
 * for the view's roles: every live cell of the endpoint table, or every row
 * of it (row sums count what expired cells counted), or every live cell of
 * the peer table and the endpoint table's client cells (the peer view), or
 * none of these (a filter picks some).
 */
type Units = {readonly list: Unit[]; readonly covers: Covers | null};
/** All of the endpoint table's live cells, all of its rows, or the peer table's live cells with the endpoint table's client cells. */
type Covers = 'cells' | 'rows' | 'peers';
/** A row that cells are still being grouped into. */
type GroupedUnit = {readonly key: string; readonly figures: Cell[]; readonly members: Cell[]};

/** Identity fields every cell of an endpoint row shares, so a filter on them can pick whole rows. */
const rowFields = new Set(['method', 'route', 'host', 'role']);

const activeFilter = (view: ViewOptions): Filter | null => view.filter !== null && view.filter.source.trim() !== '' ? view.filter : null;

/** Whether a view reads the peer table: grouped by peer, or filtered on it. */
function usesPeers(view: ViewOptions): boolean {
	const filter = activeFilter(view);
	const compiled = filter === null ? undefined : compiledFilter(filter);
	return view.groupBy === 'peer' || (compiled?.identityFields.includes('peer') ?? false);
}

const bothRoles: readonly Role[] = ['server', 'client'];
const rolesOf = (view: ViewOptions): readonly Role[] => view.role === 'both' ? bothRoles : [view.role];

/** The endpoint-table rows (or cells) a filter dropped. */
type Dropped = {readonly cells: Cell[]; readonly covers: 'cells' | 'rows'};

/** The totals line's figures. */
type KeptTotals = {readonly count: number; readonly errors: number; readonly ratePerSec: number; readonly latencyMs: LatencySummary};

/** A row's quantiles as a difference (see LatencyDifference), and its histogram for the drill-down. */
type RowDifference = LatencyDifference & {readonly histogram: () => LatencyBucket[]};

/**
 * The slowest exchanges of the cells' slow samples that ended at or after
 * `sinceMs` (and that the filter, if any, matches), slowest first: a row of
 * thousands of cells has tens of thousands of them, and ten are shown.
 */
function slowestRecent(cells: readonly Cell[], sinceMs: number, filter: Filter | null): Exchange[] {
	const slowest: SlowExchange[] = [];
	for (const cell of cells) {
		for (const entry of cell.slow.entries) {
			if (slowest.length === detailSlow && entry.latencyMs <= slowest[detailSlow - 1]!.latencyMs) {
				continue;
			}
			if (entry.exchange.endMs < sinceMs || (filter !== null && !filter.matchesExchange(entry.exchange))) {
				continue;
			}
			if (slowest.length === detailSlow) {
				slowest.pop(); // the fastest kept: this one is slower
			}
			let at = slowest.length;
			while (at > 0 && slowest[at - 1]!.latencyMs < entry.latencyMs) {
				at--; // after those as slow: the first seen stays first
			}
			slowest.splice(at, 0, entry);
		}
	}
	return slowest.map(entry => entry.exchange);
}

/** Below this many sketches, merging them is cheaper than working out the difference. */
const differenceFrom = 64;

const zeroCounters: CaptureCounters = {events: 0, dropped: 0, truncated: 0, parseErrors: 0, unpaired: 0};

function subjectOf(cell: Cell): FilterSubject {
	const {identity} = cell;
	return {
		...identity,
		paths: cell.paths.paths,
		peerAddress: identity.role === 'client' && identity.peer !== null ? addressOfEndpointText(identity.peer) : identity.peer,
	};
}

export function createAggregator(options: CreateAggregatorOptions = {}): Aggregator {
	const maxRows = Math.max(1, options.maxRows ?? defaultMaxRows);
	const mirrorSoleClients = options.mirrorSoleClients ?? true;
	const idleExpiryMs = options.idleExpiryMs ?? defaultIdleExpiryMs;
	const examplePaths = Math.max(0, options.examplePathsPerRow ?? defaultExamplePaths);
	const folder = new RouteFolder(options.routeSegmentLimit ?? defaultSegmentLimit);
	const endpoints = new CellTable(maxRows, examplePaths, endpointRowKey, true);
	// A peer-table row is an endpoint and a client address.
	const peers = new CellTable(maxRows, examplePaths, identity => peerKey(endpointRowKey(identity), identity.peer ?? ''), false);
	const totals = {server: new RoleTotals(), client: new RoleTotals()};
	const subjects = new WeakMap<Cell, FilterSubject>();
	/** Row keys in order, per grouping (each has keys of its own), for cheap ties when sorting. */
	const keyOrders = new Map<GroupBy, KeyOrder>();
	let foldVersion = folder.version;
	// When watching began: given, or set by a reset; else the earliest exchange start seen.
	let startedAtMs: number | null = options.observedSinceMs ?? null;
	let startGiven = startedAtMs !== null;
	let captureLatest = zeroCounters;
	let captureBaseline = zeroCounters;
	let captureSamples: Array<{atMs: number; events: number}> = [];

	/** A peer cell that stood for its endpoint cell takes in what that cell counted, and counts for itself from now on. */
	function unmirror(cell: Cell): void {
		const peerCell = cell.mirroredBy!;
		peerCell.absorb(cell);
		peerCell.mirror = null;
		cell.mirroredBy = null;
		cell.soleClient = null;
	}

	/** Before anything reads or moves peer cells: every peer cell counts for itself again. */
	function unmirrorAll(): void {
		for (const cell of endpoints.cells.values()) {
			if (cell.mirroredBy !== null) {
				unmirror(cell);
			}
		}
	}

	/** Routes already seen may fold further after a fold: move their cells (rare; bounded by the route tree). */
	function refold(): void {
		unmirrorAll();
		for (let round = 0; folder.version !== foldVersion && round < 100; round++) {
			foldVersion = folder.version;
			const reroute = (route: string): string => folder.routeOf(route);
			endpoints.reroute(reroute);
			peers.reroute(reroute);
		}
	}

	function routeNodeOf(path: string): RouteNode {
		const node = folder.nodeOf(path);
		if (folder.version === foldVersion) {
			return node;
		}
		refold();
		return folder.nodeOf(path);
	}

	/** What one connection's exchanges share, by connection id: computed once, checked on every use. */
	let connections = new Map<number, Connection>();
	/** Recent cells by stem (process and service) and route node, found without building a key. */
	let stemCaches = new Map<string, StemCache>();

	function stemCache(stem: string): StemCache {
		let cache = stemCaches.get(stem);
		if (cache === undefined) {
			if (stemCaches.size >= connectionCacheSize) {
				stemCaches = new Map();
			}
			cache = {generation: -1, byRoute: new Map()};
			stemCaches.set(stem, cache);
		}
		return cache;
	}

	function connectionOf(exchange: Exchange): Connection {
		const known = connections.get(exchange.connId);
		if (known !== undefined && known.pid === exchange.pid && known.role === exchange.role && known.comm === exchange.comm
			&& known.container === exchange.container && known.localPort === exchange.local.port
			&& known.remotePort === exchange.remote.port && known.remoteAddress === exchange.remote.address) {
			return known;
		}
		const connection = newConnection(exchange, stemCache);
		if (connections.size >= connectionCacheSize) {
			connections = new Map();
		}
		connections.set(exchange.connId, connection);
		return connection;
	}

	/** The cell of an exchange in one table: from the stem's cache, or by key (and then cached). */
	function cellOf(table: CellTable, cache: StemCache, node: RouteNode, exchange: Exchange, connection: Connection, peer: string | null): Cell {
		if (cache.generation !== table.generation) {
			cache.byRoute.clear();
			cache.generation = table.generation;
		}
		const {method, host, status} = exchange;
		let cached = cache.byRoute.get(node);
		if (cached !== undefined) {
			for (const entry of cached) {
				if (entry.status === status && entry.method === method && entry.host === host) {
					return entry.cell;
				}
			}
		}
		let key = requestKey(connection.stem, method, node.route, host, status);
		if (table === peers) {
			key = peerKey(key, peer!);
		}
		const cell = table.cells.get(key) ?? table.create(key, identityOf(connection, exchange, node.route, peer), exchange.endMs);
		if (!cell.isOther) {
			if (cached === undefined) {
				cached = [];
				cache.byRoute.set(node, cached);
			}
			if (cached.length < maxCachedPerRoute) {
				cached.push({method, host, status, cell});
			}
		}
		return cell;
	}

	// One exchange's figures at a time: add() fills this in place rather than allocating per exchange.
	const figures: ExchangeFigures = {latency: {ms: 0, key: 0}, ttfb: {ms: 0, key: 0}, second: 0, error: false, bytesIn: 0, bytesOut: 0};

	function add(batch: readonly Exchange[]): void {
		for (const exchange of batch) {
			const connection = connectionOf(exchange);
			const {role, server} = connection;
			const node = routeNodeOf(exchange.path);
			keyLatency(exchange.endMs - exchange.startMs, figures.latency);
			keyLatency(exchange.firstByteMs - exchange.startMs, figures.ttfb);
			figures.second = secondOf(exchange.endMs);
			figures.error = isError(role, exchange.status);
			figures.bytesIn = server ? exchange.requestBytes : exchange.responseBytes;
			figures.bytesOut = server ? exchange.responseBytes : exchange.requestBytes;
			const cell = cellOf(endpoints, connection.endpointCache, node, exchange, connection, connection.peer);
			if (server && cell.mirroredBy !== null && connection.remoteAddress !== cell.soleClient) {
				unmirror(cell); // a second client: from now on its peer cell counts for itself
			}
			const fresh = cell.count === 0;
			cell.record(exchange, figures);
			if (server && cell.mirroredBy === null) {
				const peerCell = cellOf(peers, connection.peerCache, node, exchange, connection, connection.remoteAddress);
				if (mirrorSoleClients && fresh && !cell.isOther && !peerCell.isOther && peerCell.count === 0 && peerCell.mirror === null) {
					// Both new: while this endpoint cell hears from this one client alone, its peer
					// cell would count exactly the same exchanges. It stays empty, standing for the
					// endpoint cell, until a second client or a look at the peer table (unmirror).
					peerCell.mirror = cell;
					cell.mirroredBy = peerCell;
					cell.soleClient = connection.remoteAddress;
				} else {
					peerCell.record(exchange, figures);
				}
			}
			(server ? totals.server : totals.client).record(figures); // not totals[role]: a keyed load by a string that varies goes megamorphic
			if (!startGiven && (startedAtMs === null || exchange.startMs < startedAtMs)) {
				startedAtMs = exchange.startMs;
			}
		}
	}

	function matchesCell(cell: Cell, filter: Filter | null): boolean {
		if (filter === null || cell.isOther) {
			return true; // "(other)" has no identity to filter on: it stays visible, labelled as what it is
		}
		const compiled = compiledFilter(filter);
		if (compiled === undefined) {
			const example = cell.slow.entries[0]?.exchange;
			return example === undefined || filter.matchesExchange(example);
		}
		if (compiled.identityTerms.length === 0) {
			return true;
		}
		// A cell's identity never changes, so neither does what an identity filter says of it
		// (unless the filter reads the cell's path sample): kept on the cell, per compiled filter.
		if (cell.filterVerdictOf === compiled) {
			return cell.filterVerdict;
		}
		const verdict = matchesIdentity(cell, compiled);
		if (!compiled.identityFields.includes('path')) {
			cell.filterVerdictOf = compiled;
			cell.filterVerdict = verdict;
		}
		return verdict;
	}

	function matchesIdentity(cell: Cell, compiled: CompiledFilter): boolean {
		let subject = subjects.get(cell);
		if (subject === undefined) {
			subject = subjectOf(cell);
			subjects.set(cell, subject);
		}
		for (const test of compiled.identityTerms) {
			if (!test(subject)) {
				return false;
			}
		}
		return true;
	}

	/**
	 * The rows of a view, by key, each as the cells whose figures add up to it
	 * and the cells that say who it is. The endpoint view reads the endpoint
	 * table's row sums when the filter (if any) only asks about what a whole
	 * row shares; every other view groups and merges cells.
	 */
	function units(view: ViewOptions): Units {
		const filter = activeFilter(view);
		const compiled = filter === null ? undefined : compiledFilter(filter);
		const usePeers = usesPeers(view);
		if (usePeers) {
			unmirrorAll();
		}
		const grouped = new Map<string, GroupedUnit>();
		const keep = (cell: Cell): boolean => (view.role === 'both' || cell.identity.role === view.role) && matchesCell(cell, filter);
		// A row's figures come from `figure`, its identity from `members` (a row sum's cells, or the cell itself).
		const add = (figure: Cell, members: readonly Cell[]): void => {
			const key = groupKeyOf(members[0] ?? figure, view.groupBy);
			const unit = grouped.get(key);
			if (unit === undefined) {
				grouped.set(key, {key, figures: [figure], members: [...members]});
			} else {
				unit.figures.push(figure);
				unit.members.push(...members);
			}
		};
		const addCell = (cell: Cell): void => add(cell, [cell]);
		// The endpoint table's "(other)" cells, which no row sum holds.
		const addOtherCells = (): void => {
			for (const cell of endpoints.otherCells()) {
				if (keep(cell)) {
					addCell(cell);
				}
			}
		};
		if (view.groupBy !== 'endpoint' && view.groupBy !== 'peer' && filter === null) {
			// An endpoint row whose cells all fall in one row of the view (one Host always; one
			// process, container or status code often) falls in whole: its running sum stands
			// for its cells (a third as many sketches to merge, or fewer).
			const {groupBy} = view;
			for (const sum of endpoints.rowSums()) {
				if (!keep(sum)) {
					continue;
				}
				if (sum.exactSum && sum.membersShareKey(groupBy, cell => groupKeyOf(cell, groupBy))) {
					add(sum, sum.members);
				} else {
					sum.members.forEach(addCell);
				}
			}
			addOtherCells();
			return {list: [...grouped.values()], covers: 'cells'};
		}
		if (view.groupBy === 'endpoint' && !usePeers) {
			// An endpoint row is its row sum's members. A filter (if any) on what a whole row
			// shares keeps or drops the row sum at once; any other is asked of each member, and
			// a row whose every cell it kept (status>=200, comm=nginx on a one-process service)
			// is still its running sum, which says the same as merging the cells without
			// merging their sketches bucket by bucket. Row sums have distinct keys, and
			// "(other)" is none of them: a list will do.
			const wholeRows = filter === null || (compiled?.identityFields.every(field => rowFields.has(field)) ?? false);
			// What an identity filter says of a member holds until the row's members change
			// (unless it reads the path sample): the row sum keeps the members it kept.
			const keptStays = compiled !== undefined && !compiled.identityFields.includes('path');
			const matches = (cell: Cell): boolean => matchesCell(cell, filter);
			const list: Unit[] = [];
			for (const sum of endpoints.rowSums()) {
				const {members} = sum;
				if (wholeRows) {
					if (keep(sum)) {
						list.push(sum.wholeRow());
					}
					continue;
				}
				if (view.role !== 'both' && sum.identity.role !== view.role) {
					continue; // a row's cells share its role
				}
				const kept = keptStays ? sum.keptMembers(compiled, matches) : members.filter(matches);
				if (kept.length > 0) {
					list.push(sum.exactSum && kept.length === members.length ? sum.wholeRow() : {key: sum.rowKey, figures: kept, members: kept});
				}
			}
			addOtherCells();
			list.push(...grouped.values());
			return {list, covers: filter === null ? 'rows' : null};
		}
		const sources = usePeers
			? [...peers.all(), ...[...endpoints.all()].filter(cell => cell.identity.role === 'client')]
			: endpoints.all();
		for (const cell of sources) {
			if (keep(cell)) {
				addCell(cell);
			}
		}
		return {list: [...grouped.values()], covers: filter === null ? (usePeers ? 'peers' : 'cells') : null};
	}

	/** What left the tables of what `covers` holds, for one role. */
	const removedOf = (covers: Covers, role: Role): RemovedFigures => covers === 'rows' ? endpoints.removedRows[role]
		: (covers === 'peers' && role === 'server' ? peers.removedCells.server : endpoints.removedCells[role]);

	/** Every exchange of the roles since start, less what left the table of `covers` if given: count, errors, 10 s rate. */
	function roleFigures(roles: readonly Role[], context: RowContext, lessRemoved: Covers | null): {count: number; errors: number; ratePerSec: number} {
		let count = 0;
		let errors = 0;
		const {sums, nowMs, watchedS} = context;
		sums.clear(false);
		for (const role of roles) {
			const of = totals[role];
			count += of.count;
			errors += of.errors;
			if (lessRemoved !== null) {
				const removed = removedOf(lessRemoved, role);
				count -= removed.count;
				errors -= removed.errors;
			}
			of.windows.addTo(sums, nowMs, true);
		}
		return {count, errors, ratePerSec: sums.rates(watchedS).rate10s};
	}

	/**
	 * The quantiles of `own`, endpoint-table cells (or rows) of the given
	 * roles, as every exchange of those roles less what left the table less
	 * `rest`, the other cells (rows) still in it.
	 */
	function differenceOf(own: readonly Cell[], rest: () => readonly Cell[], roles: readonly Role[], covers: Covers): RowDifference {
		const all = (measure: 'latency' | 'ttfb', role: Role): CompactStore => measure === 'latency' ? totals[role].latency.store : totals[role].ttfbBuckets;
		const minus = (measure: 'latency' | 'ttfb'): CompactStore[] =>
			[...roles.map(role => removedOf(covers, role)[measure].store), ...rest().map(cell => cell[measure].store)];
		const of = (measure: 'latency' | 'ttfb') => (): LatencySummary =>
			summarizeDifference(own.map(cell => cell[measure]), roles.map(role => all(measure, role)), minus(measure));
		return {
			latency: of('latency'),
			ttfb: of('ttfb'),
			histogram: () => histogramOfDifference(own.map(cell => cell.latency), roles.map(role => all('latency', role)), minus('latency')),
		};
	}

	/** The figures of every unit but one, when asked for. */
	const figuresBesides = (list: readonly Unit[], unit: Unit) => (): Cell[] => list.flatMap(other => other === unit ? [] : other.figures);

	/** A unit holding most of the figures of units that cover the table: its quantiles are cheaper as a difference. */
	function largestUnit(list: readonly Unit[]): Unit | null {
		let largest: Unit | null = null;
		let figures = 0;
		for (const unit of list) {
			figures += unit.figures.length;
			if (largest === null || unit.figures.length > largest.figures.length) {
				largest = unit;
			}
		}
		return largest !== null && largest.figures.length >= differenceFrom && largest.figures.length * 2 > figures ? largest : null;
	}

	/**
	 * The totals under a filter: the sums of the rows it kept, or, when it kept
	 * most of the endpoint table's rows (or cells), every exchange less what
	 * left the table less the rows (cells) it dropped.
	 */
	function keptTotals(rows: readonly Row[], contributing: readonly Cell[], view: ViewOptions, context: RowContext): KeptTotals {
		const rest = droppedOf(contributing, view);
		let keptCount = 0;
		if (rest !== null) {
			for (const cell of contributing) {
				keptCount += cell.count; // what the difference must come to
			}
		}
		const difference = rest === null ? null : differenceTotals(rest, view, context);
		const holds = difference !== null && difference.count === keptCount;
		if (difference !== null && !holds) {
			differenceFellBack();
		}
		if (!holds) {
			let count = 0;
			let errors = 0;
			let ratePerSec = 0;
			for (const row of rows) {
				count += row.count;
				errors += row.errors;
				ratePerSec += row.ratePerSec;
			}
			return {count, errors, ratePerSec, latencyMs: summarizeLatency(contributing.map(cell => cell.latency))};
		}
		return {...difference!, latencyMs: differenceOf(contributing, () => rest!.cells, rolesOf(view), rest!.covers).latency()};
	}

	/** Count, errors and rate of every exchange of the view's roles less what left the table less `rest`. */
	function differenceTotals(rest: Dropped, view: ViewOptions, context: RowContext): {count: number; errors: number; ratePerSec: number} {
		let {count, errors, ratePerSec} = roleFigures(rolesOf(view), context, rest.covers);
		const {sums, nowMs, watchedS} = context;
		sums.clear(false);
		for (const cell of rest.cells) {
			count -= cell.count;
			errors -= cell.errors;
			cell.windows.addTo(sums, nowMs, true);
		}
		ratePerSec = Math.max(0, ratePerSec - sums.rates(watchedS).rate10s);
		return {count, errors, ratePerSec};
	}

	/**
	 * The endpoint table's rows (or cells) of the view's roles that a filter
	 * dropped, when it kept most of them (and each whole: row sums and
	 * "(other)", or cells alone); else null.
	 */
	function droppedOf(contributing: readonly Cell[], view: ViewOptions): Dropped | null {
		if (contributing.length < differenceFrom || usesPeers(view)) {
			return null;
		}
		const rows = contributing.every(cell => cell.isRowSum || cell.isOther);
		if (!rows && !contributing.every(cell => !cell.isRowSum)) {
			return null; // some rows whole, some split into cells
		}
		const roles = rolesOf(view);
		const kept = new Set(contributing);
		const universe = rows ? [...endpoints.rowSums(), ...endpoints.otherCells()] : endpoints.all();
		const cells: Cell[] = [];
		for (const cell of universe) {
			if (!kept.has(cell) && roles.includes(cell.identity.role)) {
				cells.push(cell);
			}
		}
		return cells.length < contributing.length ? {cells, covers: rows ? 'rows' : 'cells'} : null;
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

	function rowContext(view: ViewOptions, nowMs: number): RowContext {
		const watchedS = startedAtMs === null ? 0 : (nowMs - startedAtMs) / 1000;
		return {groupBy: view.groupBy, nowMs, watchedS, examplePaths, sums: new WindowSums()};
	}

	function snapshot(view: ViewOptions, nowMs: number): Snapshot {
		endpoints.expire(nowMs - idleExpiryMs);
		peers.expire(nowMs - idleExpiryMs);
		const context = rowContext(view, nowMs);
		const filter = activeFilter(view);
		const contributing: Cell[] = [];
		let rows: Row[] = [];
		const {list, covers} = units(view);
		// One process serving every endpoint, one status code most exchanges get: a row of most of
		// the table's cells, whose quantiles are the table's less the other rows'.
		const largest = covers === 'cells' || covers === 'peers' ? largestUnit(list) : null;
		for (const unit of list) {
			const difference = unit === largest ? differenceOf(unit.figures, figuresBesides(list, unit), rolesOf(view), covers!) : null;
			const row = buildRow(unit.key, unit.figures, unit.members, context, difference);
			if (filter === null || filter.matchesRow(row)) {
				rows.push(row);
				if (filter !== null) {
					contributing.push(...unit.figures);
				}
			}
		}
		let order = keyOrders.get(view.groupBy);
		if (order === undefined) {
			order = new KeyOrder();
			keyOrders.set(view.groupBy, order);
		}
		rows = sortRows(rows, view.sort, order);
		// A row's figures and identity are worked out when first read. The rows a screen shows
		// get theirs now, from the same figures the sort saw, not from exchanges
		// that arrive before the view draws.
		for (let i = 0; i < Math.min(rows.length, materializedRows); i++) {
			materializeRow(rows[i]!);
		}
		let kept: KeptTotals;
		if (filter === null) {
			// Since start, expired rows included: the figures of every exchange of the chosen roles.
			const roles = rolesOf(view);
			kept = {...roleFigures(roles, context, null), latencyMs: summarizeLatency(roles.map(role => totals[role].latency))};
		} else {
			kept = keptTotals(rows, contributing, view, context);
		}
		const {count, errors} = kept;
		const summary: Totals = {
			count,
			ratePerSec: kept.ratePerSec,
			errors,
			errorRate: count > 0 ? errors / count : 0,
			latencyMs: kept.latencyMs,
			rows: rows.length,
			capture: captureHealth(),
		};
		return {
			atMs: nowMs,
			startedAtMs: startedAtMs ?? nowMs,
			rows: view.top !== undefined && view.top >= 0 ? rows.slice(0, view.top) : rows,
			totals: summary,
		};
	}

	function detail(key: string, view: ViewOptions, nowMs: number): RowDetail | null {
		const {list, covers} = units(view);
		const unit = list.find(candidate => candidate.key === key);
		if (unit === undefined) {
			return null;
		}
		// The row the table showed: the largest one's quantiles (and histogram) are the table less the other rows.
		const difference = (covers === 'cells' || covers === 'peers') && largestUnit(list) === unit
			? differenceOf(unit.figures, figuresBesides(list, unit), rolesOf(view), covers)
			: null;
		const filter = activeFilter(view);
		const codes = new Map<number, number>();
		for (const cell of unit.figures) {
			cell.addCodeCounts(codes);
		}
		return {
			row: buildRow(key, unit.figures, unit.members, rowContext(view, nowMs), difference),
			latencyHistogram: difference === null ? latencyHistogram(unit.figures.map(cell => cell.latency)) : difference.histogram(),
			statusCodes: [...codes].map(([code, count]) => ({code, count})).sort((a, b) => a.code - b.code),
			paths: topPaths(unit.members, detailPaths),
			recentSlow: slowestRecent(unit.members, nowMs - recentSlowMs, filter),
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
			totals.server = new RoleTotals();
			totals.client = new RoleTotals();
			startedAtMs = nowMs;
			startGiven = true;
			captureBaseline = captureLatest;
		},
	};
}
