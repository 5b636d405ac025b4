// The filter language the live view and the CLI share:
//
//   filter  := term (whitespace term)*          terms are ANDed
//   term    := field operator value          (spaces around the operator are allowed)
//   operator:= = | == | != | > | >= | < | <= | ~ | !~
//   flag    := tls | !tls | grpc | !grpc       (a flag field alone)
//   value   := bare text up to whitespace | "double" or 'single' quoted (\" escapes)
//
// `=` and `!=` accept a comma list meaning any of / none of (`status=502,503`).
// `~` and `!~` are case-insensitive substring matches (not regular expressions:
// paths are full of `.` and `?`). Names and methods compare case-insensitively,
// routes, paths and peers exactly.
//
// Identity fields pick exchanges (in the aggregator: the cells they were
// counted in): method, route (the normalized route), path (a raw path:
// matches a cell when one of its sampled paths matches), status (a code or a
// class such as 5xx), comm (or process), pid, container (`container=""` means
// not in a container), host, role (server or client), peer (the remote
// address; for a client also address:port), port (the listening port), tls
// (a flag: `tls`, `!tls`, `tls=false`), protocol (HTTP/1.0, HTTP/1.1, HTTP/2),
// grpc (a flag: gRPC calls) and grpcStatus (a gRPC call's status code).
//
// Metric fields pick rows after aggregation: latency (the row's p99 total
// time), ttfb (p99 time to first byte), p50, p90, p99, max and mean (total
// time), with units us, ms (the default), s or m; rate (requests/s over 10 s);
// count; errors; errorRate (a fraction, or a percentage with %). On a single
// exchange (matchesExchange), the latency fields compare that exchange's own
// times and the other metric fields are not applied.

import {endpointText, latencyMs, ttfbMs, type Exchange} from '../http/exchange.js';
import {protocolOf, type Identity} from './cell.js';
import {rowLatencyP99} from './rows.js';
import {normalizeRoute} from './route.js';
import type {Filter, FilterParseResult, Row} from './types.js';

/** What an identity term looks at: one exchange, or one cell of the aggregator (see cell.ts). */
export type FilterSubject = {
	readonly identity: Omit<Identity, 'service' | 'isOther'>;
	readonly samplePaths: readonly string[];
	/** Only for a single exchange: its own times. */
	readonly latencyMs?: number;
	readonly ttfbMs?: number;
};

type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~' | '!~';
// `==` reads as `=`.
const operators: ReadonlyArray<readonly [string, Operator]> = [['==', '='], ['!=', '!='], ['!~', '!~'], ['>=', '>='], ['<=', '<='], ['=', '='], ['>', '>'], ['<', '<'], ['~', '~']];

type ValueKind = 'text' | 'status' | 'integer' | 'role' | 'flag' | 'duration' | 'rate' | 'count' | 'fraction';

type FieldSpec = {
	readonly name: string;
	readonly kind: ValueKind;
	readonly metric: boolean;
	readonly caseSensitive?: boolean;
};

const fieldSpecs: readonly FieldSpec[] = [
	{name: 'method', kind: 'text', metric: false},
	{name: 'route', kind: 'text', metric: false, caseSensitive: true},
	{name: 'path', kind: 'text', metric: false, caseSensitive: true},
	{name: 'status', kind: 'status', metric: false},
	{name: 'comm', kind: 'text', metric: false},
	{name: 'pid', kind: 'integer', metric: false},
	{name: 'container', kind: 'text', metric: false},
	{name: 'host', kind: 'text', metric: false},
	{name: 'role', kind: 'role', metric: false},
	{name: 'peer', kind: 'text', metric: false, caseSensitive: true},
	{name: 'port', kind: 'integer', metric: false},
	{name: 'tls', kind: 'flag', metric: false},
	{name: 'protocol', kind: 'text', metric: false},
	{name: 'grpc', kind: 'flag', metric: false},
	{name: 'grpcStatus', kind: 'integer', metric: false},
	{name: 'latency', kind: 'duration', metric: true},
	{name: 'ttfb', kind: 'duration', metric: true},
	{name: 'p50', kind: 'duration', metric: true},
	{name: 'p90', kind: 'duration', metric: true},
	{name: 'p99', kind: 'duration', metric: true},
	{name: 'max', kind: 'duration', metric: true},
	{name: 'mean', kind: 'duration', metric: true},
	{name: 'rate', kind: 'rate', metric: true},
	{name: 'count', kind: 'count', metric: true},
	{name: 'errors', kind: 'count', metric: true},
	{name: 'errorRate', kind: 'fraction', metric: true},
];

