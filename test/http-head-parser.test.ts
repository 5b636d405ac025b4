import test from 'ava';
import {lineFeed, messageStartKind, parseHead, type Head, type HeadParseResult} from '../source/http/head-parser.js';
import {dataEvents, loadFixture} from './fixtures/http/load.js';

const nginxServer = dataEvents(loadFixture('nginx-keepalive.server').events);
// curl's first request as nginx read it, and nginx's answer as it wrote it.
const curlRequest = Buffer.from(nginxServer[0]!.data);
const nginxResponse = Buffer.from(nginxServer[1]!.data);
const nodeServer = dataEvents(loadFixture('node-keepalive.server').events);
const nodePost = Buffer.from(nodeServer.find((event) => event.data.subarray(0, 5).toString() === 'POST ')!.data);

const ok = (result: HeadParseResult): Head => {
	if (result.status !== 'ok') throw new Error(`expected a head, got ${JSON.stringify(result)}`);
	return result.head;
};

const headEnd = (buf: Buffer): number => buf.indexOf('\r\n\r\n') + 4;

test('parses the request curl sent to nginx', (t) => {
	const head = ok(parseHead(curlRequest, 0, null));
	t.like(head, {kind: 'request', method: 'GET', target: '/a.txt', version: '1.1', host: '127.0.0.1:18080'});
	t.is(head.headBytes, curlRequest.length); // the read held exactly the head
	t.true(head.complete);
	t.is(head.contentLength, null);
	t.false(head.chunked);
});

test('parses the response nginx wrote, body after the head', (t) => {
	const head = ok(parseHead(nginxResponse, 0, 'response'));
	t.like(head, {kind: 'response', status: 200, version: '1.1', contentLength: 11, chunked: false});
	t.is(head.headBytes, headEnd(nginxResponse));
	t.is(nginxResponse.length - head.headBytes, 11);
});

test('reads Content-Length, Connection and Expect-carrying heads from node', (t) => {
	const head = ok(parseHead(nodePost, 0, 'request'));
	t.like(head, {kind: 'request', method: 'POST', target: '/upload', contentLength: 3000});
	t.is(head.headBytes, nodePost.length);
});

test('a head cut anywhere before its end needs more data, never a wrong answer', (t) => {
	for (const message of [curlRequest, nginxResponse.subarray(0, headEnd(nginxResponse)), nodePost]) {
		for (let cut = 0; cut < message.length; cut++) {
			const result = parseHead(message.subarray(0, cut), 0, null);
			if (result.status !== 'more') t.fail(`cut at ${cut}: ${JSON.stringify(result)}`);
		}

		t.is(ok(parseHead(message, 0, null)).headBytes, message.length);
	}
});

test('parses from an offset inside a larger buffer', (t) => {
	const joined = Buffer.concat([nodePost, curlRequest]);
	const head = ok(parseHead(joined, nodePost.length, 'request'));
	t.like(head, {method: 'GET', target: '/a.txt', headBytes: curlRequest.length});
});

