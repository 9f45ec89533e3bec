// C2SP tlog-tiles (api/tlog_tiles.h, api/http/tile_routes.cc, api/client/tiles.h): the paths and
// the bundle format; the served tiles against the ledger's own nodes, bundles against its entries,
// access and cache headers; and `mirror --tiles`, which copies an honest log and refuses a
// tampered tile, a tampered bundle and a forked history. (scripts/go-tiles-test checks the same
// server with Go's golang.org/x/mod/sumdb/tlog.)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/access_log.h"
#include "api/client/http_client.h"
#include "api/client/remote_log.h"
#include "api/client/tiles.h"
#include "api/http/http_server.h"
#include "api/tlog_tiles.h"
#include "crypto/merkle.h"
#include "events/limits.h"
#include "ledger/entry.h"
#include "run_binary.h"
#include "server_fixture.h"

namespace creditlog::api {
namespace {

using nlohmann::json;
using testing::ServerFixture;
using testing::TempDir;
using testing::Uscc;
using testing::Run;
using testing::RunCommand;

// --- The format ---

TEST_CASE("tiles: an index is written in three-digit elements, x before all but the last, and read back", "[tiles]") {
  CHECK(TileIndexPath(0) == "000");
  CHECK(TileIndexPath(7) == "007");
  CHECK(TileIndexPath(999) == "999");
  CHECK(TileIndexPath(1000) == "x001/000");
  CHECK(TileIndexPath(1234067) == "x001/x234/067");
  CHECK(TileIndexPath(UINT64_MAX) == "x018/x446/x744/x073/x709/x551/615");
  CHECK(TilePath({false, 0, 1234067, 256}) == "/tile/0/x001/x234/067");
  CHECK(TilePath({false, 3, 1234067, 5}) == "/tile/3/x001/x234/067.p/5");
  CHECK(TilePath({true, 0, 2, 190}) == "/tile/entries/002.p/190");
  for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{999}, uint64_t{1000}, uint64_t{1001},
                     uint64_t{1234067}, uint64_t{1} << 56, UINT64_MAX}) {
    for (const TileId& tile : {TileId{false, 0, n, 256}, TileId{false, 63, n, 1}, TileId{true, 0, n, 255}}) {
      const std::string path = TilePath(tile);
      INFO(path);
      auto parsed = ParseTilePath(path.substr(6));  // after "/tile/"
      REQUIRE(parsed.ok());
      CHECK(*parsed == tile);
    }
  }
}

TEST_CASE("tiles: malformed paths are refused, naming what is wrong", "[tiles]") {
  const std::map<std::string, std::string> refused = {
      {"0", "is not L/N"},
      {"0/1", "not three digits"},
      {"0/0001", "not three digits"},
      {"0/001/002", "must start with 'x'"},
      {"0/x001", "not three digits"},
      {"0/x000/001", "starts with x000"},
      {"0/x1/001", "not three digits"},
      {"00/000", "without leading zeros"},
      {"01/000", "without leading zeros"},
      {"-1/000", "without leading zeros"},
      {"64/000", "above 63"},
      {"data/000", "without leading zeros"},
      {"0/000.p/0", "1 to 255"},
      {"0/000.p/256", "1 to 255"},
      {"0/000.p/05", "without leading zeros"},
      {"0/000.p/", "tile width ''"},
      {"0/000.p", "not three digits"},
      {"0/000.q/5", "must start with 'x'"},
      {"0/000/", "must start with 'x'"},
      {"entries", "is not L/N"},
      {"entries/1", "not three digits"},
      {"0/x018/x446/x744/x073/x709/x551/616", "out of range"},
      {"0/x001/x018/x446/x744/x073/x709/x551/615", "8 elements"},
  };
  for (const auto& [path, why] : refused) {
    INFO(path);
    auto parsed = ParseTilePath(path);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(parsed.status().message(), Catch::Contains(why));
  }
}

