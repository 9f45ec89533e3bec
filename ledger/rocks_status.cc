#include "ledger/rocks_status.h"

#include <string>

#include <rocksdb/status.h>

namespace creditlog::ledger {

Status FromRocks(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return Status::Ok();
  std::string message = std::string(what) + ": " +
                        (status.getState() != nullptr ? std::string(status.getState()) : status.ToString());
  if (status.IsCorruption()) return Status::Corruption(message);
  if (status.IsInvalidArgument()) return Status::InvalidArgument(message);
  return Status::IOError(message);
}

}  // namespace creditlog::ledger
