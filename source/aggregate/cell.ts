// A cell: the finest unit the aggregator keeps, one per distinct identity
// (role, method, route, Host, process, container, status code, service, and
// for the peer table the peer). Every grouping and every identity filter is a
// choice of cells merged at snapshot time, so switching needs no re-capture.

import type {Exchange, Role} from '../http/exchange.js';
import type {GroupBy, LatencySummary} from './types.js';
import {
	LatencySketch, keptP99, keptSummary, latencyP99, recordKeyedLatency, stateLength, summarizeSketch, type KeyedLatency,
} from './latency.js';
import {PathSample, SlowSample} from './samples.js';
import {SecondCounters} from './windows.js';

/** 0 for 1xx ... 4 for 5xx (codes out of range count in the nearest class). */
export const statusClassIndex = (status: number): number => Math.min(4, Math.max(0, Math.floor(status / 100) - 1));

/** What one exchange adds to every cell it falls in, worked out once (the aggregator reuses one object). */
export type ExchangeFigures = {
	readonly latency: KeyedLatency; // request start to response end
	readonly ttfb: KeyedLatency; // request start to first response byte
	second: number; // of its end
	error: boolean;
	bytesIn: number; // received by the traced process
	bytesOut: number;
};

export type CellIdentity = {
	readonly role: Role;
	readonly method: string;
	readonly route: string;
	readonly host: string | null;
	readonly pid: number;
	readonly comm: string;
	readonly container: string | null;
	readonly status: number;
	readonly port: number; // the listening side's port: local for a server, remote for a client
	readonly service: string; // the listening side: a server's container or comm:port, a client's remote address:port
	readonly peer: string | null; // server: the client's address (peer table only); client: the remote address:port
};

const separator = '\u001F';

/** The part of a cell key that one connection always shares. */
export const connectionStem = (role: Role, pid: number, comm: string, container: string | null, service: string): string =>
	role + separator + pid + separator + comm + separator + (container ?? '') + separator + service + separator;

/** The endpoint-table key: the stem, then what each request says; a peer-table key adds the client's address. */
export const requestKey = (stem: string, method: string, route: string, host: string | null, status: number): string =>
	stem + method + separator + route + separator + (host ?? '') + separator + status;

export const peerKey = (key: string, peer: string): string => key + separator + peer;

/** The key of the endpoint row a cell falls in: role, method, route, Host and service. */
export const endpointRowKey = (identity: CellIdentity): string =>
	identity.role + separator + identity.method + separator + identity.route + separator + (identity.host ?? '') + separator + identity.service;

export const cellKey = (identity: CellIdentity): string => {
	const {role, pid, comm, container, service, method, route, host, status, peer} = identity;
	const key = requestKey(connectionStem(role, pid, comm, container, service), method, route, host, status);
	return role === 'server' && peer !== null ? peerKey(key, peer) : key;
};

/** Server errors are 5xx; a client also counts 4xx (OpenTelemetry's convention). */
export const isError = (role: Role, status: number): boolean => status >= 500 || (role === 'client' && status >= 400);

/** The identity fields a row shows when all its cells share them (null where they differ). */
export type SharedIdentity = {pid: number | null; comm: string | null; role: Role | null; host: string | null; container: string | null};

/**
 * What the cells behind some figures share, in one pass (a tick asks this of
 * the rows it shows): of a cell, its identity; of a row sum, what its
 * members share (kept on it). A row of a view made of thousands of cells,
 * through their row sums, reads tens of row sums, not the cells.
 */
export function sharedIdentity(figures: readonly Cell[]): SharedIdentity {
	const ownOf = (figure: Cell): SharedIdentity | CellIdentity => figure.isRowSum ? figure.membersShare() : figure.identity;
	const {pid, comm, role, host, container} = ownOf(figures[0]!);
	const shared: SharedIdentity = {pid, comm, role, host, container};
	for (let i = 1; i < figures.length; i++) {
		const own = ownOf(figures[i]!);
		if (own.pid !== shared.pid) {
			shared.pid = null;
		}
		if (own.comm !== shared.comm) {
			shared.comm = null;
		}
		if (own.role !== shared.role) {
			shared.role = null;
		}
		if (own.host !== shared.host) {
			shared.host = null;
		}
		if (own.container !== shared.container) {
			shared.container = null;
		}
	}
	return shared;
}

/** A row's key, the cells whose figures add up to it, and the cells that say who it is. */
export type RowCells = {readonly key: string; readonly figures: readonly Cell[]; readonly members: readonly Cell[]};

