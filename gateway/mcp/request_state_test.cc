#include "gateway/mcp/request_state.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {
namespace {

const nlohmann::json kState = {{"round", 2}, {"query", {{"limit", 5}}}};
constexpr char kSecret[] = "a secret the replicas share, 32 bytes or more";

TEST(RequestStateSealTest, ASealOfTheSameSecretOpensWhatAnotherSealed) {
  // Two replicas: two processes, one secret.
  RequestStateSeal first(kSecret), second(kSecret);
  auto opened = second.Open(first.Seal(kState));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, kState);
}

TEST(RequestStateSealTest, AnotherSecretOrNoneRefusesTheState) {
  RequestStateSeal sealer(kSecret), other("another secret of enough bytes!!");
  const std::string sealed = sealer.Seal(kState);
  EXPECT_FALSE(other.Open(sealed).ok());
  EXPECT_FALSE(RequestStateSeal().Open(sealed).ok());
  // Random keys: each process its own.
  EXPECT_FALSE(RequestStateSeal().Open(RequestStateSeal().Seal(kState)).ok());
}

TEST(RequestStateSealTest, AnAlteredStateIsRefused) {
  RequestStateSeal seal(kSecret);
  std::string sealed = seal.Seal(kState);
  sealed[1] = sealed[1] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(seal.Open(sealed).ok());
  EXPECT_FALSE(seal.Open("no dot at all").ok());
  EXPECT_FALSE(
      seal.Open(std::string(RequestStateSeal::kMaxSealedBytes + 1, 'a')).ok());
}

TEST(RequestStateSealTest, SharingASecretMakesTheSharedSealOpenItsStates) {
  const std::string before = RequestStateSeal::Shared().Seal(kState);
  RequestStateSeal::ShareSecret("");  // Nothing changes.
  EXPECT_TRUE(RequestStateSeal::Shared().Open(before).ok());
  RequestStateSeal::ShareSecret(kSecret);
  EXPECT_TRUE(RequestStateSeal(kSecret)
                  .Open(RequestStateSeal::Shared().Seal(kState))
                  .ok());
  EXPECT_FALSE(RequestStateSeal::Shared().Open(before).ok());
}

}  // namespace
}  // namespace mfgate::mcp
