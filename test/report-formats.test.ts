// The report formats from one snapshot: json against the published schema,
// csv read back by a real CSV parser, markdown's table shape and escaping, the
// compact table (ink-table without its skeleton), and hostile captured strings
// in every one of them.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import test from 'ava';
import {parse} from 'csv-parse/sync';
import {createAggregator} from '../source/aggregate/index.js';
import type {GroupBy, Row, Snapshot} from '../source/aggregate/types.js';
import type {CaptureEvent} from '../source/capture/events.js';
import type {EventSink, Tracer, TracerOptions} from '../source/capture/tracer.js';
import {parseCommandLine} from '../source/cli/options.js';
import {runSnapshot} from '../source/cli/run-snapshot.js';
import {createHttpAssembler, type Http2Counters} from '../source/http/assembler.js';
import {createLiveSource} from '../source/pipeline/live-source.js';
import {createRecorder} from '../source/record/index.js';
import {csvHeader} from '../source/report/csv.js';
import {buildReport, renderReport, type Report, type ReportFormat, type ReportMeta} from '../source/report/index.js';
import {escapeMarkdownCell} from '../source/report/markdown.js';
import {assertBuilt, cliPath} from './helpers/cli.js';
import {schemaErrors} from './helpers/json-schema.js';
import {hasTmux, startTmux} from './helpers/tmux.js';
import {makeExchange} from './helpers/ui-exchanges.js';
import {joinedLate, loadH2Fixture} from './fixtures/h2/load.js';
import {loadFixture, truncateTo} from './fixtures/http/load.js';

const schema = JSON.parse(readFileSync(new URL('../source/report/report.schema.json', import.meta.url), 'utf8'));

const latency = (p50: number) => ({p50, p90: p50 * 2, p99: p50 * 3, max: p50 * 4, mean: p50 * 1.5});

function row(fields: Partial<Row> & {label: string}): Row {
	return {
		key: fields.label,
		groupBy: 'endpoint',
		role: 'server',
		method: 'GET',
		route: fields.label,
		host: null,
		process: {pid: 4242, comm: 'api'},
		container: null,
		tls: false,
		protocol: 'HTTP/1.1',
		grpcStatusCodes: [],
		isOther: false,
		count: 10,
		ratePerSec: 99, // the 10 s window: a report divides count by its own period instead
		rate1s: 0,
		rate10s: 0,
		rate60s: 0,
		rateHistory: [],
		status: {'1xx': 0, '2xx': 10, '3xx': 0, '4xx': 0, '5xx': 0},
		errors: 0,
		errorRate: 0,
		latencyMs: latency(2.123_456),
		ttfbMs: latency(1),
		bytesIn: 1000,
		bytesOut: 20_000,
		bytesInPerSec: 0,
		bytesOutPerSec: 0,
		lastSeenMs: 0,
		examplePaths: [],
		...fields,
	};
}

function snapshot(rows: Row[], totalRows = rows.length): Snapshot {
	const count = rows.reduce((sum, item) => sum + item.count, 0);
	return {
		atMs: 1_700_000_004_000,
		startedAtMs: 1_700_000_000_000,
		rows,
		totals: {
			count,
			ratePerSec: 0,
			errors: rows.reduce((sum, item) => sum + item.errors, 0),
			errorRate: 0,
			latencyMs: latency(3),
			rows: totalRows,
			capture: {events: 500, eventsPerSec: 0, dropped: 1, truncated: 2, parseErrors: 3, unpaired: 4},
		},
	};
}

const meta = (fields: Partial<ReportMeta> = {}): ReportMeta => ({
	groupBy: 'endpoint',
	startedAtMs: 1_700_000_000_000,
	durationMs: 4000,
	showQuery: false,
	...fields,
});

// Captured bytes as an attacker would send them: escapes, a CSI in C1, bidi, separators of every format.
const hostilePath = '/x|y`*_\u001B[2J\u009B31m\u202Eevil\r\nfake';
const hostileComm = 'a,b"c\u0007';

const rows = [
	row({label: '/api/users/:id', count: 40, status: {'1xx': 0, '2xx': 35, '3xx': 0, '4xx': 5, '5xx': 0}, examplePaths: ['/api/users/1', '/api/users/2?token=secret']}),
	row({label: '/api/orders', method: 'POST', count: 12, errors: 3, status: {'1xx': 0, '2xx': 9, '3xx': 0, '4xx': 0, '5xx': 3}}),
	row({label: hostilePath, process: {pid: 7, comm: hostileComm}, host: 'evil\u001B]52;c;Zm9v\u0007', container: 'web-1'}),
];

