#include "api/report_pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "projections/words.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

// ---- The page (ISO A4, in PDF points; cairo's PDF surface works in points) -----------------

constexpr double kPointsPerMm = 72.0 / 25.4;
constexpr double kPageWidth = 210.0 * kPointsPerMm;
constexpr double kPageHeight = 297.0 * kPointsPerMm;
constexpr double kMarginLeft = 25.0 * kPointsPerMm;
constexpr double kMarginRight = 25.0 * kPointsPerMm;
constexpr double kMarginTop = 25.0 * kPointsPerMm;
constexpr double kMarginBottom = 25.0 * kPointsPerMm;
constexpr double kContentWidth = kPageWidth - kMarginLeft - kMarginRight;
constexpr double kContentTop = kMarginTop;
constexpr double kContentBottom = kPageHeight - kMarginBottom;
// The running head of pages after the first (which number the report, so that a page that comes
// loose still says whose it is) and the page number, both in the margins.
constexpr double kRunningHeadBaseline = 17.0 * kPointsPerMm;
constexpr double kRunningHeadRule = 19.5 * kPointsPerMm;
constexpr double kPageNumberBaseline = kPageHeight - 14.0 * kPointsPerMm;

// ---- Type ------------------------------------------------------------------------------------

// Family lists, each falling back to the next: Noto CJK (fonts-noto-cjk) is what Debian installs,
// WenQuanYi Micro Hei what the browser tests install. A serif (宋体-like) face for the title and
// the text, a sans (黑体-like) one for headings and labels, as in official documents.
constexpr const char* kSerif = "Noto Serif CJK SC, Noto Sans CJK SC, WenQuanYi Micro Hei";
constexpr const char* kSans = "Noto Sans CJK SC, WenQuanYi Micro Hei";
// Hashes in a monospaced face, so that a reader comparing them character by character keeps
// their place.
constexpr const char* kMono = "Noto Sans Mono CJK SC, DejaVu Sans Mono, Liberation Mono, monospace";

constexpr double kTitlePt = 22.0;  // 二号
constexpr double kTitleLetterSpacingPt = 6.0;
constexpr double kNumberPt = 10.5;
constexpr double kHeadingPt = 14.0;  // 四号
constexpr double kItemTitlePt = 11.0;
constexpr double kBodyPt = 10.5;   // 五号
constexpr double kBasisPt = 8.5;
constexpr double kTablePt = 10.5;
constexpr double kCaptionPt = 9.5;
constexpr double kMarginTextPt = 8.5;  // the running head and page numbers
constexpr double kBodyLineSpacing = 1.45;  // baseline to baseline, in units of the font's height
constexpr double kTableLineSpacing = 1.3;

constexpr const char* kGrey = "#555555";
constexpr const char* kRepairedColour = "#1d6b34";
constexpr double kInk = 0.08;  // near-black text and rules

// ---- Vertical rhythm (points) ------------------------------------------------------------------

constexpr double kAfterTitle = 8.0;
constexpr double kBeforeIdentity = 16.0;
constexpr double kBeforeHeading = 16.0;
constexpr double kAfterHeading = 6.0;
constexpr double kBeforeItem = 9.0;
constexpr double kBeforeItemPart = 1.5;
constexpr double kItemIndent = 2.0 * kBodyPt;  // the text under an item's title: two characters in
constexpr double kBeforeFooter = 22.0;
constexpr double kBeforeQr = 12.0;

constexpr double kTableLabelWidth = 38.0 * kPointsPerMm;
constexpr double kTableCellPadX = 6.0;
constexpr double kTableCellPadY = 4.5;
constexpr double kTableRuleWidth = 0.6;
constexpr double kTableLabelFill = 0.95;
constexpr double kTableRuleGrey = 0.45;
constexpr double kHeadRuleGrey = 0.6;
constexpr double kHeadRuleWidth = 0.5;

// ---- The QR code -----------------------------------------------------------------------------

// Modules no smaller than a phone reads from print, and the code no narrower than 30 mm; a
// 4-module quiet zone around it, as ISO/IEC 18004 asks.
constexpr double kQrModuleMin = 0.5 * kPointsPerMm;
constexpr double kQrWidthMin = 30.0 * kPointsPerMm;
constexpr int kQrQuietModules = 4;
constexpr double kQrCaptionGap = 14.0;

// ---- Facts, as the report prints them -----------------------------------------------------------

struct Item {
  std::string title, text, state_zh, rule, rule_name;
  bool repaired = false;
  std::vector<uint64_t> seqs;
};

struct Section {
  std::string title;
  std::vector<Item> items;
};

struct Facts {
  std::string subject_name, subject_id, kind_zh, division, as_of;
  std::string ruleset_version;
  uint64_t ruleset_seq = 0;
  std::string grade, grade_reason, grade_rule, grade_rule_name;
  std::vector<uint64_t> grade_seqs;
  std::vector<Section> sections;
};

