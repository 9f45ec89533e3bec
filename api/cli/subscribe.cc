// `creditlog subscribe`: a department's reference consumer of the list changes a cluster
// publishes (docs/cluster.md, "List changes"). Each change carries the entry that made it and
// the entry's inclusion proof in a signed checkpoint; a change is printed only once the proof
// holds under the ledger's verifier key and the entry is the change's subject's, at its seq.
#include <csignal>
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/cli/witnessed_check.h"
#include "api/cluster/cluster_node.h"
#include "api/cluster/list_publisher.h"
#include "api/data_dir.h"
#include "api/progress.h"
#include "api/proof_bundle.h"
#include "crypto/bytes.h"
#include "crypto/tlog_proof.h"
#include "events/event.h"
#include "ledger/entry.h"
#include "projections/build.h"
#include "projections/list_changes.h"
#include "projections/ruleset.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

inline constexpr std::chrono::milliseconds kSubscribePoll{500};

struct SubscribeArgs {
  std::vector<std::string> cluster;
  std::string stream = kClusterStreamDefault;
  std::string verifier_key;
  std::vector<std::string> lists;      // list names; none: every list
  std::vector<std::string> divisions;  // division-code prefixes; none: every division
  uint64_t after = 0;                  // the stream position to start after
  uint64_t count = 0;                  // stop after this many changes printed (0: never)
  uint64_t idle_seconds = 0;           // stop after this long with no message (0: never)
  bool json = false;
};

volatile std::sig_atomic_t interrupted = 0;

// The change in `data` if its proof holds and its entry is the change's; else why not.
Result<json> VerifiedChange(std::string_view data, const NoteVerifier& verifier) {
  json change = json::parse(data, nullptr, false);
  if (!change.is_object() || !change.contains("proof") || !change["proof"].is_string() || !change.contains("seq") ||
      !change["seq"].is_number_unsigned() || !change.contains("subject") || !change["subject"].is_string()) {
    return Status::InvalidArgument("not a list change (proof, seq and subject are required)");
  }
  auto proof = ParseTlogProof(change["proof"].get<std::string>());
  if (!proof.ok()) return proof.status().WithContext("proof");
  ASSIGN_OR_RETURN(CheckedBundle checked, CheckEntryBundle(*proof, verifier, std::nullopt));
  const uint64_t seq = change["seq"].get<uint64_t>();
  if (proof->index != seq) {
    return Status::Corruption("the proof is of entry " + std::to_string(proof->index) + ", the change names seq " + std::to_string(seq));
  }
  ASSIGN_OR_RETURN(ledger::EntryView entry, ledger::ParseEntry(*proof->extra));  // checked by CheckEntryBundle
  const std::string subject = entry.envelope.event->subject() != nullptr ? entry.envelope.event->subject()->str() : "";
  if (subject != change["subject"].get<std::string>()) {
    return Status::Corruption("entry " + std::to_string(seq) + " is about '" + subject + "', the change names '" +
                              change["subject"].get<std::string>() + "'");
  }
  // The division is the subject's (what --divisions filters on), not the message's word for it.
  change["division"] = std::string(events::SubjectDivision(subject));
  for (const char* field : {"change", "list", "list_zh", "day", "since", "rule"}) {
    if (!change.contains(field) || !change[field].is_string()) return Status::InvalidArgument(std::string("not a list change: no ") + field);
  }
  if (!change.contains("until") || !(change["until"].is_string() || change["until"].is_null())) {
    return Status::InvalidArgument("not a list change: no until");
  }
  const Checkpoint& checkpoint = checked.checkpoint.checkpoint;
  change.erase("proof");
  change["verified"] = true;
  change["event_type"] = std::string(events::EventTypeName(entry.envelope.event->body_type()));
  change["event_id"] = entry.envelope.event->event_id()->str();
  change["checkpoint_size"] = checkpoint.size;
  change["checkpoint_root"] = Base64Encode(checkpoint.root);
  return change;
}

bool Wanted(const SubscribeArgs& a, const std::vector<std::string>& lists, const json& change) {
  const std::string list = change.value("list", "");
  const std::string division = change.value("division", "");
  if (!lists.empty() && std::find(lists.begin(), lists.end(), list) == lists.end()) return false;
  if (a.divisions.empty()) return true;
  return std::any_of(a.divisions.begin(), a.divisions.end(), [&](const std::string& d) { return division.starts_with(d); });
}

