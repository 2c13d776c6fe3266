#include "worker/service/redact.h"

#include "gtest/gtest.h"

namespace mfgate::service {
namespace {

TEST(RedactTest, SettingsAreRedacted) {
  EXPECT_EQ(RedactSecrets("connect failed: password=hunter2 host=db"),
            "connect failed: password=[REDACTED] host=db");
  EXPECT_EQ(RedactSecrets("{'user': 'x', 'password': 's3cr3t'}"),
            "{'user': 'x', 'password': '[REDACTED]'}");
  EXPECT_EQ(RedactSecrets("API_KEY: abc123 next"), "API_KEY: [REDACTED] next");
  EXPECT_EQ(RedactSecrets("token=t0k;x"), "token=[REDACTED];x");
}

TEST(RedactTest, UrlCredentialsAreRedacted) {
  EXPECT_EQ(RedactSecrets("postgresql://analyst:pa55@db:5432/x failed"),
            "postgresql://analyst:[REDACTED]@db:5432/x failed");
}

TEST(RedactTest, OrdinaryMessagesAreUntouched) {
  const std::string message =
      "Binder Error: column \"amount\" not found; metric_time__day is valid";
  EXPECT_EQ(RedactSecrets(message), message);
}

}  // namespace
}  // namespace mfgate::service
