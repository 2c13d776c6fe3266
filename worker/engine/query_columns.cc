#include "worker/engine/query_columns.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace mfgate::engine {
namespace {

using v1::ColumnCells;
using v1::Value;

// A typed list of ColumnCells: its name, its size, and how its entry `i`
// becomes a Value (moved out: the columns are spent).
struct TypedList {
  const char* name;
  int (*size)(const ColumnCells&);
  void (*set)(ColumnCells*, int i, Value*);
};

const TypedList kTypedLists[] = {
    {"bools", [](const ColumnCells& c) { return c.bools_size(); },
     [](ColumnCells* c, int i, Value* v) { v->set_bool_value(c->bools(i)); }},
    {"ints", [](const ColumnCells& c) { return c.ints_size(); },
     [](ColumnCells* c, int i, Value* v) { v->set_int_value(c->ints(i)); }},
    {"doubles", [](const ColumnCells& c) { return c.doubles_size(); },
     [](ColumnCells* c, int i, Value* v) {
       v->set_double_value(c->doubles(i));
     }},
    {"strings", [](const ColumnCells& c) { return c.strings_size(); },
     [](ColumnCells* c, int i, Value* v) {
       v->set_string_value(std::move(*c->mutable_strings(i)));
     }},
    {"times", [](const ColumnCells& c) { return c.times_size(); },
     [](ColumnCells* c, int i, Value* v) {
       v->set_time_value(std::move(*c->mutable_times(i)));
     }},
};

absl::Status Malformed(const std::string& why) {
  return absl::InternalError(
      absl::StrCat("the engine sent a malformed answer: ", why));
}

// The list that holds column `index`'s cells (nullptr: every cell NULL), or
// why the column is malformed.
absl::Status CheckColumn(const ColumnCells& cells, int index, int64_t rows,
                         const TypedList** list) {
  *list = nullptr;
  for (const TypedList& candidate : kTypedLists) {
    if (candidate.size(cells) == 0) continue;
    if (*list != nullptr) {
      return Malformed(absl::StrCat("column ", index, " has both ",
                                    (*list)->name, " and ", candidate.name));
    }
    *list = &candidate;
  }
  if (*list != nullptr && (*list)->size(cells) != rows) {
    return Malformed(absl::StrCat("column ", index, " has ",
                                  (*list)->size(cells), " ", (*list)->name,
                                  " for ", rows, " rows"));
  }
  if (*list == nullptr && cells.nulls_size() != rows) {
    return Malformed(absl::StrCat("column ", index, " has no cells and ",
                                  cells.nulls_size(), " NULL rows of ", rows));
  }
  int64_t previous = -1;
  for (uint32_t null : cells.nulls()) {
    if (static_cast<int64_t>(null) >= rows ||
        static_cast<int64_t>(null) <= previous) {
      return Malformed(absl::StrCat("column ", index, "'s NULL row ", null,
                                    " is out of range or out of order"));
    }
    previous = null;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ExpandQueryColumns(v1::EngineResponse* response, int64_t max_rows,
                                int64_t max_bytes) {
  if (!response->has_query_columns()) return absl::OkStatus();
  if (response->response_case() != v1::EngineResponse::kQuery) {
    return Malformed("query columns beside no query answer");
  }
  v1::QueryColumns* columns = response->mutable_query_columns();
  v1::QueryResponse* query = response->mutable_query();
  const int64_t rows = columns->row_count();
  if (query->rows_size() > 0) return Malformed("both rows and query columns");
  if (rows < 0) return Malformed(absl::StrCat("row_count ", rows));
  if (columns->columns_size() != query->columns_size()) {
    return Malformed(absl::StrCat(columns->columns_size(), " columns of cells ",
                                  "for ", query->columns_size(), " columns"));
  }
  if (columns->columns_size() == 0 && rows > 0) {
    return Malformed(absl::StrCat(rows, " rows without columns"));
  }
  // Every check before any change: a malformed answer leaves nothing half
  // made. Past here `rows` is a list's size (or nulls'), so it fits an int.
  std::vector<const TypedList*> lists(columns->columns_size());
  for (int c = 0; c < columns->columns_size(); ++c) {
    absl::Status column = CheckColumn(columns->columns(c), c, rows, &lists[c]);
    if (!column.ok()) return column;
  }

  const int width = columns->columns_size();
  // Rows past the row cap, or past what the byte cap could hold (a row
  // costs at least its tag and length, and each cell as much: 2 bytes), would
  // all be cut by the worker's caps: they are not made. Else cells packed a
  // byte each (bools, NULL rows) would make Values by the tens of millions
  // from one frame, far more than any answer passed on holds.
  int64_t room = rows;
  if (max_rows > 0) room = std::min(room, max_rows);
  if (max_bytes > 0)
    room = std::min(room, max_bytes / (2 + 2 * int64_t{width}));
  if (room < rows) query->set_truncated(true);
  const int made = static_cast<int>(room);  // At most `rows`: an int.
  query->mutable_rows()->Reserve(made);
  for (int r = 0; r < made; ++r) {
    v1::Row* row = query->add_rows();
    row->mutable_values()->Reserve(width);
    for (int c = 0; c < width; ++c) row->add_values();
  }
  for (int c = 0; c < width; ++c) {
    if (lists[c] == nullptr) continue;  // Every cell NULL: empty Values.
    ColumnCells* cells = columns->mutable_columns(c);
    int next_null = 0;  // Index into the ascending NULL rows.
    for (int r = 0; r < made; ++r) {
      if (next_null < cells->nulls_size() &&
          static_cast<int>(cells->nulls(next_null)) == r) {
        ++next_null;
        continue;
      }
      lists[c]->set(cells, r, query->mutable_rows(r)->mutable_values(c));
    }
  }
  response->clear_query_columns();
  return absl::OkStatus();
}

}  // namespace mfgate::engine
