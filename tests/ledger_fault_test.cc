// Storage faults: a RocksDB FileSystem that fails writes or syncs on demand. A failed commit
// stops the writer, acknowledges nothing, refuses everything after it; reopening recovers a
// ledger that audits clean and takes appends again.
#include <atomic>

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
  std::atomic<int> injected{0};
};

class FaultyFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyFile(std::unique_ptr<rocksdb::FSWritableFile> file, Faults* faults)
      : FSWritableFileOwnerWrapper(std::move(file)), faults_(faults) {}
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (faults_->fail_append) return Inject("append");
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    if (faults_->fail_append) return Inject("append");
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (faults_->fail_sync) return Inject("sync");
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (faults_->fail_sync) return Inject("fsync");
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

}  // namespace

TEST_CASE("a failing sync or write stops the writer, acknowledges nothing, and reopening recovers", "[ledger][faults]") {
  const bool fail_sync = GENERATE(true, false);
  LedgerFixture f;
  Faults faults;
  auto fs = std::make_shared<FaultyFileSystem>(rocksdb::FileSystem::Default(), &faults);
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  f.ledger.reset();
  auto opened = ledger::Ledger::Open(f.dir.path(), {.env = env.get()});
  REQUIRE(opened.ok());
  f.ledger = std::move(*opened);
  REQUIRE(f.ledger->SetCheckpointKey(f.ledger_key.secret_key).ok());
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
    auto found = f.ledger->FindEventId("before-" + std::to_string(i));
    REQUIRE(found.ok());
    CHECK(found->has_value());
  }
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  auto audit = ledger::AuditLedger(*f.ledger);
  INFO(audit.status().ToString());
  CHECK(audit.ok());
  CHECK(f.Rate("recovered", Uscc("370202", 12)).ok());
}
