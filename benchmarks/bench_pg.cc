// The PostgreSQL baseline: what a user would otherwise build — the same signed events stored in
// PostgreSQL with the same durability and the same checks before insert, and the credit profile
// as SQL over indexed tables. benchmarks/pg-baseline starts a throwaway server and runs this.
//
// Usage: bench_pg [--quick] [--events N] [--seconds S] [--ledger DIR] [--as-of YYYY-MM-DD]
//                 [--ingest copy|insert] [--query json|pipeline] [--no-ingest] [CONNINFO]
// CONNINFO is a libpq connection string ("host=/tmp/sock port=5433 dbname=bench user=postgres");
// without it, $BENCH_PG_CONNINFO, else libpq's own defaults ($PGHOST, $PGPORT, ...).
// Prints "RESULT <name> <value> <unit>" lines; lines starting with '#' describe the run.
//
// pg_ingest: N synthetic signed envelopes (bench::SignedEvents, the bytes creditlog's own ingest
// benchmark appends) are, timed: checked as creditlog checks an append before it is queued
// (structure, fields, Ed25519 signature) on 2 threads, and stored in `events`, one transaction
// of 1,000 rows at a time, synchronous_commit on (checked with SHOW). The two stages overlap:
// the next chunk is verified while the previous one commits. pg_ingest_ack_*_ms is the time
// from sending a transaction's rows to its durable commit being acknowledged.
//
// pg_profile_*: every event of a creditlog ledger is loaded (untimed) into tables a user would
// design for the profile, each indexed on its subject columns; then 2 client threads (one
// connection each) ask for the profile of the ledger's subjects in a random order.
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_common.h"
#include "events/event.h"
#include "events/json.h"
#include "ledger/entry.h"
#include "ledger/ledger.h"

using namespace creditlog;

namespace {

constexpr size_t kRowsPerTransaction = 1'000;
constexpr unsigned kVerifyThreads = 2;  // as creditlog's ingest figures (verify_ceiling_2t)
constexpr unsigned kClients = 2;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "bench_pg: %s\n", message.c_str());
  std::exit(1);
}

// ---------------------------------------------------------------- libpq helpers

struct Conn {
  PGconn* pg = nullptr;
  explicit Conn(const std::string& conninfo) : pg(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(pg) != CONNECTION_OK) Die(std::string("connecting: ") + PQerrorMessage(pg));
    PQclear(PQexec(pg, "SET client_min_messages = warning"));  // no NOTICEs from DROP ... IF EXISTS
  }
  ~Conn() { PQfinish(pg); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
};

// Takes ownership of `r`; dies unless its status is `want`.
void Check(PGconn* pg, PGresult* r, ExecStatusType want, std::string_view what) {
  const ExecStatusType got = PQresultStatus(r);
  if (got != want) {
    std::string message = std::string(what) + ": " + PQresStatus(got) + ": " +
                          (r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(pg));
    PQclear(r);
    Die(message);
  }
  PQclear(r);
}

void Exec(PGconn* pg, const std::string& sql) {
  PGresult* r = PQexec(pg, sql.c_str());
  const ExecStatusType status = PQresultStatus(r);
  Check(pg, r, status == PGRES_TUPLES_OK ? PGRES_TUPLES_OK : PGRES_COMMAND_OK, sql.substr(0, 60));
}

std::string QueryValue(PGconn* pg, const std::string& sql) {
  PGresult* r = PQexec(pg, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) Check(pg, r, PGRES_TUPLES_OK, sql);
  std::string value = PQgetvalue(r, 0, 0);
  PQclear(r);
  return value;
}

void Prepare(PGconn* pg, const char* name, const std::string& sql) {
  Check(pg, PQprepare(pg, name, sql.c_str(), 0, nullptr), PGRES_COMMAND_OK, std::string("PREPARE ") + name);
}

// Consumes the rest of a command's results (a NULL ends them).
void Drain(PGconn* pg) {
  while (PGresult* r = PQgetResult(pg)) PQclear(r);
}

void PutU16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}
void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void PutField(std::string& out, std::string_view bytes) {
  PutU32(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

// A field of COPY's text format.
void AppendCopyText(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out.push_back(c);
    }
  }
}

void CopyIn(PGconn* pg, const std::string& command, const std::string& data) {
  Check(pg, PQexec(pg, command.c_str()), PGRES_COPY_IN, command);
  if (PQputCopyData(pg, data.data(), static_cast<int>(data.size())) != 1 || PQputCopyEnd(pg, nullptr) != 1) {
    Die(std::string("COPY: ") + PQerrorMessage(pg));
  }
  Check(pg, PQgetResult(pg), PGRES_COMMAND_OK, command);
  Drain(pg);
}

// ---------------------------------------------------------------- pg_ingest

struct Row {
  std::string_view event_id, subject, type;
  std::string_view envelope;
};

// What creditlog checks in the caller's thread before an append is queued: structure (size
// limits, FlatBuffers verifier), the event's fields, the Ed25519 signature for the origin.
bool CheckEnvelope(const Bytes& envelope, Row& row) {
  auto view = events::ParseEnvelope(envelope);
  if (!view.ok() || !events::ValidateEvent(*view->event).ok() ||
      !events::VerifyEnvelopeSignature(*view, bench::kOrigin).ok()) {
    return false;
  }
  const fb::Event& event = *view->event;
  row.event_id = event.event_id()->string_view();
  row.subject = event.subject() != nullptr ? event.subject()->string_view() : std::string_view();
  row.type = events::EventTypeName(event.body_type());
  row.envelope = AsString(envelope);
  return true;
}

