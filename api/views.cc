#include "api/views.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "base/check.h"
#include "base/clock.h"
#include "events/event.h"
#include "events/json.h"
#include "events/uscc.h"
#include "ledger/entry.h"
#include "ledger/format.h"

namespace creditlog::api {

using nlohmann::json;
using projections::Day;

Result<Day> ParseAsOf(const std::string& as_of) {
  if (as_of.empty()) return TodayInChina();
  if (!events::IsCalendarDate(as_of)) return Status::InvalidArgument("as_of: '" + as_of + "' is not a date (YYYY-MM-DD)");
  return events::DaysFromDate(as_of);
}

std::string Date(Day d) { return events::DateFromDays(d); }

std::string DumpJson(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }
static json OptDate(const std::optional<Day>& d) { return d ? json(Date(*d)) : json(); }

// A rule's display name; its id for a rule the build does not name.
static std::string NameZh(const projections::Words* name, const std::string& rule) { return name ? name->zh : rule; }
static std::string NameEn(const projections::Words* name, const std::string& rule) { return name ? name->en : rule; }

json MembershipJson(const projections::Membership& m) {
  return {{"list", projections::ListName(m.list)}, {"list_zh", projections::ListChineseName(m.list)},
          {"since", Date(m.since)}, {"until", OptDate(m.until)}, {"reason", m.reason}, {"rule", m.why.rule},
          {"ruleset", m.why.ruleset_version}, {"ruleset_seq", m.why.ruleset_seq}, {"seqs", m.why.seqs},
          {"reason_zh", m.reason_zh}, {"rule_name", NameZh(m.why.name, m.why.rule)}, {"rule_name_en", NameEn(m.why.name, m.why.rule)}};
}

static json ApplicationJson(const projections::MeasureApplication& a) {
  return {{"feedback_id", a.id}, {"measure", a.measure}, {"matter", a.matter}, {"implemented", Date(a.applied)},
          {"implementing_agency", a.agency}, {"seqs", a.seqs}};
}

static json ObjectionJson(const projections::ObjectionView& v) {
  const projections::Objection& o = *v.objection;
  json out = {{"id", o.id}, {"filed", Date(o.filed)}, {"due_by", Date(v.due_by)}, {"state", v.state}, {"late", v.late},
              {"resolved", OptDate(o.resolved)}, {"handling_agency", o.handling_agency}, {"seqs", o.seqs}};
  if (!o.notice_id.empty()) {
    out["notice_id"] = o.notice_id;
  } else {
    out["record_type"] = o.record_type;
    out["record_id"] = o.record_id;
  }
  if (v.state == "overdue") out["rule"] = "integrity.objection_overdue";
  return out;
}

// What measure `i` of `p` is (basis, department, scope) and, for readers of rule details, what
// has been applied of it.
static void AddMeasureDetail(json& out, const projections::Profile& p, size_t i, const Disclosure& reader) {
  const projections::MeasureDetail* d = i < p.measure_details.size() ? p.measure_details[i] : nullptr;
  if (d != nullptr) {
    out["measure_en"] = d->en;
    out["scope"] = d->scope;
    out["basis"] = d->basis;
    out["department"] = d->department;
    out["incentive"] = d->incentive;
  }
  if (!reader.May(Info::kRuleDetails)) return;
  out["applied"] = json::array();
  for (const projections::MeasureApplication* a : p.measures_applied) {
    if (a->measure == p.measures[i].first) out["applied"].push_back(ApplicationJson(*a));
  }
}

json IntegrityFileJson(const projections::SubjectState& s, Day day) {
  const projections::CivilServantFile file = projections::FileOf(s, day);
  json entries = json::array();
  for (const auto& v : file.entries) {
    const projections::IntegrityEntry& e = *v.entry;
    json entry = {{"entry_id", e.id}, {"type", fb::EnumNameIntegrityEntryType(e.type)}, {"category", e.category},
                  {"date", Date(e.day)}, {"seqs", e.seqs}};
    if (e.type == fb::IntegrityEntryType::Sanction) {
      entry.update({{"sanction_kind", fb::EnumNameSanctionKind(e.sanction)}, {"until", OptDate(v.until)}, {"in_force", v.in_force}});
    }
    if (e.type == fb::IntegrityEntryType::Assessment) {
      entry.update({{"assessment_year", e.assessment_year}, {"assessment_grade", fb::EnumNameAssessmentGrade(e.grade)}});
    }
    entries.push_back(std::move(entry));
  }
  json latest = nullptr;
  if (file.latest_assessment != nullptr) {
    latest = {{"year", file.latest_assessment->assessment_year},
              {"grade", fb::EnumNameAssessmentGrade(file.latest_assessment->grade)}, {"seqs", file.latest_assessment->seqs}};
  }
  return {{"entries", entries}, {"sanctions_in_force", file.sanctions_in_force}, {"expelled", file.expelled},
          {"promotion_barred_until", OptDate(file.promotion_barred_until)}, {"latest_assessment", latest},
          {"dishonesty", file.dishonesty}, {"commendations", file.commendations}, {"commitments", file.commitments},
          {"promotion_rule", file.promotion_barred_until ? json("civil_servant.sanction_period") : json()}};
}

json ProfileJson(const projections::Profile& p, const Disclosure& reader_at_large) {
  const Disclosure reader = reader_at_large.Within(*p.subject);
  // The grade the reader may know of: one that a list kept from it gave is not.
  const bool full_grade = reader.May(Info::kRestrictedLists);
  const projections::Profile::Grading grading =
      full_grade ? projections::Profile::Grading{p.grade, p.grade_rule, p.grade_reason, p.grade_seqs, p.grade_reason_zh,
                                                             p.grade_rule_name}
                 : p.published_grade;
  json out = {{"subject", p.subject->id}, {"name", reader.Name(*p.subject)}, {"as_of", Date(p.as_of)},
              {"ruleset", p.ruleset_version}, {"ruleset_seq", p.ruleset_seq},
              {"grade", std::string(1, grading.grade)}, {"grade_rule", grading.rule}, {"grade_reason", grading.reason},
              {"grade_seqs", grading.seqs}, {"grade_reason_zh", grading.reason_zh}, {"grade_rule_name", NameZh(grading.name, grading.rule)},
              {"grade_rule_name_en", NameEn(grading.name, grading.rule)}, {"lists", json::array()}, {"measures", json::array()}, {"commitments", json::array()},
              {"penalties", json::array()}, {"contracts", json::array()}};
  for (const auto& m : p.lists) {
    if (reader.MayList(m.list)) out["lists"].push_back(MembershipJson(m));
  }
  for (size_t i = 0; i < p.measures.size(); ++i) {
    const auto& [measure, list] = p.measures[i];
    if (!reader.MayList(list)) continue;
    json m = {{"measure", measure}, {"list", projections::ListName(list)}};
    AddMeasureDetail(m, p, i, reader);
    out["measures"].push_back(std::move(m));
  }
  for (const auto& c : p.commitments) {
    json v = {{"id", c.commitment->id}, {"type", fb::EnumNameCommitmentType(c.commitment->type)},
              {"matter", c.commitment->matter}, {"made", Date(c.commitment->made)},
              {"deadline", Date(c.commitment->deadline)}, {"state", c.state}, {"seqs", c.commitment->seqs}};
    if (c.lapsed) {
      v["lapsed_on"] = Date(*c.lapsed);
      v["rule"] = "commitment.incomplete_acceptance_lapsed";
    }
    if (reader.May(Info::kRuleDetails)) {
      v["accepting_agency"] = c.commitment->accepting_agency;
      if (c.verify_by) {
        v["verify_by"] = Date(*c.verify_by);
        v["verification"] = c.verification;
      }
    }
    out["commitments"].push_back(std::move(v));
  }
  if (reader.May(Info::kRuleDetails)) {
    out["objections"] = json::array();
    for (const auto& o : p.objections) out["objections"].push_back(ObjectionJson(o));
    out["measures_applied"] = json::array();
    for (const projections::MeasureApplication* a : p.measures_applied) out["measures_applied"].push_back(ApplicationJson(*a));
  }
  for (const auto& v : p.penalties) {
    // The public sees penalties only while in publicity (双公示).
    if (!reader.MayPenalty(v.state)) continue;
    out["penalties"].push_back({{"decision_number", v.penalty->decision_number}, {"category", v.penalty->category},
                                {"severity", fb::EnumNameSeverity(v.penalty->severity)},
                                {"discretion", fb::EnumNameDiscretion(v.penalty->discretion)}, {"decided", Date(v.penalty->decided)},
                                {"fine_fen", v.penalty->fine_fen}, {"state", v.state},
                                {"publicity_until", Date(v.publicity_until)}, {"repairable_from", Date(v.repairable_from)},
                                // publicity_until is the first day out of publicity; "公示至" names the last day in it
                                {"publicity_last_day", Date(v.publicity_until - 1)},
                                {"seqs", v.penalty->seqs}});
  }
  for (const auto& c : p.contracts) {
    out["contracts"].push_back({{"id", c.contract->id}, {"role", c.as_payer ? "payer" : "payee"},
                                {"amount_fen", c.contract->amount_fen}, {"due", Date(c.contract->due())},
                                {"outstanding_fen", c.outstanding_fen}, {"days_overdue", c.days_overdue},
                                {"paid_on_time", c.paid_on_time}, {"counterparty_is_sme", c.contract->sme},
                                {"seqs", c.contract->seqs}});
  }
  if (reader.May(Info::kRuleDetails)) {
    out["disregarded"] = json::array();
    for (const auto& d : p.disregarded) {
      out["disregarded"].push_back({{"seq", d.seq}, {"rule", d.rule}, {"reason", d.reason.en}, {"reason_zh", d.reason.zh},
                                    {"rule_name", NameZh(d.name, d.rule)}, {"rule_name_en", NameEn(d.name, d.rule)}});
    }
  }
  if (p.subject->registered && p.subject->kind == fb::SubjectKind::CivilServant) out["integrity_file"] = IntegrityFileJson(*p.subject, p.as_of);
  if (p.subject->registered) {
    out["kind"] = fb::EnumNameSubjectKind(p.subject->kind);
    out["registered_seq"] = *p.subject->registered;
  }
  if (p.ratings) out["service_rating"] = {{"average", p.rating_average}, {"count", p.ratings}};
  // As payer: the share of contracts already due that were paid in full by their due date.
  int due = 0, on_time = 0;
  int64_t outstanding = 0;
  for (const auto& c : p.contracts) {
    if (!c.as_payer || c.contract->due() >= p.as_of) continue;
    ++due;
    on_time += c.paid_on_time ? 1 : 0;
    outstanding += c.outstanding_fen;
  }
  if (due > 0) {
    out["as_payer"] = {{"contracts_due", due}, {"on_time_rate", static_cast<double>(on_time) / due},
                       {"arrears_outstanding_fen", outstanding}};
  }
  return out;
}


// Every rule's display names in this ruleset: its own, else the built-in ones.
static json RuleNamesJson(const projections::Ruleset& r) {
  json out = json::object();
  for (std::string_view rule : projections::KnownRules()) {
    const projections::Words* name = r.NameOf(rule);
    out[std::string(rule)] = {{"zh", name->zh}, {"en", name->en}};  // every known rule has one
  }
  return out;
}

json RulesetJson(const projections::RulesetHistory::Adopted& adopted, Day day) {
  const projections::Ruleset& r = adopted.rules;
  json publicity = json::object();
  for (int s = 0; s < projections::kSeverities; ++s) {
    publicity[fb::EnumNameSeverity(static_cast<fb::Severity>(s))] = {{"min", r.penalty_publicity[s].min_months},
                                                                      {"max", r.penalty_publicity[s].max_months}};
  }
  json measures = json::object();
  for (int l = 0; l < projections::kListKinds; ++l) measures[fb::EnumNameListKind(static_cast<fb::ListKind>(l))] = r.measures[l];
  json calendar = nullptr;
  if (!r.calendar.version.empty()) {
    json years = json::array();
    for (size_t i = 0; i < r.calendar.notices.size(); ++i) {
      years.push_back({{"year", r.calendar.first_year + static_cast<int>(i)}, {"notice", r.calendar.notices[i]}});
    }
    calendar = {{"version", r.calendar.version}, {"sources", r.calendar.sources}, {"years", years},
                {"holidays", r.calendar.holidays.size()}, {"workdays", r.calendar.workdays.size()}};
  }
  return {{"as_of", Date(day)}, {"version", r.version}, {"seq", adopted.seq}, {"effective_date", Date(adopted.effective_day)},
          {"sources", r.sources}, {"penalty_publicity_months", publicity},
          {"objection_window_working_days", r.objection_window_working_days},
          {"serious_list", {{"default_term_months", r.serious_default_term_months}, {"max_term_months", r.serious_max_term_months},
                            {"early_exit_after_months", r.serious_early_exit_after_months}}},
          {"notification_ineligibility", {{"false_commitment_months", r.false_commitment_ineligible_months}}},
          {"watch_list", {{"general_penalties", r.watch_general_penalties}, {"breached_commitments", r.watch_breached_commitments},
                          {"window_months", r.watch_window_months}}},
          {"government_dishonesty", {{"payment_overdue_days", r.payment_overdue_days}}},
          {"red_list", {{"fulfilled_commitments", r.red_fulfilled_commitments}, {"window_months", r.red_window_months}}},
          {"retention", {{"civil_servant_files_months", r.retention_civil_servant_files_months}}},
          {"measures", measures}, {"calendar", calendar}, {"rule_names", RuleNamesJson(r)}};
}

json MeasuresJson(const projections::Profile& p, const Disclosure& reader_at_large) {
  const Disclosure reader = reader_at_large.Within(*p.subject);
  const bool full_grade = reader.May(Info::kRestrictedLists);
  json measures = json::array();
  for (size_t i = 0; i < p.measures.size(); ++i) {
    const auto& [measure, list] = p.measures[i];
    if (!reader.MayList(list)) continue;
    for (const auto& m : p.lists) {
      if (m.list != list) continue;
      json entry = {{"measure", measure}, {"list", projections::ListName(list)}, {"since", Date(m.since)},
                    {"reason", m.reason}, {"seqs", m.why.seqs}, {"list_zh", projections::ListChineseName(list)},
                    {"reason_zh", m.reason_zh}};
      AddMeasureDetail(entry, p, i, reader);
      measures.push_back(std::move(entry));
      break;
    }
  }
  return {{"subject", p.subject->id}, {"name", reader.Name(*p.subject)}, {"as_of", Date(p.as_of)},
          {"grade", std::string(1, full_grade ? p.grade : p.published_grade.grade)}, {"ruleset", p.ruleset_version},
          {"measures", measures}};
}

// One subject's rows of a list as of `day` (none when the reader may not see the subject).
static Result<json> ListRows(const projections::State& state, const projections::SubjectState& subject, fb::ListKind kind, Day day,
                             const Disclosure& reader) {
  json rows = json::array();
  // Most subjects are on no such list on any day: passed over before anything else is read of
  // them (not even the id's characters, which a whole list would otherwise fetch from memory for
  // each of a city's subjects).
  if (!projections::MayBeListed(subject, kind)) {
    RETURN_IF_ERROR(projections::RulesetInForce(state, day));  // refused as Evaluate would
    return rows;
  }
  if (!reader.MaySubject(subject.id, &subject)) return rows;
  ASSIGN_OR_RETURN(projections::Profile profile, projections::Evaluate(state, subject, day));
  for (const auto& m : profile.lists) {
    if (m.list != kind) continue;
    json row = MembershipJson(m);
    row["subject"] = subject.id;
    row["name"] = reader.Name(subject);
    rows.push_back(std::move(row));
  }
  return rows;
}

static json ListFrame(fb::ListKind kind, Day day, json rows) {
  return json{{"list", projections::ListName(kind)}, {"list_zh", projections::ListChineseName(kind)}, {"as_of", Date(day)},
              {"entries", std::move(rows)}};
}

Result<json> ListJson(const projections::State& state, fb::ListKind kind, Day day, const Disclosure& reader) {
  json rows = json::array();
  for (const auto& [id, subject] : state.subjects()) {
    ASSIGN_OR_RETURN(json mine, ListRows(state, subject, kind, day, reader));
    for (json& row : mine) rows.push_back(std::move(row));
  }
  return ListFrame(kind, day, std::move(rows));
}

Result<std::string> ListRowsText(const projections::State& state, const projections::SubjectState& subject, fb::ListKind kind,
                                 Day day, const Disclosure& reader) {
  ASSIGN_OR_RETURN(json rows, ListRows(state, subject, kind, day, reader));
  std::string text;
  for (const json& row : rows) {
    if (!text.empty()) text += ',';
    text += DumpJson(row);
  }
  return text;
}

// The text of `frame` split between the brackets of its empty array `key`, so that rows written
// one at a time can go between the two halves.
static std::pair<std::string, std::string> FrameAround(const json& frame, std::string_view key) {
  const std::string whole = DumpJson(frame);
  const std::string empty = "\"" + std::string(key) + "\":[]";
  const size_t found = whole.find(empty);
  CREDITLOG_CHECK(found != std::string::npos);
  const size_t at = found + empty.size() - 1;  // between the brackets
  return {whole.substr(0, at), whole.substr(at)};
}

std::pair<std::string, std::string> ListFrameText(fb::ListKind kind, Day day, const json& extra) {
  json frame = ListFrame(kind, day, json::array());
  for (const auto& [key, value] : extra.items()) frame[key] = value;
  return FrameAround(frame, "entries");
}

static json IntegrityRowJson(const projections::IntegrityRow& r) {
  json out = {{"rank", r.rank}, {"subject", r.subject}, {"name", r.name}, {"fulfilled", r.fulfilled},
              {"breached", r.breached}, {"overdue", r.overdue}, {"fulfilment_rate", r.fulfilment_rate},
              {"arrears_fen", r.arrears_fen}, {"arrears_days_max", r.arrears_days_max},
              {"rating_average", r.rating_average}, {"ratings", r.ratings}, {"seqs", r.seqs}};
  json failures = json::array();
  for (const auto& f : r.failures) {
    failures.push_back({{"rule", f.rule}, {"count", f.count}, {"seqs", f.seqs}, {"rule_name", NameZh(f.name, f.rule)},
                        {"rule_name_en", NameEn(f.name, f.rule)}});
  }
  out["failures"] = std::move(failures);
  if (r.staff) {
    out["civil_servants"] = {{"files", r.staff->files}, {"sanctions_in_force", r.staff->sanctions_in_force},
                             {"dishonesty", r.staff->dishonesty}, {"commendations", r.staff->commendations},
                             {"assessed_excellent", r.staff->excellent}, {"assessed_incompetent", r.staff->incompetent}};
  }
  return out;
}

json IntegrityJson(const std::vector<projections::IntegrityRow>& rows, Day day) {
  json out = json::array();
  for (const auto& r : rows) out.push_back(IntegrityRowJson(r));
  return {{"as_of", Date(day)}, {"board", out}};
}

std::string IntegrityText(const std::vector<projections::IntegrityRow>& rows, Day day) {
  auto [text, tail] = FrameAround(IntegrityJson({}, day), "board");
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i != 0) text += ',';
    text += DumpJson(IntegrityRowJson(rows[i]));
  }
  return text + tail;
}

