#include "gateway/transport/http_listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/listen_socket.h"
#include "common/log.h"
#include "gateway/transport/http_replies.h"

namespace mfgate::transport {
namespace {

using internal::RawResponse;

// How often deadlines are checked, and how long accepting pauses when the
// process is out of descriptors.
constexpr absl::Duration kSweepEvery = absl::Milliseconds(100);
constexpr int kMaxEvents = 256;

}  // namespace

HttpListener::HttpListener(ListenerOptions options, LaneOf lane_of, Serve serve)
    : options_(std::move(options)),
      lane_of_(std::move(lane_of)),
      serve_(std::move(serve)),
      buffered_(options_.max_buffered_bytes),
      requests_(absl::Seconds(60), options_.request_threads,
                options_.max_queued_requests),
      streams_(absl::Seconds(60), options_.stream_threads, 0) {}

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(
    ListenerOptions options, LaneOf lane_of, Serve serve) {
  std::unique_ptr<HttpListener> listener(new HttpListener(
      std::move(options), std::move(lane_of), std::move(serve)));
  const ListenerOptions& o = listener->options_;
  if (!o.tls_cert.empty()) {
    absl::StatusOr<TlsContext> tls = NewTlsServerContext(o.tls_cert, o.tls_key);
    if (!tls.ok()) return tls.status();
    listener->tls_ = std::move(*tls);
  }
  absl::StatusOr<int> fd = ListenTcp(o.host, o.port);
  if (!fd.ok()) return fd.status();
  listener->listen_fd_ = *fd;
  listener->port_ = BoundPort(*fd);
  listener->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  listener->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (listener->epoll_fd_ < 0 || listener->wake_fd_ < 0) {
    return absl::InternalError("cannot create the HTTP server's event loop");
  }
  for (int watched : {listener->listen_fd_, listener->wake_fd_}) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = watched;
    epoll_ctl(listener->epoll_fd_, EPOLL_CTL_ADD, watched, &event);
  }
  HttpListener* self = listener.get();
  listener->reactor_ = std::thread([self] { self->Loop(); });
  return listener;
}

HttpListener::~HttpListener() {
  Stop();
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  if (listen_fd_ >= 0) close(listen_fd_);
}

void HttpListener::StopAccepting() {
  absl::MutexLock lock(&mu_);
  stop_accepting_ = true;
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void HttpListener::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_accepting_ = stopping_ = true;
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
  if (reactor_.joinable()) reactor_.join();
}

void HttpListener::HandBack(Connection* connection, bool keep) {
  absl::MutexLock lock(&mu_);
  handed_back_.emplace_back(connection, keep);
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void HttpListener::Loop() {
  epoll_event events[kMaxEvents];
  absl::Time next_sweep = absl::Now() + kSweepEvery;
  while (true) {
    const int timeout =
        ready_.empty() ? absl::ToInt64Milliseconds(kSweepEvery) : 0;
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout);
    const absl::Time now = absl::Now();
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd_) {
        Accept(now);
      } else if (fd == wake_fd_) {
        uint64_t count;
        (void)!read(wake_fd_, &count, sizeof(count));
        TakeBack(now);
      } else {
        OnEvent(fd, events[i].events, now);
      }
    }
    std::vector<int> ready;
    ready.swap(ready_);
    for (int fd : ready) {
      auto found = clients_.find(fd);
      if (found != clients_.end() && found->second.state == State::kReading) {
        ReadRequest(found->second, now);
      }
    }
    if (now >= next_sweep) {
      Sweep(now);
      next_sweep = now + kSweepEvery;
    }
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      stopping = stopping_;
    }
    if (stopping && clients_.empty()) return;
  }
}

void HttpListener::Watch(Client& client, uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.fd = client.connection->fd();
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, event.data.fd, &event);
}

