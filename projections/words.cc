#include "projections/words.h"

#include <array>
#include <cstdio>
#include <utility>

namespace creditlog::projections {
namespace {

struct Named {
  std::string_view rule, zh, en;
};

// Every rule id a projection gives a derived fact (projections/evaluate.cc). A test walks the
// rules a demo ledger derives and fails on one missing here.
constexpr std::array kRuleNames = {
    Named{"serious_list.decision", "严重失信名单：认定决定", "Serious list: listing decision"},
    Named{"serious_list.decision+default_term_months", "严重失信名单：认定决定（默认期限）",
          "Serious list: listing decision, default term"},
    Named{"serious_list.notice", "严重失信名单：须先告知", "Serious list: a notice must come first"},
    Named{"serious_list.due_process", "严重失信名单：异议期与异议处理", "Serious list: objection window and objections"},
    Named{"serious_list.max_term_months", "严重失信名单：最长期限", "Serious list: maximum term"},
    Named{"serious_list.repair", "严重失信名单：信用修复条件", "Serious list: conditions of a repair"},
    Named{"watch_list.general_penalties", "重点关注名单：一般行政处罚次数", "Watch list: general penalties"},
    Named{"watch_list.breached_commitments", "重点关注名单：承诺违约次数", "Watch list: breached commitments"},
    Named{"watch_list.general_penalties+breached_commitments", "重点关注名单：一般行政处罚与承诺违约",
          "Watch list: general penalties and breached commitments"},
    Named{"notification_ineligibility.serious_penalty", "告知承诺不适用：严重行政处罚",
          "Notification ineligibility: serious penalty"},
    Named{"notification_ineligibility.false_commitment", "告知承诺不适用：虚假承诺",
          "Notification ineligibility: false commitment"},
    Named{"notification_ineligibility.serious_list", "告知承诺不适用：严重失信名单",
          "Notification ineligibility: serious list"},
    Named{"government_dishonesty.payment_overdue", "政务失信：逾期未支付款项", "Government dishonesty: payment overdue"},
    Named{"government_dishonesty.arrears_recorded", "政务失信：拖欠认定", "Government dishonesty: arrears recorded"},
    Named{"government_dishonesty.breached_commitment", "政务失信：政务服务承诺违约",
          "Government dishonesty: breached commitment"},
    Named{"red_list", "守信激励名单：履约记录", "Red list: commitments kept"},
    Named{"grade.A", "信用等级 A：守信激励名单", "Grade A: on the red list"},
    Named{"grade.B", "信用等级 B：未列入名单", "Grade B: no list applies"},
    Named{"grade.C", "信用等级 C：重点关注名单", "Grade C: on the watch list"},
    Named{"grade.C.serious_penalty", "信用等级 C：未修复的严重行政处罚", "Grade C: unrepaired serious penalty"},
    Named{"grade.C.general_penalty", "信用等级 C：未修复的一般行政处罚", "Grade C: unrepaired general penalty"},
    Named{"grade.D", "信用等级 D：严重失信名单", "Grade D: on the serious list"},
    Named{"grade.D.government_dishonesty", "信用等级 D：政务失信", "Grade D: government dishonesty"},
    Named{"integrity.verification_overdue", "政务诚信：承诺核查逾期（谁审批谁监管）",
          "Government integrity: commitments not verified in time"},
    Named{"integrity.objection_overdue", "政务诚信：异议处理逾期", "Government integrity: objections not handled in time"},
    Named{"integrity.rectification_overdue", "政务诚信：差评整改逾期", "Government integrity: bad ratings not rectified in time"},
    Named{"commitment.incomplete_acceptance_lapsed", "容缺受理：逾期未补齐材料", "Incomplete acceptance: materials not supplied in time"},
    Named{"civil_servant.sanction_period", "公务员处分：处分期间不得晋升", "Civil servant: no promotion during a sanction"},
    Named{"check.restricted", "联合惩戒：限制办理", "Joint punishment: restricted"},
    Named{"check.allowed", "联合奖惩：无限制", "Joint rewards and punishments: no restriction"},
};

}  // namespace

const Words* FindRuleName(std::string_view rule) {
  // Made once, so that every derived fact points at its name instead of copying it.
  static const std::vector<std::pair<std::string_view, Words>> kWords = [] {
    std::vector<std::pair<std::string_view, Words>> out;
    for (const Named& n : kRuleNames) out.push_back({n.rule, Words{std::string(n.en), std::string(n.zh)}});
    return out;
  }();
  for (const auto& [id, words] : kWords) {
    if (id == rule) return &words;
  }
  return nullptr;
}

Words RuleName(std::string_view rule) {
  const Words* found = FindRuleName(rule);
  return found != nullptr ? *found : Words{std::string(rule), std::string(rule)};
}

bool IsKnownRule(std::string_view rule) { return FindRuleName(rule) != nullptr; }

std::string YuanText(int64_t fen) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%lld.%02lld", static_cast<long long>(fen / 100), static_cast<long long>(fen % 100));
  return buffer;
}

}  // namespace creditlog::projections

namespace creditlog::projections {

std::vector<std::string_view> KnownRules() {
  std::vector<std::string_view> out;
  for (const Named& n : kRuleNames) out.push_back(n.rule);
  return out;
}

namespace {

// 1 … 9999: `leading` when it is the number's highest section (十一, not 一十一).
std::string Section(uint64_t n, bool leading) {
  static constexpr const char* kDigits[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  static constexpr const char* kUnits[] = {"", "十", "百", "千"};
  const uint64_t digits[4] = {n % 10, n / 10 % 10, n / 100 % 10, n / 1000 % 10};
  int top = 3;
  while (top > 0 && digits[top] == 0) --top;
  std::string out;
  bool zero_pending = false;
  for (int i = top; i >= 0; --i) {
    if (digits[i] == 0) {
      zero_pending = !out.empty();
      continue;
    }
    if (zero_pending) out += kDigits[0];
    zero_pending = false;
    if (!(leading && i == 1 && digits[i] == 1 && top == 1)) out += kDigits[digits[i]];
    out += kUnits[i];
  }
  return out;
}

}  // namespace

std::string ChineseNumeral(uint64_t n) {
  if (n == 0 || n > kChineseNumeralMax) return std::to_string(n);
  const uint64_t high = n / 10000, low = n % 10000;
  if (high == 0) return Section(low, true);
  std::string out = Section(high, true) + "万";
  if (low == 0) return out;
  if (low < 1000) out += "零";  // 一万零五, 一万零一十
  return out + Section(low, false);
}

}  // namespace creditlog::projections
