#include "gateway/mcp/listen.h"

#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "gateway/mcp/jsonrpc.h"

namespace mfgate::mcp {

using json = nlohmann::json;

namespace {

// One boolean of the filter, by its name and the member it sets.
struct FlagSpec {
  const char* name;
  bool ListenFilter::*member;
  bool Changes::*supported;
};
constexpr FlagSpec kFlags[] = {
    {"toolsListChanged", &ListenFilter::tools, &Changes::tools},
    {"promptsListChanged", &ListenFilter::prompts, &Changes::prompts},
    {"resourcesListChanged", &ListenFilter::resources, &Changes::resources},
};

// The notifications one change of a list calls for.
struct ListSpec {
  bool ListenFilter::*wanted;
  bool Changes::*changed;
  const char* method;
};
constexpr ListSpec kLists[] = {
    {&ListenFilter::tools, &Changes::tools, "notifications/tools/list_changed"},
    {&ListenFilter::prompts, &Changes::prompts,
     "notifications/prompts/list_changed"},
    {&ListenFilter::resources, &Changes::resources,
     "notifications/resources/list_changed"},
};

json Tagged(const json& id) { return json{{kMetaSubscriptionId, id}}; }

// The params of a notification of listen `id` with `members`: a listen's
// carry its id in _meta; a followed session's (null id) nothing more.
json NotificationParams(const json& id, json members) {
  if (!id.is_null()) members["_meta"] = Tagged(id);
  return members;
}

json FilterJson(const ListenFilter& filter) {
  json out = json::object();
  for (const FlagSpec& flag : kFlags) {
    if (filter.*flag.member) out[flag.name] = true;
  }
  if (!filter.uris.empty()) out["resourceSubscriptions"] = filter.uris;
  return out;
}

}  // namespace

uint64_t ChangeFeed::Subscribe(Listener listener) {
  {
    absl::MutexLock lock(&mu_);
    if (entries_.size() < kMaxListeners) {
      full_logged_ = false;
      auto entry = std::make_shared<Entry>();
      entry->listener = std::move(listener);
      const uint64_t id = next_id_++;
      entries_.emplace(id, std::move(entry));
      return id;
    }
    if (full_logged_) return 0;
    full_logged_ = true;
  }
  // Once each time the feed fills: a refused listen is told so, but a
  // session of an older revision is not followed, and only this says so.
  LogWarning(absl::StrCat("change feed: ", kMaxListeners,
                          " listeners already; further listens are refused "
                          "and further older-revision sessions not told of "
                          "changes until some end"));
  return 0;
}

void ChangeFeed::Unsubscribe(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto found = entries_.find(id);
  if (found == entries_.end()) return;
  std::shared_ptr<Entry> entry = std::move(found->second);
  entries_.erase(found);
  // A Publish that took it before may be calling it: its listen has not
  // ended until that call returns.
  auto idle = [&entry]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return entry->calls == 0;
  };
  mu_.Await(absl::Condition(&idle));
}

void ChangeFeed::Publish(const Changes& changes) {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    absl::MutexLock lock(&mu_);
    entries.reserve(entries_.size());
    for (auto& [id, entry] : entries_) {
      ++entry->calls;
      entries.push_back(entry);
    }
  }
  for (const std::shared_ptr<Entry>& entry : entries) {
    entry->listener(changes);
    absl::MutexLock lock(&mu_);
    --entry->calls;
  }
}

std::variant<ListenFilter, std::string> ParseListenFilter(const json& params) {
  auto notifications = params.find("notifications");
  if (notifications == params.end() || !notifications->is_object()) {
    return std::string("params.notifications must be an object");
  }
  ListenFilter filter;
  for (const FlagSpec& flag : kFlags) {
    auto value = notifications->find(flag.name);
    if (value == notifications->end()) continue;
    if (!value->is_boolean()) {
      return "params.notifications." + std::string(flag.name) +
             " must be a boolean";
    }
    filter.*flag.member = value->get<bool>();
  }
  auto uris = notifications->find("resourceSubscriptions");
  if (uris != notifications->end()) {
    if (!uris->is_array() || uris->size() > kMaxListenUris) {
      return "params.notifications.resourceSubscriptions must be an array of "
             "at most " +
             std::to_string(kMaxListenUris) + " strings";
    }
    for (const json& uri : *uris) {
      if (!uri.is_string() || uri.get_ref<const std::string&>().empty() ||
          uri.get_ref<const std::string&>().size() > kMaxListenUriBytes) {
        return "each of params.notifications.resourceSubscriptions must be a "
               "URI of 1 to " +
               std::to_string(kMaxListenUriBytes) + " bytes";
      }
      filter.uris.push_back(uri.get<std::string>());
    }
  }
  return filter;
}

Listens::Listens(ChangeFeed* feed, Send send)
    : feed_(feed), send_(std::move(send)) {}

Changes Listens::Served() const {
  return feed_ != nullptr ? feed_->supported() : Changes{};
}

