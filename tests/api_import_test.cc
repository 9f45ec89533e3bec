#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "api/tools/import.h"
#include "events/json.h"
#include "events/uscc.h"

using namespace creditlog;
using namespace creditlog::api;

namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("creditlog-import-" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

const std::string kHeader = "决定书文号,行政相对人名称,统一社会信用代码,处罚类别,处罚内容,罚款金额,决定日期,处罚机关,严重程度\n";

}  // namespace

TEST_CASE("CSV rows keep the line they start on, quoted newlines included", "[import]") {
  const std::string path = WriteTemp("lines.csv", "\xEF\xBB\xBF" + kHeader +
      "A1,甲,914403001922038216,罚款,罚款,100,2026-01-01,某局,一般\n"
      "A2,乙,914403001922038216,罚款,\"第一行\n第二行\",200,2026-01-02,某局,一般\n"
      "A3,丙,914403001922038216,罚款,罚款,300,2026-01-03,某局,一般\n");
  auto table = ReadCsv(path);
  REQUIRE(table.ok());
  REQUIRE(table->header[0] == "决定书文号");  // the byte-order mark is gone
  REQUIRE(table->rows.size() == 3);
  REQUIRE(table->rows[0].line == 2);
  REQUIRE(table->rows[1].line == 3);
  REQUIRE(table->rows[1].fields[4] == "第一行\n第二行");
  REQUIRE(table->rows[2].line == 5);
}

TEST_CASE("Malformed CSV and missing columns are rejected with where", "[import]") {
  auto bad = ReadCsv(WriteTemp("bad.csv", kHeader + "A1,\"unterminated,914403001922038216\n"));
  REQUIRE_FALSE(bad.ok());
  REQUIRE_THAT(bad.status().message(), Catch::Contains("bad.csv:"));
  auto table = ReadCsv(WriteTemp("cols.csv", "决定书文号,统一社会信用代码\nA1,914403001922038216\n"));
  REQUIRE(table.ok());
  Status header = CheckHeader(*table, ImportLayout::kPenalties);
  REQUIRE_THAT(header.message(), Catch::Contains("行政相对人名称") && Catch::Contains("决定日期"));
}

