// Progress on long work: a line on stderr that rewrites itself when stderr is a terminal,
// and a line every 10% otherwise (so logs of scripted runs stay short).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace creditlog::api {

class ProgressLine {
 public:
  explicit ProgressLine(std::string label, bool quiet = false);
  void Update(uint64_t done, uint64_t total);
  void Finish();

 private:
  std::string label_;
  bool quiet_;
  bool terminal_;
  int last_tenth_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace creditlog::api
