// The facts of the credit system, folded from the log in order: per subject its commitments,
// contracts, penalties, due process and repairs, each remembering the seqs behind it.
// A pure function of the log: the same entries give the same state, byte for byte.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "base/check.h"
#include "events/event.h"
#include "projections/id_map.h"
#include "projections/interned.h"
#include "projections/ruleset.h"
#include "projections/search_index.h"

namespace creditlog::projections {

// ForEachSubject asks for the subject this many places ahead while it reads one.
inline constexpr size_t kForEachSubjectPrefetch = 8;
// ChangedSince's journal keeps at most this many (entry, subject) pairs, dropping its older half
// when full: at 1,000 writes/s, a minute or more of entries (an entry names one subject or two),
// beyond which an answer kept is computed whole again. 24 bytes a pair: 6 MiB, which the
// journal reaches and keeps once that many entries have been folded (2^22 pairs held 96 MiB).
inline constexpr size_t kChangeJournalMax = size_t{1} << 18;

// A snapshot (State::Snapshot) records where every this-many-th subject's bytes begin, so that
// FromSnapshot decodes the subjects on several threads, each from a chunk's start.
inline constexpr uint64_t kSnapshotChunkSubjects = uint64_t{1} << 16;
// FromSnapshot decodes on this many threads at most (and no more than the machine has cores).
inline constexpr unsigned kSnapshotDecodeThreadsMax = 4;
// An overlay (State::Overlay) drops what its base has caught up with once it holds more than
// this many subjects and contracts of its own.
inline constexpr size_t kOverlayKeysMax = size_t{1} << 16;

using Day = int64_t;  // days since 1970-01-01 (calendar dates in China Standard Time)

// A day a record may not have yet (verified, revoked, exited...), in 4 bytes where
// std::optional<Day> takes 16: the state holds millions of them. Every day a record stores is an
// event's date (years events::kDateYearMin to kDateYearMax; any four-digit year would do), so it
// fits in 32 bits, and a 32-bit value no such date has stands for "none". Reads and writes as
// the std::optional<Day> it replaces, converts to one, and is digested and snapshotted as one
// (the same bytes).
class OptDay {
 public:
  constexpr OptDay() = default;
  constexpr OptDay(std::nullopt_t) {}  // NOLINT: as std::optional
  constexpr OptDay(Day day) : day_(Narrow(day)) {}  // NOLINT: as std::optional
  constexpr OptDay(const std::optional<Day>& day) : day_(day ? Narrow(*day) : kNone) {}  // NOLINT

  constexpr bool has_value() const { return day_ != kNone; }
  constexpr explicit operator bool() const { return has_value(); }
  // REQUIRES: has_value().
  constexpr Day operator*() const {
    CREDITLOG_CHECK(has_value());
    return day_;
  }
  constexpr Day value_or(Day otherwise) const { return has_value() ? Day{day_} : otherwise; }
  constexpr void reset() { day_ = kNone; }
  constexpr operator std::optional<Day>() const {  // NOLINT: reads as the optional it replaces
    return has_value() ? std::optional<Day>(day_) : std::nullopt;
  }
  friend constexpr bool operator==(OptDay a, OptDay b) = default;

  // Whether OptDay can hold `day`: every day of a four-digit year can.
  static constexpr bool Fits(Day day) { return day > kNone && day <= std::numeric_limits<int32_t>::max(); }

 private:
  static constexpr int32_t kNone = std::numeric_limits<int32_t>::min();
  static constexpr int32_t Narrow(Day day) {
    CREDITLOG_CHECK(Fits(day));  // a record's days are dates of four-digit years, checked when read
    return static_cast<int32_t>(day);
  }
  int32_t day_ = kNone;
};

// A day every record of its kind has (a commitment's day made and deadline), in 4 bytes where
// Day takes 8, for OptDay's reason: it is an event's date. Reads as the Day it replaces and is
// digested and snapshotted as one (the same bytes).
class Day32 {
 public:
  constexpr Day32() = default;
  constexpr Day32(Day day) : day_(Narrow(day)) {}  // NOLINT: as the Day it replaces
  constexpr operator Day() const { return day_; }  // NOLINT: reads as the Day it replaces

