// Texts that people read, in the two languages the console and the command line speak: Chinese
// for the people a credit office serves, English beside it for scripts and for readers who
// switch. Projections say each derived fact in both, so no view has to translate a sentence
// it did not write.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace creditlog::projections {

struct Words {
  std::string en;
  std::string zh;
};

// The display name of a rule id as projections name them (e.g. "watch_list.general_penalties"),
// in Chinese and English; a rule this build does not know is named by its id in both.
Words RuleName(std::string_view rule);
bool IsKnownRule(std::string_view rule);
std::vector<std::string_view> KnownRules();  // in the order of the catalogue

}  // namespace creditlog::projections
