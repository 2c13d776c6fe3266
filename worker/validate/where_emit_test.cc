// The emitted filter: its exact form, that it parses again to the same tree,
// and that it never holds Jinja beyond the worker's references, a comment or
// a second statement — checked on hand-written filters, on the corpus of real
// filters, and on random filters grown from the grammar (valid and
// near-valid).
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/validate/where_filter.h"
#include "worker/validate/where_lexer.h"

namespace mfgate::validate {
namespace {

std::string Emit(absl::string_view text) {
  auto canonical = CanonicalWhereFilter(text);
  return canonical.ok() ? *canonical
                        : "ERROR " + std::string(canonical.status().message());
}

TEST(WhereEmitTest, WritesOneCanonicalForm) {
  struct Case {
    const char* given;
    const char* emitted;
  } cases[] = {
      {"{{Dimension(\"a__b\")}}='x'", "{{ Dimension('a__b') }} = 'x'"},
      {"{{ Dimension('a__b') }} != 'it''s'",
       "{{ Dimension('a__b') }} <> 'it''s'"},
      {"{{ TimeDimension('metric_time','day') }} >= date '2022-3-1'",
       "ERROR where: DATE literal: where: malformed date in \"2022-3-1\" "
       "(expected an ISO-8601 date or timestamp: YYYY-MM-DD or "
       "YYYY-MM-DDTHH:MM:SS) at position 49"},
      {"{{ TimeDimension('metric_time','day') }} >= timestamp '2022-03-01'",
       "{{ TimeDimension('metric_time', 'day') }} >= TIMESTAMP '2022-03-01 "
       "00:00:00'"},
      {"{{ Dimension('a__ds').Grain('month') }} = 1",
       "ERROR where: reference: method 'Grain' is not allowed at position 28"},
      {"{{ Dimension('a__ds').descending(False).grain('month') }} = 1",
       "{{ Dimension('a__ds').grain('month').descending(False) }} = 1"},
      {"{{ Metric(\"m\", ['a','b']) }} > 1",
       "{{ Metric('m', group_by=['a', 'b']) }} > 1"},
      {"{{ Dimension('country__region',entity_path = ['customer']) }} = 'NA' "
       "and {{TimeDimension('ds','day',entity_path=['customer'])}} > "
       "'2022-01-01'",
       "{{ Dimension('country__region', entity_path=['customer']) }} = 'NA' "
       "AND "
       "{{ TimeDimension('ds', 'day', entity_path=['customer']) }} > "
       "'2022-01-01'"},
      {"{{ Entity('e') }} in (1,'a',-2,null,true)",
       "{{ Entity('e') }} IN (1, 'a', -2, NULL, TRUE)"},
      {"not {{ Dimension('a__b') }} = 1 or {{ Dimension('a__c') }} is not "
       "null and {{ Dimension('a__d') }} not like 'x%'",
       "NOT ({{ Dimension('a__b') }} = 1) OR {{ Dimension('a__c') }} IS NOT "
       "NULL AND {{ Dimension('a__d') }} NOT LIKE 'x%'"},
      {"({{ Dimension('a__b') }} = 1 or {{ Dimension('a__b') }} = 2) and true",
       "({{ Dimension('a__b') }} = 1 OR {{ Dimension('a__b') }} = 2) AND TRUE"},
      // || ranks differently against + and - across dialects: grouped.
      {"{{ Dimension('a__b') }} || 'x' + 1 = 2",
       "({{ Dimension('a__b') }} || 'x') + 1 = 2"},
      {"1 + 2 - 3 * 4 / 5 = 0", "1 + 2 - (3 * 4 / 5) = 0"},
      {"(1 + 2) + 3 = 0", "(1 + 2) + 3 = 0"},
      // Never "--", which would start a comment.
      {"1 - -1 = - - 2", "1 - -1 = -(-2)"},
      {"-{{ Dimension('a__b') }} = 1", "-({{ Dimension('a__b') }}) = 1"},
      {"current_date() > cast({{ Dimension('a__b') }} as Date) - interval '7 "
       "DAYS'",
       "CURRENT_DATE > CAST({{ Dimension('a__b') }} AS DATE) - INTERVAL '7 "
       "days'"},
      {"LOWER({{ Dimension('a__b') }}) = Coalesce('x', 'y')",
       "lower({{ Dimension('a__b') }}) = coalesce('x', 'y')"},
      {"{{ Dimension('a__b') }} not between 1 and 2 + 3",
       "{{ Dimension('a__b') }} NOT BETWEEN 1 AND 2 + 3"},
      {"{{ Dimension('a__b') }} = 'x'' OR 1=1 --'",
       "{{ Dimension('a__b') }} = 'x'' OR 1=1 --'"},
  };
  for (const Case& c : cases) EXPECT_EQ(Emit(c.given), c.emitted) << c.given;
}

// What an emitted filter may hold, checked on its raw text (not through the
// parser under test): outside string literals, no comment, no `;`, no
// backslash, no Jinja but references of the exact emitted shape; inside
// literals, no Jinja delimiter.
void ExpectSafe(const std::string& emitted, const std::string& given) {
  static const std::regex kReference(
      R"(\{\{ (Dimension\('[A-Za-z0-9_]+'(, entity_path=\[('[A-Za-z0-9_]+'(, )?)*\])?\))"
      R"((\.grain\('[A-Za-z0-9_]+'\))?)"
      R"((\.date_part\('[A-Za-z0-9_]+'\))?(\.descending\((True|False)\))?)"
      R"(|TimeDimension\('[A-Za-z0-9_]+'(, '[A-Za-z0-9_]+')?)"
      R"((, entity_path=\[('[A-Za-z0-9_]+'(, )?)*\])?\))"
      R"(|Entity\('[A-Za-z0-9_]+'(, entity_path=\[('[A-Za-z0-9_]+'(, )?)*\])?\))"
      R"(|Metric\('[A-Za-z0-9_]+', group_by=\[('[A-Za-z0-9_]+'(, )?)*\]\)) \}\})");
  size_t i = 0;
  while (i < emitted.size()) {
    const char c = emitted[i];
    if (c == '\'') {
      size_t end = i + 1;
      while (true) {
        ASSERT_LT(end, emitted.size()) << "unterminated: " << emitted;
        if (emitted[end] == '\'') {
          if (end + 1 < emitted.size() && emitted[end + 1] == '\'') {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      const std::string literal = emitted.substr(i, end - i + 1);
      for (const char* jinja : {"{{", "}}", "{%", "%}", "{#", "#}"}) {
        EXPECT_EQ(literal.find(jinja), std::string::npos)
            << jinja << " in " << emitted << " from " << given;
      }
      i = end + 1;
      continue;
    }
    if (c == '{') {
      const size_t end = emitted.find("}}", i);
      ASSERT_NE(end, std::string::npos) << emitted;
      const std::string reference = emitted.substr(i, end + 2 - i);
      ASSERT_TRUE(std::regex_match(reference, kReference))
          << "not an emitted reference: " << reference << " in " << emitted
          << " from " << given;
      i = end + 2;
      continue;
    }
    EXPECT_NE(c, ';') << emitted;
    EXPECT_NE(c, '\\') << emitted;
    EXPECT_NE(c, '}') << emitted;
    EXPECT_NE(c, '"') << emitted;
    EXPECT_FALSE(c == '-' && i + 1 < emitted.size() && emitted[i + 1] == '-')
        << emitted;
    EXPECT_FALSE(c == '/' && i + 1 < emitted.size() && emitted[i + 1] == '*')
        << emitted;
    ++i;
  }
}

// Emitting, parsing the result and emitting again changes nothing, and the
// tree is the same.
void ExpectRoundTrip(absl::string_view given) {
  auto first = ParseWhereFilter(given);
  ASSERT_TRUE(first.ok()) << given << " -> " << first.status();
  const std::string emitted = EmitWhereFilter(*first);
  auto second = ParseWhereFilter(emitted);
  ASSERT_TRUE(second.ok()) << emitted << " -> " << second.status();
  EXPECT_EQ(DumpWhereTree(*second->root), DumpWhereTree(*first->root))
      << given << "\n  emitted " << emitted;
  EXPECT_EQ(EmitWhereFilter(*second), emitted);
  ExpectSafe(emitted, std::string(given));
}

// Writing a filter out adds parentheses: one within the limits must not
// become one over them, which its own parser would refuse (the fuzzer found
// "0/0+0/920/..." at 449 tokens written out as 513). Such a filter is
// refused; one that fits when written out round-trips.
TEST(WhereEmitTest, AFilterWhoseWrittenFormWouldExceedTheLimitsIsRefused) {
  auto sum_of_quotients = [](int terms) {
    std::string filter = "{{ Dimension('a__b') }} = 1";
    for (int i = 0; i < terms; ++i) filter += " + 1 / 2";
    return filter;
  };
  const std::string grows_too_long = sum_of_quotients(126);  // 507 tokens.
  ASSERT_TRUE(TokenizeWhere(grows_too_long).ok());
  auto parsed = ParseWhereFilter(grows_too_long);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()),
              ::testing::HasSubstr("written out"));
  ExpectRoundTrip(sum_of_quotients(80));
}

TEST(WhereEmitTest, RealFiltersRoundTrip) {
  std::ifstream corpus("worker/validate/where_legitimate_corpus.txt");
  ASSERT_TRUE(corpus.is_open());
  int filters = 0;
  std::string line;
  while (std::getline(corpus, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields = absl::StrSplit(line, " | ");
    ASSERT_EQ(fields.size(), 3u) << line;
    ExpectRoundTrip(fields[2]);
    ++filters;
  }
  EXPECT_GE(filters, 50);
}

// Random filters grown from the grammar, with random case, spacing and
// redundant parentheses.
class FilterGrower {
 public:
  explicit FilterGrower(uint32_t seed) : random_(seed) {}

  std::string Filter() { return Or(0); }

 private:
  int Pick(int n) { return static_cast<int>(random_() % n); }
  std::string Space() {
    static const char* kSpaces[] = {" ", "  ", "\t", "\n", " \r\n "};
    return Pick(4) == 0 ? kSpaces[Pick(5)] : " ";
  }
  std::string Word(const std::string& word) {
    std::string out = word;
    for (char& c : out) {
      if (Pick(3) == 0) c = static_cast<char>(std::toupper(c));
    }
    return out;
  }
  std::string Name() {
    static const char* kNames[] = {"customer__country", "metric_time",
                                   "a__b__c", "transaction__is_large", "x_1"};
    return kNames[Pick(5)];
  }
  std::string Quote(const std::string& name) {
    return Pick(2) ? "'" + name + "'" : "\"" + name + "\"";
  }
  std::string Reference() {
    switch (Pick(4)) {
      case 0: {
        std::string r =
            "Dimension(" + Quote(Name()) +
            (Pick(3) == 0 ? ", entity_path=[" + Quote(Name()) + "]" : "") + ")";
        if (Pick(2)) r += ".grain('month')";
        if (Pick(3) == 0) r += ".date_part('year')";
        if (Pick(4) == 0) r += ".descending(True)";
        return "{{" + Space() + r + Space() + "}}";
      }
      case 1:
        return "{{ TimeDimension(" + Quote(Name()) +
               (Pick(2) ? ", 'day'" : "") +
               (Pick(3) == 0 ? ",entity_path=['customer', 'x_1']" : "") +
               ") }}";
      case 2:
        return "{{Entity(" + Quote(Name()) +
               (Pick(4) == 0 ? ", entity_path = [ 'a' ] " : "") + ")}}";
      default:
        return "{{ Metric(" + Quote(Name()) + ", group_by=[" + Quote(Name()) +
               (Pick(2) ? ", " + Quote(Name()) : "") + "]) }}";
    }
  }
  std::string String() {
    static const char* kStrings[] = {
        "MX", "it''s", "São Paulo", "", "x'' OR 1=1 --", "a{b", "%", "東京"};
    return "'" + std::string(kStrings[Pick(8)]) + "'";
  }
  std::string Literal() {
    switch (Pick(8)) {
      case 0:
        return std::to_string(Pick(1000));
      case 1:
        return "-" + std::to_string(Pick(100)) + ".5e" +
               std::to_string(Pick(3));
      case 2:
        return Word("true");
      case 3:
        return Word("null");
      case 4:
        return Word("date") + " '2022-0" + std::to_string(1 + Pick(9)) + "-15'";
      case 5:
        return Word("interval") + " '" + std::to_string(Pick(30)) + " days'";
      default:
        return String();
    }
  }
  std::string Operand(int depth) {
    if (depth > 6) return Pick(2) ? Reference() : Literal();
    switch (Pick(9)) {
      case 0:
        return Operand(depth + 1) + Space() +
               std::string(Pick(2)   ? "+"
                           : Pick(2) ? "||"
                                     : "-") +
               Space() + Operand(depth + 1);
      case 1:
        return Operand(depth + 1) + Space() + (Pick(2) ? "*" : "/") + Space() +
               Operand(depth + 1);
      case 2:
        return "-" + Space() + Operand(depth + 1);
      case 3:
        return Word("lower") + "(" + Operand(depth + 1) + ")";
      case 4:
        return Word("coalesce") + "(" + Operand(depth + 1) + "," + Space() +
               Operand(depth + 1) + ")";
      case 5:
        return Word("cast") + "(" + Operand(depth + 1) + " " + Word("as") +
               " " + Word("varchar") + ")";
      case 6:
        return "(" + Operand(depth + 1) + ")";
      case 7:
        return Literal();
      default:
        return Reference();
    }
  }
  std::string Predicate(int depth) {
    const std::string left = Operand(depth + 1);
    switch (Pick(8)) {
      case 0:
        return left + Space() + Word(Pick(2) ? "is not null" : "is true");
      case 1:
        return left + Space() + (Pick(2) ? "" : Word("not ")) + Word("in") +
               " (" + Literal() + (Pick(2) ? ", " + Literal() : "") + ")";
      case 2:
        return left + Space() + (Pick(2) ? "" : Word("not ")) +
               Word("between") + " " + Operand(depth + 1) + " " + Word("and") +
               " " + Operand(depth + 1);
      case 3:
        return left + " " + Word(Pick(2) ? "like" : "ilike") + " " + String();
      case 4:
        return Reference();
      default: {
        static const char* kOps[] = {"=", "<>", "!=", "<", "<=", ">", ">="};
        return left + Space() + kOps[Pick(7)] + Space() + Operand(depth + 1);
      }
    }
  }
  std::string Not(int depth) {
    if (depth < 5 && Pick(5) == 0) return Word("not") + " " + Not(depth + 1);
    if (depth < 5 && Pick(5) == 0) return "(" + Or(depth + 1) + ")";
    return Predicate(depth);
  }
  std::string And(int depth) {
    std::string out = Not(depth + 1);
    while (depth < 5 && Pick(3) == 0) {
      out += Space() + Word("and") + Space() + Not(depth + 1);
    }
    return out;
  }
  std::string Or(int depth) {
    std::string out = And(depth + 1);
    while (depth < 5 && Pick(3) == 0) {
      out += Space() + Word("or") + Space() + And(depth + 1);
    }
    return out;
  }

  std::mt19937 random_;
};

// Near-valid: a valid filter with one edit that attackers would try.
std::string Mutate(std::string text, std::mt19937* random) {
  static const char* kInserts[] = {"'",
                                   "''",
                                   "{{",
                                   "}}",
                                   "{%",
                                   "%}",
                                   "{#",
                                   ";",
                                   "--",
                                   "/*",
                                   "*/",
                                   "\\",
                                   "\"",
                                   "`",
                                   "$$",
                                   "(",
                                   ")",
                                   "{{ x }}",
                                   "||",
                                   "#",
                                   "\n",
                                   "\x01",
                                   "\xe2\x80\xae",
                                   "\xff",
                                   " OR ",
                                   "NOT",
                                   "e'",
                                   "::",
                                   "[",
                                   "%c",
                                   "}"};
  const size_t at = text.empty() ? 0 : (*random)() % text.size();
  switch ((*random)() % 3) {
    case 0:
      return text.insert(at, kInserts[(*random)() % std::size(kInserts)]);
    case 1:
      return text.erase(at, 1 + (*random)() % 3);
    default:
      if (!text.empty()) text[at] = static_cast<char>((*random)() % 256);
      return text;
  }
}

TEST(WhereEmitTest, GrownFiltersRoundTripAndStaySafe) {
  FilterGrower grower(20261130);
  std::mt19937 random(7);
  int valid = 0, accepted_mutants = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string filter = grower.Filter();
    auto parsed = ParseWhereFilter(filter);
    if (!parsed.ok()) {
      // The grower can exceed the size and depth limits; nothing else.
      EXPECT_THAT(std::string(parsed.status().message()),
                  ::testing::AnyOf(::testing::HasSubstr("nesting"),
                                   ::testing::HasSubstr("tokens"),
                                   ::testing::HasSubstr("longer than")))
          << filter;
      continue;
    }
    ++valid;
    ExpectRoundTrip(filter);
    for (int j = 0; j < 5; ++j) {
      const std::string mutant = Mutate(filter, &random);
      if (ParseWhereFilter(mutant).ok()) {
        ++accepted_mutants;
        ExpectRoundTrip(mutant);
      }
    }
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(valid, 3000);
  EXPECT_GT(accepted_mutants, 100);  // The mutants exercise both outcomes.
}

}  // namespace
}  // namespace mfgate::validate
