// The built CLI as a process: --help and --version, every kind of bad input
// with its exit code (2) and one-line message, a runtime failure (1) when
// tracing is not allowed, and nothing on stdout when something is wrong.
import {execFile} from 'node:child_process';
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import test, {type ExecutionContext} from 'ava';
import {asNobody, cliEnv, cliForNobody, cliPath, runCli} from './helpers/cli.js';

const run = promisify(execFile);
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version: string};
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

const directory = mkdtempSync(join(tmpdir(), 'httptop-cli-process-'));
// As root, two tests drop to nobody, who runs the built CLI where it can read it.
const isRoot = process.getuid?.() === 0;
const nobodyCli = isRoot ? await cliForNobody() : undefined;
test.after.always(() => {
	rmSync(directory, {recursive: true, force: true});
	if (nobodyCli && 'remove' in nobodyCli) {
		nobodyCli.remove();
	}
});

/** A serial test; skipped, with the reason in its title, only when root cannot give nobody the CLI. */
const unprivilegedTest = (title: string, implementation: (t: ExecutionContext) => Promise<void>) => {
	if (nobodyCli && 'skip' in nobodyCli) {
		test.serial.skip(`${title} [skipped: ${nobodyCli.skip}]`, implementation);
	} else {
		test.serial(title, implementation);
	}
};

/** The built CLI as an unprivileged user runs it: as this user, or as nobody (no groups, plus `setprivArgs`) when root. */
function unprivilegedCommand(args: readonly string[], setprivArgs: readonly string[] = []): [string, string[]] {
	if (!nobodyCli) {
		return [process.execPath, [cliPath, ...args]];
	}

	if ('skip' in nobodyCli) {
		throw new Error(nobodyCli.skip);
	}

	return ['setpriv', [...asNobody, ...setprivArgs, process.execPath, nobodyCli.cliPath, ...args]];
}

// Every long flag, as --help and the README must both document it.
const longFlags = [
	'--pid', '--comm', '--port', '--container', '--role', '--filter', '--group-by', '--sort', '--reverse', '--interval',
	'--top', '--no-color', '--show-query', '--snapshot', '--duration', '--format', '--record', '--replay', '--demo',
	'--version', '--help',
];

test.serial('--help prints usage, every flag and examples on stdout, exit 0', async t => {
	for (const argv of [['--help'], ['-h'], ['--snapshot', '--help']]) {
		const result = await runCli(argv);
		t.is(result.code, 0);
		t.is(result.stderr, '');
		t.regex(result.stdout, /^httptop: a top for HTTP endpoints/);
		for (const section of ['Usage', 'Selection', 'Presentation', 'Modes', 'Examples', 'Exit status']) {
			t.true(result.stdout.includes(`\n${section}`), section);
		}

		for (const flag of longFlags) {
			t.true(result.stdout.includes(flag), `--help documents ${flag}`);
		}
	}
});

