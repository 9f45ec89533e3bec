#include "api/report.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "api/disclosure.h"
#include "api/proof_bundle.h"
#include "api/views.h"
#include "api/witnessed.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "crypto/tlog_proof.h"
#include "events/event.h"
#include "events/labels.h"
#include "ledger/entry.h"
#include "projections/words.h"

namespace creditlog::api {
namespace {

using json = nlohmann::json;
using projections::Day;

constexpr size_t kReportNumberRandomBytes = 4;

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string Label(std::string_view enum_name, std::string_view value) {
  const std::string_view zh = events::ChineseLabel(enum_name, value);
  return std::string(zh.empty() ? value : zh);
}

std::string RuleNameZh(const std::string& rule) {
  const projections::Words* name = projections::FindRuleName(rule);
  return name ? name->zh : "";
}

json Item(std::string title, std::string text, std::string state, std::string state_zh, bool repaired, std::string rule,
          std::vector<uint64_t> seqs) {
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  std::string rule_name = rule.empty() ? "" : RuleNameZh(rule);
  return {{"title", std::move(title)}, {"text", std::move(text)},   {"state", std::move(state)},
          {"state_zh", std::move(state_zh)}, {"repaired", repaired}, {"rule", std::move(rule)},
          {"rule_name", std::move(rule_name)}, {"seqs", std::move(seqs)}};
}

json Section(std::string_view key, std::string_view title, json items) {
  return {{"key", key}, {"title", title}, {"items", std::move(items)}};
}

std::string Yuan(int64_t fen) { return projections::YuanText(fen) + " 元"; }

json PenaltyItems(const projections::Profile& p) {
  json items = json::array();
  for (const auto& v : p.penalties) {
    // Revoked penalties and 不予处罚 decisions are not the subject's record.
    std::string state_zh;
    std::string phrase;
    if (v.state == "in_publicity") {
      state_zh = "公示中";
      phrase = "公示中，公示期至 " + Date(v.publicity_until - 1);  // publicity_until is its first day after
    } else if (v.state == "expired") {
      state_zh = "公示期满";
      phrase = "公示期满（公示期至 " + Date(v.publicity_until - 1) + "），未修复";
    } else if (v.state == "repaired") {
      state_zh = "已修复";
      phrase = "已信用修复";
    } else {
      continue;
    }
    const projections::Penalty& x = *v.penalty;
    std::string text = Date(x.decided) + " 作出；" + Label("Severity", fb::EnumNameSeverity(x.severity)) + "行政处罚；" + x.category;
    if (x.fine_fen > 0) text += "；罚款 " + Yuan(x.fine_fen);
    if (x.confiscated_fen > 0) text += "；没收违法所得 " + Yuan(x.confiscated_fen);
    text += "；" + phrase;
    items.push_back(Item(x.decision_number, text, v.state, state_zh, v.state == "repaired", "", x.seqs));
  }
  return items;
}

json ListItems(const projections::Profile& p) {
  json items = json::array();
  for (const auto& m : p.lists) {
    // Only published lists: the lists kept for officials do not leave the office (docs/privacy.md).
    if (!projections::ListIsPublished(m.list)) continue;
    std::string text = Date(m.since) + " 起列入";
    if (m.until) text += "，至 " + Date(*m.until);
    text += "；事由：" + m.reason_zh;
    items.push_back(Item(std::string(projections::ListChineseName(m.list)), text, "listed", "在列", false, m.why.rule, m.why.seqs));
  }
  // Serious listings ended by an approved repair on or before the date: 已修复.
  const projections::SubjectState& s = *p.subject;
  for (const auto& l : s.rare->listings) {
    if (!l.exited || *l.exited > p.as_of || l.decided > p.as_of) continue;
    for (const auto& r : s.rare->repairs) {
      if (r.target != l.id || !r.approved || !r.decided || *r.decided > p.as_of) continue;
      std::vector<uint64_t> seqs = l.seqs;
      seqs.insert(seqs.end(), r.seqs.begin(), r.seqs.end());
      items.push_back(Item(std::string(projections::ListChineseName(fb::ListKind::SeriousDishonesty)),
                           Date(l.decided) + " 起列入，" + Date(*l.exited) + " 经信用修复移出", "repaired", "已修复", true,
                           "serious_list.repair", std::move(seqs)));
      break;
    }
  }
  return items;
}

std::string CommitmentStateZh(const std::string& state) {
  static const std::map<std::string, std::string, std::less<>> kZh = {
      {"open", "履行中"}, {"fulfilled", "已履行"}, {"breached", "违诺"}, {"withdrawn", "已撤回"}, {"overdue", "逾期未核查"}};
  auto it = kZh.find(state);
  return it == kZh.end() ? state : it->second;
}

json CommitmentItems(const projections::Profile& p) {
  json items = json::array();
  for (const auto& c : p.commitments) {
    const projections::Commitment& x = *c.commitment;
    std::string text = Label("CommitmentType", fb::EnumNameCommitmentType(x.type)) + "承诺，" + Date(x.made) + " 作出，期限至 " +
                       Date(x.deadline);
    std::string rule;
    if (c.lapsed) {
      text += "；" + Date(*c.lapsed) + " 起逾期未补齐材料";
      rule = "commitment.incomplete_acceptance_lapsed";
    }
    text += "；" + CommitmentStateZh(c.state);
    items.push_back(Item(x.matter, text, c.state, CommitmentStateZh(c.state), false, rule, x.seqs));
  }
  return items;
}

json ContractItems(const projections::Profile& p) {
  json items = json::array();
  for (const auto& c : p.contracts) {
    const projections::Contract& x = *c.contract;
    std::string state, state_zh;
    if (c.outstanding_fen > 0) {
      state = "overdue";
      state_zh = "逾期未付";
    } else if (x.due() < p.as_of) {
      state = c.paid_on_time ? "paid_on_time" : "paid_late";
      state_zh = c.paid_on_time ? "按期支付" : "逾期后付清";
    } else {
      state = "open";
      state_zh = "履行中";
    }
    std::string text = std::string(c.as_payer ? "付款方" : "收款方") + "；合同金额 " + Yuan(x.amount_fen) + "；最后付款期限 " +
                       Date(x.due());
    if (c.outstanding_fen > 0) text += "；逾期 " + std::to_string(c.days_overdue) + " 天，未付 " + Yuan(c.outstanding_fen);
    text += "；" + state_zh;
    items.push_back(Item(x.id, text, state, state_zh, false, "", x.seqs));
  }
  return items;
}

json MeasureItems(const projections::Profile& p) {
  json items = json::array();
  for (size_t i = 0; i < p.measures.size(); ++i) {
    const auto& [measure, list] = p.measures[i];
    if (!projections::ListIsPublished(list)) continue;
    const projections::MeasureDetail* d = i < p.measure_details.size() ? p.measure_details[i] : nullptr;
    const bool incentive = d != nullptr && d->incentive;
    std::string text = "因列入" + std::string(projections::ListChineseName(list));
    if (d != nullptr && !d->department.empty()) text += "；实施部门：" + d->department;
    if (d != nullptr && !d->basis.empty()) text += "；依据：" + d->basis;
    std::string rule;
    std::vector<uint64_t> seqs;
    for (const auto& m : p.lists) {
      if (m.list != list) continue;
      rule = m.why.rule;
      seqs = m.why.seqs;
      break;
    }
    items.push_back(Item(measure, text, incentive ? "incentive" : "restriction", incentive ? "激励" : "限制", false, rule,
                         std::move(seqs)));
  }
  return items;
}

Status Field(const json& file, const char* key, json::value_t type) {
  if (!file.contains(key) || file[key].type() != type) {
    return Status::InvalidArgument(std::string("report file: \"") + key + "\" is missing or not " +
                                   (type == json::value_t::string ? "a string" : type == json::value_t::array ? "an array" : "an object"));
  }
  return Status::Ok();
}

Result<uint64_t> Number(std::string_view text, std::string_view what) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() || (text.size() > 1 && text[0] == '0')) {
    return Status::InvalidArgument(std::string(what) + ": '" + std::string(text) + "' is not a number");
  }
  return value;
}

