// mfgate's strict grammar for MetricFlow where filters.
//
// MetricFlow resolves a filter's Jinja references and pastes the rest into
// the generated SQL unchanged, so a filter is SQL: left alone it could carry a
// subquery, a second statement or a file-reading table function. The worker
// therefore accepts only this grammar (keywords case-insensitive):
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
//                | CAST ( or_expr AS type ) | ( or_expr )
//   literal     := number | 'string' | TRUE | FALSE | NULL
//                | DATE 'x' | TIMESTAMP 'x' | INTERVAL 'x'
//   reference   := {{
//   Dimension('name')[.grain('g')|.date_part('p')|.descending(B)]* }}
//                | {{ TimeDimension('name'[, 'grain']) }}
//                | {{ Entity('name') }}
//                | {{ Metric('name', group_by=['entity', ...]) }}
//
// with `function` from kAllowedFunctions and `type` from kAllowedCastTypes.
// Bare identifiers (columns), subqueries, comments, `;`, quoted identifiers,
// other Jinja and unknown functions are refused with an error naming the
// token. Stateless; safe from any thread.
#ifndef MFGATE_WORKER_VALIDATE_WHERE_FILTER_H_
#define MFGATE_WORKER_VALIDATE_WHERE_FILTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mfgate::validate {

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

// One Jinja reference of a filter.
struct WhereReference {
  enum class Kind { kDimension, kTimeDimension, kEntity, kMetric };
  Kind kind;
  std::string name;                   // e.g. customer__customer_country
  std::string grain;                  // TimeDimension's or .grain(...)'s
  std::vector<std::string> group_by;  // Metric's
  size_t position;                    // Of the `{{` in the filter.
};

struct WhereFilter {
  std::string text;  // The filter as given; passed on unchanged.
  std::vector<WhereReference> references;
};

// Parses `text`; InvalidArgument on field "where" when it is outside the
// grammar. Reference names are checked against the group-by name grammar.
absl::StatusOr<WhereFilter> ParseWhereFilter(absl::string_view text);

}  // namespace mfgate::validate

#endif  // MFGATE_WORKER_VALIDATE_WHERE_FILTER_H_
