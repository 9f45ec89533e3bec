// The printed 专项信用报告: an A4 PDF in Chinese, laid out like an official document, from a
// report's facts (creditlog.report-facts/v1, docs/reports.md) and what the office signed about
// them. The paper is for people; what a verifier checks is the report file beside it, which the
// QR code on the last page leads to (its signed statement, opened in the console's 报告核验).
//
// Drawn with cairo (its PDF surface writes the file), text shaped by Pango with a CJK font found
// through fontconfig (Debian's fonts-noto-cjk), the QR code by libqrencode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace creditlog::api {

// The most the QR code carries. The statement note of docs/reports.md in base64url behind the
// console's address is ~800 bytes; at 1500 bytes the code (version 32 at level M, 145 modules)
// is ~77 mm wide with its quiet zone at the 0.5 mm modules a phone reads from paper.
inline constexpr size_t kReportQrTextBytesMax = 1500;

struct ReportPage {
  nlohmann::json facts;      // creditlog.report-facts/v1 (docs/reports.md)
  std::string number;        // CR-20261202-1A2B3C4D
  std::string office;        // the log's origin, e.g. creditlog.qingdao.example/log
  std::string purpose;       // Chinese purpose name, may be ""
  std::string issued;        // YYYY-MM-DD
  uint64_t checkpoint_size = 0;
  std::string checkpoint_root;   // base64
  std::string facts_sha256;      // base64 of SHA-256 of facts_text
  std::vector<std::string> cosigners;  // witness names that cosigned the checkpoint (may be empty)
  std::string qr_text;       // what the QR code encodes (a URL with the signed statement)
};

// The report as PDF bytes. InvalidArgument naming the field when the facts lack one the report
// prints, or when qr_text is empty or longer than kReportQrTextBytesMax; Unavailable when no
// installed font has glyphs for the text (a report of empty boxes is worse than none).
Result<std::string> RenderReportPdf(const ReportPage& page);

}  // namespace creditlog::api
