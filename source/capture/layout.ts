// The byte layouts shared with the kernel side, as bpf/httptop.h declares them:
// a ring buffer record's header, the AF_UNIX names record, and the config
// struct the loader sets before load. The header asserts every offset here at
// compile time, and test/capture-layout.test.ts compiles it and compares.

/** struct httptop_record: field -> byte offset. */
export const recordLayout = {
	kind: 0,
	direction: 1,
	syscall: 2,
	origin: 3,
	family: 4,
	localPort: 6,
	remotePort: 8,
	flags: 10,
	tgid: 12,
	tid: 16,
	fd: 20,
	connId: 24,
	tsEnterNs: 32,
	tsExitNs: 40,
	bytes: 48,
	captured: 52,
	localAddr: 56,
	remoteAddr: 72,
	comm: 88,
} as const;

/** HTTPTOP_RECORD_HEADER_BYTES: the payload follows. */
export const recordHeaderBytes = 104;

/** struct httptop_unix_names: two names of 128 bytes. */
export const unixNamesLayout = {local: 0, remote: 128} as const;
export const unixNameRoom = 128;

/** struct httptop_config: field -> byte offset. */
export const configLayout = {
	wakeupBytes: 0,
	selfTgid: 8,
	taskStorage: 12,
	tlsOn: 13,
	filterTgidsOn: 14,
	filterCommsOn: 15,
	filterPortsOn: 16,
} as const;

export const configBytes = 24;

/** The C names of the fields above, for the test that compiles the header. */
export const cNames: Readonly<Record<string, string>> = {
	localPort: 'local_port',
	remotePort: 'remote_port',
	connId: 'conn_id',
	tsEnterNs: 'ts_enter_ns',
	tsExitNs: 'ts_exit_ns',
	localAddr: 'local_addr',
	remoteAddr: 'remote_addr',
	wakeupBytes: 'wakeup_bytes',
	selfTgid: 'self_tgid',
	taskStorage: 'task_storage',
	tlsOn: 'tls_on',
	filterTgidsOn: 'filter_tgids_on',
	filterCommsOn: 'filter_comms_on',
	filterPortsOn: 'filter_ports_on',
};

export type KernelConfig = {
	readonly wakeupBytes: number;
	readonly selfTgid: number;
	readonly taskStorage: boolean;
	readonly tlsOn: boolean;
	readonly filterTgidsOn: boolean;
	readonly filterCommsOn: boolean;
	readonly filterPortsOn: boolean;
};

/** struct httptop_config's bytes (little-endian, as on x86_64 and arm64). */
export function encodeConfig(config: KernelConfig): Buffer {
	const bytes = Buffer.alloc(configBytes);
	bytes.writeBigUInt64LE(BigInt(config.wakeupBytes), configLayout.wakeupBytes);
	bytes.writeUInt32LE(config.selfTgid, configLayout.selfTgid);
	bytes[configLayout.taskStorage] = config.taskStorage ? 1 : 0;
	bytes[configLayout.tlsOn] = config.tlsOn ? 1 : 0;
	bytes[configLayout.filterTgidsOn] = config.filterTgidsOn ? 1 : 0;
	bytes[configLayout.filterCommsOn] = config.filterCommsOn ? 1 : 0;
	bytes[configLayout.filterPortsOn] = config.filterPortsOn ? 1 : 0;
	return bytes;
}
