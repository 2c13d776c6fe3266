#include "common/log.h"

#include <stdio.h>
#include <unistd.h>

#include <string>

#include "common/redact.h"
#include "common/stderr_capture.h"
#include "gtest/gtest.h"

namespace mfgate {
namespace {

TEST(LogTest, JsonLinesParseAndEscape) {
  SetLogProgramName("test-program");
  SetLogFormat(LogFormat::kJson);
  std::string out = CapturedStderr([] { LogWarning("two\nlines \"quoted\""); });
  SetLogFormat(LogFormat::kText);
  ASSERT_EQ(out.back(), '\n');
  ASSERT_EQ(out.find('\n'), out.size() - 1);  // One line.
  auto line = nlohmann::json::parse(out);
  EXPECT_EQ(line["level"], "warn");
  EXPECT_EQ(line["program"], "test-program");
  EXPECT_EQ(line["msg"], "two\nlines \"quoted\"");
  EXPECT_TRUE(line.contains("ts"));
}

TEST(LogTest, EventsCarryTheirFields) {
  SetLogFormat(LogFormat::kJson);
  std::string out = CapturedStderr([] {
    LogEvent(LogLevel::kInfo, "tool_call",
             {{"tenant", "acme"}, {"rows", 3}, {"metrics", {"a", "b"}}});
  });
  SetLogFormat(LogFormat::kText);
  auto line = nlohmann::json::parse(out);
  EXPECT_EQ(line["event"], "tool_call");
  EXPECT_EQ(line["tenant"], "acme");
  EXPECT_EQ(line["rows"], 3);
  EXPECT_EQ(line["metrics"][1], "b");
  std::string text = CapturedStderr([] {
    LogEvent(LogLevel::kInfo, "tool_call", {{"tenant", "acme"}, {"rows", 3}});
  });
  EXPECT_NE(text.find("INFO tool_call rows=3 tenant=acme"), std::string::npos)
      << text;
}

TEST(LogTest, CredentialsNeverReachTheLog) {
  SetLogFormat(LogFormat::kText);
  RegisterSecret("canary-log-31e7");
  std::string out = CapturedStderr([] {
    LogError("engine: connect('db', 'canary-log-31e7') failed; password=x1");
    LogEvent(LogLevel::kInfo, "probe", {{"detail", "token: t0k3n"}});
  });
  EXPECT_EQ(out.find("canary-log-31e7"), std::string::npos) << out;
  EXPECT_EQ(out.find("x1"), std::string::npos) << out;
  EXPECT_EQ(out.find("t0k3n"), std::string::npos) << out;
  EXPECT_NE(out.find("[REDACTED]"), std::string::npos) << out;
}

TEST(LogTest, LinesBelowTheLevelAreDropped) {
  SetLogLevel(LogLevel::kWarning);
  std::string out = CapturedStderr([] { LogInfo("quiet"); });
  SetLogLevel(LogLevel::kInfo);
  EXPECT_EQ(out, "");
  LogFormat format;
  EXPECT_TRUE(ParseLogFormat("json", &format));
  EXPECT_EQ(format, LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml", &format));
}

}  // namespace
}  // namespace mfgate
