// Texts that people read, in the two languages the console and the command line speak: Chinese
// for the people a credit office serves, English beside it for scripts and for readers who
// switch. Projections say each derived fact in both, so no view has to translate a sentence
// it did not write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace creditlog::projections {

struct Words {
  std::string en;
  std::string zh;
};

// The display name of a rule id as projections name them (e.g. "watch_list.general_penalties"),
// in Chinese and English: the catalogue's, which lives as long as the program; null for a rule
// this build does not know.
const Words* FindRuleName(std::string_view rule);
// The same by value; a rule this build does not know is named by its id in both.
Words RuleName(std::string_view rule);
// "433000.00": an amount in fen as yuan with two decimals, as reasons and listings write it.
std::string YuanText(int64_t fen);
// 1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五, 1010 → 一千零一十, 12000 → 一万二千: numbers as
// official documents write them (一、 for sections, 第二十三中学). Zero and numbers past
// kChineseNumeralMax in Arabic digits.
inline constexpr uint64_t kChineseNumeralMax = 99999999;
std::string ChineseNumeral(uint64_t n);
bool IsKnownRule(std::string_view rule);
std::vector<std::string_view> KnownRules();  // in the order of the catalogue

}  // namespace creditlog::projections
