// Runs the live view's real entry (runLiveView) over recorded exchanges, for
// the real-terminal tests of its exits: it writes what happened to a marker
// file (its pid, the source stopped, the view returned) so that a test can
// tell a clean exit from a killed process.
//
//   node --import=tsx test/helpers/ui-live-view-harness.tsx MARKER [crash|wide]
//
// `wide` adds routes of wide, combining and hostile characters to the traffic.

import {appendFileSync, writeFileSync} from 'node:fs';
import {createAggregator} from '../../source/aggregate/index.js';
import {runLiveView} from '../../source/ui/run-live-view.js';
import {recordedSource, threeEndpoints, traffic, type EndpointTraffic} from './ui-exchanges.js';

const [marker, mode] = process.argv.slice(2);
if (!marker) {
	process.stderr.write('usage: ui-live-view-harness.tsx MARKER [crash|wide]\n');
	process.exit(2);
}

writeFileSync(marker, `pid ${process.pid}\n`);
const nowMs = Date.now();
const aggregator = createAggregator();
// CJK, Hangul, halfwidth katakana, an emoji, combining accents, the view's own symbols, and bytes a terminal would act on.
export const wideRoutes = ['/服务/订单', '/한국어/주문', '/ｱﾌﾟﾘ/ﾃｽﾄ', '/emoji/😀/x', '/cafe\u0301/e\u0301te\u0301', '/µ…▁█/↑↓', '/x\u001B[2Jy\u009B31m\u202Ez'];
const endpoints: readonly EndpointTraffic[] = mode === 'wide'
	? [...threeEndpoints, ...wideRoutes.map((path, index): EndpointTraffic => ({method: 'GET', path: () => path, perSecond: 10 + index, latencyMs: 5}))]
	: threeEndpoints;
const source = recordedSource(traffic(endpoints, nowMs - 30_000, nowMs), {
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
