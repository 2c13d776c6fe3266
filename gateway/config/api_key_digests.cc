// A tenant's API key digests: inline in the config file ("api_key_sha256")
// and/or in a separate file ("api_key_sha256_file"), so that deployments can
// keep the digests in a secret store apart from the rest of the config.

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/paths.h"
#include "gateway/config/config_util.h"

namespace mfgate::config::internal {
namespace {

constexpr size_t kMaxDigestFileBytes = 1 << 20;

bool IsDigest(absl::string_view text) {
  return text.size() == 64 &&
         text.find_first_not_of("0123456789abcdef") == absl::string_view::npos;
}

absl::Status AddDigest(absl::string_view text, absl::string_view where,
                       std::vector<std::string>* out) {
  if (!IsDigest(text)) {
    return At(where,
              "must be 64 lowercase hex digits (mfgate hash-key prints one)");
  }
  out->emplace_back(text);
  return absl::OkStatus();
}

// One digest per line; blank lines and lines starting with '#' are skipped.
absl::Status ReadDigestFile(const std::string& file, absl::string_view where,
                            std::vector<std::string>* out) {
  auto text = ReadFileUpTo(file, kMaxDigestFileBytes);
  if (absl::IsOutOfRange(text.status())) {
    return At(where, absl::StrCat("'", file, "' is larger than 1 MiB"));
  }
  if (!text.ok()) return At(where, absl::StrCat("cannot read '", file, "'"));
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    if (absl::Status s = AddDigest(
            line, absl::StrCat(where, " ('", file, "' line ", line_number, ")"),
            out);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseApiKeyDigests(const nlohmann::json& tenant,
                                const std::string& path,
                                const std::string& file,
                                std::vector<std::string>* out) {
  if (tenant.contains("api_key_sha256")) {
    const nlohmann::json& keys = tenant["api_key_sha256"];
    if (!keys.is_array())
      return At(path + ".api_key_sha256", "must be an array");
    for (size_t i = 0; i < keys.size(); ++i) {
      std::string where = absl::StrCat(path, ".api_key_sha256[", i, "]");
      if (!keys[i].is_string()) return At(where, "must be a string");
      if (absl::Status s = AddDigest(keys[i].get<std::string>(), where, out);
          !s.ok()) {
        return s;
      }
    }
  }
  if (!file.empty()) {
    return ReadDigestFile(file, path + ".api_key_sha256_file", out);
  }
  return absl::OkStatus();
}

}  // namespace mfgate::config::internal
