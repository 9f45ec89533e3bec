// 批量核查: a list of subjects (one USCC or registered name a line, as a procurement's bidder
// list comes) checked at once — identity, grade, lists and measures on a date, as the reader
// may see them — for `creditlog check-list` and POST /v1/check-list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/disclosure.h"
#include "projections/state.h"

namespace creditlog::api {

inline constexpr size_t kCheckListLinesMax = 500;        // one request, or one file per run of the command
inline constexpr size_t kCheckListLineBytesMax = 200;    // a USCC or a registered name
inline constexpr size_t kCheckListBodyBytesMax = 256 * 1024;
inline constexpr size_t kReportArchiveSubjectsMax = 100;  // POST /v1/reports
inline constexpr size_t kCheckListCandidatesMax = 10;     // shown for a name several subjects bear

// The lines of a list file: each line's first comma- or tab-separated field, trimmed (a
// spreadsheet's first column); empty lines and lines starting with '#' are skipped. A UTF-8
// byte order mark is dropped. InvalidArgument naming the line for a line too long or more
// than kCheckListLinesMax lines.
Result<std::vector<std::string>> CheckListLines(std::string_view text);

struct CheckedList {
  nlohmann::json json;                // {"as_of", "rows": [...], "found", "not_found"} (docs/http.md)
  std::vector<std::string> subjects;  // the subjects found, in line order (each a read of a file)
};

// Each line looked up as a USCC (either case), else as an exact registered name; a subject
// `reader` may not see (a civil servant) is not found. Each row found carries the subject's
// identity, grade, lists and measures on `day` as ProfileJson shows them to `reader`; a miss
// carries "error", and a name several subjects bear "candidates".
Result<CheckedList> CheckList(const projections::State& state, const std::vector<std::string>& lines, projections::Day day,
                              const Disclosure& reader);

}  // namespace creditlog::api
