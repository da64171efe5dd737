"""Hostile names and odd files: valid documents, reversible paths, an agent that stays up."""
import hashlib
import os

from fimon_harness import by_path


def unescape(text: str) -> bytes:
    out = bytearray()
    raw = text.encode()
    i = 0
    while i < len(raw):
        if raw[i : i + 2] == b"\\\\":
            out += b"\\"
            i += 2
        elif raw[i : i + 2] == b"\\x":
            out.append(int(raw[i + 2 : i + 4], 16))
            i += 4
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def test_non_utf8_newline_and_quote_names(agent, tree):
    watched, _ = tree
    names = [b"bad\xff\xfename", b"new\nline", b'quo"te\\back', b"-leading-dash", b"x" * 255]
    base = bytes(watched)
    for n in names:
        with open(os.path.join(base, n), "wb") as f:
            f.write(n)
    docs = agent.docs(lambda d: len(d) >= len(names))
    assert len(docs) == len(names)
    for doc in docs:
        raw = unescape(doc["file"]["path"]) if doc["fim"].get("path_escaped") else doc["file"]["path"].encode()
        name = os.path.basename(raw)
        assert name in names
        assert doc["file"]["hash"]["sha256"] == hashlib.sha256(name).hexdigest()
    escaped = [d for d in docs if d["fim"].get("path_escaped")]
    assert len(escaped) == 2  # the invalid UTF-8 name and the newline name
    assert all("\n" not in d["file"]["path"] for d in docs)


def test_deep_and_long_paths(agent, tree):
    watched, _ = tree
    # ~4,000-byte path: 20 levels of 195-byte names (PATH_MAX is 4096).
    parts = ["d%03d" % i + "x" * 191 for i in range(20)]
    deep = os.path.join(str(watched), *parts)
    os.makedirs(deep)
    target = os.path.join(deep, "leaf")
    assert len(target) > 3900
    with open(target, "wb") as f:
        f.write(b"deep")
    docs = agent.docs(lambda d: by_path(d, target))
    assert by_path(docs, target)[0]["file"]["hash"]["sha256"] == hashlib.sha256(b"deep").hexdigest()


def test_file_deleted_before_analysis_is_still_reported(agent, tree):
    watched, _ = tree
    path = watched / "ephemeral"
    path.write_bytes(b"gone soon")
    path.unlink()
    docs = agent.docs(lambda d: len(by_path(d, path)) >= 2)
    created, deleted = by_path(docs, path)
    assert created["event"]["action"] == "created"
    assert deleted["event"]["action"] == "deleted"
