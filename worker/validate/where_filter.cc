// ParseWhereFilter and the boolean grammar of a filter: OR, AND, NOT and the
// predicates (comparisons, IN, BETWEEN, LIKE, IS). Operands are parsed in
// where_operand.cc.
#include "worker/validate/where_filter.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/field_error.h"
#include "worker/validate/where_lexer.h"
#include "worker/validate/where_parser.h"

namespace mfgate::validate {
namespace internal {

using Node = WhereNode;
using Kind = Token::Kind;

bool Contains(absl::Span<const absl::string_view> list,
              absl::string_view word) {
  for (absl::string_view item : list) {
    if (item == word) return true;
  }
  return false;
}

WhereNodePtr MakeNode(Node::Kind kind, size_t position) {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->position = position;
  return node;
}

const Token& WhereParser::PeekNext() const {
  return tokens_[at_ + 1 < tokens_.size() ? at_ + 1 : at_];
}

const Token& WhereParser::Next() {
  return tokens_[at_ < tokens_.size() - 1 ? at_++ : at_];
}

std::string WhereParser::Lower(const Token& t) const {
  return absl::AsciiStrToLower(t.text);
}

bool WhereParser::IsWord(absl::string_view word) const {
  return Peek().kind == Kind::kIdentifier && Lower(Peek()) == word;
}

bool WhereParser::IsSymbol(absl::string_view symbol) const {
  return Peek().kind == Kind::kSymbol && Peek().text == symbol;
}

bool WhereParser::AcceptWord(absl::string_view word) {
  if (!IsWord(word)) return false;
  ++at_;
  return true;
}

bool WhereParser::AcceptSymbol(absl::string_view symbol) {
  if (!IsSymbol(symbol)) return false;
  ++at_;
  return true;
}

absl::Status WhereParser::Error(absl::string_view what,
                                const Token& token) const {
  return FieldError("where", absl::StrCat(what, " ", DescribeToken(token)));
}

absl::Status WhereParser::ExpectSymbol(absl::string_view symbol) {
  if (AcceptSymbol(symbol)) return absl::OkStatus();
  return Error(absl::StrCat("expected '", symbol, "' but found"), Peek());
}

Result WhereParser::Parse() {
  Result root = OrExpr();
  if (!root.ok()) return root;
  if (Peek().kind != Kind::kEnd) return Unexpected();
  return root;
}

// or_expr and and_expr: two or more operands make one n-ary node.
Result WhereParser::Chain(Node::Kind kind, absl::string_view word,
                          Result (WhereParser::*operand)()) {
  const size_t position = Peek().position;
  Result first = (this->*operand)();
  if (!first.ok() || !IsWord(word)) return first;
  WhereNodePtr node = MakeNode(kind, position);
  node->children.push_back(std::move(*first));
  while (AcceptWord(word)) {
    Result next = (this->*operand)();
    if (!next.ok()) return next;
    node->children.push_back(std::move(*next));
  }
  return node;
}

Result WhereParser::OrExpr() {
  Depth depth(this);
  if (depth.too_deep()) return TooDeep();
  return Chain(Node::Kind::kOr, "or", &WhereParser::AndExpr);
}

Result WhereParser::AndExpr() {
  return Chain(Node::Kind::kAnd, "and", &WhereParser::NotExpr);
}

Result WhereParser::NotExpr() {
  Depth depth(this);
  if (depth.too_deep()) return TooDeep();
  const size_t position = Peek().position;
  if (!AcceptWord("not")) return Comparison();
  Result operand = NotExpr();
  if (!operand.ok()) return operand;
  WhereNodePtr node = MakeNode(Node::Kind::kNot, position);
  node->children.push_back(std::move(*operand));
  return node;
}

Result WhereParser::Comparison() {
  Result left = Additive();
  if (!left.ok()) return left;
  const size_t position = (*left)->position;
  auto binary = [&](Node::Kind kind, WhereNodePtr right) {
    WhereNodePtr node = MakeNode(kind, position);
    node->children.push_back(std::move(*left));
    node->children.push_back(std::move(right));
    return node;
  };
  static constexpr absl::string_view kComparisons[] = {"=",  "<>", "!=", "<",
                                                       "<=", ">",  ">="};
  for (absl::string_view op : kComparisons) {
    if (!AcceptSymbol(op)) continue;
    Result right = Additive();
    if (!right.ok()) return right;
    WhereNodePtr node = binary(Node::Kind::kCompare, std::move(*right));
    node->op = op == "!=" ? "<>" : std::string(op);
    return node;
  }
  if (AcceptWord("is")) {
    const bool negated = AcceptWord("not");
    for (absl::string_view what : {"null", "true", "false"}) {
      if (!AcceptWord(what)) continue;
      WhereNodePtr node = MakeNode(Node::Kind::kIs, position);
      node->op = absl::AsciiStrToUpper(what);
      node->negated = negated;
      node->children.push_back(std::move(*left));
      return node;
    }
    return Error("expected NULL, TRUE or FALSE after IS but found", Peek());
  }
  const bool negated = AcceptWord("not");
  if (AcceptWord("in")) return InList(std::move(*left), negated);
  if (AcceptWord("between")) {
    Result low = Additive();
    if (!low.ok()) return low;
    if (!AcceptWord("and"))
      return Error("expected AND in BETWEEN but found", Peek());
    Result high = Additive();
    if (!high.ok()) return high;
    WhereNodePtr node = binary(Node::Kind::kBetween, std::move(*low));
    node->children.push_back(std::move(*high));
    node->negated = negated;
    return node;
  }
  for (absl::string_view like : {"like", "ilike"}) {
    if (!AcceptWord(like)) continue;
    if (Peek().kind != Kind::kString) {
      return Error("LIKE needs a string pattern; found", Peek());
    }
    WhereNodePtr node = binary(Node::Kind::kLike, StringNode(Next()));
    node->op = absl::AsciiStrToUpper(like);
    node->negated = negated;
    return node;
  }
  if (negated)
    return Error("expected IN, BETWEEN or LIKE after NOT but found", Peek());
  return left;
}

Result WhereParser::InList(WhereNodePtr operand, bool negated) {
  WhereNodePtr node = MakeNode(Node::Kind::kIn, operand->position);
  node->negated = negated;
  node->children.push_back(std::move(operand));
  if (absl::Status s = ExpectSymbol("("); !s.ok()) return s;
  do {
    if (IsWord("select")) return Error("subqueries are not allowed:", Peek());
    Result literal = Literal();
    if (!literal.ok()) return literal;
    node->children.push_back(std::move(*literal));
  } while (AcceptSymbol(","));
  if (absl::Status s = ExpectSymbol(")"); !s.ok()) return s;
  return node;
}

}  // namespace internal

absl::StatusOr<WhereFilter> ParseWhereFilter(absl::string_view text) {
  auto tokens = TokenizeWhere(text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return FieldError("where", "empty filter");
  internal::WhereParser parser(std::move(*tokens));
  internal::Result root = parser.Parse();
  if (!root.ok()) return root.status();
  if (WhereTreeDepth(**root) > kMaxWhereDepth) {
    return FieldError("where", absl::StrCat("nesting deeper than ",
                                            kMaxWhereDepth, " levels"));
  }
  WhereFilter filter;
  filter.root = std::move(*root);
  filter.references = parser.TakeReferences();
  // The written filter has parentheses the caller's may not: it must still
  // fit the limits, so that it parses back (as where_filter.h promises).
  if (!TokenizeWhere(EmitWhereFilter(filter)).ok()) {
    return FieldError(
        "where", absl::StrCat("filter too long: written out for MetricFlow it "
                              "would exceed ",
                              kMaxWhereLength, " characters or ",
                              kMaxWhereTokens, " tokens"));
  }
  return filter;
}

absl::StatusOr<std::string> CanonicalWhereFilter(absl::string_view text) {
  auto filter = ParseWhereFilter(text);
  if (!filter.ok()) return filter.status();
  return EmitWhereFilter(*filter);
}

}  // namespace mfgate::validate
