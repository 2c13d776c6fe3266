// The texts that teach a model to use each tool and each argument: the
// forms accepted, with one example each. Kept apart from the catalogue's
// structure so that both stay short.
#ifndef MFGATE_GATEWAY_TOOLS_DESCRIPTIONS_H_
#define MFGATE_GATEWAY_TOOLS_DESCRIPTIONS_H_

namespace mfgate::tools::descriptions {

// --- tools ---------------------------------------------------------------

inline constexpr char kQuery[] =
    "Query metrics from the dbt MetricFlow semantic layer and return the "
    "rows.\n"
    "Workflow: list_metrics -> list_dimensions (for the chosen metrics) -> "
    "query.\n"
    "- metrics: metric names, e.g. [\"revenue\", \"orders\"].\n"
    "- group_by: names, or objects {name, type?, grain?}. Time is "
    "metric_time with a grain: \"metric_time__month\" or "
    "{\"name\": \"metric_time\", \"grain\": \"month\"} (day, week, month, "
    "quarter, year). Other dimensions are prefixed by their entity: "
    "customer__region; entities themselves (customer) can be grouped by.\n"
    "- where: a filter on references, not raw columns: "
    "{{ Dimension('customer__region') }} = 'EMEA' AND "
    "{{ TimeDimension('metric_time', 'day') }} >= '2024-01-01'; "
    "{{ Entity('customer') }} IN ('a', 'b'). AND/OR/NOT, comparisons, IN, "
    "BETWEEN, LIKE, IS [NOT] NULL and simple functions (lower, coalesce, "
    "date_trunc, current_date, INTERVAL '7 days'). Dates are ISO-8601 "
    "('2024-01-01'); words such as 'last 7 days' are not dates.\n"
    "- order (or order_by): names from metrics or group_by, \"-\" for "
    "descending (\"-revenue\"), or objects {\"name\": \"revenue\", "
    "\"descending\": true}.\n"
    "- limit: rows (default 100, or the schema's maximum when lower). "
    "start_time / end_time: ISO-8601 dates "
    "bounding metric_time, e.g. \"2024-01-01\".\n"
    "- saved_query: run a saved query instead of metrics/group_by.\n"
    "- explain: return the SQL instead of running it.\n"
    "A result longer than the response budget (max_response_chars; its "
    "schema's default, 16,000 characters unless this server sets another) "
    "is cut: truncated is true, next_cursor fetches "
    "the next page, and a hint says how to narrow the query.\n"
    "Example: {\"metrics\": [\"revenue\"], \"group_by\": [{\"name\": "
    "\"metric_time\", \"grain\": \"month\"}], \"order\": "
    "[\"-metric_time__month\"], \"limit\": 12}";

inline constexpr char kCompileSql[] =
    "Compile a metric query to the SQL MetricFlow would run, without running "
    "it. Takes the same arguments as query (metrics, group_by, where, order, "
    "limit, start_time, end_time, saved_query).\n"
    "Example: {\"metrics\": [\"revenue\"], \"group_by\": "
    "[\"metric_time__week\"]}";

inline constexpr char kListMetrics[] =
    "List the metrics of the semantic layer with their type, label, "
    "description and some of the dimensions they can be grouped by. Call it "
    "first to find what can be queried. search keeps metrics whose name or "
    "label holds any of the given substrings (case-insensitive); "
    "show_all_dimensions lists every dimension. A listing longer than the "
    "response budget drops descriptions first and says so in `note`.\n"
    "Example: {\"search\": [\"revenue\", \"order\"]}";

inline constexpr char kListDimensions[] =
    "List the dimensions that can group or filter all of the given metrics "
    "(every dimension of the project when none are given). Names are as "
    "query's group_by takes them (metric_time, customer__region); time "
    "dimensions list their grains. Next: query with these names in "
    "group_by, or list_dimension_values for exact filter values.\n"
    "Example: {\"metrics\": [\"revenue\"], \"search\": \"region\"}";

inline constexpr char kListEntities[] =
    "List the entities (join keys such as customer or order) usable with all "
    "of the given metrics (every entity when none are given). Entity names "
    "prefix dimension names: customer__region.\n"
    "Example: {\"metrics\": [\"revenue\"]}";

inline constexpr char kListDimensionValues[] =
    "List the distinct values of one dimension, to write exact where "
    "filters. metrics give the context (without them, the dimension's own "
    "semantic model); search keeps values holding a substring; at most "
    "limit values (default 100) come back, with truncated: true when there "
    "are more.\n"
    "Example: {\"dimension\": \"customer__region\", \"metrics\": "
    "[\"revenue\"], \"search\": \"eu\"}";

inline constexpr char kListSavedQueries[] =
    "List the saved queries defined in the project: named, reviewed "
    "combinations of metrics, group-bys and filters that query runs with "
    "saved_query.\n"
    "Example: {\"search\": \"revenue\"}";

inline constexpr char kValidateConfigs[] =
    "Validate the semantic layer's configuration: semantic checks, and unless "
    "skip_dw, checks against the data warehouse.\n"
    "Example: {\"skip_dw\": true}";

inline constexpr char kHealthChecks[] =
    "Check that the data warehouse behind the semantic layer answers.\n"
    "Example: {}";

// --- arguments -----------------------------------------------------------

inline constexpr char kMetricsArg[] =
    "Metric names from list_metrics: a list, or one string (\"a,b\" for "
    "several). Example: [\"revenue\", \"orders\"]";
inline constexpr char kMetricsContextArg[] =
    "Metric names (all metrics when omitted): a list or one string. "
    "Example: [\"revenue\"]";
inline constexpr char kGroupByArg[] =
    "Dimensions or entities to group by: names (\"metric_time__month\", "
    "\"customer__region\") or objects {\"name\", \"type\"?: dimension | "
    "time_dimension | entity, \"grain\"?: day | week | month | quarter | "
    "year}. Example: [{\"name\": \"metric_time\", \"grain\": \"month\"}, "
    "\"customer__region\"]";
inline constexpr char kOrderArg[] =
    "Sort keys from metrics or group_by: names, \"-\" first for descending, "
    "or objects {\"name\", \"descending\"?: bool, \"grain\"?}. A time name "
    "without a grain takes group_by's. Example: [\"-revenue\"] or "
    "[{\"name\": \"metric_time\", \"descending\": true}]";
inline constexpr char kWhereArg[] =
    "A filter on {{ Dimension('...') }}, {{ TimeDimension('...', 'grain') "
    "}} and {{ Entity('...') }} references, or a list of filters that must "
    "all hold; dates ISO-8601. Example: \"{{ Dimension('customer__region') "
    "}} = 'EMEA'\"";
inline constexpr char kLimitArg[] =
    "Rows to return (default 100, or the maximum when lower). Example: 10";
inline constexpr char kStartTimeArg[] =
    "ISO-8601 start of metric_time, inclusive (words such as 'last 7 days' "
    "are refused with the date they mean). Example: \"2024-01-01\"";
inline constexpr char kEndTimeArg[] =
    "ISO-8601 end of metric_time, inclusive. Example: \"2024-12-31\"";
inline constexpr char kSavedQueryArg[] =
    "A saved query (list_saved_queries) to run instead of metrics and "
    "group_by. Example: \"revenue_by_city\"";
inline constexpr char kExplainArg[] =
    "true: return the SQL without running it. Example: true";
inline constexpr char kSearchArg[] =
    "Keep items whose name holds this substring, or any of these "
    "(case-insensitive). Example: \"revenue\" or [\"revenue\", \"order\"]";
inline constexpr char kDimensionArg[] =
    "The dimension, as group_by names it. Example: \"customer__region\"";
inline constexpr char kValuesLimitArg[] =
    "Values to return (default 100); truncated says when there are more. "
    "Example: 20";
inline constexpr char kMaxResponseCharsArg[] =
    "This call's response budget in characters (about 4 per token; the "
    "default is this server's, 16000 unless set). Rows or items beyond it are "
    "cut, with next_cursor to fetch the rest. Example: 8000";
inline constexpr char kCursorArg[] =
    "next_cursor from the previous page of the same call, to fetch the next "
    "page. Example: \"40.3f9a1c2e\"";

}  // namespace mfgate::tools::descriptions

#endif  // MFGATE_GATEWAY_TOOLS_DESCRIPTIONS_H_