// Verifies envelopes [begin, end) on kVerifyThreads threads.
std::vector<Row> VerifyChunk(const std::vector<Bytes>& envelopes, size_t begin, size_t end) {
  std::vector<Row> rows(end - begin);
  std::atomic<bool> bad{false};
  auto work = [&](unsigned part) {
    const size_t n = end - begin;
    for (size_t i = n * part / kVerifyThreads; i < n * (part + 1) / kVerifyThreads; ++i) {
      if (!CheckEnvelope(envelopes[begin + i], rows[i])) bad = true;
    }
  };
  std::vector<std::thread> helpers;
  for (unsigned part = 1; part < kVerifyThreads; ++part) helpers.emplace_back(work, part);
  work(0);
  for (auto& h : helpers) h.join();
  if (bad) Die("an envelope failed verification");
  return rows;
}

// One transaction per call, in autocommit: the statement's own commit is the durable ack.
// COPY (binary) is the default: each transaction took about a quarter less time than a prepared
// 1,000-row INSERT with binary parameters, for the same durability, and ingest was at least as
// fast (both are close to the rate of the signature checks). --ingest insert runs the INSERT,
// with ON CONFLICT (event_id) DO NOTHING so that a retried chunk is idempotent, as creditlog's
// event ids are.
class Writer {
 public:
  Writer(PGconn* pg, bool use_copy) : pg_(pg), copy_(use_copy) {
    if (!copy_) Prepare(pg_, "ins", InsertSql(kRowsPerTransaction));
  }

  void Write(const std::vector<Row>& rows) {
    if (copy_) {
      std::string data("PGCOPY\n\377\r\n\0", 11);  // binary COPY header, no flags, no extension
      PutU32(data, 0);
      PutU32(data, 0);
      for (const Row& row : rows) {
        PutU16(data, 4);
        PutField(data, row.event_id);
        PutField(data, row.subject);
        PutField(data, row.type);
        PutField(data, row.envelope);
      }
      PutU16(data, 0xffff);
      CopyIn(pg_, "COPY events (event_id, subject, type, envelope) FROM STDIN (FORMAT binary)", data);
      return;
    }
    std::vector<const char*> values;
    std::vector<int> lengths;
    for (const Row& row : rows) {
      for (std::string_view v : {row.event_id, row.subject, row.type, row.envelope}) {
        values.push_back(v.data());
        lengths.push_back(static_cast<int>(v.size()));
      }
    }
    const std::vector<int> formats(values.size(), 1);  // binary: text as UTF-8 bytes, bytea raw
    const int n = static_cast<int>(values.size());
    PGresult* r = rows.size() == kRowsPerTransaction
                      ? PQexecPrepared(pg_, "ins", n, values.data(), lengths.data(), formats.data(), 0)
                      : PQexecParams(pg_, InsertSql(rows.size()).c_str(), n, nullptr, values.data(), lengths.data(),
                                     formats.data(), 0);
    Check(pg_, r, PGRES_COMMAND_OK, "INSERT INTO events");
  }

 private:
  static std::string InsertSql(size_t rows) {
    std::string sql = "INSERT INTO events (event_id, subject, type, envelope) VALUES ";
    for (size_t i = 0; i < rows; ++i) {
      const size_t p = 4 * i;
      sql += (i ? ",($" : "($") + std::to_string(p + 1) + ",$" + std::to_string(p + 2) + ",$" +
             std::to_string(p + 3) + ",$" + std::to_string(p + 4) + "::bytea)";
    }
    return sql + " ON CONFLICT (event_id) DO NOTHING";
  }

  PGconn* pg_;
  bool copy_;
};

