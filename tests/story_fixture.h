// Stories on a real ledger: the credit office's default ruleset, one agency key that may record
// every subject event in Qingdao, three registered subjects, and each date judged by rebuilding
// the projection from the log.
#pragma once

#include <catch2/catch.hpp>

#include "ledger_fixture.h"
#include "projections/admission.h"
#include "projections/build.h"
#include "projections/evaluate.h"
#include "projections/integrity.h"

namespace creditlog::testing {

using namespace creditlog::projections;
using nlohmann::json;

inline Day D(const char* date) { return events::DaysFromDate(date); }
inline std::string Date(Day d) { return events::DateFromDays(d); }

// The admission rules as the server runs them (projections/admission.h): an overlay of a
// projection folded from the committed entries. This one lags behind the log by 0, 1, 2 or 3
// entries in turn, and the overlay drops what it has folded at every event, so that each
// check reads some subjects and contracts from the overlay and the rest from the projection.
class LaggingProjection final : public SharedState {
 public:
  explicit LaggingProjection(const ledger::Ledger& ledger) : ledger_(ledger) {}
  Status Peek(const std::function<void(const State&)>& fn) override {
    const uint64_t size = ledger_.size();
    const uint64_t lag = std::min<uint64_t>(turn_++ % 4, size);
    RETURN_IF_ERROR(CatchUp(ledger_, std::max(state_.applied(), size - lag), &state_));
    fn(state_);
    return Status::Ok();
  }
  bool attached() const override { return true; }

 private:
  const ledger::Ledger& ledger_;
  State state_;
  uint64_t turn_ = 0;
};

// CREDITLOG_TEST_ADMISSION=overlay: stories recorded through the server's kind of admission
// (CTest runs the rules and stories so too).
inline Status InstallAdmission(ledger::Ledger& ledger) {
  const char* mode = std::getenv("CREDITLOG_TEST_ADMISSION");
  if (mode == nullptr || std::string_view(mode) != "overlay") return Admission::Install(ledger);
  auto projection = std::make_shared<LaggingProjection>(ledger);
  RETURN_IF_ERROR(projection->Peek([&](const State& now) {
    REQUIRE(now.applied() == ledger.size());  // Peek's first turn lags by none
    ledger.SetAppendGuard(std::make_shared<Admission>(projection, now, 0));
  }));
  return Status::Ok();
}


inline const std::vector<std::string> kAllTypes = {
    "SubjectRegistered", "CommitmentMade", "CommitmentVerified", "CommitmentBreached", "ContractSigned",
    "PaymentMade", "PenaltyDecided", "PenaltyFulfilled", "PenaltyRevoked", "ListingNoticeIssued",
    "ObjectionFiled", "ObjectionResolved", "SeriousListingDecided", "SeriousListingExited", "RepairApplied",
    "RepairDecided", "ArrearsRecorded", "ArrearsCleared", "ServiceRated", "CommitmentWithdrawn", "ContractCompleted",
    "CivilServantIntegrityEntry", "RecordCorrected", "MeasureApplied", "ServiceCaseHandled", "ServiceRectified",
    "ServiceFollowedUp"};

inline const std::string kCompany = Uscc("370202", 501);
inline const std::string kPublicBody = events::MakeUscc("11", "370211", "MB2C3D4E");
inline const std::string kOtherBody = events::MakeUscc("12", "370202", "MB9C8D7E");
inline const std::string kAgency = AgencyUscc();  // the agency of the story's key
inline const char* kCompanyName = "青岛蓝海食品有限公司";

struct Story {
  // `admitted`: every event passes the rules of the log when recorded (projections/admission.h),
  // as `record`, `import` and `serve` do. Without: a log written before a rule existed.
  explicit Story(bool admitted = true) {
    if (admitted) REQUIRE(InstallAdmission(*f.ledger).ok());
    // The credit office adopts the default ruleset; one agency may record everything in Qingdao.
    Adopt(std::string(DefaultRulesetJson()), "2020-12-07", "default");
    Record(f.root, RegisterEvent("office-agency", agency.public_key, "3702", kAllTypes));
    Register(kCompany, "Enterprise", kCompanyName);
    Register(kPublicBody, "PublicBody", "青岛市市南区行政审批服务局");
    Register(kOtherBody, "PublicBody", "青岛市市北区市场监督管理局");
  }

