// The disclosure policy (docs/privacy.md, api/disclosure.h) against the real server: the
// document's table is the one enforced, and every route, asked by every role, shows a kind of
// information exactly when the table allows that role to see it.
//
// The ledger holds one marked fact of each kind (a civil servant's name, a legal
// representative, a watch-list reason, a penalty past its publicity, …). Every answer of every
// route to every reader is searched for the marks: a mark in an answer to a reader the table
// does not allow is a leak; a kind the table allows a reader and no answer showed it would
// mean the walk proves nothing, so that fails too.
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/access_log.h"
#include "api/client/http_client.h"
#include "api/disclosure.h"
#include "api/http/access.h"
#include "api/http/server.h"
#include "api/personal.h"
#include "api/tlog_tiles.h"
#include "api/views.h"
#include "base/clock.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "events/uscc.h"
#include "ledger/audit.h"
#include "ledger/entry.h"
#include "ledger/publisher.h"
#include "story_fixture.h"

namespace creditlog::api {
namespace {

using nlohmann::json;
using testing::Story;

// docs/privacy.md's table: information name → the roles marked ✓.
std::map<std::string, std::set<std::string>> DocumentedTable() {
  std::ifstream in(std::string(CREDITLOG_SOURCE_DIR) + "/docs/privacy.md");
  REQUIRE(in.good());
  auto cells = [](const std::string& line) {
    std::vector<std::string> out;
    std::stringstream row(line.substr(1));
    std::string cell;
    while (std::getline(row, cell, '|')) {
      const size_t b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
    }
    return out;
  };
  std::vector<std::string> columns;
  std::map<std::string, std::set<std::string>> table;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("| information |")) columns = cells(line);
    if (columns.empty() || !line.starts_with("| `")) continue;
    const std::vector<std::string> row = cells(line);
    if (row.size() != columns.size()) continue;  // another table's row
    const std::string name = row[0].substr(1, row[0].find('`', 1) - 1);
    std::set<std::string>& roles = table[name];
    for (size_t i = 1; i < row.size(); ++i) {
      INFO(line);
      REQUIRE((row[i] == "✓" || row[i] == "—"));
      if (row[i] == "✓") roles.insert(columns[i]);
    }
  }
  return table;
}

TEST_CASE("disclosure: the table in docs/privacy.md is the table the server enforces", "[disclosure]") {
  const auto documented = DocumentedTable();
  REQUIRE(documented.size() == std::size(kInfos));
  for (Info info : kInfos) {
    INFO(InfoName(info));
    REQUIRE(documented.contains(std::string(InfoName(info))));
    std::set<std::string> enforced;
    for (Role role : RolesAllowed(info)) enforced.insert(std::string(RoleName(role)));
    CHECK(enforced == documented.at(std::string(InfoName(info))));
  }
  // Nobody is shown a civil servant's file but personnel; the public sees no restricted list.
  CHECK(RolesAllowed(Info::kCivilServantFiles) == std::vector<Role>{Role::kPersonnel});
  CHECK_FALSE(Allows(Role::kPublic, Info::kRestrictedLists));
  CHECK_FALSE(Allows(Role::kPublic, Info::kPenaltiesPastPublicity));
}

// A story holding one marked fact of each kind, and the server over it with a token per role
// and an access log (none with `access_log` false: a replica, which then refuses file reads).
struct World : Story {
  explicit World(size_t reads_per_minute = kRecordedReadsPerMinuteMax, bool with_access_log = true) {
    Add(kFirm, "SubjectRegistered", {{"kind", "Enterprise"}, {"name", "青岛明澄贸易有限公司"}, {"division", "370202"},
                                     {"legal_representative", "李秀英"}});
    Add(kShop, "SubjectRegistered", {{"kind", "IndividualBusiness"}, {"name", "青岛市市南区老王烧烤店"}, {"division", "370202"},
                                     {"legal_representative", "王建国"}});
    Add(kCivilServant, "SubjectRegistered", {{"kind", "CivilServant"}, {"name", "张伟民"}, {"staff_number", "S7781"},
                                             {"employer_uscc", testing::kPublicBody}, {"division", "370211"}});
    Add(kCivilServant, "CivilServantIntegrityEntry",
        {{"entry_id", "GWY-2026-07"}, {"category", "奖励"}, {"content", "年度考核优秀"}, {"entry_date", "2026-01-20"}});
    // A false 告知承诺: the watch list and 告知承诺 ineligibility (restricted lists).
    Add(kFirm, "CommitmentMade", testing::CommitmentJson("CN-DISC-1", "2026-06-01", "2026-08-01"));
    Add(kFirm, "CommitmentBreached", {{"commitment_id", "CN-DISC-1"}, {"finding", "承诺内容不实"}, {"breach_date", "2026-09-01"},
                                      {"false_commitment", true}});
    // A penalty whose publicity ended in 2025, one in publicity now.
    Add(kFirm, "PenaltyDecided", Penalty("青市监罚〔2024〕6001号", "2024-03-01", "超范围经营"));
    Add(kFirm, "PenaltyDecided", Penalty("青市监罚〔2026〕8001号", "2026-10-10", "未按规定公示"));
    Add(testing::kPublicBody, "ServiceRated", {{"rating_id", "R-DISC-1"}, {"rating", 5}, {"matter", "不动产登记"},
                                               {"rated_date", "2026-03-02"}, {"channel", "Window"}});

    ServerOptions options;
    options.port = 0;
    for (Role role : kRoles) {
      if (role == Role::kPublic) continue;
      tokens[role] = NewToken();
      options.tokens.push_back({std::string(RoleName(role)) + "-1", role, TokenHash(tokens[role])});
    }
    publisher = std::make_unique<ledger::CheckpointPublisher>(*f.ledger, std::chrono::milliseconds(50));
    options.publisher = publisher.get();
    options.report_key = &f.ledger_key;
    options.recorded_reads_per_minute = reads_per_minute;
    if (with_access_log) {
      auto log = AccessLog::Open(f.dir.path(), *f.ledger, f.ledger_key);
      REQUIRE(log.ok());
      access_log = std::move(*log);
      options.access_log = access_log.get();
      REQUIRE(access_log->ledger().PublishCheckpoint().ok());
    } else {
      options.reads_need_access_log = true;
    }
    auto started = Server::Start(*f.ledger, options);
    REQUIRE(started.ok());
    server = std::move(*started);
    url = "http://127.0.0.1:" + std::to_string(server->port());
    std::promise<bool> published;
    publisher->WhenCovered(f.ledger->size(), [&](Result<ledger::PublishedCheckpoint> c) { published.set_value(c.ok()); });
    REQUIRE(published.get_future().get());
  }
  ~World() { StopServer(); }
  void StopServer() {
    if (server) server->Stop();
    server.reset();
  }