// A change in words; `verified`: its proof held (subscribe), else it was found in a log here.
std::string Line(const json& c, bool verified) {
  const std::string until = c.contains("until") && c.at("until").is_string() ? c.at("until").get<std::string>() : std::string();
  const std::string change = c.value("change", "");
  const bool removed = change == "removed";
  const char* zh_change = change == "added" ? "列入" : removed ? "移出" : "变更";
  const std::string seq = std::to_string(c.value("seq", uint64_t{0}));
  const std::string checkpoint = std::to_string(c.value("checkpoint_size", uint64_t{0}));
  std::string zh = "seq " + seq + " " + zh_change + " " + c.value("list_zh", "") + " " + c.value("subject", "") + "（" +
                   c.value("division", "") + "）" + (removed ? "，原列入期 " : "，列入期 ") + c.value("since", "") + " 起" +
                   (until.empty() ? std::string() : " 至 " + until) + "，规则 " + c.value("rule", "");
  std::string en = "seq " + seq + " " + change + " " + c.value("list", "") + " " + c.value("subject", "") + " (" +
                   c.value("division", "") + ")" + (removed ? ", was listed from " : ", listed from ") + c.value("since", "") +
                   (until.empty() ? std::string() : " until " + until) + ", rule " + c.value("rule", "");
  if (c.contains("event_type")) {
    zh += "，事件 " + c["event_type"].get<std::string>();
    en += ", event " + c["event_type"].get<std::string>();
  }
  if (verified) {
    zh += "；包含证明已核验（检查点 " + checkpoint + "）";
    en += "; inclusion proof verified (checkpoint " + checkpoint + ")";
  }
  return L(zh, en);
}

Status Subscribe() {
  const SubscribeArgs& a = CommandArgs<SubscribeArgs>();
  RETURN_IF_ERROR(CheckClusterUrls(a.cluster));
  std::vector<std::string> lists;  // as the changes name them
  for (const std::string& list : a.lists) {
    auto kind = projections::ListFromName(list);
    if (!kind.ok()) {
      return Status::InvalidArgument("--lists: '" + list + "' is not a list (SeriousDishonesty, Watch, NotificationIneligible, "
                                     "GovernmentDishonesty, Red, or their Chinese names)");
    }
    lists.emplace_back(projections::ListName(*kind));
  }
  ASSIGN_OR_RETURN(NoteVerifier verifier, VerifierKeyArg(a.verifier_key, "--verifier-key"));
  NatsLink nats;
  RETURN_IF_ERROR(nats.Connect(a.cluster, nullptr, std::chrono::steady_clock::now() + kClusterStreamWait));
  const std::string stream = ListStreamName(a.stream);
  const std::string subject = ListSubjectPrefix(a.stream) + ".>";
  auto subscribed = SubscribeOrdered(nats.js, stream, subject, a.after + 1, std::chrono::steady_clock::now() + kClusterStreamWait);
  if (!subscribed.ok()) return subscribed.status().WithContext("a cluster node creates the stream when it starts");
  natsSubscription* sub = *subscribed;
  natsStatus s = NATS_OK;
  std::signal(SIGINT, [](int) { interrupted = 1; });
  std::signal(SIGTERM, [](int) { interrupted = 1; });
  uint64_t printed = 0, refused = 0;
  auto idle_since = std::chrono::steady_clock::now();
  Status ended = Status::Ok();
  while (!interrupted && (a.count == 0 || printed < a.count)) {
    natsMsg* msg = nullptr;
    s = natsSubscription_NextMsg(&msg, sub, Ms(kSubscribePoll));
    if (s == NATS_TIMEOUT) {
      if (a.idle_seconds > 0 && std::chrono::steady_clock::now() - idle_since > std::chrono::seconds(a.idle_seconds)) break;
      continue;
    }
    if (s != NATS_OK) {
      ended = NatsUnavailable(s, "reading " + stream);
      break;
    }
    idle_since = std::chrono::steady_clock::now();
    uint64_t stream_seq = 0;
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
      stream_seq = meta->Sequence.Stream;
      jsMsgMetaData_Destroy(meta);
    }
    auto change = VerifiedChange(std::string_view(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))), verifier);
    natsMsg_Destroy(msg);
    if (!change.ok()) {
      ++refused;
      std::cerr << L("拒收：消息 ", "refused: message ") << stream_seq << ": " << change.status().ToString() << "\n";
      continue;
    }
    if (!Wanted(a, lists, *change)) continue;
    (*change)["stream_seq"] = stream_seq;
    if (a.json) {
      std::cout << change->dump() << "\n";
    } else {
      std::cout << Line(*change, true) << "\n";
    }
    std::cout.flush();
    ++printed;
  }
  natsSubscription_Destroy(sub);
  RETURN_IF_ERROR(ended);
  if (refused > 0) return Status::Corruption(std::to_string(refused) + " message(s) refused: their proofs did not hold");
  return Status::Ok();
}

