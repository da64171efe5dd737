#include "platform/mime.hpp"

#include <gtest/gtest.h>

namespace fimon::platform {
namespace {

TEST(Mime, RecognisesCommonTypesFromTheirFirstBytes) {
  const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";
  EXPECT_EQ(sniff_mime_type(png, sizeof png - 1), "image/png");
  const std::string text = "just some plain words\nand another line\n";
  EXPECT_EQ(sniff_mime_type(text.data(), text.size()), "text/plain");
  EXPECT_EQ(sniff_mime_type("", 0), "");
}

}  // namespace
}  // namespace fimon::platform
