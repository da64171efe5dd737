// libFuzzer target: whatever Elasticsearch (or anything pretending to be it) answers to a _bulk
// request, reading it must end in a result or a clear error, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sinks/elasticsearch/bulk.hpp"
#include "sinks/elasticsearch/client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  std::vector<fimon::BulkItemResult> items;
  std::string error;
  for (std::size_t expected : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
    items.clear();
    if (fimon::parse_bulk_response(body, expected, &items, &error) && items.size() != expected)
      __builtin_trap();
  }
  (void)fimon::elasticsearch_error_reason(body);
  return 0;
}
