// creditlog report: a 专项信用报告 as an A4 PDF and its report file (docs/reports.md);
// creditlog verify-report: checks a report file with the office's verifier key alone.
#include <filesystem>
#include <future>
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/access_log.h"
#include "api/archive.h"
#include "api/check_list.h"
#include "api/cli/cli.h"
#include "api/cli/witnessed_check.h"
#include "api/data_dir.h"
#include "api/progress.h"
#include "api/proof_bundle.h"
#include "api/report.h"
#include "api/report_pdf.h"
#include "api/views.h"
#include "base/clock.h"
#include "base/file.h"
#include "crypto/key_file.h"
#include "projections/build.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

struct ReportArgs {
  std::string data;
  std::string subject;
  std::string as_of;
  std::string purpose;
  std::string out;
  std::string format = "pdf";
  std::string console_url = std::string(kReportConsoleUrlDefault);
  std::string file;
  std::string verifier_key;
  std::string witness_policy;
  bool json = false;
  bool csv = false;
  std::string reports;  // check-list: write every found subject's report into this zip
};

// FILE.pdf → FILE.report.json; any other name gets the suffix added.
std::string ReportFilePath(const std::string& out) {
  const std::string pdf = ".pdf";
  if (out.size() > pdf.size() && out.compare(out.size() - pdf.size(), pdf.size(), pdf) == 0) {
    return out.substr(0, out.size() - pdf.size()) + std::string(kReportFileSuffix);
  }
  return out + std::string(kReportFileSuffix);
}

// What issuing reports from a data directory needs, opened once: the ledger for writing (it
// publishes a checkpoint first, so that a report covers every entry, unless witnesses publish
// them), its key, the witnessed checkpoint, and DATA/access when the office keeps one.
struct Issuer {
  std::unique_ptr<ledger::Ledger> ledger;
  NamedKeyPair key;
  std::optional<std::string> witnessed;
  std::unique_ptr<AccessLog> access;  // null when DATA/access does not exist yet