  // Whether Day32 can hold `day`: every day of a four-digit year can.
  static constexpr bool Fits(Day day) {
    return day >= std::numeric_limits<int32_t>::min() && day <= std::numeric_limits<int32_t>::max();
  }

 private:
  static constexpr int32_t Narrow(Day day) {
    CREDITLOG_CHECK(Fits(day));  // a record's days are dates of four-digit years, checked when read
    return static_cast<int32_t>(day);
  }
  int32_t day_ = 0;
};

// A seq a record may not have (a subject's registration), in 8 bytes where
// std::optional<uint64_t> takes 16: no entry has the largest seq, which stands for "none".
// Reads and writes as the std::optional it replaces, and is digested and snapshotted as one.
class OptSeq {
 public:
  constexpr OptSeq() = default;
  constexpr OptSeq(std::nullopt_t) {}  // NOLINT: as std::optional
  constexpr OptSeq(uint64_t seq) : seq_(seq) { CREDITLOG_CHECK(Fits(seq)); }  // NOLINT: as std::optional

  constexpr bool has_value() const { return seq_ != kNone; }
  constexpr explicit operator bool() const { return has_value(); }
  // REQUIRES: has_value().
  constexpr uint64_t operator*() const {
    CREDITLOG_CHECK(has_value());
    return seq_;
  }
  constexpr void reset() { seq_ = kNone; }
  friend constexpr bool operator==(OptSeq a, OptSeq b) = default;

  static constexpr bool Fits(uint64_t seq) { return seq != kNone; }

 private:
  static constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();
  uint64_t seq_ = kNone;
};

// Fields(x) of a state struct: every data member, in declaration order, as a tuple of
// references. State::Digest serialises the state through these, and
// tests/projections_digest_test.cc changes each member in turn. The structured binding names
// each member once: a struct that gains a member stops compiling here until the member is
// named — and so digested.
#define CREDITLOG_TIE_MEMBERS(object, ...) \
  const auto& [__VA_ARGS__] = (object);    \
  return std::tie(__VA_ARGS__)

// The members are declared widest first, so that the narrow ones share the last 8 bytes: 96
// bytes (112 with 8-byte days in the order Fields names them, the digest's).
struct Commitment {
  std::string id;
  Interned matter;
  Interned accepting_agency;  // USCC: verifies it (谁审批谁监管)
  std::vector<uint64_t> seqs;
  Day32 made;
  Day32 deadline;
  OptDay verified, breached, withdrawn;
  fb::CommitmentType type = fb::CommitmentType::ApprovalSubstitute;
  bool false_commitment = false;
};
inline auto Fields(const Commitment& x) {
  const auto& [id, matter, accepting_agency, seqs, made, deadline, verified, breached, withdrawn, type, false_commitment] = x;
  return std::tie(id, type, matter, made, deadline, verified, breached, withdrawn, false_commitment, seqs, accepting_agency);
}

struct Penalty {
  std::string decision_number;
  Interned category;
  fb::Severity severity = fb::Severity::Minor;  // within fb::Severity (State::Apply checks it)
  Day decided = 0;
  int64_t fine_fen = 0;
  fb::Discretion discretion = fb::Discretion::Standard;  // 不予处罚 (NoPenalty) is not a published penalty
  int64_t confiscated_fen = 0;
  Interned agency;  // the deciding agency (处罚机关), which alone may correct it
  OptDay fulfilled, revoked;
  std::vector<uint64_t> seqs;

