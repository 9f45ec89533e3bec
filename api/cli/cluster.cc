// `creditlog resubmit`: sends the recorded envelopes of one ledger to servers of another ledger
// of the same origin (the same genesis), in order: a cluster's first load from a history
// recorded elsewhere (scripts/cluster-demo), and the same input for a cluster and a single node
// in benchmarks. Each batch is answered before the next is sent, so that an event never
// arrives before the key registration it needs; with several servers, batches go to each in turn.
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/client/http_client.h"
#include "api/data_dir.h"
#include "api/progress.h"
#include "api/protocol.h"
#include "crypto/bytes.h"
#include "ledger/entry.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

inline constexpr int kResubmitRetriesMax = 30;  // per batch, on 429 or 503
inline constexpr std::chrono::milliseconds kResubmitRetryWait{500};

struct ResubmitArgs {
  std::string from;
  std::vector<std::string> servers;
  uint64_t first = 1;
  size_t batch = kBatchEventsMax;
  bool quiet = false;
  bool json = false;
};

struct Tally {
  uint64_t recorded = 0;
  uint64_t duplicates = 0;
  uint64_t refused = 0;
  std::string first_refusal;
};

Status PostBatch(HttpClient& client, const json& body, Tally* tally, uint64_t first_seq) {
  const std::string text = body.dump();
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(HttpResponse response, client.Post("/v1/events/batch", "application/json", text));
    if ((response.status == 429 || response.status == 503) && attempt < kResubmitRetriesMax) {
      std::this_thread::sleep_for(kResubmitRetryWait);
      continue;
    }
    if (response.status != 200) return HttpClient::ErrorOf(response, "POST " + client.base_url() + "/v1/events/batch");
    const json reply = json::parse(response.body, nullptr, false);
    if (reply.is_discarded() || !reply.contains("results")) return Status::IOError(client.base_url() + ": not a batch answer");
    uint64_t i = 0;
    for (const json& result : reply["results"]) {
      if (result.contains("seq")) {
        (result.value("duplicate", false) ? tally->duplicates : tally->recorded) += 1;
      } else {
        ++tally->refused;
        if (tally->first_refusal.empty()) {
          tally->first_refusal = "entry " + std::to_string(first_seq + i) + ": " + result.dump();
        }
      }
      ++i;
    }
    return Status::Ok();
  }
}

Status Resubmit() {
  const ResubmitArgs& a = CommandArgs<ResubmitArgs>();
  if (a.batch == 0 || a.batch > kBatchEventsMax) {
    return Status::InvalidArgument("--batch: " + std::to_string(a.batch) + " is not 1.." + std::to_string(kBatchEventsMax));
  }
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (const std::string& url : a.servers) {
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return Status::InvalidArgument("--server: '" + url + "' is not an http:// or https:// URL");
    }
    clients.push_back(std::make_unique<HttpClient>(url, ""));
  }
  ASSIGN_OR_RETURN(auto source, OpenForReading(a.from));
  const uint64_t size = source->size();
  if (a.first < 1 || a.first > size) {
    return Status::InvalidArgument("--first: " + std::to_string(a.first) + " is not 1.." + std::to_string(size) +
                                   " (entry 0 is the genesis both ledgers share)");
  }
  Tally tally;
  ProgressLine progress("resubmitting", a.quiet || a.json);
  const auto started = std::chrono::steady_clock::now();
  size_t next_client = 0;
  for (uint64_t begin = a.first; begin < size; begin += a.batch) {
    const uint64_t end = std::min<uint64_t>(size, begin + a.batch);
    json envelopes = json::array();
    RETURN_IF_ERROR(source->ForEachEntryView(begin, end, [&](const ledger::EntryView& view, ByteView) {
      envelopes.push_back(Base64Encode(view.envelope_bytes));
      return Status::Ok();
    }));
    HttpClient& client = *clients[next_client++ % clients.size()];
    RETURN_IF_ERROR(PostBatch(client, json{{"envelopes", std::move(envelopes)}}, &tally, begin));
    progress.Update(end - a.first, size - a.first);
  }
  progress.Finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const uint64_t sent = size - a.first;
  if (a.json) {
    std::cout << json{{"sent", sent},
                      {"recorded", tally.recorded},
                      {"duplicates", tally.duplicates},
                      {"refused", tally.refused},
                      {"first_refusal", tally.first_refusal},
                      {"seconds", seconds},
                      {"events_per_second", seconds > 0 ? static_cast<double>(sent) / seconds : 0.0}}
                     .dump()
              << "\n";
  } else {
    std::cout << "sent " << sent << " envelopes to " << clients.size() << " server(s) in " << seconds << " s: " << tally.recorded
              << " recorded, " << tally.duplicates << " already recorded, " << tally.refused << " refused\n";
    if (!tally.first_refusal.empty()) std::cout << "first refusal: " << tally.first_refusal << "\n";
  }
  if (tally.refused > 0) return Status::InvalidArgument(std::to_string(tally.refused) + " envelopes were refused");
  return Status::Ok();
}

}  // namespace

void AddClusterCommands(CLI::App& app) {
  ResubmitArgs& a = CommandArgs<ResubmitArgs>();
  auto* resubmit = app.add_subcommand(
      "resubmit", "Send another ledger's recorded envelopes (same origin and genesis) to servers, in order: a cluster's first load");
  resubmit->add_option("--from", a.from, "data directory of the ledger whose entries to send")->required();
  resubmit->add_option("--server", a.servers, "http://HOST:PORT[,…]: batches go to each in turn")->required()->delimiter(',');
  resubmit->add_option("--first", a.first, "the first entry to send (default 1, after the genesis)");
  resubmit->add_option("--batch", a.batch, "envelopes per request (default 1000)");
  resubmit->add_flag("--quiet", a.quiet, "no progress");
  resubmit->add_flag("--json", a.json, "print the summary as JSON");
  SetAction(resubmit, Resubmit);
}

}  // namespace creditlog::api
