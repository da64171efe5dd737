// The Windows source chain: ETW (Kernel-File, for writers and written bytes, beside
// ReadDirectoryChangesW for names) when the token is elevated, else ReadDirectoryChangesW alone.
// Each skip is logged with its reason.
#include "core/log.hpp"
#include "sources/source.hpp"
#include "sources/windows/rdcw_source.hpp"

namespace fimon {

// Windows has no pseudo filesystems to keep out of walks.
std::function<bool(const std::string&)> make_unmonitorable_dir_predicate() {
  return [](const std::string&) { return false; };
}

Result<std::unique_ptr<Source>> make_source(const std::string& backend, const SourceContext& context) {
  if (backend == "etw" || backend == "auto") {
    auto etw = RdcwSource::create(context, true);
    if (etw) {
      log::info(
          "source: etw (Microsoft-Windows-Kernel-File: written ranges, writers; ReadDirectoryChangesW: "
          "names)");
      return etw;
    }
    if (backend == "etw") return etw.error();
    log::warn("source: etw unavailable (", etw.error().message(), "); using ReadDirectoryChangesW alone");
  }
  if (backend == "rdcw" || backend == "auto") {
    auto rdcw = RdcwSource::create(context);
    if (rdcw) log::info("source: rdcw (ReadDirectoryChangesW, recursive; no writer attribution)");
    return rdcw;
  }
  return invalid_argument("backend: '" + backend + "' is not available on Windows");
}

}  // namespace fimon
