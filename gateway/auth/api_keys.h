// ApiKeys: maps a caller's API key to its tenant.
//
// The configuration holds only SHA-256 digests of keys. A presented key is
// hashed and compared with every digest in constant time, so neither the
// comparison nor the loop reveals which digest (or how much of one) matched.
// Keys arrive as `Authorization: Bearer <key>` or `X-API-Key: <key>`; never
// in a URL. A reload (gateway/reloader.h) swaps in a new set of digests at
// once: a request is checked against the old set or the new, never a mix.
// Thread-safe.
#ifndef MFGATE_GATEWAY_AUTH_API_KEYS_H_
#define MFGATE_GATEWAY_AUTH_API_KEYS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gateway/config/config.h"

namespace mfgate::auth {

class ApiKeys {
 public:
  explicit ApiKeys(const config::GatewayConfig& config);

  // Whether any tenant has a key.
  bool enabled() const;

  // Replaces every digest with those of `config` (keys added, removed or
  // rotated take effect for the next request).
  void Replace(const config::GatewayConfig& config);

  // The tenant whose key is presented in `authorization` (an Authorization
  // header) or `x_api_key`. Unauthenticated when none is presented or it
  // matches no tenant; the message never contains the key.
  absl::StatusOr<std::string> Authenticate(absl::string_view authorization,
                                           absl::string_view x_api_key) const;

 private:
  // (digest bytes, tenant)
  using Digests = std::vector<std::pair<std::string, std::string>>;
  std::shared_ptr<const Digests> Current() const;

  mutable absl::Mutex mu_;
  std::shared_ptr<const Digests> digests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mfgate::auth

#endif  // MFGATE_GATEWAY_AUTH_API_KEYS_H_
