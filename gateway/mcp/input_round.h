// One round of a modern (2026-07-28) multi-round request (SEP-2322): a
// tools/call or prompts/get that needs input from its client records what
// it needs and is answered with an InputRequiredResult; the client retries
// the request with the answers and the sealed state (request_state.h) the
// previous round kept.
//
// InputRound (tool_provider.h) is what a handler sees of its round;
// ReadInputRound reads a request's answers and state from its params;
// InputRequests collects what a round asks for and builds the
// InputRequiredResult. One request's round is used by one thread at a time;
// none is shared.
#ifndef MFGATE_GATEWAY_MCP_INPUT_ROUND_H_
#define MFGATE_GATEWAY_MCP_INPUT_ROUND_H_

#include <string>

#include "absl/status/status.h"
#include "gateway/mcp/tool_provider.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

// Reads the `inputResponses` and `requestState` of a later round from
// `params` into `input_responses` and `state`. The state must have been
// sealed for the same request: `kind` ("tool", "prompt") named `name`.
// InvalidArgument (the message fit for -32602) when either is malformed or
// the state was tampered with or belongs to another request.
absl::Status ReadInputRound(const nlohmann::json& params,
                            const std::string& kind, const std::string& name,
                            nlohmann::json* input_responses,
                            nlohmann::json* state);

// The -32021 error answering request `id` whose input needed `capability`
// of a client that did not declare it.
nlohmann::json MissingCapabilityError(const nlohmann::json& id,
                                      const std::string& capability);

// The inputs one round asks for, bounded (kMaxInputRequests; more are
// dropped), each checked against the capabilities its client declared.
class InputRequests {
 public:
  static constexpr size_t kMaxInputRequests = 16;

  explicit InputRequests(nlohmann::json client_capabilities)
      : capabilities_(std::move(client_capabilities)) {}

  // Records input `key`: a request `method` with `params` to the client.
  // When the client lacks the method's capability, records that instead.
  void Require(const std::string& key, const std::string& method,
               const nlohmann::json& params);

  bool empty() const { return inputs_.empty(); }
  // The capability an input needed and the client did not declare; empty
  // when none.
  const std::string& missing() const { return missing_; }

  // The InputRequiredResult asking for the recorded inputs, its state
  // sealed for `kind` `name` (as ReadInputRound reads it back).
  nlohmann::json Result(const std::string& kind, const std::string& name,
                        const nlohmann::json& state) const;

 private:
  nlohmann::json capabilities_;
  nlohmann::json inputs_ = nlohmann::json::object();
  std::string missing_;
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_INPUT_ROUND_H_
