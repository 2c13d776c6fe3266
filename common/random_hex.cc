#include "common/random_hex.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "openssl/rand.h"

namespace mfgate {

std::string RandomHex(size_t bytes) {
  unsigned char drawn[64];
  bytes = std::min(bytes, sizeof(drawn));
  if (RAND_bytes(drawn, static_cast<int>(bytes)) != 1) std::abort();
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(drawn), bytes));
}

}  // namespace mfgate
