#include "worker/server/tls.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/pem_files.h"
#include "grpcpp/security/auth_metadata_processor.h"

namespace mfgate::server {
namespace {

// Runs for every call: TLS has already verified the chain against the CA;
// this checks whose certificate it is.
class PeerIdentityCheck final : public grpc::AuthMetadataProcessor {
 public:
  explicit PeerIdentityCheck(std::string peer_name)
      : peer_name_(std::move(peer_name)) {}

  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata&, grpc::AuthContext* context,
                       OutputMetadata*, OutputMetadata*) override {
    for (const char* property :
         {"x509_common_name", "x509_subject_alternative_name"}) {
      for (const auto& value : context->FindPropertyValues(property)) {
        if (std::string(value.data(), value.size()) == peer_name_) {
          return grpc::Status::OK;
        }
      }
    }
    // Logged once a minute at most: a misconfigured gateway retries often.
    int64_t now = absl::ToUnixSeconds(absl::Now());
    int64_t last = last_logged_.load();
    if (now - last >= 60 && last_logged_.compare_exchange_strong(last, now)) {
      LogWarning(
          absl::StrCat("refused a call: the client certificate does not name '",
                       peer_name_, "'"));
    }
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "client certificate is not the gateway's");
  }

 private:
  const std::string peer_name_;
  std::atomic<int64_t> last_logged_{0};  // Unix seconds.
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MutualTlsCredentials(
    const TlsFiles& files) {
  if (files.cert.empty() || files.key.empty() || files.ca.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert, --tls-key and --tls-ca go together");
  }
  if (files.peer_name.empty()) {
    return absl::InvalidArgumentError(
        "--tls-peer-name must name the gateway's certificate");
  }
  auto pem = ReadPemFiles(files.cert, files.key, files.ca);
  if (!pem.ok()) return pem.status();
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = pem->ca;
  options.pem_key_cert_pairs.push_back({pem->key, pem->cert});
  auto credentials = grpc::SslServerCredentials(options);
  credentials->SetAuthMetadataProcessor(
      std::make_shared<PeerIdentityCheck>(files.peer_name));
  return credentials;
}

}  // namespace mfgate::server
