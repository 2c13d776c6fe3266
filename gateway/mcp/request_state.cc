#include "gateway/mcp/request_state.h"

#include <openssl/crypto.h>

#include <atomic>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/json_parse.h"
#include "common/json_text.h"

namespace mfgate::mcp {

namespace {

constexpr absl::string_view kKeyLabel = "mfgate requestState seal v1";

std::atomic<const RequestStateSeal*>& SharedSeal() {
  static std::atomic<const RequestStateSeal*> seal{new RequestStateSeal()};
  return seal;
}

}  // namespace

RequestStateSeal::RequestStateSeal(absl::string_view secret)
    : key_(secret, kKeyLabel) {}

const RequestStateSeal& RequestStateSeal::Shared() {
  return *SharedSeal().load(std::memory_order_acquire);
}

void RequestStateSeal::ShareSecret(absl::string_view secret) {
  if (secret.empty()) return;
  // The seal replaced is kept (a request may still be opening with it):
  // ShareSecret is called once at start, so these are few.
  static absl::Mutex mu(absl::kConstInit);
  static auto* replaced = new std::vector<const RequestStateSeal*>();
  absl::MutexLock lock(&mu);
  replaced->push_back(SharedSeal().exchange(new RequestStateSeal(secret),
                                            std::memory_order_acq_rel));
}

std::string RequestStateSeal::Seal(const nlohmann::json& state) const {
  const std::string text = JsonText(state);
  return absl::StrCat(absl::WebSafeBase64Escape(text), ".",
                      absl::WebSafeBase64Escape(key_.Mac(text)));
}

absl::StatusOr<nlohmann::json> RequestStateSeal::Open(
    absl::string_view sealed) const {
  const absl::Status invalid = absl::InvalidArgumentError(
      "requestState failed its integrity check (altered, or from another "
      "server)");
  if (sealed.size() > kMaxSealedBytes) return invalid;
  size_t dot = sealed.find('.');
  if (dot == absl::string_view::npos) return invalid;
  std::string text, mac;
  if (!absl::WebSafeBase64Unescape(sealed.substr(0, dot), &text) ||
      !absl::WebSafeBase64Unescape(sealed.substr(dot + 1), &mac)) {
    return invalid;
  }
  const std::string expected = key_.Mac(text);
  if (mac.size() != expected.size() ||
      CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) != 0) {
    return invalid;
  }
  absl::StatusOr<nlohmann::json> state =
      ParseJson(text, JsonLimits{kMaxSealedBytes});
  if (!state.ok()) return invalid;
  return state;
}

}  // namespace mfgate::mcp
