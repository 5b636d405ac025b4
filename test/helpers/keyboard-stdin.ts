// An input stream as Ink reads a terminal's (as ink-testing-library's): keys
// pressed by the caller, one at a time.
import {EventEmitter} from 'node:events';

export class KeyboardStdin extends EventEmitter {
	readonly isTTY = true;
	private data: string | null = null;
	press(key: string): void {
		this.data = key;
		this.emit('readable');
		this.emit('data', key);
	}

	read(): string | null {
		const {data} = this;
		this.data = null;
		return data;
	}

	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}
