// The Chinese names of the event schema's enum values: what a clerk calls them, so that event
// JSON may say "不予处罚" where the schema says NoPenalty, and an error can list both. The labels
// are the console's (web/i18n.js, e.g. 'discretion.NoPenalty': '不予处罚'; a test keeps them
// equal); a value may also have a short form, the one source systems' exports use (不予, 容缺受理).
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace creditlog::events {

struct EnumLabel {
  std::string_view enum_name;   // the schema's enum, e.g. "Discretion"
  std::string_view value;       // its value, e.g. "NoPenalty"
  std::string_view chinese;     // the label, e.g. "不予处罚"
  std::string_view short_form;  // another name accepted for it, e.g. "不予"; "" for none
};

// Every labelled value, enum by enum in the schema's order of values.
std::span<const EnumLabel> EnumLabels();

// The label of `value` of `enum_name`; "" when it has none.
std::string_view ChineseLabel(std::string_view enum_name, std::string_view value);

// The value of `enum_name` whose label or short form is exactly `text`; nullopt otherwise.
std::optional<std::string_view> ValueFromChinese(std::string_view enum_name, std::string_view text);

}  // namespace creditlog::events
