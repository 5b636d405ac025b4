// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * httptop's kernel side: syscall tracepoints only (no kprobes), so it loads on
 * kernels without CONFIG_KPROBES and behaves the same on x86_64 and arm64.
 *
 * It does the work that saves work: it classifies file descriptors (only
 * stream sockets are followed: TCP over IPv4 and IPv6, and AF_UNIX),
 * recognises connections that are not HTTP/1.x and stops following them,
 * applies the --pid/--comm/--port selection once per connection, and counts
 * everything it cannot deliver. Parsing is user space's.
 */
#include "core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "httptop.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

_Static_assert(HTTPTOP_CAPTURE_BYTES == 4096, "the verifier masks below (4095, 8191) assume a 4 KiB cap");

/* set by the loader before load (struct httptop_config) */
const volatile struct httptop_config config = {.wakeup_bytes = 1 << 20};

#ifdef HTTPTOP_BENCH
/* the benchmarks' build only (bench/): modes that measure what parts of the work cost */
const volatile bool noop = false;      /* the floor: every program returns at once */
const volatile bool args_only = false; /* data syscalls' arguments saved at entry and taken at exit, nothing else */
#else
#define noop false
#define args_only false
#endif

/* ring buffer of struct httptop_record + payload; size set by the loader */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 32 << 20);
} records SEC(".maps");

/* counter index -> per-CPU count (enum httptop_counter) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HTTPTOP_CTR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

enum conn_state {
	CONN_UNKNOWN = 0,  /* not yet seen to carry HTTP/1.x or HTTP/2 */
	CONN_HTTP = 1,     /* every chunk is delivered */
	CONN_TLS = 2,      /* TLS records: the socket's bytes are not delivered, the TLS calls' plaintext is */
	CONN_NOT_HTTP = 3, /* another protocol: nothing is delivered */
	CONN_IGNORED = 4,  /* excluded by the selection filters */
};

/* What a TLS connection's plaintext carries, decided like a socket's first chunk */
enum plain_state {
	PLAIN_UNKNOWN = 0,
	PLAIN_HTTP = 1,
	PLAIN_NOT_HTTP = 2,
};

/* a connection's first chunks decide; pre-existing ones get this many tries */
#define UNKNOWN_CHUNKS_BEFORE_GIVING_UP 4096

struct conn_key {
	__u32 tgid;
	__s32 fd;
};

struct conn {
	__u64 id;
	__u32 state;       /* enum conn_state */
	__u32 unknown_chunks;
	__u8 origin;       /* enum httptop_origin */
	__u8 plain;        /* enum plain_state, for CONN_TLS */
	__u16 family;
	__u16 local_port;
	__u16 remote_port;
	__u8 local_addr[16];
	__u8 remote_addr[16];
	char comm[HTTPTOP_COMM_LEN];
	__u32 plain_unknown_chunks;
	/* HTTP/2: each direction walked frame header by frame header (index: enum httptop_direction) */
	__u8 h2;             /* the connection speaks HTTP/2 */
	__u8 h2_synced;      /* bit per direction: where the next frame header lies is known */
	__u8 h2_type[2];     /* type of the frame whose payload is under way (H2_NOT_DATA: the client preface) */
	__u32 h2_left[2];    /* bytes of that payload still to come */
	__u32 h2_header[2];  /* a frame header cut by the end of a chunk: its first bytes (length, type) so far */
	__u8 h2_have[2];     /* how many of its 9 bytes were seen */
	__u8 pad[2];
};

/* {tgid, fd} -> connection state; LRU so that exited processes cannot fill it */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct conn_key);
	__type(value, struct conn);
} conns SEC(".maps");

enum args_kind {
	ARGS_BUF = 0,      /* one buffer: read, write, recvfrom, sendto */
	ARGS_IOV = 1,      /* an iovec array: readv, writev, recvmsg, sendmsg */
	ARGS_SENDFILE = 2, /* bytes only */
	ARGS_CONNECT = 3,  /* connect(): the fd, to create the connection at exit */
};

struct inflight {
	__u64 ts_enter_ns;
	__u64 ptr;    /* buffer or iovec array */
	__u32 len;    /* buffer length or iovec count */
	__s32 fd;
	__u8 kind;    /* enum args_kind */
	__u8 syscall; /* enum httptop_syscall */
	__u8 direction;
	__u8 live;    /* task storage: saved and not yet taken */
	__u8 pad[4];
};

/* pid_tgid -> arguments saved at syscall entry, consumed and deleted at exit */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct inflight);
} inflight SEC(".maps");

/*
 * The same, in the task's own storage (Linux 5.12+ for tracepoint programs):
 * no hashing, no bucket lock, nothing to delete. The loader picks it when
 * the kernel has it (config.task_storage) and leaves the map uncreated otherwise.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight_task SEC(".maps");

/* selection filters, read once per new connection */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} filter_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[HTTPTOP_COMM_LEN]);
	__type(value, __u8);
} filter_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u8);
} filter_ports SEC(".maps");

/* an iovec syscall's record under construction: too big for the 512-byte stack */
struct record_buf {
	struct httptop_record hdr;
	/* three times the cap: room for any masked offset plus any masked size, as the verifier sees them */
	__u8 data[3 * HTTPTOP_CAPTURE_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct record_buf);
} scratch SEC(".maps");

/*
 * Shut until user space has attached every program: tracepoints attach one
 * at a time, and a connection traced in part would be misread (a response's
 * head written with writev, its body with sendfile not yet traced: the next
 * response taken for the body). Detaching needs no gate: user space stops
 * reading records first.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} gate SEC(".maps");

static __always_inline bool gate_shut(void)
{
	__u32 zero = 0;
	__u32 *open = bpf_map_lookup_elem(&gate, &zero);

	return !open || !*open;
}

/* source of connection ids */
__u64 next_conn_id = 0;

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

/* ---- TLS: where the plaintext of a TLS library call belongs ---- */

/* A TLS library read or write under way. */
struct tls_call {
	__u64 session;     /* SSL *, gnutls_session_t or *tls.Conn: what the fd cache is keyed by */
	__u64 buf;         /* the plaintext buffer */
	__u64 ex_bytes;    /* SSL_read_ex/SSL_write_ex: where the library stores the byte count; 0 otherwise */
	__u64 ts_ns;       /* a pending write: when its call returned */
	__u64 goroutine;   /* Go: the goroutine making the call (its go_tls_calls key) */
	__u64 entry_thread; /* Go: the pid_tgid it entered on (its tls_calls key) */
	__s32 fd;          /* the socket a syscall made inside the call used; -1: none (yet) */
	__u8 direction;    /* enum httptop_direction */
	__u8 go;           /* Go's crypto/tls: ex_bytes holds the length of the plaintext to write */
	__u8 emitted;      /* Go: the plaintext went at the call's socket write */
	__u8 pad;
};

/* a pending write older than this is not the one the socket write carries */
#define TLS_PENDING_WRITE_NS (500 * 1000 * 1000ULL)

/* pid_tgid -> the TLS call this thread is inside (a socket syscall made in it names the fd) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

struct goroutine_key {
	__u32 tgid;
	__u32 pad;
	__u64 goroutine; /* the g pointer: a goroutine can leave a call on another thread than it entered on */
};

/* {tgid, goroutine} -> Go's (*tls.Conn).Read or Write under way, until one of its RETs */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct goroutine_key);
	__type(value, struct tls_call);
} go_tls_calls SEC(".maps");

struct session_key {
	__u32 tgid;
	__u32 pad;
	__u64 session;
};

/* {tgid, session} -> the socket fd it was last tied to: for calls served from the library's buffer */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct session_key);
	__type(value, __s32);
} tls_fds SEC(".maps");

/*
 * pid_tgid -> the TLS socket this thread read last, until a TLS read takes it:
 * Node decrypts from memory after the socket read, with no syscall inside
 * SSL_read, so the read just before it on the same thread is its socket.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __s32);
} tls_last_read SEC(".maps");

/* a TLS write's plaintext, copied as its call returned: Node frees the buffer before the socket write */
struct pending_write {
	struct tls_call call; /* ex_bytes: the plaintext's length; ts_ns: when the call returned */
	__u32 captured;
	__u32 pad;
	__u8 data[HTTPTOP_CAPTURE_BYTES];
};

