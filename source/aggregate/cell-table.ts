// A bounded set of cells. Past `maxCells` distinct identities, traffic of new
// ones lands in an explicit "(other)" cell per role: counted everywhere, shown
// as the "(other)" row, never dropped. Idle cells expire, which makes room again.

import type {Role} from '../http/exchange.js';
import {Cell, cellKey, type CellIdentity} from './cell.js';

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

export class CellTable {
	readonly cells = new Map<string, Cell>();
	/** Bumped whenever cells leave the table, so lookups cached elsewhere know to start again. */
	generation = 0;
	private readonly others: {server: Cell | null; client: Cell | null} = {server: null, client: null};

	constructor(
		private readonly maxCells: number,
		private readonly pathsPerCell: number,
	) {}

	/** The cell for a key not in `cells` yet: a new one, or "(other)" when the table is full. */
	create(key: string, identity: CellIdentity): Cell {
		if (this.cells.size >= this.maxCells) {
			return this.other(identity.role);
		}
		const cell = new Cell(key, identity, false, this.pathsPerCell);
		this.cells.set(key, cell);
		return cell;
	}

	private other(role: Role): Cell {
		let cell = this.others[role];
		if (cell === null) {
			cell = new Cell(otherLabel + role, otherIdentity(role), true, this.pathsPerCell);
			this.others[role] = cell;
		}
		return cell;
	}

	/** Every cell, "(other)" ones last. */
	*all(): Iterable<Cell> {
		yield* this.cells.values();
		if (this.others.server !== null) {
			yield this.others.server;
		}
		if (this.others.client !== null) {
			yield this.others.client;
		}
	}

	/** Drops cells whose last exchange ended before `cutoffMs`. */
	expire(cutoffMs: number): void {
		for (const [key, cell] of this.cells) {
			if (cell.lastSeenMs < cutoffMs) {
				this.cells.delete(key);
				this.generation++;
			}
		}
		for (const role of ['server', 'client'] as const) {
			if (this.others[role] !== null && this.others[role].lastSeenMs < cutoffMs) {
				this.others[role] = null;
			}
		}
	}

	/** Gives every cell the route `reroute` now makes of its own; cells that end up alike merge. */
	reroute(reroute: (route: string) => string): void {
		this.generation++;
		const moved: Cell[] = [];
		for (const [key, cell] of this.cells) {
			if (reroute(cell.identity.route) !== cell.identity.route) {
				this.cells.delete(key);
				moved.push(cell);
			}
		}
		for (const cell of moved) {
			const identity = {...cell.identity, route: reroute(cell.identity.route)};
			const key = cellKey(identity);
			const existing = this.cells.get(key);
			if (existing === undefined) {
				const replacement = new Cell(key, identity, false, this.pathsPerCell);
				replacement.absorb(cell);
				this.cells.set(key, replacement);
			} else {
				existing.absorb(cell);
			}
		}
	}

	clear(): void {
		this.generation++;
		this.cells.clear();
		this.others.server = null;
		this.others.client = null;
	}
}