  // `instead`: what to do while a server holds the directory.
  static Result<Issuer> Open(const std::string& data, const std::string& instead) {
    Issuer out;
    ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + data + ": "));
    ASSIGN_OR_RETURN(out.witnessed, ReadWitnessedCheckpoint(data));  // before the ledger
    auto opened = OpenForWriting(data, passphrase, /*guarded=*/false);  // appends nothing
    if (!opened.ok()) return WhileServed(opened.status(), data, instead);
    out.ledger = std::move(*opened);
    ASSIGN_OR_RETURN(out.key, LoadKey(LedgerKeyPath(data), passphrase));
    if (!out.witnessed) RETURN_IF_ERROR(out.ledger->PublishCheckpoint().status());
    if (std::filesystem::exists(AccessLogPath(data) + "/db")) {
      ASSIGN_OR_RETURN(out.access, AccessLog::Open(data, *out.ledger, out.key.key_pair));
    }
    return out;
  }

  // Records the report as a read of the subject's file (api/access_log.h), when there is a log.
  Status Record(const IssuedReport& report) {
    if (access == nullptr) return Status::Ok();
    const char* user = std::getenv("USER");
    AccessRecord record{report.statement.subject, std::string("cli:") + (user ? user : "operator"), "admin",
                        report.statement.purpose, "creditlog report", report.statement.number, "cli/" + report.statement.number,
                        "local", NowMs()};
    std::promise<Status> done;
    access->Record(record, [&](Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }
};

Status Issue() {
  const ReportArgs& a = CommandArgs<ReportArgs>();
  if (a.format != "pdf" && a.format != "json") return Status::InvalidArgument("--format: 'pdf' or 'json', not '" + a.format + "'");
  ASSIGN_OR_RETURN(projections::Day as_of, ParseAsOf(a.as_of));
  std::string purpose;
  if (!a.purpose.empty()) {
    ASSIGN_OR_RETURN(purpose, ParsePurpose(a.purpose));
  }
  ASSIGN_OR_RETURN(Issuer issuer, Issuer::Open(a.data, "while it runs, ask the server: GET URL/v1/subjects/" + a.subject +
                                                            "/report?as_of=" + Date(as_of) + "&format=pdf"));
  ledger::Ledger& ledger = *issuer.ledger;
  ProgressLine progress(L("折叠账本", "folding the log"), a.json || ledger.size() < 200'000);
  ASSIGN_OR_RETURN(projections::State state,
                   projections::BuildState(ledger, ledger.size(), [&](uint64_t d, uint64_t t) { progress.Update(d, t); }));
  progress.Finish();
  ASSIGN_OR_RETURN(IssuedReport report, IssueReport(ledger, state, issuer.witnessed, issuer.key.key_pair,
                                                    ReportRequest{a.subject, as_of, purpose, TodayInChina(), ""}));
  RETURN_IF_ERROR(issuer.Record(report));

  const std::string file_path = a.format == "json" ? a.out : ReportFilePath(a.out);
  RETURN_IF_ERROR(WriteFileDurably(file_path, report.file.dump(2) + "\n", 0644));
  if (a.format == "pdf") {
    ASSIGN_OR_RETURN(std::string pdf, RenderReportPdf(ReportPageOf(report, a.console_url)));
    RETURN_IF_ERROR(WriteFileDurably(a.out, pdf, 0644));
  }
  if (a.json) {
    std::cout << json{{"number", report.statement.number}, {"subject", report.statement.subject}, {"as_of", report.statement.as_of},
                      {"grade", report.statement.grade}, {"pdf", a.format == "pdf" ? json(a.out) : json()}, {"report_file", file_path},
                      {"entries", report.statement.entries}, {"checkpoint_size", report.statement.checkpoint_size},
                      {"cosigned_by", report.cosigners}}
                     .dump(2)
              << "\n";
    return Status::Ok();
  }
  const ReportStatement& s = report.statement;
  std::cout << L("已出具专项信用报告 " + s.number + "：" + report.facts["subject"]["name"].get<std::string>() + "（" + s.subject +
                     "），截至 " + s.as_of + "，信用等级 " + s.grade + "\n",
                 "issued credit report " + s.number + ": " + report.facts["subject"]["name"].get<std::string>() + " (" + s.subject +
                     "), as of " + s.as_of + ", grade " + s.grade + "\n");
  if (a.format == "pdf") std::cout << L("  报告：", "  report:      ") << a.out << "\n";
  std::cout << L("  报告文件：", "  report file: ") << file_path
            << L("（" + std::to_string(s.entries) + " 条记录及其包含证明，树大小 " + std::to_string(s.checkpoint_size) + "）",
                 " (" + std::to_string(s.entries) + " entries with inclusion proofs, tree size " + std::to_string(s.checkpoint_size) + ")")
            << "\n"
            << L("核验：", "verify with: ") << "creditlog verify-report " << file_path << " --verifier-key '" << ledger.VerifierKey()
            << "'\n";
  return Status::Ok();
}

Status Verify() {
  const ReportArgs& a = CommandArgs<ReportArgs>();
  std::string path = a.file;
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".pdf") == 0) path = ReportFilePath(path);
  auto text = ReadSmallFile(path, kReportFileBytesMax);
  if (!text.ok()) return Status::InvalidArgument(text.status().message()).WithContext("report file");
  json file = json::parse(*text, nullptr, false);
  if (file.is_discarded()) return Status::InvalidArgument(path + ": not JSON");
  ASSIGN_OR_RETURN(std::optional<WitnessPolicy> policy, OptionalWitnessPolicy(a.witness_policy));
  NoteVerifier log;
  if (!a.verifier_key.empty()) {
    ASSIGN_OR_RETURN(log, VerifierKeyArg(a.verifier_key, "--verifier-key"));
    if (policy) RETURN_IF_ERROR(PolicyKnowsLog(*policy, log));
  } else if (policy && !policy->logs().empty() && file.contains("checkpoint") && file["checkpoint"].is_string()) {
    ASSIGN_OR_RETURN(log, PolicyLogFor(*policy, file["checkpoint"].get<std::string>()));
  } else {
    return Status::InvalidArgument(
        "--verifier-key KEY is required: the office's key, from its published verifier key (a report file's own copy is not "
        "evidence)");
  }
  ASSIGN_OR_RETURN(VerifiedReport verified, VerifyReport(file, log, policy));
  if (a.json) {
    json checks = json::array();
    for (const ReportCheck& c : verified.checks) {
      checks.push_back({{"check", c.name}, {"check_zh", c.name_zh}, {"ok", c.ok}, {"detail", c.detail}, {"detail_zh", c.detail_zh}});
    }
    json out = {{"ok", verified.ok()}, {"file", path}, {"number", verified.statement.number}, {"subject", verified.statement.subject},
                {"as_of", verified.statement.as_of}, {"grade", verified.statement.grade}, {"checks", checks}};
    if (policy && verified.checks.size() > 1 && verified.checks[1].ok) AddWitnessJson(out, verified.checkpoint, *policy);
    std::cout << out.dump(2) << "\n";
  } else {
    for (const ReportCheck& c : verified.checks) {
      std::cout << (c.ok ? "  ✓ " : "  ✗ ") << L(c.name_zh, c.name) << "  " << L(c.detail_zh, c.detail) << "\n";
    }
    if (verified.ok()) {
      const json& subject = verified.facts["subject"];
      std::cout << L("报告 " + verified.statement.number + " 核验通过：" + subject["name"].get<std::string>() + "（" +
                         verified.statement.subject + "），截至 " + verified.statement.as_of + "，信用等级 " + verified.statement.grade,
                     "report " + verified.statement.number + " verified: " + subject["name"].get<std::string>() + " (" +
                         verified.statement.subject + "), as of " + verified.statement.as_of + ", grade " + verified.statement.grade)
                << "\n";
      if (policy) std::cout << WitnessLine(verified.checkpoint, *policy) << "\n";
    }
  }
  if (!verified.ok()) {
    const ReportCheck& failed = verified.checks.back();
    return Status::Corruption(L("核验未通过：", "verification failed: ") + L(failed.name_zh, failed.name) + ": " + failed.detail);
  }
  return Status::Ok();
}

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Joined(const json& items, const char* key, const char* separator) {
  std::string out;
  for (const json& item : items) out += (out.empty() ? "" : separator) + item[key].get<std::string>();
  return out;
}

