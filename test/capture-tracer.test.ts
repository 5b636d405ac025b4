// The kernel side against real processes: which syscalls produce records, with
// which bytes, and what is never traced. HTTP parsing is not involved here.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {release, tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {ExecutionContext} from 'ava';
import type {CaptureEvent, DataEvent} from '../source/capture/events.js';
import {bpfObjectPath, startTracer, type ObjectVariant, type Tracer, type TracerOptions} from '../source/capture/tracer.js';
// Serial: each test loads the BPF object on the worker's thread, and loads side by side starve one another's timers.
import {bpfSerialTest as bpfTest} from './helpers/bpf.js';
import {eventually, startChild, type Child} from './helpers/processes.js';

const peer = fileURLToPath(new URL('peers/syscall-peer.py', import.meta.url));
const requestHead = 'POST /v HTTP/1.1\r\nHost: peer\r\nContent-Length: 5\r\n\r\n';
const responseHead = 'HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\n';

type Capture = {tracer: Tracer; events: CaptureEvent[]; data: () => DataEvent[]};

// Plain sockets only: TLS hooks are capture-tls's (each tracer's uprobes attach one at a time in the kernel).
function trace(t: ExecutionContext, options: TracerOptions, variant?: ObjectVariant): Capture {
	const events: CaptureEvent[] = [];
	const tracer = startTracer({tls: false, ...options}, batch => events.push(...batch), variant);
	t.teardown(() => tracer.stop());
	return {tracer, events, data: () => events.filter((e): e is DataEvent => e.kind === 'data')};
}

/** Starts the peer in `mode`, traces only it, lets it run, waits for "done". */
async function runPeer(t: ExecutionContext, mode: string, options: TracerOptions = {}): Promise<{child: Child; capture: Capture}> {
	const child = startChild('python3', [peer, mode]);
	t.teardown(() => child.kill());
	await child.waitForLine(/ready/);
	const capture = trace(t, {...options, pids: [child.pid]});
	child.process.stdin!.write('go\n');
	await child.waitForLine(/done/);
	return {child, capture};
}

const text = (e: DataEvent): string => Buffer.from(e.data).toString('latin1');

// Linux 5.12 lets tracepoint programs keep data in the task's own storage; before it, a hash map.
const [major = 0, minor = 0] = release().split('.').map(Number);
const kernelHasTaskStorage = major > 5 || (major === 5 && minor >= 12);

bpfTest('syscall arguments wait in the task\'s own storage where the kernel has it, and a hash map can stand in', async t => {
	for (const taskStorage of [true, false]) {
		const {capture} = await runPeer(t, 'vectored', {taskStorage});
		t.is(capture.tracer.taskStorage, taskStorage && kernelHasTaskStorage);
		t.true(await eventually(() => capture.data().length >= 8), `records: ${capture.data().length}`);
		t.deepEqual(capture.data().map(e => [e.syscall, e.bytes]), capture.data().map(e => [e.syscall, e.data.length]));
		t.is(capture.data().map(e => text(e)).join('').length, 4 * (requestHead.length + 5) + 4 * (responseHead.length + 3));
	}
});

bpfTest('every data syscall variant is captured with its exact bytes and direction', async t => {
	const {child, capture} = await runPeer(t, 'vectored');
	t.true(await eventually(() => capture.data().length >= 8), `records: ${capture.data().length}`);
	const seen = capture.data().map(e => [e.syscall, e.direction, text(e)] as const);
	t.deepEqual(seen, [
		['sendmsg', 'egress', `${requestHead}hello`],
		['readv', 'ingress', `${requestHead}hello`],
		['writev', 'egress', `${responseHead}abc`],
		['recvmsg', 'ingress', `${responseHead}abc`],
		['write', 'egress', `${requestHead}world`],
		['read', 'ingress', `${requestHead}world`],
		['sendto', 'egress', `${responseHead}xyz`],
		['recvfrom', 'ingress', `${responseHead}xyz`],
	]);
	for (const event of capture.data()) {
		t.is(event.pid, child.pid);
		t.is(event.bytes, event.data.length);
		t.is(event.local.address, '127.0.0.1');
		t.true(event.tsExitNs >= event.tsEnterNs);
		// a read's entry time is not taken: it would only say how long the process waited
		if (event.direction === 'ingress') t.is(event.tsEnterNs, event.tsExitNs);
	}

	const [clientSide, serverSide] = [capture.data()[0]!, capture.data()[1]!];
	t.is(clientSide.origin, 'connected');
	t.is(serverSide.origin, 'accepted');
	t.is(clientSide.remote.port, serverSide.local.port);
	t.is(clientSide.local.port, serverSide.remote.port);
	t.not(clientSide.connId, serverSide.connId);
	// both sockets were closed: one close record each
	t.true(await eventually(() => capture.events.filter(e => e.kind === 'close').length === 2));
});

bpfTest('a connection opened before tracing started is picked up at its next request', async t => {
	const {capture} = await runPeer(t, 'preexisting');
	t.true(await eventually(() => capture.data().length >= 4));
	const records = capture.data();
	t.deepEqual(
		records.map(e => text(e)),
		[`${requestHead}again`, `${requestHead}again`, `${responseHead}two`, `${responseHead}two`],
	);
	t.true(records.every(e => e.origin === 'unknown'));
	t.true(records.every(e => e.local.port > 0 && e.remote.port > 0), 'addresses come from the kernel socket');
});

bpfTest('non-HTTP TCP, files, pipes and unix socket pairs produce no records; other protocols are recognised', async t => {
	const binary = await runPeer(t, 'binary');
	const files = await runPeer(t, 'files');
	t.deepEqual(binary.capture.data(), []);
	t.deepEqual(files.capture.data(), []);
	// three connections' ends each, recognised at their first bytes (binary, TLS, a short first write)
	t.true(await eventually(() => binary.capture.tracer.counters().notHttpConns >= 6), JSON.stringify(binary.capture.tracer.counters()));
	t.is(files.capture.tracer.counters().conns, 0, 'no file, pipe or socket pair became a connection');
});

