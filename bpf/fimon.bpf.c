// SPDX-License-Identifier: GPL-2.0
/* fimon's write tracer: for every write into a watched tree, which bytes and who.
 *
 * Attach points are those that load on kernels refusing fentry/fexit (docs/sources.md):
 *  - the write syscalls' exit tracepoints: their arguments are still in the registers saved at
 *    entry (bpf_task_pt_regs), the byte count is the return value; the start offset is the position
 *    after the write minus what was written, so O_APPEND and RWF_APPEND come out right. No enter
 *    tracepoint and no map update per write;
 *  - writeback_dirty_folio (BTF tracepoint): a page dirtied outside those syscalls, in the writer's
 *    own context, which is a store through a shared writable mapping.
 *  - the syscalls that change names and attributes (unlink, rename, chmod, open with O_CREAT...):
 *    not the change itself (fanotify reports it, with the names) but who made it, kept by process
 *    id in the `actors` map so the agent can name a process that has exited when it reads the event.
 * Only files below a watched directory are reported: the path is checked in the kernel against a
 * map of watched directory inodes by walking the dentry's parents, so the rest of the system's
 * writes cost a map lookup per level and never reach user space. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "fimon_write_record.h"

char LICENSE[] SEC("license") = "GPL";

#define MAX_DEPTH 64 /* parent levels checked against the watched set */
#define O_APPEND_FLAG 02000
#define RWF_APPEND_FLAG 0x10
#define S_IFMT_BITS 00170000
#define S_IFREG_BITS 0100000
#define PAGE_SHIFT_BITS 12

const volatile __u32 own_tgid = 0;      /* the agent's own writes are never events */
const volatile __u32 capture_bytes = 0; /* of each write, copied (ebpf-capture-bytes); 0: none */
/* This architecture's numbers of the write syscalls, set by the agent from <sys/syscall.h>. */
const volatile __s64 nr_write = -1;
const volatile __s64 nr_pwrite64 = -1;
const volatile __s64 nr_writev = -1;
const volatile __s64 nr_pwritev = -1;
const volatile __s64 nr_pwritev2 = -1;

struct dir_key {
  __u64 dev;
  __u64 ino;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, struct dir_key);
  __type(value, __u8);
} watched_dirs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 22); /* resized by the agent before load */
} records SEC(".maps");

/* Records the ring buffer had no room for: read by the agent, reported like a queue overflow. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} dropped SEC(".maps");

/* Scratch space to assemble a path right to left: twice the window so every masked write stays
 * provably inside it. */
struct path_scratch {
  char bytes[2 * FIMON_PATH_WINDOW];
};
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct path_scratch);
} scratch SEC(".maps");

struct pending_mmap {
  __s64 fd;
  __s64 offset;
  __s64 length;
  __u64 prot;
  __u64 flags;
};
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH); /* entries of threads that died mid-call age out */
  __uint(max_entries, 16384);
  __type(key, __u32);
  __type(value, struct pending_mmap);
} in_mmap SEC(".maps");

/* The page a filesystem write outside a write syscall just reported exactly, by thread id: the
 * filesystem dirties it right after its write_end tracepoint, and that is not a mapped store. */
struct written_page {
  __u64 inode;
  __u64 index;
};
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH); /* pages never dirtied afterwards age out */
  __uint(max_entries, 16384);
  __type(key, __u32);
  __type(value, struct written_page);
} fs_written SEC(".maps");

/* A write syscall's arguments, from the registers the kernel saved at its entry. */
struct write_args {
  __s64 fd;
  __s64 pos;       /* positional writes: where; -1: the file position */
  __u64 buf;       /* the user's buffer (write, pwrite64) or iovec array (the vector forms) */
  __u32 rwf_flags; /* pwritev2 */
  __u32 vector;    /* buf is an iovec array */
};

/* The syscall a task is in, and its arguments, from its saved user registers: at sys_exit only the
 * return value register has been overwritten. A 32-bit task's syscalls have other numbers and
 * registers: never taken for a write. */