Status Missing(const std::string& field, std::string_view what) {
  return Status::InvalidArgument("report facts: field '" + field + "' is missing or not " + std::string(what));
}

std::string Path(const std::string& where, std::string_view key) {
  return where.empty() ? std::string(key) : where + "." + std::string(key);
}

// Pango takes UTF-8 only (JSON parsed from text is; JSON built in code need not be).
bool IsUtf8(const std::string& text) {
  return g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr);
}

Result<std::string> StringField(const json& object, const std::string& where, const char* key) {
  if (object.is_object()) {
    auto it = object.find(key);
    if (it != object.end() && it->is_string() && IsUtf8(it->get_ref<const std::string&>())) return it->get<std::string>();
  }
  return Missing(Path(where, key), "a UTF-8 string");
}

// A count or seq: parsed JSON holds it unsigned, JSON built in code (1, not 1u) signed.
bool IsCount(const json& value) {
  return value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0);
}

Result<uint64_t> NumberField(const json& object, const std::string& where, const char* key) {
  if (object.is_object()) {
    auto it = object.find(key);
    if (it != object.end() && IsCount(*it)) return it->get<uint64_t>();
  }
  return Missing(Path(where, key), "a non-negative integer");
}

Result<const json*> ObjectField(const json& object, const std::string& where, const char* key) {
  if (object.is_object()) {
    auto it = object.find(key);
    if (it != object.end() && it->is_object()) return &*it;
  }
  return Missing(Path(where, key), "an object");
}

Result<std::vector<uint64_t>> SeqsField(const json& object, const std::string& where) {
  const std::string field = Path(where, "seqs");
  auto it = object.find("seqs");
  if (it == object.end() || !it->is_array()) return Missing(field, "an array of seqs");
  std::vector<uint64_t> seqs;
  for (const json& seq : *it) {
    if (!IsCount(seq)) return Missing(field, "an array of seqs");
    seqs.push_back(seq.get<uint64_t>());
  }
  return seqs;
}

Result<Item> ParseItem(const json& object, const std::string& where) {
  if (!object.is_object()) return Missing(where, "an object");
  Item item;
  ASSIGN_OR_RETURN(item.title, StringField(object, where, "title"));
  ASSIGN_OR_RETURN(item.text, StringField(object, where, "text"));
  ASSIGN_OR_RETURN(item.state_zh, StringField(object, where, "state_zh"));
  ASSIGN_OR_RETURN(item.rule, StringField(object, where, "rule"));
  ASSIGN_OR_RETURN(item.rule_name, StringField(object, where, "rule_name"));
  ASSIGN_OR_RETURN(item.seqs, SeqsField(object, where));
  // Only penalties and listings can be repaired; other items may leave it out.
  if (auto it = object.find("repaired"); it != object.end()) {
    if (!it->is_boolean()) return Missing(Path(where, "repaired"), "a boolean");
    item.repaired = it->get<bool>();
  }
  return item;
}

Result<Facts> ParseFacts(const json& facts) {
  if (!facts.is_object()) return Status::InvalidArgument("report facts: not a JSON object");
  ASSIGN_OR_RETURN(std::string format, StringField(facts, "", "format"));
  if (format != "creditlog.report-facts/v1") {
    return Status::InvalidArgument("report facts: field 'format' is '" + format + "', not creditlog.report-facts/v1");
  }
  Facts out;
  ASSIGN_OR_RETURN(out.as_of, StringField(facts, "", "as_of"));
  ASSIGN_OR_RETURN(const json* subject, ObjectField(facts, "", "subject"));
  ASSIGN_OR_RETURN(out.subject_name, StringField(*subject, "subject", "name"));
  ASSIGN_OR_RETURN(out.subject_id, StringField(*subject, "subject", "id"));
  ASSIGN_OR_RETURN(out.kind_zh, StringField(*subject, "subject", "kind_zh"));
  ASSIGN_OR_RETURN(out.division, StringField(*subject, "subject", "division"));
  ASSIGN_OR_RETURN(const json* ruleset, ObjectField(facts, "", "ruleset"));
  ASSIGN_OR_RETURN(out.ruleset_version, StringField(*ruleset, "ruleset", "version"));
  ASSIGN_OR_RETURN(out.ruleset_seq, NumberField(*ruleset, "ruleset", "seq"));
  ASSIGN_OR_RETURN(const json* grade, ObjectField(facts, "", "grade"));
  ASSIGN_OR_RETURN(out.grade, StringField(*grade, "grade", "grade"));
  ASSIGN_OR_RETURN(out.grade_reason, StringField(*grade, "grade", "reason"));
  ASSIGN_OR_RETURN(out.grade_rule, StringField(*grade, "grade", "rule"));
  ASSIGN_OR_RETURN(out.grade_rule_name, StringField(*grade, "grade", "rule_name"));
  ASSIGN_OR_RETURN(out.grade_seqs, SeqsField(*grade, "grade"));
  auto sections = facts.find("sections");
  if (sections == facts.end() || !sections->is_array()) return Missing("sections", "an array");
  for (size_t s = 0; s < sections->size(); ++s) {
    const std::string where = "sections[" + std::to_string(s) + "]";
    const json& object = (*sections)[s];
    if (!object.is_object()) return Missing(where, "an object");
    Section section;
    ASSIGN_OR_RETURN(section.title, StringField(object, where, "title"));
    auto items = object.find("items");
    if (items == object.end() || !items->is_array()) return Missing(Path(where, "items"), "an array");
    for (size_t i = 0; i < items->size(); ++i) {
      ASSIGN_OR_RETURN(Item item, ParseItem((*items)[i], where + ".items[" + std::to_string(i) + "]"));
      section.items.push_back(std::move(item));
    }
    out.sections.push_back(std::move(section));
  }
  return out;
}

