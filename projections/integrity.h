// The government-integrity board (政务诚信): public bodies compared on keeping their own
// promises — government commitments fulfilled, commitments overdue, contract arrears, service
// ratings — and ranked.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "projections/civil_servant.h"
#include "projections/state.h"
#include "projections/words.h"

namespace creditlog::projections {

struct IntegrityRow {
  std::string subject;
  std::string name;
  int fulfilled = 0;
  int breached = 0;
  int overdue = 0;               // deadline passed, neither fulfilled nor breached
  double fulfilment_rate = 1.0;  // fulfilled / (fulfilled + breached + overdue); 1 when none are due
  int64_t arrears_fen = 0;       // due and unpaid
  int64_t arrears_days_max = 0;  // age of the oldest unpaid amount
  double rating_average = 0;
  size_t ratings = 0;
  int rank = 0;                  // 1 = best
  std::vector<uint64_t> seqs;    // the commitments and contracts behind the figures
  // Duties the body owes and has let pass (projections/duties.h), each a named rule:
  // integrity.verification_overdue (a commitment it accepted, not verified in time: 谁审批谁监管)
  // integrity.objection_overdue (an objection it handles, not handled in time) and
  // integrity.rectification_overdue (a 差评 of its service not rectified in time).
  struct Failure {
    std::string rule;
    int count = 0;
    std::vector<uint64_t> seqs;
    const Words* name = nullptr;
  };
  std::vector<Failure> failures;
  int failure_count() const;
  // Its civil servants' files, counted (projections/civil_servant.h); none below the minimum.
  std::optional<StaffRollUp> staff;
};

// Public bodies are SubjectRegistered as PublicBody or hold a USCC of authority 1 (机关,
// 事业单位). Ranked by fulfilment rate, then fewer failures, then smaller arrears, then higher rating, then USCC.
std::vector<IntegrityRow> IntegrityBoard(const State& state, Day as_of);

// The board on one day, kept between answers as each subject's share of it: its own row, if it is
// a public body; the duties its records show a body to have let pass; its civil servant's file,
// counted for its employer. Update counts again only the subjects it is given (those entries
// changed since, State::ChangedSince), so a kept board follows the log at the cost of what each
// entry touches. Board gives what a tally counted afresh from the same state gives.
class IntegrityTally {
 public:
  IntegrityTally(const State& state, Day as_of);  // every subject counted
  Day day() const { return day_; }
  // Counts `changed` again as `state` holds them. REQUIRES: `state` is the state the tally was
  // made from, folded on (a subject's node stays where it is in it), in which no subject but these
  // has changed since the tally was made or last updated, and no ruleset has been adopted.
  void Update(const State& state, std::span<const std::string_view> changed);
  // Ranked. `state` gives the rules' names: the state counted, as for Update.
  std::vector<IntegrityRow> Board(const State& state) const;

 private:
  struct Owed {  // a duty a body let pass, seen in another subject's (or its own) records
    std::string agency;
    const char* rule = nullptr;
    std::vector<uint64_t> seqs;
  };
  using StaffFile = std::pair<std::string_view, StaffRollUp>;  // a civil servant's: employer, counts
  struct Share {  // one subject's share of the board
    std::optional<IntegrityRow> row;
    std::vector<Owed> owed;
    std::optional<StaffFile> file;
  };
  Share Count(const State& state, const SubjectState& s) const;

  Day day_;
  // Each subject's share, none for one that has none. Keyed by the subject's node, which stays
  // where it is in the state (as does its id, which a file's employer views).
  std::unordered_map<const SubjectState*, IntegrityRow> rows_;  // public bodies': without failures, staff or rank
  std::unordered_map<const SubjectState*, std::vector<Owed>> owed_;
  std::unordered_map<const SubjectState*, StaffFile> files_;
};

}  // namespace creditlog::projections
