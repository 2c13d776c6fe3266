// Parsers for the text the `mf` CLI prints, used by CliEngine.
//
// The CLI is a compatibility and diagnosis path: its output is meant for
// people, so these parsers take only what is stable in it — bullet lines
// ("• item" or "• item: detail"), the SQL block after --explain, and the CSV
// file written by --csv. Stateless; safe from any thread.
#ifndef MFGATE_WORKER_ENGINE_CLI_OUTPUT_H_
#define MFGATE_WORKER_ENGINE_CLI_OUTPUT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mfgate/v1/worker.pb.h"

namespace mfgate::engine {

// The bullet lines of `output` as (item, detail) pairs; detail is the text
// after the first ": " or empty.
std::vector<std::pair<std::string, std::string>> ParseBullets(
    absl::string_view output);

// The SQL that `mf query --explain` prints after its "SQL" heading.
std::string ParseExplainSql(absl::string_view output);

// A CSV text (RFC 4180 quoting) as a typed result: a column whose every
// non-empty cell is an integer is INTEGER, a number NUMBER, else STRING;
// empty cells are NULL.
absl::StatusOr<v1::QueryResponse> ParseCsvResult(absl::string_view csv);

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_CLI_OUTPUT_H_
