import test from 'ava';
import hpack from 'hpack.js';
import {HeaderBlockDecoder, type HeaderField} from '../source/http2/header-decoder.js';

type Header = {readonly name: string; readonly value: string; readonly incremental?: boolean};

// hpack.js's own encoder makes the blocks: the decoder is checked against another implementation.
const encoder = (size = 4096) => {
	const compressor = hpack.compressor.create({table: {maxSize: size}});
	return (headers: readonly Header[]): Buffer => {
		compressor.write(headers);
		return compressor.read() ?? Buffer.alloc(0);
	};
};

const fields = (headers: readonly Header[]): HeaderField[] => headers.map(({name, value}) => ({name, value}));

const requests: Header[][] = [
	[
		{name: ':method', value: 'GET'},
		{name: ':path', value: '/api/users?id=1'},
		{name: ':authority', value: 'example.test'},
		{name: 'x-trace', value: 'abc'},
	],
	[
		{name: ':method', value: 'POST'},
		{name: ':path', value: '/api/users?id=1'}, // now in the dynamic table
		{name: ':authority', value: 'example.test'},
		{name: 'content-type', value: 'application/grpc'},
		{name: 'x-trace', value: 'def'},
	],
	[
		{name: ':method', value: 'GET'},
		{name: ':path', value: '/api/users?id=1'},
		{name: ':authority', value: 'example.test'},
		{name: 'content-type', value: 'application/grpc'},
		{name: 'x-trace', value: 'def'},
	],
];

test('decodes what hpack.js encodes, dynamic table references included', (t) => {
	const encode = encoder();
	const decoder = new HeaderBlockDecoder(true);
	for (const headers of requests) t.deepEqual(decoder.decode(encode(headers)), fields(headers));
});

test('a 256-byte table set by a size update: in step with an encoder that keeps evicting', (t) => {
	const encode = encoder(256);
	const decoder = new HeaderBlockDecoder(true);
	decoder.setLimit(256);
	// Size updates are made by hand (hpack.js's encoder only announces growth).
	t.deepEqual(decoder.decode(Buffer.from([0x3f, 0xe1, 0x01])), []); // dynamic table size update to 256
	for (let round = 0; round < 20; round++) {
		const headers = [
			{name: ':path', value: `/item/${round % 7}`},
			{name: 'x-long', value: 'v'.repeat(40 + (round % 5) * 20)},
		];
		t.deepEqual(decoder.decode(encode(headers)), fields(headers), `round ${round}`);
	}
});

test('a table size update above SETTINGS_HEADER_TABLE_SIZE is invalid when the table is known', (t) => {
	const decoder = new HeaderBlockDecoder(true);
	decoder.setLimit(128);
	t.is(decoder.decode(Buffer.from([0x3f, 0xe1, 0x01])), null);
	t.false(decoder.complete);
	const raised = new HeaderBlockDecoder(true);
	raised.setLimit(256);
	t.deepEqual(raised.decode(Buffer.from([0x3f, 0xe1, 0x01, 0x82])), [{name: ':method', value: 'GET'}]);
});

test('joined late: entries added before are unknown, the static table, literals and later entries are decoded', (t) => {
	const encode = encoder();
	const blocks = requests.map((headers) => encode(headers));
	const decoder = new HeaderBlockDecoder(false);
	// Block 2 names :path and :authority by entries block 1 added, and x-trace's name too.
	t.deepEqual(decoder.decode(blocks[1]!), [
		{name: ':method', value: 'POST'},
		{name: null, value: null},
		{name: null, value: null},
		{name: 'content-type', value: 'application/grpc'},
		{name: null, value: 'def'},
	]);
	// Block 3 names entries block 2 added (known now, as far as they were) and block 1 added (still unknown).
	t.deepEqual(decoder.decode(blocks[2]!), [
		{name: ':method', value: 'GET'},
		{name: null, value: null},
		{name: null, value: null},
		{name: 'content-type', value: 'application/grpc'},
		{name: null, value: 'def'},
	]);
});

test('joined late: a literal whose name is an unknown entry still takes its place in the table', (t) => {
	const encode = encoder();
	encode([{name: 'x-custom', value: 'one'}]); // unseen: adds x-custom: one
	const second = encode([{name: 'x-custom', value: 'two'}]); // literal, name by index of the unseen entry
	const third = encode([
		{name: 'x-custom', value: 'two'}, // the entry the second block added
		{name: ':path', value: '/known'},
	]);
	const decoder = new HeaderBlockDecoder(false);
	t.deepEqual(decoder.decode(second), [{name: null, value: 'two'}]);
	// Without the placeholder, the index of "x-custom: two" would point past the table (or at the wrong entry).
	t.deepEqual(decoder.decode(third), [
		{name: null, value: 'two'},
		{name: ':path', value: '/known'},
	]);
});

test('a complete decoder given an index past its table reports the block invalid and forgets the table', (t) => {
	const decoder = new HeaderBlockDecoder(true);
	t.is(decoder.decode(Buffer.from([0xbe])), null); // index 62: the dynamic table is empty
	t.false(decoder.complete);
	t.deepEqual(decoder.decode(Buffer.from([0xbe, 0x82])), [
		{name: null, value: null},
		{name: ':method', value: 'GET'},
	]);
});

test('hostile bytes: never a throw, either fields or null', (t) => {
	let seed = 7;
	const random = (): number => {
		seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
		return seed / 2_147_483_648;
	};

	for (let round = 0; round < 2000; round++) {
		const block = Buffer.from(Array.from({length: 1 + Math.floor(random() * 40)}, () => Math.floor(random() * 256)));
		const decoder = new HeaderBlockDecoder(round % 2 === 0);
		const result = decoder.decode(block);
		t.true(result === null || Array.isArray(result));
	}
});
