// The --demo server: a small HTTP API on 127.0.0.1 with varied latency, sizes
// and status codes, so every column of the table has something to show. Runs
// as a child of httptop (forked with an IPC channel) and exits with it.

import http from 'node:http';
import type {AddressInfo} from 'node:net';

process.title = 'demo-server';

const between = (low: number, high: number): number => low + (Math.random() * (high - low));
const knownUsers = 500;
const assetBody = Buffer.alloc(64 * 1024, 'x');

function reply(response: http.ServerResponse, status: number, body: string | Buffer, type = 'application/json'): void {
	response.writeHead(status, {'Content-Type': type, 'Content-Length': Buffer.byteLength(body)});
	response.end(body);
}

function later(ms: number, action: () => void): void {
	setTimeout(action, ms).unref();
}

function route(request: http.IncomingMessage, response: http.ServerResponse, body: string): void {
	const {pathname} = new URL(request.url ?? '/', 'http://127.0.0.1');
	const user = /^\/api\/users\/(\d+)$/.exec(pathname);
	if (request.method === 'GET' && pathname === '/health') {
		reply(response, 200, '{"ok":true}');
	} else if (request.method === 'GET' && user) {
		const id = Number(user[1]);
		later(between(2, 12), () => {
			if (id < 1 || id > knownUsers) {
				reply(response, 404, '{"error":"no such user"}');
			} else {
				reply(response, 200, JSON.stringify({id, name: `user ${id}`}));
			}
		});
	} else if (request.method === 'GET' && pathname === '/api/users') {
		later(between(10, 40), () => {
			reply(response, 200, JSON.stringify(Array.from({length: 50}, (_, index) => ({id: index + 1}))));
		});
	} else if (pathname === '/api/orders' && (request.method === 'GET' || request.method === 'POST')) {
		later(between(5, 25), () => {
			if (request.method === 'POST' && Math.random() < 0.03) {
				reply(response, 500, '{"error":"order store unavailable"}');
			} else {
				reply(response, request.method === 'POST' ? 201 : 200, JSON.stringify({orders: [], received: body.length}));
			}
		});
	} else if (request.method === 'GET' && pathname === '/slow') {
		later(between(200, 700), () => {
			reply(response, 200, '{"slow":true}');
		});
	} else if (request.method === 'GET' && pathname === '/static/app.js') {
		reply(response, 200, assetBody, 'text/javascript');
	} else {
		reply(response, 404, '{"error":"not found"}');
	}
}

const server = http.createServer((request, response) => {
	const chunks: Buffer[] = [];
	request.on('data', (chunk: Buffer) => chunks.push(chunk));
	request.on('end', () => {
		route(request, response, Buffer.concat(chunks).toString());
	});
});

server.listen(0, '127.0.0.1', () => {
	const {port} = server.address() as AddressInfo;
	process.send?.({port});
});

// httptop gone (any exit, a crash or SIGKILL included): the IPC channel closes.
process.on('disconnect', () => {
	process.exit(0);
});