const aliases: Record<string, string> = {process: 'comm', code: 'status', error_rate: 'errorrate'};

const specsByName = new Map(fieldSpecs.map(spec => [spec.name.toLowerCase(), spec]));
const flagValues: Record<string, boolean> = {true: true, yes: true, '1': true, false: false, no: false, '0': false};

/** The field names the language knows, for help texts. */
export const filterFields: readonly string[] = fieldSpecs.map(spec => spec.name);

const operatorsFor = (kind: ValueKind): readonly Operator[] => {
	switch (kind) {
		case 'text': {
			return ['=', '!=', '~', '!~'];
		}
		case 'role':
		case 'flag': {
			return ['=', '!='];
		}
		default: {
			return ['=', '!=', '>', '>=', '<', '<='];
		}
	}
};

/** The internals the aggregator uses to apply a filter to its cells. */
export type CompiledFilter = {
	readonly identityTerms: ReadonlyArray<(subject: FilterSubject) => boolean>;
	readonly metricTerms: ReadonlyArray<(row: Row) => boolean>;
	/** The identity fields the terms look at. */
	readonly identityFields: readonly string[];
};

const compiled = new WeakMap<Filter, CompiledFilter>();

/** The compiled form of a filter made by parseFilter (undefined for a filter made elsewhere). */
export const compiledFilter = (filter: Filter): CompiledFilter | undefined => compiled.get(filter);

class FilterError extends Error {
	constructor(message: string, readonly position: number) {
		super(message);
	}
}

type Token = {readonly text: string; readonly position: number; readonly quoted: boolean};

const isSpace = (char: string | undefined): boolean => char === ' ' || char === '\t' || char === '\n' || char === '\r';

const quote = (text: string): string => JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text);

function readValue(source: string, position: number): {token: Token; next: number} {
	const opening = source[position];
	if (opening === '"' || opening === '\'') {
		let text = '';
		for (let i = position + 1; i < source.length; i++) {
			const char = source[i]!;
			if (char === '\\' && i + 1 < source.length) {
				text += source[++i];
			} else if (char === opening) {
				return {token: {text, position, quoted: true}, next: i + 1};
			} else {
				text += char;
			}
		}
		throw new FilterError(`unterminated quote at column ${position + 1}: close it with ${opening}`, position);
	}
	let end = position;
	while (end < source.length && !isSpace(source[end])) {
		end++;
	}
	return {token: {text: source.slice(position, end), position, quoted: false}, next: end};
}

const durationUnits: Record<string, number> = {us: 0.001, 'µs': 0.001, ms: 1, s: 1000, m: 60_000};

function parseNumber(token: Token, kind: ValueKind, field: string): number {
	const text = token.text;
	const match = /^(\d+(?:\.\d*)?|\.\d+)([a-zA-Zµ%/]*)$/.exec(text);
	const bad = (expected: string): FilterError => new FilterError(`${quote(text)} at column ${token.position + 1} is not ${expected}`, token.position);
	switch (kind) {
		case 'duration': {
			if (match === null) {
				throw bad(`a duration for ${field} (try 100ms, 1.5s, 250us)`);
			}
			const unit = match[2] === '' ? 'ms' : match[2]!.toLowerCase();
			const scale = durationUnits[unit];
			if (scale === undefined) {
				throw new FilterError(`unknown unit ${quote(match[2]!)} in ${quote(text)} at column ${token.position + 1}: use us, ms, s or m`, token.position);
			}
			return Number(match[1]) * scale;
		}
		case 'rate': {
			if (match === null || (match[2] !== '' && match[2] !== '/s')) {
				throw bad('a rate in requests per second (try 10 or 10/s)');
			}
			return Number(match[1]);
		}
		case 'count': {
			const scale = match === null ? undefined : ({'': 1, k: 1e3, m: 1e6} as Record<string, number>)[match[2]!.toLowerCase()];
			if (match === null || scale === undefined) {
				throw bad(`a count for ${field} (try 100, 5k or 2M)`);
			}
			return Number(match[1]) * scale;
		}
		case 'fraction': {
			if (match === null || (match[2] !== '' && match[2] !== '%')) {
				throw bad('an error rate (try 0.05 or 5%)');
			}
			const value = Number(match[1]);
			if (match[2] === '%') {
				return value / 100;
			}
			if (value > 1) {
				throw new FilterError(`${quote(text)} at column ${token.position + 1} is over 1: write a percentage as ${text}%`, token.position);
			}
			return value;
		}
		case 'integer': {
			if (!/^\d{1,10}$/.test(text)) {
				throw bad(`a whole number for ${field}`);
			}
			return Number(text);
		}
		default: {
			throw bad('a number');
		}
	}
}

