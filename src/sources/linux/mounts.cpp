#include "sources/linux/mounts.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace fimon {

std::string unescape_mount_field(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    const auto octal = [&](std::size_t k) { return field[k] >= '0' && field[k] <= '7'; };
    if (field[i] == '\\' && i + 3 < field.size() && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::vector<Mount> read_mounts() {
  std::vector<Mount> mounts;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    // id parent major:minor root mount_point options [optional...] - fs_type source super_options
    std::istringstream fields(line);
    std::string id, parent, devno, root, mount_point, options, word;
    fields >> id >> parent >> devno >> root >> mount_point >> options;
    while (fields >> word && word != "-") {
    }
    Mount m;
    fields >> m.fs_type;
    m.mount_point = unescape_mount_field(mount_point);
    m.root = unescape_mount_field(root);
    std::sscanf(devno.c_str(), "%u:%u", &m.major, &m.minor);
    m.id = std::strtoull(id.c_str(), nullptr, 10);
    m.read_only = options.rfind("ro", 0) == 0 && (options.size() == 2 || options[2] == ',');
    mounts.push_back(std::move(m));
  }
  return mounts;
}

std::string filesystem_root_mount_point(const std::vector<Mount>& mounts, unsigned major, unsigned minor) {
  for (const auto& m : mounts) {
    if (m.major == major && m.minor == minor && m.root == "/") return m.mount_point;
  }
  return {};
}

bool is_pseudo_filesystem(const std::string& t) {
  static const std::set<std::string> pseudo = {
      "proc",        "sysfs",    "cgroup", "cgroup2",    "devtmpfs",  "devpts", "securityfs", "debugfs",
      "tracefs",     "bpf",      "pstore", "configfs",   "fusectl",   "mqueue", "hugetlbfs",  "autofs",
      "binfmt_misc", "efivarfs", "nsfs",   "rpc_pipefs", "selinuxfs", "nfsd",   "sockfs",     "pipefs",
  };
  return pseudo.count(t) != 0;
}

std::vector<std::string> pseudo_mount_points(const std::vector<Mount>& mounts) {
  std::vector<std::string> out;
  for (const auto& m : mounts) {
    if (is_pseudo_filesystem(m.fs_type)) out.push_back(m.mount_point);
  }
  return out;
}

std::optional<std::string> pseudo_filesystem_holding(const std::vector<Mount>& mounts,
                                                     const std::string& path) {
  // The innermost mount holding `path`: its longest mount point that is `path` or a parent of it.
  // Later lines of the mount table are mounted over earlier ones at the same point.
  const Mount* holder = nullptr;
  for (const auto& m : mounts) {
    const std::string& mp = m.mount_point;
    const bool holds =
        path == mp || mp == "/" ||
        (path.size() > mp.size() && path.compare(0, mp.size(), mp) == 0 && path[mp.size()] == '/');
    if (holds && (holder == nullptr || mp.size() >= holder->mount_point.size())) holder = &m;
  }
  if (holder == nullptr || !is_pseudo_filesystem(holder->fs_type)) return std::nullopt;
  return holder->fs_type;
}

std::function<bool(const std::string&)> pseudo_filesystem_skipper() {
  return [mounts = read_mounts()](const std::string& dir) {
    return pseudo_filesystem_holding(mounts, dir).has_value();
  };
}

}  // namespace fimon
