#include "api/tools/demo.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "api/data_dir.h"
#include "api/progress.h"
#include "base/clock.h"
#include "events/event.h"
#include "events/json.h"
#include "events/uscc.h"
#include "ledger/format.h"
#include "projections/due_process.h"
#include "projections/evaluate.h"
#include "projections/ruleset.h"
#include "projections/words.h"

namespace creditlog::api {
namespace {

using nlohmann::json;
using projections::AddMonths;
using projections::Day;

// ------------------------------------------------------------------ the mix

// Shares of the subjects; the rest are enterprises (91…).
constexpr double kPublicBodyShare = 0.06;          // 机关 11… and 事业单位 12…
constexpr double kSocialOrganisationShare = 0.03;  // 社会团体 51…, 民办非企业单位 52…, 基金会 53…
constexpr double kIndividualBusinessShare = 0.12;  // 个体工商户 92…
constexpr double kFoundationShare = 0.1;           // of social organisations
constexpr double kPenalisedShare = 0.25;           // of enterprises and individual businesses
constexpr double kSecondPenaltyShare = 0.2;        // of those penalised
constexpr double kOwnerNamedShopShare = 0.3;       // 个体 trade names after the owner: 老王, 张记
constexpr double kLimitedLiabilityShare = 0.1;     // 有限责任公司 rather than 有限公司

// Penalties. Discretion by cumulative share: 不予, 减轻, 从轻, 一般; the rest 从重.
constexpr double kNoPenaltyShare = 0.10;
constexpr double kMitigatedShare = 0.18;
constexpr double kLighterShare = 0.43;
constexpr double kStandardShare = 0.83;
constexpr double kSeriousShareOfHeavier = 0.75;  // a 从重 penalty that is a 较重行政处罚 (listing)
constexpr double kWarningOnlyShare = 0.5;        // where 警告 is a penalty, of the lighter ones
constexpr double kConfiscationShare = 0.7;       // where 没收违法所得 is a penalty
constexpr double kRevocationShare = 0.5;         // of serious penalties, a licence revoked too
constexpr double kRevokedShare = 0.04;           // decisions set aside on 行政复议
constexpr double kGeneralRepairShare = 0.3;      // general penalties whose publicity is repaired
constexpr double kListingRepairShare = 0.4;      // listings exited early by repair
constexpr double kObjectionShare = 0.2;          // notices objected to
constexpr double kObjectionUpheldShare = 0.3;
constexpr double kRepairApprovedShare = 0.9;
constexpr int64_t kMinorAmountMaxYuan = 3000;    // 行政处罚法 第五十一条: 简易程序 for an organisation
constexpr int64_t kIllegalGainsMinFen = 5'000;   // 没收违法所得: 50 to 15,000 yuan
constexpr int64_t kIllegalGainsMaxFen = 1'500'000;
constexpr int kFineDueDays = 15;                 // 行政处罚法 第六十七条: a fine is paid within 15 days
constexpr int kLateFineDaysMax = 60;
constexpr double kPaidOnTimeShare = 0.8;
constexpr double kPaidLateShare = 0.9;           // cumulative: the rest never pay
constexpr int64_t kDecisionNumbersMin = 999;     // 决定书 numbers run to max(this, subjects / 2) a year
constexpr int kReconsiderationDays = 60;         // 行政复议: applied for within 60 days, decided within 60 more

// Lists and repairs: notice within two weeks of the penalty; an objection answered in 3 to 10
// working days; the decision within 10 working days of the window or the answer; a repair
// applied for within 40 days of its earliest day and decided within 15 working days.
constexpr int kNoticeDaysMax = 14;
constexpr int kObjectionAnswerWorkingDaysMin = 3;
constexpr int kObjectionAnswerWorkingDaysMax = 10;
constexpr int kListingWorkingDaysMax = 10;
constexpr int kRepairApplicationDaysMax = 40;
constexpr int kRepairDecisionWorkingDaysMin = 3;
constexpr int kRepairDecisionWorkingDaysMax = 15;
constexpr int kRepairCommitmentMonths = 12;      // the repair's commitment: a year of lawful conduct
constexpr int kRatingDaysAfterCaseMax = 3;        // a case is rated within three days of being handled
constexpr int kRectificationWorkingDaysMin = 3;   // a 差评 rectified in 3 to 20 working days (the ruleset allows 15)
constexpr int kRectificationWorkingDaysMax = 20;
constexpr double kRectificationMissedShare = 0.15;  // 差评 never rectified: the body's failure on the board
constexpr uint64_t kMeasureFeedbackEvery = 3;    // listed subjects with a refused tender reported (联合奖惩反馈)
constexpr int kMeasureFeedbackDays = 40;         // the tender comes 40 to 80 days after the listing

// A fine's place in its range by the discretion: 减轻 a tenth to a half of the minimum, 从轻 the
// lowest three tenths of the range, 一般 the middle, 从重 the top three tenths.
constexpr int64_t kLowerTenths = 3;
constexpr int64_t kUpperTenths = 7;

// Commitments. A firm's, by cumulative share: 告知承诺, 容缺受理, 主动型; the rest 行业自律型.
constexpr double kApprovalSubstituteShare = 0.45;
constexpr double kIncompleteAcceptanceShare = 0.75;
constexpr double kVoluntaryShare = 0.9;
constexpr int kCommitmentsPerFirmMax = 3;
constexpr int kCommitmentsPerShopMax = 2;
constexpr int kApprovalTermsMonths[] = {3, 6};  // a 告知承诺's conditions are checked within
constexpr int kMaterialsWorkingDaysMin = 5;     // 容缺受理: the missing papers within 5 to 20 working days
constexpr int kMaterialsWorkingDaysMax = 20;
constexpr int kReviewWorkingDaysMax = 20;       // a term's conduct is judged within 20 working days of its end
// Outcomes by cumulative share; the rest are left without a finding (overdue).
constexpr double kVerifiedShare = 0.75;
constexpr double kBreachedShare = 0.87;
constexpr double kWithdrawnShare = 0.92;  // applications only

// Names are drawn until one not yet used turns up, at most this often (then a used one is
// taken: a demo of a million subjects has more firms than there are names).
constexpr int kNameDraws = 20;

// ------------------------------------------------------------------ places and names

struct District {
  const char* code;
  const char* prefix;  // the administrative prefix of local names: 青岛市市南区, or 胶州市 (a county-level city)
};
constexpr District kDistricts[] = {{"370202", "青岛市市南区"}, {"370203", "青岛市市北区"}, {"370211", "青岛市黄岛区"},
                                   {"370212", "青岛市崂山区"}, {"370213", "青岛市李沧区"}, {"370214", "青岛市城阳区"},
                                   {"370215", "青岛市即墨区"}, {"370281", "胶州市"},       {"370283", "平度市"},
                                   {"370285", "莱西市"}};
constexpr const char* kCityDivision = "370200";  // bodies registered by the city itself

// A trade name (字号) is one character of each: 870 of them.
constexpr const char* kBrandFirst[] = {"海", "蓝", "琴", "崂", "胶", "金", "明", "新", "德", "鲁", "瑞", "恒", "泰", "华", "嘉",
                                       "盛", "鑫", "宏", "汇", "博", "远", "诚", "信", "弘", "佳", "康", "永", "正", "东", "青"};
constexpr const char* kBrandSecond[] = {"晟", "川", "岛", "峰", "澳", "沙", "珠", "港", "润", "达", "丰", "泰", "通", "和", "禾",
                                        "源", "盛", "远", "信", "安", "邦", "航", "业", "力", "成", "瑞", "辉", "创", "联", "昌"};
constexpr const char* kShopKeepers[] = {"老王", "张记", "刘家", "老李", "陈记", "赵家", "孙记", "老周"};

// The fields of the violations a subject's trade commits (a bit each).
enum Sector : unsigned {
  kFoodSale = 1u << 0,
  kCatering = 1u << 1,
  kDrugs = 1u << 2,
  kEquipment = 1u << 3,  // special equipment in use: forklifts, lifts, boilers
  kProducts = 1u << 4,
  kPrices = 1u << 5,
  kAdvertising = 1u << 6,
  kConsumers = 1u << 7,
};

struct Trade {
  const char* name;        // 青岛{字号}{name}有限公司
  unsigned sectors;
  const char* matters[2];  // the permits and registrations its firms apply for ("" none)
  const char* convention;  // its trade association's 自律公约
  const char* contract;    // what public bodies buy from it
};
constexpr Trade kTrades[] = {
    {"科技", kAdvertising | kConsumers, {"营业执照变更登记", ""}, "软件和信息技术服务业自律公约", "信息系统运维服务合同"},
    {"贸易", kProducts | kPrices | kConsumers, {"食品经营许可", "营业执照变更登记"}, "商贸流通行业诚信自律公约", "办公用品采购合同"},
    {"建设工程", kEquipment, {"建设工程施工许可", "特种设备使用登记"}, "建筑业诚信自律公约", "道路维修工程施工合同"},
    {"餐饮管理", kCatering | kPrices, {"食品经营许可", "公共场所卫生许可"}, "餐饮行业自律公约", "机关食堂餐饮服务合同"},
    {"物流", kEquipment, {"道路货物运输经营许可", "特种设备使用登记"}, "物流行业诚信自律公约", "物资仓储配送服务合同"},
    {"医药", kDrugs | kAdvertising, {"药品经营许可", ""}, "医药行业自律公约", "药品及医用耗材采购合同"},
    {"食品", kFoodSale | kProducts, {"食品生产许可", "排污许可"}, "食品行业诚信自律公约", "食堂食材配送服务合同"},
    {"机械制造", kEquipment | kProducts, {"特种设备使用登记", "排污许可"}, "机械工业行业自律公约", "设备采购及安装合同"},
    {"环保科技", kProducts | kAdvertising, {"排污许可", ""}, "环保产业行业自律公约", "污水处理设施运营服务合同"},
    {"文化传媒", kAdvertising, {"营业执照变更登记", ""}, "广告行业自律公约", "宣传品设计制作服务合同"},
    {"海洋生物", kFoodSale | kAdvertising, {"食品生产许可", "排污许可"}, "食品行业诚信自律公约", "海洋生态监测服务合同"},
    {"建材", kProducts | kEquipment, {"排污许可", "特种设备使用登记"}, "建材行业自律公约", "建筑材料采购合同"},
    {"物业管理", kEquipment | kPrices, {"营业执照变更登记", ""}, "物业服务行业自律公约", "物业管理服务合同"},
};

// 个体工商户: {district prefix}{字号}{name}, e.g. 青岛市市南区鑫源便利店.
struct Shop {
  const char* name;
  unsigned sectors;
  const char* matter;  // the permit it needs
};
constexpr Shop kShops[] = {
    {"便利店", kFoodSale | kPrices, "食品经营许可"},     {"副食品店", kFoodSale | kPrices, "食品经营许可"},
    {"水果店", kFoodSale | kPrices, "食品经营许可"},     {"家常菜馆", kCatering | kPrices, "食品经营许可"},
    {"小吃店", kCatering, "食品经营许可"},               {"烧烤店", kCatering | kPrices, "食品经营许可"},
    {"海鲜饭店", kCatering | kPrices, "食品经营许可"},   {"理发店", kPrices | kConsumers, "公共场所卫生许可"},
    {"五金店", kProducts | kPrices, "营业执照变更登记"}, {"大药房", kDrugs | kPrices, "药品经营许可"},
    {"汽车修理部", kPrices | kConsumers, "营业执照变更登记"}, {"服装店", kProducts | kConsumers, "营业执照变更登记"},
};

// A district's (or county-level city's) public bodies: {prefix}{name}. No name of the demo is
// longer than 14 characters, the longest a search hit is laid out for (tests/web/layout.test.mjs).
struct Body {
  const char* name;
  bool institution;         // 事业单位 (12…); otherwise 机关 (11…)
  const char* services[2];  // what it serves the public in: rated, and promised
};
constexpr Body kBodies[] = {
    {"教育和体育局", false, {"民办学校办学许可", "教师资格认定"}},
    {"卫生健康局", false, {"医疗机构执业登记", "公共场所卫生许可"}},
    {"住房和城乡建设局", false, {"建设工程施工许可", "商品房预售许可"}},
    {"交通运输局", false, {"道路货物运输经营许可", "道路运输从业资格"}},
    {"民政局", false, {"社会团体登记", "婚姻登记"}},
    {"司法局", false, {"法律援助", "人民调解"}},
    {"城市管理局", false, {"户外广告设施设置审批", "建筑垃圾处置核准"}},
    {"农业农村局", false, {"农药经营许可", "兽药经营许可"}},
    {"文化和旅游局", false, {"营业性演出许可", "娱乐场所经营许可"}},
    {"应急管理局", false, {"危险化学品经营许可", "安全生产许可"}},
    {"政务服务中心", true, {"企业开办", "不动产登记"}},
    {"公共资源交易中心", true, {"政府采购项目交易", "工程建设项目招标"}},
    {"疾病预防控制中心", true, {"预防接种证查验", "健康体检"}},
    {"不动产登记中心", true, {"不动产登记", "不动产权属查询"}},
    {"社会保险事业中心", true, {"社会保险登记", "养老保险待遇核定"}},
    {"就业服务中心", true, {"就业登记", "失业保险金申领"}},
    {"医疗保障服务中心", true, {"异地就医备案", "医保关系转移接续"}},
    {"图书馆", true, {"读者证办理", "图书借阅"}},
};
// When a place has all of the above, schools follow: {prefix}第N中学.
constexpr Body kSchool = {"中学", true, {"学籍转接", "新生入学报名"}};

// 社会团体 (51…): {prefix}{name}; 民办非企业单位 (52…): {prefix}{字号}{name}; 基金会 (53…).
constexpr const char* kAssociations[] = {"餐饮行业协会", "物流协会",     "建筑业协会",       "个体劳动者协会",
                                         "食品工业协会", "物业管理协会", "汽车维修行业协会", "家政服务协会"};
constexpr const char* kPrivateNonEnterprises[] = {"养老服务中心", "职业培训学校", "社工服务中心", "康复中心"};

constexpr const char* kGovernmentMatters[] = {"保障中小企业款项支付", "涉企政策兑现"};  // besides a body's services
constexpr int kGovernmentTermsMonths[] = {3, 6, 12};

// ------------------------------------------------------------------ the law

// A violation the market regulators punish, with the article that sets its penalty and the
// statutory range of the fine.
struct Violation {
  unsigned sectors;
  const char* facts;         // 违法事实
  const char* basis;         // 处罚依据
  const char* list_article;  // its field in 《市场监督管理严重违法失信名单管理办法》 (第五条 … 第十条)
  int64_t fine_min;          // yuan; with goods_max, percent of the goods' value (货值金额) instead
  int64_t fine_max;
  int64_t goods_max;         // yuan; 0 for a fixed range
  bool warning;              // 警告 is among its penalties
  bool after_order;          // fined only after an order to correct was ignored
  bool confiscation;         // 没收违法所得 is among its penalties
  bool serious;              // can be a 较重行政处罚, and list the subject
  const char* licence;       // what a serious case may revoke ("" none)
};
constexpr Violation kViolations[] = {
    {kFoodSale, "经营超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项", "第五条", 50'000, 100'000, 0, false, false, true, true, "食品经营许可证"},
    {kFoodSale, "进货时未查验供货者的许可证和食品合格证明文件", "《中华人民共和国食品安全法》第一百二十六条第一款第（三）项",
     "第五条", 5'000, 50'000, 0, true, true, false, true, "食品经营许可证"},
    {kCatering, "餐具、饮具使用前未经洗净、消毒", "《中华人民共和国食品安全法》第一百二十六条第一款第（五）项", "第五条", 5'000,
     50'000, 0, true, true, false, true, "食品经营许可证"},
    {kCatering, "安排未取得健康证明的人员从事接触直接入口食品的工作",
     "《中华人民共和国食品安全法》第一百二十六条第一款第（六）项", "第五条", 5'000, 50'000, 0, true, true, false, true,
     "食品经营许可证"},
    {kDrugs, "未遵守药品经营质量管理规范，药品储存温湿度不符合要求", "《中华人民共和国药品管理法》第一百二十六条", "第六条",
     100'000, 500'000, 0, true, true, false, true, "药品经营许可证"},
    {kEquipment, "使用未经定期检验的特种设备", "《中华人民共和国特种设备安全法》第八十四条第一款第（一）项", "第七条", 30'000,
     300'000, 0, false, false, false, true, ""},
    {kEquipment, "特种设备未按规定办理使用登记即投入使用", "《中华人民共和国特种设备安全法》第八十三条第一款第（一）项",
     "第七条", 10'000, 100'000, 0, false, true, false, false, ""},
    {kProducts, "销售不符合保障人体健康和人身、财产安全的国家标准的产品", "《中华人民共和国产品质量法》第四十九条", "第七条",
     100, 300, 200'000, false, false, true, true, "营业执照"},
    {kProducts, "以不合格产品冒充合格产品销售", "《中华人民共和国产品质量法》第五十条", "第七条", 50, 300, 100'000, false, false,
     true, true, "营业执照"},
    {kPrices, "销售商品和提供服务未按规定明码标价", "《中华人民共和国价格法》第四十二条", "第九条", 0, 5'000, 0, false, false,
     true, false, ""},
    {kAdvertising, "发布虚假广告，欺骗、误导消费者", "《中华人民共和国广告法》第五十五条第一款", "第九条", 200'000, 1'000'000, 0,
     false, false, false, true, "营业执照"},
    {kAdvertising, "广告中使用“国家级”“最高级”“最佳”等用语", "《中华人民共和国广告法》第五十七条第（一）项", "第九条", 200'000,
     1'000'000, 0, false, false, false, false, ""},
    {kConsumers, "对消费者提出的退货要求故意拖延、无理拒绝", "《中华人民共和国消费者权益保护法》第五十六条第一款第（八）项",
     "第八条", 0, 500'000, 0, true, false, false, false, ""},
};
constexpr const char* kNoPenaltyBasis = "《中华人民共和国行政处罚法》第三十三条第一款";  // 首违不罚
constexpr const char* kListMeasures = "《市场监督管理严重违法失信名单管理办法》";
constexpr const char* kRepairMeasures = "《市场监督管理信用修复管理办法》";

// ------------------------------------------------------------------ agencies

struct Agency {
  std::string file;  // key file name under keys/agencies
  std::string name;
  std::string uscc;
  std::string jurisdiction;
  std::vector<std::string> types;
  std::string decision_prefix;  // of its 行政处罚决定书 numbers: 青市监
  SecretKey key{};
};

std::vector<Agency> AgencyCatalogue() {
  const std::vector<std::string> commitments = {"SubjectRegistered", "CommitmentMade", "CommitmentVerified",
                                                "CommitmentBreached", "CommitmentWithdrawn"};
  // A market regulator decides penalties and, under its own measures (严重违法失信名单管理办法,
  // 信用修复管理办法), lists and repairs on them: who punishes, lists.
  std::vector<std::string> market = commitments;
  for (const char* t : {"PenaltyDecided", "PenaltyFulfilled", "PenaltyRevoked", "ListingNoticeIssued", "ObjectionFiled",
                        "ObjectionResolved", "SeriousListingDecided", "SeriousListingExited", "RepairApplied",
                        "RepairDecided"}) {
    market.push_back(t);
  }
  return {
      {"market", "青岛市市场监督管理局", events::MakeUscc("11", "370200", "MB1B0001"), "3702", market, "青市监"},
      // Registrations and permits are concentrated in the approval bureau (相对集中行政许可权):
      // enterprises, 个体工商户 and social organisations alike.
      {"approval", "青岛市行政审批服务局", events::MakeUscc("11", "370200", "MB1B0002"), "3702",
       {"SubjectRegistered", "CommitmentMade", "CommitmentVerified", "CommitmentBreached", "CommitmentWithdrawn",
        "ServiceRated", "ServiceCaseHandled", "ServiceRectified", "ServiceFollowedUp"}, ""},
      {"finance", "青岛市财政局", events::MakeUscc("11", "370200", "MB1B0003"), "3702",
       {"SubjectRegistered", "ContractSigned", "PaymentMade", "ArrearsRecorded", "ArrearsCleared",
        "ContractCompleted", "CommitmentMade", "CommitmentVerified", "CommitmentBreached", "MeasureApplied"}, ""},
      // Records nothing in the demo's history (the market regulators list and repair on their own
      // penalties), but keeps its key for notices and listings recorded by hand (scripts/web-test).
      {"ndrc", "青岛市发展和改革委员会", events::MakeUscc("11", "370200", "MB1B0004"), "3702",
       {"ListingNoticeIssued", "ObjectionFiled", "ObjectionResolved", "SeriousListingDecided",
        "SeriousListingExited", "RepairApplied", "RepairDecided", "CommitmentMade", "CommitmentVerified"}, ""},
      {"huangdao-market", "青岛市黄岛区市场监督管理局", events::MakeUscc("11", "370211", "MB1B0005"), "370211",
       market, "青黄市监"},
      // The organisation department keeps civil servants' integrity files (公务员个人诚信档案).
      {"personnel", "中共青岛市委组织部", events::MakeUscc("11", "370200", "MB1B0006"), "3702",
       {"SubjectRegistered", "CivilServantIntegrityEntry"}, ""},
  };
}

// Loads the demo agencies' keys, creating and registering those that do not exist yet.
Result<std::vector<Agency>> PrepareAgencies(ledger::Ledger& ledger, const std::string& data,
                                            std::string_view passphrase, uint64_t* registered) {
  std::vector<Agency> agencies = AgencyCatalogue();
  std::optional<NamedKeyPair> root;
  const ledger::KeyRegistry registry = ledger.registry();
  for (Agency& agency : agencies) {
    const std::string path = AgencyKeyPath(data, agency.file);
    if (!std::filesystem::exists(path)) {
      RETURN_IF_ERROR(SaveKey(path, NamedKeyPair{agency.file, GenerateKeyPair()}, passphrase));
    }
    ASSIGN_OR_RETURN(NamedKeyPair key, LoadKey(path, passphrase));
    agency.key = key.key_pair.secret_key;
    if (registry.Find(key.key_pair.public_key) != nullptr) continue;
    if (!root) {
      ASSIGN_OR_RETURN(NamedKeyPair root_key, LoadKey(RootKeyPath(data), passphrase));
      root = std::move(root_key);
    }
    json event = {{"event_id", "demo/agency-key/" + agency.file + "/" + HexEncode(ByteView(key.key_pair.public_key.data(), 8))},
                  {"subject", ""},
                  {"body_type", "AgencyKeyRegistered"},
                  {"body", {{"agency_uscc", agency.uscc}, {"agency_name", agency.name}, {"key_name", agency.file},
                            {"public_key", Bytes(key.key_pair.public_key.begin(), key.key_pair.public_key.end())},
                            {"permitted_types", agency.types}, {"jurisdiction", agency.jurisdiction}}}};
    ASSIGN_OR_RETURN(Bytes bytes, events::EventFromJson(event.dump()));
    ASSIGN_OR_RETURN(auto appended, ledger.Append(events::SignEnvelope(bytes, root->key_pair.secret_key, ledger.origin())));
    (void)appended;
    ++*registered;
  }
  return agencies;
}

// ------------------------------------------------------------------ words

// "52000" or "1265.40": yuan as a decision writes them.
std::string Yuan(int64_t fen) {
  std::string s = std::to_string(fen / 100);
  if (fen % 100 != 0) s += (fen % 100 < 10 ? ".0" : ".") + std::to_string(fen % 100);
  return s;
}

// ------------------------------------------------------------------ the history

enum CommitmentKind : int {  // fb::CommitmentType's values, as the JSON takes them
  kApprovalSubstitute = 0,   // 告知承诺
  kIncompleteAcceptance,     // 容缺受理
  kVoluntary,                // 主动型
  kSelfDiscipline,           // 行业自律型
  kCreditRepair,             // 信用修复型
  kGovernmentService,        // 政务服务承诺
};

struct Enterprise {
  std::string uscc;
  const Trade* trade;
};

// Writes one run of synthetic history as signed envelopes, chunk by chunk.
class HistoryWriter {
 public:
  HistoryWriter(ledger::Ledger& ledger, std::vector<Agency>& agencies, const DemoOptions& options, uint64_t run, Day today)
      : ledger_(ledger), agencies_(agencies), rng_(options.seed * 1'000'003 + run), run_(run), seed_(options.seed),
        today_(today), start_(events::DaysFromDate(kDemoHistoryStart)), uscc_codes_(options.uscc_codes),
        decision_numbers_max_(std::max<int64_t>(kDecisionNumbersMin, static_cast<int64_t>(options.subjects / 2))),
        rules_(*projections::ParseRuleset(projections::DefaultRulesetJson())) {}

  Status Subject(uint64_t index);
  Status Flush();
  uint64_t events() const { return events_; }
  uint64_t uscc_redraws() const { return uscc_redraws_; }

 private:
  struct Pending {  // an event of the current subject, not yet signed
    std::string date;  // of the fact it records; "" for a registration
    Agency* agency;
    json event;
  };
  struct Decision {  // a penalty decided, as what follows it needs it
    std::string number;
    const Violation* violation;
    Day decided;
    std::optional<Day> fulfilled;
  };

  Agency& Pick(const std::string& file);
  Agency& Market(const std::string& uscc);
  Status Add(Agency& agency, const std::string& subject, const char* type, json body);
  Status Record();  // signs and appends the current subject's events
  int64_t Uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  double Roll() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T, size_t N>
  const T& Any(const T (&items)[N]) { return items[Uniform(0, N - 1)]; }
  std::string Date(Day day) { return events::DateFromDays(day); }
  std::string Id(const char* prefix) {
    return std::string(prefix) + "-" + Run() + "-" + std::to_string(subject_index_) + "-" + std::to_string(event_index_);
  }
  // The run in a record's id: its number, after its seed unless that is the default.
  std::string Run() const {
    return (seed_ == kDemoSeedDefault ? "" : "S" + std::to_string(seed_) + ".") + std::to_string(run_);
  }
  // Agencies decide, serve, verify and pay on working days (the ruleset's calendar).
  Day Workday(Day day) const;        // the first on or after
  Day WorkdayBefore(Day day) const;  // the last on or before
  Day WorkdayIn(Day lo, Day hi);
  Day WorkingDaysAfter(Day day, int n) const { return rules_.calendar.WorkingDaysAfter(day, n); }
  bool Ineligible(Day day) const;  // on the 告知承诺不适用名单, as this subject's history has it

  Result<std::string> NewUscc(const std::string& registration, const std::string& division, const char* issuer);
  std::string Brand();
  std::string UnusedName(const std::function<std::string()>& draw);
  Status Register(Agency& agency, const std::string& uscc, const char* kind, const std::string& name,
                  const std::string& division);

  Status Firm(const District& district);
  Status IndividualBusiness(const District& district);
  Status SocialOrganisation(const District& district);
  Status PublicBody(const District& district);
  Status CivilServant(const std::string& employer);
  Status Contract(const std::string& payer);

  Status ServiceCase(const std::string& uscc, const std::string& matter);
  Status Commitment(const std::string& uscc, Agency& agency, CommitmentKind kind, const std::string& matter, Day made,
                    int index);
  Status Commitments(const std::string& uscc, unsigned count, const std::vector<const char*>& permits,
                     Agency& permit_agency, Agency& other_agency, const std::string& self_discipline);
  Status Penalty(const std::string& uscc, const std::string& name, unsigned sectors);
  Status SeriousListing(const std::string& uscc, const Decision& decision);
  Status Repair(Agency& agency, const std::string& uscc, const std::string& target, Day earliest, const char* approved_reason,
                std::optional<std::string> exit_listing);

  ledger::Ledger& ledger_;
  std::vector<Agency>& agencies_;
  std::mt19937_64 rng_;
  uint64_t run_;
  uint64_t seed_;
  Day today_;
  Day start_;
  uint64_t uscc_codes_;
  int64_t decision_numbers_max_;
  projections::Ruleset rules_;  // the default ruleset: its calendar and terms
  std::set<std::string> decisions_;  // decision numbers used in this run
  std::set<std::string> names_;      // names registered in this run
  std::unordered_set<std::string> usccs_;  // USCCs issued in this run, appended or not yet
  uint64_t uscc_redraws_ = 0;
  std::vector<std::pair<Day, Day>> ineligible_;  // the current subject's 告知承诺 ineligibility
  std::vector<Pending> subject_events_;  uint64_t events_ = 0;
  uint64_t subject_index_ = 0;
  uint64_t event_index_ = 0;
  std::vector<Bytes> pending_;
  std::vector<Enterprise> enterprises_;  // firms registered so far: public bodies' counterparties
};

Agency& HistoryWriter::Pick(const std::string& file) {
  for (Agency& agency : agencies_) {
    if (agency.file == file) return agency;
  }
  std::abort();  // the catalogue is fixed: a missing agency is a programmer error
}

// Huang Dao district's own market regulator records its subjects: jurisdiction in action.
Agency& HistoryWriter::Market(const std::string& uscc) {
  return events::UsccDivision(uscc) == "370211" ? Pick("huangdao-market") : Pick("market");
}

Day HistoryWriter::Workday(Day day) const {
  while (!rules_.calendar.IsWorkingDay(day)) ++day;
  return day;
}

Day HistoryWriter::WorkdayBefore(Day day) const {
  while (!rules_.calendar.IsWorkingDay(day)) --day;
  return day;
}

// REQUIRES: lo <= hi, with a working day between them.
Day HistoryWriter::WorkdayIn(Day lo, Day hi) {
  const Day day = Workday(Uniform(lo, hi));
  return day <= hi ? day : WorkdayBefore(hi);
}

bool HistoryWriter::Ineligible(Day day) const {
  return std::any_of(ineligible_.begin(), ineligible_.end(), [&](const auto& w) { return w.first <= day && day <= w.second; });
}

// The organisation code's first letters say who issued it: MA market regulation (enterprises,
// 个体工商户), MB 机构编制 (机关, 事业单位), MJ civil affairs (social organisations).
// A USCC no subject has: not one issued earlier in this run (its events may still wait for
// Flush), nor one in the ledger (an earlier run's subject, an agency). Codes are drawn at random,
// so at a few hundred thousand subjects two draws in one district meet; a second registration
// would merge two histories into one subject. The draws change only after such a meeting.
Result<std::string> HistoryWriter::NewUscc(const std::string& registration, const std::string& division,
                                           const char* issuer) {
  for (int draw = 0; draw < kDemoUsccDraws; ++draw) {
    uint64_t value = std::uniform_int_distribution<uint64_t>(0, uscc_codes_ - 1)(rng_);
    std::string body = issuer;
    for (int i = 0; i < 6; ++i, value /= 31) body.push_back(events::kUsccAlphabet[value % 31]);
    std::string uscc = events::MakeUscc(registration, division, body);
    ASSIGN_OR_RETURN(const uint64_t version, ledger_.StreamVersion(uscc));
    if (version == 0 && usccs_.insert(uscc).second) return uscc;
    ++uscc_redraws_;
  }
  return Status::Conflict("demo: no unused USCC for registration type " + registration + " in division " + division +
                          " after " + std::to_string(kDemoUsccDraws) + " draws of " + std::to_string(uscc_codes_) +
                          " codes");
}

std::string HistoryWriter::Brand() {
  const size_t first = static_cast<size_t>(Uniform(0, std::size(kBrandFirst) - 1));
  size_t second = static_cast<size_t>(Uniform(0, std::size(kBrandSecond) - 1));
  if (std::strcmp(kBrandFirst[first], kBrandSecond[second]) == 0) second = (second + 1) % std::size(kBrandSecond);
  return std::string(kBrandFirst[first]) + kBrandSecond[second];
}

// A name no subject of this run has yet: two registrations in one area do not share a name.
std::string HistoryWriter::UnusedName(const std::function<std::string()>& draw) {
  std::string name;
  for (int i = 0; i < kNameDraws; ++i) {
    name = draw();
    if (!names_.contains(name)) break;
  }
  names_.insert(name);
  return name;
}

// The day of the fact an event records, "" for a registration.
std::string FactDate(const json& body) {
  static constexpr const char* kFactDates[] = {
      "made_date",     "verified_date", "breach_date",   "withdrawn_date", "decision_date", "fulfilled_date",
      "revoked_date",  "notice_date",   "filed_date",    "resolved_date",  "applied_date",  "decided_date",
      "exit_date",     "signed_date",   "paid_date",     "completed_date", "recorded_date", "cleared_date",
      "rated_date",    "entry_date",    "implemented_date", "handled_date", "rectified_date", "followed_up_date"};
  for (const char* key : kFactDates) {
    if (auto it = body.find(key); it != body.end()) return it->get<std::string>();
  }
  return "";
}

Status HistoryWriter::Add(Agency& agency, const std::string& subject, const char* type, json body) {
  std::string date = FactDate(body);
  json event = {{"event_id", "demo/" + std::to_string(seed_) + "/" + std::to_string(run_) + "/" +
                                 std::to_string(subject_index_) + "/" + std::to_string(event_index_++)},
                {"subject", subject},
                {"body_type", type},
                {"body", std::move(body)}};
  subject_events_.push_back({std::move(date), &agency, std::move(event)});
  return Status::Ok();
}

// A subject's events go into the log in the order their facts happened, as an office recording
// them day by day would have put them (a fact's prerequisites are never dated after it, and
// the same day keeps the order they were made in).
Status HistoryWriter::Record() {
  std::stable_sort(subject_events_.begin(), subject_events_.end(),
                   [](const Pending& a, const Pending& b) { return a.date < b.date; });
  for (Pending& p : subject_events_) {
    p.event["signed_at_ms"] = ledger::NowMs();
    auto bytes = events::EventFromJson(p.event.dump());
    if (!bytes.ok()) return bytes.status().WithContext("demo " + p.event["body_type"].get<std::string>());
    pending_.push_back(events::SignEnvelope(*bytes, p.agency->key, ledger_.origin()));
    ++events_;
    if (pending_.size() >= kDemoAppendChunk) RETURN_IF_ERROR(Flush());
  }
  subject_events_.clear();
  return Status::Ok();
}

Status HistoryWriter::Flush() {
  auto results = ledger_.AppendBatch(std::move(pending_));
  pending_.clear();
  for (const auto& result : results) {
    if (!result.ok()) return result.status().WithContext("demo append");
  }
  return Status::Ok();
}

Status HistoryWriter::Register(Agency& agency, const std::string& uscc, const char* kind, const std::string& name,
                               const std::string& division) {
  return Add(agency, uscc, "SubjectRegistered", {{"kind", kind}, {"name", name}, {"division", division}});
}

// ------------------------------------------------------------------ commitments

// One commitment and what became of it. Its type fits its matter: 告知承诺 and 容缺受理 for an
// application, 主动型 and 行业自律型 for conduct, 信用修复型 for a repair, 政务服务承诺 for a body.
Status HistoryWriter::Commitment(const std::string& uscc, Agency& agency, CommitmentKind kind, const std::string& matter,
                                 Day made, int index) {
  const std::string id = "CN-" + uscc.substr(2, 6) + "-" + Run() + "-" + std::to_string(subject_index_) +
                         "-" + std::to_string(index);
  const bool application = kind == kApprovalSubstitute || kind == kIncompleteAcceptance;
  Day deadline = 0;
  std::string content, kept, broken;
  switch (kind) {
    case kApprovalSubstitute: {
      deadline = AddMonths(made, Any(kApprovalTermsMonths)) - 1;  // the last day of the months promised
      content = "申请人已知晓" + matter + "的条件和要求，承诺符合全部条件、所报材料真实有效，并于" + Date(deadline) +
                "前接受核查；承诺不实的，愿意承担相应法律责任";
      kept = "经核查，申请人符合所承诺的条件";
      broken = "经核查，申请人实际情况与承诺内容不符，不具备" + matter + "的条件";
      break;
    }
    case kIncompleteAcceptance: {
      const int days = static_cast<int>(Uniform(kMaterialsWorkingDaysMin, kMaterialsWorkingDaysMax));
      deadline = WorkingDaysAfter(made, days);
      content = "申请人承诺在" + std::to_string(days) + "个工作日内补齐" + matter + "所缺的次要材料，逾期未补齐的，同意终止办理";
      kept = "申请人已在承诺期限内补齐材料";
      broken = "申请人未在承诺期限内补齐材料";
      break;
    }
    case kVoluntary:
    case kSelfDiscipline:
      deadline = AddMonths(made, 12) - 1;
      content = kind == kVoluntary ? "本单位承诺严格遵守法律法规，守法诚信经营，自愿接受社会监督"
                                   : "本单位承诺遵守" + matter + "，诚信经营，接受行业协会和社会监督";
      kept = "承诺期内未发现违反承诺的行为";
      broken = "经查，承诺人违反承诺内容，存在违法违规经营行为";
      break;
    case kGovernmentService:
      deadline = AddMonths(made, Any(kGovernmentTermsMonths)) - 1;
      content = matter == kGovernmentMatters[0] ? "承诺按合同约定期限足额支付中小企业款项，不以任何理由拖欠"
                                                : "承诺" + matter + "事项在承诺时限内办结，超时未办结的，依规接受问责";
      kept = "承诺事项已按期兑现";
      broken = "承诺事项未在承诺时限内兑现";
      break;
    case kCreditRepair:
      std::abort();  // a repair's commitment is Repair()'s
  }
  RETURN_IF_ERROR(Add(agency, uscc, "CommitmentMade",
                      {{"commitment_id", id}, {"commitment_type", kind}, {"matter", matter}, {"content", content},
                       {"made_date", Date(made)}, {"deadline", Date(deadline)}, {"accepting_agency", agency.uscc}}));
  const double roll = Roll();
  if (roll < kVerifiedShare) {
    // An application is checked by its deadline; conduct is judged once the term is over.
    // An application is verified within the accepting agency's duty (the ruleset's verification
    // period), where it has one.
    const int within = rules_.verification[static_cast<size_t>(kind)].within_days;
    const Day checked_by = within > 0 ? std::min(deadline, made + within) : deadline;
    const Day verified = application ? WorkdayIn(std::min(made + 1, checked_by), checked_by)
                                     : WorkingDaysAfter(deadline, static_cast<int>(Uniform(1, kReviewWorkingDaysMax)));
    if (verified >= today_) return Status::Ok();
    return Add(agency, uscc, "CommitmentVerified", {{"commitment_id", id}, {"verified_date", Date(verified)}, {"note", kept}});
  }
  if (roll < kBreachedShare) {
    const Day breached = kind == kIncompleteAcceptance ? WorkingDaysAfter(deadline, static_cast<int>(Uniform(1, 5)))
                                                       : WorkdayIn(std::min(made + 20, deadline), deadline);
    if (breached >= today_) return Status::Ok();
    const bool false_commitment = kind == kApprovalSubstitute;
    if (false_commitment) {
      ineligible_.push_back({breached, AddMonths(breached, rules_.false_commitment_ineligible_months) - 1});
    }
    return Add(agency, uscc, "CommitmentBreached",
               {{"commitment_id", id}, {"breach_date", Date(breached)}, {"finding", broken},
                {"false_commitment", false_commitment}});
  }
  if (roll < kWithdrawnShare && application) {
    const Day withdrawn = WorkdayIn(made + 1, std::max(made + 1, deadline));
    if (withdrawn >= today_) return Status::Ok();
    return Add(agency, uscc, "CommitmentWithdrawn",
               {{"commitment_id", id}, {"withdrawn_date", Date(withdrawn)}, {"reason", "申请人主动撤回申请"}});
  }
  return Status::Ok();  // no finding recorded: overdue once the deadline has passed
}

// A firm's or a shop's commitments: applications for its permits (告知承诺, or 容缺受理 while
// it may not make a 告知承诺), and now and then a commitment of conduct.
Status HistoryWriter::Commitments(const std::string& uscc, unsigned count, const std::vector<const char*>& permits,
                                  Agency& permit_agency, Agency& other_agency, const std::string& self_discipline) {
  std::vector<Day> made_days;
  for (unsigned c = 0; c < count; ++c) made_days.push_back(WorkdayIn(start_, today_ - 1));
  std::sort(made_days.begin(), made_days.end());
  for (unsigned c = 0; c < count; ++c) {
    const Day made = made_days[c];
    const double roll = Roll();
    CommitmentKind kind = roll < kApprovalSubstituteShare     ? kApprovalSubstitute
                          : roll < kIncompleteAcceptanceShare ? kIncompleteAcceptance
                          : roll < kVoluntaryShare            ? kVoluntary
                                                              : kSelfDiscipline;
    if (permits.empty() && kind <= kIncompleteAcceptance) kind = kVoluntary;
    if (self_discipline.empty() && kind == kSelfDiscipline) kind = kVoluntary;
    if (kind == kApprovalSubstitute && Ineligible(made)) kind = kIncompleteAcceptance;
    const bool application = kind <= kIncompleteAcceptance;
    const std::string matter = application ? permits[Uniform(0, permits.size() - 1)]
                               : kind == kVoluntary ? "诚信经营承诺" : self_discipline;
    // Special equipment and business registrations are the market regulator's; other permits the
    // approval bureau's.
    const bool market_matter = matter == "特种设备使用登记" || matter == "营业执照变更登记";
    RETURN_IF_ERROR(Commitment(uscc, application && !market_matter ? permit_agency : other_agency, kind, matter, made,
                               static_cast<int>(c)));
  }
  return Status::Ok();
}

// ------------------------------------------------------------------ penalties, lists, repairs

// A penalty whose fine lies in the range the cited article sets, placed in it by the
// discretion: 减轻 below the minimum, 从轻 low, 一般 in the middle, 从重 high; 不予处罚 has no
// fine and confiscates nothing. A 较重行政处罚 (从重, sometimes with a licence revoked) is
// Serious and lists the subject; a warning or a few thousand yuan is Minor.
Status HistoryWriter::Penalty(const std::string& uscc, const std::string& name, unsigned sectors) {
  std::vector<const Violation*> candidates;
  for (const Violation& v : kViolations) {
    if ((v.sectors & sectors) != 0) candidates.push_back(&v);
  }
  const Violation& v = *candidates[Uniform(0, candidates.size() - 1)];
  Agency& agency = Market(uscc);
  const Day decided = WorkdayIn(start_, today_ - 1);

  int64_t lo = v.fine_min, hi = v.fine_max;
  std::string facts = v.facts;
  if (v.goods_max > 0) {
    const int64_t goods = Uniform(v.goods_max / 20, v.goods_max) / 100 * 100;
    facts += "，货值金额" + std::to_string(goods) + "元";
    lo = goods * v.fine_min / 100;
    hi = goods * v.fine_max / 100;
  }
  const double roll = Roll();
  const char* discretion = roll < kNoPenaltyShare          ? "NoPenalty"
                           : roll < kMitigatedShare && lo > 0 ? "Mitigated"
                           : roll < kLighterShare          ? "Lighter"
                           : roll < kStandardShare         ? "Standard"
                                                           : "Heavier";
  const std::string_view d = discretion;
  const bool no_penalty = d == "NoPenalty";
  const bool serious = d == "Heavier" && v.serious && Chance(kSeriousShareOfHeavier);
  const bool warning_only = v.warning && (d == "Lighter" || d == "Standard") && Chance(kWarningOnlyShare);
  int64_t fine = 0;  // yuan
  if (!no_penalty && !warning_only) {
    const int64_t span = hi - lo;
    const auto [from, to] = d == "Mitigated" ? std::pair{lo / 10, lo / 2}
                            : d == "Lighter"   ? std::pair{lo, lo + span * kLowerTenths / 10}
                            : d == "Standard"  ? std::pair{lo + span * kLowerTenths / 10, lo + span * kUpperTenths / 10}
                                               : std::pair{lo + span * kUpperTenths / 10, hi};
    const int64_t step = hi > 100'000 ? 1000 : 100;  // fines are round sums …
    fine = std::max(from, Uniform(from, to) / step * step);  // … or the statute's own figure
    if (fine == 0 && !v.confiscation) fine = step;           // "…以下的罚款": some fine, or gains taken
  }
  const int64_t confiscated = !no_penalty && !warning_only && v.confiscation && (fine == 0 || Chance(kConfiscationShare))
                                  ? Uniform(kIllegalGainsMinFen, kIllegalGainsMaxFen)
                                  : 0;
  const bool revoked_licence = serious && *v.licence != '\0' && Chance(kRevocationShare);
  if (v.after_order && fine > 0) facts += "，经责令改正逾期未改正";

  std::vector<std::string> categories, content;
  if (warning_only) {
    categories.push_back("警告");
    content.push_back("警告");
  }
  if (fine > 0) {
    categories.push_back("罚款");
    content.push_back("罚款人民币" + std::to_string(fine) + "元");
  }
  if (confiscated > 0) {
    categories.push_back("没收违法所得");
    content.push_back("没收违法所得人民币" + Yuan(confiscated) + "元");
  }
  if (revoked_licence) {
    categories.push_back("吊销许可证件");
    content.push_back(std::string("吊销") + v.licence);
  }
  if (no_penalty) {
    categories.push_back("不予处罚");
    content.push_back("违法行为轻微并及时改正，没有造成危害后果，不予行政处罚");
  }
  auto join = [](const std::vector<std::string>& parts, const char* separator) {
    std::string s;
    for (const std::string& p : parts) s += (s.empty() ? "" : separator) + p;
    return s;
  };
  const char* severity = serious ? "Serious"
                         : no_penalty || fine + confiscated / 100 <= kMinorAmountMaxYuan ? "Minor"
                                                                                         : "General";
  std::string number;
  do {
    number = agency.decision_prefix + (no_penalty ? "不罚" : "罚") + "〔" + Date(decided).substr(0, 4) + "〕" +
             std::to_string(Uniform(1, decision_numbers_max_)) + "号";
  } while (!decisions_.insert(number).second);
  RETURN_IF_ERROR(Add(agency, uscc, "PenaltyDecided",
                      {{"decision_number", number}, {"subject_name", name}, {"category", join(categories, "、")},
                       {"facts", "经查，当事人" + facts}, {"basis", no_penalty ? std::string(v.basis) + "；" + kNoPenaltyBasis : v.basis},
                       {"content", join(content, "；")}, {"fine_fen", fine * 100}, {"confiscated_fen", confiscated},
                       {"decision_date", Date(decided)}, {"deciding_agency", agency.uscc},
                       {"deciding_agency_name", agency.name}, {"severity", severity}, {"discretion", discretion}}));
  if (no_penalty) return Status::Ok();  // not published: no listing, nothing to pay or repair

  Decision decision{number, &v, decided, std::nullopt};
  if (fine > 0 || confiscated > 0) {
    const double paid = Roll();
    const Day day = paid < kPaidOnTimeShare ? WorkdayIn(decided + 1, decided + kFineDueDays)
                    : paid < kPaidLateShare ? WorkdayIn(decided + kFineDueDays + 1, decided + kLateFineDaysMax)
                                            : today_;  // never paid
    if (day < today_) {
      decision.fulfilled = day;
      RETURN_IF_ERROR(Add(agency, uscc, "PenaltyFulfilled", {{"decision_number", number}, {"fulfilled_date", Date(day)}}));
    }
  }
  if (serious) {
    const int months = rules_.penalty_publicity[static_cast<int>(fb::Severity::Serious)].max_months;
    ineligible_.push_back({decided, AddMonths(decided, months) - 1});
    return SeriousListing(uscc, decision);
  }
  if (decided + 2 * kReconsiderationDays < today_ && Chance(kRevokedShare)) {
    const Day revoked = WorkdayIn(decided + kReconsiderationDays / 2, decided + 2 * kReconsiderationDays);
    return Add(agency, uscc, "PenaltyRevoked",
               {{"decision_number", number}, {"revoked_date", Date(revoked)},
                {"reason", "经行政复议，原行政处罚决定被撤销"}});
  }
  // A general penalty's publicity is repaired after its minimum period, once the fine is paid.
  if (std::string_view(severity) == "General" && decision.fulfilled && Chance(kGeneralRepairShare)) {
    const int months = rules_.penalty_publicity[static_cast<int>(fb::Severity::General)].min_months;
    return Repair(agency, uscc, number, std::max(AddMonths(decided, months), *decision.fulfilled + 1),
                  "已履行行政处罚决定规定的义务，行政处罚信息公示已满最短期限，准予停止公示", std::nullopt);
  }
  return Status::Ok();
}

// 严重违法失信名单 (市场监督管理严重违法失信名单管理办法): notice, objection window, decision,
// and for some an early exit by repair once the list's minimum year is over.
Status HistoryWriter::SeriousListing(const std::string& uscc, const Decision& decision) {
  Agency& market = Market(uscc);
  const std::string basis = std::string(kListMeasures) + "第二条、" + decision.violation->list_article;
  const Day noticed = WorkdayIn(decision.decided, decision.decided + kNoticeDaysMax);
  if (noticed >= today_) return Status::Ok();
  // The objection window: working days after service, by the ruleset's calendar.
  const Day deadline = WorkingDaysAfter(noticed, rules_.objection_window_working_days);
  const std::string notice = Id("GZ");
  RETURN_IF_ERROR(Add(market, uscc, "ListingNoticeIssued",
                      {{"notice_id", notice}, {"list", "SeriousDishonesty"},
                       {"reason", std::string(decision.violation->facts) + "，受到较重行政处罚"}, {"basis", basis},
                       {"notice_date", Date(noticed)}, {"objection_deadline", Date(deadline)},
                       {"related", {decision.number}}}));
  Day ready = deadline;  // the listing comes after the window and any objection's resolution
  if (Chance(kObjectionShare)) {
    const Day filed = WorkingDaysAfter(noticed, static_cast<int>(Uniform(1, rules_.objection_window_working_days)));
    if (filed >= today_) return Status::Ok();
    const std::string objection = notice + "-YY";
    RETURN_IF_ERROR(Add(market, uscc, "ObjectionFiled",
                        {{"objection_id", objection}, {"notice_id", notice},
                         {"content", "当事人对认定的违法事实和情节提出异议，并提交了相关证据"}, {"filed_date", Date(filed)}}));
    const Day resolved =
        WorkingDaysAfter(filed, static_cast<int>(Uniform(kObjectionAnswerWorkingDaysMin, kObjectionAnswerWorkingDaysMax)));
    if (resolved >= today_) return Status::Ok();
    const bool upheld = Chance(kObjectionUpheldShare);
    RETURN_IF_ERROR(Add(market, uscc, "ObjectionResolved",
                        {{"objection_id", objection}, {"upheld", upheld},
                         {"outcome", upheld ? "异议成立，当事人违法行为不属于情节严重的情形，不予列入"
                                            : "异议不成立，维持拟列入严重违法失信名单的意见"},
                         {"resolved_date", Date(resolved)}}));
    if (upheld) return Status::Ok();
    ready = std::max(ready, resolved);
  }
  const Day listed = WorkingDaysAfter(ready, static_cast<int>(Uniform(1, kListingWorkingDaysMax)));
  if (listed >= today_) return Status::Ok();
  const std::string listing = Id("YZSX");
  // The last day on the list as the projections count it (projections::TermOf); half the
  // decisions name it, half leave it to the ruleset's default term.
  const Day last_day = projections::TermOf(rules_, listed, std::nullopt).last_day;
  RETURN_IF_ERROR(Add(market, uscc, "SeriousListingDecided",
                      {{"listing_id", listing}, {"notice_id", notice}, {"basis", basis}, {"decision_date", Date(listed)},
                       {"term_end_date", Chance(0.5) ? std::string() : Date(last_day)},
                       {"exit_conditions", "列入满一年，已履行行政处罚决定规定的义务、消除危害后果和不良影响，且未再受到较重行政"
                                           "处罚的，可以申请提前移出；列入期满的，依法移出"}}));
  ineligible_.push_back({listed, last_day});
  // 联合奖惩反馈: for every third listed subject (by its index, not the random stream), the
  // finance bureau reports a tender it was refused while listed.
  if (subject_index_ % kMeasureFeedbackEvery == 0) {
    const Day refused = Workday(listed + kMeasureFeedbackDays + static_cast<Day>(subject_index_ % kMeasureFeedbackDays));
    if (refused < today_ && refused <= last_day) {
      Agency& finance = Pick("finance");
      RETURN_IF_ERROR(Add(finance, uscc, "MeasureApplied",
                          {{"feedback_id", Id("FK")}, {"measure", "限制参与政府采购"},
                           {"matter", Date(refused).substr(0, 4) + "年政府采购项目（" + Id("CG") + "）投标资格审查"},
                           {"implemented_date", Date(refused)}, {"implementing_agency", finance.uscc},
                           {"note", "投标人列入严重违法失信名单，资格审查不予通过"}}));
    }
  }
  // Early exit: only once the fine is paid (the measures' first condition).
  if (!decision.fulfilled || !Chance(kListingRepairShare)) return Status::Ok();
  const Day earliest = std::max(AddMonths(listed, rules_.serious_early_exit_after_months), *decision.fulfilled + 1);
  return Repair(market, uscc, listing, earliest, "列入已满一年，已履行行政处罚决定规定的义务，准予提前移出严重违法失信名单",
                listing);
}

// 信用修复 (市场监督管理信用修复管理办法): a 信用修复型 commitment and the application the same
// day, the decision within 15 working days, and the commitment's year kept. For a listing,
// the exit the decision grants.
Status HistoryWriter::Repair(Agency& agency, const std::string& uscc, const std::string& target, Day earliest,
                             const char* approved_reason, std::optional<std::string> exit_listing) {
  const Day applied = WorkdayIn(earliest, earliest + kRepairApplicationDaysMax);
  if (applied >= today_) return Status::Ok();
  const std::string repair = Id("XF");
  const std::string commitment = repair + "-CN";
  const Day kept_until = AddMonths(applied, kRepairCommitmentMonths) - 1;
  RETURN_IF_ERROR(Add(agency, uscc, "CommitmentMade",
                      {{"commitment_id", commitment}, {"commitment_type", kCreditRepair}, {"matter", "信用修复"},
                       {"content", "申请人承诺已纠正失信行为、消除不良影响，自承诺之日起一年内依法诚信经营；承诺不实的，愿意"
                                   "承担相应法律责任"},
                       {"made_date", Date(applied)}, {"deadline", Date(kept_until)}, {"accepting_agency", agency.uscc}}));
  RETURN_IF_ERROR(Add(agency, uscc, "RepairApplied",
                      {{"repair_id", repair}, {"target", target}, {"commitment_id", commitment},
                       {"applied_date", Date(applied)}}));
  const Day decided =
      WorkingDaysAfter(applied, static_cast<int>(Uniform(kRepairDecisionWorkingDaysMin, kRepairDecisionWorkingDaysMax)));
  if (decided >= today_) return Status::Ok();  // still under review
  const bool approved = exit_listing.has_value() || Chance(kRepairApprovedShare);
  RETURN_IF_ERROR(Add(agency, uscc, "RepairDecided",
                      {{"repair_id", repair}, {"approved", approved}, {"decided_date", Date(decided)},
                       {"reason", std::string("依据") + kRepairMeasures + "，" +
                                      (approved ? approved_reason : "申请材料不齐全，经告知后未在规定期限内补正，不予信用修复")}}));
  if (approved && exit_listing) {
    RETURN_IF_ERROR(Add(agency, uscc, "SeriousListingExited",
                        {{"listing_id", *exit_listing}, {"exit_date", Date(decided)}, {"reason", "信用修复，提前移出"}}));
  }
  const Day verified = WorkingDaysAfter(kept_until, static_cast<int>(Uniform(1, kReviewWorkingDaysMax)));
  if (!approved || verified >= today_) return Status::Ok();
  return Add(agency, uscc, "CommitmentVerified",
             {{"commitment_id", commitment}, {"verified_date", Date(verified)}, {"note", "承诺期内未再发生违法失信行为"}});
}

// ------------------------------------------------------------------ subjects

// 企业 (91…): 青岛{字号}{行业}有限公司.
Status HistoryWriter::Firm(const District& district) {
  ASSIGN_OR_RETURN(const std::string uscc, NewUscc("91", district.code, "MA"));
  const Trade& trade = Any(kTrades);
  const bool liability = Chance(kLimitedLiabilityShare);
  const std::string name = UnusedName([&] {
    return "青岛" + Brand() + trade.name + (liability ? "有限责任公司" : "有限公司");
  });
  RETURN_IF_ERROR(Register(Pick("approval"), uscc, "Enterprise", name, district.code));
  const int penalties = Chance(kPenalisedShare) ? (Chance(kSecondPenaltyShare) ? 2 : 1) : 0;
  for (int p = 0; p < penalties; ++p) RETURN_IF_ERROR(Penalty(uscc, name, trade.sectors));
  std::vector<const char*> permits;
  for (const char* m : trade.matters) {
    if (*m != '\0') permits.push_back(m);
  }
  RETURN_IF_ERROR(Commitments(uscc, static_cast<unsigned>(Uniform(0, kCommitmentsPerFirmMax)), permits, Pick("approval"),
                              Market(uscc), trade.convention));
  enterprises_.push_back({uscc, &trade});
  return Status::Ok();
}

// 个体工商户 (92…): {区}{字号}{业态}, no 公司.
Status HistoryWriter::IndividualBusiness(const District& district) {
  ASSIGN_OR_RETURN(const std::string uscc, NewUscc("92", district.code, "MA"));
  const Shop& shop = Any(kShops);
  const std::string name = UnusedName([&] {
    return std::string(district.prefix) + (Chance(kOwnerNamedShopShare) ? Any(kShopKeepers) : Brand()) + shop.name;
  });
  RETURN_IF_ERROR(Register(Pick("approval"), uscc, "IndividualBusiness", name, district.code));
  const int penalties = Chance(kPenalisedShare) ? (Chance(kSecondPenaltyShare) ? 2 : 1) : 0;
  for (int p = 0; p < penalties; ++p) RETURN_IF_ERROR(Penalty(uscc, name, shop.sectors));
  return Commitments(uscc, static_cast<unsigned>(Uniform(0, kCommitmentsPerShopMax)), {shop.matter}, Pick("approval"),
                     Market(uscc), "");
}

// 社会组织: associations keep their trade's self-discipline conventions; all promise conduct.
Status HistoryWriter::SocialOrganisation(const District& district) {
  Agency& approval = Pick("approval");
  std::string uscc, name, division = district.code;
  std::string convention;
  if (Chance(kFoundationShare)) {  // 基金会 (53…), registered by the city
    division = kCityDivision;
    ASSIGN_OR_RETURN(uscc, NewUscc("53", division, "MJ"));
    name = UnusedName([&] { return "青岛市" + Brand() + "慈善基金会"; });
  } else if (Chance(0.5)) {  // 社会团体 (51…)
    ASSIGN_OR_RETURN(uscc, NewUscc("51", division, "MJ"));
    const char* association = nullptr;
    name = UnusedName([&] {
      association = Any(kAssociations);
      return std::string(district.prefix) + association;
    });
    convention = std::string(association) + "自律公约";
  } else {  // 民办非企业单位 (52…)
    ASSIGN_OR_RETURN(uscc, NewUscc("52", division, "MJ"));
    name = UnusedName([&] { return district.prefix + Brand() + Any(kPrivateNonEnterprises); });
  }
  RETURN_IF_ERROR(Register(approval, uscc, "SocialOrganisation", name, division));
  const int count = static_cast<int>(Uniform(1, 2));
  for (int c = 0; c < count; ++c) {
    const bool discipline = !convention.empty() && Chance(0.5);
    RETURN_IF_ERROR(Commitment(uscc, approval, discipline ? kSelfDiscipline : kVoluntary,
                               discipline ? convention : "社会组织信用承诺", WorkdayIn(start_, today_ - 1), c));
  }
  return Status::Ok();
}

Status HistoryWriter::Contract(const std::string& payer) {
  if (enterprises_.empty()) return Status::Ok();  // no firm to buy from yet
  Agency& finance = Pick("finance");
  const Enterprise& payee = enterprises_[Uniform(0, enterprises_.size() - 1)];
  const std::string id = Id("HT");
  const int64_t amount = Uniform(50, 5000) * 1000 * 100;
  const Day signed_day = WorkdayIn(start_, today_ - 60);
  const Day delivered = WorkdayIn(signed_day + 30, signed_day + 120);
  const int term = Chance(0.7) ? 30 : 60;  // 保障中小企业款项支付条例: at most 60 days
  RETURN_IF_ERROR(Add(finance, payer, "ContractSigned",
                      {{"contract_id", id}, {"public_body", payer}, {"counterparty", payee.uscc},
                       {"counterparty_is_sme", Chance(0.8)}, {"title", Date(signed_day).substr(0, 4) + "年" + payee.trade->contract},
                       {"amount_fen", amount}, {"signed_date", Date(signed_day)}, {"delivery_date", Date(delivered)},
                       {"payment_term_days", term}}));
  const Day due = delivered + term;
  if (due >= today_) return Status::Ok();
  const double roll = Roll();
  if (roll < 0.8) {
    const Day paid = WorkdayIn(due - term + 1, due);
    RETURN_IF_ERROR(Add(finance, payer, "PaymentMade", {{"contract_id", id}, {"amount_fen", amount}, {"paid_date", Date(paid)}}));
    return Add(finance, payer, "ContractCompleted", {{"contract_id", id}, {"completed_date", Date(paid)}});
  }
  const Day recorded = Workday(due + 30);
  if (recorded >= today_) return Status::Ok();
  RETURN_IF_ERROR(Add(finance, payer, "ArrearsRecorded",
                      {{"contract_id", id}, {"amount_fen", amount}, {"due_date", Date(due)}, {"recorded_date", Date(recorded)}}));
  if (roll < 0.95 && recorded + 60 < today_) {
    const Day cleared = WorkdayIn(recorded + 1, recorded + 60);
    RETURN_IF_ERROR(Add(finance, payer, "PaymentMade", {{"contract_id", id}, {"amount_fen", amount}, {"paid_date", Date(cleared)}}));
    RETURN_IF_ERROR(Add(finance, payer, "ArrearsCleared", {{"contract_id", id}, {"amount_fen", amount}, {"cleared_date", Date(cleared)}}));
  }
  return Status::Ok();
}

// Each public body's first staff member and an annual assessment: natural persons' files, for
// the personnel role (docs/privacy.md). Chosen by the subject's index, not the random stream,
// so that every other subject of a seed is the same as before they existed.
Status HistoryWriter::CivilServant(const std::string& employer) {
  static constexpr const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"};
  static constexpr const char* kGiven[] = {"建国", "秀英", "海燕", "志强", "丽娟", "文博", "晓明", "春梅", "立新", "静怡", "国栋"};
  static constexpr const char* kAssessments[] = {"优秀", "称职", "称职", "称职", "基本称职"};
  static constexpr const char* kGrades[] = {"Excellent", "Competent", "Competent", "Competent", "BasicallyCompetent"};
  const uint64_t i = subject_index_;
  const std::string staff = "A" + std::to_string(1000 + i % 9000);
  const std::string subject = employer + "/" + staff;
  Agency& personnel = Pick("personnel");
  RETURN_IF_ERROR(Add(personnel, subject, "SubjectRegistered",
                      {{"kind", "CivilServant"}, {"name", std::string(kSurnames[i % std::size(kSurnames)]) + kGiven[i % std::size(kGiven)]},
                       {"division", employer.substr(2, 6)}, {"staff_number", staff}, {"employer_uscc", employer}}));
  const std::string this_year = Date(today_).substr(0, 4);
  const std::string year = std::to_string(std::stoi(this_year) - 1);
  return Add(personnel, subject, "CivilServantIntegrityEntry",
             {{"entry_id", "KH-" + year + "-" + staff}, {"category", "考核"},
              {"content", year + "年度考核" + kAssessments[i % std::size(kAssessments)]},
              {"entry_date", Date(std::min(today_, events::DaysFromDate(this_year + "-01-20")))},
              {"entry_type", "Assessment"}, {"assessment_year", std::stoi(year)},
              {"assessment_grade", kGrades[i % std::size(kGrades)]}});
}

// 机关 (11…) and 事业单位 (12…) of a district: contracts with firms, 政务服务 commitments,
// 好差评 ratings of their services, and a civil servant's file.
Status HistoryWriter::PublicBody(const District& district) {
  const Body* body = &Any(kBodies);
  std::string name = std::string(district.prefix) + body->name;
  for (int i = 0; i < kNameDraws && names_.contains(name); ++i) {
    body = &Any(kBodies);
    name = std::string(district.prefix) + body->name;
  }
  for (int n = 1; names_.contains(name); ++n) {  // every kind of body taken: a school
    body = &kSchool;
    name = std::string(district.prefix) + "第" + projections::ChineseNumeral(static_cast<uint64_t>(n)) + kSchool.name;
  }
  names_.insert(name);
  ASSIGN_OR_RETURN(const std::string uscc, NewUscc(body->institution ? "12" : "11", district.code, "MB"));
  RETURN_IF_ERROR(Register(Pick("finance"), uscc, "PublicBody", name, district.code));
  const int contracts = static_cast<int>(Uniform(1, 4));
  for (int c = 0; c < contracts; ++c) RETURN_IF_ERROR(Contract(uscc));
  const int commitments = static_cast<int>(Uniform(1, 3));
  std::vector<Day> made_days;
  for (int c = 0; c < commitments; ++c) made_days.push_back(WorkdayIn(start_, today_ - 1));
  std::sort(made_days.begin(), made_days.end());
  for (int c = 0; c < commitments; ++c) {
    const std::string matter = Chance(0.5) ? Any(body->services) : Any(kGovernmentMatters);
    RETURN_IF_ERROR(Commitment(uscc, Pick("approval"), kGovernmentService, matter, made_days[c], c));
  }
  const int ratings = static_cast<int>(Uniform(3, 10));
  for (int r = 0; r < ratings; ++r) RETURN_IF_ERROR(ServiceCase(uscc, Any(body->services)));
  return CivilServant(uscc);
}

// 好差评, one case at a time (一件一评): the case handled, its rating a day or two later, and for
// a 差评 the rectification (mostly within the ruleset's working days) and a follow-up call.
Status HistoryWriter::ServiceCase(const std::string& uscc, const std::string& matter) {
  Agency& approval = Pick("approval");
  const int stars = Chance(0.8) ? static_cast<int>(Uniform(4, 5)) : static_cast<int>(Uniform(1, 3));
  const Day rated = Uniform(start_, today_ - 1);
  const Day handled = WorkdayBefore(std::max(start_, rated - static_cast<Day>(Uniform(0, kRatingDaysAfterCaseMax))));
  const int channel = static_cast<int>(Uniform(0, 3));
  const std::string case_id = Id("BJ");
  RETURN_IF_ERROR(Add(approval, uscc, "ServiceCaseHandled",
                      {{"case_id", case_id}, {"matter", matter}, {"handled_date", Date(handled)}, {"channel", channel}}));
  RETURN_IF_ERROR(Add(approval, uscc, "ServiceRated",
                      {{"rating_id", Id("PJ")}, {"rating", stars}, {"matter", matter}, {"rated_date", Date(std::max(rated, handled))},
                       {"channel", channel}, {"case_id", case_id}}));
  if (stars > rules_.service_bad_rating_max || Chance(kRectificationMissedShare)) return Status::Ok();
  const Day rectified = WorkingDaysAfter(std::max(rated, handled),
                                         static_cast<int>(Uniform(kRectificationWorkingDaysMin, kRectificationWorkingDaysMax)));
  if (rectified >= today_) return Status::Ok();
  RETURN_IF_ERROR(Add(approval, uscc, "ServiceRectified",
                      {{"case_id", case_id}, {"rectified_date", Date(rectified)},
                       {"rectification", "已核实差评反映的问题，对承办人员进行提醒谈话，完善一次性告知清单，并向办事人说明情况"}}));
  const Day called = WorkingDaysAfter(rectified, static_cast<int>(Uniform(1, 5)));
  if (called >= today_) return Status::Ok();
  const bool satisfied = Chance(0.8);
  return Add(approval, uscc, "ServiceFollowedUp",
             {{"case_id", case_id}, {"followed_up_date", Date(called)}, {"satisfied", satisfied},
              {"note", satisfied ? "电话回访，办事人对整改结果表示满意" : "电话回访，办事人对整改结果仍不满意"}});
}

Status HistoryWriter::Subject(uint64_t index) {
  subject_index_ = index;
  event_index_ = 0;
  ineligible_.clear();
  const District& district = Any(kDistricts);
  const double kind = Roll();
  if (kind < kPublicBodyShare) {
    RETURN_IF_ERROR(PublicBody(district));
  } else if (kind < kPublicBodyShare + kSocialOrganisationShare) {
    RETURN_IF_ERROR(SocialOrganisation(district));
  } else if (kind < kPublicBodyShare + kSocialOrganisationShare + kIndividualBusinessShare) {
    RETURN_IF_ERROR(IndividualBusiness(district));
  } else {
    RETURN_IF_ERROR(Firm(district));
  }
  return Record();
}

// The history's last day: --today, or today in China. Facts may not lie after the day they are
// recorded, and the history needs a year to happen in.
Result<Day> HistoryEnd(const DemoOptions& options) {
  const Day today = TodayInChina();
  if (options.today.empty()) return today;
  if (!events::IsCalendarDate(options.today)) {
    return Status::InvalidArgument("--today: '" + options.today + "' is not a date (YYYY-MM-DD)");
  }
  const Day day = events::DaysFromDate(options.today);
  if (day > today) {
    return Status::InvalidArgument("--today: " + options.today + " is after today (" + events::DateFromDays(today) +
                                   "): no fact may be dated after the day it is recorded");
  }
  if (day < events::DaysFromDate(kDemoTodayEarliest)) {
    return Status::InvalidArgument("--today: " + options.today + " is before " + kDemoTodayEarliest +
                                   ": the demo's history starts on " + kDemoHistoryStart);
  }
  return day;
}

}  // namespace

Result<DemoReport> RunDemo(ledger::Ledger& ledger, const DemoOptions& options, std::string_view passphrase) {
  ASSIGN_OR_RETURN(const Day today, HistoryEnd(options));
  DemoReport report;
  ASSIGN_OR_RETURN(std::vector<Agency> agencies, PrepareAgencies(ledger, options.data, passphrase, &report.agencies_registered));
  // Each run appends a new history: find the first run number not yet recorded for this seed.
  // Event ids are scoped to the recording agency: the run's first event is by one of them.
  for (;; ++report.run) {
    const std::string first_id = "demo/" + std::to_string(options.seed) + "/" + std::to_string(report.run) + "/0/0";
    bool found = false;
    for (const Agency& agency : agencies) {
      ASSIGN_OR_RETURN(auto seq, ledger.FindEventId(agency.uscc, first_id));
      found = found || seq.has_value();
    }
    if (!found) break;
  }
  // The agencies are public bodies too: registered once, they are on the integrity board with
  // the verifications they owe (谁审批谁监管).
  for (const Agency& agency : agencies) {
    ASSIGN_OR_RETURN(uint64_t version, ledger.StreamVersion(agency.uscc));
    if (version > 0) continue;
    const Agency& approval = *std::find_if(agencies.begin(), agencies.end(), [](const Agency& a) { return a.file == "approval"; });
    const json event = {{"event_id", "demo/agency-subject/" + agency.file}, {"subject", agency.uscc},
                        {"body_type", "SubjectRegistered"},
                        {"body", {{"kind", "PublicBody"}, {"name", agency.name}, {"division", agency.uscc.substr(2, 6)}}}};
    ASSIGN_OR_RETURN(Bytes bytes, events::EventFromJson(event.dump()));
    RETURN_IF_ERROR(ledger.Append(events::SignEnvelope(bytes, approval.key, ledger.origin())).status());
  }
  HistoryWriter writer(ledger, agencies, options, report.run, today);
  ProgressLine progress("demo subjects", options.quiet);
  for (uint64_t i = 0; i < options.subjects; ++i) {
    RETURN_IF_ERROR(writer.Subject(i));
    progress.Update(i + 1, options.subjects);
  }
  RETURN_IF_ERROR(writer.Flush());
  progress.Finish();
  report.events = writer.events();
  report.uscc_redraws = writer.uscc_redraws();
  report.size = ledger.size();
  return report;
}

}  // namespace creditlog::api
