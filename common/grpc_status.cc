#include "common/grpc_status.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/field_error.h"
#include "google/rpc/status.pb.h"

namespace mfgate {
namespace {

constexpr char kErrorDetailTypeUrl[] =
    "type.googleapis.com/mfgate.v1.ErrorDetail";

v1::ErrorDetail::Code DetailCodeFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return v1::ErrorDetail::INVALID_ARGUMENT;
    case absl::StatusCode::kNotFound:
      return v1::ErrorDetail::NOT_FOUND;
    case absl::StatusCode::kUnavailable:
      return v1::ErrorDetail::ENGINE_UNAVAILABLE;
    case absl::StatusCode::kDeadlineExceeded:
      return v1::ErrorDetail::DEADLINE_EXCEEDED;
    case absl::StatusCode::kCancelled:
      return v1::ErrorDetail::CANCELLED;
    case absl::StatusCode::kResourceExhausted:
      return v1::ErrorDetail::RESOURCE_EXHAUSTED;
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kUnknown:
      return v1::ErrorDetail::ENGINE_ERROR;
    default:
      return v1::ErrorDetail::INTERNAL;
  }
}

absl::StatusCode StatusCodeFor(v1::ErrorDetail::Code code) {
  switch (code) {
    case v1::ErrorDetail::INVALID_ARGUMENT:
      return absl::StatusCode::kInvalidArgument;
    case v1::ErrorDetail::NOT_FOUND:
      return absl::StatusCode::kNotFound;
    case v1::ErrorDetail::ENGINE_ERROR:
      // The engine ran and MetricFlow or the warehouse refused the request.
      return absl::StatusCode::kFailedPrecondition;
    case v1::ErrorDetail::ENGINE_UNAVAILABLE:
      return absl::StatusCode::kUnavailable;
    case v1::ErrorDetail::DEADLINE_EXCEEDED:
      return absl::StatusCode::kDeadlineExceeded;
    case v1::ErrorDetail::CANCELLED:
      return absl::StatusCode::kCancelled;
    case v1::ErrorDetail::RESOURCE_EXHAUSTED:
      return absl::StatusCode::kResourceExhausted;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

std::string ShortenForWire(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  // The note's length depends on the count it prints: size it for the
  // largest count first.
  const std::string widest = absl::StrCat(" ... (", text.size(), " bytes cut)");
  if (widest.size() >= max_bytes) return std::string(text.substr(0, 0));
  size_t keep = max_bytes - widest.size();
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) {
    --keep;
  }
  return absl::StrCat(text.substr(0, keep), " ... (", text.size() - keep,
                      " bytes cut)");
}

v1::ErrorDetail ToErrorDetail(const absl::Status& status) {
  v1::ErrorDetail detail;
  detail.set_code(DetailCodeFor(status.code()));
  detail.set_message(ShortenForWire(status.message(), kMaxWireMessageBytes));
  detail.set_field(ShortenForWire(ErrorField(status), kMaxWireFieldBytes));
  for (const std::string& suggestion : ErrorSuggestions(status)) {
    if (static_cast<size_t>(detail.suggestions_size()) >= kMaxWireSuggestions)
      break;
    if (suggestion.size() > kMaxWireSuggestionBytes) continue;
    detail.add_suggestions(suggestion);
  }
  return detail;
}

absl::Status FromErrorDetail(const v1::ErrorDetail& detail) {
  std::vector<std::string> suggestions(detail.suggestions().begin(),
                                       detail.suggestions().end());
  return WithErrorContext(
      absl::Status(StatusCodeFor(detail.code()), detail.message().empty()
                                                     ? "engine error"
                                                     : detail.message()),
      detail.field(), suggestions);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const std::string message =
      ShortenForWire(status.message(), kMaxWireMessageBytes);
  // The message travels once, in grpc-message; the rich status carries the
  // code and the ErrorDetail.
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(status.code()));
  auto* any = rich.add_details();
  any->set_type_url(kErrorDetailTypeUrl);
  any->set_value(ToErrorDetail(status).SerializeAsString());
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      rich.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
  google::rpc::Status rich;
  if (status.error_details().empty() ||
      !rich.ParseFromString(status.error_details())) {
    return result;
  }
  for (const auto& any : rich.details()) {
    if (any.type_url() != kErrorDetailTypeUrl) continue;
    v1::ErrorDetail detail;
    if (!detail.ParseFromString(any.value())) continue;
    std::vector<std::string> suggestions(detail.suggestions().begin(),
                                         detail.suggestions().end());
    return WithErrorContext(result, detail.field(), suggestions);
  }
  return result;
}

}  // namespace mfgate
