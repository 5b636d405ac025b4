// The recording format (docs/record-format.md): NDJSON, one exchange per line,
// the fields of Exchange by name. `query` is written only when the exchange
// carries one (the pipeline strips it unless --show-query). Reading is
// lenient about what a hand-written bug report may leave out and strict about
// types: a line that does not make a valid exchange is rejected with a reason.

import type {Exchange} from '../http/exchange.js';

/** One exchange as one line of JSON, without the newline. */
export function exchangeToLine(exchange: Exchange): string {
	const record: Record<string, unknown> = {
		role: exchange.role,
		pid: exchange.pid,
		tid: exchange.tid,
		comm: exchange.comm,
		container: exchange.container,
		fd: exchange.fd,
		connId: exchange.connId,
		local: {address: exchange.local.address, port: exchange.local.port},
		remote: {address: exchange.remote.address, port: exchange.remote.port},
		method: exchange.method,
		path: exchange.path,
	};
	if (exchange.query !== null && exchange.query !== undefined) {
		record['query'] = exchange.query;
	}
	record['host'] = exchange.host;
	record['httpVersion'] = exchange.httpVersion;
	record['tls'] = exchange.tls;
	if (exchange.grpcStatus !== null && exchange.grpcStatus !== undefined) {
		record['grpcStatus'] = exchange.grpcStatus;
	}
	record['status'] = exchange.status;
	record['requestBytes'] = exchange.requestBytes;
	record['responseBytes'] = exchange.responseBytes;
	record['startMs'] = exchange.startMs;
	record['firstByteMs'] = exchange.firstByteMs;
	record['endMs'] = exchange.endMs;
	return JSON.stringify(record);
}

export type LineResult = {readonly ok: true; readonly exchange: Exchange} | {readonly ok: false; readonly message: string};

class LineError extends Error {}

type Fields = Record<string, unknown>;

function field<T>(fields: Fields, name: string, check: (value: unknown) => value is T, expected: string, fallback?: T): T {
	const value = fields[name];
	if (value === undefined && fallback !== undefined) {
		return fallback;
	}
	if (!check(value)) {
		throw new LineError(value === undefined ? `${name} is missing` : `${name} must be ${expected}`);
	}
	return value;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isStringOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const isCountOrNull = (value: unknown): value is number | null => value === null || isCount(value);
const isStatus = (value: unknown): value is number => isInteger(value) && value >= 100 && value <= 999;
const isPort = (value: unknown): value is number => isInteger(value) && value >= 0 && value <= 65_535;
const isRole = (value: unknown): value is 'server' | 'client' => value === 'server' || value === 'client';
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

const unknownEndpoint = {address: '', port: 0};

function endpoint(fields: Fields, name: string): {address: string; port: number} {
	const value = field(fields, name, isObject, 'an object {address, port}', unknownEndpoint);
	return {
		address: field(value, 'address', isString, 'a string', ''),
		port: field(value, 'port', isPort, 'a port number 0-65535', 0),
	};
}

/** Parses one line; blank lines are not passed here. */
export function lineToExchange(line: string): LineResult {
	let parsed: unknown;
	try {
		parsed = JSON.parse(line);
	} catch (error) {
		return {ok: false, message: `not JSON, or cut short (${(error as Error).message})`};
	}
	if (!isObject(parsed)) {
		return {ok: false, message: 'not a JSON object'};
	}
	try {
		const pid = field(parsed, 'pid', isCount, 'a process id');
		const endMs = field(parsed, 'endMs', isTime, 'a time in epoch ms');
		const exchange: Exchange = {
			role: field(parsed, 'role', isRole, '"server" or "client"'),
			pid,
			tid: field(parsed, 'tid', isCount, 'a thread id', pid),
			comm: field(parsed, 'comm', isString, 'a string', ''),
			container: field(parsed, 'container', isStringOrNull, 'a string or null', null),
			fd: field(parsed, 'fd', isInteger, 'an integer', -1),
			connId: field(parsed, 'connId', isInteger, 'an integer', 0),
			local: endpoint(parsed, 'local'),
			remote: endpoint(parsed, 'remote'),
			method: field(parsed, 'method', isString, 'a string'),
			path: field(parsed, 'path', isString, 'a string'),
			query: field(parsed, 'query', isStringOrNull, 'a string or null', null),
			host: field(parsed, 'host', isStringOrNull, 'a string or null', null),
			httpVersion: field(parsed, 'httpVersion', isString, 'a string', '1.1'),
			tls: field(parsed, 'tls', isBoolean, 'true or false', false),
			grpcStatus: field(parsed, 'grpcStatus', isCountOrNull, 'an integer or null', null),
			status: field(parsed, 'status', isStatus, 'an integer from 100 to 999'),
			requestBytes: field(parsed, 'requestBytes', isCount, 'a byte count', 0),
			responseBytes: field(parsed, 'responseBytes', isCount, 'a byte count', 0),
			startMs: field(parsed, 'startMs', isTime, 'a time in epoch ms'),
			firstByteMs: field(parsed, 'firstByteMs', isTime, 'a time in epoch ms', endMs),
			endMs,
		};
		if (exchange.endMs < exchange.startMs) {
			return {ok: false, message: 'endMs is before startMs'};
		}
		return {ok: true, exchange};
	} catch (error) {
		if (error instanceof LineError) {
			return {ok: false, message: error.message};
		}
		throw error;
	}
}