// ---- Words ---------------------------------------------------------------------------------------

std::string JoinSeqs(const std::vector<uint64_t>& seqs) {
  std::string out;
  for (uint64_t seq : seqs) {
    if (!out.empty()) out += ", ";
    out += std::to_string(seq);
  }
  return out;
}

std::string Escape(std::string_view text) {
  gchar* escaped = g_markup_escape_text(text.data(), static_cast<gssize>(text.size()));
  std::string out(escaped);
  g_free(escaped);
  return out;
}

std::string Span(std::string_view attributes, std::string_view text) {
  return "<span " + std::string(attributes) + ">" + Escape(text) + "</span>";
}

// "依据：信用等级 D：严重失信名单（grade.D）  账本序号：953, 954" — which rule derives a fact from
// which entries, so that a reader can find them in the report file.
std::string BasisMarkup(const std::string& rule, const std::string& rule_name, const std::vector<uint64_t>& seqs) {
  std::string basis = rule.empty() ? "账本记录" : rule_name.empty() ? rule : rule_name + "（" + rule + "）";
  std::string text = "依据：" + basis;
  if (!seqs.empty()) text += "\u3000账本序号：" + JoinSeqs(seqs);
  return Escape(text);
}

// ---- Layouts ---------------------------------------------------------------------------------------

struct GObjectUnref {
  void operator()(void* object) const { g_object_unref(object); }
};
using LayoutPtr = std::unique_ptr<PangoLayout, GObjectUnref>;

struct Style {
  const char* family;
  double size_pt;
  PangoWeight weight = PANGO_WEIGHT_NORMAL;
  PangoAlignment align = PANGO_ALIGN_LEFT;
  double line_spacing = 0;  // 0: the font's own
  double letter_spacing_pt = 0;
};

// Where a row lands: its top, and whether it is the first or last row on its page.
struct Slot {
  double top;
  bool page_first, page_last;
};

// One piece of the document that moves as a whole: it goes on one page, at `height` below what
// comes before (plus `space_before`, dropped at the top of a page), and draws itself there.
struct Row {
  double space_before = 0;
  double height = 0;
  std::function<void(cairo_t*, const Slot&)> draw;
};

// Rows kept together on one page when they fit on one; a unit taller than a page flows on,
// breaking between its rows (which for text are its lines).
using Unit = std::vector<Row>;

// One line of a layout, to be drawn on its own: where a page breaks, a paragraph or a table cell
// goes on to the next page line by line.
struct Line {
  PangoLayoutLine* line;  // the layout's; lives as long as it
  double offset;          // from the layout's left edge to the line's origin (its alignment)
  double drop;            // from the line's top to its baseline
  double height;          // the line's share of the layout's height, line spacing included

  void Draw(cairo_t* cr, double layout_left, double top) const {
    cairo_move_to(cr, layout_left + offset, top + drop);
    pango_cairo_show_layout_line(cr, line);
  }
};

std::vector<Line> Lines(PangoLayout* layout) {
  std::vector<Line> lines;
  PangoLayoutIter* iter = pango_layout_get_iter(layout);
  do {
    int y0 = 0, y1 = 0;
    pango_layout_iter_get_line_yrange(iter, &y0, &y1);
    const int baseline = pango_layout_iter_get_baseline(iter);
    PangoRectangle in_layout, in_line;
    pango_layout_iter_get_line_extents(iter, nullptr, &in_layout);
    PangoLayoutLine* line = pango_layout_iter_get_line_readonly(iter);
    pango_layout_line_get_extents(line, nullptr, &in_line);
    // show_layout_line draws a line at its own origin: the alignment's offset is the layout's.
    lines.push_back({line, static_cast<double>(in_layout.x - in_line.x) / PANGO_SCALE,
                     static_cast<double>(baseline - y0) / PANGO_SCALE, static_cast<double>(y1 - y0) / PANGO_SCALE});
  } while (pango_layout_iter_next_line(iter));
  pango_layout_iter_free(iter);
  return lines;
}

