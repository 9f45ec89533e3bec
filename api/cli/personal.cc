// Commands over personal information (docs/privacy.md, "Erasure" and "Retention"): erase a
// person (record ErasureRecorded; the ledger then destroys the person's data key), and list
// the civil servants' files whose retention period has ended on a date.
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/data_dir.h"
#include "api/personal.h"
#include "api/views.h"
#include "base/clock.h"
#include "crypto/key_file.h"
#include "crypto/sha256.h"
#include "events/json.h"
#include "events/personal.h"
#include "ledger/entry.h"
#include "projections/build.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

constexpr const char* kErasureBasisDefault = "《中华人民共和国个人信息保护法》第四十七条";

struct PersonalArgs {
  std::string data;
  std::string person;
  std::string reason;
  std::string basis = kErasureBasisDefault;
  std::string date;
  std::string as_of;
  std::string signer;
  bool due = false;
  bool json = false;
};

Status Erase() {
  const PersonalArgs& a = CommandArgs<PersonalArgs>();
  if (!events::IsPersonId(a.person)) {
    return Status::InvalidArgument("--person: '" + a.person + "' is not a person: a civil servant 'USCC/staff-number', or "
                                   "'rep:USCC' for the legal representative of the subject with that code");
  }
  const std::string date = a.date.empty() ? Date(TodayInChina()) : a.date;
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.data + ": "));
  ASSIGN_OR_RETURN(NamedKeyPair signer, LoadKey(a.signer.empty() ? RootKeyPath(a.data) : a.signer, passphrase));
  auto opened = OpenForWriting(a.data, passphrase);
  if (!opened.ok()) {
    return WhileServed(opened.status(), a.data,
                       "to erase while it runs, record the ErasureRecorded with: creditlog record --server URL --key ROOT.key "
                       "ERASURE.json (docs/privacy.md, \"Erasure\")");
  }
  std::unique_ptr<ledger::Ledger> ledger = std::move(*opened);
  // The id names no one (entries' ids are shown to readers who may not see the person's file);
  // the same person and day give the same id, so running erase again finishes an interrupted one.
  const Hash tag = Sha256(AsBytes(a.person));
  const json event = {{"event_id", "erasure/" + HexEncode(ByteView(tag.data(), 8)) + "/" + date},
                      {"subject", ""},  // no signed_at_ms: the same erasure signs to the same bytes
                      {"body_type", "ErasureRecorded"},
                      {"body", {{"person", a.person}, {"reason", a.reason}, {"basis", a.basis}, {"erased_date", date}}}};
  ASSIGN_OR_RETURN(Bytes bytes, events::EventFromJson(event.dump()));
  ASSIGN_OR_RETURN(auto result, ledger->Append(events::SignEnvelope(bytes, signer.key_pair.secret_key, ledger->origin())));
  ASSIGN_OR_RETURN(std::string note, ledger->PublishCheckpoint());
  (void)note;
  if (a.json) {
    std::cout << json{{"person", a.person}, {"seq", result.seq}, {"duplicate", result.duplicate}, {"erased_date", date},
                      {"key_destroyed", true}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "已删除 " << a.person << " 的个人信息：删除记录 ErasureRecorded 位于 seq " << result.seq
              << (result.duplicate ? "（此前已记录）" : "") << "，其数据密钥已销毁。\n"
              << "签名、叶子和证明不变；此前密封的字段此后显示为“已删除”。\n";
  }
  return Status::Ok();
}

// A civil servant's file is due for erasure `months` after its latest entry, unless it was
// erased after that entry.
Status Retention() {
  const PersonalArgs& a = CommandArgs<PersonalArgs>();
  if (!a.due) return Status::InvalidArgument("say what to list: --due lists what is due for erasure on --as-of");
  ASSIGN_OR_RETURN(projections::Day day, ParseAsOf(a.as_of));
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  ASSIGN_OR_RETURN(projections::State state, projections::BuildState(*ledger, ledger->size()));
  ASSIGN_OR_RETURN(json out, RetentionDueJson(*ledger, state, day));
  const json& rows = out["due"];
  if (a.json) {
    std::cout << out.dump(2) << "\n";
    return Status::Ok();
  }
  std::cout << "截至 " << Date(day) << " 保存期限届满、应当删除的个人信息：" << (rows.empty() ? "无" : std::to_string(rows.size()) + " 人") << "\n";
  for (const auto& r : rows) {
    std::cout << "  " << r["person"].get<std::string>() << "  最近一条记录 " << r["latest_entry"].get<std::string>() << "（seq "
              << r["latest_seq"] << "），" << r["months"] << " 个月后于 " << r["due"].get<std::string>() << " 届满；记录 seq "
              << r["records"].dump() << "\n";
  }
  if (!rows.empty()) std::cout << "删除：creditlog erase --data " << a.data << " --person ID --reason 保存期限届满\n";
  return Status::Ok();
}

}  // namespace

void AddPersonalCommands(CLI::App& app) {
  PersonalArgs& a = CommandArgs<PersonalArgs>();
  auto* erase = DataCommand(app, "erase",
                            "Erase a person's information: record ErasureRecorded (signed by the root key), then destroy "
                            "the person's data key; every view shows 已删除 where their fields were",
                            &a.data);
  erase->add_option("--person", a.person, "a civil servant 'USCC/staff-number', or 'rep:USCC' for a legal representative")
      ->required();
  erase->add_option("--reason", a.reason, "why, e.g. 保存期限届满 or 本人申请删除")->required();
  erase->add_option("--basis", a.basis, "the legal basis")->default_str(kErasureBasisDefault);
  erase->add_option("--date", a.date, "the day of the erasure, YYYY-MM-DD (default: today in China)");
  erase->add_option("--signer", a.signer, "key file that signs (default: DIR/keys/root.key)");
  erase->add_flag("--json", a.json, "JSON output");
  SetAction(erase, Erase);
  auto* retention = DataCommand(app, "retention", "Retention periods of personal information (the ruleset's 'retention' key)",
                                &a.data);
  retention->add_flag("--due", a.due, "list the civil servants' files whose retention period has ended by --as-of");
  retention->add_option("--as-of", a.as_of, "YYYY-MM-DD (default: today in China)");
  retention->add_flag("--json", a.json, "JSON output");
  SetAction(retention, Retention);
}

}  // namespace creditlog::api
