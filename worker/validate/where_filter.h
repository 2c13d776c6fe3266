// mfgate's where filters: parsed into a typed tree, then written anew.
//
// MetricFlow renders a filter with Jinja (everywhere in it, string literals
// included) and pastes the result into the generated SQL: a filter is SQL.
// The worker therefore never passes a caller's filter on. It parses the
// filter into a WhereNode tree (where_tree.h) with this grammar (keywords
// case-insensitive), and MetricFlow receives only what EmitWhereFilter
// writes from that tree:
//
//   filter      := or_expr END
//   or_expr     := and_expr ( OR and_expr )*
//   and_expr    := not_expr ( AND not_expr )*
//   not_expr    := NOT not_expr | comparison
//   comparison  := additive [ comp_op additive
//                           | [NOT] IN ( literal , ... )
//                           | [NOT] BETWEEN additive AND additive
//                           | [NOT] LIKE|ILIKE string
//                           | IS [NOT] NULL|TRUE|FALSE ]
//   comp_op     := = | <> | != | < | <= | > | >=
//   additive    := multiplicative ( + | - | || multiplicative )*
//   multiplicative := unary ( * | / unary )*
//   unary       := - unary | primary
//   primary     := reference | literal | function ( [or_expr , ...] )
//                | CAST ( or_expr AS type ) | CURRENT_DATE | ( or_expr )
//   literal     := number | 'string' | TRUE | FALSE | NULL
//                | DATE 'x' | TIMESTAMP 'x' | INTERVAL 'x'
//   reference   := {{ Dimension('name'[, path])[.grain('g')|.date_part('p')
//                                               |.descending(True|False)]* }}
//                | {{ TimeDimension('name'[, 'grain'][, path]) }}
//                | {{ Entity('name'[, path]) }}
//                | {{ Metric('name', group_by=['entity', ...]) }}
//   path        := entity_path=['entity', ...]
//
// with `function` from kAllowedFunctions and `type` from kAllowedCastTypes;
// names match MetricFlow's name grammar (names.h); string literals hold
// nothing Jinja or SQL treats specially (where_literals.h). Everything else
// is refused with an error naming the token and its position: bare
// identifiers (columns), subqueries, comments, `;`, quoted identifiers,
// other Jinja, unknown functions.
//
// The emitted filter holds no Jinja but the references the worker wrote from
// validated names, every literal quoted by the worker, keywords and function
// names from the worker's own tables, and parentheses wherever two SQL
// dialects could group operators differently. Parsing it again gives the
// same tree. Stateless; safe from any thread.
#ifndef MFGATE_WORKER_VALIDATE_WHERE_FILTER_H_
#define MFGATE_WORKER_VALIDATE_WHERE_FILTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/validate/where_tree.h"

namespace mfgate::validate {

// Levels of nesting a filter's tree may have.
inline constexpr int kMaxWhereDepth = 32;

// Scalar functions a filter may call (lower case; matched case-insensitively).
inline constexpr absl::string_view kAllowedFunctions[] = {
    "abs",          "ceil",       "ceiling",   "coalesce", "concat",
    "current_date", "date_trunc", "floor",     "greatest", "least",
    "length",       "lower",      "ltrim",     "nullif",   "round",
    "rtrim",        "substr",     "substring", "trim",     "upper"};

// Types CAST may name.
inline constexpr absl::string_view kAllowedCastTypes[] = {
    "bigint", "boolean", "date",    "decimal", "double",    "float",
    "int",    "integer", "numeric", "text",    "timestamp", "varchar"};

struct WhereFilter {
  WhereNodePtr root;
  std::vector<WhereReference> references;  // In the order they appear.
};

// Parses `text`; InvalidArgument on field "where" when it is outside the
// grammar.
absl::StatusOr<WhereFilter> ParseWhereFilter(absl::string_view text);

// The filter MetricFlow receives for `filter`.
std::string EmitWhereFilter(const WhereFilter& filter);

// ParseWhereFilter then EmitWhereFilter.
absl::StatusOr<std::string> CanonicalWhereFilter(absl::string_view text);

}  // namespace mfgate::validate

#endif  // MFGATE_WORKER_VALIDATE_WHERE_FILTER_H_
