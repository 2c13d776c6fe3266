// Fuzzes the worker's reader of dbt's semantic manifest
// (worker/manifest/manifest_model.h) and the index built from it
// (index_builder.h): any text must give an answer, never a crash, and an
// index must be one the worker can serve: each metric's links name rows of
// the tables, a metric's dimensions are sorted and unique, and the list of
// metrics, when held, has links for every metric.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "worker/manifest/index_builder.h"
#include "worker/manifest/manifest_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto manifest = mfgate::manifest::ParseSemanticManifest(text);
  if (!manifest.ok()) return 0;
  const mfgate::v1::SemanticIndex index =
      mfgate::manifest::BuildSemanticIndex(*manifest);
  std::set<std::string> linked;
  for (const auto& links : index.links()) {
    if (!linked.insert(links.metric()).second) std::abort();
    for (int i : links.dimensions()) {
      if (i < 0 || i >= index.dimension_table_size()) std::abort();
    }
    for (int i : links.entities()) {
      if (i < 0 || i >= index.entity_table_size()) std::abort();
    }
  }
  for (const auto& metric : index.metrics().metrics()) {
    if (linked.count(metric.name()) == 0) std::abort();
    for (int i = 1; i < metric.dimensions_size(); ++i) {
      if (!(metric.dimensions(i - 1) < metric.dimensions(i))) std::abort();
    }
  }
  return 0;
}
