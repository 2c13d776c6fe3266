#include "worker/engine/query_columns.h"

#include <string>

#include "gtest/gtest.h"

namespace mfgate::engine {
namespace {

// An answer to a query with `names` as its columns and, beside it, as many
// empty columns of cells for `row_count` rows.
v1::EngineResponse Answer(std::initializer_list<const char*> names,
                          int64_t row_count) {
  v1::EngineResponse response;
  for (const char* name : names)
    response.mutable_query()->add_columns()->set_name(name);
  response.mutable_query_columns()->set_row_count(row_count);
  for (size_t i = 0; i < names.size(); ++i) {
    response.mutable_query_columns()->add_columns();
  }
  return response;
}

v1::ColumnCells* Cells(v1::EngineResponse* response, int column) {
  return response->mutable_query_columns()->mutable_columns(column);
}

TEST(QueryColumnsTest, EveryKindAndNullBecomesItsValue) {
  v1::EngineResponse response = Answer({"b", "i", "d", "s", "t", "none"}, 3);
  for (bool b : {true, false, false}) Cells(&response, 0)->add_bools(b);
  for (int64_t i : {int64_t{-1}, int64_t{0}, INT64_MAX}) {
    Cells(&response, 1)->add_ints(i);
  }
  for (double d : {0.5, 0.0, -2.25}) Cells(&response, 2)->add_doubles(d);
  for (const char* s : {"a", "", "é"}) Cells(&response, 3)->add_strings(s);
  for (const char* t : {"2024-01-02", "", "2024-01-02T03:04:05"}) {
    Cells(&response, 4)->add_times(t);
  }
  Cells(&response, 0)->add_nulls(1);
  Cells(&response, 1)->add_nulls(1);
  Cells(&response, 3)->add_nulls(1);
  Cells(&response, 4)->add_nulls(1);
  for (uint32_t r : {0, 1, 2}) Cells(&response, 5)->add_nulls(r);

  ASSERT_TRUE(ExpandQueryColumns(&response, 0, 0).ok());
  EXPECT_FALSE(response.has_query_columns());
  const v1::QueryResponse& query = response.query();
  ASSERT_EQ(query.rows_size(), 3);
  EXPECT_FALSE(query.truncated());
  const auto& first = query.rows(0).values();
  ASSERT_EQ(first.size(), 6);
  EXPECT_EQ(first[0].kind_case(), v1::Value::kBoolValue);
  EXPECT_TRUE(first[0].bool_value());
  EXPECT_EQ(first[1].int_value(), -1);
  EXPECT_EQ(first[2].double_value(), 0.5);
  EXPECT_EQ(first[3].string_value(), "a");
  EXPECT_EQ(first[4].kind_case(), v1::Value::kTimeValue);
  EXPECT_EQ(first[4].time_value(), "2024-01-02");
  EXPECT_EQ(first[5].kind_case(), v1::Value::KIND_NOT_SET);
  // Row 1: NULL everywhere but the doubles (a real 0.0 there).
  const auto& second = query.rows(1).values();
  for (int c : {0, 1, 3, 4, 5}) {
    EXPECT_EQ(second[c].kind_case(), v1::Value::KIND_NOT_SET) << c;
  }
  EXPECT_EQ(second[2].kind_case(), v1::Value::kDoubleValue);
  const auto& third = query.rows(2).values();
  EXPECT_EQ(third[0].kind_case(), v1::Value::kBoolValue);
  EXPECT_FALSE(third[0].bool_value());
  EXPECT_EQ(third[1].int_value(), INT64_MAX);
  EXPECT_EQ(third[3].string_value(), "é");
  EXPECT_EQ(third[4].time_value(), "2024-01-02T03:04:05");
}

TEST(QueryColumnsTest, EmptyResultKeepsItsColumnsAndHasNoRows) {
  v1::EngineResponse response = Answer({"a", "b"}, 0);
  ASSERT_TRUE(ExpandQueryColumns(&response, 0, 0).ok());
  EXPECT_EQ(response.query().columns_size(), 2);
  EXPECT_EQ(response.query().rows_size(), 0);
  EXPECT_FALSE(response.has_query_columns());
}

TEST(QueryColumnsTest, AnswerWithoutColumnsIsLeftAsItIs) {
  v1::EngineResponse response;
  response.mutable_query()->add_rows()->add_values()->set_int_value(7);
  const std::string before = response.SerializeAsString();
  ASSERT_TRUE(ExpandQueryColumns(&response, 0, 0).ok());
  EXPECT_EQ(response.SerializeAsString(), before);
}

TEST(QueryColumnsTest, RowsPastMaxRowsAreNotMade) {
  v1::EngineResponse response = Answer({"i"}, 5);
  for (int i = 0; i < 5; ++i) Cells(&response, 0)->add_ints(i);
  ASSERT_TRUE(ExpandQueryColumns(&response, 2, 0).ok());
  ASSERT_EQ(response.query().rows_size(), 2);
  EXPECT_EQ(response.query().rows(1).values(0).int_value(), 1);
  EXPECT_TRUE(response.query().truncated());
}

// Each row costs at least 2 bytes (tag, length) and each of its cells 2 more
// in the answer the worker passes on: the rows past what `max_bytes` could
// hold would all be cut by the worker's byte cap. They are not made, so that
// cells packed a byte each (bools, NULL rows) cannot make far more Values
// than any answer the worker passes on holds.
TEST(QueryColumnsTest, RowsPastWhatTheByteCapCouldHoldAreNotMade) {
  v1::EngineResponse response = Answer({"b", "none"}, 1000);
  for (int i = 0; i < 1000; ++i) {
    Cells(&response, 0)->add_bools(true);
    Cells(&response, 1)->add_nulls(i);
  }
  v1::EngineResponse capped = response;
  ASSERT_TRUE(ExpandQueryColumns(&capped, 0, 606).ok());
  EXPECT_EQ(capped.query().rows_size(), 101);  // 606 / (2 + 2 * 2).
  EXPECT_TRUE(capped.query().truncated());
  EXPECT_TRUE(capped.query().rows(100).values(0).bool_value());
  // Within the cap, every row.
  ASSERT_TRUE(ExpandQueryColumns(&response, 0, 6000).ok());
  EXPECT_EQ(response.query().rows_size(), 1000);
  EXPECT_FALSE(response.query().truncated());
}

// Each malformed answer, made from a well-formed one of 2 rows and 2 columns
// (ints with row 1 NULL, strings).
struct MalformedCase {
  const char* name;
  void (*spoil)(v1::EngineResponse*);
  const char* why;
};

const MalformedCase kMalformed[] = {
    {"column count",
     [](v1::EngineResponse* r) { r->mutable_query_columns()->add_columns(); },
     "3 columns of cells for 2 columns"},
    {"short list",
     [](v1::EngineResponse* r) {
       Cells(r, 1)->mutable_strings()->RemoveLast();
     },
     "column 1 has 1 strings for 2 rows"},
    {"long list", [](v1::EngineResponse* r) { Cells(r, 0)->add_ints(9); },
     "column 0 has 3 ints for 2 rows"},
    {"two lists",
     [](v1::EngineResponse* r) {
       Cells(r, 0)->add_doubles(1);
       Cells(r, 0)->add_doubles(2);
     },
     "column 0 has both ints and doubles"},
    {"null out of range",
     [](v1::EngineResponse* r) { Cells(r, 1)->add_nulls(2); },
     "column 1's NULL row 2 is out of range or out of order"},
    {"nulls not ascending",
     [](v1::EngineResponse* r) { Cells(r, 0)->add_nulls(0); },
     "column 0's NULL row 0 is out of range or out of order"},
    {"null twice", [](v1::EngineResponse* r) { Cells(r, 0)->add_nulls(1); },
     "column 0's NULL row 1 is out of range or out of order"},
    {"no list, not all null",
     [](v1::EngineResponse* r) {
       Cells(r, 1)->clear_strings();
       Cells(r, 1)->add_nulls(0);
     },
     "column 1 has no cells and 1 NULL rows of 2"},
    {"negative row count",
     [](v1::EngineResponse* r) {
       r->mutable_query_columns()->set_row_count(-1);
     },
     "row_count -1"},
    {"rows too", [](v1::EngineResponse* r) { r->mutable_query()->add_rows(); },
     "both rows and query columns"},
    {"no query", [](v1::EngineResponse* r) { r->mutable_list_metrics(); },
     "query columns beside no query answer"},
    {"rows without columns",
     [](v1::EngineResponse* r) {
       r->mutable_query()->clear_columns();
       r->mutable_query_columns()->clear_columns();
     },
     "2 rows without columns"},
};

TEST(QueryColumnsTest, MalformedColumnsAreAnErrorAndChangeNothing) {
  for (const MalformedCase& c : kMalformed) {
    v1::EngineResponse response = Answer({"i", "s"}, 2);
    Cells(&response, 0)->add_ints(4);
    Cells(&response, 0)->add_ints(0);
    Cells(&response, 0)->add_nulls(1);
    Cells(&response, 1)->add_strings("x");
    Cells(&response, 1)->add_strings("y");
    c.spoil(&response);
    const std::string before = response.SerializeAsString();
    absl::Status status = ExpandQueryColumns(&response, 0, 0);
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << c.name;
    EXPECT_EQ(status.message(),
              std::string("the engine sent a malformed answer: ") + c.why)
        << c.name;
    EXPECT_EQ(response.SerializeAsString(), before) << c.name;
  }
}

}  // namespace
}  // namespace mfgate::engine
