#include "ledger/registry.h"

#include <algorithm>

#include "base/check.h"

namespace creditlog::ledger {
namespace {

constexpr uint64_t kAllTypes = ~uint64_t{0};
static_assert(static_cast<int>(fb::EventBody::MAX) < 64, "permitted_types is a 64-bit mask");

uint64_t TypeBit(fb::EventBody type) { return uint64_t{1} << static_cast<int>(type); }

Result<PublicKey> KeyField(const flatbuffers::Vector<uint8_t>* bytes, std::string_view field) {
  if (bytes == nullptr) return Status::InvalidArgument(std::string(field) + ": missing");
  auto key = PublicKeyFromBytes(ByteView(bytes->data(), bytes->size()));
  if (!key.ok()) return key.status().WithContext(field);
  return key;
}

std::string Describe(const KeyRecord& record) {
  return "key " + ShortKey(record.public_key) + " (" + record.agency_name + ", " + record.key_name + ")";
}

}  // namespace

std::string ShortKey(const PublicKey& key) { return HexEncode(ByteView(key.data(), 8)); }

bool KeyRecord::Permits(fb::EventBody type) const { return (permitted_types & TypeBit(type)) != 0; }

const KeyRecord* KeyRegistry::Find(const PublicKey& key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? nullptr : &it->second;
}

std::vector<KeyRecord> KeyRegistry::Keys() const {
  std::vector<KeyRecord> out;
  for (const auto& [key, record] : keys_) out.push_back(record);
  std::sort(out.begin(), out.end(),
            [](const KeyRecord& a, const KeyRecord& b) { return a.registered_seq < b.registered_seq; });
  return out;
}

Status KeyRegistry::AuthorizeGenesis(const PublicKey& key, const fb::Event& event, uint64_t seq) const {
  const bool is_genesis = event.body_type() == fb::EventBody::Genesis;
  if (seq == 0 && !is_genesis) return Status::PermissionDenied("entry 0 must be Genesis");
  if (seq != 0 && is_genesis) return Status::Conflict("Genesis may only be entry 0");
  if (!is_genesis) return Status::Ok();
  ASSIGN_OR_RETURN(PublicKey root, KeyField(event.body_as_Genesis()->root_public_key(), "body.root_public_key"));
  if (root != key) return Status::PermissionDenied("Genesis must be signed by the root key it names");
  return Status::Ok();
}

Status KeyRegistry::Authorize(const PublicKey& key, const fb::Event& event, uint64_t seq) const {
  RETURN_IF_ERROR(AuthorizeSigner(key, event, seq));
  if (seq == 0) return Status::Ok();
  return CheckAdministrative(key, event);
}

std::string KeyRegistry::AgencyOf(const PublicKey& key, const fb::Event& event) const {
  if (event.body_type() == fb::EventBody::Genesis) {
    const auto* office = event.body_as_Genesis()->office_uscc();
    return office ? office->str() : std::string();
  }
  const KeyRecord* record = Find(key);
  CREDITLOG_CHECK(record != nullptr);
  return record->agency_uscc;
}

Status KeyRegistry::AuthorizeSigner(const PublicKey& key, const fb::Event& event, uint64_t seq) const {
  RETURN_IF_ERROR(AuthorizeGenesis(key, event, seq));
  if (seq == 0) return Status::Ok();
  const KeyRecord* record = Find(key);
  if (record == nullptr) {
    return Status::PermissionDenied("key " + ShortKey(key) + " is not registered in this ledger");
  }
  if (record->revoked_seq && *record->revoked_seq <= seq) {
    return Status::PermissionDenied(Describe(*record) + " was revoked at seq " +
                                    std::to_string(*record->revoked_seq));
  }
  if (record->registered_seq >= seq) {
    return Status::PermissionDenied(Describe(*record) + " is registered only from seq " +
                                    std::to_string(record->registered_seq + 1));
  }
  const fb::EventBody type = event.body_type();
  const bool self_revocation = type == fb::EventBody::KeyRevoked &&
                               event.body_as_KeyRevoked()->public_key() != nullptr &&
                               KeyField(event.body_as_KeyRevoked()->public_key(), "").ok() &&
                               *KeyField(event.body_as_KeyRevoked()->public_key(), "") == key;
  if (!record->Permits(type) && !self_revocation) {
    return Status::PermissionDenied(Describe(*record) + " is not permitted to record " +
                                    std::string(events::EventTypeName(type)));
  }
  const std::string subject = event.subject() ? event.subject()->str() : "";
  const std::string_view division = events::SubjectDivision(subject);
  if (!self_revocation && division.substr(0, record->jurisdiction.size()) != record->jurisdiction) {
    return Status::PermissionDenied(Describe(*record) + " has jurisdiction '" + record->jurisdiction +
                                    "', which does not cover subject '" + subject + "'");
  }
  return Status::Ok();
}

Status KeyRegistry::CheckAdministrative(const PublicKey& signer, const fb::Event& event) const {
  (void)signer;
  if (event.body_type() == fb::EventBody::AgencyKeyRegistered) {
    const auto* body = event.body_as_AgencyKeyRegistered();
    ASSIGN_OR_RETURN(PublicKey key, KeyField(body->public_key(), "body.public_key"));
    if (Find(key) != nullptr) {
      return Status::Conflict("body.public_key: key " + ShortKey(key) + " is already registered");
    }
    if (body->replaces_public_key() != nullptr) {
      ASSIGN_OR_RETURN(PublicKey old_key, KeyField(body->replaces_public_key(), "body.replaces_public_key"));
      const KeyRecord* old_record = Find(old_key);
      if (old_record == nullptr) return Status::NotFound("body.replaces_public_key: key is not registered");
      if (old_record->is_root) return Status::Conflict("body.replaces_public_key: the root key cannot be replaced");
    }
  }
  if (event.body_type() == fb::EventBody::KeyRevoked) {
    ASSIGN_OR_RETURN(PublicKey key, KeyField(event.body_as_KeyRevoked()->public_key(), "body.public_key"));
    const KeyRecord* record = Find(key);
    if (record == nullptr) return Status::NotFound("body.public_key: key " + ShortKey(key) + " is not registered");
    if (record->is_root) return Status::Conflict("body.public_key: the root key cannot be revoked");
    if (record->revoked_seq) {
      return Status::Conflict("body.public_key: key " + ShortKey(key) + " was already revoked at seq " +
                              std::to_string(*record->revoked_seq));
    }
  }
  return Status::Ok();
}

void KeyRegistry::ApplyGenesis(const fb::Genesis& genesis, uint64_t seq) {
  const auto* body = &genesis;
  has_genesis_ = true;
  origin_ = body->origin()->str();
  ledger_public_key_ = *KeyField(body->ledger_public_key(), "");
  KeyRecord root;
  root.public_key = *KeyField(body->root_public_key(), "");
  root.agency_uscc = body->office_uscc()->str();
  root.agency_name = body->office_name()->str();
  root.key_name = "root";
  root.permitted_types = kAllTypes;
  root.registered_seq = seq;
  root.is_root = true;
  keys_[root.public_key] = root;
}

void KeyRegistry::ApplyRegistration(const fb::AgencyKeyRegistered& registration, uint64_t seq) {
  const auto* body = &registration;
  KeyRecord record;
  record.public_key = *KeyField(body->public_key(), "");
  record.agency_uscc = body->agency_uscc()->str();
  record.agency_name = body->agency_name()->str();
  record.key_name = body->key_name()->str();
  for (const auto* name : *body->permitted_types()) {
    auto type = events::EventTypeFromName(name->string_view());
    if (type.ok()) record.permitted_types |= TypeBit(*type);
  }
  record.jurisdiction = body->jurisdiction()->str();
  record.registered_seq = seq;
  if (body->replaces_public_key() != nullptr) {
    auto old_key = KeyField(body->replaces_public_key(), "");
    if (old_key.ok() && keys_.count(*old_key)) keys_[*old_key].revoked_seq = seq;
  }
  keys_[record.public_key] = record;
}

void KeyRegistry::Apply(const fb::Event& event, uint64_t seq) {
  switch (event.body_type()) {
    case fb::EventBody::Genesis:
      ApplyGenesis(*event.body_as_Genesis(), seq);
      break;
    case fb::EventBody::AgencyKeyRegistered:
      ApplyRegistration(*event.body_as_AgencyKeyRegistered(), seq);
      break;
    case fb::EventBody::KeyRevoked: {
      auto key = KeyField(event.body_as_KeyRevoked()->public_key(), "");
      if (key.ok() && keys_.count(*key)) keys_[*key].revoked_seq = seq;
      break;
    }
    // Nothing to register. NONE is not an event type: ValidateEvent refuses it before an entry
    // is recorded, but this runs on entries replayed from disk too, where Apply has no Status
    // to answer with, so it changes nothing here (as for any event the registry ignores).
    case fb::EventBody::NONE:
    case fb::EventBody::RulesetAdopted:
    case fb::EventBody::SubjectRegistered:
    case fb::EventBody::CommitmentMade:
    case fb::EventBody::CommitmentVerified:
    case fb::EventBody::CommitmentBreached:
    case fb::EventBody::CommitmentWithdrawn:
    case fb::EventBody::ContractSigned:
    case fb::EventBody::PaymentMade:
    case fb::EventBody::ArrearsRecorded:
    case fb::EventBody::ArrearsCleared:
    case fb::EventBody::ContractCompleted:
    case fb::EventBody::PenaltyDecided:
    case fb::EventBody::PenaltyFulfilled:
    case fb::EventBody::PenaltyRevoked:
    case fb::EventBody::ListingNoticeIssued:
    case fb::EventBody::ObjectionFiled:
    case fb::EventBody::ObjectionResolved:
    case fb::EventBody::SeriousListingDecided:
    case fb::EventBody::SeriousListingExited:
    case fb::EventBody::RepairApplied:
    case fb::EventBody::RepairDecided:
    case fb::EventBody::ServiceRated:
    case fb::EventBody::CivilServantIntegrityEntry:
    case fb::EventBody::RecordCorrected:
    case fb::EventBody::AccessRecorded:
    case fb::EventBody::ErasureRecorded:
    case fb::EventBody::MeasureApplied:
    case fb::EventBody::ServiceCaseHandled:
    case fb::EventBody::ServiceRectified:
    case fb::EventBody::ServiceFollowedUp:
      break;
  }
}

}  // namespace creditlog::ledger