  bool published() const { return discretion != fb::Discretion::NoPenalty; }
};
inline auto Fields(const Penalty& x) {
  CREDITLOG_TIE_MEMBERS(x, decision_number, category, severity, decided, fine_fen, discretion, confiscated_fen, agency,
                        fulfilled, revoked, seqs);
}

struct Notice {
  std::string id;
  std::string reason;
  Day served = 0;  // the notice date: working days of the objection window count from the day after
  Day objection_deadline = 0;
  std::vector<std::string> related;
  OptDay corrected;  // an objection against it was upheld
  std::vector<uint64_t> seqs;
};
inline auto Fields(const Notice& x) { CREDITLOG_TIE_MEMBERS(x, id, reason, served, objection_deadline, related, corrected, seqs); }

struct SeriousListing {
  std::string id;
  std::string notice_id;
  Day decided = 0;
  OptDay term_end;  // the last day on the list; none: the ruleset's default term
  OptDay exited;    // the first day off the list
  std::vector<uint64_t> seqs;
};
inline auto Fields(const SeriousListing& x) { CREDITLOG_TIE_MEMBERS(x, id, notice_id, decided, term_end, exited, seqs); }

struct Objection {
  std::string id;
  std::string notice_id;  // "" for an objection to another record
  Day filed = 0;
  OptDay resolved;
  bool upheld = false;
  std::vector<uint64_t> seqs;
  std::string record_type, record_id;  // the record objected to, when it is not a notice
  std::string handling_agency;         // USCC; "" when neither the event nor the record names one
};
inline auto Fields(const Objection& x) {
  CREDITLOG_TIE_MEMBERS(x, id, notice_id, filed, resolved, upheld, seqs, record_type, record_id, handling_agency);
}

// An entry of a civil servant's integrity file (公务员个人诚信档案), its content sealed in the log.
struct IntegrityEntry {
  std::string id;
  fb::IntegrityEntryType type = fb::IntegrityEntryType::Untyped;
  std::string category;
  Day day = 0;
  fb::SanctionKind sanction = fb::SanctionKind::Unspecified;
  OptDay period_end;  // a sanction's last day as recorded; none: by its kind
  int assessment_year = 0;
  fb::AssessmentGrade grade = fb::AssessmentGrade::Unspecified;
  std::vector<uint64_t> seqs;
};
inline auto Fields(const IntegrityEntry& x) {
  CREDITLOG_TIE_MEMBERS(x, id, type, category, day, sanction, period_end, assessment_year, grade, seqs);
}

// A service case (办件) the subject, a public body, handled: its single rating, and for a 差评
// its rectification and follow-up.
struct ServiceCase {
  std::string id;
  std::string matter;
  Day handled = 0;
  fb::ServiceChannel channel = fb::ServiceChannel::Window;
  int rating = 0;  // 0: not rated
  OptDay rated, rectified, followed_up;
  bool satisfied = false;  // at the follow-up
  std::vector<uint64_t> seqs;
};
inline auto Fields(const ServiceCase& x) {
  CREDITLOG_TIE_MEMBERS(x, id, matter, handled, channel, rating, rated, rectified, followed_up, satisfied, seqs);
}

// 联合奖惩反馈: a measure an implementing department applied to the subject.
struct MeasureApplication {
  std::string id;
  std::string measure;
  std::string matter;
  Day applied = 0;
  std::string agency;
  std::vector<uint64_t> seqs;
};
inline auto Fields(const MeasureApplication& x) { CREDITLOG_TIE_MEMBERS(x, id, measure, matter, applied, agency, seqs); }

struct Contract {
  std::string id;
  std::string payer, payee;
  int64_t amount_fen = 0;
  Day signed_on = 0;
  OptDay delivered;
  int term_days = 30;
  bool sme = false;  // the counterparty is a small or medium enterprise (保障中小企业款项支付条例)
  std::vector<std::pair<int, int64_t>> schedule;  // instalments: (days after delivery, fen); none: one payment
  std::vector<std::pair<Day, int64_t>> payments;  // (day, fen)
  OptDay arrears_recorded, arrears_cleared;
  std::vector<uint64_t> seqs;

