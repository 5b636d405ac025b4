// Container names from real processes: this host's own processes, and a real
// podman container started here (skipped when podman cannot run containers,
// unless HTTPTOP_REQUIRE_PODMAN is set: then that is a failure).
import {execFileSync, spawnSync} from 'node:child_process';
import {cpSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {containerFromCgroup, createContainerResolver} from '../source/capture/containers.js';
import {startChild} from './helpers/processes.js';

const id = (c: string): string => c.repeat(64);

test('a cgroup path names the container of each engine, the innermost when nested', t => {
	const cases: Array<[string, ReturnType<typeof containerFromCgroup>]> = [
		// podman, cgroupfs manager on a v1/hybrid host (this machine's layout)
		[`4:memory:/libpod_parent/libpod-${id('a')}\n0::/libpod_parent/libpod-${id('a')}\n`, {engine: 'podman', id: id('a')}],
		// podman, systemd manager, rootless, and its conmon
		[`0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${id('b')}.scope/container\n`, {engine: 'podman', id: id('b')}],
		[`0::/machine.slice/libpod-conmon-${id('c')}.scope\n`, {engine: 'podman', id: id('c')}],
		// docker with systemd and with cgroupfs
		[`0::/system.slice/docker-${id('d')}.scope\n`, {engine: 'docker', id: id('d')}],
		[`12:pids:/docker/${id('e')}\n0::/\n`, {engine: 'docker', id: id('e')}],
		// kubernetes: containerd and CRI-O under systemd, anything under cgroupfs
		[`0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c_3d.slice/cri-containerd-${id('f')}.scope\n`, {engine: 'containerd', id: id('f')}],
		[`0::/kubepods.slice/kubepods-pod9.slice/crio-${id('1')}.scope\n`, {engine: 'cri-o', id: id('1')}],
		[`0::/kubepods/besteffort/pod0f1e2d3c-aaaa-bbbb-cccc-ddddeeeeffff/${id('2')}\n`, {engine: 'unknown', id: id('2')}],
		// podman inside docker, and docker inside podman
		[`0::/docker/${id('3')}/libpod_parent/libpod-${id('4')}\n`, {engine: 'podman', id: id('4')}],
		[`0::/libpod_parent/libpod-${id('5')}/docker/${id('6')}\n`, {engine: 'docker', id: id('6')}],
		// host processes: sessions, services, ids that are not 64 hex digits
		['0::/user.slice/user-0.slice/session-3.scope\n', null],
		['4:memory:/process_api/400855f93ab65a9442c9a1f6c7513f45\n0::/\n', null],
		[`0::/system.slice/docker-${id('7').slice(1)}.scope\n`, null],
		['', null],
	];
	for (const [text, expected] of cases) {
		t.deepEqual(containerFromCgroup(text), expected, text);
	}
});

test('this test process, a child it starts and a pid that does not exist are not in a container', async t => {
	t.is(containerFromCgroup(readFileSync('/proc/self/cgroup', 'utf8')), null, 'the test machine itself must be a host');
	const resolve = createContainerResolver();
	const child = startChild('sleep', ['30']);
	t.teardown(() => child.kill());
	t.is(resolve(process.pid), null);
	t.is(resolve(child.pid), null);
	t.is(resolve(2 ** 22 + 1), null); // above any pid_max
});

// ---- a real podman container -------------------------------------------------

const podmanRequired = Boolean(process.env['HTTPTOP_REQUIRE_PODMAN']);
const image = 'localhost/httptop-test-sleep:latest';

/** Why podman cannot run a container here, or null when it can. */
function podmanUnusable(): string | null {
	if (process.getuid?.() !== 0) {
		return 'not root';
	}
	const info = spawnSync('podman', ['info', '--format', '{{.Host.OCIRuntime.Name}}'], {encoding: 'utf8', timeout: 30_000});
	if (info.error || info.status !== 0) {
		return `podman info failed: ${info.error?.message ?? info.stderr.trim().split('\n').pop()}`;
	}
	return null;
}

/** The flags this machine needs (see NOTES: runc on cgroup v1 hybrid, explicit ulimits), or HTTPTOP_PODMAN_RUN_FLAGS. */
function runFlags(): string[] {
	const given = process.env['HTTPTOP_PODMAN_RUN_FLAGS'];
	if (given !== undefined) {
		return given.split(/\s+/).filter(Boolean);
	}
	const hard = (name: string, cap: number): number => {
		const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find(l => l.startsWith(`Max ${name} `)) ?? '';
		const value = line.trim().split(/\s+/).at(-2);
		return value === undefined || value === 'unlimited' ? cap : Math.min(Number(value), cap);
	};
	const nofile = hard('open files', 1_048_576);
	const nproc = hard('processes', 32_768);
	const runc = spawnSync('sh', ['-c', 'command -v runc'], {encoding: 'utf8'}).status === 0;
	return [...(runc ? ['--runtime', 'runc'] : []), '--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

const podman = (args: readonly string[]): string =>
	execFileSync('podman', args, {encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe']}).trim();

/** A one-binary image (this host's sleep and the libraries it links), so the test needs no registry. */
function importSleepImage(): void {
	const root = mkdtempSync(join(tmpdir(), 'httptop-sleep-'));
	try {
		const sleep = execFileSync('sh', ['-c', 'readlink -f "$(command -v sleep)"'], {encoding: 'utf8'}).trim();
		const libraries = execFileSync('ldd', [sleep], {encoding: 'utf8'})
			.split('\n')
			.map(line => /(\/\S+)\s+\(0x/.exec(line)?.[1])
			.filter((path): path is string => path !== undefined);
		for (const file of [sleep, ...libraries]) {
			cpSync(file, join(root, file), {dereference: true});
		}
		cpSync(sleep, join(root, 'bin/sleep'), {dereference: true});
		execFileSync('sh', ['-c', `tar -C "${root}" -c . | podman import --quiet - ${image}`], {stdio: 'ignore', timeout: 60_000});
	} finally {
		rmSync(root, {recursive: true, force: true});
	}
}

const unusable = podmanUnusable();
const podmanTest = unusable === null || podmanRequired ? test.serial : test.skip;
const skipNote = unusable === null ? '' : ` (skipped: ${unusable})`;

test.after.always(() => {
	if (unusable === null) {
		spawnSync('podman', ['rmi', '--force', image], {stdio: 'ignore', timeout: 60_000});
	}
});

podmanTest(`a process in a podman container resolves to the container's name, one started after the resolver too${skipNote}`, t => {
	t.is(unusable, null, `HTTPTOP_REQUIRE_PODMAN is set but podman is unusable: ${unusable}`);
	const resolve = createContainerResolver();
	// A name the resolver cannot have seen before it was created.
	const name = `httptop-containers-test-${process.pid}-${Date.now()}`;
	importSleepImage();
	t.teardown(() => {
		spawnSync('podman', ['rm', '--force', '--time', '0', name], {stdio: 'ignore', timeout: 60_000});
	});
	podman(['run', '--detach', '--name', name, ...runFlags(), image, '/bin/sleep', '60']);
	const pid = Number(podman(['inspect', '--format', '{{.State.Pid}}', name]));
	const containerId = podman(['inspect', '--format', '{{.Id}}', name]);
	t.true(pid > 0);

	t.is(resolve(pid), name);
	t.is(resolve(process.pid), null, 'the host process next to it stays on the host');

	// A second process in the same container, started by exec: same name.
	const execed = startChild('podman', ['exec', name, '/bin/sleep', '30']);
	t.teardown(() => execed.kill());
	let second = 0;
	for (let attempt = 0; attempt < 100 && second === 0; attempt++) {
		const pids = podman(['top', name, 'hpid']).split('\n').slice(1).map(Number);
		second = pids.find(p => p !== pid) ?? 0;
		if (second === 0) {
			execFileSync('sleep', ['0.1']);
		}
	}
	t.true(second > 0, 'the exec process appears');
	t.is(resolve(second), name);

	// Without the engine's records (as in a container without the storage mount): the short id.
	const noRecords = createContainerResolver({storageRoots: [], dockerRoots: []});
	t.is(noRecords(pid), containerId.slice(0, 12));
	t.is(containerId.length, 64);
});
