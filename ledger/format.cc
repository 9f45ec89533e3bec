#include "ledger/format.h"

#include "base/check.h"

namespace creditlog::ledger {

void AppendBigEndian64(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

uint64_t ReadBigEndian64(std::string_view bytes) {
  CREDITLOG_CHECK(bytes.size() >= 8);
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}

std::string EncodeU64(uint64_t value) {
  std::string out;
  AppendBigEndian64(&out, value);
  return out;
}

Result<uint64_t> DecodeU64(std::string_view value, std::string_view what) {
  if (value.size() != 8) {
    return Status::Corruption(std::string(what) + " is malformed: " + std::to_string(value.size()) +
                              " bytes where 8 belong");
  }
  return ReadBigEndian64(value);
}

static std::string Prefixed(char prefix, std::string_view rest) {
  std::string key(1, prefix);
  key.append(rest);
  return key;
}

std::string EntryKey(uint64_t seq) { return Prefixed(kPrefixEntry, EncodeU64(seq)); }

std::string TileKey(int tile_level, uint64_t index) {
  std::string key(1, kPrefixTile);
  key.push_back(static_cast<char>(tile_level));
  AppendBigEndian64(&key, index);
  return key;
}

std::string NodeKey(int level, uint64_t index) {
  std::string key(1, kPrefixNode);
  key.push_back(static_cast<char>(level));
  AppendBigEndian64(&key, index);
  return key;
}

std::string EventIdKey(std::string_view event_id) { return Prefixed(kPrefixEventId, event_id); }

std::string AgencyEventIdKey(std::string_view agency, std::string_view event_id) {
  std::string key = Prefixed(kPrefixAgencyEventId, agency);
  key.push_back('\0');
  key.append(event_id);
  return key;
}

Result<uint64_t> KeyNumber(std::string_view key) {
  if (key.size() != 9) return Status::Corruption("a stored key of " + std::to_string(key.size()) + " bytes where 9 belong");
  return ReadBigEndian64(key.substr(1));
}
std::string StreamKey(std::string_view subject) { return Prefixed(kPrefixStream, subject); }

std::string StreamIndexKey(std::string_view subject, uint64_t version) {
  std::string key = Prefixed(kPrefixStreamIndex, subject);
  key.push_back('\0');
  AppendBigEndian64(&key, version);
  return key;
}

std::string AdminKey(uint64_t seq) { return Prefixed(kPrefixAdmin, EncodeU64(seq)); }
std::string CheckpointKey(uint64_t size) { return Prefixed(kPrefixCheckpoint, EncodeU64(size)); }
std::string MetaKey(std::string_view name) { return Prefixed(kPrefixMeta, name); }
std::string StreamRejectedKey(uint64_t stream_seq) { return Prefixed(kPrefixStreamRejected, EncodeU64(stream_seq)); }

Status ValidateOrigin(std::string_view origin) {
  if (origin.empty() || origin.size() > kOriginBytesMax) {
    return Status::InvalidArgument("origin: must be 1.." + std::to_string(kOriginBytesMax) + " bytes");
  }
  for (char c : origin) {
    if (c <= ' ' || c == '+' || static_cast<unsigned char>(c) >= 0x7f) {
      return Status::InvalidArgument("origin: '" + std::string(origin) +
                                     "' may hold only printable ASCII without spaces or '+'");
    }
  }
  return Status::Ok();
}

}  // namespace creditlog::ledger
