// The texts that teach a model to use each tool. Kept apart from the
// catalogue's structure so that both stay short.
#ifndef MFGATE_GATEWAY_TOOLS_DESCRIPTIONS_H_
#define MFGATE_GATEWAY_TOOLS_DESCRIPTIONS_H_

namespace mfgate::tools::descriptions {

inline constexpr char kQuery[] =
    "Query metrics from the dbt MetricFlow semantic layer and return the "
    "rows.\n"
    "Workflow: list_metrics -> list_dimensions (for the chosen metrics) -> "
    "query.\n"
    "- metrics: metric names, e.g. [\"revenue\", \"orders\"].\n"
    "- group_by: dimension names. Time: metric_time with an optional grain "
    "suffix "
    "(metric_time__day, metric_time__week, metric_time__month, "
    "metric_time__quarter, "
    "metric_time__year). Other dimensions are prefixed by their entity: "
    "customer__region, order__status; longer entity paths join with __ "
    "(order__customer__region). Entities themselves can be grouped by "
    "(customer).\n"
    "- where: a filter using references, not raw columns: "
    "{{ Dimension('customer__region') }} = 'EMEA', "
    "{{ TimeDimension('metric_time', 'day') }} >= '2024-01-01', "
    "{{ Entity('customer') }} IN ('a', 'b'). Combine with AND/OR/NOT, "
    "comparisons, IN lists, BETWEEN, LIKE, IS [NOT] NULL and simple functions "
    "(lower, upper, coalesce, date_trunc, ...). Subqueries and other SQL are "
    "refused.\n"
    "- order: names from metrics or group_by; prefix with - for descending "
    "(\"-revenue\").\n"
    "- limit: rows to return (default 100, at most 10000).\n"
    "- start_time / end_time: ISO-8601 dates bounding metric_time.\n"
    "- saved_query: run a saved query instead of metrics/group_by.\n"
    "- explain: return the SQL instead of running it.";

inline constexpr char kCompileSql[] =
    "Compile a metric query to the SQL MetricFlow would run, without running "
    "it. "
    "Takes the same arguments as query (metrics, group_by, where, order, "
    "limit, "
    "start_time, end_time, saved_query).";

inline constexpr char kListMetrics[] =
    "List the metrics of the semantic layer with their type, description and "
    "some "
    "of the dimensions they can be grouped by. Use search to filter by name "
    "(case-insensitive substring); show_all_dimensions lists every dimension.";

inline constexpr char kListDimensions[] =
    "List the dimensions that can group or filter all of the given metrics "
    "(all "
    "dimensions when none are given). Names are as used in query's group_by, "
    "e.g. metric_time, customer__region; time dimensions list their grains.";

inline constexpr char kListEntities[] =
    "List the entities (join keys such as customer or order) usable with all "
    "of "
    "the given metrics. Entity names prefix dimension names: customer__region.";

inline constexpr char kListDimensionValues[] =
    "List the distinct values of one dimension (e.g. customer__region) for the "
    "given metrics, optionally within start_time/end_time. Useful to write "
    "exact "
    "where filters.";

inline constexpr char kListSavedQueries[] =
    "List the saved queries defined in the project: named, reviewed "
    "combinations "
    "of metrics, group-bys and filters that query can run with saved_query.";

inline constexpr char kValidateConfigs[] =
    "Validate the semantic layer's configuration: semantic checks, and unless "
    "skip_dw, checks against the data warehouse.";

inline constexpr char kHealthChecks[] =
    "Check that the data warehouse behind the semantic layer answers.";

}  // namespace mfgate::tools::descriptions

#endif  // MFGATE_GATEWAY_TOOLS_DESCRIPTIONS_H_
