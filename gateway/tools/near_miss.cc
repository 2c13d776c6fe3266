#include "gateway/tools/near_miss.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace mfgate::tools {
namespace {

struct Synonym {
  absl::string_view wrong;
  absl::string_view right;
};

// What callers write for an argument; the first whose `right` the tool
// takes wins (`filter` is where for a query, search for a listing).
constexpr Synonym kSynonyms[] = {
    {"groupby", "group_by"},
    {"groupbys", "group_by"},
    {"dimensions", "group_by"},
    {"dimensions", "dimension"},
    {"group", "group_by"},
    {"breakdown", "group_by"},
    {"by", "group_by"},
    {"filter", "where"},
    {"filters", "where"},
    {"whereclause", "where"},
    {"condition", "where"},
    {"conditions", "where"},
    {"filter", "search"},
    {"query", "search"},
    {"pattern", "search"},
    {"q", "search"},
    {"keyword", "search"},
    {"name", "search"},
    {"name", "dimension"},
    {"dimensionname", "dimension"},
    {"sort", "order"},
    {"sortby", "order"},
    {"orderby", "order"},
    {"ordering", "order"},
    {"metric", "metrics"},
    {"metricnames", "metrics"},
    {"measures", "metrics"},
    {"maxrows", "limit"},
    {"top", "limit"},
    {"rowlimit", "limit"},
    {"n", "limit"},
    {"start", "start_time"},
    {"startdate", "start_time"},
    {"from", "start_time"},
    {"since", "start_time"},
    {"datefrom", "start_time"},
    {"end", "end_time"},
    {"enddate", "end_time"},
    {"to", "end_time"},
    {"until", "end_time"},
    {"dateto", "end_time"},
    {"savedqueryname", "saved_query"},
    {"maxchars", "max_response_chars"},
};

// Lower case, without underscores, dashes or spaces: "groupBy", "group-by"
// and "group_by" read alike.
std::string Normal(absl::string_view text) {
  std::string lowered = absl::AsciiStrToLower(text);
  lowered.erase(
      std::remove_if(lowered.begin(), lowered.end(),
                     [](char c) { return c == '_' || c == '-' || c == ' '; }),
      lowered.end());
  return lowered;
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const ArgSpec* NearMissArg(const ToolSpec& spec, absl::string_view written) {
  if (written.size() > 64) return nullptr;
  const std::string normal = Normal(written);
  for (const Synonym& synonym : kSynonyms) {
    if (synonym.wrong != normal) continue;
    if (const ArgSpec* arg = FindArg(spec, synonym.right)) return arg;
  }
  const ArgSpec* best = nullptr;
  size_t best_distance = 3;  // At most two edits away.
  for (const ArgSpec& arg : spec.args) {
    std::vector<std::string> names = {arg.name};
    for (const Alias& alias : arg.aliases) names.push_back(alias.name);
    for (const std::string& name : names) {
      size_t distance = EditDistance(normal, Normal(name));
      if (distance < best_distance) {
        best = &arg;
        best_distance = distance;
      }
    }
  }
  return best;
}

std::string Closest(absl::string_view text,
                    const std::vector<std::string>& candidates) {
  const std::string wanted = absl::AsciiStrToLower(text.substr(0, 256));
  // Ranked by what a caller most likely meant, then by spelling: the name
  // itself; a name under it (an entity's dimension: customer__country ->
  // customer__country__region); a name holding it (customer_country ->
  // customer__customer_country); any.
  auto tier = [&wanted](const std::string& lowered) {
    if (lowered == wanted) return 0;
    if (!wanted.empty() && absl::StartsWith(lowered, wanted + "__")) return 1;
    if (!wanted.empty() && absl::StrContains(lowered, wanted)) return 2;
    return 3;
  };
  std::string best;
  std::pair<int, size_t> best_rank = {4, 0};
  for (const std::string& candidate : candidates) {
    const std::string lowered = absl::AsciiStrToLower(candidate);
    std::pair<int, size_t> rank = {tier(lowered),
                                   EditDistance(wanted, lowered)};
    if (best.empty() || rank < best_rank) {
      best = candidate;
      best_rank = rank;
    }
  }
  return best;
}

}  // namespace mfgate::tools