json CheckJson(const projections::Profile& p, const projections::ActionCheck& check, const Disclosure& reader_at_large) {
  const Disclosure reader = reader_at_large.Within(*p.subject);
  auto measure_json = [&](const projections::CheckedMeasure& m) {
    json out = {{"measure", m.measure}};
    if (m.detail != nullptr) {
      out.update({{"measure_en", m.detail->en}, {"scope", m.detail->scope}, {"basis", m.detail->basis},
                  {"department", m.detail->department}});
    }
    if (m.membership != nullptr) {
      out.update({{"list", projections::ListName(m.membership->list)}, {"list_zh", projections::ListChineseName(m.membership->list)},
                  {"since", Date(m.membership->since)}, {"until", OptDate(m.membership->until)}, {"rule", m.membership->why.rule},
                  {"rule_name", NameZh(m.membership->why.name, m.membership->why.rule)}, {"seqs", m.membership->why.seqs},
                  {"reason", m.membership->reason}, {"reason_zh", m.membership->reason_zh}});
    }
    return out;
  };
  json restrictions = json::array(), incentives = json::array();
  for (const auto& m : check.restrictions) restrictions.push_back(measure_json(m));
  for (const auto& m : check.incentives) incentives.push_back(measure_json(m));
  return {{"subject", p.subject->id}, {"name", reader.Name(*p.subject)}, {"as_of", Date(p.as_of)}, {"action", check.action},
          {"decision", check.restricted ? "restricted" : "allowed"}, {"decision_zh", check.restricted ? "限制" : "无限制"},
          {"ruleset", p.ruleset_version}, {"ruleset_seq", p.ruleset_seq}, {"restrictions", restrictions}, {"incentives", incentives}};
}

