// A stand-in engine process for PersistentEngine's unit tests: speaks the
// framed protocol of proto/mfgate/v1/engine.proto without MetricFlow.
//
// Usage: fake_engine MODE, where MODE is
//   serve      - ready, then answer list_metrics with one metric "m<id>";
//   hang       - ready, then never answer;
//   crash      - ready, then exit(3) on the first request;
//   nested     - ready, then answer with 1 MiB of nested unknown groups;
//   oversize   - ready, then announce a 1 GiB answer;
//   fail-start - send a start-up error frame and exit(1);
//   silent     - never send anything.
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "common/frame_io.h"
#include "mfgate/v1/engine.pb.h"

namespace {

constexpr int kResponseFd = 3;

void Send(const mfgate::v1::EngineResponse& response) {
  if (!mfgate::WriteFrame(kResponseFd, response.SerializeAsString()).ok()) {
    std::exit(4);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "serve";
  if (mode == "silent") {
    pause();
    return 0;
  }
  mfgate::v1::EngineResponse hello;
  if (mode == "fail-start") {
    hello.mutable_error()->set_code(
        mfgate::v1::ErrorDetail::ENGINE_UNAVAILABLE);
    hello.mutable_error()->set_message("profile not found");
    Send(hello);
    return 1;
  }
  hello.mutable_ready()->set_metricflow_version("fake");
  hello.mutable_ready()->set_adapter_type("none");
  Send(hello);
  while (true) {
    auto frame =
        mfgate::ReadFrame(STDIN_FILENO, 1 << 20, absl::InfiniteFuture());
    if (!frame.ok()) return 0;  // The worker closed the pipe.
    mfgate::v1::EngineRequest request;
    if (!request.ParseFromString(*frame)) return 5;
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
    mfgate::v1::EngineResponse response;
    response.set_id(request.id());
    response.mutable_list_metrics()->add_metrics()->set_name(
        "m" + std::to_string(request.id()));
    Send(response);
  }
}
