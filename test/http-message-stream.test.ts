import test from 'ava';
import type {DataEvent} from '../source/capture/events.js';
import {requestFraming, responseFraming, type BodyFraming} from '../source/http/body-framing.js';
import {MessageStream, type Message, type StreamOwner, type SyncLoss} from '../source/http/message-stream.js';
import {dataEvents, join, loadFixture, recut} from './fixtures/http/load.js';

// Records what one stream reports; framing comes from the real body-framing rules.
class Recorder implements StreamOwner {
	readonly heads: Message[] = [];
	readonly ended: Message[] = [];
	readonly losses: SyncLoss[] = [];
	skipped = 0;
	requestMethod: string | null = 'GET';

	headParsed(_stream: MessageStream, message: Message): BodyFraming {
		this.heads.push(message);
		return message.head.kind === 'request' ? requestFraming(message.head) : responseFraming(message.head, this.requestMethod);
	}

	messageEnded(_stream: MessageStream, message: Message): void {
		this.ended.push(message);
	}

	syncLost(_stream: MessageStream, loss: SyncLoss): void {
		this.losses.push(loss);
	}

	chunkSkipped(): void {
		this.skipped++;
	}
}

const streamOf = (direction: 'ingress' | 'egress', limit = 64 * 1024) => {
	const recorder = new Recorder();
	const stream = new MessageStream(recorder, direction, 64 * 1024, {used: 0, limit});
	return {recorder, stream};
};

const sum = (events: readonly DataEvent[]): number => events.reduce((total, event) => total + event.bytes, 0);

const nginxServer = dataEvents(loadFixture('nginx-keepalive.server').events);
const nodeServer = dataEvents(loadFixture('node-keepalive.server').events);
const startsWith = (event: DataEvent, text: string): boolean => Buffer.from(event.data).toString('latin1').startsWith(text);
const indexOfStart = (events: readonly DataEvent[], text: string): number => events.findIndex((event) => startsWith(event, text));

// One response of node's, from its head to the write before the next request.
const nodeResponse = (events: readonly DataEvent[], requestLine: string): DataEvent[] => {
	const request = indexOfStart(events, requestLine);
	const rest = events.slice(request + 1);
	const next = rest.findIndex((event) => event.direction !== rest[0]!.direction);
	return next < 0 ? rest : rest.slice(0, next);
};

test('a request head cut into two syscalls at every offset is one message', (t) => {
	const request = nginxServer[0]!;
	for (let cut = 1; cut < request.bytes; cut++) {
		const {recorder, stream} = streamOf('ingress');
		const pieces = recut(request, [cut]);
		for (const piece of pieces) stream.push(piece);
		t.is(recorder.ended.length, 1, `cut at ${cut}`);
		t.is(recorder.ended[0]!.bytes, request.bytes);
		t.is(recorder.ended[0]!.startExitNs, pieces[0]!.tsExitNs); // the first byte's syscall
		t.deepEqual(recorder.losses, []);
	}
});

test('a response with its body cut at every offset, inside CRLFCRLF included', (t) => {
	const response = nginxServer[1]!;
	for (let cut = 1; cut < response.bytes; cut++) {
		const {recorder, stream} = streamOf('egress');
		const pieces = recut(response, [cut]);
		for (const piece of pieces) stream.push(piece);
		t.is(recorder.ended.length, 1, `cut at ${cut}`);
		t.like(recorder.ended[0], {bytes: 247, lastExitNs: pieces[1]!.tsExitNs, incomplete: false});
	}
});

test('a chunked body with its chunk-size lines cut at every offset', (t) => {
	// node wrote /chunked as a head with the first chunk, then the rest with the last chunk.
	const written = nodeResponse(nodeServer, 'GET /chunked ');
	t.is(written.length, 2);
	const whole = join(written);
	const text = Buffer.from(whole.data).toString('latin1');
	t.is(text.slice(text.indexOf('\r\n\r\n') + 4), 'b\r\nfirst part\n\r\nc\r\nsecond part\n\r\n4\r\nend\n\r\n0\r\n\r\n');
	for (let cut = 1; cut < whole.bytes; cut++) {
		for (const second of [1, 3, 7]) {
			const {recorder, stream} = streamOf('egress');
			const pieces = recut(whole, [cut, second]);
			for (const piece of pieces) stream.push(piece);
			t.is(recorder.ended.length, 1, `cut at ${cut}+${second}`);
			t.like(recorder.ended[0], {bytes: whole.bytes, lastExitNs: pieces.at(-1)!.tsExitNs});
			t.deepEqual(recorder.losses, []);
		}
	}
});