  static json Penalty(const std::string& number, const char* date, const char* facts) {
    json p = testing::PenaltyJson(number, date, "General");
    p["subject_name"] = "青岛明澄贸易有限公司";
    p["facts"] = facts;
    return p;
  }

  // Without naming a purpose unless `path` does.
  HttpResponse GetAsIs(Role role, const std::string& path) {
    HttpClient client(url, role == Role::kPublic ? "" : tokens.at(role));
    auto r = client.Get(path);
    REQUIRE(r.ok());
    return *r;
  }
  HttpResponse Get(Role role, const std::string& path) {
    HttpClient client(url, role == Role::kPublic ? "" : tokens.at(role));
    auto r = client.Get(role == Role::kPublic || path.find("purpose=") != std::string::npos
                            ? path
                            : path + (path.find('?') == std::string::npos ? "?" : "&") + "purpose=supervision");
    REQUIRE(r.ok());
    return *r;
  }

  inline static const std::string kFirm = testing::Uscc("370202", 777);
  inline static const std::string kShop = events::MakeUscc("92", "370202", "MA7C8R9T");
  inline static const std::string kCivilServant = testing::kPublicBody + "/S7781";

  std::map<Role, std::string> tokens;
  std::unique_ptr<ledger::CheckpointPublisher> publisher;
  std::unique_ptr<AccessLog> access_log;
  std::unique_ptr<Server> server;
  std::string url;
};

// The marks of each kind of information, as they appear in answers.
const std::map<Info, std::vector<std::string>> kMarks = {
    {Info::kLegalPersons, {"老王烧烤店"}},
    {Info::kPenaltiesInPublicity, {"〔2026〕8001号"}},
    {Info::kRestrictedLists, {"breached commitment(s)", "false commitment CN-DISC-1", "grade.C: on the watch list"}},
    {Info::kPenaltiesPastPublicity, {"〔2024〕6001号"}},
    {Info::kRecords, {"李秀英", "王建国", "超范围经营"}},
    {Info::kCivilServantFiles, {"张伟民", "S7781", "年度考核优秀"}},
    {Info::kOperations, {"creditlog_http_connections_open"}},
};

std::string Encode(const std::string& id) {
  std::string out;
  for (char c : id) out += c == '/' ? std::string("%2F") : std::string(1, c);
  return out;
}

bool IsCivilServantFile(const std::string& id) { return id.find('/') != std::string::npos; }

// What the table says `role` gets from `route` asked about `id` (a subject, or the subject of
// the entry asked for; "" for neither): 200, or the refusal's status.
long Expected(Role role, const RouteSpec& route, const std::string& id, const std::string& list) {
  const bool signed_in = role != Role::kPublic;
  const long refused = signed_in ? 403 : 401;
  if (std::find(route.roles.begin(), route.roles.end(), role) == route.roles.end()) return refused;
  const bool cs = IsCivilServantFile(id);
  const bool may_cs = Allows(role, Info::kCivilServantFiles);
  if (route.path == "/v1/subjects/{id}/public-profile") return cs && !may_cs ? (signed_in ? 403 : 404) : 200;
  if (route.path == "/v1/subjects/{id}/access-log") return 200;  // who read a file, not the file
  if (route.path == "/v1/subjects/{id}/services") return id == testing::kPublicBody ? 200 : 404;  // a public body's, public
  if (route.path.starts_with("/v1/subjects/")) {
    if (cs) return may_cs ? 200 : 403;
    return Allows(role, Info::kRecords) ? 200 : 403;
  }
  if (route.path == "/v1/entries/{seq}") {
    if (Allows(role, Info::kWholeLog) || id.empty()) return 200;
    if (cs) return may_cs ? 200 : 403;
    return Allows(role, Info::kRecords) ? 200 : 403;
  }
  if (route.path == "/v1/lists/{name}") {
    auto kind = projections::ListFromName(list);
    REQUIRE(kind.ok());
    return projections::ListIsPublished(*kind) || Allows(role, Info::kRestrictedLists) ? 200 : refused;
  }
  return 200;
}

