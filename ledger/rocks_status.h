// Internal to the ledger: RocksDB's statuses in creditlog's vocabulary (base/status.h).
#pragma once

#include <string_view>

#include "base/status.h"

namespace rocksdb {
class Status;
}  // namespace rocksdb

namespace creditlog::ledger {

// OK for OK; Corruption for RocksDB's corruption (checksums, a damaged log or table file);
// InvalidArgument for its invalid argument; IOError for everything else. The message is
// `what: ` and RocksDB's own message, without RocksDB's code name.
Status FromRocks(const rocksdb::Status& status, std::string_view what);

}  // namespace creditlog::ledger
