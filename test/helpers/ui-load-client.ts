// A bounded HTTP load for the live view's real-terminal test and benchmark:
// keep-alive requests to a mix of routes on 127.0.0.1, for at most SECONDS
// and MAX requests, optionally paced to RATE requests/s; prints "done N".
//   node --import=tsx ui-load-client.ts PORT SECONDS MAX [RATE]
// The mix: /api/fast (most), /slow?ms=60 (slow), /status/500 (errors).
import http from 'node:http';

const [port = 0, seconds = 0, max = 0, rate = 0] = process.argv.slice(2).map(Number);
const agent = new http.Agent({keepAlive: true, maxSockets: 4});
const deadline = Date.now() + seconds * 1000;
const started = Date.now();
let sent = 0;
let done = 0;

const pathFor = (index: number): string => (index % 20 === 0 ? '/slow?ms=60' : index % 10 === 5 ? '/status/500' : '/api/fast');

const request = async (path: string): Promise<void> => new Promise(resolve => {
	const outgoing = http.get({host: '127.0.0.1', port, path, agent}, response => {
		response.resume();
		response.on('end', () => {
			resolve();
		});
	});
	outgoing.on('error', () => {
		resolve();
	});
});

async function worker() {
	while (Date.now() < deadline && sent < max) {
		if (rate > 0) {
			// Paced: request n is not sent before started + n / rate.
			const due = started + (sent / rate) * 1000;
			if (due > Date.now()) {
				await new Promise(resolve => setTimeout(resolve, due - Date.now()));
				continue;
			}
		}

		const index = sent++;
		await request(pathFor(index));
		done++;
	}
}

await Promise.all(Array.from({length: 4}, worker));
agent.destroy();
console.log(`done ${done}`);
