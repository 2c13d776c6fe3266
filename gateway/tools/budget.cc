#include "gateway/tools/budget.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/field_error.h"
#include "gateway/tools/refusal.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;

// "16,000".
std::string Thousands(long long number) {
  std::string digits = absl::StrCat(number), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

long long Tokens(long long chars) { return (chars + 3) / 4; }

struct Rendered {
  json result;
  size_t chars = 0;
};

size_t Measure(const std::string& text, const json& structured) {
  return CountChars(text) + CountChars(structured.dump());
}

// The result holding items [offset, offset + count) with the first `level`
// droppable fields left out.
Rendered Render(const Content& content, size_t level, size_t offset,
                size_t count, long long max_chars,
                const std::string& fingerprint) {
  const size_t total = content.items.size();
  json structured = content.structured;
  json page = json::array();
  for (size_t i = offset; i < offset + count; ++i) {
    json item = content.items[i];
    if (item.is_object()) {
      for (size_t d = 0; d < level; ++d) item.erase(content.droppable[d]);
    }
    page.push_back(std::move(item));
  }
  const bool objects = total > 0 && content.items[0].is_object();
  std::vector<std::string> dropped(content.droppable.begin(),
                                   content.droppable.begin() + level);
  if (!objects) {
    for (const std::string& field : dropped) structured.erase(field);
  }
  const bool cut = offset + count < total;
  std::string text = content.text(structured, page, offset, total);
  structured[content.items_key] = page;
  structured["total"] = total;
  if (!content.count_key.empty()) structured[content.count_key] = count;
  if (offset > 0) structured["offset"] = offset;
  structured["truncated"] = cut || content.truncated;
  if (!dropped.empty()) {
    const std::string note = absl::StrCat(
        absl::StrJoin(dropped, ", "), " left out to fit the response budget (",
        Thousands(max_chars), " characters); ask for fewer ", content.items_key,
        " (search, a filter) to see them");
    structured["note"] = note;
    absl::StrAppend(&text, "\nNote: ", note, ".");
  }
  if (cut) {
    const std::string cursor = absl::StrCat(offset + count, ".", fingerprint);
    structured["next_cursor"] = cursor;
    structured["hint"] = content.hint;
    absl::StrAppend(&text,
                    "\nTruncated to fit the response budget: ", offset + 1, "-",
                    offset + count, " of ", total, " ", content.items_key,
                    "; call again with cursor \"", cursor,
                    "\" for the next page. ", content.hint);
  } else if (content.truncated) {
    structured["hint"] = content.hint;
    absl::StrAppend(&text, "\n", content.hint);
  }
  // The report counts itself: settle on a figure that stays true.
  json report = {
      {"max_chars", max_chars}, {"used_chars", 0}, {"approx_tokens", 0}};
  Rendered rendered;
  for (int round = 0; round < 4; ++round) {
    const std::string line = absl::StrCat(
        "\n[", Thousands(report["used_chars"].get<long long>()), " of ",
        Thousands(max_chars), " characters, ~",
        Thousands(report["approx_tokens"].get<long long>()), " tokens]");
    structured["budget"] = report;
    const size_t chars = Measure(text + line, structured);
    if (static_cast<long long>(chars) == report["used_chars"]) {
      rendered.result = {
          {"content", {{{"type", "text"}, {"text", text + line}}}},
          {"structuredContent", structured},
          {"isError", false}};
      rendered.chars = chars;
      return rendered;
    }
    report["used_chars"] = chars;
    report["approx_tokens"] = Tokens(static_cast<long long>(chars));
  }
  // Not settled (a digit more each round cannot go on): one more render
  // with the last figures, off by a character or two at most.
  structured["budget"] = report;
  rendered.result = {
      {"content",
       {{{"type", "text"},
         {"text",
          absl::StrCat(text, "\n[",
                       Thousands(report["used_chars"].get<long long>()), " of ",
                       Thousands(max_chars), " characters, ~",
                       Thousands(report["approx_tokens"].get<long long>()),
                       " tokens]")}}}},
      {"structuredContent", structured},
      {"isError", false}};
  rendered.chars = report["used_chars"].get<long long>();
  return rendered;
}

}  // namespace

size_t CountChars(absl::string_view text) {
  size_t chars = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
  }
  return chars;
}

json Fit(const Content& content, long long max_chars, size_t offset,
         const std::string& fingerprint) {
  const size_t total = content.items.size();
  offset = std::min(offset, total);
  const size_t remaining = total - offset;
  auto fits = [&](size_t level, size_t count) {
    return static_cast<long long>(
               Render(content, level, offset, count, max_chars, fingerprint)
                   .chars) <= max_chars;
  };
  // Every item, with as few fields left out as the budget allows.
  for (size_t level = 0; level <= content.droppable.size(); ++level) {
    if (fits(level, remaining)) {
      return Render(content, level, offset, remaining, max_chars, fingerprint)
          .result;
    }
  }
  // Else as many items as fit, every droppable field left out; at least one.
  const size_t level = content.droppable.size();
  size_t low = 1, high = remaining;  // fits(level, high) is false.
  if (remaining > 0 && !fits(level, 1)) high = 1;
  while (low + 1 < high) {
    size_t middle = low + (high - low) / 2;
    if (fits(level, middle)) {
      low = middle;
    } else {
      high = middle;
    }
  }
  return Render(content, level, offset, std::min(low, remaining), max_chars,
                fingerprint)
      .result;
}

std::string Fingerprint(const std::string& tool, const json& values) {
  json named = values;
  named.erase("cursor");
  named.erase("max_response_chars");
  // FNV-1a: stable across processes and builds, unlike std::hash.
  uint64_t hash = 1469598103934665603ull;
  for (char c : absl::StrCat(tool, "\n", named.dump())) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return absl::StrFormat("%08x", static_cast<uint32_t>(hash ^ (hash >> 32)));
}

absl::StatusOr<size_t> CursorOffset(const std::string& field,
                                    const std::string& cursor,
                                    const std::string& fingerprint) {
  std::vector<std::string> parts = absl::StrSplit(cursor, '.');
  size_t offset = 0;
  Fix fix;
  fix.drop.push_back(field);
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &offset) ||
      offset > (1u << 30)) {
    return WithFix(FieldError(field,
                              "is not a cursor this server gave: send "
                              "next_cursor from the previous page, or no "
                              "cursor for the first"),
                   fix);
  }
  if (parts[1] != fingerprint) {
    return WithFix(
        FieldError(field,
                   "belongs to a call with other arguments: send it with the "
                   "arguments of the call that gave it, or no cursor for "
                   "the first page"),
        fix);
  }
  return offset;
}

}  // namespace mfgate::tools
