#include "sinks/elasticsearch/index_template.hpp"

#include <nlohmann/json.hpp>

#include "core/ecs_fields.hpp"

namespace fimon {
namespace {

nlohmann::json mapping_for(std::string_view type) {
  if (type == "text-keyword") {
    return {{"type", "keyword"}, {"ignore_above", 4096}, {"fields", {{"text", {{"type", "text"}}}}}};
  }
  if (type == "keyword") return {{"type", "keyword"}, {"ignore_above", 4096}};
  return {{"type", std::string(type)}};
}

// Places a dotted field into nested "properties" objects.
void place(nlohmann::json& properties, std::string_view dotted, std::string_view type) {
  const auto dot = dotted.find('.');
  if (dot == std::string_view::npos) {
    auto& slot = properties[std::string(dotted)];
    if (type == "object") {
      slot["type"] = "object";
      if (!slot.contains("properties")) slot["properties"] = nlohmann::json::object();
    } else {
      slot = mapping_for(type);
    }
    return;
  }
  auto& parent = properties[std::string(dotted.substr(0, dot))];
  if (!parent.contains("properties")) parent["properties"] = nlohmann::json::object();
  place(parent["properties"], dotted.substr(dot + 1), type);
}

nlohmann::json mappings_json() {
  nlohmann::json properties = nlohmann::json::object();
  for (const auto& f : ecs_fields()) place(properties, f.name, f.type);
  return {{"dynamic", true}, {"date_detection", false}, {"properties", properties}};
}

}  // namespace

std::string build_mappings() {
  return mappings_json().dump();
}

std::string build_index_template(const TemplateOptions& options) {
  nlohmann::json settings = {{"index.mapping.total_fields.limit", 2000}};
  if (options.with_ilm) settings["index.lifecycle.name"] = kIlmPolicyName;
  nlohmann::json t = {
      {"index_patterns", {index_pattern(options.data_stream)}},
      {"priority", kTemplatePriority},
      {"template", {{"settings", settings}, {"mappings", mappings_json()}}},
      {"_meta", {{"managed_by", "fimon"}, {"fimon_version", options.version}}},
  };
  if (options.data_stream) t["data_stream"] = nlohmann::json::object();
  return t.dump();
}

std::string build_ilm_policy() {
  const nlohmann::json policy = {
      {"policy",
       {{"_meta", {{"managed_by", "fimon"}}},
        {"phases",
         {{"hot", {{"actions", {{"rollover", {{"max_primary_shard_size", "50gb"}, {"max_age", "30d"}}}}}}},
          {"delete", {{"min_age", "90d"}, {"actions", {{"delete", nlohmann::json::object()}}}}}}}}}};
  return policy.dump();
}

}  // namespace fimon
