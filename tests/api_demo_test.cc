// The demo generator gives every subject its own USCC: codes are drawn at random, and a draw
// that meets a code already issued (in this run, still waiting to be appended, or in an earlier
// run's history) is drawn again. Here the codes are made few so that draws meet within a few
// dozen subjects, as they do among a million subjects with the real 31^6 codes.
#include <catch2/catch.hpp>

#include <array>
#include <map>
#include <string>

#include "api/data_dir.h"
#include "api/tools/demo.h"
#include "api/views.h"
#include "events/event.h"
#include "ledger/entry.h"
#include "projections/build.h"
#include "projections/duties.h"
#include "projections/evaluate.h"
#include "projections/integrity.h"
#include "run_binary.h"
#include "temp_dir.h"

namespace creditlog::testing {
namespace {

constexpr const char* kPassphrase = "demo-test-passphrase";
constexpr const char* kToday = "2026-11-30";

struct DemoLedger {
  TempDir dir;
  std::string data = dir.path() + "/data";
  std::unique_ptr<ledger::Ledger> ledger;

  DemoLedger() {
    ::setenv("CREDITLOG_PASSPHRASE", kPassphrase, 1);
    Run init = RunCommand("init --data " + data + " --origin demo.creditlog.example/log");
    REQUIRE(init.exit_code == 0);
    auto opened = api::OpenForWriting(data, kPassphrase);
    REQUIRE(opened.ok());
    ledger = std::move(*opened);
  }

  api::DemoOptions Options(uint64_t subjects, uint64_t codes) const {
    api::DemoOptions options;
    options.data = data;
    options.subjects = subjects;
    options.today = kToday;
    options.quiet = true;
    options.uscc_codes = codes;
    return options;
  }

