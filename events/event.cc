#include "events/event.h"

#include <flatbuffers/flatbuffers.h>

#include "events/personal.h"
#include "events/uscc.h"

namespace creditlog::events {
namespace {

// Nested event buffers start 8-aligned so that scalars read in place are aligned.
constexpr size_t kNestedBufferAlignment = 8;

}  // namespace

Result<const fb::Event*> ParseEvent(ByteView event_bytes) {
  if (event_bytes.size() > kEventBytesMax) {
    return Status::InvalidArgument("event is " + std::to_string(event_bytes.size()) + " bytes; the limit is " +
                                   std::to_string(kEventBytesMax));
  }
  if (event_bytes.size() < 8) return Status::InvalidArgument("event is too short to be a FlatBuffer");
  flatbuffers::Verifier verifier(event_bytes.data(), event_bytes.size(), kVerifierDepthMax, kVerifierTablesMax);
  if (!fb::VerifyEventBuffer(verifier)) {
    return Status::InvalidArgument("event is not a valid Event FlatBuffer (schema mismatch, truncated or nested too deep)");
  }
  return fb::GetEvent(event_bytes.data());
}

Result<EnvelopeView> ParseEnvelope(ByteView envelope_bytes) {
  if (envelope_bytes.size() > kEnvelopeBytesMax) {
    return Status::InvalidArgument("envelope is " + std::to_string(envelope_bytes.size()) +
                                   " bytes; the limit is " + std::to_string(kEnvelopeBytesMax));
  }
  if (envelope_bytes.size() < 8) return Status::InvalidArgument("envelope is too short to be a FlatBuffer");
  flatbuffers::Verifier verifier(envelope_bytes.data(), envelope_bytes.size(), kVerifierDepthMax, kVerifierTablesMax);
  if (!verifier.VerifyBuffer<fb::Envelope>(nullptr)) {
    return Status::InvalidArgument("envelope is not a valid Envelope FlatBuffer");
  }
  const fb::Envelope* envelope = flatbuffers::GetRoot<fb::Envelope>(envelope_bytes.data());
  EnvelopeView view;
  view.envelope = envelope;
  view.schema_version = envelope->schema_version();
  if (view.schema_version < kSchemaVersionMin || view.schema_version > kSchemaVersion) {
    return Status::InvalidArgument("envelope.schema_version: " + std::to_string(view.schema_version) +
                                   " is not supported (this build reads " + std::to_string(kSchemaVersionMin) + ".." +
                                   std::to_string(kSchemaVersion) + ")");
  }
  auto key = PublicKeyFromBytes(ByteView(envelope->public_key()->data(), envelope->public_key()->size()));
  if (!key.ok()) return key.status().WithContext("envelope.public_key");
  view.public_key = *key;
  auto signature = SignatureFromBytes(ByteView(envelope->signature()->data(), envelope->signature()->size()));
  if (!signature.ok()) return signature.status().WithContext("envelope.signature");
  view.signature = *signature;
  view.event_bytes = ByteView(envelope->event()->data(), envelope->event()->size());
  auto event = ParseEvent(view.event_bytes);
  if (!event.ok()) return event.status().WithContext("envelope.event");
  view.event = *event;
  return view;
}

std::string EventSignaturePurpose(uint16_t schema_version) {
  return std::string(kPurposeEventPrefix) + std::to_string(schema_version);
}

Bytes SignEnvelope(ByteView event_bytes, const SecretKey& key, std::string_view origin) {
  // Personal fields are sealed before the signature (events/personal.h). An event that cannot
  // be rewritten (one that fails the field rules) is signed as it is, for the ledger to refuse.
  std::vector<Opening> openings;
  auto sealed = SealPersonalFields(event_bytes, key, &openings);
  const Bytes signed_bytes = sealed.ok() ? std::move(*sealed) : Bytes(event_bytes.begin(), event_bytes.end());
  if (!sealed.ok()) openings.clear();
  const Signature signature = SignDomain(key, EventSignaturePurpose(kSchemaVersion), origin, signed_bytes);
  const PublicKey public_key = key.public_key();
  flatbuffers::FlatBufferBuilder b(signed_bytes.size() + 256);
  std::vector<flatbuffers::Offset<fb::Opening>> opening_offsets;
  for (const Opening& o : openings) {
    opening_offsets.push_back(fb::CreateOpening(b, b.CreateString(o.path), b.CreateVector(o.salt.data(), o.salt.size()),
                                                b.CreateString(o.value)));
  }
  auto opening_vector = openings.empty() ? 0 : b.CreateVector(opening_offsets);
  auto signature_vector = b.CreateVector(signature.data(), signature.size());
  auto key_vector = b.CreateVector(public_key.data(), public_key.size());
  b.ForceVectorAlignment(signed_bytes.size(), 1, kNestedBufferAlignment);
  auto event_vector = b.CreateVector(signed_bytes.data(), signed_bytes.size());
  b.Finish(fb::CreateEnvelope(b, kSchemaVersion, event_vector, key_vector, signature_vector, opening_vector));
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

Status VerifyEnvelopeSignature(const EnvelopeView& view, std::string_view origin) {
  if (!VerifyDomain(view.public_key, EventSignaturePurpose(view.schema_version), origin, view.event_bytes, view.signature)) {
    return Status::PermissionDenied("signature does not verify for this ledger (origin '" + std::string(origin) +
                                    "') and schema version " + std::to_string(view.schema_version) +
                                    " with the envelope's key");
  }
  return Status::Ok();
}

std::string_view EventTypeName(fb::EventBody type) {
  if (type < fb::EventBody::MIN || type > fb::EventBody::MAX) return "unknown";
  return fb::EnumNameEventBody(type);
}

std::string_view EventTypeChineseName(std::string_view type_name) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"Genesis", "账本创建"},
      {"AgencyKeyRegistered", "登记机构密钥"},
      {"KeyRevoked", "吊销密钥"},
      {"RulesetAdopted", "采用规则集"},
      {"SubjectRegistered", "主体登记"},
      {"CommitmentMade", "作出信用承诺"},
      {"CommitmentVerified", "承诺核查已履行"},
      {"CommitmentBreached", "承诺违诺"},
      {"CommitmentWithdrawn", "撤回承诺"},
      {"ContractSigned", "签订政府合同"},
      {"PaymentMade", "付款"},
      {"ArrearsRecorded", "登记欠款"},
      {"ArrearsCleared", "欠款清偿"},
      {"ContractCompleted", "合同履行完毕"},
      {"PenaltyDecided", "行政处罚决定"},
      {"PenaltyFulfilled", "处罚义务履行"},
      {"PenaltyRevoked", "处罚撤销"},
      {"ListingNoticeIssued", "列入名单告知"},
      {"ObjectionFiled", "提出异议"},
      {"ObjectionResolved", "异议处理"},
      {"SeriousListingDecided", "列入严重失信主体名单"},
      {"SeriousListingExited", "移出严重失信主体名单"},
      {"RepairApplied", "申请信用修复"},
      {"RepairDecided", "信用修复决定"},
      {"ServiceRated", "好差评"},
      {"CivilServantIntegrityEntry", "公务员诚信档案"},
      {"RecordCorrected", "记录更正"},
      {"AccessRecorded", "查询记录"},
      {"ErasureRecorded", "个人信息删除"},
      {"MeasureApplied", "联合奖惩措施实施反馈"},
      {"ServiceCaseHandled", "政务服务办件"},
      {"ServiceRectified", "差评整改"},
      {"ServiceFollowedUp", "差评回访"},
  };
  for (const auto& [name, chinese] : kNames) {
    if (name == type_name) return chinese;
  }
  return "";
}

