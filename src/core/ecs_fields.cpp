#include "core/ecs_fields.hpp"

#include <string>
#include <utility>

#include "core/health_document.hpp"

namespace fimon {

namespace {
// The health counters' fields come from their own list (health_document.cpp), not a second copy.
void add_health_fields(std::vector<FieldSpec>& fields) {
  static const std::vector<std::pair<std::string, std::string>> texts = [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, description] : health_counter_names())
      out.emplace_back(std::string("fim.health.") + name,
                       std::string("health (event.kind: metric): ") + description);
    for (const char* name : health_increase_names())
      out.emplace_back(std::string("fim.health.increase.") + name,
                       std::string("health (event.kind: metric): increase of fim.health.") + name +
                           " since the agent's previous report");
    return out;
  }();  // FieldSpec holds views: the texts live here, for the program's life
  for (const auto& [name, description] : texts) fields.push_back({name, "long", description});
}
}  // namespace

const std::vector<FieldSpec>& ecs_fields() {
  static const std::vector<FieldSpec> fields = [] {
    std::vector<FieldSpec> all = {
        {"@timestamp", "date", "when the change happened (the kernel event's time where known)"},
        {"ecs.version", "keyword", "ECS version the document follows"},
        {"event.kind", "keyword", "event (file changes) | metric (the agent's health reports)"},
        {"event.category", "keyword", "[file]"},
        {"event.type", "keyword", "creation | change | deletion | info"},
        {"event.action", "keyword", "created | modified | deleted | renamed | attributes_modified | scanned"},
        {"event.id", "keyword", "unique id of this event, equal to the document _id"},
        {"event.module", "keyword", "fimon"},
        {"event.dataset", "keyword", "fimon.file | fimon.health"},
        {"event.sequence", "long", "gap-free number of the event within one agent run"},
        {"event.created", "date", "when the agent produced the document"},
        {"data_stream.type", "keyword", "logs"},
        {"data_stream.dataset", "keyword", "fimon.file"},
        {"data_stream.namespace", "keyword", "namespace of the data stream"},
        {"file.path", "text-keyword", "full path (escaped when fim.path_escaped)"},
        {"file.name", "keyword", "file name"},
        {"file.directory", "keyword", "directory holding the file"},
        {"file.extension", "keyword", "extension without the dot"},
        {"file.size", "long", "size in bytes"},
        {"file.type", "keyword", "file | dir | symlink | fifo | socket | char_device | block_device"},
        {"file.inode", "keyword", "inode number"},
        {"file.device", "keyword", "device number"},
        {"file.uid", "keyword", "owner user id (Linux) or owner SID (Windows)"},
        {"file.gid", "keyword", "owner group id"},
        {"file.owner", "keyword", "owner user name"},
        {"file.group", "keyword", "owner group name"},
        {"file.mode", "keyword", "permission bits in octal, e.g. 0644 (not on Windows)"},
        {"file.attributes", "keyword", "Windows file attributes: readonly, hidden, system, archive, ..."},
        {"file.mtime", "date", "last content modification"},
        {"file.ctime", "date", "last metadata change"},
        {"file.created", "date", "birth time where the filesystem keeps it"},
        {"file.target_path", "keyword", "a symlink's target (never followed)"},
        {"file.mime_type", "keyword",
         "media type sniffed from the first bytes (plain UTF-8 text: text/plain directly; else libmagic, "
         "FindMimeFromData on Windows)"},
        {"file.hash.md5", "keyword", "MD5 of the content"},
        {"file.hash.sha1", "keyword", "SHA-1 of the content"},
        {"file.hash.sha256", "keyword", "SHA-256 of the content"},
        {"file.hash.sha512", "keyword", "SHA-512 of the content"},
        {"process.pid", "long", "pid of the (first) writer"},
        {"process.name", "keyword", "writer's process name"},
        {"process.executable", "keyword", "writer's executable"},
        {"process.command_line", "keyword", "writer's command line (eBPF backend)"},
        {"process.entity_id", "keyword",
         "writer's identity across pid reuse: boot id, pid, start time (eBPF backend)"},
        {"process.parent.pid", "long", "writer's parent pid (eBPF backend)"},
        {"group.id", "keyword", "writer's effective group id (eBPF backend)"},
        {"group.name", "keyword", "writer's effective group name (eBPF backend)"},
        {"user.id", "keyword", "writer's effective user id"},
        {"user.name", "keyword", "writer's user name"},
        {"host.name", "keyword", "host name"},
        {"host.hostname", "keyword", "host name as the OS reports it"},
        {"host.id", "keyword", "machine id"},
        {"host.architecture", "keyword", "CPU architecture"},
        {"host.os.type", "keyword", "linux | windows"},
        {"host.os.family", "keyword", "OS family, e.g. debian"},
        {"host.os.name", "keyword", "OS name"},
        {"host.os.version", "keyword", "OS version"},
        {"host.os.kernel", "keyword", "kernel release"},
        {"agent.id", "keyword", "stable id of this agent installation (kept in the state directory)"},
        {"agent.ephemeral_id", "keyword", "id of this agent run"},
        {"agent.name", "keyword", "host name the agent runs on"},
        {"agent.type", "keyword", "fimon"},
        {"agent.version", "keyword", "fimon version"},
        {"fim.source", "keyword", "mechanism that saw the change: ebpf | fanotify | inotify | scan"},
        {"fim.path_escaped", "boolean",
         "file.path holds \\xHH escapes for bytes that are not printable UTF-8"},
        {"fim.path_prefix", "keyword",
         "ancestor directories of file.path, shallowest first, up to 8 (filter by path prefix)"},
        {"fim.hash_skipped", "keyword",
         "why there is no hash: too_large | vanished | permission_denied | ..."},
        {"fim.process_resolved", "boolean", "false when the writer had exited before it could be looked up"},
        {"fim.previous.path", "keyword", "the path before a rename"},
        {"fim.previous.path_escaped", "boolean", "fim.previous.path holds \\xHH escapes"},
        {"fim.entropy", "float", "Shannon entropy of the content in bits per byte (8 = random or encrypted)"},
        {"fim.previous.hash.md5", "keyword", "MD5 before the change"},
        {"fim.previous.hash.sha1", "keyword", "SHA-1 before the change"},
        {"fim.previous.hash.sha256", "keyword", "SHA-256 before the change"},
        {"fim.previous.hash.sha512", "keyword", "SHA-512 before the change"},
        {"fim.previous.size", "long", "size before the change"},
        {"fim.previous.mtime", "date", "modification time before the change"},
        {"fim.previous.mode", "keyword", "permission bits before the change"},
        {"fim.previous.uid", "keyword", "owner before the change"},
        {"fim.previous.gid", "keyword", "group before the change"},
        {"fim.previous.entropy", "float", "entropy before the change"},
        {"fim.change.granularity", "keyword",
         "chunk: ranges are whole content-defined chunks (2-64 KiB) holding the change"},
        {"fim.change.ranges", "object", "byte ranges of the new content that the old content did not have"},
        {"fim.change.ranges.offset", "long", "start of a changed range"},
        {"fim.change.ranges.length", "long", "length of a changed range"},
        {"fim.change.ranges_truncated", "boolean", "more ranges changed than max-ranges lists"},
        {"fim.change.bytes_added", "long", "bytes of the new content not in the old"},
        {"fim.change.bytes_removed", "long", "bytes of the old content not in the new"},
        {"fim.change.entropy", "float",
         "entropy of the changed bytes (a jump towards 8 suggests encryption)"},
        {"fim.change.excerpt.offset", "long",
         "file offset of the excerpt: the 256-byte block holding the first change (files up to 16 MiB), else "
         "its chunk"},
        {"fim.change.excerpt.base64", "keyword", "the first changed bytes (excerpt-bytes), base64"},
        {"fim.change.excerpt.text", "text", "the same bytes, printable: other bytes shown as '.'"},
        {"fim.change.content_capture_excluded", "boolean",
         "the path is secret-bearing (content-exclude): no excerpt"},
        {"fim.change.diff", "text",
         "unified diff against the previous content (text files under diff-paths)"},
        {"fim.change.diff_truncated", "boolean", "the diff was longer than diff-max-bytes"},
        {"fim.change.redactions", "long", "secrets scrubbed from the excerpt and the diff"},
        {"fim.writes", "object",
         "byte ranges the kernel saw written since the file's last event, merged (eBPF or ETW backend)"},
        {"fim.writes.offset", "long", "first byte of a written range"},
        {"fim.writes.length", "long",
         "length of a written range (a page for stores through a shared mapping)"},
        {"fim.writes_truncated", "boolean",
         "more disjoint ranges were written than fim.writes lists; the last one covers the rest"},
        {"fim.writes_captured", "object",
         "the first bytes of the first 4 writes, copied by the kernel as they happened (ebpf-capture-bytes; "
         "never for content-exclude paths)"},
        {"fim.writes_captured.offset", "long", "file offset the write started at"},
        {"fim.writes_captured.base64", "keyword", "its first bytes, base64"},
        {"fim.writes_captured.text", "text", "the same bytes, printable: other bytes shown as '.'"},
        {"fim.writes_captured.redactions", "long", "secrets scrubbed from these bytes"},
        {"fim.streams", "keyword",
         "Windows: named data streams (alternate data streams) written, added or removed, besides the "
         "file's main one"},
        {"fim.writers", "object", "every distinct writer folded into this event"},
        {"fim.writers.pid", "long", "writer pid"},
        {"fim.writers.name", "keyword", "writer process name"},
        {"fim.writers.executable", "keyword", "writer executable"},
        {"fim.writers.user_id", "keyword", "writer's effective user id"},
        {"fim.writers.user_name", "keyword", "writer's user name"},
        {"fim.writers.ppid", "long", "writer's parent pid"},
        {"fim.writers.group_id", "keyword", "writer's effective group id"},
        {"fim.writers.command_line", "keyword", "writer's command line"},
        {"fim.writers.entity_id", "keyword", "writer's identity across pid reuse"},
        {"fim.writers.resolved", "boolean", "false when the writer was gone before lookup"},
    };
    add_health_fields(all);
    return all;
  }();
  return fields;
}

const FieldSpec* find_field(std::string_view name) {
  for (const auto& f : ecs_fields()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace fimon
