#include "worker/validate/canonical_request.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/field_error.h"
#include "worker/validate/iso_time.h"
#include "worker/validate/names.h"
#include "worker/validate/where_filter.h"

namespace mfgate::validate {
namespace {

using Names = google::protobuf::RepeatedPtrField<std::string>;
using NameCheck = absl::StatusOr<std::string> (*)(absl::string_view,
                                                  absl::string_view);

// Each of `names` written anew into `out`; `field[i]` names a bad one.
absl::Status CanonicalNames(absl::string_view field, const Names& names,
                            NameCheck canonical, const Limits& limits,
                            Names* out) {
  if (names.size() > static_cast<int>(limits.max_names)) {
    return FieldError(field,
                      absl::StrCat("more than ", limits.max_names, " names"));
  }
  for (int i = 0; i < names.size(); ++i) {
    auto name = canonical(absl::StrCat(field, "[", i, "]"), names[i]);
    if (!name.ok()) return name.status();
    out->Add(std::move(*name));
  }
  return absl::OkStatus();
}

// A start or end time written anew; empty stays empty.
absl::StatusOr<std::string> CanonicalTime(absl::string_view field,
                                          const std::string& value) {
  if (value.empty()) return std::string();
  auto time = ParseIsoTime(field, value);
  if (!time.ok()) return time.status();
  return FormatIsoTime(*time, 'T');
}

// The request's start and end times (each optional) written anew into
// `out`, and in order.
template <typename Request>
absl::Status CanonicalTimes(const Request& request, Request* out) {
  auto start = CanonicalTime("start_time", request.start_time());
  if (!start.ok()) return start.status();
  auto end = CanonicalTime("end_time", request.end_time());
  if (!end.ok()) return end.status();
  // Both have the same layout, so text order is date order.
  if (!start->empty() && !end->empty() &&
      end->substr(0, 10) < start->substr(0, 10)) {
    return FieldError("end_time", "is before start_time");
  }
  out->set_start_time(std::move(*start));
  out->set_end_time(std::move(*end));
  return absl::OkStatus();
}

absl::Status CheckMetricsGiven(const Names& metrics, absl::string_view why) {
  if (metrics.empty()) return FieldError("metrics", why);
  return absl::OkStatus();
}

// 0 (the default) or a limit in [1, max_limit].
absl::Status CheckLimit(int64_t limit, const Limits& limits) {
  if (limit < 0 || limit > limits.max_limit) {
    return FieldError("limit", absl::StrCat("must be between 1 and ",
                                            limits.max_limit, ", got ", limit));
  }
  return absl::OkStatus();
}

// Search strings never reach MetricFlow (the worker matches them against
// the engine's answer, list_filters.h), but they are bounded and printable
// all the same, and copied one by one.
absl::Status CanonicalSearch(const Names& search, const Limits& limits,
                             Names* out) {
  if (search.size() > static_cast<int>(limits.max_names)) {
    return FieldError("search",
                      absl::StrCat("more than ", limits.max_names, " strings"));
  }
  for (int i = 0; i < search.size(); ++i) {
    if (absl::Status s =
            ValidateSearchText(absl::StrCat("search[", i, "]"), search[i]);
        !s.ok()) {
      return s;
    }
    out->Add(std::string(search[i]));
  }
  return absl::OkStatus();
}

// A metadata request's metrics and search strings, written anew into `out`.
template <typename Request>
absl::StatusOr<Request> CanonicalMetricsAndSearch(const Request& request,
                                                  const Limits& limits) {
  Request out;
  if (absl::Status s =
          CanonicalNames("metrics", request.metrics(), CanonicalMetricName,
                         limits, out.mutable_metrics());
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CanonicalSearch(request.search(), limits, out.mutable_search());
      !s.ok()) {
    return s;
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::ListMetricsRequest> Canonicalize(
    const v1::ListMetricsRequest& request, const Limits& limits) {
  v1::ListMetricsRequest out;
  if (absl::Status s =
          CanonicalSearch(request.search(), limits, out.mutable_search());
      !s.ok()) {
    return s;
  }
  out.set_show_all_dimensions(request.show_all_dimensions());
  return out;
}

absl::StatusOr<v1::ListDimensionsRequest> Canonicalize(
    const v1::ListDimensionsRequest& request, const Limits& limits) {
  return CanonicalMetricsAndSearch(request, limits);
}

absl::StatusOr<v1::ListEntitiesRequest> Canonicalize(
    const v1::ListEntitiesRequest& request, const Limits& limits) {
  return CanonicalMetricsAndSearch(request, limits);
}

absl::StatusOr<v1::ListDimensionValuesRequest> Canonicalize(
    const v1::ListDimensionValuesRequest& request, const Limits& limits) {
  // Without metrics, MetricFlow reads the dimension's own semantic model.
  auto out = CanonicalMetricsAndSearch(request, limits);
  if (!out.ok()) return out.status();
  auto dimension = CanonicalGroupByName("dimension", request.dimension());
  if (!dimension.ok()) return dimension.status();
  out->set_dimension(std::move(*dimension));
  if (absl::Status s = CheckLimit(request.limit(), limits); !s.ok()) return s;
  out->set_limit(request.limit() == 0 ? limits.default_limit : request.limit());
  if (absl::Status s = CanonicalTimes(request, &*out); !s.ok()) return s;
  if (out->metrics().empty() && !out->start_time().empty()) {
    return FieldError("start_time",
                      "needs metrics (metric_time is the metrics' time)");
  }
  if (out->metrics().empty() && !out->end_time().empty()) {
    return FieldError("end_time",
                      "needs metrics (metric_time is the metrics' time)");
  }
  return out;
}

absl::StatusOr<v1::ListSavedQueriesRequest> Canonicalize(
    const v1::ListSavedQueriesRequest& request, const Limits& limits) {
  v1::ListSavedQueriesRequest out;
  if (absl::Status s =
          CanonicalSearch(request.search(), limits, out.mutable_search());
      !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<v1::ListSemanticModelsRequest> Canonicalize(
    const v1::ListSemanticModelsRequest&, const Limits&) {
  return v1::ListSemanticModelsRequest();
}

absl::StatusOr<v1::QueryRequest> Canonicalize(const v1::QueryRequest& request,
                                              const Limits& limits) {
  v1::QueryRequest out;
  if (!request.saved_query().empty()) {
    auto saved = CanonicalMetricName("saved_query", request.saved_query());
    if (!saved.ok()) return saved.status();
    out.set_saved_query(std::move(*saved));
    if (!request.metrics().empty() || !request.group_by().empty()) {
      return FieldError("saved_query",
                        "cannot be combined with metrics or group_by");
    }
  } else if (absl::Status s = CheckMetricsGiven(
                 request.metrics(),
                 "at least one metric (or a saved_query) is required");
             !s.ok()) {
    return s;
  }
  for (auto [field, names, canonical, target] :
       {std::make_tuple("metrics", &request.metrics(), &CanonicalMetricName,
                        out.mutable_metrics()),
        std::make_tuple("group_by", &request.group_by(), &CanonicalGroupByName,
                        out.mutable_group_by()),
        std::make_tuple("order_by", &request.order_by(), &CanonicalOrderByName,
                        out.mutable_order_by())}) {
    if (absl::Status s =
            CanonicalNames(field, *names, canonical, limits, target);
        !s.ok()) {
      return s;
    }
  }
  // MetricFlow orders only by what the query selects (a saved query's
  // selection is known to the engine alone).
  if (out.saved_query().empty()) {
    std::set<std::string> selected(out.metrics().begin(), out.metrics().end());
    selected.insert(out.group_by().begin(), out.group_by().end());
    for (int i = 0; i < out.order_by_size(); ++i) {
      std::string name = out.order_by(i);
      if (!name.empty() && name.front() == '-') name.erase(0, 1);
      if (!selected.count(name)) {
        return FieldError(
            absl::StrCat("order_by[", i, "]"),
            absl::StrCat("'", name, "' is not among the metrics or group_by"));
      }
    }
  }
  if (!request.where().empty()) {
    auto where = CanonicalWhereFilter(request.where());
    if (!where.ok()) return where.status();
    out.set_where(std::move(*where));
  }
  if (absl::Status s = CheckLimit(request.limit(), limits); !s.ok()) return s;
  out.set_limit(request.limit() == 0 ? limits.default_limit : request.limit());
  if (absl::Status s = CanonicalTimes(request, &out); !s.ok()) return s;
  out.set_compile_only(request.compile_only());
  out.set_show_dataflow_plan(request.show_dataflow_plan());
  out.set_show_sql_descriptions(request.show_sql_descriptions());
  return out;
}

absl::StatusOr<v1::ValidateConfigsRequest> Canonicalize(
    const v1::ValidateConfigsRequest& request, const Limits& limits) {
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
  v1::ValidateConfigsRequest out;
  out.set_dw_timeout(request.dw_timeout());
  out.set_skip_dw(request.skip_dw());
  out.set_show_all(request.show_all());
  out.set_verbose_issues(request.verbose_issues());
  out.set_semantic_validation_workers(request.semantic_validation_workers());
  return out;
}

absl::StatusOr<v1::HealthChecksRequest> Canonicalize(
    const v1::HealthChecksRequest&, const Limits&) {
  return v1::HealthChecksRequest();
}

}  // namespace mfgate::validate
