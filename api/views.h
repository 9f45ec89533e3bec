// The JSON shapes of the answers, shared by the command line (--json) and the HTTP API, so
// that both say exactly the same thing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/ledger.h"
#include "projections/evaluate.h"
#include "projections/integrity.h"

namespace creditlog::api {

// "" = today in China Standard Time; otherwise YYYY-MM-DD.
Result<projections::Day> ParseAsOf(const std::string& as_of);

std::string Date(projections::Day day);
// Compact JSON text; invalid UTF-8 in a string is replaced rather than thrown on.
std::string DumpJson(const nlohmann::json& value);
nlohmann::json MembershipJson(const projections::Membership& m);
// The public view shows penalties only while in publicity (双公示).
nlohmann::json ProfileJson(const projections::Profile& p, bool public_view);
nlohmann::json MeasuresJson(const projections::Profile& p);
Result<nlohmann::json> ListJson(const projections::State& state, fb::ListKind kind, projections::Day day);
// The ruleset in force on `day`: its adoption, every rule's value, its sources and calendar.
nlohmann::json RulesetJson(const projections::RulesetHistory::Adopted& adopted, projections::Day day);

nlohmann::json IntegrityJson(const std::vector<projections::IntegrityRow>& rows, projections::Day day);

// Subjects with more events than this show only the first ones unless asked for more.
inline constexpr uint64_t kTimelineEventsDefault = 1000;
inline constexpr size_t kSearchResultsMax = 50;

// A subject's events in order, each with its seq, business date, type and signing agency: the
// first `limit` of them and, with `through`, of those only the ones whose business date is on or
// before it (events without one are kept); then the answer also names "as_of".
Result<nlohmann::json> TimelineJson(const ledger::Ledger& ledger, const std::string& subject, uint64_t limit,
                                    std::optional<projections::Day> through = std::nullopt);
// Subjects whose USCC starts with `query` or whose name contains it, in USCC order.
nlohmann::json SearchJson(const projections::State& state, const std::string& query, size_t limit);

}  // namespace creditlog::api