export class Cell {
	count = 0;
	errors = 0;
	bytesIn = 0;
	bytesOut = 0;
	firstSeenMs = Infinity;
	lastSeenMs = -Infinity;
	/**
	 * A row sum (or "(other)") is a row: a snapshot of every row reads all its
	 * quantiles, so its sketches keep them as values arrive. A cell of a row
	 * keeps its p99, which is all a tick sorting by p99 reads of a row of one
	 * cell (the peer table's).
	 */
	readonly latency: LatencySketch;
	readonly ttfb: LatencySketch;
	readonly windows: SecondCounters;
	/**
	 * The array behind both sketches and the ring, and where each starts in
	 * it (the latency sketch at 0): a tick reads rows' figures from it, not
	 * through the sketch and ring objects, each a cache miss further away.
	 */
	readonly figures: Float64Array;
	readonly ttfbAt: number;
	readonly windowsAt: number;
	/** Whether its sketches keep p50, p90 and p99 (a row sum or "(other)"), or the latency sketch p99 alone. */
	readonly keepsQuantiles: boolean;
	readonly paths: PathSample;
	readonly slow = new SlowSample();
	/** Status codes and their counts: only "(other)" cells and row sums mix codes. */
	readonly statusCodes: Map<number, number> | null;
	/** With statusCodes: the same counts by class, 1xx to 5xx (what every tick reads). */
	readonly statusClasses: Float64Array | null;
	/** A row sum: the cells it adds up (they feed it as they record). */
	readonly members: Cell[] = [];
	/** The row sum this cell feeds, if its table keeps them. */
	row: Cell | null = null;
	/** A row sum that adds up exactly its current members (none has expired out of it). */
	exactSum = true;
	/** A peer cell standing for this endpoint cell while it hears from `soleClient` alone (see the aggregator's add). */
	mirroredBy: Cell | null = null;
	soleClient: string | null = null;
	/** The endpoint cell this (empty) peer cell stands for; its last exchange is that cell's. */
	mirror: Cell | null = null;
	/** What the identity filter `filterVerdictOf` (a compiled filter) said of this cell. */
	filterVerdictOf: object | null = null;
	filterVerdict = false;
	/** A sort's rank of this cell's row key (see KeyOrder): which order, which of its rebuilds, and the rank. */
	rankOrder: object | null = null;
	rankGeneration = -1;
	rank = 0;
	/** Bumped on every change, so summaries are computed once per change, not once per tick. */
	private version = 0;
	private latencyVersion = -1;
	private ttfbVersion = -1;
	private latencySummaryCache: LatencySummary | null = null;
	private ttfbSummaryCache: LatencySummary | null = null;
	private groupKeys: Partial<Record<GroupBy, string>> | null = null;
	private membersShareCache: SharedIdentity | null = null;
	private sharedKeys: Partial<Record<GroupBy, boolean>> | null = null;
	private wholeRowCache: RowCells | null = null;
	private keptMembersOf: object | null = null;
	private keptMembersCache: Cell[] = [];

	readonly isOther: boolean;
	readonly isRowSum: boolean;

	constructor(
		readonly key: string,
		readonly identity: CellIdentity,
		kind: 'cell' | 'other' | 'row',
		pathsPerCell: number,
		readonly rowKey = '', // the row the table counts it under, for the row cap
	) {
		this.isOther = kind === 'other';
		this.isRowSum = kind === 'row';
		const latencyKeeps = kind === 'cell' ? 'p99' : 'quantiles';
		const ttfbKeeps = kind === 'cell' ? 'none' : 'quantiles';
		// Both sketches' figures and the per-second ring in one array: what a tick reads of
		// a row is a few runs of cache lines at known places, not a chain of objects.
		const ttfbAt = stateLength(latencyKeeps);
		const windowsAt = ttfbAt + stateLength(ttfbKeeps);
		const figures = new Float64Array(windowsAt + SecondCounters.length);
		this.keepsQuantiles = kind !== 'cell';
		this.figures = figures;
		this.ttfbAt = ttfbAt;
		this.windowsAt = windowsAt;
		this.latency = new LatencySketch(latencyKeeps, figures, 0);
		this.ttfb = new LatencySketch(ttfbKeeps, figures, ttfbAt);
		this.windows = new SecondCounters(figures, windowsAt);
		this.paths = new PathSample(kind === 'row' ? 0 : pathsPerCell);
		this.statusCodes = kind === 'cell' ? null : new Map();
		this.statusClasses = kind === 'cell' ? null : new Float64Array(5);
	}

	/** Records one exchange, and into the row sum it feeds. */
	record(exchange: Exchange, figures: ExchangeFigures): void {
		this.recordFigures(exchange, figures);
		this.paths.offer(exchange.path);
		this.slow.offer(exchange, figures.latency.ms);
		this.row?.recordFigures(exchange, figures);
	}

	/** Everything but the samples (a row sum leaves those to its cells). */
	private recordFigures(exchange: Exchange, figures: ExchangeFigures): void {
		const {second, error, bytesIn, bytesOut} = figures;
		this.count++;
		if (error) {
			this.errors++;
		}
		this.bytesIn += bytesIn;
		this.bytesOut += bytesOut;
		if (exchange.endMs > this.lastSeenMs) {
			this.lastSeenMs = exchange.endMs;
		}
		if (exchange.startMs < this.firstSeenMs) {
			this.firstSeenMs = exchange.startMs;
		}
		recordKeyedLatency(this.latency, figures.latency);
		recordKeyedLatency(this.ttfb, figures.ttfb);
		this.windows.add(second, bytesIn, bytesOut);
		if (this.statusCodes !== null) {
			this.statusCodes.set(exchange.status, (this.statusCodes.get(exchange.status) ?? 0) + 1);
			this.statusClasses![statusClassIndex(exchange.status)]!++;
		}
		this.version++;
	}

