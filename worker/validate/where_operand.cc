// The operands of a where filter: arithmetic, unary minus, function calls,
// CAST, literals and references (the grammar is in where_filter.h).
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "worker/validate/where_literals.h"
#include "worker/validate/where_parser.h"
#include "worker/validate/where_reference.h"

namespace mfgate::validate::internal {
namespace {

using Node = WhereNode;
using Kind = Token::Kind;

// Words that would start or join a subquery or another statement; named
// specially in errors so the refusal is obvious.
constexpr absl::string_view kStatementWords[] = {
    "select", "from",    "union",  "with",   "exists", "copy",
    "attach", "install", "load",   "pragma", "insert", "update",
    "delete", "drop",    "create", "call"};

}  // namespace

// additive and multiplicative: a run of operators of one class (+ and -, or
// ||, or * and /) makes one n-ary node; where the class changes, the run so
// far becomes the first operand of the next, which the emitter parenthesizes
// (dialects rank || differently against + and -).
Result WhereParser::Arithmetic(const std::vector<absl::string_view>& operators,
                               Result (WhereParser::*operand)()) {
  Result first = (this->*operand)();
  if (!first.ok()) return first;
  WhereNodePtr acc = std::move(*first);
  bool chained = false;  // `acc` is a run this loop started.
  while (true) {
    std::string op;
    for (absl::string_view candidate : operators) {
      if (AcceptSymbol(candidate)) {
        op = std::string(candidate);
        break;
      }
    }
    if (op.empty()) return acc;
    const std::string op_class = op == "-" ? "+" : op == "/" ? "*" : op;
    if (!chained || acc->op != op_class) {
      WhereNodePtr run = MakeNode(Node::Kind::kArith, acc->position);
      run->op = op_class;
      run->children.push_back(std::move(acc));
      acc = std::move(run);
      chained = true;
    }
    Result next = (this->*operand)();
    if (!next.ok()) return next;
    acc->ops.push_back(op);
    acc->children.push_back(std::move(*next));
  }
}

Result WhereParser::Additive() {
  return Arithmetic({"+", "-", "||"}, &WhereParser::Multiplicative);
}

Result WhereParser::Multiplicative() {
  return Arithmetic({"*", "/"}, &WhereParser::Unary);
}

Result WhereParser::Unary() {
  Depth depth(this);
  if (depth.too_deep()) return TooDeep();
  const size_t position = Peek().position;
  if (!AcceptSymbol("-")) return Primary();
  Result operand = Unary();
  if (!operand.ok()) return operand;
  WhereNodePtr node = MakeNode(Node::Kind::kNegate, position);
  node->children.push_back(std::move(*operand));
  return node;
}

WhereNodePtr WhereParser::StringNode(const Token& token) {
  WhereNodePtr node = MakeNode(Node::Kind::kString, token.position);
  node->text = token.text;
  return node;
}

// A literal, when the next token starts one.
Result WhereParser::Literal() {
  const Token& token = Peek();
  if (token.kind == Kind::kNumber) {
    WhereNodePtr node = MakeNode(Node::Kind::kNumber, token.position);
    node->text = Next().text;
    return node;
  }
  if (token.kind == Kind::kString) return StringNode(Next());
  if (IsSymbol("-") && PeekNext().kind == Kind::kNumber) {
    WhereNodePtr node = MakeNode(Node::Kind::kNegate, Next().position);
    node->children.push_back(MakeNode(Node::Kind::kNumber, Peek().position));
    node->children.back()->text = Next().text;
    return node;
  }
  const std::string word = token.kind == Kind::kIdentifier ? Lower(token) : "";
  if (word == "true" || word == "false") {
    WhereNodePtr node = MakeNode(Node::Kind::kBool, Next().position);
    node->op = absl::AsciiStrToUpper(word);
    return node;
  }
  if (word == "null") return MakeNode(Node::Kind::kNull, Next().position);
  if (word == "date" || word == "timestamp" || word == "interval") {
    Next();
    const Token& value = Peek();
    if (value.kind != Kind::kString) {
      return Error("expected a string literal after a type keyword; found",
                   value);
    }
    const std::string type = absl::AsciiStrToUpper(word);
    auto canonical = CanonicalTypedLiteral(type, value.text, value.position);
    if (!canonical.ok()) return canonical.status();
    WhereNodePtr node = MakeNode(Node::Kind::kTyped, token.position);
    node->op = type;
    node->text = std::move(*canonical);
    Next();
    return node;
  }
  return Error("expected a literal but found", token);
}

Result WhereParser::Primary() {
  const Token& token = Peek();
  switch (token.kind) {
    case Kind::kReference: {
      auto reference = ParseWhereReference(token.text, token.position);
      if (!reference.ok()) return reference.status();
      references_.push_back(*reference);
      WhereNodePtr node = MakeNode(Node::Kind::kReference, token.position);
      node->reference = std::move(*reference);
      ++at_;
      return node;
    }
    case Kind::kNumber:
    case Kind::kString:
      return Literal();
    case Kind::kSymbol:
      if (AcceptSymbol("(")) {
        if (IsWord("select"))
          return Error("subqueries are not allowed:", Peek());
        Result inner = OrExpr();
        if (!inner.ok()) return inner;
        if (absl::Status s = ExpectSymbol(")"); !s.ok()) return s;
        return inner;
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
  const bool is_call =
      PeekNext().kind == Kind::kSymbol && PeekNext().text == "(";
  if (word == "current_date") {
    WhereNodePtr node = MakeNode(Node::Kind::kCurrentDate, Next().position);
    if (is_call) {
      ++at_;
      if (absl::Status s = ExpectSymbol(")"); !s.ok()) return s;
    }
    return node;
  }
  if (word == "cast") return Cast();
  if (Contains(kStatementWords, word)) {
    return Error("subqueries and statements are not allowed:", token);
  }
  if (!is_call) {
    return Error(
        "bare identifier not allowed (refer to columns with "
        "{{ Dimension('...') }} and the like):",
        token);
  }
  if (!Contains(kAllowedFunctions, word)) {
    return Error("function not allowed:", token);
  }
  return Call(token);
}

Result WhereParser::Call(const Token& name) {
  WhereNodePtr node = MakeNode(Node::Kind::kCall, name.position);
  node->op = Lower(name);
  at_ += 2;  // Name and '('.
  if (AcceptSymbol(")")) return node;
  do {
    Result argument = OrExpr();
    if (!argument.ok()) return argument;
    node->children.push_back(std::move(*argument));
  } while (AcceptSymbol(","));
  if (absl::Status s = ExpectSymbol(")"); !s.ok()) return s;
  return node;
}

Result WhereParser::Cast() {
  WhereNodePtr node = MakeNode(Node::Kind::kCast, Next().position);
  if (absl::Status s = ExpectSymbol("("); !s.ok()) return s;
  Result operand = OrExpr();
  if (!operand.ok()) return operand;
  node->children.push_back(std::move(*operand));
  if (!AcceptWord("as")) return Error("expected AS in CAST but found", Peek());
  if (Peek().kind != Kind::kIdentifier ||
      !Contains(kAllowedCastTypes, Lower(Peek()))) {
    return Error("type not allowed in CAST:", Peek());
  }
  node->op = absl::AsciiStrToUpper(Next().text);
  if (absl::Status s = ExpectSymbol(")"); !s.ok()) return s;
  return node;
}

}  // namespace mfgate::validate::internal
