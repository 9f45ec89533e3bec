#include "projections/ruleset.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "events/event.h"
#include "events/limits.h"

namespace creditlog::projections {

std::string_view DefaultRulesetText();  // embedded by CMake (projections/default_ruleset.json)
std::string_view DefaultRulesetJson() { return DefaultRulesetText(); }

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, kListKinds> kChineseNames = {
    "严重失信主体名单", "重点关注名单", "告知承诺不适用名单", "政务失信名单", "守信激励名单"};

// A ruleset document is read key by key: each key known to this build is parsed and removed
// from `rest`, and whatever is left is an unknown key.
class Reader {
 public:
  Reader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  Status Object() const {
    if (!object_.is_object()) return Status::InvalidArgument("ruleset " + Here() + ": must be an object");
    return Status::Ok();
  }
  const json* Find(const char* key) {
    seen_.push_back(key);
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  std::string Path(const char* key) const { return path_ + "." + key; }
  Status Int(const char* key, int max, int* target) {
    const json* v = Find(key);
    if (v == nullptr) return Status::Ok();  // the default
    if (!v->is_number_integer() || v->get<int64_t>() < 0 || v->get<int64_t>() > max) {
      return Status::InvalidArgument("ruleset " + Path(key) + ": must be an integer 0.." + std::to_string(max));
    }
    *target = v->get<int>();
    return Status::Ok();
  }
  Status Strings(const char* key, std::vector<std::string>* target, bool may_be_empty = true) {
    const json* v = Find(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_array()) return Status::InvalidArgument("ruleset " + Path(key) + ": must be a list of strings");
    std::vector<std::string> out;
    for (const auto& item : *v) {
      if (!item.is_string() || item.get<std::string>().empty()) {
        return Status::InvalidArgument("ruleset " + Path(key) + ": must be a list of non-empty strings");
      }
      out.push_back(item.get<std::string>());
    }
    if (out.empty() && !may_be_empty) return Status::InvalidArgument("ruleset " + Path(key) + ": must not be empty");
    *target = std::move(out);
    return Status::Ok();
  }
  // Refuses the keys this build does not know.
  Status Rest() const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(seen_.begin(), seen_.end(), key) == seen_.end()) {
        std::string known;
        for (const std::string& k : seen_) known += (known.empty() ? "" : ", ") + k;
        return Status::InvalidArgument("ruleset " + path_ + "." + key + ": not a ruleset key (known here: " + known + ")");
      }
    }
    return Status::Ok();
  }

 private:
  std::string Here() const { return path_.empty() ? "document" : path_; }
  const json& object_;
  std::string path_;
  std::vector<std::string> seen_;
};

#define RETURN_IF_NOT_OBJECT(reader) RETURN_IF_ERROR((reader).Object())

Status ParsePeriods(Reader& top, Ruleset* r) {
  const json* periods = top.Find("penalty_publicity_months");
  if (periods == nullptr) return Status::Ok();
  Reader in(*periods, ".penalty_publicity_months");
  RETURN_IF_NOT_OBJECT(in);
  for (int s = 0; s < kSeverities; ++s) {
    const char* name = fb::EnumNameSeverity(static_cast<fb::Severity>(s));
    const json* period = in.Find(name);
    if (period == nullptr) continue;
    Reader p(*period, in.Path(name));
    RETURN_IF_NOT_OBJECT(p);
    RETURN_IF_ERROR(p.Int("min", kRuleMonthsMax, &r->penalty_publicity[s].min_months));
    RETURN_IF_ERROR(p.Int("max", kRuleMonthsMax, &r->penalty_publicity[s].max_months));
    RETURN_IF_ERROR(p.Rest());
    if (r->penalty_publicity[s].min_months > r->penalty_publicity[s].max_months) {
      return Status::InvalidArgument("ruleset " + in.Path(name) + ": min is greater than max");
    }
  }
  return in.Rest();
}

