#include "api/tools/demo.h"

#include <filesystem>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "api/data_dir.h"
#include "api/progress.h"
#include "base/clock.h"
#include "events/json.h"
#include "events/uscc.h"
#include "ledger/format.h"
#include "projections/evaluate.h"
#include "projections/ruleset.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

struct Agency {
  std::string file;  // key file name under keys/agencies
  std::string name;
  std::string uscc;
  std::string jurisdiction;
  std::vector<std::string> types;
  SecretKey key;
};

struct District {
  const char* code;
  const char* name;
};
constexpr District kDistricts[] = {{"370202", "市南区"}, {"370203", "市北区"}, {"370211", "黄岛区"},
                                   {"370212", "崂山区"}, {"370213", "李沧区"}, {"370214", "城阳区"},
                                   {"370215", "即墨区"}, {"370281", "胶州市"}, {"370283", "平度市"},
                                   {"370285", "莱西市"}};
constexpr const char* kBrand[] = {"海晟", "蓝海", "琴岛", "崂峰", "胶澳", "金沙", "明珠", "新港", "德润",
                                  "鲁达", "瑞丰", "海润", "恒泰", "东方", "华通", "泰和", "嘉禾", "盛源"};
constexpr const char* kTrade[] = {"科技", "贸易", "建设工程", "餐饮管理", "物流", "医药", "食品",
                                  "机械制造", "环保科技", "文化传媒", "海洋生物", "建材"};
constexpr const char* kMatters[] = {"食品经营许可", "建设工程施工许可", "公共场所卫生许可", "药品经营许可",
                                    "道路货物运输经营许可", "排污许可", "特种设备使用登记", "营业执照变更登记"};
constexpr const char* kPenaltyCategories[] = {"警告", "罚款", "没收违法所得", "责令停产停业", "暂扣许可证件"};

std::vector<Agency> AgencyCatalogue() {
  const std::vector<std::string> commitments = {"SubjectRegistered", "CommitmentMade", "CommitmentVerified",
                                                "CommitmentBreached", "CommitmentWithdrawn"};
  std::vector<std::string> market = commitments;
  for (const char* t : {"PenaltyDecided", "PenaltyFulfilled", "PenaltyRevoked"}) market.push_back(t);
  return {
      {"market", "青岛市市场监督管理局", events::MakeUscc("11", "370200", "MB1B0001"), "3702", market, {}},
      {"approval", "青岛市行政审批服务局", events::MakeUscc("11", "370200", "MB1B0002"), "3702",
       {"SubjectRegistered", "CommitmentMade", "CommitmentVerified", "CommitmentBreached", "CommitmentWithdrawn",
        "ServiceRated"}, {}},
      {"finance", "青岛市财政局", events::MakeUscc("11", "370200", "MB1B0003"), "3702",
       {"SubjectRegistered", "ContractSigned", "PaymentMade", "ArrearsRecorded", "ArrearsCleared",
        "ContractCompleted", "CommitmentMade", "CommitmentVerified", "CommitmentBreached"}, {}},
      {"ndrc", "青岛市发展和改革委员会", events::MakeUscc("11", "370200", "MB1B0004"), "3702",
       {"ListingNoticeIssued", "ObjectionFiled", "ObjectionResolved", "SeriousListingDecided",
        "SeriousListingExited", "RepairApplied", "RepairDecided", "CommitmentMade", "CommitmentVerified"}, {}},
      {"huangdao-market", "青岛市黄岛区市场监督管理局", events::MakeUscc("11", "370211", "MB1B0005"), "370211",
       market, {}},
      // The organisation department keeps civil servants' integrity files (公务员个人诚信档案).
      {"personnel", "中共青岛市委组织部", events::MakeUscc("11", "370200", "MB1B0006"), "3702",
       {"SubjectRegistered", "CivilServantIntegrityEntry"}, {}},
  };
}

