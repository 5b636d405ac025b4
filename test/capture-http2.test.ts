// HTTP/2 and gRPC end to end: real servers and clients (nghttpd, curl, h2load,
// python3-grpcio, node:http2, nginx with TLS), traced through the kernel's frame
// walk and the TLS uprobes. Every stream is one exchange, counted exactly once
// per side, with its method, path, status, gRPC status and byte counts.
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';
import {bpfSerialTest as bpfTest} from './helpers/bpf.js';
import {assertBothSides} from './helpers/both-sides.js';
import {capture} from './helpers/live-capture.js';
import {startChild} from './helpers/processes.js';
import {peersDirectory, scratch, startTlsNginx, waitForPort} from './helpers/tls-peers.js';

const systemPython = '/usr/bin/python3';
const h2c = {httpVersion: '2', tls: false};
const h2 = {httpVersion: '2', tls: true};


async function startNghttpd(t: ExecutionContext): Promise<{pid: number; port: number; root: string}> {
	const root = scratch(t, 'httptop-nghttpd-');
	writeFileSync(join(root, 'index.html'), 'hello over h2c\n');
	writeFileSync(join(root, 'big.bin'), Buffer.alloc(65_536, 'q'));
	const port = 30_000 + Math.floor(Math.random() * 25_000);
	const nghttpd = startChild('nghttpd', ['--no-tls', '-d', root, String(port)]);
	t.teardown(() => nghttpd.kill());
	await waitForPort(port);
	return {pid: nghttpd.pid, port, root};
}

bpfTest('nghttpd and curl --http2-prior-knowledge: each stream once per side, a 404 too', async t => {
	const nghttpd = await startNghttpd(t);
	const {exchanges} = await capture(t, {ports: [nghttpd.port]});
	const base = `http://127.0.0.1:${nghttpd.port}`;
	// curl 7.88 sends one URL per h2c connection that it opens with prior knowledge: one curl each.
	const index = startChild('curl', ['-s', '--http2-prior-knowledge', '-o', '/dev/null', `${base}/index.html`]);
	t.is(await index.exited(), 0);
	const missing = startChild('curl', ['-s', '--http2-prior-knowledge', '-o', '/dev/null', `${base}/missing`]);
	t.is(await missing.exited(), 0);
	await assertBothSides(t, exchanges, {server: nghttpd.pid, client: index.pid}, [{method: 'GET', path: '/index.html', status: 200}], h2c);
	await assertBothSides(t, exchanges, {server: nghttpd.pid, client: missing.pid}, [{method: 'GET', path: '/missing', status: 404}], h2c);
	const response = exchanges.find(e => e.pid === index.pid)!;
	t.is(response.host, `127.0.0.1:${nghttpd.port}`, ':authority is the host');
});

bpfTest('h2load with ten streams at once on a connection, and ten 64 KiB responses at once', async t => {
	const nghttpd = await startNghttpd(t);
	const {source, exchanges} = await capture(t, {ports: [nghttpd.port]});
	const small = startChild('h2load', ['-n', '200', '-c', '2', '-m', '10', `http://127.0.0.1:${nghttpd.port}/index.html`]);
	t.is(await small.exited(), 0);
	await assertBothSides(t, exchanges, {server: nghttpd.pid, client: small.pid}, [{method: 'GET', path: '/index.html', status: 200, count: 200}], h2c);
	const big = startChild('h2load', ['-n', '10', '-c', '1', '-m', '10', `http://127.0.0.1:${nghttpd.port}/big.bin`]);
	t.is(await big.exited(), 0);
	await assertBothSides(t, exchanges, {server: nghttpd.pid, client: big.pid}, [{method: 'GET', path: '/big.bin', status: 200, count: 10}], h2c);
	t.true(exchanges.filter(e => e.path === '/big.bin').every(e => e.responseBytes > 65_536), 'each 64 KiB body counted whole, with its frames');
	t.is(source.health().http.unpaired, 0);
	t.is(source.health().http.truncated, 0, 'no header block was cut off by a large DATA frame');
});

bpfTest('gRPC (python3-grpcio, generic handlers): the route is the method, the status is grpc-status', async t => {
	const server = startChild(systemPython, [join(peersDirectory, 'grpc-server.py')]);
	t.teardown(() => server.kill());
	const port = Number(/port (\d+)/.exec(await server.waitForLine(/^port/, 20_000))![1]);
	const {exchanges} = await capture(t, {ports: [port]});
	const client = startChild(systemPython, [join(peersDirectory, 'grpc-client.py'), String(port)]);
	t.is(await client.exited(), 0);
	t.deepEqual(client.output().trim().split('\n'), ['50', '5', '5'], 'the client saw two answers and NOT_FOUND');
	await assertBothSides(t, exchanges, {server: server.pid, client: client.pid}, [
		{method: 'POST', path: '/test.Echo/Say', status: 200, count: 2, grpcStatus: 0},
		{method: 'POST', path: '/test.Echo/Fail', status: 200, grpcStatus: 5},
	], h2c);
});

bpfTest('node:http2 server and client: a POST body, a 404, and ten 64 KiB responses at once', async t => {
	const {exchanges} = await capture(t);
	const peers = startChild(process.execPath, [join(peersDirectory, 'http2-peers.mjs')]);
	await peers.waitForLine(/^done/, 20_000);
	await assertBothSides(t, exchanges, {server: peers.pid, client: peers.pid}, [
		{method: 'GET', path: '/a', status: 200},
		{method: 'POST', path: '/b', status: 200},
		{method: 'GET', path: '/missing', status: 404},
		{method: 'GET', path: '/big', status: 200, count: 10},
	], h2c);
	const post = exchanges.find(e => e.path === '/b' && e.role === 'client')!;
	t.true(post.requestBytes > 3000, 'the request body is counted');
});

bpfTest('nginx with `listen ssl http2` and curl --http2: HTTP/2 over TLS, from the TLS libraries\' plaintext', async t => {
	const nginx = await startTlsNginx(t, {http2: true});
	const {exchanges} = await capture(t, {ports: [nginx.tlsPort]});
	const base = `https://127.0.0.1:${nginx.tlsPort}`;
	const curl = startChild('curl', ['-sk', '--http2', ...[`${base}/index.html`, `${base}/big.bin`, `${base}/missing`].flatMap(url => ['-o', '/dev/null', url])]);
	t.is(await curl.exited(), 0);
	await assertBothSides(t, exchanges, {server: nginx.pid, client: curl.pid}, [
		{method: 'GET', path: '/index.html', status: 200},
		{method: 'GET', path: '/big.bin', status: 200},
		{method: 'GET', path: '/missing', status: 404},
	], h2);
	t.true(exchanges.find(e => e.path === '/big.bin')!.responseBytes > nginx.bigBytes);
});
