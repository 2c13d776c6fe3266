// AnswerFromIndex: metadata answered from an engine's semantic index
// (v1::SemanticIndex, engine.proto), with no engine process.
//
// The index holds the engine host's own answers for one manifest: each list
// with no argument, list_metrics with every dimension, and list_dimensions
// and list_entities for each metric alone (mf_adapter.py, _semantic_index).
// From them this answers exactly as the engine would: list_metrics for any
// search (an ASCII substring of the name, case-insensitive) with all or the
// first five dimensions, list_dimensions and list_entities for no metric or
// one, list_saved_queries and list_semantic_models. Everything else is left
// to the engine (nullopt): several metrics (MetricFlow computes their common
// dimensions and entities on its semantic graph), an unknown metric (its
// error carries MetricFlow's suggestions), a non-ASCII search, and any
// request field this does not know, and a list the index does not hold (an
// index read from the manifest leaves unset what it could not compute
// exactly; worker/manifest/index_builder.h). Stateless; safe from any
// thread.
#ifndef MFGATE_WORKER_SERVICE_INDEX_ANSWERS_H_
#define MFGATE_WORKER_SERVICE_INDEX_ANSWERS_H_

#include <optional>

#include "mfgate/v1/engine.pb.h"

namespace mfgate::service {

std::optional<v1::EngineResponse> AnswerFromIndex(
    const v1::EngineRequest& request, const v1::SemanticIndex& index);

}  // namespace mfgate::service

#endif  // MFGATE_WORKER_SERVICE_INDEX_ANSWERS_H_