#if defined(__TARGET_ARCH_x86)
#define TS_COMPAT_FLAG 0x0002
static __always_inline long syscall_nr(struct pt_regs *regs) { return regs->orig_ax; }
static __always_inline bool compat_syscall(struct task_struct *task, struct pt_regs *regs) {
  return task->thread_info.status & TS_COMPAT_FLAG;
}
static __always_inline __u64 syscall_arg(struct pt_regs *regs, int i) {
  switch (i) {
  case 0: return regs->di;
  case 1: return regs->si;
  case 2: return regs->dx;
  case 3: return regs->r10;
  case 4: return regs->r8;
  default: return regs->r9;
  }
}
#elif defined(__TARGET_ARCH_arm64)
#define PSR_MODE32_FLAG 0x10
static __always_inline long syscall_nr(struct pt_regs *regs) { return regs->syscallno; }
static __always_inline bool compat_syscall(struct task_struct *task, struct pt_regs *regs) {
  return regs->pstate & PSR_MODE32_FLAG;
}
static __always_inline __u64 syscall_arg(struct pt_regs *regs, int i) {
  return i == 0 ? regs->orig_x0 : regs->regs[i & 7]; /* x0 now holds the return value */
}
#else
#error "fimon.bpf.c: syscall registers of this architecture not described"
#endif

/* Which write syscall `nr` is, with its arguments; false for every other syscall. */
static __always_inline bool write_syscall(struct pt_regs *regs, long nr, struct write_args *w) {
  w->fd = (__s64)syscall_arg(regs, 0);
  w->buf = syscall_arg(regs, 1);
  w->pos = -1;
  w->rwf_flags = 0;
  w->vector = 0;
  if (nr == nr_write)
    return true;
  if (nr == nr_pwrite64) {
    w->pos = (__s64)syscall_arg(regs, 3);
    return true;
  }
  w->vector = 1;
  if (nr == nr_writev)
    return true;
  if (nr == nr_pwritev || nr == nr_pwritev2) { /* on 64-bit, pos_l (the 4th) holds the whole offset */
    w->pos = (__s64)syscall_arg(regs, 3);
    if (nr == nr_pwritev2)
      w->rwf_flags = (__u32)syscall_arg(regs, 5); /* pos -1: the file position, as writev */
    return true;
  }
  return false;
}

/* Whether the current task is inside a write syscall: the filesystem's own tracepoints then fire
 * for bytes the syscall's record already has. Kernel threads have no syscall, and io_uring's
 * workers start with a copy of their creator's registers (which may show a write): neither is. */
#define PF_IO_WORKER_FLAG 0x00000010
#define PF_USER_WORKER_FLAG 0x00004000
#define PF_KTHREAD_FLAG 0x00200000
static __always_inline bool in_write_syscall(void) {
  struct task_struct *task = bpf_get_current_task_btf();
  if (task->flags & (PF_KTHREAD_FLAG | PF_IO_WORKER_FLAG | PF_USER_WORKER_FLAG))
    return false;
  struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
  long nr = syscall_nr(regs);
  return (nr == nr_write || nr == nr_pwrite64 || nr == nr_writev || nr == nr_pwritev || nr == nr_pwritev2) &&
         !compat_syscall(task, regs);
}

/* Whether a regular file's dentry lies below a watched directory. The lookups start at its parent:
 * only directories are ever watched, and each write pays for every level looked up. */
static __always_inline bool below_watched_dir(struct dentry *file, __u64 dev) {
  struct dentry *d = BPF_CORE_READ(file, d_parent);
  for (int level = 0; level < MAX_DEPTH; level++) {
    struct dir_key key = {.dev = dev, .ino = BPF_CORE_READ(d, d_inode, i_ino)};
    if (bpf_map_lookup_elem(&watched_dirs, &key))
      return true;
    struct dentry *parent = BPF_CORE_READ(d, d_parent);
    if (!parent || parent == d)
      return false; /* the filesystem's root */
    d = parent;
  }
  return false;
}

/* A file as a record describes it: its inode and its superblock's device, each read once. */
struct watched_file {
  struct file *file;
  struct inode *inode;
  __u64 sb_dev;
};

