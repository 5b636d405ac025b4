// The JSON report: the stable `version: 1` schema (README, "JSON report";
// source/report/report.schema.json). Strings stay exact; characters a terminal
// or a reader would act on are \u-escaped, which every JSON parser reads back
// as the same string.

import type {Report} from './model.js';

// JSON.stringify already escapes C0 controls, quotes, backslashes and lone
// surrogates (raw tabs and newlines left in its output are indentation); this
// is what it leaves raw: DEL and C1 controls (0x9b is a CSI on many
// terminals), format characters (bidi overrides), line/paragraph separators,
// private-use and unassigned code points (what source/ui/sanitize.ts escapes on screen).
const leftRawByStringify = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}]/gu;

const unicodeEscape = (match: string): string => {
	let escaped = '';
	for (let index = 0; index < match.length; index++) {
		escaped += `\\u${match.charCodeAt(index).toString(16).padStart(4, '0')}`;
	}

	return escaped;
};

/** Escapes, in serialised JSON, the characters JSON.stringify leaves raw; the parsed value is unchanged. */
export function escapeJsonForTerminal(json: string): string {
	return json.replace(leftRawByStringify, unicodeEscape);
}

export function formatJson(report: Report): string {
	return `${escapeJsonForTerminal(JSON.stringify(report, null, 2))}\n`;
}
