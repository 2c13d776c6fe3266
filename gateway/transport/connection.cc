#include "gateway/transport/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace mfgate::transport {
namespace {

thread_local Connection* current_connection = nullptr;

void Describe(const sockaddr_storage& address, std::string* ip, int* port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    *port = ntohs(in->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    *port = ntohs(in6->sin6_port);
  }
  *ip = text;
}

// What an OpenSSL call's result `ret` means for a non-blocking socket.
Connection::Io TlsOutcome(SSL* ssl, int ret) {
  switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_WANT_READ:
      return Connection::Io::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Connection::Io::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      return Connection::Io::kEof;
    default:
      ERR_clear_error();  // Errors stay per connection, never per thread.
      return Connection::Io::kError;
  }
}

// Bytes read at once.
constexpr size_t kReadChunk = 16 << 10;

}  // namespace

bool ByteBudget::Take(size_t n) {
  if (used_.fetch_add(n, std::memory_order_relaxed) + n > limit_) {
    used_.fetch_sub(n, std::memory_order_relaxed);
    return false;
  }
  return true;
}

Connection::Connection(int fd, SSL* ssl, const FramerLimits& limits,
                       ByteBudget* budget)
    : fd_(fd), ssl_(ssl), budget_(budget), framer_(limits) {
  sockaddr_storage address{};
  socklen_t size = sizeof(address);
  if (getpeername(fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    Describe(address, &remote_ip_, &remote_port_);
  }
  size = sizeof(address);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    Describe(address, &local_ip_, &local_port_);
  }
}

Connection::~Connection() {
  ReleaseBuffer();
  if (ssl_ != nullptr) SSL_free(ssl_);
  close(fd_);
}

Connection::Io Connection::Handshake() {
  const int ret = SSL_accept(ssl_);
  return ret == 1 ? Io::kDone : TlsOutcome(ssl_, ret);
}

Connection::Io Connection::Read(size_t max, size_t* got) {
  const size_t old = buffer_.size();
  buffer_.resize(old + max);
  ssize_t n;
  Io outcome = Io::kDone;
  if (ssl_ != nullptr) {
    n = SSL_read(ssl_, buffer_.data() + old, static_cast<int>(max));
    if (n <= 0) outcome = TlsOutcome(ssl_, static_cast<int>(n));
  } else {
    n = recv(fd_, buffer_.data() + old, max, 0);
    if (n == 0) outcome = Io::kEof;
    if (n < 0) {
      outcome = errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
                    ? Io::kWantRead
                    : Io::kError;
    }
  }
  buffer_.resize(old + std::max<ssize_t>(n, 0));
  *got = std::max<ssize_t>(n, 0);
  return outcome;
}

bool Connection::pending() const {
  return ssl_ != nullptr && SSL_pending(ssl_) > 0;
}

bool Connection::WaitReadable(absl::Duration timeout) const {
  return pending() || WaitFor(POLLIN, absl::Now() + timeout);
}

Connection::Arrival Connection::ReadRequest(size_t max) {
  using State = RequestFramer::State;
  State state = buffer_.empty() ? State::kNeedMore : framer_.Feed(buffer_);
  // TLS may hold decrypted bytes the socket no longer signals: take them.
  while (state == State::kNeedMore && (max > 0 || pending())) {
    if (!budget_->Take(kReadChunk)) return Arrival::kOverBudget;
    size_t got = 0;
    const Io io = Read(kReadChunk, &got);
    budget_->Give(kReadChunk - got);
    held_ += got;
    if (io == Io::kWantRead || io == Io::kWantWrite) break;
    if (io != Io::kDone) return Arrival::kClosed;
    max -= std::min(max, got);
    state = framer_.Feed(buffer_);
    if (state == State::kNeedMore && framer_.head_complete() &&
        framer_.head().expect_continue && !continued_) {
      continued_ = true;
      if (!SendNow("HTTP/1.1 100 Continue\r\n\r\n")) return Arrival::kClosed;
    }
  }
  switch (state) {
    case State::kComplete:
      return Arrival::kComplete;
    case State::kRefused:
      return Arrival::kRefused;
    default:
      return Arrival::kNeedMore;
  }
}

void Connection::ConsumeRequest() {
  const size_t used = framer_.request_bytes();
  buffer_.erase(0, used);
  if (buffer_.capacity() > 4 * kReadChunk) buffer_.shrink_to_fit();
  budget_->Give(used);
  held_ -= used;
  framer_.Reset();
  continued_ = false;
  ClearHooks();
}