/* The open file this CPU last found below a watched directory: a writer writing one file many
 * times pays the walk up its parents once. Only what a walk found is stored, so even an entry torn
 * by a preempted program holds a dentry that was found below a watched directory. A stale one can
 * only report a file no longer below one (moved out while open, or another file in the same three
 * objects' memory): its record is filed under its inode and never makes an event by itself. */
struct watched_open_file {
  __u64 file;
  __u64 dentry;
  __u64 inode;
};
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct watched_open_file);
} last_watched SEC(".maps");

/* The current process's open file `fd`, if it is a regular file below a watched directory. The
 * task's own fields are loaded directly (a BTF pointer: one instruction each); the file table's
 * slot and what hangs off it are not typed for the verifier, so they are probe reads. */
static __always_inline bool watched_file_of_fd(__s64 fd, struct watched_file *out) {
  struct task_struct *task = bpf_get_current_task_btf();
  struct fdtable *fdt = task->files->fdt;
  if (fd >= fdt->max_fds)
    return false;
  struct file **fds = fdt->fd;
  struct file *file = NULL;
  bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
  if (!file)
    return false;
  struct inode *inode = BPF_CORE_READ(file, f_inode);
  struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
  __u32 zero = 0;
  struct watched_open_file *last = bpf_map_lookup_elem(&last_watched, &zero);
  bool known = last && last->file == (__u64)file && last->dentry == (__u64)dentry && last->inode == (__u64)inode;
  if (!known && (BPF_CORE_READ(inode, i_mode) & S_IFMT_BITS) != S_IFREG_BITS)
    return false;
  __u64 sb_dev = BPF_CORE_READ(inode, i_sb, s_dev);
  if (!known) {
    if (!below_watched_dir(dentry, sb_dev))
      return false;
    if (last) {
      last->dentry = (__u64)dentry;
      last->inode = (__u64)inode;
      last->file = (__u64)file;
    }
  }
  out->file = file;
  out->inode = inode;
  out->sb_dev = sb_dev;
  return true;
}

/* Whether a regular file's inode lies below a watched directory: any of its names will do. Sets
 * its superblock's device. */
static __always_inline bool watched_inode(struct inode *inode, __u64 *sb_dev) {
  if (!inode || (BPF_CORE_READ(inode, i_mode) & S_IFMT_BITS) != S_IFREG_BITS)
    return false;
  struct hlist_node *alias = BPF_CORE_READ(inode, i_dentry.first);
  if (!alias)
    return false;
  struct dentry *dentry = (struct dentry *)((char *)alias - bpf_core_field_offset(struct dentry, d_u.d_alias));
  *sb_dev = BPF_CORE_READ(inode, i_sb, s_dev);
  return below_watched_dir(dentry, *sb_dev);
}

static __always_inline void count_drop(void) {
  __u32 zero = 0;
  __u64 *n = bpf_map_lookup_elem(&dropped, &zero);
  if (n)
    __sync_fetch_and_add(n, 1);
}

/* btrfs's own types, as much as is read of them (CO-RE finds the fields in the kernel's BTF; on a
 * kernel without btrfs the branch using them is never taken). */
#define BTRFS_SUPER_MAGIC_VALUE 0x9123683E
struct btrfs_root___fimon {
  dev_t anon_dev;
} __attribute__((preserve_access_index));
struct btrfs_inode___fimon {
  struct btrfs_root___fimon *root;
  struct inode vfs_inode;
} __attribute__((preserve_access_index));

/* The device stat() reports, so that the agent finds the records under stat()'s (device, inode):
 * the superblock's, except on btrfs, where each subvolume has its own (and its own inode numbers,
 * so the superblock's device would mix files of different subvolumes). */
static __always_inline __u64 stat_device(struct inode *inode, __u64 sb_dev, unsigned long magic) {
  __u64 dev = sb_dev;
  if (bpf_core_type_exists(struct btrfs_inode___fimon) && magic == BTRFS_SUPER_MAGIC_VALUE) {
    struct btrfs_inode___fimon *b =
        (void *)((char *)inode - bpf_core_field_offset(struct btrfs_inode___fimon, vfs_inode));
    __u64 subvolume = BPF_CORE_READ(b, root, anon_dev);
    if (subvolume)
      dev = subvolume;
  }
  return dev;
}

