#include "common/flags.h"

namespace mfgate {

std::vector<std::string> NormalizeFlagDashes(int argc, char** argv) {
  std::vector<std::string> storage(argv, argv + argc);
  for (int i = 1; i < argc; ++i) {
    std::string& arg = storage[i];
    if (arg == "--") break;
    if (arg.size() < 3 || arg[0] != '-') continue;
    size_t name_start = arg[1] == '-' ? 2 : 1;
    size_t name_end = arg.find('=');
    if (name_end == std::string::npos) name_end = arg.size();
    for (size_t c = name_start; c < name_end; ++c) {
      if (arg[c] == '-') arg[c] = '_';
    }
  }
  for (int i = 0; i < argc; ++i) argv[i] = storage[i].data();
  return storage;
}

}  // namespace mfgate
