#include "analysis/redact.hpp"

#include <gtest/gtest.h>

namespace fimon {
namespace {

std::string scrub(std::string s, std::size_t* n = nullptr) {
  const std::size_t count = redact_secrets(s);
  if (n) *n = count;
  return s;
}

TEST(Redact, PrivateKeyBlocks) {
  std::size_t n = 0;
  EXPECT_EQ(
      scrub(
          "a\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA\nAAAA\n-----END OPENSSH PRIVATE KEY-----\nz\n",
          &n),
      "a\n-----BEGIN OPENSSH PRIVATE KEY-----\n<redacted>\n-----END OPENSSH PRIVATE KEY-----\nz\n");
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(scrub("-----BEGIN RSA PRIVATE KEY-----\nMIIE cut short"),
            "-----BEGIN RSA PRIVATE KEY-----\n<redacted>\n");
}

TEST(Redact, SecretAssignments) {
  EXPECT_EQ(scrub("user=bob\npassword=hunter2\n"), "user=bob\npassword=<redacted>\n");
  EXPECT_EQ(scrub("DB_PASSWORD: \"s3cr3t\"\n"), "DB_PASSWORD: \"<redacted>\"\n");
  EXPECT_EQ(scrub("api_key = abc; next=1"), "api_key = <redacted>; next=1");
  EXPECT_EQ(scrub("Authorization: Bearer xyz"), "Authorization: <redacted> xyz");
  EXPECT_EQ(scrub("port=8080 host=a"), "port=8080 host=a");
}

TEST(Redact, HighEntropyTokens) {
  std::size_t n = 0;
  EXPECT_EQ(scrub("key AKIAzq8Xv2LmP0rT9wYb3NcJ5hKd7GfQs1Ue4 end", &n), "key <redacted> end");
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(scrub("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(scrub("/usr/lib/x86_64-linux-gnu"), "/usr/lib/x86_64-linux-gnu");
}

}  // namespace
}  // namespace fimon
