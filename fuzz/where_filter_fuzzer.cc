// Fuzzes the where-filter parser and writer (worker/validate/where_filter.h),
// a security boundary: any text must give an answer, never a crash; a filter
// it accepts, and the filter it writes for MetricFlow from it, must keep to
// the grammar; and the written filter must parse back into the same tree.
// Keeping to the grammar is checked here with a scanner of the target's own:
// outside string literals and {{ }} references a filter holds only the
// grammar's symbols, numbers and words — its keywords, allowed functions and
// cast types — so no column name, comment, statement separator, quoted
// identifier or subquery keyword.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "worker/validate/where_filter.h"
#include "worker/validate/where_lexer.h"
#include "worker/validate/where_tree.h"

namespace mfgate::validate {
namespace {

constexpr absl::string_view kKeywords[] = {
    "and",      "as", "between", "cast", "date", "false", "ilike",     "in",
    "interval", "is", "like",    "not",  "null", "or",    "timestamp", "true"};

bool AllowedWord(absl::string_view word) {
  const std::string lower = absl::AsciiStrToLower(word);
  for (auto list :
       {absl::MakeConstSpan(kKeywords), absl::MakeConstSpan(kAllowedFunctions),
        absl::MakeConstSpan(kAllowedCastTypes)}) {
    for (absl::string_view allowed : list) {
      if (lower == allowed) return true;
    }
  }
  return false;
}

bool IsWordChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

[[noreturn]] void Fail(absl::string_view filter, absl::string_view why) {
  std::cerr << "accepted a filter outside the grammar (" << why
            << "): " << filter << "\n";
  std::abort();
}

// Aborts unless `filter` keeps to the grammar outside strings and references.
void CheckAccepted(absl::string_view filter) {
  size_t i = 0;
  while (i < filter.size()) {
    const char c = filter[i];
    if (absl::StartsWith(filter.substr(i), "{{")) {
      size_t close = filter.find("}}", i + 2);
      if (close == absl::string_view::npos) Fail(filter, "unclosed reference");
      i = close + 2;
    } else if (c == '\'') {
      // A literal: '' is a quote inside it.
      ++i;
      while (true) {
        if (i >= filter.size()) Fail(filter, "unterminated string");
        if (filter[i] == '\'' && i + 1 < filter.size() &&
            filter[i + 1] == '\'') {
          i += 2;
        } else if (filter[i++] == '\'') {
          break;
        }
      }
    } else if (absl::ascii_isdigit(c) || c == '.') {
      // A number, with its exponent.
      while (i < filter.size() &&
             (IsWordChar(filter[i]) || filter[i] == '.' ||
              ((filter[i] == '+' || filter[i] == '-') &&
               (filter[i - 1] == 'e' || filter[i - 1] == 'E')))) {
        ++i;
      }
    } else if (IsWordChar(c)) {
      size_t start = i;
      while (i < filter.size() && IsWordChar(filter[i])) ++i;
      if (!AllowedWord(filter.substr(start, i - start))) {
        Fail(filter, "a word that is no keyword, function or type");
      }
    } else {
      if (absl::StartsWith(filter.substr(i), "--") ||
          absl::StartsWith(filter.substr(i), "/*")) {
        Fail(filter, "a comment");
      }
      if (absl::string_view(" \t\r\n()=<>!+-*/,|").find(c) ==
          absl::string_view::npos) {
        Fail(filter, "a character outside the grammar");
      }
      ++i;
    }
  }
}

}  // namespace
}  // namespace mfgate::validate

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mfgate::validate;
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<WhereFilter> filter = ParseWhereFilter(text);
  if (!filter.ok()) return 0;
  if (text.size() > kMaxWhereLength) Fail(text, "too long");
  CheckAccepted(text);
  for (const WhereReference& reference : filter->references) {
    if (text.substr(reference.position, 2) != "{{") std::abort();
  }
  // What MetricFlow receives keeps to the grammar too, and parses back into
  // the same tree.
  const std::string emitted = EmitWhereFilter(*filter);
  CheckAccepted(emitted);
  absl::StatusOr<WhereFilter> again = ParseWhereFilter(emitted);
  if (!again.ok() ||
      DumpWhereTree(*again->root) != DumpWhereTree(*filter->root)) {
    std::cerr << "the emitted filter is not the same filter:\n"
              << text << "\n"
              << emitted << "\n";
    std::abort();
  }
  return 0;
}
