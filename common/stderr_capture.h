// Test helper: everything a piece of code writes to stderr (fd 2, so child
// processes and other threads included) while it runs. Not thread-safe: one
// capture at a time per process.
#ifndef MFGATE_COMMON_STDERR_CAPTURE_H_
#define MFGATE_COMMON_STDERR_CAPTURE_H_

#include <stdio.h>
#include <unistd.h>

#include <string>

namespace mfgate {

template <typename Body>
std::string CapturedStderr(Body body) {
  fflush(stderr);
  FILE* file = tmpfile();
  int saved = dup(STDERR_FILENO);
  dup2(fileno(file), STDERR_FILENO);
  body();
  fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::string text;
  rewind(file);
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), file)) > 0;) {
    text.append(buffer, n);
  }
  fclose(file);
  return text;
}

}  // namespace mfgate

#endif  // MFGATE_COMMON_STDERR_CAPTURE_H_
