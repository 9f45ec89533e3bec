#include "projections/snapshot.h"

#include <cstring>

#include "base/file.h"
#include "crypto/sha256.h"
#include "ledger/format.h"
#include "projections/build.h"

namespace creditlog::projections {

namespace {

// docs/format.md, "Projection snapshot".
constexpr std::string_view kMagic = "CLPSNAP1";
constexpr int kSnapshotFileMode = 0600;  // the state holds sealed personal fields as the log does

using ledger::AppendBigEndian64;

void AppendText(std::string* out, std::string_view text) {
  AppendBigEndian64(out, text.size());
  out->append(text);
}

// The header's fields, read in order; false when the bytes end first.
class HeaderReader {
 public:
  explicit HeaderReader(std::string_view bytes) : bytes_(bytes) {}
  bool U64(uint64_t* value) {
    if (bytes_.size() < 8) return false;
    *value = ledger::ReadBigEndian64(bytes_);
    bytes_.remove_prefix(8);
    return true;
  }
  bool Fixed(size_t size, std::string_view* value) {
    if (bytes_.size() < size) return false;
    *value = bytes_.substr(0, size);
    bytes_.remove_prefix(size);
    return true;
  }
  bool Text(std::string_view* value) {
    uint64_t size = 0;
    return U64(&size) && size <= bytes_.size() && Fixed(size, value);
  }
  size_t remaining() const { return bytes_.size(); }

 private:
  std::string_view bytes_;
};

std::string_view AsText(const Hash& hash) { return {reinterpret_cast<const char*>(hash.data()), hash.size()}; }

}  // namespace

Status WriteSnapshot(const std::string& path, const ledger::Ledger& ledger, const State& state, const KeyPair& ledger_key) {
  const uint64_t size = state.applied();
  if (size == 0) return Status::Ok();
  if (ledger_key.public_key != ledger.ledger_public_key()) {
    return Status::PermissionDenied("a projection snapshot is signed with the ledger's checkpoint key, not another");
  }
  if (size > ledger.size()) {
    return Status::InvalidArgument("the state holds " + std::to_string(size) + " entries, the log " + std::to_string(ledger.size()));
  }
  ASSIGN_OR_RETURN(Hash root, ledger.Root(size));
  std::string bytes(kMagic);
  AppendText(&bytes, FoldVersion());
  AppendText(&bytes, ledger.origin());
  AppendBigEndian64(&bytes, size);
  bytes.append(AsText(root));
  const std::string body = state.Snapshot();
  AppendBigEndian64(&bytes, body.size());
  bytes.append(body);
  const Hash checksum = Sha256(AsBytes(bytes));
  bytes.append(AsText(checksum));
  const Signature signature = SignDomain(ledger_key.secret_key, kPurposeProjectionSnapshot, ledger.origin(), ByteView(checksum.data(), checksum.size()));
  bytes.append(reinterpret_cast<const char*>(signature.data()), signature.size());
  return WriteFileDurably(path, bytes, kSnapshotFileMode).WithContext("writing the projection snapshot");
}

Result<State> ReadSnapshot(const std::string& path, const ledger::Ledger& ledger, Searchable searchable) {
  // Mapped, not read: at two million subjects the file is over a gigabyte (benchmarks/NOTES.md).
  ASSIGN_OR_RETURN(const MappedFile file, MappedFile::Open(path, kSnapshotBytesMax));
  const std::string_view bytes = file.view();
  auto damaged = [&path](std::string_view what) { return Status::Corruption("projection snapshot " + path + ": " + std::string(what)); };
  auto other = [&path](std::string_view what) { return Status::Conflict("projection snapshot " + path + ": " + std::string(what)); };
  if (bytes.size() < kMagic.size() + kHashSize + kSignatureSize || !bytes.starts_with(kMagic)) {
    return damaged("not a snapshot (no " + std::string(kMagic) + " header)");
  }
  const std::string_view covered = bytes.substr(0, bytes.size() - kHashSize - kSignatureSize);
  const Hash checksum = Sha256(AsBytes(covered));
  if (AsText(checksum) != bytes.substr(covered.size(), kHashSize)) {
    return damaged("damaged (its SHA-256 does not match its bytes)");
  }
  HeaderReader in(covered.substr(kMagic.size()));
  std::string_view version, origin, root, body;
  uint64_t size = 0, body_size = 0;
  if (!in.Text(&version) || !in.Text(&origin) || !in.U64(&size) || !in.Fixed(kHashSize, &root) || !in.U64(&body_size) ||
      body_size != in.remaining() || !in.Fixed(body_size, &body)) {
    return damaged("malformed header");
  }
  if (version != FoldVersion()) {
    return other("written by a build that folds differently (fold version " + std::string(version.substr(0, 12)) +
                 ", this build " + std::string(FoldVersion().substr(0, 12)) + ")");
  }
  if (origin != ledger.origin()) return other("of the log \"" + std::string(origin) + "\", not \"" + ledger.origin() + "\"");
  if (size > ledger.size()) {
    return other("holds " + std::to_string(size) + " entries, the log only " + std::to_string(ledger.size()) +
                 " (restored from an older backup?)");
  }
  ASSIGN_OR_RETURN(Hash log_root, ledger.Root(size));
  if (AsText(log_root) != root) return other("its root at size " + std::to_string(size) + " is not the log's");
  Signature signature{};
  std::memcpy(signature.data(), bytes.data() + covered.size() + kHashSize, kSignatureSize);
  if (!VerifyDomain(ledger.ledger_public_key(), kPurposeProjectionSnapshot, ledger.origin(),
                    ByteView(checksum.data(), checksum.size()), signature)) {
    return damaged("its signature is not the ledger key's (written with another key, or not by creditlog)");
  }
  auto state = State::FromSnapshot(body, searchable);
  if (!state.ok()) return damaged(state.status().message());
  if (state->applied() != size) return damaged("its state holds " + std::to_string(state->applied()) + " entries, its header " + std::to_string(size));
  return state;
}

Result<State> BuildStateFromSnapshot(const ledger::Ledger& ledger, uint64_t size, const std::string& path,
                                     const std::function<void(uint64_t, uint64_t)>& progress, FoldStart* start,
                                     Searchable searchable, FoldObserver* observer, uint64_t snapshot_max) {
  FoldStart begun;
  State state(searchable);
  if (!path.empty()) {
    auto read = ReadSnapshot(path, ledger, searchable);
    if (read.ok() && read->applied() <= size && read->applied() <= snapshot_max) {
      begun.from = read->applied();
      state = std::move(*read);
    } else if (read.ok() && read->applied() > snapshot_max) {
      begun.refused = "it holds " + std::to_string(read->applied()) + " entries; the entries after " +
                      std::to_string(snapshot_max) + " are wanted folded one by one (list changes)";
    } else if (!read.ok() && read.status().code() != StatusCode::kNotFound) {
      begun.refused = read.status().message();
    }
  }
  RETURN_IF_ERROR(CatchUp(ledger, size, &state, progress, observer));
  if (start != nullptr) *start = std::move(begun);
  return state;
}

}  // namespace creditlog::projections
