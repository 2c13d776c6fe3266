// The catalogue of MetricFlow tools: names, arguments, schemas, descriptions.
//
// Each tool is described once, as data (ToolSpec); its MCP inputSchema is
// generated from the same argument list that args.h checks calls against, so
// the schema a model sees and the checks it meets cannot drift apart. Names
// and argument names are those of mcp-metricflow, so its users can switch
// without changing prompts. Immutable after construction; safe from any
// thread.
#ifndef MFGATE_GATEWAY_TOOLS_CATALOGUE_H_
#define MFGATE_GATEWAY_TOOLS_CATALOGUE_H_

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace mfgate::tools {

struct ArgSpec {
  enum class Type { kString, kStringList, kInteger, kBoolean };
  std::string name;
  Type type;
  bool required = false;
  std::string description;
  // Integers: the accepted range.
  long long min = 0;
  long long max = 0;
};

struct ToolSpec {
  std::string name;
  std::string title;
  std::string description;
  std::vector<ArgSpec> args;
  nlohmann::json output_schema;
  // Answered from the semantic manifest alone (list_metrics and the like):
  // brief, and kept by the gateway and revalidated by manifest hash
  // (kept_answers.h).
  bool metadata = false;
};

// Every tool, in the order tools/list shows them.
const std::vector<ToolSpec>& Catalogue();

// The tool named `name` or by an mcp-metricflow alias (`query_tool`, ...);
// nullptr if none.
const ToolSpec* FindTool(const std::string& name);

// The tools/list entry of `spec`.
nlohmann::json ToolListing(const ToolSpec& spec);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_CATALOGUE_H_
