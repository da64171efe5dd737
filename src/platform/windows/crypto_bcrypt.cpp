// BCrypt (CNG) hashing. Algorithm providers are opened once and shared: opening one is costly,
// and a provider handle may be used from any thread.
#include <windows.h>
// bcrypt.h needs windows.h's types first.
#include <bcrypt.h>

#include <vector>

#include "core/text.hpp"
#include "platform/crypto.hpp"

namespace fimon::platform {
namespace {

BCRYPT_ALG_HANDLE provider_for(HashAlgo algo) {
  static const auto open = [](LPCWSTR id) {
    BCRYPT_ALG_HANDLE h = nullptr;
    return BCryptOpenAlgorithmProvider(&h, id, nullptr, 0) >= 0 ? h : nullptr;
  };
  static BCRYPT_ALG_HANDLE md5 = open(BCRYPT_MD5_ALGORITHM);
  static BCRYPT_ALG_HANDLE sha1 = open(BCRYPT_SHA1_ALGORITHM);
  static BCRYPT_ALG_HANDLE sha256 = open(BCRYPT_SHA256_ALGORITHM);
  static BCRYPT_ALG_HANDLE sha512 = open(BCRYPT_SHA512_ALGORITHM);
  switch (algo) {
    case HashAlgo::kMd5:
      return md5;
    case HashAlgo::kSha1:
      return sha1;
    case HashAlgo::kSha256:
      return sha256;
    case HashAlgo::kSha512:
      return sha512;
  }
  return nullptr;
}

class BcryptHasher final : public Hasher {
 public:
  BcryptHasher(BCRYPT_HASH_HANDLE hash, ULONG digest_size) : hash_(hash), digest_size_(digest_size) {}
  ~BcryptHasher() override { BCryptDestroyHash(hash_); }
  BcryptHasher(const BcryptHasher&) = delete;
  BcryptHasher& operator=(const BcryptHasher&) = delete;

  void update(const void* data, std::size_t size) override {
    const auto* bytes = static_cast<const UCHAR*>(data);
    while (size > 0) {  // BCryptHashData takes a ULONG length
      const ULONG chunk = size > 0x40000000 ? 0x40000000 : static_cast<ULONG>(size);
      BCryptHashData(hash_, const_cast<PUCHAR>(bytes), chunk, 0);
      bytes += chunk;
      size -= chunk;
    }
  }
  std::string finish_hex() override {
    std::vector<unsigned char> digest(digest_size_);
    BCryptFinishHash(hash_, digest.data(), digest_size_, 0);
    return hex_encode(digest.data(), digest.size());
  }

 private:
  BCRYPT_HASH_HANDLE hash_;
  ULONG digest_size_;
};

}  // namespace

Result<std::unique_ptr<Hasher>> make_hasher(HashAlgo algo) {
  BCRYPT_ALG_HANDLE provider = provider_for(algo);
  if (provider == nullptr)
    return unsupported(std::string("hash ") + hash_algo_name(algo) + " is not available");
  ULONG digest_size = 0, written = 0;
  if (BCryptGetProperty(provider, BCRYPT_HASH_LENGTH, reinterpret_cast<PUCHAR>(&digest_size),
                        sizeof digest_size, &written, 0) < 0) {
    return unsupported(std::string("hash ") + hash_algo_name(algo) + ": no digest length");
  }
  BCRYPT_HASH_HANDLE hash = nullptr;
  if (BCryptCreateHash(provider, &hash, nullptr, 0, nullptr, 0, 0) < 0) {
    return unsupported(std::string("hash ") + hash_algo_name(algo) + " could not be created");
  }
  return std::unique_ptr<Hasher>(new BcryptHasher(hash, digest_size));
}

}  // namespace fimon::platform