// Loads the demo agencies' keys, creating and registering those that do not exist yet.
Result<std::vector<Agency>> PrepareAgencies(ledger::Ledger& ledger, const std::string& data,
                                            std::string_view passphrase, uint64_t* registered) {
  std::vector<Agency> agencies = AgencyCatalogue();
  std::optional<NamedKeyPair> root;
  const ledger::KeyRegistry registry = ledger.registry();
  for (Agency& agency : agencies) {
    const std::string path = AgencyKeyPath(data, agency.file);
    if (!std::filesystem::exists(path)) {
      RETURN_IF_ERROR(SaveKey(path, NamedKeyPair{agency.file, GenerateKeyPair()}, passphrase));
    }
    ASSIGN_OR_RETURN(NamedKeyPair key, LoadKey(path, passphrase));
    agency.key = key.key_pair.secret_key;
    if (registry.Find(key.key_pair.public_key) != nullptr) continue;
    if (!root) {
      ASSIGN_OR_RETURN(NamedKeyPair root_key, LoadKey(RootKeyPath(data), passphrase));
      root = std::move(root_key);
    }
    json event = {{"event_id", "demo/agency-key/" + agency.file + "/" + HexEncode(ByteView(key.key_pair.public_key.data(), 8))},
                  {"subject", ""},
                  {"body_type", "AgencyKeyRegistered"},
                  {"body", {{"agency_uscc", agency.uscc}, {"agency_name", agency.name}, {"key_name", agency.file},
                            {"public_key", Bytes(key.key_pair.public_key.begin(), key.key_pair.public_key.end())},
                            {"permitted_types", agency.types}, {"jurisdiction", agency.jurisdiction}}}};
    ASSIGN_OR_RETURN(Bytes bytes, events::EventFromJson(event.dump()));
    ASSIGN_OR_RETURN(auto appended, ledger.Append(events::SignEnvelope(bytes, root->key_pair.secret_key, ledger.origin())));
    (void)appended;
    ++*registered;
  }
  return agencies;
}

// Writes one run of synthetic history as signed envelopes, chunk by chunk.
class HistoryWriter {
 public:
  HistoryWriter(ledger::Ledger& ledger, std::vector<Agency>& agencies, const DemoOptions& options, uint64_t run)
      : ledger_(ledger), agencies_(agencies), rng_(options.seed * 1'000'003 + run), run_(run), seed_(options.seed),
        today_(TodayInChina()), rules_(*projections::ParseRuleset(projections::DefaultRulesetJson())) {}

  Status Subject(uint64_t index);
  Status Flush();
  uint64_t events() const { return events_; }
  const std::vector<std::string>& enterprises() const { return enterprises_; }

 private:
  Agency& Pick(const std::string& file);
  Agency& Market(const std::string& uscc);
  Status Add(Agency& agency, const std::string& subject, const char* type, json body);
  int64_t Uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::string Date(int64_t days) { return events::DateFromDays(days); }
  std::string NewUscc(const std::string& registration, const std::string& division);
  Status Enterprise(const std::string& uscc, int64_t start);
  Status CivilServant(const std::string& employer);
  Status Commitments(const std::string& uscc, Agency& agency, int64_t start, int count, bool government);
  Status Penalty(const std::string& uscc, const std::string& name, int64_t start);
  Status SeriousListing(const std::string& uscc, const std::string& decision, int64_t decided);
  Status RepairCommitment(Agency& ndrc, const std::string& uscc, const std::string& repair, int64_t day);
  Status PublicBody(const std::string& uscc, const char* district_name, int64_t start);
  Status Contract(const std::string& payer, int64_t start);

  ledger::Ledger& ledger_;
  std::vector<Agency>& agencies_;
  std::mt19937_64 rng_;
  uint64_t run_;
  uint64_t seed_;
  int64_t today_;
  projections::Ruleset rules_;  // the default ruleset: its calendar and terms
  std::set<std::string> decisions_;  // the current subject's decision numbers
  uint64_t events_ = 0;
  uint64_t subject_index_ = 0;
  uint64_t event_index_ = 0;
  std::vector<Bytes> pending_;
  std::vector<std::string> enterprises_;
};

Agency& HistoryWriter::Pick(const std::string& file) {
  for (Agency& agency : agencies_) {
    if (agency.file == file) return agency;
  }
  std::abort();  // the catalogue is fixed: a missing agency is a programmer error
}

