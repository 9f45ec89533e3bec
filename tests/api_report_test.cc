// Credit reports that carry their own proof (docs/reports.md), on a demo ledger made by the
// real binary: a report issued by `creditlog report` verifies with the verifier key alone;
// each part tampered with — the statement, the checkpoint, a proof hash, an entry, a fact — is
// caught at its check; an office that signs facts the entries do not give, or leaves an entry
// of the subject's stream out, is caught by the recomputation; the facts folded from a
// report's entries alone are the facts of the whole log for every subject; and a penalty's
// publicity is judged at its boundary days.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "api/data_dir.h"
#include "api/report.h"
#include "api/views.h"
#include "crypto/sha256.h"
#include "crypto/tlog_proof.h"
#include "events/event.h"
#include "projections/build.h"
#include "run_binary.h"
#include "temp_dir.h"

namespace creditlog::testing {
namespace {

using nlohmann::json;
using api::IssuedReport;
using api::ReportRequest;
using api::VerifiedReport;

constexpr const char* kPassphrase = "report-test-passphrase";
constexpr const char* kToday = "2026-11-30";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One demo ledger for the whole file: made once (150 subjects: one of them on the serious list), read by every case.
struct Demo {
  TempDir dir;
  std::string data = dir.path() + "/data";
  std::string vkey;
  NoteVerifier verifier;

