#include "app/agent_context.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "core/log.hpp"
#include "core/text.hpp"
#include "platform/fs.hpp"
#include "platform/host.hpp"

namespace fimon {

std::string random_hex_id(std::size_t bytes) {
  std::random_device rd;
  std::vector<unsigned char> random(bytes);
  for (auto& b : random) b = static_cast<unsigned char>(rd() & 0xFF);
  return hex_encode(random.data(), random.size());
}

namespace {

Result<std::string> load_or_create_agent_id(const std::string& state_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (auto made = platform::make_private_directory(state_dir); !made) {
    // One that exists but cannot be restricted (not ours, a filesystem without permissions) is
    // used as it is, as before; one that cannot be created is fatal.
    if (!fs::is_directory(state_dir, ec)) return io_error("state-dir: " + made.error().message());
    log::warn("state-dir: ", made.error().message(), "; using it with the access it has");
  }
  const fs::path file = fs::path(state_dir) / "agent-id";
  {
    std::ifstream in(file);
    std::string id;
    if (in && std::getline(in, id) && id.size() == 32 &&
        id.find_first_not_of("0123456789abcdef") == std::string::npos) {
      return id;
    }
  }
  const std::string id = random_hex_id(16);
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << id << "\n";
    if (!out) return io_error("state-dir: cannot write '" + tmp.string() + "'");
  }
  fs::rename(tmp, file, ec);
  if (ec) return io_error("state-dir: cannot write '" + file.string() + "': " + ec.message());
  return id;
}

}  // namespace

Result<AgentContext> make_agent_context(const Config& config) {
  auto agent_id = load_or_create_agent_id(config.state_dir);
  if (!agent_id) return agent_id.error();
  const platform::HostInfo host = platform::read_host_info();
  AgentContext ctx;
  ctx.agent_id = *agent_id;
  ctx.ephemeral_id = random_hex_id(16);
  ctx.version = kFimonVersion;
  ctx.host_name = host.hostname;
  ctx.host_id = host.id;
  ctx.architecture = host.architecture;
  ctx.os_type = host.os_type;
  ctx.os_family = host.os_family;
  ctx.os_name = host.os_name;
  ctx.os_version = host.os_version;
  ctx.os_kernel = host.os_kernel;
  ctx.data_stream = config.data_stream;
  return ctx;
}

}  // namespace fimon