bool Connection::Discard(size_t max) {
  ReleaseBuffer();
  while (max > 0) {
    size_t got = 0;
    const Io io = Read(kReadChunk, &got);
    buffer_.clear();
    if (io == Io::kWantRead || io == Io::kWantWrite) return true;
    if (io != Io::kDone) return false;
    max -= std::min(max, got);
  }
  return true;
}

void Connection::ReleaseBuffer() {
  budget_->Give(held_);
  held_ = 0;
  buffer_.clear();
  buffer_.shrink_to_fit();
}

bool Connection::WaitFor(short events, absl::Time deadline) const {
  while (true) {
    const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (ms <= 0 || gone()) return false;
    pollfd watched{fd_, events, 0};
    const int ready =
        poll(&watched, 1,
             static_cast<int>(std::min<int64_t>(ms, 1000)));  // Notice gone().
    if (ready > 0) return (watched.revents & (POLLERR | POLLNVAL)) == 0;
    if (ready < 0 && errno != EINTR) return false;
  }
}

bool Connection::Send(absl::string_view data, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!data.empty()) {
    ssize_t n;
    short wait_for = POLLOUT;
    if (ssl_ != nullptr) {
      n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (n <= 0) {
        const Io outcome = TlsOutcome(ssl_, static_cast<int>(n));
        if (outcome != Io::kWantRead && outcome != Io::kWantWrite) return false;
        wait_for = outcome == Io::kWantRead ? POLLIN : POLLOUT;
      }
    } else {
      n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return false;
      }
    }
    if (n > 0) {
      data.remove_prefix(n);
    } else if (!WaitFor(wait_for, deadline)) {
      return false;
    }
  }
  return true;
}

bool Connection::SendNow(absl::string_view data) {
  if (ssl_ != nullptr) {
    // Partial writes are on (the listener sets SSL_MODE_ENABLE_PARTIAL_WRITE).
    while (!data.empty()) {
      const int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (n <= 0) {
        TlsOutcome(ssl_, n);
        return false;
      }
      data.remove_prefix(n);
    }
    return true;
  }
  const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
  return n == static_cast<ssize_t>(data.size());
}

void Connection::ShutdownWrite() {
  if (ssl_ != nullptr) SSL_shutdown(ssl_);  // close_notify, best effort.
  shutdown(fd_, SHUT_WR);
}

void Connection::OnGone(std::function<void()> hook) {
  {
    absl::MutexLock lock(&mu_);
    if (!gone_) {
      hooks_.push_back(std::move(hook));
      return;
    }
  }
  hook();
}

void Connection::ClearHooks() {
  std::vector<std::function<void()>> hooks;
  absl::MutexLock lock(&mu_);
  hooks.swap(hooks_);
}  // The hooks, which may own sessions, are destroyed after the lock.

void Connection::MarkGone() {
  std::vector<std::function<void()>> hooks;
  {
    absl::MutexLock lock(&mu_);
    if (gone_) return;
    gone_ = true;
    gone_flag_.store(true, std::memory_order_release);
    hooks.swap(hooks_);
  }
  for (auto& hook : hooks) hook();
}

bool ConnectionStream::is_readable() const { return read_ < end_; }

bool ConnectionStream::is_writable() const { return !connection_->gone(); }

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  const size_t n = std::min(size, end_ - read_);
  connection_->buffer().copy(ptr, n, read_);
  read_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (capture_ != nullptr) {
    capture_->append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  if (!connection_->Send(absl::string_view(ptr, size), send_timeout_)) {
    return -1;
  }
  return static_cast<ssize_t>(size);
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip,
                                              int& port) const {
  ip = connection_->remote_ip();
  port = connection_->remote_port();
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip = connection_->local_ip();
  port = connection_->local_port();
}

socket_t ConnectionStream::socket() const {
  // httplib asks only to refuse descriptors past FD_SETSIZE, which its
  // select() could not watch; this stream never selects on it.
  return 0;
}

Connection* CurrentConnection() { return current_connection; }

ScopedCurrentConnection::ScopedCurrentConnection(Connection* connection)
    : previous_(current_connection) {
  current_connection = connection;
}

ScopedCurrentConnection::~ScopedCurrentConnection() {
  current_connection = previous_;
}

}  // namespace mfgate::transport
