// The log itself: the signed checkpoint, the verifier key, entries and proofs.
#include "api/http/server_impl.h"

#include "api/views.h"
#include "events/event.h"
#include "events/json.h"
#include "ledger/entry.h"

namespace creditlog::api {

using nlohmann::json;

Result<json> ServerImpl::EntryJson(uint64_t seq, const ledger::KeyRegistry& registry, const Disclosure& reader,
                                   std::string* subject) {
  ASSIGN_OR_RETURN(Bytes bytes, ledger_.Entry(seq));
  ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(bytes));
  if (subject != nullptr) {
    *subject = view.envelope.event->subject() ? view.envelope.event->subject()->str() : "";
    // The erasure of a civil servant is part of their file (WithheldFrom).
    if (const auto* erasure = view.envelope.event->body_as_ErasureRecorded();
        erasure != nullptr && IsCivilServantId(erasure->person()->string_view())) {
      *subject = erasure->person()->str();
    }
  }
  ASSIGN_OR_RETURN(std::string event_text, events::EventToJson(view.envelope.event_bytes));
  json event = json::parse(event_text);
  reader.ShowPersonal(view, event);
  json out = {{"seq", seq},
              {"entry", Base64Encode(bytes)},
              {"recorded_at_ms", view.recorded_at_ms},
              {"stream_version", view.stream_version},
              {"public_key", Base64Encode(view.envelope.public_key)},
              // What the author signed, for checking the signature elsewhere (a browser):
              // Ed25519 over "creditlog-signature-v1" 0 purpose 0 origin 0 event_bytes.
              {"event_bytes", Base64Encode(view.envelope.event_bytes)},
              {"signature", Base64Encode(view.envelope.signature)},
              {"signature_purpose", events::EventSignaturePurpose(view.envelope.schema_version)},
              {"event", WithheldFrom(reader, std::move(event))}};
  if (const ledger::KeyRecord* signer = registry.Find(view.envelope.public_key)) {
    out["signer"] = {{"agency_uscc", signer->agency_uscc}, {"agency_name", signer->agency_name}, {"key_name", signer->key_name},
                     {"registered_seq", signer->registered_seq}, {"revoked_seq", signer->revoked_seq ? json(*signer->revoked_seq) : json()}};
  }
  return out;
}

// With a witness policy, only what its quorum cosigned; otherwise the log's latest.
Reply ServerImpl::Checkpoint(const Request& req, const Params&, const Principal&) {
  if (options_.witnessed != nullptr) {
    auto witnessed = options_.witnessed->Latest();
    return witnessed.ok() ? Text(req, witnessed->note) : Error(req, witnessed.status());
  }
  auto note = ledger_.LatestCheckpoint();
  return note.ok() ? Text(req, *note) : Error(req, note.status());
}

// The witness policy and each witness's state: whether it cosigns, and if not, why.
Reply ServerImpl::Witnesses(const Request& req, const Params&, const Principal&) {
  if (options_.witnessed != nullptr) return Json(req, options_.witnessed->State());
  return Json(req, {{"quorum", "none"}, {"policy", "quorum none\n"}, {"published", nullptr}, {"witnesses", json::array()}});
}

Reply ServerImpl::VerifierKey(const Request& req, const Params&, const Principal&) {
  return Text(req, ledger_.VerifierKey() + "\n");
}

// One entry: to an auditor (the whole log) any; otherwise as its subject's file allows
// (a civil servant's to personnel, a legal person's to supervisors); the ledger's own entries
// (genesis, keys, rulesets) to all who may call the route.
Reply ServerImpl::Entry(const Request& req, const Params& params, const Principal& who) {
  auto seq = ParseNumber("seq", params["seq"]);
  if (!seq.ok()) return Error(req, seq.status());
  const Disclosure reader(who.role);
  const bool audit_feed = reader.May(Info::kWholeLog);
  int64_t retry_after = 0;
  auto purpose = BeginRead(req, who, audit_feed, &retry_after);
  if (!purpose.ok()) return Error(req, purpose.status(), retry_after);
  std::string subject;  // as recorded, not as shown (a civil servant's is withheld from auditors)
  Result<json> entry = Status::Unavailable("not read");
  Status read = live_.Read([&](const projections::State& state) {
    const PersonalView personal = live_.Personal(state);
    entry = EntryJson(*seq, ledger_.registry(), reader.WithPersonal(&personal), &subject);
  });
  if (!read.ok()) return Error(req, read);
  if (!entry.ok()) return Error(req, entry.status());
  if (!audit_feed && !subject.empty()) {
    if (Status may = MayReadFile(reader, subject); !may.ok()) {
      AccessControl::LogDenied(who, may);
      return Error(req, may, 0, RefusalDetails(who.role, FileInfos(subject)));
    }
  }
  return AnswerRead(req, who, *purpose, "/v1/entries/{seq}", {subject, "seq " + std::to_string(*seq)}, DumpJson(*entry));
}