test('one byte per syscall: a POST head and its body', (t) => {
	const head = nodeServer[indexOfStart(nodeServer, 'POST /upload ')]!;
	const body = nodeServer[indexOfStart(nodeServer, 'POST /upload ') + 2]!;
	t.is(body.bytes, 3000);
	const {recorder, stream} = streamOf('ingress');
	const whole = join([head, body]);
	// Cut the head one byte at a time, then the body in one piece.
	for (const piece of recut({...whole, data: Buffer.concat([head.data, body.data])}, Array.from({length: head.bytes}, () => 1))) {
		stream.push(piece);
	}

	t.is(recorder.ended.length, 1);
	t.like(recorder.ended[0]!.head, {method: 'POST', contentLength: 3000});
	t.is(recorder.ended[0]!.bytes, head.bytes + 3000);
});

test('1 MiB with Content-Length in 64 KiB writes of which 4 KiB were captured', (t) => {
	const written = nodeResponse(nodeServer, 'GET /big-length ');
	t.true(written.length >= 16);
	t.true(written.every((event) => event.data.length === 4096 && event.bytes >= 65_536));
	const {recorder, stream} = streamOf('egress');
	for (const event of written) stream.push(event);
	t.is(recorder.ended.length, 1);
	t.like(recorder.ended[0], {bytes: sum(written), lastExitNs: written.at(-1)!.tsExitNs});
	t.is(recorder.ended[0]!.bytes - recorder.ended[0]!.head.headBytes, 1_048_576);
	t.deepEqual(recorder.losses, []);
});

test('1 MiB chunked in truncated writes keeps sync: each write starts with its chunk-size line', (t) => {
	const written = nodeResponse(nodeServer, 'GET /big-chunked ');
	const {recorder, stream} = streamOf('egress');
	for (const event of written) stream.push(event);
	t.is(recorder.ended.length, 1);
	t.like(recorder.ended[0], {bytes: sum(written), lost: false, lastExitNs: written.at(-1)!.tsExitNs});
	t.deepEqual(recorder.losses, []);
});

// curl read node's 1 MiB chunked body in 100 KiB reads: some chunk-size lines lie beyond the 4 KiB captured.
const curlChunkedReads = nodeResponse(dataEvents(loadFixture('node-curl.client').events), 'GET /big-chunked ');

test('chunked in 100 KiB reads loses sync where a chunk-size line was not captured, keeps every byte', (t) => {
	const read = curlChunkedReads;
	t.true(read.some((event) => event.bytes > 65_545 + 4096));
	const {recorder, stream} = streamOf('ingress');
	for (const event of read) stream.push(event);
	t.deepEqual(recorder.losses, ['truncated']);
	t.is(recorder.ended.length, 0); // its end is unknown until something shows it
	t.true(stream.inMessage?.lost);
	stream.endLostMessage();
	t.is(recorder.ended.length, 1);
	t.like(recorder.ended[0], {bytes: sum(read), lost: true, lastExitNs: read.at(-1)!.tsExitNs});
});

test('a lost chunked body whose last read was captured whole ends there', (t) => {
	const read = curlChunkedReads;
	const {recorder, stream} = streamOf('ingress');
	for (const event of read) stream.push(event);
	t.is(recorder.ended.length, 0);
	const tail = Buffer.from('xxxx\r\n0\r\n\r\n');
	stream.push({...read.at(-1)!, data: tail, bytes: tail.length, tsExitNs: read.at(-1)!.tsExitNs + 10});
	t.is(recorder.ended.length, 1);
	t.is(recorder.ended[0]!.bytes, sum(read) + tail.length);
});

test('a sendfile body (no bytes captured) is counted', (t) => {
	const events = dataEvents(loadFixture('nginx-big.server').events).filter((event) => event.connId === 2);
	const sent = events.filter((event) => event.direction === 'egress');
	t.true(sent.some((event) => event.syscall === 'sendfile' && event.data.length === 0));
	const {recorder, stream} = streamOf('egress');
	for (const event of sent) stream.push(event);
	t.is(recorder.ended.length, 1);
	t.is(recorder.ended[0]!.bytes, sum(sent));
});

test('three pipelined requests in one read are three messages with one start time', (t) => {
	const [read] = dataEvents(loadFixture('nginx-pipeline.server').events);
	const {recorder, stream} = streamOf('ingress');
	stream.push(read!);
	t.deepEqual(
		recorder.ended.map((message) => (message.head.kind === 'request' ? message.head.target : '')),
		['/a.txt', '/echo', '/index.html'],
	);
	t.is(recorder.ended.reduce((total, message) => total + message.bytes, 0), read!.bytes);
	t.true(recorder.ended.every((message) => message.startExitNs === read!.tsExitNs));
});

