"""The eBPF backend on the real kernel: exact written ranges and full writer attribution.

CI runs as root with BTF, so these execute; a kernel or permission that refuses the programs is a
failure here, never a skip (the agent itself falls back, see test_backend_selection)."""
import base64
import ctypes
import hashlib
import os
import pathlib
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from fimon_harness import Agent, by_path


def ebpf_agent(fimon_bin, es, stream, tree, extra=()):
    watched, state = tree
    agent = Agent(fimon_bin, es, stream, watched, state, extra=list(extra), backend="ebpf")
    assert "source ebpf" in agent.log_text(), agent.log_text()
    return agent


def child(code):
    """Runs `code` in a child Python process; returns its pid and executable."""
    proc = subprocess.run([sys.executable, "-c", code + "\nimport os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)
    return int(proc.stdout.strip().splitlines()[-1]), os.path.realpath(sys.executable)


def modified(agent, path, predicate=lambda d: True, timeout=15):
    docs = agent.docs(lambda d: any(x["event"]["action"] in ("modified", "created") and predicate(x)
                                    for x in by_path(d, path)), timeout=timeout)
    return [x for x in by_path(docs, path) if x["event"]["action"] in ("modified", "created") and predicate(x)]


def writes(doc):
    return [(w["offset"], w["length"]) for w in doc["fim"].get("writes", [])]


def test_pwrite_reports_its_exact_range_and_the_writing_child(fimon_bin, es, stream, tree):
    watched, _ = tree
    target = watched / "data.bin"
    target.write_bytes(b"\0" * 8192)
    agent = ebpf_agent(fimon_bin, es, stream, tree)
    try:
        agent.docs(lambda d: by_path(d, target))  # the creation above, if the agent saw it; else nothing
    except AssertionError:
        pass
    try:
        pid, exe = child(f"import os\nfd = os.open({str(target)!r}, os.O_WRONLY)\nos.pwrite(fd, b'0123456789', 4096)\nos.close(fd)")
        (doc,) = modified(agent, target, lambda x: (4096, 10) in writes(x))[-1:]
        assert writes(doc) == [(4096, 10)]
        assert doc["process"]["pid"] == pid
        assert doc["process"]["executable"] == exe
        assert doc["process"]["parent"]["pid"] == os.getpid()
        assert doc["process"]["entity_id"]
        assert doc["user"]["id"] == str(os.geteuid()) and doc["group"]["id"] == str(os.getegid())
        assert doc["fim"]["source"] == "ebpf"
        assert "writes_captured" not in doc["fim"], "the kernel copies no content unless asked"
    finally:
        agent.stop()


def test_capture_copies_each_writes_first_bytes_except_for_secret_bearing_files(fimon_bin, es, stream, tree):
    watched, _ = tree
    agent = ebpf_agent(fimon_bin, es, stream, tree, extra=["--ebpf-capture-bytes", "16", "--content-exclude", "*.key"])
    try:
        plain, vectored, secret = watched / "plain.bin", watched / "vectored.txt", watched / "server.key"
        child("\n".join([
            "import os",
            f"fd = os.open({str(plain)!r}, os.O_WRONLY | os.O_CREAT, 0o644)",
            "os.pwrite(fd, b'0123456789abcdef-not-copied', 4096)",
            "os.close(fd)",
            f"fd = os.open({str(vectored)!r}, os.O_WRONLY | os.O_CREAT, 0o644)",
            "os.writev(fd, [b'first buffer ', b'second buffer'])",
            "os.close(fd)",
            f"fd = os.open({str(secret)!r}, os.O_WRONLY | os.O_CREAT, 0o600)",
            "os.write(fd, b'-----BEGIN PRIVATE KEY-----')",
            "os.close(fd)",
        ]))
        docs = agent.docs(lambda d: all(any(writes(x) for x in by_path(d, p)) for p in (plain, vectored, secret)))
        (doc,) = [x for x in by_path(docs, plain) if writes(x)]
        assert doc["fim"]["writes_captured"] == [
            {"offset": 4096, "base64": base64.b64encode(b"0123456789abcdef").decode(), "text": "0123456789abcdef"}]
        (doc,) = [x for x in by_path(docs, vectored) if writes(x)]
        assert [c["text"] for c in doc["fim"]["writes_captured"]] == ["first buffer "], "a writev's first buffer"
        (doc,) = [x for x in by_path(docs, secret) if writes(x)]
        assert writes(doc) == [(0, 27)] and "writes_captured" not in doc["fim"]
    finally:
        agent.stop()


def test_append_and_writev_offsets(fimon_bin, es, stream, tree):
    watched, _ = tree
    agent = ebpf_agent(fimon_bin, es, stream, tree)
    try:
        log = watched / "app.log"
        log.write_bytes(b"x" * 100)
        modified(agent, log)
        with open(log, "ab") as f:  # O_APPEND: the bytes land at the end, whatever the position
            f.write(b"appended")
        (doc,) = modified(agent, log, lambda x: (100, 8) in writes(x))[-1:]
        assert writes(doc) == [(100, 8)]
        vec = watched / "vec.bin"
        fd = os.open(vec, os.O_WRONLY | os.O_CREAT, 0o644)
        os.writev(fd, [b"ab", b"cde"])
        os.writev(fd, [b"fg"])
        os.close(fd)
        (doc,) = modified(agent, vec, lambda x: writes(x) == [(0, 7)])[-1:]
        assert hashlib.sha256(vec.read_bytes()).hexdigest() == doc["file"]["hash"]["sha256"]
    finally:
        agent.stop()


def pwritev_syscall(fd, buffers, offset):
    """pwritev itself (os.pwritev makes pwritev2 wherever the kernel has it)."""
    class Iovec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_char_p), ("len", ctypes.c_size_t)]
    iov = (Iovec * len(buffers))(*[Iovec(b, len(b)) for b in buffers])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.pwritev.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_long]
    assert libc.pwritev(fd, iov, len(buffers), offset) == sum(map(len, buffers)), ctypes.get_errno()


