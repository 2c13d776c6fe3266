#include "worker/service/list_filters.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace mfgate::service {
namespace {

using Strings = google::protobuf::RepeatedPtrField<std::string>;

std::vector<std::string> TakeSearch(Strings* search) {
  std::vector<std::string> lowered;
  for (const std::string& text : *search) {
    if (!text.empty()) lowered.push_back(absl::AsciiStrToLower(text));
  }
  search->Clear();
  return lowered;
}

bool Matches(const ListFilter& filter,
             std::initializer_list<absl::string_view> texts) {
  if (filter.search.empty()) return true;
  for (absl::string_view text : texts) {
    const std::string lowered = absl::AsciiStrToLower(text);
    for (const std::string& wanted : filter.search) {
      if (absl::StrContains(lowered, wanted)) return true;
    }
  }
  return false;
}

std::string TextOf(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case v1::Value::kIntValue:
      return absl::StrCat(value.int_value());
    case v1::Value::kDoubleValue:
      return absl::StrCat(value.double_value());
    case v1::Value::kStringValue:
      return value.string_value();
    case v1::Value::kTimeValue:
      return value.time_value();
    default:
      return "null";
  }
}

// Keeps the items of `items` for which `keep` holds, in order.
template <typename Items, typename Keep>
void KeepIf(Items* items, Keep keep) {
  int kept = 0;
  for (int i = 0; i < items->size(); ++i) {
    if (!keep(items->Get(i))) continue;
    if (kept != i) items->SwapElements(kept, i);
    ++kept;
  }
  items->DeleteSubrange(kept, items->size() - kept);
}

}  // namespace

ListFilter TakeListFilter(v1::EngineRequest* request) {
  ListFilter filter;
  switch (request->request_case()) {
    case v1::EngineRequest::kListMetrics:
      filter.search =
          TakeSearch(request->mutable_list_metrics()->mutable_search());
      break;
    case v1::EngineRequest::kListDimensions:
      filter.search =
          TakeSearch(request->mutable_list_dimensions()->mutable_search());
      break;
    case v1::EngineRequest::kListEntities:
      filter.search =
          TakeSearch(request->mutable_list_entities()->mutable_search());
      break;
    case v1::EngineRequest::kListSavedQueries:
      filter.search =
          TakeSearch(request->mutable_list_saved_queries()->mutable_search());
      break;
    case v1::EngineRequest::kListDimensionValues: {
      v1::ListDimensionValuesRequest* values =
          request->mutable_list_dimension_values();
      filter.search = TakeSearch(values->mutable_search());
      filter.limit = values->limit();
      values->clear_limit();
      break;
    }
    default:
      break;
  }
  return filter;
}

void ApplyListFilter(const ListFilter& filter, v1::EngineResponse* reply) {
  switch (reply->response_case()) {
    case v1::EngineResponse::kListMetrics:
      KeepIf(reply->mutable_list_metrics()->mutable_metrics(),
             [&](const v1::Metric& m) {
               return Matches(filter, {m.name(), m.label()});
             });
      break;
    case v1::EngineResponse::kListDimensions:
      KeepIf(
          reply->mutable_list_dimensions()->mutable_dimensions(),
          [&](const v1::Dimension& d) { return Matches(filter, {d.name()}); });
      break;
    case v1::EngineResponse::kListEntities:
      KeepIf(reply->mutable_list_entities()->mutable_entities(),
             [&](const v1::Entity& e) { return Matches(filter, {e.name()}); });
      break;
    case v1::EngineResponse::kListSavedQueries:
      KeepIf(reply->mutable_list_saved_queries()->mutable_saved_queries(),
             [&](const v1::SavedQuery& q) {
               return Matches(filter, {q.name(), q.label()});
             });
      break;
    case v1::EngineResponse::kListDimensionValues: {
      v1::ListDimensionValuesResponse* values =
          reply->mutable_list_dimension_values();
      KeepIf(values->mutable_values(),
             [&](const v1::Value& v) { return Matches(filter, {TextOf(v)}); });
      if (filter.limit > 0 && values->values_size() > filter.limit) {
        values->mutable_values()->DeleteSubrange(
            static_cast<int>(filter.limit),
            values->values_size() - static_cast<int>(filter.limit));
        values->set_truncated(true);
      }
      break;
    }
    default:
      break;
  }
}

}  // namespace mfgate::service