static json FiguresJson(const projections::ServiceFigures& f) {
  return {{"cases", f.cases}, {"rated", f.rated}, {"rating_rate", f.rating_rate}, {"average", f.average}, {"bad", f.bad},
          {"rectified_on_time", f.rectified_on_time}, {"rectified_late", f.rectified_late},
          {"rectification_due", f.rectification_due}, {"rectification_overdue", f.rectification_overdue},
          {"followed_up", f.followed_up}, {"satisfied", f.satisfied}};
}

json ServicesJson(const projections::ServiceReport& r) {
  json matters = json::array();
  for (const auto& [matter, figures] : r.matters) {
    json m = FiguresJson(figures);
    m["matter"] = matter;
    matters.push_back(std::move(m));
  }
  json overdue = json::array();
  for (const auto& o : r.overdue) {
    const projections::ServiceCase& c = *o.service_case;
    overdue.push_back({{"case_id", c.id}, {"matter", c.matter}, {"handled", Date(c.handled)}, {"rating", c.rating},
                       {"rated", OptDate(c.rated)}, {"due_by", Date(o.due_by)}, {"rule", "integrity.rectification_overdue"},
                       {"seqs", c.seqs}});
  }
  json out = {{"subject", r.subject->id}, {"name", r.subject->name}, {"as_of", Date(r.as_of)}, {"matters", matters},
              {"overdue", overdue}};
  out.update(FiguresJson(r.total));
  return out;
}

