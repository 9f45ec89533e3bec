#include "projections/ruleset.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace creditlog::projections {

std::string_view DefaultRulesetText();  // embedded by CMake (projections/default_ruleset.json)
std::string_view DefaultRulesetJson() { return DefaultRulesetText(); }

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, kListKinds> kChineseNames = {
    "严重失信主体名单", "重点关注名单", "告知承诺不适用名单", "政务失信名单", "守信激励名单"};

Result<int> Months(const json& doc, const std::string& path, const json& value, int max) {
  (void)doc;
  if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > max) {
    return Status::InvalidArgument("ruleset " + path + ": must be an integer 0.." + std::to_string(max));
  }
  return value.get<int>();
}

Result<const json*> Member(const json& object, const std::string& path, const char* key) {
  if (!object.is_object() || !object.contains(key)) return Status::InvalidArgument("ruleset " + path + "." + key + ": missing");
  return &object.at(key);
}

#define RULE_INT(target, object, path, key, max)                 \
  do {                                                           \
    ASSIGN_OR_RETURN(const json* _v, Member(object, path, key)); \
    ASSIGN_OR_RETURN(target, Months(doc, std::string(path) + "." + key, *_v, max)); \
  } while (0)

Status ParsePeriods(const json& doc, Ruleset* r) {
  ASSIGN_OR_RETURN(const json* periods, Member(doc, "", "penalty_publicity_months"));
  for (int s = 0; s < kSeverities; ++s) {
    const char* name = fb::EnumNameSeverity(static_cast<fb::Severity>(s));
    ASSIGN_OR_RETURN(const json* period, Member(*periods, ".penalty_publicity_months", name));
    const std::string path = std::string(".penalty_publicity_months.") + name;
    RULE_INT(r->penalty_publicity[s].min_months, *period, path, "min", kRuleMonthsMax);
    RULE_INT(r->penalty_publicity[s].max_months, *period, path, "max", kRuleMonthsMax);
    if (r->penalty_publicity[s].min_months > r->penalty_publicity[s].max_months) {
      return Status::InvalidArgument("ruleset " + path + ": min is greater than max");
    }
  }
  return Status::Ok();
}

Status ParseMeasures(const json& doc, Ruleset* r) {
  ASSIGN_OR_RETURN(const json* measures, Member(doc, "", "measures"));
  for (int l = 0; l < kListKinds; ++l) {
    const char* name = fb::EnumNameListKind(static_cast<fb::ListKind>(l));
    ASSIGN_OR_RETURN(const json* list, Member(*measures, ".measures", name));
    if (!list->is_array()) return Status::InvalidArgument(std::string("ruleset .measures.") + name + ": must be a list");
    for (const auto& m : *list) {
      if (!m.is_string() || m.get<std::string>().empty()) {
        return Status::InvalidArgument(std::string("ruleset .measures.") + name + ": measures are non-empty strings");
      }
      r->measures[l].push_back(m.get<std::string>());
    }
  }
  return Status::Ok();
}

Status ParseThresholds(const json& doc, Ruleset* r) {
  ASSIGN_OR_RETURN(const json* days, Member(doc, "", "objection_window_working_days"));
  ASSIGN_OR_RETURN(r->objection_window_working_days, Months(doc, ".objection_window_working_days", *days, 60));
  ASSIGN_OR_RETURN(const json* serious, Member(doc, "", "serious_list"));
  RULE_INT(r->serious_default_term_months, *serious, ".serious_list", "default_term_months", kRuleMonthsMax);
  RULE_INT(r->serious_early_exit_after_months, *serious, ".serious_list", "early_exit_after_months", kRuleMonthsMax);
  ASSIGN_OR_RETURN(const json* ineligible, Member(doc, "", "notification_ineligibility"));
  RULE_INT(r->false_commitment_ineligible_months, *ineligible, ".notification_ineligibility", "false_commitment_months",
           kRuleMonthsMax);
  ASSIGN_OR_RETURN(const json* watch, Member(doc, "", "watch_list"));
  RULE_INT(r->watch_general_penalties, *watch, ".watch_list", "general_penalties", 100);
  RULE_INT(r->watch_breached_commitments, *watch, ".watch_list", "breached_commitments", 100);
  RULE_INT(r->watch_window_months, *watch, ".watch_list", "window_months", kRuleMonthsMax);
  ASSIGN_OR_RETURN(const json* government, Member(doc, "", "government_dishonesty"));
  RULE_INT(r->payment_overdue_days, *government, ".government_dishonesty", "payment_overdue_days", 3650);
  ASSIGN_OR_RETURN(const json* red, Member(doc, "", "red_list"));
  RULE_INT(r->red_fulfilled_commitments, *red, ".red_list", "fulfilled_commitments", 100);
  RULE_INT(r->red_window_months, *red, ".red_list", "window_months", kRuleMonthsMax);
  return Status::Ok();
}

}  // namespace

Result<Ruleset> ParseRuleset(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::InvalidArgument("ruleset: not a JSON object");
  Ruleset r;
  ASSIGN_OR_RETURN(const json* version, Member(doc, "", "version"));
  if (!version->is_string() || version->get<std::string>().empty()) {
    return Status::InvalidArgument("ruleset .version: must be a non-empty string");
  }
  r.version = version->get<std::string>();
  RETURN_IF_ERROR(ParsePeriods(doc, &r));
  RETURN_IF_ERROR(ParseThresholds(doc, &r));
  RETURN_IF_ERROR(ParseMeasures(doc, &r));
  return r;
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
