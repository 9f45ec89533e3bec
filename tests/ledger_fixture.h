// A real ledger in a temporary directory, with a root key, a checkpoint key and one
// registered agency key for Qingdao (jurisdiction 3702).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <rocksdb/db.h>

#include "crypto/ed25519.h"
#include "events/json.h"
#include "events/uscc.h"
#include "ledger/ledger.h"
#include "temp_dir.h"

namespace creditlog::testing {


// The database of a closed ledger opened with RocksDB itself, as an attacker with the disk (or
// a repair tool) would. Removes DIR/db-sealed first, as an attacker who knows of it would:
// what such a test shows is caught by the other checks.
inline std::unique_ptr<rocksdb::DB> OpenRawDatabase(const std::string& dir) {
  std::filesystem::remove(dir + "/db-sealed");
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::Options(), dir + "/db", &raw);
  if (!s.ok()) throw std::runtime_error("raw open: " + s.ToString());
  return std::unique_ptr<rocksdb::DB>(raw);
}

inline std::string Uscc(const std::string& division, int n) {
  std::string body = "MA";
  for (int i = 0; i < 6; ++i, n /= 31) body.push_back(events::kUsccAlphabet[n % 31]);
  return events::MakeUscc("91", division, body);
}

inline nlohmann::json RatingEvent(const std::string& id, const std::string& subject, int64_t expected_version = -1) {
  return {{"event_id", id},
          {"subject", subject},
          {"expected_version", expected_version},
          {"body_type", "ServiceRated"},
          {"body", {{"rating_id", id}, {"rating", 4}, {"matter", "食品经营许可"}, {"rated_date", "2026-03-01"}}}};
}

inline Bytes Sign(const nlohmann::json& event, const KeyPair& key, const std::string& origin) {
  auto bytes = events::EventFromJson(event.dump());
  if (!bytes.ok()) throw std::runtime_error(bytes.status().ToString());
  return events::SignEnvelope(*bytes, key.secret_key, origin);
}

inline nlohmann::json KeyJson(const PublicKey& key) { return Bytes(key.begin(), key.end()); }

// The agency of the fixture's agency keys (event ids are scoped to it).
inline std::string AgencyUscc() { return events::MakeUscc("11", "370200", "MB1B0002"); }

inline nlohmann::json RegisterEvent(const std::string& id, const PublicKey& key, const std::string& jurisdiction,
                                    std::vector<std::string> types, const std::string& agency_uscc = AgencyUscc()) {
  return {{"event_id", id},
          {"subject", ""},
          {"body_type", "AgencyKeyRegistered"},
          {"body",
           {{"agency_uscc", agency_uscc},
            {"agency_name", "青岛市行政审批服务局"},
            {"key_name", id},
            {"public_key", KeyJson(key)},
            {"permitted_types", types},
            {"jurisdiction", jurisdiction}}}};
}

struct LedgerFixture {
  static constexpr const char* kOrigin = "test.creditlog.example/log";

  LedgerFixture() {
    InitCrypto();
    Create();
  }

  void Create() {
    ledger::GenesisParams params{kOrigin, "test", events::MakeUscc("11", "370200", "MB1A2B3C"), "青岛市信用办",
                                 "2026-01-01"};
    auto created = ledger::Ledger::Create(dir.path(), params, root, ledger_key.public_key);
    if (!created.ok()) throw std::runtime_error(created.status().ToString());
    ledger = std::move(*created);
    if (!ledger->SetCheckpointKey(ledger_key.secret_key).ok()) throw std::runtime_error("checkpoint key");
    AttachPersonalKeys();
    auto registered = ledger->Append(Sign(RegisterEvent("agency-1", agency.public_key, "3702", {"ServiceRated", "CommitmentMade"}),
                                          root, kOrigin));
    if (!registered.ok()) throw std::runtime_error(registered.status().ToString());
  }

  void Reopen() {
    ledger.reset();
    auto opened = ledger::Ledger::Open(dir.path());
    if (!opened.ok()) throw std::runtime_error(opened.status().ToString());
    ledger = std::move(*opened);
    if (!ledger->SetCheckpointKey(ledger_key.secret_key).ok()) throw std::runtime_error("checkpoint key");
    AttachPersonalKeys();
  }

  // DIR/personal-keys, as a data directory's writer has it (ledger/personal_keys.h).
  void AttachPersonalKeys() {
    personal_keys.reset();  // one RocksDB instance per store: close the last one first
    auto keys = ledger::PersonalKeys::Open(dir.path(), ledger_key.secret_key);
    if (!keys.ok()) throw std::runtime_error(keys.status().ToString());
    personal_keys = *keys;
    ledger->SetPersonalKeys(personal_keys);
  }

  Result<ledger::AppendResult> Rate(const std::string& id, const std::string& subject, int64_t expected = -1) {
    return ledger->Append(Sign(RatingEvent(id, subject, expected), agency, kOrigin));
  }

  TempDir dir;
  KeyPair root = GenerateKeyPair();
  KeyPair ledger_key = GenerateKeyPair();
  KeyPair agency = GenerateKeyPair();
  std::unique_ptr<ledger::Ledger> ledger;
  std::shared_ptr<ledger::PersonalKeys> personal_keys;
};

}  // namespace creditlog::testing
