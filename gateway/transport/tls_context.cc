#include "gateway/transport/tls_context.h"

#include <openssl/err.h>

#include "absl/strings/str_cat.h"

namespace mfgate::transport {

absl::StatusOr<TlsContext> NewTlsServerContext(const std::string& cert_file,
                                               const std::string& key_file) {
  TlsContext context(SSL_CTX_new(TLS_server_method()));
  const bool ok =
      context != nullptr &&
      SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION) == 1 &&
      SSL_CTX_use_certificate_chain_file(context.get(), cert_file.c_str()) ==
          1 &&
      SSL_CTX_use_PrivateKey_file(context.get(), key_file.c_str(),
                                  SSL_FILETYPE_PEM) == 1 &&
      SSL_CTX_check_private_key(context.get()) == 1;
  ERR_clear_error();
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot use the TLS certificate '", cert_file, "' and key '", key_file,
        "' (unreadable, not PEM, or not a matching pair)"));
  }
  SSL_CTX_set_options(context.get(),
                      SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // Non-blocking sockets: a write may be partial, and may be retried from
  // another buffer position.
  SSL_CTX_set_mode(context.get(), SSL_MODE_ENABLE_PARTIAL_WRITE |
                                      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return context;
}

}  // namespace mfgate::transport
