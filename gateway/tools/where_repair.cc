#include "gateway/tools/where_repair.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/tools/catalogue.h"
#include "gateway/tools/near_miss.h"

namespace mfgate::tools {
namespace {

constexpr absl::string_view kReferenceKinds[] = {"TimeDimension", "Dimension",
                                                 "Entity", "Metric"};
// Words of the filter grammar, never names.
constexpr absl::string_view kKeywords[] = {
    "and",       "or",       "not",     "in",   "is",          "null",
    "like",      "ilike",    "between", "true", "false",       "date",
    "timestamp", "interval", "cast",    "as",   "current_date"};

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The reference kind `where` starts with at `i` ("Dimension("), or "".
absl::string_view ReferenceAt(absl::string_view where, size_t i) {
  for (absl::string_view kind : kReferenceKinds) {
    absl::string_view rest = where.substr(i);
    if (absl::StartsWithIgnoreCase(rest, kind) && rest.size() > kind.size() &&
        rest[kind.size()] == '(') {
      return kind;
    }
  }
  return "";
}

// The reference MetricFlow takes for a bare `name`.
std::string Reference(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, "__");
  if (parts[0] == "metric_time") {
    std::string grain = parts.size() == 2 ? parts[1] : "day";
    return absl::StrCat("{{ TimeDimension('metric_time', '", grain, "') }}");
  }
  return absl::StrCat("{{ Dimension('", name, "') }}");
}

// The dimension a bare word names: itself when known or dunder-shaped, the
// one known name it ends, else none.
std::string DimensionNamed(const std::string& word,
                           const std::vector<std::string>& dimensions) {
  const std::string lowered = absl::AsciiStrToLower(word);
  std::string found;
  int endings = 0;
  for (const std::string& name : dimensions) {
    if (name == lowered) return name;
    if (absl::EndsWith(name, absl::StrCat("__", lowered))) {
      found = name;
      ++endings;
    }
  }
  if (endings == 1) return found;
  if (lowered == "metric_time") return lowered;
  absl::string_view grain = lowered;
  if (absl::ConsumePrefix(&grain, "metric_time__")) {
    return IsGrain(grain) ? lowered : "";
  }
  return absl::StrContains(lowered, "__") ? lowered : "";
}

bool IsKeyword(const std::string& word) {
  const std::string lowered = absl::AsciiStrToLower(word);
  for (absl::string_view keyword : kKeywords) {
    if (keyword == lowered) return true;
  }
  return false;
}

}  // namespace

std::string RepairWhere(absl::string_view where,
                        const std::vector<std::string>& dimensions) {
  std::string out;
  size_t i = 0;
  while (i < where.size()) {
    const char c = where[i];
    if (c == '\'') {  // A literal, '' escaping a quote inside it.
      size_t end = i + 1;
      while (end < where.size() &&
             (where[end] != '\'' ||
              (end + 1 < where.size() && where[end + 1] == '\''))) {
        end += where[end] == '\'' ? 2 : 1;
      }
      end = std::min(end + 1, where.size());
      absl::StrAppend(&out, where.substr(i, end - i));
      i = end;
    } else if (absl::StartsWith(where.substr(i), "{{")) {  // A reference.
      size_t end = where.find("}}", i);
      end = end == absl::string_view::npos ? where.size() : end + 2;
      absl::StrAppend(&out, where.substr(i, end - i));
      i = end;
    } else if (!ReferenceAt(where, i).empty() &&
               (i == 0 || !IsWordChar(where[i - 1]))) {
      // A reference without braces: up to its closing parenthesis.
      size_t end = where.find(')', i);
      end = end == absl::string_view::npos ? where.size() : end + 1;
      absl::StrAppend(&out, "{{ ", where.substr(i, end - i), " }}");
      i = end;
    } else if (IsWordChar(c) && (i == 0 || !IsWordChar(where[i - 1]))) {
      size_t end = i;
      while (end < where.size() && IsWordChar(where[end])) ++end;
      const std::string word(where.substr(i, end - i));
      size_t next = end;
      while (next < where.size() && where[next] == ' ') ++next;
      const bool call = next < where.size() && where[next] == '(';
      std::string name =
          call || IsKeyword(word) ? "" : DimensionNamed(word, dimensions);
      out += name.empty() ? word : Reference(name);
      i = end;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

std::string ApplyWhereSuggestion(absl::string_view where,
                                 absl::string_view suggestion) {
  auto quoted = [](absl::string_view text) -> std::string {
    size_t open = text.find('\'');
    if (open == absl::string_view::npos) return "";
    size_t close = text.find('\'', open + 1);
    if (close == absl::string_view::npos) return "";
    return std::string(text.substr(open + 1, close - open - 1));
  };
  const std::string suggested = quoted(suggestion);
  if (suggested.empty()) return std::string(where);
  // Every name quoted first in a reference, with its position.
  std::vector<std::pair<size_t, std::string>> names;
  for (size_t i = 0; i < where.size(); ++i) {
    absl::string_view kind = ReferenceAt(where, i);
    if (kind.empty()) continue;
    size_t open = where.find('\'', i);
    size_t close =
        open == absl::string_view::npos ? open : where.find('\'', open + 1);
    if (close == absl::string_view::npos) break;
    names.emplace_back(open + 1,
                       std::string(where.substr(open + 1, close - open - 1)));
    i = close;
  }
  std::vector<std::string> candidates;
  for (const auto& [at, name] : names) {
    if (name != suggested) candidates.push_back(name);
  }
  const std::string replaced = Closest(suggested, candidates);
  for (const auto& [at, name] : names) {
    if (name == replaced) {
      return absl::StrCat(where.substr(0, at), suggested,
                          where.substr(at + name.size()));
    }
  }
  return std::string(where);
}

}  // namespace mfgate::tools
