// What the projections say: profiles, measures, timelines, search, lists and the integrity
// board, each read from the live projection (live_projection.h).
#include "api/http/server_impl.h"

#include "api/log.h"
#include "api/views.h"
#include "base/clock.h"
#include "projections/evaluate.h"
#include "projections/duties.h"
#include "projections/integrity.h"
#include "projections/services.h"
#include "events/uscc.h"

namespace creditlog::api {

using nlohmann::json;

// A file's records (profile, measures, timeline, entries): a civil servant's are for personnel
// only, a legal person's for supervisors (docs/privacy.md).
Status ServerImpl::MayReadFile(const Disclosure& reader, std::string_view id) {
  if (IsCivilServantId(id)) return reader.RequireSubject(id, nullptr);
  return reader.Require(Info::kRecords, "a legal person's records");
}

Result<std::string> ServerImpl::BeginRead(const Request& req, const Principal& who, bool audit_feed, int64_t* retry_after,
                                          size_t reads) {
  if (options_.access_log == nullptr && options_.reads_need_access_log) {
    return Status::Unavailable("this server keeps no access log (a replica or a mirror): files are read on the primary");
  }
  const std::string named(req.query("purpose"));
  ASSIGN_OR_RETURN(std::string purpose, named.empty() && audit_feed ? Result<std::string>(std::string(kAuditPurpose)) : ParsePurpose(named));
  if (!audit_feed) RETURN_IF_ERROR(quota_.Take(who.name, retry_after, reads));
  return purpose;
}

Reply ServerImpl::AnswerRead(const Request& req, const Principal& who, const std::string& purpose, std::string_view route,
                             FileRead read, std::string body) {
  return AnswerRead(req, who, purpose, route, std::move(read), Response{200, kJsonType, std::move(body), {}});
}

Reply ServerImpl::AnswerRead(const Request& req, const Principal& who, const std::string& purpose, std::string_view route,
                             FileRead read, Response response) {
  if (options_.access_log == nullptr) return Send(req, std::move(response));
  AccessRecord record{std::move(read.subject), who.name, std::string(RoleName(who.role)), purpose, "GET " + std::string(route),
                      std::move(read.target), req.request_id(), who.address, NowMs()};
  BeginWrite();
  options_.access_log->Record(record, [this, req, response = std::move(response)](Status recorded) mutable {
    if (recorded.ok()) {
      Send(req, std::move(response));
    } else {
      Log(spdlog::level::err, "access log", nlohmann::json{{"request_id", req.request_id()}, {"error", recorded.message()}});
      Error(req, Status::Unavailable("the read could not be recorded in the access log, so it is not answered; request id " +
                                     req.request_id()));
    }
    EndWrite();
  });
  return Reply::kLater;
}

// A view of one subject's file: the reader must be allowed the file (a civil servant's to
// personnel, a legal person's records to supervisors), name a purpose, and is recorded.
template <typename View>
Reply ServerImpl::SubjectView(const Request& req, const Params& params, const Principal& who, const char* route, View view) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  const std::string id(params["id"]);
  const Disclosure reader(who.role);
  if (Status may = MayReadFile(reader, id); !may.ok()) return Error(req, may, 0, RefusalDetails(who.role, FileInfos(id)));
  int64_t retry_after = 0;
  auto purpose = BeginRead(req, who, false, &retry_after);
  if (!purpose.ok()) return Error(req, purpose.status(), retry_after);
  return WithState(req, [&](const projections::State& state) {
    if (Status may = reader.RequireSubject(id, state.Subject(id)); !may.ok()) return Error(req, may);
    auto profile = projections::Evaluate(state, id, *day);
    if (!profile.ok()) return Error(req, profile.status());
    const PersonalView personal = live_.Personal(state);
    return AnswerRead(req, who, *purpose, route, {id, ""}, DumpJson(view(*profile, reader.WithPersonal(&personal))));
  });
}

// What is published of a subject, whoever asks: the public view; not a read of its file.
Reply ServerImpl::PublicProfile(const Request& req, const Params& params, const Principal& who) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  const std::string id(params["id"]);
  const Disclosure reader(who.role);
  const json refused = RefusalDetails(who.role, {Info::kCivilServantFiles});
  if (Status may = reader.RequireSubject(id, nullptr); !may.ok()) return Error(req, may, 0, refused);
  return WithState(req, [&](const projections::State& state) {
    if (Status may = reader.RequireSubject(id, state.Subject(id)); !may.ok()) return Error(req, may, 0, refused);
    auto profile = projections::Evaluate(state, id, *day);
    return profile.ok() ? Json(req, ProfileJson(*profile, Disclosure(Role::kPublic))) : Error(req, profile.status());
  });
}

