// load_http: a load generator for mfgate's Streamable HTTP endpoint, run by
// bench/compare.py (not a test).
//   load_http --url http://127.0.0.1:8000/mcp --clients 64 --seconds 10
//       [--tool list_metrics] [--arguments '{}'] [--api-key KEY] [--warmup 1]
// Each client is a thread with its own keep-alive connection and MCP session
// (initialize, notifications/initialized, then one tools/call after another).
// Calls ending in the --seconds window after the warm-up count; errors are
// failed requests, HTTP statuses other than 200, JSON-RPC errors and results
// with isError. Prints one JSON line; its cpu_share is this program's CPU time
// in the window over (window × cores): near 1, the generator was the
// bottleneck. Exits 1 if a client got no session.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string url = "http://127.0.0.1:8000/mcp";
  int clients = 1;
  double seconds = 10;
  double warmup = 1;
  std::string tool = "list_metrics";
  json arguments = json::object();
  std::string api_key;
};

// --name value or --name=value; dashes and underscores alike.
bool ParseFlags(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i], value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else {
      value = i + 1 < argc ? argv[++i] : "";
    }
    name = absl::StrReplaceAll(name, {{"_", "-"}});
    bool ok = true;
    if (name == "--url") {
      ok = !(o->url = value).empty();
    } else if (name == "--clients") {
      ok = absl::SimpleAtoi(value, &o->clients) && o->clients > 0;
    } else if (name == "--seconds") {
      ok = absl::SimpleAtod(value, &o->seconds) && o->seconds > 0;
    } else if (name == "--warmup") {
      ok = absl::SimpleAtod(value, &o->warmup) && o->warmup >= 0;
    } else if (name == "--tool") {
      o->tool = value;
    } else if (name == "--arguments") {
      o->arguments = json::parse(value, nullptr, false);
      ok = o->arguments.is_object();
    } else if (name == "--api-key") {
      o->api_key = value;
    } else {
      std::cerr << "load_http: unknown flag " << name << "\n";
      return false;
    }
    if (!ok) {
      std::cerr << "load_http: bad value for " << name << ": " << value << "\n";
      return false;
    }
  }
  return true;
}

// Reads one JSON-RPC message without building it: well-formed, numbered
// `id`, a result (not an error) whose isError is not true. A DOM of every
// answer would make the generator, not the gateway, the bottleneck.
class AnswerCheck final : public nlohmann::json_sax<json> {
 public:
  explicit AnswerCheck(int64_t id) : id_(id) {}

  bool Succeeded() const { return id_seen_ && result_ && !error_ && !failed_; }

  bool null() override { return Value(); }
  bool boolean(bool value) override {
    if (depth_ == 2 && top_key_ == "result" && key_ == "isError" && value) {
      failed_ = true;
    }
    return Value();
  }
  bool number_integer(number_integer_t value) override {
    return Id(value), Value();
  }
  bool number_unsigned(number_unsigned_t value) override {
    return Id(static_cast<int64_t>(value)), Value();
  }
  bool number_float(number_float_t, const string_t&) override {
    return Value();
  }
  bool string(string_t&) override { return Value(); }
  bool binary(binary_t&) override { return Value(); }
  bool start_object(std::size_t) override { return Open(); }
  bool end_object() override { return --depth_, true; }
  bool start_array(std::size_t) override { return Open(); }
  bool end_array() override { return --depth_, true; }
  bool key(string_t& name) override {
    key_ = name;
    if (depth_ == 1) top_key_ = name;
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception&) override {
    failed_ = true;
    return false;
  }

 private:
  bool Open() {
    if (depth_ == 1) Value();
    ++depth_;
    return true;
  }
  // A value directly in the message marks which member it was.
  bool Value() {
    if (depth_ != 1) return true;
    if (top_key_ == "result") result_ = true;
    if (top_key_ == "error") error_ = true;
    return true;
  }
  void Id(int64_t value) {
    if (depth_ == 1 && top_key_ == "id") id_seen_ = value == id_;
  }

  const int64_t id_;
  int depth_ = 0;
  std::string key_, top_key_;
  bool id_seen_ = false, result_ = false, error_ = false, failed_ = false;
};

bool Answered(absl::string_view message, int64_t id) {
  AnswerCheck check(id);
  json::sax_parse(message, &check);
  return check.Succeeded();
}

// Whether a reply carries a successful answer to request `id`: its whole
// body (application/json) or one `data:` line of an event stream.
bool AnsweredIn(const httplib::Response& res, int64_t id) {
  if (!absl::StrContains(res.get_header_value("Content-Type"),
                         "text/event-stream")) {
    return Answered(res.body, id);
  }
  for (absl::string_view line : absl::StrSplit(res.body, '\n')) {
    line = absl::StripSuffix(line, "\r");
    if (absl::ConsumePrefix(&line, "data:") && Answered(line, id)) return true;
  }
  return false;
}