// Huang Dao district's own market regulator records its subjects: jurisdiction in action.
Agency& HistoryWriter::Market(const std::string& uscc) {
  return events::UsccDivision(uscc) == "370211" ? Pick("huangdao-market") : Pick("market");
}

std::string HistoryWriter::NewUscc(const std::string& registration, const std::string& division) {
  uint64_t value = std::uniform_int_distribution<uint64_t>(0, 887'503'680)(rng_);  // 31^6 codes
  std::string body = "MA";
  for (int i = 0; i < 6; ++i, value /= 31) body.push_back(events::kUsccAlphabet[value % 31]);
  return events::MakeUscc(registration, division, body);
}

Status HistoryWriter::Add(Agency& agency, const std::string& subject, const char* type, json body) {
  json event = {{"event_id", "demo/" + std::to_string(seed_) + "/" + std::to_string(run_) + "/" +
                                 std::to_string(subject_index_) + "/" + std::to_string(event_index_++)},
                {"subject", subject},
                {"signed_at_ms", ledger::NowMs()},
                {"body_type", type},
                {"body", std::move(body)}};
  auto bytes = events::EventFromJson(event.dump());
  if (!bytes.ok()) return bytes.status().WithContext(std::string("demo ") + type);
  pending_.push_back(events::SignEnvelope(*bytes, agency.key, ledger_.origin()));
  ++events_;
  if (pending_.size() >= kDemoAppendChunk) return Flush();
  return Status::Ok();
}

Status HistoryWriter::Flush() {
  auto results = ledger_.AppendBatch(std::move(pending_));
  pending_.clear();
  for (const auto& result : results) {
    if (!result.ok()) return result.status().WithContext("demo append");
  }
  return Status::Ok();
}

Status HistoryWriter::Commitments(const std::string& uscc, Agency& agency, int64_t start, int count, bool government) {
  std::vector<int64_t> made_days;
  for (int c = 0; c < count; ++c) made_days.push_back(Uniform(start, today_ - 1));
  std::sort(made_days.begin(), made_days.end());
  std::vector<int64_t> false_breaches;  // a 告知承诺 is refused within a year after one
  for (int c = 0; c < count; ++c) {
    const int64_t made = made_days[static_cast<size_t>(c)];
    const int64_t deadline = made + Uniform(30, 180);
    int type = government ? 5 : static_cast<int>(Uniform(0, 4));
    for (int64_t b : false_breaches) {
      if (type == 0 && b <= made && made < projections::AddMonths(b, rules_.false_commitment_ineligible_months)) type = 2;
    }
    const std::string id = "CN-" + uscc.substr(2, 6) + "-" + std::to_string(run_) + "-" + std::to_string(subject_index_) +
                           "-" + std::to_string(c);
    const char* matter = kMatters[Uniform(0, std::size(kMatters) - 1)];
    RETURN_IF_ERROR(Add(agency, uscc, "CommitmentMade",
                        {{"commitment_id", id}, {"commitment_type", type}, {"matter", matter},
                         {"content", std::string("申请人承诺所提交材料真实有效，并在期限内补齐") + matter + "所需全部条件"},
                         {"made_date", Date(made)}, {"deadline", Date(deadline)}, {"accepting_agency", agency.uscc}}));
    const double roll = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (deadline >= today_ && roll < 0.7) continue;  // still open
    if (roll < 0.75) {
      RETURN_IF_ERROR(Add(agency, uscc, "CommitmentVerified",
                          {{"commitment_id", id}, {"verified_date", Date(std::min(today_, Uniform(made + 1, deadline)))},
                           {"note", "经核查，承诺事项已履行"}}));
    } else if (roll < 0.87) {
      const int64_t breached = std::min(today_, deadline + Uniform(1, 20));
      RETURN_IF_ERROR(Add(agency, uscc, "CommitmentBreached",
                          {{"commitment_id", id}, {"breach_date", Date(breached)},
                           {"finding", "经核查，申请人未按承诺期限履行"}, {"false_commitment", type == 0}}));
      if (type == 0) false_breaches.push_back(breached);
    } else if (roll < 0.92) {
      RETURN_IF_ERROR(Add(agency, uscc, "CommitmentWithdrawn",
                          {{"commitment_id", id}, {"withdrawn_date", Date(std::min(today_, made + Uniform(1, 20)))},
                           {"reason", "申请人主动撤回申请"}}));
    }  // otherwise: overdue, no verification recorded
  }
  return Status::Ok();
}

