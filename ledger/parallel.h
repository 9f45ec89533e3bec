// Internal to the ledger: runs fn(i) for i in [0, n) on the calling thread and helpers, each
// taking the next index as it finishes the last, so that a thread slowed down by another
// (the writer shares the cores) does not leave the others waiting at the end.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include "ledger/format.h"

namespace creditlog::ledger {

template <typename Fn>
void ParallelFor(size_t n, Fn fn) {
  const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, kVerifyThreadsMax);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads && t < n; ++t) helpers.emplace_back(work);
  work();
  for (auto& helper : helpers) helper.join();
}

}  // namespace creditlog::ledger
