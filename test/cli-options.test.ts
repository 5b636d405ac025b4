// Every flag and its short form into Options, and every bad flag, value and
// combination into a one-line UsageError (exit 2). The built CLI is run as a
// process in cli-process.test.ts; this pins the mapping itself.
import test from 'ava';
import {parseCommandLine, UsageError, type Options} from '../source/cli/options.js';

const options = (argv: string[], env: Record<string, string> = {}): Options => {
	const command = parseCommandLine(argv, env);
	if (command.kind !== 'run') {
		throw new Error(`expected a run, got ${command.kind}`);
	}

	return command.options;
};

test('defaults: live view of everything, by endpoint, busiest first', t => {
	const parsed = options([]);
	t.is(parsed.mode, 'live');
	t.deepEqual(parsed.source, {kind: 'live'});
	t.deepEqual(parsed.selection, {pids: [], comms: [], ports: [], containers: []});
	t.deepEqual(parsed.view, {groupBy: 'endpoint', sort: {column: 'rate', descending: true}, filter: null, role: 'both'});
	t.is(parsed.intervalMs, 1000);
	t.is(parsed.durationMs, 5000);
	t.is(parsed.format, 'table');
	t.true(parsed.color);
	t.false(parsed.showQuery);
	t.is(parsed.recordPath, null);
});

test('selection flags: repeatable, comma lists, short -p', t => {
	const parsed = options(['-p', '12', '--pid', '13,14', '--pid=15', '--comm', 'nginx', '--comm', 'node,curl', '--port', '80,8080', '--container', 'web', '--container', 'db']);
	t.deepEqual(parsed.selection, {pids: [12, 13, 14, 15], comms: ['nginx', 'node', 'curl'], ports: [80, 8080], containers: ['web', 'db']});
});

test('--role and --filter go to the view', t => {
	const parsed = options(['--role', 'server', '-F', 'status>=500 method=POST']);
	t.is(parsed.view.role, 'server');
	t.is(parsed.view.filter?.source, 'status>=500 method=POST');
	t.is(options(['--role', 'CLIENT']).view.role, 'client');
	t.is(options(['--filter', 'route~/api']).view.filter?.source, 'route~/api');
});

test('presentation flags: group, sort and direction, interval, top, colour, queries', t => {
	t.is(options(['--group-by', 'process']).view.groupBy, 'process');
	t.deepEqual(options(['-s', 'p99']).view.sort, {column: 'p99', descending: true});
	t.deepEqual(options(['--sort', 'p99', '--reverse']).view.sort, {column: 'p99', descending: false});
	t.deepEqual(options(['--sort', 'key']).view.sort, {column: 'key', descending: false}, 'names sort A to Z');
	t.deepEqual(options(['--sort', 'key', '--reverse']).view.sort, {column: 'key', descending: true});
	t.deepEqual(options(['--sort', 'error-rate']).view.sort, {column: 'errorRate', descending: true}, 'kebab-case column names');
	t.deepEqual(options(['--sort', 'BYTES_OUT']).view.sort, {column: 'bytesOut', descending: true});
	t.is(options(['-d', '2.5']).intervalMs, 2500);
	t.is(options(['--interval', '500ms']).intervalMs, 500);
	t.is(options(['--top', '7']).view.top, 7);
	t.false(options(['--no-color']).color);
	t.false(options(['-C']).color);
	t.false(options([], {NO_COLOR: '1'}).color);
	t.true(options([], {NO_COLOR: ''}).color, 'an empty NO_COLOR does not count (no-color.org)');
	t.true(options(['--show-query']).showQuery);
});

test('modes: snapshot, duration with units, formats, record, replay, demo', t => {
	const snapshot = options(['--snapshot', '--duration', '2m', '-f', 'csv']);
	t.is(snapshot.mode, 'snapshot');
	t.is(snapshot.durationMs, 120_000);
	t.is(snapshot.format, 'csv');
	t.deepEqual(snapshot.view.sort, {column: 'count', descending: true}, 'a report sorts by count by default');
	t.is(options(['--snapshot', '--duration', '0.5']).durationMs, 500);
	t.is(options(['--snapshot', '--format', 'MARKDOWN']).format, 'markdown');
	t.is(options(['--record', 'out.ndjson']).recordPath, 'out.ndjson');
	t.deepEqual(options(['--replay', 'in.ndjson']).source, {kind: 'replay', path: 'in.ndjson'});
	t.deepEqual(options(['--demo']).source, {kind: 'demo'});
	t.deepEqual(options(['--demo', '--container', 'web']).selection.containers, ['web']);
});

