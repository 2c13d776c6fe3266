// RequestStateSeal: the requestState of a modern (2026-07-28) multi-round
// request — what a call keeps between its rounds, handed to the client and
// back — sealed so that a client can read it but not change it.
//
// The sealed text is base64url(JSON) "." base64url(HMAC-SHA256(key, JSON)).
// The key is drawn at random when the seal is made: a state opens only in
// the process that sealed it (a retry that reaches another gateway replica
// is refused and must start over).
//
// Thread-safe: immutable after construction.
#ifndef MFGATE_GATEWAY_MCP_REQUEST_STATE_H_
#define MFGATE_GATEWAY_MCP_REQUEST_STATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

class RequestStateSeal {
 public:
  // The most bytes of sealed text Open reads.
  static constexpr size_t kMaxSealedBytes = 64 << 10;

  RequestStateSeal();

  std::string Seal(const nlohmann::json& state) const;
  // The state `sealed` holds; InvalidArgument when it is malformed, too
  // long, or was not sealed by this seal (tampered with).
  absl::StatusOr<nlohmann::json> Open(absl::string_view sealed) const;

  // The process's seal.
  static const RequestStateSeal& Shared();

 private:
  std::string Mac(absl::string_view text) const;

  unsigned char key_[32];
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_REQUEST_STATE_H_
