// Types for the parts of hpack.js (https://github.com/indutny/hpack.js) that
// httptop uses: the exports of its main module, none of its files directly.
declare module 'hpack.js' {
	type Octets = Uint8Array | readonly number[];

	/** Reads HPACK primitives (RFC 7541 section 5): bits, prefixed integers, strings (Huffman or raw). Throws on short or bad input. */
	type Decoder = {
		push(chunk: Buffer): void;
		isEmpty(): boolean;
		decodeBit(): number;
		decodeInt(): number;
		decodeStr(): Octets;
	};

	type StaticEntry = {readonly name: string; readonly value: string};

	type Header = {readonly name: string; readonly value: string; readonly neverIndex?: boolean};

	/** A stream: write() arrays of headers, read() the encoded block. */
	type Compressor = {
		write(headers: readonly Header[]): void;
		read(): Buffer | null;
		updateTableSize(size: number): void;
	};

	const hpack: {
		readonly decoder: {create(): Decoder};
		readonly 'static-table': {readonly table: readonly StaticEntry[]};
		readonly compressor: {create(options: {table: {maxSize: number}}): Compressor};
	};
	export default hpack;
}
