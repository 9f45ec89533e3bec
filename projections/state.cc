#include "projections/state.h"

#include <algorithm>
#include <initializer_list>
#include <ranges>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/check.h"
#include "projections/fold_check.h"
#include "crypto/sha256.h"
#include "ledger/format.h"

namespace creditlog::projections {
namespace {

using Contracts = ContractMap;

// ---------------------------------------------------------------- the fold, one step per event type

// REQUIRES: CheckFoldable passed (DaysFromDate checks it again).
Day D(const flatbuffers::String* date) { return events::DaysFromDate(date->string_view()); }
std::string S(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

const std::string& Key(const Penalty& p) { return p.decision_number; }
template <typename T>
const std::string& Key(const T& item) { return item.id; }

// The first item named `id`, with `seq` added to the seqs behind it; null for an unknown id.
template <typename T>
T* Follow(std::vector<T>& items, std::string_view id, uint64_t seq) {
  for (T& item : items) {
    if (Key(item) == id) {
      item.seqs.push_back(seq);
      return &item;
    }
  }
  return nullptr;
}

// The enum value named `name` (CheckFoldable checked that one is).
template <typename Enum, size_t N>
Enum EnumFromName(const Enum (&values)[N], const char* (*name_of)(Enum), const std::string& name) {
  for (Enum v : values) {
    if (name == name_of(v)) return v;
  }
  return values[0];
}

void MakeCommitment(SubjectState& s, const fb::CommitmentMade& b, uint64_t seq) {
  s.commitments.push_back({.id = S(b.commitment_id()), .matter = S(b.matter()), .accepting_agency = S(b.accepting_agency()),
                           .seqs = {seq}, .made = D(b.made_date()), .deadline = D(b.deadline()), .verified = {},
                           .breached = {}, .withdrawn = {}, .type = b.commitment_type(), .false_commitment = false});
}

void VerifyCommitment(SubjectState& s, const fb::CommitmentVerified& b, uint64_t seq) {
  if (Commitment* c = Follow(s.commitments, b.commitment_id()->string_view(), seq)) c->verified = D(b.verified_date());
}

void BreachCommitment(SubjectState& s, const fb::CommitmentBreached& b, uint64_t seq) {
  if (Commitment* c = Follow(s.commitments, b.commitment_id()->string_view(), seq)) {
    c->breached = D(b.breach_date());
    c->false_commitment = b.false_commitment();
  }
}

void WithdrawCommitment(SubjectState& s, const fb::CommitmentWithdrawn& b, uint64_t seq) {
  if (Commitment* c = Follow(s.commitments, b.commitment_id()->string_view(), seq)) c->withdrawn = D(b.withdrawn_date());
}

// The contract `id` if `s` is its payer (only the payer's stream moves a contract), with `seq`
// added to the seqs behind it.
Contract* PayerContract(Contracts& contracts, const SubjectState& s, const flatbuffers::String* id, uint64_t seq) {
  auto it = contracts.find(id->string_view());
  if (it == contracts.end() || it->second.payer != s.id) return nullptr;
  it->second.seqs.push_back(seq);
  return &it->second;
}

void PayContract(Contracts& contracts, const SubjectState& s, const fb::PaymentMade& b, uint64_t seq) {
  if (Contract* c = PayerContract(contracts, s, b.contract_id(), seq)) {
    c->payments.emplace_back(D(b.paid_date()), b.amount_fen());
  }
}

void RecordArrears(Contracts& contracts, const SubjectState& s, const fb::ArrearsRecorded& b, uint64_t seq) {
  if (Contract* c = PayerContract(contracts, s, b.contract_id(), seq)) c->arrears_recorded = D(b.recorded_date());
}

void ClearArrears(Contracts& contracts, const SubjectState& s, const fb::ArrearsCleared& b, uint64_t seq) {
  if (Contract* c = PayerContract(contracts, s, b.contract_id(), seq)) c->arrears_cleared = D(b.cleared_date());
}

void DecidePenalty(SubjectState& s, const fb::PenaltyDecided& b, uint64_t seq) {
  for (const Penalty& p : s.penalties) {
    if (p.decision_number == b.decision_number()->string_view()) return;
  }
  Penalty p;
  p.decision_number = S(b.decision_number());
  p.category = S(b.category());
  p.severity = b.severity();
  p.decided = D(b.decision_date());
  p.fine_fen = b.fine_fen();
  p.discretion = b.discretion();
  p.confiscated_fen = b.confiscated_fen();
  p.agency = S(b.deciding_agency());
  p.seqs.push_back(seq);
  if (s.name.empty()) s.name = S(b.subject_name());  // 行政相对人名称, until a registration says otherwise
  s.penalties.push_back(std::move(p));
}

void FulfilPenalty(SubjectState& s, const fb::PenaltyFulfilled& b, uint64_t seq) {
  if (Penalty* p = Follow(s.penalties, b.decision_number()->string_view(), seq)) p->fulfilled = D(b.fulfilled_date());
}

void RevokePenalty(SubjectState& s, const fb::PenaltyRevoked& b, uint64_t seq) {
  if (Penalty* p = Follow(s.penalties, b.decision_number()->string_view(), seq)) p->revoked = D(b.revoked_date());
}

void IssueNotice(SubjectState& s, const fb::ListingNoticeIssued& b, uint64_t seq) {
  Notice n;
  n.id = S(b.notice_id());
  n.reason = S(b.reason());
  n.served = D(b.notice_date());
  n.objection_deadline = D(b.objection_deadline());
  if (b.related()) {
    for (const auto* r : *b.related()) n.related.push_back(r->str());
  }
  n.seqs.push_back(seq);
  s.rare.mut().notices.push_back(std::move(n));
}

// The agency that handles an objection to a record: the one the event names, else the record's
// own (the deciding agency of a penalty, the accepting agency of a commitment, the paying body
// of a contract); "" for a notice or a listing, which the credit office handles.
std::string HandlingAgency(const State& state, const SubjectState& s, const fb::ObjectionFiled& b) {
  if (b.handling_agency() != nullptr && b.handling_agency()->size() > 0) return b.handling_agency()->str();
  const std::string type = S(b.record_type()), id = S(b.record_id());
  if (type == "PenaltyDecided") {
    if (const Penalty* p = s.FindPenalty(id)) return p->agency;
  } else if (type == "CommitmentMade") {
    for (const Commitment& c : s.commitments) {
      if (c.id == id) return c.accepting_agency;
    }
  } else if (type == "ContractSigned") {
    if (const Contract* c = state.FindContract(id)) return c->payer;
  }
  return "";
}

void FileObjection(const State& state, SubjectState& s, const fb::ObjectionFiled& b, uint64_t seq) {
  for (const Objection& o : s.rare->objections) {
    if (o.id == b.objection_id()->string_view()) return;  // the first filing with an id stands
  }
  s.rare.mut().objections.push_back({.id = S(b.objection_id()), .notice_id = S(b.notice_id()), .filed = D(b.filed_date()),
                          .resolved = {}, .upheld = false, .seqs = {seq}, .record_type = S(b.record_type()),
                          .record_id = S(b.record_id()), .handling_agency = HandlingAgency(state, s, b)});
  if (b.notice_id()->size() > 0) Follow(s.rare.mut().notices, b.notice_id()->string_view(), seq);
}

void FileEntry(SubjectState& s, const fb::CivilServantIntegrityEntry& b, uint64_t seq) {
  for (const IntegrityEntry& x : s.rare->file) {
    if (x.id == b.entry_id()->string_view()) return;  // the first entry with an id stands
  }
  std::optional<Day> end;
  if (b.period_end_date() != nullptr && b.period_end_date()->size() > 0) end = D(b.period_end_date());
  s.rare.mut().file.push_back({.id = S(b.entry_id()), .type = b.entry_type(), .category = S(b.category()), .day = D(b.entry_date()),
                    .sanction = b.sanction_kind(), .period_end = end, .assessment_year = b.assessment_year(),
                    .grade = b.assessment_grade(), .seqs = {seq}});
}

void HandleCase(SubjectState& s, const fb::ServiceCaseHandled& b, uint64_t seq) {
  if (s.FindCase(b.case_id()->string_view()) != nullptr) return;  // the first with an id stands
  s.rare.mut().cases.insert(ServiceCase{.id = S(b.case_id()), .matter = S(b.matter()), .handled = D(b.handled_date()),
                                              .channel = b.channel(), .rating = 0, .rated = {}, .rectified = {},
                                              .followed_up = {}, .satisfied = false, .seqs = {seq}});
}

// The case `id` of `s`, with `seq` added to the seqs behind it; null for an unknown id.
ServiceCase* FollowCase(SubjectState& s, const flatbuffers::String* id, uint64_t seq) {
  if (!s.rare->cases.contains(id->string_view())) return nullptr;  // and allocates no records
  auto it = s.rare.mut().cases.find(id->string_view());
  it->second.seqs.push_back(seq);
  return &it->second;
}

// A rating counts towards the body's ratings; with a case, it is that case's one rating.
void RateService(SubjectState& s, const fb::ServiceRated& b, uint64_t seq) {
  s.AddRating(D(b.rated_date()), b.rating());
  if (b.case_id() == nullptr || b.case_id()->size() == 0) return;
  ServiceCase* c = FollowCase(s, b.case_id(), seq);
  if (c == nullptr || c->rated) return;
  c->rating = b.rating();
  c->rated = D(b.rated_date());
}

void RectifyCase(SubjectState& s, const fb::ServiceRectified& b, uint64_t seq) {
  ServiceCase* c = FollowCase(s, b.case_id(), seq);
  if (c != nullptr && !c->rectified) c->rectified = D(b.rectified_date());
}

void FollowUpCase(SubjectState& s, const fb::ServiceFollowedUp& b, uint64_t seq) {
  ServiceCase* c = FollowCase(s, b.case_id(), seq);
  if (c == nullptr || c->followed_up) return;
  c->followed_up = D(b.followed_up_date());
  c->satisfied = b.satisfied();
}

void ApplyMeasure(SubjectState& s, const fb::MeasureApplied& b, uint64_t seq) {
  for (const MeasureApplication& m : s.rare->measures_applied) {
    if (m.id == b.feedback_id()->string_view()) return;  // the first report with an id stands
  }
  s.rare.mut().measures_applied.push_back({.id = S(b.feedback_id()), .measure = S(b.measure()), .matter = S(b.matter()),
                                .applied = D(b.implemented_date()), .agency = S(b.implementing_agency()), .seqs = {seq}});
}

void ResolveObjection(SubjectState& s, const fb::ObjectionResolved& b, uint64_t seq) {
  Objection* o = Follow(s.rare.mut().objections, b.objection_id()->string_view(), seq);
  if (o == nullptr || o->resolved) return;
  o->resolved = D(b.resolved_date());
  o->upheld = b.upheld();
  Notice* n = Follow(s.rare.mut().notices, o->notice_id, seq);
  if (n != nullptr && b.upheld()) n->corrected = D(b.resolved_date());
}

void DecideListing(SubjectState& s, const fb::SeriousListingDecided& b, uint64_t seq) {
  std::optional<Day> term_end;
  if (b.term_end_date()->size() > 0) term_end = D(b.term_end_date());  // "": the default term
  s.rare.mut().listings.push_back({.id = S(b.listing_id()), .notice_id = S(b.notice_id()), .decided = D(b.decision_date()),
                        .term_end = term_end, .exited = {}, .seqs = {seq}});
}

void ExitListing(SubjectState& s, const fb::SeriousListingExited& b, uint64_t seq) {
  SeriousListing* l = Follow(s.rare.mut().listings, b.listing_id()->string_view(), seq);
  if (l != nullptr && !l->exited) l->exited = D(b.exit_date());
}

void ApplyForRepair(SubjectState& s, const fb::RepairApplied& b, uint64_t seq) {
  Repair r;
  r.id = S(b.repair_id());
  r.target = S(b.target());
  r.commitment_id = S(b.commitment_id());
  r.seqs.push_back(seq);
  s.rare.mut().repairs.push_back(std::move(r));
}

void DecideRepair(SubjectState& s, const fb::RepairDecided& b, uint64_t seq) {
  if (Repair* r = Follow(s.rare.mut().repairs, b.repair_id()->string_view(), seq)) {
    r->decided = D(b.decided_date());
    r->approved = b.approved();
  }
}

}  // namespace

std::vector<std::pair<Day, int64_t>> Contract::Instalments() const {
  const Day from = delivered.value_or(signed_on);
  std::vector<std::pair<Day, int64_t>> out;
  if (schedule.empty()) {
    out.emplace_back(from + term_days, amount_fen);
    return out;
  }
  for (const auto& [days, fen] : schedule) out.emplace_back(from + days, fen);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

Contract::Arrears Contract::ArrearsOn(Day day) const {
  Arrears a;
  int64_t due_total = 0;
  const int64_t paid = PaidBy(day);
  for (const auto& [due, fen] : Instalments()) {
    if (due >= day) break;  // payable until the end of its due day
    due_total += fen;
    if (paid < due_total && !a.oldest_due) a.oldest_due = due;
    if (PaidBy(due) < due_total) a.paid_on_time = false;
  }
  a.outstanding_fen = std::max<int64_t>(0, due_total - paid);
  return a;
}

int64_t Contract::PaidBy(Day day) const {
  int64_t paid = 0;
  for (const auto& [when, fen] : payments) {
    if (when <= day) paid += fen;
  }
  return paid;
}

void SubjectState::AddRating(Day day, int stars) {
  std::vector<RatingDay>& ratings = rare.mut().ratings;
  auto it = std::lower_bound(ratings.begin(), ratings.end(), day, [](const RatingDay& r, Day d) { return r.day < d; });
  if (it == ratings.end() || it->day != day) it = ratings.insert(it, RatingDay{day, 0, 0});
  ++it->count;
  it->stars += stars;
}

const ServiceCase* SubjectState::FindCase(std::string_view case_id) const {
  auto it = rare->cases.find(case_id);
  return it == rare->cases.end() ? nullptr : &it->second;
}

const Penalty* SubjectState::FindPenalty(std::string_view decision_number) const {
  for (const Penalty& p : penalties) {
    if (p.decision_number == decision_number) return &p;
  }
  return nullptr;
}

RatingSummary SubjectState::RatingsBy(Day day) const {
  int64_t count = 0, stars = 0;
  for (const RatingDay& r : rare->ratings) {
    if (r.day > day) break;
    count += r.count, stars += r.stars;
  }
  return {static_cast<size_t>(count), count ? static_cast<double>(stars) / static_cast<double>(count) : 0};
}

State::State(const State& other, Searchable searchable) : searchable_(searchable == Searchable::kYes && other.searchable_) {
  CREDITLOG_CHECK(!other.overlay_.on);  // an overlay is part of a state, not one
  // Every member (Fields names them all, the index among them).
  subjects_ = other.subjects_;
  contracts_ = other.contracts_;
  rulesets_ = other.rulesets_;
  erasures_ = other.erasures_;
  applied_ = other.applied_;
  if (searchable_) {
    search_ = other.search_;
    search_.Rebind(subjects_);
  }
  // The journal's views are the other state's keys: a copy tells changes only from here on.
  changes_from_ = applied_;
}

State& State::operator=(const State& other) {
  // Moving keeps the map's nodes, so the copy's index stays bound to the copy's subjects.
  if (this != &other) *this = State(other, Searchable::kYes);  // keeps an index if `other` does
  return *this;
}

const SubjectState* State::Subject(std::string_view id) const {
  auto it = subjects_.find(id);
  if (it != subjects_.end()) return &it->second;
  return overlay_.base != nullptr ? overlay_.base->Subject(id) : nullptr;
}

const Contract* State::FindContract(std::string_view id) const {
  auto it = contracts_.find(id);
  if (it != contracts_.end()) return &it->second;
  return overlay_.base != nullptr ? overlay_.base->FindContract(id) : nullptr;
}

State State::Overlay(const State& base) {
  State overlay(Searchable::kNo);
  overlay.overlay_.on = true;
  overlay.rulesets_ = base.rulesets_;
  overlay.erasures_ = base.erasures_;
  overlay.applied_ = base.applied_;
  overlay.changes_from_ = base.applied_;
  return overlay;
}

void State::SetBase(const State* base) {
  CREDITLOG_CHECK(overlay_.on && (base == nullptr || (!base->overlay_.on && base->applied_ <= applied_)));
  overlay_.base = base;
}

void State::Prune(uint64_t reflected) {
  auto drop = [reflected](auto& own, std::map<std::string, uint64_t, std::less<>>& touched) {
    for (auto it = touched.begin(); it != touched.end();) {
      if (it->second >= reflected) {
        ++it;
        continue;
      }
      own.erase(it->first);
      it = touched.erase(it);
    }
  };
  drop(subjects_, overlay_.subjects);
  drop(contracts_, overlay_.contracts);
}

SubjectState& State::Own(std::string_view id) {
  auto it = subjects_.lower_bound(id);
  if (it == subjects_.end() || it->first != id) {
    const SubjectState* base = overlay_.base != nullptr ? overlay_.base->Subject(id) : nullptr;
    if (base != nullptr) {
      it = subjects_.insert(it, *base);
    } else {
      SubjectState fresh;
      fresh.id = id;
      it = subjects_.insert(it, std::move(fresh));
      Index(it->second);  // its code and division; its name when an event gives one
    }
  }
  if (overlay_.on) {  // Apply set applied_ past the entry
    auto touched = overlay_.subjects.find(it->first);
    if (touched != overlay_.subjects.end()) {
      touched->second = applied_ - 1;
    } else {
      overlay_.subjects.emplace(it->first, applied_ - 1);
    }
  }
  return it->second;
}

void State::OwnContract(const flatbuffers::String* id) {
  if (!overlay_.on || id == nullptr) return;
  auto it = contracts_.find(id->string_view());
  if (it == contracts_.end()) {
    const Contract* base = overlay_.base != nullptr ? overlay_.base->FindContract(id->string_view()) : nullptr;
    if (base == nullptr) return;
    it = contracts_.emplace(id->str(), *base).first;
  }
  overlay_.contracts.insert_or_assign(it->first, applied_ - 1);
}

SubjectState& State::Touch(const fb::Event& event) {
  SubjectState& s = Own(event.subject() != nullptr ? event.subject()->string_view() : std::string_view());
  ++s.events;
  return s;
}

Status State::Apply(const fb::Event& event, uint64_t seq) {
  // Checked before anything changes: a refused entry leaves the state as it was.
  RETURN_IF_ERROR(CheckFoldable(event).WithContext("seq " + std::to_string(seq)));
  applied_ = seq + 1;
  Fold(event, seq);
  NoteChanges(event, seq);
  return Status::Ok();
}

// The contract whose terms or payments an event changes (its payee's answers change with it).
static const flatbuffers::String* ChangedContract(const fb::Event& e) {
  using fb::EventBody;
  switch (e.body_type()) {
    case EventBody::ContractSigned: return e.body_as_ContractSigned()->contract_id();
    case EventBody::PaymentMade: return e.body_as_PaymentMade()->contract_id();
    case EventBody::ArrearsRecorded: return e.body_as_ArrearsRecorded()->contract_id();
    case EventBody::ArrearsCleared: return e.body_as_ArrearsCleared()->contract_id();
    case EventBody::ContractCompleted: return e.body_as_ContractCompleted()->contract_id();
    case EventBody::RecordCorrected: {
      const fb::RecordCorrected* b = e.body_as_RecordCorrected();
      return b->record_type() != nullptr && b->record_type()->string_view() == "ContractSigned" ? b->record_id() : nullptr;
    }
    default: return nullptr;
  }
}

// Names every member of the EventBody union, without a default: a new event type does not
// compile (-Wswitch, -Werror) until it says here what it changes.
void State::Fold(const fb::Event& e, uint64_t seq) {
  using fb::EventBody;
  // An overlay copies the contract the event changes before Fold finds it (reads go through
  // FindContract, which reads the base).
  OwnContract(ChangedContract(e));
  switch (e.body_type()) {
    case EventBody::NONE:
      break;  // CheckFoldable refuses it
    case EventBody::Genesis:
    case EventBody::AgencyKeyRegistered:
    case EventBody::KeyRevoked:
      return;  // keys: the ledger's key registry (ledger/registry.cc), not a subject's facts
    case EventBody::RulesetAdopted: {
      const auto* b = e.body_as_RulesetAdopted();
      auto rules = ParseRuleset(b->rules_json()->string_view());
      // A ruleset that does not parse is recorded in the log but never in force.
      if (rules.ok()) rulesets_.Add({D(b->effective_date()), seq, std::move(*rules)});
      return;
    }
    case EventBody::SubjectRegistered: {
      SubjectState& s = Touch(e);
      s.name = S(e.body_as_SubjectRegistered()->name());
      s.kind = e.body_as_SubjectRegistered()->kind();
      s.registered = seq;
      Index(s);
      return;
    }
    case EventBody::CommitmentMade: return MakeCommitment(Touch(e), *e.body_as_CommitmentMade(), seq);
    case EventBody::CommitmentVerified: return VerifyCommitment(Touch(e), *e.body_as_CommitmentVerified(), seq);
    case EventBody::CommitmentBreached: return BreachCommitment(Touch(e), *e.body_as_CommitmentBreached(), seq);
    case EventBody::CommitmentWithdrawn: return WithdrawCommitment(Touch(e), *e.body_as_CommitmentWithdrawn(), seq);
    case EventBody::ContractSigned: return SignContract(Touch(e), *e.body_as_ContractSigned(), seq);
    case EventBody::PaymentMade: return PayContract(contracts_, Touch(e), *e.body_as_PaymentMade(), seq);
    case EventBody::ArrearsRecorded: return RecordArrears(contracts_, Touch(e), *e.body_as_ArrearsRecorded(), seq);
    case EventBody::ArrearsCleared: return ClearArrears(contracts_, Touch(e), *e.body_as_ArrearsCleared(), seq);
    case EventBody::ContractCompleted:  // its seq joins the contract's; no rule reads the completion
      PayerContract(contracts_, Touch(e), e.body_as_ContractCompleted()->contract_id(), seq);
      return;
    case EventBody::PenaltyDecided: {
      SubjectState& s = Touch(e);
      const bool unnamed = s.name.empty();
      DecidePenalty(s, *e.body_as_PenaltyDecided(), seq);
      if (unnamed && !s.name.empty()) Index(s);  // named by the decision (行政相对人名称)
      return;
    }
    case EventBody::PenaltyFulfilled: return FulfilPenalty(Touch(e), *e.body_as_PenaltyFulfilled(), seq);
    case EventBody::PenaltyRevoked: return RevokePenalty(Touch(e), *e.body_as_PenaltyRevoked(), seq);
    case EventBody::ListingNoticeIssued: return IssueNotice(Touch(e), *e.body_as_ListingNoticeIssued(), seq);
    case EventBody::ObjectionFiled: return FileObjection(*this, Touch(e), *e.body_as_ObjectionFiled(), seq);
    case EventBody::MeasureApplied: return ApplyMeasure(Touch(e), *e.body_as_MeasureApplied(), seq);
    case EventBody::ObjectionResolved: return ResolveObjection(Touch(e), *e.body_as_ObjectionResolved(), seq);
    case EventBody::SeriousListingDecided: return DecideListing(Touch(e), *e.body_as_SeriousListingDecided(), seq);
    case EventBody::SeriousListingExited: return ExitListing(Touch(e), *e.body_as_SeriousListingExited(), seq);
    case EventBody::RepairApplied: return ApplyForRepair(Touch(e), *e.body_as_RepairApplied(), seq);
    case EventBody::RepairDecided: return DecideRepair(Touch(e), *e.body_as_RepairDecided(), seq);
    case EventBody::ServiceRated: return RateService(Touch(e), *e.body_as_ServiceRated(), seq);
    case EventBody::ServiceCaseHandled: return HandleCase(Touch(e), *e.body_as_ServiceCaseHandled(), seq);
    case EventBody::ServiceRectified: return RectifyCase(Touch(e), *e.body_as_ServiceRectified(), seq);
    case EventBody::ServiceFollowedUp: return FollowUpCase(Touch(e), *e.body_as_ServiceFollowedUp(), seq);
    case EventBody::CivilServantIntegrityEntry: return FileEntry(Touch(e), *e.body_as_CivilServantIntegrityEntry(), seq);
    case EventBody::RecordCorrected: return CorrectRecord(Touch(e), *e.body_as_RecordCorrected(), seq);
    case EventBody::AccessRecorded:
      return;  // the access log's: no credit rule reads who looked
    case EventBody::ErasureRecorded:
      erasures_[S(e.body_as_ErasureRecorded()->person())].push_back(seq);
      return;
  }
  CREDITLOG_CHECK(e.body_type() != EventBody::NONE && e.body_type() <= EventBody::MAX);  // CheckFoldable refuses both
}

void State::NoteChanges(const fb::Event& e, uint64_t seq) {
  if (overlay_.on) return;  // nothing asks an overlay what changed
  if (e.body_type() == fb::EventBody::RulesetAdopted || e.body_type() == fb::EventBody::ErasureRecorded) {
    changes_.clear();  // nothing before it can be asked for again: every subject may have changed
    changes_from_ = applied_;
    return;
  }
  if (changes_.size() + 2 > kChangeJournalMax) {
    changes_.erase(changes_.begin(), changes_.begin() + static_cast<std::ptrdiff_t>(changes_.size() / 2));
    changes_from_ = changes_.front().first + 1;  // the front entry's other subject may be gone; the next ones are whole
  }
  auto note = [&](std::string_view id) {
    auto it = subjects_.find(id);
    if (it != subjects_.end()) changes_.emplace_back(seq, std::string_view(it->first));
  };
  if (e.subject() != nullptr) note(e.subject()->string_view());
  if (const flatbuffers::String* contract = ChangedContract(e)) {
    if (const Contract* c = FindContract(contract->string_view())) note(c->payee);
  }
}

bool State::ChangedSince(uint64_t applied, std::vector<std::string_view>* subjects) const {
  if (applied < changes_from_ || applied > applied_) return false;
  subjects->clear();
  auto first = std::lower_bound(changes_.begin(), changes_.end(), applied, [](const auto& c, uint64_t seq) { return c.first < seq; });
  for (auto it = first; it != changes_.end(); ++it) subjects->push_back(it->second);
  std::sort(subjects->begin(), subjects->end());
  subjects->erase(std::unique(subjects->begin(), subjects->end()), subjects->end());
  return true;
}

bool State::Erased(std::string_view person, uint64_t seq) const {
  auto it = erasures_.find(person);
  return it != erasures_.end() && !it->second.empty() && it->second.back() > seq;
}

void State::SignContract(SubjectState& s, const fb::ContractSigned& b, uint64_t seq) {
  Contract c;
  c.id = S(b.contract_id());
  c.payer = S(b.public_body());
  c.payee = S(b.counterparty());
  c.amount_fen = b.amount_fen();
  c.signed_on = D(b.signed_date());
  if (b.delivery_date() && b.delivery_date()->size() > 0) c.delivered = D(b.delivery_date());
  c.term_days = b.payment_term_days() == 0 ? events::kPaymentTermDaysDefault : b.payment_term_days();
  c.sme = b.counterparty_is_sme();
  if (b.schedule()) {
    for (const fb::Installment* i : *b.schedule()) c.schedule.emplace_back(i->due_days_after_delivery(), i->amount_fen());
    int last = 0;
    for (const auto& [days, fen] : c.schedule) last = std::max(last, days);
    if (!c.schedule.empty()) c.term_days = last;
  }
  c.seqs.push_back(seq);
  if (FindContract(c.id) != nullptr) return;  // a second signing of the same id changes nothing
  s.rare.mut().contracts_as_payer.push_back(c.id);
  if (c.payee != s.id) Own(c.payee).rare.mut().contracts_as_payee.push_back(c.id);
  contracts_[c.id] = std::move(c);
  OwnContract(b.contract_id());
}

// The corrected fields take their new values (CheckFoldable checked each against its field);
// the correction's seq joins the record's.
void State::CorrectRecord(SubjectState& s, const fb::RecordCorrected& b, uint64_t seq) {
  const std::string_view type = b.record_type()->string_view(), id = b.record_id()->string_view();
  auto text = [](const fb::FieldValue* f) { return f->text() ? f->text()->str() : std::string(); };
  for (const fb::FieldValue* f : *b.fields()) {
    const std::string_view field = f->field()->string_view();
    if (type == "PenaltyDecided") {
      Penalty* p = nullptr;
      for (Penalty& candidate : s.penalties) p = candidate.decision_number == id ? &candidate : p;
      if (p == nullptr) return;
      if (field == "category") p->category = text(f);
      if (field == "severity") p->severity = EnumFromName<fb::Severity>(fb::EnumValuesSeverity(), fb::EnumNameSeverity, text(f));
      if (field == "discretion") p->discretion = EnumFromName<fb::Discretion>(fb::EnumValuesDiscretion(), fb::EnumNameDiscretion, text(f));
      if (field == "fine_fen") p->fine_fen = f->number();
      if (field == "confiscated_fen") p->confiscated_fen = f->number();
      if (field == "decision_date") p->decided = D(f->text());
    } else if (type == "CommitmentMade") {
      Commitment* c = nullptr;
      for (Commitment& candidate : s.commitments) c = candidate.id == id ? &candidate : c;
      if (c == nullptr) return;
      if (field == "commitment_type") c->type = EnumFromName<fb::CommitmentType>(fb::EnumValuesCommitmentType(), fb::EnumNameCommitmentType, text(f));
      if (field == "matter") c->matter = text(f);
      if (field == "deadline") c->deadline = D(f->text());
    } else if (type == "ContractSigned") {
      auto it = contracts_.find(id);
      if (it == contracts_.end() || it->second.payer != s.id) return;
      Contract& c = it->second;
      if (field == "amount_fen") c.amount_fen = f->number();
      if (field == "delivery_date") c.delivered = D(f->text());
      if (field == "payment_term_days" && c.schedule.empty()) c.term_days = static_cast<int>(f->number());
      if (field == "counterparty_is_sme") c.sme = f->flag();
    }
  }
  if (type == "PenaltyDecided") Follow(s.penalties, id, seq);
  if (type == "CommitmentMade") Follow(s.commitments, id, seq);
  if (type == "ContractSigned") PayerContract(contracts_, s, b.record_id(), seq);
}

// ---------------------------------------------------------------- the digest

namespace {

template <typename>
constexpr bool kNoEncoding = false;

template <typename T>
concept HasFields = requires(const T& value) { Fields(value); };
template <typename T>
concept TupleLike = requires { std::tuple_size<T>::value; };  // std::tuple, std::pair, std::array
template <typename T>
concept Optional = std::same_as<T, std::optional<typename T::value_type>>;
template <typename T>
concept HashedMap = requires { typename T::hasher; typename T::key_type; typename T::mapped_type; };
template <typename T>
concept SparseValue = requires(const T& value) { requires std::same_as<T, Sparse<std::remove_cvref_t<decltype(*value)>>>; };

using ledger::AppendBigEndian64;

// The canonical bytes of a state value: scalars as 8 big-endian bytes, strings and containers
// prefixed by their length, optionals by a presence byte, structs as their Fields in order, a
// Sparse as its value (empty when null). Two different states never share bytes.
template <typename T>
void Encode(std::string* out, const T& value) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Interned>) {
    AppendBigEndian64(out, value.size());
    out->append(static_cast<const std::string&>(value));
  } else if constexpr (std::is_same_v<T, std::string_view>) {  // an IdMap's key, as the std::string it replaced
    AppendBigEndian64(out, value.size());
    out->append(value);
  } else if constexpr (std::is_same_v<T, Day32>) {  // as the Day it replaced
    Encode(out, Day{value});
  } else if constexpr (std::is_same_v<T, bool>) {
    out->push_back(value ? 1 : 0);
  } else if constexpr (std::is_enum_v<T>) {
    AppendBigEndian64(out, static_cast<uint64_t>(static_cast<int64_t>(value)));
  } else if constexpr (std::is_integral_v<T>) {
    AppendBigEndian64(out, static_cast<uint64_t>(value));
  } else if constexpr (Optional<T> || std::is_same_v<T, OptDay> || std::is_same_v<T, OptSeq>) {  // as the std::optional each replaced
    out->push_back(value ? 1 : 0);
    if (value) Encode(out, *value);
  } else if constexpr (SparseValue<T>) {
    Encode(out, *value);
  } else if constexpr (HasFields<T>) {
    Encode(out, Fields(value));
  } else if constexpr (TupleLike<T>) {
    std::apply([out](const auto&... element) { (Encode(out, element), ...); }, value);
  } else if constexpr (HashedMap<T>) {
    // In key order, as an ordered map writes itself: the bytes do not depend on the table's history.
    std::vector<const typename T::value_type*> entries;
    entries.reserve(value.size());
    for (const auto& entry : value) entries.push_back(&entry);
    std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    AppendBigEndian64(out, entries.size());
    for (const auto* entry : entries) Encode(out, *entry);
  } else if constexpr (std::ranges::sized_range<T>) {
    AppendBigEndian64(out, std::ranges::size(value));
    for (const auto& element : value) Encode(out, element);
  } else {
    static_assert(kNoEncoding<T>, "a state member the digest cannot encode: give its struct a Fields()");
  }
}

// Reads what Encode wrote, bounded by the bytes there are.
class Decoder {
 public:
  explicit Decoder(std::string_view bytes) : bytes_(bytes) {}
  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  bool U64(uint64_t* value) {
    if (remaining() < 8) return false;
    *value = ledger::ReadBigEndian64(bytes_.substr(offset_));
    offset_ += 8;
    return true;
  }
  bool Byte(uint8_t* value) {
    if (remaining() < 1) return false;
    *value = static_cast<uint8_t>(bytes_[offset_++]);
    return true;
  }
  bool Text(std::string* value) {
    std::string_view view;
    if (!View(&view)) return false;
    value->assign(view);
    return true;
  }
  // A length-prefixed text as a view of the bytes, valid while they are.
  bool View(std::string_view* value) {
    uint64_t size = 0;
    if (!U64(&size) || size > remaining()) return false;
    *value = bytes_.substr(offset_, size);
    offset_ += size;
    return true;
  }
  bool Seek(uint64_t offset) {
    if (offset > bytes_.size()) return false;
    offset_ = offset;
    return true;
  }

