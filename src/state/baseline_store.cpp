#include "state/baseline_store.hpp"

#include <sqlite3.h>

#include <cstring>
#include <filesystem>

#include "core/clock.hpp"
#include "core/log.hpp"

namespace fimon {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files(
  path BLOB PRIMARY KEY,
  type INTEGER NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL, ctime INTEGER NOT NULL,
  inode INTEGER NOT NULL, device INTEGER NOT NULL, mode INTEGER NOT NULL, uid INTEGER NOT NULL,
  gid INTEGER NOT NULL, hashes TEXT NOT NULL, entropy REAL, manifest BLOB NOT NULL,
  generation INTEGER NOT NULL, blocks BLOB NOT NULL
) WITHOUT ROWID;
)sql";

// RAII prepared statement: owned (finalised at the end), or borrowed from the store's cache
// (reset and unbound at the end, ready for the next use).
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  explicit Statement(sqlite3_stmt* cached)
      : stmt_(cached), rc_(cached ? SQLITE_OK : SQLITE_ERROR), owned_(false) {}
  ~Statement() {
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void bind_blob(int i, const std::string& s) {
    sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void bind_int(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  std::string column_blob(int i) {
    const void* p = sqlite3_column_blob(stmt_, i);
    return p ? std::string(static_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string();
  }
  std::int64_t column_int(int i) { return sqlite3_column_int64(stmt_, i); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
  bool owned_ = true;
};

Error sqlite_error(sqlite3* db, const std::string& what) {
  return io_error("baseline store: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

std::string encode_hashes(const std::vector<FileHash>& hashes) {
  std::string out;
  for (const auto& h : hashes) out += std::string(hash_algo_name(h.algo)) + "=" + h.hex + ";";
  return out;
}

std::vector<FileHash> decode_hashes(const std::string& text) {
  std::vector<FileHash> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find(';', start);
    const auto eq = text.find('=', start);
    if (end == std::string::npos || eq == std::string::npos || eq > end) break;
    HashAlgo algo;
    if (parse_hash_algo(text.substr(start, eq - start), &algo))
      out.push_back({algo, text.substr(eq + 1, end - eq - 1)});
    start = end + 1;
  }
  return out;
}

Baseline read_row(Statement& st, int first) {
  Baseline b;
  b.type = static_cast<FileType>(st.column_int(first));
  b.size = static_cast<std::uint64_t>(st.column_int(first + 1));
  b.mtime = st.column_int(first + 2);
  b.ctime = st.column_int(first + 3);
  b.inode = static_cast<std::uint64_t>(st.column_int(first + 4));
  b.device = static_cast<std::uint64_t>(st.column_int(first + 5));
  b.mode = static_cast<std::uint32_t>(st.column_int(first + 6));
  b.uid = static_cast<std::uint32_t>(st.column_int(first + 7));
  b.gid = static_cast<std::uint32_t>(st.column_int(first + 8));
  b.hashes = decode_hashes(st.column_blob(first + 9));
  if (sqlite3_column_type(st.get(), first + 10) != SQLITE_NULL)
    b.entropy = sqlite3_column_double(st.get(), first + 10);
  b.manifest = BaselineStore::unpack_manifest(st.column_blob(first + 11));
  b.generation = static_cast<std::uint64_t>(st.column_int(first + 12));
  b.blocks = BaselineStore::unpack_blocks(st.column_blob(first + 13));
  return b;
}

constexpr const char* kColumns =
    "type, size, mtime, ctime, inode, device, mode, uid, gid, hashes, entropy, manifest, generation, blocks";

// The byte string just above every path below `dir/`: '/' + 1 == '0'.
std::string upper_bound_of_children(const std::string& dir) {
  return dir + "0";
}
std::string children_prefix(const std::string& dir) {
  return dir == "/" ? "/" : dir + "/";
}

// A fresh store gets our marks; an existing one must carry them. Statements live only inside.
bool identify_or_mark(sqlite3* db, std::string* why) {
  Statement count(db, "SELECT COUNT(*) FROM meta");
  if (!count.ok() || sqlite3_step(count.get()) != SQLITE_ROW) {
    *why = sqlite3_errmsg(db);
    return false;
  }
  if (count.column_int(0) == 0) {
    const std::string marks = "INSERT INTO meta(key, value) VALUES('app','fimon'),('schema_version','" +
                              std::to_string(BaselineStore::kSchemaVersion) + "')";
    char* err = nullptr;
    if (sqlite3_exec(db, marks.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      *why = err ? err : "cannot write";
      sqlite3_free(err);
      return false;
    }
    return true;
  }
  Statement app(db, "SELECT value FROM meta WHERE key='app'");
  Statement version(db, "SELECT value FROM meta WHERE key='schema_version'");
  const bool is_ours = app.ok() && sqlite3_step(app.get()) == SQLITE_ROW && app.column_blob(0) == "fimon";
  const bool same_version = version.ok() && sqlite3_step(version.get()) == SQLITE_ROW &&
                            version.column_blob(0) == std::to_string(BaselineStore::kSchemaVersion);
  if (!is_ours)
    *why = "not a fimon baseline store";
  else if (!same_version)
    *why = "schema version differs";
  return is_ours && same_version;
}

// Opens, configures and checks a database; nullptr + reason when it is unusable.
sqlite3* open_checked(const std::string& file, std::string* why) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    *why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  const char* setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
  if (sqlite3_exec(db, setup, nullptr, nullptr, &err) != SQLITE_OK ||
      sqlite3_exec(db, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
    *why = err ? err : "cannot initialise";
    sqlite3_free(err);
    sqlite3_close(db);
    return nullptr;
  }
  if (!identify_or_mark(db, why)) {
    sqlite3_close(db);  // every statement is finalised by now, so the file is really released
    return nullptr;
  }
  return db;
}

}  // namespace

Result<std::unique_ptr<BaselineStore>> BaselineStore::open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string file = (fs::path(dir) / "baseline.db").string();
  std::string why;
  sqlite3* db = open_checked(file, &why);
  if (db == nullptr) {
    // Unusable: keep it for inspection, start a new baseline (the next scan rebuilds it).
    const std::string aside = file + ".broken-" + std::to_string(wall_clock_now() / 1000000000);
    log::error("baseline store ", file, " is unusable (", why, "); moved to ", aside, " and rebuilt");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::rename(file + suffix, aside + suffix, ec);
    db = open_checked(file, &why);
    if (db == nullptr) return io_error("baseline store " + file + ": " + why);
  }
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
  return std::unique_ptr<BaselineStore>(new BaselineStore(db));
}

BaselineStore::~BaselineStore() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto s = commit_locked(); !s) log::error(s.error().message());
  }
  for (auto& [sql, stmt] : prepared_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* BaselineStore::cached(const std::string& sql) {
  auto [it, fresh] = prepared_.emplace(sql, nullptr);
  if (fresh && sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &it->second, nullptr) !=
                   SQLITE_OK) {
    prepared_.erase(it);
    return nullptr;
  }
  return it->second;
}

// SQLite's own state, not a flag of ours: after SQLITE_FULL/IOERR it may have rolled the
// transaction back by itself, and writes must then not autocommit ahead of their events.
bool BaselineStore::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

Status BaselineStore::begin_write() {
  if (in_transaction()) return {};
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  grouped_writes_ = 0;
  transaction_started_ = steady_now();
  return {};
}

namespace {
constexpr unsigned kMaxGroupedWrites = 1000;
constexpr auto kMaxTransactionAge = std::chrono::milliseconds(100);
}  // namespace

Status BaselineStore::end_write() {
  ++grouped_writes_;
  if (caller_commits_) return {};
  if (grouped_writes_ >= kMaxGroupedWrites || steady_now() - transaction_started_ >= kMaxTransactionAge)
    return commit_locked();
  return {};
}

bool BaselineStore::commit_due() {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_transaction() &&
         (grouped_writes_ >= kMaxGroupedWrites || steady_now() - transaction_started_ >= kMaxTransactionAge);
}

Status BaselineStore::commit_locked() {
  if (!in_transaction()) return {};
  return exec("COMMIT");  // if it fails (disk full), the transaction stays open for a later commit
}

Status BaselineStore::rollback() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!in_transaction()) return {};
  return exec("ROLLBACK");
}

