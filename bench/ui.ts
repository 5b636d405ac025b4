// Live view benchmarks.
// 1. Frame time with 1,000 rows: from a key press to the new frame written
//    (an aggregator snapshot when the key re-sorts, React, Ink's layout and
//    output), wall-clock median and p99 and CPU per frame, at several terminal
//    sizes, with React's production build, as the CLI runs it (in a child
//    process of its own: the build is chosen when React loads).
// 2. httptop's own CPU while tracing a real Node server at 5,000 requests/s,
//    with the live view open in a real terminal (tmux) at the default 1 s
//    refresh, and the same capture without the view (--snapshot) to tell the
//    view's share.
// Run alone: node --import=tsx bench/run.ts ui
// Before/after: HTTPTOP_BENCH_BASELINE=main node --import=tsx bench/run.ts ui

import {execFile, execFileSync, spawnSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {EventEmitter} from 'node:events';
import {render as inkRender} from 'ink';
import {render} from 'ink-testing-library';
import {createElement} from 'react';
import {createAggregator} from '../source/aggregate/index.js';
import type {ViewOptions} from '../source/aggregate/types.js';
import {checkPrivileges} from '../source/capture/preflight.js';
import type {Exchange} from '../source/http/exchange.js';
import type {AppProps} from '../source/ui/app-props.js';
import {App} from '../source/ui/app.js';
import {startChild} from '../test/helpers/processes.js';
import {hasTmux, startTmux} from '../test/helpers/tmux.js';
import {makeExchange, recordedSource} from '../test/helpers/ui-exchanges.js';
import {startNodeServer, wrk} from './servers.js';
import {KeyboardStdin} from '../test/helpers/keyboard-stdin.js';

const run = promisify(execFile);
const repository = new URL('..', import.meta.url).pathname;
const startMs = Date.UTC(2025, 0, 1, 12);
const windowMs = 60_000;
const rowCount = 1000;
const routes = ['/api/users/:id', '/api/orders', '/health', '/static/app.js', '/search'];
const view: ViewOptions = {groupBy: 'endpoint', sort: {column: 'rate', descending: true}, filter: null, role: 'both'};
const sizes = [[80, 24], [120, 40], [200, 60], [300, 100]] as const;
const measuredFrames = 100;

/** 200 services x 5 routes, 60 exchanges each over the last minute: 1,000 rows. */
function thousandRows(): Exchange[] {
	const exchanges: Exchange[] = [];
	for (let row = 0; row < rowCount; row++) {
		const service = Math.floor(row / routes.length);
		const route = routes[row % routes.length] ?? '/';
		for (let index = 0; index < 60; index++) {
			const at = startMs + (index / 60) * windowMs + (row % 997);
			const latency = 0.2 + ((row * 7 + index * 13) % 500) / 10;
			exchanges.push(makeExchange({
				pid: 10_000 + service,
				tid: 10_000 + service,
				comm: `svc-${service}`,
				local: {address: '10.0.0.1', port: 8000 + service},
				path: route.replace(':id', String(index)),
				status: index % 17 === 0 ? 503 : 200,
				startMs: at,
				firstByteMs: at + latency * 0.7,
				endMs: at + latency,
			}));
		}
	}

	return exchanges.sort((a, b) => a.endMs - b.endMs);
}

const percentile = (values: readonly number[], p: number): number => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
};

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

type Mounted = {press(key: string): void; frames(): number; unmount(): void};

/**
 * The view as the CLI draws it: through its screen (source/ui/screen.ts) when
 * the tree has one, onto a terminal of `columns` x `rows` that counts the
 * frames written to it; else (an earlier tree) Ink's own frames, through
 * ink-testing-library.
 */
async function mount(props: AppProps, columns: number, rows: number): Promise<Mounted> {
	const screenModule = new URL('../source/ui/screen.ts', import.meta.url);
	if (existsSync(screenModule)) {
		const {createScreen} = (await import(screenModule.href)) as {createScreen: (terminal: NodeJS.WriteStream) => {inkStdout: NodeJS.WriteStream}};
		let frames = 0;
		const terminal = Object.assign(new EventEmitter(), {
			columns,
			rows,
			isTTY: true,
			write: () => {
				frames++;
				return true;
			},
		});
		const screen = createScreen(terminal as unknown as NodeJS.WriteStream);
		const stdin = new KeyboardStdin();
		const instance = inkRender(createElement(App, {...props, screen} as AppProps), {
			stdout: screen.inkStdout,
			stdin: stdin as unknown as NodeJS.ReadStream,
			stderr: terminal as unknown as NodeJS.WriteStream,
			debug: true,
			exitOnCtrlC: false,
			patchConsole: false,
		});
		return {press: key => stdin.press(key), frames: () => frames, unmount: instance.unmount};
	}

	const instance = render(createElement(App, props));
	Object.defineProperty(instance.stdout, 'columns', {value: columns, configurable: true});
	Object.defineProperty(instance.stdout, 'rows', {value: rows, configurable: true});
	instance.stdout.emit('resize');
	return {press: key => instance.stdin.write(key), frames: () => instance.frames.length, unmount: instance.unmount};
}

