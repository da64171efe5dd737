// The CLI verbs. Each returns the process exit code: 0 success, 1 runtime failure (message logged),
// 2 bad configuration.
#pragma once

#include <memory>

#include "core/config.hpp"
#include "core/result.hpp"
#include "platform/http.hpp"
#include "sinks/sink.hpp"

namespace fimon {

int run_agent(const Config& config);
int run_setup(const Config& config);
int run_scan(const Config& config);

// The configured sink: Elasticsearch or the console.
Result<std::unique_ptr<Sink>> make_sink(const Config& config);
platform::HttpOptions http_options(const Config& config);

}  // namespace fimon
