// A real Node HTTP server for end-to-end tests, on 127.0.0.1, printing "port N"; or on the unix
// domain socket at the path given, printing "socket PATH".
import http from 'node:http';

const big = Buffer.alloc(1 << 20, 'b');

const server = http.createServer((request, response) => {
	const url = new URL(request.url, 'http://x');
	const status = /^\/status\/(\d+)$/.exec(url.pathname);
	if (status) {
		response.writeHead(Number(status[1]));
		response.end(Number(status[1]) === 204 || Number(status[1]) === 304 ? undefined : `status ${status[1]}\n`);
	} else if (url.pathname === '/chunked') {
		response.write('first part, ');
		setTimeout(() => {
			response.write('second part, ');
			response.end('last part\n');
		}, 20);
	} else if (url.pathname === '/big') {
		response.setHeader('content-length', big.length);
		response.end(request.method === 'HEAD' ? undefined : big);
	} else if (url.pathname === '/echo') {
		let length = 0;
		request.on('data', chunk => {
			length += chunk.length;
		});
		request.on('end', () => response.end(JSON.stringify({length})));
	} else if (url.pathname === '/slow') {
		setTimeout(() => response.end('slow\n'), Number(url.searchParams.get('ms') ?? 50));
	} else {
		response.setHeader('content-type', 'text/plain');
		response.end('hello\n');
	}
});
server.keepAliveTimeout = 30_000;
if (process.argv[2]?.startsWith('/')) {
	// A unix domain socket: the path to listen on.
	server.listen(process.argv[2], () => console.log(`socket ${process.argv[2]}`));
} else {
	server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => console.log(`port ${server.address().port}`));
}