TEST_CASE("tiles: the tiles a tree has (the example of C2SP tlog-tiles)", "[tiles]") {
  // A tree of 70,000: 273 full level-0 tiles, a partial one of 112, one full level-1 tile, a
  // partial one of 17, and a partial level-2 tile of 1.
  const uint64_t size = 70000;
  CHECK(TileInTree(false, 0, 272, size)->width == 256);
  CHECK(TileInTree(false, 0, 273, size)->width == 112);
  CHECK(TileInTree(false, 0, 274, size).status().code() == StatusCode::kNotFound);
  CHECK(TileInTree(false, 1, 0, size)->width == 256);
  CHECK(TileInTree(false, 1, 1, size)->width == 17);
  CHECK(TileInTree(false, 2, 0, size)->width == 1);
  CHECK_FALSE(TileInTree(false, 3, 0, size).ok());
  CHECK_FALSE(TileInTree(false, 63, 0, size).ok());
  // A tree of 256: a full level-0 tile and a partial level-1 tile of 1.
  CHECK(TileInTree(false, 0, 0, 256)->full());
  CHECK_FALSE(TileInTree(false, 0, 1, 256).ok());
  CHECK(TileInTree(false, 1, 0, 256)->width == 1);
  // Partial tiles of any width up to the tree's are served (older checkpoints' edges).
  CHECK(TileWithinTree({false, 0, 273, 1}, size));
  CHECK(TileWithinTree({false, 0, 273, 112}, size));
  CHECK_FALSE(TileWithinTree({false, 0, 273, 113}, size));
  CHECK_FALSE(TileWithinTree({false, 0, 273, 256}, size));
  CHECK(TileWithinTree({false, 0, 272, 5}, size));
  CHECK_FALSE(TileWithinTree({false, 0, UINT64_MAX, 1}, size));
  CHECK_FALSE(TileWithinTree({false, 7, 0, 1}, UINT64_MAX >> 8));
  CHECK(TileWithinTree({false, 7, 0, 1}, UINT64_MAX));
  CHECK_FALSE(TileWithinTree({false, 8, 0, 1}, UINT64_MAX));
}

TEST_CASE("tiles: a bundle is uint16-length-prefixed entries, and an entry may outgrow it", "[tiles]") {
  std::string bundle;
  const Bytes a = {1, 2, 3};
  const Bytes empty;
  const Bytes longest(kBundleEntryBytesMax, 0xab);
  REQUIRE(AppendToBundle(a, &bundle).ok());
  REQUIRE(AppendToBundle(empty, &bundle).ok());
  REQUIRE(AppendToBundle(longest, &bundle).ok());
  CHECK(bundle.substr(0, 5) == std::string("\x00\x03\x01\x02\x03", 5));
  CHECK(bundle.substr(5, 4) == std::string("\x00\x00\xff\xff", 4));
  auto parsed = ParseBundle(bundle, 3);
  REQUIRE(parsed.ok());
  CHECK(*parsed == std::vector<Bytes>{a, empty, longest});
  const std::string before = bundle;
  Status too_long = AppendToBundle(Bytes(kBundleEntryBytesMax + 1, 0), &bundle);
  CHECK(too_long.code() == StatusCode::kTooLarge);
  CHECK(bundle == before);
  CHECK(ParseBundle(bundle, 2).status().code() == StatusCode::kCorruption);  // more than said
  CHECK(ParseBundle(bundle, 4).status().code() == StatusCode::kCorruption);  // fewer
  CHECK(ParseBundle(bundle.substr(0, bundle.size() - 1), 3).status().code() == StatusCode::kCorruption);
  CHECK(ParseBundle(std::string("\x00", 1), 1).status().code() == StatusCode::kCorruption);

  // The limits of an event let an entry be longer than a bundle can say: an envelope may have
  // kEnvelopeBytesMax bytes, and the entry wraps seq, time and stream version around it.
  STATIC_REQUIRE(events::kEnvelopeBytesMax > kBundleEntryBytesMax);
  CHECK(ledger::BuildEntry(1, 0, 1, Bytes(events::kEnvelopeBytesMax, 0)).size() > kBundleEntryBytesMax);
}

