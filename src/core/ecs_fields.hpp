// The one definition of every field fimon writes: name and Elasticsearch type. The index template is
// generated from it, the field reference in docs/fields.md mirrors it, and a unit test checks that
// every field the encoder emits is declared here. Only core field types are used, so the template
// also loads on Elasticsearch distributions without mapper plugins.
#pragma once

#include <string_view>
#include <vector>

namespace fimon {

struct FieldSpec {
  std::string_view name;  // dotted ECS name
  std::string_view type;  // keyword | long | date | boolean | text-keyword (keyword + .text) | object
  std::string_view description;
};

const std::vector<FieldSpec>& ecs_fields();
const FieldSpec* find_field(std::string_view name);

inline constexpr std::string_view kEcsVersion = "8.11.0";

}  // namespace fimon
