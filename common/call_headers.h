// gRPC metadata of a call from the gateway to a worker, beside those of
// manifest_headers.h.
//
// kCallerHeader (client metadata) names who asks: an opaque, stable name of
// the gateway's MCP session, by which the worker shares its engines fairly
// among sessions (worker/engine/engine_pool.h). It is never shown to anyone
// and carries nothing of the session's own id. Absent, each call counts as
// a caller of its own.
//
// kEngineDownHeader (initial metadata, binary) is set on a metadata answer
// the worker served from what it kept while its engine cannot start (the
// warehouse is down, say): the value is why, redacted. The gateway shows it
// beside the answer and does not keep the answer.
#ifndef MFGATE_COMMON_CALL_HEADERS_H_
#define MFGATE_COMMON_CALL_HEADERS_H_

#include <cstddef>

namespace mfgate {

inline constexpr char kCallerHeader[] = "mfgate-caller";
inline constexpr char kEngineDownHeader[] = "mfgate-engine-down-bin";
// Longer caller names are cut (they are map keys in the worker).
inline constexpr size_t kMaxCallerBytes = 64;

}  // namespace mfgate

#endif  // MFGATE_COMMON_CALL_HEADERS_H_
