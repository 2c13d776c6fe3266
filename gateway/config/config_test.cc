#include "gateway/config/config.h"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::config {
namespace {

using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = "/tmp/mfgate-config-XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    std::ofstream(dir_ + "/dbt_project.yml") << "name: x\n";
  }
  void TearDown() override {
    unlink((dir_ + "/dbt_project.yml").c_str());
    unlink((dir_ + "/gateway.json").c_str());
    unlink((dir_ + "/keys").c_str());
    rmdir(dir_.c_str());
  }
  absl::StatusOr<GatewayConfig> Parse(const std::string& json) {
    return ParseConfigJson(json, dir_, "gateway.json");
  }
  std::string Spawn() {
    return R"({"spawn":{"project_dir":")" + dir_ + R"("}})";
  }

  std::string dir_;
};

TEST_F(ConfigTest, EnvironmentGivesOneSpawnedTenant) {
  auto config = LoadConfigFromEnv({{"DBT_PROJECT_DIR", dir_},
                                   {"HOME", "/home/u"},
                                   {"MF_PATH", "/opt/mf"},
                                   {"MCP_API_KEY", "secret"},
                                   {"MCP_REQUIRE_AUTH", "Yes"},
                                   {"MCP_PORT", "9000"}});
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->tenants.size(), 1u);
  const TenantConfig& tenant = config->tenants[0];
  EXPECT_EQ(tenant.name, "default");
  ASSERT_TRUE(tenant.spawn.has_value());
  EXPECT_EQ(tenant.spawn->profiles_dir, "/home/u/.dbt");
  EXPECT_EQ(tenant.spawn->mf_path, "/opt/mf");
  EXPECT_EQ(tenant.api_key_sha256[0], Sha256Hex("secret"));
  EXPECT_TRUE(config->require_auth);
  EXPECT_EQ(config->http_port, 9000);
}

// The engine pool's settings reach the spawn spec from either source, and
// each is refused outside the worker's range for its flag.
TEST_F(ConfigTest, SpawnPoolSettingsAndTheirRanges) {
  auto spawned = [&](const std::string& pool) {
    return Parse(
        R"({"tenants":[{"name":"a","worker":{"spawn":{"project_dir":")" + dir_ +
        "\"" + pool + "}}}]}");
  };
  auto config =
      spawned(R"(,"engines":3,"engine_queue":7,"engine_idle_seconds":0)");
  ASSERT_TRUE(config.ok()) << config.status();
  const SpawnSpec& spec = *config->tenants[0].spawn;
  EXPECT_EQ(spec.engines, 3);
  EXPECT_EQ(spec.engine_queue, 7);
  EXPECT_EQ(spec.engine_idle_seconds, 0);
  config = spawned("");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->tenants[0].spawn->engines.has_value());
  EXPECT_FALSE(config->tenants[0].spawn->engine_queue.has_value());
  EXPECT_FALSE(config->tenants[0].spawn->engine_idle_seconds.has_value());
  for (const auto& [pool, message] :
       std::vector<std::pair<std::string, std::string>>{
           {R"(,"engines":33)", "spawn.engines: must be an integer in [0, 32]"},
           {R"(,"engines":-1)", "spawn.engines"},
           {R"(,"engines":1.5)", "spawn.engines"},
           {R"(,"engines":"2")", "spawn.engines"},
           {R"(,"engine_queue":0)", "spawn.engine_queue"},
           {R"(,"engine_queue":257)", "spawn.engine_queue"},
           {R"(,"engine_idle_seconds":604801)", "spawn.engine_idle_seconds"},
           {R"(,"engine_idle_seconds":-1)", "spawn.engine_idle_seconds"},
           {R"(,"engine_count":1)", "spawn.engine_count: unknown key"}}) {
    config = spawned(pool);
    EXPECT_FALSE(config.ok()) << pool;
    EXPECT_THAT(config.status().message(), HasSubstr(message)) << pool;
  }
  // The environment's single tenant.
  config = LoadConfigFromEnv({{"DBT_PROJECT_DIR", dir_},
                              {"MFGATE_ENGINES", "2"},
                              {"MFGATE_ENGINE_QUEUE", "256"},
                              {"MFGATE_ENGINE_IDLE_SECONDS", "60"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tenants[0].spawn->engines, 2);
  EXPECT_EQ(config->tenants[0].spawn->engine_queue, 256);
  EXPECT_EQ(config->tenants[0].spawn->engine_idle_seconds, 60);
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{
           {"MFGATE_ENGINES", "33"},
           {"MFGATE_ENGINES", "two"},
           {"MFGATE_ENGINE_QUEUE", "0"},
           {"MFGATE_ENGINE_IDLE_SECONDS", "1e9"}}) {
    config = LoadConfigFromEnv({{"DBT_PROJECT_DIR", dir_}, {name, value}});
    EXPECT_FALSE(config.ok()) << name << "=" << value;
    EXPECT_THAT(config.status().message(), HasSubstr(name));
  }
}

