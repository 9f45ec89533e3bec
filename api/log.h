// The server's log: spdlog on stderr, human-readable lines by default or one JSON object per
// line (--log-format json) for log collectors. Messages carry structured fields.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/result.h"

namespace creditlog::api {

// format: "text" or "json"; level: trace, debug, info, warn, error.
Status SetUpLogging(std::string_view format, std::string_view level);

// "message key=value …" in text; {"time","level","msg",key:value…} in JSON.
void Log(spdlog::level::level_enum level, std::string_view message, const nlohmann::json& fields = nlohmann::json::object());

// Whether SetUpLogging has run (a server); commands print to stderr instead.
bool LoggingSetUp();
// A warning in the server's log when it has one, else a line on stderr ("creditlog: message;
// key: value"): for code both the server and the commands run.
void Notice(std::string_view message, const nlohmann::json& fields = nlohmann::json::object());

}  // namespace creditlog::api
