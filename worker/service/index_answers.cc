#include "worker/service/index_answers.h"

#include <string>

namespace mfgate::service {
namespace {

// Dimensions a metric lists unless show_all_dimensions (mf_adapter.py's
// DIMENSIONS_SHOWN, as `mf list metrics` shows them).
constexpr int kDimensionsShown = 5;

// Whether `message` sets no field but those `clear` clears: a request with
// a field this file does not know goes to the engine.
template <typename Message, typename Clear>
bool OnlyKnownFields(const Message& message, Clear clear) {
  Message rest = message;
  clear(&rest);
  return rest.ByteSizeLong() == 0;
}

const v1::MetricLinks* LinksOf(const v1::SemanticIndex& index,
                               const std::string& metric) {
  for (const v1::MetricLinks& links : index.links()) {
    if (links.metric() == metric) return &links;
  }
  return nullptr;
}

std::optional<v1::EngineResponse> ListMetrics(
    const v1::ListMetricsRequest& request, const v1::SemanticIndex& index) {
  if (!OnlyKnownFields(request,
                       [](v1::ListMetricsRequest* r) {
                         r->clear_search();
                         r->clear_show_all_dimensions();
                       }) ||
      request.search_size() > 0 || !index.has_metrics()) {
    // The worker filters lists itself (list_filters.h) and sends none here.
    return std::nullopt;
  }
  v1::EngineResponse response;
  v1::ListMetricsResponse* out = response.mutable_list_metrics();
  for (const v1::Metric& metric : index.metrics().metrics()) {
    v1::Metric* item = out->add_metrics();
    *item = metric;
    if (!request.show_all_dimensions() &&
        item->dimensions_size() > kDimensionsShown) {
      item->mutable_dimensions()->DeleteSubrange(
          kDimensionsShown, item->dimensions_size() - kDimensionsShown);
    }
  }
  return response;
}

// list_dimensions and list_entities: the whole list, or one metric's.
template <typename Request, typename List, typename Item>
bool ForMetrics(const Request& request, const List* all,
                const v1::SemanticIndex& index,
                const google::protobuf::RepeatedField<int32_t>& (
                    v1::MetricLinks::*indices)() const,
                const google::protobuf::RepeatedPtrField<Item>& table,
                google::protobuf::RepeatedPtrField<Item>* out) {
  if (!OnlyKnownFields(request, [](Request* r) { r->clear_metrics(); }) ||
      request.metrics_size() > 1) {
    return false;
  }
  if (request.metrics_size() == 0) {
    if (all == nullptr) return false;  // Not in this index.
    *out = *all;
    return true;
  }
  const v1::MetricLinks* links = LinksOf(index, request.metrics(0));
  if (links == nullptr) return false;
  for (int32_t i : (links->*indices)()) {
    if (i < 0 || i >= table.size()) return false;  // A malformed index.
    *out->Add() = table.Get(i);
  }
  return true;
}

}  // namespace

std::optional<v1::EngineResponse> AnswerFromIndex(
    const v1::EngineRequest& request, const v1::SemanticIndex& index) {
  v1::EngineResponse response;
  switch (request.request_case()) {
    case v1::EngineRequest::kListMetrics:
      return ListMetrics(request.list_metrics(), index);
    case v1::EngineRequest::kListDimensions:
      if (!ForMetrics(
              request.list_dimensions(),
              index.has_dimensions() ? &index.dimensions().dimensions()
                                     : nullptr,
              index, &v1::MetricLinks::dimensions, index.dimension_table(),
              response.mutable_list_dimensions()->mutable_dimensions())) {
        return std::nullopt;
      }
      return response;
    case v1::EngineRequest::kListEntities:
      if (!ForMetrics(
              request.list_entities(),
              index.has_entities() ? &index.entities().entities() : nullptr,
              index, &v1::MetricLinks::entities, index.entity_table(),
              response.mutable_list_entities()->mutable_entities())) {
        return std::nullopt;
      }
      return response;
    case v1::EngineRequest::kListSavedQueries:
      if (request.list_saved_queries().ByteSizeLong() != 0 ||
          !index.has_saved_queries()) {
        return std::nullopt;
      }
      *response.mutable_list_saved_queries() = index.saved_queries();
      return response;
    case v1::EngineRequest::kListSemanticModels:
      if (request.list_semantic_models().ByteSizeLong() != 0 ||
          !index.has_semantic_models()) {
        return std::nullopt;
      }
      *response.mutable_list_semantic_models() = index.semantic_models();
      return response;
    default:
      return std::nullopt;
  }
}

}  // namespace mfgate::service