type FrameFigures = {wallMedian: number; wallP99: number; cpuPerFrame: number};

/** Key presses at one terminal size: each waits for its frame; CPU is the process's over all of them. */
async function measureKeys(columns: number, rows: number, exchanges: readonly Exchange[], keys: (index: number) => string): Promise<FrameFigures & {shownRows: number}> {
	const aggregator = createAggregator();
	const source = recordedSource(exchanges);
	await source.start(batch => {
		aggregator.add(batch);
	});
	const nowMs = startMs + windowMs;
	const shownRows = aggregator.snapshot(view, nowMs).rows.length;
	const props = {source, aggregator, initialView: view, intervalMs: 3_600_000, color: true, showQuery: false, hostname: 'bench', now: () => nowMs};
	const instance = await mount(props, columns, rows);
	await new Promise(resolve => setTimeout(resolve, 50));
	const frame = async (key: string): Promise<number> => {
		const frames = instance.frames();
		const before = performance.now();
		instance.press(key);
		while (instance.frames() === frames) {
			await new Promise(resolve => setImmediate(resolve));
		}

		return performance.now() - before;
	};

	for (let index = 0; index < 20; index++) {
		await frame(keys(index));
	}

	const cpuBefore = process.cpuUsage();
	const walls: number[] = [];
	for (let index = 0; index < measuredFrames; index++) {
		walls.push(await frame(keys(index)));
	}

	const cpu = process.cpuUsage(cpuBefore);
	instance.unmount();
	return {shownRows, wallMedian: percentile(walls, 0.5), wallP99: percentile(walls, 0.99), cpuPerFrame: (cpu.user + cpu.system) / 1000 / measuredFrames};
}

/** The frame figures of this process's React build, as JSON on stdout (run as a child). */
async function printFrameFigures(): Promise<void> {
	const exchanges = thousandRows();
	const figures: Record<string, number> = {};
	for (const [columns, rows] of sizes) {
		const size = `${columns}x${rows}`;
		// `R` reverses the sort: a fresh snapshot of all 1,000 rows, and every visible line redrawn.
		const resort = await measureKeys(columns, rows, exchanges, () => 'R');
		// `j`/`k` only move the selection: React and Ink work, no snapshot.
		const move = await measureKeys(columns, rows, exchanges, index => (index % 2 === 0 ? 'j' : 'k'));
		figures['rows in the snapshot'] = resort.shownRows;
		figures[`${size} re-sort frame: wall median ms`] = round(resort.wallMedian);
		figures[`${size} re-sort frame: wall p99 ms`] = round(resort.wallP99);
		figures[`${size} re-sort frame: CPU ms`] = round(resort.cpuPerFrame);
		figures[`${size} selection frame: wall median ms`] = round(move.wallMedian);
		figures[`${size} selection frame: CPU ms`] = round(move.cpuPerFrame);
	}

	const aggregator = createAggregator();
	aggregator.add(exchanges);
	const times: number[] = [];
	for (let index = 0; index < 50; index++) {
		const before = performance.now();
		aggregator.snapshot(view, startMs + windowMs);
		times.push(performance.now() - before);
	}

	figures['aggregator snapshot of 1,000 rows alone: median ms'] = round(percentile(times, 0.5), 2);
	process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** The frame figures of the view in `tree` (a checkout holding this harness), from a child process with React's production build. */
async function frameFiguresOf(tree: string): Promise<Record<string, number>> {
	const build = 'production'; // what the CLI runs (cli.tsx sets it before React loads)
	const {stdout} = await run(process.execPath, ['--import=tsx', join(tree, 'bench', 'ui.ts'), 'frames'], {
		cwd: tree,
		env: {...process.env, NODE_ENV: build},
		maxBuffer: 1 << 20,
	});
	const figures: Record<string, number> = {};
	for (const [name, value] of Object.entries(JSON.parse(stdout) as Record<string, number>)) {
		figures[name.startsWith('rows') || name.startsWith('aggregator') ? name : `React ${build}: ${name}`] = value;
	}

	return figures;
}

/**
 * `revision`'s source checked out into a temporary directory, with this
 * harness in its bench/ (so both trees are measured alike) and this
 * checkout's node_modules.
 */
function checkOut(revision: string): {readonly tree: string; readonly label: string; remove(): void} {
	const git = (...args: string[]): string => execFileSync('git', ['-C', repository, ...args], {encoding: 'utf8'}).trim();
	const label = `${git('rev-parse', '--short', `${revision}^{commit}`)} (${revision})`;
	const tree = mkdtempSync(join(tmpdir(), 'httptop-bench-baseline-'));
	const archive = join(tree, 'tree.tar');
	git('archive', '--format=tar', '-o', archive, revision, 'source', 'test/helpers', 'bench', 'package.json', 'tsconfig.json');
	execFileSync('tar', ['-xf', archive, '-C', tree]);
	copyFileSync(fileURLToPath(import.meta.url), join(tree, 'bench', 'ui.ts'));
	symlinkSync(join(repository, 'node_modules'), join(tree, 'node_modules'));
	return {tree, label, remove: () => rmSync(tree, {recursive: true, force: true})};
}

const median = (values: readonly number[]): number => percentile(values, 0.5);

async function frameFigures(): Promise<Record<string, number | string>> {
	const revision = process.env.HTTPTOP_BENCH_BASELINE;
	if (!revision) {
		return frameFiguresOf(repository);
	}

	// Alternate rounds, each figure the median of its rounds: the VM's speed drifts from one minute to the next.
	const rounds = Number(process.env.HTTPTOP_BENCH_ROUNDS) || 3;
	const baseline = checkOut(revision);
	const before: Array<Record<string, number>> = [];
	const after: Array<Record<string, number>> = [];
	try {
		for (let round = 0; round < rounds; round++) {
			before.push(await frameFiguresOf(baseline.tree));
			after.push(await frameFiguresOf(repository));
		}
	} finally {
		baseline.remove();
	}

	const figures: Record<string, number | string> = {
		'frame figures: before → after (after / before)': `before: ${baseline.label}; after: this tree; medians of ${rounds} alternate rounds`,
	};
	for (const name of Object.keys(after[0] ?? {})) {
		const was = median(before.map(figure => figure[name] ?? Number.NaN));
		const is = median(after.map(figure => figure[name] ?? Number.NaN));
		figures[name] = name.startsWith('rows') ? is : `${was} → ${is} (×${round(is / was, 2)})`;
	}

	return figures;
}

/** CPU time (user + system, every thread) of a process so far, in seconds. */
function cpuSeconds(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The fields after the command name (which may hold spaces) start past its closing parenthesis.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const ticks = Number(fields[11]) + Number(fields[12]);
	const perSecond = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim()) || 100;
	return ticks / perSecond;
}