json DueVerificationsJson(const std::vector<projections::DueVerification>& due, const std::string& agency, Day day,
                          const Disclosure& reader) {
  json rows = json::array();
  int overdue = 0;
  for (const auto& v : due) {
    if (!reader.MaySubject(v.subject->id, v.subject)) continue;
    const projections::Commitment& c = *v.commitment;
    overdue += v.overdue ? 1 : 0;
    rows.push_back({{"subject", v.subject->id}, {"name", reader.Name(*v.subject)}, {"commitment_id", c.id},
                    {"type", fb::EnumNameCommitmentType(c.type)}, {"matter", c.matter}, {"made", Date(c.made)},
                    {"deadline", Date(c.deadline)}, {"verify_by", Date(v.due_by)}, {"overdue", v.overdue},
                    {"days_left", v.due_by - day}, {"seqs", c.seqs}});
  }
  return {{"agency", agency}, {"as_of", Date(day)}, {"due", rows.size()}, {"overdue", overdue}, {"verifications", rows}};
}

json WithheldFrom(const Disclosure& reader, json event) {
  std::string subject = event.value("subject", "");
  // The erasure of a civil servant belongs to their file, though the office records it.
  if (event.value("body_type", "") == "ErasureRecorded" && event.contains("body") && event["body"].is_object()) {
    const std::string person = event["body"].value("person", "");
    if (IsCivilServantId(person)) subject = person;
  }
  if (reader.MaySubject(subject, nullptr)) return event;
  json out = {{"event_id", event.value("event_id", "")}, {"subject", subject.substr(0, subject.find('/')) + "/…"},
              {"body_type", event.value("body_type", "")}, {"withheld", InfoName(Info::kCivilServantFiles)}};
  return out;
}