void Ingest(const std::string& conninfo, uint64_t total, bool use_copy) {
  Conn conn(conninfo);
  PGconn* pg = conn.pg;
  const std::string sync_commit = QueryValue(pg, "SHOW synchronous_commit");
  const std::string fsync = QueryValue(pg, "SHOW fsync");
  std::printf("# %s\n", QueryValue(pg, "SELECT version()").c_str());
  std::printf("# synchronous_commit = %s, fsync = %s, wal_sync_method = %s, full_page_writes = %s, shared_buffers = %s\n",
              sync_commit.c_str(), fsync.c_str(), QueryValue(pg, "SHOW wal_sync_method").c_str(),
              QueryValue(pg, "SHOW full_page_writes").c_str(), QueryValue(pg, "SHOW shared_buffers").c_str());
  if (sync_commit != "on" || fsync != "on") Die("the baseline needs synchronous_commit = on and fsync = on");
  Exec(pg,
       "DROP TABLE IF EXISTS events;"
       "CREATE TABLE events (seq bigserial PRIMARY KEY, event_id text UNIQUE NOT NULL, subject text NOT NULL,"
       " type text NOT NULL, envelope bytea NOT NULL, recorded_at timestamptz DEFAULT now());"
       "CREATE INDEX events_subject ON events (subject)");
  Exec(pg, "CHECKPOINT");

  KeyPair key = GenerateKeyPair();
  const std::vector<Bytes> envelopes = bench::SignedEvents(0, total, key);
  {  // The checks alone, for scale: the most any store behind them could ingest on this machine.
    const auto checks = bench::Clock::now();
    for (size_t begin = 0; begin < envelopes.size(); begin += kRowsPerTransaction) {
      VerifyChunk(envelopes, begin, std::min(envelopes.size(), begin + kRowsPerTransaction));
    }
    std::printf("# checks alone (structure, fields, signature) on %u threads: %.0f events/s\n", kVerifyThreads,
                static_cast<double>(total) / bench::Seconds(checks));
  }
  std::printf("# ingest: %llu events, transactions of %zu rows by %s, verified on %u threads beside the writer\n",
              static_cast<unsigned long long>(total), kRowsPerTransaction,
              use_copy ? "COPY (binary)" : "multi-row INSERT (prepared)", kVerifyThreads);
  std::fflush(stdout);

  // Stage 1 (this thread and its helpers) verifies chunks; stage 2 (the writer thread) commits
  // them in order. Two verified chunks may wait, so verification stays ahead of the commits.
  std::mutex mu;
  std::condition_variable changed;
  std::deque<std::vector<Row>> ready;
  bool done = false;
  std::vector<double> ack_ms;
  Writer writer(pg, use_copy);

  const auto start = bench::Clock::now();
  std::thread committer([&] {
    for (;;) {
      std::vector<Row> rows;
      {
        std::unique_lock lock(mu);
        changed.wait(lock, [&] { return !ready.empty() || done; });
        if (ready.empty()) return;
        rows = std::move(ready.front());
        ready.pop_front();
      }
      changed.notify_all();
      const auto sent = bench::Clock::now();
      writer.Write(rows);
      ack_ms.push_back(bench::Seconds(sent) * 1e3);
    }
  });
  for (size_t begin = 0; begin < envelopes.size(); begin += kRowsPerTransaction) {
    std::vector<Row> rows = VerifyChunk(envelopes, begin, std::min(envelopes.size(), begin + kRowsPerTransaction));
    std::unique_lock lock(mu);
    changed.wait(lock, [&] { return ready.size() < 2; });
    ready.push_back(std::move(rows));
    changed.notify_all();
  }
  {
    std::lock_guard lock(mu);
    done = true;
  }
  changed.notify_all();
  committer.join();
  const double seconds = bench::Seconds(start);

  const std::string stored = QueryValue(pg, "SELECT count(*) FROM events");
  if (stored != std::to_string(total)) Die("stored " + stored + " events, expected " + std::to_string(total));
  bench::Result("pg_ingest", static_cast<double>(total) / seconds, "events/s");
  bench::Result("pg_ingest_ack_p50_ms", bench::Quantile(ack_ms, 0.50), "ms");
  bench::Result("pg_ingest_ack_p99_ms", bench::Quantile(ack_ms, 0.99), "ms");
  std::fflush(stdout);
}

// ---------------------------------------------------------------- pg_profile

// The tables, filled from the events' JSON with SQL. Optional fields absent from the JSON take
// the schema's defaults (EventToJson omits defaults). Dates are `date`, money bigint fen.
constexpr const char* kProfileSchema = R"sql(
DROP TABLE IF EXISTS ledger_events, subjects, penalties, commitments, contracts, payments, notices,
  listings, repairs CASCADE;
CREATE TABLE ledger_events (seq bigint PRIMARY KEY, recorded_at_ms bigint NOT NULL, subject text NOT NULL,
  type text NOT NULL, event jsonb NOT NULL);
)sql";

constexpr const char* kProfileFill = R"sql(
CREATE TEMP VIEW ev AS SELECT seq, subject, type, event->'body' AS b FROM ledger_events;

CREATE TABLE subjects (id text PRIMARY KEY, name text NOT NULL, kind text NOT NULL, division text,
  employer text, seqs bigint[] NOT NULL);
INSERT INTO subjects
  SELECT DISTINCT ON (subject) subject, b->>'name', coalesce(b->>'kind', 'Enterprise'), b->>'division',
         b->>'employer_uscc', ARRAY[seq]
  FROM ev WHERE type = 'SubjectRegistered' ORDER BY subject, seq DESC;

CREATE TABLE penalties (subject text NOT NULL, decision_number text NOT NULL, category text NOT NULL,
  content text NOT NULL, agency_name text, severity text NOT NULL, decided_date date NOT NULL,
  fine_fen bigint NOT NULL, confiscated_fen bigint NOT NULL, fulfilled_date date, revoked_date date,
  repaired_date date, seqs bigint[] NOT NULL, PRIMARY KEY (subject, decision_number));
INSERT INTO penalties
  SELECT DISTINCT ON (subject, b->>'decision_number') subject, b->>'decision_number', b->>'category',
         b->>'content', b->>'deciding_agency_name', coalesce(b->>'severity', 'Minor'),
         nullif(b->>'decision_date', '')::date, coalesce((b->>'fine_fen')::bigint, 0),
         coalesce((b->>'confiscated_fen')::bigint, 0), NULL, NULL, NULL, ARRAY[seq]
  FROM ev WHERE type = 'PenaltyDecided' ORDER BY subject, b->>'decision_number', seq;
UPDATE penalties p SET fulfilled_date = x.d, seqs = p.seqs || x.seqs
  FROM (SELECT subject, b->>'decision_number' AS k, min(nullif(b->>'fulfilled_date', '')::date) AS d,
               array_agg(seq ORDER BY seq) AS seqs
        FROM ev WHERE type = 'PenaltyFulfilled' GROUP BY 1, 2) x
  WHERE p.subject = x.subject AND p.decision_number = x.k;
UPDATE penalties p SET revoked_date = x.d, seqs = p.seqs || x.seqs
  FROM (SELECT subject, b->>'decision_number' AS k, min(nullif(b->>'revoked_date', '')::date) AS d,
               array_agg(seq ORDER BY seq) AS seqs
        FROM ev WHERE type = 'PenaltyRevoked' GROUP BY 1, 2) x
  WHERE p.subject = x.subject AND p.decision_number = x.k;

