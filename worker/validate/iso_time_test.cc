#include "worker/validate/iso_time.h"

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::validate {
namespace {

using ::testing::HasSubstr;

std::string Canonical(const char* value, char separator = 'T') {
  auto time = ParseIsoTime("start_time", value);
  if (!time.ok()) return std::string(time.status().message());
  return FormatIsoTime(*time, separator);
}

TEST(IsoTimeTest, WritesOneCanonicalForm) {
  EXPECT_EQ(Canonical("2022-03-20"), "2022-03-20");
  EXPECT_EQ(Canonical("2022-03-20T10:00"), "2022-03-20T10:00:00");
  EXPECT_EQ(Canonical("2022-03-20 10:00:59"), "2022-03-20T10:00:59");
  EXPECT_EQ(Canonical("2022-03-20T10:00:59.123456"),
            "2022-03-20T10:00:59.123456");
  EXPECT_EQ(Canonical("2022-03-20T10:00:59.5"), "2022-03-20T10:00:59.500000");
  EXPECT_EQ(Canonical("2022-03-20T10:00:59.123456789"),
            "2022-03-20T10:00:59.123456");
  EXPECT_EQ(Canonical("2024-02-29 23:59:59", ' '), "2024-02-29 23:59:59");
}

TEST(IsoTimeTest, RefusesMalformedAndImpossibleTimes) {
  for (const char* bad :
       {"", "2022-3-20", "yesterday", "2022-03-20T", "2022-03-20T10",
        "2022-03-20T10:00:00Z", "2022-03-20'; --", "2022-03-20T10:00:00.",
        "2022-13-01", "2022-00-10", "2022-02-29", "2023-04-31", "0000-01-01",
        "2022-03-20T24:00", "2022-03-20T10:60", "2022-03-20T10:00:61",
        "2022-03-20T10:00:00.1234567890", "2022-03-20\n"}) {
    auto time = ParseIsoTime("start_time", bad);
    EXPECT_FALSE(time.ok()) << bad;
    EXPECT_EQ(ErrorField(time.status()), "start_time") << bad;
  }
  EXPECT_THAT(ParseIsoTime("end_time", "2023-02-29").status().message(),
              HasSubstr("no such day"));
}

}  // namespace
}  // namespace mfgate::validate