// The date on which the recorded thing happened: the first of these fields the body has.
static constexpr const char* kEventDateFields[] = {
    "created_date", "effective_date", "made_date", "verified_date", "breach_date", "withdrawn_date",
    "signed_date", "paid_date", "recorded_date", "cleared_date", "completed_date", "decision_date",
    "fulfilled_date", "revoked_date", "notice_date", "filed_date", "resolved_date", "exit_date",
    "applied_date", "decided_date", "rated_date", "entry_date", "implemented_date"};

static std::string BusinessDate(const nlohmann::json& body) {
  for (const char* field : kEventDateFields) {
    if (body.contains(field) && body[field].is_string()) return body[field].get<std::string>();
  }
  return "";
}

Result<json> TimelineJson(const ledger::Ledger& ledger, const std::string& subject, uint64_t limit, std::optional<Day> through,
                          const Disclosure& reader, const projections::State* state) {
  ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, ledger.StreamSeqs(subject));
  if (seqs.empty()) return Status::NotFound("no events recorded for subject '" + subject + "'");
  std::set<uint64_t> as_payee;
  if (state != nullptr) {
    // The subject's own contracts as payee (one as its own payee is in its stream already), not
    // a scan of every contract in the city.
    if (const projections::SubjectState* s = state->Subject(subject)) {
      for (const std::string& id : s->rare->contracts_as_payee) {
        if (const projections::Contract* c = state->FindContract(id)) as_payee.insert(c->seqs.begin(), c->seqs.end());
      }
    }
    for (uint64_t seq : seqs) as_payee.erase(seq);
    seqs.insert(seqs.end(), as_payee.begin(), as_payee.end());
    std::sort(seqs.begin(), seqs.end());
  }
  const ledger::KeyRegistry registry = ledger.registry();
  json rows = json::array();
  for (size_t i = 0; i < seqs.size() && i < limit; ++i) {
    ASSIGN_OR_RETURN(Bytes bytes, ledger.Entry(seqs[i]));
    ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(bytes));
    ASSIGN_OR_RETURN(std::string event_json, events::EventToJson(view.envelope.event_bytes));
    json event = json::parse(event_json);
    reader.ShowPersonal(view, event);
    const ledger::KeyRecord* signer = registry.Find(view.envelope.public_key);
    json row = {{"seq", view.seq}, {"version", view.stream_version}, {"recorded_at_ms", view.recorded_at_ms},
                {"type", event["body_type"]}, {"date", BusinessDate(event["body"])},
                {"agency", signer ? signer->agency_name : "?"}, {"event", event}};
    if (as_payee.contains(view.seq)) row["as"] = "payee";
    rows.push_back(std::move(row));
  }
  json out = {{"subject", subject}, {"events", seqs.size()}, {"timeline", rows}};
  if (through) {
    const std::string last = Date(*through);
    json kept = json::array();
    for (auto& row : out["timeline"]) {
      if (!row["date"].is_string() || row["date"].get<std::string>() <= last) kept.push_back(std::move(row));
    }
    out["timeline"] = std::move(kept);
    out["as_of"] = last;
  }
  return out;
}

