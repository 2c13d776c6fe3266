// The shapes a model gives a tool's arguments, read into the one form the
// worker takes, or refused with the value that was meant.
//
// Accepted as they are: booleans and integers also as JSON text ("true",
// "10", as pydantic-based servers accept them); group_by items as names or
// {name, type?, grain?} objects, order items as names ("-" descending) or
// {name, descending?, grain?} objects (dbt-mcp's shapes); a where filter or
// a list of filters that must all hold. Refused, each with a fix
// (refusal.h): near-miss keys in those objects ({"field": ...},
// {"direction": "desc"}), MetricFlow's own reference syntax where a name
// belongs (TimeDimension('metric_time', 'month')), SQL's `name DESC`, and
// dates that are not ISO-8601 ('last 7 days', quoted in a filter or given as
// a start or end time; dates.h). Stateless; safe from any thread.
#ifndef MFGATE_GATEWAY_TOOLS_ARG_SHAPES_H_
#define MFGATE_GATEWAY_TOOLS_ARG_SHAPES_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

// A boolean, or its text: true/false, yes/no, on/off, 1/0 (any case).
std::optional<bool> LenientBoolean(const nlohmann::json& value);
// An integer, an integral number (10.0) or decimal digits ("10").
std::optional<long long> LenientInteger(const nlohmann::json& value);

// One item of group_by (`order` false) or of order (`order` true), named
// `field` as the caller wrote it ("group_by[1]"): the name MetricFlow takes
// ("metric_time__month", "-revenue"), in lower case. A refusal's fix is in
// `*fixed`: the item as it should have been (null: leave it out).
absl::StatusOr<std::string> FoldName(const std::string& field,
                                     const nlohmann::json& item, bool order,
                                     nlohmann::json* fixed);

// A where filter: the text, or the filters of a list joined with AND.
absl::StatusOr<std::string> JoinWhere(const std::string& field,
                                      const nlohmann::json& value);

// Refuses a relative date quoted in `where` ('last 7 days'); the fix is the
// filter with the ISO date in its place (the range's end after < or <=,
// else its start).
absl::Status CheckWhereDates(const std::string& field, const std::string& where,
                             absl::CivilDay today);

// Refuses a start_time (`end` false) or end_time that is not ISO-8601 but
// reads as a date or a phrase; the fix sets the ISO dates meant (a phrase
// sets both ends, unless the caller gave the other one).
absl::Status CheckTime(const std::string& field, const std::string& text,
                       bool end, const nlohmann::json& arguments,
                       absl::CivilDay today);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_ARG_SHAPES_H_
