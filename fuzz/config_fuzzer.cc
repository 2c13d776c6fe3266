// Fuzzes the gateway's configuration parser (gateway/config/config.h) with
// the text of a configuration file. Relative paths resolve against a
// directory made once at start, holding a dbt project and a key digest file,
// so that valid tenants of both kinds can be reached. Any text must give an
// answer, never a crash, and a configuration it accepts must be one the
// header promises: uniquely named tenants, each with exactly one worker,
// and key digests of 64 lowercase hex digits.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "gateway/config/config.h"

namespace {

std::string* base_dir = nullptr;

void RemoveBaseDir() {
  unlink((*base_dir + "/project/dbt_project.yml").c_str());
  rmdir((*base_dir + "/project").c_str());
  unlink((*base_dir + "/keys.txt").c_str());
  rmdir(base_dir->c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmp = getenv("TEST_TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/config_fuzzer.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  base_dir = new std::string(pattern);
  if (mkdir((*base_dir + "/project").c_str(), 0700) != 0) std::abort();
  std::ofstream(*base_dir + "/project/dbt_project.yml") << "name: fuzz\n";
  std::ofstream(*base_dir + "/keys.txt")
      << "# one digest per line\n"
      << mfgate::config::Sha256Hex("fuzz-key") << "\n";
  atexit(RemoveBaseDir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = mfgate::config::ParseConfigJson(text, *base_dir, "fuzz.json");
  if (!config.ok()) return 0;
  if (config->tenants.empty()) std::abort();
  std::set<std::string> names;
  for (const auto& tenant : config->tenants) {
    if (!names.insert(tenant.name).second) std::abort();
    if (tenant.address.empty() == !tenant.spawn.has_value()) std::abort();
    for (const std::string& digest : tenant.api_key_sha256) {
      if (digest.size() != 64 ||
          digest.find_first_not_of("0123456789abcdef") != std::string::npos) {
        std::abort();
      }
    }
  }
  return 0;
}
