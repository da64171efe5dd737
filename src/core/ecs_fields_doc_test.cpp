// docs/fields.md must list every field the agent can write.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/ecs_fields.hpp"

namespace fimon {
namespace {

TEST(FieldDocs, ListEveryDeclaredField) {
  std::ifstream in(FIMON_SOURCE_DIR "/docs/fields.md");
  ASSERT_TRUE(in) << "docs/fields.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& f : ecs_fields()) {
    EXPECT_NE(text.str().find("| `" + std::string(f.name) + "` | " + std::string(f.type) + " |"),
              std::string::npos)
        << f.name << " is not documented in docs/fields.md";
  }
}

}  // namespace
}  // namespace fimon