def test_positional_vector_writes_and_rwf_append(fimon_bin, es, stream, tree):
    """pwritev at an offset, pwritev2 at the file position (-1) and with RWF_APPEND (which appends
    whatever offset it is given): each range is where the bytes landed, and comes from the syscall's
    own record (only those carry captured bytes; ext4's write_end would give the same ranges)."""
    watched, _ = tree
    agent = ebpf_agent(fimon_bin, es, stream, tree, extra=["--ebpf-capture-bytes", "16"])
    try:
        f = watched / "positional.bin"
        f.write_bytes(b"." * 1000)
        modified(agent, f)
        fd = os.open(f, os.O_WRONLY)
        pwritev_syscall(fd, [b"ab", b"cd"], 200)
        os.close(fd)
        (doc,) = modified(agent, f, lambda x: writes(x) == [(200, 4)])[-1:]
        assert [c["text"] for c in doc["fim"]["writes_captured"]] == ["ab"]
        fd = os.open(f, os.O_WRONLY)
        os.lseek(fd, 500, os.SEEK_SET)
        os.pwritev(fd, [b"xyz"], -1, 0)  # pwritev2 at the file position
        os.pwritev(fd, [b"tail"], 10, os.RWF_APPEND)  # lands at the end (1000), not at 10
        os.close(fd)
        (doc,) = modified(agent, f, lambda x: writes(x) == [(500, 3), (1000, 4)])[-1:]
        assert [(c["offset"], c["text"]) for c in doc["fim"]["writes_captured"]] == [(500, "xyz"), (1000, "tail")]
        assert hashlib.sha256(f.read_bytes()).hexdigest() == doc["file"]["hash"]["sha256"]
    finally:
        agent.stop()


MAP_AND_STORE = ("import mmap, os\nfd = os.open({path!r}, os.O_RDWR)\nm = mmap.mmap(fd, 16384)\n"
                 "m[8192:8197] = b'hello'\nm.flush()\nm.close()\nos.close(fd)")


def test_a_store_through_a_shared_mapping_is_a_modification_with_its_page(fimon_bin, es, stream, tree):
    """No write syscall at all: the mapping is reported, and the page the store dirtied."""
    watched, _ = tree
    target = watched / "mapped.db"
    with open(target, "wb") as f:
        f.truncate(16384)  # a hole: its pages are clean, so the store dirties one
    agent = ebpf_agent(fimon_bin, es, stream, tree)
    try:
        pid, exe = child(MAP_AND_STORE.format(path=str(target)))
        (doc,) = modified(agent, target, lambda x: (8192, 4096) in writes(x), timeout=20)[-1:]
        assert doc["process"]["pid"] == pid and doc["process"]["executable"] == exe
        assert doc["fim"]["change"]["ranges"], doc["fim"]
    finally:
        agent.stop()


