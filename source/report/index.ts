// The --snapshot report in the format asked for: build the data once, render one format.

import type {Snapshot} from '../aggregate/types.js';
import {formatCsv} from './csv.js';
import {formatJson} from './json.js';
import {formatMarkdown} from './markdown.js';
import {buildReport, type ReportMeta} from './model.js';
import {formatTable} from './table.js';

export type ReportFormat = 'table' | 'json' | 'csv' | 'markdown';
export const reportFormats: readonly ReportFormat[] = ['table', 'json', 'csv', 'markdown'];

export type {Report, ReportEndpoint, ReportHttp2, ReportMeta} from './model.js';
export {buildReport} from './model.js';

export type RenderOptions = {
	readonly format: ReportFormat;
	readonly color: boolean; // table only: the other formats never carry escape sequences
	readonly width?: number; // table only: the terminal's columns, undefined for a pipe
	readonly note?: string; // table only: one more line for the summary, e.g. why rows were left out
};

/** The whole report as the text stdout gets. */
export function renderReport(snapshot: Snapshot, meta: ReportMeta, options: RenderOptions): string {
	const report = buildReport(snapshot, meta);
	switch (options.format) {
		case 'json': {
			return formatJson(report);
		}

		case 'csv': {
			return formatCsv(report);
		}

		case 'markdown': {
			return formatMarkdown(report);
		}

		case 'table': {
			return formatTable(report, {color: options.color, width: options.width, note: options.note});
		}
	}
}
