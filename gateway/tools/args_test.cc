#include "gateway/tools/args.h"

#include "common/field_error.h"
#include "gateway/tools/refusal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::CivilDay kToday(2025, 11, 30);

absl::StatusOr<CheckedArgs> Check(const std::string& tool,
                                  const json& arguments,
                                  ArgBounds bounds = ArgBounds()) {
  const ToolSpec* spec = FindTool(tool);
  EXPECT_NE(spec, nullptr) << tool;
  return CheckArguments(*spec, arguments, bounds, kToday);
}

// The value the refusal's fix gives `argument`.
json FixedValue(const absl::Status& status, const std::string& argument) {
  std::optional<Fix> fix = FixOf(status);
  if (!fix.has_value() || !fix->set.contains(argument)) return nullptr;
  return fix->set[argument];
}

TEST(ArgsTest, BuildsAQueryRequest) {
  auto args =
      Check("query", {{"metrics", {"revenue"}},
                      {"group_by", "metric_time__day, customer__region"},
                      {"order", {"-revenue"}},
                      {"limit", 10.0},
                      {"where", "x"},
                      {"explain", true},
                      {"session_id", "s1"},
                      {"saved_query", nullptr}});
  ASSERT_TRUE(args.ok()) << args.status();
  v1::QueryRequest request = BuildQuery(args->values, false);
  EXPECT_THAT(request.metrics(), ElementsAre("revenue"));
  EXPECT_THAT(request.group_by(),
              ElementsAre("metric_time__day", "customer__region"));
  EXPECT_THAT(request.order_by(), ElementsAre("-revenue"));
  EXPECT_EQ(request.limit(), 10);
  EXPECT_TRUE(request.compile_only());
  EXPECT_TRUE(request.saved_query().empty());
}

TEST(ArgsTest, TypedGroupByAndOrderObjectsFoldToNames) {
  // dbt-mcp's shapes, its argument name and its upper-case grains.
  auto args = Check(
      "query_metrics",
      {{"metrics", {"Revenue"}},
       {"group_by",
        {{{"name", "metric_time"},
          {"grain", "MONTH"},
          {"type", "time_dimension"}},
         {{"name", "customer__region"}, {"type", "dimension"}},
         {{"name", "customer"}, {"type", "entity"}, {"grain", nullptr}}}},
       {"order_by",
        {{{"name", "metric_time"}, {"grain", "month"}, {"descending", true}},
         {{"name", "revenue"}, {"descending", "false"}}}}});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->Written("order"), "order_by");
  v1::QueryRequest request = BuildQuery(args->values, false);
  EXPECT_THAT(request.metrics(), ElementsAre("revenue"));
  EXPECT_THAT(request.group_by(), ElementsAre("metric_time__month",
                                              "customer__region", "customer"));
  EXPECT_THAT(request.order_by(),
              ElementsAre("-metric_time__month", "revenue"));
}

TEST(ArgsTest, AQueryThatRunsIsOrdered) {
  auto args = Check("query", {{"metrics", "m"}, {"group_by", "a__b, c__d"}});
  ASSERT_TRUE(args.ok());
  EXPECT_THAT(BuildQuery(args->values, false).order_by(),
              ElementsAre("a__b", "c__d"));
  EXPECT_TRUE(BuildQuery(args->values, true).order_by().empty());
}

TEST(ArgsTest, AnOrderNameTakesTheGrainOfItsGroupBy) {
  auto args = Check("query", {{"metrics", "revenue"},
                              {"group_by", {"metric_time__week"}},
                              {"order", "-metric_time"}});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(BuildQuery(args->values, false).order_by(),
              ElementsAre("-metric_time__week"));
}

TEST(ArgsTest, ShapesModelsSendThatAreServed) {
  auto args =
      Check("query",
            {{"metrics", "a, B"},
             {"limit", "25"},
             {"explain", "TRUE"},
             {"where",
              {"{{ Dimension('x__y') }} = 1", "{{ Dimension('x__z') }} = 2"}}});
  ASSERT_TRUE(args.ok()) << args.status();
  v1::QueryRequest request = BuildQuery(args->values, false);
  EXPECT_THAT(request.metrics(), ElementsAre("a", "b"));
  EXPECT_EQ(request.limit(), 25);
  EXPECT_TRUE(request.compile_only());
  EXPECT_EQ(request.where(),
            "({{ Dimension('x__y') }} = 1) AND ({{ Dimension('x__z') }} = 2)");
  auto search = Check("list_dimensions", {{"search", {"region", "country"}}});
  ASSERT_TRUE(search.ok());
  EXPECT_THAT(BuildListDimensions(search->values).search(),
              ElementsAre("region", "country"));
}

