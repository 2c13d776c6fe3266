#include "worker/validate/where_tree.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mfgate::validate {
namespace {

const char* KindName(WhereReference::Kind kind) {
  switch (kind) {
    case WhereReference::Kind::kDimension:
      return "Dimension";
    case WhereReference::Kind::kTimeDimension:
      return "TimeDimension";
    case WhereReference::Kind::kEntity:
      return "Entity";
    case WhereReference::Kind::kMetric:
      return "Metric";
  }
  return "?";
}

const char* NodeName(WhereNode::Kind kind) {
  switch (kind) {
    case WhereNode::Kind::kOr:
      return "or";
    case WhereNode::Kind::kAnd:
      return "and";
    case WhereNode::Kind::kNot:
      return "not";
    case WhereNode::Kind::kNegate:
      return "neg";
    case WhereNode::Kind::kCurrentDate:
      return "current_date";
    default:
      return "null";
  }
}

void Dump(const WhereNode& node, std::string* out);

void DumpChildren(const WhereNode& node, std::string* out) {
  for (const auto& child : node.children) {
    out->push_back(' ');
    Dump(*child, out);
  }
}

void Dump(const WhereNode& node, std::string* out) {
  using Kind = WhereNode::Kind;
  const char* negated = node.negated ? "not-" : "";
  switch (node.kind) {
    case Kind::kOr:
    case Kind::kAnd:
    case Kind::kNot:
    case Kind::kNegate:
    case Kind::kCurrentDate:
    case Kind::kNull:
      absl::StrAppend(out, "(", NodeName(node.kind));
      DumpChildren(node, out);
      out->push_back(')');
      return;
    case Kind::kCompare:
    case Kind::kCall:
    case Kind::kCast:
      absl::StrAppend(out, "(",
                      node.kind == Kind::kCall   ? "call "
                      : node.kind == Kind::kCast ? "cast "
                                                 : "",
                      node.op);
      DumpChildren(node, out);
      out->push_back(')');
      return;
    case Kind::kIn:
    case Kind::kBetween:
    case Kind::kLike:
    case Kind::kIs:
      absl::StrAppend(out, "(", negated,
                      node.kind == Kind::kIn        ? "in"
                      : node.kind == Kind::kBetween ? "between"
                      : node.kind == Kind::kLike    ? node.op
                                                    : "is " + node.op);
      DumpChildren(node, out);
      out->push_back(')');
      return;
    case Kind::kArith:
      absl::StrAppend(out, "(arith");
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) absl::StrAppend(out, " ", node.ops[i - 1]);
        out->push_back(' ');
        Dump(*node.children[i], out);
      }
      out->push_back(')');
      return;
    case Kind::kReference: {
      const WhereReference& ref = node.reference;
      absl::StrAppend(out, "(ref ", KindName(ref.kind), " ", ref.name);
      if (!ref.grain.empty()) absl::StrAppend(out, " grain=", ref.grain);
      if (!ref.date_part.empty())
        absl::StrAppend(out, " date_part=", ref.date_part);
      if (ref.descending >= 0)
        absl::StrAppend(out, " descending=", ref.descending);
      if (!ref.entity_path.empty()) {
        absl::StrAppend(out, " entity_path=[",
                        absl::StrJoin(ref.entity_path, ","), "]");
      }
      if (ref.kind == WhereReference::Kind::kMetric) {
        absl::StrAppend(out, " group_by=[", absl::StrJoin(ref.group_by, ","),
                        "]");
      }
      out->push_back(')');
      return;
    }
    case Kind::kNumber:
      absl::StrAppend(out, "(num ", node.text, ")");
      return;
    case Kind::kString:
      // Length-prefixed, so that no value can imitate the dump's syntax.
      absl::StrAppend(out, "(str ", node.text.size(), ":", node.text, ")");
      return;
    case Kind::kBool:
      absl::StrAppend(out, "(", node.op, ")");
      return;
    case Kind::kTyped:
      absl::StrAppend(out, "(", node.op, " ", node.text.size(), ":", node.text,
                      ")");
      return;
  }
}

}  // namespace

int WhereTreeDepth(const WhereNode& node) {
  int deepest = 0;
  for (const auto& child : node.children) {
    deepest = std::max(deepest, WhereTreeDepth(*child));
  }
  return deepest + 1;
}

std::string DumpWhereTree(const WhereNode& node) {
  std::string out;
  Dump(node, &out);
  return out;
}

}  // namespace mfgate::validate
