// load_http: a load generator for mfgate's Streamable HTTP endpoint, run by
// bench/compare.py (not a test).
//   load_http --url http://127.0.0.1:8000/mcp --clients 64 --seconds 10
//       [--tool list_metrics] [--arguments '{}'] [--api-key KEY] [--warmup 1]
// Each client has its own MCP session (initialize, notifications/initialized
// and, at the end, DELETE, sent with cpp-httplib) and its own keep-alive
// connection, on which it sends one tools/call after another. One thread
// drives every client's calls with epoll: the generator shares the machine
// with what it measures, and 64 threads would cost it more than the calls.
// Calls ending in the --seconds window after the warm-up count; errors are
// failed connections, HTTP statuses other than 200, JSON-RPC errors and
// results with isError. Prints one JSON line; its cpu_share is this
// program's CPU time in the window over (window × cores): near 1, the
// generator was the bottleneck. Exits 1 if a client got no session.
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "bench/answer_check.h"
#include "bench/endpoint.h"
#include "bench/http_reply.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using mfgate::bench::AnsweredIn;
using mfgate::bench::Connect;
using mfgate::bench::Endpoint;
using mfgate::bench::HttpReply;
using mfgate::bench::ParseUrl;

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

httplib::Headers SessionHeaders(const Options& o) {
  httplib::Headers headers = {{"Accept", "application/json, text/event-stream"},
                              {"MCP-Protocol-Version", "2025-06-18"}};
  if (!o.api_key.empty())
    headers.emplace("Authorization", "Bearer " + o.api_key);
  return headers;
}

// Opens an MCP session; its id, or empty with the reason in `error`.
std::string OpenSession(const Endpoint& e, const Options& o,
                        std::string* error) {
  httplib::Client http(e.Base());
  httplib::Headers headers = SessionHeaders(o);
  json initialize = {
      {"jsonrpc", "2.0"},
      {"id", 0},
      {"method", "initialize"},
      {"params",
       {{"protocolVersion", "2025-06-18"},
        {"capabilities", json::object()},
        {"clientInfo", {{"name", "load_http"}, {"version", "1"}}}}}};
  auto res = http.Post(e.path, headers, initialize.dump(), "application/json");
  if (!res || res->status != 200 || !res->has_header("Mcp-Session-Id")) {
    *error = res ? absl::StrCat("HTTP ", res->status, ": ", res->body)
                 : "initialize failed: " + httplib::to_string(res.error());
    return "";
  }
  const std::string session = res->get_header_value("Mcp-Session-Id");
  headers.emplace("Mcp-Session-Id", session);
  res = http.Post(e.path, headers,
                  R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                  "application/json");
  if (!res || res->status != 202) {
    *error = "notifications/initialized was not accepted";
    return "";
  }
  return session;
}

void CloseSession(const Endpoint& e, const Options& o,
                  const std::string& session) {
  httplib::Client http(e.Base());
  httplib::Headers headers = SessionHeaders(o);
  headers.emplace("Mcp-Session-Id", session);
  http.Delete(e.path, headers);
}

struct Tally {
  int64_t calls = 0, errors = 0;
  std::vector<double> latencies_ms;
};

// One client's calls on its connection.
struct Client {
  std::string session;
  int fd = -1;
  int64_t id = 0;  // Of the call in flight.
  std::string out;
  size_t sent = 0;
  HttpReply reply;
  Clock::time_point begin;
  // After a failure: when to connect again (none while set to max()).
  Clock::time_point retry_at = Clock::time_point::max();
};

// Drives every client's calls from one thread until `end`.
class Driver {
 public:
  Driver(const Endpoint& e, const Options& o, Clock::time_point start,
         Clock::time_point end)
      : endpoint_(e), start_(start), end_(end), epoll_(epoll_create1(0)) {
    const json params = {{"name", o.tool}, {"arguments", o.arguments}};
    params_ = params.dump();
    head_ = absl::StrCat("POST ", e.path, " HTTP/1.1\r\nHost: ", e.host, ":",
                         e.port,
                         "\r\nAccept: application/json, text/event-stream"
                         "\r\nContent-Type: application/json"
                         "\r\nMCP-Protocol-Version: 2025-06-18\r\n");
    if (!o.api_key.empty())
      absl::StrAppend(&head_, "Authorization: Bearer ", o.api_key, "\r\n");
  }
  ~Driver() {
    for (Client& c : clients_)
      if (c.fd >= 0) close(c.fd);
    close(epoll_);
  }

  void Add(std::string session) {
    clients_.emplace_back();
    clients_.back().session = std::move(session);
  }

  void Run() {
    for (size_t i = 0; i < clients_.size(); ++i) Next(i);
    std::vector<epoll_event> events(clients_.size() + 1);
    while (Clock::now() < end_) {
      const int n = epoll_wait(epoll_, events.data(), events.size(), 10);
      for (int k = 0; k < n; ++k) Ready(events[k].data.u64, events[k].events);
      const Clock::time_point now = Clock::now();
      for (size_t i = 0; i < clients_.size(); ++i) {
        if (clients_[i].retry_at <= now) {
          clients_[i].retry_at = Clock::time_point::max();
          Next(i);
        }
      }
    }
  }

