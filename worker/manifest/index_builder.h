// BuildSemanticIndex: the engine's metadata answers (v1::SemanticIndex, as
// mf_adapter.py's _semantic_index makes them) computed from a semantic
// manifest, with no engine.
//
// The lists of entities, saved queries and semantic models are MetricFlow's
// plain readings of the manifest. A metric's dimensions and entities follow
// MetricFlow's join rule (metric_links.h); where a manifest uses what that
// rule does not cover, the parts that depend on it are left out (unset, or
// the metric missing from `links`), and the worker leaves those calls to an
// engine (index_answers.h) rather than answer differently from one.
// A pure function; safe from any thread.
#ifndef MFGATE_WORKER_MANIFEST_INDEX_BUILDER_H_
#define MFGATE_WORKER_MANIFEST_INDEX_BUILDER_H_

#include "mfgate/v1/engine.pb.h"
#include "worker/manifest/manifest_model.h"

namespace mfgate::manifest {

v1::SemanticIndex BuildSemanticIndex(const SemanticManifest& manifest);

}  // namespace mfgate::manifest

#endif  // MFGATE_WORKER_MANIFEST_INDEX_BUILDER_H_