Result<Hash> HashField(std::string_view text, std::string_view what) {
  auto bytes = Base64Decode(text);
  if (!bytes.ok() || bytes->size() != kHashSize) return Status::InvalidArgument(std::string(what) + ": not a base64 SHA-256 hash");
  Hash h{};
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

// The facts recomputed from `entries` (seq → entry bytes, parsed), folded alone in seq order.
Result<json> Recompute(const std::map<uint64_t, ledger::EntryView>& entries, const std::string& subject, Day as_of,
                       uint64_t stream_length) {
  projections::State state;
  for (const auto& [seq, view] : entries) RETURN_IF_ERROR(state.Apply(*view.envelope.event, seq));
  ASSIGN_OR_RETURN(projections::Profile p, projections::Evaluate(state, subject, as_of));
  return ReportFacts(p, stream_length);
}

}  // namespace

Result<std::string> FormatReportStatement(const ReportStatement& s) {
  for (const std::string* field : {&s.origin, &s.number, &s.subject, &s.as_of, &s.purpose, &s.issued, &s.ruleset_version, &s.grade}) {
    if (field->find_first_of("\n\r") != std::string::npos || field->find(' ') != std::string::npos) {
      return Status::InvalidArgument("report statement: '" + *field + "' may not hold a space or a line break");
    }
  }
  std::string text = std::string(kReportStatementHeader) + "\n";
  text += "origin " + s.origin + "\n";
  text += "number " + s.number + "\n";
  text += "subject " + s.subject + "\n";
  text += "as-of " + s.as_of + "\n";
  text += "purpose " + (s.purpose.empty() ? std::string("-") : s.purpose) + "\n";
  text += "issued " + s.issued + "\n";
  text += "ruleset " + s.ruleset_version + " " + std::to_string(s.ruleset_seq) + "\n";
  text += "stream-length " + std::to_string(s.stream_length) + "\n";
  text += "entries " + std::to_string(s.entries) + "\n";
  text += "checkpoint " + std::to_string(s.checkpoint_size) + " " + Base64Encode(s.checkpoint_root) + "\n";
  text += "facts " + Base64Encode(s.facts_sha256) + "\n";
  text += "grade " + s.grade + "\n";
  return text;
}

