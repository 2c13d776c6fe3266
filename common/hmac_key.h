// HmacKey: a key for HMAC-SHA256 that the replicas of one deployment derive
// alike from the secret they share, one key per use.
//
// The key is HMAC-SHA256(secret, label): uses with distinct labels (session
// tokens' signatures, caller names, sealed request state) never share a key,
// and none uses the secret as it is. Without a secret the key is random, of
// this process only. A process that cannot draw random bytes aborts: nothing
// it signs could be trusted.
//
// Thread-safe: immutable after construction.
#ifndef MFGATE_COMMON_HMAC_KEY_H_
#define MFGATE_COMMON_HMAC_KEY_H_

#include <string>

#include "absl/strings/string_view.h"

namespace mfgate {

class HmacKey {
 public:
  // The key of `label` under `secret`; empty `secret`: a random key.
  HmacKey(absl::string_view secret, absl::string_view label);

  // HMAC-SHA256(key, text): 32 raw bytes.
  std::string Mac(absl::string_view text) const;

 private:
  unsigned char key_[32];
};

}  // namespace mfgate

#endif  // MFGATE_COMMON_HMAC_KEY_H_
