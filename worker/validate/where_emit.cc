// EmitWhereFilter: the filter MetricFlow receives, written from the tree.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "worker/validate/where_filter.h"
#include "worker/validate/where_literals.h"

namespace mfgate::validate {
namespace {

using Kind = WhereNode::Kind;

// Binding strength, loosest first. A child that binds more loosely than its
// place asks for is parenthesized; so is any arithmetic inside arithmetic,
// since dialects rank || differently against + and -.
enum Level {
  kAny = 0,
  kOrLevel,
  kAndLevel,
  kNotLevel,
  kPredicateLevel,
  kArithLevel,
  kNegateLevel,
  kPrimaryLevel
};

Level LevelOf(const WhereNode& node) {
  switch (node.kind) {
    case Kind::kOr:
      return kOrLevel;
    case Kind::kAnd:
      return kAndLevel;
    case Kind::kNot:
      return kNotLevel;
    case Kind::kCompare:
    case Kind::kIn:
    case Kind::kBetween:
    case Kind::kLike:
    case Kind::kIs:
      return kPredicateLevel;
    case Kind::kArith:
      return kArithLevel;
    case Kind::kNegate:
      return kNegateLevel;
    default:
      return kPrimaryLevel;
  }
}

void Emit(const WhereNode& node, std::string* out);

void EmitAt(const WhereNode& node, Level at_least, std::string* out) {
  if (LevelOf(node) >= at_least) return Emit(node, out);
  out->push_back('(');
  Emit(node, out);
  out->push_back(')');
}

std::string Quoted(const std::string& name) { return QuoteSqlString(name); }

// `['a', 'b']`.
std::string QuotedList(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const std::string& name : names) quoted.push_back(Quoted(name));
  return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
}

// `, entity_path=[...]` when there is one.
std::string EntityPath(const WhereReference& ref) {
  if (ref.entity_path.empty()) return "";
  return absl::StrCat(", entity_path=", QuotedList(ref.entity_path));
}

void EmitReference(const WhereReference& ref, std::string* out) {
  using RefKind = WhereReference::Kind;
  out->append("{{ ");
  switch (ref.kind) {
    case RefKind::kDimension:
      absl::StrAppend(out, "Dimension(", Quoted(ref.name), EntityPath(ref),
                      ")");
      if (!ref.grain.empty())
        absl::StrAppend(out, ".grain(", Quoted(ref.grain), ")");
      if (!ref.date_part.empty())
        absl::StrAppend(out, ".date_part(", Quoted(ref.date_part), ")");
      if (ref.descending >= 0) {
        absl::StrAppend(out, ".descending(", ref.descending ? "True" : "False",
                        ")");
      }
      break;
    case RefKind::kTimeDimension:
      absl::StrAppend(out, "TimeDimension(", Quoted(ref.name));
      if (!ref.grain.empty()) absl::StrAppend(out, ", ", Quoted(ref.grain));
      absl::StrAppend(out, EntityPath(ref), ")");
      break;
    case RefKind::kEntity:
      absl::StrAppend(out, "Entity(", Quoted(ref.name), EntityPath(ref), ")");
      break;
    case RefKind::kMetric:
      absl::StrAppend(out, "Metric(", Quoted(ref.name),
                      ", group_by=", QuotedList(ref.group_by), ")");
      break;
  }
  out->append(" }}");
}

void EmitJoined(const WhereNode& node, absl::string_view separator,
                Level at_least, std::string* out) {
  for (size_t i = 0; i < node.children.size(); ++i) {
    if (i > 0) absl::StrAppend(out, separator);
    EmitAt(*node.children[i], at_least, out);
  }
}

const char* Not(const WhereNode& node) { return node.negated ? "NOT " : ""; }

void Emit(const WhereNode& node, std::string* out) {
  const auto& child = node.children;
  switch (node.kind) {
    case Kind::kOr:
      return EmitJoined(node, " OR ", kAndLevel, out);
    case Kind::kAnd:
      return EmitJoined(node, " AND ", kNotLevel, out);
    case Kind::kNot:
      out->append("NOT ");
      return EmitAt(*child[0], kArithLevel, out);
    case Kind::kCompare:
      EmitAt(*child[0], kArithLevel, out);
      absl::StrAppend(out, " ", node.op, " ");
      return EmitAt(*child[1], kArithLevel, out);
    case Kind::kIn:
      EmitAt(*child[0], kArithLevel, out);
      absl::StrAppend(out, " ", Not(node), "IN (");
      for (size_t i = 1; i < child.size(); ++i) {
        if (i > 1) out->append(", ");
        Emit(*child[i], out);
      }
      out->push_back(')');
      return;
    case Kind::kBetween:
      EmitAt(*child[0], kArithLevel, out);
      absl::StrAppend(out, " ", Not(node), "BETWEEN ");
      EmitAt(*child[1], kArithLevel, out);
      out->append(" AND ");
      return EmitAt(*child[2], kArithLevel, out);
    case Kind::kLike:
      EmitAt(*child[0], kArithLevel, out);
      absl::StrAppend(out, " ", Not(node), node.op, " ");
      return Emit(*child[1], out);
    case Kind::kIs:
      EmitAt(*child[0], kArithLevel, out);
      absl::StrAppend(out, " IS ", Not(node), node.op);
      return;
    case Kind::kArith:
      for (size_t i = 0; i < child.size(); ++i) {
        if (i > 0) absl::StrAppend(out, " ", node.ops[i - 1], " ");
        EmitAt(*child[i], kNegateLevel, out);
      }
      return;
    case Kind::kNegate:
      // Never "--" (a comment): a nested operand is parenthesized.
      out->push_back('-');
      if (child[0]->kind == Kind::kNumber) return Emit(*child[0], out);
      out->push_back('(');
      Emit(*child[0], out);
      out->push_back(')');
      return;
    case Kind::kCall:
      absl::StrAppend(out, node.op, "(");
      EmitJoined(node, ", ", kAny, out);
      out->push_back(')');
      return;
    case Kind::kCast:
      out->append("CAST(");
      Emit(*child[0], out);
      absl::StrAppend(out, " AS ", node.op, ")");
      return;
    case Kind::kCurrentDate:
      out->append("CURRENT_DATE");
      return;
    case Kind::kReference:
      return EmitReference(node.reference, out);
    case Kind::kNumber:
      out->append(node.text);
      return;
    case Kind::kString:
      out->append(QuoteSqlString(node.text));
      return;
    case Kind::kBool:
      out->append(node.op);
      return;
    case Kind::kNull:
      out->append("NULL");
      return;
    case Kind::kTyped:
      absl::StrAppend(out, node.op, " ", QuoteSqlString(node.text));
      return;
  }
}

}  // namespace

std::string EmitWhereFilter(const WhereFilter& filter) {
  std::string out;
  Emit(*filter.root, &out);
  return out;
}

}  // namespace mfgate::validate
