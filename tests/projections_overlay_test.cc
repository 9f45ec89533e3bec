// An overlay (State::Overlay), the admission rules' fold in the server: over a base that lags
// behind it, with its copies dropped as the base catches up, every subject and contract reads
// as in the whole fold, and it holds only what the entries the base lacks touched.
#include <catch2/catch.hpp>

#include "ledger/entry.h"
#include "story_fixture.h"

using namespace creditlog;
using namespace creditlog::projections;
using namespace creditlog::testing;

namespace {

json ContractBody(const std::string& id, const std::string& payee) {
  return {{"contract_id", id},          {"public_body", kPublicBody}, {"counterparty", payee},
          {"counterparty_is_sme", true}, {"title", "物业服务"},        {"amount_fen", 1000000},
          {"signed_date", "2025-12-01"}, {"delivery_date", "2026-01-01"}, {"payment_term_days", 30}};
}

// Contracts between subjects (the payee's file changes with the payer's event), payments,
// arrears, a correction of a contract, objections to a contract by its payee, penalties and a
// subject registered only as a payee.
void ContractStory(Story& s) {
  const std::string payee_only = Uscc("370203", 977);
  s.Add(kPublicBody, "ContractSigned", ContractBody("HT-1", kCompany));
  s.Add(kPublicBody, "ContractSigned", ContractBody("HT-2", payee_only));
  json other_penalty = PenaltyJson("青市监罚〔2026〕1号", "2026-01-05", "General");
  other_penalty["subject_name"] = "青岛市市北区市场监督管理局";
  s.Add(kOtherBody, "PenaltyDecided", other_penalty);
  s.Add(kPublicBody, "PaymentMade", {{"contract_id", "HT-1"}, {"amount_fen", 400000}, {"paid_date", "2026-01-20"}});
  s.Add(kPublicBody, "ArrearsRecorded",
        {{"contract_id", "HT-1"}, {"amount_fen", 600000}, {"due_date", "2026-01-31"}, {"recorded_date", "2026-02-03"}});
  s.Add(kCompany, "ObjectionFiled",
        {{"objection_id", "YY-1"}, {"notice_id", ""}, {"record_type", "ContractSigned"}, {"record_id", "HT-1"},
         {"content", "付款金额有误"}, {"filed_date", "2026-02-04"}});
  s.Add(kPublicBody, "RecordCorrected",
        {{"record_type", "ContractSigned"}, {"record_id", "HT-1"},
         {"fields", json::array({{{"field", "amount_fen"}, {"number", 900000}, {"flag", false}}})},
         {"reason", "合同金额录入有误"}, {"basis", "合同原件"}, {"corrected_date", "2026-02-05"}});
  s.Add(kPublicBody, "PaymentMade", {{"contract_id", "HT-1"}, {"amount_fen", 500000}, {"paid_date", "2026-02-06"}});
  s.Add(kPublicBody, "ArrearsCleared", {{"contract_id", "HT-1"}, {"amount_fen", 500000}, {"cleared_date", "2026-02-06"}});
  s.Add(kPublicBody, "ContractCompleted", {{"contract_id", "HT-1"}, {"completed_date", "2026-02-07"}});
  s.Register(payee_only, "Enterprise", "青岛第977号海产有限公司");
  s.Add(payee_only, "ObjectionFiled",
        {{"objection_id", "YY-2"}, {"notice_id", ""}, {"record_type", "ContractSigned"}, {"record_id", "HT-2"},
         {"content", "交付日期有误"}, {"filed_date", "2026-02-08"}});
  s.Add(kPublicBody, "PaymentMade", {{"contract_id", "HT-2"}, {"amount_fen", 1000000}, {"paid_date", "2026-02-09"}});
  s.Add(kCompany, "PenaltyDecided", PenaltyJson("青市监罚〔2026〕2号", "2026-02-10", "Serious"));
  s.Add(kCompany, "PenaltyFulfilled", {{"decision_number", "青市监罚〔2026〕2号"}, {"fulfilled_date", "2026-02-11"}});
}

}  // namespace