// --- The server ---

// A raw GET, for the header fields HttpClient does not keep.
struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

RawResponse RawGet(uint16_t port, const std::string& path, const std::string& token = "") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  request += "\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  std::string received;
  char buffer[65536];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) received.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  const size_t head_end = received.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  RawResponse out;
  out.status = std::stoi(received.substr(9, 3));
  size_t at = received.find("\r\n") + 2;
  while (at < head_end) {
    const size_t line_end = received.find("\r\n", at);
    const std::string line = received.substr(at, line_end - at);
    const size_t colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    at = line_end + 2;
  }
  out.body = received.substr(head_end + 4);
  return out;
}

// A served ledger of `ratings` ratings (plus genesis and the agency's key), with an access log
// unless told otherwise: appended before the server starts, then checkpointed.
struct TileWorld {
  explicit TileWorld(int ratings, bool access_logged = true) : f(false), with_access_log(access_logged) {
    Add(ratings);
    Serve();
  }
  ~TileWorld() { Stop(); }
  void Serve() {
    if (with_access_log) {
      auto log = AccessLog::Open(f.dir.path(), *f.ledger, f.ledger_key);
      REQUIRE(log.ok());
      access_log = std::move(*log);
      f.options.access_log = access_log.get();
    }
    f.Start();
  }
  void Stop() {
    f.StopServer();
    f.options.access_log = nullptr;
    access_log.reset();
  }
  // More ratings, the server stopped and the ledger reopened without its rules of the log (the
  // subjects are not registered).
  void Grow(int ratings) {
    Stop();
    f.Reopen();
    Add(ratings);
    Serve();
  }
  void Add(int ratings) {
    std::vector<Bytes> envelopes;
    for (int i = 0; i < ratings; ++i, ++added) {
      envelopes.push_back(testing::Sign(testing::RatingEvent("tile-" + std::to_string(added), Uscc("370202", added)), f.agency,
                                        testing::LedgerFixture::kOrigin));
    }
    for (const auto& r : f.ledger->AppendBatch(std::move(envelopes))) REQUIRE(r.ok());
    REQUIRE(f.ledger->PublishCheckpoint().ok());
  }
  std::string Nodes(int level, uint64_t first, uint64_t count) {
    std::string out;
    for (uint64_t i = 0; i < count; ++i) out += AsString(f.ledger->Nodes()(level, first + i).value());
    return out;
  }

  ServerFixture f;
  const bool with_access_log;
  std::unique_ptr<AccessLog> access_log;
  int added = 0;
};

