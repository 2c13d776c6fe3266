#include "worker/server/privileges.h"

#include "gtest/gtest.h"

namespace mfgate::server {
namespace {

TEST(LookupUserTest, NamesAndNumbers) {
  auto root = LookupUser("root");
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->uid, 0u);
  auto numeric = LookupUser("65532:65533");
  ASSERT_TRUE(numeric.ok());
  EXPECT_EQ(numeric->uid, 65532u);
  EXPECT_EQ(numeric->gid, 65533u);
  auto same_group = LookupUser("4242");
  ASSERT_TRUE(same_group.ok());
  EXPECT_EQ(same_group->gid, 4242u);
}

TEST(LookupUserTest, UnknownUserIsAnErrorNamingIt) {
  auto missing = LookupUser("no-such-user-mfgate");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no-such-user-mfgate"),
            std::string::npos);
  EXPECT_FALSE(LookupUser("12:abc").ok());
}

}  // namespace
}  // namespace mfgate::server