class Document {
 public:
  explicit Document(cairo_t* cr) : context_(pango_cairo_create_context(cr)) {
    // One PDF point per Pango point (Pango's default is 96 per inch), and unhinted metrics, so that
    // what is measured here is what is drawn.
    pango_cairo_context_set_resolution(context_, 72.0);
    cairo_font_options_t* options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(context_, options);
    cairo_font_options_destroy(options);
  }
  ~Document() { g_object_unref(context_); }
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // A layout of `markup` wrapping at `width`. Fails when a character has no glyph in any
  // installed font.
  Result<PangoLayout*> Layout(const std::string& markup, const Style& style, double width) {
    PangoLayout* layout = pango_layout_new(context_);
    layouts_.emplace_back(layout);
    PangoFontDescription* font = pango_font_description_new();
    pango_font_description_set_family(font, style.family);
    pango_font_description_set_size(font, static_cast<gint>(style.size_pt * PANGO_SCALE));
    pango_font_description_set_weight(font, style.weight);
    pango_layout_set_font_description(layout, font);
    pango_font_description_free(font);
    pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout, style.align);
    if (style.line_spacing > 0) pango_layout_set_line_spacing(layout, static_cast<float>(style.line_spacing));
    if (style.letter_spacing_pt > 0) {
      PangoAttrList* attributes = pango_attr_list_new();
      pango_attr_list_insert(attributes, pango_attr_letter_spacing_new(static_cast<int>(style.letter_spacing_pt * PANGO_SCALE)));
      pango_layout_set_attributes(layout, attributes);
      pango_attr_list_unref(attributes);
    }
    pango_layout_set_markup(layout, markup.c_str(), -1);
    if (pango_layout_get_unknown_glyphs_count(layout) > 0) {
      return Status::Unavailable("no installed font has glyphs for the report's text (install fonts-noto-cjk): " +
                                 std::string(pango_layout_get_text(layout)));
    }
    return layout;
  }

  static double Height(PangoLayout* layout) {
    PangoRectangle logical;
    pango_layout_get_extents(layout, nullptr, &logical);
    return static_cast<double>(logical.height) / PANGO_SCALE;
  }

  // The lines of `layout` as rows of `unit`, `x` from the left margin.
  static void AddLines(Unit& unit, PangoLayout* layout, double x, double space_before) {
    for (const Line& line : Lines(layout)) {
      Row row;
      row.space_before = space_before;
      row.height = line.height;
      row.draw = [line, x](cairo_t* cr, const Slot& slot) { line.Draw(cr, kMarginLeft + x, slot.top); };
      unit.push_back(std::move(row));
      space_before = 0;
    }
  }

 private:
  PangoContext* context_;
  std::vector<LayoutPtr> layouts_;
};

// ---- Parts of the report ---------------------------------------------------------------------------

// A bordered two-column table row, a shaded label cell and its value, as one row per line so
// that a long value (a grade's reason is free text) breaks across pages like a paragraph. Each
// slice draws its part of the cells' sides; the first the top edge, the last the bottom, and a
// slice at a page's top or bottom closes the cells there.
Status AddTableRow(Document& doc, Unit& unit, const std::string& label, const std::string& value_markup) {
  const Style label_style{kSans, kTablePt, PANGO_WEIGHT_NORMAL, PANGO_ALIGN_LEFT, kTableLineSpacing};
  const Style value_style{kSerif, kTablePt, PANGO_WEIGHT_NORMAL, PANGO_ALIGN_LEFT, kTableLineSpacing};
  const double value_width = kContentWidth - kTableLabelWidth - 2 * kTableCellPadX;
  ASSIGN_OR_RETURN(PangoLayout * label_layout, doc.Layout(Escape(label), label_style, kTableLabelWidth - 2 * kTableCellPadX));
  ASSIGN_OR_RETURN(PangoLayout * value_layout, doc.Layout(value_markup, value_style, value_width));
  const std::vector<Line> labels = Lines(label_layout), values = Lines(value_layout);
  const size_t slices = std::max(labels.size(), values.size());
  for (size_t i = 0; i < slices; ++i) {
    const bool first = i == 0, last = i + 1 == slices;
    const std::optional<Line> label_line = i < labels.size() ? std::optional(labels[i]) : std::nullopt;
    const std::optional<Line> value_line = i < values.size() ? std::optional(values[i]) : std::nullopt;
    const double pad_top = first ? kTableCellPadY : 0;
    Row row;
    row.height = std::max(label_line ? label_line->height : 0, value_line ? value_line->height : 0) + pad_top +
                 (last ? kTableCellPadY : 0);
    row.draw = [label_line, value_line, first, last, pad_top, height = row.height](cairo_t* cr, const Slot& slot) {
      const double top = slot.top;
      const double label_right = kMarginLeft + kTableLabelWidth, right = kMarginLeft + kContentWidth;
      cairo_set_source_rgb(cr, kTableLabelFill, kTableLabelFill, kTableLabelFill);
      cairo_rectangle(cr, kMarginLeft, top, kTableLabelWidth, height);
      cairo_fill(cr);
      cairo_set_source_rgb(cr, kTableRuleGrey, kTableRuleGrey, kTableRuleGrey);
      cairo_set_line_width(cr, kTableRuleWidth);
      for (double x : {kMarginLeft, label_right, right}) {
        cairo_move_to(cr, x, top);
        cairo_line_to(cr, x, top + height);
      }
      for (auto [edge, y] : {std::pair{first || slot.page_first, top}, std::pair{last || slot.page_last, top + height}}) {
        if (!edge) continue;
        cairo_move_to(cr, kMarginLeft, y);
        cairo_line_to(cr, right, y);
      }
      // Square ends, so that the sides of consecutive slices meet without a gap.
      cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
      cairo_stroke(cr);
      cairo_set_source_rgb(cr, kInk, kInk, kInk);
      if (label_line) label_line->Draw(cr, kMarginLeft + kTableCellPadX, top + pad_top);
      if (value_line) value_line->Draw(cr, label_right + kTableCellPadX, top + pad_top);
    };
    unit.push_back(std::move(row));
  }
  return Status::Ok();
}

