// Every TLS hook goes with httptop, however it ends: at the end of a
// --snapshot, on SIGINT, on SIGTERM, and killed outright. A uprobe lives as
// long as some process holds its BPF link (or program) open, so the test
// notes the programs httptop's uprobes run while it traces, then waits until
// no process on the host holds any of them.
import {readdirSync, readFileSync} from 'node:fs';
import {bpfSerialTest} from './helpers/bpf.js';
import {startCli} from './helpers/cli.js';
import {eventually} from './helpers/processes.js';

/** BPF_PROG_TYPE_KPROBE: what uprobe programs are. */
const kprobeType = 2;

/** The ids of the uprobe programs whose fds (programs or links) a process holds. */
function uprobePrograms(pid: number | 'any'): Set<number> {
	const ids = new Set<number>();
	const pids = pid === 'any' ? readdirSync('/proc').filter(name => /^\d+$/.test(name)) : [String(pid)];
	for (const each of pids) {
		let fds: string[];
		try {
			fds = readdirSync(`/proc/${each}/fdinfo`);
		} catch {
			continue; // gone, or a kernel thread
		}

		for (const fd of fds) {
			let info: string;
			try {
				info = readFileSync(`/proc/${each}/fdinfo/${fd}`, 'latin1');
			} catch {
				continue;
			}

			const id = /^prog_id:\s*(\d+)/m.exec(info);
			const type = /^prog_type:\s*(\d+)/m.exec(info);
			if (id && (type === null || Number(type[1]) === kprobeType) && (/^link_type:/m.test(info) || type !== null)) ids.add(Number(id[1]));
		}
	}

	return ids;
}

for (const ending of ['the end of --duration', 'SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
	bpfSerialTest(`no TLS hook outlives httptop: ${ending}`, async t => {
		const httptop = startCli(['--snapshot', '--format', 'json', '--duration', ending === 'the end of --duration' ? '3' : '120']);
		await httptop.waitForStderr(/^httptop: tracing \d+ tracepoints · TLS: OpenSSL [1-9]/m, 30_000);
		const pid = httptop.process.pid!;
		const programs = uprobePrograms(pid);
		// Attached ones have links; the loaded programs of every uprobe kind are there either way.
		t.true(programs.size >= 4, `httptop holds its uprobe programs: ${[...programs].join(', ')}`);
		if (ending !== 'the end of --duration') httptop.process.kill(ending);
		const result = await httptop.result();
		if (ending === 'the end of --duration' || ending === 'SIGINT') t.is(result.code, 0, result.stderr);
		const left = (): number[] => {
			const held = uprobePrograms('any');
			return [...programs].filter(id => held.has(id));
		};

		t.true(await eventually(() => left().length === 0, 30_000), `still held: ${left().join(', ')}`);
	});
}
