#include "events/uscc.h"

#include <array>

#include "base/check.h"

namespace creditlog::events {
namespace {

// GB 32100-2015: weight of position i (0-based) is 3^i mod 31.
constexpr std::array<int, 17> kUsccWeights = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
// GB 11714: weights of the 8 body characters of an organisation code.
constexpr std::array<int, 8> kOrganisationWeights = {3, 7, 9, 10, 5, 8, 4, 2};
constexpr size_t kOrganisationStart = 8;  // 0-based position of the organisation code

int AlphabetIndex(char c) {
  const size_t i = kUsccAlphabet.find(c);
  return i == std::string_view::npos ? -1 : static_cast<int>(i);
}

// GB 11714 character values: digits 0–9, letters A=10 … Z=35.
int OrganisationValue(char c) { return c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10; }

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

char UsccCheckCharacter(std::string_view first17) {
  CREDITLOG_CHECK(first17.size() == 17);  // REQUIRES (events/uscc.h); ValidateUscc checks codes first
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    const int index = AlphabetIndex(first17[i]);
    CREDITLOG_CHECK(index >= 0);
    sum += index * kUsccWeights[i];
  }
  return kUsccAlphabet[(31 - sum % 31) % 31];
}

char OrganisationCodeCheckCharacter(std::string_view body8) {
  CREDITLOG_CHECK(body8.size() == 8);  // REQUIRES (events/uscc.h); ValidateUscc checks codes first
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) {
    CREDITLOG_CHECK(AlphabetIndex(body8[i]) >= 0);
    sum += OrganisationValue(body8[i]) * kOrganisationWeights[i];
  }
  const int check = 11 - sum % 11;
  if (check == 10) return 'X';
  if (check == 11) return '0';
  return static_cast<char>('0' + check);
}

std::string MakeUscc(std::string_view registration, std::string_view division, std::string_view organisation_body) {
  // REQUIRES (events/uscc.h): 2 + 6 + 8 characters; the check-character functions check the alphabet.
  CREDITLOG_CHECK(registration.size() == 2 && division.size() == 6 && organisation_body.size() == 8);
  std::string code;
  code.append(registration).append(division).append(organisation_body);
  code.push_back(OrganisationCodeCheckCharacter(organisation_body));
  code.push_back(UsccCheckCharacter(code));
  return code;
}

static Status CheckStructure(std::string_view code) {
  if (code.size() != kUsccLength) {
    return Status::InvalidArgument(Quoted(code) + " has " + std::to_string(code.size()) +
                                   " characters; a USCC has 18");
  }
  for (size_t i = 0; i < code.size(); ++i) {
    if (AlphabetIndex(code[i]) < 0) {
      return Status::InvalidArgument(Quoted(code) + " position " + std::to_string(i + 1) + ": '" +
                                     std::string(1, code[i]) + "' is not a USCC character (0-9 and A-Y without I, O, S, V, Z)");
    }
  }
  for (size_t i = 2; i < 8; ++i) {
    if (code[i] < '0' || code[i] > '9') {
      return Status::InvalidArgument(Quoted(code) + " position " + std::to_string(i + 1) +
                                     ": the administrative division (positions 3-8) must be digits");
    }
  }
  return Status::Ok();
}

bool UsccCheckFails(std::string_view code) {
  if (!CheckStructure(code).ok()) return false;
  return OrganisationCodeCheckCharacter(code.substr(kOrganisationStart, 8)) != code[16] ||
         UsccCheckCharacter(code.substr(0, 17)) != code[17];
}

Status ValidateUscc(std::string_view code, bool allow_failed_check) {
  RETURN_IF_ERROR(CheckStructure(code));
  if (allow_failed_check) return Status::Ok();
  const char organisation = OrganisationCodeCheckCharacter(code.substr(kOrganisationStart, 8));
  if (organisation != code[16]) {
    return Status::InvalidArgument(Quoted(code) + " position 17: organisation code check character is '" +
                                   std::string(1, code[16]) + "', expected '" + std::string(1, organisation) +
                                   "' (list the code in uscc_override with a reason to accept an early pilot code)");
  }
  const char check = UsccCheckCharacter(code.substr(0, 17));
  if (check != code[17]) {
    return Status::InvalidArgument(Quoted(code) + " position 18: check character is '" + std::string(1, code[17]) +
                                   "', expected '" + std::string(1, check) +
                                   "' (list the code in uscc_override with a reason to accept an early pilot code)");
  }
  return Status::Ok();
}

std::string_view UsccDivision(std::string_view code) {
  return code.size() == kUsccLength ? code.substr(2, kDivisionCodeLength) : std::string_view();
}

}  // namespace creditlog::events
