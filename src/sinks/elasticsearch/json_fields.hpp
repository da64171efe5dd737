// Reading fields of JSON that came over the network: whatever type a field turns out to have, the
// answer is the value or the fallback, never an exception (nlohmann's value() throws on a type
// mismatch) and never undefined behaviour (get<int>() of 1e90 is).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace fimon {

inline std::string string_at(const nlohmann::json& object, const char* key, std::string fallback = {}) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// An integer field within [min, max], else the fallback.
inline std::int64_t integer_at(const nlohmann::json& object, const char* key, std::int64_t min,
                               std::int64_t max, std::int64_t fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return fallback;
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    return v <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(v) >= min
               ? static_cast<std::int64_t>(v)
               : fallback;
  }
  const auto v = it->get<std::int64_t>();
  return v >= min && v <= max ? v : fallback;
}

}  // namespace fimon
