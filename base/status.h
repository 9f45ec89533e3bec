// Status: the one error vocabulary of creditlog.
//
// Codes keep different failures apart, because callers act on them differently:
//   kInvalidArgument  the input is wrong; nothing was changed; fix the input.
//   kNotFound         the thing asked for does not exist (yet).
//   kConflict         the input is well-formed but clashes with the ledger's state
//                     (an expected-version mismatch, an event id reused for other content).
//   kPermissionDenied the signer may not do this (unregistered, revoked, unauthorised key).
//   kCorruption       data read back is not what was written: the disk, or someone, lied.
//   kIOError          the operating system failed a read, write or sync.
//   kResourceExhausted a bounded queue or limit is full; retry later.
//   kUnavailable      the component has stopped (e.g. the writer after an I/O error).
//   kUnauthenticated  no valid credentials were presented (an unknown or malformed token).
//   kTooLarge         the input exceeds a size limit; nothing was read past the limit.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "base/check.h"

namespace creditlog {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kConflict,
  kPermissionDenied,
  kCorruption,
  kIOError,
  kResourceExhausted,
  kUnavailable,
  kUnauthenticated,
  kTooLarge,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status Conflict(std::string message) {
    return Status(StatusCode::kConflict, std::move(message));
  }
  static Status PermissionDenied(std::string message) {
    return Status(StatusCode::kPermissionDenied, std::move(message));
  }
  static Status Corruption(std::string message) {
    return Status(StatusCode::kCorruption, std::move(message));
  }
  static Status IOError(std::string message) {
    return Status(StatusCode::kIOError, std::move(message));
  }
  static Status ResourceExhausted(std::string message) {
    return Status(StatusCode::kResourceExhausted, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }
  static Status Unauthenticated(std::string message) {
    return Status(StatusCode::kUnauthenticated, std::move(message));
  }
  static Status TooLarge(std::string message) {
    return Status(StatusCode::kTooLarge, std::move(message));
  }
  // For codes carried across a boundary (an HTTP error body). REQUIRES: code != kOk, checked
  // in every build: a parser of codes from the network must refuse "ok" as an error code
  // itself (api/'s HTTP client reads an unknown or "ok" code as kIOError).
  static Status FromCode(StatusCode code, std::string message) {
    CREDITLOG_CHECK(code != StatusCode::kOk);
    return Status(code, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "invalid_argument: field 'body.deadline': ..." — for logs and the command line.
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(std::string_view context) const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace creditlog

#define CREDITLOG_CONCAT_INNER(a, b) a##b
#define CREDITLOG_CONCAT(a, b) CREDITLOG_CONCAT_INNER(a, b)

// Evaluates `expr` (a Status); returns it from the enclosing function if not OK.
#define RETURN_IF_ERROR(expr) RETURN_IF_ERROR_IMPL(CREDITLOG_CONCAT(_status_, __COUNTER__), expr)
#define RETURN_IF_ERROR_IMPL(var, expr)  \
  do {                                   \
    ::creditlog::Status var = (expr);    \
    if (!var.ok()) return var;           \
  } while (0)
