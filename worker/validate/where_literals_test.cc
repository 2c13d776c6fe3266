#include "worker/validate/where_literals.h"

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::validate {
namespace {

using ::testing::HasSubstr;

TEST(WhereLiteralsTest, StringsMayHoldText) {
  for (const char* ok : {"MX", "", "it's", "São Paulo", "東京", "a{b}c", "100%",
                         "#1", "x' OR 1=1 --", "😀", "a;b", "/* not */"}) {
    EXPECT_TRUE(CheckStringLiteral(ok, 10).ok()) << ok;
  }
}

TEST(WhereLiteralsTest, StringsMayNotHoldWhatJinjaOrSqlTreatsSpecially) {
  struct Case {
    std::string value;
    const char* why;
  } cases[] = {
      {"{{ x }}", "Jinja delimiter '{{'"},
      {"a}}", "Jinja delimiter '}}'"},
      {"{% raw %}", "Jinja delimiter '{%'"},
      {"x%}", "Jinja delimiter '%}'"},
      {"{# c", "Jinja delimiter '{#'"},
      {"c #}", "Jinja delimiter '#}'"},
      {"a\\' OR 1=1", "backslash"},
      {"a\xffz", "invalid UTF-8"},
      {"a\xc0\xa7", "invalid UTF-8"},      // Overlong quote.
      {"a\xed\xa0\x80", "invalid UTF-8"},  // Surrogate.
      {"a\xe2\x80", "invalid UTF-8"},      // Truncated.
      {"a\xf4\x90\x80\x80", "invalid UTF-8"},
      {std::string("a\0b", 3), "U+0000"},
      {"a\nb", "U+000A"},
      {"a\x7f", "U+007F"},
      {"a\xc2\x85", "U+0085"},
      {"a\xe2\x80\xae", "U+202E"},
      {"a\xe2\x80\x8b", "U+200B"},
      {"a\xe2\x81\xa6", "U+2066"},
      {"a\xef\xbb\xbf", "U+FEFF"},
      {"a\xe2\x80\xa8", "U+2028"},
      {"a\xf3\xa0\x80\x81", "U+E0001"},
  };
  for (const Case& c : cases) {
    absl::Status status = CheckStringLiteral(c.value, 10);
    EXPECT_FALSE(status.ok()) << c.value;
    EXPECT_EQ(ErrorField(status), "where");
    EXPECT_THAT(status.message(), HasSubstr(c.why)) << c.value;
    EXPECT_THAT(status.message(), HasSubstr("at position 1")) << c.value;
  }
}

TEST(WhereLiteralsTest, TypedLiteralsHaveOneCanonicalForm) {
  EXPECT_EQ(*CanonicalTypedLiteral("DATE", "2022-03-01", 0), "2022-03-01");
  EXPECT_EQ(*CanonicalTypedLiteral("TIMESTAMP", "2022-03-01T10:00", 0),
            "2022-03-01 10:00:00");
  EXPECT_EQ(*CanonicalTypedLiteral("TIMESTAMP", "2022-03-01", 0),
            "2022-03-01 00:00:00");
  EXPECT_EQ(*CanonicalTypedLiteral("INTERVAL", "7 DAYS", 0), "7 days");
  EXPECT_EQ(*CanonicalTypedLiteral("INTERVAL", " 1  month ", 0), "1 month");
  EXPECT_EQ(*CanonicalTypedLiteral("INTERVAL", "-2 week", 0), "-2 weeks");
  for (auto [type, value] : {std::pair{"DATE", "yesterday"},
                             {"DATE", "2022-02-30"},
                             {"DATE", "2022-03-01 10:00"},
                             {"TIMESTAMP", "2022-03-01 25:00"},
                             {"INTERVAL", "1 fortnight"},
                             {"INTERVAL", "1 day 2 hours"},
                             {"INTERVAL", "x days"},
                             {"INTERVAL", "99999999 days"}}) {
    auto canonical = CanonicalTypedLiteral(type, value, 7);
    EXPECT_FALSE(canonical.ok()) << type << " " << value;
    EXPECT_THAT(canonical.status().message(), HasSubstr("position 7"));
  }
}

TEST(WhereLiteralsTest, QuotesAreDoubled) {
  EXPECT_EQ(QuoteSqlString("it's"), "'it''s'");
  EXPECT_EQ(QuoteSqlString("''"), "''''''");
  EXPECT_EQ(QuoteSqlString(""), "''");
}

}  // namespace
}  // namespace mfgate::validate
