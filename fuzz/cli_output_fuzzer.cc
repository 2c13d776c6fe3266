// Fuzzes the decoders of the `mf` CLI's output (worker/engine/cli_output.h):
// CSV results, bullet lists and --explain SQL. Any text must give an answer,
// never a crash, and a CSV result it accepts must be well-formed: every row
// has one value per column, and a value's kind matches its column's type.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "worker/engine/cli_output.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  mfgate::engine::ParseBullets(text);
  mfgate::engine::ParseExplainSql(text);
  auto result = mfgate::engine::ParseCsvResult(text);
  if (!result.ok()) return 0;
  for (const auto& row : result->rows()) {
    if (row.values_size() != result->columns_size()) std::abort();
    for (int c = 0; c < row.values_size(); ++c) {
      const auto& value = row.values(c);
      const std::string& type = result->columns(c).type();
      if (value.has_int_value() && type != "INTEGER") std::abort();
      if (value.has_double_value() && type != "NUMBER") std::abort();
      if (value.has_string_value() && type != "STRING") std::abort();
    }
  }
  return 0;
}
