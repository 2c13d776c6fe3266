#include "worker/validate/where_filter.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/field_error.h"
#include "worker/validate/where_lexer.h"
#include "worker/validate/where_reference.h"

namespace mfgate::validate {
namespace {

using Kind = Token::Kind;

// Words that would start or join a subquery or another statement; named
// specially in errors so the refusal is obvious.
constexpr absl::string_view kStatementWords[] = {
    "select", "from",    "union",  "with",   "exists", "copy",
    "attach", "install", "load",   "pragma", "insert", "update",
    "delete", "drop",    "create", "call"};

bool Contains(absl::Span<const absl::string_view> list,
              absl::string_view word) {
  for (absl::string_view item : list) {
    if (item == word) return true;
  }
  return false;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  absl::Status Parse() {
    if (absl::Status s = OrExpr(); !s.ok()) return s;
    if (Peek().kind != Kind::kEnd) return Unexpected();
    return absl::OkStatus();
  }
  std::vector<WhereReference> TakeReferences() {
    return std::move(references_);
  }

 private:
  const Token& Peek() const { return tokens_[at_]; }
  const Token& Next() {
    return tokens_[at_ < tokens_.size() - 1 ? at_++ : at_];
  }
  std::string Lower(const Token& t) const {
    return absl::AsciiStrToLower(t.text);
  }
  bool IsWord(absl::string_view word) const {
    return Peek().kind == Kind::kIdentifier && Lower(Peek()) == word;
  }
  bool IsSymbol(absl::string_view symbol) const {
    return Peek().kind == Kind::kSymbol && Peek().text == symbol;
  }
  bool AcceptWord(absl::string_view word) {
    if (!IsWord(word)) return false;
    ++at_;
    return true;
  }
  bool AcceptSymbol(absl::string_view symbol) {
    if (!IsSymbol(symbol)) return false;
    ++at_;
    return true;
  }
  absl::Status Error(absl::string_view what, const Token& token) const {
    return FieldError("where", absl::StrCat(what, " ", DescribeToken(token)));
  }
  absl::Status Unexpected() const { return Error("unexpected", Peek()); }
  absl::Status ExpectSymbol(absl::string_view symbol) {
    if (AcceptSymbol(symbol)) return absl::OkStatus();
    return Error(absl::StrCat("expected '", symbol, "' but found"), Peek());
  }

  // Guards recursion: deep nesting is refused, never a stack overflow.
  class Depth {
   public:
    explicit Depth(Parser* p) : p_(p) { ++p_->depth_; }
    ~Depth() { --p_->depth_; }
    bool too_deep() const { return p_->depth_ > kMaxWhereDepth; }

   private:
    Parser* p_;
  };

  absl::Status OrExpr() {
    Depth depth(this);
    if (depth.too_deep())
      return Error("nesting deeper than allowed at", Peek());
    if (absl::Status s = AndExpr(); !s.ok()) return s;
    while (AcceptWord("or")) {
      if (absl::Status s = AndExpr(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status AndExpr() {
    if (absl::Status s = NotExpr(); !s.ok()) return s;
    while (AcceptWord("and")) {
      if (absl::Status s = NotExpr(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status NotExpr() {
    Depth depth(this);
    if (depth.too_deep())
      return Error("nesting deeper than allowed at", Peek());
    if (AcceptWord("not")) return NotExpr();
    return Comparison();
  }

  absl::Status Comparison() {
    if (absl::Status s = Additive(); !s.ok()) return s;
    static constexpr absl::string_view kComparisons[] = {"=",  "<>", "!=", "<",
                                                         "<=", ">",  ">="};
    for (absl::string_view op : kComparisons) {
      if (AcceptSymbol(op)) return Additive();
    }
    if (AcceptWord("is")) {
      AcceptWord("not");
      if (AcceptWord("null") || AcceptWord("true") || AcceptWord("false")) {
        return absl::OkStatus();
      }
      return Error("expected NULL, TRUE or FALSE after IS but found", Peek());
    }
    bool negated = AcceptWord("not");
    if (AcceptWord("in")) return InList();
    if (AcceptWord("between")) {
      if (absl::Status s = Additive(); !s.ok()) return s;
      if (!AcceptWord("and"))
        return Error("expected AND in BETWEEN but found", Peek());
      return Additive();
    }
    if (AcceptWord("like") || AcceptWord("ilike")) {
      if (Next().kind != Kind::kString) {
        return Error("LIKE needs a string pattern; found", tokens_[at_ - 1]);
      }
      return absl::OkStatus();
    }
    if (negated)
      return Error("expected IN, BETWEEN or LIKE after NOT but found", Peek());
    return absl::OkStatus();
  }

  absl::Status InList() {
    if (absl::Status s = ExpectSymbol("("); !s.ok()) return s;
    do {
      if (IsWord("select")) return Error("subqueries are not allowed:", Peek());
      if (absl::Status s = Literal(); !s.ok()) return s;
    } while (AcceptSymbol(","));
    return ExpectSymbol(")");
  }

  absl::Status Additive() {
    if (absl::Status s = Multiplicative(); !s.ok()) return s;
    while (AcceptSymbol("+") || AcceptSymbol("-") || AcceptSymbol("||")) {
      if (absl::Status s = Multiplicative(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status Multiplicative() {
    if (absl::Status s = Unary(); !s.ok()) return s;
    while (AcceptSymbol("*") || AcceptSymbol("/")) {
      if (absl::Status s = Unary(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status Unary() {
    Depth depth(this);
    if (depth.too_deep())
      return Error("nesting deeper than allowed at", Peek());
    if (AcceptSymbol("-")) return Unary();
    return Primary();
  }

  // A literal, when the next token starts one.
  absl::Status Literal() {
    const Token& token = Peek();
    if (token.kind == Kind::kNumber || token.kind == Kind::kString) {
      ++at_;
      return absl::OkStatus();
    }
    if (AcceptSymbol("-") && Peek().kind == Kind::kNumber) {
      ++at_;
      return absl::OkStatus();
    }
    if (AcceptWord("true") || AcceptWord("false") || AcceptWord("null")) {
      return absl::OkStatus();
    }
    if (AcceptWord("date") || AcceptWord("timestamp") ||
        AcceptWord("interval")) {
      if (Next().kind != Kind::kString) {
        return Error("expected a string literal after a type keyword; found",
                     tokens_[at_ - 1]);
      }
      return absl::OkStatus();
    }
    return Error("expected a literal but found", token);
  }

  absl::Status Primary() {
    const Token& token = Peek();
    switch (token.kind) {
      case Kind::kReference: {
        auto reference = ParseWhereReference(token.text, token.position);
        if (!reference.ok()) return reference.status();
        references_.push_back(std::move(*reference));
        ++at_;
        return absl::OkStatus();
      }
      case Kind::kNumber:
      case Kind::kString:
        return Literal();
      case Kind::kSymbol:
        if (AcceptSymbol("(")) {
          if (IsWord("select"))
            return Error("subqueries are not allowed:", Peek());
          if (absl::Status s = OrExpr(); !s.ok()) return s;
          return ExpectSymbol(")");
        }
        return Unexpected();
      case Kind::kEnd:
        return Error("expected a value but found", token);
      case Kind::kIdentifier:
        break;
    }
    const std::string word = Lower(token);
    if (word == "true" || word == "false" || word == "null" || word == "date" ||
        word == "timestamp" || word == "interval") {
      return Literal();
    }
    if (word == "cast") {
      ++at_;
      if (absl::Status s = ExpectSymbol("("); !s.ok()) return s;
      if (absl::Status s = OrExpr(); !s.ok()) return s;
      if (!AcceptWord("as"))
        return Error("expected AS in CAST but found", Peek());
      if (Peek().kind != Kind::kIdentifier ||
          !Contains(kAllowedCastTypes, Lower(Peek()))) {
        return Error("type not allowed in CAST:", Peek());
      }
      ++at_;
      return ExpectSymbol(")");
    }
    if (Contains(kStatementWords, word)) {
      return Error("subqueries and statements are not allowed:", token);
    }
    const bool is_call =
        tokens_[at_ + 1].kind == Kind::kSymbol && tokens_[at_ + 1].text == "(";
    if (!is_call) {
      return Error(
          "bare identifier not allowed (refer to columns with "
          "{{ Dimension('...') }} and the like):",
          token);
    }
    if (!Contains(kAllowedFunctions, word)) {
      return Error("function not allowed:", token);
    }
    at_ += 2;  // Name and '('.
    if (AcceptSymbol(")")) return absl::OkStatus();
    do {
      if (absl::Status s = OrExpr(); !s.ok()) return s;
    } while (AcceptSymbol(","));
    return ExpectSymbol(")");
  }

  std::vector<Token> tokens_;
  size_t at_ = 0;
  int depth_ = 0;
  std::vector<WhereReference> references_;
};

}  // namespace

absl::StatusOr<WhereFilter> ParseWhereFilter(absl::string_view text) {
  auto tokens = TokenizeWhere(text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return FieldError("where", "empty filter");
  Parser parser(std::move(*tokens));
  if (absl::Status parsed = parser.Parse(); !parsed.ok()) return parsed;
  WhereFilter filter;
  filter.text = std::string(text);
  filter.references = parser.TakeReferences();
  return filter;
}

}  // namespace mfgate::validate
