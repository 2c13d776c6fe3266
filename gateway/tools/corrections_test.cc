#include "gateway/tools/corrections.h"

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

const absl::CivilDay kToday(2025, 11, 30);

Vocabulary Demo() {
  Vocabulary vocabulary;
  vocabulary.metrics = [] {
    return std::vector<std::string>{"transactions", "new_customers",
                                    "cancellations"};
  };
  vocabulary.dimensions = [](const std::vector<std::string>&) {
    return std::vector<std::string>{"customer__customer_country",
                                    "transaction__is_large", "metric_time"};
  };
  vocabulary.saved_queries = [] {
    return std::vector<std::string>{"core_transaction_metrics"};
  };
  return vocabulary;
}

struct Refused {
  absl::Status error;  // As the caller's names say it.
  json example;
};

// `arguments` of `tool` checked, then refused with `worker_error` (or by
// the check itself when it fails).
Refused Refuse(const std::string& tool, const json& arguments,
               const absl::Status& worker_error = absl::OkStatus()) {
  const ToolSpec& spec = *FindTool(tool);
  absl::StatusOr<CheckedArgs> checked =
      CheckArguments(spec, arguments, ArgBounds(), kToday);
  CheckedArgs args = checked.ok() ? *checked : CheckedArgs();
  absl::Status error = checked.ok() ? worker_error : checked.status();
  Refused refused;
  refused.error = AsWritten(spec, args, error);
  refused.example = CorrectedCall(spec, arguments, args, refused.error,
                                  ArgBounds(), Demo(), kToday);
  // Whatever was corrected passes the gateway's own checks.
  if (refused.example.is_object()) {
    EXPECT_TRUE(CheckArguments(spec, refused.example, ArgBounds(), kToday).ok())
        << refused.example.dump();
  }
  return refused;
}

TEST(CorrectionsTest, UnknownMetricTakesMetricFlowsSuggestion) {
  Refused r = Refuse(
      "query", {{"metrics", {"new_customers", "transaction"}}},
      NotFoundFieldError("metrics",
                         "The given input does not exactly match any known "
                         "metrics. (input: transaction)",
                         {"transactions", "transaction_amount"}));
  EXPECT_EQ(ErrorField(r.error), "metrics[1]");
  EXPECT_EQ(r.example, json({{"metrics", {"new_customers", "transactions"}}}));
}

TEST(CorrectionsTest, TheWorkersOrderByIsTheCallersName) {
  absl::Status worker = FieldError(
      "order_by[0]", "'metric_time__day' is not among the metrics or group_by");
  Refused dbt =
      Refuse("query_metrics",
             {{"metrics", {"transactions"}},
              {"group_by", {{{"name", "metric_time"}, {"grain", "month"}}}},
              {"order_by", {{{"name", "metric_time"}, {"grain", "day"}}}}},
             worker);
  EXPECT_EQ(ErrorField(dbt.error), "order_by[0]");
  EXPECT_THAT(dbt.error.message(),
              HasSubstr("order_by[0]: 'metric_time__day'"));
  EXPECT_EQ(dbt.example["order_by"],
            json::array({{{"name", "metric_time__month"}}}));
  Refused mcp = Refuse("query",
                       {{"metrics", {"transactions"}},
                        {"group_by", {"customer__customer_country"}},
                        {"order", {"-revenue"}}},
                       FieldError("order_by[0]", "'revenue' is not among"));
  EXPECT_EQ(ErrorField(mcp.error), "order[0]");
  EXPECT_EQ(mcp.example["order"], json::array({"-transactions"}));
}

