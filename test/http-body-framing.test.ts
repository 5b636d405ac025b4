import test from 'ava';
import {parseChunkSizeLine, parseTrailerSection, requestFraming, responseFraming, isInterim} from '../source/http/body-framing.js';
import {parseHead, type RequestHead, type ResponseHead} from '../source/http/head-parser.js';

const request = (text: string): RequestHead => {
	const result = parseHead(Buffer.from(text.replaceAll('|', '\r\n')), 0, 'request');
	if (result.status !== 'ok' || result.head.kind !== 'request') throw new Error(`not a request: ${text}`);
	return result.head;
};

const response = (text: string): ResponseHead => {
	const result = parseHead(Buffer.from(text.replaceAll('|', '\r\n')), 0, 'response');
	if (result.status !== 'ok' || result.head.kind !== 'response') throw new Error(`not a response: ${text}`);
	return result.head;
};

test('requests have a body only when they say so', (t) => {
	t.deepEqual(requestFraming(request('GET / HTTP/1.1|Host: h||')), {kind: 'none'});
	t.deepEqual(requestFraming(request('POST /u HTTP/1.1|Content-Length: 3000||')), {kind: 'length', length: 3000});
	t.deepEqual(requestFraming(request('POST /u HTTP/1.1|Content-Length: 0||')), {kind: 'none'});
	t.deepEqual(requestFraming(request('POST /u HTTP/1.1|Transfer-Encoding: chunked||')), {kind: 'chunked'});
	// Transfer-Encoding wins over Content-Length (RFC 9112 6.3).
	t.deepEqual(requestFraming(request('POST /u HTTP/1.1|Content-Length: 5|Transfer-Encoding: chunked||')), {kind: 'chunked'});
	t.is(requestFraming(request('POST /u HTTP/1.1|Transfer-Encoding: gzip||')).kind, 'invalid');
	t.deepEqual(requestFraming(request('GET / HTTP/1.0||')), {kind: 'none'});
});

test('responses without a body: HEAD, 1xx, 204, 304', (t) => {
	const withLength = response('HTTP/1.1 200 OK|Content-Length: 11||');
	t.deepEqual(responseFraming(withLength, 'HEAD'), {kind: 'none'});
	t.deepEqual(responseFraming(withLength, 'GET'), {kind: 'length', length: 11});
	t.deepEqual(responseFraming(response('HTTP/1.1 204 No Content||'), 'GET'), {kind: 'none'});
	t.deepEqual(responseFraming(response('HTTP/1.1 304 Not Modified|Content-Length: 11||'), 'GET'), {kind: 'none'});
	t.deepEqual(responseFraming(response('HTTP/1.1 100 Continue||'), 'POST'), {kind: 'none'});
	t.true(isInterim(response('HTTP/1.1 100 Continue||')));
	t.true(isInterim(response('HTTP/1.1 103 Early Hints|Link: </a>||')));
	t.false(isInterim(response('HTTP/1.1 101 Switching Protocols||')));
	t.false(isInterim(response('HTTP/1.1 200 OK||')));
});

test('101 and a 2xx answer to CONNECT end HTTP on the connection', (t) => {
	t.deepEqual(responseFraming(response('HTTP/1.1 101 Switching Protocols|Upgrade: websocket||'), 'GET'), {kind: 'tunnel'});
	t.deepEqual(responseFraming(response('HTTP/1.1 200 Connection established||'), 'CONNECT'), {kind: 'tunnel'});
	t.deepEqual(responseFraming(response('HTTP/1.1 407 Proxy Auth|Content-Length: 4||'), 'CONNECT'), {kind: 'length', length: 4});
});

test('a response with neither length nor chunked runs until close', (t) => {
	t.deepEqual(responseFraming(response('HTTP/1.0 200 OK||'), 'GET'), {kind: 'close'});
	t.deepEqual(responseFraming(response('HTTP/1.1 200 OK|Connection: close||'), 'GET'), {kind: 'close'});
	t.deepEqual(responseFraming(response('HTTP/1.1 200 OK|Transfer-Encoding: gzip||'), 'GET'), {kind: 'close'});
	t.deepEqual(responseFraming(response('HTTP/1.1 200 OK|Transfer-Encoding: chunked||'), null), {kind: 'chunked'});
	// The request was not seen: assume it was not HEAD.
	t.deepEqual(responseFraming(response('HTTP/1.1 200 OK|Content-Length: 7||'), null), {kind: 'length', length: 7});
});

test('chunk-size lines: hex, extensions, whitespace, either line end', (t) => {
	t.deepEqual(parseChunkSizeLine(Buffer.from('10000\r\nxxxx'), 0), {status: 'ok', size: 65_536, consumed: 7});
	t.deepEqual(parseChunkSizeLine(Buffer.from('1aF;name=value;x\r\n'), 0), {status: 'ok', size: 0x1af, consumed: 18});
	t.deepEqual(parseChunkSizeLine(Buffer.from('c \r\n'), 0), {status: 'ok', size: 12, consumed: 4});
	t.deepEqual(parseChunkSizeLine(Buffer.from('5\nhello'), 0), {status: 'ok', size: 5, consumed: 2});
	t.deepEqual(parseChunkSizeLine(Buffer.from('..0\r\n\r\n'), 2), {status: 'ok', size: 0, consumed: 3});
});

test('chunk-size lines: split ones need more, bad ones are invalid', (t) => {
	for (const part of ['', '1', '10', '10\r', '1;ext=']) t.is(parseChunkSizeLine(Buffer.from(part), 0).status, 'more', part);
	for (const bad of ['\r\n', 'x\r\n', '-1\r\n', '12345678901234\r\n', '1g\r\n', `1;${'e'.repeat(5000)}`]) {
		t.is(parseChunkSizeLine(Buffer.from(bad), 0).status, 'invalid', bad.slice(0, 20));
	}
});

test('trailer section: the empty line, trailers, or more to come', (t) => {
	t.deepEqual(parseTrailerSection(Buffer.from('\r\nGET'), 0, 1000), {status: 'ok', consumed: 2});
	t.deepEqual(parseTrailerSection(Buffer.from('\n'), 0, 1000), {status: 'ok', consumed: 1});
	t.deepEqual(parseTrailerSection(Buffer.from('Checksum: abc\r\nX: y\r\n\r\n'), 0, 1000), {status: 'ok', consumed: 23});
	t.deepEqual(parseTrailerSection(Buffer.from('Checksum: abc\r\n'), 0, 1000), {status: 'more'});
	t.deepEqual(parseTrailerSection(Buffer.from('Checksum: abc\r\n'), 0, 8), {status: 'invalid'});
});