Status HistoryWriter::Penalty(const std::string& uscc, const std::string& name, int64_t start) {
  Agency& agency = Market(uscc);
  const int64_t decided = Uniform(start, today_ - 1);
  const double roll = std::uniform_real_distribution<double>(0, 1)(rng_);
  const int severity = roll < 0.5 ? 0 : (roll < 0.92 ? 1 : 2);
  const int discretion = static_cast<int>(Uniform(0, 4));  // 1: 不予处罚, no fine
  const int64_t fine_yuan = discretion == 1 ? 0
                            : severity == 0 ? Uniform(0, 5) * 1000
                                            : (severity == 1 ? Uniform(5, 100) * 1000 : Uniform(100, 2000) * 1000);
  std::string decision;
  do {
    decision = "青市监罚〔" + Date(decided).substr(0, 4) + "〕" + std::to_string(Uniform(100, 99999)) + "号";
  } while (!decisions_.insert(decision).second);
  RETURN_IF_ERROR(Add(agency, uscc, "PenaltyDecided",
                      {{"decision_number", decision}, {"subject_name", name},
                       {"category", kPenaltyCategories[Uniform(0, std::size(kPenaltyCategories) - 1)]},
                       {"facts", "经查，当事人存在未按规定履行相关法定义务的违法行为"},
                       {"basis", "《中华人民共和国行政处罚法》及相关法律法规"},
                       {"content", discretion == 1 ? std::string("不予行政处罚") : "罚款人民币" + std::to_string(fine_yuan) + "元"},
                       {"fine_fen", fine_yuan * 100}, {"decision_date", Date(decided)},
                       {"deciding_agency", agency.uscc}, {"deciding_agency_name", agency.name},
                       {"severity", severity}, {"discretion", discretion}}));
  const int64_t fulfilled = decided + Uniform(5, 60);
  if (fulfilled < today_ && Chance(0.8)) {
    RETURN_IF_ERROR(Add(agency, uscc, "PenaltyFulfilled", {{"decision_number", decision}, {"fulfilled_date", Date(fulfilled)}}));
  }
  if (Chance(0.04) && decided + 90 < today_) {
    return Add(agency, uscc, "PenaltyRevoked",
               {{"decision_number", decision}, {"revoked_date", Date(decided + Uniform(30, 90))},
                {"reason", "经行政复议，原处罚决定被撤销"}});
  }
  if (discretion == 1) return Status::Ok();  // not published: no listing, nothing to repair
  if (severity == 2) return SeriousListing(uscc, decision, decided);
  // General penalties: repair after the minimum publicity period (3 months).
  if (severity == 1 && decided + 120 < today_ && Chance(0.3)) {
    Agency& ndrc = Pick("ndrc");
    const std::string repair = "XF-" + std::to_string(run_) + "-" + std::to_string(subject_index_) + "-" + std::to_string(event_index_);
    const int64_t applied = decided + Uniform(95, 120);
    RETURN_IF_ERROR(RepairCommitment(ndrc, uscc, repair, applied));
    RETURN_IF_ERROR(Add(ndrc, uscc, "RepairApplied",
                        {{"repair_id", repair}, {"target", decision}, {"commitment_id", repair + "-CN"},
                         {"applied_date", Date(applied)}}));
    return Add(ndrc, uscc, "RepairDecided",
               {{"repair_id", repair}, {"approved", Chance(0.85)}, {"decided_date", Date(std::min(today_, applied + 10))},
                {"reason", "已履行行政处罚义务并作出信用承诺"}});
  }
  return Status::Ok();
}