/*
 * pid_tgid -> a TLS write whose socket was not known yet: Node encrypts into
 * memory and writes the socket right after SSL_write on the same thread, so
 * that write names the socket, and the plaintext goes then.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct pending_write);
} tls_pending_write SEC(".maps");

/*
 * The struct inflight that tls_emit (0) and h2_emit_run (1) describe a record
 * with: kept off their stacks, which add up along tls_emit -> h2_walk -> h2_emit_run
 * called from a syscall program (512 bytes in all).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct inflight);
} inflight_scratch SEC(".maps");

/* a pending write under construction: too big for the stack */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pending_write);
} pending_scratch SEC(".maps");

static __always_inline int tls_emit_pending(struct conn *c, struct pending_write *pending, __u64 pid_tgid, __s32 fd);
__noinline int tls_emit(__u64 pid_tgid, __s32 fd, __u64 buf, __u32 bytes, __u32 direction);

/*
 * A write to TLS socket fd: the plaintext of this thread's TLS write that
 * waited for its socket goes now. A global function: the verifier checks it
 * once, not inlined into every syscall program.
 */
__noinline int flush_pending_tls_write(__u64 pid_tgid, __s32 fd)
{
	struct pending_write *pending = bpf_map_lookup_elem(&tls_pending_write, &pid_tgid);
	struct conn_key ckey = {.tgid = pid_tgid >> 32, .fd = fd};
	struct conn *c;

	if (!pending)
		return 0;
	c = bpf_map_lookup_elem(&conns, &ckey);
	if (bpf_ktime_get_ns() - pending->call.ts_ns > TLS_PENDING_WRITE_NS) {
		count(HTTPTOP_CTR_TLS_UNBOUND);
	} else {
		struct session_key key = {.tgid = pid_tgid >> 32, .session = pending->call.session};

		bpf_map_update_elem(&tls_fds, &key, &fd, BPF_ANY);
		tls_emit_pending(c, pending, pid_tgid, fd);
	}
	bpf_map_delete_elem(&tls_pending_write, &pid_tgid);
	return 0;
}

/*
 * A socket syscall on this thread: if the thread is inside a TLS call, the
 * call's session uses this fd; a read of a TLS socket is remembered for the
 * TLS read that follows it (Node).
 */
static __always_inline void note_tls_socket(__u64 pid_tgid, struct conn *c, __s32 fd, __u8 direction)
{
	struct tls_call *call;

	if (c->state == CONN_NOT_HTTP || c->state == CONN_IGNORED || c->state == CONN_HTTP)
		return;
	call = bpf_map_lookup_elem(&tls_calls, &pid_tgid);
	if (call) {
		struct session_key key = {.tgid = pid_tgid >> 32, .session = call->session};

		call->fd = fd;
		bpf_map_update_elem(&tls_fds, &key, &fd, BPF_ANY);
		/*
		 * Go's Write: its plaintext goes at its first socket write, not at one of its RETs,
		 * which its goroutine may reach only after another thread has read the answer.
		 */
		if (call->go && call->direction == HTTPTOP_EGRESS && direction == HTTPTOP_EGRESS && !call->emitted &&
		    c->state == CONN_TLS) {
			struct goroutine_key gkey = {.tgid = pid_tgid >> 32, .goroutine = call->goroutine};
			struct tls_call *go_call = bpf_map_lookup_elem(&go_tls_calls, &gkey);

			call->emitted = 1;
			if (go_call && !go_call->emitted) {
				go_call->emitted = 1;
				tls_emit(pid_tgid, fd, call->buf, call->ex_bytes, HTTPTOP_EGRESS);
			}
		}
	}
	if (c->state != CONN_TLS)
		return;
	if (direction == HTTPTOP_INGRESS)
		bpf_map_update_elem(&tls_last_read, &pid_tgid, &fd, BPF_ANY);
	else
		flush_pending_tls_write(pid_tgid, fd);
}

/* find the struct sock behind fd if it is a stream socket that can carry HTTP: TCP (IPv4, IPv6) or AF_UNIX */
static __always_inline struct sock *stream_sock_of(__s32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;
	struct socket *sock;
	struct sock *sk;
	unsigned short family;

	if (!fdt || fd < 0 || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	if (!sock || BPF_CORE_READ(sock, type) != SOCK_STREAM)
		return NULL;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6 && family != AF_UNIX)
		return NULL;
	return sk;
}

static __always_inline bool selected(struct conn *c, __u32 tgid)
{
	if (config.filter_tgids_on && !bpf_map_lookup_elem(&filter_tgids, &tgid))
		return false;
	if (config.filter_comms_on && !bpf_map_lookup_elem(&filter_comms, c->comm))
		return false;
	if (config.filter_ports_on && !bpf_map_lookup_elem(&filter_ports, &c->local_port) &&
	    !bpf_map_lookup_elem(&filter_ports, &c->remote_port))
		return false;
	return true;
}

/* whether an AF_UNIX socket or its peer has a name: it was accepted from, or connected to, a listener */
static __always_inline bool unix_named(struct sock *sk)
{
	struct unix_sock *u = (struct unix_sock *)sk;
	struct sock *peer;

	if (BPF_CORE_READ(u, addr))
		return true;
	peer = BPF_CORE_READ(u, peer);
	return peer && BPF_CORE_READ((struct unix_sock *)peer, addr);
}

/* make fresh state for {tgid, fd}; replaces whatever a missed close left behind */
static __always_inline struct conn *create_conn(struct conn_key *key, struct sock *sk, __u8 origin)
{
	struct conn c = {};

	c.id = __sync_fetch_and_add(&next_conn_id, 1) + 1;
	c.origin = origin;
	c.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (c.family == AF_UNIX) {
		/* no ports, no addresses: the socket names follow in one record when it turns out to be HTTP */
		if (!unix_named(sk)) {
			/*
			 * A socketpair: no listener, so no server. Node and libuv give every child
			 * process its stdio through these; what a program prints (curl -i) is not
			 * traffic. Remembered, so that its next syscalls cost a lookup.
			 */
			c.state = CONN_NOT_HTTP;
			bpf_map_update_elem(&conns, key, &c, BPF_ANY);
			return bpf_map_lookup_elem(&conns, key);
		}
	} else if (c.family == AF_INET) {
		c.local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
		c.remote_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		BPF_CORE_READ_INTO(&c.local_addr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO(&c.remote_addr, sk, __sk_common.skc_daddr);
	} else {
		c.local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
		c.remote_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		BPF_CORE_READ_INTO(&c.local_addr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&c.remote_addr, sk, __sk_common.skc_v6_daddr);
	}
	bpf_get_current_comm(&c.comm, sizeof(c.comm));
	if (!selected(&c, key->tgid)) {
		c.state = CONN_IGNORED;
		count(HTTPTOP_CTR_FILTERED_CONNS);
	} else {
		count(HTTPTOP_CTR_CONNS);
	}
	bpf_map_update_elem(&conns, key, &c, BPF_ANY);
	return bpf_map_lookup_elem(&conns, key);
}

/* state for {tgid, fd}, created lazily for connections open before httptop started */
static __always_inline struct conn *conn_of(__u32 tgid, __s32 fd)
{
	struct conn_key key = {.tgid = tgid, .fd = fd};
	struct conn *c = bpf_map_lookup_elem(&conns, &key);
	struct sock *sk;

	if (c)
		return c;
	sk = stream_sock_of(fd);
	if (!sk)
		return NULL;
	return create_conn(&key, sk, HTTPTOP_ORIGIN_UNKNOWN);
}

/* keep a data syscall's arguments until its exit */
static __always_inline void save_args(__u64 pid_tgid, struct inflight *args)
{
	if (config.task_storage) {
		struct inflight *slot = bpf_task_storage_get(&inflight_task, bpf_get_current_task_btf(), 0,
							     BPF_LOCAL_STORAGE_GET_F_CREATE);

		if (!slot) {
			count(HTTPTOP_CTR_ARGS_FULL);
			return;
		}
		*slot = *args;
		slot->live = 1;
		return;
	}
	if (bpf_map_update_elem(&inflight, &pid_tgid, args, BPF_ANY))
		count(HTTPTOP_CTR_ARGS_FULL);
}

/* take them back at its exit: false if none were kept */
static __always_inline bool take_args(__u64 pid_tgid, struct inflight *args)
{
	struct inflight *saved;

	if (config.task_storage) {
		saved = bpf_task_storage_get(&inflight_task, bpf_get_current_task_btf(), 0, 0);
		if (!saved || !saved->live)
			return false;
		*args = *saved;
		saved->live = 0;
		return true;
	}
	saved = bpf_map_lookup_elem(&inflight, &pid_tgid);
	if (!saved)
		return false;
	*args = *saved;
	bpf_map_delete_elem(&inflight, &pid_tgid);
	return true;
}

static __always_inline int enter_data(__s32 fd, __u64 ptr, __u32 len, __u8 kind, __u8 syscall,
				      __u8 direction)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct inflight args = {};
	struct conn *c;

	if (noop || tgid == config.self_tgid || gate_shut())
		return 0;
	args.ptr = ptr;
	args.len = len;
	args.fd = fd;
	args.kind = kind;
	args.syscall = syscall;
	args.direction = direction;
	if (args_only) {
		/* what reading a buffer at exit costs at the least: this save, and the take at exit */
		save_args(pid_tgid, &args);
		return 0;
	}
	c = conn_of(tgid, fd);
	if (!c)
		return 0;
	if (config.tls_on)
		note_tls_socket(pid_tgid, c, fd, direction);
	if (c->state >= CONN_TLS)
		return 0;
	/* a connection not yet known as HTTP has nothing to give sendfile's byte count */
	if (kind == ARGS_SENDFILE && c->state != CONN_HTTP)
		return 0;
	/* ingress: the entry time would say how long the process waited for bytes, which nothing reads (one clock read saved) */
	args.ts_enter_ns = direction == HTTPTOP_EGRESS ? bpf_ktime_get_ns() : 0;
	save_args(pid_tgid, &args);
	return 0;
}

