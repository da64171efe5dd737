// Users, groups and processes on Linux. Name lookups go through NSS (getpwuid_r) and are cached
// for the agent's lifetime; process lookups read /proc and are cached for one second, long enough
// to absorb a burst of events from one writer, short enough that pid reuse is not a practical risk.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <unordered_map>

#include "core/clock.hpp"
#include "platform/identity.hpp"

namespace fimon::platform {
namespace {

template <typename Lookup>
std::string cached_name(std::unordered_map<std::uint32_t, std::string>& cache, std::mutex& mutex,
                        std::uint32_t id, Lookup lookup) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(id); it != cache.end()) return it->second;
  }
  std::string name = lookup(id);
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() < 65536) cache.emplace(id, name);
  return name;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

struct CachedProcess {
  ProcessRef info;
  SteadyTime at;
};

}  // namespace

std::string user_name(std::uint32_t uid) {
  static std::unordered_map<std::uint32_t, std::string> cache;
  static std::mutex mutex;
  return cached_name(cache, mutex, uid, [](std::uint32_t id) {
    passwd pw{};
    passwd* result = nullptr;
    char buf[4096];
    if (getpwuid_r(id, &pw, buf, sizeof buf, &result) == 0 && result != nullptr)
      return std::string(pw.pw_name);
    return std::string();
  });
}

std::string group_name(std::uint32_t gid) {
  static std::unordered_map<std::uint32_t, std::string> cache;
  static std::mutex mutex;
  return cached_name(cache, mutex, gid, [](std::uint32_t id) {
    group gr{};
    group* result = nullptr;
    char buf[4096];
    if (getgrgid_r(id, &gr, buf, sizeof buf, &result) == 0 && result != nullptr)
      return std::string(gr.gr_name);
    return std::string();
  });
}

ProcessRef lookup_process(std::int64_t pid) {
  static std::unordered_map<std::int64_t, CachedProcess> cache;
  static std::mutex mutex;
  const SteadyTime now = steady_now();
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(pid); it != cache.end() && now - it->second.at < std::chrono::seconds(1)) {
      return it->second.info;
    }
  }

  ProcessInfo info;
  info.pid = pid;
  const std::string base = "/proc/" + std::to_string(pid);
  std::string exe(4096, '\0');
  const ssize_t n = ::readlink((base + "/exe").c_str(), exe.data(), exe.size());
  if (n >= 0) {
    exe.resize(static_cast<std::size_t>(n));
    info.executable = std::move(exe);
  }
  info.name = read_first_line(base + "/comm");
  std::ifstream status(base + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Uid:", 0) == 0) {
      unsigned long real = 0, effective = 0;
      if (std::sscanf(line.c_str(), "Uid: %lu %lu", &real, &effective) == 2) {
        info.uid = static_cast<std::uint32_t>(effective);
        info.user_name = user_name(*info.uid);
      }
      break;
    }
  }
  // Gone before we looked: the name alone (or nothing) is all there is.
  info.resolved = !info.name.empty();

  auto shared = std::make_shared<const ProcessInfo>(std::move(info));
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() > 4096) cache.clear();
  cache[pid] = CachedProcess{shared, now};
  return shared;
}

}  // namespace fimon::platform
