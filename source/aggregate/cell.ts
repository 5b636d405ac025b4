// A cell: the finest unit the aggregator keeps, one per distinct identity
// (role, method, route, Host, process, container, service, status code, gRPC
// status, TLS, protocol, and in the peer table the client's address). A cell is
// data: what it is, and what it counted. Every grouping and identity filter is
// a choice of cells added up at snapshot time, so switching needs no re-capture.

import type {Exchange, Role} from '../http/exchange.js';
import {LatencySketch} from './latency.js';
import {PathSample, SlowSample} from './samples.js';
import type {GroupBy} from './types.js';
import {countInRing, mergeRing, newRing} from './windows.js';

export const otherLabel = '(other)';
const separator = '\u001F';

/** Who a cell is. Also what an identity filter looks at (with the cell's path sample). */
export type Identity = {
	readonly role: Role;
	readonly method: string;
	readonly route: string;
	readonly host: string | null;
	readonly pid: number;
	readonly comm: string;
	readonly container: string | null;
	readonly status: number;
	readonly grpcStatus: number | null; // null: not gRPC
	readonly tls: boolean;
	readonly protocol: string; // "HTTP/1.1"
	readonly port: number; // the listening side's port: local for a server, remote for a client
	readonly service: string; // the listening side: a server's container or comm:port, a client's remote address:port
	readonly peer: string | null; // server: the client's address (peer table only); client: the remote address:port
	readonly peerAddress: string | null; // the peer's address without a port
	readonly isOther: boolean; // past the row cap: "(other)"
};

const protocols: Record<string, string> = {'1.0': 'HTTP/1.0', '1.1': 'HTTP/1.1', '2': 'HTTP/2'};

/** "1.1" -> "HTTP/1.1". */
export const protocolOf = (httpVersion: string): string => protocols[httpVersion] ?? `HTTP/${httpVersion}`;

/** Server errors are 5xx; a client also counts 4xx (OpenTelemetry's convention); a gRPC call with a non-zero status is one whatever its HTTP status. */
export const isError = (role: Role, status: number, grpcStatus: number | null): boolean =>
	status >= 500 || (role === 'client' && status >= 400) || (grpcStatus !== null && grpcStatus !== 0);

/** The key of the endpoint row a cell falls in (and which the row cap counts): role, method, route, Host and service. */
export const endpointKey = (identity: Identity): string =>
	identity.isOther ? otherLabel + identity.role : [identity.role, identity.method, identity.route, identity.host ?? '', identity.service].join(separator);

/** The row cap's key: an endpoint, and in the peer table the client's address. */
export const capKey = (identity: Identity): string =>
	identity.role === 'server' && identity.peer !== null ? endpointKey(identity) + separator + identity.peer : endpointKey(identity);

/** The part of a cell key that one connection's exchanges share. */
export const stemKey = (role: Role, pid: number, comm: string, container: string | null, tls: boolean, service: string): string =>
	role + separator + pid + separator + comm + separator + (container ?? '') + separator + String(tls) + separator + service;

/** A cell's key: the stem, what the request and response say, and in the peer table a server's client address. */
export const requestKey = (
	stem: string, method: string, route: string, host: string | null, status: number, grpcStatus: number | null, protocol: string, client: string | null,
): string => stem + separator + method + separator + route + separator + (host ?? '') + separator + status + separator + (grpcStatus ?? '')
	+ separator + protocol + (client === null ? '' : separator + client);

export const cellKey = (identity: Identity): string => requestKey(
	stemKey(identity.role, identity.pid, identity.comm, identity.container, identity.tls, identity.service),
	identity.method, identity.route, identity.host, identity.status, identity.grpcStatus, identity.protocol, identity.role === 'server' ? identity.peer : null,
);

const groupKeyOf: Record<GroupBy, (identity: Identity) => string> = {
	endpoint: endpointKey,
	process: identity => `${identity.pid}${separator}${identity.comm}`,
	container: identity => identity.container ?? '',
	host: identity => identity.host ?? '',
	peer: identity => identity.peer ?? '',
	status: identity => String(identity.status),
};

/** The row keys of a cell under each grouping; every "(other)" cell falls in the one "(other)" row. */
const groupKeysOf = (identity: Identity): Record<GroupBy, string> => {
	const keys = {} as Record<GroupBy, string>;
	for (const groupBy of Object.keys(groupKeyOf) as GroupBy[]) {
		keys[groupBy] = identity.isOther ? otherLabel : groupKeyOf[groupBy](identity);
	}
	return keys;
};

/** What one exchange adds to each cell it falls in, worked out once. */
export type ExchangeFigures = {
	latencyMs: number; // not negative
	latencyKey: number; // its bucket key (see keyOf)
	ttfbMs: number;
	ttfbKey: number;
	second: number; // of its end
	error: boolean;
	bytesIn: number; // received by the traced process
	bytesOut: number;
};

export class Cell {
	count = 0;
	errors = 0;
	bytesIn = 0; // received by the traced process
	bytesOut = 0;
	lastSeenMs = -Infinity;
	/** A server's cell in the peer table: the endpoint table's cell its last exchange was counted in too (it expires with that one). */
	endpointCell: Cell | null = null;
	readonly latency = new LatencySketch(); // request start to response end, ms
	readonly ttfb = new LatencySketch(); // request start to first response byte, ms
	readonly ring = newRing();
	readonly slow = new SlowSample();
	readonly paths: PathSample;
	readonly groupKeys: Record<GroupBy, string>;

	constructor(readonly key: string, readonly identity: Identity, pathsPerCell: number) {
		this.paths = new PathSample(pathsPerCell);
		this.groupKeys = groupKeysOf(identity);
	}

	/** What an identity filter reads besides the identity: the sampled raw paths. */
	get samplePaths(): readonly string[] {
		return this.paths.paths;
	}

	record(exchange: Exchange, figures: ExchangeFigures): void {
		this.count++;
		if (figures.error) {
			this.errors++;
		}
		this.bytesIn += figures.bytesIn;
		this.bytesOut += figures.bytesOut;
		if (exchange.endMs > this.lastSeenMs) {
			this.lastSeenMs = exchange.endMs;
		}
		this.latency.add(figures.latencyMs, figures.latencyKey);
		this.ttfb.add(figures.ttfbMs, figures.ttfbKey);
		countInRing(this.ring, figures.second, figures.bytesIn, figures.bytesOut);
		this.paths.offer(exchange.path);
		this.slow.offer(exchange, figures.latencyMs);
	}

	/** Takes in everything another cell counted. */
	absorb(other: Cell): void {
		this.count += other.count;
		this.errors += other.errors;
		this.bytesIn += other.bytesIn;
		this.bytesOut += other.bytesOut;
		this.lastSeenMs = Math.max(this.lastSeenMs, other.lastSeenMs);
		this.latency.merge(other.latency);
		this.ttfb.merge(other.ttfb);
		mergeRing(this.ring, other.ring);
		this.paths.merge(other.paths);
		this.slow.merge(other.slow);
	}
}