 private:
  std::string_view bytes_;
  size_t offset_ = 0;
};

template <typename T>
concept MapLike = requires { typename T::key_type; typename T::mapped_type; };

template <typename T>
bool Decode(Decoder& in, T& value);

// `count` entries of a map, decoded from `in`'s offset on and added after `map`'s last: false
// where the bytes are malformed or the keys do not ascend (as Encode wrote them).
template <MapLike Map>
bool DecodeEntries(Decoder& in, uint64_t count, Map* map) {
  // A hashed map's previous key, in its node (which stays put as the table grows); an ordered
  // map's is its last.
  const typename Map::key_type* last = nullptr;
  for (uint64_t i = 0; i < count; ++i) {
    if constexpr (std::is_same_v<typename Map::key_type, std::string_view>) {  // an IdMap: its key is its record's id
      // Read as the std::string it was written from, checked against the record's id: the
      // node keys itself by that.
      std::string_view id;
      typename Map::mapped_type record;
      if (!in.View(&id) || !Decode(in, record) || record.id != id) return false;
      if (!map->empty() && !(map->rbegin()->first < id)) return false;
      map->insert(map->end(), std::move(record));
    } else {
      typename Map::key_type key;
      typename Map::mapped_type mapped;
      if (!Decode(in, key) || !Decode(in, mapped)) return false;
      if constexpr (HashedMap<Map>) {
        if (last != nullptr && !(*last < key)) return false;
        last = &map->emplace(std::move(key), std::move(mapped)).first->first;
      } else {
        if (!map->empty() && !(map->rbegin()->first < key)) return false;
        map->emplace_hint(map->end(), std::move(key), std::move(mapped));
      }
    }
  }
  return true;
}

// The inverse of Encode: false where the bytes end early or hold a value no T has.
template <typename T>
bool Decode(Decoder& in, T& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    return in.Text(&value);
  } else if constexpr (std::is_same_v<T, Interned>) {
    thread_local std::string text;
    if (!in.Text(&text)) return false;
    value = text;
    return true;
  } else if constexpr (std::is_same_v<T, Day32>) {
    Day day = 0;
    if (!Decode(in, day) || !Day32::Fits(day)) return false;
    value = day;
    return true;
  } else if constexpr (std::is_same_v<T, bool>) {
    uint8_t byte = 0;
    if (!in.Byte(&byte) || byte > 1) return false;
    value = byte == 1;
    return true;
  } else if constexpr (std::is_enum_v<T>) {
    uint64_t raw = 0;
    if (!in.U64(&raw)) return false;
    value = static_cast<T>(static_cast<std::underlying_type_t<T>>(static_cast<int64_t>(raw)));
    return static_cast<uint64_t>(static_cast<int64_t>(value)) == raw;
  } else if constexpr (std::is_integral_v<T>) {
    uint64_t raw = 0;
    if (!in.U64(&raw)) return false;
    value = static_cast<T>(raw);
    return static_cast<uint64_t>(value) == raw;
  } else if constexpr (Optional<T>) {
    uint8_t present = 0;
    if (!in.Byte(&present) || present > 1) return false;
    if (present == 0) {
      value.reset();
      return true;
    }
    return Decode(in, value.emplace());
  } else if constexpr (std::is_same_v<T, OptDay> || std::is_same_v<T, OptSeq>) {  // as the optional each replaced
    uint8_t present = 0;
    if (!in.Byte(&present) || present > 1) return false;
    value.reset();
    if (present == 0) return true;
    std::conditional_t<std::is_same_v<T, OptDay>, Day, uint64_t> raw = 0;
    if (!Decode(in, raw) || !T::Fits(raw)) return false;  // a value the type keeps for none, or cannot hold
    value = raw;
    return true;
  } else if constexpr (SparseValue<T>) {
    if (!Decode(in, value.mut())) return false;
    value.Shrink();  // null again when it decoded as empty
    return true;
  } else if constexpr (HasFields<T>) {
    // Fields names the members as const references; `value` itself is not const.
    return std::apply([&in](const auto&... member) { return (Decode(in, const_cast<std::remove_cvref_t<decltype(member)>&>(member)) && ...); },
                      Fields(std::as_const(value)));
  } else if constexpr (TupleLike<T>) {
    return std::apply([&in](auto&... element) { return (Decode(in, element) && ...); }, value);
  } else if constexpr (MapLike<T>) {
    uint64_t size = 0;
    if (!in.U64(&size) || size > in.remaining()) return false;
    value.clear();
    return DecodeEntries(in, size, &value);
  } else if constexpr (std::ranges::sized_range<T>) {
    uint64_t size = 0;
    if (!in.U64(&size) || size > in.remaining()) return false;  // every element takes a byte at least
    value.clear();
    value.reserve(size);
    for (uint64_t i = 0; i < size; ++i) {
      if (!Decode(in, value.emplace_back())) return false;
    }
    return true;
  } else {
    static_assert(kNoEncoding<T>, "a state member a snapshot cannot decode");
  }
}

}  // namespace