#define FOUR(a, b, c, d) ((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)

/* the start of an HTTP/1.x request or response? (the first 8 bytes of a chunk) */
static __always_inline bool looks_like_http(const __u8 *p)
{
	__u32 w = FOUR(p[0], p[1], p[2], p[3]);

	switch (w) {
	case FOUR('G', 'E', 'T', ' '):
	case FOUR('P', 'U', 'T', ' '):
		return true;
	case FOUR('P', 'O', 'S', 'T'):
	case FOUR('H', 'E', 'A', 'D'):
		return p[4] == ' ';
	case FOUR('D', 'E', 'L', 'E'):
	case FOUR('P', 'A', 'T', 'C'):
	case FOUR('O', 'P', 'T', 'I'):
	case FOUR('C', 'O', 'N', 'N'):
	case FOUR('T', 'R', 'A', 'C'):
		return true;
	case FOUR('H', 'T', 'T', 'P'):
		return p[4] == '/' && p[5] == '1' && p[6] == '.';
	case FOUR('P', 'R', 'I', ' '):
		/* the HTTP/2 client preface, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" */
		return p[4] == '*' && p[5] == ' ' && p[6] == 'H' && p[7] == 'T';
	}
	return false;
}

/*
 * An HTTP/2 frame header (9 bytes): a known type (DATA to CONTINUATION), a
 * length within the default largest frame, the stream id's reserved bit clear.
 * Returns the frame's length, or -1.
 */
static __always_inline int h2_frame_length(const __u8 *p)
{
	__u32 length = (__u32)p[0] << 16 | (__u32)p[1] << 8 | p[2];

	if (p[3] > 9 || length > 16384 || (p[5] & 0x80))
		return -1;
	return length;
}

/*
 * Whether a one-buffer chunk starts with HTTP/2 frames: a frame header, and
 * either the chunk ends with that frame or another frame header follows it
 * (two headers by chance are rare enough). For a connection joined late; and
 * for a server's first write, whose first frame must be SETTINGS.
 */
static __always_inline bool starts_with_h2_frames(__u64 buf, __u32 bytes, const bool in_kernel, bool settings_first)
{
	__u8 header[9];
	int length;

	if (bytes < 9 || (in_kernel ? bpf_probe_read_kernel(header, 9, (void *)buf) : bpf_probe_read_user(header, 9, (void *)buf)))
		return false;
	length = h2_frame_length(header);
	if (length < 0)
		return false;
	/* a server's connection preface: SETTINGS (type 4) on stream 0 */
	if (settings_first && (header[3] != 4 || header[5] || header[6] || header[7] || header[8]))
		return false;
	if ((__u32)length + 9 == bytes)
		return true;
	if ((__u32)length + 18 > bytes)
		return false;
	if (in_kernel ? bpf_probe_read_kernel(header, 9, (void *)(buf + 9 + length))
		      : bpf_probe_read_user(header, 9, (void *)(buf + 9 + length)))
		return false;
	return h2_frame_length(header) >= 0;
}

/*
 * The start lines looks_like_http accepts, spelled out to its last tested byte:
 * what a first chunk shorter than 8 bytes must begin with (a client that
 * writes its request in pieces: "GET " then the target, or a byte at a time).
 */
#define HTTP_STARTS 10
static const char http_starts[HTTP_STARTS][8] = {"GET ", "PUT ", "POST ", "HEAD ", "DELE", "PATC",
						 "OPTI", "CONN", "TRAC", "HTTP/1."};

/* whether the `n` (1-7) bytes at p can begin a chunk looks_like_http accepts */
static __always_inline bool could_start_http(const __u8 *p, __u32 n)
{
#pragma unroll
	for (int s = 0; s < HTTP_STARTS; s++) {
		bool same = true;

#pragma unroll
		for (int i = 0; i < 7; i++) {
			if (i < n && http_starts[s][i] != 0 && p[i] != (__u8)http_starts[s][i])
				same = false;
		}
		if (same)
			return true;
	}
	return false;
}

/* a TLS record's header: change_cipher_spec, alert, handshake or application_data, version 3.x */
static __always_inline bool looks_like_tls(const __u8 *p)
{
	return p[0] >= 0x14 && p[0] <= 0x17 && p[1] == 0x03 && p[2] <= 0x04;
}

/* surely another protocol: TLS records */
static __always_inline bool surely_not_http(const __u8 *p)
{
	return p[0] == 0x16 && p[1] == 0x03;
}

/*
 * Mask a length in a way clang cannot optimise away, so the verifier sees the
 * bound at the helper call even where clang proved it by other means.
 */
#define VERIFIER_BOUND(v, mask) asm volatile("%[x] &= " #mask : [x] "+r"(v))

/* copy up to `total` bytes of an iovec syscall's payload into dst; returns bytes copied */
static __always_inline __u32 copy_iov_payload(__u8 *dst, struct inflight *a, __u32 total)
{
	__u32 off = 0;

	if (total > HTTPTOP_CAPTURE_BYTES)
		total = HTTPTOP_CAPTURE_BYTES;
	for (int i = 0; i < HTTPTOP_MAX_IOV; i++) {
		struct user_iovec iov;
		__u64 n;

		if (i >= a->len || off >= total)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(a->ptr + i * sizeof(iov)))) {
			count(HTTPTOP_CTR_READ_FAULTS);
			break;
		}
		n = iov.len;
		if (n > total - off)
			n = total - off;
		/* the masks change no value (off < cap, n <= cap); they let the verifier bound the copy */
		__u64 at = off;

		VERIFIER_BOUND(at, 4095);
		VERIFIER_BOUND(n, 8191);
		if (bpf_probe_read_user(dst + at, n, (void *)iov.base)) {
			count(HTTPTOP_CTR_READ_FAULTS);
			break;
		}
		off += n;
	}
	return off;
}

/* read the first 8 bytes of the payload (for classification) */
static __always_inline int peek_payload(__u8 *dst, struct inflight *a, const __u8 kind)
{
	struct user_iovec iov;
	__u64 base = a->ptr;

	if (kind == ARGS_IOV) {
		if (a->len == 0 || bpf_probe_read_user(&iov, sizeof(iov), (void *)a->ptr))
			return -1;
		base = iov.base;
		/* a tiny first iovec: classification from the full copy is not worth it */
		if (iov.len < 8)
			return -1;
	}
	return bpf_probe_read_user(dst, 8, (void *)base);
}

/* read the `n` (1-7) bytes of a one-buffer syscall's short payload */
static __always_inline int peek_short(__u8 *dst, struct inflight *a, __u32 n)
{
	__u64 len = n;

	VERIFIER_BOUND(len, 7);
	return bpf_probe_read_user(dst, len, (void *)a->ptr);
}

static __always_inline void fill_header(struct httptop_record *h, struct conn *c, struct inflight *a,
					__u64 pid_tgid, __u8 kind)
{
	h->kind = kind;
	h->direction = a->direction;
	h->syscall = a->syscall;
	h->origin = c->origin;
	h->family = c->family;
	h->local_port = c->local_port;
	h->remote_port = c->remote_port;
	h->flags = 0;
	h->tgid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->fd = a->fd;
	h->conn_id = c->id;
	h->ts_exit_ns = bpf_ktime_get_ns();
	h->ts_enter_ns = a->ts_enter_ns ? a->ts_enter_ns : h->ts_exit_ns;
	__builtin_memcpy(h->local_addr, c->local_addr, 16);
	__builtin_memcpy(h->remote_addr, c->remote_addr, 16);
	__builtin_memcpy(h->comm, c->comm, HTTPTOP_COMM_LEN);
}

