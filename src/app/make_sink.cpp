#include <algorithm>
#include <filesystem>

#include "app/agent_context.hpp"
#include "app/verbs.hpp"
#include "core/log.hpp"
#include "sinks/console/console_sink.hpp"
#include "sinks/elasticsearch/elasticsearch_sink.hpp"
#include "sinks/queue/spool.hpp"
#include "sources/source.hpp"

namespace fimon {

platform::HttpOptions http_options(const Config& c) {
  platform::HttpOptions o;
  o.ca_file = c.es_ca_file;
  if (auto pin = parse_sha256_fingerprint(c.es_ca_fingerprint)) o.pinned_sha256 = std::move(*pin);
  o.verify_tls = c.es_tls_verify;
  o.username = c.es_username;
  o.password = c.es_password;
  o.api_key = c.es_api_key;
  return o;
}

std::optional<Runtime> make_runtime(const Config& c, Queueing queueing) {
  auto context = make_agent_context(c);
  if (!context) {
    log::error(context.error().message());
    return std::nullopt;
  }
  auto sink = make_sink(c, queueing);
  if (!sink) {
    log::error(sink.error().message());
    return std::nullopt;
  }
  auto store = BaselineStore::open(c.state_dir);
  if (!store) {
    log::error(store.error().message());
    return std::nullopt;
  }
  auto shadows = ShadowStore::open(c.state_dir, c.shadow_quota);
  if (!shadows) {
    log::error(shadows.error().message());
    return std::nullopt;
  }
  auto skip_dir = make_unmonitorable_dir_predicate();
  for (const auto& w : c.watch) {
    if (skip_dir(w))
      log::warn("watch ", w, ": a pseudo filesystem (like /proc or /sys); not monitored or scanned");
  }
  return Runtime{
      std::move(context.value()), std::move(sink.value()),    PathFilter(c.watch, c.exclude, {c.state_dir}),
      std::move(store.value()),   std::move(shadows.value()), std::move(skip_dir)};
}

Result<std::unique_ptr<Sink>> make_sink(const Config& c, Queueing queueing) {
  if (c.output == "console") return std::unique_ptr<Sink>(new ConsoleSink());
  if (!c.es_tls_verify) log::warn("es-tls-verify is false: Elasticsearch's identity is not checked");
  ElasticsearchSinkOptions o;
  o.urls = c.es_urls;
  o.http = http_options(c);
  o.index = c.data_stream;
  o.max_docs = c.bulk_max_docs;
  o.max_bytes = c.bulk_max_bytes;
  o.flush_interval_ms = c.bulk_flush_ms;
  o.dead_letter_path = (std::filesystem::path(c.state_dir) / "dead-letter.ndjson").string();
  if (queueing == Queueing::kSpool) {
    // Segments of at most a quarter of the cap, so delivered ones are deleted long before it binds.
    const std::uint64_t segment =
        std::clamp<std::uint64_t>(c.spool_max_bytes / 4, 4096, std::uint64_t{16} << 20);
    auto spool = Spool::open({(std::filesystem::path(c.state_dir) / "spool").string(), c.spool_max_bytes,
                              segment, c.spool_fsync_ms});
    if (!spool) return spool.error();
    o.queue = std::move(spool.value());
  }
  auto sink = ElasticsearchSink::create(std::move(o));
  if (!sink) return sink.error();
  return std::unique_ptr<Sink>(std::move(sink.value()));
}

}  // namespace fimon
