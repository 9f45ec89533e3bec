// Inspectors' and the credit office's questions: profile, lists, measures; rebuild digest.
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli.h"
#include "api/data_dir.h"
#include "api/progress.h"
#include "ledger/format.h"
#include "projections/build.h"
#include "projections/evaluate.h"
#include "projections/integrity.h"

namespace creditlog::api {
namespace {

using nlohmann::json;
using projections::Day;

struct ProjectionArgs {
  std::string data;
  std::string subject;
  std::string list;
  std::string as_of;  // YYYY-MM-DD; default today (China Standard Time)
  int64_t at_seq = -1;
  bool json = false;
  bool quiet = false;
  bool compare_live = false;
};

// --compare-live folds the log in steps of this many entries, as a live projection catching
// up behind the writer would, and compares with the one-pass rebuild.
constexpr uint64_t kLiveStepEntries = 1000;

ProjectionArgs& Args() {
  static ProjectionArgs args;
  return args;
}

constexpr int64_t kChinaOffsetMs = 8 * 3600 * 1000;

Result<Day> AsOfDay(const std::string& as_of) {
  if (as_of.empty()) return (ledger::NowMs() + kChinaOffsetMs) / 86'400'000;
  if (!events::IsCalendarDate(as_of)) return Status::InvalidArgument("--as-of: '" + as_of + "' is not a date (YYYY-MM-DD)");
  return events::DaysFromDate(as_of);
}

// The state as of --at-seq (inclusive), or of the whole log.
Result<projections::State> LoadState(const ProjectionArgs& a) {
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  const uint64_t size = a.at_seq >= 0 ? static_cast<uint64_t>(a.at_seq) + 1 : ledger->size();
  ProgressLine progress("folding the log", a.quiet || a.json || size < 200'000);
  auto state = projections::BuildState(*ledger, size, [&](uint64_t d, uint64_t t) { progress.Update(d, t); });
  progress.Finish();
  return state;
}

std::string Date(Day d) { return events::DateFromDays(d); }
json OptDate(const std::optional<Day>& d) { return d ? json(Date(*d)) : json(); }

json MembershipJson(const projections::Membership& m) {
  return {{"list", projections::ListName(m.list)}, {"list_zh", projections::ListChineseName(m.list)},
          {"since", Date(m.since)}, {"until", OptDate(m.until)}, {"reason", m.reason}, {"rule", m.why.rule},
          {"ruleset", m.why.ruleset_version}, {"ruleset_seq", m.why.ruleset_seq}, {"seqs", m.why.seqs}};
}

json ProfileJson(const projections::Profile& p, bool public_view) {
  json out = {{"subject", p.subject->id}, {"name", p.subject->name}, {"as_of", Date(p.as_of)},
              {"ruleset", p.ruleset_version}, {"ruleset_seq", p.ruleset_seq},
              {"grade", std::string(1, p.grade)}, {"grade_reason", p.grade_reason}, {"grade_seqs", p.grade_seqs},
              {"lists", json::array()}, {"measures", json::array()}, {"commitments", json::array()},
              {"penalties", json::array()}, {"contracts", json::array()}};
  for (const auto& m : p.lists) out["lists"].push_back(MembershipJson(m));
  for (const auto& [measure, list] : p.measures) out["measures"].push_back({{"measure", measure}, {"list", projections::ListName(list)}});
  for (const auto& c : p.commitments) {
    out["commitments"].push_back({{"id", c.commitment->id}, {"type", fb::EnumNameCommitmentType(c.commitment->type)},
                                  {"matter", c.commitment->matter}, {"made", Date(c.commitment->made)},
                                  {"deadline", Date(c.commitment->deadline)}, {"state", c.state}, {"seqs", c.commitment->seqs}});
  }
  for (const auto& v : p.penalties) {
    // The public view shows penalties only while in publicity (双公示).
    if (public_view && v.state != "in_publicity") continue;
    out["penalties"].push_back({{"decision_number", v.penalty->decision_number}, {"category", v.penalty->category},
                                {"severity", fb::EnumNameSeverity(v.penalty->severity)}, {"decided", Date(v.penalty->decided)},
                                {"fine_fen", v.penalty->fine_fen}, {"state", v.state},
                                {"publicity_until", Date(v.publicity_until)}, {"repairable_from", Date(v.repairable_from)},
                                {"seqs", v.penalty->seqs}});
  }
  for (const auto& c : p.contracts) {
    out["contracts"].push_back({{"id", c.contract->id}, {"role", c.as_payer ? "payer" : "payee"},
                                {"amount_fen", c.contract->amount_fen}, {"due", Date(c.contract->due())},
                                {"outstanding_fen", c.outstanding_fen}, {"days_overdue", c.days_overdue},
                                {"paid_on_time", c.paid_on_time}, {"seqs", c.contract->seqs}});
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

void PrintProfile(const json& j) {
  std::cout << j["name"].get<std::string>() << "  " << j["subject"].get<std::string>() << "\n"
            << "信用等级 grade " << j["grade"].get<std::string>() << "  (" << j["grade_reason"].get<std::string>()
            << "; ruleset " << j["ruleset"].get<std::string>() << ")  截至 as of " << j["as_of"].get<std::string>() << "\n";
  std::cout << "名单 lists:" << (j["lists"].empty() ? " 无 none" : "") << "\n";
  for (const auto& m : j["lists"]) {
    std::cout << "  " << m["list_zh"].get<std::string>() << "  " << m["since"].get<std::string>() << " 起"
              << (m["until"].is_null() ? "" : " 至 " + m["until"].get<std::string>()) << "  " << m["reason"].get<std::string>()
              << "  [" << m["rule"].get<std::string>() << ", seq " << m["seqs"].dump() << "]\n";
  }
  std::cout << "措施 measures:" << (j["measures"].empty() ? " 无 none" : "") << "\n";
  for (const auto& m : j["measures"]) std::cout << "  " << m["measure"].get<std::string>() << "  (" << m["list"].get<std::string>() << ")\n";
  std::cout << "承诺 commitments: " << j["commitments"].size() << "\n";
  for (const auto& c : j["commitments"]) {
    std::cout << "  " << c["id"].get<std::string>() << "  " << c["matter"].get<std::string>() << "  "
              << c["made"].get<std::string>() << " → " << c["deadline"].get<std::string>() << "  " << c["state"].get<std::string>()
              << "  seq " << c["seqs"].dump() << "\n";
  }
  std::cout << "行政处罚 penalties: " << j["penalties"].size() << "\n";
  for (const auto& p : j["penalties"]) {
    std::cout << "  " << p["decision_number"].get<std::string>() << "  " << p["severity"].get<std::string>() << "  "
              << p["decided"].get<std::string>() << "  " << p["state"].get<std::string>() << " (publicity until "
              << p["publicity_until"].get<std::string>() << ")  seq " << p["seqs"].dump() << "\n";
  }
  if (!j["contracts"].empty()) std::cout << "合同 contracts: " << j["contracts"].size() << "\n";
  if (j.contains("as_payer")) {
    std::printf("  按期付款率 on-time rate %.0f%% of %d due, 欠款 %lld 元\n", 100 * j["as_payer"]["on_time_rate"].get<double>(),
                j["as_payer"]["contracts_due"].get<int>(), static_cast<long long>(j["as_payer"]["arrears_outstanding_fen"].get<int64_t>() / 100));
  }
  for (const auto& c : j["contracts"]) {
    std::cout << "  " << c["id"].get<std::string>() << "  " << c["role"].get<std::string>() << "  "
              << c["amount_fen"].get<int64_t>() / 100 << " 元, due " << c["due"].get<std::string>();
    if (c["outstanding_fen"].get<int64_t>() > 0) {
      std::cout << ", 欠款 " << c["outstanding_fen"].get<int64_t>() / 100 << " 元 overdue " << c["days_overdue"] << " days";
    }
    std::cout << "\n";
  }
}

Status Profile(bool public_view, bool measures_only) {
  const ProjectionArgs& a = Args();
  if (public_view && a.subject.find('/') != std::string::npos) {
    return Status::PermissionDenied("civil servants' integrity files are not part of the public view");
  }
  ASSIGN_OR_RETURN(Day day, AsOfDay(a.as_of));
  ASSIGN_OR_RETURN(projections::State state, LoadState(a));
  ASSIGN_OR_RETURN(projections::Profile profile, projections::Evaluate(state, a.subject, day));
  json j = ProfileJson(profile, public_view);
  if (measures_only) {
    j = {{"subject", j["subject"]}, {"name", j["name"]}, {"as_of", j["as_of"]}, {"ruleset", j["ruleset"]},
         {"measures", j["measures"]}, {"lists", j["lists"]}};
  }
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else if (measures_only) {
    std::cout << j["name"].get<std::string>() << "  " << j["subject"].get<std::string>() << "  截至 " << j["as_of"].get<std::string>() << "\n";
    if (j["measures"].empty()) std::cout << "  无适用措施 no measures apply\n";
    for (const auto& m : j["measures"]) {
      for (const auto& l : j["lists"]) {
        if (l["list"] == m["list"]) {
          std::cout << "  " << m["measure"].get<std::string>() << "：" << l["since"].get<std::string>() << " 起，因 "
                    << l["reason"].get<std::string>() << " #seq " << l["seqs"].dump() << "\n";
          break;
        }
      }
    }
  } else {
    PrintProfile(j);
  }
  return Status::Ok();
}

Status List() {
  const ProjectionArgs& a = Args();
  ASSIGN_OR_RETURN(fb::ListKind kind, projections::ListFromName(a.list));
  ASSIGN_OR_RETURN(Day day, AsOfDay(a.as_of));
  ASSIGN_OR_RETURN(projections::State state, LoadState(a));
  json rows = json::array();
  for (const auto& [id, subject] : state.subjects()) {
    auto profile = projections::Evaluate(state, id, day);
    if (!profile.ok()) return profile.status();
    for (const auto& m : profile->lists) {
      if (m.list != kind) continue;
      json row = MembershipJson(m);
      row["subject"] = id;
      row["name"] = subject.name;
      rows.push_back(row);
    }
  }
  if (a.json) {
    std::cout << json{{"list", projections::ListName(kind)}, {"as_of", Date(day)}, {"entries", rows}}.dump(2) << "\n";
    return Status::Ok();
  }
  std::cout << projections::ListChineseName(kind) << " (" << projections::ListName(kind) << ")  截至 " << Date(day) << ": "
            << rows.size() << " entries\n";
  for (const auto& r : rows) {
    std::cout << "  " << r["subject"].get<std::string>() << "  " << r["name"].get<std::string>() << "  "
              << r["since"].get<std::string>() << (r["until"].is_null() ? "" : " 至 " + r["until"].get<std::string>()) << "  "
              << r["reason"].get<std::string>() << "  seq " << r["seqs"].dump() << "\n";
  }
  return Status::Ok();
}

Status Integrity() {
  const ProjectionArgs& a = Args();
  ASSIGN_OR_RETURN(Day day, AsOfDay(a.as_of));
  ASSIGN_OR_RETURN(projections::State state, LoadState(a));
  const auto rows = projections::IntegrityBoard(state, day);
  if (a.json) {
    json out = json::array();
    for (const auto& r : rows) {
      out.push_back({{"rank", r.rank}, {"subject", r.subject}, {"name", r.name}, {"fulfilled", r.fulfilled},
                     {"breached", r.breached}, {"overdue", r.overdue}, {"fulfilment_rate", r.fulfilment_rate},
                     {"arrears_fen", r.arrears_fen}, {"arrears_days_max", r.arrears_days_max},
                     {"rating_average", r.rating_average}, {"ratings", r.ratings}, {"seqs", r.seqs}});
    }
    std::cout << json{{"as_of", Date(day)}, {"board", out}}.dump(2) << "\n";
    return Status::Ok();
  }
  std::cout << "政务诚信 government integrity board  截至 " << Date(day) << ": " << rows.size() << " public bodies\n"
            << "rank  USCC                履约率  违诺 逾期  欠款(元)   最长逾期  好评均分  name\n";
  for (const auto& r : rows) {
    std::printf("%4d  %s  %5.1f%%  %4d %4d  %9lld  %6lld天  %5.2f(%zu)  %s\n", r.rank, r.subject.c_str(),
                100 * r.fulfilment_rate, r.breached, r.overdue, static_cast<long long>(r.arrears_fen / 100),
                static_cast<long long>(r.arrears_days_max), r.rating_average, r.ratings, r.name.c_str());
  }
  return Status::Ok();
}

Status Rebuild() {
  const ProjectionArgs& a = Args();
  ASSIGN_OR_RETURN(projections::State state, LoadState(a));
  if (a.compare_live) {
    ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
    projections::State live;
    for (uint64_t size = 0; size < state.applied();) {
      size = std::min(state.applied(), size + kLiveStepEntries);
      RETURN_IF_ERROR(projections::CatchUp(*ledger, size, &live));
    }
    if (live.Digest() != state.Digest()) {
      return Status::Corruption("live digest " + live.Digest() + " differs from rebuild digest " + state.Digest());
    }
    std::cerr << "live projection (caught up in steps of " << kLiveStepEntries << ") has the same digest\n";
  }
  if (a.json) {
    std::cout << json{{"applied", state.applied()}, {"subjects", state.subjects().size()}, {"digest", state.Digest()}}.dump() << "\n";
  } else {
    std::cout << "folded " << state.applied() << " entries, " << state.subjects().size() << " subjects\n"
              << "digest " << state.Digest() << "\n";
  }
  return Status::Ok();
}

void Common(CLI::App* c, ProjectionArgs& a, bool dated) {
  c->add_option("--data", a.data, "data directory")->required();
  if (dated) c->add_option("--as-of", a.as_of, "judge on this date, YYYY-MM-DD (default: today)");
  c->add_option("--at-seq", a.at_seq, "use the log only up to this sequence number");
  c->add_flag("--json", a.json, "JSON output");
}

}  // namespace

void AddProjectionCommands(CLI::App& app) {
  ProjectionArgs& a = Args();
  static bool public_view = false;
  auto* profile = app.add_subcommand("profile", "A subject's credit profile: grade, lists, measures, records");
  Common(profile, a, true);
  profile->add_option("subject", a.subject, "USCC")->required();
  profile->add_flag("--public", public_view, "the public view (penalties only while in publicity)");
  SetAction(profile, [] { return Profile(public_view, false); });

  auto* measures = app.add_subcommand("measures", "The joint rewards and punishments that apply to a subject on a date");
  Common(measures, a, true);
  measures->add_option("subject", a.subject, "USCC")->required();
  SetAction(measures, [] { return Profile(false, true); });

  auto* list = app.add_subcommand("list", "Who is on a list: SeriousDishonesty, Watch, NotificationIneligible, GovernmentDishonesty, Red");
  Common(list, a, true);
  list->add_option("name", a.list, "list name (English or Chinese)")->required();
  SetAction(list, List);

  auto* integrity = app.add_subcommand("integrity", "The government-integrity board: public bodies ranked");
  Common(integrity, a, true);
  SetAction(integrity, Integrity);

  auto* rebuild = app.add_subcommand("rebuild", "Fold the whole log from scratch and print the projection digest");
  Common(rebuild, a, false);
  rebuild->add_flag("--quiet", a.quiet, "no progress");
  rebuild->add_flag("--compare-live", a.compare_live, "also fold incrementally and require the same digest");
  SetAction(rebuild, Rebuild);
}

}  // namespace creditlog::api
