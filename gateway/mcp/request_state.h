// RequestStateSeal: the requestState of a modern (2026-07-28) multi-round
// request — what a call keeps between its rounds, handed to the client and
// back — sealed so that a client can read it but not change it.
//
// The sealed text is base64url(JSON) "." base64url(HMAC-SHA256(key, JSON)).
// The key derives from a secret the gateway replicas share (the session
// secret: ShareSecret), so a round sealed by one replica opens on any other;
// without one it is drawn at random, and a state opens only in the process
// that sealed it.
//
// Thread-safe: a seal is immutable after construction; ShareSecret is called
// once at start, before any request is served.
#ifndef MFGATE_GATEWAY_MCP_REQUEST_STATE_H_
#define MFGATE_GATEWAY_MCP_REQUEST_STATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/hmac_key.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

class RequestStateSeal {
 public:
  // The most bytes of sealed text Open reads.
  static constexpr size_t kMaxSealedBytes = 64 << 10;

  // A seal whose key derives from `secret` (HMAC-SHA256(secret, a label of
  // its own): the session tokens' secret is not used as is); empty: a
  // random key.
  explicit RequestStateSeal(absl::string_view secret = {});

  std::string Seal(const nlohmann::json& state) const;
  // The state `sealed` holds; InvalidArgument when it is malformed, too
  // long, or was not sealed by this seal (tampered with).
  absl::StatusOr<nlohmann::json> Open(absl::string_view sealed) const;

  // The process's seal.
  static const RequestStateSeal& Shared();
  // Makes Shared() a seal of `secret` (nothing when it is empty). The seal
  // it replaces is kept: a reader may still hold it.
  static void ShareSecret(absl::string_view secret);

 private:
  const HmacKey key_;
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_REQUEST_STATE_H_
