#include "api/tools/import.h"

#include <charconv>

#include "crypto/sha256.h"
#include "events/event.h"
#include "events/limits.h"
#include "events/text_rules.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

const std::vector<std::string> kPenaltyColumns = {"决定书文号", "行政相对人名称", "统一社会信用代码", "处罚类别",
                                                   "处罚内容", "罚款金额", "决定日期", "处罚机关"};
const std::vector<std::string> kCommitmentColumns = {"承诺编号", "统一社会信用代码", "承诺类型", "承诺事项",
                                                      "承诺内容", "承诺日期", "履约期限"};

struct Named {
  const char* chinese;
  const char* value;
};
constexpr Named kSeverities[] = {{"轻微", "Minor"}, {"一般", "General"}, {"严重", "Serious"}};
constexpr Named kDiscretions[] = {{"标准", "Standard"}, {"不予", "NoPenalty"}, {"减轻", "Mitigated"},
                                  {"从轻", "Lighter"}, {"从重", "Heavier"}};
constexpr Named kCommitmentTypes[] = {{"审批替代型", "ApprovalSubstitute"}, {"告知承诺", "ApprovalSubstitute"},
                                      {"容缺受理", "IncompleteAcceptance"}, {"主动型", "Voluntary"},
                                      {"行业自律型", "IndustrySelfDiscipline"}, {"信用修复型", "CreditRepair"},
                                      {"政务服务承诺", "GovernmentService"}};

template <size_t N>
Result<std::string> Lookup(const Named (&table)[N], const std::string& text, const std::string& column) {
  for (const Named& n : table) {
    if (text == n.chinese || text == n.value) return std::string(n.value);
  }
  std::string allowed;
  for (const Named& n : table) allowed += std::string(allowed.empty() ? "" : "/") + n.chinese;
  return Status::InvalidArgument(column + ": '" + text + "' is not one of " + allowed);
}

class RowReader {
 public:
  RowReader(const CsvTable& table, const CsvRow& row) : table_(table), row_(row) {}
  // The cell without white space at either end (spreadsheets leave ideographic and no-break
  // spaces there too), in Unicode NFC: event text must be NFC, and the event id derived from
  // a cell is then the same however the source system composed its characters.
  std::string Get(const std::string& column) const {
    auto it = table_.columns.find(column);
    if (it == table_.columns.end() || it->second >= row_.fields.size()) return "";
    return events::NormaliseText(events::TrimWhiteSpace(row_.fields[it->second]));
  }
  Result<std::string> Required(const std::string& column) const {
    std::string value = Get(column);
    if (value.empty()) return Status::InvalidArgument(column + ": empty");
    return value;
  }

 private:
  const CsvTable& table_;
  const CsvRow& row_;
};

// Names the column in an error.
template <typename T>
Result<T> In(Result<T> result, const char* column) {
  if (!result.ok()) return result.status().WithContext(column);
  return result;
}

// Event ids from the source record: the same record always gets the same id.
std::string SourceId(const std::string& kind, const std::string& key) {
  return "import/" + kind + "/" + HexEncode(Sha256(AsBytes(key))).substr(0, 32);
}

Result<json> PenaltyRow(const RowReader& r, const std::string& agency_uscc) {
  ASSIGN_OR_RETURN(std::string number, r.Required("决定书文号"));
  ASSIGN_OR_RETURN(std::string uscc, r.Required("统一社会信用代码"));
  ASSIGN_OR_RETURN(std::string content, r.Required("处罚内容"));
  ASSIGN_OR_RETURN(int64_t fine, In(YuanToFen(r.Get("罚款金额").empty() ? "0" : r.Get("罚款金额")), "罚款金额"));
  ASSIGN_OR_RETURN(std::string date, In(NormaliseDate(r.Get("决定日期")), "决定日期"));
  int64_t confiscated = 0;
  if (!r.Get("没收违法所得").empty()) {
    ASSIGN_OR_RETURN(confiscated, In(YuanToFen(r.Get("没收违法所得")), "没收违法所得"));
  }
  ASSIGN_OR_RETURN(std::string severity, Lookup(kSeverities, r.Get("严重程度").empty() ? "一般" : r.Get("严重程度"), "严重程度"));
  ASSIGN_OR_RETURN(std::string discretion, Lookup(kDiscretions, r.Get("裁量").empty() ? "标准" : r.Get("裁量"), "裁量"));
  const std::string column = AgencyColumn(ImportLayout::kPenalties);
  const std::string deciding = r.Get(column).empty() ? agency_uscc : r.Get(column);
  return json{{"event_id", SourceId("penalty", number)},
              {"subject", uscc},
              {"body_type", "PenaltyDecided"},
              {"body", {{"decision_number", number}, {"subject_name", r.Get("行政相对人名称")},
                        {"category", r.Get("处罚类别")}, {"facts", r.Get("违法事实").empty() ? content : r.Get("违法事实")},
                        {"basis", r.Get("处罚依据").empty() ? "见处罚决定书" : r.Get("处罚依据")}, {"content", content},
                        {"fine_fen", fine}, {"confiscated_fen", confiscated}, {"decision_date", date},
                        {"deciding_agency", deciding}, {"deciding_agency_name", r.Get("处罚机关")},
                        {"severity", severity}, {"discretion", discretion}}}};
}

