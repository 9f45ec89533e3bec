// The web console's files (web/), embedded at build time so that the binary serves them with
// nothing loaded from elsewhere.
#pragma once

#include <string_view>
#include <vector>

namespace creditlog::api {

struct WebAsset {
  std::string_view path;  // relative to web/, e.g. "index.html", "app.js"
  std::string_view bytes;
};

const std::vector<WebAsset>& WebAssets();

// By the file name's extension; application/octet-stream for others.
std::string_view WebContentType(std::string_view path);

}  // namespace creditlog::api
