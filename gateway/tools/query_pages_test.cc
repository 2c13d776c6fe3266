#include "gateway/tools/query_pages.h"

#include <malloc.h>

#include <memory>
#include <string>

#include "gateway/tools/results.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

std::shared_ptr<const PreparedContent> Answer(int rows) {
  v1::QueryResponse answer;
  answer.add_columns()->set_name("n");
  for (int i = 0; i < rows; ++i)
    answer.add_rows()->add_values()->set_int_value(i);
  return std::make_shared<PreparedContent>(QueryContent(answer, false));
}

struct Clock {
  absl::Time now = absl::FromUnixSeconds(1000);
  std::function<absl::Time()> Reader() {
    return [this] { return now; };
  }
};

TEST(QueryPagesTest, OnlyTheSameCallerAndCallFindAResult) {
  QueryPages pages(1 << 20, absl::Minutes(10));
  const std::string id = QueryPages::NewId();
  EXPECT_EQ(id.size(), 16u);
  EXPECT_NE(id, QueryPages::NewId());
  auto result = Answer(10);
  pages.Keep(id, "session-a", "f1", result);
  EXPECT_EQ(pages.Find(id, "session-a", "f1"), result);
  EXPECT_EQ(pages.Find(id, "session-b", "f1"), nullptr);
  EXPECT_EQ(pages.Find(id, "session-a", "f2"), nullptr);
  EXPECT_EQ(pages.Find(QueryPages::NewId(), "session-a", "f1"), nullptr);
  // Asked by the wrong caller, it is still kept for the right one.
  EXPECT_EQ(pages.Find(id, "session-a", "f1"), result);
  EXPECT_EQ(pages.size(), 1u);
}

TEST(QueryPagesTest, AResultIsKeptForItsAgeOnly) {
  Clock clock;
  QueryPages pages(1 << 20, absl::Minutes(10), clock.Reader());
  pages.Keep("a1", "c", "f", Answer(10));
  clock.now += absl::Minutes(9);
  EXPECT_NE(pages.Find("a1", "c", "f"), nullptr);
  clock.now += absl::Minutes(2);
  EXPECT_EQ(pages.Find("a1", "c", "f"), nullptr);
  EXPECT_EQ(pages.size(), 0u);
  EXPECT_EQ(pages.bytes(), 0u);
}

// Every result past its age is dropped at the next call, whatever its
// place in the recency order: none outlives its age behind a newer one.
TEST(QueryPagesTest, ResultsPastTheirAgeAreDroppedAtTheNextCall) {
  Clock clock;
  QueryPages pages(1 << 20, absl::Minutes(10), clock.Reader());
  pages.Keep("old", "c", "f", Answer(10));
  clock.now += absl::Minutes(5);
  pages.Keep("newer", "c", "f", Answer(10));
  ASSERT_NE(pages.Find("old", "c", "f"), nullptr);  // Now the most recent.
  clock.now += absl::Minutes(6);                    // "old" is 11 minutes old.
  pages.Keep("newest", "c", "f", Answer(10));
  EXPECT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages.Find("old", "c", "f"), nullptr);
  // A Find of another result drops those past their age too.
  clock.now += absl::Minutes(5);  // "newer" is 11 minutes old.
  EXPECT_NE(pages.Find("newest", "c", "f"), nullptr);
  EXPECT_EQ(pages.size(), 1u);
}

TEST(QueryPagesTest, BytesAreBoundedLeastRecentlyUsedFirst) {
  const size_t one = Answer(1000)->bytes();
  // Room for about five: each is under a quarter of the bound.
  QueryPages pages(one * 5 + one / 2, absl::Minutes(10));
  for (int i = 0; i < 5; ++i)
    pages.Keep(std::to_string(i), "c", "f", Answer(1000));
  EXPECT_EQ(pages.size(), 5u);
  ASSERT_NE(pages.Find("0", "c", "f"), nullptr);  // Now the most recent.
  pages.Keep("5", "c", "f", Answer(1000));
  EXPECT_LE(pages.bytes(), one * 5 + one / 2);
  EXPECT_NE(pages.Find("0", "c", "f"), nullptr);
  EXPECT_EQ(pages.Find("1", "c", "f"), nullptr);  // The least recent went.
  EXPECT_NE(pages.Find("5", "c", "f"), nullptr);
}

// The bound holds for the heap the results take, however small each is: a
// caller who pages through many two-row answers (the smallest budget makes
// them two pages) fills the store with results whose own bytes are a small
// part of what keeping them costs.
TEST(QueryPagesTest, ManySmallResultsKeepToTheBound) {
  v1::QueryResponse answer;
  answer.add_columns()->set_name("metric_time__day");
  answer.add_columns()->set_name("transactions");
  answer.set_sql(std::string(300, 'S'));
  for (int i = 0; i < 2; ++i) {
    v1::Row* row = answer.add_rows();
    row->add_values()->set_time_value("2024-01-02T00:00:00");
    row->add_values()->set_int_value(i);
  }
  const size_t bound = 4 << 20;
  const size_t before = mallinfo2().uordblks;
  {
    QueryPages pages(bound, absl::Minutes(10));
    for (int i = 0; i < 20000; ++i) {
      pages.Keep(
          QueryPages::NewId(), std::string(33, 's'), "0badf00d",
          std::make_shared<PreparedContent>(QueryContent(answer, false)));
    }
    const long long grew = static_cast<long long>(mallinfo2().uordblks) -
                           static_cast<long long>(before);
    // A sanitizer's malloc leaves glibc's figures as they were.
    if (grew <= 0) GTEST_SKIP() << "no heap figures (a sanitizer's malloc)";
    EXPECT_LE(grew, static_cast<long long>(bound + bound / 4))
        << pages.size() << " results";
  }
}

TEST(QueryPagesTest, AResultTooLargeIsNotKept) {
  auto large = Answer(10000);
  QueryPages pages(large->bytes() * 3, absl::Minutes(10));
  pages.Keep("big", "c", "f", large);
  EXPECT_EQ(pages.Find("big", "c", "f"), nullptr);
  EXPECT_EQ(pages.bytes(), 0u);
  pages.Keep("small", "c", "f", Answer(10));
  EXPECT_NE(pages.Find("small", "c", "f"), nullptr);
}

}  // namespace
}  // namespace mfgate::tools