/* Filesystems whose FS_IOC_GETVERSION returns the inode's own i_generation, which the agent
 * compares with the record's (stacked ones and FUSE answer with another inode's, or the daemon's). */
#define EXT4_SUPER_MAGIC_VALUE 0xEF53 /* ext2, ext3 and ext4 alike */
#define XFS_SUPER_MAGIC_VALUE 0x58465342
#define F2FS_SUPER_MAGIC_VALUE 0xF2F52010
static __always_inline __u32 generation_is_reported(unsigned long magic) {
  return magic == EXT4_SUPER_MAGIC_VALUE || magic == XFS_SUPER_MAGIC_VALUE || magic == BTRFS_SUPER_MAGIC_VALUE ||
         magic == F2FS_SUPER_MAGIC_VALUE;
}

/* The task's fields are direct loads from a BTF pointer, not probe reads: this runs at every
 * traced write, and each helper call cost about as much as the rest of a field's work. */
static __always_inline void describe(struct fimon_write_record *r, struct inode *inode, __u64 sb_dev,
                                     __s64 offset, __s64 length, __u32 kind) {
  struct task_struct *task = bpf_get_current_task_btf();
  struct task_struct *leader = task->group_leader;
  const struct cred *cred = task->cred;
  __u64 id = bpf_get_current_pid_tgid();
  unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);
  r->dev = stat_device(inode, sb_dev, magic);
  r->sb_dev = sb_dev;
  r->ino = BPF_CORE_READ(inode, i_ino);
  r->generation = BPF_CORE_READ(inode, i_generation);
  r->generation_known = generation_is_reported(magic);
  r->offset = offset;
  r->length = length;
  /* The process's, not the thread's: one identity (entity id, name) for all its threads. */
  r->start_boottime = leader->start_boottime;
  r->pid = (__u32)id;
  r->tgid = id >> 32;
  r->ppid = task->real_parent->tgid;
  r->uid = cred->euid.val;
  r->gid = cred->egid.val;
  r->kind = kind;
  /* Zeroed first: the string read stops at the NUL, and the ring holds old records' bytes, which
   * would make the same process a new woken_for key. */
  __builtin_memset(r->comm, 0, sizeof(r->comm));
  bpf_probe_read_kernel_str(&r->comm, sizeof(r->comm), leader->comm);
}

/* Processes the reader has been woken for: the reader names a process (executable, command line)
 * from /proc when it reads the process's first record, so that one must not wait for a poll. The
 * name is part of the key: after an exec (same pid, same start time) the new program is named too. */
struct process_key {
  __u32 tgid;
  __u32 zero; /* no uninitialised padding in a hash key */
  __u64 start_boottime;
  char comm[16];
};
_Static_assert(sizeof(struct process_key) == 32, "same_process compares four words");
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 8192);
  __type(key, struct process_key);
  __type(value, __u8);
} woken_for SEC(".maps");

/* The process of this CPU's last record, found in woken_for then: a writer's records come in runs,
 * and comparing with it costs less than hashing the key into woken_for at every record. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct process_key);
} last_woken SEC(".maps");

static __always_inline bool same_process(const struct process_key *a, const struct process_key *b) {
  const __u64 *x = (const __u64 *)a;
  const __u64 *y = (const __u64 *)b;
  return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/* Waking the reader costs the writer an inter-processor interrupt per record (an APIC register
 * write: a VM exit under a hypervisor, a fifth of a small-file writer's time measured here). So
 * the reader is woken for a process's first record (it may exit before a poll), and when an eighth
 * of the ring is queued; otherwise it polls every 50 ms, or when an analysis waits for it. */