// 信用修复型 commitment that a repair application rests on, kept the same day.
Status HistoryWriter::RepairCommitment(Agency& ndrc, const std::string& uscc, const std::string& repair, int64_t day) {
  const std::string id = repair + "-CN";
  RETURN_IF_ERROR(Add(ndrc, uscc, "CommitmentMade",
                      {{"commitment_id", id}, {"commitment_type", "CreditRepair"}, {"matter", "信用修复"},
                       {"content", "申请人承诺已纠正失信行为，今后依法诚信经营"}, {"made_date", Date(day)},
                       {"deadline", Date(day + 365)}, {"accepting_agency", ndrc.uscc}}));
  return Status::Ok();
}

// 严重失信: notice, objection window, decision, and sometimes exit by repair after a year.
Status HistoryWriter::SeriousListing(const std::string& uscc, const std::string& decision, int64_t decided) {
  Agency& ndrc = Pick("ndrc");
  const int64_t noticed = decided + Uniform(10, 40);
  // The objection window: working days after service, by the ruleset's calendar.
  const int64_t deadline = rules_.calendar.WorkingDaysAfter(noticed, rules_.objection_window_working_days);
  const int64_t listed = deadline + 3;
  if (listed >= today_) return Status::Ok();
  const std::string notice = "GZ-" + std::to_string(run_) + "-" + std::to_string(subject_index_) + "-" + std::to_string(event_index_);
  RETURN_IF_ERROR(Add(ndrc, uscc, "ListingNoticeIssued",
                      {{"notice_id", notice}, {"list", 0}, {"reason", "受到严重行政处罚"},
                       {"basis", "《失信行为纠正后的信用信息修复管理办法》"}, {"notice_date", Date(noticed)},
                       {"objection_deadline", Date(deadline)}, {"related", {decision}}}));
  if (Chance(0.2)) {
    const std::string objection = notice + "-YY";
    RETURN_IF_ERROR(Add(ndrc, uscc, "ObjectionFiled",
                        {{"objection_id", objection}, {"notice_id", notice}, {"content", "当事人对认定事实提出异议"},
                         {"filed_date", Date(noticed + 3)}}));
    const bool upheld = Chance(0.3);
    RETURN_IF_ERROR(Add(ndrc, uscc, "ObjectionResolved",
                        {{"objection_id", objection}, {"upheld", upheld},
                         {"outcome", upheld ? "异议成立，更正相关记录" : "异议不成立，维持原认定"},
                         {"resolved_date", Date(deadline + 2)}}));
    if (upheld) return Status::Ok();
  }
  const std::string listing = "YZSX-" + std::to_string(run_) + "-" + std::to_string(subject_index_) + "-" + std::to_string(event_index_);
  RETURN_IF_ERROR(Add(ndrc, uscc, "SeriousListingDecided",
                      {{"listing_id", listing}, {"notice_id", notice}, {"basis", "《行政处罚法》及严重失信主体名单管理规定"},
                       {"decision_date", Date(listed)},
                       // the last day on the list; "" takes the ruleset's default term
                       {"term_end_date", Chance(0.5) ? std::string() : Date(projections::AddMonths(listed, rules_.serious_default_term_months) - 1)},
                       {"exit_conditions", "履行处罚义务、作出信用承诺并满一年后可申请信用修复"}}));
  if (listed + 380 < today_ && Chance(0.4)) {
    const std::string repair = listing + "-XF";
    RETURN_IF_ERROR(RepairCommitment(ndrc, uscc, repair, listed + 370));
    RETURN_IF_ERROR(Add(ndrc, uscc, "RepairApplied",
                        {{"repair_id", repair}, {"target", listing}, {"commitment_id", repair + "-CN"},
                         {"applied_date", Date(listed + 370)}}));
    RETURN_IF_ERROR(Add(ndrc, uscc, "RepairDecided",
                        {{"repair_id", repair}, {"approved", true}, {"decided_date", Date(listed + 378)},
                         {"reason", "已满最短公示期，履行义务并作出信用承诺"}}));
    return Add(ndrc, uscc, "SeriousListingExited",
               {{"listing_id", listing}, {"exit_date", Date(listed + 378)}, {"reason", "信用修复"}});
  }
  return Status::Ok();
}

