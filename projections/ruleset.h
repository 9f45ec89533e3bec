// Rules as data: the ruleset document (projections/default_ruleset.json is the default one,
// described in docs/projections.md), parsed and checked, and the history of rulesets adopted.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "events/event_generated.h"
#include "projections/calendar.h"
#include "projections/words.h"

namespace creditlog::projections {

inline constexpr int kListKinds = static_cast<int>(fb::ListKind::MAX) + 1;
inline constexpr int kSeverities = static_cast<int>(fb::Severity::MAX) + 1;
inline constexpr int kRuleMonthsMax = 120;  // no period in a ruleset may exceed ten years
inline constexpr size_t kRuleNameMaxBytes = 200;  // a rule's display name, in either language
inline constexpr int kCommitmentTypes = static_cast<int>(fb::CommitmentType::MAX) + 1;
inline constexpr int kVerificationDaysMax = 3650;      // a verification period of at most ten years
inline constexpr size_t kMeasureTextMaxBytes = 500;    // a measure's basis, department or scope
inline constexpr size_t kMeasureCatalogueMax = 200;    // measures a ruleset describes
inline constexpr int kRatingBadMax = 4;                // a 差评 is at most 4 stars of 5

struct Period {
  int min_months = 0;
  int max_months = 0;
};

// What a joint reward or punishment (联合奖惩措施) is: ruleset data, so that a department can ask
// whether it may grant something (GET /v1/subjects/{id}/check?action=…).
struct MeasureDetail {
  std::string en;          // its English name
  std::string scope;       // the action it concerns, e.g. 政府采购, 财政资金, 告知承诺, 评优评先
  std::string basis;       // its legal basis
  std::string department;  // who implements it
  bool incentive = false;  // a reward (守信激励) rather than a restriction
};

// The accepting agency's duty to verify a commitment of one kind (先证后核, 谁审批谁监管): within
// `within_days` days of the commitment being made, for `sampling_percent` of them (100: every one).
struct VerificationDuty {
  int within_days = 0;
  int sampling_percent = 0;  // 0: no duty
};

// Every key of a ruleset document has a default, written here and in docs/format.md, and frozen
// when the key is added: a ruleset recorded before a key existed keeps its meaning for ever.
// Keys are only ever added; a key this build does not know is refused.
struct Ruleset {
  std::string version;
  std::vector<std::string> sources;                     // the regulations it rests on
  std::array<Period, kSeverities> penalty_publicity{{{0, 3}, {3, 12}, {12, 36}}};  // by fb::Severity
  int objection_window_working_days = 5;
  int serious_default_term_months = 36;
  int serious_max_term_months = 36;
  int serious_early_exit_after_months = 12;
  int false_commitment_ineligible_months = 12;
  int watch_general_penalties = 2;
  int watch_breached_commitments = 1;
  int watch_window_months = 12;
  int payment_overdue_days = 30;
  int red_fulfilled_commitments = 3;
  int red_window_months = 36;
  // How long a civil servant's integrity file is kept after its latest entry before it is due
  // for erasure (docs/privacy.md, "Retention"): five years, as 征信业管理条例 Art. 16 keeps
  // negative information about individuals.
  int retention_civil_servant_files_months = 60;
  std::array<std::vector<std::string>, kListKinds> measures{{
      {"限制参与政府采购", "限制申请财政资金", "不适用告知承诺", "提高抽查比例"},
      {"提高抽查比例"},
      {"不适用告知承诺"},
      {"限制申请财政资金", "约谈主要负责人"},
      {"容缺受理", "绿色通道", "减少抽查"}}};  // by fb::ListKind
  Calendar calendar;  // without one: Monday–Friday
  // Display names of rules ({"rule id": {"zh": …, "en": …}}) in place of the built-in ones
  // (projections/words.cc); a ruleset without the key uses those.
  std::map<std::string, Words> rule_names;
  // What each measure is ({"measure": {"en", "scope", "basis", "department", "incentive"}}), in
  // place of the built-in catalogue's entry for it (MeasureCatalogue below).
  std::map<std::string, MeasureDetail, std::less<>> measure_catalogue;
  // By fb::CommitmentType: the accepting agency's verification duty (docs/projections.md).
  std::array<VerificationDuty, kCommitmentTypes> verification{{{60, 100}, {30, 100}, {180, 10}, {180, 5}, {90, 100}, {0, 0}}};
  // An objection to a record is handled within this many working days of its filing.
  int objection_handling_working_days = 10;
  // 好差评: a rating of at most this many stars is a 差评, rectified within so many working days.
  int service_bad_rating_max = 2;
  int service_rectification_working_days = 15;

  // This ruleset's name for a rule, else the built-in one; null for a rule this build does not
  // know. It lives as long as the ruleset.
  const Words* NameOf(std::string_view rule) const;
  // This ruleset's description of a measure, else the built-in one; null for a measure neither
  // describes. It lives as long as the ruleset.
  const MeasureDetail* DetailOf(std::string_view measure) const;
};

// The built-in description of the measures the default ruleset names (projections/ruleset.cc).
const std::map<std::string, MeasureDetail, std::less<>>& MeasureCatalogue();

// Parses a ruleset document. InvalidArgument naming the key at fault (an unknown key too).
Result<Ruleset> ParseRuleset(std::string_view json);
std::string_view DefaultRulesetJson();

// The default ruleset's adoption as `init` records it: the RulesetAdopted event (JSON, to be
// signed by the root key), effective from kDefaultRulesetEffectiveDate: the day of
// 国办发〔2020〕49号, on which the default ruleset rests.
inline constexpr const char* kDefaultRulesetEffectiveDate = "2020-12-07";
std::string DefaultRulesetAdoptionJson();

// Rulesets adopted in the log, each from its effective date.
class RulesetHistory {
 public:
  struct Adopted {
    int64_t effective_day;
    uint64_t seq;
    Ruleset rules;
  };
  void Add(Adopted adopted);  // later adoptions with the same effective date win
  // The ruleset in force on `day`, or null if none was adopted by then.
  const Adopted* At(int64_t day) const;
  bool empty() const { return adopted_.empty(); }
  const std::vector<Adopted>& adopted() const { return adopted_; }  // for State::Digest

 private:
  std::vector<Adopted> adopted_;  // by effective_day, then seq
};

std::string_view ListName(fb::ListKind list);            // "SeriousDishonesty", …
std::string_view ListChineseName(fb::ListKind list);     // "严重失信主体名单", …
Result<fb::ListKind> ListFromName(std::string_view name);  // either form
// Whether a list is published (严重失信, 政务失信, 守信激励) or kept for officials (重点关注名单,
// 告知承诺 ineligibility), docs/privacy.md.
bool ListIsPublished(fb::ListKind list);

}  // namespace creditlog::projections
