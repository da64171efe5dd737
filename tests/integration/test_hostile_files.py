"""Odd files and odd trees (issue 4): never opened when they must not be, never read when they are
huge, never a crash. Each test ends by checking the agent still reports a plain file."""
import fcntl
import hashlib
import os
import pathlib
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time

import pytest

from fimon_harness import Agent, by_path


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def still_alive(agent, watched, name="canary"):
    path = watched / name
    path.write_bytes(name.encode())
    docs = agent.docs(lambda d: by_path(d, path), timeout=20)
    assert by_path(docs, path)[0]["file"]["hash"]["sha256"] == sha256(name.encode())


def test_sockets_devices_and_symlink_loops_are_never_opened(agent, tree):
    watched, _ = tree
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(watched / "sock"))
    os.mknod(watched / "null-twin", 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # like /dev/null
    os.mknod(watched / "disk-twin", 0o600 | stat.S_IFBLK, os.makedev(7, 250))  # a loop device number
    os.symlink("loop-b", watched / "loop-a")
    os.symlink("loop-a", watched / "loop-b")
    names = ["sock", "null-twin", "disk-twin", "loop-a", "loop-b"]
    docs = agent.docs(lambda d: all(by_path(d, watched / n) for n in names))
    types = {n: by_path(docs, watched / n)[0]["file"]["type"] for n in names}
    assert types == {"sock": "socket", "null-twin": "char_device", "disk-twin": "block_device",
                     "loop-a": "symlink", "loop-b": "symlink"}
    for n in names:
        doc = by_path(docs, watched / n)[0]
        assert "hash" not in doc["file"], doc
    assert by_path(docs, watched / "loop-a")[0]["file"]["target_path"] == "loop-b"
    sock.close()
    still_alive(agent, watched)


def test_a_sparse_10_gib_file_is_not_read(agent, tree):
    watched, _ = tree
    path = watched / "sparse"
    started = time.monotonic()
    with open(path, "wb") as f:
        f.truncate(10 << 30)
    docs = agent.docs(lambda d: by_path(d, path), timeout=20)
    elapsed = time.monotonic() - started
    doc = by_path(docs, path)[0]
    assert doc["file"]["size"] == 10 << 30
    assert doc["fim"]["hash_skipped"] == "too_large"  # above max-file-size (1 GiB): metadata only
    assert elapsed < 20  # reading 10 GiB of zeros would take far longer
    still_alive(agent, watched)


def test_a_file_truncated_while_it_is_read(agent, tree):
    watched, _ = tree
    path = watched / "shrinking"
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for _ in range(256):  # 256 MiB: long enough to be truncated mid-read
            f.write(block)
    for size in (100 << 20, 10 << 20, 0):
        time.sleep(0.3)
        os.truncate(path, size)
    path.write_bytes(b"final")
    docs = agent.docs(lambda d: any(x["file"].get("hash", {}).get("sha256") == sha256(b"final")
                                    for x in by_path(d, path)), timeout=30)
    assert by_path(docs, path)
    still_alive(agent, watched)


@pytest.fixture
def open_dir():
    """A directory every user can traverse (pytest's tmp_path is root-only)."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="fimon-nobody-", dir="/var/tmp"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_unreadable_file_is_reported_as_permission_denied(fimon_bin, es, stream, open_dir):
    # As root everything is readable, so this agent runs as `nobody` with the inotify backend
    # (which needs no privilege) over a tree `nobody` owns.
    nobody = pwd.getpwnam("nobody")
    tmp_path = open_dir
    root = tmp_path / "nobody"
    watched, state = root / "watched", root / "state"
    watched.mkdir(parents=True)
    shutil.chown(root, nobody.pw_uid, nobody.pw_gid)
    shutil.chown(watched, nobody.pw_uid, nobody.pw_gid)
    os.chmod(root, 0o755)
    binary = tmp_path / "fimon"
    shutil.copy(fimon_bin, binary)  # build/ may not be reachable for nobody
    os.chmod(binary, 0o755)
    agent = Agent(["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
                   str(binary)], es, stream, watched, state, backend="inotify")
    try:
        secret = watched / "secret"
        secret.write_bytes(b"root only")
        os.chmod(secret, 0o000)
        docs = agent.docs(lambda d: by_path(d, secret), timeout=20)
        assert by_path(docs, secret)[-1]["fim"]["hash_skipped"] == "permission_denied"
        shutil.chown(watched, 0, 0)
        os.chmod(watched, 0o777)
        still_alive(agent, watched)
    finally:
        agent.stop()


def test_pseudo_filesystems_in_the_watch_list_are_skipped(fimon_bin, es, stream, tree):
    watched, state = tree
    agent = Agent(fimon_bin, es, stream, watched, state, extra=["--watch", "/proc/sys/kernel", "--watch", "/sys/kernel"])
    try:
        still_alive(agent, watched)
    finally:
        agent.stop()
    log = agent.log_text()
    assert "watch /proc/sys/kernel: a pseudo filesystem" in log and "watch /sys/kernel: a pseudo filesystem" in log
    entries = int(re.search(r"start-up scan: (\d+) entries, \d+ unreadable", log).group(1))
    assert entries < 10, f"the start-up scan walked {entries} entries: it entered /proc or /sys"


def test_a_bind_mount_showing_the_tree_twice(agent, tree):
    watched, _ = tree
    (watched / "real").mkdir()
    (watched / "twin").mkdir()
    subprocess.run(["mount", "--bind", str(watched / "real"), str(watched / "twin")], check=True)
    try:
        path = watched / "real" / "seen-twice"
        path.write_bytes(b"one file, two paths")
        docs = agent.docs(lambda d: by_path(d, path) or by_path(d, watched / "twin" / "seen-twice"))
        assert docs
        still_alive(agent, watched)
    finally:
        subprocess.run(["umount", "-l", str(watched / "twin")], check=False)


def test_the_watched_directory_deleted_and_recreated(agent, tree):
    watched, _ = tree
    (watched / "before").write_bytes(b"before")
    agent.docs(lambda d: by_path(d, watched / "before"))
    shutil.rmtree(watched)
    watched.mkdir()
    time.sleep(0.5)
    still_alive(agent, watched, "after-recreate")


def test_a_locked_file_is_still_read(agent, tree):
    watched, _ = tree
    path = watched / "locked"
    with open(path, "wb") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # advisory, as every lock on Linux is for readers like us
        fcntl.lockf(f, fcntl.LOCK_EX)
        f.write(b"locked content")
        f.flush()
        docs = agent.docs(lambda d: any(x["file"].get("hash", {}).get("sha256") == sha256(b"locked content")
                                        for x in by_path(d, path)), timeout=20)
        assert by_path(docs, path)
