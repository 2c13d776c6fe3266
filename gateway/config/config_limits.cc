// The "limits" section of the configuration file: every bound on what HTTP
// callers may hold or send, each checked against its range at load.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/config/config_util.h"

namespace mfgate::config::internal {

using json = nlohmann::json;

absl::Status ParseNumbers(const json& section, const std::string& path,
                          const std::vector<NumberField>& fields) {
  if (!section.is_object()) return At(path, "must be an object");
  for (const auto& item : section.items()) {
    const NumberField* field = nullptr;
    for (const NumberField& f : fields) {
      if (item.key() == f.key) field = &f;
    }
    const std::string where = absl::StrCat(path, ".", item.key());
    if (field == nullptr) return At(where, "unknown key");
    if (!item.value().is_number() || item.value().get<double>() < field->min ||
        item.value().get<double>() > field->max) {
      return At(where, absl::StrCat("must be a number in [", field->min, ", ",
                                    field->max, "]"));
    }
    field->set(item.value().get<double>());
  }
  return absl::OkStatus();
}

namespace {

template <typename T>
std::function<void(double)> Count(T* out) {
  return [out](double value) { *out = static_cast<T>(value); };
}

std::function<void(double)> Seconds(absl::Duration* out) {
  return [out](double value) { *out = absl::Seconds(value); };
}

}  // namespace

absl::Status ParseLimits(const json& section, Limits* limits) {
  return ParseNumbers(
      section, "limits",
      {{"max_body_bytes", 1024, 1 << 30, Count(&limits->max_body_bytes)},
       {"max_sessions_per_tenant", 1, 1e6,
        Count(&limits->max_sessions_per_tenant)},
       {"idle_session_seconds", 1, 7 * 86400,
        Seconds(&limits->idle_session_timeout)},
       {"max_concurrent_calls_per_session", 1, 1024,
        Count(&limits->max_concurrent_calls)},
       {"requests_per_second", 0.01, 1e6, Count(&limits->requests_per_second)},
       {"burst", 1, 1e6, Count(&limits->burst)},
       {"max_auth_failures_per_minute", 1, 1e6,
        Count(&limits->max_auth_failures)},
       {"max_connections", 1, 1e5, Count(&limits->max_connections)},
       {"http_threads", 1, 1024, Count(&limits->http_threads)},
       {"max_queued_requests", 0, 1e5, Count(&limits->max_queued_requests)},
       {"max_event_streams", 1, 1e4, Count(&limits->max_event_streams)},
       {"max_event_streams_per_tenant", 1, 1e4,
        Count(&limits->max_event_streams_per_tenant)},
       {"max_header_bytes", 1024, 1 << 20, Count(&limits->max_header_bytes)},
       {"max_headers", 8, 1e4, Count(&limits->max_headers)},
       {"max_buffered_request_bytes", 1 << 20, 1LL << 34,
        Count(&limits->max_buffered_request_bytes)},
       {"request_read_seconds", 0.1, 3600,
        Seconds(&limits->request_read_timeout)},
       {"keep_alive_seconds", 0.1, 3600, Seconds(&limits->keep_alive_idle)},
       {"send_timeout_seconds", 0.1, 3600, Seconds(&limits->send_timeout)},
       {"session_token_seconds", 1, 7 * 86400,
        Seconds(&limits->session_lifetime)}});
}

}  // namespace mfgate::config::internal
