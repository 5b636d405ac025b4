// Reading a recording line by line, with a bound on line length so that a
// corrupt file (or one that is not a recording at all) cannot take all memory.

import {open, type FileHandle} from 'node:fs/promises';

/** Longer lines are skipped (and reported): no exchange needs anywhere near this. */
export const maxLineBytes = 1 << 20;
const chunkBytes = 1 << 16;

export type Line = {readonly number: number; readonly text: string | null}; // text null: too long, skipped

const reasons: Record<string, string> = {
	ENOENT: 'no such file',
	EACCES: 'permission denied',
	EISDIR: 'it is a directory',
	EPERM: 'operation not permitted',
	ELOOP: 'too many symbolic links',
	ENAMETOOLONG: 'the name is too long',
};

/** A one-line description of a file system error. */
export function describeFileError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	return (code !== undefined ? reasons[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
}

/** Opens a recording for reading; the Error says which file and why when it cannot. */
export async function openRecording(path: string): Promise<FileHandle> {
	let handle: FileHandle;
	try {
		handle = await open(path, 'r');
	} catch (error) {
		throw new Error(`cannot read the recording ${path}: ${describeFileError(error)}`);
	}
	try {
		if ((await handle.stat()).isDirectory()) {
			throw Object.assign(new Error('is a directory'), {code: 'EISDIR'});
		}
	} catch (error) {
		await handle.close();
		throw new Error(`cannot read the recording ${path}: ${describeFileError(error)}`);
	}
	return handle;
}

/** The lines of the file, numbered from 1, without their line ends; blank lines are left out. */
export async function * readLines(handle: FileHandle): AsyncGenerator<Line> {
	const buffer = Buffer.alloc(chunkBytes);
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	let tooLong = false;
	let number = 0;
	const finish = (tail: Buffer): Line | null => {
		number++;
		if (tooLong || pendingBytes + tail.length > maxLineBytes) {
			tooLong = false;
			pending = [];
			pendingBytes = 0;
			return {number, text: null};
		}
		const whole = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
		pending = [];
		pendingBytes = 0;
		const text = whole.toString('utf8').replace(/\r$/, '');
		return text.trim() === '' ? null : {number, text};
	};
	for (;;) {
		const {bytesRead} = await handle.read(buffer, 0, chunkBytes, null);
		if (bytesRead === 0) {
			break;
		}
		let start = 0;
		for (;;) {
			const newline = buffer.indexOf(10, start);
			if (newline < 0 || newline >= bytesRead) {
				break;
			}
			const line = finish(buffer.subarray(start, newline));
			if (line !== null) {
				yield line;
			}
			start = newline + 1;
		}
		const rest = buffer.subarray(start, bytesRead);
		if (pendingBytes + rest.length > maxLineBytes) {
			tooLong = true; // keep counting, but drop the bytes
			pending = [];
			pendingBytes = 0;
		} else if (rest.length > 0) {
			pending.push(Buffer.from(rest));
			pendingBytes += rest.length;
		}
	}
	if (pendingBytes > 0 || tooLong) {
		const line = finish(Buffer.alloc(0));
		if (line !== null) {
			yield line;
		}
	}
}
