// A read of a member guarded by a mutex, without the mutex: clang's
// thread-safety analysis, with our -Werror, must refuse to build this.
// Tagged manual (never built by //...); tools/run-tests.sh builds it with
// --config=asan, which carries the analysis, and checks that it fails.
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace {

class Counter {
 public:
  int Get() const { return value_; }  // The violation: mu_ is not held.

 private:
  mutable absl::Mutex mu_;
  int value_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

int main() { return Counter().Get(); }
