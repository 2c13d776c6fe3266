#include "worker/service/answer_cache.h"

#include "gtest/gtest.h"
#include "worker/engine/engine.h"

namespace mfgate::service {
namespace {

v1::EngineRequest Dimensions(const std::string& metric, int id) {
  v1::EngineRequest request;
  request.set_id(id);
  request.mutable_list_dimensions()->add_metrics(metric);
  return request;
}

v1::EngineResponse Answer(const std::string& name) {
  v1::EngineResponse response;
  response.mutable_list_dimensions()->add_dimensions()->set_name(name);
  return response;
}

TEST(AnswerCacheTest, OnlyAnswersThatReadNoDataAreCacheable) {
  EXPECT_TRUE(AnswerCache::Cacheable(Dimensions("m", 1)));
  EXPECT_TRUE(engine::IsMetadataRequest(Dimensions("m", 1)));
  v1::EngineRequest query;
  query.mutable_query()->add_metrics("m");
  EXPECT_FALSE(AnswerCache::Cacheable(query));
  query.mutable_query()->set_compile_only(true);
  EXPECT_TRUE(AnswerCache::Cacheable(query));
  EXPECT_FALSE(engine::IsMetadataRequest(query));
  v1::EngineRequest values;
  values.mutable_list_dimension_values()->set_dimension("d");
  EXPECT_FALSE(AnswerCache::Cacheable(values));
}

TEST(AnswerCacheTest, SameRequestUnderSameManifestHits) {
  AnswerCache cache;
  const std::string key = AnswerCache::KeyOf(Dimensions("m", 1));
  EXPECT_EQ(key, AnswerCache::KeyOf(Dimensions("m", 2)));  // Ids differ.
  EXPECT_FALSE(cache.Lookup("h1", key).has_value());
  cache.Store("h1", key, Answer("d1"));
  auto hit = cache.Lookup("h1", key);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->list_dimensions().dimensions(0).name(), "d1");
  EXPECT_FALSE(cache.Lookup("h1", AnswerCache::KeyOf(Dimensions("other", 1))));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(AnswerCacheTest, ANewManifestEmptiesTheCache) {
  AnswerCache cache;
  const std::string key = AnswerCache::KeyOf(Dimensions("m", 1));
  cache.Store("h1", key, Answer("old"));
  EXPECT_FALSE(cache.Lookup("h2", key).has_value());
  EXPECT_FALSE(cache.Lookup("h1", key).has_value());  // Gone for good.
}

TEST(AnswerCacheTest, StaysBounded) {
  AnswerCache cache(2);
  for (int i = 0; i < 5; ++i) {
    cache.Store("h", AnswerCache::KeyOf(Dimensions(std::to_string(i), 0)),
                Answer("x"));
  }
  int kept = 0;
  for (int i = 0; i < 5; ++i) {
    kept +=
        cache.Lookup("h", AnswerCache::KeyOf(Dimensions(std::to_string(i), 0)))
            .has_value();
  }
  EXPECT_LE(kept, 2);
}

TEST(AnswerCacheTest, StaysWithinItsByteBudget) {
  v1::EngineResponse big;
  big.mutable_query()->set_sql(std::string(600, 'x'));
  AnswerCache cache(/*max_entries=*/100, /*max_bytes=*/1000);
  const std::string first = AnswerCache::KeyOf(Dimensions("a", 0));
  const std::string second = AnswerCache::KeyOf(Dimensions("b", 0));
  cache.Store("h", first, big);
  EXPECT_TRUE(cache.Lookup("h", first).has_value());
  cache.Store("h", second, big);  // Both would not fit: the first goes.
  EXPECT_FALSE(cache.Lookup("h", first).has_value());
  EXPECT_TRUE(cache.Lookup("h", second).has_value());
  big.mutable_query()->set_sql(std::string(2000, 'x'));
  cache.Store("h", first, big);  // Over the budget alone: not kept.
  EXPECT_FALSE(cache.Lookup("h", first).has_value());
  EXPECT_TRUE(cache.Lookup("h", second).has_value());
}

}  // namespace
}  // namespace mfgate::service
