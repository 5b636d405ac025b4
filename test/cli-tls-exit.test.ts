// Every TLS hook goes with httptop, however it ends: at the end of a
// --snapshot, on SIGINT, on SIGTERM, and killed outright. A uprobe lives as
// long as some process holds its BPF link (or program) open, so the test
// notes httptop's uprobe programs and their links while it traces, then
// waits until no process on the host holds any of them (the reaper that
// takes the slow unregistering at exit included).
import {readdirSync, readFileSync} from 'node:fs';
import {bpfSerialTest} from './helpers/bpf.js';
import {startCli} from './helpers/cli.js';
import {eventually} from './helpers/processes.js';

/** BPF_PROG_TYPE_KPROBE: what uprobe programs are. */
const kprobeType = 2;

type Fd = {readonly progId: number; readonly progType: number | null};

/** The BPF program ids a process's fds refer to: program fds (with their type) and links (without). */
function bpfFds(pid: string): Fd[] {
	let fds: string[];
	try {
		fds = readdirSync(`/proc/${pid}/fdinfo`);
	} catch {
		return []; // gone, or a kernel thread
	}

	const found: Fd[] = [];
	for (const fd of fds) {
		let info: string;
		try {
			info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1');
		} catch {
			continue;
		}

		const id = /^prog_id:\s*(\d+)/m.exec(info);
		const type = /^prog_type:\s*(\d+)/m.exec(info);
		if (id) found.push({progId: Number(id[1]), progType: type ? Number(type[1]) : null});
	}

	return found;
}

/** The programs some process on the host still holds, directly or through a link. */
const heldAnywhere = (): Set<number> =>
	new Set(readdirSync('/proc').filter(name => /^\d+$/.test(name)).flatMap(pid => bpfFds(pid).map(fd => fd.progId)));

for (const ending of ['the end of --duration', 'SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
	bpfSerialTest(`no TLS hook outlives httptop: ${ending}`, async t => {
		const httptop = startCli(['--snapshot', '--format', 'json', '--duration', ending === 'the end of --duration' ? '3' : '120']);
		await httptop.waitForStderr(/^httptop: tracing \d+ tracepoints · TLS: OpenSSL [1-9]/m, 30_000);
		const fds = bpfFds(String(httptop.process.pid!));
		const programs = new Set(fds.filter(fd => fd.progType === kprobeType).map(fd => fd.progId));
		t.true(programs.size >= 8, `httptop loaded its uprobe programs: ${[...programs].join(', ')}`);
		const attached = fds.filter(fd => fd.progType === null && programs.has(fd.progId)).length;
		t.true(attached >= 8, `and attached them: ${attached} links`);
		if (ending !== 'the end of --duration') httptop.process.kill(ending);
		const result = await httptop.result();
		if (ending === 'the end of --duration' || ending === 'SIGINT') t.is(result.code, 0, result.stderr);
		const left = (): number[] => {
			const held = heldAnywhere();
			return [...programs].filter(id => held.has(id));
		};

		t.true(await eventually(() => left().length === 0, 30_000), `still held: ${left().join(', ')}`);
	});
}
