// What the projections say: profiles, measures, timelines, search, lists and the integrity
// board, each read from the live projection (live_projection.h).
#include "api/http/server_impl.h"

#include "api/views.h"
#include "projections/evaluate.h"
#include "projections/integrity.h"

namespace creditlog::api {

using nlohmann::json;

template <typename View>
Reply ServerImpl::SubjectView(const Request& req, const Params& params, View view) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  const std::string id(params["id"]);
  return WithState(req, [&](const projections::State& state) {
    auto profile = projections::Evaluate(state, id, *day);
    return profile.ok() ? Json(req, view(*profile)) : Error(req, profile.status());
  });
}

Reply ServerImpl::PublicProfile(const Request& req, const Params& params, const Principal&) {
  return SubjectView(req, params, [](const projections::Profile& p) { return ProfileJson(p, true); });
}

Reply ServerImpl::Profile(const Request& req, const Params& params, const Principal&) {
  return SubjectView(req, params, [](const projections::Profile& p) { return ProfileJson(p, false); });
}

Reply ServerImpl::Measures(const Request& req, const Params& params, const Principal&) {
  return SubjectView(req, params, [](const projections::Profile& p) { return MeasuresJson(p); });
}

// With ?as_of, only the events whose business date is on or before it.
Reply ServerImpl::Timeline(const Request& req, const Params& params, const Principal&) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  const auto through = req.has_query("as_of") ? std::optional<projections::Day>(*day) : std::nullopt;
  auto timeline = TimelineJson(ledger_, std::string(params["id"]), kTimelineEventsDefault, through);
  return timeline.ok() ? Json(req, *timeline) : Error(req, timeline.status());
}

Reply ServerImpl::Search(const Request& req, const Params&, const Principal&) {
  if (req.query("q").empty()) return Error(req, Status::InvalidArgument("query parameter 'q' is required"));
  const std::string q(req.query("q"));
  return WithState(req, [&](const projections::State& state) { return Json(req, SearchJson(state, q, kSearchResultsMax)); });
}

// The serious-dishonesty, government-dishonesty and red lists are published; the watch list
// and 告知承诺 ineligibility are for inspectors.
Reply ServerImpl::List(const Request& req, const Params& params, const Principal& who) {
  auto day = AsOf(req);
  auto kind = projections::ListFromName(std::string(params["name"]));
  if (!day.ok()) return Error(req, day.status());
  if (!kind.ok()) return Error(req, kind.status());
  if (*kind == fb::ListKind::Watch || *kind == fb::ListKind::NotificationIneligible) {
    if (Status allowed = AccessControl::Require(who, Role::kInspector); !allowed.ok()) return Error(req, allowed);
  }
  auto body = live_.ListBody(*kind, *day);
  return body.ok() ? Send(req, 200, kJsonType, std::move(*body)) : Error(req, body.status());
}

Reply ServerImpl::Integrity(const Request& req, const Params&, const Principal&) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  return WithState(req, [&](const projections::State& state) {
    return Json(req, IntegrityJson(projections::IntegrityBoard(state, *day), *day));
  });
}

Reply ServerImpl::Ruleset(const Request& req, const Params&, const Principal&) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  return WithState(req, [&](const projections::State& state) {
    const projections::RulesetHistory::Adopted* adopted = state.rulesets().At(*day);
    if (adopted == nullptr) return Error(req, Status::NotFound("no ruleset is in force on " + Date(*day)));
    return Json(req, RulesetJson(*adopted, *day));
  });
}

}  // namespace creditlog::api