TEST(ArgsTest, WrongTypesNameTheArgumentAsWritten) {
  auto bad = Check("query", {{"limit", "ten"}});
  EXPECT_EQ(ErrorField(bad.status()), "limit");
  EXPECT_THAT(bad.status().message(),
              HasSubstr("expected an integer, got string"));
  EXPECT_EQ(FixedValue(bad.status(), "limit"), 100);
  EXPECT_EQ(ErrorField(Check("query", {{"limit", 10.5}}).status()), "limit");
  auto zero = Check("query", {{"limit", 0}});
  EXPECT_EQ(ErrorField(zero.status()), "limit");
  EXPECT_EQ(FixedValue(zero.status(), "limit"), 1);
  EXPECT_EQ(ErrorField(Check("query", {{"limit", 1e300}}).status()), "limit");
  EXPECT_EQ(ErrorField(Check("query", {{"metrics", {"a", 2}}}).status()),
            "metrics[1]");
  EXPECT_EQ(ErrorField(Check("query", {{"explain", "maybe"}}).status()),
            "explain");
  EXPECT_EQ(
      ErrorField(Check("list_dimensions", {{"metrics", {{"a", 1}}}}).status()),
      "metrics");
  auto order =
      Check("query", {{"metrics", {"m"}},
                      {"order_by", {{{"name", "m"}, {"descending", "sure"}}}}});
  EXPECT_EQ(ErrorField(order.status()), "order_by[0].descending");
}

TEST(ArgsTest, NearMissShapesAreRefusedWithTheirFix) {
  auto keys =
      Check("query", {{"metrics", {"m"}},
                      {"order_by", {{{"field", "m"}, {"direction", "DESC"}}}}});
  // Keys are read in order: "direction" before "field".
  EXPECT_EQ(ErrorField(keys.status()), "order_by[0].direction");
  EXPECT_EQ(FixedValue(keys.status(), "order_by"),
            json::array({{{"name", "m"}, {"descending", true}}}));
  auto reference =
      Check("query",
            {{"metrics", {"m"}},
             {"group_by", {"TimeDimension('metric_time', 'MONTH')", "c__r"}}});
  EXPECT_EQ(ErrorField(reference.status()), "group_by[0]");
  EXPECT_EQ(FixedValue(reference.status(), "group_by"),
            json::array({"metric_time__month", "c__r"}));
  auto sql = Check("query", {{"metrics", {"m"}}, {"order", "m DESC"}});
  EXPECT_EQ(FixedValue(sql.status(), "order"), json::array({"-m"}));
  auto grain =
      Check("query",
            {{"metrics", {"m"}},
             {"group_by",
              {{{"name", "customer"}, {"type", "entity"}, {"grain", "day"}}}}});
  EXPECT_EQ(ErrorField(grain.status()), "group_by[0].grain");
  EXPECT_EQ(FixedValue(grain.status(), "group_by"),
            json::array({{{"name", "customer"}, {"type", "entity"}}}));
}

TEST(ArgsTest, DatesThatAreNotIsoAreRefusedWithTheIsoDate) {
  auto phrase =
      Check("query", {{"metrics", {"m"}}, {"start_time", "last 7 days"}});
  EXPECT_EQ(ErrorField(phrase.status()), "start_time");
  EXPECT_THAT(phrase.status().message(), HasSubstr("2025-11-23"));
  EXPECT_EQ(FixedValue(phrase.status(), "start_time"), "2025-11-23");
  EXPECT_EQ(FixedValue(phrase.status(), "end_time"), "2025-11-30");
  auto zone = Check("query",
                    {{"metrics", {"m"}}, {"end_time", "2022-03-31T23:59:59Z"}});
  EXPECT_EQ(FixedValue(zone.status(), "end_time"), "2022-03-31T23:59:59");
  auto in_where =
      Check("query", {{"metrics", {"m"}},
                      {"where",
                       "{{ TimeDimension('metric_time', 'day') }} >= "
                       "'yesterday'"}});
  EXPECT_EQ(ErrorField(in_where.status()), "where");
  // Where in the filter, as the worker's refusals say it.
  EXPECT_THAT(in_where.status().message(),
              HasSubstr("'yesterday' at position 45 is not a date"));
  EXPECT_EQ(FixedValue(in_where.status(), "where"),
            "{{ TimeDimension('metric_time', 'day') }} >= '2025-11-29'");
  EXPECT_TRUE(Check("query", {{"metrics", {"m"}},
                              {"start_time", "2022-03-01"},
                              {"where", "{{ Dimension('a__b') }} = 'today!'"}})
                  .ok());
}

