#include "gateway/tools/budget.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json_text.h"

namespace mfgate::tools {

using json = nlohmann::json;

// A prepared content's pieces, for the renders below.
struct PreparedAccess {
  const PreparedContent& p;

  const Content& content() const { return p.content_; }

  size_t LineChars(size_t offset, size_t count) const {
    return p.line_chars_[offset + count] - p.line_chars_[offset];
  }
  // The items' JSON with the commas between them.
  size_t JsonChars(size_t offset, size_t count) const {
    if (count == 0) return 0;
    return p.json_chars_[offset + count] - p.json_chars_[offset] + count - 1;
  }
  absl::string_view Slice(const std::string& text,
                          const std::vector<uint64_t>& at, size_t offset,
                          size_t count, size_t separator) const {
    if (count == 0) return "";
    return absl::string_view(text).substr(
        at[offset], at[offset + count] - at[offset] - separator);
  }
  absl::string_view Json(size_t offset, size_t count) const {
    return Slice(p.json_, p.json_at_, offset, count, 1);
  }
  absl::string_view Escaped(size_t offset, size_t count) const {
    return Slice(p.escaped_, p.escaped_at_, offset, count, 0);
  }
};

namespace {

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

std::string BudgetLine(const json& report, long long max_chars) {
  return absl::StrCat("\n[", Thousands(report["used_chars"].get<long long>()),
                      " of ", Thousands(max_chars), " characters, ~",
                      Thousands(report["approx_tokens"].get<long long>()),
                      " tokens]");
}

// One page rendered. With a prepared content, the page's items are not in
// it: their lines belong at `lines_at` of `text`, their JSON under
// content.items_key in `structured`, and `chars` counts them.
struct Rendered {
  std::string text;
  size_t lines_at = 0;
  json structured;
  std::string structured_text;  // JsonText(structured).
  size_t chars = 0;
};

// Items [offset, offset + count) with the first `level` droppable fields
// left out, of `content` or, when set, of `prepared` (whose content it is).
Rendered Render(const Content& content, const PreparedAccess* prepared,
                size_t level, size_t offset, size_t count, long long max_chars,
                const std::string& cursor_tail) {
  const size_t total =
      prepared != nullptr ? prepared->p.size() : content.items.size();
  Rendered out;
  json& structured = out.structured;
  structured = content.structured;
  json page = json::array();
  const bool objects =
      prepared == nullptr && total > 0 && content.items[0].is_object();
  if (prepared == nullptr) {
    for (size_t i = offset; i < offset + count; ++i) {
      json item = content.items[i];
      if (objects) {
        for (size_t d = 0; d < level; ++d) item.erase(content.droppable[d]);
      }
      page.push_back(std::move(item));
    }
  }
  std::vector<std::string> dropped(content.droppable.begin(),
                                   content.droppable.begin() + level);
  if (!objects) {
    for (const std::string& field : dropped) structured.erase(field);
  }
  const bool cut = offset + count < total;
  // Characters of the page's items that are not in `text` / `structured`.
  size_t unseen = 0;
  std::string& text = out.text;
  if (content.lines.has_value()) {
    text = content.lines->head(structured, count, offset, total);
    out.lines_at = text.size();
    if (prepared != nullptr) {
      unseen += prepared->LineChars(offset, count);
    } else {
      for (const json& item : page) text += content.lines->line(item);
    }
    text += content.lines->tail(structured);
  } else {
    text = content.text(structured, page, offset, total);
  }
  if (prepared != nullptr) {
    // Written as {"<key>":[<items>],<the rest>}.
    unseen +=
        CountChars(content.items_key) + 6 + prepared->JsonChars(offset, count);
  } else {
    structured[content.items_key] = std::move(page);
  }
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
    const std::string cursor = absl::StrCat(offset + count, ".", cursor_tail);
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
  // The report counts itself: settle on a figure that stays true (a digit
  // more each round cannot go on: after four rounds the last figures stand,
  // off by a character or two at most).
  json report = {
      {"max_chars", max_chars}, {"used_chars", 0}, {"approx_tokens", 0}};
  const size_t text_chars = CountChars(text);
  for (int round = 0; round < 5; ++round) {
    const std::string line = BudgetLine(report, max_chars);
    structured["budget"] = report;
    out.structured_text = JsonText(structured);
    const size_t chars = text_chars + CountChars(line) + unseen +
                         CountChars(out.structured_text);
    out.chars = chars;
    if (static_cast<long long>(chars) == report["used_chars"] || round == 4) {
      text += line;
      return out;
    }
    report["used_chars"] = chars;
    report["approx_tokens"] = Tokens(static_cast<long long>(chars));
  }
  return out;  // Not reached.
}

struct Choice {
  size_t level = 0, count = 0;
};

// The page from `offset` on: every item with as few droppable fields left
// out as the budget allows, else as many items as fit with every droppable
// field left out; at least one.
Choice Choose(const Content& content, const PreparedAccess* prepared,
              size_t total, long long max_chars, size_t offset,
              const std::string& cursor_tail) {
  const size_t remaining = total - offset;
  auto fits = [&](size_t level, size_t count) {
    return static_cast<long long>(Render(content, prepared, level, offset,
                                         count, max_chars, cursor_tail)
                                      .chars) <= max_chars;
  };
  for (size_t level = 0; level <= content.droppable.size(); ++level) {
    if (fits(level, remaining)) return {level, remaining};
  }
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
  return {level, std::min(low, remaining)};
}

// Appends the JSON string text of `text`, without its quotes, to `out`: as
// JsonText writes it (common/json_text.h), which text that is not all ASCII
// goes through (it replaces invalid UTF-8); ASCII, the common case of a
// table's line, is escaped here without building a JSON value.
void AppendEscaped(absl::string_view text, std::string* out) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      std::string quoted = JsonText(std::string(text));
      out->append(quoted, 1, quoted.size() - 2);
      return;
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[(c >> 4) & 0xF]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(c);
        }
    }
  }
}