Status HistoryWriter::Enterprise(const std::string& uscc, int64_t start) {
  const std::string name = std::string("青岛") + kBrand[Uniform(0, std::size(kBrand) - 1)] +
                           kTrade[Uniform(0, std::size(kTrade) - 1)] + "有限公司";
  RETURN_IF_ERROR(Add(Pick("approval"), uscc, "SubjectRegistered",
                      {{"kind", uscc.starts_with("92") ? 1 : 0}, {"name", name}, {"division", uscc.substr(2, 6)}}));
  RETURN_IF_ERROR(Commitments(uscc, Chance(0.5) ? Pick("approval") : Market(uscc), start, static_cast<int>(Uniform(0, 3)), false));
  const int penalties = Chance(0.25) ? (Chance(0.2) ? 2 : 1) : 0;
  for (int p = 0; p < penalties; ++p) RETURN_IF_ERROR(Penalty(uscc, name, start));
  enterprises_.push_back(uscc);
  return Status::Ok();
}

Status HistoryWriter::Contract(const std::string& payer, int64_t start) {
  Agency& finance = Pick("finance");
  const std::string payee = enterprises_.empty() ? NewUscc("91", "370202") : enterprises_[Uniform(0, enterprises_.size() - 1)];
  const std::string id = "HT-" + std::to_string(run_) + "-" + std::to_string(subject_index_) + "-" + std::to_string(event_index_);
  const int64_t amount = Uniform(50, 5000) * 1000 * 100;
  const int64_t signed_day = Uniform(start, today_ - 60);
  const int64_t delivered = signed_day + Uniform(30, 120);
  const int term = Chance(0.7) ? 30 : 60;
  RETURN_IF_ERROR(Add(finance, payer, "ContractSigned",
                      {{"contract_id", id}, {"public_body", payer}, {"counterparty", payee},
                       {"counterparty_is_sme", Chance(0.8)}, {"title", "政府采购服务合同"}, {"amount_fen", amount},
                       {"signed_date", Date(signed_day)}, {"delivery_date", Date(delivered)},
                       {"payment_term_days", term}}));
  const int64_t due = delivered + term;
  if (due >= today_) return Status::Ok();
  const double roll = std::uniform_real_distribution<double>(0, 1)(rng_);
  if (roll < 0.8) {
    RETURN_IF_ERROR(Add(finance, payer, "PaymentMade",
                        {{"contract_id", id}, {"amount_fen", amount}, {"paid_date", Date(due - Uniform(0, term - 1))}}));
    return Add(finance, payer, "ContractCompleted", {{"contract_id", id}, {"completed_date", Date(due)}});
  }
  RETURN_IF_ERROR(Add(finance, payer, "ArrearsRecorded",
                      {{"contract_id", id}, {"amount_fen", amount}, {"due_date", Date(due)},
                       {"recorded_date", Date(std::min(today_, due + 30))}}));
  if (roll < 0.95 && due + 90 < today_) {
    const int64_t cleared = due + Uniform(31, 90);
    RETURN_IF_ERROR(Add(finance, payer, "PaymentMade", {{"contract_id", id}, {"amount_fen", amount}, {"paid_date", Date(cleared)}}));
    RETURN_IF_ERROR(Add(finance, payer, "ArrearsCleared", {{"contract_id", id}, {"amount_fen", amount}, {"cleared_date", Date(cleared)}}));
  }
  return Status::Ok();
}

// Each public body's first staff member and an annual assessment: natural persons' files, for
// the personnel role (docs/privacy.md). Chosen by the subject's index, not the random stream,
// so that every other subject of a seed is the same as before they existed.
Status HistoryWriter::CivilServant(const std::string& employer) {
  static constexpr const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"};
  static constexpr const char* kGiven[] = {"建国", "秀英", "海燕", "志强", "丽娟", "文博", "晓明", "春梅", "立新", "静怡", "国栋"};
  static constexpr const char* kAssessments[] = {"优秀", "称职", "称职", "称职", "基本称职"};
  const uint64_t i = subject_index_;
  const std::string staff = "A" + std::to_string(1000 + i % 9000);
  const std::string subject = employer + "/" + staff;
  Agency& personnel = Pick("personnel");
  RETURN_IF_ERROR(Add(personnel, subject, "SubjectRegistered",
                      {{"kind", 4}, {"name", std::string(kSurnames[i % std::size(kSurnames)]) + kGiven[i % std::size(kGiven)]},
                       {"division", employer.substr(2, 6)}, {"staff_number", staff}, {"employer_uscc", employer}}));
  const std::string this_year = Date(today_).substr(0, 4);
  const std::string year = std::to_string(std::stoi(this_year) - 1);
  return Add(personnel, subject, "CivilServantIntegrityEntry",
             {{"entry_id", "KH-" + year + "-" + staff}, {"category", "考核"},
              {"content", year + "年度考核" + kAssessments[i % std::size(kAssessments)]},
              {"entry_date", Date(std::min(today_, events::DaysFromDate(this_year + "-01-20")))}});
}