Reply ServerImpl::Profile(const Request& req, const Params& params, const Principal& who) {
  return SubjectView(req, params, who, "/v1/subjects/{id}/profile",
                     [](const projections::Profile& p, const Disclosure& reader) { return ProfileJson(p, reader); });
}

Reply ServerImpl::Measures(const Request& req, const Params& params, const Principal& who) {
  return SubjectView(req, params, who, "/v1/subjects/{id}/measures",
                     [](const projections::Profile& p, const Disclosure& reader) { return MeasuresJson(p, reader); });
}

// 联合奖惩 in a department's approval system: may `action` be granted to the subject today?
Reply ServerImpl::Check(const Request& req, const Params& params, const Principal& who) {
  const std::string action(req.query("action"));
  if (action.empty() || action.size() > projections::kRuleNameMaxBytes) {
    return Error(req, Status::InvalidArgument("action: name what is to be granted, as a measure's scope (政府采购, 财政资金, "
                                              "告知承诺, 评优评先, …) or a measure's name; GET /v1/ruleset lists them"));
  }
  return SubjectView(req, params, who, "/v1/subjects/{id}/check", [&](const projections::Profile& p, const Disclosure& reader) {
    const Disclosure within = reader.Within(*p.subject);
    const projections::ActionCheck check =
        projections::CheckAction(p, action, [&](fb::ListKind list) { return within.MayList(list); });
    return CheckJson(p, check, reader);
  });
}

// 待核查: the verifications an agency owes (谁审批谁监管), overdue first. A read of the files of
// the subjects listed: named and recorded like a restricted list.
Reply ServerImpl::DueVerifications(const Request& req, const Params& params, const Principal& who) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  const std::string agency(params["uscc"]);
  if (Status valid = events::ValidateUscc(agency, true); !valid.ok()) {
    return Error(req, Status::InvalidArgument("uscc: " + valid.message()));
  }
  const Disclosure reader(who.role);
  if (Status may = reader.Require(Info::kRecords, "the commitments an agency must verify"); !may.ok()) {
    return Error(req, may, 0, RefusalDetails(who.role, {Info::kRecords}));
  }
  int64_t retry_after = 0;
  auto purpose = BeginRead(req, who, false, &retry_after);
  if (!purpose.ok()) return Error(req, purpose.status(), retry_after);
  return WithState(req, [&](const projections::State& state) {
    const PersonalView personal = live_.Personal(state);
    const json body = DueVerificationsJson(projections::DueVerifications(state, agency, *day), agency, *day,
                                           reader.WithPersonal(&personal));
    return AnswerRead(req, who, *purpose, "/v1/agencies/{uscc}/due-verifications", {"", agency}, DumpJson(body));
  });
}

// 好差评 of a public body: public, as the integrity board is.
Reply ServerImpl::Services(const Request& req, const Params& params, const Principal&) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  const std::string id(params["id"]);
  return WithState(req, [&](const projections::State& state) {
    const projections::SubjectState* s = state.Subject(id);
    if (s == nullptr || !s->registered || s->kind != fb::SubjectKind::PublicBody) {
      return Error(req, Status::NotFound("no public body '" + id + "' is registered (service cases are a public body's)"));
    }
    return Json(req, ServicesJson(projections::ServicesOf(state.rulesets(), *s, *day)));
  });
}

// With ?as_of, only the events whose business date is on or before it.
Reply ServerImpl::Timeline(const Request& req, const Params& params, const Principal& who) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  const std::string id(params["id"]);
  if (Status may = MayReadFile(Disclosure(who.role), id); !may.ok()) {
    return Error(req, may, 0, RefusalDetails(who.role, FileInfos(id)));
  }
  int64_t retry_after = 0;
  auto purpose = BeginRead(req, who, false, &retry_after);
  if (!purpose.ok()) return Error(req, purpose.status(), retry_after);
  const auto through = req.has_query("as_of") ? std::optional<projections::Day>(*day) : std::nullopt;
  return WithState(req, [&](const projections::State& state) {
    const PersonalView personal = live_.Personal(state);
    auto timeline =
        TimelineJson(ledger_, id, kTimelineEventsDefault, through, Disclosure(who.role).WithPersonal(&personal), &state);
    if (!timeline.ok()) return Error(req, timeline.status());
    return AnswerRead(req, who, *purpose, "/v1/subjects/{id}/timeline", {id, ""}, DumpJson(*timeline));
  });
}