// Asks every GET route, about every subject, entry, list and query, as every role; checks each
// status against the table and returns, for each mark of `marks` found in an answer, the roles
// it was shown to (a mark shown to a role the table does not allow fails here).
std::map<std::string, std::set<Role>> WalkEveryRoute(World& w, const std::map<Info, std::vector<std::string>>& marks,
                                                     size_t* requests) {
  const uint64_t size = w.f.ledger->size();
  // The subject of each entry, for GET /v1/entries/{seq}.
  std::vector<std::string> entry_subjects;
  std::vector<Bytes> entry_bytes;  // as the audit feed gives them, base64 in "entry"
  {
    HttpResponse all = w.Get(Role::kAuditor, "/v1/entries?after=0&limit=1000");
    REQUIRE(all.status == 200);
    HttpResponse none = w.Get(Role::kPersonnel, "/v1/entries?after=0&limit=1000");
    CHECK(none.status == 403);
    const json page = json::parse(all.body);
    for (const auto& e : page["entries"]) {
      const std::string subject = e["event"].value("subject", "");
      entry_subjects.push_back(subject.ends_with("/…") ? World::kCivilServant : subject);
      entry_bytes.push_back(Base64Decode(e["entry"].get<std::string>()).value());
    }
    REQUIRE(entry_subjects.size() == size);
  }
  const std::string as_of = "as_of=2026-12-01";
  const std::vector<std::string> ids = {World::kFirm, World::kShop, World::kCivilServant, testing::kPublicBody, "91370202MA0000000X"};
  const std::vector<std::string> lists = {"SeriousDishonesty", "Watch", "NotificationIneligible", "GovernmentDishonesty", "Red"};
  const std::vector<std::string> queries = {testing::kPublicBody, "张伟民", "S7781", "老王", World::kFirm.substr(0, 8), "青岛"};

  std::map<std::string, std::set<Role>> shown;
  for (const RouteSpec& route : RouteTable()) {
    if (route.method != "GET") continue;
    // Every request of this route: (path, the subject asked about, the list asked for).
    struct Ask {
      std::string path, id, list;
    };
    std::vector<Ask> asks;
    const std::string& p = route.path;
    if (p.find("{id}") != std::string::npos) {
      for (const std::string& id : ids) {
        std::string path = p;
        path.replace(path.find("{id}"), 4, Encode(id));
        std::string action = p.ends_with("/check") ? "&action=" + std::string("%E6%94%BF%E5%BA%9C%E9%87%87%E8%B4%AD") : "";  // 政府采购
        if (p.ends_with("/report")) action = "&format=json";  // the report file, whose text the marks are looked for in
        asks.push_back({path + "?" + as_of + action, id, ""});
      }
    } else if (p == "/v1/entries/{seq}") {
      for (uint64_t seq = 0; seq < size; ++seq) asks.push_back({"/v1/entries/" + std::to_string(seq), entry_subjects[seq], ""});
    } else if (p == "/v1/agencies/{uscc}/due-verifications") {
      asks.push_back({"/v1/agencies/" + testing::kPublicBody + "/due-verifications?" + as_of, "", ""});
    } else if (p == "/v1/lists/{name}") {
      for (const std::string& list : lists) asks.push_back({"/v1/lists/" + list + "?" + as_of, "", list});
    } else if (p == "/v1/search") {
      for (const std::string& q : queries) asks.push_back({"/v1/search?q=" + q, "", ""});
    } else if (p == "/web/{file}") {
      asks.push_back({"/web/app.js", "", ""});
    } else if (p == "/v1/entries") {
      asks.push_back({p + "?after=0&limit=1000", "", ""});
    } else if (p == "/v1/proofs/inclusion") {
      asks.push_back({p + "?seq=1&size=" + std::to_string(size), "", ""});
    } else if (p == "/v1/access-log/proofs/consistency") {
      asks.push_back({p + "?old=1&new=1", "", ""});
    } else if (p == "/v1/proofs/consistency") {
      asks.push_back({p + "?old=1&new=" + std::to_string(size), "", ""});
    } else if (p == "/tile/{tile}") {
      asks.push_back({"/tile/0/000.p/" + std::to_string(size), "", ""});
    } else if (p == "/tile/entries/{bundle}") {
      asks.push_back({"/tile/entries/000.p/" + std::to_string(size), "", ""});
    } else {
      asks.push_back({p + (p == "/v1/integrity" || p == "/v1/ruleset" ? "?" + as_of : ""), "", ""});
    }
    for (Role role : kRoles) {
      for (const Ask& ask : asks) {
        ++*requests;
        HttpResponse r = w.Get(role, ask.path);
        INFO(RoleName(role) << " GET " << ask.path << " → " << r.status << " " << r.body.substr(0, 400));
        const bool answers_unknown = route.path != "/v1/subjects/{id}/access-log";  // none read: an empty record
        const long expected = ask.id == "91370202MA0000000X" && answers_unknown && Expected(role, route, ask.id, ask.list) == 200
                                  ? 404  // no such subject
                                  : Expected(role, route, ask.id, ask.list);
        CHECK(r.status == expected);
        if (r.status == 401) CHECK_THAT(r.body, Catch::Contains("bearer token"));
        if (route.path == "/tile/entries/{bundle}" && r.status == 200) {
          // The entries' bytes, which the audit feed gives the same readers base64-encoded in
          // "entry" (docs/privacy.md: they carry a civil servant's subject as signed): exactly
          // those, and nothing else.
          auto bundle = ParseBundle(r.body, size);
          REQUIRE(bundle.ok());
          CHECK(*bundle == entry_bytes);
          continue;
        }
        for (const auto& [info, info_marks] : marks) {
          for (const std::string& mark : info_marks) {
            // What the reader sent comes back in messages ("no events recorded for subject …"): not a disclosure.
            if (ask.path.find(mark) != std::string::npos || ask.path.find(Encode(mark)) != std::string::npos) continue;
            if (r.body.find(mark) == std::string::npos) continue;
            INFO("mark '" << mark << "' of " << InfoName(info));
            CHECK(Allows(role, info));
            shown[mark].insert(role);
          }
        }
      }
    }
  }
  return shown;
}

TEST_CASE("disclosure: every route, asked by every role, shows only what the table allows", "[disclosure]") {
  World w;
  size_t requests = 0;
  std::map<std::string, std::set<Role>> shown = WalkEveryRoute(w, kMarks, &requests);
  // Every mark reached every role the table allows it: the walk looked where the facts are.
  for (const auto& [info, marks] : kMarks) {
    for (Role role : RolesAllowed(info)) {
      for (const std::string& mark : marks) {
        INFO(InfoName(info) << " for " << RoleName(role) << ": " << mark);
        CHECK(shown[mark].contains(role));
      }
    }
  }
  CHECK(requests > 300);
}

// The raw entries of the log as the audit feed exports them (what mirrors copy).
std::vector<Bytes> ExportedEntries(World& w) {
  const json page = json::parse(w.Get(Role::kAuditor, "/v1/entries?after=0&limit=1000").body);
  std::vector<Bytes> out;
  for (const auto& e : page["entries"]) {
    auto bytes = Base64Decode(e["entry"].get<std::string>());
    REQUIRE(bytes.ok());
    out.push_back(*bytes);
  }
  return out;
}

// Whether the UTF-8 of `text` occurs in `bytes` (compared as bytes: char may be signed).
bool Holds(const Bytes& bytes, const std::string& text) {
  const ByteView needle = AsBytes(text);
  return std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) != bytes.end();
}

