// The typed tree of a where filter: what the worker understood of a caller's
// filter, and the only thing the filter MetricFlow receives is made from.
//
// A WhereNode is an operator with its operands, a literal with its value, or
// a reference (one `{{ ... }}`) with its parsed arguments. The caller's text
// is never kept: EmitWhereFilter (where_filter.h) writes the filter anew
// from the tree, quoting every literal itself. Plain values; not thread-safe
// to mutate, safe to read from any thread.
#ifndef MFGATE_WORKER_VALIDATE_WHERE_TREE_H_
#define MFGATE_WORKER_VALIDATE_WHERE_TREE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mfgate::validate {

// One Jinja reference of a filter, e.g.
// `{{ Dimension('customer__country').grain('month') }}`.
struct WhereReference {
  enum class Kind { kDimension, kTimeDimension, kEntity, kMetric };
  Kind kind = Kind::kDimension;
  std::string name;                   // e.g. customer__customer_country
  std::string grain;                  // TimeDimension's or .grain(...)'s
  std::string date_part;              // Dimension(...).date_part(...)
  int descending = -1;                // .descending(...): -1 unset, 0, 1
  std::vector<std::string> group_by;  // Metric's
  // entity_path=[...] of any but Metric: the entities joined through, e.g.
  // Dimension('country__region', entity_path=['customer']).
  std::vector<std::string> entity_path;
  size_t position = 0;  // Of the `{{` in the caller's filter.
};

struct WhereNode {
  enum class Kind {
    kOr,       // children: two or more operands
    kAnd,      // children: two or more operands
    kNot,      // children: one operand
    kCompare,  // op: = <> < <= > >=; children: left, right
    kIn,       // negated; children: operand, then one or more literals
    kBetween,  // negated; children: operand, low, high
    kLike,     // op: LIKE or ILIKE; negated; children: operand, pattern
    kIs,       // op: NULL, TRUE or FALSE; negated; children: operand
    kArith,    // op: + - (additive), * / (multiplicative) or ||; ops holds
               // the operator before each child but the first; children:
               // two or more operands, all of op's class
    kNegate,   // children: one operand
    kCall,     // op: the function (kAllowedFunctions); children: arguments
    kCast,     // op: the type (kAllowedCastTypes); children: one operand
    kCurrentDate,
    kReference,  // reference
    kNumber,     // text: digits, optional fraction and exponent
    kString,     // text: the value, unquoted
    kBool,       // op: TRUE or FALSE
    kNull,
    kTyped,  // op: DATE, TIMESTAMP or INTERVAL; text: the canonical value
  };
  Kind kind = Kind::kNull;
  std::string op;
  std::vector<std::string> ops;  // kArith only.
  bool negated = false;
  std::string text;
  WhereReference reference;
  std::vector<std::unique_ptr<WhereNode>> children;
  size_t position = 0;  // Of the node's first token in the caller's filter.
};

using WhereNodePtr = std::unique_ptr<WhereNode>;

// Levels of nesting in the tree below and including `node`.
int WhereTreeDepth(const WhereNode& node);

// The tree as an S-expression without positions, e.g.
// `(and (= (ref Dimension a__b) (str x)) (is-not NULL (num 1)))`: two trees
// are the same filter exactly when their dumps are equal.
std::string DumpWhereTree(const WhereNode& node);

}  // namespace mfgate::validate

#endif  // MFGATE_WORKER_VALIDATE_WHERE_TREE_H_
