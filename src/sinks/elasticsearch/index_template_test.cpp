#include "sinks/elasticsearch/index_template.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/ecs_fields.hpp"

namespace fimon {
namespace {

const nlohmann::json* mapping_of(const nlohmann::json& properties, std::string_view dotted) {
  const nlohmann::json* node = &properties;
  while (true) {
    const auto dot = dotted.find('.');
    const std::string head(dotted.substr(0, dot));
    if (!node->contains(head)) return nullptr;
    const nlohmann::json& child = (*node)[head];
    if (dot == std::string_view::npos) return &child;
    if (!child.contains("properties")) return nullptr;
    node = &child["properties"];
    dotted = dotted.substr(dot + 1);
  }
}

TEST(IndexTemplate, MapsEveryDeclaredFieldWithCoreTypesOnly) {
  const auto t = nlohmann::json::parse(build_index_template({true, true, "0.1.0"}));
  EXPECT_EQ(t["index_patterns"], nlohmann::json::array({"logs-fimon.*"}));
  EXPECT_GT(t["priority"].get<int>(), 500);
  EXPECT_TRUE(t.contains("data_stream"));
  EXPECT_EQ(t["template"]["settings"]["index.lifecycle.name"], "fimon-file");
  const auto& props = t["template"]["mappings"]["properties"];
  const std::set<std::string> core = {"keyword", "long", "date", "boolean", "object", "text", "float"};
  for (const auto& f : ecs_fields()) {
    const nlohmann::json* m = mapping_of(props, f.name);
    ASSERT_NE(m, nullptr) << f.name;
    EXPECT_TRUE(core.count((*m)["type"].get<std::string>())) << f.name;
  }
  EXPECT_EQ((*mapping_of(props, "file.path"))["fields"]["text"]["type"], "text");
}

TEST(IndexTemplate, PlainIndexModeHasNoDataStreamOrIlm) {
  const auto t = nlohmann::json::parse(build_index_template({false, false, "0.1.0"}));
  EXPECT_FALSE(t.contains("data_stream"));
  EXPECT_EQ(t["index_patterns"], nlohmann::json::array({"fimon-*"}));
  EXPECT_FALSE(t["template"]["settings"].contains("index.lifecycle.name"));
}

TEST(IlmPolicy, RollsOverAndDeletes) {
  const auto p = nlohmann::json::parse(build_ilm_policy());
  EXPECT_TRUE(p["policy"]["phases"]["hot"]["actions"].contains("rollover"));
  EXPECT_TRUE(p["policy"]["phases"]["delete"]["actions"].contains("delete"));
}

}  // namespace
}  // namespace fimon