Status ParseMeasures(Reader& top, Ruleset* r) {
  const json* measures = top.Find("measures");
  if (measures == nullptr) return Status::Ok();
  Reader in(*measures, ".measures");
  RETURN_IF_NOT_OBJECT(in);
  for (int l = 0; l < kListKinds; ++l) {
    RETURN_IF_ERROR(in.Strings(fb::EnumNameListKind(static_cast<fb::ListKind>(l)), &r->measures[l]));
  }
  return in.Rest();
}

// {"rule id": {"zh": "…", "en": "…"}}: both names, for a rule this build derives.
Status ParseRuleNames(Reader& top, Ruleset* r) {
  const json* names = top.Find("rule_names");
  if (names == nullptr) return Status::Ok();
  if (!names->is_object()) return Status::InvalidArgument("ruleset .rule_names: must be an object of rule ids");
  for (const auto& [rule, name] : names->items()) {
    const std::string path = ".rule_names." + rule;
    if (!IsKnownRule(rule)) return Status::InvalidArgument("ruleset " + path + ": not a rule this build derives");
    Reader in(name, path);
    RETURN_IF_NOT_OBJECT(in);
    Words words;
    for (auto [key, target] : {std::pair{"zh", &words.zh}, std::pair{"en", &words.en}}) {
      const json* v = in.Find(key);
      if (v == nullptr || !v->is_string() || v->get<std::string>().empty() || v->get<std::string>().size() > kRuleNameMaxBytes) {
        return Status::InvalidArgument("ruleset " + in.Path(key) + ": must be a name of 1.." + std::to_string(kRuleNameMaxBytes) +
                                       " bytes");
      }
      *target = v->get<std::string>();
    }
    RETURN_IF_ERROR(in.Rest());
    r->rule_names[rule] = std::move(words);
  }
  return Status::Ok();
}

// {"measure": {"en", "scope", "basis", "department", "incentive"}}: what each measure is.
Status ParseMeasureCatalogue(Reader& top, Ruleset* r) {
  const json* catalogue = top.Find("measure_catalogue");
  if (catalogue == nullptr) return Status::Ok();
  if (!catalogue->is_object() || catalogue->size() > kMeasureCatalogueMax) {
    return Status::InvalidArgument("ruleset .measure_catalogue: must be an object of at most " + std::to_string(kMeasureCatalogueMax) +
                                   " measures");
  }
  for (const auto& [measure, entry] : catalogue->items()) {
    const std::string path = ".measure_catalogue." + measure;
    if (measure.empty() || measure.size() > kRuleNameMaxBytes) {
      return Status::InvalidArgument("ruleset " + path + ": a measure's name is 1.." + std::to_string(kRuleNameMaxBytes) + " bytes");
    }
    Reader in(entry, path);
    RETURN_IF_NOT_OBJECT(in);
    MeasureDetail detail;
    for (auto [key, target] : {std::pair{"en", &detail.en}, std::pair{"scope", &detail.scope}, std::pair{"basis", &detail.basis},
                               std::pair{"department", &detail.department}}) {
      const json* v = in.Find(key);
      if (v == nullptr || !v->is_string() || v->get<std::string>().empty() || v->get<std::string>().size() > kMeasureTextMaxBytes) {
        return Status::InvalidArgument("ruleset " + in.Path(key) + ": must be a text of 1.." + std::to_string(kMeasureTextMaxBytes) +
                                       " bytes");
      }
      *target = v->get<std::string>();
    }
    if (const json* v = in.Find("incentive")) {
      if (!v->is_boolean()) return Status::InvalidArgument("ruleset " + in.Path("incentive") + ": must be true or false");
      detail.incentive = v->get<bool>();
    }
    RETURN_IF_ERROR(in.Rest());
    r->measure_catalogue[measure] = std::move(detail);
  }
  return Status::Ok();
}