Result<ReportStatement> ParseReportStatement(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return Status::InvalidArgument("report statement: the last line has no newline");
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  static constexpr std::string_view kKeys[] = {"origin",  "number", "subject", "as-of",      "purpose", "issued", "ruleset",
                                               "stream-length", "entries", "checkpoint", "facts",   "grade"};
  constexpr size_t kLines = 1 + std::size(kKeys);
  if (lines.size() != kLines || lines[0] != kReportStatementHeader) {
    return Status::InvalidArgument("report statement: expected '" + std::string(kReportStatementHeader) + "' and " +
                                   std::to_string(std::size(kKeys)) + " lines");
  }
  std::vector<std::string_view> values;
  for (size_t i = 0; i < std::size(kKeys); ++i) {
    const std::string_view line = lines[i + 1];
    if (line.substr(0, kKeys[i].size()) != kKeys[i] || line.size() < kKeys[i].size() + 2 || line[kKeys[i].size()] != ' ') {
      return Status::InvalidArgument("report statement: line " + std::to_string(i + 2) + " is not '" + std::string(kKeys[i]) + " …'");
    }
    values.push_back(line.substr(kKeys[i].size() + 1));
  }
  auto pair = [](std::string_view v) -> std::pair<std::string_view, std::string_view> {
    const size_t sp = v.find(' ');
    if (sp == std::string_view::npos) return {v, {}};
    return {v.substr(0, sp), v.substr(sp + 1)};
  };
  ReportStatement s;
  s.origin = values[0];
  s.number = values[1];
  s.subject = values[2];
  s.as_of = values[3];
  s.purpose = values[4] == "-" ? "" : std::string(values[4]);
  s.issued = values[5];
  auto [version, ruleset_seq] = pair(values[6]);
  s.ruleset_version = version;
  ASSIGN_OR_RETURN(s.ruleset_seq, Number(ruleset_seq, "report statement: ruleset seq"));
  ASSIGN_OR_RETURN(s.stream_length, Number(values[7], "report statement: stream-length"));
  ASSIGN_OR_RETURN(s.entries, Number(values[8], "report statement: entries"));
  auto [size, root] = pair(values[9]);
  ASSIGN_OR_RETURN(s.checkpoint_size, Number(size, "report statement: checkpoint size"));
  ASSIGN_OR_RETURN(s.checkpoint_root, HashField(root, "report statement: checkpoint root"));
  ASSIGN_OR_RETURN(s.facts_sha256, HashField(values[10], "report statement: facts"));
  s.grade = values[11];
  if (!events::IsCalendarDate(s.as_of) || !events::IsCalendarDate(s.issued)) {
    return Status::InvalidArgument("report statement: as-of and issued must be dates (YYYY-MM-DD)");
  }
  return s;
}

