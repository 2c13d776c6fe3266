#include "worker/validate/where_reference.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/field_error.h"
#include "worker/validate/names.h"

namespace mfgate::validate {
namespace {

// A cursor over the reference body; errors carry the filter position.
class Cursor {
 public:
  Cursor(absl::string_view body, size_t base) : body_(body), base_(base) {}

  void SkipSpace() {
    while (at_ < body_.size() && (body_[at_] == ' ' || body_[at_] == '\t' ||
                                  body_[at_] == '\n' || body_[at_] == '\r')) {
      ++at_;
    }
  }
  bool Done() {
    SkipSpace();
    return at_ >= body_.size();
  }
  bool Consume(char c) {
    SkipSpace();
    if (at_ < body_.size() && body_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  std::string Word() {
    SkipSpace();
    size_t start = at_;
    while (at_ < body_.size() &&
           (absl::ascii_isalnum(static_cast<unsigned char>(body_[at_])) ||
            body_[at_] == '_')) {
      ++at_;
    }
    return std::string(body_.substr(start, at_ - start));
  }
  // A quoted name: '...' or "..." holding only name characters.
  absl::StatusOr<std::string> QuotedName() {
    SkipSpace();
    if (at_ >= body_.size() || (body_[at_] != '\'' && body_[at_] != '"')) {
      return Error("expected a quoted name");
    }
    char quote = body_[at_++];
    size_t start = at_;
    while (at_ < body_.size() && body_[at_] != quote) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(body_[at_])) &&
          body_[at_] != '_') {
        return Error(
            "only letters, digits and '_' may appear in a quoted name");
      }
      ++at_;
    }
    if (at_ >= body_.size()) return Error("unterminated quoted name");
    return std::string(body_.substr(start, at_++ - start));
  }
  absl::Status Error(absl::string_view what) const {
    return FieldError("where", absl::StrCat("reference: ", what,
                                            " at position ", base_ + 2 + at_));
  }

 private:
  absl::string_view body_;
  size_t base_;
  size_t at_ = 0;
};

absl::Status CheckName(const std::string& name, size_t position) {
  absl::Status valid = ValidateGroupByName("where", name);
  if (valid.ok()) return valid;
  return FieldError("where", absl::StrCat("reference at position ", position,
                                          ": ", valid.message()));
}

// `['a', 'b', ...]`: at most 16 names, each checked.
absl::Status NameList(Cursor* cursor, size_t position,
                      std::vector<std::string>* names) {
  if (!cursor->Consume('[')) return cursor->Error("expected '['");
  while (!cursor->Consume(']')) {
    if (!names->empty() && !cursor->Consume(',')) {
      return cursor->Error("expected ',' or ']'");
    }
    auto name = cursor->QuotedName();
    if (!name.ok()) return name.status();
    if (absl::Status valid = CheckName(*name, position); !valid.ok())
      return valid;
    names->push_back(*name);
    if (names->size() > 16) return cursor->Error("more than 16 names");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WhereReference> ParseWhereReference(absl::string_view body,
                                                   size_t position) {
  Cursor cursor(body, position);
  WhereReference ref;
  ref.position = position;
  const std::string function = cursor.Word();
  if (function == "Dimension")
    ref.kind = WhereReference::Kind::kDimension;
  else if (function == "TimeDimension")
    ref.kind = WhereReference::Kind::kTimeDimension;
  else if (function == "Entity")
    ref.kind = WhereReference::Kind::kEntity;
  else if (function == "Metric")
    ref.kind = WhereReference::Kind::kMetric;
  else {
    return cursor.Error(absl::StrCat(
        "'", function.empty() ? "?" : function,
        "' is not allowed; use Dimension, TimeDimension, Entity or Metric"));
  }
  if (!cursor.Consume('(')) return cursor.Error("expected '('");
  auto name = cursor.QuotedName();
  if (!name.ok()) return name.status();
  ref.name = *name;
  if (absl::Status valid = CheckName(ref.name, position); !valid.ok())
    return valid;

  if (ref.kind == WhereReference::Kind::kMetric) {
    if (!cursor.Consume(','))
      return cursor.Error("Metric needs group_by=[...]");
    std::string keyword = cursor.Word();
    if (!keyword.empty() && (keyword != "group_by" || !cursor.Consume('='))) {
      return cursor.Error("expected group_by=[...]");
    }
    if (absl::Status s = NameList(&cursor, position, &ref.group_by); !s.ok())
      return s;
  } else if (cursor.Consume(',')) {
    // TimeDimension's grain, then entity_path=[...].
    std::string keyword = cursor.Word();
    bool path_follows = true;
    if (keyword.empty() && ref.kind == WhereReference::Kind::kTimeDimension) {
      auto grain = cursor.QuotedName();
      if (!grain.ok()) return grain.status();
      if (absl::Status valid = CheckName(*grain, position); !valid.ok())
        return valid;
      ref.grain = *grain;
      path_follows = cursor.Consume(',');
      if (path_follows) keyword = cursor.Word();
    }
    if (path_follows) {
      if (keyword != "entity_path" || !cursor.Consume('=')) {
        return cursor.Error("expected entity_path=[...]");
      }
      if (absl::Status s = NameList(&cursor, position, &ref.entity_path);
          !s.ok()) {
        return s;
      }
    }
  }
  if (!cursor.Consume(')')) return cursor.Error("expected ')'");

  // Dimension methods: .grain('g'), .date_part('p'), .descending(True|False).
  while (ref.kind == WhereReference::Kind::kDimension && cursor.Consume('.')) {
    const std::string method = cursor.Word();
    if (!cursor.Consume('(')) return cursor.Error("expected '('");
    if (method == "grain" || method == "date_part") {
      auto value = cursor.QuotedName();
      if (!value.ok()) return value.status();
      if (absl::Status valid = CheckName(*value, position); !valid.ok())
        return valid;
      (method == "grain" ? ref.grain : ref.date_part) = *value;
    } else if (method == "descending") {
      std::string flag = cursor.Word();
      if (flag != "True" && flag != "False")
        return cursor.Error("expected True or False");
      ref.descending = flag == "True" ? 1 : 0;
    } else {
      return cursor.Error(absl::StrCat("method '", method, "' is not allowed"));
    }
    if (!cursor.Consume(')')) return cursor.Error("expected ')'");
  }
  if (!cursor.Done())
    return cursor.Error("unexpected text after the reference");
  return ref;
}

}  // namespace mfgate::validate
