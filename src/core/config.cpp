#include "core/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/log.hpp"
#include "core/path_filter.hpp"
#include "core/text.hpp"

namespace fimon {
namespace {

enum class Kind { kString, kList, kBool, kSize, kDuration, kCount, kChoice, kSecretFile, kSecret, kHashes };

struct Option {
  const char* name;  // flag "--name", YAML key "name" or "name" with '_' for '-'
  Kind kind;
  const char* help;
  std::vector<std::string> choices;  // kChoice only
  // Setters and getters over Config; one of them is used depending on kind.
  std::function<std::string*(Config&)> string_field;
  std::function<std::vector<std::string>*(Config&)> list_field;
  std::function<std::uint64_t*(Config&)> number_field;
  std::function<bool*(Config&)> bool_field;
};

Option str(const char* n, Kind k, const char* help, std::function<std::string*(Config&)> f,
           std::vector<std::string> choices = {}) {
  Option o{n, k, help, std::move(choices), std::move(f), nullptr, nullptr, nullptr};
  return o;
}
Option list(const char* n, const char* help, std::function<std::vector<std::string>*(Config&)> f) {
  return Option{n, Kind::kList, help, {}, nullptr, std::move(f), nullptr, nullptr};
}
Option number(const char* n, Kind k, const char* help, std::function<std::uint64_t*(Config&)> f) {
  return Option{n, k, help, {}, nullptr, nullptr, std::move(f), nullptr};
}
Option boolean(const char* n, const char* help, std::function<bool*(Config&)> f) {
  return Option{n, Kind::kBool, help, {}, nullptr, nullptr, nullptr, std::move(f)};
}

const std::vector<Option>& options() {
  static const std::vector<Option> table = {
      list("watch", "path to watch recursively (repeatable)", [](Config& c) { return &c.watch; }),
      list("exclude", "glob of paths to ignore; without '/' it matches the file name (repeatable)",
           [](Config& c) { return &c.exclude; }),
      str("backend", Kind::kChoice, "file activity source", [](Config& c) { return &c.backend; },
          {"auto", "ebpf", "fanotify", "inotify", "etw", "rdcw"}),
      number("ebpf-ring-buffer", Kind::kSize,
             "kernel-to-agent queue of the eBPF write tracer (a power of two, 8KiB to 1GiB)",
             [](Config& c) { return &c.ebpf_ring_buffer; }),
      number("ebpf-capture-bytes", Kind::kSize,
             "first bytes of each write the eBPF tracer copies in the kernel (0: none, at most 256; "
             "never shown for content-exclude paths)",
             [](Config& c) { return &c.ebpf_capture_bytes; }),
      str("output", Kind::kChoice, "where events go", [](Config& c) { return &c.output; },
          {"elasticsearch", "console"}),
      str("state-dir", Kind::kString, "directory for the agent's state (never monitored)",
          [](Config& c) { return &c.state_dir; }),
      str("log-level", Kind::kChoice, "log verbosity", [](Config& c) { return &c.log_level; },
          {"debug", "info", "warn", "error"}),
      list("es-url", "Elasticsearch URL (repeatable)", [](Config& c) { return &c.es_urls; }),
      str("es-api-key", Kind::kSecret, "Elasticsearch API key (base64 id:key); prefer es-api-key-file",
          [](Config& c) { return &c.es_api_key; }),
      str("es-api-key-file", Kind::kSecretFile, "file holding the Elasticsearch API key",
          [](Config& c) { return &c.es_api_key; }),
      str("es-username", Kind::kString, "Elasticsearch user for basic auth",
          [](Config& c) { return &c.es_username; }),
      str("es-password-file", Kind::kSecretFile, "file holding the Elasticsearch password",
          [](Config& c) { return &c.es_password; }),
      str("es-ca-file", Kind::kString, "PEM file of CAs trusted for Elasticsearch TLS",
          [](Config& c) { return &c.es_ca_file; }),
      str("es-ca-fingerprint", Kind::kString,
          "SHA-256 (hex, colons allowed) of a certificate the server presents, pinned as the trust anchor",
          [](Config& c) { return &c.es_ca_fingerprint; }),
      boolean("es-tls-verify", "verify Elasticsearch's TLS certificate (keep true)",
              [](Config& c) { return &c.es_tls_verify; }),
      str("kibana-url", Kind::kString, "Kibana URL: `fimon setup` imports the dashboard there",
          [](Config& c) { return &c.kibana_url; }),
      str("kibana-space", Kind::kString, "Kibana space for the dashboard (empty: the default space)",
          [](Config& c) { return &c.kibana_space; }),
      str("kibana-ca-file", Kind::kString, "PEM file of CAs trusted for Kibana TLS (default: the system's)",
          [](Config& c) { return &c.kibana_ca_file; }),
      str("data-stream", Kind::kString, "target data stream (or index), logs-fimon.file-<namespace>",
          [](Config& c) { return &c.data_stream; }),
      str("index-mode", Kind::kChoice, "data_stream (default) or index for clusters without data streams",
          [](Config& c) { return &c.index_mode; }, {"data_stream", "index"}),
      number("bulk-max-docs", Kind::kCount, "documents per _bulk request",
             [](Config& c) { return &c.bulk_max_docs; }),
      number("bulk-max-bytes", Kind::kSize, "bytes per _bulk request",
             [](Config& c) { return &c.bulk_max_bytes; }),
      number("bulk-flush-interval", Kind::kDuration,
             "least time between two partial batches (a lone change waits 50 ms)",
             [](Config& c) { return &c.bulk_flush_ms; }),
      number("spool-max-size", Kind::kSize,
             "disk space for events not yet in Elasticsearch; when full, analysis waits",
             [](Config& c) { return &c.spool_max_bytes; }),
      number("spool-fsync-interval", Kind::kDuration,
             "how often queued events are forced to disk (0: each one)",
             [](Config& c) { return &c.spool_fsync_ms; }),
      number("health-interval", Kind::kDuration,
             "how often the agent logs and ships its health counters (status.json: every 5 s)",
             [](Config& c) { return &c.health_interval_ms; }),
      str("hashes", Kind::kHashes, "hash algorithms, comma-separated: md5, sha1, sha256, sha512", nullptr),
      number("max-file-size", Kind::kSize, "larger files get metadata but no hash",
             [](Config& c) { return &c.max_file_size; }),
      number("workers", Kind::kCount, "analysis threads", [](Config& c) { return &c.workers; }),
      number("analysis-nice", Kind::kSize,
             "nice levels the analysis threads run below the agent's readers, 0 to 19 (the kernel queues "
             "are drained first)",
             [](Config& c) { return &c.analysis_nice; }),
      number("excerpt-bytes", Kind::kSize, "bytes of changed content quoted in modified events (0: none)",
             [](Config& c) { return &c.excerpt_bytes; }),
      number("max-ranges", Kind::kCount, "changed byte ranges listed per event",
             [](Config& c) { return &c.max_ranges; }),
      list("content-exclude",
           "glob of files whose content is never quoted, added to the built-in secrets list",
           [](Config& c) { return &c.content_exclude; }),
      list("diff-paths", "glob of text files that get shadow copies and unified diffs (default /etc/**)",
           [](Config& c) { return &c.diff_paths; }),
      number("diff-max-file-size", Kind::kSize, "larger files get no diff",
             [](Config& c) { return &c.diff_max_file_size; }),
      number("diff-max-bytes", Kind::kSize, "longest diff put in an event",
             [](Config& c) { return &c.diff_max_bytes; }),
      number("shadow-quota", Kind::kSize, "disk space for shadow copies; least recently changed go first",
             [](Config& c) { return &c.shadow_quota; }),
      number("scan-rate", Kind::kSize, "bytes per second scans may submit for reading (0: unlimited)",
             [](Config& c) { return &c.scan_rate; }),
      boolean("scan-at-start",
              "on start, compare the watched trees with the baseline and report what changed",
              [](Config& c) { return &c.scan_at_start; }),
      number("close-settle", Kind::kDuration, "wait after close-after-write before analysing",
             [](Config& c) { return &c.close_settle_ms; }),
      number("quiet-period", Kind::kDuration, "silence after which a file held open is analysed",
             [](Config& c) { return &c.quiet_period_ms; }),
      number("max-delay", Kind::kDuration, "longest delay of an event for a file written continuously",
             [](Config& c) { return &c.max_delay_ms; }),
      number("max-pending-files", Kind::kCount, "distinct changed files held before analysis",
             [](Config& c) { return &c.max_pending_files; }),
  };
  return table;
}

const Option* find_option(std::string name) {
  std::replace(name.begin(), name.end(), '_', '-');
  for (const auto& o : options()) {
    if (name == o.name) return &o;
  }
  return nullptr;
}

Error config_error(const std::string& key, const std::string& reason) {
  return invalid_argument(key + ": " + reason);
}

Result<std::string> read_secret_file(const std::string& key, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error(key, "cannot read file '" + path + "'");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return config_error(key, "file '" + path + "' is empty");
  return text;
}

Status set_hashes(const std::string& key, const std::vector<std::string>& names, Config* config) {
  std::vector<HashAlgo> algos;
  for (const auto& n : names) {
    std::stringstream parts(n);
    std::string part;
    while (std::getline(parts, part, ',')) {
      if (part.empty()) continue;
      HashAlgo a;
      if (!parse_hash_algo(part, &a)) return config_error(key, "unknown hash '" + part + "'");
      if (std::find(algos.begin(), algos.end(), a) == algos.end()) algos.push_back(a);
    }
  }
  if (algos.empty()) return config_error(key, "needs at least one hash");
  config->hashes = algos;
  return {};
}

// Sets one option from its textual value(s). `values` has one element for scalar options.
Status set_option(const Option& o, const std::string& key, const std::vector<std::string>& values,
                  bool append, Config* config) {
  if (o.kind != Kind::kList && o.kind != Kind::kHashes && values.size() != 1) {
    return config_error(key, "expects a single value");
  }
  const std::string& v = values.empty() ? std::string() : values.front();
  switch (o.kind) {
    case Kind::kList: {
      auto* list = o.list_field(*config);
      if (!append) list->clear();
      for (const auto& item : values) {
        if (item.empty()) return config_error(key, "empty value");
        list->push_back(item);
      }
      return {};
    }
    case Kind::kHashes:
      return set_hashes(key, values, config);
    case Kind::kString:
    case Kind::kSecret:
      if (v.empty()) return config_error(key, "empty value");
      *o.string_field(*config) = v;
      return {};
    case Kind::kSecretFile: {
      auto secret = read_secret_file(key, v);
      if (!secret) return secret.error();
      *o.string_field(*config) = std::move(secret.value());
      return {};
    }
    case Kind::kChoice: {
      if (std::find(o.choices.begin(), o.choices.end(), v) == o.choices.end()) {
        std::string allowed;
        for (const auto& c : o.choices) allowed += (allowed.empty() ? "" : ", ") + c;
        return config_error(key, "'" + v + "' is not one of " + allowed);
      }
      *o.string_field(*config) = v;
      return {};
    }
    case Kind::kBool:
      if (v == "true" || v == "yes" || v == "on" || v == "1")
        *o.bool_field(*config) = true;
      else if (v == "false" || v == "no" || v == "off" || v == "0")
        *o.bool_field(*config) = false;
      else
        return config_error(key, "'" + v + "' is not true or false");
      return {};
    case Kind::kSize:
    case Kind::kDuration:
    case Kind::kCount: {
      auto n = o.kind == Kind::kSize       ? parse_size(v)
               : o.kind == Kind::kDuration ? parse_duration_ms(v)
                                           : parse_size(v);  // counts: plain numbers, k/M suffixes ok
      if (!n) return config_error(key, n.error().message());
      if (o.kind == Kind::kCount && *n == 0) return config_error(key, "must be at least 1");
      *o.number_field(*config) = *n;
      return {};
    }
  }
  return {};
}

bool parse_number_prefix(const std::string& text, std::uint64_t* number, std::string* suffix) {
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (n > (UINT64_MAX - digit) / 10) return false;
    n = n * 10 + digit;
    ++i;
  }
  if (i == 0) return false;
  *number = n;
  *suffix = text.substr(i);
  while (!suffix->empty() && suffix->front() == ' ') suffix->erase(0, 1);
  return true;
}

}  // namespace

