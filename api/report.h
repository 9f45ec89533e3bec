// Credit reports (专项信用报告) that carry their own proof (docs/reports.md): the facts a
// report states, the office's signed statement binding them, and the report file with every
// entry behind them and its inclusion proof in one signed checkpoint. VerifyReport checks a
// report file with no ledger, recomputing the facts from the entries it carries with the same
// projection code the server runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/report_pdf.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/policy.h"
#include "ledger/ledger.h"
#include "projections/evaluate.h"

namespace creditlog::api {

inline constexpr std::string_view kReportFormat = "creditlog.report/v1";
inline constexpr std::string_view kReportFactsFormat = "creditlog.report-facts/v1";
inline constexpr std::string_view kReportStatementHeader = "creditlog report v1";
// A report file: the entries it may carry, and its size when read.
inline constexpr size_t kReportEntriesMax = 20000;
inline constexpr size_t kReportFileBytesMax = 256 * 1024 * 1024;
inline constexpr std::string_view kReportFileSuffix = ".report.json";  // beside FILE.pdf: FILE.report.json
// The console whose 报告核验 page a report's QR code opens, unless the office names its own.
inline constexpr std::string_view kReportConsoleUrlDefault = "http://127.0.0.1:8080/";

// The office's signed statement (docs/reports.md, "The statement").
struct ReportStatement {
  std::string origin;
  std::string number;  // CR-YYYYMMDD-XXXXXXXX
  std::string subject;
  std::string as_of;   // YYYY-MM-DD
  std::string purpose; // a Chinese purpose name; "" when none was named
  std::string issued;  // YYYY-MM-DD
  std::string ruleset_version;
  uint64_t ruleset_seq = 0;
  uint64_t stream_length = 0;
  uint64_t entries = 0;
  uint64_t checkpoint_size = 0;
  Hash checkpoint_root{};
  Hash facts_sha256{};
  std::string grade;
};

// The statement's text (ends in '\n'; the note is it signed). InvalidArgument for a field that
// would not survive a line of its own (a newline, or a purpose with a space).
Result<std::string> FormatReportStatement(const ReportStatement& statement);
// The statement from a note's text (not its signature): InvalidArgument naming the line.
Result<ReportStatement> ParseReportStatement(std::string_view text);

// "CR-20261202-1A2B3C4D": the issue date and 8 random hex digits.
std::string NewReportNumber(projections::Day issued);

// The facts a report states (creditlog.report-facts/v1): the subject's identity, its published
// grade, and five sections — penalties (in publicity, publicity ended, repaired; not revoked
// or unpublished ones), published lists (and serious listings ended by repair), commitments,
// contracts, measures — each fact with its rule and seqs. `p` was evaluated for a legal
// person (a civil servant's file is never reported on).
nlohmann::json ReportFacts(const projections::Profile& p, uint64_t stream_length);

struct ReportRequest {
  std::string subject;
  projections::Day as_of = 0;
  std::string purpose;  // Chinese name (api/access_log.h ParsePurpose), or ""
  projections::Day issued = 0;
  std::string number;   // "" for a new one
};

struct IssuedReport {
  nlohmann::json file;  // the report file (creditlog.report/v1)
  ReportStatement statement;
  nlohmann::json facts;
  std::vector<std::string> cosigners;  // key names of the checkpoint's cosignature lines
};

// Issues a report on `request.subject` from `ledger`, whose checkpoint key is `key`:
// the checkpoint is `witnessed` (DATA/witnessed-checkpoint) when there is one, else the
// ledger's latest; `state` is a fold of the ledger at that size or beyond, used to find the
// entries the subject's facts rest on (its stream, the rulesets, the contracts it is paid
// under). The facts are those entries folded alone, so that a verifier recomputes them
// exactly; the report is verified before it is returned. NotFound for an unknown subject (or
// one without entries in the checkpoint's tree); InvalidArgument for a civil servant or a date
// no ruleset covers; NotFound too when the ledger has no checkpoint yet.
Result<IssuedReport> IssueReport(const ledger::Ledger& ledger, const projections::State& state,
                                 const std::optional<std::string>& witnessed, const KeyPair& key,
                                 const ReportRequest& request);

// What the QR code on the PDF carries: `console_url` + "#/report-verify?s=" + the signed
// statement in base64url (RFC 4648 §5, unpadded).
std::string ReportQrText(std::string_view console_url, std::string_view statement);

// What the PDF shows of an issued report (api/report_pdf.h).
ReportPage ReportPageOf(const IssuedReport& report, std::string_view console_url);

// One check of VerifyReport, for people: what was checked, and whether it held.
struct ReportCheck {
  std::string name;     // "statement", "checkpoint", "checkpoint_matches", "inclusion", "stream", "facts_hash", "facts_recomputed"
  std::string name_zh;
  bool ok = false;
  std::string detail;   // what held, or why not
  std::string detail_zh;  // what held, in Chinese; a failure's reason is `detail` (English, as errors are)
};

struct VerifiedReport {
  ReportStatement statement;
  nlohmann::json facts;
  WitnessedCheckpoint checkpoint;
  std::vector<ReportCheck> checks;  // the checks run, in order; the last failed when !ok()
  bool ok() const { return !checks.empty() && checks.back().ok && checks.size() == kChecks; }
  static constexpr size_t kChecks = 7;
};

// Runs docs/reports.md's seven checks on a report file, in order, stopping at the first that
// fails (the result's last check). `log` is the office's verifier key; with `policy`, the
// checkpoint's cosignatures must make its quorum. InvalidArgument only when `file` is not a
// report file at all (not an object, or another format).
Result<VerifiedReport> VerifyReport(const nlohmann::json& file, const NoteVerifier& log,
                                    const std::optional<WitnessPolicy>& policy);

}  // namespace creditlog::api