TEST_CASE("tiles: full and partial hash tiles are the ledger's nodes, and nothing beyond the tree is served", "[tiles]") {
  TileWorld w(700);  // 702 entries: level 0 has tiles 000, 001 and 002.p/190; level 1 has 000.p/2
  REQUIRE(w.f.ledger->size() == 702);
  const uint16_t port = w.f.port;
  RawResponse full = RawGet(port, "/tile/0/000");
  CHECK(full.status == 200);
  CHECK(full.body.size() == 8192);
  CHECK(full.body == w.Nodes(0, 0, 256));
  CHECK(full.headers["content-type"] == "application/octet-stream");
  CHECK(full.headers["cache-control"] == "public, max-age=31536000, immutable");
  CHECK(RawGet(port, "/tile/0/001").body == w.Nodes(0, 256, 256));
  RawResponse partial = RawGet(port, "/tile/0/002.p/190");
  CHECK(partial.status == 200);
  CHECK(partial.body == w.Nodes(0, 512, 190));
  CHECK(partial.headers["cache-control"] == "public, max-age=86400, immutable");
  // An older checkpoint's edge: a narrower partial tile is a prefix of the same hashes.
  CHECK(RawGet(port, "/tile/0/002.p/5").body == w.Nodes(0, 512, 5));
  CHECK(RawGet(port, "/tile/0/001.p/7").body == w.Nodes(0, 256, 7));
  // Level 1: each hash is the root of a full level-0 tile.
  RawResponse level1 = RawGet(port, "/tile/1/000.p/2");
  CHECK(level1.status == 200);
  CHECK(level1.body == w.Nodes(8, 0, 2));
  CHECK(level1.body.substr(0, 32) == AsString(w.f.ledger->Root(256).value()));
  CHECK(RawGet(port, "/tile/1/000.p/1").body == w.Nodes(8, 0, 1));

  // Beyond the tree: 404 with a JSON error; malformed: 400.
  for (const char* path : {"/tile/0/002", "/tile/0/002.p/191", "/tile/0/003.p/1", "/tile/1/000", "/tile/1/000.p/3",
                           "/tile/2/000.p/1", "/tile/63/000.p/1", "/tile/0/x001/000"}) {
    INFO(path);
    HttpResponse r = w.f.Get(path);
    CHECK(r.status == 404);
    CHECK(json::parse(r.body)["error"]["code"] == "not_found");
    CHECK_THAT(r.body, Catch::Contains("not in the tree of 702 entries"));
  }
  for (const char* path : {"/tile/0/1", "/tile/0/0000", "/tile/00/000", "/tile/64/000", "/tile/0/000.p/0", "/tile/0/000.p/256",
                           "/tile/0/x000/001", "/tile/0/001/002", "/tile/entries", "/tile/x/000"}) {
    INFO(path);
    HttpResponse r = w.f.Get(path);
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["error"]["code"] == "invalid_argument");
    CHECK_THAT(r.body, Catch::Contains("tile path"));
  }
  // Hash tiles are public like proofs; a bad token is still refused.
  CHECK(w.f.Get("/tile/0/000", w.f.inspector_token).status == 200);
  CHECK(w.f.Get("/tile/0/000", "not-a-token").status == 401);
}

TEST_CASE("tiles: a large log's paths, through the server's router", "[tiles]") {
  // Level-0 tile 1234 is at x001/234: a tree of 700 has none, but the path is understood (404,
  // not 400), and so is the index of a tree of 2^64 - 1 at level 0.
  TileWorld w(3);
  HttpResponse r = w.f.Get("/tile/0/x001/234");
  CHECK(r.status == 404);
  CHECK_THAT(r.body, Catch::Contains("/tile/0/x001/234 is not in the tree of 5 entries"));
  CHECK(w.f.Get("/tile/0/x072/x057/x594/x037/x927/935.p/255").status == 404);
  CHECK(w.f.Get("/tile/5/x001/x234/067.p/9").status == 404);
  CHECK(w.f.Get("/tile/0/000.p/5").status == 200);
  CHECK(w.f.Get("/tile/0/000.p/6").status == 404);
}

TEST_CASE("tiles: /checkpoint serves GET /v1/checkpoint's note, not to be cached", "[tiles]") {
  TileWorld w(10);
  RawResponse tiles = RawGet(w.f.port, "/checkpoint");
  RawResponse v1 = RawGet(w.f.port, "/v1/checkpoint");
  CHECK(tiles.status == 200);
  CHECK(tiles.body == v1.body);
  CHECK(tiles.headers["content-type"] == "text/plain; charset=utf-8");
  CHECK(tiles.headers["cache-control"] == "no-cache");
  auto text = OpenNote(tiles.body, w.f.Verifier());
  REQUIRE(text.ok());
  auto checkpoint = ParseCheckpoint(*text);
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->size == w.f.ledger->size());
  CHECK(checkpoint->root == w.f.ledger->Root(checkpoint->size).value());
}

