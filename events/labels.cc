#include "events/labels.h"

namespace creditlog::events {
namespace {

// Labels marked "console" are web/i18n.js's; the others are named here first (the console
// shows no label for them) and follow the schema's comments.
constexpr EnumLabel kLabels[] = {
    {"SubjectKind", "Enterprise", "企业", ""},
    {"SubjectKind", "IndividualBusiness", "个体工商户", ""},
    {"SubjectKind", "PublicBody", "机关事业单位", "机关"},
    {"SubjectKind", "SocialOrganisation", "社会组织", ""},
    {"SubjectKind", "CivilServant", "公务员", ""},
    // console
    {"CommitmentType", "ApprovalSubstitute", "审批替代型（告知承诺）", "告知承诺"},
    {"CommitmentType", "IncompleteAcceptance", "容缺受理型", "容缺受理"},
    {"CommitmentType", "Voluntary", "主动型", ""},
    {"CommitmentType", "IndustrySelfDiscipline", "行业自律型", ""},
    {"CommitmentType", "CreditRepair", "信用修复型", ""},
    {"CommitmentType", "GovernmentService", "政务服务承诺", ""},
    // console
    {"Severity", "Minor", "轻微", ""},
    {"Severity", "General", "一般", ""},
    {"Severity", "Serious", "严重", ""},
    // console
    {"Discretion", "Standard", "标准", ""},
    {"Discretion", "NoPenalty", "不予处罚", "不予"},
    {"Discretion", "Mitigated", "减轻处罚", "减轻"},
    {"Discretion", "Lighter", "从轻处罚", "从轻"},
    {"Discretion", "Heavier", "从重处罚", "从重"},
    // console
    {"ListKind", "SeriousDishonesty", "严重失信主体名单", ""},
    {"ListKind", "Watch", "重点关注名单", ""},
    {"ListKind", "NotificationIneligible", "告知承诺不适用名单", ""},
    {"ListKind", "GovernmentDishonesty", "政务失信名单", ""},
    {"ListKind", "Red", "守信激励名单", ""},
    {"IntegrityEntryType", "Untyped", "未分类", ""},
    {"IntegrityEntryType", "Commitment", "承诺", ""},
    {"IntegrityEntryType", "Sanction", "处分", ""},
    {"IntegrityEntryType", "Assessment", "年度考核", ""},
    {"IntegrityEntryType", "Dishonesty", "失信记录", ""},
    {"IntegrityEntryType", "Commendation", "诚信褒奖", ""},
    {"SanctionKind", "Unspecified", "未注明", ""},
    {"SanctionKind", "Warning", "警告", ""},
    {"SanctionKind", "Demerit", "记过", ""},
    {"SanctionKind", "MajorDemerit", "记大过", ""},
    {"SanctionKind", "Demotion", "降级", ""},
    {"SanctionKind", "Dismissal", "撤职", ""},
    {"SanctionKind", "Expulsion", "开除", ""},
    {"AssessmentGrade", "Unspecified", "未注明", ""},
    {"AssessmentGrade", "Excellent", "优秀", ""},
    {"AssessmentGrade", "Competent", "称职", ""},
    {"AssessmentGrade", "BasicallyCompetent", "基本称职", ""},
    {"AssessmentGrade", "Incompetent", "不称职", ""},
    {"ServiceChannel", "Window", "窗口", ""},
    {"ServiceChannel", "Online", "网上", ""},
    {"ServiceChannel", "Phone", "电话", ""},
    {"ServiceChannel", "SelfService", "自助终端", ""},
};

}  // namespace

std::span<const EnumLabel> EnumLabels() { return kLabels; }

std::string_view ChineseLabel(std::string_view enum_name, std::string_view value) {
  for (const EnumLabel& label : kLabels) {
    if (label.enum_name == enum_name && label.value == value) return label.chinese;
  }
  return {};
}

std::optional<std::string_view> ValueFromChinese(std::string_view enum_name, std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (const EnumLabel& label : kLabels) {
    if (label.enum_name == enum_name && (label.chinese == text || label.short_form == text)) return label.value;
  }
  return std::nullopt;
}

}  // namespace creditlog::events
