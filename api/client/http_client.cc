#include "api/client/http_client.h"

#include <mutex>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

namespace creditlog::api {
namespace {

struct Sink {
  HttpResponse* response;
  bool overflow = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (sink->response->body.size() + n > kClientResponseBytesMax) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->response->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::string_view line(data, size * count);
  constexpr std::string_view kRetryAfter = "retry-after:";
  if (line.size() > kRetryAfter.size()) {
    std::string head(line.substr(0, kRetryAfter.size()));
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head == kRetryAfter) sink->response->retry_after_seconds = std::atol(std::string(line.substr(kRetryAfter.size())).c_str());
  }
  return size * count;
}

StatusCode CodeFromName(std::string_view name) {
  for (StatusCode code : {StatusCode::kInvalidArgument, StatusCode::kNotFound, StatusCode::kConflict,
                          StatusCode::kPermissionDenied, StatusCode::kCorruption, StatusCode::kIOError,
                          StatusCode::kResourceExhausted, StatusCode::kUnavailable, StatusCode::kUnauthenticated,
                          StatusCode::kTooLarge}) {
    if (StatusCodeName(code) == name) return code;
  }
  return StatusCode::kIOError;
}

}  // namespace

HttpClient::HttpClient(std::string base_url, std::string token) : base_url_(std::move(base_url)), token_(std::move(token)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<HttpResponse> HttpClient::Get(std::string_view path) { return Perform(path, nullptr, ""); }

Result<HttpResponse> HttpClient::Post(std::string_view path, std::string_view content_type, std::string_view body) {
  return Perform(path, &body, content_type);
}

Result<HttpResponse> HttpClient::Perform(std::string_view path, const std::string_view* post_body, std::string_view content_type) {
  if (curl_ == nullptr) return Status::IOError("libcurl could not be initialised");
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  const std::string url = base_url_ + std::string(path);
  HttpResponse response;
  Sink sink{&response};
  curl_slist* headers = nullptr;
  if (!token_.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token_).c_str());
  if (post_body != nullptr) {
    headers = curl_slist_append(headers, ("Content-Type: " + std::string(content_type)).c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_body->size()));
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (sink.overflow) return Status::TooLarge(url + ": the response exceeds " + std::to_string(kClientResponseBytesMax) + " bytes");
  if (rc != CURLE_OK) return Status::IOError(url + ": " + curl_easy_strerror(rc));
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  char* type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
  if (type != nullptr) response.content_type = type;
  return response;
}

Status HttpClient::ItemError(std::string_view code, std::string_view message, std::string_view what) {
  return Status::FromCode(CodeFromName(code), std::string(what) + ": " + std::string(message));
}

Status HttpClient::ErrorOf(const HttpResponse& response, std::string_view what) {
  const auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (!doc.is_discarded() && doc.is_object() && doc.contains("error") && doc["error"].is_object() &&
      doc["error"].value("code", "").size() > 0) {
    return Status::FromCode(CodeFromName(doc["error"].value("code", "")),
                  std::string(what) + ": " + doc["error"].value("message", "") + " (HTTP " + std::to_string(response.status) + ")");
  }
  return Status::IOError(std::string(what) + ": HTTP " + std::to_string(response.status));
}

}  // namespace creditlog::api
