// What the keys mean depends on the mode, as in bpftop: the table, the filter
// prompt, the detail of one row, or the help overlay. Each mode has one
// constant footer hint and one section of the help.

/** Where a filter expression failed: the aggregator's message and the 0-based position of the bad token. */
export type FilterError = {readonly message: string; readonly position: number};

export type Mode =
	| {readonly kind: 'table'}
	| {readonly kind: 'filter'; readonly draft: string; readonly error: FilterError | null}
	| {readonly kind: 'detail'}
	| {readonly kind: 'help'; readonly back: 'table' | 'detail'};

export type ModeKind = Mode['kind'];

export const footerHints: Readonly<Record<ModeKind, string>> = {
	table: '? help  q quit  ↑↓ select  ⏎ detail  / filter  </> sort  R reverse  g group  s/c role  p pause  z reset',
	filter: '⏎ apply (empty clears)  Esc cancel  ⌫ delete  Ctrl-U clear   e.g. status>=500 method=POST route~/api latency>100ms',
	detail: 'Esc/⌫ back  ↑↓ previous/next row  p pause  ? help  q quit',
	help: 'any key closes help  Ctrl-C quits',
};

export type KeyBinding = {readonly keys: string; readonly action: string};

/**
 * Every key, by mode: the help overlay shows these (short enough for two
 * columns at 80x24) and the README's Keys section lists the same with more words.
 */
export const keyBindings: ReadonlyArray<{readonly title: string; readonly bindings: readonly KeyBinding[]}> = [
	{
		title: 'Table',
		bindings: [
			{keys: '↑ ↓  k j', action: 'move the selection'},
			{keys: 'PgUp PgDn', action: 'a page up / down'},
			{keys: 'Home End', action: 'first / last row'},
			{keys: 'Enter', action: 'detail of the row'},
			{keys: '< >  , .  F6', action: 'sort column left/right'},
			{keys: 'l r n e', action: 'by p99, rate, count, err'},
			{keys: 'b B', action: 'by bytes out, in (total)'},
			{keys: 'R', action: 'reverse the sort'},
			{keys: '/  F4 F3', action: 'filter rows'},
			{keys: 'g', action: 'cycle the grouping'},
			{keys: 's c', action: 'server / client only'},
			{keys: 'p Space', action: 'pause (capture goes on)'},
			{keys: 'z', action: 'reset counters'},
			{keys: '?  F1', action: 'this help'},
			{keys: 'q Esc  F10', action: 'quit'},
		],
	},
	{
		title: 'Filter prompt',
		bindings: [
			{keys: 'Enter', action: 'apply; empty clears'},
			{keys: 'Esc', action: 'cancel'},
			{keys: 'Backspace', action: 'delete a character'},
			{keys: 'Ctrl-U', action: 'clear the line'},
		],
	},
	{
		title: 'Detail',
		bindings: [
			{keys: '↑ ↓  k j', action: 'previous / next row'},
			{keys: 'Esc Backspace', action: 'back to the table'},
			{keys: 'p Space', action: 'pause'},
			{keys: '?  F1', action: 'help'},
			{keys: 'q  F10', action: 'quit'},
		],
	},
	{
		title: 'Everywhere',
		bindings: [{keys: 'Ctrl-C', action: 'quit'}],
	},
];
