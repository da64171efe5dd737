// The agent's memory between events and across restarts: per file, the last state fimon reported
// (metadata, hashes, entropy, chunk manifest) and a change generation.
//
// SQLite in WAL mode in the state directory, one row per file keyed by the path's bytes, so 1M
// files cost disk, not RAM. Crash-safe: writes are grouped into transactions of at most 1,000
// writes or 100 ms (one transaction each costs ~80 µs, a group ~4 µs a write), committed at those
// limits, on flush() and on close; a crash loses at most that window, which only makes the next
// catch-up scan report those files again. A store that is corrupt, of another schema version or not fimon's
// is moved aside (its name gets ".broken-<time>") and rebuilt, with one clear log line: never a crash.
//
// Thread-safe: one connection behind a mutex (analysis workers are few; SQLite is not the
// bottleneck next to hashing).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/chunker.hpp"
#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace fimon {

struct Baseline {
  FileType type = FileType::kUnknown;
  std::uint64_t size = 0;
  WallTimeNs mtime = 0;
  WallTimeNs ctime = 0;
  std::uint64_t inode = 0;
  std::uint64_t device = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<FileHash> hashes;
  std::optional<double> entropy;
  std::vector<Chunk> manifest;        // empty when the file was not read (too large, unreadable, not regular)
  std::vector<std::uint32_t> blocks;  // block digests per chunk (small files only, see content_pass.hpp)
  std::uint64_t generation = 0;       // incremented at every reported change
};

class BaselineStore {
 public:
  static inline constexpr int kSchemaVersion = 2;

  // Opens (or creates) `<dir>/baseline.db`.
  static Result<std::unique_ptr<BaselineStore>> open(const std::string& dir);
  ~BaselineStore();
  BaselineStore(const BaselineStore&) = delete;
  BaselineStore& operator=(const BaselineStore&) = delete;

  Result<std::optional<Baseline>> get(const std::string& path);
  Status put(const std::string& path, const Baseline& baseline);
  Status remove(const std::string& path);
  // Removes `path` and, for a directory, everything below it.
  Status remove_tree(const std::string& path);
  // Moves `from` (and everything below it) to `to`.
  Status rename_tree(const std::string& from, const std::string& to);
  // Calls `visit` for every stored path at or below `root`, in byte order; stop by returning false.
  Status for_each_under(const std::string& root,
                        const std::function<bool(const std::string&, const Baseline&)>& visit);
  Result<std::uint64_t> count();
  // Commits the writes grouped so far (callers do this when they fall idle).
  Status flush();
  // The agent commits itself, at moments when every queued event is durable (see CommitGate):
  // writes then never commit on their own, and commit_due() says when a commit is wanted.
  void set_caller_commits(bool on) { caller_commits_ = on; }
  bool commit_due();
  // Drops the writes grouped since the last commit.
  Status rollback();

  // Manifests are stored packed: per chunk a little-endian u32 length and u64 digest (offsets follow).
  static std::string pack_manifest(const std::vector<Chunk>& manifest);
  static std::vector<Chunk> unpack_manifest(const std::string& packed);
  static std::string pack_blocks(const std::vector<std::uint32_t>& blocks);
  static std::vector<std::uint32_t> unpack_blocks(const std::string& packed);

 private:
  explicit BaselineStore(sqlite3* db) : db_(db) {}
  Status exec(const char* sql);
  // Group commit, called with the mutex held: a write joins the open transaction or starts one,
  // and the transaction is committed once it is big or old enough.
  Status begin_write();
  Status end_write();
  Status commit_locked();
  bool in_transaction() const;
  // The hot statements are prepared once (mutex held).
  sqlite3_stmt* cached(const std::string& sql);

  std::mutex mutex_;
  sqlite3* db_;
  bool caller_commits_ = false;
  unsigned grouped_writes_ = 0;
  SteadyTime transaction_started_{};
  std::unordered_map<std::string, sqlite3_stmt*> prepared_;
};

}  // namespace fimon