TEST_CASE("erasure: an erased person's fields are gone from every answer and export, the audit and the proofs still hold",
          "[disclosure][erasure]") {
  World w;
  const std::vector<std::string> erased = {"张伟民", "年度考核优秀", "李秀英"};  // the civil servant's, the firm's representative
  // Sealed when recorded: no personal value is in any entry, before or after the erasure.
  const std::vector<Bytes> before = ExportedEntries(w);
  for (const Bytes& entry : before) {
    for (const char* name : {"张伟民", "年度考核优秀", "李秀英", "王建国"}) CHECK_FALSE(Holds(entry, name));
  }
  auto cs_seqs = w.f.ledger->StreamSeqs(World::kCivilServant);
  REQUIRE(cs_seqs.ok());
  const uint64_t registration = cs_seqs->front();
  REQUIRE(w.f.personal_keys->HasKey(World::kCivilServant));

  // The credit office erases both persons: each ErasureRecorded, once durable, destroys the key.
  for (const std::string& person : {World::kCivilServant, "rep:" + World::kFirm}) {
    const Hash tag = Sha256(AsBytes(person));
    const json event = {{"event_id", "erasure/" + HexEncode(ByteView(tag.data(), 8))}, {"subject", ""}, {"body_type", "ErasureRecorded"},
                        {"body", {{"person", person}, {"reason", "保存期限届满"}, {"basis", "《个人信息保护法》第四十七条"},
                                  {"erased_date", "2026-11-30"}}}};
    auto r = w.f.ledger->Append(testing::Sign(event, w.f.root, testing::LedgerFixture::kOrigin));
    REQUIRE(r.status().ToString() == "ok");
  }
  CHECK_FALSE(w.f.personal_keys->HasKey(World::kCivilServant));
  CHECK_FALSE(w.f.personal_keys->HasKey("rep:" + World::kFirm));
  CHECK(w.f.personal_keys->HasKey("rep:" + World::kShop));  // the other representative's stays
  // An erasure names a person the log knows.
  const json unknown = {{"event_id", "erasure/unknown"}, {"subject", ""}, {"body_type", "ErasureRecorded"},
                        {"body", {{"person", testing::kPublicBody + "/X0000"}, {"reason", "本人申请删除"}, {"basis", "第四十七条"},
                                  {"erased_date", "2026-11-30"}}}};
  CHECK_THAT(w.f.ledger->Append(testing::Sign(unknown, w.f.root, testing::LedgerFixture::kOrigin)).status().ToString(),
             Catch::Contains("body.person") && Catch::Contains("not a registered subject"));

  // Every route, every role: neither person's fields, anywhere. The other representative is shown as before.
  size_t requests = 0;
  std::map<std::string, std::set<Role>> shown = WalkEveryRoute(w, kMarks, &requests);
  for (const std::string& mark : erased) {
    INFO(mark);
    CHECK(shown[mark].empty());
  }
  for (Role role : RolesAllowed(Info::kRecords)) CHECK(shown["王建国"].contains(role));
  CHECK(requests > 300);
  // Where the fields were, 已删除.
  const std::string cs = "/v1/subjects/" + Encode(World::kCivilServant);
  const json profile = json::parse(w.Get(Role::kPersonnel, cs + "/profile").body);
  CHECK(profile["name"] == "已删除");
  const json timeline = json::parse(w.Get(Role::kPersonnel, cs + "/timeline").body);
  CHECK(timeline["timeline"][0]["event"]["body"]["name"] == "已删除");
  CHECK(timeline["timeline"][1]["event"]["body"]["content"] == "已删除");
  CHECK(timeline["timeline"][1]["event"]["body"]["category"] == "奖励");  // not personal: kept
  const json firm = json::parse(w.Get(Role::kInspector, "/v1/subjects/" + World::kFirm + "/timeline").body);
  CHECK(firm["timeline"][0]["event"]["body"]["legal_representative"] == "已删除");
  CHECK(firm["timeline"][0]["event"]["body"]["name"] == "青岛明澄贸易有限公司");
  const json shop = json::parse(w.Get(Role::kInspector, "/v1/subjects/" + World::kShop + "/timeline").body);
  CHECK(shop["timeline"][0]["event"]["body"]["legal_representative"] == "王建国");

  // The log is the same bytes: every entry recorded before the erasure is unchanged, the audit
  // passes end to end, and the sealed registration's inclusion proof verifies against the
  // signed checkpoint with nothing but the entry's bytes.
  const std::vector<Bytes> after = ExportedEntries(w);
  REQUIRE(after.size() == before.size() + 2);
  for (size_t i = 0; i < before.size(); ++i) CHECK(after[i] == before[i]);
  for (const Bytes& entry : after) {
    for (const std::string& name : erased) CHECK_FALSE(Holds(entry, name));
  }
  auto audit = ledger::AuditLedger(*w.f.ledger);
  CHECK(audit.status().ToString() == "ok");
  std::string key_text = w.Get(Role::kPublic, "/v1/verifier-key").body;
  if (key_text.ends_with("\n")) key_text.pop_back();
  auto verifier = ParseVerifierKey(key_text);
  REQUIRE(verifier.ok());
  std::promise<bool> published;
  w.publisher->WhenCovered(w.f.ledger->size(), [&](Result<ledger::PublishedCheckpoint> c) { published.set_value(c.ok()); });
  REQUIRE(published.get_future().get());
  auto text = OpenNote(w.Get(Role::kPublic, "/v1/checkpoint").body, *verifier);
  REQUIRE(text.ok());
  auto checkpoint = ParseCheckpoint(*text);
  REQUIRE(checkpoint.ok());
  const json proof = json::parse(w.Get(Role::kPublic, "/v1/proofs/inclusion?seq=" + std::to_string(registration) +
                                                          "&size=" + std::to_string(checkpoint->size)).body);
  std::vector<Hash> hashes;
  for (const auto& h : proof["hashes"]) {
    auto bytes = Base64Decode(h.get<std::string>());
    REQUIRE(bytes.ok());
    REQUIRE(bytes->size() == 32);
    Hash hash;
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    hashes.push_back(hash);
  }
  CHECK(VerifyInclusion(registration, checkpoint->size, MerkleLeafHash(after[registration]), hashes, checkpoint->root).ok());

  // A key lost from the store (no erasure in the log) is not shown as an erasure.
  REQUIRE(w.f.personal_keys->Destroy("rep:" + World::kShop).ok());
  const json lost = json::parse(w.Get(Role::kInspector, "/v1/subjects/" + World::kShop + "/timeline").body);
  CHECK(lost["timeline"][0]["event"]["body"]["legal_representative"] == "（密钥不可用）");
}

