// wrk (the Debian package) run from the benchmark programs: its summary read into figures.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <regex>
#include <string>

namespace creditlog::bench {

struct WrkResult {
  double rps = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  uint64_t non_2xx = 0;
  uint64_t timeouts = 0;  // requests unanswered within kWrkTimeout: not in the latencies
};

// How long wrk waits for an answer before it counts a timeout (its default, 2 s, would leave a
// slow page's latencies out of the figures rather than in them).
inline constexpr const char* kWrkTimeout = "10s";

inline double ToMs(const std::string& value, const std::string& unit) {
  const double v = std::stod(value);
  if (unit == "us") return v / 1000;
  if (unit == "s") return v * 1000;
  return v;  // ms
}

// Runs wrk with a Lua script (or none) and reads its summary.
inline WrkResult Wrk(const std::string& url, int seconds, const std::string& script = "", const std::string& header = "",
                      int connections = 64, const std::string& script_args = "") {
  const int threads = std::min(2, connections);
  std::string command = "wrk -t" + std::to_string(threads) + " -c" + std::to_string(connections) + " -d" +
                        std::to_string(seconds) + "s --latency --timeout " + kWrkTimeout;
  if (!script.empty()) command += " -s " + script;
  if (!header.empty()) command += " -H '" + header + "'";
  command += " " + url;
  if (!script_args.empty()) command += " -- " + script_args;
  command += " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
  ::pclose(pipe);
  WrkResult r;
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) r.rps = std::stod(m[1]);
  if (std::regex_search(out, m, std::regex(R"(50%\s+([0-9.]+)(us|ms|s))"))) r.p50_ms = ToMs(m[1], m[2]);
  if (std::regex_search(out, m, std::regex(R"(99%\s+([0-9.]+)(us|ms|s))"))) r.p99_ms = ToMs(m[1], m[2]);
  if (std::regex_search(out, m, std::regex(R"(Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s))"))) r.max_ms = ToMs(m[1], m[2]);
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses:\s+(\d+))"))) r.non_2xx = std::stoull(m[1]);
  if (std::regex_search(out, m, std::regex(R"(Socket errors:.*timeout (\d+))"))) r.timeouts = std::stoull(m[1]);
  if (r.rps == 0) std::fprintf(stderr, "wrk said:\n%s\n", out.c_str());
  return r;
}

}  // namespace creditlog::bench
