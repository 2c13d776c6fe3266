#include "gateway/tools/args.h"

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

absl::StatusOr<json> Check(const std::string& tool, const json& arguments) {
  const ToolSpec* spec = FindTool(tool);
  EXPECT_NE(spec, nullptr) << tool;
  return CheckArguments(*spec, arguments);
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
  v1::QueryRequest request = BuildQuery(*args, false);
  EXPECT_THAT(request.metrics(), ::testing::ElementsAre("revenue"));
  EXPECT_THAT(request.group_by(),
              ::testing::ElementsAre("metric_time__day", "customer__region"));
  EXPECT_THAT(request.order_by(), ::testing::ElementsAre("-revenue"));
  EXPECT_EQ(request.limit(), 10);
  EXPECT_TRUE(request.compile_only());
  EXPECT_TRUE(request.saved_query().empty());
}

TEST(ArgsTest, WrongTypesNameTheArgument) {
  auto bad = Check("query", {{"limit", "ten"}});
  EXPECT_EQ(ErrorField(bad.status()), "limit");
  EXPECT_THAT(bad.status().message(),
              HasSubstr("expected an integer, got string"));
  EXPECT_EQ(ErrorField(Check("query", {{"limit", 10.5}}).status()), "limit");
  EXPECT_EQ(ErrorField(Check("query", {{"limit", 0}}).status()), "limit");
  EXPECT_EQ(ErrorField(Check("query", {{"limit", 1e300}}).status()), "limit");
  EXPECT_EQ(ErrorField(Check("query", {{"metrics", {"a", 2}}}).status()),
            "metrics[1]");
  EXPECT_EQ(ErrorField(Check("query", {{"explain", "yes"}}).status()),
            "explain");
  EXPECT_EQ(
      ErrorField(Check("list_dimensions", {{"metrics", {{"a", 1}}}}).status()),
      "metrics");
}

TEST(ArgsTest, UnknownAndMissingArguments) {
  auto unknown = Check("list_metrics", {{"serch", "x"}});
  EXPECT_EQ(ErrorField(unknown.status()), "serch");
  EXPECT_THAT(unknown.status().message(),
              HasSubstr("known: search, show_all_dimensions"));
  EXPECT_THAT(Check("health_checks", {{"x", 1}}).status().message(),
              HasSubstr("takes none"));
  auto missing = Check("list_dimension_values", {{"metrics", {"m"}}});
  EXPECT_EQ(ErrorField(missing.status()), "dimension");
}

TEST(ArgsTest, OtherBuilders) {
  auto args = Check("list_dimension_values", {{"dimension", "customer__region"},
                                              {"metrics", "a,b"},
                                              {"start_time", "2024-01-01"}});
  ASSERT_TRUE(args.ok());
  v1::ListDimensionValuesRequest values = BuildListDimensionValues(*args);
  EXPECT_EQ(values.dimension(), "customer__region");
  EXPECT_EQ(values.metrics_size(), 2);
  args = Check("validate_configs", {{"skip_dw", true}, {"dw_timeout", 30}});
  ASSERT_TRUE(args.ok());
  EXPECT_TRUE(BuildValidateConfigs(*args).skip_dw());
  EXPECT_EQ(BuildValidateConfigs(*args).dw_timeout(), 30);
  args = Check("list_metrics", {{"search", "rev"}});
  EXPECT_EQ(BuildListMetrics(*args).search(0), "rev");
}

TEST(ArgsTest, CatalogueListsNineToolsAndKnowsTheAliases) {
  EXPECT_EQ(Catalogue().size(), 9u);
  for (const ToolSpec& spec : Catalogue()) {
    json listing = ToolListing(spec);
    EXPECT_EQ(listing["inputSchema"]["type"], "object");
    EXPECT_EQ(listing["inputSchema"]["additionalProperties"], false);
    EXPECT_EQ(listing["outputSchema"]["type"], "object");
    EXPECT_EQ(listing["annotations"]["readOnlyHint"], true);
    EXPECT_EQ(listing["annotations"]["idempotentHint"], true);
    EXPECT_FALSE(listing["description"].get<std::string>().empty());
  }
  EXPECT_EQ(FindTool("query_tool"), FindTool("query"));
  EXPECT_EQ(FindTool("health_checks_tool"), FindTool("health_checks"));
  EXPECT_EQ(FindTool("compile_sql_tool"), nullptr);
  EXPECT_EQ(FindTool("drop_tables"), nullptr);
}

}  // namespace
}  // namespace mfgate::tools
