// Finds the TLS libraries that processes run and hooks their plaintext read and
// write functions with uprobes: OpenSSL (libssl, or linked into an executable
// such as node), GnuTLS and Go's crypto/tls. Each ELF file is hooked once, by
// (device, inode), for every process that maps it. What it hooked, what failed
// and what it skipped are counted for the header and the report.

import {readdirSync, readFileSync, readlinkSync, statSync} from 'node:fs';
import type {ElfSites} from 'bpf-loader-native';

export type TlsLibraryKind = 'openssl' | 'gnutls' | 'go';

export const tlsLibraryKinds: readonly TlsLibraryKind[] = ['openssl', 'gnutls', 'go'];

/** What the TLS probes cover, for the header and the report's capture section. */
export type TlsProbeStatus = {
	/** ELF files hooked, by the kind of TLS library in them. */
	readonly hooked: Readonly<Record<TlsLibraryKind, number>>;
	/** Each file hooked, as a process named it: raw file names, sanitise before display. */
	readonly files: ReadonlyArray<{readonly kind: TlsLibraryKind; readonly path: string}>;
	/** Files whose hooks could not be attached. */
	readonly failed: number;
	/** Files that use TLS but cannot be hooked (a Go binary without symbols). */
	readonly skipped: number;
	/** The latest failure or skip, in one line: raw file names, sanitise before display. */
	readonly lastProblem: string | null;
};

/** One uprobe: a BPF program of bpf/httptop.bpf.c at a file offset. */
export type ProbeSite = {readonly program: string; readonly offset: number};

export type ProbePlan =
	| {readonly kind: TlsLibraryKind; readonly sites: readonly ProbeSite[]}
	| {readonly skip: string}
	| null; // no TLS library here

/** The functions looked up in every ELF file. */
export const tlsFunctionNames = [
	'SSL_read',
	'SSL_write',
	'SSL_read_ex',
	'SSL_write_ex',
	'gnutls_record_recv',
	'gnutls_record_send',
	'crypto/tls.(*Conn).Read',
	'crypto/tls.(*Conn).Write',
];

/** Offsets of a function's return instructions, from its start. */
export type ReturnFinder = (offset: number, size: number) => number[];

/**
 * Where to hook an ELF file, from the functions it defines. Pure: the caller
 * reads the file. C libraries get an entry probe and a return probe per
 * function; Go gets an entry probe and a probe on every RET (never a
 * uretprobe, which breaks Go's moving stacks).
 */
export function planProbes(elf: ElfSites, findReturns: ReturnFinder): ProbePlan {
	const {functions} = elf;
	const at = (name: string): number | undefined => functions[name]?.offset;
	const read = at('SSL_read');
	const write = at('SSL_write');
	if (read !== undefined && write !== undefined) {
		const sites: ProbeSite[] = [
			{program: 'ssl_read_enter', offset: read},
			{program: 'ssl_return', offset: read},
			{program: 'ssl_write_enter', offset: write},
			{program: 'ssl_return', offset: write},
		];
		const readEx = at('SSL_read_ex');
		const writeEx = at('SSL_write_ex');
		// OpenSSL 1.1.1+: Python 3.10+ calls only these.
		if (readEx !== undefined) sites.push({program: 'ssl_read_ex_enter', offset: readEx}, {program: 'ssl_ex_return', offset: readEx});
		if (writeEx !== undefined) sites.push({program: 'ssl_write_ex_enter', offset: writeEx}, {program: 'ssl_ex_return', offset: writeEx});
		return {kind: 'openssl', sites};
	}

	const recv = at('gnutls_record_recv');
	const send = at('gnutls_record_send');
	if (recv !== undefined && send !== undefined) {
		return {
			kind: 'gnutls',
			sites: [
				{program: 'ssl_read_enter', offset: recv},
				{program: 'gnutls_return', offset: recv},
				{program: 'ssl_write_enter', offset: send},
				{program: 'gnutls_return', offset: send},
			],
		};
	}

	const goRead = functions['crypto/tls.(*Conn).Read'];
	const goWrite = functions['crypto/tls.(*Conn).Write'];
	if (goRead && goWrite) {
		const sites: ProbeSite[] = [];
		for (const [site, enter] of [[goRead, 'go_tls_read_enter'], [goWrite, 'go_tls_write_enter']] as const) {
			const returns = findReturns(site.offset, site.size);
			if (returns.length === 0) return {skip: 'no return instruction found in crypto/tls.(*Conn).Read or Write'};
			sites.push({program: enter, offset: site.offset});
			for (const ret of returns) sites.push({program: 'go_tls_return', offset: site.offset + ret});
		}

		return {kind: 'go', sites};
	}

	if (elf.isGo && !elf.hasSymtab) return {skip: 'a Go binary without symbols (stripped): its crypto/tls cannot be found'};
	return null;
}

