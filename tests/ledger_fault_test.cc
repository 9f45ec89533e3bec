// Storage faults: a RocksDB FileSystem that fails writes or syncs on demand. A failed commit
// stops the writer, acknowledges nothing, refuses everything after it; reopening recovers a
// ledger that audits clean and takes appends again.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "ledger/audit.h"
#include "ledger_fixture.h"

using namespace creditlog;
using creditlog::testing::LedgerFixture;
using creditlog::testing::RatingEvent;
using creditlog::testing::Sign;
using creditlog::testing::Uscc;

namespace {

struct Faults {
  std::atomic<bool> fail_sync{false};
  std::atomic<bool> fail_append{false};
  // When positive: counts write and sync operations down, and from the one that reaches zero
  // on every operation fails (a disk that has died).
  std::atomic<int64_t> countdown{0};
  std::atomic<int> injected{0};

  bool Fail(bool sync) {
    if (sync ? fail_sync.load() : fail_append.load()) return true;
    if (countdown.load() <= 0) return false;
    if (countdown.fetch_sub(1) <= 1) {
      fail_sync = fail_append = true;
      return true;
    }
    return false;
  }
};

class FaultyFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyFile(std::unique_ptr<rocksdb::FSWritableFile> file, Faults* faults)
      : FSWritableFileOwnerWrapper(std::move(file)), faults_(faults) {}
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (faults_->Fail(false)) return Inject("append");
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    if (faults_->Fail(false)) return Inject("append");
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (faults_->Fail(true)) return Inject("sync");
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (faults_->Fail(true)) return Inject("fsync");
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  rocksdb::IOStatus Inject(const char* what) {
    ++faults_->injected;
    return rocksdb::IOStatus::IOError(std::string("injected ") + what + " failure");
  }
  Faults* faults_;
};

class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base, Faults* faults) : FileSystemWrapper(base), faults_(faults) {}
  const char* Name() const override { return "FaultyFileSystem"; }
  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, &file, dbg);
    if (s.ok()) *result = std::make_unique<FaultyFile>(std::move(file), faults_);
    return s;
  }

 private:
  Faults* faults_;
};

// Reopens the fixture's ledger on a FaultyFileSystem; the Env lives as long as this does.
struct FaultyDisk {
  FaultyDisk(LedgerFixture& f, Faults* faults)
      : env(rocksdb::NewCompositeEnv(std::make_shared<FaultyFileSystem>(rocksdb::FileSystem::Default(), faults))) {
    f.ledger.reset();
    auto opened = ledger::Ledger::Open(f.dir.path(), {.env = env.get()});
    REQUIRE(opened.ok());
    f.ledger = std::move(*opened);
    REQUIRE(f.ledger->SetCheckpointKey(f.ledger_key.secret_key).ok());
  }
  std::unique_ptr<rocksdb::Env> env;
};

}  // namespace

TEST_CASE("a failing sync or write stops the writer, acknowledges nothing, and reopening recovers", "[ledger][faults]") {
  const bool fail_sync = GENERATE(true, false);
  LedgerFixture f;
  Faults faults;
  FaultyDisk disk(f, &faults);
  for (int i = 0; i < 5; ++i) REQUIRE(f.Rate("before-" + std::to_string(i), Uscc("370202", i)).ok());
  const uint64_t acknowledged = f.ledger->size();

  (fail_sync ? faults.fail_sync : faults.fail_append) = true;
  auto failed = f.Rate("during", Uscc("370202", 10));
  CHECK(failed.status().code() == StatusCode::kIOError);
  CHECK(faults.injected > 0);
  // The writer has stopped: nothing more is taken, even once the disk is healthy again.
  faults.fail_sync = false;
  faults.fail_append = false;
  auto after = f.Rate("after", Uscc("370202", 11));
  CHECK(after.status().code() == StatusCode::kUnavailable);
  CHECK(f.ledger->size() == acknowledged);

  // Start-up recovers: the acknowledged events are there, the audit holds, appends work.
  f.ledger.reset();
  f.Reopen();
  CHECK(f.ledger->size() >= acknowledged);
  for (int i = 0; i < 5; ++i) {
    auto found = f.ledger->FindEventId(testing::AgencyUscc(), "before-" + std::to_string(i));
    REQUIRE(found.ok());
    CHECK(found->has_value());
  }
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  auto audit = ledger::AuditLedger(*f.ledger);
  INFO(audit.status().ToString());
  CHECK(audit.ok());
  CHECK(f.Rate("recovered", Uscc("370202", 12)).ok());
}

// The sweep: the disk dies at the k-th write or sync, for every k over a run of concurrent
// appends and checkpoints. Whatever k, every acknowledged event is there after reopening, at
// its acknowledged seq, and the audit holds.
TEST_CASE("the disk dying at any write or sync loses no acknowledged event", "[ledger][faults]") {
  constexpr int kFaultPoints = 60;
  constexpr int kThreads = 4;
  constexpr int kEventsPerThread = 12;
  int injected_total = 0, runs_with_failure = 0;
  for (int k = 1; k <= kFaultPoints; ++k) {
    INFO("failing from operation " << k);
    LedgerFixture f;
    Faults faults;
    FaultyDisk disk(f, &faults);
    faults.countdown = k;

    std::mutex mu;
    std::vector<std::pair<std::string, uint64_t>> acknowledged;
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEventsPerThread; ++i) {
          const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
          auto r = f.Rate(id, Uscc("370202", t * 100 + i));
          if (r.ok()) {
            std::lock_guard lock(mu);
            acknowledged.emplace_back(id, r->seq);
          } else {
            ++refused;
          }
          if (t == 0 && i % 4 == 3) (void)f.ledger->PublishCheckpoint();
        }
      });
    }
    for (auto& thread : threads) thread.join();
    injected_total += faults.injected;
    if (refused > 0) ++runs_with_failure;

    f.ledger.reset();
    f.Reopen();
    for (const auto& [id, seq] : acknowledged) {
      auto found = f.ledger->FindEventId(testing::AgencyUscc(), id);
      REQUIRE(found.ok());
      REQUIRE(found->has_value());
      CHECK(**found == seq);
    }
    REQUIRE(f.ledger->PublishCheckpoint().ok());
    auto audit = ledger::AuditLedger(*f.ledger);
    INFO(audit.status().ToString());
    CHECK(audit.ok());
    CHECK(f.Rate("recovered", Uscc("370202", 999)).ok());
  }
  // Most fault points fell inside the workload, so the sweep is not vacuous.
  CHECK(runs_with_failure >= kFaultPoints / 2);
  WARN("fault points " << kFaultPoints << ", runs that failed mid-workload " << runs_with_failure << ", faults injected "
                       << injected_total);
}
