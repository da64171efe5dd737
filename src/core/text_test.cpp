#include "core/text.hpp"

#include <gtest/gtest.h>

namespace fimon {
namespace {

TEST(Utf8, AcceptsValidAndRejectsMalformed) {
  EXPECT_TRUE(is_valid_utf8("plain /etc/passwd"));
  EXPECT_TRUE(is_valid_utf8("d\xC3\xA9j\xC3\xA0 vu \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
}

TEST(Utf8, FindsAMalformedByteAtAnyPlaceInLongText) {
  // ASCII is skipped a word at a time: a bad byte must be found wherever the words fall.
  for (std::size_t at = 0; at < 40; ++at) {
    std::string text(40, 'a');
    text[at] = '\xFF';
    EXPECT_FALSE(is_valid_utf8(text)) << "at " << at;
    text.replace(at, 1, "\xC3\xA9");
    EXPECT_TRUE(is_valid_utf8(text)) << "at " << at;
    text.erase(at + 1, 1);  // the sequence cut short
    EXPECT_FALSE(is_valid_utf8(text)) << "at " << at;
  }
}

TEST(EscapePath, LeavesOrdinaryPathsAlone) {
  const EscapedPath p = escape_path("/home/\xC3\xA9t\xC3\xA9/a b\\c.txt");
  EXPECT_FALSE(p.escaped);
  EXPECT_EQ(p.text, "/home/\xC3\xA9t\xC3\xA9/a b\\c.txt");
}

TEST(EscapePath, EscapesHostileBytesReversibly) {
  const std::string raw = std::string("/tmp/bad\xFF\n name\\with\x01", 21) + "\xE2\x80\xAEtxt.exe";
  const EscapedPath p = escape_path(raw);
  EXPECT_TRUE(p.escaped);
  EXPECT_EQ(p.text, "/tmp/bad\\xff\\x0a name\\\\with\\x01\\xe2\\x80\\xaetxt.exe");
  EXPECT_TRUE(is_valid_utf8(p.text));
  EXPECT_EQ(unescape_path(p.text), raw);
}

TEST(EscapePath, RoundTripsEveryByte) {
  std::string raw = "/";
  for (int c = 1; c < 256; ++c) raw += static_cast<char>(c);
  const EscapedPath p = escape_path(raw);
  ASSERT_TRUE(p.escaped);
  EXPECT_TRUE(is_valid_utf8(p.text));
  EXPECT_EQ(unescape_path(p.text), raw);
}

TEST(EscapePath, UnescapeRejectsMalformedEscapes) {
  EXPECT_FALSE(unescape_path("a\\q").has_value());
  EXPECT_FALSE(unescape_path("a\\x4").has_value());
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xFF\x00", 2)), "/wA=");
}

TEST(PrintableText, KeepsTextAndDotsTheRest) {
  EXPECT_EQ(printable_text("a=1\n\tb"), "a=1\n\tb");
  EXPECT_EQ(printable_text(std::string("x\x00\x1b[31m\xFFy\xC3\xA9", 11)), "x..[31m.y\xC3\xA9");
}

TEST(ToValidUtf8, ReplacesInvalidBytes) {
  EXPECT_EQ(to_valid_utf8("ok"), "ok");
  EXPECT_EQ(to_valid_utf8("a\xFF"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(Text, ControlCharactersAreEscapedOntoOneLine) {
  EXPECT_EQ(control_characters_escaped("a\nb\x1b[2J\x7f\xc3\xa9"), "a\\x0ab\\x1b[2J\\x7f\xc3\xa9");
  EXPECT_EQ(control_characters_escaped(std::string("nul\0x", 5)), "nul\\x00x");
}

TEST(Text, UrlsAreShownWithoutCredentials) {
  EXPECT_EQ(url_without_credentials("https://elastic:s3cret@kb.example:5601/base"),
            "https://kb.example:5601/base");
  EXPECT_EQ(url_without_credentials("http://kb:5601/path@x"), "http://kb:5601/path@x");
  EXPECT_EQ(url_without_credentials("http://kb:5601"), "http://kb:5601");
  EXPECT_EQ(url_without_credentials("not a url"), "not a url");
}

}  // namespace
}  // namespace fimon
