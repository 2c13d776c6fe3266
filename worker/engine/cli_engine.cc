#include "worker/engine/cli_engine.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/paths.h"
#include "common/subprocess.h"
#include "worker/engine/cli_output.h"

namespace mfgate::engine {
namespace {

std::atomic<uint64_t> g_csv_counter{0};

void AddList(std::vector<std::string>* args, const char* flag,
             const google::protobuf::RepeatedPtrField<std::string>& values) {
  if (values.empty()) return;
  args->push_back(flag);
  args->push_back(absl::StrJoin(values, ","));
}

void AddText(std::vector<std::string>* args, const char* flag,
             const std::string& value) {
  if (value.empty()) return;
  args->push_back(flag);
  args->push_back(value);
}

v1::EngineResponse EngineError(v1::ErrorDetail::Code code,
                               const std::string& message) {
  v1::EngineResponse response;
  response.mutable_error()->set_code(code);
  response.mutable_error()->set_message(message);
  return response;
}

// The end of the output, where mf prints its error.
std::string Tail(const std::string& output) {
  constexpr size_t kTail = 2000;
  return output.size() <= kTail ? output : output.substr(output.size() - kTail);
}

v1::EngineResponse Translate(const v1::EngineRequest& request,
                             const std::string& output,
                             const std::string& csv_path,
                             size_t max_csv_bytes) {
  v1::EngineResponse response;
  auto bullets = ParseBullets(output);
  switch (request.request_case()) {
    case v1::EngineRequest::kListMetrics:
      for (auto& [name, detail] : bullets) {
        v1::Metric* metric = response.mutable_list_metrics()->add_metrics();
        metric->set_name(name);
        std::string dims = detail.substr(0, detail.find(" and "));
        for (absl::string_view d :
             absl::StrSplit(dims, ", ", absl::SkipEmpty())) {
          metric->add_dimensions(std::string(d));
        }
      }
      break;
    case v1::EngineRequest::kListDimensions:
      response.mutable_list_dimensions();
      for (auto& item : bullets) {
        response.mutable_list_dimensions()->add_dimensions()->set_name(
            item.first);
      }
      break;
    case v1::EngineRequest::kListEntities:
      response.mutable_list_entities();
      for (auto& item : bullets) {
        response.mutable_list_entities()->add_entities()->set_name(item.first);
      }
      break;
    case v1::EngineRequest::kListSavedQueries:
      response.mutable_list_saved_queries();
      for (auto& [name, description] : bullets) {
        v1::SavedQuery* saved =
            response.mutable_list_saved_queries()->add_saved_queries();
        saved->set_name(name);
        saved->set_description(description);
      }
      break;
    case v1::EngineRequest::kListDimensionValues:
      response.mutable_list_dimension_values()->set_dimension(
          request.list_dimension_values().dimension());
      for (auto& item : bullets) {
        response.mutable_list_dimension_values()
            ->add_values()
            ->set_string_value(item.first);
      }
      break;
    case v1::EngineRequest::kValidateConfigs:
      response.mutable_validate_configs()->set_ok(true);
      response.mutable_validate_configs()->set_summary(Tail(output));
      break;
    case v1::EngineRequest::kHealthChecks:
      for (auto& [name, detail] : bullets) {
        v1::HealthCheck* check = response.mutable_health_checks()->add_checks();
        check->set_name(name);
        check->set_detail(detail);
        check->set_ok(detail.find("Success") != std::string::npos);
      }
      break;
    case v1::EngineRequest::kQuery: {
      if (request.query().compile_only()) {
        response.mutable_query()->set_sql(ParseExplainSql(output));
        break;
      }
      auto text = ReadFileUpTo(csv_path, max_csv_bytes);
      if (!text.ok()) {
        return EngineError(
            v1::ErrorDetail::INTERNAL,
            absl::StrCat("mf wrote no usable CSV: ", text.status().message()));
      }
      auto parsed = ParseCsvResult(*text);
      if (!parsed.ok()) {
        return EngineError(
            v1::ErrorDetail::INTERNAL,
            absl::StrCat("unreadable mf CSV: ", parsed.status().message()));
      }
      *response.mutable_query() = std::move(*parsed);
      break;
    }
    default:
      return EngineError(v1::ErrorDetail::INVALID_ARGUMENT, "empty request");
  }
  return response;
}

}  // namespace

CliEngine::CliEngine(CliEngineOptions options) : options_(std::move(options)) {}

std::string CliEngine::Describe() const {
  return absl::StrCat("cli engine (", options_.mf_path, ")");
}

std::vector<std::string> CliEngine::Arguments(const v1::EngineRequest& request,
                                              const std::string& csv_path) {
  std::vector<std::string> args;
  switch (request.request_case()) {
    case v1::EngineRequest::kListMetrics:
      // The worker filters by search (service/list_filters.h).
      args = {"list", "metrics"};
      if (request.list_metrics().show_all_dimensions()) {
        args.push_back("--show-all-dimensions");
      }
      break;
    case v1::EngineRequest::kListDimensions:
      args = {"list", "dimensions"};
      AddList(&args, "--metrics", request.list_dimensions().metrics());
      break;
    case v1::EngineRequest::kListEntities:
      args = {"list", "entities"};
      AddList(&args, "--metrics", request.list_entities().metrics());
      break;
    case v1::EngineRequest::kListSavedQueries:
      args = {"list", "saved-queries"};
      break;
    case v1::EngineRequest::kListDimensionValues: {
      const auto& r = request.list_dimension_values();
      args = {"list", "dimension-values", "--dimension", r.dimension()};
      AddList(&args, "--metrics", r.metrics());
      AddText(&args, "--start-time", r.start_time());
      AddText(&args, "--end-time", r.end_time());
      break;
    }
    case v1::EngineRequest::kQuery: {
      const auto& q = request.query();
      args = {"query"};
      AddText(&args, "--saved-query", q.saved_query());
      AddList(&args, "--metrics", q.metrics());
      AddList(&args, "--group-by", q.group_by());
      AddText(&args, "--where", q.where());
      AddList(&args, "--order", q.order_by());
      if (q.limit() > 0) AddText(&args, "--limit", std::to_string(q.limit()));
      AddText(&args, "--start-time", q.start_time());
      AddText(&args, "--end-time", q.end_time());
      if (q.show_dataflow_plan()) args.push_back("--show-dataflow-plan");
      if (q.show_sql_descriptions()) args.push_back("--show-sql-descriptions");
      if (q.compile_only()) {
        args.push_back("--explain");
      } else {
        AddText(&args, "--csv", csv_path);
      }
      break;
    }
    case v1::EngineRequest::kValidateConfigs: {
      const auto& v = request.validate_configs();
      args = {"validate-configs"};
      if (v.dw_timeout() > 0)
        AddText(&args, "--dw-timeout", std::to_string(v.dw_timeout()));
      if (v.skip_dw()) args.push_back("--skip-dw");
      if (v.show_all()) args.push_back("--show-all");
      if (v.verbose_issues()) args.push_back("--verbose-issues");
      if (v.semantic_validation_workers() > 0) {
        AddText(&args, "--semantic-validation-workers",
                std::to_string(v.semantic_validation_workers()));
      }
      break;
    }
    case v1::EngineRequest::kHealthChecks:
      args = {"health-checks"};
      break;
    default:
      break;
  }
  return args;
}

absl::StatusOr<std::pair<std::string, int>> CliEngine::Run(
    const std::vector<std::string>& args, absl::Time deadline,
    const std::function<bool()>& cancelled) {
  SpawnOptions spawn;
  spawn.argv = options_.launcher;
  spawn.argv.push_back(options_.mf_path);
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  // mf and dbt write their logs under the scratch directory, never into a
  // project that may be read-only.
  spawn.env = WithEnv(
      WithEnv(WithEnv(options_.env, "DBT_PROJECT_DIR", options_.project_dir),
              "DBT_PROFILES_DIR", options_.profiles_dir),
      "DBT_LOG_PATH", options_.tmp_dir + "/dbt/logs");
  spawn.cwd = options_.project_dir;
  auto run = RunCapturingOutput(std::move(spawn), deadline,
                                options_.max_output_bytes, cancelled);
  if (!run.ok()) {
    return absl::Status(run.status().code(),
                        absl::StrCat("mf: ", run.status().message()));
  }
  const ExitInfo& exit = run->exit;
  return std::make_pair(std::move(run->output),
                        exit.signaled ? 128 + exit.signal : exit.exit_code);
}

absl::StatusOr<v1::EngineResponse> CliEngine::CallFor(
    const std::string& /*caller*/, const v1::EngineRequest& request,
    absl::Time deadline, const std::function<bool()>& cancelled) {
  const std::string csv_path =
      absl::StrCat(options_.tmp_dir, "/mf-query-", getpid(), "-",
                   g_csv_counter.fetch_add(1), ".csv");
  std::vector<std::string> args = Arguments(request, csv_path);
  if (args.empty()) {
    return EngineError(
        v1::ErrorDetail::INVALID_ARGUMENT,
        request.request_case() == v1::EngineRequest::REQUEST_NOT_SET
            ? "empty request"
            : "not available with the cli engine (use --engine=persistent)");
  }
  auto result = Run(args, deadline, cancelled);
  v1::EngineResponse response;
  if (!result.ok()) {
    unlink(csv_path.c_str());
    return result.status();
  }
  const auto& [output, code] = *result;
  // mf reports some failures with exit status 0: an error line and no CSV.
  bool failed = code != 0 || output.find("ERROR") != std::string::npos;
  if (request.has_validate_configs()) failed = false;
  if (failed) {
    response = EngineError(
        v1::ErrorDetail::ENGINE_ERROR,
        absl::StrCat("mf exited with status ", code, ": ", Tail(output)));
  } else {
    response = Translate(request, output, csv_path, options_.max_output_bytes);
    if (request.has_validate_configs()) {
      response.mutable_validate_configs()->set_ok(code == 0);
    }
  }
  unlink(csv_path.c_str());
  response.set_id(request.id());
  return response;
}

}  // namespace mfgate::engine
