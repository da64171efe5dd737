#include "analysis/entropy.hpp"

#include <cmath>

namespace fimon {

double shannon_entropy(const ByteHistogram& histogram) {
  std::uint64_t total = 0;
  for (auto n : histogram) total += n;
  if (total == 0) return 0.0;
  double bits = 0.0;
  for (auto n : histogram) {
    if (n == 0) continue;
    const double p = static_cast<double>(n) / static_cast<double>(total);
    bits -= p * std::log2(p);
  }
  return bits;
}

void count_bytes(ByteHistogram& histogram, const unsigned char* data, std::size_t size) {
  // Four tables break the store-to-load dependency between equal neighbouring bytes.
  std::array<std::array<std::uint32_t, 256>, 4> tables{};
  std::size_t i = 0;
  for (; i + 4 <= size; i += 4) {
    ++tables[0][data[i]];
    ++tables[1][data[i + 1]];
    ++tables[2][data[i + 2]];
    ++tables[3][data[i + 3]];
  }
  for (; i < size; ++i) ++tables[0][data[i]];
  for (const auto& t : tables) {
    for (int b = 0; b < 256; ++b) histogram[b] += t[b];
  }
}

void count_bytes_sampled(ByteHistogram& histogram, const unsigned char* data, std::size_t size,
                         std::size_t stride) {
  // Local counters: the caller's histogram may alias nothing, but the compiler cannot know that.
  std::array<std::uint32_t, 256> counts{};
  for (std::size_t i = 0; i < size; i += stride) ++counts[data[i]];
  for (int b = 0; b < 256; ++b) histogram[b] += counts[b];
}

}  // namespace fimon
