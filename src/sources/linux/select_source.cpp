// Linux source selection: fanotify (FID mode) first, recursive inotify as the fallback. Each skip is
// logged with its reason so an operator can see why a host runs on the weaker mechanism.
#include "core/log.hpp"
#include "sources/linux/ebpf/write_tracer.hpp"
#include "sources/linux/fanotify/fanotify_source.hpp"
#include "sources/linux/inotify/inotify_source.hpp"
#include "sources/linux/mounts.hpp"
#include "sources/source.hpp"

namespace fimon {

std::function<bool(const std::string&)> make_unmonitorable_dir_predicate() {
  return pseudo_filesystem_skipper();
}

Result<std::unique_ptr<Source>> make_source(const std::string& backend, const SourceContext& context) {
  if (backend == "ebpf" || backend == "auto") {
    auto tracer = WriteTracer::create(context.filter->roots(), context.own_pid, context.ledger,
                                      {context.trace_buffer_bytes, context.trace_capture_bytes});
    if (tracer) {
      auto source = FanotifySource::create(context, std::move(tracer.value()));
      if (source) {
        log::info(
            "source: ebpf (kernel write tracer: written ranges, mapped stores, writers; fanotify: names)");
        return source;
      }
      if (backend == "ebpf") return source.error();
      log::warn("source: ebpf needs fanotify for names, which is unavailable (", source.error().message(),
                "); trying inotify");
    } else {
      if (backend == "ebpf") return tracer.error();
      log::warn("source: ebpf unavailable (", tracer.error().message(), "); trying fanotify");
    }
  }
  if (backend == "fanotify" || backend == "auto") {
    auto fan = FanotifySource::create(context);
    if (fan) {
      log::info("source: fanotify (FID mode, filesystem marks)");
      return fan;
    }
    if (backend == "fanotify") return fan.error();
    log::warn("source: fanotify unavailable (", fan.error().message(), "); falling back to inotify");
  }
  if (backend == "inotify" || backend == "auto") {
    auto ino = InotifySource::create(context);
    if (ino) log::info("source: inotify (recursive watches, no writer attribution)");
    return ino;
  }
  return invalid_argument("backend: '" + backend + "' is not available on Linux");
}

}  // namespace fimon
