// mfgate's command-line flags (main.cc reads them; each overrides what the
// configuration says, see README.md).
#ifndef MFGATE_GATEWAY_MAIN_FLAGS_H_
#define MFGATE_GATEWAY_MAIN_FLAGS_H_

#include <string>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, config);
ABSL_DECLARE_FLAG(std::string, transport);
ABSL_DECLARE_FLAG(std::string, tenant);
ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, tls_key);
ABSL_DECLARE_FLAG(bool, allow_unauthenticated_remote);
ABSL_DECLARE_FLAG(std::string, worker_binary);
ABSL_DECLARE_FLAG(std::string, log_level);
ABSL_DECLARE_FLAG(std::string, log_format);
ABSL_DECLARE_FLAG(std::string, metrics_listen);
ABSL_DECLARE_FLAG(std::string, worker_tls_cert);
ABSL_DECLARE_FLAG(std::string, worker_tls_key);
ABSL_DECLARE_FLAG(std::string, worker_tls_ca);
ABSL_DECLARE_FLAG(double, drain_seconds);

#endif  // MFGATE_GATEWAY_MAIN_FLAGS_H_
