// A Node HTTPS client on one keep-alive connection: node https-client.mjs BASE-URL PATH...
// Sends the first path at once, then the next one each time a line arrives on stdin
// (or all at once with --now). A path starting with "POST " is posted with a body.
// Prints "STATUS BYTES PATH" for each. With --fetch it uses fetch() (undici) instead of node:https.
import https from 'node:https';
import {createInterface} from 'node:readline';

const args = process.argv.slice(2);
const now = args.includes('--now');
const useFetch = args.includes('--fetch');
const [base, ...paths] = args.filter(a => !a.startsWith('--'));
const agent = new https.Agent({keepAlive: true, maxSockets: 1, rejectUnauthorized: false});
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

function viaHttps(method, path, body) {
	return new Promise((resolve, reject) => {
		const request = https.request(base + path, {method, agent}, response => {
			let length = 0;
			response.on('data', chunk => {
				length += chunk.length;
			});
			response.on('end', () => resolve({status: response.statusCode, length}));
		});
		request.on('error', reject);
		request.end(body);
	});
}

async function viaFetch(method, path, body) {
	// eslint-disable-next-line no-undef -- fetch is a global of Node 18+
	const response = await fetch(base + path, {method, body});
	const text = await response.arrayBuffer();
	return {status: response.status, length: text.byteLength};
}

async function send(entry) {
	const post = entry.startsWith('POST ');
	const path = post ? entry.slice(5) : entry;
	const body = post ? 'y'.repeat(2500) : undefined;
	const {status, length} = await (useFetch ? viaFetch : viaHttps)(post ? 'POST' : 'GET', path, body);
	console.log(`${status} ${length} ${path}`);
}

const lines = createInterface({input: process.stdin})[Symbol.asyncIterator]();
for (const [index, entry] of paths.entries()) {
	if (index > 0 && !now) await lines.next();
	await send(entry);
}

agent.destroy();
process.exit(0);
