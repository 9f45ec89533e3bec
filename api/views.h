// The JSON shapes of the answers, shared by the command line (--json) and the HTTP API, so
// that both say exactly the same thing.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/disclosure.h"
#include "ledger/ledger.h"
#include "projections/civil_servant.h"
#include "projections/duties.h"
#include "projections/evaluate.h"
#include "projections/integrity.h"
#include "projections/services.h"

namespace creditlog::api {

// "" = today in China Standard Time; otherwise YYYY-MM-DD.
Result<projections::Day> ParseAsOf(const std::string& as_of);

std::string Date(projections::Day day);
// Compact JSON text; invalid UTF-8 in a string is replaced rather than thrown on.
std::string DumpJson(const nlohmann::json& value);
nlohmann::json MembershipJson(const projections::Membership& m);
// Every view of a subject shows what `reader` may see of it (api/disclosure.h, docs/privacy.md):
// the public sees penalties only while in publicity (双公示), only the published lists, and the
// grade those give (published_grade); it never sees a civil servant's file.
nlohmann::json ProfileJson(const projections::Profile& p, const Disclosure& reader);
// A civil servant's integrity file on `day` (projections/civil_servant.h): in the profile, for
// the readers of civil servants' files.
nlohmann::json IntegrityFileJson(const projections::SubjectState& s, projections::Day day);
nlohmann::json MeasuresJson(const projections::Profile& p, const Disclosure& reader);
// The rows `reader` may see: a list it may not see at all is refused by the caller.
Result<nlohmann::json> ListJson(const projections::State& state, fb::ListKind kind, projections::Day day,
                                const Disclosure& reader);
// ListJson's body in parts, for answers patched as entries arrive (api/http/live_projection.h):
// one subject's rows as DumpJson writes each, comma-joined ("" when it has none or the reader
// may not see it), and the text before and after the entries. The text before, the rows of
// every subject in id order joined by commas, and the text after are DumpJson(ListJson(…)).
Result<std::string> ListRowsText(const projections::State& state, const projections::SubjectState& subject, fb::ListKind kind,
                                 projections::Day day, const Disclosure& reader);
// `extra`'s members are added beside the list's (a page's limit, next_after and subjects).
std::pair<std::string, std::string> ListFrameText(fb::ListKind kind, projections::Day day,
                                                  const nlohmann::json& extra = nlohmann::json::object());
// The ruleset in force on `day`: its adoption, every rule's value, its sources and calendar.
nlohmann::json RulesetJson(const projections::RulesetHistory::Adopted& adopted, projections::Day day);

// A department's check before it grants `check.action` (GET /v1/subjects/{id}/check, creditlog
// check): allowed or restricted, with each measure, its basis, the list and the seqs behind it.
nlohmann::json CheckJson(const projections::Profile& p, const projections::ActionCheck& check, const Disclosure& reader);
// 待核查: an agency's due verifications (projections/duties.h).
nlohmann::json DueVerificationsJson(const std::vector<projections::DueVerification>& due, const std::string& agency,
                                    projections::Day day, const Disclosure& reader);

// 好差评 of a public body (projections/services.h): its figures, per matter, and the 差评 whose
// rectification is overdue.
nlohmann::json ServicesJson(const projections::ServiceReport& report);

nlohmann::json IntegrityJson(const std::vector<projections::IntegrityRow>& rows, projections::Day day);
// DumpJson(IntegrityJson(rows, day)), written a row at a time (no document of the whole board).
std::string IntegrityText(const std::vector<projections::IntegrityRow>& rows, projections::Day day);

// An event's JSON as `reader` may see it: a civil servant's event, to a reader who may not see
// civil servants' files (an auditor reading the whole log), keeps its id and type and the
// employer, and withholds the staff number and the body ("withheld": "civil_servant_files").
// The erasure of a civil servant (ErasureRecorded) is withheld alike.
nlohmann::json WithheldFrom(const Disclosure& reader, nlohmann::json event);

// Subjects with more events than this show only the first ones unless asked for more.
inline constexpr uint64_t kTimelineEventsDefault = 1000;
inline constexpr size_t kSearchResultsMax = 50;

// A subject's events in order, each with its seq, business date, type and signing agency: the
// first `limit` of them and, with `through`, of those only the ones whose business date is on or
// before it (events without one are kept); then the answer also names "as_of".
// Personal fields are shown as `reader` shows them (api/personal.h). With `state`, the events of
// contracts in which the subject is the payee (recorded in the paying body's stream) are
// included too, each with "as": "payee".
Result<nlohmann::json> TimelineJson(const ledger::Ledger& ledger, const std::string& subject, uint64_t limit,
                                    std::optional<projections::Day> through, const Disclosure& reader,
                                    const projections::State* state = nullptr);
// What a search hit shows of a subject's standing on a day, before a reader's view of it: the
// grade, the published grade, and each list some membership puts it on, once, in the order of
// the profile's memberships.
struct Standing {
  bool evaluated = false;  // false: the profile could not be evaluated; the hit shows neither
  char grade = 0;
  char published_grade = 0;
  uint8_t lists_count = 0;
  std::array<fb::ListKind, projections::kListKinds> lists{};
};
// The subject's standing on `day`, from its profile (projections::Evaluate).
Standing StandingOf(const projections::State& state, const projections::SubjectState& subject, projections::Day day);
// Fills `out` with the standing on the search's day of each of `subjects`, in order (the server
// keeps them between entries: LiveProjection::Standings).
using StandingsFn = std::function<void(std::span<const projections::SubjectState* const> subjects, std::vector<Standing>* out)>;

// Subjects `reader` may see whose USCC starts with `query` (in either case) or whose name
// contains it, in USCC order. Each hit names its kind and division (the code's positions 3–8),
// to tell namesakes apart, and its grade and the lists on `day` that `reader` may see. Their
// standings come from `standings` when given (the same as StandingOf's), else from StandingOf.
nlohmann::json SearchJson(const projections::State& state, const std::string& query, size_t limit,
                          const Disclosure& reader, projections::Day day, const StandingsFn* standings = nullptr);

}  // namespace creditlog::api