void HttpListener::Accept(absl::Time now) {
  while (accepting_) {
    const int fd =
        accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        // Out of descriptors: a readable listener would wake us at once
        // again. Stop watching it until the next sweep.
        LogWarning("HTTP server: out of file descriptors; not accepting");
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
        listen_paused_until_ = now + kSweepEvery;
      }
      return;
    }
    if (clients_.size() >= static_cast<size_t>(options_.max_connections)) {
      if (tls_ == nullptr) {  // Without TLS an answer fits in the socket.
        const std::string busy =
            RawResponse(503, "Service Unavailable: too many connections", true);
        (void)!send(fd, busy.data(), busy.size(), MSG_NOSIGNAL);
      }
      close(fd);
      continue;
    }
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    SSL* ssl = nullptr;
    if (tls_ != nullptr) {
      ssl = SSL_new(tls_.get());
      if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
        if (ssl != nullptr) SSL_free(ssl);
        close(fd);
        continue;
      }
    }
    Client& client = clients_[fd];
    client.connection =
        std::make_shared<Connection>(fd, ssl, options_.framer, &buffered_);
    client.state = ssl != nullptr ? State::kHandshake : State::kReading;
    // The first request (or the handshake) is due like any request.
    client.deadline = now + options_.request_read_timeout;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.fd = fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  }
}

void HttpListener::OnEvent(int fd, uint32_t events, absl::Time now) {
  auto found = clients_.find(fd);
  if (found == clients_.end()) return;
  Client& client = found->second;
  switch (client.state) {
    case State::kBusy:
      if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        // Gone while its request is answered: stop watching (the event
        // would repeat) and tell the handler.
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
        client.connection->MarkGone();
      }
      return;
    case State::kLinger:
      if (!client.connection->Discard(kReadPerEvent)) Close(client);
      return;
    case State::kHandshake:
      Handshake(client, now);
      return;
    case State::kReading:
      ReadRequest(client, now);
      return;
  }
}

void HttpListener::Handshake(Client& client, absl::Time now) {
  switch (client.connection->Handshake()) {
    case Connection::Io::kDone:
      client.state = State::kReading;
      Watch(client, EPOLLIN | EPOLLRDHUP);
      ReadRequest(client, now);
      return;
    case Connection::Io::kWantRead:
      Watch(client, EPOLLIN | EPOLLRDHUP);
      return;
    case Connection::Io::kWantWrite:
      Watch(client, EPOLLOUT | EPOLLRDHUP);
      return;
    default:
      Close(client);
      return;
  }
}

void HttpListener::TakeBack(absl::Time now) {
  std::vector<std::pair<Connection*, bool>> back;
  bool stop_accepting, stopping;
  {
    absl::MutexLock lock(&mu_);
    back.swap(handed_back_);
    stop_accepting = stop_accepting_;
    stopping = stopping_;
  }
  if (stop_accepting && accepting_) {
    accepting_ = false;
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    close(listen_fd_);
    listen_fd_ = -1;
  }
  for (auto [connection, keep] : back) {
    auto found = clients_.find(connection->fd());
    if (found == clients_.end() ||
        found->second.connection.get() != connection) {
      continue;
    }
    Client& client = found->second;
    // A connection the reactor stopped watching (its client went away) is
    // watched again by Finish; closing it removes it for good.
    if (connection->gone()) {
      Close(client);
      continue;
    }
    Finish(client, keep, now);
  }
  if (stopping) {
    std::vector<int> idle;
    for (auto& [fd, client] : clients_) {
      if (client.state != State::kBusy) idle.push_back(fd);
    }
    for (int fd : idle) Close(clients_.at(fd));
  }
}

void HttpListener::Close(Client& client) {
  const int fd = client.connection->fd();
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  client.connection->ReleaseBuffer();
  // The descriptor closes with the last reference to the connection.
  clients_.erase(fd);
}

void HttpListener::Sweep(absl::Time now) {
  if (accepting_ && listen_paused_until_ != absl::InfinitePast() &&
      now >= listen_paused_until_) {
    listen_paused_until_ = absl::InfinitePast();
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = listen_fd_;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &event);
  }
  std::vector<int> late;
  for (auto& [fd, client] : clients_) {
    if (client.state != State::kBusy && now >= client.deadline) {
      late.push_back(fd);
    }
  }
  for (int fd : late) {
    Client& client = clients_.at(fd);
    // A request that started and did not arrive in time is told so; an
    // idle connection, a handshake or a lingering one just closes.
    if (client.state == State::kReading && client.connection->held() > 0) {
      client.connection->SendNow(RawResponse(
          408, "Request Timeout: the request did not arrive in time", false));
    }
    Close(client);
  }
}

}  // namespace mfgate::transport
