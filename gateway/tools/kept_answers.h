// KeptAnswers: the rendered results of a tenant's metadata tool calls
// (list_metrics, list_dimensions, list_entities, list_saved_queries), each
// with the hash of the semantic manifest it was made under.
//
// While the worker's manifest stream confirms that hash
// (manifest_watch.h), a repeated call is answered from here with no call.
// Otherwise the gateway sends the hash with the call; a worker whose engine
// still has that manifest answers "not modified" and the kept result is
// reused, so neither side serializes, parses or renders it again
// (common/manifest_headers.h): results are kept serialized, and a response
// splices the kept text in (mcp/tool_result.h). At most `max_entries`
// results and `max_bytes` of them (their text, about) are kept; the map
// empties when either is reached (metadata calls are few and cheap to redo;
// a caller varying only its budget makes a new result each time). A result
// over a quarter of `max_bytes` is not kept. Thread-safe; entries are
// immutable and shared.
#ifndef MFGATE_GATEWAY_TOOLS_KEPT_ANSWERS_H_
#define MFGATE_GATEWAY_TOOLS_KEPT_ANSWERS_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "gateway/mcp/tool_result.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

class KeptAnswers {
 public:
  struct Answer {
    std::string manifest;    // SHA-256 (hex) of the semantic manifest.
    mcp::ToolResult result;  // The MCP tool result, serialized.
    size_t bytes = 0;        // What it holds, with its key (about).
  };

  explicit KeptAnswers(size_t max_entries = 1024, size_t max_bytes = 32 << 20)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  // The answer kept under `key`, or null.
  std::shared_ptr<const Answer> Find(const std::string& key) const;
  // Keeps `result`, serialized, and returns it so.
  mcp::ToolResult Keep(const std::string& key, std::string manifest,
                       const nlohmann::json& result);
  // The bytes kept now.
  size_t bytes() const;

 private:
  const size_t max_entries_;
  const size_t max_bytes_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Answer>> answers_
      ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_KEPT_ANSWERS_H_
