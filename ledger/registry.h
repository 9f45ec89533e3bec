// The key registry: which keys may record which events, rebuilt from the log itself.
//
// It is a pure function of the ledger-administration events (Genesis, AgencyKeyRegistered,
// KeyRevoked) in log order, so the writer, start-up and every audit replay the same code:
//   - seq 0 is Genesis, signed by the root key it names; the root key may record anything,
//     anywhere;
//   - a key registered at seq r may sign events at seq > r of its permitted types for
//     subjects whose division code starts with its jurisdiction;
//   - a key revoked at seq v signs nothing at seq >= v; a key may always revoke itself.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "events/event.h"

namespace creditlog::ledger {

struct KeyRecord {
  PublicKey public_key{};
  std::string agency_uscc;
  std::string agency_name;
  std::string key_name;
  uint64_t permitted_types = 0;  // bit (1 << EventBody value)
  std::string jurisdiction;      // division-code prefix; "" = everywhere
  uint64_t registered_seq = 0;
  std::optional<uint64_t> revoked_seq;
  bool is_root = false;

  bool Permits(fb::EventBody type) const;
};

class KeyRegistry {
 public:
  // OK if `key` may sign `event` as entry `seq`; PermissionDenied saying why not.
  // For administrative events also checks their own preconditions (Conflict for a key
  // registered twice, NotFound for revoking an unknown key, ...): AuthorizeSigner, then
  // CheckAdministrative.
  Status Authorize(const PublicKey& key, const fb::Event& event, uint64_t seq) const;
  // The signer alone: the key is registered before `seq` and not revoked, and may record this
  // event type for this subject (permission and jurisdiction). Nothing about the log's
  // contents: the writer checks this before it looks the event id up.
  Status AuthorizeSigner(const PublicKey& key, const fb::Event& event, uint64_t seq) const;
  // An administrative event's preconditions against the registry as it stands.
  Status CheckAdministrative(const PublicKey& signer, const fb::Event& event) const;
  // The agency whose event ids `key` writes in: its agency USCC; Genesis: the credit office.
  // REQUIRES: AuthorizeSigner(key, event, seq) returned OK (checked: the key is registered).
  std::string AgencyOf(const PublicKey& key, const fb::Event& event) const;

  // Applies an administrative event recorded at `seq`; others are ignored.
  // REQUIRES: Authorize(...) returned OK for it at this seq, and its fields are valid: events
  // read back from disk, an export or a server pass CheckRecordedFields first.
  void Apply(const fb::Event& event, uint64_t seq);

  bool has_genesis() const { return has_genesis_; }
  const std::string& origin() const { return origin_; }
  const PublicKey& ledger_public_key() const { return ledger_public_key_; }
  const KeyRecord* Find(const PublicKey& key) const;
  std::vector<KeyRecord> Keys() const;  // in registration order

 private:
  void ApplyGenesis(const fb::Genesis& genesis, uint64_t seq);
  void ApplyRegistration(const fb::AgencyKeyRegistered& registration, uint64_t seq);
  Status AuthorizeGenesis(const PublicKey& key, const fb::Event& event, uint64_t seq) const;

  bool has_genesis_ = false;
  std::string origin_;
  PublicKey ledger_public_key_{};
  std::map<PublicKey, KeyRecord> keys_;
};

std::string ShortKey(const PublicKey& key);  // first 8 bytes in hex, for messages

// For an administrative event read back (from disk, an export or a server) before the registry
// replays it: its fields under the rules it was recorded by, so that Apply reads no missing
// field. Corruption naming the field; OK for other events, which the registry does not read.
inline Status CheckRecordedFields(const fb::Event& event) {
  if (!events::IsAdministrative(event.body_type())) return Status::Ok();
  Status valid = events::ValidateEvent(event, events::FieldRules::kRecorded);
  if (valid.ok()) return valid;
  return Status::Corruption("administrative event: " + valid.message());
}

}  // namespace creditlog::ledger