TEST_CASE("tiles: entry bundles parse into the entries whose leaf hashes are the level-0 tile, for auditors only", "[tiles]") {
  TileWorld w(300);  // 302 entries: bundle 000 and 001.p/46
  const std::string token = w.f.auditor_token;
  for (const TileId& id : {TileId{true, 0, 0, 256}, TileId{true, 0, 1, 46}, TileId{true, 0, 1, 3}}) {
    const std::string path = TilePath(id);
    INFO(path);
    RawResponse r = RawGet(w.f.port, path, token);
    REQUIRE(r.status == 200);
    CHECK(r.headers["content-type"] == "application/octet-stream");
    CHECK(r.headers["cache-control"] == (id.full() ? "private, max-age=31536000, immutable" : "private, max-age=86400, immutable"));
    auto entries = ParseBundle(r.body, id.width);
    REQUIRE(entries.ok());
    const std::string level0 = RawGet(w.f.port, TilePath({false, 0, id.index, id.width})).body;
    for (uint64_t i = 0; i < id.width; ++i) {
      const uint64_t seq = id.index * kTileWidth + i;
      CHECK((*entries)[i] == w.f.ledger->Entry(seq).value());
      CHECK(AsString(MerkleLeafHash((*entries)[i])) == level0.substr(i * kHashSize, kHashSize));
    }
  }
  // Each bundle read is recorded in the access log, as the audit feed.
  auto records = AccessRecordsJson(w.access_log->ledger(), "", 100);
  REQUIRE(records.ok());
  const json& rows = (*records)["access"];
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["route"] == "GET /tile/entries/{bundle}");
  CHECK(rows[0]["target"] == "seq 0..255");
  CHECK(rows[1]["target"] == "seq 256..301");
  CHECK(rows[0]["role"] == "auditor");
  CHECK(rows[0]["purpose"] == "审计监督");

  // The whole log is the auditors': the public and an inspector are refused, as at /v1/entries.
  HttpResponse anyone = w.f.Get("/tile/entries/000");
  CHECK(anyone.status == 401);
  CHECK(json::parse(anyone.body)["error"]["details"]["roles"] == json::array({"auditor", "admin"}));
  CHECK(w.f.Get("/tile/entries/000", w.f.inspector_token).status == 403);
  CHECK(w.f.Get("/v1/entries", w.f.inspector_token).status == 403);
  CHECK(w.f.Get("/tile/entries/000", w.f.admin_token).status == 200);
  // Beyond the tree, malformed.
  CHECK(w.f.Get("/tile/entries/001", token).status == 404);
  CHECK(w.f.Get("/tile/entries/001.p/47", token).status == 404);
  CHECK(w.f.Get("/tile/entries/1", token).status == 400);
  CHECK(w.f.Get("/tile/entries/000.p/0", token).status == 400);
  CHECK((*AccessRecordsJson(w.access_log->ledger(), "", 100))["access"].size() == 4);  // the admin's read
}

TEST_CASE("tiles: an entry too long for a bundle's uint16 length is refused as payload_too_large (413)", "[tiles]") {
  // Such an entry takes an envelope near events::kEnvelopeBytesMax (not made here); the server
  // answers its bundle with this refusal, naming the seq and GET /v1/entries/{seq}.
  std::string bundle;
  Status refused = AppendToBundle(Bytes(kBundleEntryBytesMax + 1, 0), &bundle);
  CHECK(refused.code() == StatusCode::kTooLarge);
  CHECK_THAT(refused.message(), Catch::Contains("65536 bytes") && Catch::Contains("at most 65535"));
  CHECK(HttpStatusFor(refused.code()) == 413);
}

// --- mirror --tiles ---


// Serves what `upstream` serves, passing each answer's body through `tamper(path, &body)`.
struct TamperingProxy {
  TamperingProxy(std::string upstream_url, std::function<void(const std::string&, std::string*)> tamper_fn)
      : upstream(std::move(upstream_url)), tamper(std::move(tamper_fn)) {
    HttpServerOptions options;
    options.port = 0;
    server = std::make_unique<HttpServer>(options);
    REQUIRE(server
                ->AddRoute("GET", "/{path}", {0, ParamMatch::kRestOfPath},
                           [this](const Request& req, const PathParams&) {
                             std::string token(req.header("Authorization"));
                             if (token.starts_with("Bearer ")) token = token.substr(7);
                             HttpClient client(upstream, token);
                             auto r = client.Get(req.path());
                             if (!r.ok()) return req.Respond(ErrorResponse(502, "io_error", r.status().message()));
                             std::string body = std::move(r->body);
                             if (r->status == 200) tamper(std::string(req.path()), &body);
                             req.Respond(Response{static_cast<int>(r->status), r->content_type, std::move(body), {}});
                           })
                .ok());
    REQUIRE(server->Start().ok());
    url = "http://127.0.0.1:" + std::to_string(server->port());
  }
  std::string upstream;
  std::function<void(const std::string&, std::string*)> tamper;
  std::unique_ptr<HttpServer> server;
  std::string url;
};

