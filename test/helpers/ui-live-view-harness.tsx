// Runs the live view's real entry (runLiveView) over recorded exchanges, for
// the real-terminal tests of its exits: it writes what happened to a marker
// file (its pid, the source stopped, the view returned) so that a test can
// tell a clean exit from a killed process.
//
//   node --import=tsx test/helpers/ui-live-view-harness.tsx MARKER [crash]

import {appendFileSync, writeFileSync} from 'node:fs';
import {createAggregator} from '../../source/aggregate/index.js';
import {runLiveView} from '../../source/ui/run-live-view.js';
import {recordedSource, threeEndpoints, traffic} from './ui-exchanges.js';

const [marker, mode] = process.argv.slice(2);
if (!marker) {
	process.stderr.write('usage: ui-live-view-harness.tsx MARKER [crash]\n');
	process.exit(2);
}

writeFileSync(marker, `pid ${process.pid}\n`);
const nowMs = Date.now();
const aggregator = createAggregator();
const source = recordedSource(traffic(threeEndpoints, nowMs - 30_000, nowMs), {
	onStop() {
		appendFileSync(marker, 'stopped\n');
	},
});
await source.start(batch => {
	aggregator.add(batch);
});

if (mode === 'crash') {
	// An error nobody catches, as a bug in a timer callback would throw.
	setTimeout(() => {
		throw new Error('simulated failure');
	}, 1500);
}

await runLiveView({
	source,
	aggregator,
	initialView: {groupBy: 'endpoint', sort: {column: 'rate', descending: true}, filter: null, role: 'both'},
	intervalMs: 200,
	color: true,
	showQuery: false,
	hostname: 'harness',
	now: () => nowMs,
});
appendFileSync(marker, 'resolved\n');
process.exit(0);
