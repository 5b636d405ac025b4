// One aggregator snapshot per tick: the view re-renders on the tick, never per
// exchange. Paused, the ticks stop and the snapshot stays as it is while the
// source keeps feeding the aggregator; a change of view (sort, grouping,
// filter), a reset, pausing and resuming take one fresh snapshot in the same
// render, so a key's effect shows at once.

import {useEffect, useMemo, useState} from 'react';
import type {Aggregator, Snapshot, ViewOptions} from '../aggregate/types.js';
import type {ExchangeSource} from '../pipeline/exchange-source.js';
import {captureCountersOf} from './capture-counters.js';

export type SnapshotTickOptions = {
	readonly aggregator: Aggregator;
	readonly source: ExchangeSource;
	readonly view: ViewOptions;
	readonly paused: boolean;
	readonly intervalMs: number;
	readonly now: () => number;
	/** Bumped to ask for a fresh snapshot (after a reset). */
	readonly generation: number;
};

// The shortest refresh period honoured, whatever is asked.
const shortestIntervalMs = 10;

export function useSnapshotTick(options: SnapshotTickOptions): Snapshot {
	const {aggregator, source, view, paused, intervalMs, now, generation} = options;
	const [tick, setTick] = useState(0);
	useEffect(() => {
		if (paused) {
			return;
		}

		const timer = setInterval(() => {
			setTick(previous => previous + 1);
		}, Math.max(shortestIntervalMs, intervalMs));
		return () => {
			clearInterval(timer);
		};
	}, [paused, intervalMs]);

	// A tick the timer fired just before pausing cleared it can still arrive while paused:
	// paused, the ticks count for nothing, or that straggler would refresh the frozen table.
	const ticking = paused ? -1 : tick;
	// `now` is left out on purpose: a new clock function must not mean a new snapshot.
	return useMemo(() => {
		const nowMs = now();
		aggregator.setCaptureCounters(captureCountersOf(source.health()), nowMs);
		return aggregator.snapshot(view, nowMs);
	}, [aggregator, source, view, ticking, generation, paused]);
}
