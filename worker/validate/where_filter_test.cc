#include "worker/validate/where_filter.h"

#include <fstream>
#include <random>
#include <string>

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::validate {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(WhereFilterTest, AcceptsTheGrammar) {
  const char* accepted[] = {
      "{{ Dimension('customer__customer_country') }} = 'MX'",
      "{{ TimeDimension('metric_time', 'day') }} >= '2022-03-20'",
      "{{ Dimension('transaction__is_large') }}",
      "{{ Entity('customer') }} IN ('a', 'b')",
      "{{ Metric('transactions', group_by=['customer']) }} > 10",
      "{{Metric(\"transactions\", ['customer'])}} > 10",
      "NOT ({{ Dimension('a__b') }} = 1 OR {{ Dimension('a__c') }} <> 'x')",
      "{{ Dimension('a__b') }} BETWEEN 1 AND 10 AND {{ Dimension('a__c') }} IS "
      "NOT NULL",
      "{{ Dimension('a__b') }} NOT LIKE 'x%' or {{ Dimension('a__c') }} ilike "
      "'%Y'",
      "lower({{ Dimension('a__b') }}) = 'x'",
      "CAST({{ Dimension('a__b') }} AS integer) > 3",
      "{{ Dimension('a__ds').grain('month') }} = DATE '2022-01-01'",
      "{{ TimeDimension('metric_time') }} > current_date() - INTERVAL '7 days'",
      "coalesce({{ Dimension('a__b') }}, 0) * 2 + 1 >= -3.5e2",
      "{{ Dimension('a__b') }} IS TRUE",
      "{{ Dimension('a__b') }} = 'it''s'",
      "{{ Dimension('a__b') }} = 'São Paulo'",
      "({{ Dimension('a__b') }} || 'x') = 'yx'",
  };
  for (const char* filter : accepted) {
    auto parsed = ParseWhereFilter(filter);
    EXPECT_TRUE(parsed.ok()) << filter << " -> " << parsed.status();
  }
}

TEST(WhereFilterTest, JinjaInsideAStringIsRefusedWithItsPosition) {
  // MetricFlow renders Jinja inside string literals too: this one would
  // close the string and append the caller's own SQL.
  auto parsed = ParseWhereFilter(
      "{{ Dimension('customer__customer_country') }} = "
      "'{{ \"%c\"|format(39) }} OR 1=1 OR '");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(ErrorField(parsed.status()), "where");
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("Jinja delimiter '{{' in a string is not allowed at "
                        "position 49"));
}

TEST(WhereFilterTest, ExtractsReferences) {
  auto parsed = ParseWhereFilter(
      "{{ TimeDimension('metric_time', 'week') }} > '2022-01-01' AND "
      "{{ Metric('transactions', group_by=['customer', 'country']) }} > 1");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->references.size(), 2u);
  EXPECT_EQ(parsed->references[0].kind, WhereReference::Kind::kTimeDimension);
  EXPECT_EQ(parsed->references[0].name, "metric_time");
  EXPECT_EQ(parsed->references[0].grain, "week");
  EXPECT_EQ(parsed->references[1].kind, WhereReference::Kind::kMetric);
  EXPECT_EQ(parsed->references[1].group_by,
            (std::vector<std::string>{"customer", "country"}));
  parsed = ParseWhereFilter(
      "{{ Dimension('a__ds').date_part('year').descending(True) }} = 1");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->references[0].date_part, "year");
  EXPECT_EQ(parsed->references[0].descending, 1);
}

TEST(WhereFilterTest, ErrorsNameTheOffendingToken) {
  auto parsed = ParseWhereFilter(
      "{{ Dimension('a__b') }} IN (SELECT * FROM read_csv('/etc/passwd'))");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(ErrorField(parsed.status()), "where");
  EXPECT_THAT(parsed.status().message(), HasSubstr("'SELECT' at position 28"));

  parsed =
      ParseWhereFilter("{{ Dimension('a__b') }} = read_csv('/etc/passwd')");
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("function not allowed: 'read_csv' at position 26"));

  parsed = ParseWhereFilter("amount > 3");
  EXPECT_THAT(parsed.status().message(), HasSubstr("bare identifier"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("'amount' at position 0"));

  parsed = ParseWhereFilter("{{ Dimension('a__b') }} = 1; DROP TABLE x");
  EXPECT_THAT(parsed.status().message(), HasSubstr("';'"));
}

TEST(WhereFilterTest, RefusesDeepNesting) {
  // Parentheses alone: the parser's recursion guard.
  std::string deep = std::string(60, '(') + "1" + std::string(60, ')');
  auto parsed = ParseWhereFilter(deep);
  EXPECT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("nesting"));
  // Operators: the tree's depth.
  std::string nots;
  for (int i = 0; i < kMaxWhereDepth; ++i) nots += "NOT ";
  EXPECT_FALSE(ParseWhereFilter(nots + "TRUE").ok());
  EXPECT_TRUE(ParseWhereFilter(nots.substr(4) + "TRUE").ok());
  std::string nested = "1";
  for (int i = 0; i < kMaxWhereDepth; ++i) nested = "abs(" + nested + ")";
  EXPECT_THAT(ParseWhereFilter(nested).status().message(),
              HasSubstr("nesting deeper than 32 levels"));
}

// Decodes the corpus's \xNN escapes so it can hold NUL and control bytes.
std::string Unescape(const std::string& line) {
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 3 < line.size() && line[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else {
      out += line[i];
    }
  }
  return out;
}

TEST(WhereFilterTest, RefusesEveryAttackInTheInjectionCorpus) {
  std::ifstream corpus("worker/validate/where_injection_corpus.txt");
  ASSERT_TRUE(corpus.is_open());
  int attacks = 0;
  std::string line;
  while (std::getline(corpus, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string attack = Unescape(line);
    if (attack == "<LONG>")
      attack = "{{ Dimension('a__b') }} = '" + std::string(10000, 'x') + "'";
    auto parsed = ParseWhereFilter(attack);
    EXPECT_FALSE(parsed.ok()) << "accepted: " << line;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ErrorField(parsed.status()), "where");
    // Every refusal says where: a position or a limit.
    EXPECT_THAT(
        std::string(parsed.status().message()),
        MatchesRegex(".*(position [0-9]+|longer than|empty filter|nesting).*"))
        << line << " -> " << parsed.status();
    ++attacks;
  }
  EXPECT_GE(attacks, 200);
}

TEST(WhereFilterTest, RandomBytesNeverCrash) {
  std::mt19937 random(20261124);
  const std::string alphabet =
      "{}()'\"=<>!;-/*|,.% _aZ09SELECTDimension\\\n\t\x01\xff";
  for (int i = 0; i < 20000; ++i) {
    std::string input;
    int length = random() % 60;
    for (int j = 0; j < length; ++j) {
      input += (random() % 4 == 0) ? static_cast<char>(random() % 256)
                                   : alphabet[random() % alphabet.size()];
    }
    auto parsed = ParseWhereFilter(input);
    if (!parsed.ok()) {
      ASSERT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace mfgate::validate
