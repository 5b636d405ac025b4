// The live view's state and what each key does to it: a pure function of the
// state, the key and the rows on screen, so every binding is one place.

import {groupByValues, parseFilter} from '../aggregate/index.js';
import type {Row, RoleFilter, SortColumn, ViewOptions} from '../aggregate/types.js';
import type {Mode, ModeKind} from './modes.js';

export type ViewState = {
	readonly mode: Mode;
	readonly view: ViewOptions;
	readonly paused: boolean;
	/** The selected row follows its key across ticks, as htop follows a pid. */
	readonly selectedKey: string | null;
	/** Where the selection was; used when its key disappears. */
	readonly selectedIndex: number;
	readonly scrollTop: number;
	/** A short message for the footer, e.g. after `z`. */
	readonly notice: string | null;
};

/** The parts of Ink's key that the bindings use. */
export type Keypress = {
	readonly upArrow?: boolean;
	readonly downArrow?: boolean;
	readonly leftArrow?: boolean;
	readonly rightArrow?: boolean;
	readonly pageUp?: boolean;
	readonly pageDown?: boolean;
	readonly home?: boolean;
	readonly end?: boolean;
	readonly return?: boolean;
	readonly escape?: boolean;
	readonly backspace?: boolean;
	readonly delete?: boolean;
	readonly ctrl?: boolean;
	readonly meta?: boolean;
	readonly tab?: boolean;
};

export type KeyContext = {
	/** The rows as shown now (frozen ones when paused). */
	readonly rows: readonly Row[];
	/** Table lines on screen. */
	readonly pageSize: number;
	/** Sortable columns on screen, left to right. */
	readonly sortable: readonly SortColumn[];
};

/** What the caller must do besides showing the new state. */
export type Effect = 'quit' | 'reset' | null;

export type KeyResult = {readonly state: ViewState; readonly effect: Effect};

export function initialViewState(view: ViewOptions): ViewState {
	return {mode: {kind: 'table'}, view, paused: false, selectedKey: null, selectedIndex: 0, scrollTop: 0, notice: null};
}

/** The index of the selected row in `rows`: its key's place, else the old index clamped. */
export function selectedIndexIn(state: ViewState, rows: readonly Row[]): number {
	if (rows.length === 0) {
		return 0;
	}

	if (state.selectedKey !== null) {
		const index = rows.findIndex(row => row.key === state.selectedKey);
		if (index !== -1) {
			return index;
		}
	}

	return Math.min(Math.max(0, state.selectedIndex), rows.length - 1);
}

/** The first row on screen, so that the selection is visible and the page is full when it can be. */
export function scrollTopFor(previousTop: number, selected: number, pageSize: number, rowCount: number): number {
	const page = Math.max(1, pageSize);
	let top = previousTop;
	if (selected < top) {
		top = selected;
	} else if (selected >= top + page) {
		top = selected - page + 1;
	}

	return Math.max(0, Math.min(top, rowCount - page));
}

/** Metrics sort largest first; names sort A to Z. */
const descendingByDefault = (column: SortColumn): boolean => !['key', 'method', 'process'].includes(column);

const directSortKeys: Readonly<Record<string, SortColumn>> = {
	l: 'p99',
	r: 'rate',
	n: 'count',
	e: 'errorRate',
	b: 'bytesOut',
	B: 'bytesIn',
};

const roleToggles: Readonly<Record<string, RoleFilter>> = {s: 'server', c: 'client'};

const withView = (state: ViewState, view: Partial<ViewOptions>): ViewState => ({...state, view: {...state.view, ...view}});

const sortBy = (state: ViewState, column: SortColumn): ViewState =>
	withView(state, {sort: {column, descending: descendingByDefault(column)}});

/** The row selection moved to `index` (clamped), following that row's key from now on. */
function select(state: ViewState, index: number, context: KeyContext): ViewState {
	const {rows, pageSize} = context;
	if (rows.length === 0) {
		return {...state, selectedKey: null, selectedIndex: 0, scrollTop: 0};
	}

	const clamped = Math.max(0, Math.min(rows.length - 1, index));
	return {
		...state,
		selectedKey: rows[clamped]?.key ?? null,
		selectedIndex: clamped,
		scrollTop: scrollTopFor(state.scrollTop, clamped, pageSize, rows.length),
	};
}

