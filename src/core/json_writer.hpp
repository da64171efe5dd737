// A small streaming JSON writer for documents fimon emits. It always produces valid JSON: string
// values must be valid UTF-8 (callers pass paths through escape_path and free text through
// to_valid_utf8 first; anything else is replaced, never emitted raw). Commas are handled here so
// encoders read as a list of fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fimon {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(std::uint64_t n);
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(unsigned n) { return value(static_cast<std::uint64_t>(n)); }
  JsonWriter& value(double d);
  JsonWriter& value(bool b);
  JsonWriter& null();

  // Shorthands for object members.
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_in_scope_{true};
  bool after_key_ = false;
};

void append_json_string(std::string& out, std::string_view s);

}  // namespace fimon
