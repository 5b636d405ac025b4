// The source's health as the aggregator's capture counters, fed once per tick.

import type {CaptureCounters} from '../aggregate/types.js';
import type {SourceHealth} from '../pipeline/exchange-source.js';

/**
 * Dropped: records the ring buffer had no room for, syscalls missed because
 * the in-flight argument map was full, and batches JS could not take.
 * Truncated: messages whose headers were not captured whole, and user memory
 * the kernel could not read (a body copy cut short by design is not counted).
 */
export function captureCountersOf(health: SourceHealth): CaptureCounters {
	const kernel = health.kernel;
	return {
		events: health.events,
		dropped: (kernel ? kernel.ringbufDrops + kernel.argsFull : 0) + health.userspaceDrops,
		truncated: health.http.truncated + (kernel ? kernel.readFaults : 0),
		parseErrors: health.http.parseErrors,
		unpaired: health.http.unpaired,
	};
}
