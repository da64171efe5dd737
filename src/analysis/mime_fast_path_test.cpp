#include "analysis/mime_fast_path.hpp"

#include <gtest/gtest.h>

namespace fimon {
namespace {

TEST(MimeFastPath, PlainTextIsNamedWithoutTheSniffer) {
  EXPECT_EQ(plain_text_mime_type("file 1\nfile 1\n", true), "text/plain");
  EXPECT_EQ(plain_text_mime_type("# a comment\nkey = value\n", true), "text/plain");
  EXPECT_EQ(plain_text_mime_type("gr\xc3\xbc\xc3\x9f\x65 \x1b[31mred\x1b[0m\n", true), "text/plain");
  // The head stops inside "ü": still text.
  EXPECT_EQ(plain_text_mime_type(std::string_view("abc \xc3", 5), false), "text/plain");
}

TEST(MimeFastPath, WhatTheSnifferRefinesGoesToIt) {
  EXPECT_FALSE(plain_text_mime_type("#!/bin/sh\necho hi\n", true));  // text/x-shellscript
  EXPECT_FALSE(plain_text_mime_type("  <html><body>", true));
  EXPECT_FALSE(plain_text_mime_type("{\"a\": 1}", true));
  EXPECT_FALSE(plain_text_mime_type("[1, 2]", true));
  EXPECT_FALSE(plain_text_mime_type("%PDF-1.7\n", true));
  EXPECT_FALSE(plain_text_mime_type(std::string_view("\x7f"
                                                     "ELF\x02\x01",
                                                     6),
                                    true));
  EXPECT_FALSE(plain_text_mime_type(std::string_view("a\0b", 3), true));
  EXPECT_FALSE(plain_text_mime_type("caf\xe9", true));  // Latin-1: the sniffer names the charset's text
  EXPECT_FALSE(plain_text_mime_type(std::string_view("abc \xc3", 5), true));  // a whole file ends there
  EXPECT_FALSE(plain_text_mime_type("", true));
  EXPECT_FALSE(plain_text_mime_type(" \n\t", true));
}

TEST(MimeFastPath, ABinaryByteAnywhereInLongTextGoesToTheSniffer) {
  // Printable ASCII is skipped a word at a time: the test must hold wherever the words fall.
  for (std::size_t at = 1; at < 40; ++at) {
    for (const char c : {'\0', '\x01', '\x1f', '\x7f'}) {
      std::string text(40, 'a');
      text[at] = c;
      EXPECT_FALSE(plain_text_mime_type(text, true)) << "byte " << int(c) << " at " << at;
    }
    std::string text(40, 'a');
    text[at] = '\n';
    EXPECT_EQ(plain_text_mime_type(text, true), "text/plain") << "newline at " << at;
    text[at] = '~';
    EXPECT_EQ(plain_text_mime_type(text, true), "text/plain") << "tilde at " << at;
  }
}

}  // namespace
}  // namespace fimon
