// The drill-down's layout: what it keeps when the terminal is too short for everything.
import test from 'ava';
import {createAggregator, type ViewOptions} from '../source/aggregate/index.js';
import {detailLines, meetingPoint} from '../source/ui/detail-lines.js';
import {makeExchange} from './helpers/ui-exchanges.js';

const t0 = Date.UTC(2025, 0, 1);
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'count', descending: true}, filter: null, role: 'both'};

test('a short terminal still lists every status code of a row (they are few, and the errors hide among them); paths take what is left', (t) => {
	const aggregator = createAggregator();
	const exchanges = Array.from({length: 500}, (_, i) => makeExchange({
		role: 'client', connId: 7, fd: 5,
		local: {address: '127.0.0.1', port: 40_000}, remote: {address: '127.0.0.1', port: 8080},
		path: `/api/users/${i % 40}`, status: i % 20 === 0 ? 404 : (i % 50 === 1 ? 503 : 200),
		startMs: t0 + i * 10, endMs: t0 + i * 10 + 1 + (i % 7),
	}));
	aggregator.add(exchanges);
	const nowMs = t0 + 6000;
	const [row] = aggregator.snapshot(view, nowMs).rows;
	const detail = aggregator.detail(row!.key, view, nowMs)!;
	t.deepEqual(detail.statusCodes.map(entry => entry.code), [200, 404, 503]);
	for (const [width, height] of [[120, 25], [120, 20], [80, 30]] as const) {
		const text = detailLines(detail, width, height, nowMs, false).map(line => line.map(segment => segment.text).join(''));
		t.true(text.length <= height, `${width}x${height}: fits`);
		for (const code of ['200', '404', '503']) {
			t.true(text.some(line => new RegExp(`\\b${code}\\s+\\d+\\s+[\\d.]+%`).test(line)), `${width}x${height}: status ${code} is listed`);
		}
		t.true(text.some(line => /\/api\/users\/\d+/.test(line)), `${width}x${height}: some paths are listed`);
	}
});

test('the detail says where a row meets the other end: the address or socket file a server answers on, the one a client calls', (t) => {
	const aggregator = createAggregator();
	const nowMs = t0 + 6000;
	const unnamed = {address: '', port: 0};
	aggregator.add([
		makeExchange({role: 'server', comm: 'gunicorn', path: '/unix', local: {address: '/run/app.sock', port: 0}, remote: unnamed, startMs: t0, endMs: t0 + 2}),
		makeExchange({role: 'server', comm: 'gunicorn', path: '/tcp', local: {address: '10.0.0.1', port: 8000}, remote: {address: '10.0.0.7', port: 50_000}, startMs: t0, endMs: t0 + 2}),
		makeExchange({role: 'client', comm: 'nginx', path: '/up', local: unnamed, remote: {address: '@podman\u001B[31m', port: 0}, startMs: t0, endMs: t0 + 2}),
		makeExchange({role: 'client', comm: 'nginx', path: '/v6', local: {address: '::1', port: 40_000}, remote: {address: '::1', port: 8080}, startMs: t0, endMs: t0 + 2}),
		makeExchange({role: 'client', comm: 'nginx', path: '/pair', local: unnamed, remote: unnamed, startMs: t0, endMs: t0 + 2}),
	]);
	const meetings = new Map(aggregator.snapshot(view, nowMs).rows.map(row => [row.route, meetingPoint(aggregator.detail(row.key, view, nowMs)!)]));
	t.deepEqual(Object.fromEntries(meetings), {'/unix': 'on /run/app.sock', '/tcp': 'on 10.0.0.1:8000', '/up': 'to @podman\\x1b[31m', '/v6': 'to [::1]:8080', '/pair': null});
	const row = aggregator.snapshot(view, nowMs).rows.find(candidate => candidate.route === '/unix')!;
	const text = detailLines(aggregator.detail(row.key, view, nowMs)!, 120, 30, nowMs, false).map(line => line.map(segment => segment.text).join(''));
	t.regex(text[0]!, /process gunicorn\[\d+\].*on \/run\/app\.sock/);
});
