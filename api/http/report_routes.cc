// Reports that verify without the office, and batch checks of bidder lists (docs/reports.md):
// GET /v1/subjects/{id}/report, POST /v1/check-list, POST /v1/reports. Each is a read of the
// files it covers: the reader names a purpose and every subject is recorded in the access log.
#include <algorithm>
#include <atomic>
#include <memory>

#include "api/archive.h"
#include "api/check_list.h"
#include "api/http/server_impl.h"
#include "api/log.h"
#include "api/report.h"
#include "api/report_pdf.h"
#include "api/views.h"
#include "base/clock.h"

namespace creditlog::api {

using nlohmann::json;

namespace {

constexpr const char* kPdfType = "application/pdf";
constexpr const char* kZipType = "application/zip";

// The body of POST /v1/check-list and /v1/reports: {"as_of": "YYYY-MM-DD" (default today),
// `key`: [strings]}.
Result<std::pair<projections::Day, std::vector<std::string>>> ParseListBody(const std::string& body, const char* key, size_t max) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument("the body is not a JSON object");
  std::string as_of;
  if (j.contains("as_of")) {
    if (!j["as_of"].is_string()) return Status::InvalidArgument("as_of: a date, YYYY-MM-DD");
    as_of = j["as_of"].get<std::string>();
  }
  ASSIGN_OR_RETURN(projections::Day day, ParseAsOf(as_of));
  if (!j.contains(key) || !j[key].is_array()) return Status::InvalidArgument(std::string(key) + ": an array of strings is required");
  if (j[key].size() > max) {
    return Status::InvalidArgument(std::string(key) + ": at most " + std::to_string(max) + " in one request, not " +
                                   std::to_string(j[key].size()));
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < j[key].size(); ++i) {
    const json& item = j[key][i];
    if (!item.is_string() || item.get_ref<const std::string&>().size() > kCheckListLineBytesMax) {
      return Status::InvalidArgument(std::string(key) + "[" + std::to_string(i) + "]: a USCC or a name of at most " +
                                     std::to_string(kCheckListLineBytesMax) + " bytes");
    }
    items.push_back(item.get<std::string>());
  }
  return std::make_pair(day, std::move(items));
}

}  // namespace

std::string ServerImpl::ConsoleUrl() const {
  if (!options_.console_url.empty()) return options_.console_url;
  return "http://" + options_.host + ":" + std::to_string(port()) + "/";
}

Result<std::optional<std::string>> ServerImpl::ReportCheckpoint() const {
  if (options_.report_key == nullptr) return Status::Unavailable("this server holds no key to sign reports with: ask the primary");
  if (options_.witnessed == nullptr) return std::optional<std::string>();
  auto latest = options_.witnessed->Latest();
  if (!latest.ok()) return Status::Unavailable("no checkpoint has been witnessed yet: " + latest.status().message());
  return std::optional<std::string>(latest->note);
}

Reply ServerImpl::AnswerReads(const Request& req, const Principal& who, const std::string& purpose, std::string_view route,
                              std::vector<FileRead> reads, Response response) {
  if (options_.access_log == nullptr || reads.empty()) return Send(req, std::move(response));
  struct Pending {
    std::atomic<size_t> left;
    std::atomic<bool> failed{false};
    Response response;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = reads.size();
  pending->response = std::move(response);
  BeginWrite();
  for (FileRead& read : reads) {
    AccessRecord record{std::move(read.subject), who.name, std::string(RoleName(who.role)), purpose, std::string(route),
                        std::move(read.target), req.request_id(), who.address, NowMs()};
    options_.access_log->Record(record, [this, req, pending](Status recorded) {
      if (!recorded.ok() && !pending->failed.exchange(true)) {
        Log(spdlog::level::err, "access log", nlohmann::json{{"request_id", req.request_id()}, {"error", recorded.message()}});
      }
      if (pending->left.fetch_sub(1) != 1) return;
      if (pending->failed) {
        Error(req, Status::Unavailable("the reads could not be recorded in the access log, so they are not answered; request id " +
                                       req.request_id()));
      } else {
        Send(req, std::move(pending->response));
      }
      EndWrite();
    });
  }
  return Reply::kLater;
}

Reply ServerImpl::Report(const Request& req, const Params& params, const Principal& who) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  const std::string format = req.has_query("format") ? std::string(req.query("format")) : "pdf";
  if (format != "pdf" && format != "json") return Error(req, Status::InvalidArgument("format: 'pdf' or 'json', not '" + format + "'"));
  const std::string id(params["id"]);
  const Disclosure reader(who.role);
  if (Status may = MayReadFile(reader, id); !may.ok()) return Error(req, may, 0, RefusalDetails(who.role, {Info::kRecords}));
  auto witnessed = ReportCheckpoint();
  if (!witnessed.ok()) return Error(req, witnessed.status());
  int64_t retry_after = 0;
  auto purpose = BeginRead(req, who, false, &retry_after);
  if (!purpose.ok()) return Error(req, purpose.status(), retry_after);
  return WithState(req, [&](const projections::State& state) {
    auto report = IssueReport(ledger_, state, *witnessed, *options_.report_key, ReportRequest{id, *day, *purpose, TodayInChina(), ""});
    if (!report.ok()) return Error(req, report.status());
    Response response{200, kJsonType, "", {}};
    if (format == "json") {
      response.body = DumpJson(report->file);
    } else {
      auto pdf = RenderReportPdf(ReportPageOf(*report, ConsoleUrl()));
      if (!pdf.ok()) return Error(req, pdf.status());
      response.content_type = kPdfType;
      response.body = std::move(*pdf);
      response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + report->statement.number + ".pdf\"");
    }
    response.headers.emplace_back("Cache-Control", "no-store");
    return AnswerReads(req, who, *purpose, "GET /v1/subjects/{id}/report", {{id, report->statement.number}}, std::move(response));
  });
}

