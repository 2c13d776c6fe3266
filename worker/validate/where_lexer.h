// The tokenizer of mfgate's where-filter grammar (see where_filter.h).
//
// Splits a filter into numbers, quoted strings, identifiers, symbols and
// whole Jinja references (`{{ ... }}`), refusing at once anything no accepted
// filter contains: comments, statement separators, quoted identifiers,
// control characters, other Jinja. Stateless; safe from any thread.
#ifndef MFGATE_WORKER_VALIDATE_WHERE_LEXER_H_
#define MFGATE_WORKER_VALIDATE_WHERE_LEXER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mfgate::validate {

struct Token {
  enum class Kind { kNumber, kString, kIdentifier, kSymbol, kReference, kEnd };
  Kind kind;
  std::string text;  // Strings unquoted; references without the braces.
  size_t position;   // Byte offset in the filter.
};

// Caps on what a filter may hold.
inline constexpr size_t kMaxWhereLength = 4096;
inline constexpr size_t kMaxWhereTokens = 512;

// The tokens of `text`, ending with a kEnd token. Errors are InvalidArgument
// on field "where" and name the offending text and its position.
absl::StatusOr<std::vector<Token>> TokenizeWhere(absl::string_view text);

// "'x' at position N" for error messages.
std::string DescribeToken(const Token& token);

}  // namespace mfgate::validate

#endif  // MFGATE_WORKER_VALIDATE_WHERE_LEXER_H_
