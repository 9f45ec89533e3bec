// The event catalogue, member by member: every member of the EventBody union has a name that
// round-trips, an example that is accepted, and field rules that refuse its emptiest body. A
// new member fails here until its example and its expected refusal are written down
// (docs/events.md, "Adding an event type").
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>
#include <flatbuffers/idl.h>
#include <nlohmann/json.hpp>

#include "events/event.h"
#include "events/json.h"
#include "events/uscc.h"

using namespace creditlog;
using namespace creditlog::events;
using nlohmann::json;

namespace {

std::filesystem::path Examples() { return std::filesystem::path(CREDITLOG_SOURCE_DIR) / "events/examples"; }

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every member but NONE, with its generated name.
std::vector<std::pair<fb::EventBody, std::string>> Catalogue() {
  std::vector<std::pair<fb::EventBody, std::string>> out;
  for (fb::EventBody type : fb::EnumValuesEventBody()) {
    if (type != fb::EventBody::NONE) out.emplace_back(type, fb::EnumNameEventBody(type));
  }
  return out;
}

flatbuffers::Parser& SchemaParser() {
  static flatbuffers::Parser* parser = [] {
    auto* p = new flatbuffers::Parser();
    const std::string schema(EventSchemaText());
    if (!p->Parse(schema.c_str()) || !p->SetRootType("Event")) throw std::runtime_error(p->error_);
    return p;
  }();
  return *parser;
}

// The Event bytes for `event` as FlatBuffers' parser builds them, without ValidateEvent.
Bytes Unvalidated(const json& event) {
  flatbuffers::IDLOptions options;
  options.strict_json = true;
  flatbuffers::Parser parser(options);
  const std::string schema(EventSchemaText());
  REQUIRE(parser.Parse(schema.c_str()));
  REQUIRE(parser.SetRootType("Event"));
  INFO(event.dump());
  REQUIRE(parser.ParseJson(event.dump().c_str()));
  return Bytes(parser.builder_.GetBufferPointer(), parser.builder_.GetBufferPointer() + parser.builder_.GetSize());
}

// The emptiest body the verifier accepts: required strings and vectors present but empty,
// every other field absent (scalars at their defaults).
json EmptiestBody(const std::string& type) {
  const flatbuffers::StructDef* table = SchemaParser().structs_.Lookup("creditlog.fb." + type);
  REQUIRE(table != nullptr);
  json body = json::object();
  for (const flatbuffers::FieldDef* field : table->fields.vec) {
    if (!field->IsRequired()) continue;
    if (field->value.type.base_type == flatbuffers::BASE_TYPE_STRING) {
      body[field->name] = "";
    } else {
      REQUIRE(field->value.type.base_type == flatbuffers::BASE_TYPE_VECTOR);
      body[field->name] = json::array();
    }
  }
  return body;
}

// What ValidateEvent says first about each type's emptiest body: the first rule of its
// function in events/validate_body.cc. None of them is accepted.
const std::map<std::string, std::string> kEmptiestBodyRefusal = {
    {"Genesis", "body.ledger_id: is required and must not be empty"},
    {"AgencyKeyRegistered", "body.agency_uscc: is required (a unified social credit code)"},
    {"KeyRevoked", "body.public_key: 0 bytes; an Ed25519 public key has 32"},
    {"RulesetAdopted", "body.version: is required and must not be empty"},
    {"SubjectRegistered", "body.name: is required and must not be empty"},
    {"CommitmentMade", "body.commitment_id: is required and must not be empty"},
    {"CommitmentVerified", "body.commitment_id: is required and must not be empty"},
    {"CommitmentBreached", "body.commitment_id: is required and must not be empty"},
    {"CommitmentWithdrawn", "body.commitment_id: is required and must not be empty"},
    {"ContractSigned", "body.contract_id: is required and must not be empty"},
    {"PaymentMade", "body.contract_id: is required and must not be empty"},
    {"ArrearsRecorded", "body.contract_id: is required and must not be empty"},
    {"ArrearsCleared", "body.contract_id: is required and must not be empty"},
    {"ContractCompleted", "body.contract_id: is required and must not be empty"},
    {"PenaltyDecided", "body.decision_number: is required and must not be empty"},
    {"PenaltyFulfilled", "body.decision_number: is required and must not be empty"},
    {"PenaltyRevoked", "body.decision_number: is required and must not be empty"},
    {"ListingNoticeIssued", "body.notice_id: is required and must not be empty"},
    {"ObjectionFiled", "body.objection_id: is required and must not be empty"},
    {"ObjectionResolved", "body.objection_id: is required and must not be empty"},
    {"SeriousListingDecided", "body.listing_id: is required and must not be empty"},
    {"SeriousListingExited", "body.listing_id: is required and must not be empty"},
    {"RepairApplied", "body.repair_id: is required and must not be empty"},
    {"RepairDecided", "body.repair_id: is required and must not be empty"},
    {"ServiceRated", "body.rating_id: is required and must not be empty"},
    {"CivilServantIntegrityEntry", "body.entry_id: is required and must not be empty"},
    {"RecordCorrected", "body.record_type: is required and must not be empty"},
    {"AccessRecorded", "body.reader: is required and must not be empty"},
    {"ErasureRecorded", "body.person: is required and must not be empty"},
    {"MeasureApplied", "body.feedback_id: is required and must not be empty"},
    {"ServiceCaseHandled", "body.case_id: is required and must not be empty"},
    {"ServiceRectified", "body.case_id: is required and must not be empty"},
    {"ServiceFollowedUp", "body.case_id: is required and must not be empty"},
};

}  // namespace

