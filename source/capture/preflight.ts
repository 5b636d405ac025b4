// Checks what tracing needs before anything is loaded, so that each missing
// piece gets one clear line instead of a libbpf errno.

import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {release} from 'node:os';
import {CaptureError} from './capture-error.js';

const capPerfmon = 38n;
const capBpf = 39n;
const capSysAdmin = 21n;

const tracefsMounts = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

export const privilegeHint =
	'run it as root (sudo httptop), in the profiler container (make podman-up; podman exec -it profiler httptop), or read a capture with --replay FILE';

/** Effective capabilities of this process, from /proc/self/status. */
function effectiveCapabilities(): bigint {
	const status = readFileSync('/proc/self/status', 'utf8');
	const match = /^CapEff:\s*([\da-f]+)$/m.exec(status);
	return match ? BigInt(`0x${match[1]}`) : 0n;
}

const has = (caps: bigint, cap: bigint): boolean => ((caps >> cap) & 1n) === 1n;

export function checkPrivileges(): void {
	const caps = effectiveCapabilities();
	const canBpf = has(caps, capBpf) || has(caps, capSysAdmin);
	const canPerf = has(caps, capPerfmon) || has(caps, capSysAdmin);
	if (!canBpf || !canPerf) {
		throw new CaptureError(`httptop needs root or CAP_BPF+CAP_PERFMON: ${privilegeHint}`);
	}
}

export function checkKernel(): void {
	if (process.platform !== 'linux') {
		throw new CaptureError(
			`httptop traces a Linux kernel; this is ${process.platform}: run it in a Linux VM or container (podman machine), or read a capture with --replay FILE`,
		);
	}

	const [major = 0, minor = 0] = release().split('.').map(Number);
	if (major < 5 || (major === 5 && minor < 8)) {
		throw new CaptureError(`httptop needs Linux 5.8 or later for the BPF ring buffer; this kernel is ${release()}`);
	}

	if (!existsSync('/sys/kernel/btf/vmlinux')) {
		throw new CaptureError(
			'httptop needs a kernel with BTF (/sys/kernel/btf/vmlinux is missing): use a kernel built with CONFIG_DEBUG_INFO_BTF=y',
		);
	}
}

/** Finds the syscall tracepoints, mounting tracefs when it is not mounted and we may. */
export function ensureTracefs(): string {
	for (const root of tracefsMounts) {
		if (existsSync(`${root}/events/syscalls`)) {
			return root;
		}
	}

	const [target] = tracefsMounts;
	let reason = '';
	try {
		execFileSync('mount', ['-t', 'tracefs', 'tracefs', target!], {stdio: ['ignore', 'ignore', 'pipe']});
	} catch (error) {
		const stderr = (error as {stderr?: Buffer}).stderr?.toString().trim();
		reason = stderr ?? (error as Error).message;
	}

	if (existsSync(`${target}/events/syscalls`)) {
		return target!;
	}

	if (existsSync(`${target}/events`)) {
		throw new CaptureError(
			'the kernel has no syscall tracepoints (events/syscalls is missing in tracefs): it needs CONFIG_FTRACE_SYSCALLS=y',
		);
	}

	throw new CaptureError(
		`tracefs is not mounted and could not be mounted${reason ? ` (${reason.split('\n')[0]})` : ''}: run \`mount -t tracefs tracefs /sys/kernel/tracing\` as root, or start the container with --privileged`,
	);
}

/** Everything tracing needs, in the order a user would fix it. */
export function preflight(): void {
	checkKernel();
	checkPrivileges();
	ensureTracefs();
}
