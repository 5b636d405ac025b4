// The whole capture path against real servers and clients: every exchange
// reported exactly once, with the right method, path, status, bytes, role and pid.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {ExecutionContext} from 'ava';
import type {Exchange} from '../source/http/exchange.js';
import {createLiveSource, type LiveSourceOptions} from '../source/pipeline/live-source.js';
// Serial: each test loads the BPF object on the worker's thread, and a load blocks the other tests' capture for a second.
import {bpfSerialTest as bpfTest} from './helpers/bpf.js';
import {eventually, sleep, startChild} from './helpers/processes.js';

const peers = fileURLToPath(new URL('peers/', import.meta.url));

// Plain HTTP: TLS hooks are capture-tls's (each capture's uprobes attach one at a time in the kernel).
async function capture(t: ExecutionContext, options: Omit<LiveSourceOptions, 'showQuery'> & {showQuery?: boolean}) {
	const source = await createLiveSource({showQuery: false, tls: false, ...options});
	const exchanges: Exchange[] = [];
	await source.start(batch => exchanges.push(...batch));
	t.teardown(async () => source.stop());
	return {source, exchanges};
}

async function nodeServer(t: ExecutionContext) {
	const server = startChild(process.execPath, [join(peers, 'http-server.mjs')]);
	t.teardown(() => server.kill());
	const port = Number(/port (\d+)/.exec(await server.waitForLine(/^port/))![1]);
	return {server, port};
}

const summary = (e: Exchange): string => `${e.method} ${e.path} ${e.status}`;
const get = (path: string, host = 'test'): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
const pause = (ms: number) => ({pause: ms});

// One plan entry per connection; each expects these exchanges, in this order.
const plan: Array<{steps: Array<string | {pause: number}>; expect: string[]}> = [
	{
		// keep-alive: three exchanges, one at a time
		steps: [get('/hello'), pause(150), get('/hello?token=secret'), pause(150), get('/status/500'), pause(150)],
		expect: ['GET /hello 200', 'GET /hello 200', 'GET /status/500 500'],
	},
	{
		// pipelined: three requests in one write, answered in order
		steps: [get('/hello') + get('/status/404') + get('/chunked')],
		expect: ['GET /hello 200', 'GET /status/404 404', 'GET /chunked 200'],
	},
	{
		// a request line and headers split across four writes at awkward places
		steps: ['GET /hel', pause(50), 'lo HTTP/1.1\r\nHo', pause(50), 'st: split\r\n\r', pause(50), '\n'],
		expect: ['GET /hello 200'],
	},
	{
		// a client that writes its request in pieces from the first byte: each first write is shorter than a method
		steps: ['G', pause(50), 'ET', pause(50), ' /hello HTTP/1.1\r\nHost: dribble\r\n\r\n'],
		expect: ['GET /hello 200'],
	},
	{
		// a Content-Length body split across writes
		steps: ['POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello', pause(50), ' world'],
		expect: ['POST /echo 200'],
	},
	{
		// responses without a body: HEAD, 204, 304
		steps: ['HEAD /big HTTP/1.1\r\nHost: t\r\n\r\n', pause(150), get('/status/204'), pause(150), get('/status/304'), pause(150)],
		expect: ['HEAD /big 200', 'GET /status/204 204', 'GET /status/304 304'],
	},
	{
		// a 1 MiB body over many syscalls
		steps: [get('/big')],
		expect: ['GET /big 200'],
	},
	{
		// 100 Continue, then the final response
		steps: ['POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n', pause(150), 'hello'],
		expect: ['POST /echo 200'],
	},
	{
		// a chunked request body in two writes
		steps: ['POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', pause(50), '0\r\n\r\n'],
		expect: ['POST /echo 200'],
	},
];

