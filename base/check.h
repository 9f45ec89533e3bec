// Always-on assertions for internal invariants (TigerBeetle's style): a broken invariant stops
// the process with where and what, in every build. Data from disk or the network is never
// checked with these: it gets a Status (Corruption or InvalidArgument) instead.
#pragma once

#include <cstdio>
#include <cstdlib>

#define CREDITLOG_CHECK(condition)                                                           \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)
