// `npm run bench`: every benchmark, side by side in one run, printed as a
// Markdown table for docs/benchmarks.md. `npm run bench -- capture` runs one part.
import {cpus, release} from 'node:os';

type Part = {name: string; run: () => Promise<Record<string, number | string>>};

const parts: Part[] = [
	{name: 'capture', run: async () => (await import('./capture.js')).benchCapture()},
	{name: 'https', run: async () => (await import('./https.js')).benchHttps()},
	{name: 'http2', run: async () => (await import('./http2.js')).benchHttp2()},
	{name: 'aggregate', run: async () => (await import('./aggregate.js')).benchAggregate()},
	{name: 'ui', run: async () => (await import('./ui.js')).benchUi()},
];

const wanted = process.argv.slice(2);
const chosen = wanted.length > 0 ? parts.filter(part => wanted.includes(part.name)) : parts;
if (chosen.length === 0) {
	console.error(`bench: unknown part ${wanted.join(' ')}; parts: ${parts.map(part => part.name).join(', ')}`);
	process.exit(2);
}

console.log(`# httptop benchmarks\n\n${new Date().toISOString()}, Linux ${release()}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}\n`);
for (const part of chosen) {
	const figures = await part.run();
	console.log(`## ${part.name}\n\n| figure | value |\n| --- | ---: |`);
	for (const [name, value] of Object.entries(figures)) {
		console.log(`| ${name} | ${value} |`);
	}

	console.log('');
}

process.exit(0);
