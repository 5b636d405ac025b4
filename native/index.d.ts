// The JS face of native/src/addon.cc.

export type BpfProgramOptions = {
	/** Path of the compiled BPF object (clang -target bpf). */
	objectPath: string;
	/** Initial values of `const volatile` globals, by name, as little-endian bytes of their exact size. */
	rodata?: Record<string, Buffer>;
	/** max_entries overrides by map name (a ring buffer's is its size in bytes, a power of two). */
	mapSizes?: Record<string, number>;
	/** Maps not to create: a map type the kernel lacks, used only by code a `rodata` value made dead. */
	skipMaps?: string[];
};

export type DrainOptions = {
	/** How often the drain thread wakes when the kernel side does not wake it. Default 10. */
	intervalMs?: number;
	/** A batch is handed over once it holds this many bytes. Default 4 MiB. */
	maxBatchBytes?: number;
	/** Batches waiting for JS before further ones are dropped (and counted). Default 256. */
	maxQueuedBatches?: number;
};

export type DrainStats = {
	batches: number;
	records: number;
	bytes: number;
	/** Batches (and their records) dropped because JS did not keep up. */
	droppedBatches: number;
	droppedRecords: number;
};

/**
 * A batch holds records back to back, each as a u32 (little-endian) length, the record,
 * and padding to a multiple of 8 bytes.
 */
export type BatchCallback = (error: Error | null, batch: Buffer) => void;

export class BpfProgram {
	/** Opens and loads the object. Throws an Error with a one-line message. */
	constructor(options: BpfProgramOptions);
	/** Attaches every tracepoint program to the tracepoint its section names; returns "category/name" of each. */
	attach(): string[];
	/**
	 * Attaches each named uprobe (or uretprobe, as its section says) program at a file offset of the ELF
	 * file at `path`, in every process that maps that file, on a worker thread (each attach waits in the
	 * kernel): resolves with their ids, or, when one fails, detaches those of the batch already attached
	 * and rejects.
	 */
	attachUprobes(sites: ReadonlyArray<{program: string; path: string; offset: number}>): Promise<number[]>;
	/** Detaches one uprobe attachUprobes made; an unknown id is ignored. */
	detachUprobe(id: number): void;
	updateMap(name: string, key: Buffer, value: Buffer): void;
	/** Sums a per-CPU array of u64 over all CPUs: one number per index. */
	sumPerCpuArray(name: string): number[];
	/** Starts the drain thread; batches arrive on the JS thread. */
	start(ringMap: string, options: DrainOptions, onBatch: BatchCallback): void;
	stats(): DrainStats;
	/** Stops the thread, detaches and frees everything. Safe to call twice. */
	close(): void;
}

export type FunctionSite = {
	/** Offset in the file, where a uprobe goes. */
	offset: number;
	/** Bytes of code (the symbol's size). */
	size: number;
};

export type ElfSites = {
	machine: 'x86_64' | 'aarch64' | 'other';
	/** Whether the file has a .symtab (Go binaries linked with -s have none). */
	hasSymtab: boolean;
	/** A Go binary (.go.buildinfo or .gopclntab). */
	isGo: boolean;
	/** The names asked for that are functions defined in .symtab or .dynsym. */
	functions: Record<string, FunctionSite>;
};

/** Looks function names up in an ELF file. Throws an Error with a one-line message when it is not ELF. */
export function findFunctions(path: string, names: string[]): ElfSites;

/** Offsets from a function's start of its return instructions (capstone on x86_64, RET's encoding on aarch64). */
export function findReturns(path: string, machine: string, offset: number, size: number): number[];
