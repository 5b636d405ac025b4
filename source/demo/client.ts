// The --demo client: a paced, bounded load on the demo server. It waits for
// httptop's "go" (sent once tracing has started, so it sees every connection
// from its first byte), then sends about `rate` requests a second until
// `durationMs` has passed or httptop exits.

import http from 'node:http';

process.title = 'demo-client';

const [portText = '', rateText = '200', durationText = '600000'] = process.argv.slice(2);
const port = Number(portText);
const ratePerSec = Number(rateText);
const durationMs = Number(durationText);
const tickMs = 10;
const maxInFlight = 64;

const keepAlive = new http.Agent({keepAlive: true, maxSockets: 16});

type Call = {readonly method: 'GET' | 'POST'; readonly path: string; readonly fresh?: boolean};

const randomInt = (below: number): number => Math.floor(Math.random() * below);

// Weighted like a small web API: mostly reads, some writes, a few misses and slow calls.
const calls: ReadonlyArray<readonly [number, () => Call]> = [
	[40, () => ({method: 'GET', path: `/api/users/${1 + randomInt(520)}`})], // ids past 500 are 404s
	[10, () => ({method: 'GET', path: '/api/users'})],
	[15, () => ({method: 'GET', path: `/api/orders?page=${1 + randomInt(5)}&session=demo-secret-token`})],
	[10, () => ({method: 'POST', path: '/api/orders'})],
	[12, () => ({method: 'GET', path: '/health', fresh: true})], // a new connection each time, as probes do
	[3, () => ({method: 'GET', path: '/slow'})],
	[6, () => ({method: 'GET', path: '/static/app.js'})],
	[4, () => ({method: 'GET', path: `/missing/${randomInt(3)}`})],
];
const totalWeight = calls.reduce((sum, [weight]) => sum + weight, 0);

function pickCall(): Call {
	let ticket = randomInt(totalWeight);
	for (const [weight, make] of calls) {
		if (ticket < weight) {
			return make();
		}

		ticket -= weight;
	}

	return {method: 'GET', path: '/health'};
}

let inFlight = 0;

function send(call: Call): void {
	inFlight++;
	const body = call.method === 'POST' ? JSON.stringify({item: randomInt(1000), quantity: 1 + randomInt(3)}) : undefined;
	const request = http.request({
		host: '127.0.0.1',
		port,
		method: call.method,
		path: call.path,
		agent: call.fresh ? false : keepAlive,
		headers: body === undefined ? {} : {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body)},
	}, response => {
		response.resume();
		response.on('end', () => {
			inFlight--;
		});
	});
	request.on('error', () => {
		inFlight--;
	});
	request.end(body);
}

function run(): void {
	const stopAt = Date.now() + durationMs;
	const perTick = ratePerSec * tickMs / 1000;
	let owed = 0;
	const timer = setInterval(() => {
		if (Date.now() >= stopAt) {
			clearInterval(timer);
			keepAlive.destroy();
			process.exit(0);
		}

		owed += perTick;
		while (owed >= 1 && inFlight < maxInFlight) {
			owed--;
			send(pickCall());
		}

		owed = Math.min(owed, 2 * perTick); // requests held back by maxInFlight are dropped, never sent in a burst
	}, tickMs);
}

process.on('message', message => {
	if (message === 'go') {
		run();
	}
});

process.on('disconnect', () => {
	process.exit(0);
});