test('--help, -h, --version and -V win over everything else', t => {
	t.deepEqual(parseCommandLine(['--help'], {}), {kind: 'help'});
	t.deepEqual(parseCommandLine(['--snapshot', '-h'], {}), {kind: 'help'});
	t.like(parseCommandLine(['--version'], {}), {kind: 'version'});
	const version = parseCommandLine(['-V'], {});
	t.regex(version.kind === 'version' ? version.version : '', /^\d+\.\d+\.\d+/);
});

const usageErrors: Array<[string[], RegExp]> = [
	[['--bogus'], /^unknown option --bogus \(see httptop --help\)$/],
	[['--group-by=process', '--grup-by', 'x'], /^unknown option --grup-by/],
	[['-x'], /^unknown option -x/],
	[['extra'], /^unexpected argument 'extra'/],
	[['--pid'], /^--pid needs a value$/],
	[['-p', '--snapshot'], /^--pid needs a value$/],
	[['--duration', '--snapshot'], /^--duration needs a value$/],
	[['--filter='], /^--filter needs a value$/],
	[['--pid', 'abc'], /^--pid: 'abc' is not a process id/],
	[['--pid', '0'], /^--pid: '0' is not a process id/],
	[['--pid', '1,,2'], /^--pid: '' is not a process id/],
	[['--port', '65536'], /^--port: '65536' is not a port \(1-65535\)$/],
	[['--port', '-1'], /^--port: '-1' is not a port/],
	[['--comm', 'a-very-long-process-name'], /^--comm: 'a-very-long-process-name' is longer than the 15 bytes .*use 'a-very-long-pro'$/],
	[['--role', 'proxy'], /^--role: unknown value 'proxy' \(choose from server, client, both\)$/],
	[['--filter', 'status>>5'], /^--filter 'status>>5': ">5" at column 8 is not a status/],
	[['--filter', 'nosuchfield=1'], /^--filter 'nosuchfield=1': unknown field "nosuchfield" at column 1: use one of /],
	[['--group-by', 'url'], /^--group-by: unknown value 'url' \(choose from endpoint, process, container, host, peer, status\)$/],
	[['--sort', 'latency'], /^--sort: unknown value 'latency' \(choose from rate, count, .*\)$/],
	[['-d', '0'], /^--interval: '0' must be more than 0$/],
	[['-d', '0.05'], /^--interval: '0.05' is too short \(at least 0.1 s\)$/],
	[['-d', 'fast'], /^--interval: 'fast' is not a duration/],
	[['--top', '0'], /^--top: '0' is not a row count/],
	[['--top', '2.5'], /^--top: '2.5' is not a row count/],
	[['--top', '1,2'], /^--top: '1,2' is not a row count/],
	[['--snapshot', '--duration', '-5'], /^--duration: '-5' is negative/],
	[['--snapshot', '--duration', '0'], /^--duration: '0' must be more than 0$/],
	[['--snapshot', '--duration', '5 minutes'], /^--duration: '5 minutes' is not a duration/],
	[['--duration', '5'], /^--duration applies to --snapshot only$/],
	[['--format', 'json'], /^--format applies to --snapshot only/],
	[['--snapshot', '--format', 'xml'], /^--format: unknown value 'xml' \(choose from table, json, csv, markdown\)$/],
	[['--replay', 'a', '--demo'], /^--replay and --demo cannot be combined/],
	[['--replay', 'a', '--record', 'b'], /^--record cannot be combined with --replay/],
	[['--demo', '--pid', '1'], /^--demo traces its own server and client/],
	[['--demo', '--port', '80'], /^--demo traces its own server and client/],
	[['--sort', 'p50', '--sort', 'p99'], /^--sort can only be given once$/],
];

for (const [argv, message] of usageErrors) {
	test(`usage error: httptop ${argv.join(' ')}`, t => {
		const error = t.throws(() => parseCommandLine(argv, {}), {instanceOf: UsageError});
		t.regex(error.message, message);
		t.false(error.message.includes('\n'), 'one line');
	});
}