Result<Unit> TitleUnit(Document& doc, const ReportPage& page) {
  Unit unit;
  const Style title{kSerif, kTitlePt, PANGO_WEIGHT_BOLD, PANGO_ALIGN_CENTER, 0, kTitleLetterSpacingPt};
  ASSIGN_OR_RETURN(PangoLayout * title_layout, doc.Layout(Escape("专项信用报告"), title, kContentWidth));
  Document::AddLines(unit, title_layout, 0, 0);
  const Style number{kSerif, kNumberPt, PANGO_WEIGHT_NORMAL, PANGO_ALIGN_CENTER};
  ASSIGN_OR_RETURN(PangoLayout * number_layout, doc.Layout(Escape("报告编号：" + page.number), number, kContentWidth));
  Document::AddLines(unit, number_layout, 0, kAfterTitle);
  return unit;
}

Result<Unit> IdentityUnit(Document& doc, const ReportPage& page, const Facts& facts) {
  // The grade, why, and (small, grey) the rule and entries it comes from.
  const std::string grade_markup =
      "<b>" + Escape(facts.grade) + "</b>\u3000" + Escape(facts.grade_reason) + "\n<span size=\"" +
      std::to_string(static_cast<int>(kBasisPt * PANGO_SCALE)) + "\" foreground=\"" + kGrey + "\" font_family=\"" +
      kSans + "\">" +
      BasisMarkup(facts.grade_rule, facts.grade_rule_name, facts.grade_seqs) + "</span>";
  const std::pair<const char*, std::string> rows[] = {
      {"主体名称", Escape(facts.subject_name)},
      {"统一社会信用代码", Escape(facts.subject_id)},
      {"主体类型", Escape(facts.kind_zh)},
      {"所属区划", Escape(facts.division)},
      {"查询截止日期", Escape(facts.as_of)},
      {"查询用途", Escape(page.purpose.empty() ? "未注明" : page.purpose)},
      {"适用规则集", Escape(facts.ruleset_version + "（序号 " + std::to_string(facts.ruleset_seq) + "）")},
      {"信用等级", grade_markup},
  };
  Unit unit;
  for (const auto& [label, value] : rows) RETURN_IF_ERROR(AddTableRow(doc, unit, label, value));
  unit.front().space_before = kBeforeIdentity;
  return unit;
}

Result<Unit> HeadingLines(Document& doc, const std::string& heading) {
  Unit unit;
  const Style style{kSans, kHeadingPt, PANGO_WEIGHT_BOLD};
  ASSIGN_OR_RETURN(PangoLayout * layout, doc.Layout(Escape(heading), style, kContentWidth));
  Document::AddLines(unit, layout, 0, kBeforeHeading);
  return unit;
}

