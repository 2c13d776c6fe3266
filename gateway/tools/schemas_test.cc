// Every schema tools/list shows is in the portable subset strict validators
// and single-`type` dialects accept: no `type` arrays (a union is `anyOf`
// of single types), and no node that constrains nothing.
#include "gateway/tools/schemas.h"

#include <string>

#include "gateway/tools/catalogue.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;

// Collects, under `path`, every portability problem of `node` and of the
// schemas nested in it.
void Walk(const json& node, const std::string& path, std::string* problems) {
  if (!node.is_object()) {
    *problems += path + ": not a schema object\n";
    return;
  }
  if (node.contains("type") && !node["type"].is_string()) {
    *problems += path + ": `type` is " + node["type"].dump() + "\n";
  }
  if (!node.contains("type") && !node.contains("anyOf")) {
    *problems += path + ": neither `type` nor `anyOf`\n";
  }
  if (node.contains("properties")) {
    for (const auto& [name, sub] : node["properties"].items()) {
      Walk(sub, path + ".properties." + name, problems);
    }
  }
  if (node.contains("items")) Walk(node["items"], path + ".items", problems);
  if (node.contains("anyOf")) {
    for (size_t i = 0; i < node["anyOf"].size(); ++i) {
      Walk(node["anyOf"][i], path + ".anyOf[" + std::to_string(i) + "]",
           problems);
    }
  }
}

TEST(SchemasTest, EveryListedSchemaIsPortable) {
  for (Naming naming :
       {Naming::kMfgate, Naming::kDbtMcp, Naming::kMcpMetricflow}) {
    ListingOptions options;
    options.naming = naming;
    for (const ToolSpec& spec : Catalogue()) {
      const json listing = ToolListing(spec, options);
      std::string problems;
      Walk(listing["inputSchema"], "inputSchema", &problems);
      Walk(listing["outputSchema"], "outputSchema", &problems);
      EXPECT_EQ(problems, "") << "tool " << listing["name"];
    }
  }
}

TEST(SchemasTest, AResultCellIsAnyOfSingleTypes) {
  const json cell =
      schemas::QueryOutput()["properties"]["rows"]["items"]["items"];
  ASSERT_TRUE(cell.contains("anyOf")) << cell;
  for (const json& branch : cell["anyOf"]) {
    EXPECT_TRUE(branch["type"].is_string()) << branch;
  }
  EXPECT_NE(cell["anyOf"].dump().find("\"null\""), std::string::npos);
}

}  // namespace
}  // namespace mfgate::tools