CREATE TABLE commitments (subject text NOT NULL, id text NOT NULL, type text NOT NULL, matter text NOT NULL,
  accepting_agency text NOT NULL, made_date date NOT NULL, deadline date NOT NULL, verified_date date,
  breached_date date, withdrawn_date date, false_commitment boolean NOT NULL DEFAULT false,
  seqs bigint[] NOT NULL, PRIMARY KEY (subject, id));
INSERT INTO commitments
  SELECT DISTINCT ON (subject, b->>'commitment_id') subject, b->>'commitment_id',
         coalesce(b->>'commitment_type', 'ApprovalSubstitute'), b->>'matter', b->>'accepting_agency',
         nullif(b->>'made_date', '')::date, nullif(b->>'deadline', '')::date, NULL, NULL, NULL, false, ARRAY[seq]
  FROM ev WHERE type = 'CommitmentMade' ORDER BY subject, b->>'commitment_id', seq;
UPDATE commitments c SET verified_date = x.d, seqs = c.seqs || x.seqs
  FROM (SELECT subject, b->>'commitment_id' AS k, min(nullif(b->>'verified_date', '')::date) AS d,
               array_agg(seq ORDER BY seq) AS seqs
        FROM ev WHERE type = 'CommitmentVerified' GROUP BY 1, 2) x
  WHERE c.subject = x.subject AND c.id = x.k;
UPDATE commitments c SET breached_date = x.d, false_commitment = x.f, seqs = c.seqs || x.seqs
  FROM (SELECT subject, b->>'commitment_id' AS k, min(nullif(b->>'breach_date', '')::date) AS d,
               bool_or(coalesce((b->>'false_commitment')::boolean, false)) AS f, array_agg(seq ORDER BY seq) AS seqs
        FROM ev WHERE type = 'CommitmentBreached' GROUP BY 1, 2) x
  WHERE c.subject = x.subject AND c.id = x.k;
UPDATE commitments c SET withdrawn_date = x.d, seqs = c.seqs || x.seqs
  FROM (SELECT subject, b->>'commitment_id' AS k, min(nullif(b->>'withdrawn_date', '')::date) AS d,
               array_agg(seq ORDER BY seq) AS seqs
        FROM ev WHERE type = 'CommitmentWithdrawn' GROUP BY 1, 2) x
  WHERE c.subject = x.subject AND c.id = x.k;

CREATE TABLE contracts (id text PRIMARY KEY, payer text NOT NULL, payee text NOT NULL, title text NOT NULL,
  amount_fen bigint NOT NULL, signed_date date NOT NULL, delivery_date date, term_days integer NOT NULL,
  due date GENERATED ALWAYS AS (coalesce(delivery_date, signed_date) + term_days) STORED,
  arrears_recorded date, arrears_cleared date, completed_date date, seqs bigint[] NOT NULL);
INSERT INTO contracts (id, payer, payee, title, amount_fen, signed_date, delivery_date, term_days, seqs)
  SELECT DISTINCT ON (b->>'contract_id') b->>'contract_id', b->>'public_body', b->>'counterparty', b->>'title',
         coalesce((b->>'amount_fen')::bigint, 0), nullif(b->>'signed_date', '')::date, nullif(b->>'delivery_date', '')::date,
         coalesce((b->>'payment_term_days')::integer, 30), ARRAY[seq]
  FROM ev WHERE type = 'ContractSigned' ORDER BY b->>'contract_id', seq;
CREATE TABLE payments (contract_id text NOT NULL, paid_date date NOT NULL, amount_fen bigint NOT NULL,
  seq bigint NOT NULL);
INSERT INTO payments
  SELECT b->>'contract_id', nullif(b->>'paid_date', '')::date, coalesce((b->>'amount_fen')::bigint, 0), seq
  FROM ev WHERE type = 'PaymentMade';
UPDATE contracts c SET seqs = c.seqs || x.seqs
  FROM (SELECT contract_id, array_agg(seq ORDER BY seq) AS seqs FROM payments GROUP BY 1) x
  WHERE c.id = x.contract_id;
UPDATE contracts c SET arrears_recorded = x.d, seqs = c.seqs || x.seqs
  FROM (SELECT b->>'contract_id' AS k, min(nullif(b->>'recorded_date', '')::date) AS d, array_agg(seq ORDER BY seq) AS seqs
        FROM ev WHERE type = 'ArrearsRecorded' GROUP BY 1) x WHERE c.id = x.k;
UPDATE contracts c SET arrears_cleared = x.d, seqs = c.seqs || x.seqs
  FROM (SELECT b->>'contract_id' AS k, max(nullif(b->>'cleared_date', '')::date) AS d, array_agg(seq ORDER BY seq) AS seqs
        FROM ev WHERE type = 'ArrearsCleared' GROUP BY 1) x WHERE c.id = x.k;
UPDATE contracts c SET completed_date = x.d, seqs = c.seqs || x.seqs
  FROM (SELECT b->>'contract_id' AS k, min(nullif(b->>'completed_date', '')::date) AS d, array_agg(seq ORDER BY seq) AS seqs
        FROM ev WHERE type = 'ContractCompleted' GROUP BY 1) x WHERE c.id = x.k;

-- Repairs (信用修复), and their effect as the default ruleset has it: an approved repair counts
-- from its decision if made after the minimum publicity period (minor 0, general 3, serious 12
-- months; 12 months after a serious listing), the penalty fulfilled by then, resting on a credit
-- commitment made by then. None of this depends on the date asked about, so it is kept.
CREATE TABLE repairs (subject text NOT NULL, id text NOT NULL, target text NOT NULL, commitment_id text,
  applied_date date NOT NULL, decided_date date, approved boolean NOT NULL DEFAULT false,
  committed boolean NOT NULL DEFAULT false, seqs bigint[] NOT NULL, PRIMARY KEY (subject, id));
