// Shannon entropy in bits per byte (0 = one repeated byte, 8 = uniformly random), from a histogram
// of byte values. Encrypted or compressed content sits near 8: a file whose changed bytes jump there
// is a ransomware signal.
#pragma once

#include <array>
#include <cstdint>

namespace fimon {

using ByteHistogram = std::array<std::uint64_t, 256>;

double shannon_entropy(const ByteHistogram& histogram);

}  // namespace fimon