// {"ApprovalSubstitute": {"within_days": 60, "sampling_percent": 100}, …}: by commitment kind.
Status ParseVerification(Reader& top, Ruleset* r) {
  const json* duties = top.Find("verification");
  if (duties == nullptr) return Status::Ok();
  Reader in(*duties, ".verification");
  RETURN_IF_NOT_OBJECT(in);
  for (int t = 0; t < kCommitmentTypes; ++t) {
    const char* name = fb::EnumNameCommitmentType(static_cast<fb::CommitmentType>(t));
    const json* duty = in.Find(name);
    if (duty == nullptr) continue;
    Reader d(*duty, in.Path(name));
    RETURN_IF_NOT_OBJECT(d);
    VerificationDuty& v = r->verification[static_cast<size_t>(t)];
    RETURN_IF_ERROR(d.Int("within_days", kVerificationDaysMax, &v.within_days));
    RETURN_IF_ERROR(d.Int("sampling_percent", 100, &v.sampling_percent));
    RETURN_IF_ERROR(d.Rest());
    if (v.sampling_percent > 0 && v.within_days == 0) {
      return Status::InvalidArgument("ruleset " + in.Path(name) + ".within_days: must be at least 1 when sampling_percent is above 0");
    }
  }
  return in.Rest();
}

// `sub`: a nested object of integer rules, each with its target.
struct IntRule {
  const char* key;
  int max;
  int* target;
};
Status ParseGroup(Reader& top, const char* key, std::initializer_list<IntRule> rules) {
  const json* group = top.Find(key);
  if (group == nullptr) return Status::Ok();
  Reader in(*group, top.Path(key));
  RETURN_IF_NOT_OBJECT(in);
  for (const IntRule& rule : rules) RETURN_IF_ERROR(in.Int(rule.key, rule.max, rule.target));
  return in.Rest();
}

Result<std::vector<Day>> Dates(const json& list, const std::string& path, int year_min, int year_max) {
  if (!list.is_array()) return Status::InvalidArgument("ruleset " + path + ": must be a list of dates");
  std::vector<Day> out;
  for (const auto& d : list) {
    if (!d.is_string() || !events::IsCalendarDate(d.get<std::string>())) {
      return Status::InvalidArgument("ruleset " + path + ": " + d.dump() + " is not a date (YYYY-MM-DD)");
    }
    const int year = std::stoi(d.get<std::string>().substr(0, 4));
    if (year < year_min || year > year_max) {
      return Status::InvalidArgument("ruleset " + path + ": " + d.get<std::string>() + " is outside the years " +
                                     std::to_string(year_min) + ".." + std::to_string(year_max));
    }
    out.push_back(events::DaysFromDate(d.get<std::string>()));
  }
  return out;
}

