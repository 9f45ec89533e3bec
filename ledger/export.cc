#include "ledger/export.h"

#include <charconv>

#include "base/file.h"
#include "crypto/note.h"

namespace creditlog::ledger {
namespace {

void AppendRecord(std::string* out, char type, std::string_view payload) {
  out->push_back(type);
  const uint32_t n = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(n >> shift));
  out->append(payload);
}

// An export holds nothing secret (entries and checkpoints are public to auditors).
constexpr int kExportFileMode = 0644;

Result<uint64_t> ParseCount(std::string_view text, std::string_view what) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Status::Corruption("export header: " + std::string(what) + " is not a number");
  }
  return value;
}

}  // namespace

Result<ExportHeader> WriteExport(const Ledger& ledger, const std::string& path,
                                 const std::function<void(uint64_t, uint64_t)>& progress) {
  ASSIGN_OR_RETURN(auto checkpoints, ledger.Checkpoints());
  if (checkpoints.empty()) return Status::NotFound("no checkpoint has been published yet; nothing to export");
  ExportHeader header;
  header.origin = ledger.origin();
  header.verifier_key = ledger.VerifierKey();
  header.entries = checkpoints.back().first;
  header.checkpoints = checkpoints.size();
  // Written in pieces and made durable at the end: a crash or an error leaves `path` as it was.
  ASSIGN_OR_RETURN(DurableFileWriter file, DurableFileWriter::Create(path, kExportFileMode));
  std::string buffer(kExportMagic);
  AppendRecord(&buffer, kExportHeader,
               header.origin + "\n" + header.verifier_key + "\n" + std::to_string(header.entries) + "\n" +
                   std::to_string(header.checkpoints) + "\n");
  for (const auto& [size, note] : checkpoints) AppendRecord(&buffer, kExportCheckpoint, note);
  constexpr size_t kFlushBytes = 1 << 20;
  NodeReader nodes = ledger.Nodes();  // the stored leaf hashes, a tile read per 256 entries
  RETURN_IF_ERROR(ledger.ForEachEntry(0, header.entries, [&](uint64_t seq, ByteView bytes) -> Status {
    ASSIGN_OR_RETURN(Hash leaf, nodes(0, seq));
    std::string payload(AsString(bytes));
    payload.append(reinterpret_cast<const char*>(leaf.data()), leaf.size());
    AppendRecord(&buffer, kExportEntry, payload);
    if (buffer.size() >= kFlushBytes) {
      RETURN_IF_ERROR(file.Append(buffer));
      buffer.clear();
      if (progress) progress(seq + 1, header.entries);
    }
    return Status::Ok();
  }));
  AppendRecord(&buffer, kExportEnd, "end\n");
  RETURN_IF_ERROR(file.Append(buffer));
  RETURN_IF_ERROR(file.Commit());
  if (progress) progress(header.entries, header.entries);
  return header;
}

Result<std::pair<char, std::string>> ExportReader::NextRecord(const std::string& where) {
  char head[5];
  if (!in_.read(head, 5)) return Status::Corruption(where + ": the export ends here (truncated)");
  uint32_t n = 0;
  for (int i = 1; i < 5; ++i) n = (n << 8) | static_cast<uint8_t>(head[i]);
  if (n > kExportRecordBytesMax) return Status::Corruption(where + ": record length " + std::to_string(n) + " is too large");
  std::string payload(n, '\0');
  if (!in_.read(payload.data(), n)) return Status::Corruption(where + ": the export ends inside this record (truncated)");
  return std::make_pair(head[0], std::move(payload));
}

Result<ExportReader> ExportReader::Open(const std::string& path) {
  ExportReader reader;
  reader.in_.open(path, std::ios::binary);
  if (!reader.in_) return Status::NotFound("cannot open export " + path);
  std::string magic(kExportMagic.size(), '\0');
  if (!reader.in_.read(magic.data(), magic.size()) || magic != kExportMagic) {
    return Status::Corruption("not a creditlog export (bad magic line)");
  }
  ASSIGN_OR_RETURN(auto header, reader.NextRecord("export header"));
  if (header.first != kExportHeader) return Status::Corruption("export header: wrong record type");
  std::vector<std::string_view> lines;
  std::string_view rest = header.second;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return Status::Corruption("export header: unterminated line");
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() != 4) return Status::Corruption("export header: expected 4 lines");
  reader.header_.origin = std::string(lines[0]);
  reader.header_.verifier_key = std::string(lines[1]);
  ASSIGN_OR_RETURN(reader.header_.entries, ParseCount(lines[2], "entry count"));
  ASSIGN_OR_RETURN(reader.header_.checkpoints, ParseCount(lines[3], "checkpoint count"));
  for (uint64_t i = 0; i < reader.header_.checkpoints; ++i) {
    ASSIGN_OR_RETURN(auto record, reader.NextRecord("checkpoint #" + std::to_string(i)));
    if (record.first != kExportCheckpoint) return Status::Corruption("checkpoint #" + std::to_string(i) + ": wrong record type");
    reader.checkpoints_.push_back(std::move(record.second));
  }
  return reader;
}

Status ExportReader::NextEntry(uint64_t seq, Bytes* entry, Hash* leaf_hash) {
  ASSIGN_OR_RETURN(auto record, NextRecord("entry"));
  if (record.first != kExportEntry) return Status::Corruption("wrong record type in the export");
  if (record.second.size() < kHashSize) return Status::Corruption("entry record too short");
  const size_t n = record.second.size() - kHashSize;
  entry->assign(record.second.begin(), record.second.begin() + static_cast<std::ptrdiff_t>(n));
  std::copy(record.second.begin() + static_cast<std::ptrdiff_t>(n), record.second.end(), leaf_hash->begin());
  (void)seq;
  return Status::Ok();
}

Status ExportReader::ReadEnd() {
  ASSIGN_OR_RETURN(auto record, NextRecord("end of export"));
  if (record.first != kExportEnd || record.second != "end\n") return Status::Corruption("end of export: bad end record");
  char extra;
  if (in_.read(&extra, 1)) return Status::Corruption("end of export: trailing bytes after the end record");
  return Status::Ok();
}

}  // namespace creditlog::ledger
