// Route normalization (normalizeRoute: identifiers in a path become
// placeholders, words stay) and route folding (many distinct values after one
// prefix become `*`, learned from the traffic, through the aggregator), and the
// bounded sample of raw paths kept under each route.

import test, {type ExecutionContext} from 'ava';
import {createAggregator, groupByValues, normalizeRoute, parseFilter, type Aggregator, type Row, type ViewOptions} from '../source/aggregate/index.js';
import type {Exchange} from '../source/http/exchange.js';
import {makeExchange} from './helpers/ui-exchanges.js';
import {seeded} from './helpers/seeded.js';
import {RouteFolder} from '../source/aggregate/route-folding.js';

const t0 = Date.UTC(2025, 0, 1);
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'key', descending: false}, filter: null, role: 'both'};

const request = (path: string, index = 0, fields: Partial<Exchange> = {}): Exchange =>
	makeExchange({path, ...fields, startMs: t0 + index, firstByteMs: t0 + index + 1, endMs: t0 + index + 2});

const send = (aggregator: Aggregator, paths: readonly string[]): void => {
	aggregator.add(paths.map((path, index) => request(path, index)));
};

/** Route -> count, over every row. */
const counts = (aggregator: Aggregator): Record<string, number> =>
	Object.fromEntries(aggregator.snapshot(view, t0 + 60_000).rows.map(row => [row.label, row.count]));

const rowFor = (t: ExecutionContext, aggregator: Aggregator, route: string): Row => {
	const row = aggregator.snapshot(view, t0 + 60_000).rows.find(candidate => candidate.route === route);
	t.truthy(row, `a row for ${route}`);
	return row!;
};

test('numeric ids become :id', (t) => {
	t.is(normalizeRoute('/users/123'), '/users/:id');
	t.is(normalizeRoute('/users/0'), '/users/:id');
	t.is(normalizeRoute('/orders/18446744073709551615/items/7'), '/orders/:id/items/:id');
	t.is(normalizeRoute('/42'), '/:id');
});

test('UUIDs become :uuid, in either case', (t) => {
	t.is(normalizeRoute('/orders/3f2b9c1e-7a4d-4e2b-9c1e-7a4d4e2b9c1e'), '/orders/:uuid');
	t.is(normalizeRoute('/orders/3F2B9C1E-7A4D-4E2B-9C1E-7A4D4E2B9C1E/lines'), '/orders/:uuid/lines');
	// One hex digit short of a UUID is not one.
	t.not(normalizeRoute('/orders/3f2b9c1e-7a4d-4e2b-9c1e-7a4d4e2b9c1'), '/orders/:uuid');
});

test('long hex, or hex mixing digits and letters from 8 characters, becomes :hex', (t) => {
	t.is(normalizeRoute('/blobs/9f86d081884c7d65'), '/blobs/:hex');
	t.is(normalizeRoute('/blobs/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'), '/blobs/:hex'); // sha256
	t.is(normalizeRoute('/commits/a1b2c3d4'), '/commits/:hex');
	t.is(normalizeRoute('/commits/DEADBEEF00'), '/commits/:hex');
});

test('ISO dates become :date', (t) => {
	t.is(normalizeRoute('/reports/2024-05-01'), '/reports/:date');
	t.is(normalizeRoute('/reports/2024-05-01/summary'), '/reports/:date/summary');
});

test('base64-like tokens and overlong segments become :token', (t) => {
	t.is(normalizeRoute('/share/CfMkAGbE_aivhFydEpaRafPuGWbmHfG'), '/share/:token');
	t.is(normalizeRoute('/share/Xk9mQ2vR7tL0pZ4w'), '/share/:token');
	t.is(normalizeRoute('/auth/eyJhbGciOiJIUzI1NiJ9'), '/auth/:token');
	t.is(normalizeRoute('/b/aGVsbG8gd29ybGQgZm9vYmFy'), '/b/:token');
	t.is(normalizeRoute('/data/' + 'x'.repeat(65)), '/data/:token');
});

test('a placeholder keeps a short file extension', (t) => {
	t.is(normalizeRoute('/img/123.png'), '/img/:id.png');
	t.is(normalizeRoute('/files/9f86d081884c7d65.json'), '/files/:hex.json');
});