Result<json> CommitmentRow(const RowReader& r, const std::string& agency_uscc) {
  ASSIGN_OR_RETURN(std::string id, r.Required("承诺编号"));
  ASSIGN_OR_RETURN(std::string uscc, r.Required("统一社会信用代码"));
  ASSIGN_OR_RETURN(std::string type, Lookup(kCommitmentTypes, r.Get("承诺类型"), "承诺类型"));
  ASSIGN_OR_RETURN(std::string made, In(NormaliseDate(r.Get("承诺日期")), "承诺日期"));
  ASSIGN_OR_RETURN(std::string deadline, In(NormaliseDate(r.Get("履约期限")), "履约期限"));
  const std::string column = AgencyColumn(ImportLayout::kCommitments);
  const std::string accepting = r.Get(column).empty() ? agency_uscc : r.Get(column);
  return json{{"event_id", SourceId("commitment", uscc + "/" + id)},
              {"subject", uscc},
              {"body_type", "CommitmentMade"},
              {"body", {{"commitment_id", id}, {"commitment_type", type}, {"matter", r.Get("承诺事项")},
                        {"content", r.Get("承诺内容")}, {"made_date", made}, {"deadline", deadline},
                        {"accepting_agency", accepting}}}};
}

}  // namespace

std::optional<json> RegistrationFromRow(const CsvTable& table, const CsvRow& row, ImportLayout layout, const json& event) {
  const RowReader r(table, row);
  const std::string name = r.Get(layout == ImportLayout::kPenalties ? "行政相对人名称" : "主体名称");
  const std::string uscc = event.value("subject", "");
  if (name.empty() || uscc.size() < 2) return std::nullopt;
  const char* kind = "Enterprise";
  if (uscc.starts_with("92")) kind = "IndividualBusiness";
  else if (uscc[0] == '1') kind = "PublicBody";
  else if (uscc[0] == '5') kind = "SocialOrganisation";
  return json{{"event_id", SourceId("subject", uscc)},
              {"subject", uscc},
              {"body_type", "SubjectRegistered"},
              {"body", {{"kind", kind}, {"name", name}, {"division", uscc.substr(2, 6)}}}};
}

std::string AgencyColumn(ImportLayout layout) {
  return layout == ImportLayout::kPenalties ? "处罚机关统一社会信用代码" : "受理机关统一社会信用代码";
}

const std::vector<std::string>& RequiredColumns(ImportLayout layout) {
  return layout == ImportLayout::kPenalties ? kPenaltyColumns : kCommitmentColumns;
}

Status CheckHeader(const CsvTable& table, ImportLayout layout) {
  std::string missing;
  for (const std::string& column : RequiredColumns(layout)) {
    if (!table.columns.count(column)) missing += (missing.empty() ? "" : ", ") + column;
  }
  if (!missing.empty()) return Status::InvalidArgument("header: missing column(s) " + missing);
  return Status::Ok();
}

Result<json> RowToEvent(const CsvTable& table, const CsvRow& row, ImportLayout layout, const std::string& agency_uscc) {
  if (row.fields.size() != table.header.size()) {
    return Status::InvalidArgument("has " + std::to_string(row.fields.size()) + " fields; the header has " +
                                   std::to_string(table.header.size()));
  }
  RowReader reader(table, row);
  return layout == ImportLayout::kPenalties ? PenaltyRow(reader, agency_uscc) : CommitmentRow(reader, agency_uscc);
}

Result<int64_t> YuanToFen(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c != ',') digits.push_back(c);
  }
  const size_t dot = digits.find('.');
  const std::string whole = digits.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : digits.substr(dot + 1);
  auto all_digits = [](const std::string& s) { return s.find_first_not_of("0123456789") == std::string::npos; };
  const bool bare_dot = dot != std::string::npos && fraction.empty();
  if (whole.empty() || whole.size() > 13 || !all_digits(whole) || bare_dot || fraction.size() > 2 || !all_digits(fraction)) {
    return Status::InvalidArgument("'" + std::string(text) + "' is not an amount in yuan (digits, at most 2 decimals)");
  }
  fraction.resize(2, '0');
  return std::stoll(whole) * 100 + std::stoll(fraction);
}

Result<std::string> NormaliseDate(std::string_view text) {
  std::string s(text);
  for (const char* separator : {"年", "月", "/", "."}) {
    for (size_t at; (at = s.find(separator)) != std::string::npos;) s.replace(at, std::string_view(separator).size(), "-");
  }
  if (const size_t day = s.find("日"); day != std::string::npos) s.erase(day);
  int year = 0, month = 0, dom = 0, consumed = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d%n", &year, &month, &dom, &consumed) == 3 && static_cast<size_t>(consumed) == s.size()) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", year, month, dom);
    if (events::IsCalendarDate(buffer)) return std::string(buffer);
  }
  return Status::InvalidArgument("'" + std::string(text) + "' is not a date (YYYY-MM-DD)");
}

}  // namespace creditlog::api
