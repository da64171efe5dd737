#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fimon {
namespace {

std::string temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / ("fimon_config_test_" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

TEST(CommandLine, ParsesVerbAndFlags) {
  auto cl = parse_command_line({"run", "--watch", "/a", "--watch=/b", "--exclude", "*.tmp", "--es-url",
                                "https://es:9200", "--hashes", "sha256,md5", "--max-file-size", "10MiB",
                                "--quiet-period", "3s", "--es-tls-verify", "false"});
  ASSERT_TRUE(cl.ok()) << cl.error().message();
  EXPECT_EQ(cl->verb, "run");
  EXPECT_EQ(cl->config.watch, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(cl->config.exclude, (std::vector<std::string>{"*.tmp"}));
  EXPECT_EQ(cl->config.hashes, (std::vector<HashAlgo>{HashAlgo::kSha256, HashAlgo::kMd5}));
  EXPECT_EQ(cl->config.max_file_size, 10u << 20);
  EXPECT_EQ(cl->config.quiet_period_ms, 3000u);
  EXPECT_FALSE(cl->config.es_tls_verify);
}

TEST(CommandLine, YamlUsesTheSameKeysAndFlagsWin) {
  const std::string file = temp_file("a.yml",
                                     "watch: [/etc, /srv]\n"
                                     "es_url: http://one:9200\n"
                                     "log-level: debug\n"
                                     "bulk-max-docs: 50\n");
  auto cl = parse_command_line({"run", "--watch", "/only", "--config", file});
  ASSERT_TRUE(cl.ok()) << cl.error().message();
  EXPECT_EQ(cl->config.watch, (std::vector<std::string>{"/only"}));
  EXPECT_EQ(cl->config.es_urls, (std::vector<std::string>{"http://one:9200"}));
  EXPECT_EQ(cl->config.log_level, "debug");
  EXPECT_EQ(cl->config.bulk_max_docs, 50u);
}

struct BadInput {
  std::vector<std::string> args;
  std::string yaml;
  std::string expected;
};

// Names the case by what it expects, not by its bytes, in test listings.
void PrintTo(const BadInput& in, std::ostream* os) {
  *os << '"' << in.expected << '"';
}

class ConfigErrors : public ::testing::TestWithParam<BadInput> {};

TEST_P(ConfigErrors, NameTheKeyAndTheReasonOnOneLine) {
  const BadInput& in = GetParam();
  std::vector<std::string> args = in.args;
  if (!in.yaml.empty()) {
    args.push_back("--config");
    args.push_back(temp_file("bad.yml", in.yaml));
  }
  auto cl = parse_command_line(args);
  Status status = cl.ok() ? validate(cl->config, cl->verb) : Status(cl.error());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find(in.expected), std::string::npos) << status.error().message();
  EXPECT_EQ(status.error().message().find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    All, ConfigErrors,
    ::testing::Values(
        BadInput{{"run", "--bogus", "1"}, "", "--bogus: unknown option"},
        BadInput{{"run", "--backend", "dtrace"}, "", "backend: 'dtrace' is not one of"},
        BadInput{{"run", "--max-file-size", "12 parsecs"}, "", "max-file-size: "},
        BadInput{{"run", "--quiet-period", "5"}, "", "quiet-period: '5' needs a unit"},
        BadInput{{"run", "--watch"}, "", "watch: needs a value"},
        BadInput{{"run", "--hashes", "crc32"}, "", "hashes: unknown hash 'crc32'"},
        BadInput{{"run"}, "", "watch: nothing to watch"},
        BadInput{{"run", "--watch", "rel/path"}, "", "watch: 'rel/path' is not an absolute path"},
        BadInput{{"run", "--watch", "/a", "--es-url", "ftp://x"}, "", "es-url: 'ftp://x' is not"},
        BadInput{{"run", "--watch", "/a", "--data-stream", "Logs"}, "", "data-stream: "},
        BadInput{{"run", "--es-password-file", "/nonexistent/pw"}, "", "es-password-file: cannot read"},
        BadInput{{"run"}, "watch: [/a\n", "bad.yml: not valid YAML (line"},
        BadInput{{"run"}, "wacth: [/a]\n", "wacth: unknown option"},
        BadInput{{"run"}, "es-url: {a: 1}\n", "es-url: expects a value"},
        BadInput{{"run"}, "- just\n- a list\n", "bad.yml: expected a mapping"},
        BadInput{{"run"}, "[]:\n", "bad.yml: line 1: an option name must be a plain word"},
        BadInput{{"setup", "--kibana-url", "kibana:5601"}, "", "kibana-url: 'kibana:5601' is not"},
        BadInput{{"run", "--watch", "/a", "--ebpf-capture-bytes", "1KiB"},
                 "",
                 "ebpf-capture-bytes: 1024 bytes is more than 256"},
        BadInput{{"run", "--watch", "/a", "--ebpf-ring-buffer", "5000B"},
                 "",
                 "ebpf-ring-buffer: 5000 bytes is not"},
        BadInput{{"setup", "--kibana-space", "Team A"}, "", "kibana-space: 'Team A' is not a space id"},
        BadInput{{"run", "--watch", "/a", "--analysis-nice", "20"}, "", "analysis-nice: 20 is more than 19"}),
    [](const ::testing::TestParamInfo<BadInput>& param) { return "case" + std::to_string(param.index); });

TEST(Config, DescribeRedactsSecrets) {
  const std::string pw = temp_file("pw", "s3cret-password\n");
  auto cl = parse_command_line({"run", "--watch", "/a", "--es-username", "fimon", "--es-password-file", pw,
                                "--es-api-key", "c2VjcmV0LWtleQ=="});
  ASSERT_TRUE(cl.ok()) << cl.error().message();
  EXPECT_EQ(cl->config.es_password, "s3cret-password");
  const std::string text = describe(cl->config);
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  EXPECT_EQ(text.find("c2VjcmV0"), std::string::npos);
  EXPECT_NE(text.find("<redacted>"), std::string::npos);
}

TEST(Config, SizesAndDurations) {
  EXPECT_EQ(*parse_size("1GiB"), 1ULL << 30);
  EXPECT_EQ(*parse_size("512"), 512u);
  EXPECT_EQ(*parse_size("2 MB"), 2000000u);
  EXPECT_FALSE(parse_size("99999999999999999999").ok());
  EXPECT_FALSE(parse_size("-1").ok());
  EXPECT_EQ(*parse_duration_ms("250ms"), 250u);
  EXPECT_EQ(*parse_duration_ms("2m"), 120000u);
  EXPECT_FALSE(parse_duration_ms("soon").ok());
}

}  // namespace
}  // namespace fimon
