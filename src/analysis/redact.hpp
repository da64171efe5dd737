// Scrubs obvious secrets from text fimon is about to quote (excerpts, diffs): private-key blocks,
// values of password/secret/token-like keys, and long high-entropy tokens. Best effort on top of the
// content-exclude path rules, which keep known secret files from being quoted at all.
#pragma once

#include <cstddef>
#include <string>

namespace fimon {

// Replaces each secret in `text` with "<redacted>"; returns how many were replaced.
std::size_t redact_secrets(std::string& text);

}  // namespace fimon