  Day due() const { return delivered.value_or(signed_on) + term_days; }  // the last instalment's due day
  // Each instalment's due day and amount, ascending; a contract without a schedule is one
  // instalment of the whole amount, due term_days after delivery.
  std::vector<std::pair<Day, int64_t>> Instalments() const;
  int64_t PaidBy(Day day) const;
  struct Arrears {
    int64_t outstanding_fen = 0;    // due before `day` and unpaid on it
    std::optional<Day> oldest_due;  // the due day of the oldest instalment not paid in full
    bool paid_on_time = true;       // every instalment due by `day` was paid by its due day
  };
  Arrears ArrearsOn(Day day) const;
};
inline auto Fields(const Contract& x) {
  CREDITLOG_TIE_MEMBERS(x, id, payer, payee, amount_fen, signed_on, delivered, term_days, sme, schedule, payments,
                        arrears_recorded, arrears_cleared, seqs);
}

struct Repair {
  std::string id;
  std::string target;  // a decision number or a listing id
  std::string commitment_id;  // the credit commitment made for the repair
  OptDay decided;
  bool approved = false;
  std::vector<uint64_t> seqs;
};
inline auto Fields(const Repair& x) { CREDITLOG_TIE_MEMBERS(x, id, target, commitment_id, decided, approved, seqs); }

// Service ratings are the most frequent events and only their count and sum up to a day are
// ever asked for, so they are kept per rated day: memory grows with the days rated, not with
// the ratings.
struct RatingDay {
  Day day = 0;
  int64_t count = 0;
  int64_t stars = 0;
};
inline auto Fields(const RatingDay& x) { CREDITLOG_TIE_MEMBERS(x, day, count, stars); }

struct RatingSummary {
  size_t count = 0;
  double average = 0;  // stars; 0 without ratings
};

// A value most of its owners leave empty, held behind a pointer that stays null while it is:
// a subject's rarer records cost one pointer on the many subjects that have none. Reads see an
// empty T through a null pointer; mut() makes the T to write to. Copies are deep.
template <typename T>
class Sparse {
 public:
  Sparse() = default;
  Sparse(const Sparse& other) : value_(other.value_ != nullptr ? std::make_unique<T>(*other.value_) : nullptr) {}
  Sparse& operator=(const Sparse& other) {
    if (this != &other) value_ = other.value_ != nullptr ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  Sparse(Sparse&&) noexcept = default;
  Sparse& operator=(Sparse&&) noexcept = default;

  const T& operator*() const { return value_ != nullptr ? *value_ : Empty(); }
  const T* operator->() const { return &**this; }
  T& mut() {
    if (value_ == nullptr) value_ = std::make_unique<T>();
    return *value_;
  }
  // Frees the value when it holds nothing (T::empty()).
  void Shrink() {
    if (value_ != nullptr && value_->empty()) value_.reset();
  }
  bool allocated() const { return value_ != nullptr; }

 private:
  static const T& Empty() {
    static const T empty;
    return empty;
  }
  std::unique_ptr<T> value_;
};

// What fewer subjects have: due process, contracts, ratings, measures, a civil servant's file,
// a public body's service cases.
struct SubjectRecords {
  std::vector<Notice> notices;
  std::vector<SeriousListing> listings;
  std::vector<Repair> repairs;
  std::vector<Objection> objections;
  std::vector<std::string> contracts_as_payer, contracts_as_payee;  // contract ids
  std::vector<RatingDay> ratings;  // ascending by day
  std::vector<MeasureApplication> measures_applied;
  std::vector<IntegrityEntry> file;  // a civil servant's integrity file
  IdMap<ServiceCase> cases;  // a public body's service cases (好差评), by case id

