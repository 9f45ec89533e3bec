// A CSV file as rows of fields with the line each row starts on (libcsv does the parsing).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace creditlog::api {

inline constexpr size_t kCsvFileBytesMax = 1024u * 1024u * 1024u;
inline constexpr size_t kCsvFieldsMax = 256;

struct CsvRow {
  size_t line = 0;  // 1-based line where the row starts
  std::vector<std::string> fields;
};

struct CsvTable {
  std::vector<std::string> header;
  std::map<std::string, size_t> columns;  // header name → index
  std::vector<CsvRow> rows;
};

// Reads a UTF-8 CSV file (RFC 4180; a UTF-8 byte-order mark is skipped) whose first row is a
// header. InvalidArgument naming the line for malformed CSV.
Result<CsvTable> ReadCsv(const std::string& path);

}  // namespace creditlog::api