// One MCP session over one keep-alive connection.
class McpClient {
 public:
  McpClient(const std::string& base, std::string path,
            const std::string& api_key)
      : http_(base), path_(std::move(path)) {
    http_.set_keep_alive(true);
    http_.set_tcp_nodelay(true);  // Headers and body go out as two writes.
    http_.set_read_timeout(120, 0);
    headers_ = {{"Accept", "application/json, text/event-stream"},
                {"MCP-Protocol-Version", "2025-06-18"}};
    if (!api_key.empty())
      headers_.emplace("Authorization", "Bearer " + api_key);
  }

  // Opens the session; on failure says why in `error`.
  bool Initialize(std::string* error) {
    json params = {{"protocolVersion", "2025-06-18"},
                   {"capabilities", json::object()},
                   {"clientInfo", {{"name", "load_http"}, {"version", "1"}}}};
    httplib::Result res = Post(Request("initialize", params));
    if (!res || res->status != 200) return Failed(res, error);
    headers_.emplace("Mcp-Session-Id", res->get_header_value("Mcp-Session-Id"));
    res = Post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
    if (!res || res->status != 202) return Failed(res, error);
    return true;
  }

  // One tools/call; true when answered without any kind of error.
  bool Call(const json& params) {
    httplib::Result res = Post(Request("tools/call", params));
    if (!res || res->status != 200) return false;
    return AnsweredIn(*res, next_id_ - 1);
  }

  void Close() { http_.Delete(path_.c_str(), headers_); }

 private:
  json Request(const std::string& method, const json& params) {
    return {{"jsonrpc", "2.0"},
            {"id", next_id_++},
            {"method", method},
            {"params", params}};
  }

  httplib::Result Post(const json& body) {
    return http_.Post(path_.c_str(), headers_, body.dump(), "application/json");
  }

  static bool Failed(const httplib::Result& res, std::string* error) {
    *error = res ? "HTTP " + std::to_string(res->status) + ": " + res->body
                 : "request failed: " + httplib::to_string(res.error());
    return false;
  }

  httplib::Client http_;
  std::string path_;
  httplib::Headers headers_;
  int64_t next_id_ = 1;
};

struct Tally {
  bool session = false;
  int64_t calls = 0, errors = 0;
  std::vector<double> latencies_ms;
};

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

Clock::time_point After(Clock::time_point t, double seconds) {
  return t + std::chrono::duration_cast<Clock::duration>(
                 std::chrono::duration<double>(seconds));
}

double Percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<size_t>(fraction * sorted.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseFlags(argc, argv, &options)) return 2;
  size_t scheme = options.url.find("://");
  size_t slash =
      options.url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const std::string base = options.url.substr(0, slash);
  const std::string path =
      slash == std::string::npos ? "/mcp" : options.url.substr(slash);
  const json params = {{"name", options.tool},
                       {"arguments", options.arguments}};
  const Clock::time_point start = After(Clock::now(), options.warmup);
  const Clock::time_point end = After(start, options.seconds);

  std::vector<Tally> tallies(options.clients);
  std::vector<std::thread> threads;
  for (Tally& tally : tallies) {
    threads.emplace_back([&, &tally = tally] {
      McpClient client(base, path, options.api_key);
      std::string error;
      if (!client.Initialize(&error)) {
        std::cerr << "load_http: initialize: " << error << "\n";
        return;
      }
      tally.session = true;
      for (Clock::time_point begin = Clock::now(); begin < end;) {
        bool ok = client.Call(params);
        Clock::time_point done = Clock::now();
        if (done >= start && done < end) {
          ++(ok ? tally.calls : tally.errors);
          if (ok) {
            tally.latencies_ms.push_back(
                std::chrono::duration<double, std::milli>(done - begin)
                    .count());
          }
        }
        begin = done;
      }
      client.Close();
    });
  }
  std::this_thread::sleep_until(start);
  const double cpu_before = CpuSeconds();
  std::this_thread::sleep_until(end);
  const double cpu = CpuSeconds() - cpu_before;
  for (std::thread& thread : threads) thread.join();

  Tally total;
  int sessions = 0;
  for (const Tally& tally : tallies) {
    sessions += tally.session;
    total.calls += tally.calls;
    total.errors += tally.errors;
    total.latencies_ms.insert(total.latencies_ms.end(),
                              tally.latencies_ms.begin(),
                              tally.latencies_ms.end());
  }
  std::sort(total.latencies_ms.begin(), total.latencies_ms.end());
  const long cores = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  json report = {{"clients", options.clients},
                 {"sessions", sessions},
                 {"calls", total.calls},
                 {"errors", total.errors},
                 {"seconds", options.seconds},
                 {"calls_per_second", total.calls / options.seconds},
                 {"p50_ms", Percentile(total.latencies_ms, 0.5)},
                 {"p99_ms", Percentile(total.latencies_ms, 0.99)},
                 {"cpu_seconds", cpu},
                 {"cpu_share", cpu / (options.seconds * cores)}};
  std::cout << report.dump() << std::endl;
  return sessions == options.clients ? 0 : 1;
}
