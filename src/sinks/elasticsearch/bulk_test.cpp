#include "sinks/elasticsearch/bulk.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace fimon {
namespace {

TEST(BulkBody, OneCreateActionAndOneDocumentLinePerDocument) {
  const std::string body =
      build_bulk_body("logs-fimon.file-default", {{"id-1", R"({"a":1})"}, {"id\"2", "{}"}});
  std::istringstream lines(body);
  std::string line;
  std::vector<std::string> all;
  while (std::getline(lines, line)) all.push_back(line);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(nlohmann::json::parse(all[0]),
            nlohmann::json::parse(R"({"create":{"_index":"logs-fimon.file-default","_id":"id-1"}})"));
  EXPECT_EQ(all[1], R"({"a":1})");
  EXPECT_EQ(nlohmann::json::parse(all[2])["create"]["_id"], "id\"2");
  EXPECT_EQ(body.back(), '\n');
}

TEST(BulkResponse, MapsEveryItemStatus) {
  const std::string body = R"({"took":3,"errors":true,"items":[
    {"create":{"_id":"a","status":201}},
    {"create":{"_id":"b","status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}}},
    {"create":{"_id":"c","status":429,"error":{"type":"es_rejected_execution_exception","reason":"busy"}}},
    {"create":{"_id":"d","status":400,"error":{"type":"document_parsing_exception","reason":"bad field"}}},
    {"create":{"_id":"e","status":503,"error":"unavailable"}}]})";
  std::vector<BulkItemResult> items;
  std::string error;
  ASSERT_TRUE(parse_bulk_response(body, 5, &items, &error)) << error;
  EXPECT_EQ(items[0].outcome, ItemOutcome::kDelivered);
  EXPECT_EQ(items[1].outcome, ItemOutcome::kDuplicate);
  EXPECT_EQ(items[2].outcome, ItemOutcome::kRetry);
  EXPECT_EQ(items[3].outcome, ItemOutcome::kRejected);
  EXPECT_EQ(items[3].reason, "document_parsing_exception: bad field");
  EXPECT_EQ(items[4].outcome, ItemOutcome::kRetry);
  EXPECT_EQ(items[4].reason, "unavailable");
}

TEST(BulkResponse, UnreadableOrMismatchedResponsesAreErrors) {
  std::vector<BulkItemResult> items;
  std::string error;
  EXPECT_FALSE(parse_bulk_response("<html>proxy error</html>", 1, &items, &error));
  EXPECT_FALSE(parse_bulk_response(R"({"items":[]})", 1, &items, &error));
  EXPECT_NE(error.find("0 items for 1"), std::string::npos);
  EXPECT_FALSE(parse_bulk_response(R"({"items":[42]})", 1, &items, &error));
  EXPECT_FALSE(parse_bulk_response(R"({"errors":false})", 1, &items, &error));
}

TEST(BulkResponse, FieldsOfTheWrongTypeAreReadAsUnknownNotTrusted) {
  // Found by fuzz/fuzz_bulk_response: a float status was undefined behaviour, a non-string error
  // type an exception.
  std::vector<BulkItemResult> items;
  std::string error;
  ASSERT_TRUE(parse_bulk_response(
      R"({"items":[{"create":{"status":4.4e89}},{"create":{"status":"201"}},)"
      R"({"create":{"status":400,"error":{"type":7,"reason":["x"]}}},{"create":{"status":-5}}]})",
      4, &items, &error));
  EXPECT_EQ(items[0].outcome, ItemOutcome::kRetry);
  EXPECT_EQ(items[1].outcome, ItemOutcome::kRetry);
  EXPECT_EQ(items[2].outcome, ItemOutcome::kRejected);
  EXPECT_EQ(items[2].reason, "error: ");
  EXPECT_EQ(items[3].outcome, ItemOutcome::kRetry);
}

TEST(BulkResponse, StatusClasses) {
  EXPECT_EQ(outcome_for(200, ""), ItemOutcome::kDelivered);
  EXPECT_EQ(outcome_for(404, ""), ItemOutcome::kRejected);
  EXPECT_EQ(outcome_for(500, ""), ItemOutcome::kRetry);
}

TEST(BulkResponse, RefusalsAboutTheClusterAreRetriedNotDeadLettered) {
  // What the dev cluster answered when its shard limit stopped the data stream being created.
  EXPECT_EQ(
      outcome_for(400,
                  "validation_exception: Validation Failed: 1: this action would add [2] shards, but this "
                  "cluster currently has [88]/[88] maximum normal shards open;"),
      ItemOutcome::kRetry);
  EXPECT_EQ(
      outcome_for(403, "cluster_block_exception: index [x] blocked by: [FORBIDDEN/8/index write (api)];"),
      ItemOutcome::kRetry);
  EXPECT_EQ(outcome_for(403, "security_exception: action [indices:data/write/bulk[s]] is unauthorized"),
            ItemOutcome::kRetry);
  EXPECT_EQ(outcome_for(401, "security_exception: unable to authenticate user"), ItemOutcome::kRetry);
  EXPECT_EQ(outcome_for(404, "index_not_found_exception: no such index [logs-fimon.file-x]"),
            ItemOutcome::kRetry);
  EXPECT_EQ(outcome_for(400, "index_closed_exception: closed"), ItemOutcome::kRetry);
  // The document itself is wrong: it never will be accepted.
  EXPECT_EQ(outcome_for(400, "document_parsing_exception: [1:10] failed to parse field [file.size]"),
            ItemOutcome::kRejected);
  EXPECT_EQ(outcome_for(400, "validation_exception: id is too long"), ItemOutcome::kRejected);
  EXPECT_EQ(outcome_for(413, ""), ItemOutcome::kRejected);
}

}  // namespace
}  // namespace fimon
