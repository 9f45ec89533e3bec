// The server's metrics in Prometheus' text exposition format (version 0.0.4). Counters and
// histograms are lock-free to update; labelled counters take a short lock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace creditlog::api {

class Histogram {
 public:
  // `bounds` are the upper bounds of the buckets, ascending; +Inf is added.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  void Write(std::string* out, const std::string& name, const std::string& help) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<uint64_t>> counts_;  // one per bound, then +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};  // sum in millionths, to keep it atomic
};

class LabelledCounter {
 public:
  void Add(const std::string& label_value, uint64_t n = 1);
  void Write(std::string* out, const std::string& name, const std::string& label, const std::string& help) const;
  uint64_t Get(const std::string& label_value) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, uint64_t> values_;
};

// Counts by HTTP status (100..599) without a lock.
class StatusCounter {
 public:
  void Add(int status);
  uint64_t Get(int status) const;
  void Write(std::string* out, const std::string& name, const std::string& help) const;

 private:
  std::array<std::atomic<uint64_t>, 500> counts_{};
};

struct Metrics {
  Metrics();
  Histogram append_latency;  // seconds, request received → durable acknowledgement sent
  Histogram commit_latency;  // seconds, one synced group-commit write
  Histogram commit_events;   // events per group commit
  LabelledCounter events_by_type;
  StatusCounter responses_by_status;
};

void WriteGauge(std::string* out, const std::string& name, const std::string& help, double value);
void WriteCounter(std::string* out, const std::string& name, const std::string& help, double value);

}  // namespace creditlog::api
