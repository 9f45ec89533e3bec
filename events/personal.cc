#include "events/personal.h"

#include <nlohmann/json.hpp>

#include "crypto/aead.h"
#include "crypto/sha256.h"
#include "events/json.h"
#include "events/event.h"
#include "events/uscc.h"

namespace creditlog::events {
namespace {

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

void Add(std::vector<PersonalField>& out, std::string path, const flatbuffers::String* value, std::string person,
         TextKind kind) {
  if (value == nullptr || value->size() == 0) return;
  out.push_back({std::move(path), value->str(), std::move(person), kind});
}

}  // namespace

std::vector<PersonalField> PersonalFields(const fb::Event& event) {
  std::vector<PersonalField> out;
  const std::string subject = Str(event.subject());
  switch (event.body_type()) {
    case fb::EventBody::SubjectRegistered: {
      const auto* b = event.body_as_SubjectRegistered();
      if (b == nullptr) break;
      if (b->kind() == fb::SubjectKind::CivilServant) Add(out, "body.name", b->name(), subject, TextKind::kSingleLine);
      Add(out, "body.legal_representative", b->legal_representative(), std::string(kRepresentativePrefix) + subject,
          TextKind::kSingleLine);
      break;
    }
    case fb::EventBody::CivilServantIntegrityEntry: {
      const auto* b = event.body_as_CivilServantIntegrityEntry();
      if (b != nullptr) Add(out, "body.content", b->content(), subject, TextKind::kMultiLine);
      break;
    }
    default:
      break;
  }
  return out;
}

bool IsPersonId(std::string_view person) {
  if (person.starts_with(kRepresentativePrefix)) {
    return ValidateUscc(person.substr(kRepresentativePrefix.size()), /*allow_failed_check=*/true).ok();
  }
  const size_t slash = person.find('/');
  return slash == kUsccLength && slash + 1 < person.size() && ValidateUscc(person.substr(0, slash), true).ok();
}

bool IsSealedMarker(std::string_view value) {
  if (value.size() != kSealedMarkerBytes || !value.starts_with(kSealedPrefix)) return false;
  for (char c : value.substr(kSealedPrefix.size())) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string SealMarker(std::string_view path, ByteView salt, std::string_view value) {
  Sha256Stream h;
  const uint8_t zero = 0;
  h.Update(AsBytes(kSealDomain));
  h.Update(ByteView(&zero, 1));
  h.Update(AsBytes(path));
  h.Update(ByteView(&zero, 1));
  h.Update(salt);
  h.Update(AsBytes(value));
  const Hash digest = h.Finish();
  return std::string(kSealedPrefix) + Base64UrlEncode(ByteView(digest.data(), digest.size()));
}

Result<Bytes> SealPersonalFields(ByteView event_bytes, const SecretKey& signer, std::vector<Opening>* openings) {
  openings->clear();
  ASSIGN_OR_RETURN(const fb::Event* event, ParseEvent(event_bytes));
  std::vector<PersonalField> fields = PersonalFields(*event);
  std::erase_if(fields, [](const PersonalField& f) { return IsSealedMarker(f.value); });
  if (fields.empty()) return Bytes(event_bytes.begin(), event_bytes.end());
  ASSIGN_OR_RETURN(std::string text, EventToJson(event_bytes));
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("body")) return Status::InvalidArgument("event JSON cannot be read back");
  for (const PersonalField& f : fields) {
    Bytes message(kSealDomain.begin(), kSealDomain.end());
    message.push_back(0);
    message.insert(message.end(), f.path.begin(), f.path.end());
    message.push_back(0);
    message.insert(message.end(), event_bytes.begin(), event_bytes.end());
    Opening opening{f.path, KeyedHash(ByteView(signer.data(), kSeedSize), message, kSealSaltBytes), f.value};
    doc["body"][f.path.substr(std::string_view("body.").size())] = SealMarker(f.path, opening.salt, f.value);
    openings->push_back(std::move(opening));
  }
  auto sealed = EventFromJson(doc.dump());
  if (!sealed.ok()) {
    openings->clear();
    return sealed.status().WithContext("sealing personal fields");
  }
  return sealed;
}

}  // namespace creditlog::events
