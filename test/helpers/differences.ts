// Rows worked out as a difference (the table less what left it less the other
// rows) fall back to merging when the difference does not come to what it
// stands for. The merge gives the right figures, so a slip in the tables'
// bookkeeping would show only as a slower tick; these tests fail on it.

import test, {type ExecutionContext} from 'ava';
import {differenceFallbacks} from '../../source/aggregate/latency.js';

/** An ava test that also fails when any row difference in it fell back to merging. */
export function differenceTest(title: string, body: (t: ExecutionContext) => void): void {
	test(title, (t) => {
		const before = differenceFallbacks();
		body(t);
		t.is(differenceFallbacks(), before, 'every difference came to what it stands for');
	});
}