Result<std::uint64_t> parse_size(const std::string& text) {
  std::uint64_t n = 0;
  std::string suffix;
  if (!parse_number_prefix(text, &n, &suffix)) return invalid_argument("'" + text + "' is not a number");
  std::uint64_t mul = 1;
  if (suffix.empty() || suffix == "B")
    mul = 1;
  else if (suffix == "k" || suffix == "K" || suffix == "KB")
    mul = 1000;
  else if (suffix == "KiB")
    mul = 1ULL << 10;
  else if (suffix == "M" || suffix == "MB")
    mul = 1000ULL * 1000;
  else if (suffix == "MiB")
    mul = 1ULL << 20;
  else if (suffix == "G" || suffix == "GB")
    mul = 1000ULL * 1000 * 1000;
  else if (suffix == "GiB")
    mul = 1ULL << 30;
  else if (suffix == "TiB")
    mul = 1ULL << 40;
  else
    return invalid_argument("'" + text + "' has an unknown unit (use B, KiB, MiB, GiB)");
  if (n != 0 && mul > UINT64_MAX / n) return invalid_argument("'" + text + "' is too large");
  return n * mul;
}

Result<std::uint64_t> parse_duration_ms(const std::string& text) {
  std::uint64_t n = 0;
  std::string suffix;
  if (!parse_number_prefix(text, &n, &suffix)) return invalid_argument("'" + text + "' is not a duration");
  std::uint64_t mul = 0;
  if (suffix == "ms")
    mul = 1;
  else if (suffix == "s")
    mul = 1000;
  else if (suffix == "m")
    mul = 60ULL * 1000;
  else if (suffix == "h")
    mul = 3600ULL * 1000;
  else
    return invalid_argument("'" + text + "' needs a unit: ms, s, m or h");
  if (n != 0 && mul > UINT64_MAX / n) return invalid_argument("'" + text + "' is too large");
  return n * mul;
}

