/* SPDX-License-Identifier: MIT */
/*
 * The record layout shared by the BPF program (httptop.bpf.c) and user space
 * (source/capture/decode.ts mirrors it byte for byte). Plain C types only, every
 * field naturally aligned, no implicit padding: the TypeScript decoder reads
 * fixed offsets.
 */
#ifndef HTTPTOP_H
#define HTTPTOP_H

/*
 * Bytes of payload copied per syscall. 4 KiB holds the request or status line
 * and the whole header block of nearly all real messages (browsers send 0.5-2
 * KiB of headers; nginx's default header buffer is 1 KiB, growing to 8 KiB for
 * rare large ones) while a 1 MB body costs one 4 KiB copy per syscall, not a
 * copy of the body. Bodies are framed by byte counts, which are always exact:
 * `bytes` is what the syscall really moved, `captured` what was copied.
 */
#define HTTPTOP_CAPTURE_BYTES 4096

/* At most this many iovecs are read from readv/writev/recvmsg/sendmsg (Node ends a chunked
 * body with one writev of three iovecs per chunk written since the last flush). */
#define HTTPTOP_MAX_IOV 32

#define HTTPTOP_COMM_LEN 16

/* Room for the file name in an exec record. */
#define HTTPTOP_EXEC_PATH_BYTES 256

enum httptop_record_kind {
	HTTPTOP_RECORD_DATA = 1,  /* bytes moved on a traced stream socket (TCP or AF_UNIX) */
	HTTPTOP_RECORD_CLOSE = 2, /* close() of a socket that carried HTTP */
	HTTPTOP_RECORD_UNIX_NAMES = 3, /* the socket names of an AF_UNIX connection (struct httptop_unix_names) */
	HTTPTOP_RECORD_EXEC = 4,  /* a process (tgid) called exec: user space looks for TLS libraries in it; the
				   * payload is the file exec'd, as exec was given it (`captured` bytes, NUL-free) */
};

/* Bits of struct httptop_record's flags. */
enum httptop_record_flag {
	HTTPTOP_FLAG_TLS = 1, /* the payload is plaintext from a TLS library call, not the socket's bytes */
};

enum httptop_direction {
	HTTPTOP_EGRESS = 0,  /* the process wrote (write, writev, sendto, sendmsg, sendfile) */
	HTTPTOP_INGRESS = 1, /* the process read (read, readv, recvfrom, recvmsg) */
};

/* Which syscall produced a data record, for statistics and tests. */
enum httptop_syscall {
	HTTPTOP_SYS_READ = 0,
	HTTPTOP_SYS_READV = 1,
	HTTPTOP_SYS_RECVFROM = 2,
	HTTPTOP_SYS_RECVMSG = 3,
	HTTPTOP_SYS_WRITE = 4,
	HTTPTOP_SYS_WRITEV = 5,
	HTTPTOP_SYS_SENDTO = 6,
	HTTPTOP_SYS_SENDMSG = 7,
	HTTPTOP_SYS_SENDFILE = 8,
	HTTPTOP_SYS_CLOSE = 9,
	HTTPTOP_SYS_TLS_READ = 10,  /* SSL_read(_ex), gnutls_record_recv, Go's (*tls.Conn).Read */
	HTTPTOP_SYS_TLS_WRITE = 11, /* SSL_write(_ex), gnutls_record_send, Go's (*tls.Conn).Write */
};

/* How a connection was first seen: the role hint of its owner. */
enum httptop_origin {
	HTTPTOP_ORIGIN_UNKNOWN = 0,  /* open before httptop started, or missed */
	HTTPTOP_ORIGIN_ACCEPTED = 1, /* accept/accept4 returned it: a server side */
	HTTPTOP_ORIGIN_CONNECTED = 2, /* connect() on it: a client side */
};

/*
 * Kernel counters, one slot each in a per-CPU array that user space sums.
 * Every record that could not be delivered whole is counted here.
 */
enum httptop_counter {
	HTTPTOP_CTR_RECORDS = 0,        /* records submitted to the ring buffer */
	HTTPTOP_CTR_RINGBUF_DROPS = 1,  /* records lost: ring buffer full */
	HTTPTOP_CTR_TRUNCATED = 2,      /* records whose copy holds fewer bytes than moved */
	HTTPTOP_CTR_READ_FAULTS = 3,    /* user memory that could not be read */
	HTTPTOP_CTR_CONNS = 4,          /* stream socket connections followed (selected by the filters) */
	HTTPTOP_CTR_SKIPPED_CHUNKS = 5, /* chunks on not-yet-HTTP connections that were not HTTP */
	HTTPTOP_CTR_NOT_HTTP_CONNS = 6, /* connections recognised as another protocol (HTTP/2; TLS without TLS probes) */
	HTTPTOP_CTR_ARGS_FULL = 7,      /* syscalls missed: the in-flight argument map was full */
	HTTPTOP_CTR_FILTERED_CONNS = 8, /* connections ignored by --pid/--comm/--port */
	HTTPTOP_CTR_TLS_CONNS = 9,      /* connections seen carrying TLS records: their plaintext is taken from the TLS calls */
	HTTPTOP_CTR_TLS_UNBOUND = 10,   /* TLS calls that moved plaintext but could not be tied to a TLS socket: lost */
	HTTPTOP_CTR_TLS_NOT_HTTP = 11,  /* TLS connections whose plaintext is another protocol */
	HTTPTOP_CTR_MAX = 12,
};

