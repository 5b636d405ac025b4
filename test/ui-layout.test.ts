import test from 'ava';
import type {Row} from '../source/aggregate/types.js';
import {layoutColumns, type ColumnId} from '../source/ui/column-layout.js';
import {fitProcessLabel, headerText, rowSegments} from '../source/ui/table-line.js';
import {cellWidth} from '../source/ui/text-width.js';

const ids = (width: number, groupBy: Parameters<typeof layoutColumns>[1] = 'endpoint'): ColumnId[] =>
	layoutColumns(width, groupBy).columns.map(column => column.id);

const essentials: ColumnId[] = ['key', 'rate', 'errorRate', 'p99'];

test('80 columns: the essentials and a usable route column, nothing wider than the terminal', t => {
	const layout = layoutColumns(80, 'endpoint');
	const shown = ids(80);
	for (const id of essentials) {
		t.true(shown.includes(id), id);
	}

	t.false(shown.includes('spark'));
	t.false(shown.includes('p90'));
	t.false(shown.includes('max'));
	t.true(layout.width <= 80);
	t.true((layout.columns.find(column => column.id === 'key')?.width ?? 0) >= 20);
});

test('120 columns: more latency and byte columns appear', t => {
	const shown = ids(120);
	for (const id of [...essentials, 'role', 'method', 'process', 'count', 'p50'] as ColumnId[]) {
		t.true(shown.includes(id), id);
	}

	t.true(shown.length > ids(80).length);
	t.true(layoutColumns(120, 'endpoint').width <= 120);
});

test('300 columns: every column, the sparkline, and the line fills the width', t => {
	const layout = layoutColumns(300, 'endpoint');
	t.deepEqual(layout.columns.map(column => column.id), [
		'role', 'proto', 'method', 'key', 'process', 'rate', 'count', 'errorRate', 'p50', 'p90', 'p99', 'max', 'bytesIn', 'bytesOut', 'spark',
	]);
	t.is(layout.width, 300);
	t.true((layout.columns.find(column => column.id === 'spark')?.width ?? 0) >= 30);
});

test('ROLE is the last column to go: at 50 columns the two ends of an endpoint still differ', t => {
	t.deepEqual(ids(50), ['role', 'key', 'rate', 'errorRate', 'p99']);
});

test('columns drop in order as the terminal narrows, and never come back', t => {
	let previous = ids(400);
	for (let width = 399; width >= 40; width--) {
		const shown = ids(width);
		t.true(shown.every(id => previous.includes(id)), `${width}: ${shown.join(',')}`);
		t.true(layoutColumns(width, 'endpoint').width <= width, `${width} fits`);
		previous = shown;
	}

	t.deepEqual(ids(40), ['key', 'rate', 'errorRate', 'p99']);
});

test('the grouping decides the key title and drops columns that would repeat it', t => {
	t.false(ids(300, 'process').includes('process'));
	t.false(ids(300, 'process').includes('method'));
	t.false(ids(300, 'host').includes('method'));
	t.is(layoutColumns(300, 'peer').columns.find(column => column.id === 'key')?.title, 'PEER');
	t.is(layoutColumns(300, 'status').columns.find(column => column.id === 'key')?.title, 'STATUS');
});

test('the header marks the sort column', t => {
	const layout = layoutColumns(120, 'endpoint');
	t.regex(headerText(layout, {column: 'p99', descending: true}), /P99▼/);
	t.regex(headerText(layout, {column: 'rate', descending: false}), /REQ\/S▲/);
	t.is(cellWidth(headerText(layout, {column: 'rate', descending: false})), layout.width);
});

const zeroLatency = {p50: 0, p90: 0, p99: 0, max: 0, mean: 0};

function row(overrides: Partial<Row>): Row {
	return {
		key: 'k', groupBy: 'endpoint', label: '/', role: 'server', method: 'GET', route: '/', host: null,
		process: {pid: 1, comm: 'nginx'}, container: null, tls: false, protocol: 'HTTP/1.1', grpcStatusCodes: [], isOther: false, count: 0, ratePerSec: 0, rate1s: 0,
		rate10s: 0, rate60s: 0, rateHistory: [], status: {'1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0},
		errors: 0, errorRate: 0, latencyMs: zeroLatency, ttfbMs: zeroLatency, bytesIn: 0, bytesOut: 0,
		bytesInPerSec: 0, bytesOutPerSec: 0, lastSeenMs: 0, examplePaths: [], ...overrides,
	};
}

test('a row line is exactly the layout width, long routes elided in the middle, hostile text escaped', t => {
	for (const width of [80, 120, 300]) {
		const layout = layoutColumns(width, 'endpoint');
		const line = rowSegments(row({
			label: `/api/${'segment/'.repeat(40)}\u001b[2Jend`,
			process: {pid: 4242, comm: 'evil\u001b]0;x\u0007'},
			method: 'GET\r\n',
			count: 1234,
			ratePerSec: 12.5,
			latencyMs: {p50: 1.5, p90: 20, p99: 250, max: 1800, mean: 10},
		}), layout, true);
		const text = line.map(segment => segment.text).join('');
		t.is(cellWidth(text), layout.width, `${width}`);
		t.false(text.includes('\u001b'));
		t.false(text.includes('\r'));
		t.true(text.startsWith('>'));
		t.regex(text, /\/api\/segmen.*…/);
		t.true(text.includes('end') || width < 120);
	}
});

test('error rates and slow latencies carry warning tones', t => {
	const layout = layoutColumns(300, 'endpoint');
	const line = rowSegments(row({errorRate: 0.2, latencyMs: {p50: 5, p90: 150, p99: 1500, max: 2000, mean: 50}, count: 10}), layout, false);
	const tones = new Set(line.map(segment => segment.tone));
	t.true(tones.has('bad'));
	t.true(tones.has('warn'));
	const calm = rowSegments(row({count: 10, latencyMs: {p50: 1, p90: 2, p99: 3, max: 4, mean: 1}}), layout, false);
	t.false(calm.some(segment => segment.tone === 'bad' || segment.tone === 'warn'));
});

test('a narrow process column keeps the name: container, then pid, go first', t => {
	const busy = row({process: {pid: 32_367, comm: 'demo-client'}, container: 'web'});
	t.is(fitProcessLabel(busy, 40), 'web/demo-client[32367]');
	t.is(fitProcessLabel(busy, 18), 'demo-client[32367]');
	t.is(fitProcessLabel(busy, 12), 'demo-client');
	t.is(fitProcessLabel(busy, 8), 'demo-cl…');
	t.is(fitProcessLabel(row({process: null, container: 'web'}), 12), 'web');
	t.is(fitProcessLabel(row({process: null, container: null}), 12), '*');
});
