// Where exchanges come from: live capture, a replayed NDJSON file, or the demo.
// The live view and the snapshot report consume this and nothing below it.

import type {Http2Counters} from '../http/assembler.js';
import type {Exchange, HttpCounters} from '../http/exchange.js';
import type {KernelCounters} from '../capture/events.js';
import type {TlsProbeStatus} from '../capture/tls-probes.js';

export type SourceHealth = {
	readonly events: number; // capture records decoded (0 for a replay)
	readonly kernel: KernelCounters | null; // null when not tracing
	readonly userspaceDrops: number; // batches the addon could not hand to JS
	readonly http: HttpCounters;
	readonly http2: Http2Counters | null; // HTTP/2 streams seen and given up; null when not tracing
	readonly tls: TlsProbeStatus | null; // null when not tracing, or with --no-tls
};

export type SourceState = 'tracing' | 'replaying' | 'replay-done' | 'stopped';

export type ExchangeSource = {
	readonly description: string; // e.g. "tracing 26 tracepoints · TLS: OpenSSL 2, GnuTLS 1, Go 0"
	/** Starts delivering; the sink gets exchanges in batches, never one call per event. */
	start(sink: (batch: readonly Exchange[]) => void): Promise<void>;
	state(): SourceState;
	health(): SourceHealth;
	/** Resolves when the source has nothing more to give (end of a replay); never for live capture. */
	readonly finished: Promise<void>;
	/** Detaches everything; safe to call twice. */
	stop(): Promise<void>;
};