  bool empty() const {
    return notices.empty() && listings.empty() && repairs.empty() && objections.empty() && contracts_as_payer.empty() &&
           contracts_as_payee.empty() && ratings.empty() && measures_applied.empty() && file.empty() && cases.empty();
  }
};
inline auto Fields(const SubjectRecords& x) {
  CREDITLOG_TIE_MEMBERS(x, notices, listings, repairs, objections, contracts_as_payer, contracts_as_payee, ratings,
                        measures_applied, file, cases);
}

struct SubjectState {
  std::string id;
  std::string name;
  fb::SubjectKind kind = fb::SubjectKind::Enterprise;
  // Its place in its State's search index (SearchIndex::kNotIndexed while it has none): derived
  // from the order subjects entered the log, so not among Fields. Beside kind, it fills what
  // would be padding.
  uint32_t search_ordinal = kNotIndexed;
  OptSeq registered;  // the seq of its latest SubjectRegistered: kind and name come from it
  std::vector<Commitment> commitments;
  std::vector<Penalty> penalties;
  // Events about this subject (the ledger's stream index holds their seqs, for the timeline).
  uint64_t events = 0;
  Sparse<SubjectRecords> rare;  // read as rare->notices; written through rare.mut()

  void AddRating(Day day, int stars);
  const Penalty* FindPenalty(std::string_view decision_number) const;  // null if none
  const ServiceCase* FindCase(std::string_view case_id) const;         // null if none
  // The ratings made on or before `day`.
  RatingSummary RatingsBy(Day day) const;
};
inline auto Fields(const SubjectState& x) {
  const auto& [id, name, kind, search_ordinal, registered, commitments, penalties, events, rare] = x;
  (void)search_ordinal;  // the search index's, derived: not digested
  return std::tie(id, name, kind, registered, commitments, penalties, events, rare);
}

// The digest's serialisation of one subject or contract (State::Digest serialises each so):
// equal bytes, equal members.
std::string Canonical(const SubjectState& subject);
std::string Canonical(const Contract& contract);

// The rulesets in force are state too (projections/ruleset.h), their calendars included.
inline auto Fields(const Calendar& x) { CREDITLOG_TIE_MEMBERS(x, version, sources, first_year, last_year, holidays, workdays, notices); }
inline auto Fields(const Period& x) { CREDITLOG_TIE_MEMBERS(x, min_months, max_months); }
inline auto Fields(const Words& x) { CREDITLOG_TIE_MEMBERS(x, en, zh); }
inline auto Fields(const MeasureDetail& x) { CREDITLOG_TIE_MEMBERS(x, en, scope, basis, department, incentive); }
inline auto Fields(const VerificationDuty& x) { CREDITLOG_TIE_MEMBERS(x, within_days, sampling_percent); }
inline auto Fields(const Ruleset& x) {
  CREDITLOG_TIE_MEMBERS(x, version, sources, penalty_publicity, objection_window_working_days, serious_default_term_months,
                        serious_max_term_months, serious_early_exit_after_months, false_commitment_ineligible_months, watch_general_penalties,
                        watch_breached_commitments, watch_window_months, payment_overdue_days,
                        red_fulfilled_commitments, red_window_months, retention_civil_servant_files_months, measures, calendar,
                        rule_names, measure_catalogue, verification, objection_handling_working_days,
                        service_bad_rating_max, service_rectification_working_days);
}
inline auto Fields(const RulesetHistory::Adopted& x) { CREDITLOG_TIE_MEMBERS(x, effective_day, seq, rules); }
inline auto Fields(const RulesetHistory& x) { return std::tie(x.adopted()); }  // its one member

// A hash of text that also takes a view of it, so that a table keyed by strings is searched
// with a string_view (no copy of the key to look it up).
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

// The contracts by id: looked up by id on every profile, search hit and list row that shows a
// payer's or payee's contracts, which a hash does in one probe where an ordered map of a city's
// contracts compared strings down fifteen or more levels of nodes. Its order is no one's: the digest
// and the snapshot write it in key order (projections/state.cc).
using ContractMap = std::unordered_map<std::string, Contract, TextHash, std::equal_to<>>;

// Whether a state keeps its search index (State::search). The admission rules never search:
// their fold skips building, copying and updating it.
enum class Searchable : bool { kNo, kYes };

// The whole fold: subjects, contracts, rulesets.
class State {
 public:
  State() = default;
  explicit State(Searchable searchable) : searchable_(searchable == Searchable::kYes) {}
  // A copy's search index points at the copy's own subjects.
  State(const State& other) { *this = other; }
  // A copy that keeps a search index only if `searchable` says so (and `other` keeps one).
  State(const State& other, Searchable searchable);
  State& operator=(const State& other);
  State(State&&) = default;
  State& operator=(State&&) = default;

