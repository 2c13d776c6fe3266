#include "common/hmac_key.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace mfgate {

HmacKey::HmacKey(absl::string_view secret, absl::string_view label) {
  if (secret.empty()) {
    if (RAND_bytes(key_, sizeof(key_)) != 1) std::abort();
    return;
  }
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(label.data()), label.size(), key_,
       &size);
  if (size != sizeof(key_)) std::abort();
}

std::string HmacKey::Mac(absl::string_view text) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key_, sizeof(key_),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac,
       &size);
  return std::string(reinterpret_cast<const char*>(mac), size);
}

}  // namespace mfgate
