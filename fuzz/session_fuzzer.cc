// Fuzzes JSON-RPC parsing and MCP session dispatch (gateway/mcp): each line
// of the input is one message handed to a Session, as the stdio transport
// does, with FakeTools and small resource, prompt and completion providers
// behind it. Tool calls run on their own threads and `wait` blocks until
// cancelled; closing the session at the end of the input cancels and joins
// them. Any input must give answers, never a crash, and every message the
// session sends must be a JSON object.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gateway/mcp/fake_tools.h"
#include "gateway/mcp/providers.h"
#include "gateway/mcp/session.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

// One resource, one prompt with a required argument, and one completion:
// enough to reach every catalog request's paths in the session.
class FakeCatalog : public ResourceProvider,
                    public PromptProvider,
                    public CompletionProvider {
 public:
  absl::StatusOr<json> ListResources() const override {
    return json::array({{{"uri", "fuzz://a"}, {"name", "a"}}});
  }
  json ListResourceTemplates() const override { return json::array(); }
  absl::StatusOr<json> ReadResource(const std::string& uri) const override {
    if (uri != "fuzz://a") return absl::NotFoundError("unknown resource");
    return json{{"contents", json::array({{{"uri", uri}, {"text", "a"}}})}};
  }
  json ListPrompts() const override { return json::array({{{"name", "p"}}}); }
  absl::StatusOr<json> GetPrompt(const std::string& name,
                                 const json& arguments) const override {
    if (name != "p") return absl::NotFoundError("unknown prompt");
    if (!arguments.is_object() || !arguments.contains("x")) {
      return absl::InvalidArgumentError("argument x is required");
    }
    return json{{"messages", json::array()}};
  }
  json Complete(const json&, const json&) const override {
    return json{{"values", json::array({"a"})}, {"total", 1}};
  }
};

void CheckSent(const Outgoing& message) {
  if (message.text == nullptr) return;  // A call ended unanswered.
  json sent = json::parse(*message.text, nullptr, /*allow_exceptions=*/false);
  if (!sent.is_object()) std::abort();
}

}  // namespace
}  // namespace mfgate::mcp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mfgate::mcp;
  static FakeTools* tools = new FakeTools;
  static FakeCatalog* catalog = new FakeCatalog;
  SessionOptions options;
  options.max_concurrent_calls = 4;
  Session session(Handlers{tools, catalog, catalog, catalog}, options,
                  CheckSent);
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  for (absl::string_view line : absl::StrSplit(input, '\n')) {
    session.HandleText(line);
  }
  session.Close();
  return 0;
}
