// Result<T>: a value or a non-OK Status (after Arrow's Result and Abseil's StatusOr).
#pragma once

#include <optional>
#include <utility>

#include "base/check.h"
#include "base/status.h"

namespace creditlog {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    // A Result built from a Status must carry an error; an OK status has no value.
    CREDITLOG_CHECK(!status_.ok());
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok() (checked: CheckOk)
  T& value() & { CheckOk(); return *value_; }
  const T& value() const& { CheckOk(); return *value_; }
  T&& value() && { CheckOk(); return std::move(*value_); }
  T* operator->() { CheckOk(); return &*value_; }
  const T* operator->() const { CheckOk(); return &*value_; }
  T& operator*() & { CheckOk(); return *value_; }
  const T& operator*() const& { CheckOk(); return *value_; }

 private:
  // Using a value of a failed Result is a programmer error: crash, in every build.
  void CheckOk() const { CREDITLOG_CHECK(status_.ok()); }

  Status status_;
  std::optional<T> value_;
};

}  // namespace creditlog

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

// ASSIGN_OR_RETURN(auto x, Compute()); — returns the error from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(CREDITLOG_CONCAT(_result_, __COUNTER__), lhs, expr)
