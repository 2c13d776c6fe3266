#include "gateway/tools/dates.h"

#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

// A Sunday.
const absl::CivilDay kToday(2025, 11, 30);

std::string Range(absl::string_view text) {
  std::optional<DateRange> range = RelativeDates(text, kToday);
  if (!range.has_value()) return "none";
  return IsoDay(range->start) + ".." + IsoDay(range->end);
}

TEST(DatesTest, PhrasesReadAgainstToday) {
  EXPECT_EQ(Range("today"), "2025-11-30..2025-11-30");
  EXPECT_EQ(Range(" Yesterday "), "2025-11-29..2025-11-29");
  EXPECT_EQ(Range("last 7 days"), "2025-11-23..2025-11-30");
  EXPECT_EQ(Range("past_30_days"), "2025-10-31..2025-11-30");
  EXPECT_EQ(Range("last 3 months"), "2025-08-30..2025-11-30");
  EXPECT_EQ(Range("2 weeks ago"), "2025-11-16..2025-11-30");
  EXPECT_EQ(Range("this month"), "2025-11-01..2025-11-30");
  EXPECT_EQ(Range("this week"), "2025-11-24..2025-11-30");  // From Monday.
  EXPECT_EQ(Range("last month"), "2025-10-01..2025-10-31");
  EXPECT_EQ(Range("previous quarter"), "2025-07-01..2025-09-30");
  EXPECT_EQ(Range("last year"), "2024-01-01..2024-12-31");
  EXPECT_EQ(Range("YTD"), "2025-01-01..2025-11-30");
  EXPECT_EQ(Range("month to date"), "2025-11-01..2025-11-30");
  EXPECT_EQ(Range("2024-01-01"), "none");
  EXPECT_EQ(Range("last fortnight"), "none");
  EXPECT_EQ(Range("the last 7 days of the year"), "none");
  EXPECT_EQ(Range(""), "none");
}

TEST(DatesTest, MonthsClampToTheirLastDay) {
  std::optional<DateRange> range =
      RelativeDates("last 1 month", absl::CivilDay(2025, 3, 31));
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(IsoDay(range->start), "2025-02-28");
}

TEST(DatesTest, OtherSpellingsOfADate) {
  EXPECT_EQ(LooseIsoDate("2024/01/31"), "2024-01-31");
  EXPECT_EQ(LooseIsoDate("20240131"), "2024-01-31");
  EXPECT_EQ(LooseIsoDate("31.01.2024"), "2024-01-31");
  EXPECT_EQ(LooseIsoDate("01/31/2024"), "2024-01-31");
  EXPECT_EQ(LooseIsoDate("31/01/2024"), "2024-01-31");
  EXPECT_EQ(LooseIsoDate("03/04/2024"), std::nullopt);  // Either way round.
  EXPECT_EQ(LooseIsoDate("January 31, 2024"), "2024-01-31");
  EXPECT_EQ(LooseIsoDate("31 Jan 2024"), "2024-01-31");
  EXPECT_EQ(LooseIsoDate("Sept 2024"), "2024-09-01");
  EXPECT_EQ(LooseIsoDate("2024-01"), "2024-01-01");
  EXPECT_EQ(LooseIsoDate("2024"), "2024-01-01");
  EXPECT_EQ(LooseIsoDate("2024-01-31T08:00:00Z"), "2024-01-31T08:00:00");
  EXPECT_EQ(LooseIsoDate("2024-01-31T08:00:00+02:00"), "2024-01-31T08:00:00");
  EXPECT_EQ(LooseIsoDate("2024-01-31"), std::nullopt);  // ISO already.
  EXPECT_EQ(LooseIsoDate("2024-02-30"), std::nullopt);
  EXPECT_EQ(LooseIsoDate("2024/02/30"), std::nullopt);
  EXPECT_EQ(LooseIsoDate("soon"), std::nullopt);
  EXPECT_TRUE(LooksIso("2024-01-31 08:00"));
  EXPECT_FALSE(LooksIso("2024/01/31"));
}

}  // namespace
}  // namespace mfgate::tools