Result<Unit> ItemLines(Document& doc, const Item& item, size_t index, double space_before) {
  Unit unit;
  const Style title{kSerif, kItemTitlePt, PANGO_WEIGHT_BOLD, PANGO_ALIGN_LEFT, kBodyLineSpacing};
  const Style body{kSerif, kBodyPt, PANGO_WEIGHT_NORMAL, PANGO_ALIGN_LEFT, kBodyLineSpacing};
  const Style basis{kSans, kBasisPt, PANGO_WEIGHT_NORMAL, PANGO_ALIGN_LEFT, kBodyLineSpacing};
  const double indented = kContentWidth - kItemIndent;

  ASSIGN_OR_RETURN(PangoLayout * title_layout,
                   doc.Layout(Escape("（" + projections::ChineseNumeral(index) + "）" + item.title), title, kContentWidth));
  Document::AddLines(unit, title_layout, 0, space_before);
  if (!item.text.empty()) {
    ASSIGN_OR_RETURN(PangoLayout * text_layout, doc.Layout(Escape(item.text), body, indented));
    Document::AddLines(unit, text_layout, kItemIndent, kBeforeItemPart);
  }
  // 已修复 stands out: a repaired penalty or listing is the news a reader of the report wants.
  const std::string mark = std::string("weight=\"bold\" foreground=\"") + kRepairedColour + "\"";
  std::string state = Escape("状态：");
  if (item.repaired && item.state_zh == "已修复") {
    state += Span(mark, "已修复");
  } else {
    state += Escape(item.state_zh);
    if (item.repaired) state += "\u3000" + Span(mark, "〔已修复〕");
  }
  ASSIGN_OR_RETURN(PangoLayout * state_layout, doc.Layout(state, body, indented));
  Document::AddLines(unit, state_layout, kItemIndent, kBeforeItemPart);
  const std::string grey = std::string("<span foreground=\"") + kGrey + "\">";
  ASSIGN_OR_RETURN(PangoLayout * basis_layout,
                   doc.Layout(grey + BasisMarkup(item.rule, item.rule_name, item.seqs) + "</span>", basis, indented));
  Document::AddLines(unit, basis_layout, kItemIndent, kBeforeItemPart);
  return unit;
}

// One unit per item, the section's heading in the first item's unit so that a heading never
// ends a page.
Result<std::vector<Unit>> SectionUnits(Document& doc, const Section& section, size_t index) {
  ASSIGN_OR_RETURN(Unit heading, HeadingLines(doc, projections::ChineseNumeral(index) + "、" + section.title));
  std::vector<Unit> units;
  if (section.items.empty()) {
    const Style body{kSerif, kBodyPt, PANGO_WEIGHT_NORMAL, PANGO_ALIGN_LEFT, kBodyLineSpacing};
    ASSIGN_OR_RETURN(PangoLayout * none, doc.Layout(Escape("无"), body, kContentWidth - kItemIndent));
    Document::AddLines(heading, none, kItemIndent, kAfterHeading);
    units.push_back(std::move(heading));
    return units;
  }
  for (size_t i = 0; i < section.items.size(); ++i) {
    ASSIGN_OR_RETURN(Unit item, ItemLines(doc, section.items[i], i + 1, i == 0 ? kAfterHeading : kBeforeItem));
    if (i == 0) {
      heading.insert(heading.end(), std::make_move_iterator(item.begin()), std::make_move_iterator(item.end()));
      units.push_back(std::move(heading));
    } else {
      units.push_back(std::move(item));
    }
  }
  return units;
}

struct QrDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