  uint64_t Register(const std::string& subject, const char* kind, const std::string& name) {
    return Add(subject, "SubjectRegistered", {{"kind", kind}, {"name", name}, {"division", subject.substr(2, 6)}});
  }

  void Adopt(const std::string& rules, const char* effective, const std::string& id) {
    Record(f.root, {{"event_id", "ruleset/" + id}, {"subject", ""}, {"body_type", "RulesetAdopted"},
                    {"body", {{"version", json::parse(rules)["version"]}, {"rules_json", rules}, {"effective_date", effective}}}});
  }

  uint64_t Record(const KeyPair& key, const json& event) {
    auto r = f.ledger->Append(Sign(event, key, LedgerFixture::kOrigin));
    if (!r.ok()) throw std::runtime_error(r.status().ToString() + " for " + event.dump());
    return r->seq;
  }

  uint64_t Add(const std::string& subject, const char* type, json body) {
    return Record(agency, {{"event_id", "story/" + std::to_string(next_id++)}, {"subject", subject},
                           {"body_type", type}, {"body", std::move(body)}});
  }

  // The refusal of an event (Ok when it was recorded).
  // The refusal of an event (Ok when it was recorded): by the validation of its fields, or by
  // the ledger.
  Status Try(const std::string& subject, const char* type, json body, const KeyPair* key = nullptr) {
    const json event = {{"event_id", "story/" + std::to_string(next_id++)}, {"subject", subject},
                        {"body_type", type}, {"body", std::move(body)}};
    auto bytes = events::EventFromJson(event.dump());
    if (!bytes.ok()) return bytes.status();
    return f.ledger->Append(events::SignEnvelope(*bytes, (key ? *key : agency).secret_key, LedgerFixture::kOrigin)).status();
  }

  Profile At(const std::string& subject, const char* date) {
    auto state = BuildState(*f.ledger, f.ledger->size());
    REQUIRE(state.ok());
    state_ = std::move(*state);
    auto profile = Evaluate(state_, subject, D(date));
    REQUIRE(profile.ok());
    return *profile;
  }

  static const Membership* On(const Profile& p, fb::ListKind list) {
    for (const auto& m : p.lists) {
      if (m.list == list) return &m;
    }
    return nullptr;
  }
  static bool HasMeasure(const Profile& p, const std::string& measure) {
    for (const auto& [m, list] : p.measures) {
      if (m == measure) return true;
    }
    return false;
  }

  LedgerFixture f;
  KeyPair agency = GenerateKeyPair();
  State state_;
  int next_id = 0;
};

inline json CommitmentJson(const std::string& id, const char* made, const char* deadline, const char* type = "ApprovalSubstitute") {
  return {{"commitment_id", id}, {"commitment_type", type}, {"matter", "食品经营许可"}, {"content", "承诺材料真实"},
          {"made_date", made}, {"deadline", deadline}, {"accepting_agency", kAgency}};
}

// Subject ids whose name holds `query`, as the search index finds them, in its order.
inline std::vector<std::string> NameHits(const State& state, std::string_view query) {
  std::vector<std::string> ids;
  state.search().ForEachNameHit(query, [&](const SubjectState& s) {
    ids.push_back(s.id);
    return true;
  });
  return ids;
}

inline json PenaltyJson(const std::string& number, const char* date, const char* severity) {
  return {{"decision_number", number}, {"subject_name", kCompanyName}, {"category", "罚款"}, {"facts", "事实"},
          {"basis", "依据"}, {"content", "罚款"}, {"fine_fen", 500000}, {"decision_date", date},
          {"deciding_agency", kAgency}, {"severity", severity}};
}


}  // namespace creditlog::testing