namespace {

// The threads FromSnapshot decodes `chunks` chunks of subjects on.
unsigned DecodeThreads(uint64_t chunks) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(std::min<uint64_t>({chunks, cores, kSnapshotDecodeThreadsMax}));
}

}  // namespace

std::string State::Snapshot(uint64_t chunk_subjects) const {
  CREDITLOG_CHECK(searchable_);  // a snapshot without the index's order would answer searches in another order
  CREDITLOG_CHECK(chunk_subjects > 0);
  const uint64_t chunks = subjects_.size() / chunk_subjects + (subjects_.size() % chunk_subjects != 0);
  std::string bytes;
  AppendBigEndian64(&bytes, chunk_subjects);
  AppendBigEndian64(&bytes, chunks);
  const size_t table_at = bytes.size();
  bytes.resize(table_at + 8 * chunks);  // each chunk's start, filled in as the subjects are written
  const size_t fields_at = bytes.size();
  // Encode(Fields(*this)), written member by member to note where each chunk of subjects begins.
  AppendBigEndian64(&bytes, subjects_.size());
  uint64_t i = 0;
  for (const auto& [id, s] : subjects_) {
    if (i % chunk_subjects == 0) {
      std::string start;
      AppendBigEndian64(&start, bytes.size() - fields_at);
      bytes.replace(table_at + 8 * (i / chunk_subjects), 8, start);
    }
    ++i;
    Encode(&bytes, id);
    Encode(&bytes, s);
  }
  Encode(&bytes, std::tie(contracts_, rulesets_, erasures_, applied_));
  // The index's order as positions in the subjects' key order: found again without a search.
  std::unordered_map<const SubjectState*, uint64_t> position;
  position.reserve(subjects_.size());
  for (const auto& [id, s] : subjects_) position.emplace(&s, position.size());
  AppendBigEndian64(&bytes, search_.entered().size());
  for (const SubjectState* s : search_.entered()) AppendBigEndian64(&bytes, position.at(s));
  return bytes;
}

