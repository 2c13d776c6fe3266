#include "gateway/auth/session_token.h"

#include <string>

#include "gtest/gtest.h"

namespace mfgate::auth {
namespace {

const std::string kSecret(32, 's');

SessionClaims Claims() {
  SessionClaims claims;
  claims.tenant = "demo";
  claims.protocol_version = "2025-06-18";
  claims.capabilities = {{"sampling", nlohmann::json::object()}};
  return claims;
}

TEST(SessionTokensTest, AnotherReplicaWithTheSecretReadsTheClaims) {
  SessionTokens issuer(kSecret, absl::Hours(1));
  SessionClaims claims = Claims();
  const std::string token = issuer.Issue(&claims);
  EXPECT_EQ(claims.session.size(), 32u);
  EXPECT_EQ(token.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "0123456789-_."),
            std::string::npos);  // Visible ASCII, as MCP asks of ids.
  SessionTokens replica(kSecret, absl::Hours(1));
  absl::StatusOr<SessionClaims> read = replica.Verify(token, absl::Now());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->session, claims.session);
  EXPECT_EQ(read->tenant, "demo");
  EXPECT_EQ(read->protocol_version, "2025-06-18");
  EXPECT_EQ(read->capabilities, claims.capabilities);
  EXPECT_EQ(read->expires, claims.expires);
}

TEST(SessionTokensTest, AnyOtherTokenIsUnknown) {
  SessionTokens tokens(kSecret, absl::Hours(1));
  SessionClaims claims = Claims();
  const std::string token = tokens.Issue(&claims);
  SessionTokens other(std::string(32, 'o'), absl::Hours(1));
  EXPECT_TRUE(absl::IsNotFound(other.Verify(token, absl::Now()).status()));
  // One byte of the payload changed (another tenant's name, say).
  std::string changed = token;
  changed[5] = changed[5] == 'A' ? 'B' : 'A';
  EXPECT_TRUE(absl::IsNotFound(tokens.Verify(changed, absl::Now()).status()));
  for (std::string bad :
       {std::string(), std::string("0123456789abcdef0123456789abcdef"),
        std::string("v1."), std::string("v1.."), std::string("v1.e30.AAAA"),
        token.substr(0, token.size() - 2), std::string(5000, 'v')}) {
    EXPECT_TRUE(absl::IsNotFound(tokens.Verify(bad, absl::Now()).status()))
        << bad;
  }
  EXPECT_TRUE(absl::IsNotFound(
      tokens.Verify(token, claims.expires + absl::Seconds(1)).status()));
}

TEST(SessionTokensTest, LargeCapabilitiesKeepTheirNames) {
  SessionTokens tokens(kSecret, absl::Hours(1));
  SessionClaims claims = Claims();
  claims.capabilities["elicitation"] = {{"pad", std::string(5000, 'x')}};
  const std::string token = tokens.Issue(&claims);
  EXPECT_LT(token.size(), SessionTokens::kMaxTokenBytes);
  auto read = tokens.Verify(token, absl::Now());
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->capabilities.contains("elicitation"));
  EXPECT_TRUE(read->capabilities.contains("sampling"));
}

TEST(LoadSessionSecretTest, EnvironmentThenFileThenGenerated) {
  bool generated = true;
  auto secret = LoadSessionSecret(
      {{"MFGATE_SESSION_SECRET", std::string(40, 'e')}}, "", &generated);
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(*secret, std::string(40, 'e'));
  EXPECT_FALSE(generated);
  EXPECT_FALSE(
      LoadSessionSecret({{"MFGATE_SESSION_SECRET", "short"}}, "", &generated)
          .ok());
  EXPECT_FALSE(LoadSessionSecret({}, "/nonexistent/secret", &generated).ok());
  secret = LoadSessionSecret({}, "", &generated);
  ASSERT_TRUE(secret.ok());
  EXPECT_TRUE(generated);
  EXPECT_EQ(secret->size(), 32u);
}

TEST(RevokedSessionsTest, KeptUntilTheTokenExpires) {
  RevokedSessions revoked;
  const absl::Time now = absl::Now();
  revoked.Revoke("a", now + absl::Minutes(1));
  EXPECT_TRUE(revoked.Revoked("a", now));
  EXPECT_FALSE(revoked.Revoked("b", now));
  EXPECT_FALSE(revoked.Revoked("a", now + absl::Minutes(2)));
}

}  // namespace
}  // namespace mfgate::auth
