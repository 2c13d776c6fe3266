#include "worker/service/metadata_cache.h"

#include "gtest/gtest.h"

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

TEST(MetadataCacheTest, OnlyMetadataRequestsAreCacheable) {
  EXPECT_TRUE(MetadataCache::Cacheable(Dimensions("m", 1)));
  v1::EngineRequest query;
  query.mutable_query()->add_metrics("m");
  EXPECT_FALSE(MetadataCache::Cacheable(query));
  v1::EngineRequest values;
  values.mutable_list_dimension_values()->set_dimension("d");
  EXPECT_FALSE(MetadataCache::Cacheable(values));
}

TEST(MetadataCacheTest, SameRequestUnderSameManifestHits) {
  MetadataCache cache;
  const std::string key = MetadataCache::KeyOf(Dimensions("m", 1));
  EXPECT_EQ(key, MetadataCache::KeyOf(Dimensions("m", 2)));  // Ids differ.
  EXPECT_FALSE(cache.Lookup("h1", key).has_value());
  cache.Store("h1", key, Answer("d1"));
  auto hit = cache.Lookup("h1", key);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->list_dimensions().dimensions(0).name(), "d1");
  EXPECT_FALSE(
      cache.Lookup("h1", MetadataCache::KeyOf(Dimensions("other", 1))));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(MetadataCacheTest, ANewManifestEmptiesTheCache) {
  MetadataCache cache;
  const std::string key = MetadataCache::KeyOf(Dimensions("m", 1));
  cache.Store("h1", key, Answer("old"));
  EXPECT_FALSE(cache.Lookup("h2", key).has_value());
  EXPECT_FALSE(cache.Lookup("h1", key).has_value());  // Gone for good.
}

TEST(MetadataCacheTest, StaysBounded) {
  MetadataCache cache(2);
  for (int i = 0; i < 5; ++i) {
    cache.Store("h", MetadataCache::KeyOf(Dimensions(std::to_string(i), 0)),
                Answer("x"));
  }
  int kept = 0;
  for (int i = 0; i < 5; ++i) {
    kept +=
        cache
            .Lookup("h", MetadataCache::KeyOf(Dimensions(std::to_string(i), 0)))
            .has_value();
  }
  EXPECT_LE(kept, 2);
}

}  // namespace
}  // namespace mfgate::service