static __always_inline void submit(void *rec, __u64 size)
{
	/* no wake-up per record: the consumer drains on a timer unless a backlog builds */
	__u64 flags = bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) > config.wakeup_bytes ? BPF_RB_FORCE_WAKEUP
										    : BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_output(&records, rec, size, flags))
		count(HTTPTOP_CTR_RINGBUF_DROPS);
	else
		count(HTTPTOP_CTR_RECORDS);
}

/*
 * A one-buffer syscall's record, built in place in the ring buffer: the payload
 * is copied once, from user memory straight into the record. A reservation's
 * size must be a constant, so the record has `room` payload bytes (a size class
 * >= total); the bytes after `captured` are padding.
 */
static __always_inline int emit_buf(struct conn *c, struct inflight *a, __u64 pid_tgid, __u32 bytes,
				    __u32 total, const __u32 room, const __u16 flags_bits)
{
	__u64 flags = bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) > config.wakeup_bytes ? BPF_RB_FORCE_WAKEUP
										    : BPF_RB_NO_WAKEUP;
	struct httptop_record *h = bpf_ringbuf_reserve(&records, sizeof(*h) + room, 0);
	__u64 n = total;

	if (!h) {
		count(HTTPTOP_CTR_RINGBUF_DROPS);
		return 0;
	}
	/* the clamp changes no value (total <= room); kept so that the verifier sees the bound */
	barrier_var(n);
	if (n > room)
		n = room;
	if (bpf_probe_read_user((__u8 *)(h + 1), n, (void *)a->ptr)) {
		count(HTTPTOP_CTR_READ_FAULTS);
		n = 0;
	}
	fill_header(h, c, a, pid_tgid, HTTPTOP_RECORD_DATA);
	h->flags = flags_bits;
	h->bytes = bytes;
	h->captured = n;
	if (n < bytes)
		count(HTTPTOP_CTR_TRUNCATED);
	bpf_ringbuf_submit(h, flags);
	count(HTTPTOP_CTR_RECORDS);
	return 0;
}

/* a one-buffer record in the smallest size class that holds the copy */
static __always_inline int emit_sized(struct conn *c, struct inflight *a, __u64 pid_tgid, __u32 bytes,
				      const __u16 flags_bits)
{
	__u32 total = bytes < HTTPTOP_CAPTURE_BYTES ? bytes : HTTPTOP_CAPTURE_BYTES;

	if (total <= 128)
		return emit_buf(c, a, pid_tgid, bytes, total, 128, flags_bits);
	if (total <= 512)
		return emit_buf(c, a, pid_tgid, bytes, total, 512, flags_bits);
	if (total <= 1024)
		return emit_buf(c, a, pid_tgid, bytes, total, 1024, flags_bits);
	return emit_buf(c, a, pid_tgid, bytes, total, HTTPTOP_CAPTURE_BYTES, flags_bits);
}

/* the name of an AF_UNIX socket into dst (128 bytes of room); returns its length, 0 if unnamed */
static __always_inline __u32 unix_name(struct sock *sk, char *dst)
{
	struct unix_address *addr;
	__u64 len;

	if (!sk)
		return 0;
	addr = BPF_CORE_READ((struct unix_sock *)sk, addr);
	if (!addr)
		return 0;
	len = BPF_CORE_READ(addr, len);
	/* len counts sun_family too: no more than that is no name */
	if (len <= sizeof(unsigned short))
		return 0;
	len -= sizeof(unsigned short);
	if (len > HTTPTOP_UNIX_NAME_BYTES)
		len = HTTPTOP_UNIX_NAME_BYTES;
	VERIFIER_BOUND(len, 127);
	if (bpf_probe_read_kernel(dst, len, __builtin_preserve_access_index(&addr->name[0].sun_path)))
		return 0;
	return len;
}

/*
 * Once per AF_UNIX connection, when its first HTTP chunk is seen: the names
 * of both ends, which stand for its addresses (struct httptop_unix_names).
 */
static __always_inline void emit_unix_names(struct conn *c, struct inflight *a, __u64 pid_tgid)
{
	struct httptop_record *h =
		bpf_ringbuf_reserve(&records, sizeof(*h) + sizeof(struct httptop_unix_names), 0);
	struct httptop_unix_names *names;
	struct sock *sk = stream_sock_of(a->fd);
	__u32 local, remote;

	if (!h) {
		count(HTTPTOP_CTR_RINGBUF_DROPS);
		return;
	}
	names = (struct httptop_unix_names *)(h + 1);
	local = unix_name(sk, names->local);
	remote = sk ? unix_name(BPF_CORE_READ((struct unix_sock *)sk, peer), names->remote) : 0;
	fill_header(h, c, a, pid_tgid, HTTPTOP_RECORD_UNIX_NAMES);
	h->bytes = local | remote << 16;
	h->captured = sizeof(*names);
	bpf_ringbuf_submit(h, BPF_RB_NO_WAKEUP); /* its data record follows at once */
	count(HTTPTOP_CTR_RECORDS);
}

/* ---- HTTP/2: frame boundaries followed in the kernel, so that no HEADERS frame hides behind a DATA frame ---- */

#define H2_NOT_DATA 0xff       /* the client preface's bytes: copied like any frame but DATA */
#define H2_PREFACE_BYTES 24
#define H2_MAX_FRAMES 16      /* frame headers walked per chunk (the verifier's cost grows with it); past that the direction is found again at a chunk that starts with frames */

/* the direction that carries the server's connection preface (its SETTINGS frame) on a connection seen from its start */
static __always_inline bool server_preface_side(struct conn *c, __u8 direction)
{
	return (c->origin == HTTPTOP_ORIGIN_ACCEPTED && direction == HTTPTOP_EGRESS) ||
	       (c->origin == HTTPTOP_ORIGIN_CONNECTED && direction == HTTPTOP_INGRESS);
}

/* the connection speaks HTTP/2: `direction`'s first chunk starts with the client preface, or with a frame */
static __always_inline void h2_begin(struct conn *c, __u8 direction, bool preface)
{
	__u8 d = direction & 1, other = d ^ 1;

	c->h2 = 1;
	c->h2_synced = 1 << d;
	c->h2_type[d] = H2_NOT_DATA;
	c->h2_left[d] = preface ? H2_PREFACE_BYTES : 0;
	c->h2_header[d] = 0;
	c->h2_have[d] = 0;
	if (c->origin == HTTPTOP_ORIGIN_UNKNOWN)
		return; /* joined late: the other direction is found at a chunk that starts with frames */
	/* seen from the start: the other side begins with its SETTINGS frame, or with the preface */
	c->h2_synced |= 1 << other;
	c->h2_type[other] = H2_NOT_DATA;
	c->h2_left[other] = preface ? 0 : H2_PREFACE_BYTES;
	c->h2_header[other] = 0;
	c->h2_have[other] = 0;
}

/* the direction's frame boundaries are lost (a vectored or sendfile chunk, too many frames): found again later */
static __always_inline void h2_lose(struct conn *c, __u8 direction)
{
	c->h2_synced &= ~(1 << (direction & 1));
}

#define H2_WALK_ARGS(fd, direction, syscall, flags) \
	((__u64)(__u32)(fd) | (__u64)(direction) << 32 | (__u64)(syscall) << 40 | (__u64)(flags) << 48)
#define H2_RUN_COPIED (1ULL << 33)
#define H2_FORCE_RUNS (1ULL << 34) /* a part of a bigger vectored chunk: goes as runs whatever its own size */

/*
 * One record of a walked chunk: `bytes` of it, copied from buf (up to the cap)
 * or, a DATA payload, only counted. `what` is H2_WALK_ARGS(...), with
 * H2_RUN_COPIED for a copied run. A global function, verified once.
 */