Status CheckListCommand() {
  const ReportArgs& a = CommandArgs<ReportArgs>();
  ASSIGN_OR_RETURN(projections::Day as_of, ParseAsOf(a.as_of));
  auto text = a.file == "-" ? Result<std::string>(std::string(std::istreambuf_iterator<char>(std::cin), {}))
                            : ReadSmallFile(a.file, kCheckListLinesMax * (kCheckListLineBytesMax + 2) * 4);
  if (!text.ok()) return Status::InvalidArgument(text.status().message()).WithContext("list file");
  ASSIGN_OR_RETURN(std::vector<std::string> lines, CheckListLines(*text));
  if (lines.empty()) return Status::InvalidArgument(a.file + ": no USCC or name in it");
  std::string purpose;
  if (!a.purpose.empty()) {
    ASSIGN_OR_RETURN(purpose, ParsePurpose(a.purpose));
  }
  // With --reports the ledger key signs them: the ledger is opened as `report` opens it.
  std::optional<Issuer> issuer;
  std::unique_ptr<ledger::Ledger> read_only;
  if (!a.reports.empty()) {
    ASSIGN_OR_RETURN(issuer, Issuer::Open(a.data, "while it runs, ask the server: POST URL/v1/reports"));
  } else {
    ASSIGN_OR_RETURN(read_only, OpenForReading(a.data));
  }
  ledger::Ledger* ledger = issuer ? issuer->ledger.get() : read_only.get();
  ProgressLine folding(L("折叠账本", "folding the log"), a.json || a.csv || ledger->size() < 200'000);
  ASSIGN_OR_RETURN(projections::State state,
                   projections::BuildState(*ledger, ledger->size(), [&](uint64_t d, uint64_t t) { folding.Update(d, t); }));
  folding.Finish();
  const auto keys = PersonalKeysForReading(a.data);
  const PersonalView personal(ledger, keys.get(), &state);
  ASSIGN_OR_RETURN(CheckedList checked, CheckList(state, lines, as_of, Disclosure::Operator().WithPersonal(&personal)));
  const json& out = checked.json;

  if (!a.reports.empty()) {
    if (checked.subjects.size() > kReportArchiveSubjectsMax) {
      return Status::InvalidArgument("--reports: at most " + std::to_string(kReportArchiveSubjectsMax) + " reports in one archive; " +
                                     std::to_string(checked.subjects.size()) + " subjects were found");
    }
    std::vector<std::pair<std::string, std::string>> files;
    ProgressLine issuing(L("出具报告", "issuing reports"), a.json || a.csv);
    for (size_t i = 0; i < checked.subjects.size(); ++i) {
      const std::string& id = checked.subjects[i];
      ASSIGN_OR_RETURN(IssuedReport report,
                       IssueReport(*ledger, state, issuer->witnessed, issuer->key.key_pair,
                                   ReportRequest{id, as_of, purpose, TodayInChina(), ""}));
      RETURN_IF_ERROR(issuer->Record(report));
      ASSIGN_OR_RETURN(std::string pdf, RenderReportPdf(ReportPageOf(report, a.console_url)));
      const std::string stem = id + "-" + report.statement.number;
      files.emplace_back(stem + ".pdf", std::move(pdf));
      files.emplace_back(stem + std::string(kReportFileSuffix), report.file.dump(2) + "\n");
      issuing.Update(i + 1, checked.subjects.size());
    }
    issuing.Finish();
    ASSIGN_OR_RETURN(std::string zip, ZipArchive(files, NowMs() / 1000));
    RETURN_IF_ERROR(WriteFileDurably(a.reports, zip, 0644));
  }

  if (a.json) {
    std::cout << out.dump(2) << "\n";
  } else if (a.csv) {
    std::cout << "\xEF\xBB\xBF" << L("序号,输入,主体名称,统一社会信用代码,主体类型,所属区划,信用等级,名单,措施,说明",
                                   "line,input,name,uscc,kind,division,grade,lists,measures,note")
              << "\n";
    for (const json& r : out["rows"]) {
      const bool found = r["found"].get<bool>();
      std::cout << r["line"].get<size_t>() << "," << CsvField(r["input"].get<std::string>()) << ","
                << (found ? CsvField(r["name"].get<std::string>()) + "," + r["subject"].get<std::string>() + "," +
                                CsvField(L(r["kind_zh"].get<std::string>(), r["kind"].get<std::string>())) + "," +
                                r["division"].get<std::string>() + "," + r["grade"].get<std::string>() + "," +
                                CsvField(Joined(r["lists"], OutputLang() == Lang::kEn ? "list" : "list_zh", "; ")) + "," +
                                CsvField(Joined(r["measures"], "measure", "; ")) + ","
                          : std::string(",,,,,,,") + CsvField(L(r["error_zh"].get<std::string>(), r["error"].get<std::string>())))
                << "\n";
    }
  } else {
    for (const json& r : out["rows"]) {
      std::cout << r["line"].get<size_t>() << ". " << r["input"].get<std::string>();
      if (!r["found"].get<bool>()) {
        std::cout << L("  未找到：", "  not found: ") << L(r["error_zh"].get<std::string>(), r["error"].get<std::string>()) << "\n";
        for (const json& c : r.value("candidates", json::array())) {
          std::cout << "     " << c["subject"].get<std::string>() << "  " << c["name"].get<std::string>() << "\n";
        }
        continue;
      }
      if (r["name"] != r["input"]) std::cout << "  " << r["name"].get<std::string>();
      if (r["subject"] != r["input"]) std::cout << "  " << r["subject"].get<std::string>();
      std::cout << L("  等级 ", "  grade ")
                << r["grade"].get<std::string>();
      if (!r["lists"].empty()) std::cout << "  " << Joined(r["lists"], OutputLang() == Lang::kEn ? "list" : "list_zh", L("、", ", "));
      std::cout << "\n";
      if (!r["measures"].empty()) std::cout << L("     措施：", "     measures: ") << Joined(r["measures"], "measure", L("、", ", ")) << "\n";
    }
    std::cout << L("截至 " + out["as_of"].get<std::string>() + "：找到 " + std::to_string(out["found"].get<size_t>()) + " 个，未找到 " +
                       std::to_string(out["not_found"].get<size_t>()) + " 个",
                   "as of " + out["as_of"].get<std::string>() + ": " + std::to_string(out["found"].get<size_t>()) + " found, " +
                       std::to_string(out["not_found"].get<size_t>()) + " not found")
              << "\n";
    if (!a.reports.empty()) std::cout << L("报告：", "reports: ") << a.reports << "\n";
  }
  return Status::Ok();
}

}  // namespace

