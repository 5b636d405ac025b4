// A raw-socket HTTP client for end-to-end tests: writes exactly the chunks of a
// plan, with pauses, on one connection per plan entry, then reads until quiet.
// usage: node raw-client.mjs PORT 'JSON plan'   plan: [[chunk | {pause: ms}, ...], ...]
// Prints one JSON line: [{sent, received}, ...], bytes per connection.
import net from 'node:net';

const [port, planText] = process.argv.slice(2);
const plan = JSON.parse(planText);
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function run(steps) {
	const socket = net.connect(Number(port), '127.0.0.1');
	socket.setNoDelay(true);
	await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
	let received = 0;
	let lastData = Date.now();
	socket.on('data', chunk => {
		received += chunk.length;
		lastData = Date.now();
	});
	let sent = 0;
	for (const step of steps) {
		if (typeof step === 'string') {
			socket.write(step);
			sent += Buffer.byteLength(step);
		} else {
			await sleep(step.pause);
		}
	}

	while (Date.now() - lastData < 400) {
		await sleep(50);
	}

	socket.end();
	return {sent, received};
}

console.log(JSON.stringify(await Promise.all(plan.map(run))));
