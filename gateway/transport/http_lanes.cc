// HttpListener's requests: read and framed on the reactor, then answered on
// the reactor (kInline) or on a lane's threads, or refused by the listener
// itself. (The connections' life is in http_listener.cc.)
#include <sys/epoll.h>

#include <string>
#include <utility>

#include "gateway/transport/http_listener.h"
#include "gateway/transport/http_replies.h"

namespace mfgate::transport {

using internal::RawResponse;

void HttpListener::ReadRequest(Client& client, absl::Time now) {
  Connection& connection = *client.connection;
  const bool started = connection.held() > 0;
  const Connection::Arrival arrival = connection.ReadRequest(kReadPerEvent);
  // A request is due within the read deadline of its first byte.
  if (!started && connection.held() > 0) {
    client.deadline = now + options_.request_read_timeout;
  }
  switch (arrival) {
    case Connection::Arrival::kNeedMore:
      return;
    case Connection::Arrival::kComplete:
      Dispatch(client, now);
      return;
    case Connection::Arrival::kRefused:
      Refuse(client, connection.framer().status(),
             connection.framer().reason());
      return;
    case Connection::Arrival::kOverBudget:
      Refuse(client, 503,
             "Service Unavailable: the server holds too many request bytes",
             /*retry_after=*/true);
      return;
    case Connection::Arrival::kClosed:
      Close(client);  // The client closed, mid-request or between requests.
      return;
  }
}

void HttpListener::Dispatch(Client& client, absl::Time now) {
  if (!accepting_) {
    Refuse(client, 503, "Service Unavailable: the server is shutting down");
    return;
  }
  const Lane lane = lane_of_(client.connection->framer().head());
  if (lane == Lane::kInline) {
    std::string response;
    const bool keep = Answer(*client.connection, &response);
    // A client that has not read its earlier answers gets no more.
    if (!client.connection->SendNow(response)) {
      Close(client);
      return;
    }
    Finish(client, keep, now);
    return;
  }
  client.state = State::kBusy;
  Watch(client, EPOLLRDHUP);  // Only whether the client goes away.
  std::shared_ptr<Connection> connection = client.connection;
  ThreadCache& threads = lane == Lane::kRequest ? requests_ : streams_;
  if (!threads.TryRun(
          [this, connection, lane] { ServeOnLane(connection, lane); })) {
    client.state = State::kReading;
    Refuse(client, 503,
           lane == Lane::kRequest
               ? "Service Unavailable: the server is busy"
               : "Service Unavailable: too many event streams are open",
           /*retry_after=*/true);
  }
}

bool HttpListener::Answer(Connection& connection, std::string* capture) {
  const bool close = !connection.framer().head().keep_alive;
  bool keep;
  {
    ScopedCurrentConnection current(&connection);
    ConnectionStream stream(&connection, connection.framer().request_bytes(),
                            options_.send_timeout, capture);
    keep = serve_(stream, close) && !close;
  }
  connection.ConsumeRequest();
  return keep;
}

void HttpListener::ServeOnLane(std::shared_ptr<Connection> connection,
                               Lane lane) {
  bool keep = Answer(*connection);
  // Anything but a whole request of this lane, arriving at once while other
  // requests would find a thread free, goes back to the reactor.
  while (keep && lane == Lane::kRequest && accepting_ &&
         requests_.CanRunNow() && connection->WaitReadable(kFollowUp) &&
         connection->ReadRequest(kReadPerEvent) ==
             Connection::Arrival::kComplete &&
         lane_of_(connection->framer().head()) == lane) {
    keep = Answer(*connection);
  }
  HandBack(connection.get(), keep);
}

void HttpListener::Finish(Client& client, bool keep, absl::Time now) {
  Connection& connection = *client.connection;
  if (!keep || connection.gone() || !accepting_) {
    Close(client);
    return;
  }
  client.state = State::kReading;
  client.deadline = now + (connection.held() > 0 ? options_.request_read_timeout
                                                 : options_.keep_alive_idle);
  Watch(client, EPOLLIN | EPOLLRDHUP);
  // Bytes already here (a pipelined request, TLS records) raise no event.
  if (connection.held() > 0 || connection.pending()) {
    ready_.push_back(connection.fd());
  }
}

void HttpListener::Refuse(Client& client, int status, const std::string& reason,
                          bool retry_after) {
  Connection& connection = *client.connection;
  connection.ReleaseBuffer();
  if (!connection.SendNow(RawResponse(status, reason, retry_after))) {
    Close(client);
    return;
  }
  connection.ShutdownWrite();
  client.state = State::kLinger;
  client.deadline = absl::Now() + kLinger;
  Watch(client, EPOLLIN | EPOLLRDHUP);
}

}  // namespace mfgate::transport