void FlipByte(std::string* body, size_t at) { (*body)[at] = static_cast<char>((*body)[at] ^ 0x01); }

TEST_CASE("mirror --tiles: copies the served log through verified tiles and follows it as it grows", "[tiles][mirror]") {
  TileWorld w(600);
  TempDir work;
  const std::string mirror = work.path() + "/mirror";
  auto args = [&] {
    return "mirror --tiles --quiet --server " + w.f.url + " --data " + mirror + " --token " + w.f.auditor_token +
           " --verifier-key '" + w.f.ledger->VerifierKey() + "'";
  };
  Run first = RunCommand(args());
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.output, Catch::Contains("mirrored 602 entries") && Catch::Contains("through tiles"));
  // The log grows past a tile boundary; the mirror continues from its own tree.
  w.Grow(300);
  Run second = RunCommand(args());  // the server listens on another port now
  INFO(second.output);
  REQUIRE(second.exit_code == 0);
  CHECK_THAT(second.output, Catch::Contains("mirrored 902 entries") && Catch::Contains("(300 new)"));
  auto opened = ledger::Ledger::Open(mirror, {.read_only = true});
  REQUIRE(opened.ok());
  CHECK((*opened)->size() == 902);
  CHECK((*opened)->Root(902).value() == w.f.ledger->Root(902).value());
  CHECK((*opened)->LatestCheckpoint().value() == w.f.ledger->LatestCheckpoint().value());
}

TEST_CASE("tiles client: proofs computed from verified tiles are the server's, and reads are counted", "[tiles]") {
  TileWorld w(700);
  auto remote = RemoteLog::Connect(w.f.url, w.f.auditor_token, w.f.ledger->VerifierKey());
  REQUIRE(remote.ok());
  TileLog log(**remote);
  auto latest = log.Checkpoint();
  REQUIRE(latest.ok());
  const Checkpoint& checkpoint = latest->checkpoint;
  REQUIRE(checkpoint.size == 702);
  TileTree& tree = log.TreeOf(checkpoint);
  for (uint64_t old_size : {uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{257}, uint64_t{600}, uint64_t{701}}) {
    CHECK(ConsistencyProof(old_size, 702, tree.Nodes()).value() == w.f.ledger->ConsistencyProof(old_size, 702).value());
  }
  for (uint64_t seq : {uint64_t{0}, uint64_t{300}, uint64_t{701}}) {
    CHECK(InclusionProof(seq, 702, tree.Nodes()).value() == w.f.ledger->InclusionProof(seq, 702).value());
  }
  // Every tile was fetched once: 000, 001, 002.p/190 and 1/000.p/2.
  CHECK(tree.tiles_fetched() == 4);
  auto entries = tree.Entries(250, 520);
  REQUIRE(entries.ok());
  CHECK(entries->size() == 270);
  CHECK(entries->front() == w.f.ledger->Entry(250).value());
  CHECK(entries->back() == w.f.ledger->Entry(519).value());
  CHECK(tree.bundles_fetched() == 3);
  CHECK(tree.Node(9, 1).status().code() == StatusCode::kInvalidArgument);  // 512..1023 is not complete
  CHECK(log.Entry(0, checkpoint).value() == w.f.ledger->Entry(0).value());
}