static __always_inline __u64 submit_flags(const struct fimon_write_record *r) {
  struct process_key key = {.tgid = r->tgid, .zero = 0, .start_boottime = r->start_boottime};
  __builtin_memcpy(key.comm, r->comm, sizeof(key.comm));
  __u32 zero = 0;
  struct process_key *last = bpf_map_lookup_elem(&last_woken, &zero);
  if (!last || !same_process(last, &key)) {
    if (!bpf_map_lookup_elem(&woken_for, &key)) {
      __u8 one = 1;
      bpf_map_update_elem(&woken_for, &key, &one, BPF_ANY);
      return BPF_RB_FORCE_WAKEUP; /* last_woken is set by the process's next record */
    }
    if (last)
      *last = key;
  }
  __u64 queued = bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA);
  __u64 size = bpf_ringbuf_query(&records, BPF_RB_RING_SIZE);
  return queued >= size / 8 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void emit(struct inode *inode, __u64 sb_dev, __s64 offset, __s64 length, __u32 kind) {
  struct fimon_write_record *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
  if (!r) {
    count_drop();
    return;
  }
  describe(r, inode, sb_dev, offset, length, kind);
  bpf_ringbuf_submit(r, submit_flags(r));
}

#define PATH_MASK (FIMON_PATH_WINDOW - 1)
#define NAME_MASK 255

/* The dentry's path below its filesystem's root, right-aligned in buf[0, FIMON_PATH_WINDOW - 1).
 * Returns where it starts; *complete is 0 when it had to stop early. */
static __always_inline __u32 assemble_path(struct dentry *d, char *buf, __u32 *complete) {
  __u32 pos = FIMON_PATH_WINDOW - 1;
  buf[PATH_MASK] = 0;
  *complete = 0;
  for (int level = 0; level < MAX_DEPTH; level++) {
    struct dentry *parent = BPF_CORE_READ(d, d_parent);
    if (!parent || parent == d) {
      *complete = 1;
      break;
    }
    __u32 len = BPF_CORE_READ(d, d_name.len) & NAME_MASK;
    if (len + 1 > pos)
      break;
    pos -= len;
    bpf_probe_read_kernel(buf + (pos & PATH_MASK), len, BPF_CORE_READ(d, d_name.name));
    pos -= 1;
    buf[pos & PATH_MASK] = '/';
    d = parent;
  }
  return pos;
}

/* A write record with the first bytes written, read back from the writer's own buffer: it still
 * holds them at the syscall's return (unless another thread of the writer changed it meanwhile). */
static __always_inline void emit_with_bytes(const struct watched_file *f, __s64 start, long written,
                                            const struct write_args *w) {
  struct fimon_capture_record *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
  if (!r) {
    count_drop();
    return;
  }
  describe(&r->write, f->inode, f->sb_dev, start, written, FIMON_WRITE_SYSCALL);
  __u64 from = w->buf;
  __u64 n = written;
  if (w->vector) {
    struct iovec first = {};
    bpf_probe_read_user(&first, sizeof(first), (const void *)w->buf);
    from = (__u64)first.iov_base;
    if (n > first.iov_len)
      n = first.iov_len;
  }
  if (n > capture_bytes)
    n = capture_bytes;
  if (n > FIMON_CAPTURE_MAX)
    n = FIMON_CAPTURE_MAX;
  if (bpf_probe_read_user(r->bytes, n, (const void *)from) != 0)
    n = 0; /* the buffer is not resident: the record still has the range */
  r->captured = n;
  bpf_ringbuf_submit(r, submit_flags(&r->write));
}

/* At a write syscall's exit: its arguments are still in the registers saved at entry. */
static __always_inline int leave(long ret, long nr) {
  if (ret <= 0 || (bpf_get_current_pid_tgid() >> 32) == own_tgid)
    return 0;
  struct write_args w;
  if (!write_syscall((struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()), nr, &w) || w.fd < 0)
    return 0;

  struct watched_file f;
  if (!watched_file_of_fd(w.fd, &f))
    return 0;
  struct file *file = f.file; /* CO-RE relocates the whole argument of BPF_CORE_READ: no f.file */
  struct inode *inode = f.inode;

  __s64 start;
  if (w.pos < 0)
    start = BPF_CORE_READ(file, f_pos) - ret; /* moved past what was written, appended or not */
  else if ((BPF_CORE_READ(file, f_flags) & O_APPEND_FLAG) || (w.rwf_flags & RWF_APPEND_FLAG))
    start = BPF_CORE_READ(inode, i_size) - ret; /* a positional write appended anyway (Linux) */
  else
    start = w.pos;
  if (capture_bytes)
    emit_with_bytes(&f, start, ret, &w);
  else
    emit(inode, f.sb_dev, start, ret, FIMON_WRITE_SYSCALL);
  return 0;
}

