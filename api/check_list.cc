#include "api/check_list.h"

#include <algorithm>
#include <map>

#include "api/views.h"
#include "events/labels.h"
#include "events/uscc.h"
#include "projections/evaluate.h"

namespace creditlog::api {
namespace {

using json = nlohmann::json;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

}  // namespace

Result<std::vector<std::string>> CheckListLines(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::string> lines;
  size_t number = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    line = Trim(line.substr(0, line.find_first_of(",\t")));
    if (line.empty() || line.front() == '#') continue;
    if (line.size() > kCheckListLineBytesMax) {
      return Status::InvalidArgument("line " + std::to_string(number) + ": longer than " + std::to_string(kCheckListLineBytesMax) +
                                     " bytes; a line holds one USCC or one registered name");
    }
    if (lines.size() == kCheckListLinesMax) {
      return Status::InvalidArgument("line " + std::to_string(number) + ": a list holds at most " + std::to_string(kCheckListLinesMax) +
                                     " subjects; split it");
    }
    lines.emplace_back(line);
  }
  return lines;
}

Result<CheckedList> CheckList(const projections::State& state, const std::vector<std::string>& lines, projections::Day day,
                              const Disclosure& reader) {
  if (lines.size() > kCheckListLinesMax) {
    return Status::InvalidArgument("lines: at most " + std::to_string(kCheckListLinesMax) + " in one check, not " +
                                   std::to_string(lines.size()));
  }
  // Names are looked up only when a line is not a code: one pass over the subjects then.
  std::multimap<std::string, std::string, std::less<>> by_name;
  auto names = [&]() -> const std::multimap<std::string, std::string, std::less<>>& {
    if (by_name.empty()) {
      for (const auto& [id, s] : state.subjects()) {
        if (reader.MaySubject(id, &s) && !s.name.empty()) by_name.emplace(s.name, id);
      }
    }
    return by_name;
  };
  CheckedList out;
  json rows = json::array();
  size_t found = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& input = lines[i];
    json row = {{"line", i + 1}, {"input", input}, {"found", false}};
    std::string id;
    if (const projections::SubjectState* s = state.Subject(Upper(input)); s != nullptr && reader.MaySubject(s->id, s)) {
      id = s->id;
    } else {
      auto [first, last] = names().equal_range(input);
      const auto count = std::distance(first, last);
      if (count == 1) {
        id = first->second;
      } else if (count > 1) {
        row["error"] = std::to_string(count) + " subjects bear this name: give the USCC";
        row["error_zh"] = "有 " + std::to_string(count) + " 个主体同名，请填写统一社会信用代码";
        row["candidates"] = json::array();
        for (auto it = first; it != last && row["candidates"].size() < kCheckListCandidatesMax; ++it) {
          row["candidates"].push_back({{"subject", it->second}, {"name", it->first}});
        }
      } else {
        row["error"] = "no subject has this USCC or registered name";
        row["error_zh"] = "未找到该统一社会信用代码或名称的主体";
      }
    }
    if (!id.empty()) {
      auto profile = projections::Evaluate(state, id, day);
      if (!profile.ok()) {
        row["error"] = profile.status().message();
        row["error_zh"] = "无法评价：" + profile.status().message();
      } else {
        const json p = ProfileJson(*profile, reader);
        const std::string kind = p.contains("kind") ? p["kind"].get<std::string>() : "";
        row.update({{"found", true}, {"subject", id}, {"name", p["name"]}, {"kind", kind},
                    {"kind_zh", std::string(events::ChineseLabel("SubjectKind", kind))},
                    {"division", std::string(events::SubjectDivision(id))}, {"grade", p["grade"]},
                    {"grade_reason", p["grade_reason_zh"]}, {"lists", json::array()}, {"measures", json::array()}});
        for (const json& m : p["lists"]) {
          // One badge per list: a subject can be on one list for two reasons.
          const bool seen = std::any_of(row["lists"].begin(), row["lists"].end(), [&](const json& l) { return l["list"] == m["list"]; });
          if (seen) continue;
          row["lists"].push_back({{"list", m["list"]}, {"list_zh", m["list_zh"]}, {"since", m["since"]}, {"until", m["until"]}});
        }
        for (const json& m : p["measures"]) {
          const auto list = std::find_if(p["lists"].begin(), p["lists"].end(), [&](const json& l) { return l["list"] == m["list"]; });
          row["measures"].push_back({{"measure", m["measure"]}, {"list", m["list"]},
                                     {"list_zh", list == p["lists"].end() ? json("") : (*list)["list_zh"]}});
        }
        ++found;
        out.subjects.push_back(id);
      }
    }
    rows.push_back(std::move(row));
  }
  out.json = {{"as_of", Date(day)}, {"rows", std::move(rows)}, {"found", found}, {"not_found", lines.size() - found}};
  return out;
}

}  // namespace creditlog::api
