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
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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
};

// Characters of `text`: UTF-8 code points.
size_t CountChars(absl::string_view text);

// `content` as a CallToolResult of at most `max_chars` (see above), from
// item `offset` on; `fingerprint` names the call in next_cursor.
nlohmann::json Fit(const Content& content, long long max_chars, size_t offset,
                   const std::string& fingerprint);

// A short, stable name of a call's arguments (bar its cursor and budget):
// a cursor is only good for the call that gave it.
std::string Fingerprint(const std::string& tool, const nlohmann::json& values);

// The offset `cursor` (from next_cursor) points at, for the call named by
// `fingerprint`; a refusal naming `field` (with a fix that leaves the
// cursor out) when it is not one this call gave.
absl::StatusOr<size_t> CursorOffset(const std::string& field,
                                    const std::string& cursor,
                                    const std::string& fingerprint);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_BUDGET_H_