  Demo() {
    ::setenv("CREDITLOG_PASSPHRASE", kPassphrase, 1);
    Run init = RunCommand("init --data " + data + " --origin report.creditlog.example/log");
    REQUIRE(init.exit_code == 0);
    Run demo = RunCommand("demo --data " + data + " --subjects 150 --today " + std::string(kToday));
    REQUIRE(demo.exit_code == 0);
    Run key = RunCommand("verifier-key --data " + data);
    REQUIRE(key.exit_code == 0);
    vkey = key.output.substr(0, key.output.find('\n'));
    auto v = ParseVerifierKey(vkey);
    REQUIRE(v.ok());
    verifier = *v;
  }
  static Demo& Get() {
    static Demo demo;
    return demo;
  }
};

// A subject on the serious-dishonesty list on kToday: its report has every kind of fact.
std::string ListedSubject(const Demo& d) {
  Run list = RunCommand("list SeriousDishonesty --json --as-of " + std::string(kToday) + " --data " + d.data);
  REQUIRE(list.exit_code == 0);
  const json j = json::parse(list.output);
  REQUIRE_FALSE(j["entries"].empty());
  return j["entries"][0]["subject"].get<std::string>();
}

VerifiedReport Verify(const json& file) {
  auto verified = api::VerifyReport(file, Demo::Get().verifier, std::nullopt);
  REQUIRE(verified.ok());
  return *verified;
}

// The check that failed: its name, or "" when all held.
std::string Failed(const json& file) {
  VerifiedReport v = Verify(file);
  if (v.ok()) return "";
  INFO(v.checks.back().detail);
  return v.checks.back().name;
}

// Replaces the first occurrence of `from` in string field `key` of `file`.
json Replaced(json file, const std::string& key, const std::string& from, const std::string& to) {
  std::string text = file[key].get<std::string>();
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  file[key] = text;
  return file;
}

// The office's key, as a dishonest office would hold it.
KeyPair OfficeKey() {
  auto key = api::LoadKey(api::LedgerKeyPath(Demo::Get().data), kPassphrase);
  REQUIRE(key.ok());
  return key->key_pair;
}

// The statement re-signed by the office after `edit` changed it.
json Resigned(json file, const std::function<void(api::ReportStatement&)>& edit) {
  const std::string note_text = file["statement"].get<std::string>();
  auto parts = SplitNote(note_text);
  REQUIRE(parts.ok());
  auto statement = api::ParseReportStatement(parts->text);
  REQUIRE(statement.ok());
  edit(*statement);
  auto text = api::FormatReportStatement(*statement);
  REQUIRE(text.ok());
  auto note = SignNote(*text, statement->origin, OfficeKey().secret_key);
  REQUIRE(note.ok());
  file["statement"] = *note;
  return file;
}

TEST_CASE("report: issued by the binary, verified with the key alone, and every tampered part caught", "[report]") {
  Demo& d = Demo::Get();
  const std::string subject = ListedSubject(d);
  const std::string pdf = d.dir.path() + "/r.pdf";
  Run issued = RunCommand("report --data " + d.data + " --subject " + subject + " --as-of " + kToday + " --purpose bidding --out " + pdf);
  REQUIRE(issued.exit_code == 0);
  const std::string file_path = d.dir.path() + "/r.report.json";
  REQUIRE(std::filesystem::file_size(pdf) > 0);
  REQUIRE(ReadAll(pdf).substr(0, 5) == "%PDF-");
  const json file = json::parse(ReadAll(file_path));

  const VerifiedReport genuine = Verify(file);
  REQUIRE(genuine.ok());
  CHECK(genuine.statement.subject == subject);
  CHECK(genuine.statement.as_of == kToday);
  CHECK(genuine.statement.purpose == "招投标");
  CHECK(genuine.statement.grade == "D");
  CHECK(genuine.facts["sections"][1]["items"][0]["title"] == "严重失信主体名单");

  // The binary says the same, and names the check that fails.
  Run ok = RunCommand("verify-report " + pdf + " --verifier-key '" + d.vkey + "'");
  CHECK(ok.exit_code == 0);
  CHECK(ok.output.find("核验通过") != std::string::npos);
  Run no_key = RunCommand("verify-report " + file_path);
  CHECK(no_key.exit_code == 2);

  SECTION("the statement's text") {
    CHECK(Failed(Replaced(file, "statement", "\ngrade D\n", "\ngrade A\n")) == "statement");
    const std::string tampered = d.dir.path() + "/tampered.report.json";
    std::ofstream(tampered) << Replaced(file, "statement", "\ngrade D\n", "\ngrade A\n").dump();
    Run bad = RunCommand("--lang en verify-report " + tampered + " --verifier-key '" + d.vkey + "'");
    CHECK(bad.exit_code == 1);
    CHECK(bad.output.find("statement") != std::string::npos);
  }
  SECTION("another office's key") {
    auto other = ParseVerifierKey(FormatVerifierKey("report.creditlog.example/log", GenerateKeyPair().public_key));
    REQUIRE(other.ok());
    auto v = api::VerifyReport(file, *other, std::nullopt);
    REQUIRE(v.ok());
    CHECK_FALSE(v->ok());
    CHECK(v->checks.back().name == "statement");
  }
  SECTION("the checkpoint's root") {
    const std::string note = file["checkpoint"].get<std::string>();
    const std::string root_line = note.substr(note.find('\n', note.find('\n') + 1) + 1, 44);
    const std::string other = Base64Encode(Sha256(AsBytes(root_line)));
    CHECK(Failed(Replaced(file, "checkpoint", root_line, other)) == "checkpoint");
  }
  SECTION("a proof hash") {
    json tampered = file;
    const std::string proof = tampered["proofs"][0].get<std::string>();
    auto parsed = ParseTlogProof(proof);
    REQUIRE(parsed.ok());
    REQUIRE_FALSE(parsed->hashes.empty());
    parsed->hashes[0][0] ^= 1;
    tampered["proofs"][0] = FormatTlogProof(*parsed);
    CHECK(Failed(tampered) == "inclusion");
  }
  SECTION("an entry's bytes") {
    json tampered = file;
    auto parsed = ParseTlogProof(tampered["proofs"][1].get<std::string>());
    REQUIRE(parsed.ok());
    Bytes& entry = *parsed->extra;
    entry[entry.size() - 10] ^= 1;
    tampered["proofs"][1] = FormatTlogProof(*parsed);
    CHECK(Failed(tampered) == "inclusion");
  }
  SECTION("a proof left out") {
    json tampered = file;
    tampered["proofs"].erase(tampered["proofs"].size() - 1);
    CHECK(Failed(tampered) == "inclusion");
  }
  SECTION("a fact") {
    json tampered = Replaced(file, "facts_text", "严重失信主体名单", "守信激励名单");
    tampered["facts"] = json::parse(tampered["facts_text"].get<std::string>());
    CHECK(Failed(tampered) == "facts_hash");
    // Only the readable copy changed: caught too.
    json readable = file;
    readable["facts"]["grade"]["grade"] = "A";
    CHECK(Failed(readable) == "facts_hash");
  }
  SECTION("the office signs facts the entries do not give") {
    json tampered = Replaced(file, "facts_text", "\"grade\":\"D\"", "\"grade\":\"B\"");
    tampered["facts"] = json::parse(tampered["facts_text"].get<std::string>());
    const std::string text = tampered["facts_text"].get<std::string>();
    tampered = Resigned(tampered, [&](api::ReportStatement& s) { s.facts_sha256 = Sha256(AsBytes(text)); });
    CHECK(Failed(tampered) == "facts_recomputed");
  }
  SECTION("the office leaves out an entry of the subject's stream") {
    // The subject's latest entry: its stream version is the stream's length.
    json tampered = file;
    size_t last = 0;
    for (size_t i = 0; i < file["proofs"].size(); ++i) {
      auto p = ParseTlogProof(file["proofs"][i].get<std::string>());
      REQUIRE(p.ok());
      auto view = ledger::ParseEntry(*p->extra);
      REQUIRE(view.ok());
      const auto* s = view->envelope.event->subject();
      if (s != nullptr && s->str() == subject && view->stream_version == genuine.statement.stream_length - 1) last = i;
    }
    REQUIRE(last > 0);
    tampered["proofs"].erase(last);
    tampered = Resigned(tampered, [](api::ReportStatement& s) { s.entries -= 1; });
    CHECK(Failed(tampered) == "stream");
  }
}

TEST_CASE("report: the facts folded from a report's entries alone are the whole log's, for every subject", "[report]") {
  Demo& d = Demo::Get();
  auto ledger = api::OpenForReading(d.data);
  REQUIRE(ledger.ok());
  auto state = projections::BuildState(**ledger, (*ledger)->size());
  REQUIRE(state.ok());
  const KeyPair key = OfficeKey();
  auto day = api::ParseAsOf(kToday);
  REQUIRE(day.ok());
  size_t reported = 0;
  for (const auto& [id, subject] : state->subjects()) {
    if (subject.kind == fb::SubjectKind::CivilServant || !subject.registered) continue;
    auto issued = api::IssueReport(**ledger, *state, std::nullopt, key, ReportRequest{std::string(id), *day, "", *day, ""});
    REQUIRE(issued.ok());
    auto profile = projections::Evaluate(*state, id, *day);
    REQUIRE(profile.ok());
    auto stream = (*ledger)->StreamSeqs(id);
    REQUIRE(stream.ok());
    INFO(id);
    CHECK(issued->facts == api::ReportFacts(*profile, stream->size()));
    ++reported;
  }
  CHECK(reported >= 150);
}

TEST_CASE("report: a penalty's publicity on the day before, on and after its end", "[report]") {
  Demo& d = Demo::Get();
  auto ledger = api::OpenForReading(d.data);
  REQUIRE(ledger.ok());
  auto state = projections::BuildState(**ledger, (*ledger)->size());
  REQUIRE(state.ok());
  const KeyPair key = OfficeKey();
  auto today = api::ParseAsOf(kToday);
  REQUIRE(today.ok());
  // A penalty whose publicity ended before kToday and that was not repaired or revoked by then.
  std::string subject, decision;
  projections::Day end = 0;
  for (const auto& [id, s] : state->subjects()) {
    auto p = projections::Evaluate(*state, id, *today);
    if (!p.ok()) continue;
    for (const auto& v : p->penalties) {
      if (v.state == "expired" && v.publicity_until + 1 < *today) {
        subject = id;
        decision = v.penalty->decision_number;
        end = v.publicity_until;
      }
    }
    if (!subject.empty()) break;
  }
  REQUIRE_FALSE(subject.empty());
  auto state_on = [&](projections::Day day) {
    auto issued = api::IssueReport(**ledger, *state, std::nullopt, key, ReportRequest{subject, day, "", *today, ""});
    REQUIRE(issued.ok());
    for (const json& item : issued->facts["sections"][0]["items"]) {
      if (item["title"] == decision) return item;
    }
    FAIL("the penalty is not in the report");
    return json();
  };
  const json before = state_on(end - 1);
  CHECK(before["state"] == "in_publicity");
  CHECK(before["state_zh"] == "公示中");
  CHECK(before["text"].get<std::string>().find("公示期至 " + api::Date(end - 1)) != std::string::npos);
  CHECK(state_on(end)["state"] == "expired");
  CHECK(state_on(end + 1)["state"] == "expired");
}

TEST_CASE("report: the statement's text round-trips and refuses malformed lines", "[report]") {
  api::ReportStatement s;
  s.origin = "report.creditlog.example/log";
  s.number = "CR-20261202-0A1B2C3D";
  s.subject = "91370202MAY0L3HY8H";
  s.as_of = "2026-11-30";
  s.issued = "2026-12-02";
  s.ruleset_version = "default-2026.3";
  s.ruleset_seq = 1;
  s.stream_length = 10;
  s.entries = 12;
  s.checkpoint_size = 1832;
  s.grade = "D";
  auto text = api::FormatReportStatement(s);
  REQUIRE(text.ok());
  CHECK(text->find("\npurpose -\n") != std::string::npos);
  auto back = api::ParseReportStatement(*text);
  REQUIRE(back.ok());
  CHECK(api::FormatReportStatement(*back).value() == *text);
  // Never a checkpoint: its second line is not a tree size.
  CHECK_FALSE(ParseCheckpoint(*text).ok());
  s.purpose = "招投标 审批";
  CHECK(api::FormatReportStatement(s).status().code() == StatusCode::kInvalidArgument);
  std::string bad = *text;
  bad.replace(bad.find("entries 12"), 10, "entries 0x");
  CHECK(api::ParseReportStatement(bad).status().message().find("entries") != std::string::npos);
}

}  // namespace
}  // namespace creditlog::testing
