// Real servers and a real load generator for the benchmarks, all on 127.0.0.1.
import {execFileSync, spawn} from 'node:child_process';
import {connect} from 'node:net';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startChild, type Child} from '../test/helpers/processes.js';

export type Server = {readonly name: string; readonly pid: number; readonly port: number; stop(): void};

/** A 47-byte body, as in ../shared/NOTES.md's baselines. */
const body = 'httptop benchmark body, forty-seven bytes long\n';

/** nginx serving the body; with `tls`, over HTTPS with a self-signed certificate made by `openssl req`. */
export async function startNginx(options: {readonly tls?: boolean} = {}): Promise<Server> {
	const directory = mkdtempSync(join(tmpdir(), 'httptop-bench-nginx-'));
	const port = 20_000 + Math.floor(Math.random() * 20_000);
	writeFileSync(join(directory, 'index.html'), body);
	if (options.tls) {
		execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
			'-keyout', join(directory, 'key.pem'), '-out', join(directory, 'cert.pem')], {stdio: 'ignore'});
	}

	const listen = options.tls
		? `listen 127.0.0.1:${port} ssl;
		ssl_certificate ${directory}/cert.pem;
		ssl_certificate_key ${directory}/key.pem;`
		: `listen 127.0.0.1:${port};`;
	writeFileSync(
		join(directory, 'nginx.conf'),
		// One process (no master): a killed master can leave no worker behind, serving and holding the port.
		`master_process off;
daemon off;
user root;
pid ${directory}/nginx.pid;
error_log ${directory}/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path ${directory};
	proxy_temp_path ${directory};
	fastcgi_temp_path ${directory};
	uwsgi_temp_path ${directory};
	scgi_temp_path ${directory};
	server {
		${listen}
		location / { root ${directory}; }
	}
}
`,
	);
	const child = startChild('nginx', ['-c', join(directory, 'nginx.conf'), '-p', directory]);
	await waitForPort(port, options.tls ? 'https' : 'http');
	return {
		name: options.tls ? 'nginx-tls' : 'nginx',
		pid: child.pid,
		port,
		stop() {
			child.kill();
			rmSync(directory, {recursive: true, force: true});
		},
	};
}

export async function startNodeServer(): Promise<Server> {
	const script = `const http = require('node:http');
const server = http.createServer((req, res) => { res.setHeader('content-type', 'text/plain'); res.end(${JSON.stringify(body)}); });
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));`;
	const child: Child = startChild(process.execPath, ['-e', script]);
	const port = Number(/port (\d+)/.exec(await child.waitForLine(/^port \d+/))![1]);
	return {name: 'node', pid: child.pid, port, stop: () => child.kill()};
}

async function waitForPort(port: number, scheme: 'http' | 'https' = 'http'): Promise<void> {
	for (let i = 0; i < 100; i++) {
		const ok = await (scheme === 'http' ? fetch(`http://127.0.0.1:${port}/`) : connectOnce(port)).then(
			() => true,
			() => false,
		);
		if (ok) {
			return;
		}

		await new Promise(resolve => setTimeout(resolve, 50));
	}

	throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

export type WrkResult = {readonly requests: number; readonly perSecond: number; readonly non2xx: number};

/**
 * wrk against the server. With `ratePerConnection`, each connection waits between
 * requests (wrk's delay()), pacing the load below saturation.
 */
export async function wrk(port: number, seconds: number, connections: number, delayMs?: number, scheme: 'http' | 'https' = 'http'): Promise<WrkResult> {
	const args = ['-t1', `-c${connections}`, `-d${seconds}s`];
	let script: string | undefined;
	if (delayMs !== undefined) {
		script = join(mkdtempSync(join(tmpdir(), 'httptop-wrk-')), 'pace.lua');
		writeFileSync(script, `function delay() return ${delayMs} end\n`);
		args.push('-s', script);
	}

	args.push(`${scheme}://127.0.0.1:${port}/`);
	const output = await new Promise<string>((resolve, reject) => {
		const child = spawn('wrk', args);
		let stdout = '';
		child.stdout.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
		});
		child.on('error', reject);
		child.on('close', () => resolve(stdout));
	});
	const requests = Number(/(\d+) requests in/.exec(output)?.[1]);
	const perSecond = Number(/Requests\/sec:\s*([\d.]+)/.exec(output)?.[1]);
	const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
	if (!Number.isFinite(requests) || !Number.isFinite(perSecond)) {
		throw new TypeError(`could not read wrk's output: ${output}`);
	}

	return {requests, perSecond, non2xx};
}

async function connectOnce(port: number): Promise<void> {
	return new Promise((resolve, reject) => {
		const socket = connect(port, '127.0.0.1');
		socket.on('connect', () => {
			socket.destroy();
			resolve();
		});
		socket.on('error', reject);
	});
}
