// The HTTP server's TLS context, from a PEM certificate chain and key.
// Stateless functions; an SSL_CTX is thread-safe once built.
#ifndef MFGATE_GATEWAY_TRANSPORT_TLS_CONTEXT_H_
#define MFGATE_GATEWAY_TRANSPORT_TLS_CONTEXT_H_

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace mfgate::transport {

struct TlsContextFree {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using TlsContext = std::unique_ptr<SSL_CTX, TlsContextFree>;

// A server context (TLS 1.2 and later) serving `cert_file` with `key_file`;
// InvalidArgument naming both files when they are unreadable, not PEM, or
// not a matching pair.
absl::StatusOr<TlsContext> NewTlsServerContext(const std::string& cert_file,
                                               const std::string& key_file);

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_TLS_CONTEXT_H_
