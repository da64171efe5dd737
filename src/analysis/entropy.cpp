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

}  // namespace fimon
