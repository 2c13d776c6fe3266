#include "common/log.h"

#include <stdio.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace mfgate {
namespace {

// Everything logged while `body` runs (stderr redirected to a file).
template <typename Body>
std::string Captured(Body body) {
  FILE* file = tmpfile();
  int saved = dup(STDERR_FILENO);
  dup2(fileno(file), STDERR_FILENO);
  body();
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::string text;
  rewind(file);
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), file)) > 0;) {
    text.append(buffer, n);
  }
  fclose(file);
  return text;
}

TEST(LogTest, JsonLinesParseAndEscape) {
  SetLogProgramName("test-program");
  SetLogFormat(LogFormat::kJson);
  std::string out = Captured([] { LogWarning("two\nlines \"quoted\""); });
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
  std::string out = Captured([] {
    LogEvent(LogLevel::kInfo, "tool_call",
             {{"tenant", "acme"}, {"rows", 3}, {"metrics", {"a", "b"}}});
  });
  SetLogFormat(LogFormat::kText);
  auto line = nlohmann::json::parse(out);
  EXPECT_EQ(line["event"], "tool_call");
  EXPECT_EQ(line["tenant"], "acme");
  EXPECT_EQ(line["rows"], 3);
  EXPECT_EQ(line["metrics"][1], "b");
  std::string text = Captured([] {
    LogEvent(LogLevel::kInfo, "tool_call", {{"tenant", "acme"}, {"rows", 3}});
  });
  EXPECT_NE(text.find("INFO tool_call rows=3 tenant=acme"), std::string::npos)
      << text;
}

TEST(LogTest, LinesBelowTheLevelAreDropped) {
  SetLogLevel(LogLevel::kWarning);
  std::string out = Captured([] { LogInfo("quiet"); });
  SetLogLevel(LogLevel::kInfo);
  EXPECT_EQ(out, "");
  LogFormat format;
  EXPECT_TRUE(ParseLogFormat("json", &format));
  EXPECT_EQ(format, LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml", &format));
}

}  // namespace
}  // namespace mfgate
