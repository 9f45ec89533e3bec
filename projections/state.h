// The facts of the credit system, folded from the log in order: per subject its commitments,
// contracts, penalties, due process and repairs, each remembering the seqs behind it.
// A pure function of the log: the same entries give the same state, byte for byte.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "events/event.h"
#include "projections/ruleset.h"

namespace creditlog::projections {

using Day = int64_t;  // days since 1970-01-01 (calendar dates in China Standard Time)

struct Commitment {
  std::string id;
  fb::CommitmentType type = fb::CommitmentType::ApprovalSubstitute;
  std::string matter;
  std::string accepting_agency;
  Day made = 0;
  Day deadline = 0;
  std::optional<Day> verified, breached, withdrawn;
  bool false_commitment = false;
  std::vector<uint64_t> seqs;
};

struct Penalty {
  std::string decision_number;
  std::string category;
  std::string content;
  std::string deciding_agency_name;
  fb::Severity severity = fb::Severity::Minor;
  Day decided = 0;
  int64_t fine_fen = 0;
  std::optional<Day> fulfilled, revoked, repaired;
  std::vector<uint64_t> seqs;
};

struct Notice {
  std::string id;
  fb::ListKind list = fb::ListKind::SeriousDishonesty;
  std::string reason;
  Day noticed = 0;
  Day objection_deadline = 0;
  std::vector<std::string> related;
  std::optional<Day> corrected;  // an objection against it was upheld
  std::vector<uint64_t> seqs;
};

struct SeriousListing {
  std::string id;
  std::string notice_id;
  std::string basis;
  Day decided = 0;
  Day term_end = 0;
  std::optional<Day> exited;
  std::string exit_reason;
  std::vector<uint64_t> seqs;
};

struct Contract {
  std::string id;
  std::string payer, payee;
  std::string title;
  int64_t amount_fen = 0;
  Day signed_on = 0;
  std::optional<Day> delivered;
  int term_days = 30;
  std::vector<std::pair<Day, int64_t>> payments;  // (day, fen)
  std::optional<Day> arrears_recorded, arrears_cleared, completed;
  std::vector<uint64_t> seqs;

  Day due() const { return delivered.value_or(signed_on) + term_days; }
  int64_t PaidBy(Day day) const;
};

struct Repair {
  std::string id;
  std::string target;  // a decision number or a listing id
  std::string commitment_id;  // the credit commitment made for the repair
  Day applied = 0;
  std::optional<Day> decided;
  bool approved = false;
  std::vector<uint64_t> seqs;
};

// Service ratings are the most frequent events and only their count and sum up to a day are
// ever asked for, so they are kept per rated day: memory grows with the days rated, not with
// the ratings.
struct RatingDay {
  Day day = 0;
  int64_t count = 0;
  int64_t stars = 0;
};

struct RatingSummary {
  size_t count = 0;
  double average = 0;  // stars; 0 without ratings
};

struct SubjectState {
  std::string id;
  std::string name;
  fb::SubjectKind kind = fb::SubjectKind::Enterprise;
  std::vector<Commitment> commitments;
  std::vector<Penalty> penalties;
  std::vector<Notice> notices;
  std::vector<SeriousListing> listings;
  std::vector<Repair> repairs;
  std::map<std::string, std::string> objections;  // objection id → notice id
  std::vector<std::string> contracts_as_payer, contracts_as_payee;  // contract ids
  std::vector<RatingDay> ratings;  // ascending by day
  // Events about this subject (the ledger's stream index holds their seqs, for the timeline).
  uint64_t events = 0;

  void AddRating(Day day, int stars);
  // The ratings made on or before `day`.
  RatingSummary RatingsBy(Day day) const;
};

// The whole fold: subjects, contracts, rulesets.
class State {
 public:
  // Applies entry `seq` (a checked event). Events referring to unknown ids are kept in the
  // subject's timeline but change nothing else.
  void Apply(const fb::Event& event, uint64_t seq);

  const SubjectState* Subject(std::string_view id) const;
  const Contract* FindContract(std::string_view id) const;
  const std::map<std::string, SubjectState, std::less<>>& subjects() const { return subjects_; }
  const RulesetHistory& rulesets() const { return rulesets_; }
  uint64_t applied() const { return applied_; }  // entries folded: the next seq

  // SHA-256 over a canonical serialisation of everything above: equal digests, equal state.
  std::string Digest() const;

 private:
  SubjectState& Touch(const std::string& id);
  void ApplyCommitment(SubjectState& s, const fb::Event& event, uint64_t seq);
  void ApplyContract(SubjectState& s, const fb::Event& event, uint64_t seq);
  void ApplyPenalty(SubjectState& s, const fb::Event& event, uint64_t seq);
  void ApplyDueProcess(SubjectState& s, const fb::Event& event, uint64_t seq);

  std::map<std::string, SubjectState, std::less<>> subjects_;
  std::map<std::string, Contract, std::less<>> contracts_;
  RulesetHistory rulesets_;
  std::vector<std::string> ruleset_errors_;
  uint64_t applied_ = 0;
};

}  // namespace creditlog::projections