test('words, versions and file names are not folded', (t) => {
	for (const path of [
		'/api/v2', '/hello.world', '/static/app.css', '/v1/users', '/login', '/me', '/a', '/healthz', '/api/v2/users/me',
		'/cafe', '/deadbeef', '/2fa', '/e2e', '/web3', '/abc123', '/getUserById', '/user_profile_settings_page',
		'/robots.txt', '/favicon.ico', '/static/js/main.chunk.js', '/.well-known/openid-configuration',
	]) {
		t.is(normalizeRoute(path), path, path);
	}
});

// A camelCase RPC-style name of 16 or more characters flips case as often as a token does;
// what tells them apart is that each capital starts a word.
test('a long camelCase word is not a token; a token with the same letters mixed is', (t) => {
	t.is(normalizeRoute('/api/getUserProfileSettings'), '/api/getUserProfileSettings');
	t.is(normalizeRoute('/rpc/DescribeInstanceAttributes'), '/rpc/DescribeInstanceAttributes');
	t.is(normalizeRoute('/api/gEtuSerProFileSettINgs'), '/api/:token');
	t.is(normalizeRoute('/share/CfMkAGbE_aivhFydEpaRafPuGWbmHfG'), '/share/:token');
});

test('the query string, fragment, matrix parameters and an absolute-form scheme and host are not part of the route', (t) => {
	t.is(normalizeRoute('/users/42?token=s3cret'), '/users/:id');
	t.is(normalizeRoute('/docs/intro#install'), '/docs/intro');
	t.is(normalizeRoute('/cart;jsessionid=0123456789ABCDEF'), '/cart');
	t.is(normalizeRoute('http://example.com/users/5'), '/users/:id');
	t.is(normalizeRoute('http://example.com'), '/');
});

test('special targets: /, *, authority-form, trailing slashes and very deep paths', (t) => {
	t.is(normalizeRoute('/'), '/');
	t.is(normalizeRoute('*'), '*');
	t.is(normalizeRoute('example.com:443'), ':authority');
	t.is(normalizeRoute('/users/'), '/users/');
	const deep = Array.from({length: 20}, (_, index) => `/s${index}`).join('');
	const kept = Array.from({length: 16}, (_, index) => `/s${index}`).join('');
	t.is(normalizeRoute(deep), kept + '/**');
	t.is(normalizeRoute(kept), kept);
});

test('folding: up to routeSegmentLimit distinct values after a prefix stay distinct; one more folds them all into *', (t) => {
	const aggregator = createAggregator({routeSegmentLimit: 5});
	const names = ['alice', 'bob', 'carol', 'dave', 'erin'];
	send(aggregator, names.flatMap(name => [`/users/${name}`, `/users/${name}`]));
	t.deepEqual(counts(aggregator), Object.fromEntries(names.map(name => [`/users/${name}`, 2])));

	// The sixth name folds the prefix: the rows seen so far move into /users/*, nothing is lost.
	send(aggregator, ['/users/frank']);
	t.deepEqual(counts(aggregator), {'/users/*': 11});
	// From now on every value there is *, deeper segments included.
	send(aggregator, ['/users/zoe', '/users/alice/posts', '/users/bob/posts']);
	t.deepEqual(counts(aggregator), {'/users/*': 12, '/users/*/posts': 2});
});

test('folding is per prefix, and a placeholder counts as one value', (t) => {
	const aggregator = createAggregator({routeSegmentLimit: 3});
	// A thousand ids are one value (:id); with two words, three values: no fold.
	send(aggregator, [...Array.from({length: 1000}, (_, index) => `/orders/${index + 1}`), '/orders/pending', '/orders/export']);
	// Many names under /tags fold; /teams has only two and keeps them.
	send(aggregator, [...Array.from({length: 10}, (_, index) => `/tags/tag-${'abcdefghij'[index]}`), '/teams/red', '/teams/blue']);
	t.deepEqual(counts(aggregator), {
		'/orders/:id': 1000,
		'/orders/pending': 1,
		'/orders/export': 1,
		'/tags/*': 10,
		'/teams/red': 1,
		'/teams/blue': 1,
	});
});

