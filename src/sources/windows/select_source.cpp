// The Windows source chain: ReadDirectoryChangesW today (ETW, when elevated, is issue 7's next
// part and will come first in "auto").
#include "core/log.hpp"
#include "sources/source.hpp"
#include "sources/windows/rdcw_source.hpp"

namespace fimon {

// Windows has no pseudo filesystems to keep out of walks.
std::function<bool(const std::string&)> make_unmonitorable_dir_predicate() {
  return [](const std::string&) { return false; };
}

Result<std::unique_ptr<Source>> make_source(const std::string& backend, const SourceContext& context) {
  if (backend == "rdcw" || backend == "auto") {
    auto rdcw = RdcwSource::create(context);
    if (rdcw) log::info("source: rdcw (ReadDirectoryChangesW, recursive; no writer attribution)");
    return rdcw;
  }
  return invalid_argument("backend: '" + backend + "' is not available on Windows");
}

}  // namespace fimon
