#include "api/http/metrics.h"

#include <cmath>

#include <fmt/format.h>

namespace creditlog::api {
namespace {

std::vector<double> LatencyBounds() {
  return {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5};
}

std::string Number(double v) {
  if (std::isinf(v)) return "+Inf";
  return fmt::format("{}", v);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}

void Histogram::Observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(std::max(0.0, value) * 1e6), std::memory_order_relaxed);
}

void Histogram::Write(std::string* out, const std::string& name, const std::string& help) const {
  *out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    const double bound = i < bounds_.size() ? bounds_[i] : INFINITY;
    *out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, Number(bound), cumulative);
  }
  *out += fmt::format("{}_sum {}\n{}_count {}\n", name, Number(sum_micros_.load() / 1e6), name, count_.load());
}

void LabelledCounter::Add(const std::string& label_value, uint64_t n) {
  std::lock_guard lock(mutex_);
  values_[label_value] += n;
}

uint64_t LabelledCounter::Get(const std::string& label_value) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(label_value);
  return it == values_.end() ? 0 : it->second;
}

void LabelledCounter::Write(std::string* out, const std::string& name, const std::string& label,
                            const std::string& help) const {
  *out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help, name);
  std::lock_guard lock(mutex_);
  for (const auto& [value, count] : values_) *out += fmt::format("{}{{{}=\"{}\"}} {}\n", name, label, value, count);
}

void StatusCounter::Add(int status) {
  if (status >= 100 && status < 600) counts_[status - 100].fetch_add(1, std::memory_order_relaxed);
}

uint64_t StatusCounter::Get(int status) const {
  return status >= 100 && status < 600 ? counts_[status - 100].load(std::memory_order_relaxed) : 0;
}

void StatusCounter::Write(std::string* out, const std::string& name, const std::string& help) const {
  *out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help, name);
  for (int status = 100; status < 600; ++status) {
    if (const uint64_t n = Get(status)) *out += fmt::format("{}{{status=\"{}\"}} {}\n", name, status, n);
  }
}

Metrics::Metrics()
    : append_latency(LatencyBounds()),
      commit_latency(LatencyBounds()),
      commit_events({1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}) {}

void WriteGauge(std::string* out, const std::string& name, const std::string& help, double value) {
  *out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", name, help, name, name, Number(value));
}

void WriteCounter(std::string* out, const std::string& name, const std::string& help, double value) {
  *out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, Number(value));
}

}  // namespace creditlog::api