__noinline int h2_emit_run(__u64 pid_tgid, __u64 buf, __u32 bytes, __u64 what, __u64 ts_enter_ns)
{
	struct conn_key key = {.tgid = pid_tgid >> 32, .fd = (__s32)(__u32)what};
	struct conn *c = bpf_map_lookup_elem(&conns, &key);
	bool copy = what & H2_RUN_COPIED;
	__u32 slot = 1;
	struct inflight *a = bpf_map_lookup_elem(&inflight_scratch, &slot);
	__u16 flags_bits = what >> 48;
	struct httptop_record *h;
	__u64 n = bytes;

	if (!bytes || !c || !a)
		return 0;
	__builtin_memset(a, 0, sizeof(*a));
	a->fd = key.fd;
	a->direction = (what >> 32) & 1;
	a->syscall = (what >> 40) & 0xff;
	a->ts_enter_ns = ts_enter_ns;
	h = copy ? bpf_ringbuf_reserve(&records, sizeof(*h) + HTTPTOP_CAPTURE_BYTES, 0)
		 : bpf_ringbuf_reserve(&records, sizeof(*h), 0);
	if (!h) {
		count(HTTPTOP_CTR_RINGBUF_DROPS);
		return 0;
	}
	barrier_var(n);
	if (n > HTTPTOP_CAPTURE_BYTES)
		n = HTTPTOP_CAPTURE_BYTES;
	if (!copy)
		n = 0;
	else if (bpf_probe_read_user((__u8 *)(h + 1), n, (void *)buf)) {
		count(HTTPTOP_CTR_READ_FAULTS);
		n = 0;
	}
	fill_header(h, c, a, pid_tgid, HTTPTOP_RECORD_DATA);
	h->flags = flags_bits;
	h->bytes = bytes;
	h->captured = n;
	if (copy && n < bytes)
		count(HTTPTOP_CTR_TRUNCATED);
	bpf_ringbuf_submit(h, BPF_RB_NO_WAKEUP);
	count(HTTPTOP_CTR_RECORDS);
	return 0;
}

/*
 * One one-buffer chunk of an HTTP/2 connection, walked frame header by frame
 * header (a header cut by the chunk's end is finished in the next). A chunk
 * the copy holds whole is left to the caller (returns 0). A bigger one goes
 * as several records with the syscall's times: runs of everything but DATA
 * payloads (frame headers, HEADERS and CONTINUATION blocks, SETTINGS...),
 * copied, and DATA payloads, only counted (returns 1). A global function:
 * the verifier checks it once.
 */
/* `what` is H2_WALK_ARGS(fd, direction, syscall, flags): a BPF function takes five arguments at most */
__noinline int h2_walk(__u64 pid_tgid, __u64 buf, __u32 bytes, __u64 what, __u64 ts_enter_ns)
{
	__s32 fd = (__s32)(__u32)what;
	struct conn_key key = {.tgid = pid_tgid >> 32, .fd = fd};
	struct conn *c = bpf_map_lookup_elem(&conns, &key);
	__u32 d = (what >> 32) & 1, off = 0, run = 0;
	bool big = bytes > HTTPTOP_CAPTURE_BYTES || (what & H2_FORCE_RUNS), done = false;

	if (!c || !c->h2)
		return 0;
	if (!(c->h2_synced & (1 << d))) {
		/* found again where a chunk starts with frames; until then chunks go as a copied prefix */
		if (!starts_with_h2_frames(buf, bytes, false, false)) {
			if (!(what & H2_FORCE_RUNS))
				return 0;
			h2_emit_run(pid_tgid, buf, bytes, what | H2_RUN_COPIED, ts_enter_ns);
			return 1;
		}
		c->h2_synced |= 1 << d;
		c->h2_left[d] = 0;
		c->h2_header[d] = 0;
		c->h2_have[d] = 0;
	}
	for (int i = 0; i < H2_MAX_FRAMES; i++) {
		__u32 left = c->h2_left[d], have = c->h2_have[d], value = c->h2_header[d], avail, want;
		__u8 b[8] = {};
		__u64 n;

		if (left) {
			__u32 take = bytes - off < left ? bytes - off : left;

			if (big && c->h2_type[d] == 0) {
				h2_emit_run(pid_tgid, buf + run, off - run, what | H2_RUN_COPIED, ts_enter_ns);
				h2_emit_run(pid_tgid, 0, take, what, ts_enter_ns);
				run = off + take;
			}
			off += take;
			c->h2_left[d] = left - take;
		}
		if (off >= bytes) {
			done = true;
			break;
		}
		/* the next frame header, perhaps begun in the last chunk: only its first 4 bytes (length, type) matter */
		avail = bytes - off;
		if (have > 8)
			have = 8;
		if (have < 4) {
			want = 4 - have;
			if (want > avail)
				want = avail;
			n = want;
			VERIFIER_BOUND(n, 7);
			if (bpf_probe_read_user(b, n, (void *)(buf + off)))
				break;
			if (want > 0)
				value = value << 8 | b[0];
			if (want > 1)
				value = value << 8 | b[1];
			if (want > 2)
				value = value << 8 | b[2];
			if (want > 3)
				value = value << 8 | b[3];
		}
		if (avail < 9 - have) {
			/* cut by the chunk's end: finished in the next chunk */
			c->h2_have[d] = have + avail;
			c->h2_header[d] = value;
			done = true;
			break;
		}
		off += 9 - have;
		c->h2_have[d] = 0;
		c->h2_header[d] = 0;
		c->h2_type[d] = value & 0xff;
		c->h2_left[d] = value >> 8;
	}
	if (!done)
		h2_lose(c, d);
	if (!big)
		return 0;
	h2_emit_run(pid_tgid, buf + run, bytes - run, what | H2_RUN_COPIED, ts_enter_ns);
	return 1;
}

/*
 * A vectored chunk of an HTTP/2 connection (Node's writev): each iovec walked
 * in turn as one buffer. A chunk bigger than the copy goes as runs, iovec by
 * iovec (returns 1); a smaller one is left to the caller (returns 0). `what`
 * carries the iovec count in its top byte.
 */
__noinline int h2_walk_iov(__u64 pid_tgid, __u64 iov_ptr, __u32 bytes, __u64 what, __u64 ts_enter_ns)
{
	struct conn_key key = {.tgid = pid_tgid >> 32, .fd = (__s32)(__u32)what};
	__u32 count = what >> 56, left = bytes;
	bool big = bytes > HTTPTOP_CAPTURE_BYTES;
	struct conn *c;

	what &= ~(0xffULL << 56);
	for (int i = 0; i < HTTPTOP_MAX_IOV; i++) {
		struct user_iovec iov;
		__u32 len;

		if (i >= count || !left)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(iov_ptr + i * sizeof(iov))))
			break;
		len = iov.len < left ? iov.len : left;
		left -= len;
		if (len)
			h2_walk(pid_tgid, iov.base, len, big ? what | H2_FORCE_RUNS : what, ts_enter_ns);
	}
	if (left) {
		/* more iovecs than are read: their bytes are counted, and the framing is found again later */
		c = bpf_map_lookup_elem(&conns, &key);
		if (c)
			h2_lose(c, (what >> 32) & 1);
		if (big)
			h2_emit_run(pid_tgid, 0, left, what, ts_enter_ns);
	}
	return big;
}

