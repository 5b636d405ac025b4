// A node:http2 server and a client on one session, in one process: the client
// sends GET /a, POST /b (3000 bytes), GET /missing (404), then ten GET /big
// (64 KiB each) at once, and prints what it received. Prints "done" at the end.
import http2 from 'node:http2';

const server = http2.createServer();
server.on('stream', (stream, headers) => {
	let length = 0;
	stream.on('data', chunk => {
		length += chunk.length;
	});
	stream.on('end', () => {
		const path = headers[':path'];
		stream.respond({':status': path === '/missing' ? 404 : 200, 'content-type': 'text/plain'});
		stream.end(path === '/big' ? Buffer.alloc(65_536, 'z') : `node h2 ${headers[':method']} ${path} ${length}\n`);
	});
});

server.listen(0, '127.0.0.1', async () => {
	const client = http2.connect(`http://127.0.0.1:${server.address().port}`);
	const request = async (method, path, body) => new Promise((resolve, reject) => {
		const stream = client.request({':method': method, ':path': path});
		let received = 0;
		stream.on('data', chunk => {
			received += chunk.length;
		});
		stream.on('end', () => resolve(received));
		stream.on('error', reject);
		stream.end(body);
	});
	console.log(await request('GET', '/a'), await request('POST', '/b', 'x'.repeat(3000)), await request('GET', '/missing'));
	console.log((await Promise.all(Array.from({length: 10}, async () => request('GET', '/big')))).join(' '));
	client.close();
	server.close();
	console.log('done');
});
