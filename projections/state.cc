#include "projections/state.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "crypto/sha256.h"

namespace creditlog::projections {
namespace {

Day D(const flatbuffers::String* date) { return events::DaysFromDate(date->string_view()); }
std::string S(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

template <typename T>
T* FindById(std::vector<T>& items, std::string_view id) {
  for (T& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

}  // namespace

int64_t Contract::PaidBy(Day day) const {
  int64_t paid = 0;
  for (const auto& [when, fen] : payments) {
    if (when <= day) paid += fen;
  }
  return paid;
}

SubjectState& State::Touch(const std::string& id) {
  SubjectState& s = subjects_[id];
  s.id = id;
  ++s.events;
  return s;
}

void SubjectState::AddRating(Day day, int stars) {
  auto it = std::lower_bound(ratings.begin(), ratings.end(), day, [](const RatingDay& r, Day d) { return r.day < d; });
  if (it == ratings.end() || it->day != day) it = ratings.insert(it, RatingDay{day, 0, 0});
  ++it->count;
  it->stars += stars;
}

RatingSummary SubjectState::RatingsBy(Day day) const {
  int64_t count = 0, stars = 0;
  for (const RatingDay& r : ratings) {
    if (r.day > day) break;
    count += r.count, stars += r.stars;
  }
  return {static_cast<size_t>(count), count ? static_cast<double>(stars) / static_cast<double>(count) : 0};
}

const SubjectState* State::Subject(std::string_view id) const {
  auto it = subjects_.find(id);
  return it == subjects_.end() ? nullptr : &it->second;
}

const Contract* State::FindContract(std::string_view id) const {
  auto it = contracts_.find(id);
  return it == contracts_.end() ? nullptr : &it->second;
}

void State::Apply(const fb::Event& event, uint64_t seq) {
  applied_ = seq + 1;
  if (event.body_type() == fb::EventBody::RulesetAdopted) {
    const auto* b = event.body_as_RulesetAdopted();
    auto rules = ParseRuleset(b->rules_json()->string_view());
    // A ruleset that does not parse is recorded in the log but never in force.
    if (rules.ok()) rulesets_.Add({D(b->effective_date()), seq, std::move(*rules)});
    return;
  }
  if (events::IsAdministrative(event.body_type())) return;
  SubjectState& s = Touch(S(event.subject()));
  if (event.body_type() == fb::EventBody::SubjectRegistered) {
    s.name = S(event.body_as_SubjectRegistered()->name());
    s.kind = event.body_as_SubjectRegistered()->kind();
  }
  ApplyCommitment(s, event, seq);
  ApplyContract(s, event, seq);
  ApplyPenalty(s, event, seq);
  ApplyDueProcess(s, event, seq);
  if (event.body_type() == fb::EventBody::ServiceRated) {
    s.AddRating(D(event.body_as_ServiceRated()->rated_date()), event.body_as_ServiceRated()->rating());
  }
}

void State::ApplyCommitment(SubjectState& s, const fb::Event& event, uint64_t seq) {
  switch (event.body_type()) {
    case fb::EventBody::CommitmentMade: {
      const auto* b = event.body_as_CommitmentMade();
      Commitment c;
      c.id = S(b->commitment_id());
      c.type = b->commitment_type();
      c.matter = S(b->matter());
      c.accepting_agency = S(b->accepting_agency());
      c.made = D(b->made_date());
      c.deadline = D(b->deadline());
      c.seqs.push_back(seq);
      s.commitments.push_back(std::move(c));
      break;
    }
    case fb::EventBody::CommitmentVerified:
      if (auto* c = FindById(s.commitments, S(event.body_as_CommitmentVerified()->commitment_id()))) {
        c->verified = D(event.body_as_CommitmentVerified()->verified_date());
        c->seqs.push_back(seq);
      }
      break;
    case fb::EventBody::CommitmentBreached:
      if (auto* c = FindById(s.commitments, S(event.body_as_CommitmentBreached()->commitment_id()))) {
        c->breached = D(event.body_as_CommitmentBreached()->breach_date());
        c->false_commitment = event.body_as_CommitmentBreached()->false_commitment();
        c->seqs.push_back(seq);
      }
      break;
    case fb::EventBody::CommitmentWithdrawn:
      if (auto* c = FindById(s.commitments, S(event.body_as_CommitmentWithdrawn()->commitment_id()))) {
        c->withdrawn = D(event.body_as_CommitmentWithdrawn()->withdrawn_date());
        c->seqs.push_back(seq);
      }
      break;
    default:
      break;
  }
}

void State::ApplyContract(SubjectState& s, const fb::Event& event, uint64_t seq) {
  if (event.body_type() == fb::EventBody::ContractSigned) {
    const auto* b = event.body_as_ContractSigned();
    Contract c;
    c.id = S(b->contract_id());
    c.payer = S(b->public_body());
    c.payee = S(b->counterparty());
    c.title = S(b->title());
    c.amount_fen = b->amount_fen();
    c.signed_on = D(b->signed_date());
    if (b->delivery_date() && b->delivery_date()->size() > 0) c.delivered = D(b->delivery_date());
    c.term_days = b->payment_term_days() == 0 ? events::kPaymentTermDaysDefault : b->payment_term_days();
    c.seqs.push_back(seq);
    if (contracts_.count(c.id)) return;  // a second signing of the same id changes nothing
    s.contracts_as_payer.push_back(c.id);
    if (c.payee != s.id) {
      SubjectState& payee = subjects_[c.payee];
      payee.id = c.payee;
      payee.contracts_as_payee.push_back(c.id);
    }
    contracts_[c.id] = std::move(c);
    return;
  }
  std::string id;
  switch (event.body_type()) {
    case fb::EventBody::PaymentMade: id = S(event.body_as_PaymentMade()->contract_id()); break;
    case fb::EventBody::ArrearsRecorded: id = S(event.body_as_ArrearsRecorded()->contract_id()); break;
    case fb::EventBody::ArrearsCleared: id = S(event.body_as_ArrearsCleared()->contract_id()); break;
    case fb::EventBody::ContractCompleted: id = S(event.body_as_ContractCompleted()->contract_id()); break;
    default: return;
  }
  auto it = contracts_.find(id);
  if (it == contracts_.end() || it->second.payer != s.id) return;  // only the payer's stream moves it
  Contract& c = it->second;
  c.seqs.push_back(seq);
  switch (event.body_type()) {
    case fb::EventBody::PaymentMade:
      c.payments.emplace_back(D(event.body_as_PaymentMade()->paid_date()), event.body_as_PaymentMade()->amount_fen());
      break;
    case fb::EventBody::ArrearsRecorded: c.arrears_recorded = D(event.body_as_ArrearsRecorded()->recorded_date()); break;
    case fb::EventBody::ArrearsCleared: c.arrears_cleared = D(event.body_as_ArrearsCleared()->cleared_date()); break;
    default: c.completed = D(event.body_as_ContractCompleted()->completed_date()); break;
  }
}

void State::ApplyPenalty(SubjectState& s, const fb::Event& event, uint64_t seq) {
  auto find = [&](const flatbuffers::String* number) -> Penalty* {
    for (Penalty& p : s.penalties) {
      if (p.decision_number == number->string_view()) return &p;
    }
    return nullptr;
  };
  switch (event.body_type()) {
    case fb::EventBody::PenaltyDecided: {
      const auto* b = event.body_as_PenaltyDecided();
      if (find(b->decision_number())) return;
      Penalty p;
      p.decision_number = S(b->decision_number());
      p.category = S(b->category());
      p.content = S(b->content());
      p.deciding_agency_name = S(b->deciding_agency_name());
      p.severity = b->severity();
      p.decided = D(b->decision_date());
      p.fine_fen = b->fine_fen();
      p.seqs.push_back(seq);
      if (s.name.empty()) s.name = S(b->subject_name());  // 行政相对人名称, until a registration says otherwise
      s.penalties.push_back(std::move(p));
      break;
    }
    case fb::EventBody::PenaltyFulfilled:
      if (Penalty* p = find(event.body_as_PenaltyFulfilled()->decision_number())) {
        p->fulfilled = D(event.body_as_PenaltyFulfilled()->fulfilled_date());
        p->seqs.push_back(seq);
      }
      break;
    case fb::EventBody::PenaltyRevoked:
      if (Penalty* p = find(event.body_as_PenaltyRevoked()->decision_number())) {
        p->revoked = D(event.body_as_PenaltyRevoked()->revoked_date());
        p->seqs.push_back(seq);
      }
      break;
    default:
      break;
  }
}

void State::ApplyDueProcess(SubjectState& s, const fb::Event& event, uint64_t seq) {
  switch (event.body_type()) {
    case fb::EventBody::ListingNoticeIssued: {
      const auto* b = event.body_as_ListingNoticeIssued();
      Notice n{S(b->notice_id()), b->list(), S(b->reason()), D(b->notice_date()), D(b->objection_deadline()), {}, {}, {seq}};
      if (b->related()) {
        for (const auto* r : *b->related()) n.related.push_back(r->str());
      }
      s.notices.push_back(std::move(n));
      break;
    }
    case fb::EventBody::ObjectionFiled:
      s.objections[S(event.body_as_ObjectionFiled()->objection_id())] = S(event.body_as_ObjectionFiled()->notice_id());
      if (Notice* n = FindById(s.notices, S(event.body_as_ObjectionFiled()->notice_id()))) n->seqs.push_back(seq);
      break;
    case fb::EventBody::ObjectionResolved: {
      const auto* b = event.body_as_ObjectionResolved();
      auto it = s.objections.find(S(b->objection_id()));
      Notice* n = it == s.objections.end() ? nullptr : FindById(s.notices, it->second);
      if (n == nullptr) break;
      n->seqs.push_back(seq);
      if (b->upheld()) n->corrected = D(b->resolved_date());
      break;
    }
    case fb::EventBody::SeriousListingDecided: {
      const auto* b = event.body_as_SeriousListingDecided();
      s.listings.push_back({S(b->listing_id()), S(b->notice_id()), S(b->basis()), D(b->decision_date()),
                            D(b->term_end_date()), {}, {}, {seq}});
      break;
    }
    case fb::EventBody::SeriousListingExited:
      if (SeriousListing* l = FindById(s.listings, S(event.body_as_SeriousListingExited()->listing_id()))) {
        if (!l->exited) l->exited = D(event.body_as_SeriousListingExited()->exit_date());
        l->exit_reason = S(event.body_as_SeriousListingExited()->reason());
        l->seqs.push_back(seq);
      }
      break;
    case fb::EventBody::RepairApplied: {
      const auto* b = event.body_as_RepairApplied();
      s.repairs.push_back({S(b->repair_id()), S(b->target()), S(b->commitment_id()), D(b->applied_date()), {}, false, {seq}});
      break;
    }
    case fb::EventBody::RepairDecided: {
      const auto* b = event.body_as_RepairDecided();
      Repair* r = FindById(s.repairs, S(b->repair_id()));
      if (r == nullptr) break;
      r->decided = D(b->decided_date());
      r->approved = b->approved();
      r->seqs.push_back(seq);
      break;
    }
    default:
      break;
  }
}

std::string State::Digest() const {
  using nlohmann::json;
  json doc = json::object();
  doc["applied"] = applied_;
  auto opt = [](const std::optional<Day>& d) { return d ? json(*d) : json(); };
  for (const auto& [id, s] : subjects_) {
    json j = {{"name", s.name}, {"kind", static_cast<int>(s.kind)}, {"events", s.events},
              {"payer", s.contracts_as_payer}, {"payee", s.contracts_as_payee}, {"objections", s.objections}};
    for (const auto& c : s.commitments) {
      j["commitments"].push_back({c.id, static_cast<int>(c.type), c.matter, c.accepting_agency, c.made, c.deadline,
                                  opt(c.verified), opt(c.breached), opt(c.withdrawn), c.false_commitment, c.seqs});
    }
    for (const auto& p : s.penalties) {
      j["penalties"].push_back({p.decision_number, p.category, static_cast<int>(p.severity), p.decided, p.fine_fen,
                                opt(p.fulfilled), opt(p.revoked), p.seqs});
    }
    for (const auto& n : s.notices) {
      j["notices"].push_back({n.id, static_cast<int>(n.list), n.noticed, n.objection_deadline, n.related, opt(n.corrected), n.seqs});
    }
    for (const auto& l : s.listings) {
      j["listings"].push_back({l.id, l.notice_id, l.decided, l.term_end, opt(l.exited), l.exit_reason, l.seqs});
    }
    for (const auto& r : s.repairs) {
      j["repairs"].push_back({r.id, r.target, r.commitment_id, r.applied, opt(r.decided), r.approved, r.seqs});
    }
    for (const auto& r : s.ratings) j["ratings"].push_back({r.day, r.count, r.stars});
    doc["subjects"][id] = std::move(j);
  }
  for (const auto& [id, c] : contracts_) {
    doc["contracts"][id] = {c.payer, c.payee, c.amount_fen, c.signed_on, opt(c.delivered), c.term_days, c.payments,
                            opt(c.arrears_recorded), opt(c.arrears_cleared), opt(c.completed), c.seqs};
  }
  const RulesetHistory::Adopted* latest = rulesets_.At(std::numeric_limits<Day>::max());
  doc["ruleset_in_force_last"] = latest ? json{latest->rules.version, latest->effective_day, latest->seq} : json();
  const std::string text = doc.dump();
  return HexEncode(Sha256(AsBytes(text)));
}

}  // namespace creditlog::projections
