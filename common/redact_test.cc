#include "common/redact.h"

#include "gtest/gtest.h"

namespace mfgate {
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

// A value the process knows to be secret is redacted wherever it appears,
// even where no setting name gives it away.
TEST(RedactTest, RegisteredValuesAreRedactedAnywhere) {
  RegisterSecret("canary-7f3a9");
  RegisterSecret("abc");  // Too short to redact safely: ignored.
  EXPECT_EQ(RedactSecrets("connect('db', 'canary-7f3a9') failed: abc"),
            "connect('db', '[REDACTED]') failed: abc");
}

TEST(RedactTest, CallersGetNoInstallPaths) {
  EXPECT_EQ(ForCaller("File \"/srv/app/.venv/lib/python3.11/site-packages/dbt/"
                      "task/debug.py\", line 3: password=x"),
            "File \"dbt/task/debug.py\", line 3: password=[REDACTED]");
  EXPECT_EQ(ForCaller("/usr/lib/python3/dist-packages/yaml/a.py"), "yaml/a.py");
  EXPECT_EQ(ForCaller("project at /srv/projects/shop"),
            "project at /srv/projects/shop");
}

TEST(RedactTest, SecretNames) {
  EXPECT_TRUE(IsSecretName("PG_PASSWORD"));
  EXPECT_TRUE(IsSecretName("DBT_ENV_SECRET_WAREHOUSE"));
  EXPECT_TRUE(IsSecretName("snowflake_private_key"));
  EXPECT_FALSE(IsSecretName("PG_HOST"));
  EXPECT_FALSE(IsSecretName("DBT_PROFILES_DIR"));
}

}  // namespace
}  // namespace mfgate