Status ParseCalendar(Reader& top, Calendar* cal) {
  const json* doc = top.Find("calendar");
  if (doc == nullptr) return Status::Ok();
  Reader in(*doc, ".calendar");
  RETURN_IF_NOT_OBJECT(in);
  const json* version = in.Find("version");
  if (version == nullptr || !version->is_string() || version->get<std::string>().empty()) {
    return Status::InvalidArgument("ruleset .calendar.version: must be a non-empty string");
  }
  cal->version = version->get<std::string>();
  RETURN_IF_ERROR(in.Strings("sources", &cal->sources));
  const json* years = in.Find("years");
  if (years == nullptr || !years->is_array() || years->empty() || years->size() > kCalendarYearsMax) {
    return Status::InvalidArgument("ruleset .calendar.years: must list 1.." + std::to_string(kCalendarYearsMax) + " years");
  }
  int previous = 0;
  for (size_t i = 0; i < years->size(); ++i) {
    const std::string path = ".calendar.years[" + std::to_string(i) + "]";
    Reader y((*years)[i], path);
    RETURN_IF_NOT_OBJECT(y);
    const json* year = y.Find("year");
    if (year == nullptr || !year->is_number_integer() || year->get<int64_t>() < events::kDateYearMin ||
        year->get<int64_t>() > events::kDateYearMax) {
      return Status::InvalidArgument("ruleset " + path + ".year: must be a year");
    }
    const int n = year->get<int>();
    if (i > 0 && n != previous + 1) {
      return Status::InvalidArgument("ruleset " + path + ".year: " + std::to_string(n) + " does not follow " +
                                     std::to_string(previous) + " (the years are consecutive)");
    }
    previous = n;
    if (i == 0) cal->first_year = n;
    cal->last_year = n;
    const json* notice = y.Find("notice");
    if (notice == nullptr || !notice->is_string() || notice->get<std::string>().empty()) {
      return Status::InvalidArgument("ruleset " + path + ".notice: name the notice the year's days come from");
    }
    cal->notices.push_back(notice->get<std::string>());
    if (const json* published = y.Find("published"); published && (!published->is_string() ||
                                                                   !events::IsCalendarDate(published->get<std::string>()))) {
      return Status::InvalidArgument("ruleset " + path + ".published: must be a date");
    }
    // A block may run into the next year (元旦 from 30 December) or start in the last days of the one before.
    if (const json* holidays = y.Find("holidays")) {
      if (!holidays->is_array()) return Status::InvalidArgument("ruleset " + path + ".holidays: must be a list");
      for (size_t h = 0; h < holidays->size(); ++h) {
        const std::string hpath = path + ".holidays[" + std::to_string(h) + "]";
        Reader block((*holidays)[h], hpath);
        RETURN_IF_NOT_OBJECT(block);
        const json* name = block.Find("name");
        if (name == nullptr || !name->is_string() || name->get<std::string>().empty()) {
          return Status::InvalidArgument("ruleset " + hpath + ".name: must be a non-empty string");
        }
        const json* days = block.Find("days");
        if (days == nullptr) return Status::InvalidArgument("ruleset " + hpath + ".days: missing");
        ASSIGN_OR_RETURN(auto list, Dates(*days, hpath + ".days", n - 1, n + 1));
        cal->holidays.insert(cal->holidays.end(), list.begin(), list.end());
        RETURN_IF_ERROR(block.Rest());
      }
    }
    if (const json* workdays = y.Find("workdays")) {
      ASSIGN_OR_RETURN(auto list, Dates(*workdays, path + ".workdays", n - 1, n + 1));
      for (Day d : list) {
        if (Calendar::Weekday(d) != 0 && Calendar::Weekday(d) != 6) {
          return Status::InvalidArgument("ruleset " + path + ".workdays: " + events::DateFromDays(d) +
                                         " is a weekday (make-up working days are Saturdays or Sundays)");
        }
      }
      cal->workdays.insert(cal->workdays.end(), list.begin(), list.end());
    }
    RETURN_IF_ERROR(y.Rest());
  }
  std::sort(cal->holidays.begin(), cal->holidays.end());
  std::sort(cal->workdays.begin(), cal->workdays.end());
  for (Day d : cal->workdays) {
    if (std::binary_search(cal->holidays.begin(), cal->holidays.end(), d)) {
      return Status::InvalidArgument("ruleset .calendar: " + events::DateFromDays(d) + " is both a holiday and a make-up working day");
    }
  }
  return in.Rest();
}

}  // namespace

