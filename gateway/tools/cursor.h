// Cursors: how a paged result names its next page (next_cursor), and the
// fingerprint that ties a cursor to the call that gave it.
//
// A cursor reads "<offset>.<fingerprint>" or, for a query whose result the
// gateway keeps between pages (query_pages.h), "<offset>.<fingerprint>.<id>".
// The fingerprint covers the call's arguments bar its cursor and budget, so
// a cursor sent with other arguments is refused; the id names the kept
// result, and a cursor whose result is no longer kept still serves its page
// (the query runs again). Stateless; safe from any thread.
#ifndef MFGATE_GATEWAY_TOOLS_CURSOR_H_
#define MFGATE_GATEWAY_TOOLS_CURSOR_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

// A short, stable name of a call's arguments (bar its cursor and budget).
std::string Fingerprint(const std::string& tool, const nlohmann::json& values);

// What a cursor points at.
struct Cursor {
  size_t offset = 0;
  std::string result;  // The kept result's id; empty when none was named.
};

// What follows "<offset>." in the cursors of a call named by `fingerprint`
// whose result is kept as `result` (empty: not kept).
std::string CursorTail(const std::string& fingerprint,
                       const std::string& result);

// The cursor `text` (from next_cursor) for the call named by `fingerprint`;
// a refusal naming `field` (with a fix that leaves the cursor out) when it is
// not one this call gave.
absl::StatusOr<Cursor> ParseCursor(const std::string& field,
                                   const std::string& text,
                                   const std::string& fingerprint);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_CURSOR_H_