const render = (format: ReportFormat, fields: Partial<ReportMeta> = {}, items = rows, width?: number): string =>
	renderReport(snapshot(items), meta(fields), {format, color: false, width});

// Raw control characters other than the newline, and the bidi override: none may reach a terminal.
const unsafe = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202E]/;

test('the report divides counts by its own period and rounds to the microsecond', t => {
	const report = buildReport(snapshot(rows), meta());
	t.is(report.version, 1);
	t.is(report.startedAt, '2023-11-14T22:13:20.000Z');
	t.is(report.durationMs, 4000);
	t.is(report.endpoints[0]!.ratePerSec, 10);
	t.is(report.endpoints[1]!.ratePerSec, 3);
	t.is(report.totals.ratePerSec, 15.5);
	t.is(report.endpoints[0]!.latencyMs.p50, 2.123);
	t.deepEqual(report.capture, {events: 500, dropped: 1, truncated: 2, parseErrors: 3, unpaired: 4, tls: null, http2: null});
});

test('example paths lose their query unless --show-query', t => {
	t.deepEqual(buildReport(snapshot(rows), meta()).endpoints[0]!.examplePaths, ['/api/users/1', '/api/users/2']);
	t.deepEqual(buildReport(snapshot(rows), meta({showQuery: true})).endpoints[0]!.examplePaths, ['/api/users/1', '/api/users/2?token=secret']);
});

test('json conforms to the published schema and carries hostile strings exactly, escaped', t => {
	const text = render('json');
	t.false(unsafe.test(text), 'no raw control or bidi characters');
	const report = JSON.parse(text) as Report;
	t.deepEqual(schemaErrors(schema, report), []);
	t.is(report.endpoints[2]!.label, hostilePath);
	t.is(report.endpoints[2]!.process!.comm, hostileComm);
	t.is(report.endpoints.length, 3);
	t.is(report.groupBy, 'endpoint');
});

test('the schema check itself rejects what breaks the schema', t => {
	const report = JSON.parse(render('json')) as Record<string, unknown>;
	t.notDeepEqual(schemaErrors(schema, {...report, version: 2}), []);
	t.notDeepEqual(schemaErrors(schema, {...report, extra: true}), []);
	t.notDeepEqual(schemaErrors(schema, {...report, endpoints: [{label: 'x'}]}), []);
});

test('csv is read back by csv-parse: one record per row, every column, quoting intact', t => {
	const text = render('csv');
	t.false(unsafe.test(text));
	const records = parse(text, {columns: true}) as Array<Record<string, string>>;
	t.deepEqual(Object.keys(records[0]!), [...csvHeader]);
	t.is(records.length, 3);
	t.is(records[0]!.route, '/api/users/:id');
	t.is(records[0]!.count, '40');
	t.is(records[0]!.status_4xx, '5');
	t.is(records[0]!.rate_per_sec, '10');
	t.is(records[1]!.method, 'POST');
	t.is(records[1]!.errors, '3');
	t.is(records[0]!.host, '', 'null is an empty field');
	t.is(records[0]!.example_paths, '/api/users/1 /api/users/2');
	// The comma and the quote survive quoting; the BEL is shown escaped.
	t.is(records[2]!.comm, 'a,b"c\\x07');
	t.is(records[2]!.label, '/x|y`*_\\x1b[2J\\x9b31m\\u{202E}evil\\x0d\\x0afake');
	t.is(records[2]!.container, 'web-1');
});

test('csv of an empty report is the header alone', t => {
	t.is(render('csv', {}, []), `${csvHeader.join(',')}\n`);
});

// Splits a Markdown table line into cells, honouring backslash escapes.
const markdownCells = (line: string): string[] => line.slice(1, -1).split(/(?<!\\)\|/).map(cell => cell.trim());

