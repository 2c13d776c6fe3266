// CapQueryAnswer: a query's answer cut to the worker's caps on rows and on
// serialized bytes (--max-rows, --max-response-bytes), from the end, with
// `truncated` set when anything goes.
//
// The byte cap costs exactly the rows over it: an answer a little over the
// cap loses a few rows, not half of them. Stateless; safe from any thread.
#ifndef MFGATE_WORKER_SERVICE_QUERY_CAPS_H_
#define MFGATE_WORKER_SERVICE_QUERY_CAPS_H_

#include <cstddef>
#include <cstdint>

#include "mfgate/v1/worker.pb.h"

namespace mfgate::service {

void CapQueryAnswer(int64_t max_rows, size_t max_bytes,
                    v1::QueryResponse* query);

}  // namespace mfgate::service

#endif  // MFGATE_WORKER_SERVICE_QUERY_CAPS_H_
