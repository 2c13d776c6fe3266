// Session's JSON-RPC batches (revision 2025-03-26): each request of a batch
// is served as if it came alone, but its response is held in the batch's
// place for it; when the last one is in, the batch's responses leave as one
// JSON array. Also the routing of every outgoing message (Deliver), since a
// response may belong to a batch.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/json_text.h"
#include "common/log.h"
#include "gateway/mcp/session.h"

namespace mfgate::mcp {

using json = nlohmann::json;

struct Session::Batch {
  json id;  // BatchId.
  absl::Mutex mu;
  // By item: its response's text; null for none (yet).
  std::vector<std::shared_ptr<const std::string>> answers ABSL_GUARDED_BY(mu);
  // Answers awaited, plus one while HandleBatch is still handing items out
  // (so that the batch cannot end before its last item was handled).
  int pending ABSL_GUARDED_BY(mu) = 1;
};

json BatchId(const std::vector<Parsed>& batch) {
  json ids = json::array();
  for (const Parsed& item : batch) {
    if (item.error_response.has_value()) {
      ids.push_back((*item.error_response)["id"]);
    } else if (item.message->kind == Message::Kind::kRequest) {
      ids.push_back(item.message->id);
    }
  }
  return ids;
}

std::optional<json> Session::BatchRefusal() const {
  const std::string version = protocol_version();
  if (version == kBatchRevision) return std::nullopt;
  return MakeError(
      nullptr, kInvalidRequest,
      absl::StrCat("Invalid Request: batches are only part of protocol "
                   "revision ",
                   kBatchRevision, " (this session speaks ",
                   version.empty() ? "none yet" : version, ")"));
}

void Session::HandleBatch(const std::vector<Parsed>& batch) {
  auto state = std::make_shared<Batch>();
  try {
    state->id = BatchId(batch);
    std::vector<const Message*> handed;
    {
      absl::MutexLock lock(&mu_);
      absl::MutexLock batch_lock(&state->mu);
      state->answers.resize(batch.size());
      for (size_t i = 0; i < batch.size(); ++i) {
        std::optional<json> error = Admit(batch[i], state, i, &state->pending);
        if (error.has_value()) {
          state->answers[i] =
              std::make_shared<const std::string>(JsonText(*error));
        } else {
          handed.push_back(&*batch[i].message);
        }
      }
    }
    for (const Message* message : handed) Handle(*message);
  } catch (const std::exception& error) {
    // Memory ran out (Handle catches the rest): no request of the batch may
    // stay awaited, or the batch would never be answered.
    LogError(absl::StrCat("session: cannot handle a batch: ", error.what()));
    int forgotten = 0;
    {
      absl::MutexLock lock(&mu_);
      for (auto it = batched_.begin(); it != batched_.end();) {
        if (it->second.first == state) {
          it = batched_.erase(it);
          ++forgotten;
        } else {
          ++it;
        }
      }
    }
    absl::MutexLock batch_lock(&state->mu);
    state->pending -= forgotten;
  }
  Settle(state, std::string::npos, nullptr);
}

std::optional<json> Session::Admit(const Parsed& item,
                                   const std::shared_ptr<Batch>& batch,
                                   size_t slot, int* pending) {
  if (item.error_response.has_value()) return item.error_response;
  const Message& request = *item.message;
  if (request.kind != Message::Kind::kRequest) return std::nullopt;
  const std::string key = IdKey(request.id);
  if (request.method == "initialize") {
    // Lifecycle: "The initialize request MUST NOT be part of a batch".
    return MakeError(request.id, kInvalidRequest,
                     "Invalid Request: initialize cannot be part of a batch");
  }
  if (batched_.count(key) || running_.count(key)) {
    return MakeError(request.id, kInvalidRequest, kIdInUseMessage);
  }
  batched_[key] = {batch, slot};
  ++*pending;
  return std::nullopt;
}

void Session::Deliver(Outgoing out) {
  // A response, or a request that ended without one, may be a batch's.
  const json& request = out.is_response ? out.id : out.related;
  if ((out.is_response || out.text == nullptr) && !request.is_null()) {
    std::pair<std::shared_ptr<Batch>, size_t> place;
    {
      absl::MutexLock lock(&mu_);
      auto batched = batched_.find(IdKey(request));
      if (batched != batched_.end()) {
        place = std::move(batched->second);
        batched_.erase(batched);
      }
    }
    if (place.first != nullptr) {
      Settle(place.first, place.second, std::move(out.text));
      return;
    }
  }
  outbox_(out);
}

void Session::Settle(const std::shared_ptr<Batch>& batch, size_t slot,
                     std::shared_ptr<const std::string> text) {
  auto joined = std::make_shared<std::string>();
  {
    absl::MutexLock lock(&batch->mu);
    if (slot != std::string::npos) batch->answers[slot] = std::move(text);
    if (--batch->pending > 0) return;
    for (const auto& answer : batch->answers) {
      if (answer == nullptr) continue;
      absl::StrAppend(joined.get(), joined->empty() ? "[" : ",", *answer);
    }
  }
  Outgoing out;
  out.related = batch->id;
  // No response at all (notifications only, or every request cancelled):
  // nothing is sent, as JSON-RPC asks, but the transport hears of the end.
  if (!joined->empty()) {
    joined->push_back(']');
    out.text = std::move(joined);
    out.is_response = true;
    out.id = batch->id;
  }
  outbox_(out);
}

}  // namespace mfgate::mcp
