// libFuzzer target: any configuration file text must load or fail with one clear line, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  fimon::Config config;
  const fimon::Status loaded = fimon::apply_yaml(yaml, "fuzz.yml", &config);
  if (!loaded && loaded.error().message().find('\n') != std::string::npos) __builtin_trap();  // one line
  if (loaded) (void)fimon::validate(config, "run");
  return 0;
}
