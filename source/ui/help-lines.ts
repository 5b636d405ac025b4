// The help overlay as lines: every key binding, grouped by mode, in two
// columns when the terminal is wide enough.

import {besideLines, type Line} from './detail-lines.js';
import {keyBindings} from './modes.js';
import {padEnd, truncateEnd} from './text-width.js';

const keysWidth = 16;
const twoColumnsWidth = 78;

function sectionLines(section: (typeof keyBindings)[number], width: number): Line[] {
	return [
		[{text: truncateEnd(section.title, width), tone: 'good'}],
		...section.bindings.map((binding): Line => [
			{text: padEnd(`  ${binding.keys}`, keysWidth), tone: 'warn'},
			{text: truncateEnd(binding.action, Math.max(0, width - keysWidth)), tone: 'plain'},
		]),
		[],
	];
}

export function helpLines(width: number, height: number): Line[] {
	const [first, ...rest] = keyBindings;
	if (first && width >= twoColumnsWidth) {
		const leftWidth = Math.floor((width - 2) / 2);
		const left = sectionLines(first, leftWidth);
		const right = rest.flatMap(section => sectionLines(section, width - leftWidth - 2));
		return besideLines(left, right, leftWidth, 2).slice(0, height);
	}

	return keyBindings.flatMap(section => sectionLines(section, width)).slice(0, height);
}
