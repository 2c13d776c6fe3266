// ListFilter: the search strings and value limit of a list request, applied
// by the worker to the engine's answer.
//
// The worker takes them out of the request before it reaches the engine, so
// that any engine (persistent or cli) answers the full list, and one cached
// metadata answer serves every search; the worker then keeps the items whose
// name (metrics and saved queries: or label; dimension values: their text)
// holds any search string, case-insensitively, and at most `limit` dimension
// values, marking the answer truncated when more matched. A value type;
// functions are stateless and safe from any thread.
#ifndef MFGATE_WORKER_SERVICE_LIST_FILTERS_H_
#define MFGATE_WORKER_SERVICE_LIST_FILTERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "mfgate/v1/engine.pb.h"

namespace mfgate::service {

struct ListFilter {
  std::vector<std::string> search;  // Lower case; empty keeps every item.
  int64_t limit = 0;                // Dimension values kept; 0 for all.
};

// Moves the search strings of `request`'s list request (and the limit of a
// dimension-values request) out of it, into the filter returned.
ListFilter TakeListFilter(v1::EngineRequest* request);

// Drops from `reply`'s list what `filter` does not keep.
void ApplyListFilter(const ListFilter& filter, v1::EngineResponse* reply);

}  // namespace mfgate::service

#endif  // MFGATE_WORKER_SERVICE_LIST_FILTERS_H_