TEST_CASE("Every event type's name round-trips and its example is accepted", "[catalogue]") {
  size_t examples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(Examples())) examples += entry.path().extension() == ".json";
  REQUIRE(examples == Catalogue().size());  // one example per type, and no other

  for (const auto& [type, name] : Catalogue()) {
    INFO(name);
    REQUIRE(EventTypeName(type) == name);
    REQUIRE(EventTypeFromName(name).ok());
    REQUIRE(*EventTypeFromName(name) == type);
    const std::filesystem::path path = Examples() / (name + ".json");
    REQUIRE(std::filesystem::exists(path));
    auto bytes = EventFromJson(ReadFile(path));
    INFO(bytes.status().ToString());
    REQUIRE(bytes.ok());
    auto event = ParseEvent(*bytes);
    REQUIRE(event.ok());
    REQUIRE((*event)->body_type() == type);
    CHECK(ValidateEvent(**event, FieldRules::kRecorded).ok());
    // Administrative events are about the ledger itself: no subject.
    const bool has_subject = (*event)->subject() != nullptr && (*event)->subject()->size() > 0;
    CHECK(IsAdministrative(type) == !has_subject);
  }
  CHECK_FALSE(EventTypeFromName("NONE").ok());
  CHECK_FALSE(IsAdministrative(fb::EventBody::NONE));
  CHECK_FALSE(IsAdministrative(static_cast<fb::EventBody>(static_cast<int>(fb::EventBody::MAX) + 1)));
}

TEST_CASE("Every event type's emptiest body is refused, naming the field its rules check first", "[catalogue]") {
  REQUIRE(kEmptiestBodyRefusal.size() == Catalogue().size());
  for (const auto& [type, name] : Catalogue()) {
    INFO(name);
    REQUIRE(kEmptiestBodyRefusal.count(name) == 1);  // a new type states what its emptiest body gets
    json event = json::parse(ReadFile(Examples() / (name + ".json")));
    event["body"] = EmptiestBody(name);
    const Bytes bytes = Unvalidated(event);
    auto parsed = ParseEvent(bytes);
    REQUIRE(parsed.ok());  // structurally sound: the refusal is the field rules'
    const Status recorded = ValidateEvent(**parsed, FieldRules::kRecorded);
    const Status now = ValidateEvent(**parsed, FieldRules::kNew);
    CHECK(now.code() == StatusCode::kInvalidArgument);
    CHECK(now.message() == kEmptiestBodyRefusal.at(name));
    CHECK(recorded.message() == kEmptiestBodyRefusal.at(name));
    CHECK(EventFromJson(event.dump()).status().message() == kEmptiestBodyRefusal.at(name));
  }
}

TEST_CASE("An event whose body type is NONE or unknown to this build is refused", "[catalogue]") {
  auto build = [](fb::EventBody type) {
    flatbuffers::FlatBufferBuilder b;
    const auto event_id = b.CreateString("catalogue/none");
    const auto subject = b.CreateString(MakeUscc("91", "370202", "MA3C4D5E"));
    const flatbuffers::Offset<void> body(b.EndTable(b.StartTable()));  // present, but of no type
    b.Finish(fb::CreateEvent(b, event_id, subject, -1, 0, 0, type, body));
    return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  };
  const Bytes none = build(fb::EventBody::NONE);
  auto parsed = ParseEvent(none);
  REQUIRE(parsed.ok());  // the verifier lets it through; the field rules must not
  CHECK(ValidateEvent(**parsed).message() == "body: is required (body_type names the event type)");
  CHECK(ValidateEvent(**parsed, FieldRules::kRecorded).message() == "body: is required (body_type names the event type)");

  const auto beyond = static_cast<fb::EventBody>(static_cast<int>(fb::EventBody::MAX) + 1);
  const Bytes unknown = build(beyond);
  parsed = ParseEvent(unknown);
  REQUIRE(parsed.ok());
  CHECK(ValidateEvent(**parsed).message() ==
        "body_type: " + std::to_string(static_cast<int>(beyond)) + " is not an event type known to this build");
}

TEST_CASE("Every event type has the console's Chinese name, so the command line says it the same way", "[catalogue]") {
  std::ifstream in(std::filesystem::path(CREDITLOG_SOURCE_DIR) / "web/i18n.js");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string i18n = buffer.str();
  for (int t = static_cast<int>(fb::EventBody::MIN) + 1; t <= static_cast<int>(fb::EventBody::MAX); ++t) {
    const std::string name(EventTypeName(static_cast<fb::EventBody>(t)));
    INFO(name);
    const std::string_view chinese = EventTypeChineseName(name);
    REQUIRE_FALSE(chinese.empty());
    const std::string key = "'ev." + name + "': '";
    const size_t at = i18n.find(key);  // the Chinese table comes first
    REQUIRE(at != std::string::npos);
    const size_t begin = at + key.size();
    CHECK(i18n.substr(begin, i18n.find('\'', begin) - begin) == chinese);
  }
  CHECK(EventTypeChineseName("NoSuchEvent").empty());
}
