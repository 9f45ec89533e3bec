// Interned text (projections/interned.h): one copy per distinct value, read as the string.
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "projections/interned.h"

using creditlog::projections::Interned;

TEST_CASE("Equal interned texts share one copy, from any thread, and read as their text", "[interned]") {
  const Interned agency("11370200MB0000000Y"), same(std::string("11370200MB0000000Y")), other("11370200MB0000001Y");
  CHECK(&agency.str() == &same.str());  // one copy
  CHECK(agency == same);
  CHECK_FALSE(agency == other);
  CHECK(agency == std::string_view("11370200MB0000000Y"));
  CHECK(agency == std::string("11370200MB0000000Y"));
  CHECK(agency < other);
  CHECK(Interned().empty());
  CHECK(&Interned().str() == &Interned("").str());
  CHECK("机关 " + agency == "机关 11370200MB0000000Y");
  CHECK(nlohmann::json{{"agency", agency}}.dump() == R"({"agency":"11370200MB0000000Y"})");

  // Threads interning the same texts at once get the same copies.
  constexpr int kThreads = 4, kTexts = 2000;
  std::vector<std::vector<const std::string*>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &seen] {
      for (int i = 0; i < kTexts; ++i) seen[t].push_back(&Interned("事项 " + std::to_string(i)).str());
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 1; t < kThreads; ++t) CHECK(seen[t] == seen[0]);
  CHECK(*seen[0][1999] == "事项 1999");
}
