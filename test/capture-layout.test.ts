// The kernel-user contract: the record and config layouts that
// source/capture/layout.ts reads and writes are the ones bpf/httptop.h
// declares. A C program compiled from the header prints every offset; the
// header asserts them itself, so a field that moves fails to compile.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test, {type ExecutionContext} from 'ava';
import {cNames, configBytes, configLayout, recordHeaderBytes, recordLayout, unixNamesLayout} from '../source/capture/layout.js';

const header = fileURLToPath(new URL('../bpf/httptop.h', import.meta.url));

const cName = (name: string): string => cNames[name] ?? name;

/** Compiles `source` against the header at `headerPath` and runs it; the compiler's message on failure. */
function compileAndRun(t: ExecutionContext, headerPath: string, source: string): {output: string} | {error: string} {
	const directory = mkdtempSync(join(tmpdir(), 'httptop-layout-'));
	t.teardown(() => rmSync(directory, {recursive: true, force: true}));
	writeFileSync(join(directory, 'httptop.h'), readFileSync(headerPath));
	writeFileSync(join(directory, 'offsets.c'), source);
	try {
		execFileSync('cc', ['-std=c11', '-Wall', '-o', join(directory, 'offsets'), join(directory, 'offsets.c')], {cwd: directory, stdio: ['ignore', 'pipe', 'pipe']});
	} catch (error) {
		return {error: String((error as {stderr?: Buffer}).stderr ?? error)};
	}

	return {output: execFileSync(join(directory, 'offsets'), {encoding: 'utf8'})};
}

const offsetsProgram = (): string => {
	const lines: string[] = [];
	const print = (key: string, expression: string): void => {
		lines.push(`\tprintf("\\"${key}\\": %zu,\\n", (size_t)(${expression}));`);
	};

	for (const name of Object.keys(recordLayout)) print(`record.${name}`, `offsetof(struct httptop_record, ${cName(name)})`);
	for (const name of Object.keys(unixNamesLayout)) print(`unixNames.${name}`, `offsetof(struct httptop_unix_names, ${name})`);
	for (const name of Object.keys(configLayout)) print(`config.${name}`, `offsetof(struct httptop_config, ${cName(name)})`);
	print('recordBytes', 'sizeof(struct httptop_record)');
	print('configBytes', 'sizeof(struct httptop_config)');
	return `#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "httptop.h"

int main(void)
{
	printf("{\\n");
${lines.join('\n')}
	printf("\\"end\\": 0}\\n");
	return 0;
}
`;
};

test('every offset the decoder and the loader use is the header\'s', t => {
	const result = compileAndRun(t, header, offsetsProgram());
	if ('error' in result) {
		t.fail(`the header does not compile: ${result.error}`);
		return;
	}

	const offsets = JSON.parse(result.output) as Record<string, number>;
	for (const [name, at] of Object.entries(recordLayout)) t.is(offsets[`record.${name}`], at, `httptop_record.${cName(name)}`);
	for (const [name, at] of Object.entries(unixNamesLayout)) t.is(offsets[`unixNames.${name}`], at, `httptop_unix_names.${name}`);
	for (const [name, at] of Object.entries(configLayout)) t.is(offsets[`config.${name}`], at, `httptop_config.${cName(name)}`);
	t.is(offsets['recordBytes'], recordHeaderBytes);
	t.is(offsets['configBytes'], configBytes);
});

test('a record field that moves fails the header\'s own compile, naming the field', t => {
	const directory = mkdtempSync(join(tmpdir(), 'httptop-layout-moved-'));
	t.teardown(() => rmSync(directory, {recursive: true, force: true}));
	// tgid and tid trade places: both keep their size, both move.
	const moved = readFileSync(header, 'utf8').replace('\t__u32 tgid;     /* process id */\n\t__u32 tid;      /* thread id */', '\t__u32 tid;\n\t__u32 tgid;');
	t.not(moved, readFileSync(header, 'utf8'), 'the test moved a field');
	writeFileSync(join(directory, 'moved.h'), moved);
	const result = compileAndRun(t, join(directory, 'moved.h'), offsetsProgram());
	t.true('error' in result, 'the compile fails');
	t.regex('error' in result ? result.error : '', /httptop_record\.tgid moved/);
});
