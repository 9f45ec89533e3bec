// The layout of a data directory:
//   DIR/db/                 the RocksDB ledger
//   DIR/keys/ledger.key     the ledger's checkpoint-signing key (encrypted)
//   DIR/keys/root.key       the credit office's root key (encrypted; keep it offline in production)
//   DIR/keys/agencies/*.key agency keys created by `demo` or `keys generate --data`
//   DIR/access/             the access log, a ledger of its own (api/access_log.h)
//   DIR/personal-keys/      the personal key store (ledger/personal_keys.h); back it up apart
//   DIR/projection.snapshot the folded projection, read instead of folding the whole log
//                           (projections/snapshot.h); a cache: deleting it costs one fold
//   DIR/list-changes.json   a cluster node's: how far every list change it found was published
//                           (api/cluster/list_publisher.h); deleting it costs one fold
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "crypto/key_file.h"
#include "ledger/ledger.h"
#include "projections/snapshot.h"

namespace creditlog::api {

std::string KeysDir(const std::string& data);
std::string LedgerKeyPath(const std::string& data);
std::string RootKeyPath(const std::string& data);
std::string AgencyKeyPath(const std::string& data, const std::string& name);
std::string ProjectionSnapshotPath(const std::string& data);
std::string ListChangesWatermarkPath(const std::string& data);

// Says (Notice, api/log.h) why the projection snapshot was not used, when one was refused.
void NoteFoldStart(const projections::FoldStart& start);

Result<NamedKeyPair> LoadKey(const std::string& path, std::string_view passphrase);
Status SaveKey(const std::string& path, const NamedKeyPair& key, std::string_view passphrase);

// Opens the ledger for appending, with its checkpoint key unlocked and every new event
// checked against the log before it (projections/admission.h), whose fold starts from the
// projection snapshot when it is usable.
// `guarded` false: for a command that appends nothing (publishing a checkpoint), which need
// not fold the log. Unavailable, naming the process, when another process holds the ledger
// (a running `creditlog serve`): one writer at a time, by RocksDB's lock on DIR/db/LOCK.
Result<std::unique_ptr<ledger::Ledger>> OpenForWriting(const std::string& data, std::string_view passphrase,
                                                       bool guarded = true);

// The process holding a data directory's ledger open for writing.
struct LedgerHolder {
  long pid = 0;
  std::string program;  // "creditlog serve" for a server; "" when /proc does not say
  std::string url;      // a server's address from its --listen, "http://HOST:PORT"; "" when unknown
};
// Who holds DIR/db/LOCK, when another process does.
std::optional<LedgerHolder> FindLedgerHolder(const std::string& data);

// `status` (OpenForWriting's) with what to run instead while another process holds the
// ledger: `instead`, e.g. "to record while it runs, use: creditlog record --server URL …",
// with URL replaced by the server's address when its command line tells it. Other statuses
// are returned as they are.
Status WhileServed(const Status& status, const std::string& data, const std::string& instead);
Result<std::unique_ptr<ledger::Ledger>> OpenForReading(const std::string& data);

// DIR/personal-keys (ledger/personal_keys.h) for a command that reads: opened read-only beside
// a running server when $CREDITLOG_PASSPHRASE unlocks the ledger key; null otherwise, and then
// sealed personal fields are shown as （已加密）. It never prompts.
std::shared_ptr<ledger::PersonalKeys> PersonalKeysForReading(const std::string& data);

}  // namespace creditlog::api
