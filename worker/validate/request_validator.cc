#include "worker/validate/request_validator.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/field_error.h"
#include "worker/validate/names.h"
#include "worker/validate/where_filter.h"

namespace mfgate::validate {
namespace {

using Names = google::protobuf::RepeatedPtrField<std::string>;
using NameCheck = absl::Status (*)(absl::string_view, absl::string_view);

absl::Status CheckNames(absl::string_view field, const Names& names,
                        NameCheck check, const Limits& limits) {
  if (names.size() > static_cast<int>(limits.max_names)) {
    return FieldError(field,
                      absl::StrCat("more than ", limits.max_names, " names"));
  }
  for (int i = 0; i < names.size(); ++i) {
    if (absl::Status s = check(absl::StrCat(field, "[", i, "]"), names[i]);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTimes(const std::string& start, const std::string& end) {
  if (!start.empty()) {
    if (absl::Status s = ValidateTimeConstraint("start_time", start); !s.ok())
      return s;
  }
  if (!end.empty()) {
    if (absl::Status s = ValidateTimeConstraint("end_time", end); !s.ok())
      return s;
  }
  // Both are ISO-8601 with the same layout, so text order is time order.
  if (!start.empty() && !end.empty() &&
      end.substr(0, 10) < start.substr(0, 10)) {
    return FieldError("end_time", "is before start_time");
  }
  return absl::OkStatus();
}

absl::Status CheckWhere(const std::string& where) {
  if (where.empty()) return absl::OkStatus();
  return ParseWhereFilter(where).status();
}

}  // namespace

absl::Status ValidateRequest(const v1::ListMetricsRequest& request,
                             const Limits&) {
  return ValidateSearchText("search", request.search());
}

absl::Status ValidateRequest(const v1::ListDimensionsRequest& request,
                             const Limits& limits) {
  return CheckNames("metrics", request.metrics(), ValidateMetricName, limits);
}

absl::Status ValidateRequest(const v1::ListEntitiesRequest& request,
                             const Limits& limits) {
  return CheckNames("metrics", request.metrics(), ValidateMetricName, limits);
}

absl::Status ValidateRequest(const v1::ListDimensionValuesRequest& request,
                             const Limits& limits) {
  if (absl::Status s = ValidateGroupByName("dimension", request.dimension());
      !s.ok()) {
    return s;
  }
  if (request.metrics().empty())
    return FieldError("metrics", "at least one metric is required");
  if (absl::Status s =
          CheckNames("metrics", request.metrics(), ValidateMetricName, limits);
      !s.ok()) {
    return s;
  }
  return CheckTimes(request.start_time(), request.end_time());
}

absl::Status ValidateRequest(const v1::ListSavedQueriesRequest&,
                             const Limits&) {
  return absl::OkStatus();
}

absl::Status ValidateRequest(const v1::ListSemanticModelsRequest&,
                             const Limits&) {
  return absl::OkStatus();
}

absl::Status ValidateRequest(const v1::QueryRequest& request,
                             const Limits& limits) {
  if (!request.saved_query().empty()) {
    if (absl::Status s =
            ValidateMetricName("saved_query", request.saved_query());
        !s.ok()) {
      return s;
    }
    if (!request.metrics().empty() || !request.group_by().empty()) {
      return FieldError("saved_query",
                        "cannot be combined with metrics or group_by");
    }
  } else if (request.metrics().empty()) {
    return FieldError("metrics",
                      "at least one metric (or a saved_query) is required");
  }
  if (absl::Status s =
          CheckNames("metrics", request.metrics(), ValidateMetricName, limits);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckNames("group_by", request.group_by(),
                                  ValidateGroupByName, limits);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckNames("order_by", request.order_by(),
                                  ValidateOrderByName, limits);
      !s.ok()) {
    return s;
  }
  // MetricFlow orders only by what the query selects (a saved query's
  // selection is known to the engine alone).
  if (request.saved_query().empty()) {
    std::set<std::string> selected(request.metrics().begin(),
                                   request.metrics().end());
    selected.insert(request.group_by().begin(), request.group_by().end());
    for (int i = 0; i < request.order_by_size(); ++i) {
      std::string name = request.order_by(i);
      if (!name.empty() && name.front() == '-') name.erase(0, 1);
      if (!selected.count(name)) {
        return FieldError(
            absl::StrCat("order_by[", i, "]"),
            absl::StrCat("'", name, "' is not among the metrics or group_by"));
      }
    }
  }
  if (absl::Status s = CheckWhere(request.where()); !s.ok()) return s;
  if (request.limit() < 0 || request.limit() > limits.max_limit) {
    return FieldError("limit",
                      absl::StrCat("must be between 1 and ", limits.max_limit,
                                   ", got ", request.limit()));
  }
  return CheckTimes(request.start_time(), request.end_time());
}

absl::Status ValidateRequest(const v1::ValidateConfigsRequest& request,
                             const Limits& limits) {
  if (request.dw_timeout() < 0 ||
      request.dw_timeout() > limits.max_dw_timeout_seconds) {
    return FieldError("dw_timeout",
                      absl::StrCat("must be between 0 and ",
                                   limits.max_dw_timeout_seconds, " seconds"));
  }
  if (request.semantic_validation_workers() < 0 ||
      request.semantic_validation_workers() > limits.max_validation_workers) {
    return FieldError(
        "semantic_validation_workers",
        absl::StrCat("must be between 0 and ", limits.max_validation_workers));
  }
  return absl::OkStatus();
}

absl::Status ValidateRequest(const v1::HealthChecksRequest&, const Limits&) {
  return absl::OkStatus();
}

}  // namespace mfgate::validate
