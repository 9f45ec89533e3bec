// Bulk import of existing records from CSV: administrative penalties in the 双公示 layout and
// credit commitments. Each row becomes an event signed by the importing agency; its event id
// is derived from the source record, so a re-run after a failure adds nothing twice.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/tools/csv_table.h"

namespace creditlog::api {

enum class ImportLayout { kPenalties, kCommitments };

// The columns each layout requires; the others it understands are optional.
const std::vector<std::string>& RequiredColumns(ImportLayout layout);

// The optional column naming the agency of a row (处罚机关统一社会信用代码, 受理机关统一社会信用代码);
// a row without it is the importing agency's own.
std::string AgencyColumn(ImportLayout layout);

// Checks that the header has every required column; InvalidArgument naming those missing.
Status CheckHeader(const CsvTable& table, ImportLayout layout);

// One row as event JSON (before validation). `agency_uscc` is the importing agency's USCC,
// used where the row does not name its own. InvalidArgument naming the column.
Result<nlohmann::json> RowToEvent(const CsvTable& table, const CsvRow& row, ImportLayout layout,
                                  const std::string& agency_uscc);

// The SubjectRegistered event that registers the subject of `event` (RowToEvent's) from the
// row: its name (penalties: 行政相对人名称; commitments: the optional 主体名称 column) and the
// kind its code's registration authority gives (91 企业, 92 个体工商户, 1x 机关/事业单位, 5x
// 社会组织). nullopt when the row names no subject name.
std::optional<nlohmann::json> RegistrationFromRow(const CsvTable& table, const CsvRow& row, ImportLayout layout,
                                                  const nlohmann::json& event);

// "50000", "50000.5", "50,000.00" (yuan) → fen. InvalidArgument otherwise.
Result<int64_t> YuanToFen(std::string_view text);
// "2026-03-01", "2026/3/1", "2026年3月1日" → "2026-03-01". InvalidArgument otherwise.
Result<std::string> NormaliseDate(std::string_view text);

}  // namespace creditlog::api
