// htop's function keys. Ink's useInput names no function key (F1 and F10
// both arrive as an empty input with no key flag), so they are read from the
// input stream Ink reads (useStdin's stdin): Node emits 'data' for every
// chunk a 'readable' listener read()s, without changing how the stream flows
// (Node's stream documentation: with both listeners, 'readable' controls the
// flow and 'data' is emitted on read()). 'data' comes inside read(), before
// Ink parses the chunk: in one chunk holding ordinary keys and a function key
// (a paste; a terminal sends each key press on its own) the function key acts
// first.

import {useStdin} from 'ink';
import {useEffect, useRef} from 'react';

/**
 * Calls `onInput` with each chunk of raw terminal input, as Ink reads it.
 * Declare it before useInput: its listener then goes before Ink's reading
 * stops (useInput's clean-up), which would otherwise set stdin flowing for it.
 */
export function useRawInput(onInput: (input: string) => void): void {
	const {stdin} = useStdin();
	const handler = useRef(onInput);
	handler.current = onInput;
	useEffect(() => {
		const onData = (chunk: string | Uint8Array) => {
			handler.current(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
		};

		stdin.on('data', onData);
		return () => {
			stdin.off('data', onData);
		};
	}, [stdin]);
}
