// A small HTTP client (libcurl) for the command-line clients: submit, audit --server, mirror.
// One client holds one connection that it reuses; it is not thread-safe (use one per thread).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace creditlog::api {

inline constexpr std::chrono::seconds kClientTimeout{60};
inline constexpr size_t kClientResponseBytesMax = 64 * 1024 * 1024;

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string content_type;
  long retry_after_seconds = 0;  // from Retry-After, when present
};

class HttpClient {
 public:
  // base_url: e.g. http://127.0.0.1:8080 (no trailing slash needed). token: "" for none.
  HttpClient(std::string base_url, std::string token);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // IOError when the server cannot be reached; any HTTP status is a successful exchange.
  Result<HttpResponse> Get(std::string_view path);
  Result<HttpResponse> Post(std::string_view path, std::string_view content_type, std::string_view body);

  // The error a non-2xx response carries, as a Status: the server's {"error":{code,message}}
  // mapped back to its code, prefixed with what was asked.
  static Status ErrorOf(const HttpResponse& response, std::string_view what);
  // The error of one item of a batch answer, {"code","message"}: its code kept (an unknown or
  // "ok" code reads as kIOError), prefixed with what was asked.
  static Status ItemError(std::string_view code, std::string_view message, std::string_view what);

  const std::string& base_url() const { return base_url_; }
  // The time limit of each exchange from now on (default kClientTimeout).
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 private:
  Result<HttpResponse> Perform(std::string_view path, const std::string_view* post_body, std::string_view content_type);  // body: null for GET

  std::string base_url_;
  std::string token_;
  std::chrono::milliseconds timeout_ = kClientTimeout;
  void* curl_ = nullptr;  // CURL*
};

}  // namespace creditlog::api