std::string ReportQrText(std::string_view console_url, std::string_view statement) {
  std::string b64 = Base64Encode(AsBytes(statement));
  for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return std::string(console_url) + "#/report-verify?s=" + b64;
}

ReportPage ReportPageOf(const IssuedReport& report, std::string_view console_url) {
  const ReportStatement& s = report.statement;
  ReportPage page;
  page.facts = report.facts;
  page.number = s.number;
  page.office = s.origin;
  page.purpose = s.purpose;
  page.issued = s.issued;
  page.checkpoint_size = s.checkpoint_size;
  page.checkpoint_root = Base64Encode(s.checkpoint_root);
  page.facts_sha256 = Base64Encode(s.facts_sha256);
  page.cosigners = report.cosigners;
  page.qr_text = ReportQrText(console_url, report.file["statement"].get<std::string>());
  return page;
}

std::string NewReportNumber(Day issued) {
  std::string date = Date(issued);
  date.erase(std::remove(date.begin(), date.end(), '-'), date.end());
  return "CR-" + date + "-" + Upper(HexEncode(RandomBytes(kReportNumberRandomBytes)));
}

json ReportFacts(const projections::Profile& p, uint64_t stream_length) {
  const projections::SubjectState& s = *p.subject;
  const std::string kind = fb::EnumNameSubjectKind(s.kind);
  const auto& g = p.published_grade;
  json sections = json::array();
  sections.push_back(Section("penalties", "行政处罚信息", PenaltyItems(p)));
  sections.push_back(Section("lists", "失信名单信息", ListItems(p)));
  sections.push_back(Section("commitments", "信用承诺信息", CommitmentItems(p)));
  sections.push_back(Section("contracts", "合同履约信息", ContractItems(p)));
  sections.push_back(Section("measures", "适用的措施", MeasureItems(p)));
  std::vector<uint64_t> grade_seqs = g.seqs;
  std::sort(grade_seqs.begin(), grade_seqs.end());
  return {{"format", kReportFactsFormat},
          {"subject",
           {{"id", s.id}, {"name", s.name}, {"kind", kind}, {"kind_zh", Label("SubjectKind", kind)},
            {"division", std::string(events::SubjectDivision(s.id))}}},
          {"as_of", Date(p.as_of)},
          {"ruleset", {{"version", p.ruleset_version}, {"seq", p.ruleset_seq}}},
          {"grade",
           {{"grade", std::string(1, g.grade)}, {"reason", g.reason_zh}, {"rule", g.rule},
            {"rule_name", g.name ? g.name->zh : RuleNameZh(g.rule)}, {"seqs", grade_seqs}}},
          {"sections", std::move(sections)},
          {"stream_length", stream_length}};
}

