#include "ledger/audit.h"

#include <algorithm>
#include <future>
#include <map>
#include <thread>
#include <unordered_map>

#include "base/check.h"
#include "ledger/export.h"
#include "ledger/format.h"
#include "ledger/parallel.h"

namespace creditlog::ledger {
namespace {

std::string At(uint64_t seq) { return "seq " + std::to_string(seq); }

struct Item {
  uint64_t seq = 0;
  Status read;  // the feed's answer for this entry; when not OK, nothing else is set
  Bytes bytes;
  std::optional<Hash> stored_leaf;
  Result<EntryView> view = Status::Corruption("not parsed");
  Status signature;
};

// Reads entry `seq` into `item` (bytes and, where the source has it, the stored leaf hash).
using Feed = std::function<Status(uint64_t seq, Item* item)>;

class Auditor {
 public:
  Auditor(std::optional<NoteVerifier> trusted, std::map<uint64_t, std::string> checkpoints,
          const Ledger* local)
      : trusted_(std::move(trusted)),
        checkpoints_(std::move(checkpoints)),
        local_(local),
        local_tiles_(local != nullptr && local->stores_tiles()) {}

  Result<AuditReport> Run(uint64_t size, const Feed& feed, const Progress& progress);

 private:
  void ParseAndVerify(std::vector<Item>& items);
  Status CheckEntry(Item& item);
  Status CheckChunk(std::vector<Item>& items);
  Status CheckGenesis(const EntryView& view);
  Status CheckCheckpoint(uint64_t size, const std::string& note);

