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

}  // namespace creditlog::api
