// Cryptographic hashing, implemented per OS (OpenSSL EVP on Linux, BCrypt on Windows).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/event.hpp"
#include "core/result.hpp"

namespace fimon::platform {

class Hasher {
 public:
  virtual ~Hasher() = default;
  virtual void update(const void* data, std::size_t size) = 0;
  // Lower-case hex digest; the hasher must not be used afterwards.
  virtual std::string finish_hex() = 0;
};

Result<std::unique_ptr<Hasher>> make_hasher(HashAlgo algo);

// One-shot convenience.
Result<std::string> hash_hex(HashAlgo algo, const void* data, std::size_t size);

}  // namespace fimon::platform
