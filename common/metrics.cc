#include "common/metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mfgate {
namespace {

std::string Escape(const std::string& text, bool quotes) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double value) {
  if (value == static_cast<double>(static_cast<int64_t>(value)) &&
      value < 1e15 && value > -1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrFormat("%.17g", value);
}

// {a="x",b="y"} plus an optional extra label (le for buckets).
std::string LabelText(const MetricsRegistry::Labels& names,
                      const MetricsRegistry::Labels& values,
                      const std::string& extra = "") {
  std::vector<std::string> parts;
  for (size_t i = 0; i < names.size(); ++i) {
    parts.push_back(
        absl::StrCat(names[i], "=\"", Escape(values[i], true), "\""));
  }
  if (!extra.empty()) parts.push_back(extra);
  if (parts.empty()) return "";
  std::string text = "{";
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ",", parts[i]);
  }
  return text + "}";
}

}  // namespace

std::vector<double> LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
          0.5,   1,      2.5,   5,    10,    30,   60};
}

void MetricsRegistry::DefineCounter(const std::string& name,
                                    const std::string& help,
                                    Labels label_names) {
  absl::MutexLock lock(&mu_);
  if (families_.count(name) == 0) order_.push_back(name);
  families_[name] =
      Family{Type::kCounter, help, std::move(label_names), {}, nullptr, {}};
}

void MetricsRegistry::DefineHistogram(const std::string& name,
                                      const std::string& help,
                                      Labels label_names,
                                      std::vector<double> bounds) {
  std::sort(bounds.begin(), bounds.end());
  absl::MutexLock lock(&mu_);
  if (families_.count(name) == 0) order_.push_back(name);
  families_[name] = Family{Type::kHistogram,  help,    std::move(label_names),
                           std::move(bounds), nullptr, {}};
}

void MetricsRegistry::DefineGauge(const std::string& name,
                                  const std::string& help,
                                  std::function<double()> read) {
  absl::MutexLock lock(&mu_);
  if (families_.count(name) == 0) order_.push_back(name);
  families_[name] = Family{Type::kGauge, help, {}, {}, std::move(read), {}};
}

void MetricsRegistry::DefineCounterReader(const std::string& name,
                                          const std::string& help,
                                          std::function<double()> read) {
  absl::MutexLock lock(&mu_);
  if (families_.count(name) == 0) order_.push_back(name);
  families_[name] = Family{Type::kCounter, help, {}, {}, std::move(read), {}};
}

MetricsRegistry::Family* MetricsRegistry::Find(const std::string& name,
                                               Type type) {
  auto found = families_.find(name);
  return found != families_.end() && found->second.type == type ? &found->second
                                                                : nullptr;
}

void MetricsRegistry::Increment(const std::string& name, const Labels& labels,
                                double by) {
  absl::MutexLock lock(&mu_);
  Family* family = Find(name, Type::kCounter);
  if (family == nullptr || family->read != nullptr ||
      labels.size() != family->label_names.size()) {
    return;
  }
  family->series[labels].value += by;
}

void MetricsRegistry::Observe(const std::string& name, const Labels& labels,
                              double value) {
  absl::MutexLock lock(&mu_);
  Family* family = Find(name, Type::kHistogram);
  if (family == nullptr || labels.size() != family->label_names.size()) return;
  Series& series = family->series[labels];
  series.buckets.resize(family->bounds.size());
  for (size_t i = 0; i < family->bounds.size(); ++i) {
    if (value <= family->bounds[i]) {
      ++series.buckets[i];
      break;
    }
  }
  series.value += value;
  ++series.count;
}

std::string MetricsRegistry::Render() const {
  // Read-at-scrape families are read outside the lock: their callbacks may
  // take other locks.
  struct Reader {
    std::string name, help, type;
    std::function<double()> read;
  };
  std::vector<Reader> readers;
  std::string text;
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& name : order_) {
      const Family& family = families_.at(name);
      if (family.read != nullptr) {
        readers.push_back({name, family.help,
                           family.type == Type::kGauge ? "gauge" : "counter",
                           family.read});
        continue;
      }
      absl::StrAppend(&text, "# HELP ", name, " ", Escape(family.help, false),
                      "\n# TYPE ", name, " ",
                      family.type == Type::kCounter ? "counter" : "histogram",
                      "\n");
      for (const auto& [labels, series] : family.series) {
        if (family.type == Type::kCounter) {
          absl::StrAppend(&text, name, LabelText(family.label_names, labels),
                          " ", Number(series.value), "\n");
          continue;
        }
        uint64_t cumulative = 0;
        for (size_t i = 0; i < family.bounds.size(); ++i) {
          cumulative += i < series.buckets.size() ? series.buckets[i] : 0;
          absl::StrAppend(
              &text, name, "_bucket",
              LabelText(family.label_names, labels,
                        absl::StrCat("le=\"", Number(family.bounds[i]), "\"")),
              " ", cumulative, "\n");
        }
        absl::StrAppend(&text, name, "_bucket",
                        LabelText(family.label_names, labels, "le=\"+Inf\""),
                        " ", series.count, "\n", name, "_sum",
                        LabelText(family.label_names, labels), " ",
                        Number(series.value), "\n", name, "_count",
                        LabelText(family.label_names, labels), " ",
                        series.count, "\n");
      }
    }
  }
  for (const Reader& reader : readers) {
    absl::StrAppend(&text, "# HELP ", reader.name, " ",
                    Escape(reader.help, false), "\n# TYPE ", reader.name, " ",
                    reader.type, "\n", reader.name, " ", Number(reader.read()),
                    "\n");
  }
  return text;
}

}  // namespace mfgate
