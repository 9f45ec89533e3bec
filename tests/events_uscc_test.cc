#include <catch2/catch.hpp>

#include "events/uscc.h"

using namespace creditlog;
using namespace creditlog::events;

TEST_CASE("Published USCCs of well-known enterprises validate", "[uscc]") {
  // Printed on the companies' public registrations: Huawei Technologies (Shenzhen),
  // Shenzhen Tencent Computer Systems, Alibaba (China).
  for (const char* code : {"914403001922038216", "91440300708461136T", "91330100716105852F"}) {
    INFO(code);
    REQUIRE(ValidateUscc(code, false).ok());
    REQUIRE_FALSE(UsccCheckFails(code));
    REQUIRE(UsccCheckCharacter(std::string_view(code, 17)) == code[17]);
    REQUIRE(OrganisationCodeCheckCharacter(std::string_view(code + 8, 8)) == code[16]);
  }
}

TEST_CASE("MakeUscc computes both check characters", "[uscc]") {
  const std::string code = MakeUscc("91", "370202", "MA3C4D5E");
  REQUIRE(code.size() == 18);
  REQUIRE(code.substr(0, 16) == "91370202MA3C4D5E");
  REQUIRE(ValidateUscc(code, false).ok());
  REQUIRE(UsccDivision(code) == "370202");
}

TEST_CASE("A wrong 18th check character is rejected naming the expected one", "[uscc]") {
  std::string code = "914403001922038216";
  code[17] = '7';
  Status s = ValidateUscc(code, false);
  REQUIRE(s.code() == StatusCode::kInvalidArgument);
  REQUIRE_THAT(s.message(), Catch::Contains("position 18") && Catch::Contains("expected '6'") &&
                                Catch::Contains("uscc_override"));
  REQUIRE(UsccCheckFails(code));
  REQUIRE(ValidateUscc(code, /*allow_failed_check=*/true).ok());
}

TEST_CASE("A wrong organisation-code check character is rejected at position 17", "[uscc]") {
  std::string code = "914403001922038216";
  code[16] = '2';
  code[17] = UsccCheckCharacter(std::string_view(code).substr(0, 17));  // the 18th still holds
  Status s = ValidateUscc(code, false);
  REQUIRE_THAT(s.message(), Catch::Contains("position 17"));
}

TEST_CASE("Malformed USCCs are rejected even with an override", "[uscc]") {
  REQUIRE_THAT(ValidateUscc("91440300192203821", true).message(), Catch::Contains("has 17 characters"));
  REQUIRE_THAT(ValidateUscc("9144030019220382I6", true).message(), Catch::Contains("position 17") && Catch::Contains("'I'"));
  REQUIRE_THAT(ValidateUscc("91A403001922038216", true).message(), Catch::Contains("position 3"));
  REQUIRE_THAT(ValidateUscc("914403001922038216\n", true).message(), Catch::Contains("19 characters"));
}
