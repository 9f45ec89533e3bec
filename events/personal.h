// Personal information in events: which fields hold a natural person's information, whose,
// and how a signing client seals them (docs/privacy.md, "Erasure").
//
// A personal field never reaches the log in plaintext. The client that signs an event puts a
// salted commitment in the field's place,
//   "sealed:v1:" + base64url(SHA-256("creditlog-seal-v1" 0x00 path 0x00 salt value)),
// signs the event so, and sends the opening (path, salt, value) beside it in the envelope's
// unsigned `openings`. The ledger checks each opening against its commitment, encrypts it
// under the person's data key and stores only the ciphertext (Envelope.sealed, ledger/
// personal_keys.h). Destroying the key erases the value; the signed event, its leaf and every
// proof are the same bytes before and after.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "events/event_generated.h"
#include "events/text_rules.h"

namespace creditlog::events {

inline constexpr std::string_view kSealedPrefix = "sealed:v1:";
inline constexpr std::string_view kSealDomain = "creditlog-seal-v1";
inline constexpr size_t kSealSaltBytes = 16;
inline constexpr size_t kSealedMarkerBytes = 10 + 43;  // prefix + base64url of 32 bytes
// A legal representative's person id: "rep:" + the USCC of the subject they represent.
inline constexpr std::string_view kRepresentativePrefix = "rep:";

// One personal field of an event, as the event holds it (a commitment, or plaintext in an
// entry recorded before sealing began).
struct PersonalField {
  std::string path;    // "body.name", "body.legal_representative", "body.content"
  std::string value;
  std::string person;  // a civil servant's subject "USCC/staff-number", or "rep:USCC"
  TextKind kind = TextKind::kSingleLine;
};

// The catalogue (docs/privacy.md): a civil servant's registered name (SubjectRegistered of
// kind CivilServant), any subject's legal representative, and the content of a civil
// servant's integrity entry. Empty values are not listed.
std::vector<PersonalField> PersonalFields(const fb::Event& event);

// Whether `person` is a form a person id can take: "USCC/staff-number" or "rep:USCC".
bool IsPersonId(std::string_view person);

bool IsSealedMarker(std::string_view value);
// The commitment that stands in the event for `value` at `path` with `salt`.
std::string SealMarker(std::string_view path, ByteView salt, std::string_view value);

struct Opening {
  std::string path;
  Bytes salt;
  std::string value;
};

// `event_bytes` with every plaintext personal field replaced by its commitment, and the
// openings; the same bytes and no openings when there is nothing to seal. Each salt is
// BLAKE2b keyed with the signer's secret key over the event and the path: unpredictable to
// anyone without that key, so a commitment to a name cannot be tested by guessing names, and
// the same for the same event, so that signing an event again gives the same envelope (a retry
// is recognised as one). InvalidArgument when the event cannot be rewritten (it does not pass
// EventFromJson).
Result<Bytes> SealPersonalFields(ByteView event_bytes, const SecretKey& signer, std::vector<Opening>* openings);

}  // namespace creditlog::events
