// HttpTransport's admission of a request (origin, Host, API key, rate) and
// the sessions it names: created, found, or rebuilt from a session token
// issued by any replica.

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/loopback.h"
#include "common/random_hex.h"
#include "gateway/transport/http_replies.h"
#include "gateway/transport/http_transport.h"
#include "httplib.h"

namespace mfgate::transport {
namespace {

using internal::ReplyError;
using internal::TooManyRequests;

// True when `wait` is zero; otherwise answers 429 with Retry-After.
bool Within(absl::Duration wait, httplib::Response& res) {
  if (wait <= absl::ZeroDuration()) return true;
  TooManyRequests(res, wait, "Too Many Requests: retry later");
  return false;
}

}  // namespace

bool HttpTransport::Admit(const httplib::Request& req, httplib::Response& res,
                          std::string* tenant) {
  const std::string origin = req.get_header_value("Origin");
  if (!origin.empty() && !IsLoopbackOrigin(origin)) {
    bool allowed = false;
    for (const std::string& o : options_.allowed_origins)
      allowed = allowed || o == origin;
    if (!allowed) {
      ReplyError(res, 403, "Forbidden: origin not allowed");
      return false;
    }
  }
  if (IsLoopbackAddress(options_.host) && req.has_header("Host") &&
      !IsLoopbackHostHeader(req.get_header_value("Host"))) {
    ReplyError(res, 403,
               "Forbidden: Host header does not name this loopback server");
    return false;
  }
  if (!keys_->enabled()) {
    *tenant = options_.default_tenant;
    return Within(tenant_rates_.Take(*tenant), res);
  }
  absl::StatusOr<std::string> who = keys_->Authenticate(
      req.get_header_value("Authorization"), req.get_header_value("X-API-Key"));
  if (!who.ok()) {
    // Only callers without a valid key are ever throttled.
    absl::Duration blocked = auth_failures_.Blocked(req.remote_addr);
    if (blocked > absl::ZeroDuration()) return Within(blocked, res);
    auth_failures_.Fail(req.remote_addr);
    res.set_header("WWW-Authenticate", "Bearer realm=\"mfgate\"");
    ReplyError(res, 401,
               absl::StrCat("Unauthorized: ", who.status().message()));
    return false;
  }
  *tenant = *who;
  return Within(tenant_rates_.Take(*tenant), res);
}

std::shared_ptr<HttpSession> HttpTransport::NewSession(
    const std::string& tenant, httplib::Response& res) {
  mcp::Handlers handlers = providers_(tenant);
  if (handlers.tools == nullptr) {
    ReplyError(res, 500, "no tools for this tenant");
    return nullptr;
  }
  const std::string id = RandomHex(16);
  auto session = std::make_shared<HttpSession>(
      id, tenant, handlers, OptionsFor(callers_.ForSession(id)));
  return AddSession(session, res) ? session : nullptr;
}

mcp::SessionOptions HttpTransport::OptionsFor(std::string caller) const {
  mcp::SessionOptions options = session_options_;
  options.caller = std::move(caller);
  return options;
}

bool HttpTransport::AddSession(const std::shared_ptr<HttpSession>& session,
                               httplib::Response& res) {
  std::shared_ptr<HttpSession> evicted;
  if (absl::Status added = sessions_.Add(session, &evicted); !added.ok()) {
    // AlreadyExists (a race to rebuild it) is the caller's to answer.
    if (!absl::IsAlreadyExists(added)) {
      TooManyRequests(res, SessionTable::kRetryAfter,
                      std::string(added.message()));
    }
    return false;
  }
  if (evicted != nullptr) {
    LogDebug(absl::StrCat("tenant ", session->tenant(),
                          ": evicted its least recently used idle session"));
    evicted->Close();
  }
  return true;
}

std::string HttpTransport::TokenFor(const HttpSession& session) {
  auth::SessionClaims claims;
  claims.session = session.id();
  claims.tenant = session.tenant();
  claims.protocol_version = session.protocol_version();
  if (claims.protocol_version.empty()) return "";
  claims.capabilities = session.client_capabilities();
  return tokens_.Issue(&claims);
}

std::shared_ptr<HttpSession> HttpTransport::FindSession(
    const std::string& token, const std::string& tenant,
    httplib::Response& res) {
  if (token.empty()) {
    ReplyError(res, 400, "Bad Request: missing Mcp-Session-Id header");
    return nullptr;
  }
  auto unknown = [&res]() -> std::shared_ptr<HttpSession> {
    ReplyError(res, 404, "Not Found: unknown or expired session");
    return nullptr;
  };
  const absl::Time now = absl::Now();
  absl::StatusOr<auth::SessionClaims> claims = tokens_.Verify(token, now);
  // Another tenant's session is reported as unknown, not as forbidden.
  if (!claims.ok() || claims->tenant != tenant ||
      revoked_.Revoked(claims->session, now)) {
    return unknown();
  }
  if (auto session = sessions_.Find(claims->session, tenant)) return session;
  // Initialized on another replica (or here, and since evicted or idle
  // past its time): rebuilt from what the token carries.
  bool known_version = false;
  for (absl::string_view v : mcp::kProtocolVersions) {
    known_version = known_version || v == claims->protocol_version;
  }
  mcp::Handlers handlers = providers_(tenant);
  if (!known_version || handlers.tools == nullptr) return unknown();
  auto session = std::make_shared<HttpSession>(
      claims->session, tenant, handlers,
      OptionsFor(callers_.ForSession(claims->session)));
  session->Resume(claims->protocol_version, claims->capabilities);
  if (AddSession(session, res)) return session;
  if (res.status != -1) return nullptr;  // Answered: no room.
  // Another request rebuilt it first.
  if (auto found = sessions_.Find(claims->session, tenant)) return found;
  return unknown();
}

std::shared_ptr<HttpSession> HttpTransport::FindLegacySession(
    const std::string& id, const std::string& tenant, httplib::Response& res) {
  if (id.empty()) {
    ReplyError(res, 400, "Bad Request: missing session_id");
    return nullptr;
  }
  std::shared_ptr<HttpSession> session = sessions_.Find(id, tenant);
  if (session == nullptr) {
    ReplyError(res, 404, "Not Found: unknown or expired session");
  }
  return session;
}

}  // namespace mfgate::transport
