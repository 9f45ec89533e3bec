// Showing personal information (docs/privacy.md, "Erasure"): the sealed personal fields of an
// entry (events/personal.h) opened with the ledger's personal key store, or 已删除 once the
// person has been erased (their key destroyed, or an ErasureRecorded after the entry), or
// （已加密） where no key store is at hand (a replica, the command line without the passphrase).
// Entries recorded before sealing keep their plaintext in the leaf; after an erasure of the
// person they are withheld here too (个人信息保护法 Art. 47: kept, no longer processed).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ledger/ledger.h"
#include "projections/state.h"

namespace creditlog::api {

inline constexpr std::string_view kErasedText = "已删除";
inline constexpr std::string_view kSealedText = "（已加密）";
// A key the store no longer has, though no erasure of the person is in the log: the store was
// lost or restored from an old backup (docs/privacy.md, "Backups"). Never shown as 已删除.
inline constexpr std::string_view kKeyMissingText = "（密钥不可用）";

class PersonalView {
 public:
  // `keys` null: sealed values are shown as kSealedText. `state` null: erasures are known only
  // by the keys that are gone (entries recorded before sealing are then shown as recorded).
  PersonalView(const ledger::Ledger* ledger, const ledger::PersonalKeys* keys, const projections::State* state)
      : ledger_(ledger), keys_(keys), state_(state) {}

  // `event` (EventToJson of the entry's event) with each personal field as it may be shown.
  void Show(const ledger::EntryView& entry, nlohmann::json& event) const;
  // A subject's name as it may be shown: a civil servant's registered name is sealed.
  std::string Name(const projections::SubjectState& subject) const;

 private:
  std::string Field(const ledger::EntryView& entry, std::string_view path, std::string_view value,
                    std::string_view person) const;

  const ledger::Ledger* ledger_;
  const ledger::PersonalKeys* keys_;
  const projections::State* state_;
};

// The civil servants' files due for erasure on `day` (docs/privacy.md, "Retention"): each file
// whose latest entry is at least the ruleset's retention.civil_servant_files_months before
// `day`, and which has not been erased since its last record. {"as_of", "due": [{"person",
// "employer", "latest_entry", "latest_seq", "due", "records", "rule", "months"}]}.
Result<nlohmann::json> RetentionDueJson(const ledger::Ledger& ledger, const projections::State& state, int64_t day);

}  // namespace creditlog::api
