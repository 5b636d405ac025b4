// The HTTP layer alone: recorded syscalls of real servers and clients (the
// test fixtures), replayed over many connections in batches as the capture
// delivers them, through createHttpAssembler. Bounded: a fixed number of
// events per figure, a few seconds in all.
import {performance} from 'node:perf_hooks';
import type {CaptureEvent} from '../source/capture/events.js';
import {createHttpAssembler} from '../source/http/assembler.js';
import {kernelView, loadFixture} from '../test/fixtures/http/load.js';

const batchSize = 512;

/** `copies` connections running `events` side by side (interleaved one event each), each with its own connId. */
const interleave = (events: readonly CaptureEvent[], copies: number, rounds: number): CaptureEvent[] => {
	const out: CaptureEvent[] = [];
	let span = 0;
	for (const event of events) span = Math.max(span, event.kind === 'data' ? event.tsExitNs : event.tsNs);
	for (let round = 0; round < rounds; round++) {
		const shift = round * (span + 1e6);
		for (const event of events) {
			for (let copy = 0; copy < copies; copy++) {
				const connId = (round * copies + copy) * 1000 + event.connId;
				out.push(
					event.kind === 'data'
						? {...event, connId, tsEnterNs: event.tsEnterNs + shift, tsExitNs: event.tsExitNs + shift}
						: {...event, connId, tsNs: event.tsNs + shift},
				);
			}
		}
	}

	return out;
};

const run = (events: readonly CaptureEvent[]): {eventsPerSecond: number; exchangesPerSecond: number; exchanges: number} => {
	const assembler = createHttpAssembler({monotonicNsToEpochMs: (ns) => ns / 1e6, keepQuery: false});
	let exchanges = 0;
	const start = performance.now();
	for (let at = 0; at < events.length; at += batchSize) exchanges += assembler.push(events.slice(at, at + batchSize)).length;
	exchanges += assembler.flush().length;
	const seconds = (performance.now() - start) / 1000;
	return {eventsPerSecond: Math.round(events.length / seconds), exchangesPerSecond: Math.round(exchanges / seconds), exchanges};
};

const best = (events: readonly CaptureEvent[], times = 3) => {
	let result = run(events);
	for (let index = 1; index < times; index++) {
		const next = run(events);
		if (next.eventsPerSecond > result.eventsPerSecond) result = next;
	}

	return result;
};

export async function benchHttp(): Promise<Record<string, number | string>> {
	const keepAlive = interleave(kernelView(loadFixture('nginx-keepalive.server').events), 200, 20); // 4000 connections
	const nodeBoth = interleave(kernelView(loadFixture('node-keepalive.client').events), 50, 4);
	const pipelined = interleave(kernelView(loadFixture('node-pipeline.server').events), 500, 10);
	run(keepAlive); // warm up
	const small = best(keepAlive);
	const large = best(nodeBoth);
	const pipes = best(pipelined);

	// Memory: 16384 connections each holding an incomplete 2 KiB head.
	const assembler = createHttpAssembler({monotonicNsToEpochMs: (ns) => ns / 1e6, keepQuery: false});
	const head = Buffer.from(`GET /waiting HTTP/1.1\r\nHost: h\r\nX-Pad: ${'p'.repeat(2000)}\r\n`);
	const template = kernelView(loadFixture('nginx-keepalive.server').events)[0]!;
	globalThis.gc?.();
	const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
	for (let connId = 1; connId <= 16_384; connId++) {
		if (template.kind === 'data') assembler.push([{...template, connId, data: head, bytes: head.length}]);
	}

	globalThis.gc?.();
	const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;

	return {
		'nginx keep-alive, 4000 connections: events/s': small.eventsPerSecond,
		'nginx keep-alive, 4000 connections: exchanges/s': small.exchangesPerSecond,
		'node client, 1 MiB bodies in 4 KiB-captured chunks: events/s': large.eventsPerSecond,
		'node client, 1 MiB bodies in 4 KiB-captured chunks: exchanges/s': large.exchangesPerSecond,
		'node, 3 pipelined requests per read: events/s': pipes.eventsPerSecond,
		'node, 3 pipelined requests per read: exchanges/s': pipes.exchangesPerSecond,
		'16384 connections with a pending 2 KiB head: heap + buffers, MiB': ((after - before) / 1024 / 1024).toFixed(1),
		'16384 connections with a pending 2 KiB head: held for heads, MiB': (assembler.counters().bufferedBytes / 1024 / 1024).toFixed(1),
	};
}

if (process.argv[1]?.endsWith('http.ts')) {
	for (const [name, value] of Object.entries(await benchHttp())) console.log(`${name}: ${value}`);
}
