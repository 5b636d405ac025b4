// HTTPS end to end: real TLS servers and clients (nginx and curl on libssl,
// Python, Node with OpenSSL linked in, Go's crypto/tls, wget on GnuTLS), traced
// through uprobes on their TLS libraries. Every exchange is reported exactly
// once per side, with the plaintext's method, path, status and byte counts,
// the right role and pid, and tls=true; plain HTTP in the same run, tls=false.
import {copyFileSync, existsSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {bpfSerialTest as bpfTest} from './helpers/bpf.js';
import {assertBothSides} from './helpers/both-sides.js';
import {capture} from './helpers/live-capture.js';
import {eventually, sleep, startChild} from './helpers/processes.js';
import {goTlsPeers, makeCertificate, peersDirectory, scratch, startTlsNginx} from './helpers/tls-peers.js';

const systemPython = '/usr/bin/python3';
/** HTTP/1.1 over TLS, as every exchange here is. */
const https = {httpVersion: '1.1', tls: true};


bpfTest('nginx and curl over TLS: keep-alive, a 404 and a 1 MiB body, exact bytes; plain HTTP alongside is tls=false', async t => {
	const nginx = await startTlsNginx(t);
	const {source, exchanges} = await capture(t, {ports: [nginx.tlsPort, nginx.plainPort]});
	const base = `https://127.0.0.1:${nginx.tlsPort}`;
	// One curl, one connection: three requests on it; -w reports what curl itself sent and received.
	const curl = startChild('curl', ['-sk', '-w', '%{size_request} %{size_header} %{size_download}\\n',
		...[`${base}/index.html`, `${base}/missing`, `${base}/big.bin`].flatMap(url => ['-o', '/dev/null', url])]);
	await curl.exited();
	const plain = startChild('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${nginx.plainPort}/plain.txt`]);
	await plain.exited();
	const client = await assertBothSides(t, exchanges, {server: nginx.pid, client: curl.pid}, [
		{method: 'GET', path: '/index.html', status: 200},
		{method: 'GET', path: '/missing', status: 404},
		{method: 'GET', path: '/big.bin', status: 200},
	], https);
	const fromCurl = curl.output().trim().split('\n').map(line => line.split(' ').map(Number));
	t.is(fromCurl.length, 3);
	for (const [index, e] of client.entries()) {
		const [sent, headers, body] = fromCurl[index]!;
		t.is(e.requestBytes, sent!, `${e.path}: request bytes as curl sent them`);
		t.is(e.responseBytes, headers! + body!, `${e.path}: response bytes as curl received them`);
	}

	t.is(client[2]!.responseBytes - fromCurl[2]![1]!, nginx.bigBytes, 'the whole 1 MiB body is counted');
	t.true(await eventually(() => exchanges.some(e => e.pid === plain.pid), 5000));
	const plainSides = exchanges.filter(e => e.local.port === nginx.plainPort || e.remote.port === nginx.plainPort);
	t.is(plainSides.length, 2, 'the plain request, once per side');
	t.true(plainSides.every(e => !e.tls && e.path === '/plain.txt' && e.status === 200));
	const health = source.health();
	t.true((health.tls?.hooked.openssl ?? 0) >= 1, 'libssl is hooked');
	t.is(health.kernel?.tlsUnbound, 0, 'no plaintext was lost');
});

bpfTest('Python (urllib and http.client on libssl\'s _ex calls) against nginx over TLS', async t => {
	const nginx = await startTlsNginx(t);
	const {exchanges} = await capture(t, {ports: [nginx.tlsPort]});
	const script = `
import http.client, ssl
context = ssl._create_unverified_context()
connection = http.client.HTTPSConnection('127.0.0.1', ${nginx.tlsPort}, context=context)
for path in ['/index.html', '/missing', '/index.html']:
    connection.request('GET', path)
    response = connection.getresponse()
    print(response.status, len(response.read()))
connection.request('POST', '/missing', body=b'z' * 5000)
response = connection.getresponse()
print(response.status, len(response.read()))
`;
	const python = startChild(systemPython, ['-c', script]);
	t.is(await python.exited(), 0);
	await assertBothSides(t, exchanges, {server: nginx.pid, client: python.pid}, [
		{method: 'GET', path: '/index.html', status: 200, count: 2},
		{method: 'GET', path: '/missing', status: 404},
		{method: 'POST', path: '/missing', status: 404},
	], https);
	const post = exchanges.find(e => e.pid === python.pid && e.method === 'POST')!;
	t.true(post.requestBytes > 5000, 'the POST body is in the request bytes');
});

bpfTest('a Node HTTPS server and Node clients (node:https keep-alive, fetch): OpenSSL linked into node', async t => {
	const directory = scratch(t, 'httptop-node-tls-');
	const {cert, key} = makeCertificate(directory);
	const server = startChild(process.execPath, [join(peersDirectory, 'https-server.mjs'), cert, key]);
	t.teardown(() => server.kill());
	const port = Number(/port (\d+)/.exec(await server.waitForLine(/^port/))![1]);
	const {exchanges} = await capture(t, {ports: [port]});
	const base = `https://127.0.0.1:${port}`;
	const viaHttps = startChild(process.execPath, [join(peersDirectory, 'https-client.mjs'), base, '/a', 'POST /b', '/chunked', '/missing', '--now']);
	t.is(await viaHttps.exited(), 0);
	const viaFetch = startChild(process.execPath, [join(peersDirectory, 'https-client.mjs'), base, '/f1', 'POST /f2', '--now', '--fetch']);
	t.is(await viaFetch.exited(), 0);
	await assertBothSides(t, exchanges, {server: server.pid, client: viaHttps.pid}, [
		{method: 'GET', path: '/a', status: 200},
		{method: 'POST', path: '/b', status: 200},
		{method: 'GET', path: '/chunked', status: 200},
		{method: 'GET', path: '/missing', status: 404},
	], https);
	await assertBothSides(t, exchanges, {server: server.pid, client: viaFetch.pid}, [
		{method: 'GET', path: '/f1', status: 200},
		{method: 'POST', path: '/f2', status: 200},
	], https);
	const chunked = exchanges.find(e => e.path === '/chunked' && e.role === 'client')!;
	t.true(chunked.endMs - chunked.firstByteMs >= 15, 'a chunked response ends with its last chunk, 20 ms after its first');
});

bpfTest('Go\'s crypto/tls: a server and a client started after httptop, hooked at their exec', async t => {
	const {server: serverBinary, client: clientBinary} = await goTlsPeers();
	const directory = scratch(t, 'httptop-go-tls-run-');
	const {cert, key} = makeCertificate(directory);
	const {source, exchanges} = await capture(t);
	const hooked = (path: string): boolean => source.health().tls?.files.some(file => file.kind === 'go' && file.path === path) ?? false;
	const server = startChild(serverBinary, [cert, key]);
	t.teardown(() => server.kill());
	const port = Number(/port (\d+)/.exec(await server.waitForLine(/^port/))![1]);
	t.true(await eventually(() => hooked(serverBinary), 5000), 'the Go server is hooked');
	// The client is hooked at its exec too; it waits for a line so that its first request cannot race the hooking.
	const client = startChild(clientBinary, [`https://127.0.0.1:${port}`, '/a', 'POST /b', '/status/503', '/a']);
	await client.waitForLine(/^ready/);
	t.true(await eventually(() => hooked(clientBinary), 5000), 'the Go client is hooked');
	client.process.stdin!.end('go\n');
	t.is(await client.exited(), 0);
	await assertBothSides(t, exchanges, {server: server.pid, client: client.pid}, [
		{method: 'GET', path: '/a', status: 200, count: 2},
		{method: 'POST', path: '/b', status: 200},
		{method: 'GET', path: '/status/503', status: 503},
	], https);
	t.true(exchanges.filter(e => e.pid === client.pid).every(e => e.comm === 'client'));
});

bpfTest('wget on GnuTLS against nginx over TLS', async t => {
	const nginx = await startTlsNginx(t);
	const {source, exchanges} = await capture(t, {ports: [nginx.tlsPort]});
	t.true((source.health().tls?.hooked.gnutls ?? 0) >= 1, 'libgnutls is hooked');
	const wget = startChild('wget', ['-q', '--no-check-certificate', '-O', '/dev/null', `https://127.0.0.1:${nginx.tlsPort}/index.html`]);
	t.is(await wget.exited(), 0);
	await assertBothSides(t, exchanges, {server: nginx.pid, client: wget.pid}, [{method: 'GET', path: '/index.html', status: 200}], https);
});

bpfTest('a TLS keep-alive connection opened before httptop started is picked up at its next request', async t => {
	const nginx = await startTlsNginx(t);
	const base = `https://127.0.0.1:${nginx.tlsPort}`;
	const client = startChild(process.execPath, [join(peersDirectory, 'https-client.mjs'), base, '/before', '/after', '/missing']);
	await client.waitForLine(/ \/before$/);
	const {exchanges} = await capture(t, {ports: [nginx.tlsPort]});
	client.process.stdin!.write('next\n');
	await client.waitForLine(/ \/after$/);
	client.process.stdin!.end('next\n');
	t.is(await client.exited(), 0);
	await assertBothSides(t, exchanges, {server: nginx.pid, client: client.pid}, [
		{method: 'GET', path: '/after', status: 404},
		{method: 'GET', path: '/missing', status: 404},
	], https);
	t.false(exchanges.some(e => e.path === '/before'), 'nothing of the request before tracing began');
});

bpfTest('a Go binary that exits and is removed leaves no hook behind; --no-tls hooks nothing and sees no HTTPS', async t => {
	const {server: built} = await goTlsPeers();
	const directory = scratch(t, 'httptop-go-exit-');
	const binary = join(directory, 'gone-server');
	copyFileSync(built, binary);
	const {cert, key} = makeCertificate(directory);
	const {source} = await capture(t);
	const hooked = (): boolean => source.health().tls?.files.some(file => file.path === binary) ?? false;
	const server = startChild(binary, [cert, key]);
	await server.waitForLine(/^port/);
	t.true(await eventually(hooked, 5000));
	server.kill();
	await server.exited();
	rmSync(binary);
	t.false(existsSync(binary));
	t.true(await eventually(() => !hooked(), 12_000), 'its hooks are gone at the next rescan');

	const nginx = await startTlsNginx(t);
	const plainOnly = await capture(t, {ports: [nginx.tlsPort], tls: false});
	t.is(plainOnly.source.health().tls, null);
	const curl = startChild('curl', ['-sk', '-o', '/dev/null', `https://127.0.0.1:${nginx.tlsPort}/index.html`]);
	t.is(await curl.exited(), 0);
	await sleep(1000);
	t.false(plainOnly.exchanges.some(e => e.pid === curl.pid || e.pid === nginx.pid), 'with --no-tls, HTTPS is not seen');
});
