#include "platform/crypto.hpp"

namespace fimon::platform {

Result<std::string> hash_hex(HashAlgo algo, const void* data, std::size_t size) {
  auto hasher = make_hasher(algo);
  if (!hasher) return hasher.error();
  (*hasher)->update(data, size);
  return (*hasher)->finish_hex();
}

}  // namespace fimon::platform
