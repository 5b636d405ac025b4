// HPACK decoding (RFC 7541) for one direction of one connection, tolerant of a
// dynamic table it never saw. hpack.js reads the primitives (prefixed integers,
// Huffman and raw strings) and gives the static table; the representations and
// the dynamic table are here because hpack.js's decompressor throws on an index
// beyond its table and then skips the entry that index named, which shifts every
// later index: on a connection joined late it would decode wrong values.
//
// A decoder that saw the connection from its start is `complete`: an unknown
// index is then corrupt input. Otherwise (joined late, or a header block was not
// captured) the table holds only the entries added since: those are exact,
// because older entries are evicted first and indices count from the newest.
// A reference past them yields an unknown field, never a guessed one.

import hpack from 'hpack.js';

/** A decoded header field; null where it named a dynamic table entry this decoder never saw. */
export type HeaderField = {
	readonly name: string | null;
	readonly value: string | null;
};

type Entry = {
	readonly name: string | null;
	readonly value: string | null;
	readonly size: number; // RFC 7541 4.1: name + value + 32; a lower bound when the name is unknown
};

const staticTable = hpack['static-table'].table;
const entryOverhead = 32;
const defaultTableSize = 4096;

const text = (octets: Uint8Array | readonly number[]): string => Buffer.from(octets as Uint8Array).toString('latin1');

export class HeaderBlockDecoder {
	/** Every entry the encoder added is known: an index past the table is corrupt input. */
	complete: boolean;
	private entries: Entry[] = []; // newest first: entries[0] is index 62
	private size = 0;
	private maxSize = defaultTableSize; // set by the encoder's dynamic table size updates
	private limit = defaultTableSize; // SETTINGS_HEADER_TABLE_SIZE of the decoding peer

	constructor(complete: boolean) {
		this.complete = complete;
	}

	/** The dynamic table holds nothing. */
	get empty(): boolean {
		return this.entries.length === 0;
	}

	/** The decoding peer announced SETTINGS_HEADER_TABLE_SIZE: the encoder's updates may go up to it (checked when complete). */
	setLimit(size: number): void {
		this.limit = size;
	}

	/** A header block went unseen: what it added to the table is unknown, so start over, incomplete. */
	forget(): void {
		this.complete = false;
		this.entries = [];
		this.size = 0;
	}

	/**
	 * Decodes one whole header block. Returns null when the block is not valid
	 * HPACK; the table is then forgotten (it may have been changed halfway).
	 */
	decode(block: Uint8Array): HeaderField[] | null {
		const decoder = hpack.decoder.create();
		decoder.push(Buffer.from(block.buffer, block.byteOffset, block.byteLength));
		const fields: HeaderField[] = [];
		try {
			while (!decoder.isEmpty()) {
				if (decoder.decodeBit() === 1) {
					// Indexed field (6.1).
					const entry = this.lookup(decoder.decodeInt());
					fields.push({name: entry.name, value: entry.value});
					continue;
				}

				const incremental = decoder.decodeBit() === 1;
				if (!incremental && decoder.decodeBit() === 1) {
					// Dynamic table size update (6.3).
					const size = decoder.decodeInt();
					if (this.complete && size > this.limit) throw new Error('table size update above SETTINGS_HEADER_TABLE_SIZE');
					this.maxSize = size;
					this.evict();
					continue;
				}

				// Literal field, with incremental indexing (6.2.1), without (6.2.2) or never indexed (6.2.3).
				if (!incremental) decoder.decodeBit();
				const index = decoder.decodeInt();
				let name: string | null;
				let nameSize: number;
				if (index === 0) {
					name = text(decoder.decodeStr());
					nameSize = name.length;
				} else {
					name = this.lookup(index).name;
					nameSize = name?.length ?? 0;
				}

				const value = text(decoder.decodeStr());
				fields.push({name, value});
				if (incremental) this.add({name, value, size: nameSize + value.length + entryOverhead});
			}
		} catch {
			this.forget();
			return null;
		}

		return fields;
	}

	private lookup(index: number): {readonly name: string | null; readonly value: string | null} {
		if (index === 0) throw new Error('index 0');
		if (index <= staticTable.length) return staticTable[index - 1]!;
		const entry = this.entries[index - staticTable.length - 1];
		if (entry !== undefined) return entry;
		if (this.complete) throw new Error('index past the dynamic table');
		return {name: null, value: null};
	}

	private add(entry: Entry): void {
		this.entries.unshift(entry);
		this.size += entry.size;
		this.evict();
	}

	private evict(): void {
		while (this.size > this.maxSize && this.entries.length > 0) this.size -= this.entries.pop()!.size;
	}
}