test('a folded prefix keeps short extensions apart: /static/*.css and /static/*.js', (t) => {
	const aggregator = createAggregator({routeSegmentLimit: 4});
	const files = Array.from({length: 12}, (_, index) => `/static/file-${'abcdefghijkl'[index]}.${index % 3 === 0 ? 'js' : 'css'}`);
	send(aggregator, files);
	t.deepEqual(counts(aggregator), {'/static/*.css': 8, '/static/*.js': 4});
});

test('folds cascading through deep paths mid-batch lose nothing: every grouping adds up, row sums agree with their cells', (t) => {
	// A filter on status makes the endpoint view merge cells instead of reading its rows' running sums.
	const byCells = parseFilter('status>=100');
	if (!byCells.ok) {
		t.fail(byCells.message);
		return;
	}
	const nowMs = t0 + 20_000;
	for (let seed = 1; seed <= 40; seed++) {
		const random = seeded(seed);
		const aggregator = createAggregator({routeSegmentLimit: 1 + Math.floor(random() * 3), maxRows: 5 + Math.floor(random() * 40)});
		const sent: Exchange[] = [];
		for (let batch = 0; batch < 20; batch++) {
			const exchanges: Exchange[] = [];
			for (let i = 0; i < 10; i++) {
				const depth = 1 + Math.floor(random() * 4);
				let path = '';
				for (let level = 0; level < depth; level++) {
					path += '/' + 'abcdefghij'[Math.floor(random() * (2 + level * 2))]!;
				}
				// Ends spread over 0-19.4 s, never on a whole second.
				exchanges.push(request(path, sent.length * 97, {status: random() < 0.7 ? 200 : 503, pid: 1 + Math.floor(random() * 2)}));
				sent.push(exchanges.at(-1)!);
			}
			aggregator.add(exchanges);
		}
		const label = `seed ${seed}`;
		for (const groupBy of groupByValues) {
			const rows = aggregator.snapshot({...view, groupBy}, nowMs).rows;
			t.is(rows.reduce((sum, row) => sum + row.count, 0), sent.length, `${label}, ${groupBy}`);
			const rate10s = rows.reduce((sum, row) => sum + row.rate10s, 0);
			const expected = sent.filter(exchange => exchange.endMs > nowMs - 10_000).length / 10;
			t.true(Math.abs(rate10s - expected) < 1e-9, `${label}, ${groupBy}: rate ${rate10s}, expected ${expected}`);
		}
		const figures = (row: Row) => [row.key, row.count, row.errors, row.latencyMs, row.rate10s, row.rate60s, row.bytesOutPerSec, row.status];
		t.deepEqual(
			aggregator.snapshot(view, nowMs).rows.map(figures),
			aggregator.snapshot({...view, filter: byCells.filter}, nowMs).rows.map(figures),
			label,
		);
	}
});

test('the default limit leaves a handful of distinct values alone', (t) => {
	const aggregator = createAggregator();
	const names = Array.from({length: 10}, (_, index) => `/products/item-${'abcdefghij'[index]}`);
	send(aggregator, names);
	t.deepEqual(counts(aggregator), Object.fromEntries(names.map(name => [name, 1])));
});

test('raw paths under a route: a bounded sample (examplePaths, detail().paths) of paths really sent', (t) => {
	const aggregator = createAggregator({routeSegmentLimit: 4, examplePathsPerRow: 5});
	// A hot path first, then thirty cold ones: the route folds into /users/*.
	const cold = Array.from({length: 30}, (_, index) => `/users/user-${String.fromCharCode(97 + (index % 26))}${Math.floor(index / 26)}`);
	const paths = [...Array.from({length: 50}, () => '/users/hot'), ...cold, ...Array.from({length: 20}, () => '/users/hot')];
	send(aggregator, paths);
	const row = rowFor(t, aggregator, '/users/*');
	t.is(row.count, paths.length);
	t.true(row.examplePaths.length > 0 && row.examplePaths.length <= 5, `${row.examplePaths.length} example paths`);
	t.true(row.examplePaths.every(path => paths.includes(path)));
	t.is(new Set(row.examplePaths).size, row.examplePaths.length, 'no duplicates');
	t.true(row.examplePaths.includes('/users/hot'));

	const detail = aggregator.detail(row.key, view, t0 + 60_000)!;
	t.true(detail.paths.length <= 5);
	t.true(detail.paths.every(entry => paths.includes(entry.path)));
	// Counts are lower bounds of how often each path was seen; the hot path, which got its slot while
	// there was room and is never the least counted, is counted exactly and listed first.
	for (const entry of detail.paths) {
		t.true(entry.count <= paths.filter(path => path === entry.path).length, entry.path);
	}
	t.deepEqual(detail.paths[0], {path: '/users/hot', count: 70});
});

