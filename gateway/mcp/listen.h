// subscriptions/listen (MCP 2026-07-28): a request that stays open and
// carries the change notifications its client opted in to, each tagged with
// the request's id (io.modelcontextprotocol/subscriptionId).
//
// ChangeFeed is one tenant's source of changes: whatever learns that the
// tenant's served lists changed (its worker's manifest stream) publishes to
// it, and every listen of the tenant hears it. Listens is one session's open
// listens: it acknowledges each (notifications/subscriptions/acknowledged,
// first on the subscription, with the part of the filter honored), sends the
// notifications a change calls for, forgets a listen its client cancelled
// (notifications/cancelled: the request then ends with no response), and
// ends every listen with its response (a complete result) when the session
// closes — on a drain, a stop, or the removal of its tenant.
//
// Thread-safety: both are thread-safe. ChangeFeed calls its listeners
// outside its lock, and Unsubscribe returns only once no call of that
// listener runs, so nothing is sent on a listen after its end. A listener
// must not block for long nor call its feed.
#ifndef MFGATE_GATEWAY_MCP_LISTEN_H_
#define MFGATE_GATEWAY_MCP_LISTEN_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

// The _meta key that names the listen a message belongs to.
inline constexpr char kMetaSubscriptionId[] =
    "io.modelcontextprotocol/subscriptionId";

// What one change made stale; also, for a feed, what its changes can say.
struct Changes {
  bool tools = false;
  bool prompts = false;
  bool resources = false;  // The resource list.
  // The contents of every resource (a new manifest may change any of them).
  bool resource_contents = false;
};

class ChangeFeed {
 public:
  using Listener = std::function<void(const Changes&)>;
  // Listeners of one feed at once (the transports bound listens more
  // tightly: HTTP by its event-stream limits, a session by kMaxListens).
  static constexpr size_t kMaxListeners = 4096;

  // `supported`: the kinds of change Publish may carry.
  explicit ChangeFeed(Changes supported) : supported_(supported) {}
  const Changes& supported() const { return supported_; }

  // Registers `listener`; 0 when the feed has kMaxListeners already (a
  // warning is logged the first time, each time the feed fills).
  uint64_t Subscribe(Listener listener);
  // Forgets listener `id`, once no call of it is running.
  void Unsubscribe(uint64_t id);
  // Calls every listener with `changes`, outside the feed's lock.
  void Publish(const Changes& changes);

 private:
  struct Entry {
    Listener listener;
    int calls = 0;  // Guarded by the feed's mu_.
  };
  const Changes supported_;
  absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // The feed was found full since it last had room (logged once).
  bool full_logged_ ABSL_GUARDED_BY(mu_) = false;
  std::map<uint64_t, std::shared_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
};

// The notifications a listen asked for (params.notifications).
struct ListenFilter {
  bool tools = false;
  bool prompts = false;
  bool resources = false;
  std::vector<std::string> uris;  // resourceSubscriptions.
};

// The most URIs one listen may name, and the longest URI.
inline constexpr size_t kMaxListenUris = 256;
inline constexpr size_t kMaxListenUriBytes = 2048;

// The filter of subscriptions/listen `params`, or why it is invalid (the
// message of a -32602 error).
std::variant<ListenFilter, std::string> ParseListenFilter(
    const nlohmann::json& params);

class Listens {
 public:
  // Sends a message of the listen `related` (a null message: it ended with
  // no response). `change`: a change notification, sent on the feed's
  // publishing thread, which the sender must not keep waiting.
  using Send = std::function<void(const nlohmann::json& message,
                                  const nlohmann::json& related, bool change)>;
  // Listens open at once in one session.
  static constexpr size_t kMaxListens = 16;

  // `feed` (may be null: nothing ever changes) must outlive this.
  Listens(ChangeFeed* feed, Send send);
  ~Listens() { CloseAll(); }

  // What listens are told of, for the server's capabilities.
  Changes Served() const;

  // Opens listen `id` with `params` (checked by the caller to be an
  // object): acknowledges it and returns nullopt, or returns the error
  // response that refuses it (invalid filter, too many listens, the session
  // closed, the id in use, or -32000 when the feed has
  // ChangeFeed::kMaxListeners already).
  std::optional<nlohmann::json> Open(const nlohmann::json& id,
                                     const nlohmann::json& params);
  // Ends listen `id` with no response (its client cancelled it); false
  // when no such listen is open.
  bool Cancel(const nlohmann::json& id);
  // Ends every listen with its response, and stops following; later Opens
  // are refused.
  void CloseAll();

  // A session of an older revision (no listen): sends it the list_changed
  // notifications of what is served, and notifications/resources/updated
  // for each URI `subscribed` returns (its resources/subscribe), untagged,
  // until CloseAll. Once per session; later calls do nothing. When the feed
  // is full the session is not followed (ChangeFeed logs it).
  void Follow(std::function<std::vector<std::string>()> subscribed);

 private:
  struct Open_ {
    nlohmann::json id;
    uint64_t subscription = 0;  // 0 until subscribed.
  };
  // Sends what `changes` calls for on listen `id` with `filter`.
  void Notify(const nlohmann::json& id, const ListenFilter& filter,
              const Changes& changes) const;

  ChangeFeed* const feed_;
  const Send send_;
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, Open_> open_ ABSL_GUARDED_BY(mu_);
  uint64_t following_ ABSL_GUARDED_BY(mu_) = 0;  // Follow's subscription.
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_LISTEN_H_