  const Tally& tally() const { return tally_; }

 private:
  // Sends client `i`'s next call, reconnecting first when needed.
  void Next(size_t i) {
    Client& c = clients_[i];
    if (Clock::now() >= end_) return;
    if (c.fd < 0) {
      c.fd = Connect(endpoint_);
      if (c.fd < 0) return Failed(i);
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = i;
      epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &event);
    }
    const std::string body =
        absl::StrCat(R"({"jsonrpc":"2.0","id":)", ++c.id,
                     R"(,"method":"tools/call","params":)", params_, "}");
    c.out = absl::StrCat(head_, "Mcp-Session-Id: ", c.session,
                         "\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
    c.sent = 0;
    c.begin = Clock::now();
    Write(i);
  }

  void Write(size_t i) {
    Client& c = clients_[i];
    while (c.sent < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent,
                       MSG_NOSIGNAL);
      if (n < 0 && errno == EAGAIN) break;
      if (n <= 0) return Failed(i);
      c.sent += n;
    }
    epoll_event event{};
    event.events = c.sent < c.out.size() ? EPOLLIN | EPOLLOUT : EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event);
  }

  void Ready(size_t i, uint32_t events) {
    Client& c = clients_[i];
    if (c.fd < 0) return;
    if (events & EPOLLOUT) Write(i);
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    char buffer[64 * 1024];
    const ssize_t n = recv(c.fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) return Failed(i);
    switch (c.reply.Feed(absl::string_view(buffer, n))) {
      case HttpReply::State::kIncomplete:
        return;
      case HttpReply::State::kMalformed:
        return Failed(i);
      case HttpReply::State::kComplete:
        break;
    }
    const bool ok = c.reply.status() == 200 &&
                    AnsweredIn(c.reply.content_type(), c.reply.body(), c.id);
    Count(c, ok);
    if (c.reply.closes()) {  // Said so by the server: not an error.
      close(c.fd);
      c.fd = -1;
      c.reply = HttpReply();
    } else {
      c.reply.Reset();
    }
    Next(i);
  }

  void Count(const Client& c, bool ok) {
    const Clock::time_point done = Clock::now();
    if (done < start_ || done >= end_) return;
    ++(ok ? tally_.calls : tally_.errors);
    if (ok) {
      tally_.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(done - c.begin).count());
    }
  }

  // The call in flight failed with its connection: count it, and start over
  // on a new connection after a short pause (Run), so that a gateway that
  // refuses is not spun against and the other clients carry on meanwhile.
  void Failed(size_t i) {
    Client& c = clients_[i];
    Count(c, false);
    if (c.fd >= 0) close(c.fd);  // Also leaves the epoll set.
    c.fd = -1;
    c.reply = HttpReply();
    c.retry_at = Clock::now() + std::chrono::milliseconds(10);
  }

  const Endpoint endpoint_;
  const Clock::time_point start_, end_;
  const int epoll_;
  std::string params_, head_;
  std::vector<Client> clients_;
  Tally tally_;
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
  Endpoint endpoint;
  if (!ParseUrl(options.url, &endpoint)) {
    std::cerr << "load_http: --url must be http://host[:port]/path\n";
    return 2;
  }
  std::vector<std::string> sessions;
  for (int i = 0; i < options.clients; ++i) {
    std::string error;
    std::string session = OpenSession(endpoint, options, &error);
    if (session.empty()) {
      std::cerr << "load_http: initialize: " << error << "\n";
      continue;
    }
    sessions.push_back(std::move(session));
  }
  const Clock::time_point start = After(Clock::now(), options.warmup);
  const Clock::time_point end = After(start, options.seconds);
  Driver driver(endpoint, options, start, end);
  for (const std::string& session : sessions) driver.Add(session);
  // CPU is read around the window from this thread, which drives the calls.
  double cpu_before = 0, cpu = 0;
  std::thread meter([&] {
    std::this_thread::sleep_until(start);
    cpu_before = CpuSeconds();
    std::this_thread::sleep_until(end);
    cpu = CpuSeconds() - cpu_before;
  });
  driver.Run();
  meter.join();
  for (const std::string& session : sessions)
    CloseSession(endpoint, options, session);

  Tally total = driver.tally();
  std::sort(total.latencies_ms.begin(), total.latencies_ms.end());
  const long cores = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  json report = {{"clients", options.clients},
                 {"sessions", static_cast<int>(sessions.size())},
                 {"calls", total.calls},
                 {"errors", total.errors},
                 {"seconds", options.seconds},
                 {"calls_per_second", total.calls / options.seconds},
                 {"p50_ms", Percentile(total.latencies_ms, 0.5)},
                 {"p99_ms", Percentile(total.latencies_ms, 0.99)},
                 {"cpu_seconds", cpu},
                 {"cpu_share", cpu / (options.seconds * cores)}};
  std::cout << report.dump() << std::endl;
  return static_cast<int>(sessions.size()) == options.clients ? 0 : 1;
}