TEST_F(ConfigTest, EnvironmentErrors) {
  EXPECT_THAT(LoadConfigFromEnv({}).status().message(),
              HasSubstr("DBT_PROJECT_DIR is not set"));
  EXPECT_THAT(LoadConfigFromEnv({{"DBT_PROJECT_DIR", "/nonexistent"}})
                  .status()
                  .message(),
              HasSubstr("not a dbt project"));
  EXPECT_THAT(
      LoadConfigFromEnv({{"DBT_PROJECT_DIR", dir_}, {"MCP_PORT", "http"}})
          .status()
          .message(),
      HasSubstr("MCP_PORT"));
}

TEST_F(ConfigTest, JsonTenants) {
  auto config = Parse(
      R"({"tenants":[{"name":"acme","worker":{"address":"unix:/run/acme.sock"}},
      {"name":"demo","worker":)" +
      Spawn() + R"(,"api_key_sha256":[")" + std::string(64, 'a') +
      R"("]}],"timeouts":{"call_seconds":30}})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tenants[0].address, "unix:/run/acme.sock");
  EXPECT_EQ(config->tenants[1].spawn->project_dir, dir_);
  EXPECT_EQ(config->tenants[1].spawn->profiles_dir, dir_);
  EXPECT_EQ(config->call_timeout, absl::Seconds(30));
}

TEST_F(ConfigTest, JsonErrorsNameThePath) {
  struct Case {
    std::string json;
    std::string message;
  };
  const std::string tenant =
      R"({"name":"a","worker":{"address":"localhost:1"}})";
  for (
      const Case& c : std::vector<Case>{
          {"{", "gateway.json:1:2: invalid JSON"},
          {R"({"tenants":[]})", "tenants: must be a non-empty array"},
          {R"({"tenantz":[]})", "(top level).tenantz: unknown key"},
          {R"({"tenants":[{"name":"a","worker":{}}]})",
           "tenants[0].worker: exactly one of \"address\" or \"spawn\" is "
           "required"},
          {R"({"tenants":[{"name":"a","wrker":{}}]})",
           "tenants[0].wrker: unknown key"},
          {R"({"tenants":[{"name":"A b","worker":{"address":"x:1"}}]})",
           "tenants[0].name"},
          {R"({"tenants":[)" + tenant + "," + tenant + "]}",
           "duplicate tenant 'a'"},
          {R"({"tenants":[{"name":"a","worker":{"address":"nowhere"}}]})",
           "tenants[0].worker.address"},
          {R"({"tenants":[{"name":"a","worker":{"spawn":{"project_dir":"/nonexistent"}}}]})",
           "tenants[0].worker.spawn.project_dir"},
          {R"({"tenants":[{"name":"a","worker":{"spawn":{"project_dir":"x","engine":"fast"}}}]})",
           "tenants[0].worker.spawn.engine"},
          {R"({"tenants":[{"name":"a","worker":{"address":"x:1"},"api_key_sha256":["xyz"]}]})",
           "tenants[0].api_key_sha256[0]"},
          {R"({"tenants":[)" + tenant + R"(],"timeouts":{"call_seconds":-1}})",
           "timeouts.call_seconds"},
      }) {
    auto config = Parse(c.json);
    EXPECT_FALSE(config.ok()) << c.json;
    EXPECT_THAT(config.status().message(), HasSubstr(c.message)) << c.json;
  }
}

