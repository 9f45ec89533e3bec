#include "api/log.h"

#include <atomic>
#include <iostream>

#include <spdlog/sinks/stdout_sinks.h>

namespace creditlog::api {
namespace {

std::atomic<bool> g_json{false};
std::atomic<bool> g_set_up{false};

}  // namespace

Status SetUpLogging(std::string_view format, std::string_view level) {
  if (format != "text" && format != "json") {
    return Status::InvalidArgument("--log-format: '" + std::string(format) + "' is not text or json");
  }
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return Status::InvalidArgument("--log-level: '" + std::string(level) + "' is not trace, debug, info, warn or error");
  }
  auto logger = spdlog::stderr_logger_mt("creditlog");
  spdlog::set_default_logger(logger);
  g_json = format == "json";
  // In JSON mode the message is the rest of the object, already escaped by nlohmann::json.
  spdlog::set_pattern(g_json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l",%v})" : "%Y-%m-%d %H:%M:%S.%e %l %v");
  spdlog::set_level(parsed);
  spdlog::flush_on(spdlog::level::info);
  g_set_up = true;
  return Status::Ok();
}

bool LoggingSetUp() { return g_set_up; }

void Notice(std::string_view message, const nlohmann::json& fields) {
  if (LoggingSetUp()) return Log(spdlog::level::warn, message, fields);
  std::string line = "creditlog: " + std::string(message);
  for (const auto& [key, value] : fields.items()) line += "; " + key + ": " + (value.is_string() ? value.get<std::string>() : value.dump());
  std::cerr << line << "\n";
}

void Log(spdlog::level::level_enum level, std::string_view message, const nlohmann::json& fields) {
  if (!spdlog::should_log(level)) return;
  std::string line;
  if (g_json) {
    nlohmann::json object = fields.is_object() ? fields : nlohmann::json::object();
    object["msg"] = message;
    line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line = line.substr(1, line.size() - 2);  // the pattern supplies the braces
  } else {
    line = std::string(message);
    if (fields.is_object()) {
      for (const auto& [key, value] : fields.items()) {
        line += " " + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
      }
    }
  }
  spdlog::log(level, "{}", line);
}

}  // namespace creditlog::api