Standing StandingOf(const projections::State& state, const projections::SubjectState& subject, Day day) {
  Standing out;
  auto profile = projections::Evaluate(state, subject, day);
  if (!profile.ok()) return out;
  out.evaluated = true;
  out.grade = profile->grade;
  out.published_grade = profile->published_grade.grade;
  for (const auto& m : profile->lists) {
    const auto end = out.lists.begin() + out.lists_count;
    if (std::find(out.lists.begin(), end, m.list) == end && out.lists_count < out.lists.size()) out.lists[out.lists_count++] = m.list;
  }
  return out;
}

json SearchJson(const projections::State& state, const std::string& query, size_t limit, const Disclosure& reader, Day day,
                const StandingsFn* standings) {
  // The hits first (subject and the name shown), then their standings at once, then the answer.
  std::vector<const projections::SubjectState*> subjects;
  std::vector<std::string> names;
  std::set<std::string_view> found;
  // False once `limit` hits are found.
  auto add = [&](const projections::SubjectState& subject, const std::string& name) {
    if (subjects.size() >= limit) return false;
    if (found.contains(subject.id)) return true;
    found.insert(subject.id);
    subjects.push_back(&subject);
    names.push_back(name);
    return subjects.size() < limit;
  };
  // A civil servant's name is sealed in the log: matched as shown (personnel only).
  auto shown = [&](const projections::SubjectState& subject) {
    return subject.kind == fb::SubjectKind::CivilServant ? reader.Name(subject) : subject.name;
  };
  // 1. Codes that start with the query: codes are upper case, and a clerk may type them in lower case.
  std::string code = query;
  for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto it = state.subjects().lower_bound(code); it != state.subjects().end() && it->first.starts_with(code); ++it) {
    if (reader.MaySubject(it->first, &it->second) && !add(it->second, shown(it->second))) break;
  }
  // 2. A division code (行政区划代码, digits 3 to 8 of a USCC), or its first digits.
  const bool digits = !query.empty() && query.size() <= events::kDivisionCodeLength &&
                      std::all_of(query.begin(), query.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits && subjects.size() < limit) {
    state.search().ForEachInDivision(query, [&](const projections::SubjectState& s) {
      return !reader.MaySubject(s.id, &s) || add(s, shown(s));
    });
  }
  // 3. Names that hold the query.
  if (!query.empty() && subjects.size() < limit) {
    state.search().ForEachNameHit(query, [&](const projections::SubjectState& s) { return !reader.MaySubject(s.id, &s) || add(s, s.name); });
  }
  if (!query.empty() && subjects.size() < limit && reader.May(Info::kCivilServantFiles)) {
    state.search().ForEachSealed([&](const projections::SubjectState& s) {
      if (!reader.MaySubject(s.id, &s)) return true;
      const std::string name = shown(s);
      return name.find(query) == std::string::npos || add(s, name);
    });
  }
  std::vector<Standing> standing;
  if (standings != nullptr) {
    (*standings)(subjects, &standing);
  } else {
    for (const projections::SubjectState* s : subjects) standing.push_back(StandingOf(state, *s, day));
  }
  json hits = json::array();
  for (size_t i = 0; i < subjects.size(); ++i) {
    const projections::SubjectState& subject = *subjects[i];
    json hit = {{"subject", subject.id}, {"name", std::move(names[i])}, {"events", subject.events}, {"kind", fb::EnumNameSubjectKind(subject.kind)},
                {"division", std::string(events::SubjectDivision(subject.id))}};
    if (const Standing& st = standing[i]; st.evaluated) {
      const Disclosure within = reader.Within(subject);
      hit["grade"] = std::string(1, within.May(Info::kRestrictedLists) ? st.grade : st.published_grade);
      json lists = json::array();
      for (uint8_t l = 0; l < st.lists_count; ++l) {
        if (!within.MayList(st.lists[l])) continue;
        lists.push_back({{"list", projections::ListName(st.lists[l])}, {"list_zh", projections::ListChineseName(st.lists[l])}});
      }
      hit["lists"] = std::move(lists);
    }
    hits.push_back(std::move(hit));
  }
  return {{"query", query}, {"results", hits}};
}

}  // namespace creditlog::api