Result<Ruleset> ParseRuleset(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::InvalidArgument("ruleset: not a JSON object");
  Ruleset r;
  Reader top(doc, "");
  const json* version = top.Find("version");
  if (version == nullptr || !version->is_string() || version->get<std::string>().empty()) {
    return Status::InvalidArgument("ruleset .version: must be a non-empty string");
  }
  r.version = version->get<std::string>();
  RETURN_IF_ERROR(top.Strings("sources", &r.sources));
  RETURN_IF_ERROR(ParsePeriods(top, &r));
  RETURN_IF_ERROR(top.Int("objection_window_working_days", kWorkingDaysWindowMax, &r.objection_window_working_days));
  RETURN_IF_ERROR(ParseGroup(top, "serious_list",
                             {{"default_term_months", kRuleMonthsMax, &r.serious_default_term_months},
                              {"max_term_months", kRuleMonthsMax, &r.serious_max_term_months},
                              {"early_exit_after_months", kRuleMonthsMax, &r.serious_early_exit_after_months}}));
  if (r.serious_default_term_months > r.serious_max_term_months) {
    return Status::InvalidArgument("ruleset .serious_list.default_term_months: " + std::to_string(r.serious_default_term_months) +
                                   " is longer than max_term_months " + std::to_string(r.serious_max_term_months));
  }
  if (r.serious_default_term_months == 0) {
    return Status::InvalidArgument("ruleset .serious_list.default_term_months: must be at least 1");
  }
  RETURN_IF_ERROR(ParseGroup(top, "notification_ineligibility",
                             {{"false_commitment_months", kRuleMonthsMax, &r.false_commitment_ineligible_months}}));
  RETURN_IF_ERROR(ParseGroup(top, "watch_list",
                             {{"general_penalties", 100, &r.watch_general_penalties},
                              {"breached_commitments", 100, &r.watch_breached_commitments},
                              {"window_months", kRuleMonthsMax, &r.watch_window_months}}));
  RETURN_IF_ERROR(ParseGroup(top, "government_dishonesty", {{"payment_overdue_days", 3650, &r.payment_overdue_days}}));
  RETURN_IF_ERROR(ParseGroup(top, "red_list",
                             {{"fulfilled_commitments", 100, &r.red_fulfilled_commitments},
                              {"window_months", kRuleMonthsMax, &r.red_window_months}}));
  RETURN_IF_ERROR(ParseGroup(top, "retention",
                             {{"civil_servant_files_months", kRuleMonthsMax, &r.retention_civil_servant_files_months}}));
  if (r.retention_civil_servant_files_months == 0) {
    return Status::InvalidArgument("ruleset .retention.civil_servant_files_months: must be at least 1");
  }
  RETURN_IF_ERROR(ParseMeasures(top, &r));
  RETURN_IF_ERROR(ParseRuleNames(top, &r));
  RETURN_IF_ERROR(ParseMeasureCatalogue(top, &r));
  RETURN_IF_ERROR(ParseVerification(top, &r));
  RETURN_IF_ERROR(ParseGroup(top, "service",
                             {{"bad_rating_max", kRatingBadMax, &r.service_bad_rating_max},
                              {"rectification_working_days", kWorkingDaysWindowMax, &r.service_rectification_working_days}}));
  if (r.service_rectification_working_days == 0) {
    return Status::InvalidArgument("ruleset .service.rectification_working_days: must be at least 1");
  }
  RETURN_IF_ERROR(top.Int("objection_handling_working_days", kWorkingDaysWindowMax, &r.objection_handling_working_days));
  if (r.objection_handling_working_days == 0) {
    return Status::InvalidArgument("ruleset .objection_handling_working_days: must be at least 1");
  }
  RETURN_IF_ERROR(ParseCalendar(top, &r.calendar));
  RETURN_IF_ERROR(top.Rest());
  return r;
}

const Words* Ruleset::NameOf(std::string_view rule) const {
  auto it = rule_names.find(std::string(rule));
  return it != rule_names.end() ? &it->second : FindRuleName(rule);
}

const MeasureDetail* Ruleset::DetailOf(std::string_view measure) const {
  auto it = measure_catalogue.find(measure);
  if (it != measure_catalogue.end()) return &it->second;
  const auto& builtin = MeasureCatalogue();
  auto found = builtin.find(measure);
  return found != builtin.end() ? &found->second : nullptr;
}

