#include "core/event.hpp"

namespace fimon {

const char* action_name(Action a) {
  switch (a) {
    case Action::kCreated:
      return "created";
    case Action::kModified:
      return "modified";
    case Action::kDeleted:
      return "deleted";
    case Action::kRenamed:
      return "renamed";
    case Action::kAttributesModified:
      return "attributes_modified";
    case Action::kScanned:
      return "scanned";
  }
  return "unknown";
}

const char* file_type_name(FileType t) {
  switch (t) {
    case FileType::kFile:
      return "file";
    case FileType::kDir:
      return "dir";
    case FileType::kSymlink:
      return "symlink";
    case FileType::kFifo:
      return "fifo";
    case FileType::kSocket:
      return "socket";
    case FileType::kCharDevice:
      return "char_device";
    case FileType::kBlockDevice:
      return "block_device";
    case FileType::kUnknown:
      return "unknown";
  }
  return "unknown";
}

const char* hash_algo_name(HashAlgo a) {
  switch (a) {
    case HashAlgo::kMd5:
      return "md5";
    case HashAlgo::kSha1:
      return "sha1";
    case HashAlgo::kSha256:
      return "sha256";
    case HashAlgo::kSha512:
      return "sha512";
  }
  return "unknown";
}

bool parse_hash_algo(const std::string& text, HashAlgo* out) {
  for (HashAlgo a : {HashAlgo::kMd5, HashAlgo::kSha1, HashAlgo::kSha256, HashAlgo::kSha512}) {
    if (text == hash_algo_name(a)) {
      *out = a;
      return true;
    }
  }
  return false;
}

}  // namespace fimon
