#include "api/progress.h"

#include <cstdio>
#include <unistd.h>

namespace creditlog::api {

// Redraw at most this often on a terminal.
constexpr auto kRedrawInterval = std::chrono::milliseconds(200);

ProgressLine::ProgressLine(std::string label, bool quiet)
    : label_(std::move(label)), quiet_(quiet), terminal_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

void ProgressLine::Update(uint64_t done, uint64_t total) {
  if (quiet_ || total == 0) return;
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  if (terminal_) {
    if (done != total && now - last_draw_ < kRedrawInterval) return;
    last_draw_ = now;
    std::fprintf(stderr, "\r%s: %llu/%llu (%.0f%%, %.0f/s)   ", label_.c_str(), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total), 100.0 * static_cast<double>(done) / static_cast<double>(total), rate);
    return;
  }
  const int tenth = static_cast<int>(10 * done / total);
  if (tenth == last_tenth_) return;
  last_tenth_ = tenth;
  std::fprintf(stderr, "%s: %llu/%llu (%d%%, %.0f/s)\n", label_.c_str(), static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total), tenth * 10, rate);
}

void ProgressLine::Finish() {
  if (!quiet_ && terminal_) std::fprintf(stderr, "\n");
}

}  // namespace creditlog::api
