// Names the container a process runs in. The kernel knows a process only by
// its cgroup; container engines put their container's id in that path
// (libpod-<id>.scope, docker-<id>.scope, /docker/<id>, cri-containerd-<id>...)
// and keep id -> name in their own storage. Inside the profiler container this
// works because of --pid=host (host /proc), --cgroupns=host (host cgroup paths)
// and the host's container records bind-mounted read-only.

import {readdirSync, readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';

export type ContainerEngine = 'podman' | 'docker' | 'containerd' | 'cri-o' | 'unknown';

export type ContainerRef = {
	readonly engine: ContainerEngine;
	readonly id: string; // 64 hex digits
};

export type ContainerResolverOptions = {
	readonly procRoot?: string; // default /proc
	/** containers/storage roots (podman, buildah, CRI-O): <root>/<driver>-containers/containers.json */
	readonly storageRoots?: readonly string[];
	/** docker data roots: <root>/containers/<id>/config.v2.json */
	readonly dockerRoots?: readonly string[];
	readonly ttlMs?: number; // how long a pid's answer is reused; default 2000
};

export type ContainerResolver = (pid: number) => string | null;

const id64 = '([0-9a-f]{64})';

const end = '(?=/|$)';

// Most specific first; each is searched in one cgroup path.
const cgroupPatterns: ReadonlyArray<{engine: ContainerEngine; pattern: RegExp}> = [
	{engine: 'podman', pattern: new RegExp(`libpod-(?:conmon-)?${id64}(?:\\.scope)?${end}`, 'g')},
	{engine: 'docker', pattern: new RegExp(`docker-${id64}\\.scope${end}`, 'g')},
	{engine: 'docker', pattern: new RegExp(`/docker/${id64}${end}`, 'g')},
	{engine: 'containerd', pattern: new RegExp(`cri-containerd-${id64}\\.scope${end}`, 'g')},
	{engine: 'cri-o', pattern: new RegExp(`crio-(?:conmon-)?${id64}\\.scope${end}`, 'g')},
	// Any other engine that names a cgroup after a 64-hex id (kubepods/pod<uid>/<id>, nerdctl...).
	{engine: 'unknown', pattern: new RegExp(`/(?:[a-z-]+-)?${id64}(?:\\.scope)?${end}`, 'g')},
];

/** The innermost container in one cgroup path (nested engines), or null for a host path. */
function containerInPath(path: string): ContainerRef | null {
	let best: {ref: ContainerRef; at: number} | null = null;
	for (const {engine, pattern} of cgroupPatterns) {
		for (const match of path.matchAll(pattern)) {
			const id = match[1] as string;
			const at = path.indexOf(id, match.index);
			// deeper wins; at the same place the more specific engine (listed first) stays
			if (best === null || at > best.at) {
				best = {ref: {engine, id}, at};
			}
		}
	}
	return best?.ref ?? null;
}

/**
 * The container named by the text of a /proc/<pid>/cgroup file, or null when
 * the process is on the host. The unified (v2) line is preferred; on v1 or
 * hybrid hosts any controller's path will do.
 */
export function containerFromCgroup(text: string): ContainerRef | null {
	const paths: string[] = [];
	for (const line of text.split('\n')) {
		const second = line.indexOf(':', line.indexOf(':') + 1);
		if (second < 0) {
			continue;
		}
		const path = line.slice(second + 1);
		if (line.startsWith('0::')) {
			paths.unshift(path);
		} else {
			paths.push(path);
		}
	}
	for (const path of paths) {
		const found = containerInPath(path);
		if (found) {
			return found;
		}
	}
	return null;
}

// Engines only allow these; anything else read from disk is not shown.
const validName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

function readJson(path: string): unknown {
	try {
		return JSON.parse(readFileSync(path, 'utf8')) as unknown;
	} catch {
		return undefined;
	}
}

function listDir(path: string): string[] {
	try {
		return readdirSync(path);
	} catch {
		return [];
	}
}

/** id -> first name, from every containers.json under the given storage roots. */
function readStorageNames(roots: readonly string[]): Map<string, string> {
	const names = new Map<string, string>();
	for (const root of roots) {
		for (const entry of listDir(root)) {
			if (!entry.endsWith('-containers')) {
				continue;
			}
			const records = readJson(join(root, entry, 'containers.json'));
			if (!Array.isArray(records)) {
				continue;
			}
			for (const record of records as Array<{id?: unknown; names?: unknown}>) {
				const name = Array.isArray(record?.names) ? (record.names[0] as unknown) : undefined;
				if (typeof record?.id === 'string' && typeof name === 'string' && validName.test(name)) {
					names.set(record.id, name);
				}
			}
		}
	}
	return names;
}

function readDockerName(roots: readonly string[], id: string): string | undefined {
	for (const root of roots) {
		const config = readJson(join(root, 'containers', id, 'config.v2.json')) as {Name?: unknown} | undefined;
		const name = typeof config?.Name === 'string' ? config.Name.replace(/^\//, '') : undefined;
		if (name !== undefined && validName.test(name)) {
			return name;
		}
	}
	return undefined;
}

/** The graphroot set in /etc/containers/storage.conf, if any. */
function configuredGraphRoot(): string[] {
	try {
		const match = /^\s*graphroot\s*=\s*"([^"]+)"/m.exec(readFileSync('/etc/containers/storage.conf', 'utf8'));
		return match?.[1] ? [match[1]] : [];
	} catch {
		return [];
	}
}