const loadSeconds = 10;
// 5,000 req/s, paced: 60 connections, each waiting 10 ms between requests, less the response time.
const paced = async (port: number, seconds: number) => wrk(port, seconds, 60, 10);

/** Percent of one core `pid` uses while the paced load runs, and the load's achieved rate. */
async function cpuUnderLoad(pid: number, port: number): Promise<{percent: number; perSecond: number}> {
	await paced(port, 2);
	const before = cpuSeconds(pid);
	const load = await paced(port, loadSeconds);
	return {percent: round((100 * (cpuSeconds(pid) - before)) / loadSeconds), perSecond: Math.round(load.perSecond)};
}

async function tracingCpu(): Promise<Record<string, number | string>> {
	const name = 'httptop CPU, live view at 1 s refresh, tracing 5,000 req/s: % of one core';
	try {
		checkPrivileges();
	} catch {
		return {[name]: 'skipped: needs root or CAP_BPF+CAP_PERFMON'};
	}

	if (!(await hasTmux())) {
		return {[name]: 'skipped: needs tmux'};
	}

	const cli = existsSync(`${repository}dist/source/cli.js`) ? ['dist/source/cli.js'] : ['--import=tsx', 'source/cli.tsx'];
	const server = await startNodeServer();
	const figures: Record<string, number | string> = {'httptop run as': `node ${cli.join(' ')}`};
	try {
		const session = await startTmux({columns: 200, rows: 50, cwd: repository});
		try {
			// exec: the pane's process is httptop itself.
			await session.type(`exec node ${cli.join(' ')} --port ${server.port}`);
			await session.sendKeys('Enter');
			await session.waitFor(screen => screen.includes('tracing') && screen.includes('REQ/S'), 'the live view', 30_000);
			const live = await cpuUnderLoad(Number(await session.display('#{pane_pid}')), server.port);
			figures['load with the live view: req/s (wrk, paced)'] = live.perSecond;
			figures['live view: req/s it showed for the route'] = /srv +GET +\/ +\S+ +([\d.]+k?)/.exec(await session.capture())?.[1] ?? '?';
			figures[name] = live.percent;
			await session.sendKeys('q');
		} finally {
			await session.kill();
		}

		// The same capture and aggregation without the view: the difference is the view's share.
		const snapshot = startChild(process.execPath, [...cli, '--snapshot', '--duration', String(loadSeconds + 6), '--port', String(server.port), '--format', 'json'], {cwd: repository});
		try {
			await new Promise(resolve => setTimeout(resolve, 2000));
			const headless = await cpuUnderLoad(snapshot.pid, server.port);
			figures['load without the view: req/s (wrk, paced)'] = headless.perSecond;
			figures['httptop --snapshot (capture + aggregation, no view), same load: % of one core'] = headless.percent;
		} finally {
			snapshot.kill();
		}
	} finally {
		server.stop();
	}

	return figures;
}

export async function benchUi(): Promise<Record<string, number | string>> {
	return {...(await frameFigures()), ...(await tracingCpu())};
}

if (process.argv[2] === 'frames') {
	await printFrameFigures();
	process.exit(0);
}
