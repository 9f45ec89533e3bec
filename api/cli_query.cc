// Inspectors' commands over the log itself: a subject's timeline from its stream index.
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli.h"
#include "api/data_dir.h"
#include "events/json.h"
#include "ledger/entry.h"

namespace creditlog::api {
namespace {

// Subjects with more events than this are shown up to it; --limit raises it.
inline constexpr uint64_t kTimelineEventsDefault = 1000;

struct QueryArgs {
  std::string data;
  std::string subject;
  uint64_t limit = kTimelineEventsDefault;
  bool json = false;
};

QueryArgs& Args() {
  static QueryArgs args;
  return args;
}

// The date on which the recorded thing happened: the first of these fields the body has.
constexpr const char* kEventDateFields[] = {
    "created_date", "effective_date", "made_date", "verified_date", "breach_date", "withdrawn_date",
    "signed_date", "paid_date", "recorded_date", "cleared_date", "completed_date", "decision_date",
    "fulfilled_date", "revoked_date", "notice_date", "filed_date", "resolved_date", "exit_date",
    "applied_date", "decided_date", "rated_date", "entry_date"};

std::string BusinessDate(const nlohmann::json& body) {
  for (const char* field : kEventDateFields) {
    if (body.contains(field) && body[field].is_string()) return body[field].get<std::string>();
  }
  return "";
}

Status Timeline() {
  const QueryArgs& a = Args();
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, ledger->StreamSeqs(a.subject));
  if (seqs.empty()) return Status::NotFound("no events recorded for subject '" + a.subject + "'");
  const ledger::KeyRegistry registry = ledger->registry();
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < seqs.size() && i < a.limit; ++i) {
    ASSIGN_OR_RETURN(Bytes bytes, ledger->Entry(seqs[i]));
    ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(bytes));
    ASSIGN_OR_RETURN(std::string event_json, events::EventToJson(view.envelope.event_bytes));
    nlohmann::json event = nlohmann::json::parse(event_json);
    const ledger::KeyRecord* signer = registry.Find(view.envelope.public_key);
    rows.push_back({{"seq", view.seq},
                    {"version", view.stream_version},
                    {"recorded_at_ms", view.recorded_at_ms},
                    {"type", event["body_type"]},
                    {"date", BusinessDate(event["body"])},
                    {"agency", signer ? signer->agency_name : "?"},
                    {"event", event}});
  }
  if (a.json) {
    std::cout << nlohmann::json{{"subject", a.subject}, {"events", seqs.size()}, {"timeline", rows}}.dump(2) << "\n";
    return Status::Ok();
  }
  std::cout << "subject " << a.subject << ": " << seqs.size() << " events\n";
  for (const auto& row : rows) {
    std::printf("  seq %-8llu v%-4llu %-10s %-24s %s\n", static_cast<unsigned long long>(row["seq"].get<uint64_t>()),
                static_cast<unsigned long long>(row["version"].get<uint64_t>()), row["date"].get<std::string>().c_str(),
                row["type"].get<std::string>().c_str(), row["agency"].get<std::string>().c_str());
  }
  if (seqs.size() > a.limit) std::cout << "  … " << seqs.size() - a.limit << " more (use --limit)\n";
  return Status::Ok();
}

}  // namespace

void AddQueryCommands(CLI::App& app) {
  QueryArgs& a = Args();
  auto* timeline = app.add_subcommand("timeline", "A subject's events in order, each with its sequence number");
  timeline->add_option("--data", a.data, "data directory")->required();
  timeline->add_option("subject", a.subject, "USCC (or USCC/staff-number)")->required();
  timeline->add_option("--limit", a.limit, "show at most this many events")->capture_default_str();
  timeline->add_flag("--json", a.json, "JSON output, with each event decoded");
  SetAction(timeline, Timeline);
}

}  // namespace creditlog::api