TEST(ArgsTest, UnknownAndMissingArguments) {
  auto unknown = Check("list_metrics", {{"serch", "x"}});
  EXPECT_EQ(ErrorField(unknown.status()), "serch");
  EXPECT_THAT(unknown.status().message(),
              HasSubstr("known: search, show_all_dimensions"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("did you mean search?"));
  EXPECT_EQ(FixedValue(unknown.status(), "search"), "x");
  auto filter = Check("query", {{"metrics", {"m"}}, {"filter", "x"}});
  EXPECT_EQ(FixedValue(filter.status(), "where"), "x");
  EXPECT_THAT(Check("health_checks", {{"x", 1}}).status().message(),
              HasSubstr("known: max_response_chars, cursor"));
  auto missing = Check("list_dimension_values", {{"metrics", {"m"}}});
  EXPECT_EQ(ErrorField(missing.status()), "dimension");
  auto twice = Check("query", {{"order", {"m"}}, {"order_by", {"m"}}});
  EXPECT_EQ(ErrorField(twice.status()), "order_by");
}

TEST(ArgsTest, TenantBounds) {
  ArgBounds bounds;
  bounds.max_rows = 50;
  bounds.max_response_chars = 4000;
  auto rows = Check("query", {{"metrics", {"m"}}, {"limit", 60}}, bounds);
  EXPECT_EQ(ErrorField(rows.status()), "limit");
  EXPECT_EQ(FixedValue(rows.status(), "limit"), 50);
  auto defaulted = Check("query", {{"metrics", {"m"}}}, bounds);
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(BuildQuery(defaulted->values, false).limit(), 50);
  auto chars = Check("list_metrics", {{"max_response_chars", 5000}}, bounds);
  EXPECT_EQ(ErrorField(chars.status()), "max_response_chars");
}

TEST(ArgsTest, OtherBuilders) {
  auto args = Check("get_dimension_values", {{"dimension", "Customer__Region"},
                                             {"metrics", "a,b"},
                                             {"start_time", "2024-01-01"},
                                             {"search", "e"},
                                             {"limit", 5}});
  ASSERT_TRUE(args.ok());
  v1::ListDimensionValuesRequest values =
      BuildListDimensionValues(args->values);
  EXPECT_EQ(values.dimension(), "customer__region");
  EXPECT_EQ(values.metrics_size(), 2);
  EXPECT_EQ(values.limit(), 5);
  EXPECT_THAT(values.search(), ElementsAre("e"));
  args = Check("validate_configs", {{"skip_dw", true}, {"dw_timeout", 30}});
  ASSERT_TRUE(args.ok());
  EXPECT_TRUE(BuildValidateConfigs(args->values).skip_dw());
  EXPECT_EQ(BuildValidateConfigs(args->values).dw_timeout(), 30);
  args = Check("list_metrics", {{"search", "rev"}});
  EXPECT_THAT(BuildListMetrics(args->values).search(), ElementsAre("rev"));
  args = Check("list_saved_queries", {{"search", {"a", "b"}}});
  EXPECT_THAT(BuildListSavedQueries(args->values).search(),
              ElementsAre("a", "b"));
}

TEST(ArgsTest, CatalogueListsNineToolsOnceAndKnowsTheAliases) {
  EXPECT_EQ(Catalogue().size(), 9u);
  for (const ToolSpec& spec : Catalogue()) {
    json listing = ToolListing(spec);
    EXPECT_EQ(listing["name"], spec.name);
    EXPECT_EQ(listing["inputSchema"]["type"], "object");
    EXPECT_EQ(listing["inputSchema"]["additionalProperties"], false);
    EXPECT_TRUE(listing["inputSchema"]["properties"].contains("cursor"));
    EXPECT_EQ(listing["outputSchema"]["type"], "object");
    EXPECT_EQ(listing["annotations"]["readOnlyHint"], true);
    EXPECT_EQ(listing["annotations"]["idempotentHint"], true);
    EXPECT_THAT(listing["description"].get<std::string>(),
                HasSubstr("Example: {"));
    for (const auto& [name, schema] :
         listing["inputSchema"]["properties"].items()) {
      EXPECT_THAT(schema["description"].get<std::string>(),
                  HasSubstr("Example"))
          << spec.name << "." << name;
      EXPECT_EQ(schema["examples"].size(), 1u) << spec.name << "." << name;
    }
  }
  EXPECT_EQ(FindTool("query_tool"), FindTool("query"));
  EXPECT_EQ(FindTool("query_metrics"), FindTool("query"));
  EXPECT_EQ(FindTool("get_dimensions"), FindTool("list_dimensions"));
  EXPECT_EQ(FindTool("get_entities"), FindTool("list_entities"));
  EXPECT_EQ(FindTool("get_dimension_values"),
            FindTool("list_dimension_values"));
  EXPECT_EQ(FindTool("get_metrics_compiled_sql"), FindTool("compile_sql"));
  EXPECT_EQ(FindTool("health_checks_tool"), FindTool("health_checks"));
  EXPECT_EQ(FindTool("compile_sql_tool"), nullptr);
  EXPECT_EQ(FindTool("drop_tables"), nullptr);
  ListingOptions dbt;
  dbt.naming = Naming::kDbtMcp;
  dbt.max_limit = 500;
  json query = ToolListing(*FindTool("query"), dbt);
  EXPECT_EQ(query["name"], "query_metrics");
  EXPECT_TRUE(query["inputSchema"]["properties"].contains("order_by"));
  EXPECT_FALSE(query["inputSchema"]["properties"].contains("order"));
  EXPECT_EQ(query["inputSchema"]["properties"]["limit"]["maximum"], 500);
  EXPECT_EQ(ToolListing(*FindTool("list_saved_queries"), dbt)["name"],
            "list_saved_queries");
}

}  // namespace
}  // namespace mfgate::tools