struct ListChangesArgs {
  std::string data;
  uint64_t from = 0;
  bool json = false;
};

// The changes a cluster publishes, found by folding a log here: what a department's feed must
// hold, to compare with it (an auditor's check of its completeness).
Status ListChanges() {
  const ListChangesArgs& a = CommandArgs<ListChangesArgs>();
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  projections::ListChangeDetector detector(a.from);
  projections::State state;
  ProgressLine progress("folding", a.json);
  RETURN_IF_ERROR(projections::CatchUp(*ledger, ledger->size(), &state, [&](uint64_t done, uint64_t total) { progress.Update(done, total); },
                                       &detector));
  progress.Finish();
  const std::vector<projections::ListChange> changes = detector.Take();
  for (const projections::ListChange& change : changes) {
    json c = ListChangeJson(change);
    if (a.json) {
      std::cout << c.dump() << "\n";
    } else {
      std::cout << Line(c, false) << "\n";
    }
  }
  if (!a.json) std::cout << L(std::to_string(changes.size()) + " 项名单变化", std::to_string(changes.size()) + " list change(s)") << "\n";
  return Status::Ok();
}

}  // namespace

void AddSubscribeCommand(CLI::App& app) {
  ListChangesArgs& c = CommandArgs<ListChangesArgs>();
  auto* list_changes = app.add_subcommand(
      "list-changes", "The list changes a cluster publishes for this log, found by folding it here (docs/cluster.md): to check a feed");
  list_changes->add_option("--data", c.data, "data directory")->required();
  list_changes->add_option("--from", c.from, "the changes of entries from this seq on (default 0)");
  list_changes->add_flag("--json", c.json, "one JSON object a line, as `subscribe --json` prints them (without the proof's fields)");
  SetAction(list_changes, ListChanges);

  SubscribeArgs& a = CommandArgs<SubscribeArgs>();
  auto* subscribe = app.add_subcommand(
      "subscribe",
      "List changes a cluster publishes (docs/cluster.md): each printed once its entry's inclusion proof holds under the verifier key");
  subscribe->add_option("--cluster", a.cluster, "nats://HOST:PORT[,…] of the cluster's NATS servers")->required()->delimiter(',');
  subscribe->add_option("--stream", a.stream, "the cluster's stream (default CREDITLOG); changes are in STREAM_LISTS");
  subscribe->add_option("--verifier-key", a.verifier_key,
                        "the ledger's verifier key (name+hash+base64, `creditlog verifier-key`), or a file holding it")
      ->required();
  subscribe->add_option("--lists", a.lists, "only these lists, e.g. SeriousDishonesty,Watch (default: every list)")->delimiter(',');
  subscribe->add_option("--divisions", a.divisions, "only subjects in these division codes or prefixes, e.g. 3702 (default: all)")
      ->delimiter(',');
  subscribe->add_option("--after", a.after, "start after this stream position (`stream_seq` of the last change handled; default: from the first)");
  subscribe->add_option("--count", a.count, "stop after printing this many changes");
  subscribe->add_option("--idle-exit", a.idle_seconds, "stop after this many seconds with no message");
  subscribe->add_flag("--json", a.json, "one JSON object a line");
  SetAction(subscribe, Subscribe);
}

}  // namespace creditlog::api
