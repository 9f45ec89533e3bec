// The printed 专项信用报告 (api/report_pdf.h), read back the way a person or a program reads a
// PDF: poppler's pdftotext and pdfinfo, and the QR code rasterised by pdftoppm and decoded by
// zbarimg (poppler-utils and zbar-tools, from scripts/install-deps; a missing tool fails the test,
// it does not skip it). Set CREDITLOG_REPORT_PDF_KEEP=FILE to keep the sample report for a look.
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/report_pdf.h"
#include "temp_dir.h"

namespace creditlog::api {
namespace {

using nlohmann::json;
using testing::TempDir;

constexpr int kCommitments = 40;  // enough for the report to need three pages or more

struct ToolRun {
  int exit_code;
  std::string output;
};

// Runs a shell command line, stdout and stderr together unless `stderr_too` is false (zbarimg
// complains on stderr of a missing D-Bus, which is no part of what it decoded).
ToolRun RunTool(const std::string& command, bool stderr_too = true) {
  FILE* pipe = ::popen((command + (stderr_too ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

void RequireTool(const std::string& tool, const std::string& package) {
  INFO(tool << " is missing: install " << package << " (scripts/install-deps installs it)");
  REQUIRE(RunTool("command -v " + tool).exit_code == 0);
}

json Item(const std::string& title, const std::string& text, const std::string& state, const std::string& state_zh,
          const std::string& rule, const std::string& rule_name, std::vector<uint64_t> seqs, bool repaired = false) {
  json item = {{"title", title}, {"text", text}, {"state", state}, {"state_zh", state_zh},
               {"rule", rule},   {"rule_name", rule_name}, {"seqs", seqs}};
  if (repaired) item["repaired"] = true;
  return item;
}

// Facts in the shape of docs/reports.md: five sections, 失信名单信息 empty.
json SampleFacts() {
  std::string long_text;
  for (int i = 0; i < 8; ++i) {
    long_text += "当事人于2025年3月12日在青岛市市南区香港中路某号经营场所内，未按规定对危险废物进行分类贮存，"
                 "且未建立危险废物管理台账，违反了《中华人民共和国固体废物污染环境防治法》第七十七条的规定。";
  }
  json penalties = json::array({
      Item("青环罚〔2025〕0312号", long_text + "罚款人民币 50,000 元，已于 2025-04-02 缴清。", "repaired", "已修复",
           "penalty.serious", "较重行政处罚", {951, 952}, true),
      Item("青市监罚〔2026〕0088号", "警告。决定日期 2026-02-10，公示期至 2026-05-10。", "in_publicity", "公示中",
           "penalty.minor", "一般行政处罚", {960}),
  });
  json commitments = json::array();
  for (int i = 1; i <= kCommitments; ++i) {
    commitments.push_back(Item("承诺事项第" + std::to_string(i) + "号：按期办理排污许可延续",
                               "承诺日期 2026-01-" + std::to_string(10 + i % 18) + "，履行期限至 2026-09-30。",
                               i % 7 == 0 ? "breached" : "fulfilled", i % 7 == 0 ? "违诺" : "已履行", "commitment.kept",
                               "信用承诺履行", {static_cast<uint64_t>(1000 + 2 * i), static_cast<uint64_t>(1001 + 2 * i)}));
  }
  json contracts = json::array({
      Item("HT-2026-0451", "与青岛市市南区教育和体育局签订，合同金额 1,200,000 元，已按期收到全部价款。", "fulfilled",
           "已履行", "", "", {1200}),
  });
  json measures = json::array({
      Item("限制参加政府采购活动", "依据较重行政处罚，期限至 2026-12-31。", "active", "实施中", "measure.procurement",
           "限制政府采购", {951}),
  });
  return {{"as_of", "2026-11-30"},
          {"format", "creditlog.report-facts/v1"},
          {"grade",
           {{"grade", "C"}, {"reason", "一年内受到较重行政处罚"}, {"rule", "grade.C"},
            {"rule_name", "信用等级 C：较重处罚"}, {"seqs", {951, 952}}}},
          {"ruleset", {{"seq", 1}, {"version", "default-2026.3"}}},
          {"sections",
           {{{"key", "penalties"}, {"title", "行政处罚信息"}, {"items", penalties}},
            {{"key", "lists"}, {"title", "失信名单信息"}, {"items", json::array()}},
            {{"key", "commitments"}, {"title", "信用承诺信息"}, {"items", commitments}},
            {{"key", "contracts"}, {"title", "合同履约信息"}, {"items", contracts}},
            {{"key", "measures"}, {"title", "适用的措施"}, {"items", measures}}}},
          {"stream_length", 10},
          {"subject",
           {{"division", "370202"}, {"id", "91370202MAY0L3HY8H"}, {"kind", "Enterprise"}, {"kind_zh", "企业"},
            {"name", "青岛金源环保科技有限公司"}}}};
}

// A QR text the size of a real one (the console's address and a base64url statement note), or
// of `bytes`.
std::string SampleQrText(size_t bytes = 812) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text = "https://creditlog.qingdao.example/#/report-verify?s=";
  uint32_t x = 12345;
  while (text.size() < bytes) {
    x = x * 1103515245u + 12345u;
    text += kAlphabet[(x >> 16) % 64];
  }
  return text;
}

ReportPage SamplePage() {
  ReportPage page;
  page.facts = SampleFacts();
  page.number = "CR-20261202-1A2B3C4D";
  page.office = "creditlog.qingdao.example/log";
  page.purpose = "招投标";
  page.issued = "2026-12-02";
  page.checkpoint_size = 1831;
  page.checkpoint_root = "OEJE8qmzn57GfU66HnW9G0fNvXZurRgBzRgyXCdp9Tw=";
  page.facts_sha256 = "a6BGbRZiiAMqNyuMusZ6SMCXjyl5El0FhVhl/4ihvF8=";
  page.cosigners = {"witness.shandong.example", "witness.audit.example"};
  page.qr_text = SampleQrText();
  return page;
}

// pdftotext's text with every run of white space one space: Chinese has no spaces of its own,
// and the layout mode pads lines out to where their text stands.
std::string Squeezed(const std::string& text) { return std::regex_replace(text, std::regex("\\s+"), " "); }

// What the QR code on the last page says, rasterised at 100 dpi (a photocopy's resolution, well
// under a phone camera's) and decoded by zbarimg.
std::string QrOnLastPage(const std::string& file, int pages, const std::string& dir) {
  const std::string last = std::to_string(pages);
  ToolRun raster = RunTool("pdftoppm -r 100 -png -f " + last + " -l " + last + " '" + file + "' '" + dir + "/page'");
  INFO(raster.output);
  REQUIRE(raster.exit_code == 0);
  std::string png;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".png") png = entry.path().string();
  }
  REQUIRE(!png.empty());
  ToolRun scan = RunTool("zbarimg --raw -q '" + png + "'", false);
  INFO(scan.output);
  REQUIRE(scan.exit_code == 0);
  REQUIRE(scan.output.ends_with("\n"));
  return scan.output.substr(0, scan.output.size() - 1);
}

// Every word pdftotext finds lies inside the page's margins (25 mm at the sides; the running head
// and page number stand in the top and bottom margins, 12 mm from the edge or more), and every
// page has words.
void CheckWithinMargins(const std::string& file, int pages) {
  ToolRun boxes = RunTool("pdftotext -bbox '" + file + "' -");
  REQUIRE(boxes.exit_code == 0);
  constexpr double kMm = 72.0 / 25.4;
  const std::regex word(R"re(<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>)re");
  int words = 0, pages_seen = 0;
  std::vector<int> words_on_page;
  std::istringstream lines(boxes.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("<page ") != std::string::npos) {
      ++pages_seen;
      words_on_page.push_back(0);
    }
    std::smatch m;
    if (!std::regex_search(line, m, word)) continue;
    ++words;
    ++words_on_page.back();
    INFO("word '" << m[5] << "' on page " << pages_seen << " at " << m[1] << "," << m[2] << " to " << m[3] << "," << m[4]);
    CHECK(std::stod(m[1]) >= 25 * kMm - 1);
    CHECK(std::stod(m[3]) <= 185 * kMm + 1);
    CHECK(std::stod(m[2]) >= 12 * kMm);
    CHECK(std::stod(m[4]) <= 285 * kMm);
  }
  CHECK(pages_seen == pages);
  CHECK(words > 0);
  for (int count : words_on_page) CHECK(count > 0);
}

TEST_CASE("report pdf: an A4 report in Chinese over several pages, every item printed, the QR code decodes to its text",
          "[report][pdf]") {
  RequireTool("pdftotext", "poppler-utils");
  RequireTool("pdfinfo", "poppler-utils");
  RequireTool("pdftoppm", "poppler-utils");
  RequireTool("zbarimg", "zbar-tools");

  const ReportPage page = SamplePage();
  Result<std::string> pdf = RenderReportPdf(page);
  INFO(pdf.status().ToString());
  REQUIRE(pdf.ok());
  REQUIRE(pdf->starts_with("%PDF-"));
  TempDir dir;
  const std::string file = dir.path() + "/report.pdf";
  std::ofstream(file, std::ios::binary) << *pdf;
  if (const char* keep = std::getenv("CREDITLOG_REPORT_PDF_KEEP")) std::filesystem::copy_file(file, keep, std::filesystem::copy_options::overwrite_existing);

  ToolRun info = RunTool("pdfinfo '" + file + "'");
  INFO(info.output);
  REQUIRE(info.exit_code == 0);
  std::smatch match;
  REQUIRE(std::regex_search(info.output, match, std::regex("Pages:\\s+(\\d+)")));
  const int pages = std::stoi(match[1]);
  CHECK(pages >= 3);
  REQUIRE(std::regex_search(info.output, match, std::regex("Page size:\\s+([0-9.]+) x ([0-9.]+) pts")));
  CHECK(std::lround(std::stod(match[1])) == 595);
  CHECK(std::lround(std::stod(match[2])) == 842);
  CHECK(info.output.find("Creator:         creditlog") != std::string::npos);
  CHECK(info.output.find("专项信用报告 CR-20261202-1A2B3C4D") != std::string::npos);

  ToolRun text = RunTool("pdftotext -layout '" + file + "' -");
  REQUIRE(text.exit_code == 0);
  const std::string printed = Squeezed(text.output);
  INFO(printed);
  CHECK(printed.find("专项信用报告") != std::string::npos);
  CHECK(printed.find("CR-20261202-1A2B3C4D") != std::string::npos);
  CHECK(printed.find("青岛金源环保科技有限公司") != std::string::npos);
  CHECK(printed.find("91370202MAY0L3HY8H") != std::string::npos);
  for (const json& section : page.facts["sections"]) {
    CHECK(printed.find(section["title"].get<std::string>()) != std::string::npos);
    for (const json& item : section["items"]) CHECK(printed.find(item["title"].get<std::string>()) != std::string::npos);
  }
  // The empty section says so, right under its heading.
  CHECK(std::regex_search(printed, std::regex("二、失信名单信息 无 三、信用承诺信息")));
  CHECK(printed.find("已修复") != std::string::npos);
  CHECK(printed.find("依据：较重行政处罚（penalty.serious）") != std::string::npos);
  CHECK(printed.find("账本序号：951, 952") != std::string::npos);
  CHECK(printed.find("树大小 1831") != std::string::npos);
  CHECK(printed.find("witness.shandong.example") != std::string::npos);
  CHECK(printed.find("扫码核验") != std::string::npos);
  // pdftotext closes up the narrow spaces of "第 1 页 共 7 页".
  REQUIRE(std::regex_search(printed, match, std::regex("第 ?1 ?页 ?共 ?(\\d+) ?页")));
  CHECK(std::stoi(match[1]) == pages);
  const std::string n = std::to_string(pages);
  CHECK(std::regex_search(printed, std::regex("第 ?" + n + " ?页 ?共 ?" + n + " ?页")));
  CheckWithinMargins(file, pages);

  CHECK(QrOnLastPage(file, pages, dir.path()) == page.qr_text);
}

TEST_CASE("report pdf: a QR text at the limit still prints readable at 100 dpi", "[report][pdf]") {
  RequireTool("pdfinfo", "poppler-utils");
  RequireTool("pdftoppm", "poppler-utils");
  RequireTool("zbarimg", "zbar-tools");
  ReportPage page = SamplePage();
  page.qr_text = SampleQrText(kReportQrTextBytesMax);
  Result<std::string> pdf = RenderReportPdf(page);
  INFO(pdf.status().ToString());
  REQUIRE(pdf.ok());
  TempDir dir;
  const std::string file = dir.path() + "/report.pdf";
  std::ofstream(file, std::ios::binary) << *pdf;
  ToolRun info = RunTool("pdfinfo '" + file + "'");
  std::smatch match;
  REQUIRE(std::regex_search(info.output, match, std::regex("Pages:\\s+(\\d+)")));
  CHECK(QrOnLastPage(file, std::stoi(match[1]), dir.path()) == page.qr_text);
}

TEST_CASE("report pdf: an item longer than a page flows on to the next, within the margins", "[report][pdf]") {
  RequireTool("pdftotext", "poppler-utils");
  RequireTool("pdfinfo", "poppler-utils");
  ReportPage page = SamplePage();
  json& item = page.facts["sections"][0]["items"][0];
  std::string text;
  for (int i = 0; i < 90; ++i) text += "第" + std::to_string(i + 1) + "段：当事人未按规定对危险废物进行分类贮存，且未建立危险废物管理台账。";
  item["text"] = text + "此为末句。";
  Result<std::string> pdf = RenderReportPdf(page);
  INFO(pdf.status().ToString());
  REQUIRE(pdf.ok());
  TempDir dir;
  const std::string file = dir.path() + "/long.pdf";
  std::ofstream(file, std::ios::binary) << *pdf;
  if (const char* keep = std::getenv("CREDITLOG_REPORT_PDF_KEEP_LONG")) std::filesystem::copy_file(file, keep, std::filesystem::copy_options::overwrite_existing);
  ToolRun info = RunTool("pdfinfo '" + file + "'");
  std::smatch match;
  REQUIRE(std::regex_search(info.output, match, std::regex("Pages:\\s+(\\d+)")));
  const int pages = std::stoi(match[1]);
  // Page 1 holds the title, the table and the item's start; page 2 its middle, page 3 its end.
  ToolRun first = RunTool("pdftotext -layout -f 1 -l 1 '" + file + "' -");
  ToolRun second = RunTool("pdftotext -layout -f 2 -l 2 '" + file + "' -");
  ToolRun third = RunTool("pdftotext -layout -f 3 -l 3 '" + file + "' -");
  CHECK(Squeezed(first.output).find("第1段") != std::string::npos);
  CHECK(Squeezed(second.output).find("第45段") != std::string::npos);
  CHECK(Squeezed(third.output).find("此为末句。") != std::string::npos);
  CheckWithinMargins(file, pages);

  // A table cell taller than the room left on the first page (a grade's reason is free text)
  // goes on to the second.
  page = SamplePage();
  std::string reason;
  for (int i = 0; i < 70; ++i) reason += "一年内受到较重行政处罚，且未在规定期限内完成整改。";
  page.facts["grade"]["reason"] = reason + "理由末句。";
  pdf = RenderReportPdf(page);
  REQUIRE(pdf.ok());
  std::ofstream(file, std::ios::binary | std::ios::trunc) << *pdf;
  if (const char* keep = std::getenv("CREDITLOG_REPORT_PDF_KEEP_CELL")) std::filesystem::copy_file(file, keep, std::filesystem::copy_options::overwrite_existing);
  info = RunTool("pdfinfo '" + file + "'");
  REQUIRE(std::regex_search(info.output, match, std::regex("Pages:\\s+(\\d+)")));
  first = RunTool("pdftotext -layout -f 1 -l 1 '" + file + "' -");
  second = RunTool("pdftotext -layout -f 2 -l 2 '" + file + "' -");
  CHECK(Squeezed(first.output).find("信用等级") != std::string::npos);
  CHECK(Squeezed(first.output).find("理由末句。") == std::string::npos);
  CHECK(Squeezed(second.output).find("理由末句。") != std::string::npos);
  CheckWithinMargins(file, std::stoi(match[1]));
}

TEST_CASE("report pdf: facts without a field it prints, or a QR text over the limit, are refused as invalid",
          "[report][pdf]") {
  ReportPage page = SamplePage();
  page.facts.erase("sections");
  Result<std::string> no_sections = RenderReportPdf(page);
  REQUIRE(!no_sections.ok());
  CHECK(no_sections.status().code() == StatusCode::kInvalidArgument);
  CHECK(no_sections.status().message().find("'sections'") != std::string::npos);

  page = SamplePage();
  page.facts["subject"].erase("name");
  Result<std::string> no_name = RenderReportPdf(page);
  REQUIRE(!no_name.ok());
  CHECK(no_name.status().code() == StatusCode::kInvalidArgument);
  CHECK(no_name.status().message().find("'subject.name'") != std::string::npos);

  page = SamplePage();
  page.facts["sections"][2]["items"][5].erase("state_zh");
  Result<std::string> no_state = RenderReportPdf(page);
  REQUIRE(!no_state.ok());
  CHECK(no_state.status().message().find("'sections[2].items[5].state_zh'") != std::string::npos);

  page = SamplePage();
  page.qr_text = std::string(kReportQrTextBytesMax + 1, 'A');
  Result<std::string> long_qr = RenderReportPdf(page);
  REQUIRE(!long_qr.ok());
  CHECK(long_qr.status().code() == StatusCode::kInvalidArgument);
  CHECK(long_qr.status().message().find("qr_text") != std::string::npos);

  page.qr_text = "";
  Result<std::string> no_qr = RenderReportPdf(page);
  REQUIRE(!no_qr.ok());
  CHECK(no_qr.status().code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace creditlog::api