/** Moves for the arrow, paging and j/k keys; null when the key is not one. */
function movement(state: ViewState, input: string, key: Keypress, context: KeyContext): ViewState | null {
	const current = selectedIndexIn(state, context.rows);
	const page = Math.max(1, context.pageSize);
	if (key.upArrow || input === 'k') {
		return select(state, current - 1, context);
	}

	if (key.downArrow || input === 'j') {
		return select(state, current + 1, context);
	}

	if (key.pageUp || (key.ctrl && input === 'b')) {
		return select(state, current - page, context);
	}

	if (key.pageDown || (key.ctrl && input === 'f')) {
		return select(state, current + page, context);
	}

	if (key.home) {
		return select(state, 0, context);
	}

	if (key.end) {
		return select(state, context.rows.length - 1, context);
	}

	return null;
}

/** A fresh selection at the top, after the set of rows changes meaning (grouping, filter, role). */
const fromTop = (state: ViewState): ViewState => ({...state, selectedKey: null, selectedIndex: 0, scrollTop: 0});

function moveSortColumn(state: ViewState, step: 1 | -1, sortable: readonly SortColumn[]): ViewState {
	if (sortable.length === 0) {
		return state;
	}

	const current = sortable.indexOf(state.view.sort.column === 'errors' ? 'errorRate' : state.view.sort.column);
	const next = current === -1 ? sortable.indexOf('rate') : (current + step + sortable.length) % sortable.length;
	return sortBy(state, sortable[Math.max(0, next)] ?? 'rate');
}

const isBack = (key: Keypress): boolean => Boolean(key.escape || key.backspace || key.delete);

function tableKey(state: ViewState, input: string, key: Keypress, context: KeyContext): KeyResult {
	const keep = (next: ViewState): KeyResult => ({state: next, effect: null});
	if (input === 'q' || key.escape) {
		return {state, effect: 'quit'};
	}

	const moved = movement(state, input, key, context);
	if (moved) {
		return keep(moved);
	}

	// Ctrl and Alt chords other than the paging ones above mean nothing here.
	if (key.ctrl || key.meta) {
		return keep(state);
	}

	if (key.return) {
		const row = context.rows[selectedIndexIn(state, context.rows)];
		return keep(row ? {...state, mode: {kind: 'detail'}, selectedKey: row.key} : state);
	}

	const direct = directSortKeys[input];
	if (direct) {
		return keep(sortBy(state, direct));
	}

	const role = roleToggles[input];
	if (role) {
		return keep(fromTop(withView(state, {role: state.view.role === role ? 'both' : role})));
	}

	switch (input) {
		case '<':
		case ',': {
			return keep(moveSortColumn(state, -1, context.sortable));
		}

		case '>':
		case '.': {
			return keep(moveSortColumn(state, 1, context.sortable));
		}

		case 'R': {
			return keep(withView(state, {sort: {...state.view.sort, descending: !state.view.sort.descending}}));
		}

		case '/': {
			return keep({...state, mode: {kind: 'filter', draft: state.view.filter?.source ?? '', error: null}});
		}

		case 'g': {
			const next = groupByValues[(groupByValues.indexOf(state.view.groupBy) + 1) % groupByValues.length] ?? 'endpoint';
			return keep(fromTop(withView(state, {groupBy: next})));
		}

		case 'p':
		case ' ': {
			return keep({...state, paused: !state.paused});
		}

		case 'z': {
			return {state: {...fromTop(state), notice: 'counters reset'}, effect: 'reset'};
		}

		case '?': {
			return keep({...state, mode: {kind: 'help', back: 'table'}});
		}

		default: {
			return keep(state);
		}
	}
}

// Printable characters only: a paste with control bytes must not reach the prompt.
const printable = /[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

function filterKey(state: ViewState, mode: Extract<Mode, {kind: 'filter'}>, input: string, key: Keypress): KeyResult {
	const edit = (draft: string): KeyResult => ({state: {...state, mode: {kind: 'filter', draft, error: null}}, effect: null});
	if (key.escape) {
		return {state: {...state, mode: {kind: 'table'}}, effect: null};
	}

	if (key.return) {
		const text = mode.draft.trim();
		if (text === '') {
			return {state: fromTop({...withView(state, {filter: null}), mode: {kind: 'table'}}), effect: null};
		}

		const parsed = parseFilter(text);
		if (!parsed.ok) {
			const leading = mode.draft.length - mode.draft.trimStart().length;
			return {state: {...state, mode: {...mode, error: {message: parsed.message, position: parsed.position + leading}}}, effect: null};
		}

		return {state: fromTop({...withView(state, {filter: parsed.filter}), mode: {kind: 'table'}}), effect: null};
	}

	if (key.backspace || key.delete) {
		return edit([...mode.draft].slice(0, -1).join(''));
	}

	if (key.ctrl && input === 'u') {
		return edit('');
	}

	if (key.ctrl && input === 'w') {
		return edit(mode.draft.replace(/\S*\s*$/u, ''));
	}

	if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.tab) {
		return {state, effect: null};
	}

	const typed = (input.match(printable) ?? []).join('');
	return typed === '' ? {state, effect: null} : edit(mode.draft + typed);
}