  // How many times each subject was registered.
  std::map<std::string, int> Registrations() const {
    std::map<std::string, int> count;
    REQUIRE(ledger->ForEachEntryView(0, ledger->size(), [&](const ledger::EntryView& view, ByteView) {
      const auto* event = view.envelope.event;
      if (event->body_type() == fb::EventBody::SubjectRegistered) ++count[event->subject()->str()];
      return Status::Ok();
    }).ok());
    return count;
  }
};

int MostRegistrations(const std::map<std::string, int>& count) {
  int most = 0;
  for (const auto& [subject, n] : count) most = std::max(most, n);
  return most;
}

TEST_CASE("demo: a USCC drawn twice is drawn again and no subject is registered twice", "[demo]") {
  DemoLedger d;
  constexpr uint64_t kSubjects = 40;
  constexpr uint64_t kCodes = 16;  // per registration type and division: draws meet within a run

  auto first = api::RunDemo(*d.ledger, d.Options(kSubjects, kCodes), kPassphrase);
  REQUIRE(first.ok());
  CHECK(first->run == 0);
  CHECK(first->uscc_redraws > 0);
  auto count = d.Registrations();
  CHECK(MostRegistrations(count) == 1);
  const size_t after_first = count.size();

  // A second run on the same ledger: its draws meet the first run's subjects, now in the log.
  auto second = api::RunDemo(*d.ledger, d.Options(kSubjects, kCodes), kPassphrase);
  REQUIRE(second.ok());
  CHECK(second->run == 1);
  CHECK(second->uscc_redraws > 0);
  count = d.Registrations();
  CHECK(MostRegistrations(count) == 1);
  CHECK(count.size() >= after_first + kSubjects);
}

TEST_CASE("demo: when every code is taken the run stops with an error naming the division", "[demo]") {
  DemoLedger d;
  const uint64_t size_before = d.ledger->size();
  auto run = api::RunDemo(*d.ledger, d.Options(40, 1), kPassphrase);  // one code per type and division
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kConflict);
  CHECK(run.status().message().find("no unused USCC for registration type") != std::string::npos);
  CHECK(run.status().message().find("in division 3702") != std::string::npos);
  // What it recorded before stopping is valid history with no subject registered twice.
  CHECK(d.ledger->size() >= size_before);
  CHECK(MostRegistrations(d.Registrations()) == 1);
}

TEST_CASE("demo: runs of different seeds on one ledger record their own ids and each run completes", "[demo]") {
  DemoLedger d;
  constexpr uint64_t kSubjects = 300;  // enough for contracts, notices and service cases in both runs
  auto first = api::RunDemo(*d.ledger, d.Options(kSubjects, api::kDemoUsccCodes), kPassphrase);
  REQUIRE(first.ok());
  api::DemoOptions other = d.Options(kSubjects, api::kDemoUsccCodes);
  other.seed = api::kDemoSeedDefault + 1;
  // Its first run is run 0 of its seed, as the default seed's was: ids that named the run alone
  // met the first run's (a contract already recorded) and stopped it halfway.
  auto second = api::RunDemo(*d.ledger, other, kPassphrase);
  REQUIRE(second.ok());
  CHECK(first->run == 0);
  CHECK(second->run == 0);
  std::map<std::string, int> contracts;
  size_t seeded = 0;
  REQUIRE(d.ledger->ForEachEntryView(0, d.ledger->size(), [&](const ledger::EntryView& view, ByteView) {
    const auto* event = view.envelope.event;
    if (event->body_type() == fb::EventBody::ContractSigned) {
      const std::string id = event->body_as_ContractSigned()->contract_id()->str();
      ++contracts[id];
      seeded += id.starts_with("HT-S2.0-") ? 1 : 0;
    }
    return Status::Ok();
  }).ok());
  CHECK(seeded > 0);                       // the second run's contracts name its seed
  CHECK(seeded < contracts.size());        // the first run's do not (ids as they were)
  CHECK(MostRegistrations(contracts) == 1);
  CHECK(MostRegistrations(d.Registrations()) == 1);
}

TEST_CASE("demo: a subject MayBeListed passes over is on no such list on any day of four years", "[demo][lists]") {
  DemoLedger d;
  constexpr uint64_t kSubjects = 400;  // enough for members of every list on some day
  REQUIRE(api::RunDemo(*d.ledger, d.Options(kSubjects, api::kDemoUsccCodes), kPassphrase).ok());
  auto state = projections::BuildState(*d.ledger, d.ledger->size());
  REQUIRE(state.ok());
  constexpr size_t kKinds = static_cast<size_t>(fb::ListKind::MAX) + 1;
  std::array<size_t, kKinds> members{}, passed_over{};
  const projections::Day today = events::DaysFromDate(kToday);
  constexpr projections::Day kStepDays = 17;  // every 17th day from three years back to one ahead
  size_t wrong = 0;
  for (const auto& [id, subject] : state->subjects()) {
    std::array<bool, kKinds> may{};
    for (size_t k = 0; k < kKinds; ++k) {
      may[k] = projections::MayBeListed(subject, static_cast<fb::ListKind>(k));
      passed_over[k] += may[k] ? 0 : 1;
    }
    for (projections::Day day = today - 3 * 365; day <= today + 365; day += kStepDays) {
      auto profile = projections::Evaluate(*state, subject, day);
      if (!profile.ok()) continue;  // before the demo's ruleset
      for (const projections::Membership& m : profile->lists) {
        const auto k = static_cast<size_t>(m.list);
        ++members[k];
        if (!may[k]) {
          ++wrong;
          UNSCOPED_INFO(id << " is on " << projections::ListName(m.list) << " on " << events::DateFromDays(day));
        }
      }
    }
  }
  CHECK(wrong == 0);
  for (size_t k = 0; k < kKinds; ++k) {
    INFO(projections::ListName(static_cast<fb::ListKind>(k)));
    CHECK(members[k] > 0);      // the check met members of each list
    CHECK(passed_over[k] > 0);  // and subjects the list passes over
  }
}

TEST_CASE("demo: the board and the verifications due read alike through the index's array and the map", "[demo]") {
  // State::ForEachSubject walks the search index's array in a searchable state and the map in
  // one that keeps no index; answers built on it must not depend on which.
  DemoLedger d;
  REQUIRE(api::RunDemo(*d.ledger, d.Options(400, api::kDemoUsccCodes), kPassphrase).ok());
  auto state = projections::BuildState(*d.ledger, d.ledger->size());
  REQUIRE(state.ok());
  REQUIRE(state->searchable());
  const projections::State by_map(*state, projections::Searchable::kNo);
  const projections::Day today = events::DaysFromDate(kToday);
  size_t ranked = 0, failures = 0, due = 0;
  for (projections::Day day : {today - 400, today - 30, today}) {
    const auto board = projections::IntegrityBoard(*state, day);
    CHECK(api::DumpJson(api::IntegrityJson(board, day)) == api::DumpJson(api::IntegrityJson(projections::IntegrityBoard(by_map, day), day)));
    ranked += board.size();
    for (const auto& row : board) failures += row.failures.size();
    auto ids = [](const std::vector<projections::DueVerification>& all) {
      std::vector<std::string> out;
      for (const auto& v : all) out.push_back(v.subject->id + " " + v.commitment->id + " " + std::to_string(v.due_by) + (v.overdue ? " overdue" : ""));
      return out;
    };
    const auto owed = projections::DueVerifications(*state, "", day);
    CHECK(ids(owed) == ids(projections::DueVerifications(by_map, "", day)));
    due += owed.size();
  }
  CHECK(ranked > 0);
  CHECK(failures > 0);
  CHECK(due > 0);
}

TEST_CASE("demo: a board kept and counted again for the subjects each step changed is the board counted whole", "[demo]") {
  // projections::IntegrityTally: a tally made part-way through a demo city's log and updated in
  // steps with State::ChangedSince gives, after each step, the board a fresh count gives.
  DemoLedger d;
  REQUIRE(api::RunDemo(*d.ledger, d.Options(400, api::kDemoUsccCodes), kPassphrase).ok());
  const uint64_t size = d.ledger->size();
  const uint64_t start = size / 3;
  auto state = projections::BuildState(*d.ledger, start);
  REQUIRE(state.ok());
  const projections::Day today = events::DaysFromDate(kToday);
  std::vector<projections::IntegrityTally> tallies;
  for (projections::Day day : {today - 400, today}) tallies.emplace_back(*state, day);
  size_t steps = 0, counted = 0;
  for (uint64_t at = start; at < size;) {
    const uint64_t before = state->applied();
    at = std::min(size, at + 1 + at / 7);
    REQUIRE(projections::CatchUp(*d.ledger, at, &*state).ok());
    std::vector<std::string_view> changed;
    REQUIRE(state->ChangedSince(before, &changed));
    counted += changed.size();
    ++steps;
    for (projections::IntegrityTally& tally : tallies) {
      tally.Update(*state, changed);
      INFO("step " << steps << " to " << at << " on " << events::DateFromDays(tally.day()));
      CHECK(api::DumpJson(api::IntegrityJson(tally.Board(*state), tally.day())) ==
            api::DumpJson(api::IntegrityJson(projections::IntegrityBoard(*state, tally.day()), tally.day())));
    }
  }
  CHECK(steps > 3);
  CHECK(counted < steps * 400);  // each step counted again only what it changed
  const auto board = tallies.back().Board(*state);
  CHECK(!board.empty());
  size_t failures = 0;
  for (const auto& row : board) failures += row.failures.size();
  CHECK(failures > 0);
}

}  // namespace
}  // namespace creditlog::testing