/** What the prober needs of the addon: ELF look-ups and uprobe attachment. */
export type ProbeHost = {
	findFunctions(path: string, names: string[]): ElfSites;
	findReturns(path: string, machine: string, offset: number, size: number): number[];
	/** Attaches off the JS thread; all or none. */
	attachUprobes(sites: ReadonlyArray<{program: string; path: string; offset: number}>): Promise<number[]>;
	detachUprobe(id: number): void;
};

export type TlsProber = {
	status(): TlsProbeStatus;
	/**
	 * A process called exec (`file`: as exec was given it): look at what it runs now, and again once
	 * its libraries are loaded. When it is gone already, its file (an absolute path) is looked at.
	 */
	processStarted(pid: number, file?: string): void;
	/** Resolves once every hook found so far is attached (or has failed). */
	settled(): Promise<void>;
	/** Detaches nothing (closing the BPF program does) but stops every timer; safe to call twice. */
	stop(): void;
};

type HookedObject = {
	readonly kind: TlsLibraryKind;
	readonly links: number[];
	readonly path: string; // where it was found: it stays hooked, for processes yet to start, while the file is there
	readonly shownAs: string;
};

/** A library file whose name says TLS: libssl.so.3, libgnutls.so.30. */
const tlsLibraryName = /(?:^|\/)lib(?:ssl|gnutls)\.so(?:\.[\d.]+)?$/;

const libraryDirectories = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/usr/local/lib'];

/** Rescanning every process this often finds libraries loaded late (dlopen). */
const rescanIntervalMs = 5000;
/** At most this many processes per scan. */
const maxProcesses = 8192;

export type TlsProberOptions = {
	readonly host: ProbeHost;
	/** The processes' /proc; tests may point elsewhere. */
	readonly proc?: string;
	/** Look in the library directories for TLS libraries no process has loaded yet. Default true. */
	readonly systemLibraries?: boolean;
};

