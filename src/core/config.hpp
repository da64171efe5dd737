// fimon's configuration: one table of options (config_options.cpp) feeds the command-line flags,
// the YAML keys (the same names: "es-url" or "es_url"), `fimon check-config` and `--help`.
// Loading order: defaults, then the YAML file named by --config, then flags (flags win).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/result.hpp"

namespace fimon {

struct Config {
  std::string config_file;
  std::vector<std::string> watch;
  std::vector<std::string> exclude;
  std::string backend = "auto";                 // auto | ebpf | fanotify | inotify
  std::uint64_t ebpf_ring_buffer = 8ULL << 20;  // kernel -> agent queue of write records
  std::uint64_t ebpf_capture_bytes = 0;         // first bytes of each write copied in the kernel
  std::string output = "elasticsearch";         // elasticsearch | console
  std::string state_dir = "/var/lib/fimon";
  std::string log_level = "info";

  // Elasticsearch
  std::vector<std::string> es_urls;
  std::string es_api_key;  // secret: never logged
  std::string es_username;
  std::string es_password;  // secret: read from es-password-file, never logged
  std::string es_ca_file;
  std::string es_ca_fingerprint;  // SHA-256 of a certificate in the server's chain, pinned
  bool es_tls_verify = true;
  std::string data_stream = "logs-fimon.file-default";  // index mode: fimon-file-default
  std::string index_mode = "data_stream";               // data_stream | index
  std::uint64_t bulk_max_docs = 1000;
  std::uint64_t bulk_max_bytes = 5ULL << 20;
  std::uint64_t bulk_flush_ms = 500;
  std::uint64_t spool_max_bytes = 1ULL << 30;  // durable queue in state-dir/spool (the agent only)
  std::uint64_t spool_fsync_ms = 1000;         // 0: fsync every document
  std::uint64_t health_interval_ms = 60000;    // health log line and metric document

  // Kibana (`fimon setup` only): the dashboard is imported there. Credentials are Elasticsearch's:
  // Kibana authenticates its users against the same cluster.
  std::string kibana_url;
  std::string kibana_space;    // empty: the default space
  std::string kibana_ca_file;  // empty: the system trust store

  // Analysis
  std::vector<HashAlgo> hashes{HashAlgo::kSha256};
  std::uint64_t max_file_size = 1ULL << 30;
  std::uint64_t workers = 2;
  std::uint64_t analysis_nice = 10;   // nice levels the analysis threads and the start-up scan give up
  std::uint64_t excerpt_bytes = 256;  // 0 disables excerpts
  std::uint64_t max_ranges = 64;
  std::vector<std::string> content_exclude;  // added to the built-in list of secret-bearing files
  bool scan_at_start = true;
  std::uint64_t scan_rate = 64ULL << 20;           // bytes/s submitted for reading by scans; 0: unlimited
  std::vector<std::string> diff_paths{"/etc/**"};  // text files here get shadow copies and diffs
  std::uint64_t diff_max_file_size = 1ULL << 20;
  std::uint64_t diff_max_bytes = 16ULL << 10;
  std::uint64_t shadow_quota = 256ULL << 20;  // catch up on what changed while the agent was not running

  // Coalescing: when a burst of changes to one file becomes one event.
  std::uint64_t close_settle_ms = 200;   // after close-after-write, wait this long for more writes
  std::uint64_t quiet_period_ms = 2000;  // files held open: emit after this much silence
  std::uint64_t max_delay_ms = 30000;    // ...or at the latest this long after the first change
  std::uint64_t max_pending_files = 200000;

  // Tests only shorten timers; there is no other knob.
};

// What a verb needs beyond the options: the verb itself and any positional arguments.
struct CommandLine {
  std::string verb;
  Config config;
  bool help = false;
};

// Parses argv (argv[0] excluded). Errors name the option and the reason in one line.
Result<CommandLine> parse_command_line(const std::vector<std::string>& args);

// Loads YAML text into `config` (used by parse_command_line; exposed for tests).
Status apply_yaml(const std::string& yaml_text, const std::string& origin, Config* config);

// The 32 bytes of a SHA-256 fingerprint written as hex, with or without colons (openssl's form).
std::optional<std::vector<unsigned char>> parse_sha256_fingerprint(const std::string& text);

// Checks cross-option consistency after loading (e.g. run needs something to watch).
Status validate(const Config& config, const std::string& verb);

// The effective configuration as YAML, secrets replaced by "<redacted>".
std::string describe(const Config& config);

// One line per option for --help.
std::string options_help();

Result<std::uint64_t> parse_size(const std::string& text);
Result<std::uint64_t> parse_duration_ms(const std::string& text);

}  // namespace fimon
