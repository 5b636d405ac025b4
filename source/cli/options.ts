// The command line, parsed (meow) and validated into Options, or a UsageError
// whose one-line message the CLI prints before exiting with 2. Pure: no files
// are opened here (source/cli/check-paths.ts does that), no terminal is asked.

import meow from 'meow';
import {descendingByDefault, groupByValues, parseFilter, sortColumns} from '../aggregate/index.js';
import type {Filter, GroupBy, RoleFilter, SortColumn, ViewOptions} from '../aggregate/types.js';
import {reportFormats, type ReportFormat} from '../report/index.js';

/** Bad flags, values or combinations: exit code 2. */
export class UsageError extends Error {
	override name = 'UsageError';
}

export type SourceChoice =
	| {readonly kind: 'live'}
	| {readonly kind: 'replay'; readonly path: string}
	| {readonly kind: 'demo'};

/** What is traced: pids, comms and ports go to the kernel; containers are matched in user space. */
export type Selection = {
	readonly pids: readonly number[];
	readonly comms: readonly string[];
	readonly ports: readonly number[];
	readonly containers: readonly string[];
};

export type Options = {
	readonly mode: 'live' | 'snapshot';
	readonly source: SourceChoice;
	readonly selection: Selection;
	readonly view: ViewOptions; // --filter only: the selection is applied to the source (source/cli/wrap-source.ts)
	readonly intervalMs: number;
	readonly durationMs: number; // --snapshot only; a replay's report covers the whole file
	readonly format: ReportFormat;
	readonly color: boolean;
	readonly showQuery: boolean;
	readonly tls: boolean; // --no-tls: no uprobes on TLS libraries; HTTPS is not seen
	readonly recordPath: string | null;
};

export type Command = {readonly kind: 'help'} | {readonly kind: 'version'; readonly version: string} | {readonly kind: 'run'; readonly options: Options};

export const defaultDurationMs = 5000;
export const defaultIntervalMs = 1000;
const shortestIntervalMs = 100;
/** The kernel keeps a process name in 16 bytes, the last one a NUL. */
export const commBytes = 15;

const flags = {
	pid: {type: 'string', shortFlag: 'p', isMultiple: true},
	comm: {type: 'string', isMultiple: true},
	port: {type: 'string', isMultiple: true},
	container: {type: 'string', isMultiple: true},
	role: {type: 'string'},
	filter: {type: 'string', shortFlag: 'F'},
	groupBy: {type: 'string'},
	sort: {type: 'string', shortFlag: 's'},
	reverse: {type: 'boolean'},
	interval: {type: 'string', shortFlag: 'd'},
	top: {type: 'string'},
	color: {type: 'boolean', default: true}, // --no-color
	noColor: {type: 'boolean', shortFlag: 'C'}, // -C, as in htop
	showQuery: {type: 'boolean'},
	tls: {type: 'boolean', default: true}, // --no-tls
	snapshot: {type: 'boolean'},
	duration: {type: 'string'},
	format: {type: 'string', shortFlag: 'f'},
	record: {type: 'string'},
	replay: {type: 'string'},
	demo: {type: 'boolean'},
	version: {type: 'boolean', shortFlag: 'V'},
	help: {type: 'boolean', shortFlag: 'h'},
} as const;

type FlagName = keyof typeof flags;

