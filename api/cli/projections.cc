// Inspectors' and the credit office's questions: profile, lists, measures; rebuild digest.
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/data_dir.h"
#include "api/progress.h"
#include "api/views.h"
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

// The state as of --at-seq (inclusive), or of the whole log.
Result<projections::State> LoadState(const ProjectionArgs& a, std::unique_ptr<ledger::Ledger>* kept = nullptr) {
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  const uint64_t size = a.at_seq >= 0 ? static_cast<uint64_t>(a.at_seq) + 1 : ledger->size();
  ProgressLine progress("folding the log", a.quiet || a.json || size < 200'000);
  auto state = projections::BuildState(*ledger, size, [&](uint64_t d, uint64_t t) { progress.Update(d, t); });
  progress.Finish();
  if (kept != nullptr) *kept = std::move(ledger);
  return state;
}

void PrintProfile(const json& j) {
  std::cout << j["name"].get<std::string>() << "  " << j["subject"].get<std::string>() << "\n"
            << "信用等级 grade " << j["grade"].get<std::string>() << "  (" << j["grade_reason"].get<std::string>()
            << "; ruleset " << j["ruleset"].get<std::string>() << ")  截至 as of " << j["as_of"].get<std::string>()
            << (j["grade_seqs"].empty() ? "" : "  seq " + j["grade_seqs"].dump()) << "\n";
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
              << p["publicity_until"].get<std::string>() << ")"
              << (p.value("discretion", "Standard") == "Standard" ? "" : "  " + p["discretion"].get<std::string>())
              << "  seq " << p["seqs"].dump() << "\n";
  }
  if (j.contains("disregarded") && !j["disregarded"].empty()) {
    std::cout << "不予采信 disregarded:\n";
    for (const auto& d : j["disregarded"]) {
      std::cout << "  seq " << d["seq"].get<uint64_t>() << "  [" << d["rule"].get<std::string>() << "]  " << d["reason"].get<std::string>() << "\n";
    }
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
  const ProjectionArgs& a = CommandArgs<ProjectionArgs>();
  if (public_view && IsCivilServantId(a.subject)) {
    return Status::PermissionDenied("civil servants' integrity files are not part of the public view");
  }
  ASSIGN_OR_RETURN(Day day, ParseAsOf(a.as_of));
  std::unique_ptr<ledger::Ledger> ledger;
  ASSIGN_OR_RETURN(projections::State state, LoadState(a, &ledger));
  ASSIGN_OR_RETURN(projections::Profile profile, projections::Evaluate(state, a.subject, day));
  const auto keys = PersonalKeysForReading(a.data);
  const PersonalView personal(ledger.get(), keys.get(), &state);
  // The data directory's holder sees everything; --public shows what the public is shown.
  const Disclosure reader = (public_view ? Disclosure(Role::kPublic) : Disclosure::Operator()).WithPersonal(&personal);
  const json j = measures_only ? MeasuresJson(profile, reader) : ProfileJson(profile, reader);
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else if (measures_only) {
    std::cout << j["name"].get<std::string>() << "  " << j["subject"].get<std::string>() << "  截至 " << j["as_of"].get<std::string>() << "\n";
    if (j["measures"].empty()) std::cout << "  无适用措施 no measures apply\n";
    for (const auto& m : j["measures"]) {
      std::cout << "  " << m["measure"].get<std::string>() << "：" << m["since"].get<std::string>() << " 起，因 "
                << m["reason"].get<std::string>() << " #seq " << m["seqs"].dump() << "\n";
    }
  } else {
    PrintProfile(j);
  }
  return Status::Ok();
}

Status List() {
  const ProjectionArgs& a = CommandArgs<ProjectionArgs>();
  ASSIGN_OR_RETURN(fb::ListKind kind, projections::ListFromName(a.list));
  ASSIGN_OR_RETURN(Day day, ParseAsOf(a.as_of));
  std::unique_ptr<ledger::Ledger> ledger;
  ASSIGN_OR_RETURN(projections::State state, LoadState(a, &ledger));
  const auto keys = PersonalKeysForReading(a.data);
  const PersonalView personal(ledger.get(), keys.get(), &state);
  ASSIGN_OR_RETURN(json list, ListJson(state, kind, day, Disclosure::Operator().WithPersonal(&personal)));
  if (a.json) {
    std::cout << list.dump(2) << "\n";
    return Status::Ok();
  }
  const json& rows = list["entries"];
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
  const ProjectionArgs& a = CommandArgs<ProjectionArgs>();
  ASSIGN_OR_RETURN(Day day, ParseAsOf(a.as_of));
  ASSIGN_OR_RETURN(projections::State state, LoadState(a));
  const auto rows = projections::IntegrityBoard(state, day);
  if (a.json) {
    std::cout << IntegrityJson(rows, day).dump(2) << "\n";
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

Status Ruleset() {
  const ProjectionArgs& a = CommandArgs<ProjectionArgs>();
  ASSIGN_OR_RETURN(Day day, ParseAsOf(a.as_of));
  ASSIGN_OR_RETURN(projections::State state, LoadState(a));
  const projections::RulesetHistory::Adopted* adopted = state.rulesets().At(day);
  if (adopted == nullptr) return Status::NotFound("no ruleset is in force on " + Date(day));
  const json j = RulesetJson(*adopted, day);
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return Status::Ok();
  }
  std::cout << "规则 ruleset " << j["version"].get<std::string>() << "  seq " << adopted->seq << "  自 " << j["effective_date"].get<std::string>()
            << " 起施行  截至 as of " << Date(day) << "\n";
  for (const auto& source : j["sources"]) std::cout << "  依据 " << source.get<std::string>() << "\n";
  std::cout << "  异议期 objection window: " << j["objection_window_working_days"] << " 个工作日 working days\n"
            << "  严重失信名单期限 term: 默认 default " << j["serious_list"]["default_term_months"] << " 个月, 最长 max "
            << j["serious_list"]["max_term_months"] << " 个月, 修复最早 repair after " << j["serious_list"]["early_exit_after_months"] << " 个月\n"
            << "  重点关注 watch: " << j["watch_list"].dump() << "\n"
            << "  政务失信 overdue days: " << j["government_dishonesty"]["payment_overdue_days"] << "\n";
  if (j["calendar"].is_null()) {
    std::cout << "  工作日 calendar: 无 none (Monday–Friday)\n";
  } else {
    std::cout << "  工作日 calendar " << j["calendar"]["version"].get<std::string>() << ":\n";
    for (const auto& y : j["calendar"]["years"]) std::cout << "    " << y["year"] << "  " << y["notice"].get<std::string>() << "\n";
  }
  return Status::Ok();
}

Status Rebuild() {
  const ProjectionArgs& a = CommandArgs<ProjectionArgs>();
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
  ProjectionArgs& a = CommandArgs<ProjectionArgs>();
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

  auto* ruleset = app.add_subcommand("ruleset", "The ruleset in force on a date: its rules, sources and working-day calendar");
  Common(ruleset, a, true);
  SetAction(ruleset, Ruleset);

  auto* rebuild = app.add_subcommand("rebuild", "Fold the whole log from scratch and print the projection digest");
  Common(rebuild, a, false);
  rebuild->add_flag("--quiet", a.quiet, "no progress");
  rebuild->add_flag("--compare-live", a.compare_live, "also fold incrementally and require the same digest");
  SetAction(rebuild, Rebuild);
}

}  // namespace creditlog::api
