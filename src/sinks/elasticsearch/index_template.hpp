// The Elasticsearch objects `fimon setup` installs, generated from the field table (ecs_fields.hpp).
#pragma once

#include <string>

namespace fimon {

// Data-stream mode writes to logs-fimon.<dataset>-<namespace>; plain-index mode to fimon-<name>.
// Two templates with disjoint patterns, because Elasticsearch refuses to turn a template that
// already backs data streams into a plain one.
inline constexpr const char* kIlmPolicyName = "fimon-file";
inline const char* template_name(bool data_stream) {
  return data_stream ? "fimon-file" : "fimon-file-index";
}
inline const char* index_pattern(bool data_stream) {
  return data_stream ? "logs-fimon.*" : "fimon-*";
}
inline constexpr int kTemplatePriority = 501;  // above the built-in logs-*-* template (100) and > 500

struct TemplateOptions {
  bool data_stream = true;  // false: plain-index mode for clusters without data streams
  bool with_ilm = false;    // reference the ILM policy (only when the cluster has ILM)
  std::string version;      // fimon version, recorded in _meta
};

std::string build_index_template(const TemplateOptions& options);
std::string build_mappings();  // the "mappings" object alone
std::string build_ilm_policy();

}  // namespace fimon
