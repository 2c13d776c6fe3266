// SemanticLayer: a tenant's semantic layer as MCP resources, prompts and
// completions, read from its worker.
//
// Resources: each metric (`metricflow://metric/NAME`: type, description,
// label, every dimension with its type and grains), each semantic model
// (`metricflow://semantic-model/NAME`: its table, entities, dimensions and
// measures) and each saved query (`metricflow://saved-query/NAME`: its
// metrics, group-bys and filters), as JSON; a metric's and a saved query's
// `next_calls` are tool calls that work on them as they are. Prompts:
// `explore_metric` and `compare_periods`, which walk an analyst through the
// tools, call by call. Completions:
// metric names for prompt arguments and resource templates, dimension names for
// `dimension` arguments. Every worker call here is metadata, which the
// worker answers from its semantic index without an engine, so none names a
// caller for the engines' fair queue (a worker with no index yet queues
// them as one unnamed caller). Stateless per call; safe from any thread.
#ifndef MFGATE_GATEWAY_TOOLS_SEMANTIC_LAYER_H_
#define MFGATE_GATEWAY_TOOLS_SEMANTIC_LAYER_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gateway/mcp/providers.h"
#include "mfgate/v1/worker.grpc.pb.h"

namespace mfgate::tools {

class SemanticLayer final : public mcp::ResourceProvider,
                            public mcp::PromptProvider,
                            public mcp::CompletionProvider {
 public:
  SemanticLayer(std::shared_ptr<v1::Worker::StubInterface> worker,
                absl::Duration timeout);

  absl::StatusOr<nlohmann::json> ListResources() const override;
  nlohmann::json ListResourceTemplates() const override;
  absl::StatusOr<nlohmann::json> ReadResource(
      const std::string& uri) const override;

  nlohmann::json ListPrompts() const override;
  absl::StatusOr<nlohmann::json> GetPrompt(
      const std::string& name, const nlohmann::json& arguments) const override;

  nlohmann::json Complete(const nlohmann::json& ref,
                          const nlohmann::json& argument) const override;

 private:
  // One unary call to the worker with this provider's deadline, waiting for
  // a worker that is still starting.
  template <typename Request, typename Response>
  absl::StatusOr<Response> Ask(
      grpc::Status (v1::Worker::StubInterface::*method)(grpc::ClientContext*,
                                                        const Request&,
                                                        Response*),
      const Request& request) const;
  absl::StatusOr<v1::ListMetricsResponse> Metrics() const;
  absl::StatusOr<v1::ListSavedQueriesResponse> SavedQueries() const;
  absl::StatusOr<v1::ListSemanticModelsResponse> SemanticModels() const;
  absl::StatusOr<v1::ListDimensionsResponse> Dimensions(
      const std::string& metric) const;

  const std::shared_ptr<v1::Worker::StubInterface> worker_;
  const absl::Duration timeout_;
};

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_SEMANTIC_LAYER_H_
