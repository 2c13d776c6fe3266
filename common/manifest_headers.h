// gRPC metadata by which the gateway revalidates the metadata answers it
// keeps (list_metrics, list_dimensions, list_entities, list_saved_queries,
// list_semantic_models), like an HTTP conditional request.
//
// Such an answer depends only on the semantic manifest the engine loaded, so
// the worker sends that manifest's SHA-256 with it (kManifestHeader, initial
// metadata). A caller that kept the answer asks again with
// kIfManifestHeader set to the hash it got; when the engine still has that
// manifest, the worker answers with an empty message and kNotModifiedHeader
// "1", and the caller reuses what it kept. Either side may ignore the
// headers: the answer is then simply sent in full. A caller that follows
// the worker's WatchManifest stream skips the call while the stream
// confirms the hash (gateway/tools/manifest_watch.h).
#ifndef MFGATE_COMMON_MANIFEST_HEADERS_H_
#define MFGATE_COMMON_MANIFEST_HEADERS_H_

#include <map>
#include <string>

#include "grpcpp/support/string_ref.h"

namespace mfgate {

inline constexpr char kManifestHeader[] = "mfgate-manifest-sha256";
inline constexpr char kIfManifestHeader[] = "mfgate-if-manifest-sha256";
inline constexpr char kNotModifiedHeader[] = "mfgate-not-modified";

// The value of header `name` in gRPC metadata (the worker reads its caller's
// client metadata, the gateway the worker's initial metadata); empty when
// absent.
inline std::string HeaderValue(
    const std::multimap<grpc::string_ref, grpc::string_ref>& headers,
    const char* name) {
  auto found = headers.find(name);
  return found == headers.end()
             ? ""
             : std::string(found->second.data(), found->second.size());
}

}  // namespace mfgate

#endif  // MFGATE_COMMON_MANIFEST_HEADERS_H_