test('markdown is a well-formed table: every line has the header\'s cells, | and markup escaped', t => {
	const text = render('markdown');
	t.false(unsafe.test(text));
	const tableLines = text.split('\n').filter(line => line.startsWith('|'));
	t.is(tableLines.length, 2 + rows.length);
	const width = markdownCells(tableLines[0]!).length;
	for (const line of tableLines) {
		t.true(line.endsWith('|'));
		t.is(markdownCells(line).length, width, line);
	}

	t.deepEqual(markdownCells(tableLines[0]!).slice(0, 3), ['METHOD', 'ROUTE', 'ROLE']);
	t.true(markdownCells(tableLines[1]!).every(cell => /^-{3}:?$/.test(cell)));
	const hostile = markdownCells(tableLines[4]!);
	t.true(hostile[1]!.startsWith('/x\\|y\\`\\*\\_\\\\x1b'));
	t.true(hostile.includes('a,b"c\\\\x07\\[7\\]'), 'process: comm[pid], escaped');
	t.is(escapeMarkdownCell('a|b'), 'a\\|b');
});

// The table's lines: after the summary and the blank line below it.
const tableLines = (text: string): string[] => text.trimEnd().split('\n\n').slice(1).join('\n\n').split('\n');

test('the table is a header line and one line per row: no border, no rule between rows, columns aligned', t => {
	const text = render('table');
	t.false(unsafe.test(text));
	const lines = text.trimEnd().split('\n');
	t.regex(lines[0]!, /^httptop report: 4\.00s from 2023-11-14T22:13:20\.000Z, grouped by endpoint$/);
	t.regex(lines[1]!, /^62 requests \(15\.5\/s\)/);
	t.regex(lines[2]!, /capture: 500 events, 1 dropped, 2 truncated, 3 parse errors, 4 unpaired/);
	t.is(lines[3], '', 'a blank line between the summary and the table');
	const table = lines.slice(4);
	t.deepEqual(table, tableLines(text));
	t.is(table.length, 1 + rows.length, 'the header line, then one line per row');
	t.false(/[─│┌┐└┘├┤┬┴┼]/.test(text), 'no box-drawing characters');
	const heading = table[0]!;
	for (const header of ['METHOD', 'ROUTE', 'ROLE', 'PROCESS', 'CONTAINER', 'HOST', 'REQS', 'REQ/S', 'P99', 'OUT']) {
		t.true(heading.includes(header), header);
	}

	// The last column (OUT) is right-aligned: every line ends in the same column; each column starts where its header does.
	t.is(new Set(table.map(line => line.length)).size, 1, 'every line is as wide');
	t.regex(table[1]!, /^ GET +\/api\/users\/:id +server +api\[4242\] +/);
	for (const header of ['ROUTE', 'ROLE', 'PROCESS']) {
		t.is(table[1]!.indexOf(header === 'ROUTE' ? '/api/users/:id' : header === 'ROLE' ? 'server' : 'api[4242]'), heading.indexOf(header), header);
	}

	t.regex(text, /  +40 +10\.0 /);
	t.is(heading.indexOf('REQS') + 'REQS'.length, table[1]!.indexOf('40') + 2, 'REQS right-aligned under its header');
});

test('the table fits a terminal: route elided, then the least useful columns left out; a pipe gets it all', t => {
	const long = row({label: `/api/${'segment/'.repeat(30)}end`});
	const piped = render('table', {}, [long]);
	t.true(tableLines(piped)[0]!.length > 200);
	t.true(piped.includes('P90') && piped.includes('TTFB'));
	const wide = render('table', {}, [long], 170);
	t.true(tableLines(wide).every(line => line.length <= 170), 'fits 170 columns');
	t.true(wide.includes('…') && wide.includes('end'), 'the route keeps its start and its end');
	t.true(wide.includes('P90'), 'no column left out while eliding the route was enough');
	const narrow = render('table', {}, [long], 100);
	t.true(tableLines(narrow).every(line => line.length <= 100), `widest line ${Math.max(...tableLines(narrow).map(line => line.length))}`);
	t.false(narrow.includes('P90'), 'P90 goes first');
	t.true(narrow.includes('P99') && narrow.includes('REQS'));
	t.regex(narrow, /columns? left out to fit the terminal/);
	// 80 columns: the route elided further and the process name cut before P50 and 5XX go too.
	const longProcess = row({label: `/api/${'segment/'.repeat(30)}end`, process: {pid: 4242, comm: 'a-long-process-name-that-goes-on'}, container: 'a-container'});
	const eighty = render('table', {}, [longProcess], 80);
	t.true(tableLines(eighty).every(line => line.length <= 80), `widest line ${Math.max(...tableLines(eighty).map(line => line.length))}`);
	t.true(eighty.includes('P99') && eighty.includes('REQ/S') && eighty.includes('P50') && eighty.includes('5XX'), eighty);
	t.regex(eighty, /a-long-pr\S*…/, 'the process name cut at its end');
});

