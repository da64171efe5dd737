/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One record per write the kernel saw, shared by fimon.bpf.c and the agent (src/sources/linux/ebpf).
 * No includes: the BPF side gets __u32/__u64 from vmlinux.h, the agent from <linux/types.h>. */
#ifndef FIMON_WRITE_RECORD_H
#define FIMON_WRITE_RECORD_H

enum fimon_write_kind {
  FIMON_WRITE_SYSCALL = 1, /* write, pwrite64, writev, pwritev, pwritev2: exact bytes */
  FIMON_WRITE_MAPPED = 2,  /* a page dirtied through a shared writable mapping */
  FIMON_WRITE_MAPPING = 3, /* a shared writable mapping created (offset, length: the mapped range) */
  FIMON_WRITE_IN_KERNEL = 4, /* written by the kernel outside a write syscall (io_uring,
                                copy_file_range, sendfile...), seen by the filesystem: exact bytes */
};

struct fimon_write_record {
  __u64 dev;    /* the device stat() shows for the file (kernel dev_t: major << 20 | minor) */
  __u64 sb_dev; /* the superblock's, as mountinfo and /proc/<pid>/maps show it; differs on btrfs,
                   whose subvolumes each show stat() a device of their own */
  __u64 ino;
  __s64 offset;         /* first byte written */
  __s64 length;         /* bytes written (a page for FIMON_WRITE_MAPPED) */
  __u64 start_boottime; /* the writing process's start, ns since boot: with its pid, an identity */
  __u32 pid;            /* thread */
  __u32 tgid;           /* process */
  __u32 ppid;
  __u32 uid; /* effective */
  __u32 gid; /* effective */
  __u32 kind;
  /* The inode's generation, on filesystems whose FS_IOC_GETVERSION answers with it (ext2/3/4, xfs,
   * btrfs, f2fs; not stacked or FUSE ones): a file given a deleted file's inode number has another. */
  __u32 generation;
  __u32 generation_known;
  char comm[16]; /* the struct ends here, 8-aligned: no padding of old ring bytes */
};

#define FIMON_PATH_WINDOW 4096
#define FIMON_CAPTURE_MAX 256 /* kMaxKernelCapture on the agent's side */

/* FIMON_WRITE_SYSCALL when the agent asked for content (ebpf-capture-bytes): the first bytes of
 * the write, copied from the writer's buffer at the syscall's return (for writev, of its first
 * buffer). */
struct fimon_capture_record {
  struct fimon_write_record write;
  __u32 captured;
  char bytes[FIMON_CAPTURE_MAX];
};

/* FIMON_WRITE_MAPPING only: the file's path within its filesystem, built in the kernel from the
 * dentry's parents (the mapping process may be gone before the agent could ask /proc), filled
 * from the end of `path`: the name starts at path_start and ends before FIMON_PATH_WINDOW - 1. */
struct fimon_mapping_record {
  struct fimon_write_record write;
  __u32 path_start;
  __u32 path_complete; /* 0: deeper or longer than the window, path is a suffix */
  char path[FIMON_PATH_WINDOW];
};

#define FIMON_CMDLINE_MAX 512
#define FIMON_EXE_WINDOW 256

/* Who last changed names or attributes (create, unlink, rename, link, chmod, truncate...), by
 * process id, kept in an LRU map the agent reads when fanotify reports the change with that pid:
 * the process may have exited by then, and /proc with it. */
struct fimon_actor {
  __u64 start_boottime;
  __u64 exe_dev; /* the executable's superblock dev_t, as fimon_write_record.dev */
  __u32 tgid;
  __u32 ppid;
  __u32 uid; /* effective */
  __u32 gid; /* effective */
  __u32 exe_start;    /* the executable's path within its filesystem: exe[exe_start, window - 1) */
  __u32 exe_complete; /* 0: longer than the window or deeper than the walk */
  __u32 cmdline_len;  /* bytes of the argument strings (NUL-separated) in cmdline */
  __u32 cmdline_truncated;
  __u32 stale; /* it called execve since: the next change records it again */
  char comm[16];
  char cmdline[FIMON_CMDLINE_MAX];
  char exe[FIMON_EXE_WINDOW];
};

#endif
