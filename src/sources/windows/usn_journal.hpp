// The change journal of the volume holding a watched root (NTFS, ReFS), read with the volume
// handle an administrator may open: where it stands now, the records since a cursor, and the
// current path of a file id. Wine has no change journal: open() fails there, and the start-up
// scan covers the gap as it does on FAT volumes or without administrator rights.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "sources/windows/usn_records.hpp"

namespace fimon {

struct UsnCursor {
  std::uint64_t journal_id = 0;
  std::int64_t next_usn = 0;
};

class UsnJournal {
 public:
  static Result<std::unique_ptr<UsnJournal>> open(const std::string& root);
  ~UsnJournal();
  UsnJournal(const UsnJournal&) = delete;
  UsnJournal& operator=(const UsnJournal&) = delete;

  const std::string& volume() const { return volume_; }  // "C:" and the like, for names and logs
  Result<UsnCursor> current();
  // Every record from `from` to the journal's end; kNotFound when the journal was recreated or
  // has dropped records since (`from` is older than its first record): only a scan can tell then.
  Result<std::vector<UsnRecord>> read_since(const UsnCursor& from);
  // The current full path of a file or directory, fimon's form; empty when it no longer exists.
  std::string path_of(const UsnFileId& id);

 private:
  UsnJournal(void* handle, std::string volume) : handle_(handle), volume_(std::move(volume)) {}
  void* handle_;
  std::string volume_;
  std::int64_t first_usn_ = 0;
};

// The cursor saved for `volume` in the state directory (none on a first start), and saving it.
Result<UsnCursor> load_usn_cursor(const std::string& state_dir, const std::string& volume);
Status save_usn_cursor(const std::string& state_dir, const std::string& volume, const UsnCursor& cursor);

}  // namespace fimon
