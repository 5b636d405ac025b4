// Loads bpf/httptop.bpf.c's object through the addon, applies the selection
// filters, attaches every tracepoint and turns the drained batches into typed
// capture events. The only module that talks to bpf-loader-native.

import {existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import type * as Addon from 'bpf-loader-native';
import type {BpfProgram as BpfProgramType, DrainStats} from 'bpf-loader-native';
import {CaptureError} from './capture-error.js';
import {createDecoder} from './decode.js';
import {encodeConfig} from './layout.js';
import type {CaptureEvent, KernelCounters} from './events.js';
import {ensureTracefs, preflight} from './preflight.js';
import {createTlsProber, type TlsProbeStatus, type TlsProber} from './tls-probes.js';

export type TracerOptions = {
	readonly pids?: readonly number[];
	readonly comms?: readonly string[];
	readonly ports?: readonly number[];
	/**
	 * Where each data syscall's arguments wait for its exit: in the task's own storage (the
	 * default, where the kernel has it: Linux 5.12+), or, false, in a hash map keyed by pid_tgid.
	 */
	readonly taskStorage?: boolean;
	/** Ring buffer size in bytes (a power of two). Default 32 MiB: about 10 ms of a 4M records/s flood. */
	readonly ringBytes?: number;
	/** How often the drain thread wakes when the kernel side does not wake it. Default 10 ms. */
	readonly drainIntervalMs?: number;
	/** The process never traced: httptop itself. Default: this process. */
	readonly selfPid?: number;
	/** Take HTTPS plaintext from uprobes on the TLS libraries (default true); false: TLS connections are skipped. */
	readonly tls?: boolean;
};

/**
 * Another build of the BPF object, with values for its own `const volatile`
 * globals, and whether its records are decoded: bench/'s floor modes.
 */
export type ObjectVariant = {
	readonly objectPath: string;
	readonly globals?: Readonly<Record<string, Buffer>>;
	/** false: records are drained and dropped undecoded. */
	readonly decode?: boolean;
};

export type Tracer = {
	readonly tracepoints: readonly string[];
	/** Whether syscall arguments wait in the task's own storage (else in a hash map: kernels before 5.12). */
	readonly taskStorage: boolean;
	counters(): KernelCounters;
	drainStats(): DrainStats;
	/** Events decoded so far. */
	events(): number;
	/** What the TLS probes cover; null when they are off. */
	tls(): TlsProbeStatus | null;
	/** Resolves once the TLS hooks found so far are attached: they attach off the JS thread, after tracing starts. */
	tlsSettled(): Promise<void>;
	/** Detaches everything; safe to call twice. */
	stop(): void;
};

const commBytes = 16;

/** The compiled object: $HTTPTOP_BPF_OBJECT, or bpf/.output/ of the checkout this module sits in. */
export function bpfObjectPath(): string {
	const fromEnvironment = process.env['HTTPTOP_BPF_OBJECT'];
	if (fromEnvironment) {
		return fromEnvironment;
	}

	let directory = dirname(fileURLToPath(import.meta.url));
	for (let i = 0; i < 5; i++) {
		const candidate = join(directory, 'bpf', '.output', 'httptop.bpf.o');
		if (existsSync(candidate)) {
			return candidate;
		}

		directory = resolve(directory, '..');
	}

	throw new CaptureError('the BPF object bpf/.output/httptop.bpf.o is not built: run `make` in the httptop checkout');
}

function loadAddon(): typeof Addon {
	const require = createRequire(import.meta.url);
	try {
		return require('bpf-loader-native') as typeof Addon;
	} catch (error) {
		throw new CaptureError((error as Error).message);
	}
}

const u32 = (value: number): Buffer => {
	const buffer = Buffer.alloc(4);
	buffer.writeUInt32LE(value);
	return buffer;
};

const u16 = (value: number): Buffer => {
	const buffer = Buffer.alloc(2);
	buffer.writeUInt16LE(value);
	return buffer;
};

const bool = (value: boolean): Buffer => Buffer.from([value ? 1 : 0]);

function commKey(comm: string): Buffer {
	const key = Buffer.alloc(commBytes);
	// the kernel keeps 15 bytes and a NUL
	key.write(comm.slice(0, commBytes - 1), 'latin1');
	return key;
}

const counterNames: ReadonlyArray<keyof KernelCounters> = [
	'records',
	'ringbufDrops',
	'truncated',
	'readFaults',
	'conns',
	'skippedChunks',
	'notHttpConns',
	'argsFull',
	'filteredConns',
	'tlsConns',
	'tlsUnbound',
	'tlsNotHttp',
];

/**
 * Where the decoded events go, one at a time, with no array per batch: begin and end
 * bracket each drained batch. An event object is valid only during its call (the
 * decoder reuses it); its data bytes stay valid after it.
 */
export type EventSink = {
	begin(): void;
	event(event: CaptureEvent): void;
	end(): void;
};

/** Starts tracing; `onEvents` gets each drained batch decoded (an array, or event by event to a sink), on the JS thread. */
export function startTracer(
	options: TracerOptions,
	onEvents: ((events: CaptureEvent[]) => void) | EventSink,
	variant?: ObjectVariant,
): Tracer {
	preflight();
	const objectPath = variant?.objectPath ?? bpfObjectPath();
	const addon = loadAddon();
	const {BpfProgram} = addon;
	const tls = options.tls ?? true;
	const ringBytes = options.ringBytes ?? 32 << 20;
	const pids = options.pids ?? [];
	const comms = options.comms ?? [];
	const ports = options.ports ?? [];

	const load = (taskStorage: boolean): BpfProgramType => new BpfProgram({
		objectPath,
		rodata: {
			...variant?.globals,
			config: encodeConfig({
				wakeupBytes: ringBytes / 4,
				selfTgid: options.selfPid ?? process.pid,
				taskStorage,
				tlsOn: tls,
				filterTgidsOn: pids.length > 0,
				filterCommsOn: comms.length > 0,
				filterPortsOn: ports.length > 0,
			}),
		},
		mapSizes: {records: ringBytes},
		skipMaps: taskStorage ? [] : ['inflight_task'],
	});
	let program: BpfProgramType;
	let taskStorage = options.taskStorage ?? true;
	try {
		try {
			program = load(taskStorage);
		} catch (error) {
			// Kernels before 5.12 have no task storage for tracepoint programs: the hash map then.
			if (!taskStorage) {
				throw error;
			}

			taskStorage = false;
			program = load(false);
		}
	} catch (error) {
		throw new CaptureError(explainLoadFailure((error as Error).message));
	}

	let tracepoints: string[];
	try {
		for (const pid of pids) {
			program.updateMap('filter_tgids', u32(pid), bool(true));
		}

		for (const comm of comms) {
			program.updateMap('filter_comms', commKey(comm), bool(true));
		}

		for (const port of ports) {
			program.updateMap('filter_ports', u16(port), bool(true));
		}

		tracepoints = program.attach();
		// The programs do nothing until all of them are attached: a syscall seen in part misleads.
		program.updateMap('gate', u32(0), u32(1));
	} catch (error) {
		program.close();
		ensureTracefs();
		throw new CaptureError((error as Error).message);
	}

	let prober: TlsProber | null = null;
	const decoder = createDecoder({onExec: (pid, file) => prober?.processStarted(pid, file)});
	const sink = typeof onEvents === 'function' ? null : onEvents;
	const visit = (event: CaptureEvent): void => sink!.event(event);
	let events = 0;
	let lastCounters = Object.fromEntries(counterNames.map(name => [name, 0])) as KernelCounters;
	let stopped = false;
	program.start('records', {intervalMs: options.drainIntervalMs ?? 10}, (error, batch) => {
		if (error || stopped || variant?.decode === false) {
			return;
		}

		if (sink === null) {
			const decoded = decoder.decode(batch);
			events += decoded.length;
			(onEvents as (events: CaptureEvent[]) => void)(decoded);
			return;
		}

		sink.begin();
		events += decoder.decodeEach(batch, visit);
		sink.end();
	});

	const stop = (): void => {
		if (stopped) {
			return;
		}

		stopped = true;
		process.off('exit', stop);
		prober?.stop();
		program.close();
	};

	if (tls) {
		try {
			prober = createTlsProber({
				host: {
					findFunctions: addon.findFunctions,
					findReturns: addon.findReturns,
					attachUprobes: async sites => program.attachUprobes(sites),
					detachUprobe: id => program.detachUprobe(id),
				},
			});
		} catch (error) {
			stop();
			throw new CaptureError(`failed to set up the TLS probes: ${(error as Error).message} (--no-tls runs without them)`);
		}
	}

	// The kernel detaches when the process dies; closing on exit also joins the drain thread.
	process.on('exit', stop);

	return {
		tracepoints,
		taskStorage,
		counters() {
			if (!stopped) {
				const sums = program.sumPerCpuArray('counters');
				lastCounters = Object.fromEntries(counterNames.map((name, i) => [name, sums[i] ?? 0])) as KernelCounters;
			}

			return lastCounters;
		},
		drainStats: () =>
			stopped ? {batches: 0, records: 0, bytes: 0, droppedBatches: 0, droppedRecords: 0} : program.stats(),
		events: () => events,
		tls: () => prober?.status() ?? null,
		tlsSettled: async () => prober?.settled(),
		stop,
	};
}

function explainLoadFailure(message: string): string {
	if (/Operation not permitted|EPERM/.test(message)) {
		return `${message}: httptop needs root or CAP_BPF+CAP_PERFMON (and a kernel that allows BPF: check kernel.unprivileged_bpf_disabled and lockdown)`;
	}

	return message;
}