Result<IssuedReport> IssueReport(const ledger::Ledger& ledger, const projections::State& state,
                                 const std::optional<std::string>& witnessed, const KeyPair& key, const ReportRequest& request) {
  if (key.public_key != ledger.ledger_public_key()) {
    return Status::PermissionDenied("the key given is not the ledger's checkpoint key: reports are signed with it");
  }
  ASSIGN_OR_RETURN(NoteVerifier verifier, ParseVerifierKey(ledger.VerifierKey()));
  // The checkpoint the report rests on: the witnessed one when the log has witnesses.
  std::string note;
  if (witnessed) {
    note = *witnessed;
  } else {
    auto latest = ledger.LatestCheckpoint();
    if (latest.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("the ledger has no checkpoint yet: run creditlog checkpoint --data DIR first");
    }
    ASSIGN_OR_RETURN(note, std::move(latest));
  }
  ASSIGN_OR_RETURN(Checkpoint checkpoint, ledger.OpenCheckpoint(note));
  const uint64_t size = checkpoint.size;

  const projections::SubjectState* subject = state.Subject(request.subject);
  if (subject == nullptr) return Status::NotFound(NoSuchSubject(request.subject));
  if (IsCivilServantId(request.subject) || subject->kind == fb::SubjectKind::CivilServant) {
    return Status::InvalidArgument("subject " + request.subject + ": reports are for legal persons; a civil servant's file is not reported on");
  }
  // The entries the facts rest on, in the checkpoint's tree.
  ASSIGN_OR_RETURN(std::vector<uint64_t> stream, ledger.StreamSeqs(request.subject));
  stream.erase(std::remove_if(stream.begin(), stream.end(), [&](uint64_t q) { return q >= size; }), stream.end());
  if (stream.empty()) {
    return Status::NotFound("subject " + request.subject + " has no entries in the checkpoint's tree (size " + std::to_string(size) +
                            "); a report can be issued once a checkpoint covers them");
  }
  std::set<uint64_t> seqs(stream.begin(), stream.end());
  for (const auto& adopted : state.rulesets().adopted()) {
    if (adopted.seq < size) seqs.insert(adopted.seq);
  }
  for (const std::string& id : subject->rare->contracts_as_payee) {
    if (const projections::Contract* c = state.FindContract(id)) {
      for (uint64_t q : c->seqs) {
        if (q < size) seqs.insert(q);
      }
    }
  }
  if (seqs.size() > kReportEntriesMax) {
    return Status::TooLarge("subject " + request.subject + ": a report would carry " + std::to_string(seqs.size()) +
                            " entries, more than " + std::to_string(kReportEntriesMax));
  }

  // The facts: those entries folded alone, as a verifier will fold them.
  std::vector<Bytes> entry_bytes;
  std::map<uint64_t, ledger::EntryView> entries;
  entry_bytes.reserve(seqs.size());
  for (uint64_t q : seqs) {
    ASSIGN_OR_RETURN(Bytes bytes, ledger.Entry(q));
    entry_bytes.push_back(std::move(bytes));
    ASSIGN_OR_RETURN(entries[q], ledger::ParseEntry(entry_bytes.back()));
  }
  ASSIGN_OR_RETURN(json facts, Recompute(entries, request.subject, request.as_of, stream.size()));
  const std::string facts_text = DumpJson(facts);

  // Each entry's proof in the checkpoint's tree, from the bytes read above; VerifyReport below
  // checks every one against the signed root.
  json proofs = json::array();
  size_t i = 0;
  for (uint64_t q : seqs) {
    TlogProof proof;
    proof.index = q;
    ASSIGN_OR_RETURN(proof.hashes, ledger.InclusionProof(q, size));
    if (entry_bytes[i].size() > kTlogProofExtraBytesMax) {
      return Status::TooLarge("entry " + std::to_string(q) + " is larger than a proof file's extra data may be");
    }
    proof.extra = std::move(entry_bytes[i++]);
    proof.checkpoint = note;
    proofs.push_back(FormatTlogProof(proof));
  }
  entries.clear();  // they pointed into the bytes just moved

  ReportStatement st;
  st.origin = verifier.name;
  st.number = request.number.empty() ? NewReportNumber(request.issued) : request.number;
  st.subject = request.subject;
  st.as_of = Date(request.as_of);
  st.purpose = request.purpose;
  st.issued = Date(request.issued);
  st.ruleset_version = facts["ruleset"]["version"].get<std::string>();
  st.ruleset_seq = facts["ruleset"]["seq"].get<uint64_t>();
  st.stream_length = stream.size();
  st.entries = seqs.size();
  st.checkpoint_size = size;
  st.checkpoint_root = checkpoint.root;
  st.facts_sha256 = Sha256(AsBytes(facts_text));
  st.grade = facts["grade"]["grade"].get<std::string>();
  ASSIGN_OR_RETURN(std::string text, FormatReportStatement(st));
  ASSIGN_OR_RETURN(std::string statement, SignNote(text, verifier.name, key.secret_key));

  IssuedReport out;
  out.file = {{"format", kReportFormat}, {"number", st.number},      {"statement", statement},
              {"facts_text", facts_text}, {"facts", facts},         {"checkpoint", note},
              {"proofs", std::move(proofs)}, {"verifier_key", ledger.VerifierKey()}};
  // An office never hands out a report that does not verify.
  ASSIGN_OR_RETURN(VerifiedReport verified, VerifyReport(out.file, verifier, std::nullopt));
  if (!verified.ok()) {
    return Status::Corruption("the report made does not verify: " + verified.checks.back().name + ": " + verified.checks.back().detail);
  }
  out.statement = std::move(st);
  out.facts = std::move(facts);
  out.cosigners = CosignerNames(note, ledger.origin());
  return out;
}

