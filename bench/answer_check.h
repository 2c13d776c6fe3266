// AnswerCheck: whether one JSON-RPC message is a successful answer to a
// given request id (well-formed, that numbered `id`, a result rather than an
// error, whose isError is not true), read with a SAX pass: a DOM of every
// answer would make load_http, not the gateway, the bottleneck.
// Not thread-safe; one message per object.
#ifndef MFGATE_BENCH_ANSWER_CHECK_H_
#define MFGATE_BENCH_ANSWER_CHECK_H_

#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"

namespace mfgate::bench {

class AnswerCheck final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit AnswerCheck(int64_t id) : id_(id) {}

  bool Succeeded() const { return id_seen_ && result_ && !error_ && !failed_; }

  bool null() override { return Value(); }
  bool boolean(bool value) override {
    if (depth_ == 2 && top_key_ == "result" && key_ == "isError" && value) {
      failed_ = true;
    }
    return Value();
  }
  bool number_integer(number_integer_t value) override {
    return Id(value), Value();
  }
  bool number_unsigned(number_unsigned_t value) override {
    return Id(static_cast<int64_t>(value)), Value();
  }
  bool number_float(number_float_t, const string_t&) override {
    return Value();
  }
  bool string(string_t&) override { return Value(); }
  bool binary(binary_t&) override { return Value(); }
  bool start_object(std::size_t) override { return Open(); }
  bool end_object() override { return --depth_, true; }
  bool start_array(std::size_t) override { return Open(); }
  bool end_array() override { return --depth_, true; }
  bool key(string_t& name) override {
    key_ = name;
    if (depth_ == 1) top_key_ = name;
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception&) override {
    failed_ = true;
    return false;
  }

 private:
  bool Open() {
    if (depth_ == 1) Value();
    ++depth_;
    return true;
  }
  // A value directly in the message marks which member it was.
  bool Value() {
    if (depth_ != 1) return true;
    if (top_key_ == "result") result_ = true;
    if (top_key_ == "error") error_ = true;
    return true;
  }
  void Id(int64_t value) {
    if (depth_ == 1 && top_key_ == "id") id_seen_ = value == id_;
  }

  const int64_t id_;
  int depth_ = 0;
  std::string key_, top_key_;
  bool id_seen_ = false, result_ = false, error_ = false, failed_ = false;
};

inline bool Answered(absl::string_view message, int64_t id) {
  AnswerCheck check(id);
  nlohmann::json::sax_parse(message, &check);
  return check.Succeeded();
}

// Whether an HTTP reply's body carries a successful answer to request `id`:
// the whole body (application/json) or one `data:` line of an event stream.
inline bool AnsweredIn(absl::string_view content_type, absl::string_view body,
                       int64_t id) {
  if (!absl::StrContains(content_type, "text/event-stream"))
    return Answered(body, id);
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    line = absl::StripSuffix(line, "\r");
    if (absl::ConsumePrefix(&line, "data:") && Answered(line, id)) return true;
  }
  return false;
}

}  // namespace mfgate::bench

#endif  // MFGATE_BENCH_ANSWER_CHECK_H_