INSERT INTO repairs (subject, id, target, commitment_id, applied_date, seqs)
  SELECT DISTINCT ON (subject, b->>'repair_id') subject, b->>'repair_id', b->>'target', b->>'commitment_id',
         nullif(b->>'applied_date', '')::date, ARRAY[seq]
  FROM ev WHERE type = 'RepairApplied' ORDER BY subject, b->>'repair_id', seq;
UPDATE repairs r SET decided_date = nullif(x.b->>'decided_date', '')::date,
                     approved = coalesce((x.b->>'approved')::boolean, false), seqs = r.seqs || x.seq
  FROM ev x WHERE x.type = 'RepairDecided' AND x.subject = r.subject AND x.b->>'repair_id' = r.id;
UPDATE repairs r SET committed = true
  FROM commitments c WHERE c.subject = r.subject AND c.id = r.commitment_id AND c.made_date <= r.decided_date;
UPDATE penalties p SET repaired_date = x.d
  FROM (SELECT p2.subject, p2.decision_number, min(r.decided_date) AS d
        FROM penalties p2 JOIN repairs r ON r.subject = p2.subject AND r.target = p2.decision_number
        WHERE r.approved AND r.committed AND p2.fulfilled_date <= r.decided_date
          AND r.decided_date >= p2.decided_date + CASE p2.severity WHEN 'Serious' THEN interval '12 months'
                                                  WHEN 'General' THEN interval '3 months' ELSE interval '0' END
        GROUP BY 1, 2) x
  WHERE p.subject = x.subject AND p.decision_number = x.decision_number;

-- Serious-dishonesty listings: only after a notice whose objection window had closed; an
-- upheld objection voids the notice from its resolution; a listing ends at its term, on exit,
-- on a repair, or when a penalty behind its notice is revoked.
CREATE TABLE notices (subject text NOT NULL, id text NOT NULL, list text NOT NULL, reason text NOT NULL,
  notice_date date NOT NULL, objection_deadline date NOT NULL, related text[] NOT NULL, corrected_date date,
  seqs bigint[] NOT NULL, PRIMARY KEY (subject, id));
INSERT INTO notices
  SELECT DISTINCT ON (subject, b->>'notice_id') subject, b->>'notice_id', coalesce(b->>'list', 'SeriousDishonesty'),
         b->>'reason', nullif(b->>'notice_date', '')::date, nullif(b->>'objection_deadline', '')::date,
         coalesce(ARRAY(SELECT jsonb_array_elements_text(b->'related')), '{}'), NULL, ARRAY[seq]
  FROM ev WHERE type = 'ListingNoticeIssued' ORDER BY subject, b->>'notice_id', seq;
UPDATE notices n SET corrected_date = x.d, seqs = n.seqs || x.seqs
  FROM (SELECT f.subject, f.b->>'notice_id' AS k,
               min(nullif(r.b->>'resolved_date', '')::date) FILTER (WHERE coalesce((r.b->>'upheld')::boolean, false)) AS d,
               array_agg(f.seq ORDER BY f.seq) || array_remove(array_agg(r.seq ORDER BY r.seq), NULL) AS seqs
        FROM ev f LEFT JOIN ev r ON r.type = 'ObjectionResolved' AND r.subject = f.subject
                                AND r.b->>'objection_id' = f.b->>'objection_id'
        WHERE f.type = 'ObjectionFiled' GROUP BY 1, 2) x
  WHERE n.subject = x.subject AND n.id = x.k;

CREATE TABLE listings (subject text NOT NULL, id text NOT NULL, list text NOT NULL, notice_id text NOT NULL,
  reason text NOT NULL,
  basis text NOT NULL, since date NOT NULL, term_end date NOT NULL, exit_date date, repaired_date date,
  penalty_revoked date, corrected_date date,
  until date GENERATED ALWAYS AS (least(term_end, exit_date, repaired_date, penalty_revoked)) STORED,
  seqs bigint[] NOT NULL, PRIMARY KEY (subject, id));
INSERT INTO listings (subject, id, list, notice_id, reason, basis, since, term_end, corrected_date, seqs)
  SELECT DISTINCT ON (l.subject, l.b->>'listing_id') l.subject, l.b->>'listing_id', 'SeriousDishonesty', n.id, n.reason,
         l.b->>'basis', nullif(l.b->>'decision_date', '')::date,
         -- the default ruleset's term: 36 months, both when none is given and at most (least skips a NULL)
         least(nullif(l.b->>'term_end_date', '')::date,
               (nullif(l.b->>'decision_date', '')::date + interval '36 months' - interval '1 day')::date),
         n.corrected_date, l.seq || n.seqs
  FROM ev l JOIN notices n ON n.subject = l.subject AND n.id = l.b->>'notice_id'
  WHERE l.type = 'SeriousListingDecided' AND nullif(l.b->>'decision_date', '')::date > n.objection_deadline
  ORDER BY l.subject, l.b->>'listing_id', l.seq;
UPDATE listings l SET exit_date = x.d, seqs = l.seqs || x.seqs
  FROM (SELECT subject, b->>'listing_id' AS k, min(nullif(b->>'exit_date', '')::date) AS d, array_agg(seq ORDER BY seq) AS seqs
        FROM ev WHERE type = 'SeriousListingExited' GROUP BY 1, 2) x
  WHERE l.subject = x.subject AND l.id = x.k;