/* Per-syscall tracepoints, not the raw sys_exit one: a raw sys_exit program runs at every syscall
 * of the host (measured: getppid 0.55 us instead of 0.44 us here), these only at the write
 * syscalls. 32-bit (compat) syscalls do not reach them. */
SEC("tracepoint/syscalls/sys_exit_write")
int exit_write(struct trace_event_raw_sys_exit *ctx) { return leave(ctx->ret, nr_write); }
SEC("tracepoint/syscalls/sys_exit_pwrite64")
int exit_pwrite64(struct trace_event_raw_sys_exit *ctx) { return leave(ctx->ret, nr_pwrite64); }
SEC("tracepoint/syscalls/sys_exit_writev")
int exit_writev(struct trace_event_raw_sys_exit *ctx) { return leave(ctx->ret, nr_writev); }
SEC("tracepoint/syscalls/sys_exit_pwritev")
int exit_pwritev(struct trace_event_raw_sys_exit *ctx) { return leave(ctx->ret, nr_pwritev); }
SEC("tracepoint/syscalls/sys_exit_pwritev2")
int exit_pwritev2(struct trace_event_raw_sys_exit *ctx) { return leave(ctx->ret, nr_pwritev2); }

SEC("tracepoint/syscalls/sys_enter_mmap")
int enter_mmap(struct trace_event_raw_sys_enter *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  /* Only shared (MAP_SHARED, MAP_SHARED_VALIDATE) writable file mappings can change a file. */
  if ((id >> 32) == own_tgid || !(ctx->args[2] & 0x2) || !(ctx->args[3] & 0x1) || (__s64)ctx->args[4] < 0)
    return 0;
  __u32 tid = (__u32)id;
  struct pending_mmap m = {.fd = (__s64)ctx->args[4], .offset = (__s64)ctx->args[5],
                           .length = (__s64)ctx->args[1], .prot = ctx->args[2], .flags = ctx->args[3]};
  bpf_map_update_elem(&in_mmap, &tid, &m, BPF_ANY);
  return 0;
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int exit_mmap(struct trace_event_raw_sys_exit *ctx) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct pending_mmap *p = bpf_map_lookup_elem(&in_mmap, &tid);
  if (!p)
    return 0;
  struct pending_mmap m = *p;
  bpf_map_delete_elem(&in_mmap, &tid);
  if ((unsigned long)ctx->ret >= (unsigned long)-4095)
    return 0; /* failed */
  struct watched_file f;
  if (!watched_file_of_fd(m.fd, &f))
    return 0;
  struct file *file = f.file;
  struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
  __u32 zero = 0;
  struct path_scratch *buf = bpf_map_lookup_elem(&scratch, &zero);
  if (!buf)
    return 0;
  struct fimon_mapping_record *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
  if (!r) {
    count_drop();
    return 0;
  }
  describe(&r->write, f.inode, f.sb_dev, m.offset, m.length, FIMON_WRITE_MAPPING);
  r->path_start = assemble_path(dentry, buf->bytes, &r->path_complete);
  bpf_probe_read_kernel(r->path, sizeof(r->path), buf->bytes);
  bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP); /* rare; the process may exit before a poll */
  return 0;
}

/* A page dirtied outside a write syscall, in the writer's context: a store through a shared
 * mapping. (Writeback itself runs later, in kernel threads, and is not this tracepoint.) */
SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(dirty_folio, struct folio *folio, struct address_space *mapping) {
  __u64 id = bpf_get_current_pid_tgid();
  __u32 tid = (__u32)id;
  if ((id >> 32) == own_tgid || !mapping || in_write_syscall())
    return 0;
  struct written_page *just = bpf_map_lookup_elem(&fs_written, &tid);
  if (just && just->inode == (__u64)mapping->host && just->index == folio->index) {
    bpf_map_delete_elem(&fs_written, &tid);
    return 0;
  }
  struct inode *inode = mapping->host;
  __u64 sb_dev;
  if (!watched_inode(inode, &sb_dev))
    return 0;
  emit(inode, sb_dev, (__s64)folio->index << PAGE_SHIFT_BITS, 1 << PAGE_SHIFT_BITS, FIMON_WRITE_MAPPED);
  return 0;
}

