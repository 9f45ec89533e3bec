// The export file: everything an auditor needs to check a ledger offline, in one file.
//
//   "creditlog-export-v1\n"
//   record*    where record = type (1 byte) || length (4 bytes, big-endian) || payload
//     'H' header      origin "\n" verifier key "\n" entry count "\n" checkpoint count "\n"
//     'C' checkpoint  a signed checkpoint note (all stored checkpoints, by size)
//     'E' entry       entry bytes || 32-byte stored leaf hash   (seq 0, 1, 2, ... in order)
//     'Z' end         "end\n"
// Every byte is checked on reading: framing, counts, entries (see audit.h).
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace creditlog::ledger {

inline constexpr std::string_view kExportMagic = "creditlog-export-v1\n";
inline constexpr uint32_t kExportRecordBytesMax = 1 << 20;
inline constexpr char kExportHeader = 'H';
inline constexpr char kExportCheckpoint = 'C';
inline constexpr char kExportEntry = 'E';
inline constexpr char kExportEnd = 'Z';

struct ExportHeader {
  std::string origin;
  std::string verifier_key;
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
};

// Writes the ledger up to its latest checkpoint (so that every entry is covered by a signed
// root) to `path` durably. NotFound if no checkpoint has been published.
Result<ExportHeader> WriteExport(const Ledger& ledger, const std::string& path,
                                 const std::function<void(uint64_t, uint64_t)>& progress = {});

// Streams an export: header, then each checkpoint, then each entry with its stored leaf hash.
class ExportReader {
 public:
  static Result<ExportReader> Open(const std::string& path);
  const ExportHeader& header() const { return header_; }
  const std::vector<std::string>& checkpoints() const { return checkpoints_; }
  // Reads entry `seq` (the next in order). Corruption naming seq if framing is wrong.
  Status NextEntry(uint64_t seq, Bytes* entry, Hash* leaf_hash);
  Status ReadEnd();

 private:
  Result<std::pair<char, std::string>> NextRecord(const std::string& where);
  std::ifstream in_;
  ExportHeader header_;
  std::vector<std::string> checkpoints_;
};

}  // namespace creditlog::ledger