  // Applies entry `seq`. Events referring to unknown ids are kept in the subject's timeline but
  // change nothing else. Entries are validated when recorded, but the fold reads them back from
  // disk with only their structure verified: an event whose dates are not calendar dates, whose
  // severity is not one, or whose body type is NONE or unknown to this build is Corruption
  // (naming the seq and the field), and leaves the state as it was.
  Status Apply(const fb::Event& event, uint64_t seq);

  const SubjectState* Subject(std::string_view id) const;
  const Contract* FindContract(std::string_view id) const;
  const ContractMap& contracts() const { return contracts_; }
  const SubjectMap& subjects() const { return subjects_; }
  // Calls fn(const SubjectState&) on every subject, in no particular order: through the search
  // index's array of them when it holds every subject (the loads of one subject do not wait for
  // the last's, as a walk of the map's nodes does: at two million subjects, a walk of the map
  // took over a second on its own), else through the map.
  template <typename Fn>
  void ForEachSubject(Fn&& fn) const {
    const std::vector<const SubjectState*>& all = search_.entered();
    if (all.size() != subjects_.size()) {
      for (const auto& [id, subject] : subjects_) fn(subject);
      return;
    }
    for (size_t i = 0; i < all.size(); ++i) {
      if (i + kForEachSubjectPrefetch < all.size()) __builtin_prefetch(all[i + kForEachSubjectPrefetch]);
      fn(*all[i]);
    }
  }
  const RulesetHistory& rulesets() const { return rulesets_; }
  // Subjects by name fragment and division (projections/search_index.h), kept as events fold.
  // Empty in a state that keeps none (searchable() is false).
  const SearchIndex& search() const { return search_; }
  bool searchable() const { return searchable_; }
  uint64_t applied() const { return applied_; }  // entries folded: the next seq
  // ErasureRecorded: the seqs of each person's erasures, in order (docs/privacy.md, "Erasure").
  const std::map<std::string, std::vector<uint64_t>, std::less<>>& erasures() const { return erasures_; }
  // Whether `person`'s information in entry `seq` has been erased since: an erasure of the
  // person was recorded after it.
  bool Erased(std::string_view person, uint64_t seq) const;

  // The subjects changed by the entries folded since `applied` (a value of applied() earlier),
  // for answers kept between entries and patched as entries arrive: each subject an entry
  // touched, and a contract's payee with its payer. False when that cannot be told, and every
  // subject must be taken as changed: a ruleset adopted or a person's information erased since
  // (either can change any subject's answers), or `applied` older than the journal kept
  // (kChangeJournalMax entries) or than this copy of the state.
  bool ChangedSince(uint64_t applied, std::vector<std::string_view>* subjects) const;

  // SHA-256 over a canonical serialisation of every member (Fields): equal digests, equal state.
  std::string Digest() const;

