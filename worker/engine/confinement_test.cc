#include "worker/engine/confinement.h"

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

}  // namespace
}  // namespace mfgate::engine
