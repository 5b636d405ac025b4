// The Markdown report: the summary as a paragraph, then a GitHub-flavoured
// table, ready for a CI job summary or an issue. Cell text is sanitised, then
// every character Markdown would act on is backslash-escaped, `|` included.

import {displayColumns, summaryLines} from './columns.js';
import type {Report} from './model.js';

const markdownSpecial = /[\\`*_[\]<>|#~]/g;

/** Escapes text for a Markdown table cell; the text must already be sanitised (no newlines). */
export function escapeMarkdownCell(text: string): string {
	return text.replace(markdownSpecial, character => `\\${character}`);
}

const tableRow = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

export function formatMarkdown(report: Report): string {
	const columns = displayColumns(report);
	const summary = summaryLines(report).map(line => escapeMarkdownCell(line));
	const lines = [
		// Two trailing spaces: a line break inside one paragraph.
		summary.join('  \n'),
		'',
		tableRow(columns.map(column => escapeMarkdownCell(column.header))),
		tableRow(columns.map(column => column.align === 'right' ? '---:' : '---')),
		...report.endpoints.map(endpoint => tableRow(columns.map(column => escapeMarkdownCell(column.text(endpoint))))),
	];
	return `${lines.join('\n')}\n`;
}
