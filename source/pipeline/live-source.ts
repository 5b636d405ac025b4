// Live capture: the tracer's events go through the HTTP assembler and come out
// as exchanges, in batches, with the container each process runs in.

import {CaptureError} from '../capture/capture-error.js';
import {createContainerResolver} from '../capture/containers.js';
import {startTracer, type EventSink, type Tracer, type TracerOptions} from '../capture/tracer.js';
import {createHttpAssembler} from '../http/assembler.js';
import type {Exchange} from '../http/exchange.js';
import type {ExchangeSource, SourceHealth, SourceState} from './exchange-source.js';

export {CaptureError} from '../capture/capture-error.js';

export type LiveSourceOptions = {
	readonly pids?: readonly number[];
	readonly comms?: readonly string[];
	readonly ports?: readonly number[];
	readonly showQuery: boolean; // false: query strings are dropped as they are parsed
	readonly resolveContainers?: boolean; // default true
	readonly ringBytes?: number;
	readonly tls?: boolean; // default true: HTTPS plaintext from uprobes on the TLS libraries
	/** The tracer to run; the real one (BPF) unless a test passes another that hands over recorded events. */
	readonly startTracer?: (options: TracerOptions, sink: EventSink) => Tracer;
};

/** Milliseconds between sweeps of idle connection state. */
const expiryIntervalMs = 1000;

/** CLOCK_MONOTONIC ns (the kernel's bpf_ktime_get_ns) to epoch ms. */
export function monotonicToEpoch(): (ns: number) => number {
	const offsetMs = Date.now() - Number(process.hrtime.bigint()) / 1e6;
	return (ns: number) => ns / 1e6 + offsetMs;
}

export async function createLiveSource(options: LiveSourceOptions): Promise<ExchangeSource> {
	const containerOf = options.resolveContainers === false ? () => null : createContainerResolver();
	const assembler = createHttpAssembler({
		monotonicNsToEpochMs: monotonicToEpoch(),
		keepQuery: options.showQuery,
		resolveContainer: containerOf,
	});
	let sink: ((batch: readonly Exchange[]) => void) | null = null;
	let tracer: Tracer | null = null;
	let state: SourceState = 'stopped';
	let sweep: NodeJS.Timeout | undefined;
	let droppedSoFar = 0;

	// Lost records leave holes in connections' byte streams: the assembler must know.
	const noticeDrops = (): void => {
		const dropped = (tracer?.counters().ringbufDrops ?? 0) + (tracer?.drainStats().droppedRecords ?? 0);
		if (dropped > droppedSoFar) {
			droppedSoFar = dropped;
			assembler.markCaptureGap();
		}
	};

	// Events go to the assembler as they are decoded: no array of a whole batch's events.
	let completed: Exchange[] = [];
	const onEvents: EventSink = {
		begin() {
			completed = [];
			assembler.startBatch();
		},
		event(event) {
			assembler.add(event, completed);
		},
		end() {
			if (completed.length > 0) {
				sink?.(completed);
			}
		},
	};

	const health = (): SourceHealth => {
		const drain = tracer?.drainStats();
		return {
			events: tracer?.events() ?? 0,
			kernel: tracer?.counters() ?? null,
			userspaceDrops: drain?.droppedRecords ?? 0,
			http: assembler.counters(),
			http2: assembler.http2Counters(),
			tls: tracer?.tls() ?? null,
		};
	};

	return {
		get description() {
			const tracing = `tracing ${tracer?.tracepoints.length ?? 23} tracepoints`;
			const tls = tracer?.tls();
			if (!tls) {
				return options.tls === false ? `${tracing}, TLS off` : tracing;
			}

			const {hooked, failed, skipped} = tls;
			const problems = [failed > 0 ? `${failed} failed` : '', skipped > 0 ? `${skipped} skipped` : ''].filter(Boolean);
			return `${tracing} · TLS: OpenSSL ${hooked.openssl}, GnuTLS ${hooked.gnutls}, Go ${hooked.go}`
				+ (problems.length > 0 ? ` (${problems.join(', ')})` : '');
		},
		async start(deliver) {
			if (tracer) {
				throw new CaptureError('the live capture is already started');
			}

			sink = deliver;
			tracer = (options.startTracer ?? startTracer)(
				{pids: options.pids, comms: options.comms, ports: options.ports, ringBytes: options.ringBytes, tls: options.tls},
				onEvents,
			);
			// The TLS libraries' hooks attach off the JS thread: tracing counts as started once they are in place.
			await tracer.tlsSettled();
			state = 'tracing';
			sweep = setInterval(() => {
				noticeDrops();
				const exchanges = assembler.expire(Number(process.hrtime.bigint()));
				if (exchanges.length > 0) {
					sink?.(exchanges);
				}
			}, expiryIntervalMs);
			sweep.unref();
		},
		state: () => state,
		health,
		finished: new Promise<void>(() => {
			// live capture never finishes by itself
		}),
		async stop() {
			clearInterval(sweep);
			tracer?.stop();
			state = 'stopped';
		},
	};
}
