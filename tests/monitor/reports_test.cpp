// The regulator's reports through a real Engine: one scenario over 2023Q4-2025Q1 (registrations in two quarters and
// two years, approvals, a refused prospect, offboardings for several reasons, a high-risk client, freezes, trades,
// deposits by transfer and by hold, withdrawals, an asset without a rate), checked figure by figure in both reports,
// in JSON and CSV, byte for byte; plus the calendar of periods and their parsing.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "monitor/config.h"
#include "monitor/reports.h"
#include "rules/limits.h"
#include "scenario.h"

namespace qz::monitor::testing {
namespace {

constexpr uint64_t kS = kSecondNs;
constexpr uint64_t kProspect = 201;           // registered 2023Q4, refused
constexpr uint64_t kDormant = 202;            // registered 2024Q1, offboarded as dormant 2024Q2
constexpr uint64_t kRefusedLater = 203;       // registered 2024Q2, active, then offboarded kyc_refused
constexpr uint64_t kLate = 204;               // registered 2025Q1
constexpr int64_t kPrice = 30'000'000'00;     // KZT per BTC, in tiyn
constexpr uint64_t kEndTime = 1'736'467'200;  // 2025-01-10T00:00:00Z, the last block

// --- periods ------------------------------------------------------------------------------------------------------

TEST(ReportPeriods, ParsesYearsAndQuartersInRangeOnly) {
  ReportPeriod p;
  ASSERT_TRUE(parse_report_year("2026", &p));
  EXPECT_EQ(p, (ReportPeriod{.year = 2026, .quarter = 0}));
  EXPECT_TRUE(parse_report_year("1970", &p));
  EXPECT_TRUE(parse_report_year("2200", &p));
  for (const char* bad : {"1969", "2201", "26", "02026", "20a6", "+2026", "", "2026Q1"}) {
    EXPECT_FALSE(parse_report_year(bad, &p)) << bad;
  }
  ASSERT_TRUE(parse_report_quarter("2026Q3", &p));
  EXPECT_EQ(p, (ReportPeriod{.year = 2026, .quarter = 3}));
  ASSERT_TRUE(parse_report_quarter("2024q1", &p));
  EXPECT_EQ(p, (ReportPeriod{.year = 2024, .quarter = 1}));
  for (const char* bad : {"2026Q0", "2026Q5", "2026-Q1", "2026Q", "2026", "1969Q4", "2201Q1", "2026Q12", "Q12026"}) {
    EXPECT_FALSE(parse_report_quarter(bad, &p)) << bad;
  }
  EXPECT_EQ((ReportPeriod{.year = 2026, .quarter = 3}).name(), "2026Q3");
  EXPECT_EQ((ReportPeriod{.year = 2026, .quarter = 0}).name(), "2026");
}

TEST(ReportPeriods, BoundariesAreUtcCalendarQuartersAndYears) {
  EXPECT_EQ((ReportPeriod{.year = 1970, .quarter = 0}).from_ns(), 0u);
  EXPECT_EQ((ReportPeriod{.year = 2024, .quarter = 0}).from_ns(), 1'704'067'200 * kS);
  EXPECT_EQ((ReportPeriod{.year = 2024, .quarter = 0}).to_ns(), 1'735'689'600 * kS);
  EXPECT_EQ((ReportPeriod{.year = 2024, .quarter = 1}).to_ns(), 1'711'929'600 * kS);  // 2024-04-01: a leap February
  EXPECT_EQ((ReportPeriod{.year = 2024, .quarter = 3}).from_ns(), 1'719'792'000 * kS);
  EXPECT_EQ((ReportPeriod{.year = 2024, .quarter = 4}).from_ns(), 1'727'740'800 * kS);
  EXPECT_EQ((ReportPeriod{.year = 2024, .quarter = 4}).to_ns(), 1'735'689'600 * kS);
  // Every quarter from 1970 to 2200 starts on the first day of its month by the engine's own calendar, and ends
  // where the next one starts.
  for (uint32_t year = kFirstReportYear; year <= kLastReportYear; year++) {
    for (uint8_t quarter = 1; quarter <= 4; quarter++) {
      const ReportPeriod p{.year = year, .quarter = quarter};
      const uint32_t month = year * 12 + 3u * (quarter - 1u);
      ASSERT_EQ(period_of(p.from_ns()).month, month) << p.name();
      if (p.from_ns() > 0) {
        ASSERT_EQ(period_of(p.from_ns() - 1).month, month - 1) << p.name();
      }
      ASSERT_EQ(period_of(p.to_ns()).month, month + 3) << p.name();
      if (quarter == 1) {
        ASSERT_EQ(p.from_ns(), (ReportPeriod{.year = year, .quarter = 0}).from_ns());
      }
      if (quarter == 4) {
        ASSERT_EQ(p.to_ns(), (ReportPeriod{.year = year, .quarter = 0}).to_ns());
      }
    }
  }
}

// --- the scenario -------------------------------------------------------------------------------------------------

class Reports : public MonitorScenario {
 protected:
  // Applies one block at `seconds` since the Unix epoch.
  void at(uint64_t seconds, std::vector<Command> commands) {
    ASSERT_GT(seconds * kS, time_ns_);
    run(std::move(commands), seconds * kS - time_ns_);
  }
  static Command approve(uint64_t client) { return make_set_client_status(client, 2, 2); }

  // 2023Q4 (the setup's blocks are on 2023-11-14): Alice, Bob and a prospect register; Alice and Bob are approved,
  // deposit (BTC has no rate yet) and trade; the prospect is refused.
  // 2024Q1: BTC gets its rate; Carol (nationality IR: high-risk) and client 202 register; Alice moves to tier 2;
  // Carol deposits by transfer and by hold; Bob is frozen for review and cleared; Alice sells to Carol and withdraws.
  // 2024Q2: client 203 registers, is approved and later offboarded kyc_refused; 202 is offboarded as dormant;
  // Carol is frozen and offboarded for a sanctions match; Bob withdraws BTC. 2024Q3-Q4: nothing.
  // 2025Q1: client 204 registers (the last block).
  void play() {
    start({}, /*rate=*/false);
    at(1'700'474'400,
       {make_register_client(kAlice, 1, 1, "KZ", "KZ", false),  // 2023-11-20T10:00:00Z
        make_register_client(kBob, 2, 2, "KZ", "RU", false), make_register_client(kProspect, 1, 0, "KZ", "KZ", false)});
    at(1'700'560'800, {approve(kAlice), approve(kBob)});
    at(1'700'647'200, {deposit(kAlice, kKzt, 1'000'000'00), deposit(kBob, kBtc, kOneBtc)});
    at(1'700'733'600, {limit(kBob, OrderSideCode::sell, kPrice, kOneBtc / 100),
                       limit(kAlice, OrderSideCode::buy, kPrice, kOneBtc / 100)});
    at(1'702'166'400, {make_set_client_status(kProspect, 4, 8)});  // 2023-12-10: offboarded, kyc_refused

    at(1'705'276'800, {make_set_conversion_rate(kBtc, kBtcRate),  // 2024-01-15
                       make_register_client(kCarol, 1, 1, "AE", "IR", false),
                       make_register_client(kDormant, 1, 0, "RU", "RU", false)});
    at(1'705'363'200, {approve(kCarol), make_update_client(kAlice, 1, 2, "KZ", "KZ", true)});
    at(1'706'745'600,
       {deposit(kCarol, kKzt, 500'000'00), make_hold(custody(kKzt), account_of(kCarol, kKzt), 200'000'00, 0)});
    const uint64_t hold = last_events_[index_of(EventKind::hold_placed)].hold_placed.hold;
    at(1'706'832'000, {make_post_hold(hold, account_of(kCarol, kKzt), 200'000'00)});
    at(1'707'523'200, {make_set_client_status(kBob, 3, 3)});                       // frozen, compliance_review
    at(1'708'387'200, {make_set_client_status(kBob, 2, 6)});                       // active, review_cleared
    at(1'709'251'200, {limit(kAlice, OrderSideCode::sell, kPrice, kOneBtc / 200),  // 2024-03-01
                       limit(kCarol, OrderSideCode::buy, kPrice, kOneBtc / 200), withdrawal(kAlice, kKzt, 100'000'00)});
    q1_blocks_ = blocks_.size();

    at(1'712'707'200, {make_register_client(kRefusedLater, 2, 3, "KZ", "KZ", false)});  // 2024-04-10
    at(1'712'793'600, {approve(kRefusedLater), make_set_client_status(kDormant, 4, 9)});
    at(1'714'694'400, {make_set_client_status(kCarol, 3, 4)});  // 2024-05-03: frozen, sanctions_match
    at(1'714'780'800, {make_set_client_status(kCarol, 4, 4), withdrawal(kBob, kBtc, kOneBtc / 2)});
    at(1'719'791'999, {make_set_client_status(kRefusedLater, 4, 8)});  // 2024-06-30T23:59:59Z

    at(kEndTime, {make_register_client(kLate, 1, 1, "KZ", "KZ", false)});
    ASSERT_EQ(engine_.check_invariants(), "");
  }

  // A builder fed the first `count` recorded blocks (all by default).
  std::unique_ptr<ReportBuilder> builder(size_t count = SIZE_MAX) const {
    auto b = std::make_unique<ReportBuilder>(Config{});
    for (size_t i = 0; i < blocks_.size() && i < count; i++) {
      const Recorded& r = blocks_[i];
      b->on_block(BlockView{.height = r.height, .time_ns = r.time_ns, .commands = r.commands, .events = r.events});
    }
    return b;
  }
  static Report report(const ReportBuilder& b, ReportKind kind, const char* period,
                       const std::vector<FiledReport>& filed = {}) {
    ReportPeriod p;
    EXPECT_TRUE(kind == ReportKind::aml_annual ? parse_report_year(period, &p) : parse_report_quarter(period, &p));
    Report r;
    EXPECT_TRUE(b.report(kind, p, filed, &r)) << period;
    return r;
  }
  // The CSV rows of the report section.
  std::string csv_head(ReportKind kind, const char* period, const char* from, const char* to, bool complete) const {
    const bool aml = kind == ReportKind::aml_annual;
    return std::string("section,item,figure,value\n") + "report,,name," +
           (aml ? "aml_annual_statistics" : "quarterly_client_and_volume") + "\nreport,,format," +
           (aml ? "qazna.report.aml.v1" : "qazna.report.quarterly.v1") + "\nreport,,period," + period +
           "\nreport,,from," + from + "\nreport,,to," + to + "\nreport,,complete," + (complete ? "true" : "false") +
           "\nreport,,journal_height," + std::to_string(last_height_) +
           "\nreport,,journal_time,2025-01-10T00:00:00.000Z\nreport,,config_digest," + config_digest(Config{}) +
           "\nreport,,high_risk_countries,IR KP MM\nreport,,tenge,KZT\n";
  }

  size_t q1_blocks_ = 0;
};

// STRs from the case store: one in 2023 (its last millisecond), two in 2024 (the first at its first instant), one
// in 2025.
const std::vector<FiledReport> kFiled = {
    {.case_id = 1, .client = kCarol, .filed_at_ns = 1'714'737'600 * kS},            // 2024-05-03T12:00:00Z
    {.case_id = 2, .client = kBob, .filed_at_ns = 1'704'067'200 * kS - 1'000'000},  // 2023-12-31T23:59:59.999Z
    {.case_id = 3, .client = kAlice, .filed_at_ns = 1'704'067'200 * kS},            // 2024-01-01T00:00:00Z
    {.case_id = 4, .client = kAlice, .filed_at_ns = 1'738'368'000 * kS},            // 2025-02-01
};

TEST_F(Reports, AmlStatisticsOf2024) {
  play();
  const Report r = report(*builder(), ReportKind::aml_annual, "2024", kFiled);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(report_csv(r),
            csv_head(ReportKind::aml_annual, "2024", "2024-01-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z", true) +
                R"(clients,,registered_end,6
clients,,total_end,2
clients,,new,3
clients_by_status,pending,end,0
clients_by_status,active,end,2
clients_by_status,frozen,end,0
clients_by_status,offboarded,end,4
clients_by_class,retail,total_end,1
clients_by_class,retail,new,2
clients_by_class,professional,total_end,1
clients_by_class,professional,new,1
clients_by_kyc_tier,0,total_end,0
clients_by_kyc_tier,0,new,1
clients_by_kyc_tier,1,total_end,0
clients_by_kyc_tier,1,new,1
clients_by_kyc_tier,2,total_end,2
clients_by_kyc_tier,2,new,0
clients_by_kyc_tier,3,total_end,0
clients_by_kyc_tier,3,new,1
clients_by_residence,AE,total_end,0
clients_by_residence,AE,new,1
clients_by_residence,KZ,total_end,2
clients_by_residence,KZ,new,1
clients_by_residence,RU,total_end,0
clients_by_residence,RU,new,1
high_risk,,total_end,0
high_risk,,new,1
high_risk,,during,1
rejected_prospects,,count,0
offboarded,,total,3
offboarded_by_reason,sanctions_match,count,1
offboarded_by_reason,court_order,count,0
offboarded_by_reason,client_request,count,0
offboarded_by_reason,kyc_refused,count,1
offboarded_by_reason,dormant,count,1
frozen,,total,2
frozen_by_reason,compliance_review,count,1
frozen_by_reason,sanctions_match,count,1
frozen_by_reason,court_order,count,0
enhanced_due_diligence,,clients,2
enhanced_due_diligence,,high_risk,1
enhanced_due_diligence,,frozen_compliance_review,1
enhanced_due_diligence,,frozen_sanctions_match,1
reports_filed,,str,2
reports_filed_cases,3,client,101
reports_filed_cases,3,filed_at,2024-01-01T00:00:00.000Z
reports_filed_cases,1,client,103
reports_filed_cases,1,filed_at,2024-05-03T12:00:00.000Z
)");
  EXPECT_EQ(
      report_json(r),
      R"({"report":"aml_annual_statistics","format":"qazna.report.aml.v1","period":"2024","from":"2024-01-01T00:00:00.000Z",)"
      R"("to":"2025-01-01T00:00:00.000Z","complete":true,"journal_height":)" +
          std::to_string(last_height_) + R"(,"journal_time":"2025-01-10T00:00:00.000Z","config_digest":")" +
          config_digest(Config{}) +
          R"(","high_risk_countries":["IR","KP","MM"],"tenge":"KZT","clients":{"registered_end":6,"total_end":2,)"
          R"("new":3,"status_end":{"pending":0,"active":2,"frozen":0,"offboarded":4},"by_class":[{"class":"retail",)"
          R"("total_end":1,"new":2},{"class":"professional","total_end":1,"new":1}],"by_kyc_tier":[{"kyc_tier":0,)"
          R"("total_end":0,"new":1},{"kyc_tier":1,"total_end":0,"new":1},{"kyc_tier":2,"total_end":2,"new":0},)"
          R"({"kyc_tier":3,"total_end":0,"new":1}],"by_residence":[{"residence":"AE","total_end":0,"new":1},)"
          R"({"residence":"KZ","total_end":2,"new":1},{"residence":"RU","total_end":0,"new":1}]},)"
          R"("high_risk":{"total_end":0,"new":1,"during":1},"rejected_prospects":0,"offboarded":{"total":3,)"
          R"("by_reason":{"sanctions_match":1,"court_order":0,"client_request":0,"kyc_refused":1,"dormant":1}},)"
          R"("frozen":{"total":2,"by_reason":{"compliance_review":1,"sanctions_match":1,"court_order":0}},)"
          R"("enhanced_due_diligence":{"clients":2,"high_risk":1,"frozen_compliance_review":1,)"
          R"("frozen_sanctions_match":1},"reports_filed":{"str":2,"cases":[{"case":3,"client":101,)"
          R"("filed_at":"2024-01-01T00:00:00.000Z"},{"case":1,"client":103,"filed_at":"2024-05-03T12:00:00.000Z"}]}})");
}

TEST_F(Reports, AmlStatisticsOf2023CountTheRefusedProspect) {
  play();
  const Report r = report(*builder(), ReportKind::aml_annual, "2023", kFiled);
  EXPECT_TRUE(r.complete);
  const PeriodFigures& f = r.figures;
  EXPECT_EQ(f.registered_end, 3u);
  EXPECT_EQ(f.clients, (ClientCount{.total_end = 2, .new_in_period = 3}));
  EXPECT_EQ(f.status_end[2], 2u);
  EXPECT_EQ(f.status_end[4], 1u);
  EXPECT_EQ(f.by_class[1], (ClientCount{.total_end = 1, .new_in_period = 2}));
  EXPECT_EQ(f.by_class[2], (ClientCount{.total_end = 1, .new_in_period = 1}));
  EXPECT_EQ(f.by_tier[0], (ClientCount{.total_end = 0, .new_in_period = 1}));
  EXPECT_EQ(f.by_residence.size(), 1u);
  EXPECT_EQ(f.by_residence.at("KZ"), (ClientCount{.total_end = 2, .new_in_period = 3}));
  EXPECT_EQ(f.high_risk, ClientCount{});
  EXPECT_EQ(f.high_risk_during, 0u);
  EXPECT_EQ(f.rejected_prospects, 1u);
  EXPECT_EQ(f.offboarded, 1u);
  EXPECT_EQ(f.offboarded_by_reason[8], 1u);
  EXPECT_EQ(f.frozen, 0u);
  EXPECT_EQ(f.edd_clients, 0u);
  ASSERT_EQ(r.filed.size(), 1u);
  EXPECT_EQ(r.filed[0], kFiled[1]);
  // The annual report holds no volume sections; the quarterly one no AML sections.
  const std::string json = report_json(r);
  EXPECT_EQ(json.find("\"trading\""), std::string::npos);
  EXPECT_NE(json.find(R"("rejected_prospects":1,"offboarded":{"total":1,"by_reason":{"sanctions_match":0,)"
                      R"("court_order":0,"client_request":0,"kyc_refused":1,"dormant":0}})"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("reports_filed":{"str":1,"cases":[{"case":2,"client":102,)"
                      R"("filed_at":"2023-12-31T23:59:59.999Z"}]})"),
            std::string::npos)
      << json;
}

TEST_F(Reports, QuarterlyReportOf2023Q4ValuesOnlyWhatHadARate) {
  play();
  const Report r = report(*builder(), ReportKind::quarterly, "2023Q4");
  EXPECT_EQ(report_csv(r),
            csv_head(ReportKind::quarterly, "2023Q4", "2023-10-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z", true) +
                R"(clients,,registered_end,3
clients,,total_end,2
clients,,new,3
clients_by_status,pending,end,0
clients_by_status,active,end,2
clients_by_status,frozen,end,0
clients_by_status,offboarded,end,1
clients_by_class,retail,total_end,1
clients_by_class,retail,new,2
clients_by_class,professional,total_end,1
clients_by_class,professional,new,1
clients_by_kyc_tier,0,total_end,0
clients_by_kyc_tier,0,new,1
clients_by_kyc_tier,1,total_end,1
clients_by_kyc_tier,1,new,1
clients_by_kyc_tier,2,total_end,1
clients_by_kyc_tier,2,new,1
clients_by_kyc_tier,3,total_end,0
clients_by_kyc_tier,3,new,0
clients_by_residence,KZ,total_end,2
clients_by_residence,KZ,new,3
high_risk,,total_end,0
high_risk,,new,0
high_risk,,during,0
offboarded,,total,1
offboarded_by_reason,sanctions_match,count,0
offboarded_by_reason,court_order,count,0
offboarded_by_reason,client_request,count,0
offboarded_by_reason,kyc_refused,count,1
offboarded_by_reason,dormant,count,0
trading,,trades,1
trading,,active_traders,2
trading_by_market,1,symbol,BTC/KZT
trading_by_market,1,trades,1
trading_by_market,1,traders,2
trading_by_market,1,base_quantity,0.01000000
trading_by_market,1,quote_notional,300000.00
trading_by_market,1,value_KZT,300000.00
trading_by_market,1,unvalued_trades,0
deposits,BTC,count,1
deposits,BTC,amount,1.00000000
deposits,BTC,value_KZT,0.00
deposits,BTC,unvalued,1
deposits,KZT,count,1
deposits,KZT,amount,1000000.00
deposits,KZT,value_KZT,1000000.00
deposits,KZT,unvalued,0
)");
}

TEST_F(Reports, QuarterlyReportOf2024Q1) {
  play();
  const Report r = report(*builder(), ReportKind::quarterly, "2024Q1");
  const std::string json =
      R"({"report":"quarterly_client_and_volume","format":"qazna.report.quarterly.v1","period":"2024Q1",)"
      R"("from":"2024-01-01T00:00:00.000Z","to":"2024-04-01T00:00:00.000Z","complete":true,"journal_height":)" +
      std::to_string(last_height_) + R"(,"journal_time":"2025-01-10T00:00:00.000Z","config_digest":")" +
      config_digest(Config{}) +
      R"(","high_risk_countries":["IR","KP","MM"],"tenge":"KZT","clients":{"registered_end":5,"total_end":4,)"
      R"("new":2,"status_end":{"pending":1,"active":3,"frozen":0,"offboarded":1},"by_class":[{"class":"retail",)"
      R"("total_end":3,"new":2},{"class":"professional","total_end":1,"new":0}],"by_kyc_tier":[{"kyc_tier":0,)"
      R"("total_end":1,"new":1},{"kyc_tier":1,"total_end":1,"new":1},{"kyc_tier":2,"total_end":2,"new":0},)"
      R"({"kyc_tier":3,"total_end":0,"new":0}],"by_residence":[{"residence":"AE","total_end":1,"new":1},)"
      R"({"residence":"KZ","total_end":2,"new":0},{"residence":"RU","total_end":1,"new":1}]},)"
      R"("high_risk":{"total_end":1,"new":1,"during":1},"offboarded":{"total":0,"by_reason":{"sanctions_match":0,)"
      R"("court_order":0,"client_request":0,"kyc_refused":0,"dormant":0}},"trading":{"trades":1,"active_traders":2,)"
      R"("markets":[{"market":1,"symbol":"BTC/KZT","trades":1,"traders":2,"base_quantity":"0.00500000",)"
      R"("quote_notional":"150000.00","value_KZT":"150000.00","unvalued_trades":0}]},"deposits":[{"asset":"KZT",)"
      R"("count":2,"amount":"700000.00","value_KZT":"700000.00","unvalued":0}],"withdrawals":[{"asset":"KZT",)"
      R"("count":1,"amount":"100000.00","value_KZT":"100000.00","unvalued":0}]})";
  EXPECT_EQ(report_json(r), json);
  // The AML figures of the quarter are kept too: the review freeze and the high-risk client.
  EXPECT_EQ(r.figures.frozen_by_reason[3], 1u);
  EXPECT_EQ(r.figures.edd_clients, 2u);
  EXPECT_EQ(r.figures.edd_compliance_review, 1u);

  // Taken while 2024Q1 was the newest quarter of the journal: the same figures, marked incomplete.
  const std::unique_ptr<ReportBuilder> early = builder(q1_blocks_);
  const Report open = report(*early, ReportKind::quarterly, "2024Q1");
  EXPECT_FALSE(open.complete);
  EXPECT_EQ(open.journal_time_ns, 1'709'251'200 * kS);
  EXPECT_EQ(open.figures, r.figures);
  Report later;
  EXPECT_FALSE(early->report(ReportKind::quarterly, ReportPeriod{.year = 2024, .quarter = 2}, {}, &later));
}

TEST_F(Reports, QuarterlyReportOf2024Q2) {
  play();
  const Report r = report(*builder(), ReportKind::quarterly, "2024Q2");
  EXPECT_EQ(report_csv(r),
            csv_head(ReportKind::quarterly, "2024Q2", "2024-04-01T00:00:00.000Z", "2024-07-01T00:00:00.000Z", true) +
                R"(clients,,registered_end,6
clients,,total_end,2
clients,,new,1
clients_by_status,pending,end,0
clients_by_status,active,end,2
clients_by_status,frozen,end,0
clients_by_status,offboarded,end,4
clients_by_class,retail,total_end,1
clients_by_class,retail,new,0
clients_by_class,professional,total_end,1
clients_by_class,professional,new,1
clients_by_kyc_tier,0,total_end,0
clients_by_kyc_tier,0,new,0
clients_by_kyc_tier,1,total_end,0
clients_by_kyc_tier,1,new,0
clients_by_kyc_tier,2,total_end,2
clients_by_kyc_tier,2,new,0
clients_by_kyc_tier,3,total_end,0
clients_by_kyc_tier,3,new,1
clients_by_residence,KZ,total_end,2
clients_by_residence,KZ,new,1
high_risk,,total_end,0
high_risk,,new,0
high_risk,,during,1
offboarded,,total,3
offboarded_by_reason,sanctions_match,count,1
offboarded_by_reason,court_order,count,0
offboarded_by_reason,client_request,count,0
offboarded_by_reason,kyc_refused,count,1
offboarded_by_reason,dormant,count,1
trading,,trades,0
trading,,active_traders,0
withdrawals,BTC,count,1
withdrawals,BTC,amount,0.50000000
withdrawals,BTC,value_KZT,15000000.00
withdrawals,BTC,unvalued,0
)");
  EXPECT_EQ(r.figures.rejected_prospects, 0u);  // 203 was active before it was refused
  EXPECT_EQ(r.figures.edd_clients, 1u);
  EXPECT_EQ(r.figures.edd_sanctions_match, 1u);
}

TEST_F(Reports, EmptyLaterAndEarlierPeriods) {
  play();
  const std::unique_ptr<ReportBuilder> b = builder();
  // 2024Q3 had no block: the state of 2024Q2's end, nothing new.
  const Report q3 = report(*b, ReportKind::quarterly, "2024Q3");
  EXPECT_TRUE(q3.complete);
  EXPECT_EQ(q3.figures.registered_end, 6u);
  EXPECT_EQ(q3.figures.clients, (ClientCount{.total_end = 2, .new_in_period = 0}));
  EXPECT_EQ(q3.figures.by_tier[2], (ClientCount{.total_end = 2, .new_in_period = 0}));
  EXPECT_EQ(q3.figures.by_residence.size(), 1u);
  EXPECT_EQ(q3.figures.high_risk_during, 0u);
  EXPECT_EQ(q3.figures.offboarded, 0u);
  EXPECT_TRUE(q3.figures.markets.empty());
  EXPECT_TRUE(q3.figures.withdrawals.empty());
  // 2025Q1 holds the newest block: incomplete, as of that block.
  const Report q = report(*b, ReportKind::quarterly, "2025Q1");
  EXPECT_FALSE(q.complete);
  EXPECT_EQ(q.journal_height, last_height_);
  EXPECT_EQ(q.figures.registered_end, 7u);
  EXPECT_EQ(q.figures.clients, (ClientCount{.total_end = 3, .new_in_period = 1}));
  EXPECT_EQ(q.figures.by_class[1], (ClientCount{.total_end = 2, .new_in_period = 1}));
  EXPECT_EQ(q.figures.by_residence.at("KZ"), (ClientCount{.total_end = 3, .new_in_period = 1}));
  const Report y = report(*b, ReportKind::aml_annual, "2025", kFiled);
  EXPECT_FALSE(y.complete);
  EXPECT_EQ(y.figures.clients, q.figures.clients);
  ASSERT_EQ(y.filed.size(), 1u);  // filed after the newest block, within the year
  EXPECT_EQ(y.filed[0].case_id, 4u);
  // Before the journal: zeros. After it: nothing to report.
  const Report before = report(*b, ReportKind::aml_annual, "2022", kFiled);
  EXPECT_TRUE(before.complete);
  EXPECT_EQ(before.figures, PeriodFigures{});
  EXPECT_TRUE(before.filed.empty());
  Report after;
  EXPECT_FALSE(b->report(ReportKind::quarterly, ReportPeriod{.year = 2025, .quarter = 2}, {}, &after));
  EXPECT_FALSE(b->report(ReportKind::aml_annual, ReportPeriod{.year = 2026, .quarter = 0}, {}, &after));
  EXPECT_FALSE(ReportBuilder().report(ReportKind::aml_annual, ReportPeriod{.year = 2024, .quarter = 0}, {}, &after));
}

TEST_F(Reports, HighRiskListComesFromTheConfig) {
  play();
  Config config;
  config.high_risk.countries = {"AE"};  // Carol's residence
  ReportBuilder b(config);
  for (const Recorded& r : blocks_) {
    b.on_block(BlockView{.height = r.height, .time_ns = r.time_ns, .commands = r.commands, .events = r.events});
  }
  const Report r = report(b, ReportKind::aml_annual, "2024");
  EXPECT_EQ(r.high_risk_countries, std::vector<std::string>{"AE"});
  EXPECT_EQ(r.config_digest, config_digest(config));
  EXPECT_EQ(r.figures.high_risk, (ClientCount{.total_end = 0, .new_in_period = 1}));
  config.high_risk.countries = {"KP"};
  ReportBuilder none(config);
  for (const Recorded& rec : blocks_) {
    none.on_block(
        BlockView{.height = rec.height, .time_ns = rec.time_ns, .commands = rec.commands, .events = rec.events});
  }
  const Report n = report(none, ReportKind::aml_annual, "2024");
  EXPECT_EQ(n.figures.high_risk, ClientCount{});
  EXPECT_EQ(n.figures.high_risk_during, 0u);
  EXPECT_EQ(n.figures.edd_clients, 2u);  // Bob's review and Carol's sanctions freeze still count
}

TEST_F(Reports, SameJournalSameBytes) {
  play();
  const std::unique_ptr<ReportBuilder> a = builder();
  const std::unique_ptr<ReportBuilder> b = builder();
  for (const char* year : {"2023", "2024", "2025"}) {
    const Report ra = report(*a, ReportKind::aml_annual, year, kFiled);
    // The order the filed reports come in does not matter.
    const std::vector<FiledReport> reversed(kFiled.rbegin(), kFiled.rend());
    const Report rb = report(*b, ReportKind::aml_annual, year, reversed);
    EXPECT_EQ(report_json(ra), report_json(rb));
    EXPECT_EQ(report_csv(ra), report_csv(rb));
  }
  for (const char* quarter : {"2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1"}) {
    EXPECT_EQ(report_json(report(*a, ReportKind::quarterly, quarter)),
              report_json(report(*b, ReportKind::quarterly, quarter)));
  }
}

}  // namespace
}  // namespace qz::monitor::testing