UPDATE listings l SET repaired_date = x.d, seqs = l.seqs || x.seqs
  FROM (SELECT l2.subject, l2.id, min(r.decided_date) AS d, array_agg(s ORDER BY s) AS seqs
        FROM listings l2 JOIN repairs r ON r.subject = l2.subject AND r.target = l2.id
             CROSS JOIN LATERAL unnest(r.seqs) s
        WHERE r.approved AND r.committed AND r.decided_date >= l2.since + interval '12 months'
        GROUP BY 1, 2) x
  WHERE l.subject = x.subject AND l.id = x.id;
UPDATE listings l SET penalty_revoked = x.d, seqs = l.seqs || x.seqs
  FROM (SELECT l2.subject, l2.id, min(p.revoked_date) AS d, array_agg(s ORDER BY s) AS seqs
        FROM listings l2 JOIN notices n ON n.subject = l2.subject AND n.id = l2.notice_id
             JOIN penalties p ON p.subject = l2.subject AND p.decision_number = ANY (n.related)
             CROSS JOIN LATERAL unnest(p.seqs) s
        WHERE p.revoked_date IS NOT NULL GROUP BY 1, 2) x
  WHERE l.subject = x.subject AND l.id = x.id;

-- The subject indexes: the primary keys above lead with subject; contracts by either party.
CREATE INDEX contracts_payer ON contracts (payer);
CREATE INDEX contracts_payee ON contracts (payee);
CREATE INDEX payments_contract ON payments (contract_id);
)sql";

// The profile as of a date ($2): identity, penalties with their publicity state (the default
// ruleset's maximum terms: minor 3, general 12, serious 36 months; ended early by revocation or
// an approved repair), commitments with their state, contracts as payer or payee with what was
// paid by then, and the listings in force. Each part is one indexed SELECT. By default the five
// are prepared statements sent together in libpq's pipeline mode: one round trip, and about 10%
// more requests/s than --query json (one statement that builds the profile as a JSON document).
// The answers agree with `creditlog profile --json` on the facts above; like a user's SQL, they
// do not derive what creditlog's rules add (watch and red lists, ineligibility, grade, measures).
constexpr const char* kPenaltiesSelect = R"sql(
  SELECT p.decision_number, p.category, p.content, p.agency_name, p.severity, p.decided_date, p.fine_fen,
         x.until AS publicity_until,
         CASE WHEN p.revoked_date <= $2 THEN 'revoked' WHEN p.repaired_date <= $2 THEN 'repaired'
              WHEN x.until > $2 THEN 'in_publicity' ELSE 'expired' END AS state, p.seqs
  FROM penalties p CROSS JOIN LATERAL (SELECT (p.decided_date + CASE p.severity WHEN 'Serious' THEN interval '36 months'
         WHEN 'General' THEN interval '12 months' ELSE interval '3 months' END)::date AS until) x
  WHERE p.subject = $1 AND p.decided_date <= $2)sql";
constexpr const char* kCommitmentsSelect = R"sql(
  SELECT c.id, c.type, c.matter, c.made_date, c.deadline,
         CASE WHEN c.breached_date <= $2 THEN 'breached' WHEN c.verified_date <= $2 THEN 'fulfilled'
              WHEN c.withdrawn_date <= $2 THEN 'withdrawn' WHEN c.deadline < $2 THEN 'overdue'
              ELSE 'open' END AS state, c.false_commitment, c.seqs
  FROM commitments c WHERE c.subject = $1 AND c.made_date <= $2)sql";
constexpr const char* kContractsSelect = R"sql(
  SELECT k.id, CASE WHEN k.payer = $1 THEN 'payer' ELSE 'payee' END AS role, k.payer, k.payee, k.title,
         k.amount_fen, k.due, paid.by_date AS paid_fen,
         CASE WHEN k.due < $2 AND k.amount_fen > paid.by_date THEN k.amount_fen - paid.by_date ELSE 0 END
           AS outstanding_fen,
         CASE WHEN k.due < $2 AND k.amount_fen > paid.by_date THEN $2 - k.due ELSE 0 END AS days_overdue,
         paid.by_due >= k.amount_fen AS paid_on_time,
         k.arrears_recorded <= $2 AND NOT coalesce(k.arrears_cleared <= $2, false) AS in_arrears, k.seqs
  FROM contracts k CROSS JOIN LATERAL (
         SELECT coalesce(sum(amount_fen) FILTER (WHERE paid_date <= $2), 0) AS by_date,
                coalesce(sum(amount_fen) FILTER (WHERE paid_date <= k.due), 0) AS by_due
         FROM payments WHERE contract_id = k.id) paid
  WHERE (k.payer = $1 OR k.payee = $1) AND k.signed_date <= $2)sql";
constexpr const char* kListingsSelect = R"sql(
  SELECT l.list, l.id, l.reason, l.since, l.until, l.seqs FROM listings l
  WHERE l.subject = $1 AND l.since <= $2 AND l.until > $2
    AND (l.corrected_date IS NULL OR l.corrected_date > $2))sql";
constexpr const char* kIdentitySelect = "SELECT s.id, s.name, s.kind, s.division, s.employer, s.seqs FROM subjects s WHERE s.id = $1";