def test_a_mapping_over_pages_already_dirty_is_still_reported(fimon_bin, es, stream, tree):
    """Pages dirtied by an earlier write raise no new tracepoint when stored to: the mapping itself,
    seen when it was made, is what reports the change, with the process that made it."""
    watched, _ = tree
    target = watched / "dirty.db"
    target.write_bytes(b"\0" * 16384)  # in the page cache, dirty, not yet written back
    agent = ebpf_agent(fimon_bin, es, stream, tree)
    try:
        pid, _ = child(MAP_AND_STORE.format(path=str(target)))
        (doc,) = modified(agent, target, lambda x: x["event"]["action"] == "modified", timeout=20)[-1:]
        assert doc["process"]["pid"] == pid
        assert doc["fim"]["change"]["bytes_added"] > 0
        assert doc["fim"]["source"] == "ebpf"
    finally:
        agent.stop()


def test_writes_outside_the_watched_tree_never_reach_the_agent(fimon_bin, es, stream, tree, tmp_path):
    agent = ebpf_agent(fimon_bin, es, stream, tree)
    try:
        outside = tmp_path / "outside.bin"
        for _ in range(200):
            outside.write_bytes(b"not watched")
        watched, state = tree
        (watched / "inside").write_bytes(b"watched")
        modified(agent, watched / "inside")
    finally:
        agent.stop()
    status = status_of(fimon_bin, state)
    assert int(status["traced_writes"]) < 20, status  # the inside file's writes, not the 200 outside


def test_rename_and_unlink_are_attributed_to_the_process_that_did_them(fimon_bin, es, stream, tree):
    watched, _ = tree
    agent = ebpf_agent(fimon_bin, es, stream, tree)
    try:
        a = watched / "a"
        a.write_bytes(b"a")
        modified(agent, a)
        pid, _ = child(f"import os\nos.rename({str(a)!r}, {str(watched / 'b')!r})\nos.unlink({str(watched / 'b')!r})")
        docs = agent.docs(lambda d: len(by_path(d, watched / "b")) >= 2)
        for doc in by_path(docs, watched / "b"):
            assert doc["process"]["pid"] == pid, doc["event"]["action"]
    finally:
        agent.stop()


def test_name_and_attribute_changes_name_a_process_that_has_already_exited(fimon_bin, es, stream, tree):
    """chmod, link, symlink, rename, unlink and a write by a child that exits at once: by the time
    the agent reads the events only a pid is left in /proc's place; the kernel's record names it."""
    watched, _ = tree
    agent = ebpf_agent(fimon_bin, es, stream, tree)
    try:
        a, b, hard, soft, new = (watched / n for n in ("a", "b", "hard", "soft", "new"))
        a.write_bytes(b"a")
        modified(agent, a)
        code = "\n".join([
            "import os  # marker-7c1f",
            "print(os.getpid(), flush=True)",
            f"os.chmod({str(a)!r}, 0o600)",
            f"os.link({str(a)!r}, {str(hard)!r})",
            f"os.symlink('a', {str(soft)!r})",
            f"os.rename({str(a)!r}, {str(b)!r})",
            f"os.unlink({str(b)!r})",
            f"open({str(new)!r}, 'w').write('written, then gone')",
            "os._exit(0)",
        ])
        proc = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        pid = int(proc.stdout.split()[0])
        docs = agent.docs(lambda d: by_path(d, hard) and by_path(d, soft) and len(by_path(d, b)) >= 2
                          and any(x["fim"]["source"] == "ebpf" for x in by_path(d, new)))
        boot_id = pathlib.Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        for doc in by_path(docs, hard) + by_path(docs, soft) + by_path(docs, b) + by_path(docs, new):
            process = doc["process"]
            assert process["pid"] == pid, doc["event"]["action"]
            assert process["executable"] == os.path.realpath(sys.executable), process
            assert "marker-7c1f" in process["command_line"], process  # the first 512 bytes of it
            assert process["entity_id"].startswith(boot_id + f"-{pid}-"), process
            assert process["parent"]["pid"] == os.getpid(), process
    finally:
        agent.stop()


def status_of(fimon_bin, state):
    res = Agent.run_cli(fimon_bin, ["status", "--state-dir", str(state)])
    return dict(line.split(": ", 1) for line in res.stdout.splitlines() if ": " in line)


