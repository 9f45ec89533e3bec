#include "api/access_log.h"

#include <filesystem>

#include <flatbuffers/flatbuffers.h>

#include "base/clock.h"
#include "crypto/random.h"
#include "events/event.h"
#include "events/text_rules.h"
#include "ledger/entry.h"

namespace creditlog::api {

using nlohmann::json;

namespace {
constexpr size_t kAccessEventBytesHint = 512;  // a record's builder starts with this much; it grows as one needs
}  // namespace

Result<std::string> ParsePurpose(std::string_view text) {
  for (const Purpose& p : kPurposes) {
    if (text == p.key || text == p.name) return std::string(p.name);
  }
  if (text.empty()) {
    return Status::InvalidArgument("purpose: reading a file needs a purpose (purpose= on the request): one of " + PurposeList());
  }
  return Status::InvalidArgument("purpose: '" + std::string(text) + "' is not one of " + PurposeList());
}

std::string PurposeList() {
  std::string out;
  for (const Purpose& p : kPurposes) {
    if (!out.empty()) out += ", ";
    out += std::string(p.name) + " (" + std::string(p.key) + ")";
  }
  return out;
}

std::string AccessLogPath(const std::string& data) { return data + "/" + std::string(kAccessLogDir); }

std::string AccessLog::NewRunId() { return HexEncode(RandomBytes(6)); }

Result<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& data, const ledger::Ledger& credit_log, const KeyPair& key) {
  const std::string dir = AccessLogPath(data);
  std::unique_ptr<ledger::Ledger> log;
  if (std::filesystem::exists(dir + "/db")) {
    ASSIGN_OR_RETURN(log, ledger::Ledger::Open(dir));
  } else {
    // Named after the credit office whose log it watches, from that log's Genesis.
    ASSIGN_OR_RETURN(Bytes first, credit_log.Entry(0));
    ASSIGN_OR_RETURN(ledger::EntryView genesis, ledger::ParseEntry(first));
    const fb::Genesis* g = genesis.envelope.event->body_as_Genesis();
    if (g == nullptr) return Status::Corruption("seq 0 of the credit log is not Genesis");
    std::filesystem::create_directories(dir);
    const std::string origin = credit_log.origin() + std::string(kAccessOriginSuffix);
    ledger::GenesisParams params{origin, origin, g->office_uscc()->str(), g->office_name()->str(),
                                 events::DateFromDays(TodayInChina())};
    ASSIGN_OR_RETURN(log, ledger::Ledger::Create(dir, params, key, key.public_key));
  }
  RETURN_IF_ERROR(log->SetCheckpointKey(key.secret_key).WithContext("the access log in " + dir));
  return std::unique_ptr<AccessLog>(new AccessLog(key, std::move(log)));
}

Result<Bytes> AccessLog::Sign(const AccessRecord& r) {
  // Built straight into FlatBuffers, not printed as JSON for EventFromJson to parse again (2.3 µs
  // a record instead of 13.6, benchmarks/NOTES.md), with each text in NFC as EventFromJson would
  // put it, then checked by the same rules.
  flatbuffers::FlatBufferBuilder b(kAccessEventBytesHint);
  auto text = [&b](std::string_view value) { return b.CreateString(events::NormaliseText(value)); };
  const auto reader = text(r.reader);
  const auto role = text(r.role);
  const auto purpose = text(r.purpose);
  const auto route = text(r.route);
  const auto target = text(r.target);
  const auto read_date = text(events::DateFromDays(DayInChina(r.read_at_ms)));
  const auto request_id = text(r.request_id);
  const auto address = text(r.address);
  const auto body =
      fb::CreateAccessRecorded(b, reader, role, purpose, route, target, read_date, r.read_at_ms, request_id, address);
  const auto event_id = text("access/" + run_ + "/" + std::to_string(next_++));
  const auto subject = text(r.subject);
  b.Finish(fb::CreateEvent(b, event_id, subject, /*expected_version=*/-1, r.read_at_ms, /*uscc_override=*/0,
                           fb::EventBody::AccessRecorded, body.Union()));
  Bytes event(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  ASSIGN_OR_RETURN(const fb::Event* parsed, events::ParseEvent(event));
  RETURN_IF_ERROR(events::ValidateEvent(*parsed));
  return events::SignEnvelope(event, key_.secret_key, ledger_->origin());
}

void AccessLog::Record(const AccessRecord& record, std::function<void(Status)> done) {
  auto signed_envelope = Sign(record);
  if (!signed_envelope.ok() && !record.subject.empty() && signed_envelope.status().message().starts_with("subject")) {
    // Not a subject the log can name as a stream (a code with a wrong check character): the
    // read is recorded all the same, with what was asked for in its target.
    AccessRecord unnamed = record;
    unnamed.subject.clear();
    unnamed.target = "subject " + record.subject + (record.target.empty() ? "" : "; " + record.target);
    signed_envelope = Sign(unnamed);
  }
  if (!signed_envelope.ok()) return done(signed_envelope.status().WithContext("recording the read"));
  ledger_->AppendSignedHereWithCallback(std::move(*signed_envelope), [done = std::move(done)](Result<ledger::AppendResult> r) {
    done(r.ok() ? Status::Ok() : r.status().WithContext("recording the read in the access log"));
  });
}

Result<json> AccessRecordsJson(const ledger::Ledger& log, const std::string& subject, uint64_t limit) {
  ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, log.StreamSeqs(subject));
  json rows = json::array();
  // The newest `limit`, oldest first.
  const size_t first = seqs.size() > limit ? seqs.size() - limit : 0;
  for (size_t i = first; i < seqs.size(); ++i) {
    ASSIGN_OR_RETURN(Bytes bytes, log.Entry(seqs[i]));
    ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(bytes));
    const fb::AccessRecorded* b = view.envelope.event->body_as_AccessRecorded();
    if (b == nullptr) continue;  // the access log's Genesis
    auto s = [](const flatbuffers::String* text) { return text ? text->str() : std::string(); };
    rows.push_back({{"seq", view.seq}, {"read_at_ms", b->read_at_ms()}, {"read_date", s(b->read_date())},
                    {"reader", s(b->reader())}, {"role", s(b->role())}, {"purpose", s(b->purpose())},
                    {"route", s(b->route())}, {"target", s(b->target())}, {"request_id", s(b->request_id())},
                    {"address", s(b->address())}});
  }
  return json{{"subject", subject}, {"records", seqs.size()}, {"access", rows}};
}

}  // namespace creditlog::api