// A number that overflows a double threw out of the parser (only its parse
// errors were caught), and deep nesting was parsed without a bound.
TEST_F(ConfigTest, HostileJsonIsAnErrorNotACrash) {
  const std::string tenant =
      R"({"name":"a","worker":{"address":"localhost:1"}})";
  struct Case {
    std::string json;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"tenants":[)" + tenant +
                R"(],"timeouts":{"call_seconds":1e400}})",
            "gateway.json:1:89: number out of range"},
           {R"({"tenants":)" + std::string(100000, '[') +
                std::string(100000, ']') + "}",
            "gateway.json: JSON nested deeper than 64 levels"},
       }) {
    auto config = Parse(c.json);
    EXPECT_FALSE(config.ok());
    EXPECT_THAT(config.status().message(), HasSubstr(c.message));
  }
}

TEST_F(ConfigTest, Limits) {
  const std::string tenant =
      R"({"name":"a","worker":{"address":"localhost:1"}})";
  auto config = Parse(
      R"({"tenants":[)" + tenant +
      R"(],"limits":{"requests_per_second":5,"burst":10,"max_body_bytes":2048}})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->limits.requests_per_second, 5);
  EXPECT_EQ(config->limits.burst, 10);
  EXPECT_EQ(config->limits.max_body_bytes, 2048u);
  EXPECT_THAT(Parse(R"({"tenants":[)" + tenant + R"(],"limits":{"burst":0}})")
                  .status()
                  .message(),
              HasSubstr("limits.burst: must be a number in [1, "));
  EXPECT_THAT(Parse(R"({"tenants":[)" + tenant + R"(],"limits":{"rps":1}})")
                  .status()
                  .message(),
              HasSubstr("limits.rps: unknown key"));
}

TEST_F(ConfigTest, ServerLimitsHaveDefaultsAndRanges) {
  const std::string tenant =
      R"({"name":"a","worker":{"address":"localhost:1"}})";
  auto defaults = Parse(R"({"tenants":[)" + tenant + "]}");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->limits.max_connections, 1024);
  EXPECT_EQ(defaults->limits.http_threads, 128);
  EXPECT_EQ(defaults->limits.max_header_bytes, 32u << 10);
  EXPECT_EQ(defaults->limits.keep_alive_idle, absl::Seconds(15));
  auto config =
      Parse(R"({"tenants":[)" + tenant +
            R"(],"limits":{"max_connections":10,"http_threads":2,)"
            R"("max_queued_requests":0,"max_event_streams":3,)"
            R"("max_event_streams_per_tenant":1,"max_header_bytes":2048,)"
            R"("max_headers":16,"max_buffered_request_bytes":2097152,)"
            R"("request_read_seconds":1.5,"keep_alive_seconds":2,)"
            R"("send_timeout_seconds":3}})");
  ASSERT_TRUE(config.ok()) << config.status();
  const Limits& limits = config->limits;
  EXPECT_EQ(limits.max_connections, 10);
  EXPECT_EQ(limits.http_threads, 2);
  EXPECT_EQ(limits.max_queued_requests, 0);
  EXPECT_EQ(limits.max_event_streams, 3);
  EXPECT_EQ(limits.max_event_streams_per_tenant, 1);
  EXPECT_EQ(limits.max_header_bytes, 2048u);
  EXPECT_EQ(limits.max_headers, 16);
  EXPECT_EQ(limits.max_buffered_request_bytes, 2u << 20);
  EXPECT_EQ(limits.request_read_timeout, absl::Milliseconds(1500));
  EXPECT_EQ(limits.keep_alive_idle, absl::Seconds(2));
  EXPECT_EQ(limits.send_timeout, absl::Seconds(3));
  for (const char* bad :
       {R"("http_threads":0)", R"("max_header_bytes":100)",
        R"("request_read_seconds":0)", R"("max_connections":"many")"}) {
    EXPECT_THAT(
        Parse(R"({"tenants":[)" + tenant + R"(],"limits":{)" + bad + "}}")
            .status()
            .message(),
        HasSubstr("must be a number in"))
        << bad;
  }
}