Result<VerifiedReport> VerifyReport(const json& file, const NoteVerifier& log, const std::optional<WitnessPolicy>& policy) {
  if (!file.is_object()) return Status::InvalidArgument("report file: not a JSON object");
  if (!file.contains("format") || file["format"] != kReportFormat) {
    return Status::InvalidArgument("report file: \"format\" is not \"" + std::string(kReportFormat) + "\"");
  }
  RETURN_IF_ERROR(Field(file, "statement", json::value_t::string));
  RETURN_IF_ERROR(Field(file, "facts_text", json::value_t::string));
  RETURN_IF_ERROR(Field(file, "checkpoint", json::value_t::string));
  RETURN_IF_ERROR(Field(file, "proofs", json::value_t::array));
  if (!file.contains("facts")) return Status::InvalidArgument("report file: \"facts\" is missing");

  VerifiedReport out;
  auto check = [&](const char* name, const char* name_zh, Status held, std::string detail, std::string detail_zh) {
    out.checks.push_back({name, name_zh, held.ok(), held.ok() ? std::move(detail) : held.message(),
                          held.ok() ? std::move(detail_zh) : held.message()});
    return held.ok();
  };

  // 1. The statement is the office's.
  Status st = [&]() -> Status {
    ASSIGN_OR_RETURN(std::string text, OpenNote(file["statement"].get<std::string>(), log));
    ASSIGN_OR_RETURN(out.statement, ParseReportStatement(text));
    if (out.statement.origin != log.name) {
      return Status::Corruption("the statement names origin " + out.statement.origin + ", the key is " + log.name + "'s");
    }
    if (!file.contains("number") || file["number"] != out.statement.number) {
      return Status::Corruption("the file's number is not the statement's (" + out.statement.number + ")");
    }
    return Status::Ok();
  }();
  if (!check("statement", "报告声明签名", st, "signed by " + log.name + ", report " + out.statement.number,
             "由 " + log.name + " 签署，报告编号 " + out.statement.number)) return out;

  // 2. The checkpoint is the log's, cosigned as the policy asks.
  const WitnessPolicy none = WitnessPolicy::None();
  st = [&]() -> Status {
    ASSIGN_OR_RETURN(out.checkpoint, OpenWitnessed(file["checkpoint"].get<std::string>(), log, policy ? *policy : none));
    if (policy) RETURN_IF_ERROR(RequireQuorum(out.checkpoint, *policy));
    return Status::Ok();
  }();
  std::string cosigned;
  for (const auto& c : out.checkpoint.cosigned_by) cosigned += (cosigned.empty() ? "" : ", ") + c.witness;
  if (!check("checkpoint", "检查点签名", st,
             "tree size " + std::to_string(out.checkpoint.checkpoint.size) + (cosigned.empty() ? "" : ", cosigned by " + cosigned),
             "树大小 " + std::to_string(out.checkpoint.checkpoint.size) + (cosigned.empty() ? "" : "，见证方 " + cosigned + " 联署"))) {
    return out;
  }

  // 3. The statement is about that checkpoint.
  const ReportStatement& s = out.statement;
  st = out.checkpoint.checkpoint.size == s.checkpoint_size && out.checkpoint.checkpoint.root == s.checkpoint_root
           ? Status::Ok()
           : Status::Corruption("the checkpoint (size " + std::to_string(out.checkpoint.checkpoint.size) +
                                ") is not the one the statement names (size " + std::to_string(s.checkpoint_size) + ")");
  if (!check("checkpoint_matches", "检查点与声明一致", st, "size " + std::to_string(s.checkpoint_size),
             "树大小 " + std::to_string(s.checkpoint_size))) return out;

  // 4. Every entry is in the checkpoint's tree.
  std::vector<TlogProof> proofs;
  std::map<uint64_t, ledger::EntryView> entries;
  st = [&]() -> Status {
    const json& list = file["proofs"];
    if (list.size() != s.entries) {
      return Status::Corruption("the file has " + std::to_string(list.size()) + " entries, the statement says " + std::to_string(s.entries));
    }
    if (list.size() > kReportEntriesMax) return Status::Corruption("more entries than a report may carry");
    proofs.reserve(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = "proof " + std::to_string(i + 1);
      if (!list[i].is_string()) return Status::Corruption(where + " is not a string");
      auto proof = ParseTlogProof(list[i].get<std::string>());
      if (!proof.ok()) return Status::Corruption(where + ": " + proof.status().message());
      proofs.push_back(std::move(*proof));
      const TlogProof& p = proofs.back();
      const std::string seq = "entry seq " + std::to_string(p.index);
      if (p.checkpoint != file["checkpoint"].get<std::string>()) return Status::Corruption(seq + ": its checkpoint is not the report's");
      if (!p.extra) return Status::Corruption(seq + ": the proof carries no entry");
      if (!entries.empty() && p.index <= entries.rbegin()->first) return Status::Corruption(seq + ": entries are not in ascending seq");
      auto view = ledger::ParseEntry(*p.extra);
      if (!view.ok()) return Status::Corruption(seq + ": not a ledger entry: " + view.status().message());
      if (view->seq != p.index) return Status::Corruption(seq + ": the entry is seq " + std::to_string(view->seq));
      if (Status in = VerifyInclusion(p.index, s.checkpoint_size, MerkleLeafHash(*p.extra), p.hashes, s.checkpoint_root); !in.ok()) {
        return Status::Corruption(seq + ": inclusion proof: " + in.message());
      }
      entries[p.index] = *view;
    }
    return Status::Ok();
  }();
  if (!check("inclusion", "每条记录的包含证明", st, std::to_string(entries.size()) + " entries in the tree",
             std::to_string(entries.size()) + " 条记录均在树中")) return out;

  // 5. The subject's stream is whole, and a ruleset is among the entries.
  st = [&]() -> Status {
    uint64_t next = 1;
    bool ruleset = false;
    for (const auto& [seq, view] : entries) {
      const fb::Event& event = *view.envelope.event;
      if (event.body_type() == fb::EventBody::RulesetAdopted) ruleset = true;
      if (event.subject() == nullptr || event.subject()->string_view() != s.subject) continue;
      if (view.stream_version != next) {
        return Status::Corruption("the subject's entry seq " + std::to_string(seq) + " is stream version " +
                                  std::to_string(view.stream_version) + ", expected " + std::to_string(next) + ": an entry is missing");
      }
      ++next;
    }
    if (next - 1 != s.stream_length) {
      return Status::Corruption("the subject's stream has " + std::to_string(next - 1) + " entries in the file, the statement says " +
                                std::to_string(s.stream_length));
    }
    if (!ruleset) return Status::Corruption("no ruleset entry is among the entries");
    return Status::Ok();
  }();
  if (!check("stream", "主体记录连续", st, "versions 1–" + std::to_string(s.stream_length),
             "版本 1–" + std::to_string(s.stream_length) + "，无缺漏")) return out;

  // 6. The facts are the ones signed.
  const std::string& facts_text = file["facts_text"].get_ref<const std::string&>();
  st = [&]() -> Status {
    if (Sha256(AsBytes(facts_text)) != s.facts_sha256) return Status::Corruption("facts_text does not hash to the statement's facts");
    json parsed = json::parse(facts_text, nullptr, false);
    if (parsed.is_discarded()) return Status::Corruption("facts_text is not JSON");
    if (parsed != file["facts"]) return Status::Corruption("\"facts\" is not facts_text");
    out.facts = std::move(parsed);
    return Status::Ok();
  }();
  if (!check("facts_hash", "事实摘要", st, "SHA-256 " + Base64Encode(s.facts_sha256),
             "SHA-256 " + Base64Encode(s.facts_sha256))) return out;

  // 7. The facts follow from the entries by the rules.
  st = [&]() -> Status {
    auto as_of = ParseAsOf(s.as_of);
    if (!as_of.ok()) return Status::Corruption("as-of: " + as_of.status().message());
    auto recomputed = Recompute(entries, s.subject, *as_of, s.stream_length);
    if (!recomputed.ok()) return Status::Corruption("the entries do not fold into a profile: " + recomputed.status().message());
    const std::string text = DumpJson(*recomputed);
    if (text != facts_text) {
      // Name the first section that differs.
      std::string where = "the facts";
      const json& mine = *recomputed;
      for (size_t i = 0; i < mine["sections"].size(); ++i) {
        if (!out.facts.contains("sections") || i >= out.facts["sections"].size() || out.facts["sections"][i] != mine["sections"][i]) {
          where = "section " + mine["sections"][i]["title"].get<std::string>();
          break;
        }
      }
      return Status::Corruption(where + " is not what the entries give under the rules");
    }
    const json& f = *recomputed;
    if (f["ruleset"]["version"] != s.ruleset_version || f["ruleset"]["seq"] != s.ruleset_seq || f["grade"]["grade"] != s.grade) {
      return Status::Corruption("the statement's ruleset or grade is not the facts'");
    }
    return Status::Ok();
  }();
  check("facts_recomputed", "按规则复算事实", st, "grade " + s.grade + " under " + s.ruleset_version,
        "按规则集 " + s.ruleset_version + " 复算，信用等级 " + s.grade);
  return out;
}

}  // namespace creditlog::api
