#include "common/random_hex.h"

#include <set>

#include "gtest/gtest.h"

namespace mfgate {
namespace {

TEST(RandomHexTest, HexDigitsNeverTheSame) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = RandomHex(8);
    ASSERT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(RandomHex(100).size(), 128u);  // At most 64 bytes.
}

}  // namespace
}  // namespace mfgate