Status BaselineStore::flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  return commit_locked();
}

Result<std::optional<Baseline>> BaselineStore::get(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement st(cached(std::string("SELECT ") + kColumns + " FROM files WHERE path=?"));
  if (!st.ok()) return sqlite_error(db_, "get");
  st.bind_blob(1, path);
  const int rc = sqlite3_step(st.get());
  if (rc == SQLITE_DONE) return std::optional<Baseline>();
  if (rc != SQLITE_ROW) return sqlite_error(db_, "get");
  return std::optional<Baseline>(read_row(st, 0));
}

Status BaselineStore::put(const std::string& path, const Baseline& b) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto s = begin_write(); !s) return s;
  Statement st(cached(std::string("INSERT OR REPLACE INTO files(path, ") + kColumns +
                      ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  if (!st.ok()) return sqlite_error(db_, "put");
  st.bind_blob(1, path);
  st.bind_int(2, static_cast<std::int64_t>(b.type));
  st.bind_int(3, static_cast<std::int64_t>(b.size));
  st.bind_int(4, b.mtime);
  st.bind_int(5, b.ctime);
  st.bind_int(6, static_cast<std::int64_t>(b.inode));
  st.bind_int(7, static_cast<std::int64_t>(b.device));
  st.bind_int(8, b.mode);
  st.bind_int(9, b.uid);
  st.bind_int(10, b.gid);
  st.bind_blob(11, encode_hashes(b.hashes));
  if (b.entropy) sqlite3_bind_double(st.get(), 12, *b.entropy);
  st.bind_blob(13, pack_manifest(b.manifest));
  st.bind_int(14, static_cast<std::int64_t>(b.generation));
  st.bind_blob(15, pack_blocks(b.blocks));
  if (sqlite3_step(st.get()) != SQLITE_DONE) return sqlite_error(db_, "put");
  return end_write();
}

Status BaselineStore::remove(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto s = begin_write(); !s) return s;
  Statement st(cached("DELETE FROM files WHERE path=?"));
  st.bind_blob(1, path);
  if (!st.ok() || sqlite3_step(st.get()) != SQLITE_DONE) return sqlite_error(db_, "remove");
  return end_write();
}

