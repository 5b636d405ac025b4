/* SPDX-License-Identifier: MIT */
/*
 * The few kernel types httptop reads, declared with preserve_access_index so
 * libbpf relocates every field against the running kernel's BTF. This replaces
 * a generated vmlinux.h: the object builds on any machine, for any
 * architecture, without BTF at build time (only at load time).
 */
#ifndef HTTPTOP_CORE_H
#define HTTPTOP_CORE_H

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

/* The uapi map and helper definitions bpf_helpers.h relies on. */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};

enum {
	BPF_F_NO_PREALLOC = 1,
};

enum {
	BPF_LOCAL_STORAGE_GET_F_CREATE = 1,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

enum {
	BPF_RB_NO_WAKEUP = 1,
	BPF_RB_FORCE_WAKEUP = 2,
};

enum {
	BPF_RB_AVAIL_DATA = 0,
};

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* Tracepoint contexts: the layout of events/syscalls/sys_{enter,exit}_X/format, a stable ABI. */
struct syscall_enter_ctx {
	__u64 common;
	__s32 syscall_nr;
	__u32 pad;
	__u64 args[6];
};

struct syscall_exit_ctx {
	__u64 common;
	__s32 syscall_nr;
	__u32 pad;
	__s64 ret;
};

/* sched/sched_process_exec's format: the file exec'd is a __data_loc string (offset in the low 16 bits, length in the high). */
struct sched_process_exec_ctx {
	__u64 common;
	__u32 filename_loc;
	__s32 pid;
	__s32 old_pid;
};

/* User-space layouts (LP64, the same on x86_64 and arm64). */
struct user_iovec {
	__u64 base;
	__u64 len;
};

struct user_msghdr_prefix {
	__u64 name;
	__s32 namelen;
	__u32 pad;
	__u64 iov;
	__u64 iovlen;
};

/* Kernel types, relocated by CO-RE. Only the fields httptop reads. */
struct in6_addr {
	__u8 s6_addr[16];
} __attribute__((preserve_access_index));

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct socket {
	short type;
	struct sock *sk;
} __attribute__((preserve_access_index));

struct inode {
	unsigned short i_mode;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
	void *private_data;
} __attribute__((preserve_access_index));

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
	struct fdtable *fdt;
} __attribute__((preserve_access_index));

/* An AF_UNIX socket's name: sun_path holds len - sizeof(sun_family) bytes (abstract names start with a NUL). */
struct sockaddr_un {
	unsigned short sun_family;
	char sun_path[108];
} __attribute__((preserve_access_index));

struct unix_address {
	int len;
	struct sockaddr_un name[];
} __attribute__((preserve_access_index));

/* Its struct sock comes first: a struct sock * of an AF_UNIX socket is one of these. */
struct unix_sock {
	struct unix_address *addr; /* NULL: unnamed (a client that did not bind) */
	struct sock *peer;
} __attribute__((preserve_access_index));

struct task_struct {
	struct files_struct *files;
} __attribute__((preserve_access_index));

/*
 * The registers a uprobe sees, as the architecture's ptrace ABI lays them out
 * (bpf_tracing.h's PT_REGS_* macros read these fields). Go's register ABI
 * (Go 1.17+) is read through the GO_* macros, its one arch switch.
 */
#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	unsigned long rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss;
};
/* arguments and results in RAX, RBX, RCX...; the running goroutine in R14 */
#define GO_ARG1(r) ((r)->rax)
#define GO_ARG2(r) ((r)->rbx)
#define GO_ARG3(r) ((r)->rcx)
#define GO_RESULT1(r) ((r)->rax)
#define GO_GOROUTINE(r) ((r)->r14)
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs;
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
};
/* arguments and results in R0, R1, R2...; the running goroutine in R28 */
#define GO_ARG1(r) (((const struct user_pt_regs *)(r))->regs[0])
#define GO_ARG2(r) (((const struct user_pt_regs *)(r))->regs[1])
#define GO_ARG3(r) (((const struct user_pt_regs *)(r))->regs[2])
#define GO_RESULT1(r) (((const struct user_pt_regs *)(r))->regs[0])
#define GO_GOROUTINE(r) (((const struct user_pt_regs *)(r))->regs[28])
#else
#error "httptop's uprobes know x86 and arm64: build with ARCH=x86 or ARCH=arm64"
#endif

#endif /* HTTPTOP_CORE_H */