std::string Escape(absl::string_view text) {
  std::string out;
  AppendEscaped(text, &out);
  return out;
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
         const std::string& cursor_tail) {
  offset = std::min(offset, content.items.size());
  const Choice choice = Choose(content, nullptr, content.items.size(),
                               max_chars, offset, cursor_tail);
  Rendered page = Render(content, nullptr, choice.level, offset, choice.count,
                         max_chars, cursor_tail);
  return {{"content", {{{"type", "text"}, {"text", std::move(page.text)}}}},
          {"structuredContent", std::move(page.structured)},
          {"isError", false}};
}

PreparedContent::PreparedContent(Content content)
    : content_(std::move(content)) {
  const json items = std::move(content_.items);
  content_.items = json::array();
  for (auto* at :
       {&json_at_, &json_chars_, &line_at_, &line_chars_, &escaped_at_}) {
    at->reserve(items.size() + 1);
    at->push_back(0);
  }
  // Each item's JSON as JsonText writes it (common/json_text.h), appended.
  nlohmann::detail::serializer<json> writer(
      nlohmann::detail::output_adapter<char>(json_), ' ',
      json::error_handler_t::replace);
  for (const json& item : items) {
    const size_t json_from = json_.size();
    writer.dump(item, false, false, 0);
    const size_t json_chars =
        CountChars(absl::string_view(json_).substr(json_from));
    json_ += ',';
    const std::string line = content_.lines->line(item);
    lines_ += line;
    AppendEscaped(line, &escaped_);
    json_at_.push_back(json_.size());
    json_chars_.push_back(json_chars_.back() + json_chars);
    line_at_.push_back(lines_.size());
    line_chars_.push_back(line_chars_.back() + CountChars(line));
    escaped_at_.push_back(escaped_.size());
  }
}

size_t PreparedContent::bytes() const {
  return sizeof(*this) + json_.capacity() + lines_.capacity() +
         escaped_.capacity() +
         sizeof(uint64_t) * (json_at_.capacity() + json_chars_.capacity() +
                             line_at_.capacity() + line_chars_.capacity() +
                             escaped_at_.capacity()) +
         JsonText(content_.structured).size();
}

mcp::ToolResult Fit(const PreparedContent& prepared, long long max_chars,
                    size_t offset, const std::string& cursor_tail,
                    size_t* shown) {
  const PreparedAccess access{prepared};
  const Content& content = access.content();
  offset = std::min(offset, prepared.size());
  const Choice choice =
      Choose(content, &access, prepared.size(), max_chars, offset, cursor_tail);
  Rendered page = Render(content, &access, choice.level, offset, choice.count,
                         max_chars, cursor_tail);
  // The CallToolResult as Fit's JSON writes it (keys in order), with the
  // page's lines and items copied in.
  const absl::string_view lines = access.Escaped(offset, choice.count);
  const absl::string_view items = access.Json(offset, choice.count);
  const std::string before = Escape(page.text.substr(0, page.lines_at));
  const std::string after = Escape(page.text.substr(page.lines_at));
  const absl::string_view rest =
      absl::string_view(page.structured_text).substr(1);  // After its "{".
  auto out = std::make_shared<std::string>();
  out->reserve(before.size() + lines.size() + after.size() + items.size() +
               rest.size() + content.items_key.size() + 96);
  absl::StrAppend(out.get(), "{\"content\":[{\"text\":\"", before, lines, after,
                  "\",\"type\":\"text\"}],\"isError\":false,");
  absl::StrAppend(out.get(), "\"structuredContent\":{\"", content.items_key,
                  "\":[", items, "],", rest, "}");
  if (shown != nullptr) *shown = choice.count;
  return mcp::ToolResult::Serialized(std::move(out), false,
                                     static_cast<long long>(choice.count));
}

}  // namespace mfgate::tools