TEST_CASE("overlay: over a lagging base dropping its copies at every entry it reads as the whole fold", "[overlay]") {
  Story s;
  ContractStory(s);
  std::vector<Bytes> entries;
  for (uint64_t seq = 0; seq < s.f.ledger->size(); ++seq) {
    auto entry = s.f.ledger->Entry(seq);
    REQUIRE(entry.ok());
    entries.push_back(std::move(*entry));
  }
  auto apply = [&](State& state, uint64_t seq) {
    auto view = ledger::ParseEntry(entries[seq]);
    REQUIRE(view.ok());
    REQUIRE(state.Apply(*view->envelope.event, seq).ok());
  };

  const uint64_t lag = GENERATE(1, 2, 5);
  CAPTURE(lag);
  State full, base;
  State overlay = State::Overlay(base);
  REQUIRE(overlay.overlay());
  for (uint64_t seq = 0; seq < entries.size(); ++seq) {
    CAPTURE(seq);
    while (base.applied() + lag < seq + 1) apply(base, base.applied());
    overlay.SetBase(&base);
    overlay.Prune(base.applied());
    apply(overlay, seq);
    apply(full, seq);
    REQUIRE(overlay.applied() == full.applied());
    // It holds copies only of what the entries the base lacks touched: a subject and a contract
    // each at most (two subjects for a contract signed).
    CHECK(overlay.overlay_keys() <= 3 * (overlay.applied() - base.applied()));
    for (const auto& [id, subject] : full.subjects()) {
      CAPTURE(id);
      const SubjectState* read = overlay.Subject(id);
      REQUIRE(read != nullptr);
      CHECK(Canonical(*read) == Canonical(subject));
    }
    for (const auto& [id, contract] : full.contracts()) {
      CAPTURE(id);
      const Contract* read = overlay.FindContract(id);
      REQUIRE(read != nullptr);
      CHECK(Canonical(*read) == Canonical(contract));
    }
    CHECK(overlay.rulesets().adopted().size() == full.rulesets().adopted().size());
    overlay.SetBase(nullptr);
  }
  // Caught up, the base holds everything: the overlay drops every copy.
  while (base.applied() < entries.size()) apply(base, base.applied());
  CHECK(base.Digest() == full.Digest());
  overlay.Prune(base.applied());
  CHECK(overlay.overlay_keys() == 0);
  // The contract's payee changed with the payer's events: the copies covered both.
  REQUIRE(full.FindContract("HT-1") != nullptr);
  CHECK(full.FindContract("HT-1")->amount_fen == 900000);
  CHECK(full.FindContract("HT-1")->payments.size() == 2);
  CHECK(full.Subject(kCompany)->rare->objections.at(0).handling_agency == kPublicBody);
}

TEST_CASE("overlay: what the admission rules check reads the overlay before the base", "[overlay]") {
  // A payment on a contract signed in the same group commit (not yet in the projection) is
  // admitted, and a second signing of it refused, through the server's kind of admission.
  Story s;
  auto base = std::make_shared<State>();
  REQUIRE(CatchUp(*s.f.ledger, s.f.ledger->size(), base.get()).ok());
  struct Frozen final : SharedState {  // a projection that folds nothing while the story records
    explicit Frozen(std::shared_ptr<State> frozen) : state(std::move(frozen)) {}
    Status Peek(const std::function<void(const State&)>& fn) override {
      if (gone) return Status::Unavailable("gone");
      fn(*state);
      return Status::Ok();
    }
    bool attached() const override { return !gone; }
    std::shared_ptr<State> state;
    bool gone = false;
  };
  auto frozen = std::make_shared<Frozen>(base);
  s.f.ledger->SetAppendGuard(std::make_shared<Admission>(frozen, *base, 0));
  CHECK(s.Try(kPublicBody, "ContractSigned", ContractBody("HT-9", kCompany)).ok());
  CHECK(s.Try(kPublicBody, "PaymentMade", {{"contract_id", "HT-9"}, {"amount_fen", 1000}, {"paid_date", "2026-01-20"}}).ok());
  const Status twice = s.Try(kPublicBody, "ContractSigned", ContractBody("HT-9", kCompany));
  CHECK(twice.code() == StatusCode::kConflict);
  const Status unknown = s.Try(kPublicBody, "PaymentMade", {{"contract_id", "HT-8"}, {"amount_fen", 1}, {"paid_date", "2026-01-20"}});
  CHECK_THAT(unknown.ToString(), Catch::Contains("body.contract_id") && Catch::Contains("HT-8"));
  CHECK(base->FindContract("HT-9") == nullptr);  // only the overlay has it
  // A projection gone: everything is refused, and the ledger no longer counts as guarded.
  REQUIRE(s.f.ledger->guarded());
  frozen->gone = true;
  CHECK_FALSE(s.f.ledger->guarded());
  CHECK(s.Try(kPublicBody, "PaymentMade", {{"contract_id", "HT-9"}, {"amount_fen", 1}, {"paid_date", "2026-01-21"}}).code() ==
        StatusCode::kUnavailable);
}