test('grouping by process puts the process first and leaves out the empty columns', t => {
	const byProcess = (groupBy: GroupBy, label: string): Row => row({label, groupBy, method: null, route: null});
	const text = renderReport(snapshot([byProcess('process', 'nginx[12]'), byProcess('process', 'node[13]')]), meta({groupBy: 'process'}), {format: 'markdown', color: false});
	const heading = markdownCells(text.split('\n').find(line => line.startsWith('|'))!);
	t.deepEqual(heading.slice(0, 2), ['PROCESS', 'ROLE']);
	t.false(heading.includes('METHOD'));
	t.false(heading.includes('HOST'), 'no row has a host');
	t.false(heading.includes('CONTAINER'), 'no row has a container');
	t.is(heading.filter(cell => cell === 'PROCESS').length, 1);
});

test('every format says when rows were left out, or when there were none', t => {
	const cut = renderReport(snapshot(rows.slice(0, 1), 9), meta(), {format: 'table', color: false});
	t.regex(cut, /showing 1 of 9 rows/);
	t.regex(render('table', {}, []), /no HTTP exchanges matched/);
	t.regex(render('markdown', {}, []), /no HTTP exchanges matched/);
	t.deepEqual((JSON.parse(render('json', {}, [])) as Report).endpoints, []);
});

test('wide characters cannot push the table out of line: escaped in the table, exact in json', t => {
	const wide = [row({label: '/服务/😀', process: {pid: 9, comm: 'サーバ'}, latencyMs: latency(0.25)}), row({label: '/plain'})];
	const table = tableLines(render('table', {}, wide));
	t.is(new Set(table.map(line => line.length)).size, 1);
	// CJK takes two cells in one UTF-16 unit: escaped. The emoji takes two cells in two units: kept.
	t.true(table.some(line => line.includes('/\\u{670D}\\u{52A1}/😀')));
	t.true(table.some(line => line.includes('250µs')), 'one-cell characters stay as they are');
	t.is((JSON.parse(render('json', {}, wide)) as Report).endpoints[0]!.label, '/服务/😀');
});

test('json and csv say whether each row was TLS and which protocol, and count its gRPC status codes', t => {
	const aggregator = createAggregator();
	const at = 1_700_000_000_000;
	aggregator.add([
		makeExchange({path: '/pkg.Svc/Get', method: 'POST', tls: true, httpVersion: '2', grpcStatus: 0, startMs: at}),
		makeExchange({path: '/pkg.Svc/Get', method: 'POST', tls: true, httpVersion: '2', grpcStatus: 14, startMs: at + 1}),
		makeExchange({path: '/plain', tls: false, httpVersion: '1.0', startMs: at + 2}),
		makeExchange({path: '/mixed', tls: false, httpVersion: '1.1', startMs: at + 3}),
		makeExchange({path: '/mixed', tls: true, httpVersion: '2', startMs: at + 4}),
	]);
	const live = aggregator.snapshot({groupBy: 'endpoint', sort: {column: 'key', descending: false}, filter: null, role: 'both'}, at + 1000);
	const report = JSON.parse(renderReport(live, meta(), {format: 'json', color: false})) as Report;
	t.deepEqual(schemaErrors(schema, report), []);
	t.deepEqual(report.endpoints.map(endpoint => [endpoint.label, endpoint.tls, endpoint.protocol, endpoint.errors, endpoint.grpcStatusCodes]), [
		['/mixed', null, null, 0, []],
		['/pkg.Svc/Get', true, 'HTTP/2', 1, [{code: 0, count: 1}, {code: 14, count: 1}]],
		['/plain', false, 'HTTP/1.0', 0, []],
	]);
	const records = parse(renderReport(live, meta(), {format: 'csv', color: false}), {columns: true}) as Array<Record<string, string>>;
	t.deepEqual(records.map(record => [record.label, record.tls, record.protocol, record.grpc_status_codes]), [
		['/mixed', '', '', ''],
		['/pkg.Svc/Get', 'true', 'HTTP/2', '0:1 14:1'],
		['/plain', 'false', 'HTTP/1.0', ''],
	]);
	t.regex(renderReport(live, meta(), {format: 'markdown', color: false}), /PROTO.*TLS/);
});

// 20 endpoints, one with a long route and one with hostile bytes, each a few requests.
const endpointNames = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo'];
const twentyRoutes = [...endpointNames.map(name => `/api/${name}`), `/api/${'very-long-segment/'.repeat(8)}end`, '/x\u001B]0;pwned\u0007\u009B2J\u202Eevil'];

