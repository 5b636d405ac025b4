// The end-to-end check of a captured conversation: every expected exchange
// seen at both ends, exactly as many times as it happened, with the protocol
// and TLS flag expected, and with the same bytes counted at both ends.
import type {ExecutionContext} from 'ava';
import type {Exchange} from '../../source/http/exchange.js';
import {eventually, sleep} from './processes.js';

export type Expected = {
	readonly method: string;
	readonly path: string;
	readonly status: number;
	/** How many such exchanges there were (default 1). */
	readonly count?: number;
	/** The grpc-status each must carry, when given. */
	readonly grpcStatus?: number | null;
};

const matching = (exchanges: readonly Exchange[], pid: number, role: 'server' | 'client', want: Expected): Exchange[] =>
	exchanges.filter(e => e.pid === pid && e.role === role && e.method === want.method && e.path === want.path && e.status === want.status);

/**
 * Waits for every expected exchange at both ends, then checks the counts per
 * side, the protocol, the TLS flag, the times' order and, stream by stream,
 * that both ends counted the same bytes. Returns the client side's first
 * exchange of each expected entry, in order.
 */
export async function assertBothSides(
	t: ExecutionContext,
	exchanges: readonly Exchange[],
	ends: {readonly server: number; readonly client: number},
	expected: readonly Expected[],
	as: {readonly httpVersion: string; readonly tls: boolean},
): Promise<Exchange[]> {
	const complete = (): boolean => expected.every(want =>
		matching(exchanges, ends.server, 'server', want).length >= (want.count ?? 1)
		&& matching(exchanges, ends.client, 'client', want).length >= (want.count ?? 1));
	await eventually(complete, 15_000);
	await sleep(300); // a duplicate would arrive by now
	const clientSide: Exchange[] = [];
	for (const want of expected) {
		const what = `${want.method} ${want.path} ${want.status}`;
		const server = matching(exchanges, ends.server, 'server', want);
		const client = matching(exchanges, ends.client, 'client', want);
		t.is(server.length, want.count ?? 1, `${what}: server side`);
		t.is(client.length, want.count ?? 1, `${what}: client side`);
		for (const e of [...server, ...client]) {
			t.is(e.httpVersion, as.httpVersion, `${what}: HTTP/${as.httpVersion}`);
			t.is(e.tls, as.tls, `${what}: tls`);
			t.true(e.endMs >= e.startMs && e.firstByteMs >= e.startMs, `${what}: times in order`);
			if (want.grpcStatus !== undefined) t.is(e.grpcStatus, want.grpcStatus, `${what}: grpc-status`);
		}

		const bytes = (sides: readonly Exchange[]): string => sides.map(e => `${e.requestBytes}/${e.responseBytes}`).sort().join(' ');
		t.is(bytes(server), bytes(client), `${what}: both ends count the same bytes, exchange by exchange`);
		if (client[0]) clientSide.push(client[0]);
	}

	return clientSide;
}