  // The state as bytes, for a snapshot of the projection (projections/snapshot.h): where each
  // chunk of `chunk_subjects` subjects (in key order) begins, the digest's canonical
  // serialisation of every member, then the order subjects entered the search index.
  // FromSnapshot makes the state they were taken from (the same Digest, the same search
  // answers), decoding the chunks on up to kSnapshotDecodeThreadsMax threads; malformed bytes
  // are Corruption naming the offset. With Searchable::kNo, the state keeps no search index
  // (the bytes are checked all the same).
  // REQUIRES for Snapshot: searchable() (the index's order is part of the bytes), and
  // chunk_subjects ≥ 1 (tests make it small).
  std::string Snapshot(uint64_t chunk_subjects = kSnapshotChunkSubjects) const;
  static Result<State> FromSnapshot(std::string_view bytes, Searchable searchable = Searchable::kYes);

  // An overlay of `base`, for a fold that runs ahead of a state another thread folds (the
  // admission rules over the server's projection, projections/admission.h): it holds only the
  // subjects and contracts the entries it applies change, each copied from the base the first
  // time, and reads every other one through the base (SetBase). It begins with base's
  // rulesets and erasures (whole: they are few) at base.applied(), and keeps neither a search
  // index nor a change journal. An overlay is never copied, digested or snapshotted.
  static State Overlay(const State& base);
  bool overlay() const { return overlay_.on; }
  // The state an overlay reads through until set again (nullptr: its own subjects and contracts
  // only). REQUIRES: an overlay; `base` folds the same log and has applied no more entries.
  void SetBase(const State* base);
  // Drops the subjects and contracts of an overlay that no entry from `reflected` on touched:
  // its base, having applied `reflected` entries, holds them as they are here.
  void Prune(uint64_t reflected);
  size_t overlay_keys() const { return overlay_.subjects.size() + overlay_.contracts.size(); }

  // The search index and the change journal are derived from the entries folded, so they are
  // named here but not digested.
  friend auto Fields(const State& x) {
    const auto& [subjects, contracts, rulesets, erasures, applied, searchable, search, changes, changes_from, overlay] = x;
    (void)searchable, (void)search, (void)changes, (void)changes_from, (void)overlay;
    return std::tie(subjects, contracts, rulesets, erasures, applied);
  }

 private:
  // REQUIRES: Apply's checks passed (DaysFromDate checks each date again, in every build).
  void Fold(const fb::Event& event, uint64_t seq);
  SubjectState& Touch(const fb::Event& event);  // the event's subject, with one more event
  SubjectState& Own(std::string_view id);       // subject `id`, made (or, in an overlay, copied) if need be
  void OwnContract(const flatbuffers::String* id);  // an overlay's copy of contract `id`, if there is one
  void NoteChanges(const fb::Event& event, uint64_t seq);  // ChangedSince's journal
  void SignContract(SubjectState& s, const fb::ContractSigned& body, uint64_t seq);
  void CorrectRecord(SubjectState& s, const fb::RecordCorrected& body, uint64_t seq);
  void Index(SubjectState& s) {  // into the search index, if this state keeps one
    if (searchable_) search_.Update(s);
  }

  SubjectMap subjects_;
  ContractMap contracts_;
  RulesetHistory rulesets_;
  std::map<std::string, std::vector<uint64_t>, std::less<>> erasures_;
  uint64_t applied_ = 0;
  bool searchable_ = true;
  SearchIndex search_;  // derived from subjects_: not among Fields; empty unless searchable_
  // (seq, subject) for each subject each entry from seq changes_from_ on changed, ascending by
  // seq: ChangedSince's journal. The views are subjects_' keys. A ruleset adopted or an erasure
  // empties it and moves changes_from_ past itself: every subject may have changed there.
  std::vector<std::pair<uint64_t, std::string_view>> changes_;
  uint64_t changes_from_ = 0;
  // An overlay's: its base, and for each subject and contract of its own the last entry that
  // touched it.
  struct OverlayKeys {
    bool on = false;
    const State* base = nullptr;
    std::map<std::string, uint64_t, std::less<>> subjects, contracts;
  };
  OverlayKeys overlay_;
};

}  // namespace creditlog::projections
