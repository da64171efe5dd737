#include "core/ecs_document.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/ecs_fields.hpp"
#include "core/text.hpp"

namespace fimon {
namespace {

AgentContext context() {
  AgentContext c;
  c.agent_id = "0123456789abcdef0123456789abcdef";
  c.ephemeral_id = "fedcba9876543210fedcba9876543210";
  c.version = "0.1.0";
  c.host_name = "h1";
  c.architecture = "x86_64";
  c.os_type = "linux";
  c.os_kernel = "6.18";
  c.data_stream = "logs-fimon.file-default";
  return c;
}

FileEvent full_event() {
  FileEvent e;
  e.sequence = 7;
  e.action = Action::kRenamed;
  e.time = 1795486064123456789LL;
  e.path = "/srv/report.tar.gz";
  e.previous_path = "/srv/old\xFF.tar.gz";
  FileMeta m;
  m.type = FileType::kFile;
  m.size = 3;
  m.inode = 12;
  m.device = 2049;
  m.uid = 1000;
  m.gid = 100;
  m.mode = 04755;
  m.owner = "alice";
  m.group = "users";
  m.btime = 1;
  e.meta = m;
  e.hashes = {
      {HashAlgo::kSha256, "aa"}, {HashAlgo::kMd5, "bb"}, {HashAlgo::kSha1, "cc"}, {HashAlgo::kSha512, "dd"}};
  e.hash_skipped = "none";
  ProcessInfo p;
  p.pid = 42;
  p.name = "tar";
  p.executable = "/usr/bin/tar";
  p.uid = 1000;
  p.user_name = "alice";
  p.resolved = true;
  e.writers = {p, p};
  e.writers[1].pid = 43;
  e.source = "fanotify";
  e.mime_type = "application/gzip";
  e.entropy = 4.5;
  PreviousState prev;
  prev.hashes = {
      {HashAlgo::kSha256, "ee"}, {HashAlgo::kMd5, "ff"}, {HashAlgo::kSha1, "11"}, {HashAlgo::kSha512, "22"}};
  prev.size = 2;
  prev.entropy = 1.0;
  e.previous = prev;
  ContentChange change;
  change.ranges = {{0, 4096}, {8192, 100}};
  change.ranges_truncated = true;
  change.bytes_added = 4196;
  change.bytes_removed = 10;
  change.entropy = 7.9;
  change.excerpt = std::string("pw\x00\xff", 4);
  change.excerpt_offset = 0;
  change.content_capture_excluded = true;
  change.diff = "@@ -1,1 +1,1 @@\n-a\n+b\n";
  change.diff_truncated = true;
  change.redactions = 2;
  e.change = change;
  return e;
}

void collect_leaves(const nlohmann::json& j, const std::string& prefix, std::vector<std::string>* out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      collect_leaves(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    }
  } else if (j.is_array() && !j.empty() && j[0].is_object()) {
    for (const auto& item : j) collect_leaves(item, prefix, out);
  } else {
    out->push_back(prefix);
  }
}

TEST(EcsDocument, EveryEmittedFieldIsDeclaredInTheFieldTable) {
  const auto doc = nlohmann::json::parse(encode_ecs_document(full_event(), context(), "id1", 5));
  std::vector<std::string> leaves;
  collect_leaves(doc, "", &leaves);
  EXPECT_GT(leaves.size(), 40u);
  for (const auto& leaf : leaves) EXPECT_NE(find_field(leaf), nullptr) << leaf << " is not in ecs_fields.cpp";
}

TEST(EcsDocument, WindowsFilesShowBackslashesAttributesAndNoPosixIds) {
  FileEvent e = full_event();
  e.path = "C:/Users/a/report.txt";
  e.previous_path = "C:/Users/a/draft.txt";
  e.meta->posix_ids = false;
  e.meta->attributes = {"readonly", "archive"};
  e.writers.resize(1);
  e.writers[0].uid.reset();
  e.writers[0].user_sid = "S-1-5-21-1-2-3-1001";
  const auto doc = nlohmann::json::parse(encode_ecs_document(e, context(), "id1", 5));
  EXPECT_EQ(doc["file"]["path"], "C:\\Users\\a\\report.txt");
  EXPECT_EQ(doc["file"]["directory"], "C:\\Users\\a");
  EXPECT_EQ(doc["fim"]["previous"]["path"], "C:\\Users\\a\\draft.txt");
  EXPECT_EQ(doc["file"]["attributes"], nlohmann::json::array({"readonly", "archive"}));
  EXPECT_FALSE(doc["file"].contains("uid") || doc["file"].contains("mode"));
  EXPECT_FALSE(doc["fim"]["previous"].contains("uid"));
  EXPECT_EQ(doc["user"]["id"], "S-1-5-21-1-2-3-1001");
}

TEST(EcsDocument, CarriesTheEcsShape) {
  const auto doc = nlohmann::json::parse(encode_ecs_document(full_event(), context(), "id1", 5));
  EXPECT_EQ(doc["@timestamp"], "2026-11-24T02:07:44.123456789Z");
  EXPECT_EQ(doc["event"]["action"], "renamed");
  EXPECT_EQ(doc["event"]["category"], nlohmann::json::array({"file"}));
  EXPECT_EQ(doc["event"]["type"], nlohmann::json::array({"change"}));
  EXPECT_EQ(doc["event"]["id"], "id1");
  EXPECT_EQ(doc["event"]["sequence"], 7);
  EXPECT_EQ(doc["data_stream"]["dataset"], "fimon.file");
  EXPECT_EQ(doc["data_stream"]["namespace"], "default");
  EXPECT_EQ(doc["file"]["name"], "report.tar.gz");
  EXPECT_EQ(doc["file"]["directory"], "/srv");
  EXPECT_EQ(doc["fim"]["path_prefix"], nlohmann::json::array({"/srv"}));
  EXPECT_EQ(doc["file"]["extension"], "gz");
  EXPECT_EQ(doc["file"]["mode"], "4755");
  EXPECT_EQ(doc["file"]["hash"]["sha256"], "aa");
  EXPECT_EQ(doc["process"]["executable"], "/usr/bin/tar");
  EXPECT_EQ(doc["user"]["id"], "1000");
  EXPECT_EQ(doc["fim"]["writers"].size(), 2u);
  EXPECT_EQ(doc["fim"]["previous"]["path"], "/srv/old\\xff.tar.gz");
  EXPECT_EQ(doc["fim"]["previous"]["path_escaped"], true);
  EXPECT_FALSE(doc["fim"].contains("path_escaped"));
  EXPECT_EQ(doc["fim"]["previous"]["hash"]["sha256"], "ee");
  EXPECT_EQ(doc["fim"]["previous"]["size"], 2);
  EXPECT_EQ(doc["fim"]["change"]["granularity"], "chunk");
  EXPECT_EQ(doc["fim"]["change"]["ranges"][1]["offset"], 8192);
  EXPECT_EQ(doc["fim"]["change"]["bytes_added"], 4196);
  EXPECT_EQ(doc["fim"]["change"]["excerpt"]["base64"], "cHcA/w==");
  EXPECT_EQ(doc["fim"]["change"]["excerpt"]["text"], "pw..");
}

TEST(EcsDocument, HostileNamesStayValidJsonAndReversible) {
  FileEvent e;
  e.action = Action::kCreated;
  e.path = std::string("/tmp/a\nb\xC0\"q\\", 12);
  e.source = "inotify";
  const std::string json = encode_ecs_document(e, context(), "id2", 5);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  ASSERT_TRUE(is_valid_utf8(json));
  const auto doc = nlohmann::json::parse(json);
  EXPECT_EQ(doc["fim"]["path_escaped"], true);
  EXPECT_EQ(unescape_path(doc["file"]["path"].get<std::string>()), e.path);
  EXPECT_EQ(doc["fim"]["path_prefix"], nlohmann::json::array({"/tmp"}));
  EXPECT_FALSE(doc.contains("process"));
}

TEST(EcsDocument, IdsAreDeterministicAndDistinct) {
  const AgentContext c = context();
  EXPECT_EQ(document_id(c, 1), document_id(c, 1));
  EXPECT_NE(document_id(c, 1), document_id(c, 2));
  AgentContext other = c;
  other.ephemeral_id = "another-run";
  EXPECT_NE(document_id(c, 1), document_id(other, 1));
  EXPECT_EQ(document_id(c, 1).size(), 40u);
}

TEST(EcsDocument, FileEventIdsNameTheChangeNotTheMoment) {
  const AgentContext c = context();
  FileEvent e;
  e.path = "/etc/passwd";
  e.action = Action::kModified;
  e.generation = 7;
  e.meta = FileMeta{};
  e.meta->ctime = 1000;
  e.hashes = {{HashAlgo::kSha256, "aa"}};
  FileEvent replayed = e;  // reported again after a crash, by another run, at another time
  replayed.sequence = 99;
  replayed.time = 123;
  AgentContext next_run = c;
  next_run.ephemeral_id = "another-run";
  EXPECT_EQ(document_id(c, e), document_id(next_run, replayed));
  FileEvent later = e;
  later.generation = 8;
  EXPECT_NE(document_id(c, e), document_id(c, later));
  FileEvent other_content = e;
  other_content.hashes = {{HashAlgo::kSha256, "bb"}};
  EXPECT_NE(document_id(c, e), document_id(c, other_content));
  FileEvent deleted = e;
  deleted.action = Action::kDeleted;
  EXPECT_NE(document_id(c, e), document_id(c, deleted));
}

}  // namespace
}  // namespace fimon