test.serial('the README documents every flag with an example', t => {
	const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('## JSON report'));
	for (const flag of longFlags) {
		const line = section.split('\n').find(text => text.startsWith('|') && text.includes(`\`${flag}`));
		t.truthy(line, `README row for ${flag}`);
		t.regex(line ?? '', /\| `(?:NO_COLOR=1 )?httptop[^`]*` \|$/, `${flag} has an example`);
	}
});

test.serial('--version and -V print the package version, exit 0', async t => {
	for (const flag of ['--version', '-V']) {
		const result = await runCli([flag]);
		t.is(result.code, 0);
		t.is(result.stdout, `${packageJson.version}\n`);
	}
});

const unreadable = join(directory, 'no-such-file.ndjson');
const notAFile = directory;
const badRecordPath = join(directory, 'missing-dir', 'out.ndjson');

// Bad flags, values and combinations: exit 2, one line on stderr, nothing on stdout.
const usageErrors: Array<[string[], RegExp]> = [
	[['--frobnicate'], /^httptop: unknown option --frobnicate \(see httptop --help\)$/],
	[['--snapshot', '--sort', 'latency'], /^httptop: --sort: unknown value 'latency' \(choose from rate, count, .*\)$/],
	[['--snapshot', '--duration', '-5'], /^httptop: --duration: '-5' is negative; give a positive number of seconds$/],
	[['--snapshot', '--duration', 'soon'], /^httptop: --duration: 'soon' is not a duration/],
	[['--snapshot', '--replay', unreadable], /^httptop: --replay: cannot read '.*no-such-file\.ndjson': no such file$/],
	[['--snapshot', '--replay', notAFile], /^httptop: --replay: cannot read '.*': not a regular file$/],
	[['--snapshot', '--record', badRecordPath], /^httptop: --record: cannot write '.*out\.ndjson'/],
	[['--snapshot', '--format', 'yaml'], /^httptop: --format: unknown value 'yaml'/],
	[['--snapshot', '--group-by', 'path'], /^httptop: --group-by: unknown value 'path'/],
	[['--snapshot', '--filter', 'status>='], /^httptop: --filter 'status>=': missing value after "status>=" at column 9$/],
	[['--snapshot', '-p', 'nginx'], /^httptop: --pid: 'nginx' is not a process id/],
	[['--snapshot', '--port', '0'], /^httptop: --port: '0' is not a port/],
	[['--snapshot', '--top', '-3'], /^httptop: --top: '-3' is not a row count/],
	[['--snapshot', '--role', 'peer'], /^httptop: --role: unknown value 'peer'/],
	[['--format', 'json'], /^httptop: --format applies to --snapshot only/],
	[['--duration', '5'], /^httptop: --duration applies to --snapshot only$/],
	[['--snapshot', '--demo', '--replay', unreadable], /^httptop: --replay and --demo cannot be combined/],
	[['--snapshot', '--demo', '--comm', 'nginx'], /^httptop: --demo traces its own server and client/],
	[['--snapshot', 'now'], /^httptop: unexpected argument 'now'/],
	[['--snapshot', '--sort'], /^httptop: --sort needs a value$/],
	// No terminal here: the live view refuses, with the way out.
	[[], /^httptop: the live view needs a terminal; for scripts and pipes use --snapshot/],
	[['--replay', unreadable], /^httptop: the live view needs a terminal/],
];

for (const [argv, message] of usageErrors) {
	test.serial(`exit 2: httptop ${argv.map(arg => arg.replace(directory, '$DIR')).join(' ')}`, async t => {
		const result = await runCli(argv);
		t.is(result.code, 2, result.stderr);
		t.is(result.stdout, '');
		t.regex(result.stderr, /^[^\n]*\n$/, 'exactly one line');
		t.regex(result.stderr.trimEnd(), message);
		t.false(result.stderr.includes('    at '), 'no stack trace');
	});
}

unprivilegedTest('exit 1 when tracing is not allowed: one line that says what to do', async t => {
	// As root, drop to nobody without capabilities; otherwise this process already lacks them.
	if (nobodyCli && 'copied' in nobodyCli && nobodyCli.copied) {
		t.log(`nobody cannot reach the checkout: runs a copy of the built app, ${nobodyCli.cliPath}`);
	}

	const [command, args] = unprivilegedCommand(['--snapshot', '--duration', '1'], ['--inh-caps=-all', '--bounding-set=-all']);
	const error = await run(command, args, {env: cliEnv()}).then(() => null, (failure: unknown) => failure as {code: number; stdout: string; stderr: string});
	t.truthy(error, 'httptop must fail without privileges');
	t.is(error!.code, 1);
	t.is(error!.stdout, '');
	t.regex(error!.stderr, /^httptop needs root or CAP_BPF\+CAP_PERFMON: [^\n]+\n$/);
});

unprivilegedTest('a replay file that cannot be read for permission is exit 2 (unless root, who reads it anyway)', async t => {
	const file = join(directory, 'private.ndjson');
	writeFileSync(file, '');
	chmodSync(file, 0o000);
	if (!isRoot) {
		const result = await runCli(['--snapshot', '--replay', file]);
		t.is(result.code, 2);
		t.regex(result.stderr, /permission denied/);
		return;
	}

	chmodSync(directory, 0o755);
	// The same empty file readable: nobody reads it (so the refusal below is the file's mode, not the way to it).
	const readable = join(directory, 'readable.ndjson');
	writeFileSync(readable, '');
	chmodSync(readable, 0o644);
	const [readCommand, readArgs] = unprivilegedCommand(['--snapshot', '--replay', readable]);
	t.regex((await run(readCommand, readArgs, {env: cliEnv()})).stdout, /no HTTP exchanges matched/);
	const [command, args] = unprivilegedCommand(['--snapshot', '--replay', file]);
	const failure = await run(command, args, {env: cliEnv()}).then(() => null, (error: unknown) => error as {code: number; stderr: string});
	t.is(failure?.code, 2);
	t.regex(failure?.stderr ?? '', /^httptop: --replay: cannot read '.*private\.ndjson': permission denied\n$/);
});
