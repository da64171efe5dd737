#include "analysis/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string_view>

namespace fimon {
namespace {

constexpr std::string_view kMark = "<redacted>";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Everything between a BEGIN ... PRIVATE KEY line and its END line (or the end of the text).
std::size_t redact_key_blocks(std::string& text) {
  std::size_t count = 0;
  std::size_t from = 0;
  for (;;) {
    const std::size_t begin = text.find("-----BEGIN ", from);
    if (begin == std::string::npos) return count;
    const std::size_t body = text.find('\n', begin);
    if (body == std::string::npos) return count;
    if (std::string_view(text).substr(begin, body - begin).find("PRIVATE KEY") == std::string_view::npos) {
      from = body;
      continue;
    }
    std::size_t end = text.find("-----END", body);
    if (end == std::string::npos) end = text.size();
    text.replace(body + 1, end - body - 1, std::string(kMark) + "\n");
    ++count;
    from = body + 1 + kMark.size() + 1;
  }
}

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

bool secret_key_name(std::string_view key) {
  static constexpr std::array<std::string_view, 12> kWords = {
      "password", "passwd",  "pwd",        "secret",      "token",      "apikey",
      "api_key",  "api-key", "access_key", "private_key", "credential", "auth"};
  const std::string k = lower(key);
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return k.find(w) != std::string::npos; });
}

// key = value, key: value, key="value": the value goes.
std::size_t redact_assignments(std::string& text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=' && text[i] != ':') continue;
    std::size_t key_end = i;
    while (key_end > 0 &&
           (text[key_end - 1] == ' ' || text[key_end - 1] == '"' || text[key_end - 1] == '\'')) {
      --key_end;
    }
    std::size_t key_start = key_end;
    while (key_start > 0 && is_key_char(text[key_start - 1])) --key_start;
    if (key_start == key_end ||
        !secret_key_name(std::string_view(text).substr(key_start, key_end - key_start))) {
      continue;
    }
    std::size_t v = i + 1;
    while (v < text.size() && (text[v] == ' ' || text[v] == '"' || text[v] == '\'')) ++v;
    std::size_t v_end = v;
    while (v_end < text.size() && !std::isspace(static_cast<unsigned char>(text[v_end])) &&
           text[v_end] != '"' && text[v_end] != '\'' && text[v_end] != ',' && text[v_end] != ';') {
      ++v_end;
    }
    if (v_end == v || std::string_view(text).substr(v, v_end - v) == kMark) continue;
    text.replace(v, v_end - v, kMark);
    ++count;
    i = v + kMark.size();
  }
  return count;
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=' || c == '_' ||
         c == '-';
}

double char_entropy(std::string_view s) {
  std::array<int, 256> counts{};
  for (char c : s) ++counts[static_cast<unsigned char>(c)];
  double bits = 0;
  for (int n : counts) {
    if (n == 0) continue;
    const double p = static_cast<double>(n) / static_cast<double>(s.size());
    bits -= p * std::log2(p);
  }
  return bits;
}

// Runs of 32+ token characters that look random (API keys, bearer tokens, base64 secrets).
std::size_t redact_random_tokens(std::string& text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (!is_token_char(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && is_token_char(text[end])) ++end;
    const std::string_view run = std::string_view(text).substr(i, end - i);
    if (run.size() >= 32 && char_entropy(run) >= 4.0) {
      text.replace(i, run.size(), kMark);
      ++count;
      i += kMark.size();
    } else {
      i = end;
    }
  }
  return count;
}

}  // namespace

std::size_t redact_secrets(std::string& text) {
  return redact_key_blocks(text) + redact_assignments(text) + redact_random_tokens(text);
}

}  // namespace fimon