bpfTest('httptop never traces its own process', async t => {
	const server = startChild('python3', ['-m', 'http.server', '0', '--bind', '127.0.0.1']);
	t.teardown(() => server.kill());
	const port = Number(/port (\d+)/.exec(await server.waitForLine(/Serving HTTP/))![1]);
	const capture = trace(t, {});
	const response = await fetch(`http://127.0.0.1:${port}/`);
	await response.text();
	t.true(await eventually(() => capture.data().some(e => e.pid === server.pid)), 'the server side is seen');
	t.false(capture.data().some(e => e.pid === process.pid), 'our own fetch is not');
});

bpfTest('a large response is counted exactly while only 4 KiB per syscall is copied', async t => {
	const directory = mkdtempSync(join(tmpdir(), 'httptop-'));
	writeFileSync(join(directory, 'big'), Buffer.alloc(1 << 20, 'x'));
	t.teardown(() => rmSync(directory, {recursive: true}));
	const server = startChild('python3', ['-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', directory]);
	t.teardown(() => server.kill());
	const port = Number(/port (\d+)/.exec(await server.waitForLine(/Serving HTTP/))![1]);
	const capture = trace(t, {pids: [server.pid]});
	const curl = startChild('curl', ['-s', '-o', '/dev/null', '-w', '%{size_download} %{size_header}\\n', `http://127.0.0.1:${port}/big`]);
	const [body, header] = (await curl.waitForLine(/^\d+ \d+$/)).split(' ').map(Number);
	t.is(body, 1 << 20);
	t.true(await eventually(() => capture.data().filter(e => e.direction === 'egress').reduce((n, e) => n + e.bytes, 0) === body! + header!));
	const egress = capture.data().filter(e => e.direction === 'egress');
	t.true(egress.every(e => e.data.length === Math.min(e.bytes, 4096)));
	t.true(capture.tracer.counters().truncated > 0);
});

// test/peers/syscall-peer.py sizes: the same sizes and bytes
const sizes = [127, 1, 128, 129, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097];
const sized = (n: number): Buffer => {
	const start = Buffer.from('POST /v HTTP/1.1\r\nX: ');
	const pattern = Buffer.from(Array.from({length: n}, (_, i) => (i * 7 + 11) % 251));
	return n >= start.length ? Buffer.concat([start, pattern.subarray(start.length)]) : start.subarray(0, n);
};

bpfTest('records of every size around the record size classes hold exactly the bytes moved, up to 4 KiB', async t => {
	const {capture} = await runPeer(t, 'sizes');
	const stream = Buffer.concat(sizes.map(sized));
	for (const syscall of ['write', 'read', 'sendto', 'recvfrom']) {
		t.true(await eventually(() => capture.data().filter(e => e.syscall === syscall).reduce((n, e) => n + e.bytes, 0) === stream.length), syscall);
		const records = capture.data().filter(e => e.syscall === syscall);
		let at = 0;
		for (const event of records) {
			t.deepEqual(Buffer.from(event.data), stream.subarray(at, at + Math.min(event.bytes, 4096)), `${syscall} at ${at}`);
			at += event.bytes;
		}

		if (syscall === 'write' || syscall === 'sendto') t.deepEqual(records.map(e => e.bytes), sizes);
	}

	t.true(capture.tracer.counters().truncated >= 2);
});

bpfTest('the kernel selection ignores connections of other processes and ports', async t => {
	const server = startChild('python3', ['-m', 'http.server', '0', '--bind', '127.0.0.1']);
	t.teardown(() => server.kill());
	const port = Number(/port (\d+)/.exec(await server.waitForLine(/Serving HTTP/))![1]);
	const byPort = trace(t, {ports: [port]});
	const byOtherPort = trace(t, {ports: [port + 1]});
	const curl = startChild('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${port}/`]);
	await curl.exited();
	t.true(await eventually(() => byPort.data().some(e => e.pid === server.pid) && byPort.data().some(e => e.pid === curl.pid)));
	t.deepEqual(byOtherPort.data().filter(e => e.pid === server.pid || e.pid === curl.pid), []);
	t.true(byOtherPort.tracer.counters().filteredConns > 0);
});

bpfTest('the benchmark floor, and the arguments-only mode, attach the same tracepoints and capture nothing', async t => {
	// The benchmarks' build of the object (bench/), which alone has these modes.
	const objectPath = bpfObjectPath().replace(/httptop\.bpf\.o$/, 'httptop.bench.bpf.o');
	const floor = trace(t, {}, {objectPath, globals: {noop: Buffer.from([1])}});
	const argsOnly = trace(t, {}, {objectPath, globals: {args_only: Buffer.from([1])}});
	for (const capture of [floor, argsOnly]) {
		t.is(capture.tracer.tracepoints.length, 25);
		t.true(capture.tracer.tracepoints.includes('syscalls/sys_exit_recvmsg'));
	}

	const server = startChild('python3', ['-m', 'http.server', '0', '--bind', '127.0.0.1']);
	t.teardown(() => server.kill());
	const port = Number(/port (\d+)/.exec(await server.waitForLine(/Serving HTTP/))![1]);
	await startChild('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${port}/`]).exited();
	await new Promise(resolve => setTimeout(resolve, 300));
	for (const capture of [floor, argsOnly]) {
		t.deepEqual(capture.events, []);
		t.is(capture.tracer.counters().records, 0);
		t.is(capture.tracer.counters().conns, 0, 'no socket looked up');
	}
});