def test_a_full_ring_buffer_is_counted_logged_and_rescanned(fimon_bin, es, stream, tree):
    """The smallest ring (8 KiB, ~100 records) against 200,000 one-byte writes from dd: the kernel
    drops records; the agent counts them as kernel drops, says so, rescans, and stays correct."""
    watched, state = tree
    agent = ebpf_agent(fimon_bin, es, stream, tree, extra=["--ebpf-ring-buffer", "8KiB"])
    try:
        target = watched / "burst.bin"
        subprocess.run(["dd", "if=/dev/zero", f"of={target}", "bs=1", "count=200000", "status=none"], check=True)
        docs = agent.docs(lambda d: any(x["file"].get("size") == 200000 for x in by_path(d, target)), timeout=30)
        assert by_path(docs, target)[-1]["file"]["hash"]["sha256"] == hashlib.sha256(bytes(200000)).hexdigest()
        agent.wait_log("write records lost", timeout=10)
    finally:
        agent.stop()
    status = status_of(fimon_bin, state)
    assert int(status["kernel_drops"]) > 0 and int(status["rescans"]) >= 1, status


@pytest.fixture
def btrfs_tree(tmp_path):
    """A watched directory on a loop-mounted btrfs holding a subvolume: stat() shows each subvolume
    its own device, and inode numbers repeat between subvolumes."""
    image, mount = tmp_path / "btrfs.img", tmp_path / "btrfs"
    with open(image, "wb") as f:
        f.truncate(128 << 20)
    subprocess.run(["mkfs.btrfs", "-q", str(image)], check=True, capture_output=True)
    mount.mkdir()
    subprocess.run(["mount", "-o", "loop", "-t", "btrfs", str(image), str(mount)], check=True)
    try:
        watched = mount / "watched"
        watched.mkdir()
        subprocess.run(["btrfs", "subvolume", "create", str(watched / "subvolume")], check=True, capture_output=True)
        yield watched, tmp_path / "state"
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_btrfs_subvolumes_keep_their_files_apart(fimon_bin, es, stream, btrfs_tree):
    watched, _ = btrfs_tree
    # With a directory made first, the two files get the same inode number on today's btrfs.
    (watched / "subvolume" / "d").mkdir()
    top, inner = watched / "top.bin", watched / "subvolume" / "d" / "inner.bin"
    agent = ebpf_agent(fimon_bin, es, stream, btrfs_tree)
    try:
        child("\n".join([
            "import os",
            f"for path, at in (({str(top)!r}, 100), ({str(inner)!r}, 200)):",
            "    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)",
            "    os.pwrite(fd, b'0123456789', at)",
            "    os.close(fd)",
        ]))
        assert os.stat(top).st_dev != os.stat(inner).st_dev
        docs = agent.docs(lambda d: any(writes(x) for x in by_path(d, top))
                          and any(writes(x) for x in by_path(d, inner)))
        assert [writes(x) for x in by_path(docs, top) if writes(x)] == [[(100, 10)]]
        assert [writes(x) for x in by_path(docs, inner) if writes(x)] == [[(200, 10)]]
    finally:
        agent.stop()


def test_auto_picks_ebpf_and_status_names_it(fimon_bin, es, stream, tree):
    watched, state = tree
    agent = Agent(fimon_bin, es, stream, watched, state)  # --backend auto
    try:
        assert "source: ebpf (" in agent.log_text()
        (watched / "x").write_bytes(b"x")
        doc = modified(agent, watched / "x")[-1]
        assert doc["fim"]["source"] == "ebpf" and writes(doc) == [(0, 1)]
    finally:
        agent.stop()
    assert status_of(fimon_bin, state)["backend"] == "ebpf"


