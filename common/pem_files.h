// Reading a TLS identity (certificate chain, private key, CA bundle) from PEM
// files, once at start-up, for the gateway's and the worker's gRPC
// credentials. Stateless; safe from any thread.
#ifndef MFGATE_COMMON_PEM_FILES_H_
#define MFGATE_COMMON_PEM_FILES_H_

#include <string>

#include "absl/status/statusor.h"

namespace mfgate {

struct PemIdentity {
  std::string cert;
  std::string key;
  std::string ca;
};

// Each file must exist, be at most 1 MiB and hold a PEM block; errors name the
// file (never its contents).
absl::StatusOr<PemIdentity> ReadPemFiles(const std::string& cert_path,
                                         const std::string& key_path,
                                         const std::string& ca_path);

}  // namespace mfgate

#endif  // MFGATE_COMMON_PEM_FILES_H_