test.serial('--snapshot --format table on a 120-column terminal: 20 rows take a header line and 20 lines', async t => {
	if (!(await hasTmux())) {
		t.fail('tmux is needed: the table is fitted to a real terminal');
		return;
	}

	assertBuilt();
	const directory = mkdtempSync(join(tmpdir(), 'httptop-report-table-'));
	const recording = join(directory, 'twenty.ndjson');
	// The command line names the CLI and the file through the environment: its length is the same from any checkout.
	const session = await startTmux({columns: 120, rows: 50, env: {HTTPTOP_CLI: cliPath, RECORDING: recording}});
	t.teardown(async () => {
		await session.kill();
		rmSync(directory, {recursive: true, force: true});
	});
	const recorder = createRecorder(recording);
	const startMs = Date.parse('2025-01-01T00:00:00.000Z');
	recorder.write(twentyRoutes.flatMap((path, route) => Array.from({length: 3 + route}, (_, index) => {
		const at = startMs + (route * 100) + (index * 10);
		return makeExchange({path, startMs: at, firstByteMs: at + 1 + route, endMs: at + 2 + route, comm: 'api', pid: 4242, container: 'web-1'});
	})));
	await recorder.close();

	await session.type('clear; node "$HTTPTOP_CLI" --replay "$RECORDING" --snapshot --format table; echo "exit=$?"');
	await session.sendKeys('Enter');
	const screen = await session.waitFor(text => /^exit=\d+$/m.test(text), 'the report and the exit code', 30_000);
	const lines = screen.split('\n');
	const exit = lines.findIndex(line => /^exit=\d+$/.test(line));
	t.is(lines[exit], 'exit=0', screen);
	const report = lines.slice(lines.findIndex(line => line.startsWith('httptop report: ')), exit);
	const heading = report.findIndex(line => /^ METHOD +ROUTE +ROLE +PROCESS .* REQS +REQ\/S .* P99/.test(line));
	t.true(heading > 0, screen);
	// The summary, a blank line, then the table: its header line and one line per row.
	t.is(report[heading - 1], '', screen);
	const table = report.slice(heading);
	t.is(table.length, 1 + 20, screen);
	t.is(report.slice(heading - 1).length, 22, 'the table and the blank line above it: 22 lines');
	t.true(table.slice(1).every(line => /^ GET +\/\S+ +server +api\[4242\] .* \d+ +[\d.]+ .* [\d.]+m?s$/.test(line)), screen);
	for (const name of endpointNames) {
		t.is(table.filter(line => line.includes(`/api/${name} `)).length, 1, name);
	}

	t.true(table.some(line => /\/api\/very-long-\S*…\S*\/end /.test(line)), 'the long route elided in the middle');
	t.true(table.some(line => line.includes(' /x\\x1b]0 ')), 'hostile bytes shown escaped');
	t.false(/[─│┌┐└┘├┤┬┴┼]/.test(report.join('\n')), 'no border, no rule between rows');
	t.true(table.every(line => line.length <= 120));
	t.false((await session.display('#{pane_title}')).includes('pwned'), 'captured bytes did not set the title');
});

// The live capture with a tracer that hands over recorded events, as the drain thread
// would, instead of attaching BPF: the live source's own assembler, health and
// runSnapshot's report are the real ones.
const recordedTracer = (events: readonly CaptureEvent[]) => (_options: TracerOptions, sink: EventSink): Tracer => {
	const delivery = setImmediate(() => {
		sink.begin();
		for (const event of events) sink.event(event);
		sink.end();
	});
	return {
		tracepoints: [],
		taskStorage: true,
		counters: () => ({
			records: events.length, ringbufDrops: 0, truncated: 0, readFaults: 0, conns: 0, skippedChunks: 0,
			notHttpConns: 0, argsFull: 0, filteredConns: 0, tlsConns: 0, tlsUnbound: 0, tlsNotHttp: 0,
		}),
		drainStats: () => ({batches: 1, records: events.length, bytes: 0, droppedBatches: 0, droppedRecords: 0}),
		events: () => events.length,
		tls: () => null,
		tlsSettled: async () => undefined,
		stop() {
			clearImmediate(delivery);
		},
	};
};

