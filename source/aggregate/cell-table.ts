// A bounded set of cells. The cap counts rows (endpoints: role, method,
// route, Host, service; in the peer table, endpoint and client address): a
// new row past `maxRows` sends its traffic to an explicit "(other)" cell per
// role, counted everywhere, shown as the "(other)" row, never dropped. Within
// a row, cells split by process and status code; a second cap of cellsPerRow
// x maxRows cells bounds memory whatever the split. Idle cells expire, which
// makes room again.
//
// The endpoint table also keeps a running sum per row (a "row sum" cell that
// its cells feed as they record), so the endpoint view, the default one and
// the one with thousands of rows, reads one sketch per row instead of merging.

import type {Role} from '../http/exchange.js';
import {Cell, cellKey, type CellIdentity} from './cell.js';
import {LatencySketch} from './latency.js';

export const otherLabel = '(other)';

const otherIdentity = (role: Role): CellIdentity => ({
	role,
	method: otherLabel,
	route: otherLabel,
	host: null,
	pid: 0,
	comm: otherLabel,
	container: null,
	status: 0,
	port: 0,
	service: otherLabel,
	peer: null,
});

/** On average a row may split into this many cells (processes x status codes) before the memory cap applies. */
export const cellsPerRow = 4;

type RowEntry = {
	cells: number;
	readonly identity: CellIdentity; // of its first cell: the row's own fields are the same in all
	readonly sum: Cell | null;
};

/** What the cells (or rows) that left a table had counted, for one role. Their rates had fallen to 0: they had been idle. */
export class RemovedFigures {
	count = 0;
	errors = 0;
	readonly latency = new LatencySketch();
	readonly ttfb = new LatencySketch();

	take(cell: Cell): void {
		this.count += cell.count;
		this.errors += cell.errors;
		this.latency.merge(cell.latency);
		this.ttfb.merge(cell.ttfb);
	}
}

const removedFigures = (): Record<Role, RemovedFigures> => ({server: new RemovedFigures(), client: new RemovedFigures()});

export class CellTable {
	readonly cells = new Map<string, Cell>();
	private readonly rows = new Map<string, RowEntry>();
	/** Bumped whenever cells leave the table, so lookups cached elsewhere know to start again. */
	generation = 0;
	/** No cell in the table was last seen before this (a lower bound; see expire). */
	private oldestSeenMs = -Infinity;
	private readonly others: {server: Cell | null; client: Cell | null} = {server: null, client: null};
	/**
	 * What the cells that left the table counted, per role (and the rows, row
	 * sums, that left it): every exchange less these is what the cells (rows)
	 * still here hold, which the figures of a group holding most of them are
	 * worked out from (see summarizeDifference).
	 */
	removedCells = removedFigures();
	removedRows = removedFigures();

	constructor(
		private readonly maxRows: number,
		private readonly pathsPerCell: number,
		private readonly rowKeyOf: (identity: CellIdentity) => string,
		private readonly keepsRowSums: boolean,
	) {}

	/** The cell for a key not in `cells` yet, about to record an exchange that ended at `endMs`: a new one, or "(other)" when the table is full. */
	create(key: string, identity: CellIdentity, endMs: number): Cell {
		const rowKey = this.rowKeyOf(identity);
		if ((!this.rows.has(rowKey) && this.rows.size >= this.maxRows) || this.cells.size >= this.maxRows * cellsPerRow) {
			return this.other(identity.role);
		}
		const cell = new Cell(key, identity, 'cell', this.pathsPerCell, rowKey);
		this.cells.set(key, cell);
		this.join(cell);
		if (!(endMs >= this.oldestSeenMs)) {
			this.oldestSeenMs = -Infinity; // older, or not a number: walk the table next time
		}
		return cell;
	}

	private entry(rowKey: string, identity: CellIdentity): RowEntry {
		let entry = this.rows.get(rowKey);
		if (entry === undefined) {
			entry = {cells: 0, identity, sum: this.keepsRowSums ? new Cell(rowKey, identity, 'row', 0, rowKey) : null};
			this.rows.set(rowKey, entry);
		}
		return entry;
	}

	private join(cell: Cell): void {
		const entry = this.entry(cell.rowKey, cell.identity);
		entry.cells++;
		if (entry.sum !== null) {
			entry.sum.members.push(cell);
			entry.sum.membersChanged();
			cell.row = entry.sum;
		}
	}

