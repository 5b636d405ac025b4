// Colour on a colour terminal, none with --no-color / NO_COLOR: the selection
// (inverse and `>`) and errors (bold) still stand out without it. The test
// worker's stdout is no terminal, so colour support (Ink's chalk, which the
// worker may have loaded already) is switched on by hand.

import test from 'ava';
import type {ViewOptions} from '../source/aggregate/types.js';
import {recordedSource, threeEndpoints, traffic} from './helpers/ui-exchanges.js';

const {default: chalk} = await import('chalk');
chalk.level = 1;
const {render} = await import('ink-testing-library');
const {createAggregator} = await import('../source/aggregate/index.js');
const {App} = await import('../source/ui/app.js');

const startMs = Date.UTC(2025, 0, 1, 12);
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'rate', descending: true}, filter: null, role: 'both'};

async function frameWith(color: boolean): Promise<string> {
	const aggregator = createAggregator();
	const source = recordedSource(traffic(threeEndpoints, startMs, startMs + 30_000));
	await source.start(batch => {
		aggregator.add(batch);
	});
	const instance = render(
		<App source={source} aggregator={aggregator} initialView={view} intervalMs={60_000} color={color} showQuery={false} hostname="h" now={() => startMs + 30_000} />,
	);
	const frame = instance.lastFrame() ?? '';
	instance.unmount();
	return frame;
}

// SGR colour parameters: 30-37, 39, 90-97 foreground, 40-47, 49, 100-107 background, 38;5 / 38;2 extended.
const colourCodes = /\u001B\[(?:[34][0-79]|9[0-7]|10[0-7]|[34]8;[25];[\d;]+)m/;

test('with colour: errors red, slow latencies yellow, the selection inverse', async t => {
	const frame = await frameWith(true);
	const flaky = frame.split('\n').find(line => line.includes('/api/flaky')) ?? '';
	t.regex(flaky, /\u001B\[31m[^\u001B]*25\.0%/);
	const slow = frame.split('\n').find(line => line.includes('/api/slow')) ?? '';
	t.regex(slow, /\u001B\[33m +\d+ms/);
	const fast = frame.split('\n').find(line => line.includes('/api/fast')) ?? '';
	t.regex(fast, /\u001B\[7m>/);
});

test('without colour: no colour codes at all, yet the selection and errors still stand out', async t => {
	const frame = await frameWith(false);
	t.notRegex(frame, colourCodes);
	const fast = frame.split('\n').find(line => line.includes('/api/fast')) ?? '';
	t.regex(fast, /\u001B\[7m>/, 'inverse and the > marker');
	const flaky = frame.split('\n').find(line => line.includes('/api/flaky')) ?? '';
	t.regex(flaky, /\u001B\[1m[^\u001B]*25\.0%/, 'bold error rate');
});
