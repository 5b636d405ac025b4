// Real TLS peers for end-to-end tests: a self-signed certificate made with
// `openssl req`, nginx serving HTTPS and plain HTTP, and Go's crypto/tls server
// and client built from test/peers/go-tls with Debian's golang-go.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {ExecutionContext} from 'ava';
import {sleep, startChild} from './processes.js';

export const peersDirectory = fileURLToPath(new URL('../peers/', import.meta.url));

export type Certificate = {readonly cert: string; readonly key: string};

/** A throwaway directory, removed when the test ends. */
export function scratch(t: ExecutionContext, prefix: string): string {
	const directory = mkdtempSync(join(tmpdir(), prefix));
	t.teardown(() => rmSync(directory, {recursive: true, force: true}));
	return directory;
}

export function makeCertificate(directory: string): Certificate {
	const cert = join(directory, 'cert.pem');
	const key = join(directory, 'key.pem');
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], {stdio: 'ignore'});
	return {cert, key};
}

const randomPort = (): number => 30_000 + Math.floor(Math.random() * 25_000);

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const open = await new Promise<boolean>(resolve => {
			const socket = connect(port, '127.0.0.1');
			socket.on('connect', () => {
				socket.destroy();
				resolve(true);
			});
			socket.on('error', () => resolve(false));
		});
		if (open) return;
		await sleep(50);
	}

	throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

export type TlsNginx = {readonly pid: number; readonly tlsPort: number; readonly plainPort: number; readonly bigBytes: number};

/**
 * One nginx process (no master) serving index.html, plain.txt, a 1 MiB big.bin
 * and a 404 at /missing, over HTTPS on one port (with HTTP/2 by ALPN when asked)
 * and plain HTTP on another.
 */
export async function startTlsNginx(t: ExecutionContext, options: {readonly http2?: boolean} = {}): Promise<TlsNginx> {
	const directory = scratch(t, 'httptop-tls-nginx-');
	const {cert, key} = makeCertificate(directory);
	const tlsPort = randomPort();
	const plainPort = tlsPort + 1;
	const bigBytes = 1 << 20;
	writeFileSync(join(directory, 'index.html'), 'hello from nginx over tls\n');
	writeFileSync(join(directory, 'big.bin'), Buffer.alloc(bigBytes, 'b'));
	writeFileSync(join(directory, 'plain.txt'), 'plain http\n');
	writeFileSync(
		join(directory, 'nginx.conf'),
		`master_process off; daemon off; user root; pid ${directory}/nginx.pid; error_log ${directory}/error.log;
events {} http { access_log off; client_body_temp_path ${directory}; proxy_temp_path ${directory};
fastcgi_temp_path ${directory}; uwsgi_temp_path ${directory}; scgi_temp_path ${directory};
server { listen 127.0.0.1:${tlsPort} ssl${options.http2 ? ' http2' : ''}; listen 127.0.0.1:${plainPort};
ssl_certificate ${cert}; ssl_certificate_key ${key};
location / { root ${directory}; } location /missing { return 404; } } }`,
	);
	const nginx = startChild('nginx', ['-c', join(directory, 'nginx.conf'), '-p', directory]);
	t.teardown(() => nginx.kill());
	await waitForPort(tlsPort);
	return {pid: nginx.pid, tlsPort, plainPort, bigBytes};
}

let goBuild: Promise<{server: string; client: string}> | undefined;

/** Go's HTTPS server and client (test/peers/go-tls), built once per test process. */
export async function goTlsPeers(): Promise<{server: string; client: string}> {
	goBuild ??= (async () => {
		const directory = mkdtempSync(join(tmpdir(), 'httptop-go-tls-'));
		process.on('exit', () => rmSync(directory, {recursive: true, force: true}));
		const build = (name: string): string => {
			const output = join(directory, name);
			execFileSync('go', ['build', '-o', output, join(peersDirectory, 'go-tls', `${name}.go`)], {
				env: {...process.env, GO111MODULE: 'off', GOCACHE: join(directory, 'cache'), GOFLAGS: ''},
				stdio: ['ignore', 'ignore', 'pipe'],
			});
			return output;
		};

		return {server: build('server'), client: build('client')};
	})();
	return goBuild;
}