namespace {
Status apply_yaml_unchecked(const std::string& yaml_text, const std::string& origin, Config* config) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return invalid_argument(origin + ": not valid YAML (line " + std::to_string(e.mark.line + 1) + ": " +
                            e.msg + ")");
  }
  if (root.IsNull()) return {};
  if (!root.IsMap()) return invalid_argument(origin + ": expected a mapping of option: value");
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) {  // "[a]: 1" or "{a: 1}: 2": not an option name (the fuzzer found it)
      return invalid_argument(origin + ": line " + std::to_string(entry.first.Mark().line + 1) +
                              ": an option name must be a plain word");
    }
    const std::string key = entry.first.as<std::string>();
    const Option* o = find_option(key);
    if (o == nullptr) return config_error(key, "unknown option in " + origin);
    std::vector<std::string> values;
    const YAML::Node& v = entry.second;
    try {
      if (v.IsSequence()) {
        if (o->kind != Kind::kList && o->kind != Kind::kHashes)
          return config_error(key, "expects a single value");
        for (const auto& item : v) {
          if (!item.IsScalar()) return config_error(key, "list items must be plain values");
          values.push_back(item.as<std::string>());
        }
      } else if (v.IsScalar()) {
        values.push_back(v.as<std::string>());
      } else {
        return config_error(key, "expects a value or a list of values");
      }
    } catch (const YAML::Exception& e) {
      return config_error(key, e.msg);
    }
    if (auto s = set_option(*o, key, values, /*append=*/false, config); !s) return s;
  }
  return {};
}
}  // namespace

