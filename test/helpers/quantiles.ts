// What a row's latency summary must be, from the values it summarizes.

import type {ExecutionContext} from 'ava';
import {latencyRelativeError, type LatencySummary} from '../../source/aggregate/index.js';

/** Each quantile within the sketch's relative error of the exact one (rank floor(q * (n - 1))); max exact; mean to float rounding. */
export function assertQuantiles(t: ExecutionContext, actual: LatencySummary, values: readonly number[], label: string): void {
	const sorted = [...values].sort((a, b) => a - b);
	for (const [name, q] of [['p50', 0.5], ['p90', 0.9], ['p99', 0.99]] as const) {
		const expected = sorted[Math.floor(q * (sorted.length - 1))]!;
		t.true(Math.abs(actual[name] - expected) <= latencyRelativeError * expected * (1 + 1e-9), `${label} ${name}: ${actual[name]} vs exact ${expected}`);
	}
	t.is(actual.max, sorted.at(-1)!, `${label} max`);
	const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
	t.true(Math.abs(actual.mean - mean) <= 1e-9 * mean, `${label} mean: ${actual.mean} vs ${mean}`);
}
