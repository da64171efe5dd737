#include "core/ecs_document.hpp"

#include <cstdio>

#include "core/ecs_fields.hpp"
#include "core/json_writer.hpp"
#include "core/path_filter.hpp"
#include "core/text.hpp"
#include "platform/crypto.hpp"

namespace fimon {
namespace {

// fim.path_prefix lists this many ancestor directories: deeper levels add bytes to every document
// and are better matched with a query on file.path.
constexpr std::size_t kMaxPathPrefixes = 8;

const char* event_type(Action a) {
  switch (a) {
    case Action::kCreated:
      return "creation";
    case Action::kDeleted:
      return "deletion";
    case Action::kScanned:
      return "info";
    default:
      return "change";
  }
}

std::string extension_of(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return {};
  return std::string(name.substr(dot + 1));
}

std::string octal_mode(std::uint32_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

// Writes a path field and returns whether it had to be escaped.
bool write_path(JsonWriter& w, std::string_view key, std::string_view raw) {
  const EscapedPath p = escape_path(raw);
  w.field(key, is_drive_path(raw) ? shown_path(p.text) : p.text);
  return p.escaped;
}

void write_file(JsonWriter& w, const FileEvent& e, bool* escaped) {
  w.key("file").begin_object();
  *escaped = write_path(w, "path", e.path);
  const std::string_view name = path_basename(e.path);
  write_path(w, "name", name);
  write_path(w, "directory", path_dirname(e.path));
  if (const std::string ext = extension_of(name);
      !ext.empty() && (!e.meta || e.meta->type == FileType::kFile)) {
    write_path(w, "extension", ext);
  }
  if (e.meta) {
    const FileMeta& m = *e.meta;
    w.field("type", file_type_name(m.type));
    if (m.type == FileType::kFile) w.field("size", m.size);
    w.field("inode", std::to_string(m.inode));
    w.field("device", std::to_string(m.device));
    if (m.posix_ids) {
      w.field("uid", std::to_string(m.uid));
      w.field("gid", std::to_string(m.gid));
    } else if (!m.owner_id.empty()) {
      w.field("uid", m.owner_id);  // ECS: "the user ID (UID) or security identifier (SID)"
    }
    if (!m.owner.empty()) w.field("owner", to_valid_utf8(m.owner));
    if (!m.group.empty()) w.field("group", to_valid_utf8(m.group));
    if (m.posix_ids) w.field("mode", octal_mode(m.mode));
    if (!m.attributes.empty()) {
      w.key("attributes").begin_array();
      for (const auto& a : m.attributes) w.value(a);
      w.end_array();
    }
    w.field("mtime", format_rfc3339(m.mtime));
    w.field("ctime", format_rfc3339(m.ctime));
    if (m.btime) w.field("created", format_rfc3339(*m.btime));
    if (m.type == FileType::kSymlink) write_path(w, "target_path", m.symlink_target);
  }
  if (!e.mime_type.empty()) w.field("mime_type", e.mime_type);
  if (!e.hashes.empty()) {
    w.key("hash").begin_object();
    for (const auto& h : e.hashes) w.field(hash_algo_name(h.algo), h.hex);
    w.end_object();
  }
  w.end_object();
}

void write_writer_fields(JsonWriter& w, const ProcessInfo& p) {
  w.field("pid", p.pid);
  if (!p.name.empty()) w.field("name", to_valid_utf8(p.name));
  if (!p.executable.empty()) w.field("executable", to_valid_utf8(p.executable));
  if (!p.command_line.empty()) w.field("command_line", to_valid_utf8(p.command_line));
  if (!p.entity_id.empty()) w.field("entity_id", p.entity_id);
}

void write_previous(JsonWriter& w, const PreviousState& p, bool posix_ids) {
  if (!p.hashes.empty()) {
    w.key("hash").begin_object();
    for (const auto& h : p.hashes) w.field(hash_algo_name(h.algo), h.hex);
    w.end_object();
  }
  w.field("size", p.size);
  w.field("mtime", format_rfc3339(p.mtime));
  if (posix_ids) {
    w.field("mode", octal_mode(p.mode));
    w.field("uid", std::to_string(p.uid));
    w.field("gid", std::to_string(p.gid));
  }
  if (p.entropy) w.field("entropy", *p.entropy);
}

void write_change(JsonWriter& w, const ContentChange& c) {
  w.key("change").begin_object();
  w.field("granularity", "chunk");
  w.key("ranges").begin_array();
  for (const auto& r : c.ranges)
    w.begin_object().field("offset", r.offset).field("length", r.length).end_object();
  w.end_array();
  if (c.ranges_truncated) w.field("ranges_truncated", true);
  w.field("bytes_added", c.bytes_added);
  w.field("bytes_removed", c.bytes_removed);
  if (c.entropy) w.field("entropy", *c.entropy);
  if (!c.excerpt.empty()) {
    w.key("excerpt").begin_object();
    w.field("offset", c.excerpt_offset);
    w.field("base64", base64_encode(c.excerpt));
    w.field("text", printable_text(c.excerpt));
    w.end_object();
  }
  if (c.content_capture_excluded) w.field("content_capture_excluded", true);
  if (!c.diff.empty()) {
    w.field("diff", c.diff);
    if (c.diff_truncated) w.field("diff_truncated", true);
  }
  if (c.redactions > 0) w.field("redactions", c.redactions);
  w.end_object();
}

}  // namespace

void write_data_stream(JsonWriter& w, const std::string& name) {
  // logs-<dataset>-<namespace>; the dataset may itself contain '.', the namespace never '-'.
  // Plain indices (fimon-*) are not data streams and carry no data_stream fields.
  if (name.rfind("logs-", 0) != 0) return;
  const auto first = name.find('-');
  const auto last = name.rfind('-');
  if (first == std::string::npos || last == first) return;
  w.key("data_stream").begin_object();
  w.field("type", name.substr(0, first));
  w.field("dataset", name.substr(first + 1, last - first - 1));
  w.field("namespace", name.substr(last + 1));
  w.end_object();
}

void write_host_and_agent(JsonWriter& w, const AgentContext& ctx) {
  w.key("host").begin_object();
  w.field("name", ctx.host_name);
  w.field("hostname", ctx.host_name);
  if (!ctx.host_id.empty()) w.field("id", ctx.host_id);
  w.field("architecture", ctx.architecture);
  w.key("os").begin_object();
  w.field("type", ctx.os_type);
  if (!ctx.os_family.empty()) w.field("family", ctx.os_family);
  if (!ctx.os_name.empty()) w.field("name", ctx.os_name);
  if (!ctx.os_version.empty()) w.field("version", ctx.os_version);
  w.field("kernel", ctx.os_kernel);
  w.end_object();
  w.end_object();

  w.key("agent").begin_object();
  w.field("id", ctx.agent_id);
  w.field("ephemeral_id", ctx.ephemeral_id);
  w.field("name", ctx.host_name);
  w.field("type", "fimon");
  w.field("version", ctx.version);
  w.end_object();
}

std::string document_id(const AgentContext& ctx, const FileEvent& e) {
  std::string material = ctx.agent_id;
  for (const std::string& part :
       {e.path, std::string(action_name(e.action)), std::to_string(e.generation),
        std::to_string(e.meta ? e.meta->ctime : 0), std::to_string(e.previous ? e.previous->mtime : 0),
        e.hashes.empty() ? std::string() : e.hashes.front().hex, e.previous_path}) {
    material += '\0';  // paths may hold newlines, never NUL
    material += part;
  }
  auto digest = platform::hash_hex(HashAlgo::kSha256, material.data(), material.size());
  if (!digest) return ctx.ephemeral_id + "-" + std::to_string(e.sequence);  // still unique
  return digest->substr(0, 40);
}

std::string document_id(const AgentContext& ctx, std::uint64_t sequence) {
  const std::string material = ctx.agent_id + '\n' + ctx.ephemeral_id + '\n' + std::to_string(sequence);
  auto digest = platform::hash_hex(HashAlgo::kSha256, material.data(), material.size());
  if (!digest) return ctx.ephemeral_id + "-" + std::to_string(sequence);  // still unique and deterministic
  return digest->substr(0, 40);
}

std::string encode_ecs_document(const FileEvent& e, const AgentContext& ctx, const std::string& id,
                                WallTimeNs now) {
  JsonWriter w;
  w.begin_object();
  w.field("@timestamp", format_rfc3339(e.time != 0 ? e.time : now));
  w.key("ecs").begin_object().field("version", kEcsVersion).end_object();

  w.key("event").begin_object();
  w.field("kind", "event");
  w.key("category").begin_array().value("file").end_array();
  w.key("type").begin_array().value(event_type(e.action)).end_array();
  w.field("action", action_name(e.action));
  w.field("id", id);
  w.field("module", "fimon");
  w.field("dataset", "fimon.file");
  w.field("sequence", e.sequence);
  w.field("created", format_rfc3339(now));
  w.end_object();

  write_data_stream(w, ctx.data_stream);

  bool path_escaped = false;
  write_file(w, e, &path_escaped);

  if (!e.writers.empty()) {
    const ProcessInfo& first = e.writers.front();
    w.key("process").begin_object();
    write_writer_fields(w, first);
    if (first.ppid) w.key("parent").begin_object().field("pid", *first.ppid).end_object();
    w.end_object();
    if (first.uid || !first.user_sid.empty()) {
      w.key("user").begin_object();
      w.field("id", first.uid ? std::to_string(*first.uid) : first.user_sid);
      if (!first.user_name.empty()) w.field("name", to_valid_utf8(first.user_name));
      w.end_object();
    }
    if (first.gid) {
      w.key("group").begin_object();
      w.field("id", std::to_string(*first.gid));
      if (!first.group_name.empty()) w.field("name", to_valid_utf8(first.group_name));
      w.end_object();
    }
  }

  write_host_and_agent(w, ctx);

  w.key("fim").begin_object();
  w.field("source", e.source);
  if (path_escaped) w.field("path_escaped", true);
  if (const auto prefixes = path_prefixes(e.path, kMaxPathPrefixes); !prefixes.empty()) {
    w.key("path_prefix").begin_array();
    for (const auto p : prefixes) w.value(shown_path(escape_path(p).text));
    w.end_array();
  }
  if (!e.hash_skipped.empty()) w.field("hash_skipped", e.hash_skipped);
  if (!e.writers.empty()) w.field("process_resolved", e.writers.front().resolved);
  if (e.entropy) w.field("entropy", *e.entropy);
  if (!e.previous_path.empty() || e.previous) {
    w.key("previous").begin_object();
    if (!e.previous_path.empty() && write_path(w, "path", e.previous_path)) w.field("path_escaped", true);
    if (e.previous) write_previous(w, *e.previous, !e.meta || e.meta->posix_ids);
    w.end_object();
  }
  if (e.change) write_change(w, *e.change);
  if (!e.writes.empty()) {
    w.key("writes").begin_array();
    for (const auto& r : e.writes)
      w.begin_object().field("offset", r.offset).field("length", r.length).end_object();
    w.end_array();
    if (e.writes_truncated) w.field("writes_truncated", true);
  }
  if (!e.captured_writes.empty()) {
    w.key("writes_captured").begin_array();
    for (const auto& c : e.captured_writes) {
      w.begin_object().field("offset", c.offset);
      w.field("base64", base64_encode(c.bytes)).field("text", printable_text(c.bytes));
      if (c.redactions > 0) w.field("redactions", static_cast<std::uint64_t>(c.redactions));
      w.end_object();
    }
    w.end_array();
  }
  if (!e.streams.empty()) {
    w.key("streams").begin_array();
    for (const auto& s : e.streams) w.value(to_valid_utf8(s));
    w.end_array();
  }
  if (e.writers.size() > 1) {
    w.key("writers").begin_array();
    for (const auto& p : e.writers) {
      w.begin_object();
      write_writer_fields(w, p);
      if (p.uid) w.field("user_id", std::to_string(*p.uid));
      if (!p.uid && !p.user_sid.empty()) w.field("user_id", p.user_sid);
      if (!p.user_name.empty()) w.field("user_name", to_valid_utf8(p.user_name));
      if (p.ppid) w.field("ppid", *p.ppid);
      if (p.gid) w.field("group_id", std::to_string(*p.gid));
      w.field("resolved", p.resolved);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();

  w.end_object();
  return w.take();
}

}  // namespace fimon
