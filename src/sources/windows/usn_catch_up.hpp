// What changed while the agent was down, from the change journal: the records since the saved
// cursor, folded into one change per file as the live source would have reported it — created,
// renamed (with the old name), modified, attributes changed, deleted. A file both created and
// deleted in the gap left nothing to look at and is not reported.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "sources/windows/usn_records.hpp"

namespace fimon {

class UsnCatchUp {
 public:
  void add(const UsnRecord& record);
  std::size_t files() const { return files_.size(); }

  // `path_of(id)`: the current full path (fimon's "C:/..." form) of an existing file or
  // directory, empty when there is none. Changes carry source "usn" and time `now`.
  std::vector<RawChange> changes(const std::function<std::string(const UsnFileId&)>& path_of,
                                 WallTimeNs now) const;

 private:
  struct Name {
    UsnFileId parent;
    std::string name;
    bool known = false;
  };
  struct FileState {
    std::uint32_t reasons = 0;
    bool directory = false;
    Name old_name;   // before its first rename in the gap
    Name last_name;  // in its last record (for a deleted file, where it was)
  };
  std::map<UsnFileId, FileState> files_;
};

}  // namespace fimon
