#include "api/tools/csv_table.h"

#include <csv.h>

#include <fstream>

namespace creditlog::api {
namespace {

struct Collector {
  std::vector<CsvRow>* rows;
  CsvRow current;
  size_t line = 1;            // the line being fed
  size_t next_row_line = 1;   // where the next row starts
  bool too_many_fields = false;
};

void OnField(void* data, size_t size, void* context) {
  auto* c = static_cast<Collector*>(context);
  if (c->current.fields.empty()) c->current.line = c->next_row_line;
  if (c->current.fields.size() >= kCsvFieldsMax) {
    c->too_many_fields = true;
    return;
  }
  c->current.fields.emplace_back(static_cast<const char*>(data), size);
}

void OnRow(int, void* context) {
  auto* c = static_cast<Collector*>(context);
  if (c->current.fields.empty()) c->current.line = c->next_row_line;
  c->rows->push_back(std::move(c->current));
  c->current = CsvRow{};
  c->next_row_line = c->line + 1;
}

}  // namespace

Result<CsvTable> ReadCsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::vector<CsvRow> rows;
  Collector collector{&rows, {}, 1, 1, false};
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) return Status::ResourceExhausted("csv_init failed");
  std::string line;
  size_t bytes = 0;
  Status status;
  for (; std::getline(in, line); ++collector.line) {
    if (collector.line == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
    bytes += line.size() + 1;
    if (bytes > kCsvFileBytesMax) {
      status = Status::InvalidArgument(path + ": larger than " + std::to_string(kCsvFileBytesMax) + " bytes");
      break;
    }
    line.push_back('\n');
    if (csv_parse(&parser, line.data(), line.size(), OnField, OnRow, &collector) != line.size()) {
      status = Status::InvalidArgument(path + ":" + std::to_string(collector.line) + ": " +
                                       csv_strerror(csv_error(&parser)));
      break;
    }
  }
  if (status.ok() && csv_fini(&parser, OnField, OnRow, &collector) != 0) {
    status = Status::InvalidArgument(path + ":" + std::to_string(collector.line - 1) + ": " + csv_strerror(csv_error(&parser)));
  }
  csv_free(&parser);
  RETURN_IF_ERROR(status);
  if (collector.too_many_fields) return Status::InvalidArgument(path + ": a row has more than " + std::to_string(kCsvFieldsMax) + " fields");
  if (rows.empty()) return Status::InvalidArgument(path + ": empty file (a header row is required)");
  CsvTable table;
  table.header = rows.front().fields;
  for (size_t i = 0; i < table.header.size(); ++i) table.columns[table.header[i]] = i;
  table.rows.assign(std::make_move_iterator(rows.begin() + 1), std::make_move_iterator(rows.end()));
  return table;
}

}  // namespace creditlog::api
