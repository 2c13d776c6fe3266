#include "gateway/tools/cursor.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/field_error.h"
#include "gateway/tools/refusal.h"

namespace mfgate::tools {
namespace {

// The longest result id a cursor may carry (query_pages.h makes 16).
constexpr size_t kMaxResultIdChars = 32;

bool IsResultId(const std::string& id) {
  if (id.empty() || id.size() > kMaxResultIdChars) return false;
  for (char c : id) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string Fingerprint(const std::string& tool, const nlohmann::json& values) {
  nlohmann::json named = values;
  named.erase("cursor");
  named.erase("max_response_chars");
  // FNV-1a: stable across processes and builds, unlike std::hash.
  uint64_t hash = 1469598103934665603ull;
  for (char c : absl::StrCat(tool, "\n", named.dump())) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return absl::StrFormat("%08x", static_cast<uint32_t>(hash ^ (hash >> 32)));
}

std::string CursorTail(const std::string& fingerprint,
                       const std::string& result) {
  return result.empty() ? fingerprint : absl::StrCat(fingerprint, ".", result);
}

absl::StatusOr<Cursor> ParseCursor(const std::string& field,
                                   const std::string& text,
                                   const std::string& fingerprint) {
  std::vector<std::string> parts = absl::StrSplit(text, '.');
  Cursor cursor;
  Fix fix;
  fix.drop.push_back(field);
  if (parts.size() < 2 || parts.size() > 3 ||
      !absl::SimpleAtoi(parts[0], &cursor.offset) ||
      cursor.offset > (1u << 30) ||
      (parts.size() == 3 && !IsResultId(parts[2]))) {
    return WithFix(FieldError(field,
                              "is not a cursor this server gave: send "
                              "next_cursor from the previous page, or no "
                              "cursor for the first"),
                   fix);
  }
  if (parts[1] != fingerprint) {
    return WithFix(
        FieldError(field,
                   "belongs to a call with other arguments: send it with the "
                   "arguments of the call that gave it, or no cursor for "
                   "the first page"),
        fix);
  }
  if (parts.size() == 3) cursor.result = parts[2];
  return cursor;
}

}  // namespace mfgate::tools