/* `kind` is a constant: each exit program holds only the code of its own syscall's arguments */
static __always_inline int exit_data(struct syscall_exit_ctx *ctx, const __u8 kind)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct inflight a;
	struct record_buf *rec;
	struct conn *c;
	__u32 zero = 0, bytes, captured = 0;
	__s64 ret = ctx->ret;

	if (noop)
		return 0;
	/* no gate test: only an entry with the gate open saved arguments */
	if (!take_args(pid_tgid, &a))
		return 0;
	if (args_only || ret <= 0 || a.kind != kind)
		return 0;
	bytes = ret;

	struct conn_key key = {.tgid = pid_tgid >> 32, .fd = a.fd};
	c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return 0;
	rec = bpf_map_lookup_elem(&scratch, &zero);
	if (!rec)
		return 0;

	/* decide what an unclassified connection carries from its chunk's first bytes */
	if (c->state == CONN_UNKNOWN) {
		__u8 head[8] = {};
		bool http, h2_frames = false;

		if (bytes >= 8)
			http = !peek_payload(head, &a, kind) && looks_like_http(head);
		else
			/* a short first chunk of a connection seen from its start: a prefix of a start line will do */
			http = c->origin != HTTPTOP_ORIGIN_UNKNOWN && kind == ARGS_BUF && !peek_short(head, &a, bytes) &&
			       could_start_http(head, bytes);
		/* HTTP/2 joined late, or the server's SETTINGS before the client's preface (a server writes it first, a client may read it first) */
		if (!http && kind == ARGS_BUF && (c->origin == HTTPTOP_ORIGIN_UNKNOWN || server_preface_side(c, a.direction)))
			http = h2_frames = starts_with_h2_frames(a.ptr, bytes, false, c->origin != HTTPTOP_ORIGIN_UNKNOWN);
		/* the same, vectored (gRPC's sendmsg and recvmsg): a SETTINGS frame, from the first 8 bytes */
		if (!http && kind == ARGS_IOV && bytes >= 9 && server_preface_side(c, a.direction) && head[3] == 4 &&
		    !head[4] && !head[5] && !head[6] && !head[7] && h2_frame_length(head) >= 0)
			http = h2_frames = true;
		if (!http) {
			if (config.tls_on && bytes >= 8 && looks_like_tls(head)) {
				/* its plaintext comes from the TLS library's calls */
				c->state = CONN_TLS;
				count(HTTPTOP_CTR_TLS_CONNS);
				if (a.direction == HTTPTOP_INGRESS)
					bpf_map_update_elem(&tls_last_read, &pid_tgid, &a.fd, BPF_ANY);
				else
					flush_pending_tls_write(pid_tgid, a.fd);
				return 0;
			}
			if (surely_not_http(head) || c->origin != HTTPTOP_ORIGIN_UNKNOWN ||
			    ++c->unknown_chunks > UNKNOWN_CHUNKS_BEFORE_GIVING_UP) {
				/* we saw this connection's first bytes (or enough of them): not HTTP/1.x */
				c->state = CONN_NOT_HTTP;
				count(HTTPTOP_CTR_NOT_HTTP_CONNS);
			} else {
				count(HTTPTOP_CTR_SKIPPED_CHUNKS);
			}
			return 0;
		}
		c->state = CONN_HTTP;
		if (h2_frames || FOUR(head[0], head[1], head[2], head[3]) == FOUR('P', 'R', 'I', ' '))
			h2_begin(c, a.direction, !h2_frames);
		if (c->family == AF_UNIX)
			emit_unix_names(c, &a, pid_tgid);
	}
	if (c->state != CONN_HTTP)
		return 0;
	if (c->h2) {
		__u64 base = a.ptr;

		if (kind == ARGS_IOV) {
			if (h2_walk_iov(pid_tgid, a.ptr, bytes,
					H2_WALK_ARGS(a.fd, a.direction, a.syscall, 0) | (__u64)(a.len < 255 ? a.len : 255) << 56,
					a.ts_enter_ns))
				return 0;
		} else if (kind == ARGS_SENDFILE) {
			h2_lose(c, a.direction);
		} else if (h2_walk(pid_tgid, base, bytes, H2_WALK_ARGS(a.fd, a.direction, a.syscall, 0), a.ts_enter_ns)) {
			return 0;
		}
	}

	/* one buffer: in place, in the smallest size class that holds the copy */
	if (kind == ARGS_BUF)
		return emit_sized(c, &a, pid_tgid, bytes, 0);
	if (kind == ARGS_IOV)
		captured = copy_iov_payload(rec->data, &a, bytes);
	fill_header(&rec->hdr, c, &a, pid_tgid, HTTPTOP_RECORD_DATA);
	rec->hdr.bytes = bytes;
	rec->hdr.captured = captured;
	if (captured < bytes && kind != ARGS_SENDFILE)
		count(HTTPTOP_CTR_TRUNCATED);
	__u64 size = captured;

	VERIFIER_BOUND(size, 8191);
	submit(rec, sizeof(rec->hdr) + size);
	return 0;
}

/* data syscalls: save arguments at entry, read the real bytes at exit */

