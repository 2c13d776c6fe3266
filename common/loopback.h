// Loopback names, as an HTTP server checks them against DNS rebinding: a
// page on evil.example that resolves its name to 127.0.0.1 reaches a
// loopback server with `Host: evil.example`, and a browser names the page's
// site in `Origin`. A loopback server therefore serves only requests whose
// Host (and Origin, when a browser sends one) names loopback itself.
//
// Names match whole: `localhost`, `127.0.0.1` or `[::1]`, with or without a
// port (`localhost:8000`); `[::1].evil.example`, `localhost.evil.example`
// and `127.0.0.1.nip.io` are other hosts. Stateless; safe from any thread.
#ifndef MFGATE_COMMON_LOOPBACK_H_
#define MFGATE_COMMON_LOOPBACK_H_

#include "absl/strings/string_view.h"

namespace mfgate {

// Whether a listening address (`127.0.0.1`, `localhost`, `::1` or `[::1]`)
// is a loopback one.
bool IsLoopbackAddress(absl::string_view host);

// Whether a Host header value names a loopback host, with an optional port.
bool IsLoopbackHostHeader(absl::string_view host);

// Whether an Origin header value (`http://` or `https://`, then a loopback
// host and optional port, nothing else) is a loopback origin.
bool IsLoopbackOrigin(absl::string_view origin);

}  // namespace mfgate

#endif  // MFGATE_COMMON_LOOPBACK_H_