Result<State> State::FromSnapshot(std::string_view bytes, Searchable searchable) {
  State state(searchable);
  Decoder head(bytes);
  auto malformed = [](std::string_view what, size_t offset) {
    return Status::Corruption("projection snapshot: " + std::string(what) + " at byte " + std::to_string(offset));
  };
  uint64_t chunk_subjects = 0, chunks = 0;
  if (!head.U64(&chunk_subjects) || chunk_subjects == 0 || !head.U64(&chunks) || chunks > head.remaining() / 8) {
    return malformed("the subjects' chunks are malformed", head.offset());
  }
  std::vector<uint64_t> starts(chunks);
  for (uint64_t& start : starts) {
    if (!head.U64(&start)) return malformed("the subjects' chunks are malformed", head.offset());
  }
  const size_t fields_at = head.offset();  // offsets in `starts` count from here
  Decoder in(bytes.substr(fields_at));
  uint64_t count = 0;
  if (!in.U64(&count) || count > in.remaining()) return malformed("the state is malformed", fields_at + in.offset());
  // Each chunk is checked to begin where recorded as it is decoded.
  if (chunks != count / chunk_subjects + (count % chunk_subjects != 0) || (chunks > 0 && starts[0] != in.offset())) {
    return malformed("the subjects' chunks do not match the subjects", fields_at);
  }
  // Each thread decodes a run of whole chunks into a map of its own; the runs must meet end to
  // start, and their keys ascend across them, as one decoder reading them in order would find.
  struct Run {
    uint64_t first_chunk = 0, end_chunk = 0;
    SubjectMap subjects;
    bool ok = false;
    size_t end = 0;  // the offset after its last subject
  };
  const unsigned threads = DecodeThreads(chunks);
  std::vector<Run> runs(threads);
  for (unsigned t = 0; t < threads; ++t) {
    runs[t].first_chunk = chunks * t / threads;
    runs[t].end_chunk = chunks * (t + 1) / threads;
  }
  const std::string_view fields = bytes.substr(fields_at);
  auto decode = [&fields, &starts, count, chunk_subjects](Run* run) {
    Decoder d(fields);
    run->ok = d.Seek(starts[run->first_chunk]);
    for (uint64_t chunk = run->first_chunk; run->ok && chunk < run->end_chunk; ++chunk) {
      const uint64_t first = chunk * chunk_subjects;
      run->ok = d.offset() == starts[chunk] && DecodeEntries(d, std::min(chunk_subjects, count - first), &run->subjects);
    }
    run->end = d.offset();
  };
  {
    std::vector<std::jthread> helpers;
    for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(decode, &runs[t]);
    if (threads > 0) decode(&runs[0]);
  }
  for (unsigned t = 0; t < threads; ++t) {
    Run& run = runs[t];
    if (!run.ok) return malformed("a subject is malformed, or a chunk of subjects does not begin where recorded", fields_at + run.end);
    if (t + 1 < threads && run.end != starts[runs[t + 1].first_chunk]) {
      return malformed("a chunk of subjects does not end where the next begins", fields_at + run.end);
    }
    if (!run.subjects.empty() && !state.subjects_.empty() && !(state.subjects_.rbegin()->first < run.subjects.begin()->first)) {
      return malformed("the subjects' keys do not ascend", fields_at + starts[run.first_chunk]);
    }
    state.subjects_.append(run.subjects);  // the nodes, keyed by their own ids still
  }
  if (threads > 0 && !in.Seek(runs.back().end)) return malformed("the state is malformed", fields_at + in.offset());
  auto rest = std::tie(state.contracts_, state.rulesets_, state.erasures_, state.applied_);
  if (!Decode(in, rest)) return malformed("the state is malformed", fields_at + in.offset());  // its Fields, as Digest encodes them
  uint64_t entered = 0;
  if (!in.U64(&entered) || entered > state.subjects_.size()) {
    return malformed("the search index lists more subjects than there are", fields_at + in.offset());
  }
  std::vector<SubjectState*> by_position;
  by_position.reserve(state.subjects_.size());
  for (auto& [id, s] : state.subjects_) by_position.push_back(&s);
  std::vector<SubjectState*> order;
  order.reserve(entered);
  std::vector<bool> listed(by_position.size());
  for (uint64_t i = 0, position = 0; i < entered; ++i) {
    if (!in.U64(&position)) return malformed("the search index is malformed", fields_at + in.offset());
    if (position >= by_position.size()) return malformed("the search index names a subject that is not there", fields_at + in.offset());
    if (listed[position]) return malformed("the search index names a subject twice", fields_at + in.offset());
    listed[position] = true;
    order.push_back(by_position[position]);
  }
  if (state.searchable_) state.search_.Load(std::move(order));
  // A state folded from a log has indexed every subject; any other (made member by member, in
  // tests) is indexed in key order after those listed.
  if (state.searchable_ && state.search_.entered().size() != state.subjects_.size()) {
    for (auto& [key, s] : state.subjects_) state.search_.Update(s);
  }
  if (in.remaining() != 0) return malformed("bytes follow the state", fields_at + in.offset());
  state.changes_from_ = state.applied_;  // the journal tells changes from here on
  return state;
}

// The digest's serialisation of anything with a Fields().
template <HasFields T>
static std::string EncodeFields(const T& value) {
  std::string bytes;
  Encode(&bytes, Fields(value));
  return bytes;
}

std::string Canonical(const SubjectState& subject) { return EncodeFields(subject); }

std::string Canonical(const Contract& contract) { return EncodeFields(contract); }

std::string State::Digest() const {
  CREDITLOG_CHECK(!overlay_.on);  // an overlay holds only part of a state
  return HexEncode(Sha256(AsBytes(EncodeFields(*this))));
}

}  // namespace creditlog::projections
