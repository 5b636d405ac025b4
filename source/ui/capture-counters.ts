// The source's health as the aggregator's capture counters, fed once per tick.

import type {CaptureCounters} from '../aggregate/types.js';
import type {SourceHealth} from '../pipeline/exchange-source.js';
import type {ReportHttp2, ReportTls} from '../report/model.js';

/**
 * Dropped: records the ring buffer had no room for, syscalls missed because
 * the in-flight argument map was full, batches JS could not take, and TLS
 * reads and writes whose plaintext could not be tied to a connection.
 * Truncated: messages whose headers were not captured whole, and user memory
 * the kernel could not read (a body copy cut short by design is not counted).
 */
export function captureCountersOf(health: SourceHealth): CaptureCounters {
	const kernel = health.kernel;
	return {
		events: health.events,
		dropped: (kernel ? kernel.ringbufDrops + kernel.argsFull + kernel.tlsUnbound : 0) + health.userspaceDrops,
		truncated: health.http.truncated + (kernel ? kernel.readFaults : 0),
		parseErrors: health.http.parseErrors,
		unpaired: health.http.unpaired,
	};
}

/** The TLS probes' coverage for a report; null without a live capture or with --no-tls. */
export function tlsOf(health: SourceHealth): ReportTls | null {
	if (!health.tls) {
		return null;
	}

	const {hooked, failed, skipped} = health.tls;
	return {...hooked, failed, skipped, lost: health.kernel?.tlsUnbound ?? 0};
}

/** The HTTP/2 path's counters for a report; null without a live capture. */
export function http2Of(health: SourceHealth): ReportHttp2 | null {
	if (!health.http2) {
		return null;
	}

	const {streams, resets, joinedLate, headerBlocksLost} = health.http2;
	return {streams, resets, joinedLate, headerBlocksLost};
}
