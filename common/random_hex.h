// RandomHex: an id no caller can guess, as lowercase hex digits.
//
// Drawn from OpenSSL's RAND_bytes (the system's entropy); ids that a caller
// could guess would let it reach what they name (an HTTP session, a task, a
// kept query result), so a failure to draw aborts the process rather than
// hand out a weak id. Stateless; safe from any thread.
#ifndef MFGATE_COMMON_RANDOM_HEX_H_
#define MFGATE_COMMON_RANDOM_HEX_H_

#include <cstddef>
#include <string>

namespace mfgate {

// `bytes` random bytes (at most 64) as 2 * `bytes` hex digits.
std::string RandomHex(size_t bytes);

}  // namespace mfgate

#endif  // MFGATE_COMMON_RANDOM_HEX_H_
