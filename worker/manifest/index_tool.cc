// mfgate-manifest-index: prints the semantic index (v1::SemanticIndex, in
// binary) the worker reads from a semantic manifest file, so that it can be
// compared with an engine's. Usage: mfgate-manifest-index MANIFEST_JSON
#include <fstream>
#include <iostream>
#include <sstream>

#include "worker/manifest/index_builder.h"
#include "worker/manifest/manifest_model.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: mfgate-manifest-index MANIFEST_JSON\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto manifest = mfgate::manifest::ParseSemanticManifest(text.str());
  if (!manifest.ok()) {
    std::cerr << manifest.status() << "\n";
    return 1;
  }
  std::cout
      << mfgate::manifest::BuildSemanticIndex(*manifest).SerializeAsString();
  return std::cout.good() ? 0 : 1;
}
