// ToolResult: what a tool call returns, an MCP CallToolResult, held as JSON
// or already serialized.
//
// Most results are built as JSON and serialized once, when their response
// is sent. A result that a provider keeps and serves many times (the
// gateway's kept metadata answers) is serialized once, when kept, and then
// shared: answering with it copies its text into the response and builds,
// copies and frees no JSON at all.
//
// A value type; copies share a serialized text. Not thread-safe to mutate;
// const methods may be called from any thread.
#ifndef MFGATE_GATEWAY_MCP_TOOL_RESULT_H_
#define MFGATE_GATEWAY_MCP_TOOL_RESULT_H_

#include <memory>
#include <string>
#include <utility>

#include "common/json_text.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

class ToolResult {
 public:
  // Implicit: most tools build their result as JSON.
  ToolResult(nlohmann::json value)  // NOLINT(google-explicit-constructor)
      : value_(std::move(value)) {}

  // A result already serialized: `text` must be one JSON object (a
  // CallToolResult), as nlohmann::json::dump writes it; `rows`, the rows
  // of a query result it holds (-1: none said).
  static ToolResult Serialized(std::shared_ptr<const std::string> text,
                               bool is_error, long long rows = -1) {
    ToolResult result(nullptr);
    result.text_ = std::move(text);
    result.is_error_ = is_error;
    result.rows_ = rows;
    return result;
  }

  bool serialized() const { return text_ != nullptr; }
  bool is_error() const {
    return serialized() ? is_error_ : value_.value("isError", false);
  }
  // The rows of a serialized query result, as it said (-1: not said).
  long long rows() const { return rows_; }
  // The JSON value; null for a serialized result (see ToJson).
  const nlohmann::json* value() const {
    return serialized() ? nullptr : &value_;
  }
  // The result as JSON, parsing a serialized one (for tests and tools that
  // inspect results; not for the hot path).
  nlohmann::json ToJson() const {
    return serialized() ? nlohmann::json::parse(*text_) : value_;
  }
  // Appends the result's JSON text to `out`.
  void AppendTo(std::string* out) const {
    if (serialized()) {
      out->append(*text_);
    } else {
      out->append(JsonText(value_));
    }
  }

 private:
  nlohmann::json value_;
  std::shared_ptr<const std::string> text_;
  bool is_error_ = false;
  long long rows_ = -1;
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_TOOL_RESULT_H_