TEST(CorrectionsTest, AnObjectItemKeepsItsShape) {
  Refused r = Refuse(
      "query",
      {{"metrics", {"transactions"}},
       {"group_by",
        {"customer__customer_country",
         {{"name", "metric_time"}, {"grain", "fortnight"}}}}},
      NotFoundFieldError("group_by",
                         "The given input does not match any of the available "
                         "group-by-items (input: metric_time__fortnight)",
                         {"metric_time__day", "customer__country"}));
  EXPECT_EQ(ErrorField(r.error), "group_by[1]");
  EXPECT_EQ(r.example["group_by"],
            json::array({"customer__customer_country",
                         {{"name", "metric_time__day"}}}));
}

TEST(CorrectionsTest, FiltersAreRepaired) {
  Refused bare = Refuse(
      "query",
      {{"metrics", {"transactions"}}, {"where", "customer_country = 'US'"}},
      FieldError("where", "bare identifier not allowed: 'customer_country'"));
  EXPECT_EQ(bare.example["where"],
            "{{ Dimension('customer__customer_country') }} = 'US'");
  Refused unknown =
      Refuse("query",
             {{"metrics", {"transactions"}},
              {"where", "{{ Dimension('customer__country') }} = 'US'"}},
             NotFoundFieldError("where", "does not match (input: WhereFilter(",
                                {"Dimension('customer__customer_country')"}));
  EXPECT_EQ(unknown.example["where"],
            "{{ Dimension('customer__customer_country') }} = 'US'");
  Refused date = Refuse("query", {{"metrics", {"transactions"}},
                                  {"where",
                                   "{{ TimeDimension('metric_time', "
                                   "'day') }} < 'last month'"}});
  EXPECT_EQ(date.example["where"],
            "{{ TimeDimension('metric_time', 'day') }} < '2025-10-31'");
}

TEST(CorrectionsTest, SeveralFaultsAreAllCorrected) {
  Refused r = Refuse("query", {{"metrics", "transactions"},
                               {"limit", "lots"},
                               {"start_time", "yesterday"},
                               {"groupBy", {"metric_time__day"}}});
  EXPECT_EQ(r.example, json({{"metrics", "transactions"},
                             {"limit", 100},
                             {"start_time", "2025-11-29"},
                             {"end_time", "2025-11-29"},
                             {"group_by", {"metric_time__day"}}}));
}

TEST(CorrectionsTest, MissingAndExclusiveArguments) {
  Refused dimension =
      Refuse("get_dimension_values", {{"metrics", {"transactions"}}});
  EXPECT_EQ(ErrorField(dimension.error), "dimension");
  EXPECT_TRUE(dimension.example["dimension"].is_string());
  Refused metrics =
      Refuse("query", {{"group_by", {"metric_time__day"}}},
             FieldError("metrics",
                        "at least one metric (or a saved_query) is required"));
  EXPECT_EQ(metrics.example["metrics"].size(), 1u);
  Refused saved = Refuse(
      "query",
      {{"saved_query", "core_transaction_metrics"},
       {"metrics", {"transactions"}}},
      FieldError("saved_query", "cannot be combined with metrics or group_by"));
  EXPECT_EQ(saved.example, json({{"saved_query", "core_transaction_metrics"}}));
  Refused entity = Refuse(
      "list_dimension_values",
      {{"dimension", "customer__country"}, {"metrics", {"transactions"}}},
      FieldError("dimension",
                 "Querying dimension values for entities is not allowed."));
  EXPECT_EQ(entity.example["dimension"], "customer__customer_country");
  // An error that names no field corrects nothing.
  EXPECT_TRUE(Refuse("query", {{"metrics", {"transactions"}}},
                     absl::InvalidArgumentError("something else"))
                  .example.is_null());
}

TEST(CorrectionsTest, FailuresThatAreNotTheCallersHaveNoExample) {
  EXPECT_TRUE(Refuse("query", {{"metrics", {"transactions"}}},
                     absl::UnavailableError("engine restarting"))
                  .example.is_null());
  EXPECT_TRUE(Refuse("query", {{"metrics", {"transactions"}}},
                     absl::DeadlineExceededError("slow"))
                  .example.is_null());
}

}  // namespace
}  // namespace mfgate::tools
