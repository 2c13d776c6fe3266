#include "common/json_parse.h"

#include <exception>
#include <string>

#include "absl/strings/str_cat.h"

namespace mfgate {
namespace {

using json = nlohmann::json;

// nlohmann's exception ids (json.exception.<kind>.<id>).
constexpr int kNumberOverflow = 406;

// Builds the value with nlohmann's own DOM builder, counting open arrays and
// objects: returning false from a callback stops the parser at once, before
// anything deeper is built.
class BoundedSax {
 public:
  BoundedSax(json* root, int max_depth)
      : dom_(*root, /*allow_exceptions=*/false), max_depth_(max_depth) {}

  bool null() { return dom_.null(); }
  bool boolean(bool value) { return dom_.boolean(value); }
  bool number_integer(json::number_integer_t value) {
    return dom_.number_integer(value);
  }
  bool number_unsigned(json::number_unsigned_t value) {
    return dom_.number_unsigned(value);
  }
  bool number_float(json::number_float_t value, const std::string& text) {
    return dom_.number_float(value, text);
  }
  bool string(std::string& value) { return dom_.string(value); }
  bool binary(json::binary_t& value) { return dom_.binary(value); }
  bool start_object(std::size_t size) {
    return Open() && dom_.start_object(size);
  }
  bool key(std::string& value) { return dom_.key(value); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t size) {
    return Open() && dom_.start_array(size);
  }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& token,
                   const json::exception& error) {
    number_overflow_ = error.id == kNumberOverflow;
    // The parser stands on the number's last byte: name its first.
    error_byte_ = number_overflow_ && token.size() <= position
                      ? position + 1 - token.size()
                      : position;
    return false;
  }

  bool too_deep() const { return too_deep_; }
  size_t error_byte() const { return error_byte_; }
  bool number_overflow() const { return number_overflow_; }

 private:
  bool Open() {
    if (++depth_ <= max_depth_) return true;
    too_deep_ = true;
    return false;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  const int max_depth_;
  int depth_ = 0;
  bool too_deep_ = false;
  size_t error_byte_ = 0;
  bool number_overflow_ = false;
};

}  // namespace

absl::StatusOr<json> ParseJson(absl::string_view text, const JsonLimits& limits,
                               size_t* error_byte) {
  if (error_byte != nullptr) *error_byte = 0;
  if (text.size() > limits.max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("JSON text of ", text.size(),
                     " bytes exceeds the limit of ", limits.max_bytes));
  }
  try {
    json value;
    BoundedSax sax(&value, limits.max_depth);
    if (json::sax_parse(text.begin(), text.end(), &sax)) return value;
    if (sax.too_deep()) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "JSON nested deeper than ", limits.max_depth, " levels"));
    }
    if (error_byte != nullptr) *error_byte = sax.error_byte();
    return absl::InvalidArgumentError(absl::StrCat(
        sax.number_overflow() ? "number out of range" : "invalid JSON",
        " at byte ", sax.error_byte()));
  } catch (const std::exception& error) {
    return absl::InternalError(
        absl::StrCat("cannot parse JSON: ", error.what()));
  } catch (...) {
    return absl::InternalError("cannot parse JSON");
  }
}

}  // namespace mfgate