test('a route with few raw paths lists all of them with exact counts', (t) => {
	const aggregator = createAggregator();
	send(aggregator, ['/items/1', '/items/2', '/items/2', '/items/3', '/items/3', '/items/3']);
	const row = rowFor(t, aggregator, '/items/:id');
	t.deepEqual([...row.examplePaths].sort(), ['/items/1', '/items/2', '/items/3']);
	t.deepEqual(aggregator.detail(row.key, view, t0 + 60_000)!.paths, [
		{path: '/items/3', count: 3},
		{path: '/items/2', count: 2},
		{path: '/items/1', count: 1},
	]);
});

test('raw paths never keep a query string, and the same path with different queries is one path', (t) => {
	// The capture strips queries from Exchange.path; a hand-written recording may not have.
	const aggregator = createAggregator();
	aggregator.add(Array.from({length: 6}, (_, index) => request(`/search?q=secret-${index % 2}`, index)));
	const row = rowFor(t, aggregator, '/search');
	t.deepEqual(row.examplePaths, ['/search']);
	t.deepEqual(aggregator.detail(row.key, view, t0 + 60_000)!.paths, [{path: '/search', count: 6}]);
});

test('a segment found again through the recently-seen shortcut gets the route normalization gives it, as the same text in other places', (t) => {
	const random = seeded(91);
	const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
	// Few enough values per prefix that nothing folds: every route is normalizeRoute's.
	const segments = ['api', 'v2', 'users', ':id', 'a;jsessionid=1', 'a', '123', 'hello.world', '0a1b2c3d4e5f', 'Users', 'users.json', '', 'x%2Fy'];
	const folder = new RouteFolder();
	for (let i = 0; i < 5000; i++) {
		const depth = 1 + Math.floor(random() * (i % 50 === 0 ? 20 : 4)); // now and then deeper than the 16 segments kept
		const path = pick(['', '', '', 'http://h.example']) + '/' + Array.from({length: depth}, () => pick(segments)).join('/') + pick(['', '?q=1', '#top', '?a/b']);
		t.is(folder.routeOf(path), normalizeRoute(path), path);
	}
	t.is(folder.version, 0, 'nothing folded');
});

test('under a folded prefix, a segment lands in the wildcard its normalized form gives: its extension alone', (t) => {
	const random = seeded(92);
	const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
	const folder = new RouteFolder(2);
	for (const name of ['alpha', 'beta', 'gamma']) {
		folder.routeOf(`/f/${name}`);
	}
	t.is(folder.routeOf('/f/delta'), '/f/*', 'folded');
	const heads = ['file', '123', 'a1b2c3d4e5f6a7b8', 'x'.repeat(70), '2024-05-01', 'CfMkAGbE_aivhFydEpaRafPuGWbmHfG', '', '.hidden', 'v2'];
	const tails = ['', '.js', '.CSS', '.png', ';jsessionid=1', '.js;v=2', '.', '.toolongext'];
	for (let i = 0; i < 2000; i++) {
		const segment = pick(heads) + pick(tails);
		const normalized = normalizeRoute(`/f/${segment}`).slice('/f/'.length);
		// wildcardKey, written out: `*` and a short extension (a dot not first, 1-5 letters or digits), lowercased.
		const extension = /^.+(\.[A-Za-z\d]{1,5})$/.exec(normalized)?.[1];
		const expected = normalized === '' ? '/f/' : `/f/*${extension?.toLowerCase() ?? ''}`;
		t.is(folder.routeOf(`/f/${segment}${pick(['', '?q=1', '#top'])}`), expected, segment);
	}
});