def test_auto_without_privileges_falls_back_and_says_why(fimon_bin, es, stream):
    """As `nobody` the kernel refuses the programs (and fanotify): the agent starts on inotify and
    the log names each skipped backend with its reason."""
    nobody = pwd.getpwnam("nobody")
    root = pathlib.Path(tempfile.mkdtemp(prefix="fimon-nobody-", dir="/var/tmp"))
    try:
        os.chmod(root, 0o755)
        watched, state = root / "watched", root / "state"
        watched.mkdir()
        shutil.chown(watched, nobody.pw_uid, nobody.pw_gid)
        binary = root / "fimon"
        shutil.copy(fimon_bin, binary)
        os.chmod(binary, 0o755)
        shutil.chown(root, nobody.pw_uid, nobody.pw_gid)
        agent = Agent(["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
                       str(binary)], es, stream, watched, state)
        try:
            log = agent.log_text()
            assert "source: ebpf unavailable (" in log and "source: fanotify unavailable (" in log, log
            assert "running: 1 watched trees, source inotify" in log
            (watched / "still-seen").write_bytes(b"y")
            modified(agent, watched / "still-seen")
        finally:
            agent.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_writes_the_kernel_makes_for_a_process_are_exact_too(fimon_bin, es, stream, tree, tmp_path):
    """copy_file_range and sendfile write without a write syscall of the process: the filesystem's
    write_end tracepoints give their exact ranges and the process."""
    watched, _ = tree
    source = tmp_path / "source.bin"  # outside the tree
    source.write_bytes(os.urandom(10000))
    agent = ebpf_agent(fimon_bin, es, stream, tree)
    try:
        copied = watched / "copied.bin"
        code = (f"import os\nsrc = os.open({str(source)!r}, os.O_RDONLY)\n"
                f"dst = os.open({str(copied)!r}, os.O_WRONLY | os.O_CREAT, 0o644)\n"
                "os.copy_file_range(src, dst, 5000, 0, 100)\n"
                "os.lseek(dst, 20000, os.SEEK_SET)\nos.sendfile(dst, src, 0, 3000)\n")
        pid, _ = child(code)
        (doc,) = modified(agent, copied, lambda x: writes(x) == [(100, 5000), (20000, 3000)])[-1:]
        assert doc["process"]["pid"] == pid
    finally:
        agent.stop()


def test_several_writers_in_one_event_are_all_listed(fimon_bin, es, stream, tree):
    watched, _ = tree
    target = watched / "shared.log"
    target.write_bytes(b"\0" * 8192)
    agent = ebpf_agent(fimon_bin, es, stream, tree)
    try:
        code = (f"import os\npids = []\nfor k in range(2):\n    pid = os.fork()\n    if pid == 0:\n"
                f"        fd = os.open({str(target)!r}, os.O_WRONLY)\n        os.pwrite(fd, b'w%d' % k, k * 4096)\n"
                "        os.close(fd)\n        os._exit(0)\n    pids.append(pid)\nfor p in pids:\n    os.waitpid(p, 0)\n"
                "print(' '.join(map(str, pids)))")
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        out, _ = proc.communicate(timeout=30)
        pids = set(map(int, out.split()))

        def proc_pid(_writer):
            return proc.pid  # the forking parent
        docs = modified(agent, target, lambda x: {w["pid"] for w in x["fim"].get("writers", [])} >= pids)
        doc = docs[-1]
        assert writes(doc) == [(0, 2), (4096, 2)]
        # From the kernel's record, even for children gone before /proc could name their executable.
        assert all(w["entity_id"] and w["ppid"] == proc_pid(w) for w in doc["fim"]["writers"] if w["pid"] in pids)
    finally:
        agent.stop()


def test_a_file_given_a_deleted_files_inode_number_does_not_inherit_its_writes(fimon_bin, es, stream, tree):
    """A temporary file written and deleted at once never gets an event (created and deleted cancel
    out), and ext4 gives its inode number to the next file: that file's event must not carry the
    deleted file's written ranges and writer."""
    watched, _ = tree
    agent = ebpf_agent(fimon_bin, es, stream, tree)
    try:
        reused = []
        for i in range(5):
            temp = watched / f"temp{i}"
            with open(temp, "wb") as f:
                f.write(b"x" * 5000)
            old_inode = os.stat(temp).st_ino
            os.unlink(temp)
            new = watched / f"new{i}"
            new.touch()  # created, never written
            if os.stat(new).st_ino == old_inode:
                reused.append(new)
        assert reused, "ext4 gave none of the new files a deleted file's inode number: nothing tested"
        docs = agent.docs(lambda d: all(by_path(d, p) for p in reused))
        for path in reused:
            (doc,) = by_path(docs, path)
            assert doc["event"]["action"] == "created"
            assert doc["file"]["size"] == 0
            assert writes(doc) == [], doc["fim"]
    finally:
        agent.stop()


def test_a_watched_root_made_again_is_traced_again(fimon_bin, es, stream, tree):
    watched, _ = tree
    agent = ebpf_agent(fimon_bin, es, stream, tree)
    try:
        shutil.rmtree(watched)
        watched.mkdir()  # a new inode: the kernel's filter learns it within a second
        time.sleep(2)
        target = watched / "after"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT, 0o644)
        os.pwrite(fd, b"0123", 100)
        os.close(fd)
        doc = modified(agent, target, lambda x: (100, 4) in writes(x))[-1]
        assert doc["fim"]["source"] == "ebpf"
    finally:
        agent.stop()