Status BaselineStore::remove_tree(const std::string& path) {
  if (auto s = remove(path); !s) return s;
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto s = begin_write(); !s) return s;
  Statement st(db_, "DELETE FROM files WHERE path>=? AND path<?");
  st.bind_blob(1, children_prefix(path));
  st.bind_blob(2, upper_bound_of_children(path));
  if (!st.ok() || sqlite3_step(st.get()) != SQLITE_DONE) return sqlite_error(db_, "remove tree");
  return end_write();
}

Status BaselineStore::rename_tree(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mutex_);
  // One savepoint inside the group: a crash must not leave half a directory under each name.
  if (auto s = begin_write(); !s) return s;
  if (auto s = exec("SAVEPOINT rename"); !s) return s;
  Statement drop(db_, "DELETE FROM files WHERE path=? OR (path>=? AND path<?)");
  drop.bind_blob(1, to);
  drop.bind_blob(2, children_prefix(to));
  drop.bind_blob(3, upper_bound_of_children(to));
  Statement move(db_,
                 "UPDATE files SET path = CAST(CAST(? AS BLOB) || substr(path, ?) AS BLOB) "
                 "WHERE path=? OR (path>=? AND path<?)");
  move.bind_blob(1, to);
  move.bind_int(2, static_cast<std::int64_t>(from.size()) + 1);
  move.bind_blob(3, from);
  move.bind_blob(4, children_prefix(from));
  move.bind_blob(5, upper_bound_of_children(from));
  if (!drop.ok() || sqlite3_step(drop.get()) != SQLITE_DONE || !move.ok() ||
      sqlite3_step(move.get()) != SQLITE_DONE) {
    Error e = sqlite_error(db_, "rename");
    (void)exec("ROLLBACK TO rename");
    (void)exec("RELEASE rename");
    return e;
  }
  if (auto s = exec("RELEASE rename"); !s) return s;
  return end_write();
}