TEST_F(ConfigTest, ATenantChoosesItsToolsBudgetAndQueryLimits) {
  auto config = Parse(R"({"tenants":[{"name":"a","worker":)" + Spawn() + R"(,
      "tools":{"allow":["query_metrics","list_metrics","get_dimensions"],
               "deny":["list_dimensions"],"naming":["mfgate","dbt-mcp"]},
      "response_budget":{"default_chars":8000,"max_chars":20000},
      "query_limits":{"max_rows":500,"timeout_seconds":30}},
      {"name":"b","worker":)" +
                      Spawn() + R"(}]})");
  ASSERT_TRUE(config.ok()) << config.status();
  const TenantConfig& a = config->tenants[0];
  // Allowed by any name, kept by the catalogue's; denied wins.
  std::set<std::string> served;
  for (const tools::ToolSpec& spec : tools::Catalogue()) {
    if (!a.tools.disabled.count(spec.name)) served.insert(spec.name);
  }
  EXPECT_EQ(served, (std::set<std::string>{"query", "list_metrics"}));
  EXPECT_EQ(a.tools.naming,
            (std::vector<tools::Naming>{tools::Naming::kMfgate,
                                        tools::Naming::kDbtMcp}));
  EXPECT_EQ(a.response_budget.default_chars, 8000);
  EXPECT_EQ(a.response_budget.max_chars, 20000);
  EXPECT_EQ(a.query_limits.max_rows, 500);
  EXPECT_EQ(a.query_limits.timeout, absl::Seconds(30));
  const TenantConfig& b = config->tenants[1];  // The defaults.
  EXPECT_TRUE(b.tools.disabled.empty());
  EXPECT_EQ(b.response_budget.default_chars, 16000);
  EXPECT_EQ(b.query_limits.max_rows, 10000);
}

TEST_F(ConfigTest, ToolSettingErrorsNameThePath) {
  auto tenant = [this](const std::string& settings) -> std::string {
    return Parse(R"({"tenants":[{"name":"a","worker":)" + Spawn() + "," +
                 settings + "}]}")
        .status()
        .ToString();
  };
  EXPECT_THAT(tenant(R"("tools":{"deny":["query","drop_tables"]})"),
              HasSubstr("tenants[0].tools.deny[1]: unknown tool 'drop_tables' "
                        "(tools: query, compile_sql"));
  EXPECT_THAT(tenant(R"("tools":{"naming":["openai"]})"),
              HasSubstr("tenants[0].tools.naming[0]: must be"));
  EXPECT_THAT(tenant(R"("tools":{"allow":[]})"),
              HasSubstr("tenants[0].tools: leaves no tool to serve"));
  EXPECT_THAT(tenant(R"("tools":{"disable":["query"]})"),
              HasSubstr("tenants[0].tools.disable: unknown key"));
  EXPECT_THAT(
      tenant(R"("response_budget":{"default_chars":9000,"max_chars":8000})"),
      HasSubstr("default_chars is more than max_chars"));
  EXPECT_THAT(tenant(R"("response_budget":{"default_chars":10})"),
              HasSubstr("tenants[0].response_budget.default_chars: must be"));
  EXPECT_THAT(tenant(R"("query_limits":{"max_rows":0})"),
              HasSubstr("tenants[0].query_limits.max_rows: must be"));
}