std::optional<json> Listens::Open(const json& id, const json& params) {
  auto parsed = ParseListenFilter(params);
  if (std::holds_alternative<std::string>(parsed)) {
    return MakeError(id, kInvalidParams, std::get<std::string>(parsed));
  }
  // The part of the filter honored: what this server's changes can say.
  ListenFilter filter = std::get<ListenFilter>(std::move(parsed));
  const Changes served = Served();
  for (const FlagSpec& flag : kFlags) {
    filter.*flag.member = filter.*flag.member && served.*flag.supported;
  }
  if (!served.resource_contents) filter.uris.clear();
  const std::string key = IdKey(id);
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return MakeError(id, kInternalError, "the session is closed");
    if (open_.count(key) != 0) {
      return MakeError(id, kInvalidRequest, kIdInUseMessage);
    }
    if (open_.size() >= kMaxListens) {
      return MakeError(id, kInvalidRequest,
                       "too many subscriptions/listen open in this session (" +
                           std::to_string(kMaxListens) + ")");
    }
    open_.emplace(key, Open_{id, 0});
  }
  // Subscribed before it is acknowledged, so that a full feed refuses it
  // rather than leave it acknowledged and deaf. It tells nothing until its
  // acknowledgment is sent (first on the subscription): the listen starts
  // there, and what the client reads after it already includes an earlier
  // change.
  auto acknowledged = std::make_shared<std::atomic<bool>>(false);
  uint64_t subscription = 0;
  if (feed_ != nullptr) {
    subscription = feed_->Subscribe(
        [this, id, filter, acknowledged](const Changes& changes) {
          if (acknowledged->load()) Notify(id, filter, changes);
        });
  }
  bool ended = false;
  {
    absl::MutexLock lock(&mu_);
    auto open = open_.find(key);
    if (open == open_.end()) {
      ended = true;  // Cancelled or closed meanwhile.
    } else if (feed_ != nullptr && subscription == 0) {
      open_.erase(open);
    } else {
      open->second.subscription = subscription;
    }
  }
  if (feed_ != nullptr && subscription == 0) {
    return MakeError(id, kServerBusy,
                     "too many listeners of this tenant's changes (" +
                         std::to_string(ChangeFeed::kMaxListeners) +
                         "); listen again later");
  }
  if (ended) {
    if (subscription != 0) feed_->Unsubscribe(subscription);
    return std::nullopt;
  }
  send_(json{{"jsonrpc", "2.0"},
             {"method", "notifications/subscriptions/acknowledged"},
             {"params",
              {{"_meta", Tagged(id)}, {"notifications", FilterJson(filter)}}}},
        id, /*change=*/false);
  acknowledged->store(true);
  return std::nullopt;
}

void Listens::Notify(const json& id, const ListenFilter& filter,
                     const Changes& changes) const {
  for (const ListSpec& list : kLists) {
    if (!(filter.*list.wanted) || !(changes.*list.changed)) continue;
    send_(json{{"jsonrpc", "2.0"},
               {"method", list.method},
               {"params", NotificationParams(id, json::object())}},
          id, /*change=*/true);
  }
  if (!changes.resource_contents) return;
  for (const std::string& uri : filter.uris) {
    send_(json{{"jsonrpc", "2.0"},
               {"method", "notifications/resources/updated"},
               {"params", NotificationParams(id, {{"uri", uri}})}},
          id, /*change=*/true);
  }
}

bool Listens::Cancel(const json& id) {
  uint64_t subscription = 0;
  {
    absl::MutexLock lock(&mu_);
    auto open = open_.find(IdKey(id));
    if (open == open_.end()) return false;
    subscription = open->second.subscription;
    open_.erase(open);
  }
  if (subscription != 0) feed_->Unsubscribe(subscription);
  send_(nullptr, id, /*change=*/false);
  return true;
}

void Listens::Follow(std::function<std::vector<std::string>()> subscribed) {
  if (feed_ == nullptr) return;
  {
    absl::MutexLock lock(&mu_);
    if (closed_ || following_ != 0) return;
  }
  ListenFilter every;
  const Changes served = Served();
  for (const FlagSpec& flag : kFlags)
    every.*flag.member = served.*flag.supported;
  const uint64_t subscription =
      feed_->Subscribe([this, every, subscribed = std::move(subscribed)](
                           const Changes& changes) {
        ListenFilter filter = every;
        if (changes.resource_contents) filter.uris = subscribed();
        Notify(nullptr, filter, changes);
      });
  bool ended = false;
  {
    absl::MutexLock lock(&mu_);
    ended = closed_ || following_ != 0;
    if (!ended) following_ = subscription;
  }
  if (ended && subscription != 0) feed_->Unsubscribe(subscription);
}

void Listens::CloseAll() {
  std::map<std::string, Open_> open;
  uint64_t following = 0;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    open.swap(open_);
    std::swap(following, following_);
  }
  if (following != 0) feed_->Unsubscribe(following);
  for (auto& [key, listen] : open) {
    if (listen.subscription != 0) feed_->Unsubscribe(listen.subscription);
    // Ended by the server: its response says so (a graceful end).
    send_(json{{"jsonrpc", "2.0"},
               {"id", listen.id},
               {"result",
                {{"resultType", "complete"}, {"_meta", Tagged(listen.id)}}}},
          listen.id, /*change=*/false);
  }
}

}  // namespace mfgate::mcp
