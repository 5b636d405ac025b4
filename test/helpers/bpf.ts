// BPF end-to-end tests need root (or CAP_BPF+CAP_PERFMON). They skip without it,
// unless HTTPTOP_REQUIRE_BPF is set (CI sets it): then a missing privilege fails.
import {readFileSync} from 'node:fs';
import test from 'ava';

function canTrace(): boolean {
	const match = /^CapEff:\s*([\da-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
	const caps = match ? BigInt(`0x${match[1]}`) : 0n;
	const has = (cap: bigint): boolean => ((caps >> cap) & 1n) === 1n;
	return (has(39n) || has(21n)) && (has(38n) || has(21n));
}

export const bpfAvailable = canTrace();
export const bpfRequired = Boolean(process.env['HTTPTOP_REQUIRE_BPF']);

/** `test` when tracing is possible or required, else `test.skip`. */
export const bpfTest = bpfAvailable || bpfRequired ? test : test.skip;
/** The same, serial: for tests that measure what the whole host does. */
export const bpfSerialTest = bpfAvailable || bpfRequired ? test.serial : test.skip;