Result<fb::EventBody> EventTypeFromName(std::string_view name) {
  for (int t = static_cast<int>(fb::EventBody::MIN) + 1; t <= static_cast<int>(fb::EventBody::MAX); ++t) {
    if (EventTypeName(static_cast<fb::EventBody>(t)) == name) return static_cast<fb::EventBody>(t);
  }
  return Status::InvalidArgument("'" + std::string(name) + "' is not an event type");
}

bool IsAdministrative(fb::EventBody type) {
  using fb::EventBody;
  switch (type) {
    case EventBody::Genesis:
    case EventBody::AgencyKeyRegistered:
    case EventBody::KeyRevoked:
    case EventBody::RulesetAdopted:
    case EventBody::ErasureRecorded:
      return true;
    // Not an event type, but asked of unchecked input (ValidateEvent checks the subject before
    // the body): an answer, not an assertion. ValidateEvent then refuses the missing body.
    case EventBody::NONE:
      return false;
    case EventBody::SubjectRegistered:
    case EventBody::CommitmentMade:
    case EventBody::CommitmentVerified:
    case EventBody::CommitmentBreached:
    case EventBody::CommitmentWithdrawn:
    case EventBody::ContractSigned:
    case EventBody::PaymentMade:
    case EventBody::ArrearsRecorded:
    case EventBody::ArrearsCleared:
    case EventBody::ContractCompleted:
    case EventBody::PenaltyDecided:
    case EventBody::PenaltyFulfilled:
    case EventBody::PenaltyRevoked:
    case EventBody::ListingNoticeIssued:
    case EventBody::ObjectionFiled:
    case EventBody::ObjectionResolved:
    case EventBody::SeriousListingDecided:
    case EventBody::SeriousListingExited:
    case EventBody::RepairApplied:
    case EventBody::RepairDecided:
    case EventBody::ServiceRated:
    case EventBody::CivilServantIntegrityEntry:
    case EventBody::RecordCorrected:
    case EventBody::AccessRecorded:
    case EventBody::MeasureApplied:
    case EventBody::ServiceCaseHandled:
    case EventBody::ServiceRectified:
    case EventBody::ServiceFollowedUp:
      return false;
  }
  return false;  // a type from a newer schema: ValidateEvent refuses it
}

bool IsObjectableRecordType(std::string_view type) {
  for (std::string_view t : {"PenaltyDecided", "CommitmentMade", "ContractSigned", "SeriousListingDecided"}) {
    if (t == type) return true;
  }
  return false;
}

std::string_view SubjectDivision(std::string_view subject) {
  return UsccDivision(subject.substr(0, std::min(subject.size(), kUsccLength)));
}

}  // namespace creditlog::events