namespace {
Result<CommandLine> parse_command_line_unchecked(const std::vector<std::string>& args) {
  CommandLine cl;
  std::size_t i = 0;
  if (i < args.size() && !args[i].empty() && args[i][0] != '-') cl.verb = args[i++];

  // Pass 1: the config file, so that flags override what it says wherever they stand.
  for (std::size_t k = i; k < args.size(); ++k) {
    std::string value;
    if (args[k] == "--config" && k + 1 < args.size())
      value = args[k + 1];
    else if (args[k].rfind("--config=", 0) == 0)
      value = args[k].substr(9);
    else
      continue;
    std::ifstream in(value, std::ios::binary);
    if (!in) return config_error("config", "cannot read file '" + value + "'");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (auto s = apply_yaml_unchecked(text, value, &cl.config); !s) return s.error();
    cl.config.config_file = value;
  }

  // Pass 2: flags. Repeated list flags append to each other but replace the file's list.
  std::vector<std::string> flag_lists_seen;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      cl.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) return config_error(arg, "unexpected argument (options start with --)");
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "config") {
      if (!has_value) ++i;
      continue;
    }
    const Option* o = find_option(name);
    if (o == nullptr) return config_error("--" + name, "unknown option");
    if (!has_value) {
      if (o->kind == Kind::kBool && (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0)) {
        value = "true";
      } else if (i + 1 >= args.size()) {
        return config_error(o->name, "needs a value");
      } else {
        value = args[++i];
      }
    }
    const bool append =
        std::find(flag_lists_seen.begin(), flag_lists_seen.end(), o->name) != flag_lists_seen.end();
    flag_lists_seen.emplace_back(o->name);
    if (auto s = set_option(*o, o->name, {value}, append, &cl.config); !s) return s.error();
  }
  // Secrets may also come from the environment (systemd EnvironmentFile= or LoadCredential=), never
  // from argv, which every user can read in /proc/<pid>/cmdline.
  if (const char* v = std::getenv("FIMON_ES_PASSWORD"); cl.config.es_password.empty() && v != nullptr)
    cl.config.es_password = v;
  if (const char* v = std::getenv("FIMON_ES_API_KEY"); cl.config.es_api_key.empty() && v != nullptr)
    cl.config.es_api_key = v;
  return cl;
}
}  // namespace

