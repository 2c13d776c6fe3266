#include "worker/engine/cli_output.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mfgate::engine {
namespace {

constexpr absl::string_view kBullet = "\xE2\x80\xA2 ";  // "• "

// Splits CSV text into records of fields.
absl::StatusOr<std::vector<std::vector<std::string>>> SplitCsv(
    absl::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      field_started = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (field_started || !field.empty() || !record.empty()) {
        record.push_back(std::move(field));
        records.push_back(std::move(record));
      }
      record.clear();
      field.clear();
      field_started = false;
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (quoted) return absl::InvalidArgumentError("unterminated quote in CSV");
  if (field_started || !field.empty() || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseBullets(
    absl::string_view output) {
  std::vector<std::pair<std::string, std::string>> items;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, kBullet)) continue;
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(line, absl::MaxSplits(": ", 1));
    items.emplace_back(std::string(parts.first), std::string(parts.second));
  }
  return items;
}

std::string ParseExplainSql(absl::string_view output) {
  size_t heading = output.find("SQL");
  if (heading == absl::string_view::npos) return "";
  size_t start = output.find('\n', heading);
  if (start == absl::string_view::npos) return "";
  return std::string(absl::StripAsciiWhitespace(output.substr(start)));
}

absl::StatusOr<v1::QueryResponse> ParseCsvResult(absl::string_view csv) {
  auto records = SplitCsv(csv);
  if (!records.ok()) return records.status();
  v1::QueryResponse result;
  if (records->empty()) return result;
  const std::vector<std::string>& header = records->front();
  std::vector<bool> all_int(header.size(), true),
      all_number(header.size(), true);
  for (size_t r = 1; r < records->size(); ++r) {
    const auto& record = (*records)[r];
    if (record.size() != header.size()) {
      return absl::InvalidArgumentError("CSV row has a different column count");
    }
    for (size_t c = 0; c < record.size(); ++c) {
      if (record[c].empty()) continue;
      int64_t i;
      double d;
      if (!absl::SimpleAtoi(record[c], &i)) all_int[c] = false;
      if (!absl::SimpleAtod(record[c], &d)) all_number[c] = false;
    }
  }
  for (size_t c = 0; c < header.size(); ++c) {
    v1::Column* column = result.add_columns();
    column->set_name(header[c]);
    column->set_type(all_int[c]      ? "INTEGER"
                     : all_number[c] ? "NUMBER"
                                     : "STRING");
  }
  for (size_t r = 1; r < records->size(); ++r) {
    v1::Row* row = result.add_rows();
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string& cell = (*records)[r][c];
      v1::Value* value = row->add_values();
      if (cell.empty()) continue;  // NULL
      int64_t i;
      double d;
      if (all_int[c] && absl::SimpleAtoi(cell, &i)) {
        value->set_int_value(i);
      } else if (all_number[c] && absl::SimpleAtod(cell, &d)) {
        value->set_double_value(d);
      } else {
        value->set_string_value(cell);
      }
    }
  }
  return result;
}

}  // namespace mfgate::engine