// The measures of the default ruleset, described as 国办发〔2020〕49号 and the documents it rests
// on describe them. A ruleset may describe them otherwise, or more (measure_catalogue).
const std::map<std::string, MeasureDetail, std::less<>>& MeasureCatalogue() {
  static const std::map<std::string, MeasureDetail, std::less<>> kCatalogue = {
      {"限制参与政府采购",
       {"Barred from government procurement", "政府采购",
        "《中华人民共和国政府采购法》第二十二条；国办发〔2020〕49号", "财政部门（政府采购监督管理部门）", false}},
      {"限制申请财政资金",
       {"Barred from applying for public funds", "财政资金",
        "国发〔2016〕33号《关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》", "财政部门及资金主管部门", false}},
      {"不适用告知承诺",
       {"No approval by notification and commitment", "告知承诺",
        "国办发〔2020〕42号《关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》", "各审批部门（行政审批服务局）", false}},
      {"提高抽查比例",
       {"Inspected more often", "监管抽查", "国发〔2019〕5号《关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》",
        "各行业监管部门", false}},
      {"约谈主要负责人",
       {"Its head is summoned for a talk", "约谈", "国发〔2016〕76号《关于加强政务诚信建设的指导意见》", "社会信用体系建设牵头部门",
        false}},
      {"限制评优评先",
       {"Barred from honours and awards", "评优评先",
        "国发〔2016〕33号《关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》", "各评选表彰主办部门", false}},
      {"容缺受理",
       {"Applications accepted with materials to follow", "容缺受理",
        "国发〔2016〕33号《关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》", "各审批部门（行政审批服务局）", true}},
      {"绿色通道",
       {"Green channel for approvals", "行政审批",
        "国发〔2016〕33号《关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》", "各审批部门（行政审批服务局）", true}},
      {"减少抽查",
       {"Inspected less often", "监管抽查", "国发〔2019〕5号《关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》",
        "各行业监管部门", true}},
  };
  return kCatalogue;
}

std::string DefaultRulesetAdoptionJson() {
  const std::string rules(DefaultRulesetJson());
  const std::string version = json::parse(rules)["version"];
  return json{{"event_id", "ruleset/" + version},
              {"subject", ""},
              {"body_type", "RulesetAdopted"},
              {"body", {{"version", version}, {"rules_json", rules}, {"effective_date", kDefaultRulesetEffectiveDate}}}}
      .dump();
}

void RulesetHistory::Add(Adopted adopted) {
  adopted_.push_back(std::move(adopted));
  std::stable_sort(adopted_.begin(), adopted_.end(), [](const Adopted& a, const Adopted& b) {
    return a.effective_day != b.effective_day ? a.effective_day < b.effective_day : a.seq < b.seq;
  });
}

const RulesetHistory::Adopted* RulesetHistory::At(int64_t day) const {
  const Adopted* found = nullptr;
  for (const Adopted& a : adopted_) {
    if (a.effective_day > day) break;
    found = &a;
  }
  return found;
}

std::string_view ListName(fb::ListKind list) { return fb::EnumNameListKind(list); }
std::string_view ListChineseName(fb::ListKind list) { return kChineseNames[static_cast<size_t>(list)]; }

bool ListIsPublished(fb::ListKind list) {
  return list != fb::ListKind::Watch && list != fb::ListKind::NotificationIneligible;
}

Result<fb::ListKind> ListFromName(std::string_view name) {
  for (int l = 0; l < kListKinds; ++l) {
    const auto kind = static_cast<fb::ListKind>(l);
    const std::string_view chinese = ListChineseName(kind);
    if (name == ListName(kind) || name == chinese || (name.size() >= 6 && std::string(name) + "名单" == chinese)) return kind;
  }
  return Status::InvalidArgument("'" + std::string(name) +
                                 "' is not a list (SeriousDishonesty, Watch, NotificationIneligible, "
                                 "GovernmentDishonesty, Red)");
}

}  // namespace creditlog::projections