Status BaselineStore::for_each_under(const std::string& root,
                                     const std::function<bool(const std::string&, const Baseline&)>& visit) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement st(db_, (std::string("SELECT path, ") + kColumns +
                     " FROM files WHERE path=? OR (path>=? AND path<?) ORDER BY path")
                        .c_str());
  if (!st.ok()) return sqlite_error(db_, "scan");
  st.bind_blob(1, root);
  st.bind_blob(2, children_prefix(root));
  st.bind_blob(3, root == "/" ? std::string("0") : upper_bound_of_children(root));
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    if (!visit(st.column_blob(0), read_row(st, 1))) return {};
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_, "scan");
  return {};
}

Result<std::uint64_t> BaselineStore::count() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement st(db_, "SELECT COUNT(*) FROM files");
  if (!st.ok() || sqlite3_step(st.get()) != SQLITE_ROW) return sqlite_error(db_, "count");
  return static_cast<std::uint64_t>(st.column_int(0));
}

Status BaselineStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string message = err ? err : "failed";
    sqlite3_free(err);
    return io_error(std::string("baseline store: ") + sql + ": " + message);
  }
  return {};
}

std::string BaselineStore::pack_manifest(const std::vector<Chunk>& manifest) {
  std::string out;
  out.reserve(manifest.size() * 12);
  for (const auto& c : manifest) {
    for (int k = 0; k < 4; ++k) out += static_cast<char>((c.length >> (8 * k)) & 0xFF);
    for (int k = 0; k < 8; ++k) out += static_cast<char>((c.digest >> (8 * k)) & 0xFF);
  }
  return out;
}

std::vector<Chunk> BaselineStore::unpack_manifest(const std::string& packed) {
  std::vector<Chunk> out;
  out.reserve(packed.size() / 12);
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i + 12 <= packed.size(); i += 12) {
    Chunk c;
    c.offset = offset;
    for (int k = 0; k < 4; ++k)
      c.length |= static_cast<std::uint32_t>(static_cast<unsigned char>(packed[i + k])) << (8 * k);
    for (int k = 0; k < 8; ++k)
      c.digest |= static_cast<std::uint64_t>(static_cast<unsigned char>(packed[i + 4 + k])) << (8 * k);
    offset += c.length;
    out.push_back(c);
  }
  return out;
}

std::string BaselineStore::pack_blocks(const std::vector<std::uint32_t>& blocks) {
  std::string out;
  out.reserve(blocks.size() * 4);
  for (std::uint32_t b : blocks) {
    for (int k = 0; k < 4; ++k) out += static_cast<char>((b >> (8 * k)) & 0xFF);
  }
  return out;
}

std::vector<std::uint32_t> BaselineStore::unpack_blocks(const std::string& packed) {
  std::vector<std::uint32_t> out;
  out.reserve(packed.size() / 4);
  for (std::size_t i = 0; i + 4 <= packed.size(); i += 4) {
    std::uint32_t b = 0;
    for (int k = 0; k < 4; ++k)
      b |= static_cast<std::uint32_t>(static_cast<unsigned char>(packed[i + k])) << (8 * k);
    out.push_back(b);
  }
  return out;
}

}  // namespace fimon