namespace {
Status validate_unchecked(const Config& c, const std::string& verb) {
  for (const auto& w : c.watch) {
    if (!is_absolute_path(w)) return config_error("watch", "'" + w + "' is not an absolute path");
  }
  if ((verb == "run" || verb == "scan") && c.watch.empty()) return config_error("watch", "nothing to watch");
  for (const auto& u : c.es_urls) {
    if (u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0) {
      return config_error("es-url", "'" + u + "' is not an http:// or https:// URL");
    }
  }
  if (!c.kibana_url.empty() && c.kibana_url.rfind("http://", 0) != 0 &&
      c.kibana_url.rfind("https://", 0) != 0) {
    return config_error("kibana-url", "'" + c.kibana_url + "' is not an http:// or https:// URL");
  }
  // Kibana's space ids: lowercase letters, digits, '_' and '-'.
  if (c.kibana_space.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos) {
    return config_error("kibana-space", "'" + c.kibana_space + "' is not a space id (a-z, 0-9, _ and -)");
  }
  if (!c.es_ca_fingerprint.empty() && !parse_sha256_fingerprint(c.es_ca_fingerprint)) {
    return config_error("es-ca-fingerprint",
                        "'" + c.es_ca_fingerprint + "' is not a SHA-256 fingerprint (64 hex digits)");
  }
  if (!c.es_api_key.empty() && !c.es_username.empty()) {
    return config_error("es-api-key", "use either an API key or a username, not both");
  }
  if (!c.es_username.empty() && c.es_password.empty()) {
    return config_error("es-password-file", "es-username is set but no password is");
  }
  if (c.data_stream.empty() || c.data_stream.find_first_of(" \"*\\,/<>?|#:") != std::string::npos ||
      c.data_stream != [&] {
        std::string lower = c.data_stream;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char ch) { return std::tolower(ch); });
        return lower;
      }()) {
    return config_error("data-stream", "'" + c.data_stream + "' is not a valid lowercase index name");
  }
  // The index templates match logs-fimon.* (data streams) and fimon-* (plain indices): any other
  // name would get no mapping.
  const char* prefix = c.index_mode == "data_stream" ? "logs-fimon." : "fimon-";
  if (c.data_stream.rfind(prefix, 0) != 0) {
    return config_error(
        "data-stream", "'" + c.data_stream + "' must start with " + prefix + " in " + c.index_mode + " mode");
  }
  // The kernel takes a u32 page multiple; one mapping record needs more than 4 KiB.
  if (c.ebpf_ring_buffer < 8192 || c.ebpf_ring_buffer > (1ULL << 30) ||
      (c.ebpf_ring_buffer & (c.ebpf_ring_buffer - 1)) != 0) {
    return config_error("ebpf-ring-buffer", std::to_string(c.ebpf_ring_buffer) +
                                                " bytes is not a power of two from 8KiB to 1GiB");
  }
  if (c.ebpf_capture_bytes > kMaxKernelCapture) {
    return config_error("ebpf-capture-bytes", std::to_string(c.ebpf_capture_bytes) + " bytes is more than " +
                                                  std::to_string(kMaxKernelCapture));
  }
  if (c.analysis_nice > 19) {
    return config_error("analysis-nice",
                        std::to_string(c.analysis_nice) + " is more than 19, the lowest priority");
  }
  if (!is_absolute_path(c.state_dir)) {
    return config_error("state-dir", "'" + c.state_dir + "' is not an absolute path");
  }
  return {};
}
}  // namespace

