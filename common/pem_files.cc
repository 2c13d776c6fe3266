#include "common/pem_files.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/paths.h"

namespace mfgate {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  auto pem = ReadFileUpTo(path, 1 << 20);
  if (absl::IsNotFound(pem.status())) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", what, " '", path, "'"));
  }
  if (!pem.ok() || !absl::StrContains(*pem, "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " '", path, "' is not a PEM file"));
  }
  return pem;
}

}  // namespace

absl::StatusOr<PemIdentity> ReadPemFiles(const std::string& cert_path,
                                         const std::string& key_path,
                                         const std::string& ca_path) {
  PemIdentity identity;
  auto cert = ReadPem(cert_path, "TLS certificate");
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(key_path, "TLS private key");
  if (!key.ok()) return key.status();
  auto ca = ReadPem(ca_path, "TLS CA bundle");
  if (!ca.ok()) return ca.status();
  identity.cert = std::move(*cert);
  identity.key = std::move(*key);
  identity.ca = std::move(*ca);
  return identity;
}

}  // namespace mfgate