Reply ServerImpl::PostCheckList(const Request& req, const Params&, const Principal& who) {
  auto body = ParseListBody(req.body(), "lines", kCheckListLinesMax);
  if (!body.ok()) return Error(req, body.status());
  int64_t retry_after = 0;
  auto purpose = BeginRead(req, who, false, &retry_after, std::max<size_t>(body->second.size(), 1));  // each line may read a file
  if (!purpose.ok()) return Error(req, purpose.status(), retry_after);
  const Disclosure reader(who.role);
  return WithState(req, [&](const projections::State& state) {
    const PersonalView personal = live_.Personal(state);
    auto checked = CheckList(state, body->second, body->first, reader.WithPersonal(&personal));
    if (!checked.ok()) return Error(req, checked.status());
    std::vector<FileRead> reads;
    for (const std::string& subject : checked->subjects) reads.push_back({subject, "check-list " + req.request_id()});
    return AnswerReads(req, who, *purpose, "POST /v1/check-list", std::move(reads),
                       Response{200, kJsonType, DumpJson(checked->json), {}});
  });
}

Reply ServerImpl::PostReports(const Request& req, const Params&, const Principal& who) {
  auto body = ParseListBody(req.body(), "subjects", kReportArchiveSubjectsMax);
  if (!body.ok()) return Error(req, body.status());
  if (body->second.empty()) return Error(req, Status::InvalidArgument("subjects: name at least one"));
  const Disclosure reader(who.role);
  for (const std::string& id : body->second) {
    if (Status may = MayReadFile(reader, id); !may.ok()) return Error(req, Status::FromCode(may.code(), id + ": " + may.message()));
  }
  auto witnessed = ReportCheckpoint();
  if (!witnessed.ok()) return Error(req, witnessed.status());
  int64_t retry_after = 0;
  auto purpose = BeginRead(req, who, false, &retry_after, body->second.size());
  if (!purpose.ok()) return Error(req, purpose.status(), retry_after);
  return WithState(req, [&](const projections::State& state) {
    std::vector<std::pair<std::string, std::string>> files;
    std::vector<FileRead> reads;
    const std::string url = ConsoleUrl();
    for (const std::string& id : body->second) {
      auto report = IssueReport(ledger_, state, *witnessed, *options_.report_key,
                                ReportRequest{id, body->first, *purpose, TodayInChina(), ""});
      if (!report.ok()) return Error(req, Status::FromCode(report.status().code(), id + ": " + report.status().message()));
      auto pdf = RenderReportPdf(ReportPageOf(*report, url));
      if (!pdf.ok()) return Error(req, pdf.status());
      const std::string stem = id + "-" + report->statement.number;
      files.emplace_back(stem + ".pdf", std::move(*pdf));
      files.emplace_back(stem + std::string(kReportFileSuffix), report->file.dump(2) + "\n");
      reads.push_back({id, report->statement.number});
    }
    auto zip = ZipArchive(files, NowMs() / 1000);
    if (!zip.ok()) return Error(req, zip.status());
    Response response{200, kZipType, std::move(*zip), {}};
    response.headers.emplace_back("Content-Disposition", "attachment; filename=\"reports-" + Date(body->first) + ".zip\"");
    response.headers.emplace_back("Cache-Control", "no-store");
    return AnswerReads(req, who, *purpose, "POST /v1/reports", std::move(reads), std::move(response));
  });
}

}  // namespace creditlog::api
