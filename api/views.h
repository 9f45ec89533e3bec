// The JSON shapes of the answers, shared by the command line (--json) and the HTTP API, so
// that both say exactly the same thing.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "projections/evaluate.h"
#include "projections/integrity.h"

namespace creditlog::api {

// "" = today in China Standard Time; otherwise YYYY-MM-DD.
Result<projections::Day> ParseAsOf(const std::string& as_of);

std::string Date(projections::Day day);
nlohmann::json MembershipJson(const projections::Membership& m);
// The public view shows penalties only while in publicity (双公示).
nlohmann::json ProfileJson(const projections::Profile& p, bool public_view);
nlohmann::json MeasuresJson(const projections::Profile& p);
Result<nlohmann::json> ListJson(const projections::State& state, fb::ListKind kind, projections::Day day);
nlohmann::json IntegrityJson(const std::vector<projections::IntegrityRow>& rows, projections::Day day);

}  // namespace creditlog::api
