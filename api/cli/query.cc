// Inspectors' commands over the log itself: a subject's timeline from its stream index.
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/data_dir.h"
#include "api/views.h"
#include "events/json.h"
#include "ledger/entry.h"

namespace creditlog::api {
namespace {


struct QueryArgs {
  std::string data;
  std::string subject;
  uint64_t limit = kTimelineEventsDefault;
  bool json = false;
};

Status Timeline() {
  const QueryArgs& a = CommandArgs<QueryArgs>();
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  ASSIGN_OR_RETURN(nlohmann::json timeline, TimelineJson(*ledger, a.subject, a.limit));
  if (a.json) {
    std::cout << timeline.dump(2) << "\n";
    return Status::Ok();
  }
  const nlohmann::json& rows = timeline["timeline"];
  const uint64_t events_total = timeline["events"];
  std::cout << "subject " << a.subject << ": " << events_total << " events\n";
  for (const auto& row : rows) {
    std::printf("  seq %-8llu v%-4llu %-10s %-24s %s\n", static_cast<unsigned long long>(row["seq"].get<uint64_t>()),
                static_cast<unsigned long long>(row["version"].get<uint64_t>()), row["date"].get<std::string>().c_str(),
                row["type"].get<std::string>().c_str(), row["agency"].get<std::string>().c_str());
  }
  if (events_total > a.limit) std::cout << "  … " << events_total - a.limit << " more (use --limit)\n";
  return Status::Ok();
}

}  // namespace

void AddQueryCommands(CLI::App& app) {
  QueryArgs& a = CommandArgs<QueryArgs>();
  auto* timeline = DataCommand(app, "timeline", "A subject's events in order, each with its sequence number", &a.data);
  timeline->add_option("subject", a.subject, "USCC (or USCC/staff-number)")->required();
  timeline->add_option("--limit", a.limit, "show at most this many events")->capture_default_str();
  timeline->add_flag("--json", a.json, "JSON output, with each event decoded");
  SetAction(timeline, Timeline);
}

}  // namespace creditlog::api