const compareNumbers = (operator: Operator, value: number, target: number): boolean => {
	switch (operator) {
		case '=': {
			return value === target;
		}
		case '!=': {
			return value !== target;
		}
		case '>': {
			return value > target;
		}
		case '>=': {
			return value >= target;
		}
		case '<': {
			return value < target;
		}
		case '<=': {
			return value <= target;
		}
		default: {
			return false;
		}
	}
};

/** A status value: an exact code, or a class (5xx) as the range it spans. */
function parseStatus(token: Token): {low: number; high: number} {
	const classMatch = /^([1-5])xx$/i.exec(token.text);
	if (classMatch !== null) {
		const low = Number(classMatch[1]) * 100;
		return {low, high: low + 99};
	}
	if (!/^\d{3}$/.test(token.text)) {
		throw new FilterError(`${quote(token.text)} at column ${token.position + 1} is not a status (try 404, 5xx)`, token.position);
	}
	const code = Number(token.text);
	return {low: code, high: code};
}

const compareStatus = (operator: Operator, status: number, range: {low: number; high: number}): boolean => {
	switch (operator) {
		case '=': {
			return status >= range.low && status <= range.high;
		}
		case '!=': {
			return status < range.low || status > range.high;
		}
		case '>': {
			return status > range.high;
		}
		case '>=': {
			return status >= range.low;
		}
		case '<': {
			return status < range.low;
		}
		case '<=': {
			return status <= range.high;
		}
		default: {
			return false;
		}
	}
};

type TextGetter = (subject: FilterSubject) => ReadonlyArray<string | null>;

const textGetters: Record<string, TextGetter> = {
	method: ({identity}) => [identity.method],
	route: ({identity}) => [identity.route],
	path: subject => subject.samplePaths,
	comm: ({identity}) => [identity.comm],
	container: ({identity}) => [identity.container],
	host: ({identity}) => [identity.host],
	peer: ({identity}) => [identity.peer, identity.peerAddress],
	protocol: ({identity}) => [identity.protocol],
};

const flagGetters: Record<string, (subject: FilterSubject) => boolean> = {
	tls: ({identity}) => identity.tls,
	grpc: ({identity}) => identity.grpcStatus !== null,
};

const integerGetters: Record<string, (subject: FilterSubject) => number | null> = {
	pid: ({identity}) => identity.pid,
	port: ({identity}) => identity.port,
	grpcStatus: ({identity}) => identity.grpcStatus,
};

function textTerm(spec: FieldSpec, operator: Operator, values: readonly Token[]): (subject: FilterSubject) => boolean {
	const get = textGetters[spec.name]!;
	const fold = (text: string): string => spec.caseSensitive === true ? text : text.toLowerCase();
	const wanted = values.map(token => fold(token.text));
	const lowered = values.map(token => token.text.toLowerCase());
	const equals = (candidate: string | null, target: string): boolean => (candidate ?? '') === target;
	switch (operator) {
		case '=': {
			return subject => get(subject).some(candidate => wanted.some(target => equals(candidate === null ? null : fold(candidate), target)));
		}
		case '!=': {
			return subject => !get(subject).some(candidate => wanted.some(target => equals(candidate === null ? null : fold(candidate), target)));
		}
		case '~': {
			return subject => get(subject).some(candidate => candidate !== null && lowered.some(target => candidate.toLowerCase().includes(target)));
		}
		default: {
			return subject => !get(subject).some(candidate => candidate !== null && lowered.some(target => candidate.toLowerCase().includes(target)));
		}
	}
}