TEST_F(ConfigTest, ToolSettingsFromTheEnvironment) {
  auto config = LoadConfigFromEnv(
      {{"DBT_PROJECT_DIR", dir_},
       {"DISABLE_TOOLS", "validate_configs, health_checks_tool"},
       {"MFGATE_TOOL_NAMING", "dbt-mcp"},
       {"MFGATE_RESPONSE_BUDGET_CHARS", "200000"},
       {"MFGATE_MAX_ROWS", "250"},
       {"MFGATE_QUERY_TIMEOUT_SECONDS", "15"}});
  ASSERT_TRUE(config.ok()) << config.status();
  const TenantConfig& tenant = config->tenants[0];
  EXPECT_EQ(tenant.tools.disabled,
            (std::set<std::string>{"validate_configs", "health_checks"}));
  EXPECT_EQ(tenant.tools.naming,
            std::vector<tools::Naming>{tools::Naming::kDbtMcp});
  EXPECT_EQ(tenant.response_budget.default_chars, 200000);
  EXPECT_EQ(tenant.response_budget.max_chars, 200000);
  EXPECT_EQ(tenant.query_limits.max_rows, 250);
  EXPECT_EQ(tenant.query_limits.timeout, absl::Seconds(15));
  // dbt-mcp's name of the allow list.
  config = LoadConfigFromEnv(
      {{"DBT_PROJECT_DIR", dir_}, {"DBT_MCP_ENABLE_TOOLS", "query_metrics"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tenants[0].tools.disabled.size(),
            tools::Catalogue().size() - 1);
  EXPECT_FALSE(config->tenants[0].tools.disabled.count("query"));
  EXPECT_THAT(LoadConfigFromEnv(
                  {{"DBT_PROJECT_DIR", dir_}, {"ENABLE_TOOLS", "query,nope"}})
                  .status()
                  .message(),
              HasSubstr("ENABLE_TOOLS[1]: unknown tool 'nope'"));
  EXPECT_THAT(LoadConfigFromEnv(
                  {{"DBT_PROJECT_DIR", dir_}, {"MFGATE_MAX_ROWS", "lots"}})
                  .status()
                  .message(),
              HasSubstr("MFGATE_MAX_ROWS must be a number"));
}

TEST_F(ConfigTest, FileRelativePathsResolveAgainstTheFile) {
  std::ofstream(dir_ + "/gateway.json")
      << R"({"tenants":[{"name":"t","worker":{"spawn":{"project_dir":"."}}}]})";
  auto config = LoadConfigFile(dir_ + "/gateway.json", {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tenants[0].spawn->project_dir, dir_ + "/.");
  EXPECT_EQ(LoadConfigFile("/nonexistent.json", {}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ConfigTest, KeyDigestsFromAFileBesideTheConfig) {
  const std::string a(64, 'a'), b(64, 'b');
  std::ofstream(dir_ + "/keys") << "# demo tenant\n" << b << "\n\n";
  auto config = Parse(R"({"tenants":[{"name":"t","worker":{"address":"x:1"},)"
                      R"("api_key_sha256":[")" +
                      a + R"("],"api_key_sha256_file":"keys"}]})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->tenants[0].api_key_sha256, ::testing::ElementsAre(a, b));

  std::ofstream(dir_ + "/keys") << b << "\nnot-a-digest\n";
  auto bad = Parse(R"({"tenants":[{"name":"t","worker":{"address":"x:1"},)"
                   R"("api_key_sha256_file":"keys"}]})");
  EXPECT_THAT(bad.status().message(),
              HasSubstr("tenants[0].api_key_sha256_file ('" + dir_ +
                        "/keys' line 2): must be 64 lowercase hex digits"));
  auto missing = Parse(R"({"tenants":[{"name":"t","worker":{"address":"x:1"},)"
                       R"("api_key_sha256_file":"nope"}]})");
  EXPECT_THAT(missing.status().message(),
              HasSubstr("tenants[0].api_key_sha256_file: cannot read"));
}

TEST(Sha256Test, KnownDigest) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace mfgate::config