TEST_CASE("retention: a civil servant's file is due for erasure on the day its period ends, and not once erased",
          "[disclosure][erasure]") {
  World w;
  auto due = [&](const char* date) {
    auto state = projections::BuildState(*w.f.ledger, w.f.ledger->size());
    REQUIRE(state.ok());
    auto out = RetentionDueJson(*w.f.ledger, *state, events::DaysFromDate(date));
    REQUIRE(out.ok());
    return (*out)["due"];
  };
  // The file's latest entry is of 2026-01-20; the default keeps it 60 months.
  CHECK(due("2031-01-19").empty());
  const json on = due("2031-01-20");
  REQUIRE(on.size() == 1);
  CHECK(on[0]["person"] == World::kCivilServant);
  CHECK(on[0]["latest_entry"] == "2026-01-20");
  CHECK(on[0]["due"] == "2031-01-20");
  CHECK(on[0]["rule"] == "retention.civil_servant_files_months");
  CHECK(on[0]["months"] == 60);
  CHECK(on[0]["records"].size() == 2);
  CHECK(due("2031-01-21").size() == 1);
  const json event = {{"event_id", "erasure/retention"}, {"subject", ""}, {"body_type", "ErasureRecorded"},
                      {"body", {{"person", World::kCivilServant}, {"reason", "保存期限届满"}, {"basis", "第四十七条"},
                                {"erased_date", "2026-11-30"}}}};
  REQUIRE(w.f.ledger->Append(testing::Sign(event, w.f.root, testing::LedgerFixture::kOrigin)).ok());
  CHECK(due("2031-01-21").empty());
}

