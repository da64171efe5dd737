// Shannon entropy in bits per byte (0 = one repeated byte, 8 = uniformly random), from a histogram
// of byte values. Encrypted or compressed content sits near 8: a file whose changed bytes jump there
// is a ransomware signal.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace fimon {

using ByteHistogram = std::array<std::uint64_t, 256>;

double shannon_entropy(const ByteHistogram& histogram);

// Adds every byte of [data, data+size) to the histogram.
void count_bytes(ByteHistogram& histogram, const unsigned char* data, std::size_t size);
// Adds every `stride`-th byte: the whole-file entropy is estimated from a sample, which keeps the
// read pass cheap (1 in 4 bytes moves the estimate by well under 0.01 bit/byte on real files).
void count_bytes_sampled(ByteHistogram& histogram, const unsigned char* data, std::size_t size,
                         std::size_t stride);

}  // namespace fimon
