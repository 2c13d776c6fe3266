#include "gateway/auth/api_keys.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

config::GatewayConfig TwoTenants() {
  config::GatewayConfig config;
  config::TenantConfig a, b;
  a.name = "acme";
  a.api_key_sha256 = {config::Sha256Hex("key-a1"), config::Sha256Hex("key-a2")};
  b.name = "bolt";
  b.api_key_sha256 = {config::Sha256Hex("key-b")};
  config.tenants = {a, b};
  return config;
}

TEST(ApiKeysTest, KeysMapToTheirTenant) {
  ApiKeys keys(TwoTenants());
  EXPECT_TRUE(keys.enabled());
  EXPECT_EQ(*keys.Authenticate("Bearer key-a1", ""), "acme");
  EXPECT_EQ(*keys.Authenticate("bearer  key-a2 ", ""), "acme");
  EXPECT_EQ(*keys.Authenticate("", "key-b"), "bolt");
}

TEST(ApiKeysTest, MissingOrWrongKeysAreRefusedWithoutEchoingThem) {
  ApiKeys keys(TwoTenants());
  EXPECT_EQ(keys.Authenticate("", "").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.Authenticate("Basic key-a1", "").status().code(),
            absl::StatusCode::kUnauthenticated);
  absl::Status wrong = keys.Authenticate("Bearer guess-123", "").status();
  EXPECT_EQ(wrong.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(wrong.message(), Not(HasSubstr("guess-123")));
}

TEST(ApiKeysTest, NoKeysMeansDisabled) {
  EXPECT_FALSE(ApiKeys(config::GatewayConfig()).enabled());
}

}  // namespace
}  // namespace mfgate::auth
