// HttpTransport's subscriptions/listen (2026-07-28): the request's answer is
// an event stream that stays open — its acknowledgment, then the change
// notifications its client asked for (mcp/listen.h) — until the client
// closes it (the listen is cancelled), or the server ends it with its
// response: on a drain, a stop, or the removal of its tenant by a reload.
// Like a GET stream, it holds a thread of the stream lane
// (max_event_streams) and counts against its tenant's event streams
// (max_event_streams_per_tenant); past either it is answered as a GET
// stream is.
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "gateway/transport/http_replies.h"
#include "gateway/transport/http_transport.h"
#include "httplib.h"

namespace mfgate::transport {

using internal::Accepts;
using internal::ReplyError;
using internal::TooManyRequests;

void HttpTransport::StreamListen(std::shared_ptr<HttpSession> session,
                                 const std::string& tenant,
                                 const mcp::Message& message,
                                 const httplib::Request& req,
                                 httplib::Response& res) {
  if (!Accepts(req, "text/event-stream")) {
    session->Close();
    ReplyError(res, 406,
               "Not Acceptable: subscriptions/listen is answered as "
               "text/event-stream");
    return;
  }
  if (!sessions_.OpenStream(tenant)) {
    session->Close();
    TooManyRequests(res, SessionTable::kRetryAfter,
                    "Too Many Requests: this tenant has too many event streams "
                    "open");
    return;
  }
  {
    absl::MutexLock lock(&listens_mu_);
    listens_.emplace(tenant, session);
  }
  // A drain or stop that ran before it was registered does not see it.
  if (draining_) session->Close();
  StreamRequest(session, message, res, &ModernHttpStatus,
                [this, tenant, weak = std::weak_ptr<HttpSession>(session)] {
                  sessions_.CloseStream(tenant);
                  std::shared_ptr<HttpSession> ended = weak.lock();
                  {
                    absl::MutexLock lock(&listens_mu_);
                    auto [from, to] = listens_.equal_range(tenant);
                    for (auto it = from; it != to;) {
                      it = it->second.lock() == ended || it->second.expired()
                               ? listens_.erase(it)
                               : std::next(it);
                    }
                  }
                  if (ended != nullptr) ended->Close();
                });
}

void HttpTransport::EndListens(const std::string* tenant) {
  std::vector<std::shared_ptr<HttpSession>> ending;
  {
    absl::MutexLock lock(&listens_mu_);
    for (auto& [name, weak] : listens_) {
      if (tenant != nullptr && name != *tenant) continue;
      if (auto session = weak.lock()) ending.push_back(std::move(session));
    }
  }
  // Outside the lock: closing sends each listen's response.
  for (auto& session : ending) session->Close();
}

}  // namespace mfgate::transport