/* Writes the kernel performs without a write syscall of the process (io_uring, copy_file_range,
 * sendfile, splice into a file) still pass through the filesystem's write_end; ext4's tracepoints
 * give the inode, the position and the bytes copied (one page at a time). Inside a write syscall
 * the syscall's own record already has them. */
static __always_inline bool outside_write_syscall(__u32 *tid) {
  __u64 id = bpf_get_current_pid_tgid();
  *tid = (__u32)id;
  return (id >> 32) != own_tgid && !in_write_syscall();
}

static __always_inline int fs_write_end(struct inode *inode, loff_t pos, unsigned int copied) {
  __u32 tid;
  if (!outside_write_syscall(&tid))
    return 0;
  __u64 sb_dev;
  if (!copied || !watched_inode(inode, &sb_dev))
    return 0;
  emit(inode, sb_dev, pos, copied, FIMON_WRITE_IN_KERNEL);
  struct written_page page = {.inode = (__u64)inode, .index = (__u64)pos >> PAGE_SHIFT_BITS};
  bpf_map_update_elem(&fs_written, &tid, &page, BPF_ANY);
  return 0;
}

SEC("tp_btf/ext4_da_write_end")
int BPF_PROG(ext4_da_write_end, struct inode *inode, loff_t pos, unsigned int len, unsigned int copied) {
  return fs_write_end(inode, pos, copied);
}
SEC("tp_btf/ext4_write_end")
int BPF_PROG(ext4_write_end, struct inode *inode, loff_t pos, unsigned int len, unsigned int copied) {
  return fs_write_end(inode, pos, copied);
}
SEC("tp_btf/ext4_journalled_write_end")
int BPF_PROG(ext4_journalled_write_end, struct inode *inode, loff_t pos, unsigned int len, unsigned int copied) {
  return fs_write_end(inode, pos, copied);
}

/* --- who changes names and attributes -------------------------------------------------------- */

#define O_CREAT_FLAG 0100
#define O_TRUNC_FLAG 01000

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH); /* processes that stopped changing files age out */
  __uint(max_entries, 4096);
  __type(key, __u32);
  __type(value, struct fimon_actor);
} actors SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct fimon_actor);
} actor_scratch SEC(".maps");

/* The current process, recorded once per process and exec: later changes find it there. */
static __always_inline int note_actor(void) {
  __u64 id = bpf_get_current_pid_tgid();
  __u32 tgid = id >> 32;
  if (tgid == own_tgid)
    return 0;
  struct task_struct *task = bpf_get_current_task_btf(); /* direct loads: every creating open */
  __u64 started = task->group_leader->start_boottime;
  struct fimon_actor *known = bpf_map_lookup_elem(&actors, &tgid);
  if (known && known->start_boottime == started && !known->stale)
    return 0;

  __u32 zero = 0;
  struct fimon_actor *a = bpf_map_lookup_elem(&actor_scratch, &zero);
  struct path_scratch *buf = bpf_map_lookup_elem(&scratch, &zero);
  if (!a || !buf)
    return 0;
  a->start_boottime = started;
  a->tgid = tgid;
  a->ppid = BPF_CORE_READ(task, real_parent, tgid);
  a->uid = BPF_CORE_READ(task, cred, euid.val);
  a->gid = BPF_CORE_READ(task, cred, egid.val);
  a->stale = 0;
  BPF_CORE_READ_STR_INTO(&a->comm, task, group_leader, comm);

  struct mm_struct *mm = BPF_CORE_READ(task, mm);
  unsigned long arg_start = BPF_CORE_READ(mm, arg_start);
  unsigned long arg_end = BPF_CORE_READ(mm, arg_end);
  __u64 len = arg_end > arg_start ? arg_end - arg_start : 0;
  a->cmdline_truncated = len > FIMON_CMDLINE_MAX;
  if (len > FIMON_CMDLINE_MAX)
    len = FIMON_CMDLINE_MAX;
  if (bpf_probe_read_user(a->cmdline, len, (const void *)arg_start) != 0)
    len = 0; /* not resident: the agent falls back to /proc */
  a->cmdline_len = len;

  /* The executable's path, assembled in the path scratch; its last FIMON_EXE_WINDOW bytes kept. */
  struct file *exe = BPF_CORE_READ(mm, exe_file);
  a->exe_dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
  __u32 complete = 0;
  __u32 pos = assemble_path(BPF_CORE_READ(exe, f_path.dentry), buf->bytes, &complete);
  const __u32 tail = FIMON_PATH_WINDOW - FIMON_EXE_WINDOW;
  a->exe_complete = complete && pos >= tail;
  a->exe_start = pos >= tail ? pos - tail : 0;
  bpf_probe_read_kernel(a->exe, sizeof(a->exe), buf->bytes + tail);

  bpf_map_update_elem(&actors, &tgid, a, BPF_ANY);
  return 0;
}