export function createTlsProber(options: TlsProberOptions): TlsProber {
	const {host} = options;
	const proc = options.proc ?? '/proc';
	const objects = new Map<string, HookedObject | 'none' | 'failed' | 'skipped' | 'attaching'>();
	const attaching = new Set<Promise<void>>();
	let failed = 0;
	let skipped = 0;
	let lastProblem: string | null = null;
	const timers = new Set<NodeJS.Timeout>();
	let stopped = false;

	const fileKey = (path: string): string | null => {
		try {
			const stats = statSync(path);
			return stats.isFile() ? `${stats.dev}:${stats.ino}` : null;
		} catch {
			return null; // gone, or not ours to read
		}
	};

	// Hooks one file (once per inode); returns its key, or null when it cannot be read.
	const inspect = (path: string, shownAs: string): void => {
		const key = fileKey(path);
		if (key === null || objects.has(key)) return;

		let elf: ElfSites;
		try {
			elf = host.findFunctions(path, tlsFunctionNames);
		} catch {
			objects.set(key, 'none'); // not ELF: a script's interpreter is inspected on its own
			return;
		}

		let plan: ProbePlan;
		try {
			plan = planProbes(elf, (offset, size) => host.findReturns(path, elf.machine, offset, size));
		} catch (error) {
			plan = {skip: (error as Error).message};
		}

		if (plan === null) {
			objects.set(key, 'none');
			return;
		}

		if ('skip' in plan) {
			objects.set(key, 'skipped');
			skipped++;
			lastProblem = `${shownAs}: ${plan.skip}`;
			return;
		}

		const {kind} = plan;
		objects.set(key, 'attaching');
		const attached = host.attachUprobes(plan.sites.map(site => ({...site, path}))).then(
			links => {
				objects.set(key, {kind, links, path, shownAs});
			},
			(error: unknown) => {
				if (stopped) return;
				// The file went away while it was being hooked: nothing failed, the next one to run it is hooked.
				if (fileKey(path) === null) {
					objects.delete(key);
					return;
				}

				objects.set(key, 'failed');
				failed++;
				lastProblem = `${shownAs}: ${(error as Error).message}`;
			},
		);
		attaching.add(attached);
		void attached.finally(() => attaching.delete(attached));
	};

	const mappedLibraries = (pid: number): string[] => {
		let maps: string;
		try {
			maps = readFileSync(`${proc}/${pid}/maps`, 'latin1');
		} catch {
			return [];
		}

		const paths = new Set<string>();
		for (const line of maps.split('\n')) {
			const at = line.indexOf('/');
			if (at < 0) continue;
			const path = line.slice(at);
			if (tlsLibraryName.test(path)) paths.add(path);
		}

		return [...paths];
	};

	const rootKey = (path: string): string | null => {
		try {
			const stats = statSync(path);
			return `${stats.dev}:${stats.ino}`;
		} catch {
			return null;
		}
	};
	const ourRoot = rootKey('/');

	// A process's executable and (unless `libraries` is false) its TLS libraries, read through its own root when
	// it has another (a container). Returns whether the process was there, and whether its root is ours.
	const inspectProcess = (pid: number, libraries = true): {found: boolean; ourRoot: boolean} => {
		let exe: string | null = null;
		try {
			exe = readlinkSync(`${proc}/${pid}/exe`);
		} catch {
			// a kernel thread, or gone
		}

		const root = rootKey(`${proc}/${pid}/root`);
		if (root === null) return {found: false, ourRoot: true};
		// Paths that outlive the process where they can: a short-lived client may exit while its file is hooked.
		const within = root === ourRoot ? '' : `${proc}/${pid}/root`;
		if (exe !== null && !exe.endsWith(' (deleted)')) inspect(`${within}${exe}`, exe);
		if (libraries) for (const library of mappedLibraries(pid)) inspect(`${within}${library}`, library);
		return {found: exe !== null, ourRoot: within === ''};
	};

	const processIds = (): number[] => {
		try {
			return readdirSync(proc)
				.filter(name => /^\d+$/.test(name))
				.slice(0, maxProcesses)
				.map(Number);
		} catch {
			return [];
		}
	};

	// Files removed or replaced since they were hooked are unhooked; then every process is looked at.
	const scanAll = (): void => {
		for (const [key, object] of objects) {
			if (typeof object === 'object' && fileKey(object.path) !== key) {
				for (const id of object.links) host.detachUprobe(id);
				objects.delete(key);
			}
		}

		for (const pid of processIds()) inspectProcess(pid);
	};

	// Under our root and, in a container that sees the host's processes, under the host's (init's) root too.
	const scanLibraryDirectories = (within: string): void => {
		const top = libraryDirectories.map(directory => `${within}${directory}`);
		const directories = [...top];
		for (const directory of top) {
			try {
				for (const entry of readdirSync(directory, {withFileTypes: true})) {
					if (entry.isDirectory() && entry.name.endsWith('-linux-gnu')) directories.push(`${directory}/${entry.name}`);
				}
			} catch {
				// no such directory
			}
		}

		for (const directory of directories) {
			let names: string[];
			try {
				names = readdirSync(directory);
			} catch {
				continue;
			}

			for (const name of names) {
				if (tlsLibraryName.test(name)) inspect(`${directory}/${name}`, `${directory.slice(within.length)}/${name}`);
			}
		}
	};

	const later = (ms: number, run: () => void): void => {
		if (stopped) return;
		const timer = setTimeout(() => {
			timers.delete(timer);
			if (!stopped) run();
		}, ms);
		timer.unref();
		timers.add(timer);
	};

	if (options.systemLibraries !== false) {
		scanLibraryDirectories('');
		const hostRoot = rootKey(`${proc}/1/root`);
		if (hostRoot !== null && hostRoot !== ourRoot) scanLibraryDirectories(`${proc}/1/root`);
	}
	scanAll();
	const rescan = setInterval(scanAll, rescanIntervalMs);
	rescan.unref();

	return {
		status() {
			const hooked = {openssl: 0, gnutls: 0, go: 0};
			const files: Array<{kind: TlsLibraryKind; path: string}> = [];
			for (const object of objects.values()) {
				if (typeof object !== 'object') continue;
				hooked[object.kind]++;
				files.push({kind: object.kind, path: object.shownAs});
			}

			return {hooked, files, failed, skipped, lastProblem};
		},
		async settled() {
			while (attaching.size > 0) await Promise.all(attaching);
		},
		processStarted(pid, file) {
			if (stopped) return;
			// Only the executable, at once: exec storms (a build) stay cheap. The library directories were hooked
			// at start; a container's own libraries are looked for once the loader has mapped them; anything
			// else (dlopen, a library elsewhere) waits for the rescan.
			const {found, ourRoot: ours} = inspectProcess(pid, false);
			if (!found && file?.startsWith('/')) inspect(file, file);
			if (found && !ours) later(250, () => inspectProcess(pid));
		},
		stop() {
			stopped = true;
			clearInterval(rescan);
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
		},
	};
}