  std::optional<NoteVerifier> trusted_;
  std::map<uint64_t, std::string> checkpoints_;
  const Ledger* local_;  // the local ledger, for stored nodes and indexes; null for exports
  bool local_tiles_;     // it stores its tree as tiles
  std::string origin_;
  KeyRegistry registry_;
  CompactRange range_;
  TreeEdge edge_;  // the tree's tiles, as the entries make them, for a local ledger that stores tiles
  int64_t last_recorded_at_ms_ = 0;
  std::unordered_map<std::string, uint64_t> stream_versions_;
  std::optional<uint64_t> last_checkpoint_size_;
  Hash last_checkpoint_root_{};
};

void Auditor::ParseAndVerify(std::vector<Item>& items) {
  ParallelFor(items.size(), [&](size_t i) {
    Item& item = items[i];
    if (!item.read.ok()) return;
    item.view = ParseEntry(item.bytes);
    if (item.view.ok()) item.signature = events::VerifyEnvelopeSignature(item.view->envelope, origin_);
  });
}

Status Auditor::CheckGenesis(const EntryView& view) {
  if (view.envelope.event->body_type() != fb::EventBody::Genesis) return Status::Corruption("seq 0: the first entry is not Genesis");
  RETURN_IF_ERROR(CheckRecordedFields(*view.envelope.event).WithContext(At(0)));
  const auto* genesis = view.envelope.event->body_as_Genesis();
  origin_ = genesis->origin()->str();
  if (trusted_) {
    auto key = PublicKeyFromBytes(ByteView(genesis->ledger_public_key()->data(), genesis->ledger_public_key()->size()));
    if (!key.ok() || *key != trusted_->public_key || origin_ != trusted_->name) {
      return Status::Corruption("seq 0: genesis names a different ledger key or origin than the trusted verifier key");
    }
  }
  return Status::Ok();
}

Status Auditor::CheckEntry(Item& item) {
  const uint64_t seq = item.seq;
  if (!item.read.ok()) return item.read;
  if (!item.view.ok()) return item.view.status();
  const EntryView& view = *item.view;
  if (view.seq != seq) return Status::Corruption("entry says seq " + std::to_string(view.seq));
  if (view.recorded_at_ms < last_recorded_at_ms_) return Status::Corruption("recorded time goes backwards");
  last_recorded_at_ms_ = view.recorded_at_ms;
  if (!item.signature.ok()) return Status::Corruption("signature: " + item.signature.message());
  RETURN_IF_ERROR(CheckRecordedFields(*view.envelope.event));
  RETURN_IF_ERROR(registry_.Authorize(view.envelope.public_key, *view.envelope.event, seq).WithContext("key registry"));
  const std::string agency = registry_.AgencyOf(view.envelope.public_key, *view.envelope.event);
  registry_.Apply(*view.envelope.event, seq);
  const fb::Event& event = *view.envelope.event;
  const std::string subject = event.subject() ? event.subject()->str() : "";
  uint64_t& version = stream_versions_[subject];
  if (view.stream_version != version + 1) {
    return Status::Corruption("stream version " + std::to_string(view.stream_version) + " of '" + subject +
                              "' should be " + std::to_string(version + 1));
  }
  version = view.stream_version;
  const Hash leaf = MerkleLeafHash(item.bytes);
  if (item.stored_leaf && *item.stored_leaf != leaf) return Status::Corruption("stored leaf hash does not match the entry");
  std::vector<CompactRange::Node> finished;
  range_.Append(leaf, &finished);
  if (local_tiles_) {
    // Each stored tile, as the entries fill it; the edge beyond the last full tile is not stored.
    Status tiles;
    edge_.Add(finished, [&](int tile_level, uint64_t index, std::span<const Hash> hashes) {
      if (tiles.ok()) tiles = local_->CheckStoredTile(tile_level, index, hashes);
    });
    RETURN_IF_ERROR(tiles);
  } else if (local_ != nullptr) {
    for (const auto& node : finished) {
      ASSIGN_OR_RETURN(Hash stored, local_->Nodes()(node.level, node.index));
      if (stored != node.hash) {
        return Status::Corruption("stored tree node (" + std::to_string(node.level) + ", " +
                                  std::to_string(node.index) + ") does not match the entries");
      }
    }
  }
  if (local_ != nullptr) {
    ASSIGN_OR_RETURN(auto indexed, local_->FindEventId(agency, event.event_id()->string_view()));
    if (!indexed || *indexed != seq) return Status::Corruption("event id index does not point at this entry");
  }
  return Status::Ok();
}

Status Auditor::CheckCheckpoint(uint64_t size, const std::string& note) {
  const std::string where = "checkpoint at size " + std::to_string(size);
  NoteVerifier verifier;
  if (trusted_) {
    verifier = *trusted_;
  } else {
    verifier.name = origin_;
    verifier.public_key = registry_.ledger_public_key();
    verifier.key_hash = NoteKeyHash(origin_, verifier.public_key);
  }
  auto text = OpenNote(note, verifier);
  if (!text.ok()) return Status::Corruption(where + ": signature: " + text.status().message());
  auto checkpoint = ParseCheckpoint(*text);
  if (!checkpoint.ok()) return Status::Corruption(where + ": " + checkpoint.status().message());
  if (checkpoint->origin != origin_) return Status::Corruption(where + ": origin is '" + checkpoint->origin + "'");
  if (checkpoint->size != size) return Status::Corruption(where + ": note says size " + std::to_string(checkpoint->size));
  if (checkpoint->root != range_.Root()) {
    return Status::Corruption(where + ": root does not match the entries (history rewritten?)");
  }
  if (local_ != nullptr && last_checkpoint_size_) {
    ASSIGN_OR_RETURN(auto proof, local_->ConsistencyProof(*last_checkpoint_size_, size));
    RETURN_IF_ERROR(VerifyConsistency(*last_checkpoint_size_, size, last_checkpoint_root_, checkpoint->root, proof)
                        .WithContext(where + ": consistency with size " + std::to_string(*last_checkpoint_size_)));
  }
  last_checkpoint_size_ = size;
  last_checkpoint_root_ = checkpoint->root;
  return Status::Ok();
}

Status Auditor::CheckChunk(std::vector<Item>& items) {
  for (Item& item : items) {
    RETURN_IF_ERROR(CheckEntry(item).WithContext(At(item.seq)));
    if (auto it = checkpoints_.find(range_.size()); it != checkpoints_.end()) {
      RETURN_IF_ERROR(CheckCheckpoint(it->first, it->second));
    }
  }
  return Status::Ok();
}

Result<AuditReport> Auditor::Run(uint64_t size, const Feed& feed, const Progress& progress) {
  if (size == 0) return Status::Corruption("the ledger is empty");
  if (!checkpoints_.empty() && checkpoints_.rbegin()->first > size) {
    return Status::Corruption("a checkpoint covers size " + std::to_string(checkpoints_.rbegin()->first) +
                              " but only " + std::to_string(size) + " entries exist");
  }
  if (trusted_) origin_ = trusted_->name;
  // Genesis alone first: it names the origin every signature is checked against.
  {
    std::vector<Item> genesis(1);
    RETURN_IF_ERROR(feed(0, &genesis[0]).WithContext(At(0)));
    auto view = ParseEntry(genesis[0].bytes);
    if (!view.ok()) return view.status().WithContext(At(0));
    RETURN_IF_ERROR(CheckGenesis(*view));
    ParseAndVerify(genesis);
    RETURN_IF_ERROR(CheckChunk(genesis));
    if (progress) progress(1, size);
  }
  // Then chunks, pipelined: the next chunk is read and its signatures checked on all cores
  // while this thread runs the in-order checks of the current one. A chunk ends at an entry
  // that cannot be read, which fails in its turn: every failure is reported in seq order.
  auto load = [&](uint64_t from) -> Result<std::vector<Item>> {
    const uint64_t count = std::min<uint64_t>(kAuditChunkEntries, size - from);
    std::vector<Item> items(count);
    for (uint64_t i = 0; i < count; ++i) {
      items[i].seq = from + i;
      items[i].read = feed(from + i, &items[i]);
      if (!items[i].read.ok()) {
        items.resize(i + 1);
        break;
      }
    }
    ParseAndVerify(items);
    return items;
  };
  uint64_t next = 1;
  std::future<Result<std::vector<Item>>> pending;
  if (next < size) pending = std::async(std::launch::async, load, next);
  while (next < size) {
    ASSIGN_OR_RETURN(std::vector<Item> items, pending.get());
    const uint64_t after = next + items.size();
    if (after < size) pending = std::async(std::launch::async, load, after);
    Status checked = CheckChunk(items);
    if (!checked.ok()) {
      if (pending.valid()) pending.wait();
      return checked;
    }
    next = after;
    if (progress) progress(next, size);
  }
  AuditReport report;
  report.entries = size;
  report.checkpoints = checkpoints_.size();
  report.keys = registry_.Keys().size();
  report.root = range_.Root();
  report.origin = origin_;
  return report;
}

}  // namespace

Result<AuditReport> AuditLedger(const Ledger& ledger, const Progress& progress) {
  // Every byte of every table file first, whether or not the checks below read it.
  RETURN_IF_ERROR(ledger.VerifyStorage());
  ASSIGN_OR_RETURN(auto stored, ledger.Checkpoints());
  std::map<uint64_t, std::string> checkpoints(stored.begin(), stored.end());
  const uint64_t size = ledger.size();
  Auditor auditor(std::nullopt, std::move(checkpoints), &ledger);
  NodeReader nodes = ledger.Nodes();  // the stored leaf hashes, a tile read per 256 entries
  // Read a chunk at a time, with one pass of one iterator, as the audit asks for them in order.
  // ForEachEntry has checked each as Ledger::Entry does; the audit parses them again itself,
  // trusting no check it did not make. A read failing at seq k keeps the entries before k, so
  // that the failure is reported at k.
  std::vector<Bytes> chunk;
  uint64_t chunk_start = 0;
  Status chunk_failure;  // the read of entry chunk_start + chunk.size(), when it failed
  Feed feed = [&](uint64_t seq, Item* item) -> Status {
    const uint64_t chunk_end = chunk_start + chunk.size();
    if (seq < chunk_start || seq > chunk_end || (seq == chunk_end && chunk_failure.ok())) {
      chunk.clear();
      chunk_start = seq;
      chunk_failure = ledger.ForEachEntry(seq, std::min<uint64_t>(size, seq + kAuditChunkEntries), [&](uint64_t, ByteView bytes) {
        chunk.emplace_back(bytes.begin(), bytes.end());
        return Status::Ok();
      });
    }
    if (seq == chunk_start + chunk.size()) {
      CREDITLOG_CHECK(!chunk_failure.ok());  // a successful read holds every entry asked for
      return chunk_failure;
    }
    item->bytes = std::move(chunk[seq - chunk_start]);
    ASSIGN_OR_RETURN(Hash leaf, nodes(0, seq));
    item->stored_leaf = leaf;
    return Status::Ok();
  };
  return auditor.Run(size, feed, progress);
}

Result<AuditReport> AuditEntries(uint64_t size, std::string_view verifier_key,
                                 std::map<uint64_t, std::string> checkpoints, const EntrySource& source,
                                 const Progress& progress) {
  ASSIGN_OR_RETURN(NoteVerifier trusted, ParseVerifierKey(verifier_key));
  Auditor auditor(trusted, std::move(checkpoints), nullptr);
  Feed feed = [&](uint64_t seq, Item* item) { return source(seq, &item->bytes); };
  return auditor.Run(size, feed, progress);
}

Result<AuditReport> AuditExport(const std::string& path, std::string_view verifier_key, const Progress& progress) {
  ASSIGN_OR_RETURN(NoteVerifier trusted, ParseVerifierKey(verifier_key));
  ASSIGN_OR_RETURN(ExportReader reader, ExportReader::Open(path));
  if (reader.header().origin != trusted.name) {
    return Status::Corruption("export header names origin '" + reader.header().origin + "', not the trusted key's");
  }
  if (reader.header().verifier_key != verifier_key) {
    return Status::Corruption("export header names verifier key '" + reader.header().verifier_key +
                              "', not the trusted one");
  }
  std::map<uint64_t, std::string> checkpoints;
  for (size_t i = 0; i < reader.checkpoints().size(); ++i) {
    const std::string& note = reader.checkpoints()[i];
    auto text = OpenNote(note, trusted);
    if (!text.ok()) return Status::Corruption("checkpoint #" + std::to_string(i) + ": " + text.status().message());
    auto checkpoint = ParseCheckpoint(*text);
    if (!checkpoint.ok()) return Status::Corruption("checkpoint #" + std::to_string(i) + ": " + checkpoint.status().message());
    checkpoints[checkpoint->size] = note;
  }
  if (checkpoints.empty() || checkpoints.rbegin()->first != reader.header().entries) {
    return Status::Corruption("export's entries are not covered by its latest checkpoint");
  }
  Auditor auditor(trusted, std::move(checkpoints), nullptr);
  Feed feed = [&](uint64_t seq, Item* item) -> Status {
    Hash leaf;
    RETURN_IF_ERROR(reader.NextEntry(seq, &item->bytes, &leaf));
    item->stored_leaf = leaf;
    return Status::Ok();
  };
  ASSIGN_OR_RETURN(AuditReport report, auditor.Run(reader.header().entries, feed, progress));
  RETURN_IF_ERROR(reader.ReadEnd());
  return report;
}

}  // namespace creditlog::ledger