/** Any of the values for `=`, none of them for `!=`; comparisons take one value. */
const anyOf = <T>(operator: Operator, targets: readonly T[], test: (target: T, operator: Operator) => boolean): boolean =>
	operator === '!=' ? targets.every(target => test(target, operator)) : targets.some(target => test(target, operator));

function identityTerm(spec: FieldSpec, operator: Operator, values: readonly Token[]): (subject: FilterSubject) => boolean {
	switch (spec.kind) {
		case 'text': {
			return textTerm(spec, operator, values);
		}
		case 'status': {
			const ranges = values.map(parseStatus);
			return subject => anyOf(operator, ranges, (range, op) => compareStatus(op, subject.identity.status, range));
		}
		case 'role': {
			const roles = values.map(token => {
				const role = token.text.toLowerCase();
				if (role !== 'server' && role !== 'client') {
					throw new FilterError(`${quote(token.text)} at column ${token.position + 1} is not a role: use server or client`, token.position);
				}
				return role;
			});
			return subject => anyOf(operator, roles, (role, op) => op === '=' ? subject.identity.role === role : subject.identity.role !== role);
		}
		case 'flag': {
			const wanted = values.map(token => {
				const value = flagValues[token.text.toLowerCase()];
				if (value === undefined) {
					throw new FilterError(`${quote(token.text)} at column ${token.position + 1} is not true or false (or write ${spec.name} or !${spec.name} alone)`, token.position);
				}
				return value;
			});
			const get = flagGetters[spec.name]!;
			return subject => anyOf(operator, wanted, (value, op) => (get(subject) === value) === (op === '='));
		}
		default: {
			const numbers = values.map(token => parseNumber(token, spec.kind, spec.name));
			const get = integerGetters[spec.name]!;
			// A field the subject lacks (grpcStatus of a plain HTTP exchange) matches no term on it.
			return subject => {
				const value = get(subject);
				return value !== null && anyOf(operator, numbers, (target, op) => compareNumbers(op, value, target));
			};
		}
	}
}

const rowMetric: Record<string, (row: Row) => number> = {
	latency: rowLatencyP99,
	ttfb: row => row.ttfbMs.p99,
	p50: row => row.latencyMs.p50,
	p90: row => row.latencyMs.p90,
	p99: rowLatencyP99,
	max: row => row.latencyMs.max,
	mean: row => row.latencyMs.mean,
	rate: row => row.ratePerSec,
	count: row => row.count,
	errors: row => row.errors,
	errorrate: row => row.errorRate,
};

type Term =
	| {readonly metric: false; readonly test: (subject: FilterSubject) => boolean; readonly field: string}
	| {readonly metric: true; readonly test: (row: Row) => boolean; readonly exchangeTest: ((subject: FilterSubject) => boolean) | null};