/*
 * A data or close record. A data record is followed by `captured` payload
 * bytes. The ring buffer record may be longer than the header and those bytes:
 * records of one-buffer syscalls are built in place in a size class of payload
 * room (128, 512, 1024 or 4096 bytes), and what follows `captured` is padding.
 */
struct httptop_record {
	__u8 kind;      /* enum httptop_record_kind */
	__u8 direction; /* enum httptop_direction */
	__u8 syscall;   /* enum httptop_syscall */
	__u8 origin;    /* enum httptop_origin */
	__u16 family;   /* AF_INET, AF_INET6 or AF_UNIX (ports and addresses zero: see HTTPTOP_RECORD_UNIX_NAMES) */
	__u16 local_port;
	__u16 remote_port;
	__u16 flags;    /* enum httptop_record_flag bits */
	__u32 tgid;     /* process id */
	__u32 tid;      /* thread id */
	__s32 fd;
	__u64 conn_id;  /* unique per connection for this load of the program */
	__u64 ts_enter_ns; /* CLOCK_MONOTONIC at syscall entry; for ingress, the same as ts_exit_ns (not read) */
	__u64 ts_exit_ns;  /* CLOCK_MONOTONIC at syscall exit */
	__u32 bytes;    /* bytes the syscall really moved (its return value) */
	__u32 captured; /* payload bytes that follow this header */
	__u8 local_addr[16];  /* IPv4 in the first 4 bytes, or IPv6 */
	__u8 remote_addr[16];
	char comm[HTTPTOP_COMM_LEN];
};

#define HTTPTOP_RECORD_HEADER_BYTES 104

/*
 * The offsets user space reads (source/capture/layout.ts mirrors them; its test
 * compiles this header and compares): a field that moves fails the build here
 * and that test there.
 */
#define HTTPTOP_AT(type, field, at) _Static_assert(__builtin_offsetof(struct type, field) == (at), #type "." #field " moved")
HTTPTOP_AT(httptop_record, kind, 0);
HTTPTOP_AT(httptop_record, direction, 1);
HTTPTOP_AT(httptop_record, syscall, 2);
HTTPTOP_AT(httptop_record, origin, 3);
HTTPTOP_AT(httptop_record, family, 4);
HTTPTOP_AT(httptop_record, local_port, 6);
HTTPTOP_AT(httptop_record, remote_port, 8);
HTTPTOP_AT(httptop_record, flags, 10);
HTTPTOP_AT(httptop_record, tgid, 12);
HTTPTOP_AT(httptop_record, tid, 16);
HTTPTOP_AT(httptop_record, fd, 20);
HTTPTOP_AT(httptop_record, conn_id, 24);
HTTPTOP_AT(httptop_record, ts_enter_ns, 32);
HTTPTOP_AT(httptop_record, ts_exit_ns, 40);
HTTPTOP_AT(httptop_record, bytes, 48);
HTTPTOP_AT(httptop_record, captured, 52);
HTTPTOP_AT(httptop_record, local_addr, 56);
HTTPTOP_AT(httptop_record, remote_addr, 72);
HTTPTOP_AT(httptop_record, comm, 88);
_Static_assert(sizeof(struct httptop_record) == HTTPTOP_RECORD_HEADER_BYTES, "httptop_record's size changed");

/*
 * The payload of a HTTPTOP_RECORD_UNIX_NAMES record, sent once per AF_UNIX
 * connection just before its first data record: the sun_path of the socket's
 * own name and of its peer's. An accepted socket shares its listener's name,
 * so a server's local name and a client's peer name are the socket file (or
 * abstract name) both sides talk through. A name's length is in the header's
 * `bytes` (local in the low 16 bits, peer in the high 16); 0 is unnamed.
 */
#define HTTPTOP_UNIX_NAME_BYTES 108

struct httptop_unix_names {
	char local[128];  /* the first (bytes & 0xffff) bytes are the name */
	char remote[128]; /* the first (bytes >> 16) bytes */
};

HTTPTOP_AT(httptop_unix_names, local, 0);
HTTPTOP_AT(httptop_unix_names, remote, 128);

/*
 * What user space sets before the object is loaded: one struct in .rodata,
 * httptop.bpf.c's `config` (source/capture/tracer.ts writes it whole).
 */
struct httptop_config {
	__u64 wakeup_bytes;   /* wake the consumer early past this backlog of ring buffer bytes */
	__u32 self_tgid;      /* httptop's own process: never traced */
	__u8 task_storage;    /* data syscalls' arguments wait in the task's storage (Linux 5.12+), else a hash map */
	__u8 tls_on;          /* TLS probes in use: TLS sockets take their plaintext from the TLS calls */
	__u8 filter_tgids_on; /* follow only the tgids in filter_tgids */
	__u8 filter_comms_on; /* follow only the comms in filter_comms */
	__u8 filter_ports_on; /* follow only the ports in filter_ports */
	__u8 pad[7];
};

HTTPTOP_AT(httptop_config, wakeup_bytes, 0);
HTTPTOP_AT(httptop_config, self_tgid, 8);
HTTPTOP_AT(httptop_config, task_storage, 12);
HTTPTOP_AT(httptop_config, tls_on, 13);
HTTPTOP_AT(httptop_config, filter_tgids_on, 14);
HTTPTOP_AT(httptop_config, filter_comms_on, 15);
HTTPTOP_AT(httptop_config, filter_ports_on, 16);
_Static_assert(sizeof(struct httptop_config) == 24, "httptop_config's size changed");

#endif /* HTTPTOP_H */
