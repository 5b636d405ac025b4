// A Node HTTPS server (OpenSSL linked into node) on 127.0.0.1: node https-server.mjs CERT KEY.
// Prints "port N". /chunked answers in two writes; a POST gets its body's length back.
import {readFileSync} from 'node:fs';
import https from 'node:https';

const server = https.createServer({cert: readFileSync(process.argv[2]), key: readFileSync(process.argv[3])}, (request, response) => {
	let length = 0;
	request.on('data', chunk => {
		length += chunk.length;
	});
	request.on('end', () => {
		if (request.url === '/chunked') {
			response.write('first part\n');
			setTimeout(() => response.end('second part\n'), 20);
			return;
		}

		response.statusCode = request.url === '/missing' ? 404 : 200;
		response.end(`node says ${request.method} ${request.url} (${length} bytes in)\n`);
	});
});
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