/** `httptop --snapshot --format <format>` over a live capture of `events`: the report's text. */
async function liveSnapshot(events: readonly CaptureEvent[], format: ReportFormat): Promise<string> {
	const command = parseCommandLine(['--snapshot', '--format', format, '--duration', '50ms'], {});
	if (command.kind !== 'run') throw new Error('not a run');
	const source = await createLiveSource({showQuery: false, resolveContainers: false, startTracer: recordedTracer(events)});
	const stdout = new PassThrough();
	let text = '';
	stdout.on('data', (chunk: Buffer) => {
		text += chunk.toString('utf8');
	});
	const stderr = new PassThrough();
	stderr.resume();
	await runSnapshot(command.options, {source, replay: null}, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stderr: stderr as unknown as NodeJS.WriteStream,
		interrupted: new Promise(() => undefined),
	});
	return text;
}

/** What the HTTP assembler alone counts for the same events. */
const assemblerHttp2 = (events: readonly CaptureEvent[]): Http2Counters => {
	const assembler = createHttpAssembler({monotonicNsToEpochMs: ns => ns / 1e6, keepQuery: false});
	assembler.push(events);
	return assembler.http2Counters();
};

const grpcClient = loadH2Fixture('grpc.client').events;
const http2Views: ReadonlyArray<readonly [string, readonly CaptureEvent[]]> = [
	['node.server', loadH2Fixture('node.server').events], // a reset stream
	['grpc.client joined late', joinedLate(grpcClient, 3)], // calls whose path went by before the capture
	['grpc.client cut to 200 bytes a syscall', truncateTo(grpcClient, 200)], // header blocks lost
	['big.client cut to 200 bytes a syscall', truncateTo(loadH2Fixture('big.client').events, 200)], // HTTP/2 seen, no stream made an exchange
];

const http2Line = (counters: Http2Counters): string =>
	`HTTP/2: ${counters.streams} stream${counters.streams === 1 ? '' : 's'}, ${counters.resets} reset, ${counters.joinedLate} joined late, `
	+ `${counters.headerBlocksLost} header block${counters.headerBlocksLost === 1 ? '' : 's'} lost`;

test('a live snapshot of recorded HTTP/2 carries the assembler\'s HTTP/2 counters, in json and as a markdown line', async t => {
	let seen = {streams: 0, resets: 0, joinedLate: 0, headerBlocksLost: 0};
	for (const [name, events] of http2Views) {
		const expected = assemblerHttp2(events);
		t.true(Object.values(expected).some(count => count > 0), `${name}: the fixture went through the HTTP/2 path`);
		seen = {
			streams: seen.streams + expected.streams,
			resets: seen.resets + expected.resets,
			joinedLate: seen.joinedLate + expected.joinedLate,
			headerBlocksLost: seen.headerBlocksLost + expected.headerBlocksLost,
		};

		const report = JSON.parse(await liveSnapshot(events, 'json')) as Report;
		t.deepEqual(schemaErrors(schema, report), [], name);
		t.deepEqual(report.capture.http2, {...expected}, name);

		const summary = (await liveSnapshot(events, 'markdown')).split('\n\n')[0]!.split('  \n');
		t.deepEqual(summary.filter(line => line.startsWith('HTTP/2:')), [http2Line(expected)], name);
	}

	// Every counter is non-zero in some view: a field carried to the wrong name would show.
	t.true(seen.streams > 0 && seen.resets > 0 && seen.joinedLate > 0 && seen.headerBlocksLost > 0, JSON.stringify(seen));
	t.true(assemblerHttp2(http2Views[0]![1]).streams > 0);
});

test('a live snapshot of recorded HTTP/1 has HTTP/2 counters of zero and no HTTP/2 line; a replay has none', async t => {
	const events = loadFixture('node-keepalive.server').events;
	const expected = assemblerHttp2(events);
	t.deepEqual(expected, {streams: 0, resets: 0, joinedLate: 0, headerBlocksLost: 0});
	const report = JSON.parse(await liveSnapshot(events, 'json')) as Report;
	t.true(report.totals.count > 0, 'the HTTP/1 exchanges were counted');
	t.deepEqual(report.capture.http2, {...expected});
	t.false((await liveSnapshot(events, 'markdown')).includes('HTTP/2:'));
	t.false((await liveSnapshot(events, 'table')).includes('HTTP/2:'));
	// No live capture: null, and no line either.
	t.is(buildReport(snapshot(rows), meta()).capture.http2, null);
	t.false(render('markdown').includes('HTTP/2:'));
});
