// Mutual TLS for the worker's TCP listener: the worker presents its
// certificate, requires a client certificate signed by the configured CA, and
// serves only the peer whose certificate names the gateway's identity.
// Thread-safety: the returned credentials are shared by gRPC's threads; the
// identity check is stateless.
#ifndef MFGATE_WORKER_SERVER_TLS_H_
#define MFGATE_WORKER_SERVER_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"

namespace mfgate::server {

struct TlsFiles {
  std::string cert;  // PEM certificate chain of the worker.
  std::string key;   // Its PEM private key.
  std::string ca;    // PEM CA bundle that signs the gateway's certificate.
  // The common name or a DNS subject alternative name the gateway's
  // certificate must carry.
  std::string peer_name;
};

// Reads the files (once, at start-up) and builds the credentials.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MutualTlsCredentials(
    const TlsFiles& files);

}  // namespace mfgate::server

#endif  // MFGATE_WORKER_SERVER_TLS_H_