	/**
	 * Takes a cell out. Its row sum keeps what it counted: a row's figures run
	 * since start, while an idle process or status code leaves the breakdown.
	 */
	private remove(key: string, cell: Cell): void {
		this.cells.delete(key);
		this.generation++;
		const entry = this.rows.get(cell.rowKey)!;
		// A peer cell standing for an endpoint cell (see the aggregator's add) leaves with what that cell counted.
		countRemoved(this.removedCells, cell.mirror ?? cell);
		if (--entry.cells === 0) {
			this.rows.delete(cell.rowKey);
			if (entry.sum !== null) {
				countRemoved(this.removedRows, entry.sum);
			}
		} else if (entry.sum !== null) {
			entry.sum.members.splice(entry.sum.members.indexOf(cell), 1);
			entry.sum.membersChanged();
			entry.sum.exactSum = false; // it still counts what the cell counted
		}
	}

	private other(role: Role): Cell {
		let cell = this.others[role];
		if (cell === null) {
			cell = new Cell(otherLabel + role, otherIdentity(role), 'other', this.pathsPerCell);
			this.others[role] = cell;
		}
		return cell;
	}

	/** Every cell, "(other)" ones last. */
	*all(): Iterable<Cell> {
		yield* this.cells.values();
		yield* this.otherCells();
	}

	*otherCells(): Iterable<Cell> {
		if (this.others.server !== null) {
			yield this.others.server;
		}
		if (this.others.client !== null) {
			yield this.others.client;
		}
	}

	/** The row sums (when the table keeps them), one per row. (A list, not a generator: a tick reads thousands.) */
	rowSums(): Cell[] {
		const sums: Cell[] = [];
		for (const entry of this.rows.values()) {
			if (entry.sum !== null) {
				sums.push(entry.sum);
			}
		}
		return sums;
	}

	/**
	 * Drops cells whose last exchange ended before `cutoffMs`. Every tick asks,
	 * and with a 10-minute idle expiry the answer is nearly always "none": a
	 * lower bound of every cell's last-seen time (they only grow, and new cells
	 * are recent) skips the walk over the table until some cell may be due.
	 */
	expire(cutoffMs: number): void {
		if (cutoffMs > this.oldestSeenMs) {
			let oldest = Infinity;
			for (const cell of this.cells.values()) {
				// A peer cell standing for an endpoint cell was last seen when that cell was.
				const lastSeenMs = cell.mirror === null ? cell.lastSeenMs : cell.mirror.lastSeenMs;
				if (lastSeenMs < cutoffMs) {
					this.remove(cell.key, cell);
				} else if (lastSeenMs < oldest) {
					oldest = lastSeenMs;
				}
			}
			this.oldestSeenMs = oldest;
		}
		for (const role of ['server', 'client'] as const) {
			if (this.others[role] !== null && this.others[role].lastSeenMs < cutoffMs) {
				countRemoved(this.removedCells, this.others[role]);
				countRemoved(this.removedRows, this.others[role]);
				this.others[role] = null;
			}
		}
	}

	/**
	 * Gives every cell the route `reroute` now makes of its own; cells (and
	 * rows) that end up alike merge. Folding only merges rows, so everything
	 * moved fits under the caps again.
	 */
	reroute(reroute: (route: string) => string): void {
		this.generation++;
		const movedRows: RowEntry[] = [];
		for (const [rowKey, entry] of this.rows) {
			if (reroute(entry.identity.route) !== entry.identity.route) {
				this.rows.delete(rowKey);
				movedRows.push(entry);
			}
		}
		for (const entry of movedRows) {
			const identity = {...entry.identity, route: reroute(entry.identity.route)};
			const target = this.entry(this.rowKeyOf(identity), identity);
			if (entry.sum !== null) {
				target.sum!.absorb(entry.sum);
			}
		}
		const movedCells: Cell[] = [];
		for (const [key, cell] of this.cells) {
			if (reroute(cell.identity.route) !== cell.identity.route) {
				this.cells.delete(key);
				movedCells.push(cell);
			}
		}
		for (const cell of movedCells) {
			const identity = {...cell.identity, route: reroute(cell.identity.route)};
			const key = cellKey(identity);
			const existing = this.cells.get(key);
			if (existing === undefined) {
				const replacement = new Cell(key, identity, 'cell', this.pathsPerCell, this.rowKeyOf(identity));
				replacement.absorb(cell);
				this.cells.set(key, replacement);
				this.join(replacement);
			} else {
				existing.absorb(cell);
			}
		}
	}

	clear(): void {
		this.generation++;
		this.cells.clear();
		this.rows.clear();
		this.oldestSeenMs = -Infinity;
		this.others.server = null;
		this.others.client = null;
		this.removedCells = removedFigures();
		this.removedRows = removedFigures();
	}
}

function countRemoved(removed: Record<Role, RemovedFigures>, cell: Cell): void {
	removed[cell.identity.role].take(cell);
}
