#include "core/health_document.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/ecs_fields.hpp"

namespace fimon {
namespace {

TEST(HealthDocument, IsAMetricEventWithEveryCounter) {
  AgentContext ctx;
  ctx.agent_id = "agent";
  ctx.host_name = "host-1";
  ctx.data_stream = "logs-fimon.file-default";
  HealthReport report{"fanotify", {{"kernel_drops", 3}, {"spool_bytes", 4096}}};
  const auto doc =
      nlohmann::json::parse(encode_health_document(report, nullptr, ctx, "id-1", 1'700'000'000'000'000'000));
  EXPECT_EQ(doc["event"]["kind"], "metric");
  EXPECT_EQ(doc["event"]["dataset"], "fimon.health");
  EXPECT_EQ(doc["event"]["id"], "id-1");
  EXPECT_EQ(doc["data_stream"]["dataset"], "fimon.file");  // beside the file events: one data view
  EXPECT_EQ(doc["host"]["name"], "host-1");
  EXPECT_EQ(doc["fim"]["source"], "fanotify");
  EXPECT_EQ(doc["fim"]["health"]["kernel_drops"], 3);
  EXPECT_EQ(doc["fim"]["health"]["spool_bytes"], 4096);
  EXPECT_EQ(doc["fim"]["health"]["increase"]["kernel_drops"], 3);  // the first report: all since start
}

TEST(HealthDocument, IncreasesAreSinceThePreviousReport) {
  const AgentContext ctx;
  const HealthReport before{"fanotify", {{"kernel_drops", 3}, {"rescans", 1}, {"spool_bytes", 4096}}};
  const HealthReport now{"fanotify", {{"kernel_drops", 10}, {"rescans", 1}, {"spool_bytes", 0}}};
  const auto doc = nlohmann::json::parse(encode_health_document(now, &before, ctx, "id-2", 1));
  EXPECT_EQ(doc["fim"]["health"]["increase"]["kernel_drops"], 7);
  EXPECT_EQ(doc["fim"]["health"]["increase"]["rescans"], 0);
  EXPECT_FALSE(doc["fim"]["health"]["increase"].contains("spool_bytes"));  // a level, not a count
  for (const char* name : health_increase_names()) {
    const std::string field = std::string("fim.health.increase.") + name;
    bool mapped = false;
    for (const auto& f : ecs_fields()) mapped = mapped || (f.name == field && f.type == "long");
    EXPECT_TRUE(mapped) << field;
  }
}

TEST(HealthDocument, EveryCounterIsAMappedLongField) {
  for (const auto& [name, description] : health_counter_names()) {
    const std::string field = std::string("fim.health.") + name;
    bool found = false;
    for (const auto& f : ecs_fields()) {
      if (f.name == field) {
        found = true;
        EXPECT_EQ(f.type, "long") << field;
      }
    }
    EXPECT_TRUE(found) << field << " is missing from ecs_fields.cpp";
  }
}

}  // namespace
}  // namespace fimon
