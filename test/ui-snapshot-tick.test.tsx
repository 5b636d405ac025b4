// The live table's tick: paused, the snapshot stays as it was, whatever the timer still delivers.
import test from 'ava';
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import React from 'react';
import {createAggregator, type ViewOptions} from '../source/aggregate/index.js';
import {useSnapshotTick} from '../source/ui/use-snapshot-tick.js';
import {makeExchange, recordedSource} from './helpers/ui-exchanges.js';

const t0 = Date.UTC(2025, 0, 1);
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'count', descending: true}, filter: null, role: 'both'};
const settle = async () => new Promise(resolve => {
	setTimeout(resolve, 50);
});

test('a tick the timer fired before the pause took effect, arriving after it, leaves the paused table as it was', async t => {
	// The hook's timer is taken by hand, so that the test decides when a tick arrives: after the
	// pause, as one the timer fired before its clearInterval ran would.
	const ticks: Array<() => void> = [];
	const {setInterval: realSetInterval, clearInterval: realClearInterval} = globalThis;
	globalThis.setInterval = ((callback: () => void) => {
		ticks.push(callback);
		return ticks.length;
	}) as unknown as typeof setInterval;
	globalThis.clearInterval = (() => undefined) as typeof clearInterval;
	t.teardown(() => {
		globalThis.setInterval = realSetInterval;
		globalThis.clearInterval = realClearInterval;
	});
	const aggregator = createAggregator();
	const source = recordedSource([]);
	function Rows({paused}: {readonly paused: boolean}) {
		const snapshot = useSnapshotTick({aggregator, source, view, paused, intervalMs: 1000, now: () => t0 + 5000, generation: 0});
		return <Text>rows {snapshot.rows.length}</Text>;
	}

	const {rerender, lastFrame, unmount} = render(<Rows paused={false} />);
	t.teardown(unmount);
	await settle();
	aggregator.add([makeExchange({path: '/one', startMs: t0, endMs: t0 + 1})]);
	ticks[0]!();
	await settle();
	t.is(lastFrame(), 'rows 1', 'a tick shows what arrived');

	rerender(<Rows paused />);
	await settle();
	aggregator.add([makeExchange({path: '/two', startMs: t0, endMs: t0 + 1})]);
	ticks[0]!(); // the straggler
	await settle();
	t.is(lastFrame(), 'rows 1', 'paused: the table is frozen');

	rerender(<Rows paused={false} />);
	await settle();
	t.is(lastFrame(), 'rows 2', 'resumed: what arrived meanwhile shows');
});