TEST_CASE("mirror --tiles: a tampered tile or bundle is refused and nothing unproven is kept", "[tiles][mirror]") {
  TileWorld w(600);  // 602 entries: tiles 0/000, 0/001, 0/002.p/90, 1/000.p/2
  const std::string vkey = " --verifier-key '" + w.f.ledger->VerifierKey() + "'";
  const std::string token = " --token " + w.f.auditor_token;
  TempDir work;
  struct Case {
    const char* name;
    const char* path;      // whose answer is altered
    const char* expected;  // in the refusal
    uint64_t kept;         // entries the mirror holds afterwards
  };
  const Case cases[] = {
      {"full tile", "/tile/0/001", "tile/0/001 does not hash to its node in tile 1/000", 256},
      {"edge tile", "/tile/1/000.p/2", "do not hash to the root of its checkpoint of size 602", 0},
      {"partial tile", "/tile/0/002.p/90", "do not hash to the root of its checkpoint of size 602", 0},
      {"bundle", "/tile/entries/001", "seq 256: the entry in tile/entries/001 is not the one", 256},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      TamperingProxy proxy(w.f.url, [&](const std::string& path, std::string* body) {
        if (path == c.path) FlipByte(body, std::string(c.path).starts_with("/tile/entries/") ? 40 : 3);
      });
      // In process: the client names what did not verify.
      auto remote = RemoteLog::Connect(proxy.url, w.f.auditor_token, w.f.ledger->VerifierKey());
      REQUIRE(remote.ok());
      TileLog log(**remote);
      auto latest = log.Checkpoint();
      REQUIRE(latest.ok());
      auto all = log.TreeOf(latest->checkpoint).Entries(0, 602);
      REQUIRE_FALSE(all.ok());
      CHECK(all.status().code() == StatusCode::kCorruption);
      CHECK_THAT(all.status().message(), Catch::Contains(c.expected));
      // Through the binary: refused (exit 1, Corruption), with only proven entries kept.
      const std::string mirror = work.path() + "/" + std::string(c.name);
      Run refused = RunCommand("mirror --tiles --quiet --server " + proxy.url + " --data '" + mirror + "'" + token + vkey);
      INFO(refused.output);
      CHECK(refused.exit_code == 1);
      CHECK_THAT(refused.output, Catch::Contains(c.expected));
      if (c.kept > 0) {
        auto opened = ledger::Ledger::Open(mirror, {.read_only = true});
        REQUIRE(opened.ok());
        CHECK((*opened)->size() == c.kept);
        CHECK((*opened)->Root(c.kept).value() == w.f.ledger->Root(c.kept).value());
      } else {
        CHECK_FALSE(std::filesystem::exists(mirror + "/db"));
      }
    }
  }
}

TEST_CASE("mirror --tiles: a forked history is refused and the mirror keeps its own", "[tiles][mirror]") {
  TileWorld w(300, false);
  const std::string vkey = " --verifier-key '" + w.f.ledger->VerifierKey() + "'";
  const std::string token = " --token " + w.f.auditor_token;
  // Fork the directory here: the same genesis and keys, a different future.
  w.Stop();
  w.f.ledger.reset();
  TempDir fork_dir;
  std::filesystem::copy(w.f.dir.path(), fork_dir.path(),
                        std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
  w.f.Reopen();
  w.Add(10);
  w.Serve();
  TempDir work;
  const std::string mirror = work.path() + "/mirror";
  Run first = RunCommand("mirror --tiles --quiet --server " + w.f.url + " --data " + mirror + token + vkey);
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.output, Catch::Contains("mirrored 312 entries"));
  // The fork: the same first 302 entries, then 20 others, signed by the same ledger key.
  w.Stop();
  w.f.ledger.reset();
  std::filesystem::remove_all(w.f.dir.path());
  std::filesystem::copy(fork_dir.path(), w.f.dir.path(), std::filesystem::copy_options::recursive);
  w.f.Reopen();
  w.Add(20);
  w.Serve();
  Run refused = RunCommand("mirror --tiles --quiet --server " + w.f.url + " --data " + mirror + token);
  INFO(refused.output);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.output, Catch::Contains("forked"));
  auto opened = ledger::Ledger::Open(mirror, {.read_only = true});
  REQUIRE(opened.ok());
  CHECK((*opened)->size() == 312);
}

}  // namespace
}  // namespace creditlog::api
