// CallerNames: the names under which the gateway's worker calls say who
// asks (common/call_headers.h's kCallerHeader), so that a worker shares its
// engines fairly among MCP sessions.
//
// A name is "s" or "c" followed by 32 hex digits of HMAC-SHA256(key, what it
// names): opaque (it reveals nothing of a session id, which is a bearer
// credential), stable for the life of what it names, and within
// kMaxCallerBytes. The key derives from the session secret the replicas
// share (with a label of its own), so every replica gives a session the same
// name; without a secret it is random, per process.
//
// - A session (legacy SSE, or Streamable HTTP with Mcp-Session-Id) is named
//   by its session key.
// - A stateless (2026-07-28) request has no session: it is named by its
//   tenant (from its API key) and the address of its TCP peer. Neither can
//   be chosen by the client the way a header could (a forwarded-for header
//   is not read): all of one client's requests share one name, however many
//   it sends; clients behind one proxy share one too.
//
// Thread-safe: immutable after construction.
#ifndef MFGATE_GATEWAY_TRANSPORT_CALLER_NAMES_H_
#define MFGATE_GATEWAY_TRANSPORT_CALLER_NAMES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "common/hmac_key.h"

namespace mfgate::transport {

class CallerNames {
 public:
  // `secret`: the session secret; empty, a random key of this process.
  explicit CallerNames(absl::string_view secret);

  // The name of the session whose key is `session`.
  std::string ForSession(absl::string_view session) const;
  // The name of a stateless request of `tenant` from peer `address`.
  std::string ForClient(absl::string_view tenant,
                        absl::string_view address) const;

 private:
  std::string Name(char kind, absl::string_view text) const;

  const HmacKey key_;
};

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_CALLER_NAMES_H_
