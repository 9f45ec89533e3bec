// What the projections say: profiles, measures, timelines, search, lists and the integrity
// board, each read from the live projection (live_projection.h).
#include "api/http/server_impl.h"

#include "api/views.h"
#include "projections/evaluate.h"
#include "projections/integrity.h"

namespace creditlog::api {

using nlohmann::json;

// A file's records (profile, measures, timeline, entries): a civil servant's are for personnel
// only, a legal person's for supervisors (docs/privacy.md).
Status ServerImpl::MayReadFile(const Disclosure& reader, std::string_view id) {
  if (IsCivilServantId(id)) return reader.RequireSubject(id, nullptr);
  return reader.Require(Info::kRecords, "a legal person's records");
}

// `records`: the view shows the file's records (the inspector's profile), not only what is
// published of it.
template <typename View>
Reply ServerImpl::SubjectView(const Request& req, const Params& params, const Disclosure& reader, bool records, View view) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  const std::string id(params["id"]);
  if (Status may = records ? MayReadFile(reader, id) : reader.RequireSubject(id, nullptr); !may.ok()) return Error(req, may);
  return WithState(req, [&](const projections::State& state) {
    if (Status may = reader.RequireSubject(id, state.Subject(id)); !may.ok()) return Error(req, may);
    auto profile = projections::Evaluate(state, id, *day);
    return profile.ok() ? Json(req, view(*profile)) : Error(req, profile.status());
  });
}

// What is published of a subject, whoever asks: the public view.
Reply ServerImpl::PublicProfile(const Request& req, const Params& params, const Principal& who) {
  const Disclosure reader(who.role);
  return SubjectView(req, params, reader, false,
                     [](const projections::Profile& p) { return ProfileJson(p, Disclosure(Role::kPublic)); });
}

Reply ServerImpl::Profile(const Request& req, const Params& params, const Principal& who) {
  const Disclosure reader(who.role);
  return SubjectView(req, params, reader, true, [&](const projections::Profile& p) { return ProfileJson(p, reader); });
}

Reply ServerImpl::Measures(const Request& req, const Params& params, const Principal& who) {
  const Disclosure reader(who.role);
  return SubjectView(req, params, reader, true, [&](const projections::Profile& p) { return MeasuresJson(p, reader); });
}

// With ?as_of, only the events whose business date is on or before it.
Reply ServerImpl::Timeline(const Request& req, const Params& params, const Principal& who) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  const std::string id(params["id"]);
  if (Status may = MayReadFile(Disclosure(who.role), id); !may.ok()) return Error(req, may);
  const auto through = req.has_query("as_of") ? std::optional<projections::Day>(*day) : std::nullopt;
  auto timeline = TimelineJson(ledger_, id, kTimelineEventsDefault, through);
  return timeline.ok() ? Json(req, *timeline) : Error(req, timeline.status());
}

Reply ServerImpl::Search(const Request& req, const Params&, const Principal& who) {
  if (req.query("q").empty()) return Error(req, Status::InvalidArgument("query parameter 'q' is required"));
  const std::string q(req.query("q"));
  const Disclosure reader(who.role);
  return WithState(req, [&](const projections::State& state) { return Json(req, SearchJson(state, q, kSearchResultsMax, reader)); });
}

// The serious-dishonesty, government-dishonesty and red lists are published; the watch list
// and 告知承诺 ineligibility are for supervisors. Civil servants' rows are for personnel.
Reply ServerImpl::List(const Request& req, const Params& params, const Principal& who) {
  auto day = AsOf(req);
  auto kind = projections::ListFromName(std::string(params["name"]));
  if (!day.ok()) return Error(req, day.status());
  if (!kind.ok()) return Error(req, kind.status());
  const Disclosure reader(who.role);
  if (!reader.MayList(*kind)) {
    Status refused = reader.Require(Info::kRestrictedLists, "the " + std::string(projections::ListName(*kind)) + " list");
    AccessControl::LogDenied(who, refused);
    return Error(req, refused);
  }
  auto body = live_.ListBody(*kind, *day, reader);
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
