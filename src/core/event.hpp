// The event model shared by every stage of the pipeline:
//   sources  -> RawChange  (what the kernel/OS said, translated, nothing computed)
//   coalescer-> WorkItem   (one per file per quiet period: what to analyse and why)
//   analysis -> FileEvent  (everything the document will say)
// Paths are byte strings: on Linux a file name is any bytes but '/' and NUL, so nothing here assumes
// UTF-8. Encoding for JSON happens once, in the ECS encoder.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace fimon {

enum class ChangeKind : std::uint8_t {
  kCreated,      // a name appeared (open O_CREAT, mkdir, mknod, link, symlink)
  kModified,     // content written
  kClosedWrite,  // a writer closed the file: a good moment to analyse
  kAttributes,   // mode, owner, xattr, times
  kDeleted,
  kRenamed,    // old_path -> path, both known
  kMovedFrom,  // half a rename (old name), the other half may follow
  kMovedTo,    // half a rename (new name)
  kRescan,     // the source lost events under path: reconcile it by scanning
};

// Who did it, as far as the source could tell at the time of the event.
struct ProcessInfo {
  std::int64_t pid = 0;
  std::string name;        // comm / image name
  std::string executable;  // full path of the image
  std::optional<std::uint32_t> uid;
  std::string user_sid;  // Windows: the token user's SID (no numeric uid there)
  std::string user_name;
  bool resolved = false;  // false: the pid was known but the process was gone
  // Known where the kernel said who wrote (the eBPF tracer):
  std::optional<std::int64_t> ppid;
  std::optional<std::uint32_t> gid;  // effective group
  std::string group_name;
  std::string command_line;
  std::string entity_id;  // unique across pid reuse and reboots
};
// One process's description, shared by every change, pending file and ledger entry it wrote:
// 100,000 files waiting in a burst would otherwise hold 200,000 copies of the same strings.
using ProcessRef = std::shared_ptr<const ProcessInfo>;

struct RawChange {
  ChangeKind kind = ChangeKind::kModified;
  std::string path;      // absolute
  std::string old_path;  // kRenamed only
  bool is_dir = false;
  std::uint32_t cookie = 0;  // pairs kMovedFrom/kMovedTo (inotify)
  WallTimeNs time = 0;       // when the source saw it
  ProcessRef process;        // null: the source does not know
  const char* source = "";   // static string: fanotify | inotify | scan | ...
  std::string stream;        // Windows: the named data stream changed (path names its file)
};

enum class Action : std::uint8_t {
  kCreated,
  kModified,
  kDeleted,
  kRenamed,
  kAttributesModified,
  kScanned,
};
const char* action_name(Action a);

// Work for the analysis stage, produced by the coalescer.
struct WorkItem {
  Action action = Action::kModified;
  std::string path;
  std::string previous_path;  // renamed
  bool is_dir = false;
  WallTimeNs time = 0;               // the latest kernel event folded into this item
  std::vector<ProcessRef> writers;   // distinct writers, first first
  std::vector<std::string> streams;  // Windows: named data streams changed
  const char* source = "";
  bool record_only = false;  // building the first baseline: record what exists, report only changes
                             // to files a live event recorded meanwhile
};

enum class FileType : std::uint8_t {
  kFile,
  kDir,
  kSymlink,
  kFifo,
  kSocket,
  kCharDevice,
  kBlockDevice,
  kUnknown
};
const char* file_type_name(FileType t);

struct FileMeta {
  FileType type = FileType::kUnknown;
  std::uint64_t size = 0;
  std::uint64_t inode = 0;
  std::uint64_t device = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t mode = 0;               // permission bits incl. setuid/setgid/sticky
  bool posix_ids = true;                // uid, gid and mode mean something (not on Windows)
  std::vector<std::string> attributes;  // Windows: readonly, hidden, system, archive, ...
  WallTimeNs mtime = 0;
  WallTimeNs ctime = 0;
  std::optional<WallTimeNs> btime;  // birth time where the filesystem keeps it
  // The inode's generation (Linux, read from the open file when traced writes need it and the
  // filesystem reports it): a file given a deleted file's inode number has another.
  std::optional<std::uint32_t> inode_generation;
  std::string owner;     // user name, empty when unknown
  std::string owner_id;  // Windows: the owner's SID (posix_ids false)
  std::string group;
  std::string symlink_target;  // symlinks only: never followed, only reported
};

enum class HashAlgo : std::uint8_t { kMd5, kSha1, kSha256, kSha512 };
const char* hash_algo_name(HashAlgo a);
bool parse_hash_algo(const std::string& text, HashAlgo* out);

struct FileHash {
  HashAlgo algo;
  std::string hex;
};

// What the file was before this change, from the baseline store.
struct PreviousState {
  std::vector<FileHash> hashes;
  std::uint64_t size = 0;
  WallTimeNs mtime = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::optional<double> entropy;
};

struct ChangedRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// The first bytes of one write, copied by the kernel as it happened (ebpf-capture-bytes): what was
// written even if the file changed again or vanished before it was read.
constexpr std::uint64_t kMaxKernelCapture = 256;
struct CapturedWrite {
  std::uint64_t offset = 0;
  std::string bytes;
  std::size_t redactions = 0;  // secrets scrubbed from bytes before they left the agent
};

// Which bytes changed and what they became, at chunk granularity (see analysis/range_diff.hpp).
struct ContentChange {
  std::vector<ChangedRange> ranges;
  bool ranges_truncated = false;
  std::uint64_t bytes_added = 0;
  std::uint64_t bytes_removed = 0;
  std::optional<double> entropy;  // of the changed bytes
  std::uint64_t excerpt_offset = 0;
  std::string excerpt;                    // raw bytes; empty when capture is off or not allowed for the path
  bool content_capture_excluded = false;  // the path matches content-exclude: no excerpt, by policy
  std::string diff;  // unified diff against the shadow copy (text files under diff-paths)
  bool diff_truncated = false;
  std::uint64_t redactions = 0;  // secrets scrubbed from the excerpt and diff
};

struct FileEvent {
  std::uint64_t sequence = 0;    // gap-free per agent run
  std::uint64_t generation = 0;  // the file's baseline generation after this change (see document_id)
  Action action = Action::kModified;
  WallTimeNs time = 0;
  std::string path;
  std::string previous_path;
  std::optional<FileMeta> meta;  // absent for deletions and vanished files
  std::vector<FileHash> hashes;
  std::string hash_skipped;  // why no hash: too_large, not_regular, vanished, permission_denied, ...
  std::vector<ProcessInfo> writers;
  const char* source = "";
  std::optional<double> entropy;  // bits per byte of the whole content, when it was read
  std::string mime_type;
  std::optional<PreviousState> previous;
  std::optional<ContentChange> change;
  // What the kernel saw written since the file's last event (a write tracer), merged.
  std::vector<ChangedRange> writes;
  bool writes_truncated = false;
  std::vector<CapturedWrite> captured_writes;  // the first few, when capture is on and allowed
  std::vector<std::string> streams;            // Windows: alternate data streams written (ETW)
};

}  // namespace fimon