// --query json: one statement, one round trip, the whole profile as one JSON document built by
// the server.
std::string ProfileJsonSql() {
  auto agg = [](const char* select, const char* order) {
    return std::string("(SELECT coalesce(json_agg(t ORDER BY ") + order + "), '[]') FROM (" + select + ") t)";
  };
  return std::string("SELECT json_build_object('subject', $1::text, 'as_of', $2::date, 'identity', ") +
         "(SELECT row_to_json(i) FROM (" + kIdentitySelect + ") i), 'penalties', " +
         agg(kPenaltiesSelect, "t.decided_date, t.decision_number") + ", 'commitments', " +
         agg(kCommitmentsSelect, "t.made_date, t.id") + ", 'contracts', " + agg(kContractsSelect, "t.id") +
         ", 'lists', " + agg(kListingsSelect, "t.since, t.id") + ")::text";
}

struct Pool {
  std::vector<std::string> subjects;
  std::atomic<uint64_t> next{0};
};

// Loads the ledger's events (untimed) and returns the subject of every event but the ledger's own
// administration, sorted: the subjects creditlog's projection knows.
std::vector<std::string> LoadLedger(PGconn* pg, const std::string& dir) {
  auto opened = ledger::Ledger::Open(dir, {.read_only = true});
  if (!opened.ok()) Die(opened.status().ToString());
  const ledger::Ledger& source = **opened;
  Exec(pg, kProfileSchema);
  std::set<std::string> subjects;
  std::string data;
  const uint64_t size = source.size();
  auto flush = [&] {
    if (!data.empty()) CopyIn(pg, "COPY ledger_events FROM STDIN", data);
    data.clear();
  };
  Status status = source.ForEachEntry(0, size, [&](uint64_t seq, ByteView bytes) -> Status {
    ASSIGN_OR_RETURN(ledger::EntryView entry, ledger::ParseEntry(bytes));
    ASSIGN_OR_RETURN(std::string json, events::EventToJson(entry.envelope.event_bytes));
    const fb::Event& event = *entry.envelope.event;
    const std::string subject = event.subject() != nullptr ? event.subject()->str() : "";
    if (!events::IsAdministrative(event.body_type())) subjects.insert(subject);
    data += std::to_string(seq) + '\t' + std::to_string(entry.recorded_at_ms) + '\t';
    AppendCopyText(data, subject);
    data += '\t';
    data += events::EventTypeName(event.body_type());
    data += '\t';
    AppendCopyText(data, json);
    data += '\n';
    if (data.size() > (8 << 20)) flush();
    return Status::Ok();
  });
  if (!status.ok()) Die("reading " + dir + ": " + status.ToString());
  flush();
  const auto start = bench::Clock::now();
  Exec(pg, kProfileFill);
  Exec(pg, "VACUUM ANALYZE");
  std::printf("# profile: %llu entries of %s loaded into subjects %s, penalties %s, commitments %s, contracts %s,"
              " listings %s rows (%.1f s of SQL, untimed)\n",
              static_cast<unsigned long long>(size), dir.c_str(),
              QueryValue(pg, "SELECT count(*) FROM subjects").c_str(),
              QueryValue(pg, "SELECT count(*) FROM penalties").c_str(),
              QueryValue(pg, "SELECT count(*) FROM commitments").c_str(),
              QueryValue(pg, "SELECT count(*) FROM contracts").c_str(),
              QueryValue(pg, "SELECT count(*) FROM listings").c_str(), bench::Seconds(start));
  return {subjects.begin(), subjects.end()};
}

class ProfileClient {
 public:
  ProfileClient(const std::string& conninfo, bool pipeline) : conn_(conninfo), pipeline_(pipeline) {
    if (pipeline_) {
      const char* parts[] = {kIdentitySelect, kPenaltiesSelect, kCommitmentsSelect, kContractsSelect, kListingsSelect};
      const char* orders[] = {"", " ORDER BY p.decided_date, p.decision_number", " ORDER BY c.made_date, c.id",
                              " ORDER BY k.id", " ORDER BY l.since, l.id"};
      for (int i = 0; i < 5; ++i) {
        Check(conn_.pg, PQprepare(conn_.pg, kNames[i], (std::string(parts[i]) + orders[i]).c_str(), 2, kTypes),
              PGRES_COMMAND_OK, kNames[i]);
      }
      if (PQenterPipelineMode(conn_.pg) != 1) Die("entering pipeline mode");
    } else {
      Check(conn_.pg, PQprepare(conn_.pg, "profile", ProfileJsonSql().c_str(), 2, kTypes), PGRES_COMMAND_OK,
            "PREPARE profile");
    }
  }

  // Returns the bytes of the answer (so that nothing is skipped).
  size_t Profile(const std::string& subject, const std::string& as_of) {
    const char* params[] = {subject.c_str(), as_of.c_str()};
    size_t bytes = 0;
    if (!pipeline_) {
      PGresult* r = PQexecPrepared(conn_.pg, "profile", 2, params, nullptr, nullptr, 0);
      if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) Check(conn_.pg, r, PGRES_TUPLES_OK, "profile");
      bytes = static_cast<size_t>(PQgetlength(r, 0, 0));
      PQclear(r);
      return bytes;
    }
    // Five prepared statements sent together, one round trip (libpq pipeline mode).
    for (const char* name : kNames) {
      if (PQsendQueryPrepared(conn_.pg, name, 2, params, nullptr, nullptr, 0) != 1) Die(PQerrorMessage(conn_.pg));
    }
    if (PQpipelineSync(conn_.pg) != 1) Die(PQerrorMessage(conn_.pg));
    for (const char* name : kNames) {
      PGresult* r = PQgetResult(conn_.pg);
      if (PQresultStatus(r) != PGRES_TUPLES_OK) Check(conn_.pg, r, PGRES_TUPLES_OK, name);
      for (int row = 0; row < PQntuples(r); ++row) {
        for (int col = 0; col < PQnfields(r); ++col) bytes += static_cast<size_t>(PQgetlength(r, row, col));
      }
      PQclear(r);
      if (PQgetResult(conn_.pg) != nullptr) Die("pipeline: a statement gave more than one result");
    }
    PGresult* sync = PQgetResult(conn_.pg);
    if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC) Check(conn_.pg, sync, PGRES_PIPELINE_SYNC, "pipeline sync");
    PQclear(sync);
    return bytes;
  }

 private:
  static constexpr const char* kNames[5] = {"identity", "penalties", "commitments", "contracts", "listings"};
  static constexpr Oid kTypes[2] = {25, 1082};  // text, date
  Conn conn_;
  bool pipeline_;
};

