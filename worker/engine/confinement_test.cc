#include "worker/engine/confinement.h"

#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

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

TEST(ParseWarehouseTest, ReadsTheDescribersAnswer) {
  auto duckdb = ParseWarehouse(R"({"type": "duckdb", "path": "/p/x.duckdb"})");
  ASSERT_TRUE(duckdb.ok()) << duckdb.status();
  EXPECT_EQ(duckdb->type, "duckdb");
  EXPECT_EQ(duckdb->path, "/p/x.duckdb");
  EXPECT_EQ(duckdb->port, 0);
  auto postgres =
      ParseWarehouse(R"({"type": "postgres", "host": "db", "port": 5432})");
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  EXPECT_EQ(postgres->host, "db");
  EXPECT_EQ(postgres->port, 5432);
}

// A field of the wrong type threw (json::value), and a port was truncated to
// 16 bits; the answer is now refused instead.
TEST(ParseWarehouseTest, RefusesWhatItCannotUse) {
  for (const std::string& line : std::vector<std::string>{
           "", "dbt said something", "[]", R"({"path": "/x"})",
           R"({"type": 5})", R"({"type": ""})",
           R"({"type": "duckdb", "path": ["/x"]})",
           R"({"type": "postgres", "host": {"name": "db"}})",
           R"({"type": "postgres", "port": 70000})",
           R"({"type": "postgres", "port": "5432"})",
           R"({"type": "postgres", "port": 0})",
           R"({"type": "postgres", "port": 1e400})",
           R"({"type": "postgres", "x": )" + std::string(100000, '[') +
               std::string(100000, ']') + "}"}) {
    EXPECT_EQ(ParseWarehouse(line).status().code(),
              absl::StatusCode::kInvalidArgument)
        << line.substr(0, 80);
  }
}

}  // namespace
}  // namespace mfgate::engine
