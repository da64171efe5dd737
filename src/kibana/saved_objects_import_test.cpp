#include "kibana/saved_objects_import.hpp"

#include <gtest/gtest.h>

namespace fimon {
namespace {

TEST(KibanaImport, RequestIsOneNdjsonFilePartWithTheXsrfHeader) {
  const std::string ndjson = "{\"type\":\"dashboard\",\"id\":\"d\"}\n";
  const ImportRequest r = build_import_request("https://kb.example:5601/", "", "fimon.ndjson", ndjson);
  EXPECT_EQ(r.url, "https://kb.example:5601/api/saved_objects/_import?overwrite=true");
  const std::string prefix = "multipart/form-data; boundary=";
  ASSERT_EQ(r.content_type.rfind(prefix, 0), 0U);
  const std::string boundary = r.content_type.substr(prefix.size());
  EXPECT_EQ(r.body, "--" + boundary + "\r\n" +
                        "Content-Disposition: form-data; name=\"file\"; filename=\"fimon.ndjson\"\r\n" +
                        "Content-Type: application/ndjson\r\n\r\n" + ndjson + "\r\n--" + boundary + "--\r\n");
  EXPECT_EQ(r.headers, std::vector<std::string>{"kbn-xsrf: fimon"});
}

TEST(KibanaImport, SpaceGoesIntoThePath) {
  EXPECT_EQ(build_import_request("http://kb", "secops", "f.ndjson", "").url,
            "http://kb/s/secops/api/saved_objects/_import?overwrite=true");
}

TEST(KibanaImport, BoundaryNeverOccursInTheContent) {
  const std::string first = build_import_request("http://kb", "", "f.ndjson", "").content_type;
  const std::string boundary = first.substr(first.find('=') + 1);
  const std::string hostile = "x--" + boundary + "--\n";
  const ImportRequest r = build_import_request("http://kb", "", "f.ndjson", hostile);
  const std::string used = r.content_type.substr(r.content_type.find('=') + 1);
  EXPECT_EQ(hostile.find(used), std::string::npos);
}

TEST(KibanaImport, SuccessCountsObjects) {
  auto r = parse_import_response({200, R"({"success":true,"successCount":14,"successResults":[]})"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->success);
  EXPECT_EQ(r->imported, 14);
  EXPECT_TRUE(r->errors.empty());
}

TEST(KibanaImport, EachObjectErrorIsOneLineNamingObjectAndReason) {
  auto r = parse_import_response({200, R"({"success":false,"successCount":1,"errors":[
    {"id":"fimon-lens-x","type":"lens","meta":{"title":"Top\nfiles"},"error":{"type":"missing_references",
     "references":[{"type":"index-pattern","id":"fimon-file-activity"}]}},
    {"id":"d","type":"dashboard","title":"fimon","error":{"type":"unknown","message":"boom","statusCode":500}}]})"});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->success);
  ASSERT_EQ(r->errors.size(), 2U);
  EXPECT_EQ(r->errors[0],
            "lens 'Top\\x0afiles' (fimon-lens-x): missing_references [index-pattern/fimon-file-activity]");
  EXPECT_EQ(r->errors[1], "dashboard 'fimon' (d): unknown: boom");
}

TEST(KibanaImport, ErrorStatusCarriesKibanasMessage) {
  auto r = parse_import_response(
      {401,
       R"({"statusCode":401,"error":"Unauthorized","message":"[security_exception] unable to authenticate"})"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message(),
      "Kibana answered HTTP 401 (the credentials were refused): [security_exception] unable to authenticate");
}

TEST(KibanaImport, OddAnswersAreErrorsNotCrashes) {
  EXPECT_FALSE(parse_import_response({200, "<html>proxy</html>"}).ok());
  EXPECT_FALSE(parse_import_response({502, ""}).ok());
  auto typed =
      parse_import_response({200, R"({"success":"yes","successCount":-3,"errors":[1,{"error":7}]})"});
  ASSERT_TRUE(typed.ok());
  EXPECT_FALSE(typed->success);
  EXPECT_EQ(typed->imported, 0);
  EXPECT_EQ(typed->errors.size(), 2U);
}

}  // namespace
}  // namespace fimon
