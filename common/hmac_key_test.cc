#include "common/hmac_key.h"

#include "gtest/gtest.h"

namespace mfgate {
namespace {

TEST(HmacKeyTest, OneSecretAndLabelGiveOneKeyOnEveryReplica) {
  EXPECT_EQ(HmacKey("secret", "use a").Mac("text"),
            HmacKey("secret", "use a").Mac("text"));
  EXPECT_EQ(HmacKey("secret", "use a").Mac("text").size(), 32u);
}

TEST(HmacKeyTest, LabelsAndSecretsKeepKeysApart) {
  const std::string mac = HmacKey("secret", "use a").Mac("text");
  EXPECT_NE(HmacKey("secret", "use b").Mac("text"), mac);
  EXPECT_NE(HmacKey("other", "use a").Mac("text"), mac);
  EXPECT_NE(HmacKey("secret", "use a").Mac("texT"), mac);
}

TEST(HmacKeyTest, WithoutASecretEachKeyIsRandom) {
  EXPECT_NE(HmacKey("", "use a").Mac("text"), HmacKey("", "use a").Mac("text"));
}

}  // namespace
}  // namespace mfgate