const kebab = (name: string): string => name.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`);
const flagLabel = (name: string): string => name.length === 1 ? `-${name}` : `--${kebab(name)}`;

const knownKeys = new Set<string>(Object.entries(flags).flatMap(([name, spec]) => 'shortFlag' in spec ? [name, spec.shortFlag] : [name]));

// Flags that take a value, as they may be spelt on the command line.
const valueFlagSpellings = new Map<string, string>(Object.entries(flags)
	.filter(([, spec]) => spec.type === 'string')
	.flatMap(([name, spec]) => {
		const label = flagLabel(name);
		const spellings: Array<[string, string]> = [[label, label], [`--${name}`, label]];
		return 'shortFlag' in spec ? [...spellings, [`-${spec.shortFlag}`, label]] : spellings;
	}));

const looksLikeFlag = (token: string): boolean => token.startsWith('-') && token.length > 1 && !/^-\d*\.?\d+$/.test(token);

/** meow turns `--duration --snapshot` into an empty duration and `-p` alone into no pid at all: catch both. */
function checkValuesPresent(argv: readonly string[]): void {
	for (let index = 0; index < argv.length; index++) {
		const token = argv[index]!;
		if (token === '--') {
			return;
		}

		// A cluster such as -Cp takes its value from the next token when it ends in a value flag.
		const spelling = /^-[A-Za-z]{2,}$/.test(token) ? `-${token.at(-1)}` : token;
		const label = valueFlagSpellings.get(spelling);
		const next = argv[index + 1];
		if (label !== undefined && (next === undefined || looksLikeFlag(next))) {
			throw new UsageError(`${label} needs a value`);
		}
	}
}

const listValues = (values: readonly string[]): string[] =>
	values.flatMap(value => value.split(',')).map(value => value.trim());

function parseIntegers(values: readonly string[], flag: string, what: string, min: number, max: number): number[] {
	return listValues(values).map(text => {
		const value = Number(text);
		if (!/^\d+$/.test(text) || value < min || value > max) {
			throw new UsageError(`${flag}: '${text}' is not ${what} (${min}-${max})`);
		}

		return value;
	});
}

function parseCount(text: string, flag: string): number {
	const value = Number(text.trim());
	if (!/^\d+$/.test(text.trim()) || value < 1 || !Number.isSafeInteger(value)) {
		throw new UsageError(`${flag}: '${text}' is not a row count (a whole number, 1 or more)`);
	}

	return value;
}

const secondsPattern = /^(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)?$/;
const unitMs: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000};

/** `5`, `0.5`, `1.5s`, `500ms`, `2m`, `1h` -> milliseconds. */
function parseSeconds(text: string, flag: string, minimumMs: number): number {
	if (text.trim().startsWith('-')) {
		throw new UsageError(`${flag}: '${text}' is negative; give a positive number of seconds`);
	}

	const match = secondsPattern.exec(text.trim());
	if (!match) {
		throw new UsageError(`${flag}: '${text}' is not a duration (seconds, or with a unit: 500ms, 30s, 2m, 1h)`);
	}

	const ms = Number(match[1]) * (unitMs[match[2] ?? 's'] ?? 1000);
	if (!Number.isFinite(ms) || ms <= 0) {
		throw new UsageError(`${flag}: '${text}' must be more than 0`);
	}

	if (ms < minimumMs) {
		throw new UsageError(`${flag}: '${text}' is too short (at least ${minimumMs / 1000} s)`);
	}

	return ms;
}

// `errorRate`, `error-rate`, `ERROR_RATE` all name the same column.
const comparable = (text: string): string => text.trim().toLowerCase().replaceAll(/[-_]/g, '');

function oneOf<T extends string>(text: string, flag: string, choices: readonly T[]): T {
	const value = choices.find(choice => comparable(choice) === comparable(text));
	if (value === undefined) {
		throw new UsageError(`${flag}: unknown value '${text}' (choose from ${choices.join(', ')})`);
	}

	return value;
}

function parseFilterFlag(text: string): Filter {
	const result = parseFilter(text);
	if (!result.ok) {
		throw new UsageError(`--filter '${text}': ${result.message}`);
	}

	return result.filter;
}

type ParsedFlags = {
	readonly [Name in FlagName]: (typeof flags)[Name] extends {isMultiple: true} ? string[]
		: (typeof flags)[Name] extends {type: 'string'} ? string | undefined : boolean | undefined;
};

function runMeow(argv: readonly string[]): {flags: ParsedFlags; input: string[]; unnormalized: Record<string, unknown>; version: string} {
	try {
		const cli = meow({
			importMeta: import.meta,
			argv: [...argv],
			flags,
			autoHelp: false,
			autoVersion: false,
			description: false,
		});
		return {
			flags: cli.flags as unknown as ParsedFlags,
			input: cli.input,
			unnormalized: cli.unnormalizedFlags,
			version: String(cli.pkg.version ?? 'unknown'),
		};
	} catch (error) {
		// meow throws for a non-repeatable flag given twice: "The flag --sort can only be set once."
		const message = error instanceof Error ? error.message : String(error);
		const repeated = /The flag (\S+) can only be set once/.exec(message);
		throw new UsageError(repeated ? `${repeated[1]} can only be given once` : message.split('\n')[0] ?? message);
	}
}

/** Turns the arguments (process.argv.slice(2)) and environment into a Command, or throws UsageError. */
export function parseCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Command {
	checkValuesPresent(argv);
	const {flags: parsed, input, unnormalized, version} = runMeow(argv);

	const unknown = Object.keys(unnormalized).filter(key => !knownKeys.has(key));
	if (unknown.length > 0) {
		throw new UsageError(`unknown option ${flagLabel(unknown[0]!)} (see httptop --help)`);
	}

	if (input.length > 0) {
		throw new UsageError(`unexpected argument '${input[0]}' (httptop takes only options; see httptop --help)`);
	}

	if (parsed.help) {
		return {kind: 'help'};
	}

	if (parsed.version) {
		return {kind: 'version', version};
	}

	for (const name of Object.keys(flags) as FlagName[]) {
		const value = parsed[name];
		if (value === '' || (Array.isArray(value) && value.some(item => item.trim() === ''))) {
			throw new UsageError(`${flagLabel(name)} needs a value`);
		}
	}

	return {kind: 'run', options: validate(parsed, env)};
}

function chooseSource(parsed: ParsedFlags): SourceChoice {
	if (parsed.replay !== undefined && parsed.demo) {
		throw new UsageError('--replay and --demo cannot be combined: choose one source');
	}

	if (parsed.replay !== undefined && parsed.record !== undefined) {
		throw new UsageError('--record cannot be combined with --replay: the recording already exists');
	}

	if (parsed.demo && (parsed.pid.length > 0 || parsed.comm.length > 0 || parsed.port.length > 0)) {
		throw new UsageError('--demo traces its own server and client: --pid, --comm and --port cannot be combined with it');
	}

	if (parsed.replay !== undefined) {
		return {kind: 'replay', path: parsed.replay};
	}

	return parsed.demo ? {kind: 'demo'} : {kind: 'live'};
}

function parseSelection(parsed: ParsedFlags): Selection {
	const comms = listValues(parsed.comm);
	for (const comm of comms) {
		if (comm === '') {
			throw new UsageError('--comm: empty process name');
		}

		if (Buffer.byteLength(comm) > commBytes) {
			throw new UsageError(`--comm: '${comm}' is longer than the ${commBytes} bytes the kernel keeps of a process name; `
				+ `use '${Buffer.from(comm).subarray(0, commBytes).toString()}'`);
		}
	}

	return {
		pids: parseIntegers(parsed.pid, '--pid', 'a process id', 1, 4_194_304),
		comms,
		ports: parseIntegers(parsed.port, '--port', 'a port', 1, 65_535),
		containers: parsed.container.map(container => container.trim()),
	};
}

function validate(parsed: ParsedFlags, env: Readonly<Record<string, string | undefined>>): Options {
	const source = chooseSource(parsed);
	const selection = parseSelection(parsed);
	const snapshot = Boolean(parsed.snapshot);

	if (!snapshot && parsed.duration !== undefined) {
		throw new UsageError('--duration applies to --snapshot only');
	}

	if (!snapshot && parsed.format !== undefined) {
		throw new UsageError('--format applies to --snapshot only (the live view is a table)');
	}

	const groupBy: GroupBy = parsed.groupBy === undefined ? 'endpoint' : oneOf(parsed.groupBy, '--group-by', groupByValues);
	// A report's rate is count over the report's period, so the two orders are the same there.
	const defaultColumn: SortColumn = snapshot ? 'count' : 'rate';
	const column = parsed.sort === undefined ? defaultColumn : oneOf(parsed.sort, '--sort', sortColumns);
	// Metrics sort largest first, names A to Z; --reverse turns either round.
	const descending = descendingByDefault(column) !== Boolean(parsed.reverse);
	const role: RoleFilter = parsed.role === undefined ? 'both' : oneOf(parsed.role, '--role', ['server', 'client', 'both'] as const);
	const top = parsed.top === undefined ? undefined : parseCount(parsed.top, '--top');

	const filter = parsed.filter === undefined ? null : parseFilterFlag(parsed.filter);

	const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
	return {
		mode: snapshot ? 'snapshot' : 'live',
		source,
		selection,
		view: {groupBy, sort: {column, descending}, filter, role, ...(top === undefined ? {} : {top})},
		intervalMs: parsed.interval === undefined ? defaultIntervalMs : parseSeconds(parsed.interval, '--interval', shortestIntervalMs),
		durationMs: parsed.duration === undefined ? defaultDurationMs : parseSeconds(parsed.duration, '--duration', 0),
		format: parsed.format === undefined ? 'table' : oneOf(parsed.format, '--format', reportFormats),
		color: parsed.color !== false && !parsed.noColor && !noColorEnv,
		showQuery: Boolean(parsed.showQuery),
		tls: parsed.tls !== false,
		recordPath: parsed.record ?? null,
	};
}