	/** Takes in everything another cell counted (both now have the same identity). */
	absorb(other: Cell): void {
		this.count += other.count;
		this.errors += other.errors;
		this.bytesIn += other.bytesIn;
		this.bytesOut += other.bytesOut;
		this.lastSeenMs = Math.max(this.lastSeenMs, other.lastSeenMs);
		this.firstSeenMs = Math.min(this.firstSeenMs, other.firstSeenMs);
		this.exactSum &&= other.exactSum; // a row sum that takes in a row with expired cells counts them too
		this.latency.merge(other.latency);
		this.ttfb.merge(other.ttfb);
		this.windows.merge(other.windows);
		this.paths.merge(other.paths);
		this.slow.merge(other.slow);
		if (this.statusCodes !== null) {
			for (const [code, count] of other.codeCounts()) {
				this.statusCodes.set(code, (this.statusCodes.get(code) ?? 0) + count);
				this.statusClasses![statusClassIndex(code)]! += count;
			}
		}
		this.version++;
	}

	/** Status codes seen and how often. */
	codeCounts(): Iterable<[number, number]> {
		return this.statusCodes ?? [[this.identity.status, this.count]];
	}

	/** Adds its status codes' counts into `codes` (a drill-down of thousands of cells: no iterator per cell). */
	addCodeCounts(codes: Map<number, number>): void {
		if (this.statusCodes === null) {
			codes.set(this.identity.status, (codes.get(this.identity.status) ?? 0) + this.count);
		} else {
			this.statusCodes.forEach((count, code) => {
				codes.set(code, (codes.get(code) ?? 0) + count);
			});
		}
	}

	/** Total-time quantiles, computed once per change. */
	latencySummary(): LatencySummary {
		if (this.latencyVersion !== this.version || this.latencySummaryCache === null) {
			this.latencySummaryCache = (this.keepsQuantiles ? keptSummary(this.figures, 0) : null) ?? summarizeSketch(this.latency);
			this.latencyVersion = this.version;
		}
		return this.latencySummaryCache;
	}

	/** Total-time p99 alone: the sketch keeps its position, so this reads a few fields. */
	latencyP99(): number {
		if (this.latencyVersion === this.version && this.latencySummaryCache !== null) {
			return this.latencySummaryCache.p99;
		}
		const kept = keptP99(this.figures, 0);
		return Number.isNaN(kept) ? latencyP99(this.latency) : kept;
	}

	/** Time-to-first-byte quantiles, computed once per change, and only when asked for. */
	ttfbSummary(): LatencySummary {
		if (this.ttfbVersion !== this.version || this.ttfbSummaryCache === null) {
			this.ttfbSummaryCache = (this.keepsQuantiles ? keptSummary(this.figures, this.ttfbAt) : null) ?? summarizeSketch(this.ttfb);
			this.ttfbVersion = this.version;
		}
		return this.ttfbSummaryCache;
	}

	/**
	 * A row sum's: what its members share, kept until they change (every tick
	 * asks it of every row, and reading thousands of members' identities is
	 * mostly cache misses).
	 */
	membersShare(): SharedIdentity {
		return this.membersShareCache ??= sharedIdentity(this.members);
	}

	/**
	 * A row sum as the row it stands for: its key, its own figures, its
	 * members. Kept, not made per tick: an endpoint tick asks it of every row.
	 */
	wholeRow(): RowCells {
		return this.wholeRowCache ??= {key: this.rowKey, figures: [this], members: this.members};
	}

	/**
	 * A row sum's: the members `keeps` (a test of a cell's identity, which never
	 * changes) keeps, kept until the members change. An endpoint tick filtered
	 * on what cells of one row differ in (status, process) would otherwise read
	 * every member of every row, each a cache miss.
	 */
	keptMembers(keeps: object, test: (cell: Cell) => boolean): readonly Cell[] {
		if (this.keptMembersOf !== keeps) {
			this.keptMembersCache = this.members.filter(cell => test(cell));
			this.keptMembersOf = keeps;
		}
		return this.keptMembersCache;
	}

	/**
	 * A row sum's: whether all its members have one key under `groupBy`,
	 * kept until they change (a tick grouped by Host or process asks it of
	 * every row).
	 */
	membersShareKey(groupBy: GroupBy, keyOf: (cell: Cell) => string): boolean {
		this.sharedKeys ??= {};
		let shared = this.sharedKeys[groupBy];
		if (shared === undefined) {
			const first = this.members.length > 0 ? keyOf(this.members[0]!) : '';
			shared = this.members.every(cell => keyOf(cell) === first);
			this.sharedKeys[groupBy] = shared;
		}
		return shared;
	}

	/** A member joined or left this row sum. */
	membersChanged(): void {
		this.membersShareCache = null;
		this.sharedKeys = null;
		this.keptMembersOf = null;
	}

	groupKey(groupBy: GroupBy, make: (cell: Cell) => string): string {
		this.groupKeys ??= {};
		return this.groupKeys[groupBy] ??= make(this);
	}
}