#define DATA_BUF(name, sys, dir)                                                  \
	SEC("tracepoint/syscalls/sys_enter_" #name)                               \
	int enter_##name(struct syscall_enter_ctx *ctx)                           \
	{                                                                          \
		return enter_data(ctx->args[0], ctx->args[1], ctx->args[2], ARGS_BUF, \
				  sys, dir);                                        \
	}                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                \
	int exit_##name(struct syscall_exit_ctx *ctx) { return exit_data(ctx, ARGS_BUF); }

#define DATA_IOV(name, sys, dir)                                                  \
	SEC("tracepoint/syscalls/sys_enter_" #name)                               \
	int enter_##name(struct syscall_enter_ctx *ctx)                           \
	{                                                                          \
		return enter_data(ctx->args[0], ctx->args[1], ctx->args[2], ARGS_IOV, \
				  sys, dir);                                        \
	}                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                \
	int exit_##name(struct syscall_exit_ctx *ctx) { return exit_data(ctx, ARGS_IOV); }

DATA_BUF(read, HTTPTOP_SYS_READ, HTTPTOP_INGRESS)
DATA_BUF(write, HTTPTOP_SYS_WRITE, HTTPTOP_EGRESS)
DATA_BUF(sendto, HTTPTOP_SYS_SENDTO, HTTPTOP_EGRESS)
DATA_IOV(readv, HTTPTOP_SYS_READV, HTTPTOP_INGRESS)
DATA_IOV(writev, HTTPTOP_SYS_WRITEV, HTTPTOP_EGRESS)

/* MSG_PEEK leaves the bytes in the socket: they are read again, and counted then (wget peeks at every response) */
#define HTTPTOP_MSG_PEEK 2

/* recvfrom(fd, buf, len, flags, ...) */
SEC("tracepoint/syscalls/sys_enter_recvfrom")
int enter_recvfrom(struct syscall_enter_ctx *ctx)
{
	if (ctx->args[3] & HTTPTOP_MSG_PEEK)
		return 0;
	return enter_data(ctx->args[0], ctx->args[1], ctx->args[2], ARGS_BUF, HTTPTOP_SYS_RECVFROM,
			  HTTPTOP_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int exit_recvfrom(struct syscall_exit_ctx *ctx) { return exit_data(ctx, ARGS_BUF); }

/* recvmsg/sendmsg: the iovec array hangs off the msghdr */
static __always_inline int enter_msg(struct syscall_enter_ctx *ctx, __u8 syscall, __u8 direction)
{
	struct user_msghdr_prefix msg;

	if (noop)
		return 0;
	if (bpf_probe_read_user(&msg, sizeof(msg), (void *)ctx->args[1]))
		return 0;
	return enter_data(ctx->args[0], msg.iov, msg.iovlen, ARGS_IOV, syscall, direction);
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int enter_recvmsg(struct syscall_enter_ctx *ctx)
{
	if (ctx->args[2] & HTTPTOP_MSG_PEEK)
		return 0;
	return enter_msg(ctx, HTTPTOP_SYS_RECVMSG, HTTPTOP_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int exit_recvmsg(struct syscall_exit_ctx *ctx) { return exit_data(ctx, ARGS_IOV); }

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int enter_sendmsg(struct syscall_enter_ctx *ctx)
{
	return enter_msg(ctx, HTTPTOP_SYS_SENDMSG, HTTPTOP_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int exit_sendmsg(struct syscall_exit_ctx *ctx) { return exit_data(ctx, ARGS_IOV); }

/* sendfile(out_fd, in_fd, offset, count): body bytes leave without passing user memory */
SEC("tracepoint/syscalls/sys_enter_sendfile64")
int enter_sendfile64(struct syscall_enter_ctx *ctx)
{
	return enter_data(ctx->args[0], 0, 0, ARGS_SENDFILE, HTTPTOP_SYS_SENDFILE, HTTPTOP_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_sendfile64")
int exit_sendfile64(struct syscall_exit_ctx *ctx) { return exit_data(ctx, ARGS_SENDFILE); }

/* connection life */

static __always_inline int new_conn(__s32 fd, __u8 origin)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct conn_key key = {.tgid = pid_tgid >> 32, .fd = fd};
	struct sock *sk;

	if (noop || args_only || key.tgid == config.self_tgid || gate_shut())
		return 0;
	sk = stream_sock_of(fd);
	if (sk)
		create_conn(&key, sk, origin);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept(struct syscall_exit_ctx *ctx)
{
	return ctx->ret >= 0 ? new_conn(ctx->ret, HTTPTOP_ORIGIN_ACCEPTED) : 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct syscall_exit_ctx *ctx)
{
	return ctx->ret >= 0 ? new_conn(ctx->ret, HTTPTOP_ORIGIN_ACCEPTED) : 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct syscall_enter_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct inflight args = {};

	if (noop || args_only || (pid_tgid >> 32) == config.self_tgid || gate_shut())
		return 0;
	args.fd = ctx->args[0];
	args.kind = ARGS_CONNECT;
	bpf_map_update_elem(&inflight, &pid_tgid, &args, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct inflight *saved;
	__s32 fd;

	if (noop)
		return 0;
	saved = bpf_map_lookup_elem(&inflight, &pid_tgid);
	if (!saved)
		return 0;
	fd = saved->fd;
	bpf_map_delete_elem(&inflight, &pid_tgid);
	/* -EINPROGRESS (-115): a non-blocking connect under way; the addresses are set */
	if (ctx->ret != 0 && ctx->ret != -115)
		return 0;
	return new_conn(fd, HTTPTOP_ORIGIN_CONNECTED);
}

SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct syscall_enter_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct conn_key key = {.tgid = pid_tgid >> 32, .fd = ctx->args[0]};
	struct record_buf *rec;
	struct inflight a = {};
	struct conn *c;
	__u32 zero = 0;

	if (noop || gate_shut())
		return 0;
	c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return 0;
	/* tell user space so it can end close-delimited responses and free the stream */
	if (c->state == CONN_HTTP && (rec = bpf_map_lookup_elem(&scratch, &zero))) {
		a.fd = key.fd;
		a.syscall = HTTPTOP_SYS_CLOSE;
		a.ts_enter_ns = bpf_ktime_get_ns();
		fill_header(&rec->hdr, c, &a, pid_tgid, HTTPTOP_RECORD_CLOSE);
		rec->hdr.bytes = 0;
		rec->hdr.captured = 0;
		submit(rec, sizeof(rec->hdr));
	}
	bpf_map_delete_elem(&conns, &key);
	return 0;
}

/* ---- TLS plaintext: uprobes on the TLS libraries' read and write functions ---- */

/* whether a TLS connection's plaintext is HTTP, from its first plaintext chunk (as exit_data decides for sockets) */
static __always_inline bool plaintext_is_http(struct conn *c, __u64 buf, __u32 bytes, __u32 direction, const bool in_kernel)
{
	__u8 head[8] = {};

	if (c->plain == PLAIN_HTTP)
		return true;
	if (c->plain == PLAIN_NOT_HTTP)
		return false;
	if (bytes >= 8) {
		if (!(in_kernel ? bpf_probe_read_kernel(head, 8, (void *)buf) : bpf_probe_read_user(head, 8, (void *)buf)) &&
		    looks_like_http(head)) {
			c->plain = PLAIN_HTTP;
			if (head[0] == 'P')
				h2_begin(c, direction, true);
			return true;
		}
	} else {
		__u64 len = bytes;

		VERIFIER_BOUND(len, 7);
		if (!(in_kernel ? bpf_probe_read_kernel(head, len, (void *)buf) : bpf_probe_read_user(head, len, (void *)buf)) &&
		    could_start_http(head, bytes)) {
			c->plain = PLAIN_HTTP;
			return true;
		}
	}
	/* HTTP/2 frames (ALPN h2) joined late, or the server's SETTINGS first */
	if ((c->origin == HTTPTOP_ORIGIN_UNKNOWN || server_preface_side(c, direction)) &&
	    starts_with_h2_frames(buf, bytes, in_kernel, c->origin != HTTPTOP_ORIGIN_UNKNOWN)) {
		c->plain = PLAIN_HTTP;
		h2_begin(c, direction, false);
		return true;
	}
	/* seen from its first plaintext (or given enough tries when joined late): not HTTP */
	if (c->origin != HTTPTOP_ORIGIN_UNKNOWN || ++c->plain_unknown_chunks > UNKNOWN_CHUNKS_BEFORE_GIVING_UP) {
		c->plain = PLAIN_NOT_HTTP;
		count(HTTPTOP_CTR_TLS_NOT_HTTP);
	} else {
		count(HTTPTOP_CTR_SKIPPED_CHUNKS);
	}
	return false;
}

static __always_inline bool tls_call_traced(__u32 tgid)
{
	return config.tls_on && !noop && tgid != config.self_tgid && !gate_shut();
}

/*
 * The end of a TLS call that moved `bytes` of plaintext: find its socket (a
 * syscall made inside the call, else the socket this thread just read for a
 * TLS read, else the session's last socket), and send the plaintext down the
 * same path as a socket's bytes, flagged TLS.
 */
static __always_inline int tls_return(struct tls_call *call, __u64 pid_tgid, __u32 bytes)
{
	struct session_key key = {.tgid = pid_tgid >> 32, .session = call->session};
	bool reading = call->direction == HTTPTOP_INGRESS;
	__s32 fd = call->fd;

	if (reading) {
		__s32 *last = bpf_map_lookup_elem(&tls_last_read, &pid_tgid);

		if (fd < 0 && last)
			fd = *last;
		/* taken: a later read served from the library's buffer must not reuse it */
		if (last)
			bpf_map_delete_elem(&tls_last_read, &pid_tgid);
	}
	if (fd < 0) {
		__s32 *cached = bpf_map_lookup_elem(&tls_fds, &key);

		if (cached)
			fd = *cached;
	} else {
		bpf_map_update_elem(&tls_fds, &key, &fd, BPF_ANY);
	}
	if (!bytes)
		return 0;
	if (fd < 0 && !reading) {
		/* the socket write that follows on this thread will tell (Node); one write waits at a time */
		__u32 zero = 0;
		struct pending_write *pending = bpf_map_lookup_elem(&pending_scratch, &zero);
		__u64 n = bytes;

		if (!pending)
			return 0;
		pending->call = *call;
		pending->call.ex_bytes = bytes;
		pending->call.ts_ns = bpf_ktime_get_ns();
		barrier_var(n);
		if (n > HTTPTOP_CAPTURE_BYTES)
			n = HTTPTOP_CAPTURE_BYTES;
		pending->captured = bpf_probe_read_user(pending->data, n, (void *)call->buf) ? 0 : n;
		if (bpf_map_update_elem(&tls_pending_write, &pid_tgid, pending, BPF_NOEXIST))
			count(HTTPTOP_CTR_TLS_UNBOUND);
		return 0;
	}
	return tls_emit(pid_tgid, fd, call->buf, bytes, call->direction);
}

/* whether TLS socket fd's plaintext is HTTP (the connection decides at its first plaintext); counts what is lost */
__noinline int tls_plaintext_is_http(__u64 pid_tgid, __s32 fd, __u64 buf, __u32 bytes, __u32 direction)
{
	struct conn_key ckey = {.tgid = pid_tgid >> 32, .fd = fd};
	struct conn *c = bpf_map_lookup_elem(&conns, &ckey);

	if (!c || c->state != CONN_TLS) {
		/* no socket seen carrying TLS: filtered connections are not lost, they were never followed */
		if (!c || c->state != CONN_IGNORED)
			count(HTTPTOP_CTR_TLS_UNBOUND);
		return 0;
	}
	return plaintext_is_http(c, buf, bytes, direction & 1, false);
}

/* a TLS call's plaintext as one record (flagged TLS), in the smallest size class that holds the copy */
__noinline int tls_emit_sized(__u64 pid_tgid, __s32 fd, __u64 buf, __u32 bytes, __u32 direction)
{
	struct conn_key ckey = {.tgid = pid_tgid >> 32, .fd = fd};
	struct conn *c = bpf_map_lookup_elem(&conns, &ckey);
	__u32 slot = 0;
	struct inflight *a = bpf_map_lookup_elem(&inflight_scratch, &slot);

	if (!c || !a)
		return 0;
	__builtin_memset(a, 0, sizeof(*a));
	a->ptr = buf;
	a->fd = fd;
	a->direction = direction & 1;
	a->syscall = a->direction == HTTPTOP_INGRESS ? HTTPTOP_SYS_TLS_READ : HTTPTOP_SYS_TLS_WRITE;
	a->ts_enter_ns = 0; /* the record's times are the call's return */
	return emit_sized(c, a, pid_tgid, bytes, HTTPTOP_FLAG_TLS);
}

/*
 * The plaintext of a TLS call tied to socket `fd`, down the same path as a
 * socket's bytes. Global functions, each verified once; the work is in
 * siblings, so that the chain of frames down to h2_emit_run stays within the
 * 512 bytes of stack a syscall program may use in all.
 */
__noinline int tls_emit(__u64 pid_tgid, __s32 fd, __u64 buf, __u32 bytes, __u32 direction)
{
	if (!tls_plaintext_is_http(pid_tgid, fd, buf, bytes, direction))
		return 0;
	if (h2_walk(pid_tgid, buf, bytes,
		    H2_WALK_ARGS(fd, direction, direction == HTTPTOP_INGRESS ? HTTPTOP_SYS_TLS_READ : HTTPTOP_SYS_TLS_WRITE,
				 HTTPTOP_FLAG_TLS),
		    0))
		return 0;
	return tls_emit_sized(pid_tgid, fd, buf, bytes, direction);
}

/* a pending write's copied plaintext, now that the socket write names its connection */
static __always_inline int tls_emit_pending(struct conn *c, struct pending_write *pending, __u64 pid_tgid, __s32 fd)
{
	struct inflight a = {};
	struct httptop_record *h;
	__u64 n = pending->captured;

	if (!c || c->state != CONN_TLS) {
		if (!c || c->state != CONN_IGNORED)
			count(HTTPTOP_CTR_TLS_UNBOUND);
		return 0;
	}
	if (!plaintext_is_http(c, (__u64)pending->data, pending->call.ex_bytes, HTTPTOP_EGRESS, true))
		return 0;
	/* copied before its socket was known, so not walked: the next write that starts with frames finds the framing again */
	if (c->h2)
		h2_lose(c, HTTPTOP_EGRESS);
	h = bpf_ringbuf_reserve(&records, sizeof(*h) + HTTPTOP_CAPTURE_BYTES, 0);
	if (!h) {
		count(HTTPTOP_CTR_RINGBUF_DROPS);
		return 0;
	}
	barrier_var(n);
	if (n > HTTPTOP_CAPTURE_BYTES)
		n = HTTPTOP_CAPTURE_BYTES;
	if (bpf_probe_read_kernel((__u8 *)(h + 1), n, pending->data))
		n = 0;
	a.fd = fd;
	a.direction = HTTPTOP_EGRESS;
	a.syscall = HTTPTOP_SYS_TLS_WRITE;
	fill_header(h, c, &a, pid_tgid, HTTPTOP_RECORD_DATA);
	h->flags = HTTPTOP_FLAG_TLS;
	h->bytes = pending->call.ex_bytes;
	h->captured = n;
	if (n < h->bytes)
		count(HTTPTOP_CTR_TRUNCATED);
	bpf_ringbuf_submit(h, 0);
	count(HTTPTOP_CTR_RECORDS);
	return 0;
}

static __always_inline int tls_enter(void *session, void *buf, void *ex_bytes, __u8 direction)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tls_call call = {};

	if (!tls_call_traced(pid_tgid >> 32))
		return 0;
	call.session = (__u64)session;
	call.buf = (__u64)buf;
	call.ex_bytes = (__u64)ex_bytes;
	call.fd = -1;
	call.direction = direction;
	bpf_map_update_elem(&tls_calls, &pid_tgid, &call, BPF_ANY);
	return 0;
}

/* a C library's call returned `ret` (< 0: an error or "want more"); SSL_*_ex return 1 and store the count */
static __always_inline int tls_exit(long ret, bool ex)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tls_call *saved = bpf_map_lookup_elem(&tls_calls, &pid_tgid);
	struct tls_call call;
	__u64 bytes = 0;

	if (!saved)
		return 0;
	call = *saved;
	bpf_map_delete_elem(&tls_calls, &pid_tgid);
	if (ex) {
		if (ret == 1 && call.ex_bytes)
			bpf_probe_read_user(&bytes, sizeof(bytes), (void *)call.ex_bytes);
	} else if (ret > 0) {
		bytes = ret;
	}
	if (bytes > 0x7fffffff)
		bytes = 0;
	return tls_return(&call, pid_tgid, bytes);
}

/* OpenSSL (libssl, or linked into an executable such as node): int SSL_read(SSL *, void *, int) */
SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf)
{
	return tls_enter(ssl, buf, 0, HTTPTOP_INGRESS);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, void *buf)
{
	return tls_enter(ssl, buf, 0, HTTPTOP_EGRESS);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_return, int ret)
{
	return tls_exit(ret, false);
}

/* int SSL_read_ex(SSL *, void *, size_t, size_t *readbytes): what Python 3.10+ calls */
SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter, void *ssl, void *buf, __u64 num, void *readbytes)
{
	return tls_enter(ssl, buf, readbytes, HTTPTOP_INGRESS);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter, void *ssl, void *buf, __u64 num, void *written)
{
	return tls_enter(ssl, buf, written, HTTPTOP_EGRESS);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_ex_return, int ret)
{
	return tls_exit(ret, true);
}

/* GnuTLS: ssize_t gnutls_record_recv(gnutls_session_t, void *, size_t) and gnutls_record_send (entries as SSL_read's) */
SEC("uretprobe")
int BPF_KRETPROBE(gnutls_return, long ret)
{
	return tls_exit(ret, false);
}

/*
 * Go's crypto/tls: func (c *Conn) Read(b []byte) (int, error) and Write, in
 * the register ABI. No uretprobe (it would corrupt Go's moving stacks): the
 * return is taken by a uprobe on each RET of the function, which may run on
 * another thread than the entry, so the call waits under its goroutine.
 */
static __always_inline int go_tls_enter(struct pt_regs *ctx, __u8 direction)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct goroutine_key key = {.tgid = pid_tgid >> 32, .goroutine = GO_GOROUTINE(ctx)};
	struct tls_call call = {};

	if (!tls_call_traced(key.tgid))
		return 0;
	call.session = GO_ARG1(ctx);
	call.buf = GO_ARG2(ctx);
	call.ex_bytes = GO_ARG3(ctx);
	call.goroutine = key.goroutine;
	call.entry_thread = pid_tgid;
	call.go = 1;
	call.fd = -1;
	call.direction = direction;
	bpf_map_update_elem(&go_tls_calls, &key, &call, BPF_ANY);
	/* also under the thread, for the socket syscall made inside it */
	bpf_map_update_elem(&tls_calls, &pid_tgid, &call, BPF_ANY);
	return 0;
}

SEC("uprobe")
int go_tls_read_enter(struct pt_regs *ctx)
{
	return go_tls_enter(ctx, HTTPTOP_INGRESS);
}

SEC("uprobe")
int go_tls_write_enter(struct pt_regs *ctx)
{
	return go_tls_enter(ctx, HTTPTOP_EGRESS);
}

SEC("uprobe")
int go_tls_return(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct goroutine_key key = {.tgid = pid_tgid >> 32, .goroutine = GO_GOROUTINE(ctx)};
	struct tls_call *saved = bpf_map_lookup_elem(&go_tls_calls, &key);
	struct tls_call *on_thread;
	struct tls_call call;
	__s64 n = GO_RESULT1(ctx);

	if (!saved)
		return 0;
	call = *saved;
	bpf_map_delete_elem(&go_tls_calls, &key);
	/* the call's entry under the thread it entered on, which may not be this one */
	on_thread = bpf_map_lookup_elem(&tls_calls, &call.entry_thread);
	if (on_thread && on_thread->goroutine == call.goroutine && on_thread->session == call.session) {
		call.fd = on_thread->fd;
		bpf_map_delete_elem(&tls_calls, &call.entry_thread);
	}
	if (call.emitted)
		return 0;
	return tls_return(&call, pid_tgid, n > 0 && n <= 0x7fffffff ? n : 0);
}

/* a process called exec: user space looks at what it runs for TLS libraries to hook */
SEC("tracepoint/sched/sched_process_exec")
int process_exec(struct sched_process_exec_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct httptop_record *h;
	long n;

	if (!tls_call_traced(pid_tgid >> 32))
		return 0;
	h = bpf_ringbuf_reserve(&records, sizeof(*h) + HTTPTOP_EXEC_PATH_BYTES, 0);
	if (!h) {
		count(HTTPTOP_CTR_RINGBUF_DROPS);
		return 0;
	}
	__builtin_memset(h, 0, sizeof(*h));
	h->kind = HTTPTOP_RECORD_EXEC;
	h->tgid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ts_enter_ns = h->ts_exit_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(&h->comm, sizeof(h->comm));
	/* the file itself, for a process that is gone before user space looks at it */
	n = bpf_probe_read_kernel_str(h + 1, HTTPTOP_EXEC_PATH_BYTES, (void *)ctx + (ctx->filename_loc & 0xffff));
	h->captured = n > 1 ? n - 1 : 0;
	/* hooks must be in place before the program gets far: wake user space now */
	bpf_ringbuf_submit(h, BPF_RB_FORCE_WAKEUP);
	count(HTTPTOP_CTR_RECORDS);
	return 0;
}

/* a thread ended: what it was doing in a TLS call is over (keys of other kinds are LRU-bounded) */
SEC("tracepoint/sched/sched_process_exit")
int thread_exit(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!config.tls_on)
		return 0;
	bpf_map_delete_elem(&tls_calls, &pid_tgid);
	bpf_map_delete_elem(&tls_last_read, &pid_tgid);
	bpf_map_delete_elem(&tls_pending_write, &pid_tgid);
	return 0;
}