// The QR code, with its quiet zone, at the left; the caption beside it.
Result<Row> QrRow(Document& doc, const ReportPage& page) {
  std::unique_ptr<QRcode, QrDeleter> code(QRcode_encodeString(page.qr_text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (code == nullptr) {
    return Status::InvalidArgument("report qr_text: cannot be encoded as a QR code (" +
                                   std::string(errno == ERANGE ? "too long" : "invalid") + ")");
  }
  const int modules = code->width;
  const int span = modules + 2 * kQrQuietModules;
  const double module = std::max(kQrModuleMin, kQrWidthMin / span);
  const double side = module * span;
  // Each run of dark modules in a row is one rectangle, all filled as one path, so that a
  // rasteriser leaves no hairlines between neighbours (a scanner reads those as light).
  std::vector<std::pair<int, int>> runs;  // (row * modules + start column, length)
  for (int y = 0; y < modules; ++y) {
    for (int x = 0; x < modules;) {
      if (!(code->data[y * modules + x] & 1)) {
        ++x;
        continue;
      }
      int end = x;
      while (end < modules && (code->data[y * modules + end] & 1)) ++end;
      runs.emplace_back(y * modules + x, end - x);
      x = end;
    }
  }

  const Style caption_style{kSans, kCaptionPt, PANGO_WEIGHT_NORMAL, PANGO_ALIGN_LEFT, kTableLineSpacing};
  const double caption_width = kContentWidth - side - kQrCaptionGap;
  const std::string grey = std::string("<span foreground=\"") + kGrey + "\">";
  const std::string caption =
      "<b>" + Escape("扫码核验：报告核验页面校验本报告的签名与内容") + "</b>\n" + grey +
      Escape("二维码载有出具机构对本报告的签名声明（报告编号、主体、查询截止日期、信用等级与事实摘要）。"
             "与本报告同名的报告文件（.report.json）载有每项事实所依据的账本条目及其包含证明，"
             "可用 creditlog verify-report 离线核验，无需联系出具机构。") +
      "</span>";
  ASSIGN_OR_RETURN(PangoLayout * caption_layout, doc.Layout(caption, caption_style, caption_width));

  Row row;
  row.space_before = kBeforeQr;
  row.height = std::max(side, Document::Height(caption_layout));
  row.draw = [runs = std::move(runs), modules, module, side, caption_layout](cairo_t* cr, const Slot& slot) {
    const double top = slot.top;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, kMarginLeft, top, side, side);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    const double origin_x = kMarginLeft + kQrQuietModules * module;
    const double origin_y = top + kQrQuietModules * module;
    for (const auto& [start, length] : runs) {
      cairo_rectangle(cr, origin_x + (start % modules) * module, origin_y + (start / modules) * module, length * module, module);
    }
    cairo_fill(cr);
    cairo_set_source_rgb(cr, kInk, kInk, kInk);
    cairo_move_to(cr, kMarginLeft + side + kQrCaptionGap, top + kQrQuietModules * module);
    pango_cairo_show_layout(cr, caption_layout);
  };
  return row;
}

Result<Unit> FooterUnit(Document& doc, const ReportPage& page) {
  Unit unit;
  ASSIGN_OR_RETURN(Unit heading, HeadingLines(doc, "出具与核验"));
  unit = std::move(heading);
  unit.front().space_before = kBeforeFooter;
  std::string cosigners;
  for (const std::string& name : page.cosigners) cosigners += (cosigners.empty() ? "" : "、") + name;
  const std::string mono = std::string("font_family=\"") + kMono + "\"";
  const std::pair<const char*, std::string> rows[] = {
      {"出具机构", Escape(page.office)},
      {"出具日期", Escape(page.issued)},
      {"所依据的检查点",
       Escape("树大小 " + std::to_string(page.checkpoint_size) + "，根哈希 ") + Span(mono, page.checkpoint_root)},
      {"见证方", Escape(cosigners.empty() ? "无" : cosigners)},
      {"事实摘要 SHA-256", Span(mono, page.facts_sha256)},
  };
  const size_t heading_lines = unit.size();
  for (const auto& [label, value] : rows) RETURN_IF_ERROR(AddTableRow(doc, unit, label, value));
  unit[heading_lines].space_before = kAfterHeading;
  ASSIGN_OR_RETURN(Row qr, QrRow(doc, page));
  unit.push_back(std::move(qr));
  return unit;
}

// ---- Pages -----------------------------------------------------------------------------------------

struct Placed {
  const Row* row;
  double top;
};

// Units in order onto pages: a unit that does not fit below what is already on a page starts the
// next one; one taller than a page breaks between its rows.
std::vector<std::vector<Placed>> Paginate(const std::vector<Unit>& units) {
  std::vector<std::vector<Placed>> pages(1);
  double y = kContentTop;
  auto new_page = [&] {
    pages.emplace_back();
    y = kContentTop;
  };
  for (const Unit& unit : units) {
    if (unit.empty()) continue;
    double height = 0;
    for (const Row& row : unit) height += row.space_before + row.height;
    const double at_top = height - unit.front().space_before;
    if (!pages.back().empty() && y + height > kContentBottom && at_top <= kContentBottom - kContentTop) new_page();
    for (const Row& row : unit) {
      double space = pages.back().empty() ? 0 : row.space_before;
      if (!pages.back().empty() && y + space + row.height > kContentBottom) {
        new_page();
        space = 0;
      }
      pages.back().push_back({&row, y + space});
      y += space + row.height;
    }
  }
  return pages;
}

Result<PangoLayout*> MarginLayout(Document& doc, const std::string& text, PangoAlignment align) {
  const Style style{kSans, kMarginTextPt, PANGO_WEIGHT_NORMAL, align};
  return doc.Layout(Span(std::string("foreground=\"") + kGrey + "\"", text), style, kContentWidth);
}

// Draws `layout`'s first line with its baseline at `baseline`.
void DrawAtBaseline(cairo_t* cr, PangoLayout* layout, double baseline) {
  const double ascent = static_cast<double>(pango_layout_get_baseline(layout)) / PANGO_SCALE;
  cairo_move_to(cr, kMarginLeft, baseline - ascent);
  pango_cairo_show_layout(cr, layout);
}

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

Status Draw(cairo_t* cr, const ReportPage& page, const Facts& facts) {
  Document doc(cr);
  std::vector<Unit> units;
  ASSIGN_OR_RETURN(Unit title, TitleUnit(doc, page));
  units.push_back(std::move(title));
  ASSIGN_OR_RETURN(Unit identity, IdentityUnit(doc, page, facts));
  units.push_back(std::move(identity));
  for (size_t s = 0; s < facts.sections.size(); ++s) {
    ASSIGN_OR_RETURN(std::vector<Unit> section, SectionUnits(doc, facts.sections[s], s + 1));
    for (Unit& unit : section) units.push_back(std::move(unit));
  }
  ASSIGN_OR_RETURN(Unit footer, FooterUnit(doc, page));
  units.push_back(std::move(footer));

  const std::vector<std::vector<Placed>> pages = Paginate(units);
  ASSIGN_OR_RETURN(PangoLayout * head_left, MarginLayout(doc, "专项信用报告", PANGO_ALIGN_LEFT));
  ASSIGN_OR_RETURN(PangoLayout * head_right, MarginLayout(doc, "报告编号：" + page.number, PANGO_ALIGN_RIGHT));
  for (size_t p = 0; p < pages.size(); ++p) {
    cairo_set_source_rgb(cr, kInk, kInk, kInk);
    if (p > 0) {
      DrawAtBaseline(cr, head_left, kRunningHeadBaseline);
      DrawAtBaseline(cr, head_right, kRunningHeadBaseline);
      cairo_set_source_rgb(cr, kHeadRuleGrey, kHeadRuleGrey, kHeadRuleGrey);
      cairo_set_line_width(cr, kHeadRuleWidth);
      cairo_move_to(cr, kMarginLeft, kRunningHeadRule);
      cairo_line_to(cr, kMarginLeft + kContentWidth, kRunningHeadRule);
      cairo_stroke(cr);
      cairo_set_source_rgb(cr, kInk, kInk, kInk);
    }
    for (size_t r = 0; r < pages[p].size(); ++r) {
      cairo_set_source_rgb(cr, kInk, kInk, kInk);
      pages[p][r].row->draw(cr, Slot{pages[p][r].top, r == 0, r + 1 == pages[p].size()});
    }
    cairo_set_source_rgb(cr, kInk, kInk, kInk);
    ASSIGN_OR_RETURN(PangoLayout * number,
                     MarginLayout(doc, "第 " + std::to_string(p + 1) + " 页 共 " + std::to_string(pages.size()) + " 页",
                                  PANGO_ALIGN_CENTER));
    DrawAtBaseline(cr, number, kPageNumberBaseline);
    cairo_show_page(cr);
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> RenderReportPdf(const ReportPage& page) {
  if (page.qr_text.empty()) return Status::InvalidArgument("report qr_text: empty");
  if (page.qr_text.size() > kReportQrTextBytesMax) {
    return Status::InvalidArgument("report qr_text: " + std::to_string(page.qr_text.size()) + " bytes, more than the " +
                                   std::to_string(kReportQrTextBytesMax) + " a printed QR code carries");
  }
  if (page.qr_text.find('\0') != std::string::npos) return Status::InvalidArgument("report qr_text: holds a NUL byte");
  if (page.number.empty()) return Status::InvalidArgument("report number: empty");
  const std::pair<const char*, const std::string*> texts[] = {
      {"number", &page.number},          {"office", &page.office},   {"purpose", &page.purpose},
      {"issued", &page.issued},          {"checkpoint_root", &page.checkpoint_root},
      {"facts_sha256", &page.facts_sha256}};
  for (const auto& [name, text] : texts) {
    if (!IsUtf8(*text)) return Status::InvalidArgument(std::string("report ") + name + ": not UTF-8");
  }
  for (const std::string& cosigner : page.cosigners) {
    if (!IsUtf8(cosigner)) return Status::InvalidArgument("report cosigners: a name is not UTF-8");
  }
  ASSIGN_OR_RETURN(Facts facts, ParseFacts(page.facts));

  std::string pdf;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(AppendToString, &pdf, kPageWidth, kPageHeight);
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
  const std::string title = "专项信用报告 " + page.number;
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, facts.subject_name.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, page.office.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "creditlog");
  // The issue date, not the moment of rendering: the same report renders to the same metadata.
  if (page.issued.size() == 10) {
    const std::string created = page.issued + "T00:00:00";
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, created.c_str());
  }
#endif
  cairo_t* cr = cairo_create(surface);
  Status drawn = Draw(cr, page, facts);
  const cairo_status_t context_status = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t surface_status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (!drawn.ok()) return drawn;
  if (context_status != CAIRO_STATUS_SUCCESS || surface_status != CAIRO_STATUS_SUCCESS) {
    return Status::IOError(std::string("cairo could not write the report's PDF: ") +
                           cairo_status_to_string(context_status != CAIRO_STATUS_SUCCESS ? context_status : surface_status));
  }
  return pdf;
}

}  // namespace creditlog::api
