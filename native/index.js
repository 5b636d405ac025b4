'use strict';
// bpf-loader-native: loads a BPF object with libbpf, attaches its tracepoint
// programs and drains one ring buffer on a background thread.
const path = require('node:path');

const binary = path.join(__dirname, 'build', 'Release', 'bpf_loader_native.node');
try {
	module.exports = require(binary);
} catch (error) {
	const reason = error && error.code === 'MODULE_NOT_FOUND' ? 'it is not built' : String(error && error.message);
	throw new Error(`bpf-loader-native cannot be loaded (${reason}): run \`make\` in the httptop checkout`);
}
