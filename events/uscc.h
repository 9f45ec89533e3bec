// Unified Social Credit Codes (统一社会信用代码, GB 32100-2015).
//
//   positions 1–2   registration authority and entity type (91 enterprise, 92 个体工商户, 11 机关…)
//   positions 3–8   administrative division (370200 Qingdao)
//   positions 9–17  organisation code (GB 11714), its own check character at 17
//   position  18    check character over 1–17
// Alphabet: 0123456789ABCDEFGHJKLMNPQRTUWXY (no I, O, S, V, Z).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace creditlog::events {

inline constexpr size_t kUsccLength = 18;
inline constexpr size_t kDivisionCodeLength = 6;  // positions 3–8
inline constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// The REQUIRES below are checked in every build (CREDITLOG_CHECK): these compute check
// characters for codes already known well-formed (ValidateUscc checks a code's structure
// first) or built by our own code (MakeUscc). Untrusted codes go through ValidateUscc.

// REQUIRES: first17 is 17 characters of kUsccAlphabet.
char UsccCheckCharacter(std::string_view first17);
// GB 11714 check character over the 8-character organisation code body ('0'..'9' or 'X').
// REQUIRES: body8 is 8 characters of kUsccAlphabet.
char OrganisationCodeCheckCharacter(std::string_view body8);

// Builds a valid USCC from its parts, computing both check characters.
// REQUIRES: 2 + 6 + 8 characters of kUsccAlphabet.
std::string MakeUscc(std::string_view registration, std::string_view division,
                     std::string_view organisation_body);

// OK for a well-formed code whose check characters hold. With `allow_failed_check`,
// a code whose only fault is a check character (18th or GB 11714 17th) is accepted.
// InvalidArgument otherwise, naming the position and the character at fault.
Status ValidateUscc(std::string_view code, bool allow_failed_check);

// True if the code is well-formed but a check character fails.
bool UsccCheckFails(std::string_view code);

// The 6-character administrative division (positions 3–8); "" unless code has 18 chars.
std::string_view UsccDivision(std::string_view code);

}  // namespace creditlog::events