test('a gap at a message boundary loses what it hides; the next start resynchronises', (t) => {
	const [read] = dataEvents(loadFixture('nginx-pipeline.server').events);
	const firstLength = Buffer.from(read!.data).indexOf('\r\n\r\n') + 4;
	const {recorder, stream} = streamOf('ingress');
	stream.push({...read!, data: read!.data.subarray(0, firstLength)}); // captured up to the first head's end only
	t.is(recorder.ended.length, 1);
	t.deepEqual(recorder.losses, ['truncated']);
	stream.push(nginxServer[2]!); // the next read begins with a request
	t.is(recorder.ended.length, 2);
	t.like(recorder.ended[1]!.head, {kind: 'request', target: '/index.html'});
});

test('a gap inside a head keeps the message if its start line was captured', (t) => {
	const [first, second, , third] = dataEvents(loadFixture('nginx-bigcookie.server').events);
	const {recorder, stream} = streamOf('ingress');
	stream.push(first!); // 1024 bytes: the start line and part of the cookie
	t.is(recorder.heads.length, 0);
	stream.push(second!); // 5074 bytes of which 4096 were captured: the head's end is in the gap
	t.deepEqual(recorder.losses, ['truncated']);
	t.is(recorder.heads.length, 1);
	t.like(recorder.heads[0]!.head, {method: 'GET', target: '/a.txt', host: '127.0.0.1:18080', complete: false});
	t.is(recorder.heads[0]!.startExitNs, first!.tsExitNs);
	stream.push(third!); // the next request ends it
	t.is(recorder.ended.length, 1);
	t.like(recorder.ended[0], {bytes: first!.bytes + second!.bytes, lost: true});
});

test('a stream first seen in the middle of a body skips quietly to the next start', (t) => {
	const written = nodeResponse(nodeServer, 'GET /big-length ');
	const {recorder, stream} = streamOf('egress');
	for (const event of written.slice(5)) stream.push(event);
	t.is(recorder.heads.length, 0);
	t.deepEqual(recorder.losses, []);
	t.is(recorder.skipped, written.length - 5);
	stream.push(nodeResponse(nodeServer, 'GET /hello')[0]!);
	t.is(recorder.ended.length, 1);
	t.like(recorder.ended[0]!.head, {kind: 'response', status: 200});
});

test('garbage where a head belongs is one parse error; the stream resumes at the next start', (t) => {
	const tls = dataEvents(loadFixture('nginx-tls.server').events)[0]!;
	const {recorder, stream} = streamOf('ingress');
	stream.push(nginxServer[0]!);
	stream.push(tls);
	stream.push({...tls, data: Buffer.from('more garbage\x00\x01'), bytes: 14});
	t.deepEqual(recorder.losses, ['parse-error']);
	stream.push(nginxServer[2]!);
	t.is(recorder.ended.length, 2);
});

test('incomplete heads beyond the shared buffer budget are given up', (t) => {
	const request = nginxServer[0]!;
	const {recorder, stream} = streamOf('ingress', 50);
	for (const piece of recut(request, [40, 30])) stream.push(piece);
	t.deepEqual(recorder.losses, ['too-large']);
	t.is(recorder.ended.length, 0);
});

test('close ends a close-delimited body at its last byte and marks a cut one incomplete', (t) => {
	const response = dataEvents(loadFixture('node-curl.server').events).filter((event) => event.connId === 1 && event.direction === 'egress');
	const {recorder, stream} = streamOf('egress');
	for (const event of response) stream.push(event);
	t.is(recorder.ended.length, 0);
	stream.close();
	t.like(recorder.ended[0], {bytes: sum(response), incomplete: false, lastExitNs: response.at(-1)!.tsExitNs});

	const cut = streamOf('egress');
	cut.stream.push(nodeResponse(nodeServer, 'GET /big-length ')[0]!);
	cut.stream.close();
	t.true(cut.recorder.ended[0]!.incomplete);
});

test('bytes beyond the syscall count are ignored', (t) => {
	const request = nginxServer[0]!;
	const {recorder, stream} = streamOf('ingress');
	stream.push({...request, data: Buffer.concat([request.data, Buffer.from('GET /extra HTTP/1.1\r\n\r\n')])});
	t.is(recorder.ended.length, 1);
	t.is(recorder.ended[0]!.bytes, request.bytes);
});
