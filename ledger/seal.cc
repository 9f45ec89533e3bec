#include "ledger/seal.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <vector>

#include "base/file.h"
#include "crypto/bytes.h"
#include "crypto/sha256.h"
#include "ledger/format.h"

namespace creditlog::ledger {
namespace {

// RocksDB's files that the seal covers: everything it reads whose bytes no checksum of its own
// covers whole. (Table files carry block and whole-file checksums; OPTIONS and LOG are not read.)
bool Sealed(const std::string& name) {
  return name == "CURRENT" || name == "IDENTITY" || name.starts_with("MANIFEST-") || name.ends_with(".log");
}

std::string SealLine(const std::string& name, const Hash& hash) { return HexEncode(hash) + "  " + name + "\n"; }

Hash HashOf(const std::string& bytes) {
  return Sha256(ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

std::string SealPath(const std::string& dir) { return dir + "/" + std::string(kSealFile); }

}  // namespace

Status Seal(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& file : std::filesystem::directory_iterator(dir + "/db")) {
    if (file.is_regular_file() && Sealed(file.path().filename().string())) names.push_back(file.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  std::string text;
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(std::string bytes, ReadSmallFile(dir + "/db/" + name, kSealedFileBytesMax));
    text += SealLine(name, HashOf(bytes));
  }
  return WriteFileDurably(SealPath(dir), text, 0600);
}

Status CheckSeal(const std::string& dir) {
  const std::string path = SealPath(dir);
  auto text = ReadSmallFile(path, kSealBytesMax);
  if (!text.ok()) return text.status().code() == StatusCode::kNotFound ? Status::Ok() : text.status();
  std::string_view rest = *text;
  // Bounded: each line is consumed, and the seal has at most kSealBytesMax bytes.
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    const size_t gap = line.find("  ");
    if (gap == std::string_view::npos || line.substr(gap + 2).find('/') != std::string_view::npos) {
      return Status::Corruption(path + ": malformed line '" + std::string(line) + "'");
    }
    const std::string name(line.substr(gap + 2));
    auto bytes = ReadSmallFile(dir + "/db/" + name, kSealedFileBytesMax);
    const bool same = bytes.ok() && SealLine(name, HashOf(*bytes)) == std::string(line) + "\n";
    if (!same && std::filesystem::exists(path)) {
      return Status::Corruption("db/" + name + (bytes.ok() ? " has changed" : " is missing") +
                                " since the ledger was closed (" + path + " holds its SHA-256)");
    }
  }
  return Status::Ok();
}

Status Unseal(const std::string& dir) {
  const std::string path = SealPath(dir);
  if (::unlink(path.c_str()) != 0) return errno == ENOENT ? Status::Ok() : Status::IOError("cannot remove " + path);
  return SyncDirectory(dir);
}

}  // namespace creditlog::ledger
