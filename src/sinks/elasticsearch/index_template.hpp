// The Elasticsearch objects `fimon setup` installs, generated from the field table (ecs_fields.hpp).
#pragma once

#include <string>

namespace fimon {

inline constexpr const char* kTemplateName = "fimon-file";
inline constexpr const char* kIlmPolicyName = "fimon-file";
inline constexpr const char* kIndexPattern = "logs-fimon.*";
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