bpfTest('a Node server and a raw-socket client: keep-alive, pipelining, split headers, bodies', async t => {
	const {server, port} = await nodeServer(t);
	const {exchanges, source} = await capture(t, {ports: [port]});
	const client = startChild(process.execPath, [join(peers, 'raw-client.mjs'), String(port), JSON.stringify(plan.map(p => p.steps))]);
	t.teardown(() => client.kill());
	const bytes = JSON.parse(await client.waitForLine(/^\[/, 20_000)) as Array<{sent: number; received: number}>;
	const total = plan.reduce((n, p) => n + p.expect.length, 0);
	t.true(await eventually(() => exchanges.length >= 2 * total, 5000), `exchanges: ${exchanges.length} of ${2 * total}`);
	await sleep(300);

	for (const [role, pid] of [['server', server.pid], ['client', client.pid]] as const) {
		const mine = exchanges.filter(e => e.role === role && e.pid === pid);
		const connections = [...new Set(mine.map(e => e.connId))];
		t.is(connections.length, plan.length, `${role}: one connection per plan entry`);
		// match each connection to its plan entry by what it carried
		const byConnection = connections.map(id => mine.filter(e => e.connId === id).sort((a, b) => a.startMs - b.startMs));
		const remaining = [...plan.keys()];
		for (const carried of byConnection) {
			const sent = carried.reduce((n, e) => n + e.requestBytes, 0);
			const same = remaining.filter(i => JSON.stringify(plan[i]!.expect) === JSON.stringify(carried.map(summary)));
			const index = same.find(i => bytes[i]!.sent === sent) ?? same[0];
			t.not(index, undefined, `${role}: unexpected exchanges ${JSON.stringify(carried.map(summary))}`);
			if (index === undefined) {
				continue;
			}

			remaining.splice(remaining.indexOf(index), 1);
			t.is(carried.reduce((n, e) => n + e.requestBytes, 0), bytes[index]!.sent, `${role} request bytes, connection ${index}`);
			t.is(carried.reduce((n, e) => n + e.responseBytes, 0), bytes[index]!.received, `${role} response bytes, connection ${index}`);
			for (const e of carried) {
				t.true(e.startMs <= e.firstByteMs && e.firstByteMs <= e.endMs, 'start <= first byte <= end');
				t.is(e.query, null, 'query strings are not kept unless asked');
				t.is(e.local.address, '127.0.0.1');
			}
		}

		t.deepEqual(remaining, [], `${role}: every connection seen`);
	}

	const split = exchanges.find(e => e.host === 'split');
	t.is(split?.path, '/hello');
	t.deepEqual(exchanges.filter(e => e.host === 'dribble').map(e => `${e.role} ${e.path}`).sort(), ['client /hello', 'server /hello']);
	t.is(exchanges.filter(e => e.role === 'server').every(e => e.local.port === port), true);
	t.is(source.health().http.parseErrors, 0);
	// Node writes a chunked body's end as one writev of many small iovecs: all of them are copied.
	t.is(source.health().http.truncated, 0);
});

// wget peeks at each response (recv with MSG_PEEK) before reading it: peeked bytes are read
// again, so counting them would double the stream. A client doing it both ways (recvfrom and
// recvmsg), on one keep-alive connection, with the response bytes it really read.
const peekingClient = `
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
total = 0
for path, peek in (("/hello", lambda: s.recv(512, socket.MSG_PEEK)), ("/hello?again", lambda: s.recvmsg(512, 0, socket.MSG_PEEK)[0])):
    s.sendall(("GET %s HTTP/1.1\\r\\nHost: peek\\r\\n\\r\\n" % path).encode())
    head = peek()
    while b"\\r\\n\\r\\n" not in head:
        head = peek()
    length = int([l for l in head.split(b"\\r\\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
    want = head.index(b"\\r\\n\\r\\n") + 4 + length
    got = b""
    while len(got) < want:
        got += s.recv(want - len(got))
    total += len(got)
print(total, flush=True)
`;

bpfTest('a client that peeks (MSG_PEEK) before it reads: each response counted once, no parse errors', async t => {
	const {port} = await nodeServer(t);
	const {exchanges, source} = await capture(t, {ports: [port]});
	const client = startChild('python3', ['-c', peekingClient, String(port)]);
	t.teardown(() => client.kill());
	const received = Number(await client.waitForLine(/^\d+$/, 10_000));
	t.true(await eventually(() => exchanges.filter(e => e.pid === client.pid).length >= 2));
	await sleep(200);
	const fromClient = exchanges.filter(e => e.pid === client.pid).sort((a, b) => a.startMs - b.startMs);
	t.deepEqual(fromClient.map(e => `${e.role} ${summary(e)}`), ['client GET /hello 200', 'client GET /hello 200']);
	t.is(fromClient.reduce((n, e) => n + e.responseBytes, 0), received, 'response bytes are what the client read, peeks left out');
	// Peeked bytes taken for data would show up as a second copy of each response: unpaired, or a parse error.
	t.is(source.health().http.unpaired, 0);
	t.is(source.health().http.parseErrors, 0);
});

bpfTest('curl as a client: one exchange per request, keep-alive across URLs in one process', async t => {
	const {server, port} = await nodeServer(t);
	const {exchanges} = await capture(t, {ports: [port]});
	const urls = ['/hello', '/status/404', '/chunked', '/big'].map(path => `http://127.0.0.1:${port}${path}`);
	const curl = startChild('curl', ['-s', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', ...urls]);
	await curl.exited();
	t.true(await eventually(() => exchanges.filter(e => e.pid === curl.pid).length >= 4));
	await sleep(200);
	const fromCurl = exchanges.filter(e => e.pid === curl.pid).sort((a, b) => a.startMs - b.startMs);
	t.deepEqual(fromCurl.map(e => `${e.role} ${summary(e)}`), [
		'client GET /hello 200',
		'client GET /status/404 404',
		'client GET /chunked 200',
		'client GET /big 200',
	]);
	t.is(new Set(fromCurl.map(e => e.connId)).size, 1, 'curl kept the connection alive');
	t.is(fromCurl[0]!.comm, 'curl');
	t.true(fromCurl[3]!.responseBytes > 1 << 20);
	const atServer = exchanges.filter(e => e.pid === server.pid && e.role === 'server');
	t.deepEqual(atServer.map(summary), fromCurl.map(summary));
	for (const [i, e] of atServer.entries()) {
		t.is(e.responseBytes, fromCurl[i]!.responseBytes, 'both ends count the same response bytes');
		t.is(e.requestBytes, fromCurl[i]!.requestBytes, 'both ends count the same request bytes');
	}
});

/** One nginx process serving `index.html` ("hello from nginx\n") and a 404 at /missing, on a random port. */
async function startNginx(t: ExecutionContext, directives = ''): Promise<{port: number}> {
	const directory = mkdtempSync(join(tmpdir(), 'httptop-nginx-'));
	t.teardown(() => rmSync(directory, {recursive: true, force: true}));
	const port = 30_000 + Math.floor(Math.random() * 20_000);
	writeFileSync(join(directory, 'index.html'), 'hello from nginx\n');
	writeFileSync(
		join(directory, 'nginx.conf'),
		`master_process off; daemon off; user root; pid ${directory}/nginx.pid; error_log ${directory}/error.log;
events {} http { access_log off; client_body_temp_path ${directory}; proxy_temp_path ${directory};
fastcgi_temp_path ${directory}; uwsgi_temp_path ${directory}; scgi_temp_path ${directory}; ${directives}
server { listen 127.0.0.1:${port}; location / { root ${directory}; } location /missing { return 404; } } }`,
	);
	// One process (master_process off): killing it leaves no worker behind holding the test's pipes open.
	const nginx = startChild('nginx', ['-c', join(directory, 'nginx.conf'), '-p', directory]);
	t.teardown(() => nginx.kill());
	await sleep(500);
	return {port};
}

bpfTest('nginx under ab: exactly as many exchanges as requests, at both ends', async t => {
	const {port} = await startNginx(t);
	const {exchanges} = await capture(t, {ports: [port]});
	const ab = startChild('ab', ['-q', '-k', '-n', '300', '-c', '4', `http://127.0.0.1:${port}/index.html`]);
	const ab404 = startChild('ab', ['-q', '-n', '50', '-c', '2', `http://127.0.0.1:${port}/missing`]);
	await Promise.all([ab.exited(), ab404.exited()]);
	const complete = (pid: number, n: number) => exchanges.filter(e => e.pid === pid).length >= n;
	t.true(await eventually(() => complete(ab.pid, 300) && complete(ab404.pid, 50)));
	await sleep(300);
	const server = exchanges.filter(e => e.role === 'server' && e.comm === 'nginx');
	t.is(server.filter(e => e.path === '/index.html' && e.status === 200).length, 300);
	t.is(server.filter(e => e.path === '/missing' && e.status === 404).length, 50);
	t.is(server.length, 350);
	t.is(exchanges.filter(e => e.pid === ab.pid && e.role === 'client' && e.status === 200).length, 300);
	t.is(exchanges.filter(e => e.pid === ab404.pid && e.role === 'client' && e.status === 404).length, 50);
});

// Tracepoints attach one at a time. Connections busy before tracing starts, on nginx sending
// each body with sendfile: while writev was traced and sendfile not yet, the next response head
// was taken for the body of the one before (a parse error and a lost exchange per connection).
bpfTest('busy keep-alive connections opened before tracing, nginx with sendfile: every response whole, no parse error', async t => {
	const {port} = await startNginx(t, 'sendfile on; keepalive_requests 1000000;'); // every response keep-alive: one size
	// wrk runs long enough to outlast a slow start of tracing on a loaded machine; the test
	// stops once tracing has seen a thousand exchanges, or after 10 s of trying.
	const wrk = startChild('wrk', ['-t1', '-c8', '-d30s', `http://127.0.0.1:${port}/index.html`]);
	t.teardown(() => wrk.kill());
	await sleep(1000);
	const {exchanges, source} = await capture(t, {ports: [port]});
	await eventually(() => exchanges.filter(e => e.role === 'server').length > 1000, 10_000);
	await source.stop();
	wrk.kill();
	const server = exchanges.filter(e => e.role === 'server');
	t.true(server.length > 1000, `${server.length} server exchanges`);
	const headBytes = server[0]!.responseBytes - 'hello from nginx\n'.length;
	const sizes = new Set(server.map(e => e.responseBytes));
	t.deepEqual([...sizes], [server[0]!.responseBytes], 'every response is the same head and 17 bytes of body');
	t.true(headBytes > 100);
	t.true(server.every(e => e.status === 200 && e.path === '/index.html'));
	t.is(source.health().http.parseErrors, 0);
	// The first response seen on each connection may answer a request sent before tracing: not unpaired.
	t.is(source.health().http.unpaired, 0);
});

bpfTest('python3 http.server and an HTTP/1.0 close-delimited response', async t => {
	const server = startChild('python3', ['-m', 'http.server', '0', '--bind', '127.0.0.1']);
	t.teardown(() => server.kill());
	const port = Number(/port (\d+)/.exec(await server.waitForLine(/Serving HTTP/))![1]);
	const closeDelimited = startChild(process.execPath, [
		'-e',
		`const s = require('net').createServer(c => c.once('data', () => c.end('HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nuntil close\\n'))).listen(0, '127.0.0.1', () => console.log('port ' + s.address().port));`,
	]);
	t.teardown(() => closeDelimited.kill());
	const port10 = Number(/port (\d+)/.exec(await closeDelimited.waitForLine(/^port/))![1]);
	const {exchanges} = await capture(t, {pids: [server.pid, closeDelimited.pid]});
	await startChild('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${port}/`]).exited();
	await startChild('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${port}/nope`]).exited();
	await startChild('curl', ['-s', '-o', '/dev/null', '--http1.0', `http://127.0.0.1:${port10}/stream`]).exited();
	t.true(await eventually(() => exchanges.length >= 3));
	await sleep(200);
	t.deepEqual(exchanges.map(e => `${e.role} ${e.pid === server.pid ? 'python' : 'node'} ${summary(e)} ${e.httpVersion}`).sort(), [
		'server node GET /stream 200 1.0',
		'server python GET / 200 1.1',
		'server python GET /nope 404 1.1',
	]);
	const stream = exchanges.find(e => e.path === '/stream')!;
	t.is(stream.responseBytes, 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close\n'.length);
});

// A keep-alive client on a unix domain socket: one request before tracing starts, then (on "go")
// two more on the same connection; prints the response bytes of those two.
const unixClient = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
def get(path):
    s.sendall(("GET %s HTTP/1.1\\r\\nHost: early\\r\\n\\r\\n" % path).encode())
    got = b""
    while b"\\r\\n\\r\\n" not in got:
        got += s.recv(65536)
    length = int([l for l in got.split(b"\\r\\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
    want = got.index(b"\\r\\n\\r\\n") + 4 + length
    while len(got) < want:
        got += s.recv(want - len(got))
    return len(got)
get("/hello")
print("ready", flush=True)
sys.stdin.readline()
print(get("/hello") + get("/echo"), flush=True)
`;

bpfTest('HTTP over a unix domain socket: curl, a Node client and a connection opened before tracing, named by the socket file', async t => {
	const directory = mkdtempSync(join(tmpdir(), 'httptop-unix-'));
	t.teardown(() => rmSync(directory, {recursive: true, force: true}));
	const socketPath = join(directory, 'app.sock');
	const server = startChild(process.execPath, [join(peers, 'http-server.mjs'), socketPath]);
	t.teardown(() => server.kill());
	await server.waitForLine(/^socket/);
	const early = startChild('python3', ['-c', unixClient, socketPath]);
	t.teardown(() => early.kill());
	await early.waitForLine(/^ready/);

	// The clients wait in a shell that becomes them (same pid) on "go": tracing can select every
	// process of the test by pid, and nothing of the tests running beside it counts here.
	const afterGo = (command: string, args: string[]) =>
		startChild('sh', ['-c', 'read go && exec "$0" "$@"', command, ...args]);
	const curl = afterGo('curl', ['-s', '--unix-socket', socketPath, '-o', '/dev/null', '-o', '/dev/null', 'http://curl/hello', 'http://curl/status/404']);
	const nodeClient = afterGo(process.execPath, ['-e', `require('node:http').get({socketPath: ${JSON.stringify(socketPath)}, path: '/chunked', headers: {host: 'node'}}, r => r.resume())`]);
	t.teardown(() => {
		curl.kill();
		nodeClient.kill();
	});
	const {exchanges, source} = await capture(t, {pids: [server.pid, early.pid, curl.pid, nodeClient.pid]});
	curl.process.stdin!.write('go\n');
	await curl.exited();
	nodeClient.process.stdin!.write('go\n');
	await nodeClient.exited();
	early.process.stdin!.write('go\n');
	const earlyReceived = Number(await early.waitForLine(/^\d+$/));
	t.true(await eventually(() => exchanges.filter(e => e.role === 'server' && e.pid === server.pid).length >= 5), 'five requests reach the server');
	await sleep(300);

	const atServer = exchanges.filter(e => e.role === 'server' && e.pid === server.pid);
	const clients = exchanges.filter(e => e.role === 'client' && [curl.pid, nodeClient.pid, early.pid].includes(e.pid));
	const seen = (list: Exchange[]) => list.map(e => `${e.host} ${summary(e)}`).sort();
	const expected = ['curl GET /hello 200', 'curl GET /status/404 404', 'early GET /echo 200', 'early GET /hello 200', 'node GET /chunked 200'];
	t.deepEqual(seen(atServer), expected, 'server side: each request once');
	t.deepEqual(seen(clients), expected, 'client side: each request once');
	// The server's end is named by the socket file it listens on; its clients' ends have no name.
	t.true(atServer.every(e => e.local.address === socketPath && e.remote.address === '' && e.local.port === 0));
	t.true(clients.every(e => e.remote.address === socketPath && e.local.address === ''));
	for (const e of clients) {
		const other = atServer.find(s => s.host === e.host && s.path === e.path)!;
		t.is(e.responseBytes, other.responseBytes, `${e.host} ${e.path}: both ends count the same response bytes`);
		t.is(e.requestBytes, other.requestBytes, `${e.host} ${e.path}: both ends count the same request bytes`);
	}

	t.is(clients.filter(e => e.pid === early.pid).reduce((n, e) => n + e.responseBytes, 0), earlyReceived);
	t.is(clients.find(e => e.pid === curl.pid)?.comm, 'curl');
	t.is(source.health().http.parseErrors, 0);
});