Status HistoryWriter::PublicBody(const std::string& uscc, const char* district_name, int64_t start) {
  const std::string name = std::string("青岛市") + district_name + kTrade[Uniform(0, std::size(kTrade) - 1)] + "服务中心";
  RETURN_IF_ERROR(Add(Pick("finance"), uscc, "SubjectRegistered",
                      {{"kind", 2}, {"name", name}, {"division", uscc.substr(2, 6)}}));
  const int contracts = static_cast<int>(Uniform(1, 4));
  for (int c = 0; c < contracts; ++c) RETURN_IF_ERROR(Contract(uscc, start));
  RETURN_IF_ERROR(Commitments(uscc, Pick("approval"), start, static_cast<int>(Uniform(1, 3)), true));
  const int ratings = static_cast<int>(Uniform(3, 10));
  for (int r = 0; r < ratings; ++r) {
    const int stars = Chance(0.8) ? static_cast<int>(Uniform(4, 5)) : static_cast<int>(Uniform(1, 3));
    RETURN_IF_ERROR(Add(Pick("approval"), uscc, "ServiceRated",
                        {{"rating_id", "PJ-" + std::to_string(run_) + "-" + std::to_string(subject_index_) + "-" + std::to_string(event_index_)},
                         {"rating", stars}, {"matter", kMatters[Uniform(0, std::size(kMatters) - 1)]},
                         {"rated_date", Date(Uniform(start, today_ - 1))}, {"channel", static_cast<int>(Uniform(0, 3))}}));
  }
  return CivilServant(uscc);
}

Status HistoryWriter::Subject(uint64_t index) {
  subject_index_ = index;
  event_index_ = 0;
  decisions_.clear();
  const District& district = kDistricts[Uniform(0, std::size(kDistricts) - 1)];
  const int64_t start = events::DaysFromDate("2022-01-01");
  const double kind = std::uniform_real_distribution<double>(0, 1)(rng_);
  if (kind < 0.06) return PublicBody(NewUscc(Chance(0.5) ? "11" : "12", district.code), district.name, start);
  return Enterprise(NewUscc(kind < 0.16 ? "92" : "91", district.code), start);
}

}  // namespace

Result<DemoReport> RunDemo(ledger::Ledger& ledger, const DemoOptions& options, std::string_view passphrase) {
  DemoReport report;
  ASSIGN_OR_RETURN(std::vector<Agency> agencies, PrepareAgencies(ledger, options.data, passphrase, &report.agencies_registered));
  // Each run appends a new history: find the first run number not yet recorded for this seed.
  // Event ids are scoped to the recording agency: the run's first event is by one of them.
  for (;; ++report.run) {
    const std::string first_id = "demo/" + std::to_string(options.seed) + "/" + std::to_string(report.run) + "/0/0";
    bool found = false;
    for (const Agency& agency : agencies) {
      ASSIGN_OR_RETURN(auto seq, ledger.FindEventId(agency.uscc, first_id));
      found = found || seq.has_value();
    }
    if (!found) break;
  }
  HistoryWriter writer(ledger, agencies, options, report.run);
  ProgressLine progress("demo subjects", options.quiet);
  for (uint64_t i = 0; i < options.subjects; ++i) {
    RETURN_IF_ERROR(writer.Subject(i));
    progress.Update(i + 1, options.subjects);
  }
  RETURN_IF_ERROR(writer.Flush());
  progress.Finish();
  report.events = writer.events();
  report.size = ledger.size();
  return report;
}

}  // namespace creditlog::api
