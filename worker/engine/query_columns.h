// Turns an engine's answer to a query sent column by column
// (EngineResponse.query_columns, mfgate/v1/engine.proto) into the ordinary
// QueryResponse.rows, where the worker reads an engine's answer: nothing past
// that point (the worker's caps, its caches, the gateway) sees columns.
//
// Stateless; safe from any thread.
#ifndef MFGATE_WORKER_ENGINE_QUERY_COLUMNS_H_
#define MFGATE_WORKER_ENGINE_QUERY_COLUMNS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "mfgate/v1/engine.pb.h"

namespace mfgate::engine {

// When `response` carries query_columns, checks them against its query's
// columns and moves them into query.rows, clearing query_columns: a cell
// becomes the Value of its list's kind, a NULL an empty Value. A response
// without query_columns is left as it is.
//
// Rows past `max_rows` (> 0; the cap the engine was given), or past what
// `max_bytes` (> 0; the byte cap it was given) could hold at 2 bytes a row
// and 2 a cell, are not made, and the answer is marked truncated, as the
// worker's caps would cut them.
//
// Malformed columns (beside no query answer or beside rows, a negative
// row_count, rows without columns, a column count other than the query's, a
// typed list of a size other than row_count, two typed lists in a column, NULL
// rows out of range or not ascending, no typed list and not every row NULL)
// leave `response` as it was and answer INTERNAL "the engine sent a malformed
// answer: <why>".
absl::Status ExpandQueryColumns(v1::EngineResponse* response, int64_t max_rows,
                                int64_t max_bytes);

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_QUERY_COLUMNS_H_
