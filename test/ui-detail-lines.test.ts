// The drill-down's layout: what it keeps when the terminal is too short for everything.
import test from 'ava';
import {createAggregator, type ViewOptions} from '../source/aggregate/index.js';
import {detailLines, meetingPoint} from '../source/ui/detail-lines.js';
import {protocolLabel} from '../source/ui/table-line.js';
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

test('a gRPC row says its protocol, and lists its grpc-status codes by name after the HTTP status codes', (t) => {
	const aggregator = createAggregator();
	const nowMs = t0 + 6000;
	aggregator.add(Array.from({length: 30}, (_, i) => makeExchange({
		method: 'POST', path: '/pkg.Echo/Say', httpVersion: '2', tls: true, grpcStatus: i % 3 === 0 ? 14 : 0, status: 200,
		startMs: t0 + i * 10, endMs: t0 + i * 10 + 2,
	})));
	const [row] = aggregator.snapshot(view, nowMs).rows;
	t.is(protocolLabel(row!), 'grpcs');
	const text = detailLines(aggregator.detail(row!.key, view, nowMs)!, 120, 30, nowMs, false).map(line => line.map(segment => segment.text).join(''));
	t.regex(text[0]!, /proto HTTP\/2 over TLS \(gRPC\)/);
	t.true(text.some(line => /\bg0\s+20\s+[\d.]+%\s+OK\b/.test(line)), text.join('\n'));
	t.true(text.some(line => /\bg14\s+10\s+[\d.]+%\s+UNAVAILABLE\b/.test(line)), text.join('\n'));
	t.true(text.some(line => /\b200\s+30\s/.test(line)));
});

test('the PROTO column names each row\'s protocol as URL schemes and ALPN do, and says when a row mixes them', (t) => {
	const aggregator = createAggregator();
	const nowMs = t0 + 6000;
	const at = (path: string, fields: Parameters<typeof makeExchange>[0]) => makeExchange({...fields, path});
	aggregator.add([
		at('/plain', {startMs: t0}),
		at('/secure', {tls: true, startMs: t0}),
		at('/h2c', {httpVersion: '2', startMs: t0}),
		at('/h2', {httpVersion: '2', tls: true, startMs: t0}),
		at('/grpc', {httpVersion: '2', grpcStatus: 0, startMs: t0}),
		at('/mixed', {startMs: t0}),
		at('/mixed', {tls: true, startMs: t0 + 1}),
	]);
	const labels = Object.fromEntries(aggregator.snapshot(view, nowMs).rows.map(row => [row.route, protocolLabel(row)]));
	t.deepEqual(labels, {'/plain': 'http', '/secure': 'https', '/h2c': 'h2c', '/h2': 'h2', '/grpc': 'grpc', '/mixed': 'mixed'});
});
