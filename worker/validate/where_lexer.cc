#include "worker/validate/where_lexer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/field_error.h"
#include "worker/validate/where_literals.h"

namespace mfgate::validate {
namespace {

constexpr char kField[] = "where";

absl::Status Refuse(absl::string_view what, size_t position) {
  return FieldError(kField, absl::StrCat(what, " at position ", position));
}

std::string ShownChar(unsigned char c) {
  if (absl::ascii_isprint(c)) return absl::StrCat("'", std::string(1, c), "'");
  return absl::StrFormat("byte 0x%02x", c);
}

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

}  // namespace

std::string DescribeToken(const Token& token) {
  if (token.kind == Token::Kind::kEnd) {
    return absl::StrCat("end of filter (position ", token.position, ")");
  }
  std::string text = token.text.substr(0, 40);
  return absl::StrCat("'", text, token.text.size() > 40 ? "..." : "",
                      "' at position ", token.position);
}

absl::StatusOr<std::vector<Token>> TokenizeWhere(absl::string_view text) {
  if (text.size() > kMaxWhereLength) {
    return FieldError(kField, absl::StrCat("filter longer than ",
                                           kMaxWhereLength, " characters"));
  }
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = text[i];
    if (tokens.size() >= kMaxWhereTokens) {
      return Refuse(absl::StrCat("more than ", kMaxWhereTokens, " tokens"), i);
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (IsControl(c))
      return Refuse(absl::StrCat("control character ", ShownChar(c)), i);
    const size_t start = i;
    if (text.substr(i, 2) == "{{") {
      size_t close = text.find("}}", i + 2);
      if (close == absl::string_view::npos) return Refuse("unclosed '{{'", i);
      tokens.push_back({Token::Kind::kReference,
                        std::string(text.substr(i + 2, close - i - 2)), start});
      i = close + 2;
    } else if (text.substr(i, 2) == "{%" || text.substr(i, 2) == "{#") {
      return Refuse(
          absl::StrCat(
              "Jinja '", text.substr(i, 2),
              "' is not allowed (only {{ Dimension(...) }}-style references)"),
          i);
    } else if (text.substr(i, 2) == "--" || text.substr(i, 2) == "/*" ||
               text.substr(i, 2) == "*/") {
      return Refuse(
          absl::StrCat("SQL comment '", text.substr(i, 2), "' is not allowed"),
          i);
    } else if (c == '\'') {
      std::string value;
      ++i;
      while (true) {
        if (i >= text.size()) return Refuse("unterminated string", start);
        if (text[i] == '\'') {
          if (i + 1 < text.size() && text[i + 1] == '\'') {
            value += '\'';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        value += text[i++];
      }
      // What a string may hold (where_literals.h) is checked as it is read:
      // a backslash, say, would end it early in some dialects.
      if (absl::Status s = CheckStringLiteral(value, start); !s.ok()) return s;
      tokens.push_back({Token::Kind::kString, std::move(value), start});
    } else if (absl::ascii_isdigit(c) ||
               (c == '.' && i + 1 < text.size() &&
                absl::ascii_isdigit(static_cast<unsigned char>(text[i + 1])))) {
      while (i < text.size() &&
             (absl::ascii_isdigit(static_cast<unsigned char>(text[i])) ||
              text[i] == '.')) {
        ++i;
      }
      if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
        const size_t digits = i;
        while (i < text.size() &&
               absl::ascii_isdigit(static_cast<unsigned char>(text[i])))
          ++i;
        if (i == digits) return Refuse("malformed number", start);
      }
      std::string number(text.substr(start, i - start));
      if (number.find('.') != number.rfind('.'))
        return Refuse("malformed number", start);
      if (i < text.size() &&
          (absl::ascii_isalpha(static_cast<unsigned char>(text[i])) ||
           text[i] == '_')) {
        return Refuse("malformed number", start);
      }
      tokens.push_back({Token::Kind::kNumber, std::move(number), start});
    } else if (absl::ascii_isalpha(c) || c == '_') {
      while (i < text.size() &&
             (absl::ascii_isalnum(static_cast<unsigned char>(text[i])) ||
              text[i] == '_')) {
        ++i;
      }
      tokens.push_back({Token::Kind::kIdentifier,
                        std::string(text.substr(start, i - start)), start});
    } else {
      static constexpr absl::string_view kTwoChar[] = {"<>",
                                                       "!=", "<=", ">=", "||"};
      static constexpr absl::string_view kOneChar = "()=<>+-*/,";
      absl::string_view two = text.substr(i, 2);
      bool matched = false;
      for (absl::string_view symbol : kTwoChar) {
        if (two == symbol) {
          tokens.push_back({Token::Kind::kSymbol, std::string(symbol), start});
          i += 2;
          matched = true;
          break;
        }
      }
      if (!matched) {
        if (kOneChar.find(static_cast<char>(c)) == absl::string_view::npos) {
          if (c == ';')
            return Refuse("';' (a second statement) is not allowed", i);
          if (c == '"' || c == '`')
            return Refuse("quoted identifiers are not allowed", i);
          return Refuse(
              absl::StrCat("character ", ShownChar(c), " is not allowed"), i);
        }
        tokens.push_back({Token::Kind::kSymbol, std::string(1, c), start});
        ++i;
      }
    }
  }
  tokens.push_back({Token::Kind::kEnd, "", text.size()});
  return tokens;
}

}  // namespace mfgate::validate