function detailKey(state: ViewState, input: string, key: Keypress, context: KeyContext): KeyResult {
	if (input === 'q') {
		return {state, effect: 'quit'};
	}

	if (isBack(key) || key.leftArrow) {
		return {state: {...state, mode: {kind: 'table'}}, effect: null};
	}

	const moved = movement(state, input, key, context);
	if (moved) {
		return {state: moved, effect: null};
	}

	if (input === 'p' || input === ' ') {
		return {state: {...state, paused: !state.paused}, effect: null};
	}

	if (input === '?') {
		return {state: {...state, mode: {kind: 'help', back: 'detail'}}, effect: null};
	}

	return {state, effect: null};
}

/** What a key press does in the current mode. */
export function handleKey(state: ViewState, input: string, key: Keypress, context: KeyContext): KeyResult {
	if (key.ctrl && input === 'c') {
		return {state, effect: 'quit'};
	}

	const cleared = state.notice === null ? state : {...state, notice: null};
	const {mode} = cleared;
	switch (mode.kind) {
		case 'table': {
			return tableKey(cleared, input, key, context);
		}

		case 'filter': {
			return filterKey(cleared, mode, input, key);
		}

		case 'detail': {
			return detailKey(cleared, input, key, context);
		}

		case 'help': {
			return {state: {...cleared, mode: {kind: mode.back}}, effect: null};
		}
	}
}

// htop's function keys, as the keys they stand for here: F1 help, F3 and F4
// filter, F6 the next sort column, F10 quit. By the sequences terminals send
// (xterm and tmux: SS3 for F1-F4, CSI ~ for all; the Linux console's CSI [ A-E).
const functionKeys: Readonly<Record<string, string>> = {
	'\u001BOP': '?',
	'\u001B[11~': '?',
	'\u001B[[A': '?',
	'\u001BOR': '/',
	'\u001B[13~': '/',
	'\u001B[[C': '/',
	'\u001BOS': '/',
	'\u001B[14~': '/',
	'\u001B[[D': '/',
	'\u001B[17~': '>',
	'\u001B[21~': 'q',
};

const functionKeySequences = new RegExp(Object.keys(functionKeys).map(sequence => sequence.replaceAll(/[[\]]/g, '\\$&')).join('|'), 'g');

/**
 * The keys the function keys in a chunk of terminal input stand for, in
 * order (Ink names no function key, so they are read from its input stream);
 * none at the filter prompt, where the key one stands for would be typed
 * into the expression.
 */
export function functionKeysIn(input: string, mode: ModeKind): string[] {
	return mode === 'filter' ? [] : [...input.matchAll(functionKeySequences)].map(match => functionKeys[match[0]] ?? '');
}

/** A key Ink could not name (a function key, Insert): no binding here, not even "any key" closing the help. */
export const isUnnamedKey = (input: string, key: Keypress): boolean =>
	input === '' && !Object.values(key).some(Boolean);

/**
 * Ink hands over a run of typed characters as one input when they arrive in
 * one read (a paste, key repeat on a busy terminal, `tmux send-keys`): split
 * it into one key press per character, so `jjj` moves three rows and a
 * pasted filter followed by Enter is applied.
 */
export function splitKeys(input: string, key: Keypress): Array<readonly [string, Keypress]> {
	const characters = [...input];
	if (characters.length <= 1) {
		return [[input, key]];
	}

	return characters.map((character): readonly [string, Keypress] => {
		const code = character.codePointAt(0) ?? 0;
		if (character === '\r' || character === '\n') {
			return ['', {return: true}];
		}

		if (character === '\u007F' || character === '\b') {
			return ['', {backspace: true}];
		}

		if (character === '\t') {
			return ['', {tab: true}];
		}

		if (code < 0x20) {
			return [String.fromCodePoint(code + 0x60), {ctrl: true}];
		}

		return [character, {}];
	});
}
