#include "worker/engine/confinement.h"

#include <stdlib.h>

#include <algorithm>

#include "gtest/gtest.h"

namespace mfgate::engine {
namespace {

TEST(ReferencedEnvVarsTest, FindsQuotedNamesOnly) {
  const std::string profile = R"(
    host: "{{ env_var('PG_HOST', '127.0.0.1') }}"
    password: "{{ env_var( "DBT_ENV_SECRET_PG_PASSWORD" ) }}"
    port: "{{ env_var(port_name) }}"
    bad: "{{ env_var('NOT A NAME') }}"
  )";
  EXPECT_EQ(
      ReferencedEnvVars(profile),
      (std::vector<std::string>{"PG_HOST", "DBT_ENV_SECRET_PG_PASSWORD"}));
  EXPECT_TRUE(ReferencedEnvVars("env_var('unterminated").empty());
}

TEST(UnconfinedEnvironmentTest, KeepsTheWorkersAndAddsTheEngineVariables) {
  setenv("MFGATE_CONFINEMENT_TEST_VAR", "kept", 1);
  setenv("PATH", "/usr/bin:/bin", 1);
  setenv("DO_NOT_TRACK", "0", 1);
  const std::vector<std::string> env =
      UnconfinedEnvironment("/opt/venv/bin/python3");
  auto has = [&](const std::string& entry) {
    return std::count(env.begin(), env.end(), entry) == 1;
  };
  EXPECT_TRUE(has("MFGATE_CONFINEMENT_TEST_VAR=kept"));
  EXPECT_TRUE(has("PATH=/opt/venv/bin:/usr/bin:/bin"));
  EXPECT_TRUE(has("DO_NOT_TRACK=1"));  // Overrides the worker's value.
  EXPECT_FALSE(has("DO_NOT_TRACK=0"));
  EXPECT_TRUE(has("DBT_SEND_ANONYMOUS_USAGE_STATS=false"));
  EXPECT_TRUE(has("PYTHONUNBUFFERED=1"));
}

}  // namespace
}  // namespace mfgate::engine
