// Which table columns fit a terminal of a given width, and how wide each is.
// Narrow terminals lose the least useful columns first (sparkline, p90, max,
// byte rates, p50, count...); the key, req/s, error % and p99 always stay.

import type {GroupBy, Sort, SortColumn} from '../aggregate/types.js';

export type ColumnId =
	| 'role'
	| 'proto'
	| 'method'
	| 'key'
	| 'process'
	| 'rate'
	| 'count'
	| 'errorRate'
	| 'p50'
	| 'p90'
	| 'p99'
	| 'max'
	| 'bytesIn'
	| 'bytesOut'
	| 'spark';

type ColumnSpec = {
	readonly id: ColumnId;
	readonly title: string;
	readonly align: 'left' | 'right';
	readonly min: number;
	readonly sort: SortColumn | null;
	/** Lower is dropped first on a narrow terminal; undefined: never dropped. */
	readonly dropRank?: number;
};

export type Column = {
	readonly id: ColumnId;
	readonly title: string;
	readonly align: 'left' | 'right';
	readonly width: number;
	readonly sort: SortColumn | null;
};

export type Layout = {
	readonly columns: readonly Column[];
	/** Cells before the first column: the selection marker. */
	readonly gutter: number;
	/** Cells between two columns. */
	readonly gap: number;
	/** Cells the whole line takes (at most the terminal width). */
	readonly width: number;
};

const keyTitles: Readonly<Record<GroupBy, string>> = {
	endpoint: 'ROUTE',
	process: 'PROCESS',
	container: 'CONTAINER',
	host: 'HOST',
	peer: 'PEER',
	status: 'STATUS',
};

// In display order.
const specs: readonly ColumnSpec[] = [
	{id: 'role', title: 'ROLE', align: 'left', min: 4, sort: null, dropRank: 11}, // last to go: rows of both roles look alike without it
	{id: 'proto', title: 'PROTO', align: 'left', min: 5, sort: null, dropRank: 8}, // http, https, h2c, h2, grpc, grpcs
	{id: 'method', title: 'METHOD', align: 'left', min: 7, sort: 'method', dropRank: 10},
	{id: 'key', title: 'ROUTE', align: 'left', min: 20, sort: 'key'},
	{id: 'process', title: 'PROCESS', align: 'left', min: 12, sort: 'process', dropRank: 9},
	{id: 'rate', title: 'REQ/S', align: 'right', min: 7, sort: 'rate'},
	{id: 'count', title: 'COUNT', align: 'right', min: 7, sort: 'count', dropRank: 7},
	{id: 'errorRate', title: 'ERR%', align: 'right', min: 6, sort: 'errorRate'},
	{id: 'p50', title: 'P50', align: 'right', min: 6, sort: 'p50', dropRank: 6},
	{id: 'p90', title: 'P90', align: 'right', min: 6, sort: 'p90', dropRank: 2},
	{id: 'p99', title: 'P99', align: 'right', min: 6, sort: 'p99'},
	{id: 'max', title: 'MAX', align: 'right', min: 6, sort: 'max', dropRank: 3},
	{id: 'bytesIn', title: 'IN/S', align: 'right', min: 7, sort: 'bytesIn', dropRank: 4},
	{id: 'bytesOut', title: 'OUT/S', align: 'right', min: 7, sort: 'bytesOut', dropRank: 5},
	{id: 'spark', title: 'REQ/S 60s', align: 'left', min: 10, sort: null, dropRank: 1},
];

// Where spare cells go, in order, each up to a total width; the key column
// then takes whatever is left, like the command column of top.
const growth: ReadonlyArray<readonly [ColumnId, number]> = [
	['key', 40],
	['process', 22],
	['spark', 30],
	['key', 72],
	['spark', 60],
];

const keyFloor = 8;
const gutter = 1;
const gap = 1;

/** Columns that make sense for a grouping: the method only for endpoints, the process column not when it is the key. */
function columnsFor(groupBy: GroupBy): ColumnSpec[] {
	return specs
		.filter(spec => !(spec.id === 'method' && groupBy !== 'endpoint'))
		.filter(spec => !(spec.id === 'process' && groupBy === 'process'))
		.map(spec => (spec.id === 'key' ? {...spec, title: keyTitles[groupBy]} : spec));
}

const lineWidth = (widths: readonly number[]): number =>
	gutter + widths.reduce((sum, width) => sum + width, 0) + gap * Math.max(0, widths.length - 1);

/** The key column's share of a wide terminal that optional columns may not take: routes matter most. */
const keyNeed = (width: number): number => Math.max(20, Math.min(40, Math.floor(width / 4)));

/** Lays the table out for a terminal `width` cells wide. */
export function layoutColumns(width: number, groupBy: GroupBy): Layout {
	let kept = columnsFor(groupBy);
	const need = (spec: ColumnSpec): number => (spec.id === 'key' ? Math.max(spec.min, keyNeed(width)) : spec.min);
	while (lineWidth(kept.map(need)) > width) {
		const droppable = kept.filter(spec => spec.dropRank !== undefined);
		if (droppable.length === 0) {
			break;
		}

		const first = droppable.reduce((lowest, spec) => ((spec.dropRank ?? 0) < (lowest.dropRank ?? 0) ? spec : lowest));
		kept = kept.filter(spec => spec !== first);
	}

	const widths = new Map<ColumnId, number>(kept.map(spec => [spec.id, spec.min]));
	let spare = width - lineWidth([...widths.values()]);
	if (spare < 0) {
		// Narrower than the fixed columns: the key gives up cells down to a floor.
		const key = widths.get('key') ?? 0;
		const give = Math.min(-spare, key - keyFloor);
		widths.set('key', key - give);
		spare += give;
	}

	for (const [id, upTo] of growth) {
		const current = widths.get(id);
		if (current === undefined || spare <= 0) {
			continue;
		}

		const add = Math.min(spare, Math.max(0, upTo - current));
		widths.set(id, current + add);
		spare -= add;
	}

	if (spare > 0 && widths.has('key')) {
		widths.set('key', (widths.get('key') ?? 0) + spare);
	}

	const columns = kept.map(spec => ({
		id: spec.id,
		title: spec.title,
		align: spec.align,
		width: widths.get(spec.id) ?? spec.min,
		sort: spec.sort,
	}));
	return {columns, gutter, gap, width: lineWidth(columns.map(column => column.width))};
}

/** The column that shows a sort, if any (`errors` is shown by the error % column). */
export function columnOfSort(layout: Layout, sort: Sort): Column | undefined {
	const column = sort.column === 'errors' ? 'errorRate' : sort.column;
	return layout.columns.find(candidate => candidate.sort === column);
}
