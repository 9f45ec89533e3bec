// Internal to the ledger: the seal, DIR/db-sealed (ledger/format.h, kSealFile).
//
// RocksDB's checksums cover every byte of its table files but not CURRENT, IDENTITY, the
// MANIFEST or the write-ahead logs: a byte flipped in those while the ledger is closed could be
// read by RocksDB as a write torn by a crash and dropped without a word. A clean close writes
// the SHA-256 of each of them; the next opening checks them; a writer removes the seal before
// RocksDB rewrites those files. After a crash there is no seal, and recovery and the checkpoint
// record (DIR/checkpoint) are what check the database.
#pragma once

#include <string>

#include "base/status.h"

namespace creditlog::ledger {

// Writes DIR/db-sealed for the closed database in DIR/db, durably.
Status Seal(const std::string& dir);

// Checks DIR/db against DIR/db-sealed, if there is one: Corruption naming the first file that
// changed or went missing. A reader racing with a writer that removes the seal (Unseal) finds
// it gone and does not hold the writer's changes against it.
Status CheckSeal(const std::string& dir);

// Removes DIR/db-sealed, durably: before a writer opens the database.
Status Unseal(const std::string& dir);

}  // namespace creditlog::ledger
