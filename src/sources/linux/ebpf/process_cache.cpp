#include "sources/linux/ebpf/process_cache.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>

#include "platform/identity.hpp"

namespace fimon {
namespace {

constexpr std::size_t kMaxProcesses = 4096;
constexpr std::size_t kMaxCommandLine = 4096;

std::string read_link(const std::string& path) {
  std::array<char, 4096> buf{};
  const ssize_t n = readlink(path.c_str(), buf.data(), buf.size() - 1);
  return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string();
}

std::string command_line(std::uint32_t tgid) {
  std::ifstream in("/proc/" + std::to_string(tgid) + "/cmdline", std::ios::binary);
  std::string text(kMaxCommandLine, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return command_line_from_args(std::move(text));
}

// "\012" in /proc/<pid>/maps stands for a newline in the name.
std::string unescape_maps_path(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 4, "\\012") == 0) {
      out += '\n';
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::string command_line_from_args(std::string args) {
  while (!args.empty() && args.back() == '\0') args.pop_back();
  for (auto& c : args) {
    if (c == '\0') c = ' ';
  }
  return args;
}

ProcessCache::ProcessCache() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::getline(in, boot_id_);
}

const ProcessRef& ProcessCache::lookup(const KernelWriter& w,
                                       const std::function<void(KernelWriter* gone)>& if_gone) {
  const auto key = std::make_tuple(w.tgid, w.start_boottime, w.comm);
  if (auto it = known_.find(key); it != known_.end()) return it->second;
  if (known_.size() >= kMaxProcesses) known_.clear();  // processes come and go; forget them all
  ProcessInfo p;
  p.pid = w.tgid;
  p.ppid = w.ppid;
  p.name = w.comm;
  p.uid = w.uid;
  p.gid = w.gid;
  p.user_name = platform::user_name(w.uid);
  p.group_name = platform::group_name(w.gid);
  const std::string proc = "/proc/" + std::to_string(w.tgid);
  p.executable = w.executable.empty() ? read_link(proc + "/exe") : w.executable;
  p.command_line = w.command_line.empty() ? command_line(w.tgid) : w.command_line;
  // An exiting process loses its memory (command line) before its /proc entry: either missing
  // means /proc came too late.
  if ((p.executable.empty() || p.command_line.empty()) && if_gone) {
    KernelWriter elsewhere = w;
    if_gone(&elsewhere);
    if (p.executable.empty()) p.executable = std::move(elsewhere.executable);
    if (p.command_line.empty()) p.command_line = std::move(elsewhere.command_line);
  }
  p.resolved = !p.executable.empty();
  p.entity_id = boot_id_ + "-" + std::to_string(w.tgid) + "-" + std::to_string(w.start_boottime);
  return known_.emplace(key, std::make_shared<const ProcessInfo>(std::move(p))).first->second;
}

std::string mapped_file_path(std::uint32_t tgid, unsigned major, unsigned minor, std::uint64_t inode) {
  std::ifstream in("/proc/" + std::to_string(tgid) + "/maps");
  char device[32];
  std::snprintf(device, sizeof device, "%02x:%02x", major, minor);
  const std::string inode_text = std::to_string(inode);
  std::string line;
  while (std::getline(in, line)) {
    // start-end perms offset dev inode   path
    std::istringstream fields(line);
    std::string range, perms, offset, dev, ino;
    fields >> range >> perms >> offset >> dev >> ino;
    if (dev != device || ino != inode_text) continue;
    std::string path;
    std::getline(fields >> std::ws, path);
    constexpr std::string_view kDeleted = " (deleted)";
    if (path.size() > kDeleted.size() &&
        path.compare(path.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0)
      return {};
    return unescape_maps_path(path);
  }
  return {};
}

}  // namespace fimon
