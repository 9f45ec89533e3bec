// Commands over the logs themselves: a subject's timeline from its stream index, and its
// 查询记录 from the access log (api/access_log.h).
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/access_log.h"
#include "api/cli/cli.h"
#include "api/data_dir.h"
#include "api/views.h"
#include "events/event.h"
#include "events/json.h"
#include "ledger/entry.h"
#include "projections/build.h"

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
  ASSIGN_OR_RETURN(projections::State state, projections::BuildState(*ledger, ledger->size()));
  const auto keys = PersonalKeysForReading(a.data);
  const PersonalView personal(ledger.get(), keys.get(), &state);
  ASSIGN_OR_RETURN(nlohmann::json timeline,
                   TimelineJson(*ledger, a.subject, a.limit, std::nullopt, Disclosure::Operator().WithPersonal(&personal), &state));
  if (a.json) {
    std::cout << timeline.dump(2) << "\n";
    return Status::Ok();
  }
  const nlohmann::json& rows = timeline["timeline"];
  const uint64_t events_total = timeline["events"];
  const bool zh = OutputLang() == Lang::kZh;
  if (zh) {
    std::cout << "主体 " << a.subject << "：共 " << events_total << " 个事件\n";
  } else {
    std::cout << "subject " << a.subject << ": " << events_total << " events\n";
  }
  for (const auto& row : rows) {
    const std::string type = row["type"].get<std::string>();
    const std::string label(events::EventTypeChineseName(type));
    std::printf("  %s %-8llu v%-4llu %-10s %s  %s%s\n", L("序号", "seq"), static_cast<unsigned long long>(row["seq"].get<uint64_t>()),
                static_cast<unsigned long long>(row["version"].get<uint64_t>()), row["date"].get<std::string>().c_str(),
                (zh && !label.empty() ? label : type).c_str(), row["agency"].get<std::string>().c_str(),
                row.contains("as") ? L("（作为收款方）", " (as payee)") : "");
  }
  if (events_total > a.limit) {
    std::cout << (zh ? "  … 另有 " + std::to_string(events_total - a.limit) + " 个（--limit 可显示更多）\n"
                     : "  … " + std::to_string(events_total - a.limit) + " more (use --limit)\n");
  }
  return Status::Ok();
}

struct AccessArgs {
  std::string data;
  std::string subject;
  uint64_t limit = kAccessRecordsDefault;
  bool json = false;
};

// Who read a subject's file, when and why: the subject's stream in DATA/access.
Status Access() {
  const AccessArgs& a = CommandArgs<AccessArgs>();
  const std::string dir = AccessLogPath(a.data);
  auto log = OpenForReading(dir);
  if (!log.ok() && log.status().code() == StatusCode::kNotFound) {
    return Status::NotFound(dir + " holds no access log: it is created when `creditlog serve` first runs on " + a.data);
  }
  if (!log.ok()) return log.status();
  ASSIGN_OR_RETURN(nlohmann::json records, AccessRecordsJson(**log, a.subject, std::min(a.limit, kAccessRecordsMax)));
  if (a.json) {
    std::cout << records.dump(2) << "\n";
    return Status::Ok();
  }
  const uint64_t total = records["records"];
  std::cout << "查询记录 " << a.subject << "：共 " << total << " 次\n";
  for (const auto& r : records["access"]) {
    const int64_t ms = r["read_at_ms"];
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000 + 8 * 3600);  // China Standard Time
    std::tm at{};
    gmtime_r(&seconds, &at);
    char when[32];
    std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &at);
    auto role = ParseRole(r["role"].get<std::string>());
    std::cout << "  " << when << "  " << r["reader"].get<std::string>() << "（"
              << (role.ok() ? RoleChineseName(*role) : r["role"].get<std::string>()) << "）  " << r["purpose"].get<std::string>()
              << "  " << r["route"].get<std::string>();
    if (!r["target"].get<std::string>().empty()) std::cout << "  " << r["target"].get<std::string>();
    std::cout << "  #" << r["seq"].get<uint64_t>() << "\n";
  }
  if (total > records["access"].size()) std::cout << "  （仅显示最近 " << records["access"].size() << " 次，--limit 可显示更多）\n";
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

  AccessArgs& b = CommandArgs<AccessArgs>();
  auto* access = DataCommand(app, "access", "A subject's 查询记录: who read its file through the server, when and for what purpose", &b.data);
  access->add_option("--subject", b.subject, "USCC (or USCC/staff-number)")->required();
  access->add_option("--limit", b.limit, "show at most this many of the newest records")->capture_default_str();
  access->add_flag("--json", b.json, "JSON output");
  SetAction(access, Access);
}

}  // namespace creditlog::api