TEST_CASE("views: a payee's timeline has its contracts, search takes a code in either case and tells namesakes apart",
          "[views]") {
  Story s;
  s.Add(testing::kPublicBody, "ContractSigned",
        {{"contract_id", "HT-VIEW-1"}, {"public_body", testing::kPublicBody}, {"counterparty", testing::kCompany},
         {"title", "采购"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"}, {"delivery_date", "2026-01-01"},
         {"payment_term_days", 30}});
  s.Add(testing::kPublicBody, "PaymentMade", {{"contract_id", "HT-VIEW-1"}, {"amount_fen", 1000000}, {"paid_date", "2026-04-01"}});
  // The same payer's contract with another payee is not on this payee's timeline.
  s.Add(testing::kPublicBody, "ContractSigned",
        {{"contract_id", "HT-VIEW-2"}, {"public_body", testing::kPublicBody}, {"counterparty", testing::kOtherBody},
         {"title", "维修"}, {"amount_fen", 500000}, {"signed_date", "2025-12-02"}, {"delivery_date", "2026-01-02"},
         {"payment_term_days", 30}});
  auto state = projections::BuildState(*s.f.ledger, s.f.ledger->size());
  REQUIRE(state.ok());
  auto own = TimelineJson(*s.f.ledger, testing::kCompany, 100, std::nullopt, Disclosure::Operator());
  auto with = TimelineJson(*s.f.ledger, testing::kCompany, 100, std::nullopt, Disclosure::Operator(), &*state);
  REQUIRE(own.ok());
  REQUIRE(with.ok());
  REQUIRE((*with)["timeline"].size() == (*own)["timeline"].size() + 2);
  std::vector<std::string> payee_types;
  for (const auto& row : (*with)["timeline"]) {
    if (row.value("as", "") == "payee") payee_types.push_back(row["type"]);
  }
  CHECK(payee_types == std::vector<std::string>{"ContractSigned", "PaymentMade"});

  std::string lower = testing::kCompany.substr(0, 10);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  REQUIRE(lower != testing::kCompany.substr(0, 10));
  const json hits = SearchJson(*state, lower, kSearchResultsMax, Disclosure(Role::kPublic), events::DaysFromDate("2026-12-01"));
  REQUIRE(hits["results"].size() >= 1);
  const json& hit = hits["results"][0];
  CHECK(hit["subject"] == testing::kCompany);
  CHECK(hit["kind"] == "Enterprise");
  CHECK(hit["division"] == testing::kCompany.substr(2, 6));
  CHECK(hit["grade"] == "B");
  CHECK(hit["lists"].is_array());
}

TEST_CASE("disclosure: the public is told the grade the published lists give, a civil servant is unknown to it", "[disclosure]") {
  World w;
  const std::string path = "/v1/subjects/" + World::kFirm;
  // The watch list makes the firm C for inspectors; to the public the grade comes from its
  // penalty in publicity, also C, but for that reason.
  const json inspector = json::parse(w.Get(Role::kInspector, path + "/profile?as_of=2026-12-01").body);
  const json published = json::parse(w.Get(Role::kPublic, path + "/public-profile?as_of=2026-12-01").body);
  CHECK(inspector["grade_rule"] == "grade.C");
  CHECK(published["grade_rule"] == "grade.C.general_penalty");
  CHECK(inspector.contains("disregarded"));
  CHECK_FALSE(published.contains("disregarded"));
  // Before that penalty (and after the breach), the public grade is B while the inspector's is C.
  const json before_insp = json::parse(w.Get(Role::kInspector, path + "/profile?as_of=2026-10-09").body);
  const json before_pub = json::parse(w.Get(Role::kPublic, path + "/public-profile?as_of=2026-10-09").body);
  CHECK(before_insp["grade"] == "C");
  CHECK(before_pub["grade"] == "B");
  CHECK(before_pub["measures"].empty());
  const json measures = json::parse(w.Get(Role::kPersonnel, "/v1/subjects/" + Encode(World::kCivilServant) + "/measures").body);
  CHECK(measures["name"] == "张伟民");

  // A civil servant's code gets the public exactly the answer an unknown code gets.
  const std::string unknown = testing::kPublicBody + "/S0000";
  HttpResponse cs = w.Get(Role::kPublic, "/v1/subjects/" + Encode(World::kCivilServant) + "/public-profile");
  HttpResponse none = w.Get(Role::kPublic, "/v1/subjects/" + Encode(unknown) + "/public-profile");
  CHECK(cs.status == 404);
  CHECK(none.status == 404);
  std::string masked = cs.body;
  masked.replace(masked.find("S7781"), 5, "S0000");
  CHECK(masked == none.body);
  // Searching by the employer lists its civil servants to personnel only.
  for (Role role : kRoles) {
    const json hits = json::parse(w.Get(role, "/v1/search?q=" + testing::kPublicBody).body)["results"];
    bool cs_hit = false;
    for (const auto& h : hits) cs_hit |= h["subject"] == World::kCivilServant;
    INFO(RoleName(role));
    CHECK(cs_hit == (role == Role::kPersonnel));
  }
  // whoami names the kinds a role may see, for the console.
  const json me = json::parse(w.Get(Role::kPersonnel, "/v1/whoami").body);
  CHECK(me["role"] == "personnel");
  CHECK(me["role_zh"] == "组织人事");
  CHECK(me["may"].dump().find("civil_servant_files") != std::string::npos);
  CHECK(me["may"].dump().find("restricted_lists") == std::string::npos);
}

// The access log (api/access_log.h): every read of a file names a purpose and is recorded in
// a signed log of its own before it is answered.
TEST_CASE("access log: a read of a file names a purpose, is recorded before it is answered, and the log verifies", "[access]") {
  World w;
  ledger::Ledger& log = w.access_log->ledger();
  const std::string firm = "/v1/subjects/" + World::kFirm;
  HttpResponse none = w.GetAsIs(Role::kInspector, firm + "/profile");
  CHECK(none.status == 400);
  CHECK_THAT(none.body, Catch::Contains("needs a purpose") && Catch::Contains("事中事后监管 (supervision)"));
  HttpResponse wrong = w.GetAsIs(Role::kInspector, firm + "/profile?purpose=curiosity");
  CHECK(wrong.status == 400);
  CHECK_THAT(wrong.body, Catch::Contains("'curiosity' is not one of"));
  // What the public may see is no read of a file: no purpose, no record, token or not.
  const uint64_t before = log.size();
  CHECK(w.GetAsIs(Role::kPublic, firm + "/public-profile").status == 200);
  CHECK(w.GetAsIs(Role::kInspector, firm + "/public-profile").status == 200);
  CHECK(w.GetAsIs(Role::kInspector, "/v1/search?q=" + World::kFirm).status == 200);
  CHECK(w.GetAsIs(Role::kInspector, "/v1/lists/SeriousDishonesty").status == 200);
  CHECK(log.size() == before);

  // Five reads of files by an inspector, each answered only once recorded.
  const uint64_t firm_entry = w.f.ledger->size() - 2;  // the penalty of 2024
  CHECK(w.GetAsIs(Role::kInspector, firm + "/profile?purpose=supervision").status == 200);
  CHECK(w.GetAsIs(Role::kInspector, firm + "/measures?purpose=" + std::string("%E8%A1%8C%E6%94%BF%E5%AE%A1%E6%89%B9")).status == 200);
  CHECK(w.GetAsIs(Role::kInspector, firm + "/timeline?purpose=bidding").status == 200);
  CHECK(w.GetAsIs(Role::kInspector, "/v1/entries/" + std::to_string(firm_entry) + "?purpose=repair_review").status == 200);
  CHECK(w.GetAsIs(Role::kInspector, "/v1/lists/Watch?purpose=supervision").status == 200);
  CHECK(log.size() == before + 5);
  auto records = AccessRecordsJson(log, World::kFirm, 100);
  REQUIRE(records.ok());
  const json& rows = (*records)["access"];
  REQUIRE(rows.size() == 4);
  CHECK(rows[0]["route"] == "GET /v1/subjects/{id}/profile");
  CHECK(rows[0]["purpose"] == "事中事后监管");
  CHECK(rows[1]["purpose"] == "行政审批");
  CHECK(rows[2]["route"] == "GET /v1/subjects/{id}/timeline");
  CHECK(rows[2]["purpose"] == "招投标");
  CHECK(rows[3]["target"] == "seq " + std::to_string(firm_entry));
  CHECK(rows[3]["purpose"] == "信用修复审核");
  for (const auto& r : rows) {
    CHECK(r["reader"] == "inspector-1");
    CHECK(r["role"] == "inspector");
    CHECK(r["address"] == "127.0.0.1");
    // The day in China of the server's clock at the read (not "today": a run may cross midnight).
    CHECK(r["read_date"] == events::DateFromDays(DayInChina(r["read_at_ms"].get<int64_t>())));
  }
  auto lists = AccessRecordsJson(log, "", 100);
  REQUIRE(lists.ok());
  CHECK((*lists)["access"].back()["target"] == "Watch");

  // The subject's 查询记录, for auditors; reading it is recorded too.
  CHECK(w.Get(Role::kInspector, firm + "/access-log").status == 403);
  const json first = json::parse(w.Get(Role::kAuditor, firm + "/access-log?purpose=audit").body);
  CHECK(first["records"] == 4);
  CHECK(first["access"].size() == 4);
  const json second = json::parse(w.Get(Role::kAuditor, firm + "/access-log?purpose=audit").body);
  CHECK(second["records"] == 5);
  CHECK(second["access"].back()["reader"] == "auditor-1");
  CHECK(second["access"].back()["target"] == "access-log");

  // Auditors pin the access log's checkpoints over HTTP and prove each later one consistent.
  CHECK(w.Get(Role::kInspector, "/v1/access-log/checkpoint").status == 403);
  std::string key_text = w.Get(Role::kAuditor, "/v1/access-log/verifier-key").body;
  if (key_text.ends_with("\n")) key_text.pop_back();
  auto access_verifier = ParseVerifierKey(key_text);
  REQUIRE(access_verifier.ok());
  auto pinned_text = OpenNote(w.Get(Role::kAuditor, "/v1/access-log/checkpoint").body, *access_verifier);
  REQUIRE(pinned_text.ok());
  auto pinned = ParseCheckpoint(*pinned_text);
  REQUIRE(pinned.ok());
  CHECK(pinned->origin == w.f.ledger->origin() + "/access");
  REQUIRE(log.PublishCheckpoint().ok());
  auto later_text = OpenNote(w.Get(Role::kAuditor, "/v1/access-log/checkpoint").body, *access_verifier);
  REQUIRE(later_text.ok());
  auto later = ParseCheckpoint(*later_text);
  REQUIRE(later.ok());
  REQUIRE(later->size > pinned->size);
  const json proof = json::parse(w.Get(Role::kAuditor, "/v1/access-log/proofs/consistency?old=" + std::to_string(pinned->size) +
                                                           "&new=" + std::to_string(later->size)).body);
  std::vector<Hash> hashes;
  for (const auto& h : proof["hashes"]) {
    auto bytes = Base64Decode(h.get<std::string>());
    REQUIRE(bytes.ok());
    REQUIRE(bytes->size() == kHashSize);
    Hash hash;
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    hashes.push_back(hash);
  }
  CHECK(VerifyConsistency(pinned->size, later->size, pinned->root, later->root, hashes).ok());

  // A subject's code with a wrong check character is no stream; the read is recorded all the same.
  CHECK(w.Get(Role::kAuditor, "/v1/subjects/91370202MA0000000X/access-log").status == 200);
  auto unnamed = AccessRecordsJson(log, "", 100);
  REQUIRE(unnamed.ok());
  CHECK((*unnamed)["access"].back()["target"] == "subject 91370202MA0000000X; access-log");

  // The access log is a signed Merkle log of its own: the audit of a ledger passes on it, and
  // its checkpoint verifies under its own origin with the server's key.
  w.StopServer();
  auto checkpoint = log.PublishCheckpoint();
  REQUIRE(checkpoint.ok());
  const uint64_t recorded = log.size();
  w.access_log.reset();
  auto reopened = ledger::Ledger::Open(AccessLogPath(w.f.dir.path()), {.read_only = true});
  REQUIRE(reopened.ok());
  CHECK((*reopened)->size() == recorded);
  CHECK((*reopened)->origin() == w.f.ledger->origin() + "/access");
  auto audit = ledger::AuditLedger(**reopened);
  INFO((audit.ok() ? std::string() : audit.status().ToString()));
  CHECK(audit.ok());
  auto verifier = ParseVerifierKey((*reopened)->VerifierKey());
  REQUIRE(verifier.ok());
  auto note = (*reopened)->LatestCheckpoint();
  REQUIRE(note.ok());
  auto text = OpenNote(*note, *verifier);
  REQUIRE(text.ok());
  auto opened = ParseCheckpoint(*text);
  REQUIRE(opened.ok());
  CHECK(opened->origin == w.f.ledger->origin() + "/access");
  CHECK(opened->size == recorded);

  // The credit log never takes an access record, even from the root key.
  const Status refused = w.Try(World::kFirm, "AccessRecorded",
                               {{"reader", "x"}, {"role", "inspector"}, {"purpose", "事中事后监管"}, {"route", "GET /"},
                                {"read_date", "2026-11-30"}, {"request_id", "r-1"}},
                               &w.f.root);  // the root key may record any type: the rules of the log refuse it
  CHECK_THAT(refused.message(), Catch::Contains("belongs in the access log"));
}

TEST_CASE("access log: a record keeps every field as the server saw it, its text in NFC", "[access]") {
  testing::LedgerFixture f;
  auto opened = AccessLog::Open(f.dir.path(), *f.ledger, f.ledger_key);
  REQUIRE(opened.ok());
  AccessLog& log = **opened;
  auto record = [&](const AccessRecord& r) {
    std::promise<Status> done;
    log.Record(r, [&done](Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  };
  const int64_t at = NowMs();  // the ledger takes a record signed within its window of now
  AccessRecord r{.subject = World::kFirm, .reader = "inspector-7", .role = "inspector", .purpose = "事中事后监管",
                 .route = "GET /v1/subjects/{id}/profile", .target = "cafe\u0301 查询", .request_id = "req-42",
                 .address = "127.0.0.9", .read_at_ms = at};
  const Status recorded = record(r);
  INFO(recorded.ToString());
  REQUIRE(recorded.ok());
  auto records = AccessRecordsJson(log.ledger(), World::kFirm, 10);
  REQUIRE(records.ok());
  REQUIRE((*records)["access"].size() == 1);
  const json& row = (*records)["access"][0];
  CHECK(row["reader"] == "inspector-7");
  CHECK(row["role"] == "inspector");
  CHECK(row["purpose"] == "事中事后监管");
  CHECK(row["route"] == "GET /v1/subjects/{id}/profile");
  CHECK(row["target"] == "caf\u00e9 查询");  // "e" + U+0301 recorded as U+00E9
  CHECK(row["request_id"] == "req-42");
  CHECK(row["address"] == "127.0.0.9");
  CHECK(row["read_at_ms"] == at);
  CHECK(row["read_date"] == events::DateFromDays(DayInChina(at)));
  // The event itself: its id names this run, its subject is the file read, signed at the read.
  auto entry = log.ledger().Entry(row["seq"].get<uint64_t>());
  REQUIRE(entry.ok());
  auto view = ledger::ParseEntry(*entry);
  REQUIRE(view.ok());
  const fb::Event* event = view->envelope.event;
  CHECK(event->event_id()->string_view().starts_with("access/"));
  CHECK(event->subject()->string_view() == World::kFirm);
  CHECK(event->signed_at_ms() == at);
  CHECK(event->expected_version() == -1);
  // A record the rules refuse changes nothing: a role that is not text (an invisible control).
  const uint64_t size = log.ledger().size();
  AccessRecord bad = r;
  bad.role = "inspector\u202e";
  const Status refused = record(bad);
  CHECK_FALSE(refused.ok());
  CHECK_THAT(refused.message(), Catch::Contains("body.role"));
  CHECK(log.ledger().size() == size);
}

TEST_CASE("access log: one token reading in bulk is stopped with 429, other tokens and the audit feed go on", "[access]") {
  World w(3);
  const std::string firm = "/v1/subjects/" + World::kFirm;
  for (int i = 0; i < 3; ++i) CHECK(w.Get(Role::kInspector, firm + "/profile").status == 200);
  HttpResponse stopped = w.Get(Role::kInspector, firm + "/profile");
  CHECK(stopped.status == 429);
  CHECK(stopped.retry_after_seconds > 0);
  CHECK_THAT(stopped.body, Catch::Contains("inspector-1") && Catch::Contains("3 files"));
  CHECK(w.Get(Role::kAdmin, firm + "/profile").status == 200);
  for (int i = 0; i < 5; ++i) CHECK(w.Get(Role::kAuditor, "/v1/entries?after=0&limit=10").status == 200);
  CHECK(w.Get(Role::kAuditor, "/v1/entries/1").status == 200);
  CHECK(w.Get(Role::kAuditor, firm + "/profile").status == 200);  // the auditor's quota is its own
}

TEST_CASE("access log: a batch check counts each line against the token's reads", "[access]") {
  World w(3);
  HttpClient client(w.url, w.tokens.at(Role::kInspector));
  auto post = [&](const json& lines) {
    auto r = client.Post("/v1/check-list?purpose=bidding", "application/json", json{{"lines", lines}}.dump());
    REQUIRE(r.ok());
    return *r;
  };
  // Four lines are more than the token may read in a minute: refused whole, nothing recorded.
  HttpResponse whole = post({World::kFirm, World::kFirm, World::kFirm, World::kFirm});
  CHECK(whole.status == 429);
  CHECK_THAT(whole.body, Catch::Contains("split it"));
  HttpResponse two = post({World::kFirm, "91370212MA3XXXXX2N"});
  REQUIRE(two.status == 200);
  const json rows = json::parse(two.body)["rows"];
  CHECK(rows[0]["found"] == true);
  CHECK(rows[1]["found"] == false);
  CHECK(rows[1]["error_zh"] == "未找到该统一社会信用代码或名称的主体");
  // Two of three reads used: a list of two more is refused until the minute is over.
  HttpResponse over = post({World::kFirm, World::kFirm});
  CHECK(over.status == 429);
  CHECK(over.retry_after_seconds > 0);
  CHECK(w.Get(Role::kInspector, "/v1/subjects/" + World::kFirm + "/profile").status == 200);  // the third
}

TEST_CASE("access log: a server without one (a replica) refuses reads of files, not public answers", "[access]") {
  World w(kRecordedReadsPerMinuteMax, false);
  HttpResponse r = w.Get(Role::kInspector, "/v1/subjects/" + World::kFirm + "/profile");
  CHECK(r.status == 503);
  CHECK_THAT(r.body, Catch::Contains("keeps no access log"));
  CHECK(w.Get(Role::kInspector, "/v1/subjects/" + World::kFirm + "/public-profile").status == 200);
  CHECK(w.Get(Role::kPublic, "/v1/lists/SeriousDishonesty").status == 200);
}

TEST_CASE("联合奖惩 check and 待核查 over HTTP: a department's answer with its basis, recorded as a read", "[disclosure][duties]") {
  World w;
  const std::string firm = "/v1/subjects/" + World::kFirm;
  const std::string notification = "%E5%91%8A%E7%9F%A5%E6%89%BF%E8%AF%BA";  // 告知承诺
  const std::string procurement = "%E6%94%BF%E5%BA%9C%E9%87%87%E8%B4%AD";   // 政府采购
  // The false 告知承诺 of 2026-09-01 makes the firm ineligible for 告知承诺 for twelve months.
  HttpResponse r = w.Get(Role::kInspector, firm + "/check?action=" + notification + "&as_of=2026-12-01");
  REQUIRE(r.status == 200);
  const json restricted = json::parse(r.body);
  CHECK(restricted["decision"] == "restricted");
  CHECK(restricted["decision_zh"] == "限制");
  CHECK(restricted["action"] == "告知承诺");
  REQUIRE(restricted["restrictions"].size() == 1);
  const json& measure = restricted["restrictions"][0];
  CHECK(measure["measure"] == "不适用告知承诺");
  CHECK(measure["list"] == "NotificationIneligible");
  CHECK(measure["rule"] == "notification_ineligibility.false_commitment");
  CHECK_THAT(measure["basis"].get<std::string>(), Catch::Contains("国办发〔2020〕42号"));
  CHECK_FALSE(measure["seqs"].empty());
  // The day before the breach, and for an action no measure concerns: allowed.
  CHECK(json::parse(w.Get(Role::kInspector, firm + "/check?action=" + notification + "&as_of=2026-08-31").body)["decision"] == "allowed");
  CHECK(json::parse(w.Get(Role::kInspector, firm + "/check?action=" + procurement + "&as_of=2026-12-01").body)["decision"] == "allowed");
  // Without an action, a 400 that says what to send; the public needs a token.
  HttpResponse bare = w.Get(Role::kInspector, firm + "/check?as_of=2026-12-01");
  CHECK(bare.status == 400);
  CHECK_THAT(bare.body, Catch::Contains("action"));
  CHECK(w.Get(Role::kPublic, firm + "/check?action=" + notification).status == 401);
  // The check is a read of the firm's file: the auditor finds it in its 查询记录.
  const json reads = json::parse(w.Get(Role::kAuditor, firm + "/access-log?purpose=audit").body);
  bool recorded = false;
  for (const auto& a : reads["access"]) recorded = recorded || a["route"] == "GET /v1/subjects/{id}/check";
  CHECK(recorded);

  // 待核查: CN-DISC-1, made 2026-06-01 and accepted by the agency, is due by 2026-07-31 (60 days).
  const std::string due = "/v1/agencies/" + testing::kAgency + "/due-verifications?as_of=";
  const json last_day = json::parse(w.Get(Role::kInspector, due + "2026-07-31").body);
  REQUIRE(last_day["verifications"].size() == 1);
  CHECK(last_day["verifications"][0]["commitment_id"] == "CN-DISC-1");
  CHECK(last_day["verifications"][0]["verify_by"] == "2026-07-31");
  CHECK(last_day["verifications"][0]["overdue"] == false);
  CHECK(last_day["verifications"][0]["days_left"] == 0);
  const json after = json::parse(w.Get(Role::kInspector, due + "2026-08-01").body);
  CHECK(after["overdue"] == 1);
  CHECK(after["verifications"][0]["days_left"] == -1);
  // Found breached on 2026-09-01: the verification was done.
  CHECK(json::parse(w.Get(Role::kInspector, due + "2026-09-01").body)["verifications"].empty());
  CHECK(w.Get(Role::kInspector, "/v1/agencies/not-a-code/due-verifications").status == 400);
  CHECK(w.Get(Role::kPersonnel, due + "2026-08-01").status == 403);
}

}  // namespace
}  // namespace creditlog::api
