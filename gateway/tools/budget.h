// The response budget: how much of a model's context one tool result may
// take, and the pages of a result that does not fit.
//
// A result is measured as a model meets it: the characters (UTF-8 code
// points) of its text content plus those of its structuredContent as JSON;
// tokens are stated as characters / 4, rounded up (an approximation: the
// tokenizer is the model's). A result over the budget first drops the
// fields of its items that matter least (a listing's descriptions, a
// query's SQL), saying so in `note`; then its list is cut to the rows or
// items that fit, with `truncated`, `next_cursor` (the next page of the
// same call), the total, and a `hint` on narrowing the call. A page holds at
// least one item, so a result always moves on, even past one item larger
// than the budget. Stateless; safe from any thread.
#ifndef MFGATE_GATEWAY_TOOLS_BUDGET_H_
#define MFGATE_GATEWAY_TOOLS_BUDGET_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/mcp/tool_result.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

// A result before it is fitted to a budget.
struct Content {
  // Every field of structuredContent but the list.
  nlohmann::json structured = nlohmann::json::object();
  // The list: its key in structuredContent and its items.
  std::string items_key;
  nlohmann::json items = nlohmann::json::array();
  // Fields dropped first, least useful first: of each item when items are
  // objects, else of `structured`.
  std::vector<std::string> droppable;
  // The text a model reads: a summary ("rows 1-40 of 57") and the page's
  // items (a Markdown table, a bulleted list), given `structured` as it
  // goes out (droppable fields left out) without the list.
  std::function<std::string(const nlohmann::json& structured,
                            const nlohmann::json& page, size_t offset,
                            size_t total)>
      text;
  // How to narrow the call, said when the list is cut.
  std::string hint;
  // Already cut before the gateway saw it (the worker's caps, a limit).
  bool truncated = false;
  // The field that holds the page's size ("row_count"), if any.
  std::string count_key;
  // The text of a long list in parts, used instead of `text` when set: a
  // head (given the page's item count), one line per item, and a tail. Only
  // such a Content can be prepared (PreparedContent).
  struct Lines {
    std::function<std::string(const nlohmann::json& structured, size_t page,
                              size_t offset, size_t total)>
        head;
    std::function<std::string(const nlohmann::json& item)> line;
    std::function<std::string(const nlohmann::json& structured)> tail;
  };
  std::optional<Lines> lines;
};

// Characters of `text`: UTF-8 code points.
size_t CountChars(absl::string_view text);

// `content` as a CallToolResult of at most `max_chars` (see above), from
// item `offset` on; `cursor_tail` (cursor.h's CursorTail) ends next_cursor.
nlohmann::json Fit(const Content& content, long long max_chars, size_t offset,
                   const std::string& cursor_tail);

// A Content with `lines` whose items are rendered once. Its droppable
// fields are those of `structured` (items are kept as they were rendered).
class PreparedContent {
 public:
  // Consumes `content`'s items; `content.lines` must be set.
  explicit PreparedContent(Content content);

  size_t size() const { return line_at_.size() - 1; }
  // The memory it holds, in bytes (about): what a store of them counts.
  size_t bytes() const;

 private:
  friend struct PreparedAccess;  // budget.cc: renders its pages.
  Content content_;              // Without its items.
  // Each item's JSON, joined by commas; its line; its line as JSON string
  // text. `*_at_[i]` is where item i starts; `*_chars_[i]` counts the
  // characters before it (with one more entry for the end).
  std::string json_, lines_, escaped_;
  std::vector<uint64_t> json_at_, json_chars_, line_at_, line_chars_,
      escaped_at_;
};

// `prepared` fitted as Fit fits the Content it was made from: the same
// result, written out serialized, with its item count (ToolResult::rows;
// also in `*shown` when given).
mcp::ToolResult Fit(const PreparedContent& prepared, long long max_chars,
                    size_t offset, const std::string& cursor_tail,
                    size_t* shown = nullptr);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_BUDGET_H_
