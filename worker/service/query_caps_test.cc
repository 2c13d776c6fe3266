#include "worker/service/query_caps.h"

#include <string>

#include "gtest/gtest.h"

namespace mfgate::service {
namespace {

v1::QueryResponse Rows(int count, size_t bytes) {
  v1::QueryResponse answer;
  for (int i = 0; i < count; ++i) {
    answer.add_rows()->add_values()->set_string_value(
        std::string(bytes, static_cast<char>('a' + i % 26)));
  }
  return answer;
}

TEST(QueryCapsTest, AnAnswerOverTheByteCapLosesOnlyTheRowsOverIt) {
  // 3 rows of about 400 bytes under a cap of 1,000: 2 fit (halving, as the
  // cut once did, kept 1).
  v1::QueryResponse answer = Rows(3, 400);
  ASSERT_GT(answer.ByteSizeLong(), 1000u);
  CapQueryAnswer(100, 1000, &answer);
  ASSERT_EQ(answer.rows_size(), 2);
  EXPECT_TRUE(answer.truncated());
  EXPECT_LE(answer.ByteSizeLong(), 1000u);
  EXPECT_EQ(answer.rows(1).values(0).string_value(), std::string(400, 'b'));
}

TEST(QueryCapsTest, TheRowCapAndAnAnswerWithinBoth) {
  v1::QueryResponse answer = Rows(10, 10);
  CapQueryAnswer(4, 1 << 20, &answer);
  EXPECT_EQ(answer.rows_size(), 4);
  EXPECT_TRUE(answer.truncated());
  v1::QueryResponse within = Rows(4, 10);
  CapQueryAnswer(4, 1 << 20, &within);
  EXPECT_EQ(within.rows_size(), 4);
  EXPECT_FALSE(within.truncated());
}

TEST(QueryCapsTest, EveryRowOverTheCapGoes) {
  // One row larger than the cap alone: none is left, and it says so.
  v1::QueryResponse answer = Rows(1, 5000);
  CapQueryAnswer(100, 1000, &answer);
  EXPECT_EQ(answer.rows_size(), 0);
  EXPECT_TRUE(answer.truncated());
  // Many small rows: exactly as many as fit.
  v1::QueryResponse many = Rows(1000, 20);
  CapQueryAnswer(100000, 5000, &many);
  EXPECT_LE(many.ByteSizeLong(), 5000u);
  v1::QueryResponse one_more = Rows(many.rows_size() + 1, 20);
  EXPECT_GT(one_more.ByteSizeLong(), 5000u);
}

}  // namespace
}  // namespace mfgate::service
