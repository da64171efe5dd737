#include "core/json_writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace fimon {
namespace {

TEST(JsonWriter, WritesNestedObjectsAndArrays) {
  JsonWriter w;
  w.begin_object().field("a", 1).key("b").begin_array().value("x").value(true).null().end_array();
  w.key("c").begin_object().field("d", std::uint64_t{18446744073709551615ULL}).end_object().end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",true,null],"c":{"d":18446744073709551615}})");
}

TEST(JsonWriter, EscapesControlCharactersAndQuotes) {
  JsonWriter w;
  w.begin_object().field("k", std::string_view("q\"b\\n\n\x01\x7f", 8)).end_object();
  EXPECT_EQ(w.str(), "{\"k\":\"q\\\"b\\\\n\\n\\u0001\\u007f\"}");
  EXPECT_FALSE(nlohmann::json::parse(w.str(), nullptr, false).is_discarded());
}

TEST(JsonWriter, NeverEmitsInvalidUtf8) {
  JsonWriter w;
  w.begin_object().field("k", "bad\xFF\xFE").end_object();
  const auto doc = nlohmann::json::parse(w.str());
  EXPECT_EQ(doc["k"], "bad\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(JsonWriter, KeepsValidMultiByteTextAsItIs) {
  JsonWriter w;
  w.begin_array().value("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91 \"x\"").end_array();
  EXPECT_EQ(w.str(), "[\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91 \\\"x\\\"\"]");
}

TEST(JsonWriter, AnInvalidByteLateInTheTextRestartsFromTheRepairedCopy) {
  // The string is half written (escapes included) when the bad byte shows: nothing of that half
  // may stay behind.
  JsonWriter w;
  w.begin_array().value("ok").value("a\"\xC3\xA9\n\xC3(").end_array();
  EXPECT_EQ(w.str(), "[\"ok\",\"a\\\"\xC3\xA9\\n\xEF\xBF\xBD(\"]");
  EXPECT_FALSE(nlohmann::json::parse(w.str(), nullptr, false).is_discarded());
}

TEST(JsonWriter, NonFiniteNumbersBecomeNull) {
  JsonWriter w;
  w.begin_array().value(1.5).value(std::numeric_limits<double>::infinity()).end_array();
  EXPECT_EQ(w.str(), "[1.5,null]");
}

}  // namespace
}  // namespace fimon