/* A new program in the same process: what was recorded no longer describes it. Kept (marked)
 * rather than deleted: a change made just before the exec still belongs to the old program. */
SEC("tracepoint/sched/sched_process_exec")
int process_exec(void *ctx) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  struct fimon_actor *known = bpf_map_lookup_elem(&actors, &tgid);
  if (known)
    known->stale = 1;
  return 0;
}

#define NOTE_ACTOR(name)                                                                           \
  SEC("tracepoint/syscalls/sys_enter_" #name)                                                      \
  int note_##name(void *ctx) { return note_actor(); }

NOTE_ACTOR(unlink)
NOTE_ACTOR(unlinkat)
NOTE_ACTOR(rmdir)
NOTE_ACTOR(rename)
NOTE_ACTOR(renameat)
NOTE_ACTOR(renameat2)
NOTE_ACTOR(link)
NOTE_ACTOR(linkat)
NOTE_ACTOR(symlink)
NOTE_ACTOR(symlinkat)
NOTE_ACTOR(mkdir)
NOTE_ACTOR(mkdirat)
NOTE_ACTOR(mknod)
NOTE_ACTOR(mknodat)
NOTE_ACTOR(creat)
NOTE_ACTOR(truncate)
NOTE_ACTOR(ftruncate)
NOTE_ACTOR(fallocate)
NOTE_ACTOR(chmod)
NOTE_ACTOR(fchmod)
NOTE_ACTOR(fchmodat)
NOTE_ACTOR(fchmodat2) /* 6.6+: not loaded where missing */
NOTE_ACTOR(chown)
NOTE_ACTOR(lchown)
NOTE_ACTOR(fchown)
NOTE_ACTOR(fchownat)
NOTE_ACTOR(setxattr)
NOTE_ACTOR(lsetxattr)
NOTE_ACTOR(fsetxattr)
NOTE_ACTOR(removexattr)
NOTE_ACTOR(lremovexattr)
NOTE_ACTOR(fremovexattr)
NOTE_ACTOR(utimensat)

/* Opens matter when they create or truncate; the rest (most syscalls of a system) return at once. */
static __always_inline int note_open(__u64 flags) {
  return (flags & (O_CREAT_FLAG | O_TRUNC_FLAG)) ? note_actor() : 0;
}
SEC("tracepoint/syscalls/sys_enter_open")
int note_open_flags(struct trace_event_raw_sys_enter *ctx) { return note_open(ctx->args[1]); }
SEC("tracepoint/syscalls/sys_enter_openat")
int note_openat(struct trace_event_raw_sys_enter *ctx) { return note_open(ctx->args[2]); }
SEC("tracepoint/syscalls/sys_enter_openat2")
int note_openat2(struct trace_event_raw_sys_enter *ctx) {
  __u64 flags = 0; /* struct open_how starts with its flags */
  bpf_probe_read_user(&flags, sizeof(flags), (const void *)ctx->args[2]);
  return note_open(flags);
}
