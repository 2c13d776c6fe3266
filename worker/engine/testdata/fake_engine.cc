// A stand-in engine process for the engine's unit tests: speaks the framed
// protocol of proto/mfgate/v1/engine.proto without MetricFlow.
//
// Usage: fake_engine MODE [ADAPTER [MANIFEST_FILE]], where MODE is
//   serve      - ready, then answer list_metrics with one metric "m<id>";
//   hang       - ready, then never answer (cancels included);
//   crash      - ready, then exit(3) on the first request;
//   nested     - ready, then answer with 1 MiB of nested unknown groups;
//   oversize   - ready, then announce a 1 GiB answer;
//   fail-start - send a start-up error frame and exit(1);
//   silent     - never send anything;
//   commands   - ready, then do what each request says in its list_metrics
//                `search` or its query's `where`: "" answer at once, "sleep:MS"
//                answer after MS ms, "hang" answer CANCELLED when a cancel for
//                it comes, "ignore" never answer, "crash" exit(3); every answer
//                names the process ("pid:<pid>"). A semantic_index request gets
//                a one-metric index; a query saying "columns" gets 3 rows of
//                one int column (row 1 NULL) as query_columns, "bad-columns"
//                the same with one int missing;
//   slow-start - as commands, after 1 s before `ready`.
// ADAPTER (default "none") is the adapter type `ready` reports; the
// manifest hash it reports is MANIFEST_FILE's first line (default empty).
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/frame_io.h"
#include "mfgate/v1/engine.pb.h"

namespace {

using mfgate::v1::EngineRequest;
using mfgate::v1::EngineResponse;

constexpr int kResponseFd = 3;

void Send(const EngineResponse& response) {
  if (!mfgate::WriteFrame(kResponseFd, response.SerializeAsString()).ok()) {
    std::exit(4);
  }
}

bool Read(EngineRequest* request) {
  auto frame = mfgate::ReadFrame(STDIN_FILENO, 1 << 20, absl::InfiniteFuture());
  return frame.ok() && request->ParseFromString(*frame);
}

// The answer to `request` in mode "commands".
void Command(const EngineRequest& request) {
  EngineResponse response;
  response.set_id(request.id());
  if (request.has_semantic_index()) {
    auto* index = response.mutable_semantic_index();
    index->mutable_metrics()->add_metrics()->set_name("m");
    index->add_links()->set_metric("m");
    Send(response);
    return;
  }
  const std::string command = request.has_query() ? request.query().where()
                              : request.list_metrics().search_size() > 0
                                  ? request.list_metrics().search(0)
                                  : std::string();
  if (command == "columns" || command == "bad-columns") {
    response.mutable_query()->add_columns()->set_name("n");
    auto* columns = response.mutable_query_columns();
    columns->set_row_count(3);
    auto* cells = columns->add_columns();
    for (int64_t n : {7, 0, 9}) cells->add_ints(n);
    cells->add_nulls(1);
    if (command == "bad-columns") cells->mutable_ints()->RemoveLast();
    Send(response);
    return;
  }
  if (command == "crash") std::exit(3);
  if (command == "ignore") pause();
  if (command.rfind("sleep:", 0) == 0) {
    usleep(1000 * std::atoi(command.c_str() + 6));
  } else if (command == "hang") {
    EngineRequest next;
    // Frames other than the cancel for this request are not expected.
    while (Read(&next) && next.cancel().id() != request.id()) {
    }
    response.mutable_error()->set_code(mfgate::v1::ErrorDetail::CANCELLED);
    response.mutable_error()->set_message("cancelled");
    Send(response);
    return;
  }
  response.mutable_list_metrics()->add_metrics()->set_name(
      "pid:" + std::to_string(getpid()));
  Send(response);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "serve";
  if (mode == "silent") {
    pause();
    return 0;
  }
  EngineResponse hello;
  if (mode == "slow-start") usleep(1000 * 1000);
  if (mode == "fail-start") {
    hello.mutable_error()->set_code(
        mfgate::v1::ErrorDetail::ENGINE_UNAVAILABLE);
    hello.mutable_error()->set_message("profile not found");
    Send(hello);
    return 1;
  }
  hello.mutable_ready()->set_metricflow_version("fake");
  hello.mutable_ready()->set_adapter_type(argc > 2 ? argv[2] : "none");
  if (argc > 3) {
    std::ifstream manifest(argv[3]);
    std::string sha;
    std::getline(manifest, sha);
    hello.mutable_ready()->set_manifest_sha256(sha);
  }
  Send(hello);
  while (true) {
    EngineRequest request;
    if (!Read(&request)) return 0;       // The worker closed the pipe.
    if (request.has_cancel()) continue;  // Nothing of it runs any more.
    if (mode == "commands" || mode == "slow-start") {
      Command(request);
      continue;
    }
    if (mode == "hang") {
      pause();
    } else if (mode == "crash") {
      return 3;
    } else if (mode == "nested") {
      // Field 15 start-group tags (wire type 3), never ended: a parser
      // that recursed once per group would overflow its stack.
      if (!mfgate::WriteFrame(kResponseFd, std::string(1 << 20, '\x7b')).ok()) {
        return 4;
      }
      continue;
    } else if (mode == "oversize") {
      const char header[4] = {0x40, 0, 0, 0};
      if (write(kResponseFd, header, sizeof(header)) != 4) return 4;
      pause();
    }
    EngineResponse response;
    response.set_id(request.id());
    response.mutable_list_metrics()->add_metrics()->set_name(
        "m" + std::to_string(request.id()));
    Send(response);
  }
}