/** Rootful storage, the configured one, and every rootless user's that this process can read. */
function defaultStorageRoots(): string[] {
	const rootless = listDir('/home').map(user => join('/home', user, '.local/share/containers/storage'));
	const own = join(process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local/share'), 'containers/storage');
	return [...new Set(['/var/lib/containers/storage', ...configuredGraphRoot(), own, ...rootless])];
}

function defaultDockerRoots(): string[] {
	return [...new Set(['/var/lib/docker', join(homedir(), '.local/share/docker')])];
}

/** Storage is reread at most this often when an unknown container id shows up. */
const storageRereadMs = 1000;
/** Past this many cached pids, expired answers are swept. */
const sweepAbove = 4096;

/**
 * A function from pid to the name of its container (or its 12-digit short id
 * when no engine's records name it), null for a host process or one that is
 * gone. Answers are cached per pid for ttlMs; container names are read from
 * disk again only when an id is not known yet.
 */
export function createContainerResolver(options: ContainerResolverOptions = {}): ContainerResolver {
	const procRoot = options.procRoot ?? '/proc';
	const storageRoots = options.storageRoots ?? defaultStorageRoots();
	const dockerRoots = options.dockerRoots ?? defaultDockerRoots();
	const ttlMs = options.ttlMs ?? 2000;

	const byPid = new Map<number, {name: string | null; expires: number}>();
	const byId = new Map<string, string>();
	let storageNames = new Map<string, string>();
	let storageReadAt = -Infinity;

	const nameOf = (container: ContainerRef, now: number): string => {
		const known = byId.get(container.id);
		if (known !== undefined) {
			return known;
		}
		if (!storageNames.has(container.id) && now - storageReadAt >= storageRereadMs) {
			storageNames = readStorageNames(storageRoots);
			storageReadAt = now;
		}
		const named = storageNames.get(container.id) ?? readDockerName(dockerRoots, container.id);
		if (named === undefined) {
			// Not cached: the engine may write its record a moment after the process starts.
			return container.id.slice(0, 12);
		}
		byId.set(container.id, named);
		return named;
	};

	const sweep = (now: number): void => {
		for (const [pid, entry] of byPid) {
			if (entry.expires <= now) {
				byPid.delete(pid);
			}
		}
	};

	return (pid: number): string | null => {
		const now = performance.now();
		const cached = byPid.get(pid);
		if (cached && cached.expires > now) {
			return cached.name;
		}
		let name: string | null = null;
		try {
			const container = containerFromCgroup(readFileSync(join(procRoot, String(pid), 'cgroup'), 'utf8'));
			name = container ? nameOf(container, now) : null;
		} catch {
			// the process has exited, or /proc is not readable: nothing to name
		}
		if (byPid.size >= sweepAbove) {
			sweep(now);
		}
		byPid.set(pid, {name, expires: now + ttlMs});
		return name;
	};
}