TEST_CASE("Yuan amounts convert exactly to fen", "[import]") {
  REQUIRE(*YuanToFen("50000") == 5'000'000);
  REQUIRE(*YuanToFen("5,000.5") == 500'050);
  REQUIRE(*YuanToFen("0.01") == 1);
  for (const char* bad : {"", "-5", "12.345", "1e5", "五千", "12.", ".5x"}) {
    INFO(bad);
    REQUIRE_FALSE(YuanToFen(bad).ok());
  }
}

TEST_CASE("Dates in common Chinese forms normalise, impossible ones do not", "[import]") {
  REQUIRE(*NormaliseDate("2026/3/1") == "2026-03-01");
  REQUIRE(*NormaliseDate("2026年3月1日") == "2026-03-01");
  REQUIRE(*NormaliseDate("2026.03.01") == "2026-03-01");
  for (const char* bad : {"2026-02-30", "2026-13-01", "2026-03-01x", "昨天", ""}) {
    INFO(bad);
    REQUIRE_FALSE(NormaliseDate(bad).ok());
  }
}

TEST_CASE("A penalty row becomes a valid event whose id is derived from the decision number", "[import]") {
  const std::string path = WriteTemp("ok.csv", kHeader + "青市监罚〔2026〕1号,甲,914403001922038216,罚款,罚款五千元,5000,2026/3/1,青岛市市场监督管理局,严重\n");
  auto table = ReadCsv(path);
  REQUIRE(table.ok());
  const std::string agency = events::MakeUscc("11", "370200", "MB1B0001");
  auto event = RowToEvent(*table, table->rows[0], ImportLayout::kPenalties, agency);
  REQUIRE(event.ok());
  REQUIRE((*event)["body"]["fine_fen"] == 500000);
  REQUIRE((*event)["body"]["severity"] == "Serious");
  REQUIRE((*event)["body"]["deciding_agency"] == agency);
  REQUIRE(events::EventFromJson(event->dump()).ok());
  auto again = RowToEvent(*table, table->rows[0], ImportLayout::kPenalties, agency);
  REQUIRE((*again)["event_id"] == (*event)["event_id"]);
  // A wrong severity names the column.
  auto bad = ReadCsv(WriteTemp("sev.csv", kHeader + "X,甲,914403001922038216,罚款,罚款,1,2026-03-01,局,很严重\n"));
  REQUIRE_THAT(RowToEvent(*bad, bad->rows[0], ImportLayout::kPenalties, agency).status().message(),
               Catch::StartsWith("严重程度:"));
}

TEST_CASE("Cells are trimmed of any white space and normalised to NFC before the event is built", "[import]") {
  // Row 1 writes 豈 as U+F900 (a CJK compatibility ideograph) and é as 'e' + U+0301; row 2 as
  // NFC writes them (U+8C48, U+00E9). Spreadsheet spaces surround the name.
  const std::string compatibility = "\xEF\xA4\x80", canonical = "\xE8\xB1\x88";
  const std::string path = WriteTemp("nfc.csv", kHeader +
      "青市监罚〔2026〕" + compatibility + "1号,\xE3\x80\x80" "Cafe\xCC\x81" "公司\xC2\xA0,914403001922038216,罚款,罚款,1,2026-03-01,某局,一般\n"
      "青市监罚〔2026〕" + canonical + "1号,Caf\xC3\xA9公司,914403001922038216,罚款,罚款,1,2026-03-01,某局,一般\n");
  auto table = ReadCsv(path);
  REQUIRE(table.ok());
  const std::string agency = events::MakeUscc("11", "370200", "MB1B0001");
  auto first = RowToEvent(*table, table->rows[0], ImportLayout::kPenalties, agency);
  auto second = RowToEvent(*table, table->rows[1], ImportLayout::kPenalties, agency);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK((*first)["body"]["subject_name"] == "Caf\xC3\xA9公司");
  CHECK((*first)["body"]["decision_number"] == "青市监罚〔2026〕" + canonical + "1号");
  CHECK((*first)["event_id"] == (*second)["event_id"]);  // one record, however it was composed
  CHECK(*first == *second);
  REQUIRE(events::EventFromJson(first->dump()).ok());
}

TEST_CASE("A cell with an invisible or reordering character is refused naming the field", "[import]") {
  const std::string path = WriteTemp("bidi.csv", kHeader +
      "X1,青岛\xE2\x80\xAE蓝海,914403001922038216,罚款,罚款,1,2026-03-01,某局,一般\n");
  auto table = ReadCsv(path);
  REQUIRE(table.ok());
  auto event = RowToEvent(*table, table->rows[0], ImportLayout::kPenalties, events::MakeUscc("11", "370200", "MB1B0001"));
  REQUIRE(event.ok());
  REQUIRE_THAT(events::EventFromJson(event->dump()).status().message(),
               Catch::StartsWith("body.subject_name: character 3 (U+202E RIGHT-TO-LEFT OVERRIDE)"));
}

TEST_CASE("Every row of the example CSV files becomes a valid event", "[import]") {
  const std::filesystem::path examples = std::filesystem::path(CREDITLOG_SOURCE_DIR) / "events/examples";
  const std::string agency = events::MakeUscc("11", "370200", "MB1B0001");
  size_t rows = 0;
  for (const auto& [file, layout] : {std::pair{"penalties.csv", ImportLayout::kPenalties},
                                     std::pair{"commitments.csv", ImportLayout::kCommitments}}) {
    auto table = ReadCsv((examples / file).string());
    REQUIRE(table.ok());
    REQUIRE(CheckHeader(*table, layout).ok());
    for (const CsvRow& row : table->rows) {
      INFO(file << ":" << row.line);
      auto event = RowToEvent(*table, row, layout, agency);
      REQUIRE(event.ok());
      auto bytes = events::EventFromJson(event->dump());
      INFO(bytes.status().message());
      REQUIRE(bytes.ok());
      ++rows;
    }
  }
  REQUIRE(rows >= 4);
}
