// Inspectors' and the credit office's questions: profile, lists, measures; rebuild digest.
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/data_dir.h"
#include "api/progress.h"
#include "api/views.h"
#include "events/event.h"
#include "events/labels.h"
#include "ledger/format.h"
#include "projections/build.h"
#include "projections/evaluate.h"
#include "events/uscc.h"
#include "projections/duties.h"
#include "projections/integrity.h"

namespace creditlog::api {
namespace {

using nlohmann::json;
using projections::Day;

struct ProjectionArgs {
  std::string data;
  std::string subject;
  std::string action;  // check: what is to be granted
  std::string agency;  // due-verifications: the accepting agency's USCC
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
  projections::FoldStart start;
  auto state = projections::BuildStateFromSnapshot(*ledger, size, ProjectionSnapshotPath(a.data),
                                                   [&](uint64_t d, uint64_t t) { progress.Update(d, t); }, &start);
  progress.Finish();
  if (!a.quiet) NoteFoldStart(start);
  if (kept != nullptr) *kept = std::move(ledger);
  return state;
}

using Words = std::map<std::string, std::string, std::less<>>;

// `state` in the output language: its Chinese word from `zh`, or the state itself.
std::string Said(const Words& zh, const std::string& state) {
  auto it = zh.find(state);
  return OutputLang() == Lang::kEn || it == zh.end() ? state : it->second;
}

// A projection's word for a state (commitment, penalty publicity, contract role) as the
// console shows it (web/i18n.js).
std::string StateWord(const std::string& state) {
  static const Words kZh = {
      {"open", "履行中"},         {"fulfilled", "已履行"},       {"breached", "违诺"},
      {"withdrawn", "已撤回"},    {"overdue", "逾期未核查"},     {"in_publicity", "公示中"},
      {"expired", "公示期满"},    {"repaired", "已信用修复"},    {"revoked", "已撤销"},
      {"not_published", "不予处罚，不公示"}, {"payer", "付款方"}, {"payee", "收款方"}};
  return Said(kZh, state);
}

// A commitment's verification (projections/duties.h) and an objection's state, as the console says them.
std::string VerificationWord(const std::string& state) {
  static const Words kZh = {{"due", "待核查"}, {"overdue", "核查逾期"}, {"done", "已核查"}, {"done_late", "逾期后核查"}};
  return Said(kZh, state);
}
std::string ObjectionWord(const std::string& state) {
  static const Words kZh = {{"pending", "待处理"}, {"overdue", "逾期未处理"}, {"upheld", "异议成立"}, {"rejected", "异议不成立"}};
  return Said(kZh, state);
}

// An enum value of the event schema in the output language.
std::string EnumWord(std::string_view enum_name, const std::string& value) {
  const std::string_view zh = events::ChineseLabel(enum_name, value);
  return OutputLang() == Lang::kEn || zh.empty() ? value : std::string(zh);
}

std::string Seqs(const json& seqs) {
  std::string out;
  for (const auto& q : seqs) out += (out.empty() ? "" : ",") + std::to_string(q.get<uint64_t>());
  return std::string(L("序号 ", "seq ")) + out;
}

std::string Text(const json& j, const char* key) {
  const std::string zh_key = std::string(key) + "_zh";
  if (OutputLang() == Lang::kZh && j.contains(zh_key) && j[zh_key].is_string()) return j[zh_key].get<std::string>();
  return j[key].get<std::string>();
}

// A civil servant's integrity file (projections/civil_servant.h).
void PrintIntegrityFile(const json& f) {
  std::cout << L("诚信档案：", "integrity file: ") << f["entries"].size() << L(" 条", " entries");
  if (f["expelled"].get<bool>()) std::cout << L("  已开除", "  expelled");
  if (!f["promotion_barred_until"].is_null()) {
    std::cout << L("  处分期间不得晋升，至 ", "  no promotion until ") << f["promotion_barred_until"].get<std::string>();
  }
  if (!f["latest_assessment"].is_null()) {
    std::cout << L("  最近年度考核 ", "  latest assessment ") << f["latest_assessment"]["year"].get<int>() << " "
              << EnumWord("AssessmentGrade", f["latest_assessment"]["grade"].get<std::string>());
  }
  std::cout << "\n";
  for (const auto& e : f["entries"]) {
    std::cout << "  " << e["entry_id"].get<std::string>() << "  " << e["date"].get<std::string>() << "  "
              << EnumWord("IntegrityEntryType", e["type"].get<std::string>());
    if (e.contains("sanction_kind")) {
      std::cout << " " << EnumWord("SanctionKind", e["sanction_kind"].get<std::string>())
                << (e["until"].is_null() ? "" : L(" 至 ", " until ") + e["until"].get<std::string>())
                << (e["in_force"].get<bool>() ? L("（期间内）", " (in force)") : L("（已期满）", " (ended)"));
    }
    if (e.contains("assessment_grade")) {
      std::cout << " " << e["assessment_year"].get<int>() << " " << EnumWord("AssessmentGrade", e["assessment_grade"].get<std::string>());
    }
    std::cout << "  " << Seqs(e["seqs"]) << "\n";
  }
}

void PrintProfile(const json& j) {
  const bool zh = OutputLang() == Lang::kZh;
  std::cout << j["name"].get<std::string>() << "  " << j["subject"].get<std::string>() << "\n"
            << L("信用等级 ", "grade ") << j["grade"].get<std::string>() << "  ("
            << (zh ? j["grade_reason_zh"].get<std::string>() : j["grade_reason"].get<std::string>()) << L("；规则集 ", "; ruleset ")
            << j["ruleset"].get<std::string>() << ")  " << L("截至 ", "as of ") << j["as_of"].get<std::string>()
            << (j["grade_seqs"].empty() ? "" : "  " + Seqs(j["grade_seqs"])) << "\n";
  std::cout << L("名单：", "lists:") << (j["lists"].empty() ? L(" 无", " none") : "") << "\n";
  for (const auto& m : j["lists"]) {
    const std::string since = m["since"].get<std::string>();
    const std::string until = m["until"].is_null() ? "" : m["until"].get<std::string>();
    std::cout << "  " << (zh ? m["list_zh"] : m["list"]).get<std::string>() << "  "
              << (zh ? since + " 起" + (until.empty() ? "" : " 至 " + until) : "since " + since + (until.empty() ? "" : " until " + until))
              << "  " << Text(m, "reason") << "  [" << (zh ? m["rule_name"] : m["rule"]).get<std::string>() << L("，", ", ")
              << Seqs(m["seqs"]) << "]\n";
  }
  std::cout << L("措施：", "measures:") << (j["measures"].empty() ? L(" 无", " none") : "") << "\n";
  for (const auto& m : j["measures"]) {
    const std::string list = m["list"].get<std::string>();
    std::cout << "  " << m["measure"].get<std::string>() << "  (" << EnumWord("ListKind", list) << ")";
    if (m.contains("applied") && !m["applied"].empty()) {
      std::cout << (zh ? "  已实施 " + std::to_string(m["applied"].size()) + " 次" : "  applied " + std::to_string(m["applied"].size()) + "×");
    }
    std::cout << "\n";
  }
  std::cout << L("信用承诺：", "commitments: ") << j["commitments"].size() << "\n";
  for (const auto& c : j["commitments"]) {
    std::cout << "  " << c["id"].get<std::string>() << "  " << EnumWord("CommitmentType", c["type"].get<std::string>()) << "  "
              << c["matter"].get<std::string>() << "  " << c["made"].get<std::string>() << " → " << c["deadline"].get<std::string>()
              << "  " << StateWord(c["state"].get<std::string>());
    if (c.contains("lapsed_on")) std::cout << L("（逾期未补齐材料，" + c["lapsed_on"].get<std::string>() + " 起视为违诺）",
                                                " (materials not supplied: breached from " + c["lapsed_on"].get<std::string>() + ")");
    if (c.contains("verify_by")) {
      std::cout << L("  核查期限 ", "  verify by ") << c["verify_by"].get<std::string>() << " "
                << VerificationWord(c["verification"].get<std::string>());
    }
    std::cout << "  " << Seqs(c["seqs"]) << "\n";
  }
  if (j.contains("objections") && !j["objections"].empty()) {
    std::cout << L("异议：", "objections: ") << j["objections"].size() << "\n";
    for (const auto& o : j["objections"]) {
      const std::string target = o.contains("notice_id") ? L("告知书 ", "notice ") + o["notice_id"].get<std::string>()
                                                         : std::string(events::EventTypeChineseName(o["record_type"].get<std::string>())) +
                                                               " " + o["record_id"].get<std::string>();
      std::cout << "  " << o["id"].get<std::string>() << "  " << o["filed"].get<std::string>() << L(" 提出，对 ", " filed, on ") << target
                << L("  处理期限 ", "  handle by ") << o["due_by"].get<std::string>() << "  " << ObjectionWord(o["state"].get<std::string>())
                << "  " << Seqs(o["seqs"]) << "\n";
    }
  }
  if (j.contains("integrity_file")) PrintIntegrityFile(j["integrity_file"]);
  std::cout << L("行政处罚：", "penalties: ") << j["penalties"].size() << "\n";
  for (const auto& p : j["penalties"]) {
    const std::string discretion = p.value("discretion", "Standard");
    std::cout << "  " << p["decision_number"].get<std::string>() << "  " << EnumWord("Severity", p["severity"].get<std::string>())
              << "  " << p["decided"].get<std::string>() << "  " << StateWord(p["state"].get<std::string>())
              << L("（公示至 ", " (publicity through ") << p["publicity_last_day"].get<std::string>() << L("）", ")")
              << (discretion == "Standard" ? "" : "  " + EnumWord("Discretion", discretion)) << "  " << Seqs(p["seqs"]) << "\n";
  }
  if (j.contains("disregarded") && !j["disregarded"].empty()) {
    std::cout << L("不计入的记录：", "disregarded:") << "\n";
    for (const auto& d : j["disregarded"]) {
      std::cout << "  " << L("序号 ", "seq ") << d["seq"].get<uint64_t>() << "  [" << (zh ? d["rule_name"] : d["rule"]).get<std::string>()
                << "]  " << Text(d, "reason") << "\n";
    }
  }
  if (!j["contracts"].empty()) std::cout << L("合同：", "contracts: ") << j["contracts"].size() << "\n";
  if (j.contains("as_payer")) {
    char rate[16];
    std::snprintf(rate, sizeof rate, "%.0f%%", 100 * j["as_payer"]["on_time_rate"].get<double>());
    const std::string due = std::to_string(j["as_payer"]["contracts_due"].get<int>());
    const std::string arrears = projections::YuanText(j["as_payer"]["arrears_outstanding_fen"].get<int64_t>());
    std::cout << (zh ? "  作为付款方：到期合同 " + due + " 份，按期付款率 " + rate + "，未付欠款 " + arrears + " 元\n"
                     : "  as payer: on-time rate " + std::string(rate) + " of " + due + " due, arrears " + arrears + " yuan\n");
  }
  for (const auto& c : j["contracts"]) {
    const std::string amount = projections::YuanText(c["amount_fen"].get<int64_t>());
    std::cout << "  " << c["id"].get<std::string>() << "  " << StateWord(c["role"].get<std::string>()) << "  "
              << (zh ? amount + " 元，" + c["due"].get<std::string>() + " 应付" : amount + " yuan, due " + c["due"].get<std::string>());
    if (c["outstanding_fen"].get<int64_t>() > 0) {
      const std::string owed = projections::YuanText(c["outstanding_fen"].get<int64_t>());
      const std::string days = std::to_string(c["days_overdue"].get<int64_t>());
      std::cout << (zh ? "，未付 " + owed + " 元，逾期 " + days + " 天" : ", " + owed + " yuan unpaid, " + days + " days overdue");
    }
    std::cout << "\n";
  }
}

// A subject judged on --as-of, with what its views need alive beside it (the profile points
// into the state, the personal view into the ledger and the key store).
struct Judged {
  std::unique_ptr<ledger::Ledger> ledger;
  projections::State state;
  projections::Profile profile;
  std::shared_ptr<ledger::PersonalKeys> keys;
  std::unique_ptr<PersonalView> personal;
};
Result<std::unique_ptr<Judged>> JudgeSubject(const ProjectionArgs& a) {
  ASSIGN_OR_RETURN(Day day, ParseAsOf(a.as_of));
  auto judged = std::make_unique<Judged>();
  ASSIGN_OR_RETURN(judged->state, LoadState(a, &judged->ledger));
  ASSIGN_OR_RETURN(judged->profile, projections::Evaluate(judged->state, a.subject, day));
  judged->keys = PersonalKeysForReading(a.data);
  judged->personal = std::make_unique<PersonalView>(judged->ledger.get(), judged->keys.get(), &judged->state);
  return judged;
}

Status Profile(bool public_view, bool measures_only) {
  const ProjectionArgs& a = CommandArgs<ProjectionArgs>();
  if (public_view && IsCivilServantId(a.subject)) {
    return Status::PermissionDenied("civil servants' integrity files are not part of the public view");
  }
  ASSIGN_OR_RETURN(auto judged, JudgeSubject(a));
  // The data directory's holder sees everything; --public shows what the public is shown.
  const Disclosure reader = (public_view ? Disclosure(Role::kPublic) : Disclosure::Operator()).WithPersonal(judged->personal.get());
  const json j = measures_only ? MeasuresJson(judged->profile, reader) : ProfileJson(judged->profile, reader);
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else if (measures_only) {
    std::cout << j["name"].get<std::string>() << "  " << j["subject"].get<std::string>() << L("  截至 ", "  as of ")
              << j["as_of"].get<std::string>() << "\n";
    if (j["measures"].empty()) std::cout << L("  无适用措施\n", "  no measures apply\n");
    for (const auto& m : j["measures"]) {
      const std::string since = m["since"].get<std::string>();
      std::cout << "  " << m["measure"].get<std::string>() << L("：" + since + " 起，因 ", ": since " + since + ", for ")
                << Text(m, "reason") << "  " << Seqs(m["seqs"]) << "\n";
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
  if (OutputLang() == Lang::kZh) {
    std::cout << projections::ListChineseName(kind) << "  截至 " << Date(day) << "：" << rows.size() << " 条\n";
  } else {
    std::cout << projections::ListName(kind) << "  as of " << Date(day) << ": " << rows.size() << " entries\n";
  }
  for (const auto& r : rows) {
    std::cout << "  " << r["subject"].get<std::string>() << "  " << r["name"].get<std::string>() << "  "
              << r["since"].get<std::string>() << (r["until"].is_null() ? "" : L(" 至 ", " to ") + r["until"].get<std::string>())
              << "  " << Text(r, "reason") << "  " << Seqs(r["seqs"]) << "\n";
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
  if (OutputLang() == Lang::kZh) {
    std::cout << "政务诚信榜  截至 " << Date(day) << "：" << rows.size() << " 个公共机构\n"
              << "排名  统一社会信用代码      履约率  违诺 逾期  欠款（元）  最长逾期  好评均分  名称\n";
  } else {
    std::cout << "government integrity board  as of " << Date(day) << ": " << rows.size() << " public bodies\n"
              << "rank  USCC                fulfilled  breached overdue  arrears(yuan)  longest overdue  rating  name\n";
  }
  for (const auto& r : rows) {
    // A body with nothing due has no fulfilment rate to show (the console's 无到期承诺).
    const bool none_due = r.fulfilled + r.breached + r.overdue == 0;
    char rate[16];
    std::snprintf(rate, sizeof rate, "%5.1f%%", 100 * r.fulfilment_rate);
    std::printf("%4d  %s  %s  %4d %4d  %9lld  %6lld%s  %5.2f(%zu)  %s\n", r.rank, r.subject.c_str(),
                none_due ? L("无到期", "  none") : rate, r.breached, r.overdue, static_cast<long long>(r.arrears_fen / 100),
                static_cast<long long>(r.arrears_days_max), L("天", "d"), r.rating_average, r.ratings, r.name.c_str());
    for (const auto& f : r.failures) {
      const std::string name = f.name ? (OutputLang() == Lang::kZh ? f.name->zh : f.name->en) : f.rule;
      std::cout << "      " << name << L("：", ": ") << f.count << L(" 项  ", "  ") << Seqs(json(f.seqs)) << "\n";
    }
  }
  return Status::Ok();
}

// 联合奖惩 check: may the action be granted to the subject on the date?
Status Check() {
  const ProjectionArgs& a = CommandArgs<ProjectionArgs>();
  ASSIGN_OR_RETURN(auto judged, JudgeSubject(a));
  const projections::Profile& profile = judged->profile;
  const Disclosure reader = Disclosure::Operator().WithPersonal(judged->personal.get());
  const projections::ActionCheck check = projections::CheckAction(profile, a.action, [](fb::ListKind) { return true; });
  const json j = CheckJson(profile, check, reader);
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return Status::Ok();
  }
  std::cout << j["name"].get<std::string>() << "  " << j["subject"].get<std::string>() << L("  截至 ", "  as of ")
            << j["as_of"].get<std::string>() << L("  事项：", "  action: ") << a.action << "\n";
  std::cout << "  " << (check.restricted ? L("限制办理", "restricted") : L("无限制", "allowed")) << L("（规则集 ", " (ruleset ")
            << profile.ruleset_version << L("）", ")") << "\n";
  auto print = [&](const json& m, const char* zh, const char* en) {
    std::cout << "  " << L(zh, en) << m["measure"].get<std::string>();
    if (m.contains("list")) std::cout << L("  因", "  by ") << (OutputLang() == Lang::kZh ? m["list_zh"] : m["list"]).get<std::string>()
                                      << L("（", " (") << Text(m, "reason") << L("）", ")") << L(" 自 ", " since ") << m["since"].get<std::string>();
    std::cout << "\n";
    if (m.contains("basis")) std::cout << L("      依据：", "      basis: ") << m["basis"].get<std::string>() << "\n";
    if (m.contains("department")) std::cout << L("      实施部门：", "      implemented by: ") << m["department"].get<std::string>() << "\n";
    if (m.contains("seqs")) std::cout << "      " << Seqs(m["seqs"]) << "\n";
  };
  for (const auto& m : j["restrictions"]) print(m, "限制措施：", "restriction: ");
  for (const auto& m : j["incentives"]) print(m, "激励措施：", "incentive: ");
  return Status::Ok();
}

// 好差评 of a public body on the date.
Status Services() {
  const ProjectionArgs& a = CommandArgs<ProjectionArgs>();
  ASSIGN_OR_RETURN(Day day, ParseAsOf(a.as_of));
  ASSIGN_OR_RETURN(projections::State state, LoadState(a));
  const projections::SubjectState* s = state.Subject(a.subject);
  if (s == nullptr || !s->registered || s->kind != fb::SubjectKind::PublicBody) {
    return Status::NotFound("no public body '" + a.subject + "' is registered (service cases are a public body's)");
  }
  const json j = ServicesJson(projections::ServicesOf(state.rulesets(), *s, day));
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return Status::Ok();
  }
  auto line = [](const json& f) {
    char rate[16], average[16];
    std::snprintf(rate, sizeof rate, "%.0f%%", 100 * f["rating_rate"].get<double>());
    std::snprintf(average, sizeof average, "%.2f", f["average"].get<double>());
    return L("办件 ", "cases ") + std::to_string(f["cases"].get<int>()) + L("，评价率 ", ", rated ") + rate + L("，均分 ", ", average ") +
           average + L("，差评 ", ", bad ") + std::to_string(f["bad"].get<int>()) + L("（按期整改 ", " (rectified on time ") +
           std::to_string(f["rectified_on_time"].get<int>()) + L("，逾期整改 ", ", late ") + std::to_string(f["rectified_late"].get<int>()) +
           L("，整改逾期未办 ", ", overdue ") + std::to_string(f["rectification_overdue"].get<int>()) + L("）", ")");
  };
  std::cout << L("好差评  ", "service ratings  ") << a.subject << "  " << s->name << L("  截至 ", "  as of ") << Date(day) << "\n  "
            << line(j) << "\n";
  for (const auto& m : j["matters"]) std::cout << "  " << m["matter"].get<std::string>() << "：" << line(m) << "\n";
  for (const auto& o : j["overdue"]) {
    std::cout << L("  整改逾期：", "  rectification overdue: ") << o["case_id"].get<std::string>() << "  " << o["matter"].get<std::string>()
              << L("  差评 ", "  rated ") << o["rating"].get<int>() << L(" 星，整改期限 ", ", rectify by ") << o["due_by"].get<std::string>()
              << "  " << Seqs(o["seqs"]) << "\n";
  }
  return Status::Ok();
}

// 待核查: the verifications an agency owes on the date.
Status DueVerificationList() {
  const ProjectionArgs& a = CommandArgs<ProjectionArgs>();
  RETURN_IF_ERROR(events::ValidateUscc(a.agency, true));
  ASSIGN_OR_RETURN(Day day, ParseAsOf(a.as_of));
  std::unique_ptr<ledger::Ledger> ledger;
  ASSIGN_OR_RETURN(projections::State state, LoadState(a, &ledger));
  const auto keys = PersonalKeysForReading(a.data);
  const PersonalView personal(ledger.get(), keys.get(), &state);
  const json j = DueVerificationsJson(projections::DueVerifications(state, a.agency, day), a.agency, day,
                                      Disclosure::Operator().WithPersonal(&personal));
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return Status::Ok();
  }
  const std::string agency_name = state.Subject(a.agency) ? state.Subject(a.agency)->name : "";
  std::cout << L("待核查  ", "due verifications  ") << a.agency << (agency_name.empty() ? "" : "  " + agency_name)
            << L("  截至 ", "  as of ") << Date(day) << L("：共 ", ": ") << j["due"].get<size_t>() << L(" 项，逾期 ", ", overdue ")
            << j["overdue"].get<int>() << L(" 项", "") << "\n";
  for (const auto& v : j["verifications"]) {
    const int64_t left = v["days_left"].get<int64_t>();
    std::cout << "  " << v["verify_by"].get<std::string>() << "  "
              << (v["overdue"].get<bool>() ? L("逾期 " + std::to_string(-left) + " 天", "overdue " + std::to_string(-left) + "d")
                                           : L("剩 " + std::to_string(left) + " 天", std::to_string(left) + "d left"))
              << "  " << v["commitment_id"].get<std::string>() << "  " << v["subject"].get<std::string>() << "  "
              << v["name"].get<std::string>() << "  " << v["matter"].get<std::string>() << "  " << Seqs(v["seqs"]) << "\n";
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
  const bool zh = OutputLang() == Lang::kZh;
  const std::string version = j["version"].get<std::string>(), effective = j["effective_date"].get<std::string>();
  const auto months = [&](const json& v) { return std::to_string(v.get<int>()) + L(" 个月", " months"); };
  if (zh) {
    std::cout << "规则集 " << version << "  序号 " << adopted->seq << "  自 " << effective << " 起施行  截至 " << Date(day) << "\n";
  } else {
    std::cout << "ruleset " << version << "  seq " << adopted->seq << "  in force from " << effective << "  as of " << Date(day) << "\n";
  }
  for (const auto& source : j["sources"]) std::cout << L("  依据 ", "  source ") << source.get<std::string>() << "\n";
  std::cout << L("  异议期：", "  objection window: ") << j["objection_window_working_days"] << L(" 个工作日", " working days") << "\n"
            << L("  严重失信名单期限：默认 ", "  serious list term: default ") << months(j["serious_list"]["default_term_months"])
            << L("，最长 ", ", at most ") << months(j["serious_list"]["max_term_months"]) << L("，满 ", ", repair after ")
            << months(j["serious_list"]["early_exit_after_months"]) << L("可申请修复", "") << "\n";
  const json& w = j["watch_list"];
  if (zh) {
    std::cout << "  重点关注名单：" << months(w["window_months"]) << "内一般行政处罚 " << w["general_penalties"] << " 次或承诺违约 "
              << w["breached_commitments"] << " 次\n"
              << "  政务失信：逾期付款超过 " << j["government_dishonesty"]["payment_overdue_days"] << " 天\n";
  } else {
    std::cout << "  watch list: " << w["general_penalties"] << " general penalties or " << w["breached_commitments"]
              << " breached commitments within " << months(w["window_months"]) << "\n"
              << "  government dishonesty: payment overdue by more than " << j["government_dishonesty"]["payment_overdue_days"]
              << " days\n";
  }
  if (j["calendar"].is_null()) {
    std::cout << L("  工作日历：无（按周一至周五计算）\n", "  calendar: none (Monday–Friday)\n");
  } else {
    std::cout << L("  工作日历 ", "  calendar ") << j["calendar"]["version"].get<std::string>() << L("：\n", ":\n");
    for (const auto& y : j["calendar"]["years"]) std::cout << "    " << y["year"] << "  " << y["notice"].get<std::string>() << "\n";
  }
  std::cout << L("  规则名称：\n", "  rule names:\n");
  for (std::string_view id : projections::KnownRules()) {
    const std::string rule(id);
    const json& name = j["rule_names"][rule];
    std::cout << "    " << (zh ? name["zh"] : name["en"]).get<std::string>() << (zh ? "" : "  (" + rule + ")") << "\n";
  }
  return Status::Ok();
}

// Rebuild folds from the start (never from the snapshot) and checks the snapshot, when there is
// one, against the fold at its size.
Status Rebuild() {
  const ProjectionArgs& a = CommandArgs<ProjectionArgs>();
  ASSIGN_OR_RETURN(auto opened, OpenForReading(a.data));
  const uint64_t size = a.at_seq >= 0 ? static_cast<uint64_t>(a.at_seq) + 1 : opened->size();
  const std::string snapshot_path = ProjectionSnapshotPath(a.data);
  auto snapshot = projections::ReadSnapshot(snapshot_path, *opened);
  json snapshot_json = nullptr;
  ProgressLine progress("folding the log", a.quiet || a.json || size < 200'000);
  projections::State state;
  if (snapshot.ok() && snapshot->applied() <= size) {
    RETURN_IF_ERROR(projections::CatchUp(*opened, snapshot->applied(), &state, [&](uint64_t d, uint64_t) { progress.Update(d, size); }));
    if (state.Digest() != snapshot->Digest()) {
      return Status::Corruption("the projection snapshot " + snapshot_path + " (" + std::to_string(snapshot->applied()) +
                                " entries) differs from the fold of the log: delete it (the next start folds the log)");
    }
    snapshot_json = {{"entries", snapshot->applied()}, {"same_digest", true}};
  } else if (!snapshot.ok() && snapshot.status().code() != StatusCode::kNotFound) {
    snapshot_json = {{"refused", snapshot.status().message()}};
  }
  RETURN_IF_ERROR(projections::CatchUp(*opened, size, &state, [&](uint64_t d, uint64_t t) { progress.Update(d, t); }));
  progress.Finish();
  if (a.compare_live) {
    projections::State live;
    for (uint64_t step = 0; step < state.applied();) {
      step = std::min(state.applied(), step + kLiveStepEntries);
      RETURN_IF_ERROR(projections::CatchUp(*opened, step, &live));
    }
    if (live.Digest() != state.Digest()) {
      return Status::Corruption("live digest " + live.Digest() + " differs from rebuild digest " + state.Digest());
    }
    std::cerr << "live projection (caught up in steps of " << kLiveStepEntries << ") has the same digest\n";
  }
  if (a.json) {
    json out = {{"applied", state.applied()}, {"subjects", state.subjects().size()}, {"digest", state.Digest()}};
    if (!snapshot_json.is_null()) out["snapshot"] = snapshot_json;
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "folded " << state.applied() << " entries, " << state.subjects().size() << " subjects\n"
              << "digest " << state.Digest() << "\n";
    if (snapshot_json.contains("entries")) {
      std::cout << "projection snapshot (" << snapshot->applied() << " entries): the same as the fold\n";
    } else if (snapshot_json.contains("refused")) {
      std::cout << "projection snapshot not usable: " << snapshot_json["refused"].get<std::string>() << "\n";
    }
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

  auto* check = app.add_subcommand("check", "May an action (政府采购, 财政资金, 告知承诺, 评优评先, …) be granted to a subject on a date");
  Common(check, a, true);
  check->add_option("subject", a.subject, "USCC")->required();
  check->add_option("--action", a.action, "what is to be granted: a measure's scope, e.g. 政府采购, or a measure's name")->required();
  SetAction(check, Check);

  auto* due = app.add_subcommand("due-verifications", "待核查: the commitments an agency accepted and must verify, overdue first");
  Common(due, a, true);
  due->add_option("--agency", a.agency, "the accepting agency's USCC")->required();
  SetAction(due, DueVerificationList);

  auto* services = app.add_subcommand("services", "好差评 of a public body: cases rated, 差评 rectified on time, per matter");
  Common(services, a, true);
  services->add_option("body", a.subject, "the public body's USCC")->required();
  SetAction(services, Services);

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