test('tolerates LF-only line endings', (t) => {
	const bare = Buffer.from(curlRequest.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
	const head = ok(parseHead(bare, 0, null));
	t.like(head, {method: 'GET', target: '/a.txt', host: '127.0.0.1:18080', headBytes: bare.length});
});

test('header names match in any case; Transfer-Encoding ends in chunked or not', (t) => {
	const head = ok(parseHead(Buffer.from('HTTP/1.1 200 OK\r\nCONTENT-length: 5\r\ntransfer-ENCODING: gzip, Chunked\r\nhOsT: x\r\n\r\n'), 0, null));
	t.like(head, {contentLength: 5, transferEncoding: true, chunked: true, host: 'x'});
	const gzipOnly = ok(parseHead(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n'), 0, null));
	t.like(gzipOnly, {transferEncoding: true, chunked: false});
});

test('Connection and Upgrade are read, a status line may lack its reason', (t) => {
	const head = ok(parseHead(Buffer.from('HTTP/1.1 101\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'), 0, null));
	t.like(head, {status: 101, connectionUpgrade: true, upgrade: 'websocket', connectionClose: false});
	const close = ok(parseHead(Buffer.from('HTTP/1.0 200 OK\nConnection: keep-alive, close\n\n'), 0, null));
	t.like(close, {version: '1.0', connectionClose: true});
});

test('Authorization and Cookie values are never read into the result', (t) => {
	const request = Buffer.from(
		'GET /private HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer TOPSECRET1\r\nCookie: sid=TOPSECRET2\r\nProxy-Authorization: Basic TOPSECRET3\r\n\r\n',
	);
	const head = ok(parseHead(request, 0, null));
	t.is(head.headBytes, request.length);
	t.false(JSON.stringify(head).includes('TOPSECRET'));
});

test('a Content-Length list of equal values is one length; differing ones are invalid', (t) => {
	t.is(ok(parseHead(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 42, 42\r\n\r\n'), 0, null)).contentLength, 42);
	for (const value of ['42, 43', '-1', 'abc', '', '1e3', '99999999999999999']) {
		const result = parseHead(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\n`), 0, null);
		t.is(result.status, 'invalid', value);
	}

	const twice = parseHead(Buffer.from('POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'), 0, null);
	t.is(twice.status, 'invalid');
});

test('binary and TLS bytes are rejected from their first bytes', (t) => {
	const tls = Buffer.from(dataEvents(loadFixture('nginx-tls.server').events)[0]!.data);
	t.is(tls[0], 0x16); // a TLS handshake record, as curl sent it
	t.is(parseHead(tls, 0, null).status, 'invalid');
	t.is(parseHead(tls.subarray(0, 3), 0, null).status, 'invalid');
	t.is(parseHead(Buffer.from([0, 1, 2, 3, 0xff, 0xfe]), 0, null).status, 'invalid');
	t.is(parseHead(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), 0, null).status, 'invalid');
});

test('malformed start lines are invalid', (t) => {
	const lines = [
		'get / HTTP/1.1', // methods are upper case
		'GET /a b HTTP/1.1', // a space inside the target
		'GET /\x01 HTTP/1.1', // a control byte
		'GET / HTTP/2.0',
		'GET /',
		'GET  HTTP/1.1',
		'HTTP/1.1 2000 OK',
		'HTTP/1.1 20 OK',
		'HTTP/2 200',
		'HTTP/1.1 099 Low',
		'VERYLONGMETHODNAMEVERYLONGMETHODNAMEX / HTTP/1.1',
	];
	for (const line of lines) t.is(parseHead(Buffer.from(`${line}\r\nHost: x\r\n\r\n`), 0, null).status, 'invalid', line);
});

test('a header line without a colon, or with space before it, is invalid', (t) => {
	t.is(parseHead(Buffer.from('GET / HTTP/1.1\r\nHost x\r\n\r\n'), 0, null).status, 'invalid');
	t.is(parseHead(Buffer.from('GET / HTTP/1.1\r\nHost : x\r\n\r\n'), 0, null).status, 'invalid');
	t.is(parseHead(Buffer.from('GET / HTTP/1.1\r\n: x\r\n\r\n'), 0, null).status, 'invalid');
});

test('a line without a colon is invalid wherever its line feed falls; bytes that share a test with the colon are name bytes', (t) => {
	for (let length = 1; length <= 40; length++) {
		const name = 'X'.repeat(length);
		t.is(parseHead(Buffer.from(`GET / HTTP/1.1\r\n${name}\r\nHost: h\r\n\r\n`), 0, null).status, 'invalid', name);
		t.is(parseHead(Buffer.from(`GET / HTTP/1.1\n${name}\nHost: h\n\n`), 0, null).status, 'invalid', name);
		t.is(ok(parseHead(Buffer.from(`GET / HTTP/1.1\r\n${name}: ${'v'.repeat(length)}\r\nHost: h\r\n\r\n`), 0, null)).host, 'h', name);
	}

	// '*' and 0x1a match (byte | 0x30) === ':' as the colon and the line feed do
	t.is(ok(parseHead(Buffer.from('GET / HTTP/1.1\r\nX*Y\x1a: a*b\r\nHost: h\r\n\r\n'), 0, null)).host, 'h');
	t.is(parseHead(Buffer.from('GET / HTTP/1.1\r\nX*Y\x1a\r\nHost: h\r\n\r\n'), 0, null).status, 'invalid');
});

test('lineFeed finds the first line feed in [from, to) at every offset, and none at or past to', (t) => {
	const buf = Buffer.alloc(24, 0x61);
	for (let at = 0; at < buf.length; at++) {
		buf.fill(0x61);
		buf[at] = 0x0a;
		for (let from = 0; from < buf.length; from++) {
			for (let to = from; to <= buf.length; to++) {
				const want = at >= from && at < to ? at : -1;
				if (lineFeed(buf, from, to) !== want) t.fail(`LF at ${at}, [${from}, ${to}): ${lineFeed(buf, from, to)}`);
			}
		}
	}

	buf[3] = 0x0a;
	buf[9] = 0x0a;
	t.is(lineFeed(buf, 0, 24), 3);
	t.is(lineFeed(buf, 4, 24), 9);
});

test('an obs-folded continuation line is tolerated', (t) => {
	const head = ok(parseHead(Buffer.from('GET / HTTP/1.1\r\nX-Long: a\r\n  b\r\nHost: h\r\n\r\n'), 0, null));
	t.is(head.host, 'h');
});

test('heads over the limit are invalid, whether complete or not', (t) => {
	const filler = `X-Filler: ${'f'.repeat(70 * 1024)}\r\n`;
	t.is(parseHead(Buffer.from(`GET / HTTP/1.1\r\n${filler}\r\n`), 0, null).status, 'invalid');
	t.is(parseHead(Buffer.from(`GET / HTTP/1.1\r\n${filler}`), 0, null).status, 'invalid');
	t.is(parseHead(Buffer.from(`GET /${'p'.repeat(70 * 1024)}`), 0, null).status, 'invalid');
	t.is(parseHead(Buffer.from('GET / HTTP/1.1\r\nX: 123456789\r\n\r\n'), 0, null, 20).status, 'invalid');
});

test('the kind a direction expects is enforced', (t) => {
	t.is(parseHead(nginxResponse, 0, 'request').status, 'invalid');
	t.is(parseHead(curlRequest, 0, 'response').status, 'invalid');
	t.is(parseHead(Buffer.from('HT'), 0, 'request').status, 'more'); // "HT" may still start a method
});

test('a truncated capture yields the head its complete lines describe', (t) => {
	const cut = curlRequest.subarray(0, curlRequest.indexOf('User-Agent'));
	t.is(parseHead(cut, 0, null).status, 'more');
	const head = ok(parseHead(cut, 0, null, undefined, true));
	t.like(head, {method: 'GET', target: '/a.txt', host: '127.0.0.1:18080', complete: false, headBytes: cut.length});
	// Without a whole start line there is nothing to keep.
	t.is(parseHead(curlRequest.subarray(0, 10), 0, null, undefined, true).status, 'more');
});

test('targets keep raw UTF-8 readable', (t) => {
	const head = ok(parseHead(Buffer.from('GET /caf\u00e9/\u65e5 HTTP/1.1\r\n\r\n', 'utf8'), 0, null));
	t.is(head.kind === 'request' ? head.target : '', '/caf\u00e9/\u65e5');
});

test('messageStartKind tells starts from body bytes', (t) => {
	t.is(messageStartKind(curlRequest, 0), 'request');
	t.is(messageStartKind(nginxResponse, 0), 'response');
	t.is(messageStartKind(Buffer.from('GET /x'), 0), 'request'); // line end not captured yet
	t.is(messageStartKind(Buffer.from('xxxxxxxx'), 0), null);
	t.is(messageStartKind(Buffer.from('ABC def\r\n'), 0), null); // a word and a space, no HTTP version
	t.is(messageStartKind(Buffer.from('HTTP/1.1 abc'), 0), null);
	t.is(messageStartKind(Buffer.from('10000\r\nxxxx'), 0), null);
	t.is(messageStartKind(Buffer.alloc(0), 0), null);
});
