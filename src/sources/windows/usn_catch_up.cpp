#include "sources/windows/usn_catch_up.hpp"

namespace fimon {
namespace {

std::string child_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return {};
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace

void UsnCatchUp::add(const UsnRecord& r) {
  FileState& f = files_[r.file];
  f.reasons |= r.reason;
  f.directory = (r.attributes & kUsnAttributeDirectory) != 0;
  if ((r.reason & usn_reason::kRenameOldName) && !f.old_name.known) f.old_name = {r.parent, r.name, true};
  f.last_name = {r.parent, r.name, true};
}

std::vector<RawChange> UsnCatchUp::changes(const std::function<std::string(const UsnFileId&)>& path_of,
                                           WallTimeNs now) const {
  namespace why = usn_reason;
  std::vector<RawChange> out;
  for (const auto& [id, f] : files_) {
    const bool created = f.reasons & why::kFileCreate;
    const bool deleted = f.reasons & why::kFileDelete;
    if (created && deleted) continue;  // came and went while nobody watched: nothing left to read
    RawChange c;
    c.is_dir = f.directory;
    c.time = now;
    c.source = "usn";
    if (deleted) {
      // Where it was: its last parent (if that still exists) and name.
      c.kind = ChangeKind::kDeleted;
      c.path = child_path(path_of(f.last_name.parent), f.last_name.name);
    } else {
      c.path = path_of(id);
      if (created) {
        c.kind = ChangeKind::kCreated;
      } else if (f.old_name.known) {
        c.kind = ChangeKind::kRenamed;
        c.old_path = child_path(path_of(f.old_name.parent), f.old_name.name);
        if (c.old_path.empty()) c.kind = ChangeKind::kCreated;  // its old directory is gone too
      } else if (f.reasons & why::kContent) {
        c.kind = ChangeKind::kModified;
      } else if (f.reasons & (why::kAttributes | why::kHardLinkChange)) {
        c.kind = ChangeKind::kAttributes;
      } else {
        continue;  // only closes, indexing, object ids: nothing the agent reports
      }
    }
    if (!c.path.empty()) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace fimon
