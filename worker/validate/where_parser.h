// The recursive-descent parser behind ParseWhereFilter (where_filter.h), one
// instance per filter. where_filter.cc holds the boolean grammar (or, and,
// not, predicates) and where_operand.cc the operands (arithmetic, calls,
// literals, references). Internal to this package; not thread-safe (one
// parse at a time per instance).
#ifndef MFGATE_WORKER_VALIDATE_WHERE_PARSER_H_
#define MFGATE_WORKER_VALIDATE_WHERE_PARSER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "worker/validate/where_filter.h"
#include "worker/validate/where_lexer.h"
#include "worker/validate/where_tree.h"

namespace mfgate::validate::internal {

using Result = absl::StatusOr<WhereNodePtr>;

// How deep the parser may recurse: a guard for its stack only. The limit
// callers see is on the tree (kMaxWhereDepth), so that the emitted filter,
// which may parenthesize more than its caller did, always parses again.
inline constexpr int kMaxRecursion = 4 * kMaxWhereDepth + 16;

bool Contains(absl::Span<const absl::string_view> list, absl::string_view word);
WhereNodePtr MakeNode(WhereNode::Kind kind, size_t position);

class WhereParser {
 public:
  explicit WhereParser(std::vector<Token> tokens)
      : tokens_(std::move(tokens)) {}

  // The whole filter; then TakeReferences.
  Result Parse();
  std::vector<WhereReference> TakeReferences() {
    return std::move(references_);
  }

 private:
  // Token access.
  const Token& Peek() const { return tokens_[at_]; }
  const Token& PeekNext() const;
  const Token& Next();
  std::string Lower(const Token& t) const;
  bool IsWord(absl::string_view word) const;
  bool IsSymbol(absl::string_view symbol) const;
  bool AcceptWord(absl::string_view word);
  bool AcceptSymbol(absl::string_view symbol);
  absl::Status Error(absl::string_view what, const Token& token) const;
  absl::Status Unexpected() const { return Error("unexpected", Peek()); }
  absl::Status ExpectSymbol(absl::string_view symbol);

  // Guards recursion: deep nesting is refused, never a stack overflow.
  class Depth {
   public:
    explicit Depth(WhereParser* p) : p_(p) { ++p_->depth_; }
    ~Depth() { --p_->depth_; }
    bool too_deep() const { return p_->depth_ > kMaxRecursion; }

   private:
    WhereParser* p_;
  };
  absl::Status TooDeep() const {
    return Error("nesting deeper than allowed at", Peek());
  }

  // The boolean grammar (where_filter.cc).
  Result Chain(WhereNode::Kind kind, absl::string_view word,
               Result (WhereParser::*operand)());
  Result OrExpr();
  Result AndExpr();
  Result NotExpr();
  Result Comparison();
  Result InList(WhereNodePtr operand, bool negated);

  // Operands (where_operand.cc).
  Result Arithmetic(const std::vector<absl::string_view>& operators,
                    Result (WhereParser::*operand)());
  Result Additive();
  Result Multiplicative();
  Result Unary();
  Result Literal();
  Result Primary();
  Result Call(const Token& name);
  Result Cast();
  static WhereNodePtr StringNode(const Token& token);

  std::vector<Token> tokens_;
  size_t at_ = 0;
  int depth_ = 0;
  std::vector<WhereReference> references_;
};

}  // namespace mfgate::validate::internal

#endif  // MFGATE_WORKER_VALIDATE_WHERE_PARSER_H_
