// The stdio transport: newline-delimited JSON-RPC on a pair of descriptors.
//
// Reads one message per line from `in_fd` and writes each outgoing message as
// one line on `out_fd` (stdout carries protocol data only: logs go to
// stderr). A line longer than `max_line_bytes` is answered with an error and
// discarded as it streams in, never buffered whole. At end of input, running
// calls may finish for `drain_timeout`, then are cancelled, the process's
// tasks are cancelled and their results dropped (TaskStore::CancelAll), and
// RunStdio returns. Runs on the calling thread; one more thread writes stdout
// from a bounded outbox (1,000 lines, 1 MiB): a response or request waits for
// room, a change notification of a listen never does — past the bound it is
// dropped and its listen ended with a -32000 error.
#ifndef MFGATE_GATEWAY_TRANSPORT_STDIO_TRANSPORT_H_
#define MFGATE_GATEWAY_TRANSPORT_STDIO_TRANSPORT_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/mcp/providers.h"
#include "gateway/mcp/session.h"

namespace mfgate::transport {

struct StdioOptions {
  size_t max_line_bytes = mcp::kMaxMessageBytes;
  // At end of input, how long running calls may still finish (and answer)
  // before they are cancelled.
  absl::Duration drain_timeout = absl::Seconds(30);
};

absl::Status RunStdio(int in_fd, int out_fd, mcp::Handlers handlers,
                      const mcp::SessionOptions& session_options,
                      const StdioOptions& options = {});

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_STDIO_TRANSPORT_H_