Reply ServerImpl::Entries(const Request& req, const Params&, const Principal& who) {
  auto after = req.has_query("after") ? Number(req, "after") : Result<uint64_t>(uint64_t{0});
  auto limit = req.has_query("limit") ? Number(req, "limit") : Result<uint64_t>(kEntriesPageDefault);
  if (!after.ok()) return Error(req, after.status());
  if (!limit.ok()) return Error(req, limit.status());
  int64_t retry_after = 0;
  auto purpose = BeginRead(req, who, true, &retry_after);
  if (!purpose.ok()) return Error(req, purpose.status(), retry_after);
  json entries = json::array();
  const uint64_t size = ledger_.size();
  const ledger::KeyRegistry registry = ledger_.registry();
  const Disclosure reader(who.role);
  const uint64_t end = *after >= size ? *after : std::min(size, *after + std::min(*limit, kEntriesPageMax));
  Status failed;
  Status read = live_.Read([&](const projections::State& state) {
    const PersonalView personal = live_.Personal(state);
    const Disclosure shown = reader.WithPersonal(&personal);
    for (uint64_t seq = *after; seq < end && failed.ok(); ++seq) {
      auto entry = EntryJson(seq, registry, shown);
      if (!entry.ok()) failed = entry.status();
      else entries.push_back(std::move(*entry));
    }
  });
  if (!read.ok()) return Error(req, read);
  if (!failed.ok()) return Error(req, failed);
  const json page = {{"after", *after}, {"size", size}, {"entries", std::move(entries)}};
  if (end <= *after) return Json(req, page);  // nothing read
  return AnswerRead(req, who, *purpose, "/v1/entries", {"", "seq " + std::to_string(*after) + ".." + std::to_string(end - 1)},
                    DumpJson(page));
}

// GET /v1/proofs/{inclusion,consistency}: two required numbers, the proof between them.
template <typename Prove>
Reply ServerImpl::Proof(const Request& req, const char* first, const char* second, Prove prove) {
  auto a = Number(req, first);
  auto b = Number(req, second);
  if (!a.ok()) return Error(req, a.status());
  if (!b.ok()) return Error(req, b.status());
  Result<std::vector<Hash>> proof = prove(*a, *b);
  if (!proof.ok()) return Error(req, proof.status());
  return Json(req, {{first, *a}, {second, *b}, {"hashes", Hashes(*proof)}});
}

Reply ServerImpl::InclusionProof(const Request& req, const Params&, const Principal&) {
  return Proof(req, "seq", "size", [&](uint64_t seq, uint64_t size) { return ledger_.InclusionProof(seq, size); });
}

Reply ServerImpl::AccessCheckpoint(const Request& req, const Params&, const Principal&) {
  if (options_.access_log == nullptr) return Error(req, Status::Unavailable("this server keeps no access log"));
  auto note = options_.access_log->ledger().LatestCheckpoint();
  return note.ok() ? Text(req, *note) : Error(req, note.status());
}

Reply ServerImpl::AccessVerifierKey(const Request& req, const Params&, const Principal&) {
  if (options_.access_log == nullptr) return Error(req, Status::Unavailable("this server keeps no access log"));
  return Text(req, options_.access_log->ledger().VerifierKey() + "\n");
}

Reply ServerImpl::AccessConsistencyProof(const Request& req, const Params&, const Principal&) {
  if (options_.access_log == nullptr) return Error(req, Status::Unavailable("this server keeps no access log"));
  ledger::Ledger& log = options_.access_log->ledger();
  return Proof(req, "old", "new", [&](uint64_t old_size, uint64_t new_size) { return log.ConsistencyProof(old_size, new_size); });
}

Reply ServerImpl::ConsistencyProof(const Request& req, const Params&, const Principal&) {
  return Proof(req, "old", "new", [&](uint64_t old_size, uint64_t new_size) { return ledger_.ConsistencyProof(old_size, new_size); });
}

}  // namespace creditlog::api
