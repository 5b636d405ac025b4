// A live capture for end-to-end tests: every exchange it delivers, in order,
// stopped when the test ends.
import type {ExecutionContext} from 'ava';
import type {Exchange} from '../../source/http/exchange.js';
import {createLiveSource, type LiveSourceOptions} from '../../source/pipeline/live-source.js';

export async function capture(t: ExecutionContext, options: Partial<LiveSourceOptions> = {}) {
	const source = await createLiveSource({showQuery: false, ...options});
	const exchanges: Exchange[] = [];
	await source.start(batch => exchanges.push(...batch));
	t.teardown(async () => source.stop());
	return {source, exchanges};
}