function parseTerm(source: string, position: number): {term: Term; next: number} {
	const negated = source[position] === '!';
	const nameMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(negated ? position + 1 : position));
	if (nameMatch === null) {
		const {token} = readValue(source, position);
		throw new FilterError(`expected a field name at column ${position + 1}, found ${quote(token.text)} (try status>=500 or route~/api)`, position);
	}
	const name = nameMatch[0];
	const lowered = name.toLowerCase();
	const spec = specsByName.get(aliases[lowered] ?? lowered);
	if (spec === undefined) {
		throw new FilterError(`unknown field ${quote(name)} at column ${position + 1}: use one of ${filterFields.join(', ')}`, position);
	}
	const end = position + name.length + (negated ? 1 : 0);
	let next = end;
	while (isSpace(source[next])) {
		next++; // `status >= 500` reads as `status>=500`
	}
	const [operatorText, operator] = operators.find(([candidate]) => source.startsWith(candidate, next)) ?? ['', undefined];
	if (spec.kind === 'flag' && (negated || operator === undefined)) {
		// `tls`, `!grpc`: a flag alone
		return {term: {metric: false, field: spec.name, test: identityTerm(spec, negated ? '!=' : '=', [{text: 'true', position, quoted: false}])}, next: end};
	}
	if (negated) {
		throw new FilterError(`! at column ${position + 1} only negates a flag (tls, grpc); write ${name}!=value`, position);
	}
	if (operator === undefined) {
		throw new FilterError(`expected an operator after ${quote(name)} at column ${next + 1}: one of ${operatorsFor(spec.kind).join(' ')}`, next);
	}
	if (!operatorsFor(spec.kind).includes(operator)) {
		throw new FilterError(`operator ${quote(operator)} at column ${next + 1} does not apply to ${spec.name}: use ${operatorsFor(spec.kind).join(' ')}`, next);
	}
	next += operatorText.length;
	while (isSpace(source[next])) {
		next++;
	}
	if (next >= source.length) {
		throw new FilterError(`missing value after ${quote(name + operatorText)} at column ${next + 1}`, next);
	}
	const {token, next: after} = readValue(source, next);
	let values: Token[] = [token];
	if (!token.quoted && (operator === '=' || operator === '!=') && token.text.includes(',')) {
		let offset = token.position;
		values = token.text.split(',').map(text => {
			const part = {text, position: offset, quoted: false};
			offset += text.length + 1;
			if (text === '') {
				throw new FilterError(`empty item in the list ${quote(token.text)} at column ${part.position + 1}`, part.position);
			}
			return part;
		});
	}
	if (!spec.metric) {
		return {term: {metric: false, field: spec.name, test: identityTerm(spec, operator, values)}, next: after};
	}
	const target = parseNumber(token, spec.kind, spec.name);
	const metric = rowMetric[spec.name.toLowerCase()]!;
	const exchangeValue = spec.kind !== 'duration'
		? null
		: (spec.name === 'ttfb' ? (subject: FilterSubject) => subject.ttfbMs : (subject: FilterSubject) => subject.latencyMs);
	return {
		term: {
			metric: true,
			test: row => compareNumbers(operator, metric(row), target),
			exchangeTest: exchangeValue === null ? null : subject => compareNumbers(operator, exchangeValue(subject) ?? 0, target),
		},
		next: after,
	};
}

/** What an exchange looks like to the filter. */
export function exchangeSubject(exchange: Exchange): FilterSubject {
	const server = exchange.role === 'server';
	return {
		identity: {
			role: exchange.role,
			method: exchange.method,
			route: normalizeRoute(exchange.path),
			host: exchange.host,
			pid: exchange.pid,
			comm: exchange.comm,
			container: exchange.container,
			status: exchange.status,
			grpcStatus: exchange.grpcStatus,
			tls: exchange.tls,
			protocol: protocolOf(exchange.httpVersion),
			port: server ? exchange.local.port : exchange.remote.port,
			peer: server ? exchange.remote.address : endpointText(exchange.remote),
			peerAddress: exchange.remote.address,
		},
		samplePaths: [exchange.path],
		latencyMs: latencyMs(exchange),
		ttfbMs: ttfbMs(exchange),
	};
}

/** Parses a filter expression such as `status>=500 method=POST route~/api`; an empty one matches everything. */
export function parseFilter(text: string): FilterParseResult {
	const terms: Term[] = [];
	try {
		let position = 0;
		for (;;) {
			while (isSpace(text[position])) {
				position++;
			}
			if (position >= text.length) {
				break;
			}
			const {term, next} = parseTerm(text, position);
			terms.push(term);
			position = next;
		}
	} catch (error) {
		if (error instanceof FilterError) {
			return {ok: false, message: error.message, position: error.position};
		}
		throw error;
	}
	const identityTerms = terms.flatMap(term => term.metric ? [] : [term.test]);
	const metricTerms = terms.flatMap(term => term.metric ? [term.test] : []);
	const exchangeTerms = [
		...identityTerms,
		...terms.flatMap(term => term.metric && term.exchangeTest !== null ? [term.exchangeTest] : []),
	];
	const filter: Filter = {
		source: text,
		matchesExchange(exchange) {
			if (exchangeTerms.length === 0) {
				return true;
			}
			const subject = exchangeSubject(exchange);
			return exchangeTerms.every(test => test(subject));
		},
		matchesRow: row => metricTerms.every(test => test(row)),
	};
	compiled.set(filter, {
		identityTerms,
		metricTerms,
		identityFields: terms.flatMap(term => term.metric ? [] : [term.field]),
	});
	return {ok: true, filter};
}
