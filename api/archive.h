// A zip archive in memory (libarchive): a batch's reports in one download.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace creditlog::api {

inline constexpr size_t kArchiveBytesMax = 512 * 1024 * 1024;

// The files (name, contents) as a zip archive, in order, deflated, each with mode 0644 and
// `mtime` (Unix seconds). IOError with libarchive's message when it cannot be written;
// TooLarge past kArchiveBytesMax.
Result<std::string> ZipArchive(const std::vector<std::pair<std::string, std::string>>& files, int64_t mtime);

}  // namespace creditlog::api
