// Planted bugs that the checking builds must catch, and one correct program
// they must pass: proof that --config=asan and --config=tsan are in force
// (see canary_test.sh). One mode per run:
//   heap-overflow  reads one element past a heap array (ASan)
//   overflow       signed integer overflow (UBSan)
//   race           threads add to one int with no lock (TSan)
//   guarded        threads add to one int under an absl::Mutex: no report
//                  (TSan sees Abseil's Mutex; see third_party/abseil_tsan)
// The values depend on argc so that the compiler cannot fold the bugs away.
#include <climits>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace {

int HeapOverflow(int argc) {
  int* values = new int[4]();
  int value = values[3 + argc];  // argc >= 1: past the end.
  delete[] values;
  return value;
}

int Overflow(int argc) {
  int value = INT_MAX - 1;
  return value + argc + 1;
}

// Four threads add to one int a thousand times each.
int Race(int argc) {
  int shared = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) shared += argc;
    });
  }
  for (std::thread& thread : threads) thread.join();
  return shared;
}

// The same, each addition under the mutex.
int Guarded(int argc) {
  absl::Mutex mu;
  int shared = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        absl::MutexLock lock(&mu);
        shared += argc;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return shared;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: canary heap-overflow|overflow|race|guarded\n");
    return 2;
  }
  const struct {
    const char* mode;
    int (*run)(int);
  } kModes[] = {{"heap-overflow", HeapOverflow},
                {"overflow", Overflow},
                {"race", Race},
                {"guarded", Guarded}};
  for (const auto& mode : kModes) {
    if (std::strcmp(argv[1], mode.mode) == 0) {
      std::printf("%d\n", mode.run(argc - 1));
      return 0;
    }
  }
  std::fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