// A subject's 查询记录: every recorded read of its file (auditors).
Reply ServerImpl::AccessLogOf(const Request& req, const Params& params, const Principal& who) {
  const std::string id(params["id"]);
  if (options_.access_log == nullptr) return Error(req, Status::Unavailable("this server keeps no access log"));
  auto limit = req.has_query("limit") ? Number(req, "limit") : Result<uint64_t>(kAccessRecordsDefault);
  if (!limit.ok()) return Error(req, limit.status());
  int64_t retry_after = 0;
  auto purpose = BeginRead(req, who, false, &retry_after);
  if (!purpose.ok()) return Error(req, purpose.status(), retry_after);
  auto records = AccessRecordsJson(options_.access_log->ledger(), id, std::min(*limit, kAccessRecordsMax));
  if (!records.ok()) return Error(req, records.status());
  return AnswerRead(req, who, *purpose, "/v1/subjects/{id}/access-log", {id, "access-log"}, DumpJson(*records));
}

Reply ServerImpl::Search(const Request& req, const Params&, const Principal& who) {
  if (req.query("q").empty()) return Error(req, Status::InvalidArgument("query parameter 'q' is required"));
  const std::string q(req.query("q"));
  const Disclosure reader(who.role);
  // The hits in `state`, each one's grade and lists kept by the server for the day.
  auto hits = [this, &q, &reader](const projections::State& state) {
    const PersonalView personal = live_.Personal(state);
    const projections::Day today = TodayInChina();
    const StandingsFn standings = [&](auto subjects, auto* out) { live_.Standings(state, today, subjects, out); };
    return SearchJson(state, q, kSearchResultsMax, reader.WithPersonal(&personal), today, &standings);
  };
  // Civil servants are among the hits only for personnel: a read of their files, recorded.
  if (!reader.May(Info::kCivilServantFiles)) {
    return WithState(req, [&](const projections::State& state) { return Json(req, hits(state)); });
  }
  int64_t retry_after = 0;
  auto purpose = BeginRead(req, who, false, &retry_after);
  if (!purpose.ok()) return Error(req, purpose.status(), retry_after);
  return WithState(req, [&](const projections::State& state) {
    return AnswerRead(req, who, *purpose, "/v1/search", {"", "q=" + q}, DumpJson(hits(state)));
  });
}

// The serious-dishonesty, government-dishonesty and red lists are published; the watch list
// and 告知承诺 ineligibility are for supervisors. Civil servants' rows are for personnel.
Reply ServerImpl::List(const Request& req, const Params& params, const Principal& who) {
  auto day = AsOf(req);
  auto kind = projections::ListFromName(std::string(params["name"]));
  if (!day.ok()) return Error(req, day.status());
  if (!kind.ok()) return Error(req, kind.status());
  std::optional<ListPageRequest> page;
  if (req.has_query("after") || req.has_query("limit")) {
    auto limit = req.has_query("limit") ? Number(req, "limit") : Result<uint64_t>(kListPageDefault);
    if (!limit.ok()) return Error(req, limit.status());
    if (*limit == 0 || *limit > kListPageMax) {
      return Error(req, Status::InvalidArgument("query parameter limit: " + std::to_string(*limit) + " is not between 1 and " +
                                                std::to_string(kListPageMax) + " subjects a page"));
    }
    page = ListPageRequest{std::string(req.query("after")), *limit};
  }
  const Disclosure reader(who.role);
  if (!reader.MayList(*kind)) {
    Status refused = reader.Require(Info::kRestrictedLists, "the " + std::string(projections::ListName(*kind)) + " list");
    AccessControl::LogDenied(who, refused);
    return Error(req, refused, 0, RefusalDetails(who.role, {Info::kRestrictedLists}));
  }
  // A restricted list's rows are files read: named, recorded.
  std::optional<std::string> purpose;
  if (!projections::ListIsPublished(*kind)) {
    int64_t retry_after = 0;
    auto named = BeginRead(req, who, false, &retry_after);
    if (!named.ok()) return Error(req, named.status(), retry_after);
    purpose = *named;
  }
  auto body = live_.ListBody(*kind, *day, reader, page ? &*page : nullptr);
  if (!body.ok()) return Error(req, body.status());
  if (!purpose) return Send(req, 200, kJsonType, std::move(*body));
  return AnswerRead(req, who, *purpose, "/v1/lists/{name}", {"", std::string(projections::ListName(*kind))}, std::move(*body));
}

Reply ServerImpl::Integrity(const Request& req, const Params&, const Principal&) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  auto body = live_.IntegrityBody(*day);
  if (!body.ok()) return Error(req, body.status());
  return Send(req, 200, kJsonType, std::move(*body));
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