void AddReportCommands(CLI::App& app) {
  ReportArgs& a = CommandArgs<ReportArgs>();
  auto* report = DataCommand(app, "report",
                             "Issue a 专项信用报告: an A4 PDF and, beside it, its report file carrying the entries, proofs and "
                             "signed statement that verify it without the office (docs/reports.md)",
                             &a.data);
  report->add_option("--subject", a.subject, "the subject's USCC")->required();
  report->add_option("--as-of", a.as_of, "judge on this date, YYYY-MM-DD (default: today)");
  report->add_option("--purpose", a.purpose, "why the report is asked for: " + PurposeList());
  report->add_option("--out", a.out, "the PDF to write (its report file goes beside it: FILE.report.json)")->required();
  report->add_option("--format", a.format, "pdf (default: the PDF and its report file) or json (the report file only, at --out)");
  report->add_option("--console-url", a.console_url, "the console the QR code opens (its 报告核验 page)")->capture_default_str();
  report->add_flag("--json", a.json, "JSON output");
  SetAction(report, Issue);

  auto* verify = app.add_subcommand("verify-report",
                                    "Check a report file (or FILE.pdf's report file beside it) with the office's verifier key "
                                    "alone: signatures, proofs, and the facts recomputed from its entries; exit 0 only if all hold");
  verify->add_option("file", a.file, "the report file (FILE.report.json), or the PDF beside it")->required();
  verify->add_option("--verifier-key", a.verifier_key, "the office's verifier key (name+hash+base64), or a file holding it");
  verify->add_option("--witness-policy", a.witness_policy,
                     "a C2SP tlog-policy file: the checkpoint must carry its quorum's cosignatures (docs/witnesses.md)");
  verify->add_flag("--json", a.json, "JSON output");
  SetAction(verify, Verify);

  auto* check = DataCommand(app, "check-list",
                            "批量核查: check a list of subjects (one USCC or registered name a line, e.g. a tender's bidders) "
                            "at once: identity, grade, lists and measures on a date",
                            &a.data);
  check->add_option("file", a.file, "the list: a text or CSV file (its first column), or - for standard input")->required();
  check->add_option("--as-of", a.as_of, "judge on this date, YYYY-MM-DD (default: today)");
  check->add_option("--purpose", a.purpose, "why the files are read (recorded with --reports): " + PurposeList());
  check->add_option("--reports", a.reports, "also issue every found subject's report, PDFs and report files in this zip");
  check->add_option("--console-url", a.console_url, "the console the reports' QR codes open")->capture_default_str();
  auto* json_flag = check->add_flag("--json", a.json, "JSON output");
  check->add_flag("--csv", a.csv, "CSV output (UTF-8 with a byte order mark, for spreadsheets)")->excludes(json_flag);
  SetAction(check, CheckListCommand);
}

}  // namespace creditlog::api