std::string describe(const Config& c) {
  std::ostringstream out;
  Config copy = c;
  for (const auto& o : options()) {
    if (o.kind == Kind::kSecretFile) continue;  // shown through the field it fills
    out << o.name << ": ";
    switch (o.kind) {
      case Kind::kList: {
        out << "[";
        const auto& l = *o.list_field(copy);
        for (std::size_t k = 0; k < l.size(); ++k) out << (k ? ", " : "") << '"' << l[k] << '"';
        out << "]";
        break;
      }
      case Kind::kHashes:
        for (std::size_t k = 0; k < c.hashes.size(); ++k)
          out << (k ? "," : "") << hash_algo_name(c.hashes[k]);
        break;
      case Kind::kSecret:
        out << (o.string_field(copy)->empty() ? "\"\"" : "<redacted>");
        break;
      case Kind::kBool:
        out << (*o.bool_field(copy) ? "true" : "false");
        break;
      case Kind::kSize:
      case Kind::kCount:
        out << *o.number_field(copy);
        break;
      case Kind::kDuration:
        out << *o.number_field(copy) << "ms";
        break;
      default:
        out << '"' << *o.string_field(copy) << '"';
    }
    out << "\n";
  }
  out << "es-password: " << (c.es_password.empty() ? "\"\"" : "<redacted>") << "\n";
  return out.str();
}

std::string options_help() {
  std::ostringstream out;
  for (const auto& o : options()) {
    std::string flag = std::string("  --") + o.name;
    if (o.kind != Kind::kBool) flag += " VALUE";
    out << flag;
    for (std::size_t pad = flag.size(); pad < 35; ++pad) out << ' ';
    out << o.help;
    if (!o.choices.empty()) {
      out << " (";
      for (std::size_t k = 0; k < o.choices.size(); ++k) out << (k ? "|" : "") << o.choices[k];
      out << ")";
    }
    out << "\n";
  }
  return out.str();
}

// Errors quote what the user wrote (values, the YAML parser's messages): keep them one line.
namespace {
Status one_line(Status s) {
  if (s) return s;
  return Error(s.error().kind(), control_characters_escaped(s.error().message()));
}
}  // namespace

Status apply_yaml(const std::string& yaml_text, const std::string& origin, Config* config) {
  return one_line(apply_yaml_unchecked(yaml_text, origin, config));
}

Result<CommandLine> parse_command_line(const std::vector<std::string>& args) {
  auto parsed = parse_command_line_unchecked(args);
  if (!parsed) return one_line(parsed.error()).error();
  return parsed;
}

Status validate(const Config& c, const std::string& verb) {
  return one_line(validate_unchecked(c, verb));
}

std::optional<std::vector<unsigned char>> parse_sha256_fingerprint(const std::string& text) {
  std::vector<unsigned char> out;
  int pending = -1;
  for (const char ch : text) {
    if (ch == ':') continue;
    int v;
    if (ch >= '0' && ch <= '9') {
      v = ch - '0';
    } else if (ch >= 'a' && ch <= 'f') {
      v = ch - 'a' + 10;
    } else if (ch >= 'A' && ch <= 'F') {
      v = ch - 'A' + 10;
    } else {
      return std::nullopt;
    }
    if (pending < 0) {
      pending = v;
    } else {
      out.push_back(static_cast<unsigned char>(pending * 16 + v));
      pending = -1;
    }
  }
  if (pending >= 0 || out.size() != 32) return std::nullopt;
  return out;
}

}  // namespace fimon