void ProfileBenchmark(const std::string& conninfo, const std::string& dir, const std::string& as_of, double seconds,
                      bool pipeline) {
  Pool pool;
  {
    Conn conn(conninfo);
    pool.subjects = LoadLedger(conn.pg, dir);
  }
  if (pool.subjects.empty()) Die(dir + " has no subjects");
  // The pool and order of bench_http's profile figure: every subject, sorted, shuffled by
  // mt19937_64(7), the first 20,000 of them.
  std::shuffle(pool.subjects.begin(), pool.subjects.end(), std::mt19937_64(7));
  if (pool.subjects.size() > 20'000) pool.subjects.resize(20'000);
  std::printf("# profile query: %s, as of %s, %zu subjects (every subject of the ledger) in a random order, %u clients\n",
              pipeline ? "5 prepared SELECTs pipelined in one round trip" : "one prepared statement (one JSON document)",
              as_of.c_str(), pool.subjects.size(), kClients);
  std::fflush(stdout);

  std::vector<std::unique_ptr<ProfileClient>> clients;
  for (unsigned c = 0; c < kClients; ++c) clients.push_back(std::make_unique<ProfileClient>(conninfo, pipeline));
  // Warm-up: every subject once, untimed (plans cached, pages in shared buffers).
  size_t answer_bytes = 0;
  for (const std::string& s : pool.subjects) answer_bytes += clients[0]->Profile(s, as_of);

  std::vector<std::vector<double>> latencies(kClients);
  std::atomic<uint64_t> requests{0};
  const auto start = bench::Clock::now();
  const auto deadline = start + std::chrono::duration_cast<bench::Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (unsigned c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto& mine = latencies[c];
      while (bench::Clock::now() < deadline) {
        const std::string& subject = pool.subjects[pool.next.fetch_add(1) % pool.subjects.size()];
        const auto sent = bench::Clock::now();
        clients[c]->Profile(subject, as_of);
        mine.push_back(bench::Seconds(sent) * 1e3);
      }
      requests += mine.size();
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = bench::Seconds(start);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::printf("# profile: %llu requests in %.2f s; %.0f bytes per answer on average\n",
              static_cast<unsigned long long>(requests.load()), elapsed,
              static_cast<double>(answer_bytes) / static_cast<double>(pool.subjects.size()));
  bench::Result("pg_profile_rps", static_cast<double>(requests.load()) / elapsed, "requests/s");
  bench::Result("pg_profile_p50_ms", bench::Quantile(all, 0.50), "ms");
  bench::Result("pg_profile_p99_ms", bench::Quantile(all, 0.99), "ms");
  std::fflush(stdout);
}

// Today in China Standard Time, as creditlog's commands judge by default.
std::string TodayCst() { return events::DateFromDays((static_cast<int64_t>(std::time(nullptr)) + 8 * 3600) / 86400); }

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: bench_pg [--quick] [--events N] [--seconds S] [--ledger DIR] [--as-of YYYY-MM-DD]\n"
               "                [--ingest copy|insert] [--query json|pipeline] [--no-ingest] [CONNINFO]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  InitCrypto();
  uint64_t events_total = 50'000;
  double seconds = 10;
  std::string ledger_dir, as_of = TodayCst(), conninfo;
  bool use_copy = true, pipeline = true, ingest = true;
  if (const char* env = std::getenv("BENCH_PG_CONNINFO")) conninfo = env;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage();
      return argv[++i];
    };
    if (arg == "--quick") {
      events_total = 10'000;
      seconds = 3;
    } else if (arg == "--events") {
      events_total = std::stoull(value());
    } else if (arg == "--seconds") {
      seconds = std::stod(value());
    } else if (arg == "--ledger") {
      ledger_dir = value();
    } else if (arg == "--as-of") {
      as_of = value();
      if (!events::IsCalendarDate(as_of)) Usage();
    } else if (arg == "--ingest") {
      const std::string v = value();
      if (v != "copy" && v != "insert") Usage();
      use_copy = v == "copy";
    } else if (arg == "--query") {
      const std::string v = value();
      if (v != "json" && v != "pipeline") Usage();
      pipeline = v == "pipeline";
    } else if (arg == "--no-ingest") {
      ingest = false;
    } else if (arg.starts_with("-")) {
      Usage();
    } else {
      conninfo = arg;
    }
  }
  if (events_total == 0 || seconds <= 0) Usage();
  if (ingest) Ingest(conninfo, events_total, use_copy);
  if (!ledger_dir.empty()) {
    ProfileBenchmark(conninfo, ledger_dir, as_of, seconds, pipeline);
  } else {
    std::fprintf(stderr, "bench_pg: no --ledger DIR: the profile benchmark was skipped\n");
  }
  return 0;
}
