// `qazna report aml|quarterly` end to end: the real binary (QZ_BIN) on a data directory written through a Node with
// a fixed clock (so the blocks fall in known quarters), with an STR in its case store; JSON and CSV, the same bytes
// on every run, the config's high-risk list, and the refusals with their exit codes. Each test runs in its own
// temporary directory.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../app/cli_util.h"
#include "engine/command.h"
#include "journal/journal.h"
#include "monitor/cases.h"

namespace qz::app::testing {
namespace {

constexpr uint64_t kS = 1'000'000'000;

class FixedClock final : public Clock {
 public:
  uint64_t now_ns() override { return now; }
  uint64_t now = 0;
};

// Accounts: 1 KZT issuance, 2 KZT custody, 3 client 1001's KZT. Clients 1001 (KZ), 1002 (IR: high-risk) and 1003
// (a prospect) register in 2024Q1; 1001 is approved and deposits 5,000.00 KZT; in 2024Q2 1003 is refused and 1004
// registers; the last block, in 2025Q1, approves 1004. Case 1 (client 1002) was closed str_filed on 2024-06-01.
class ReportCommandLine : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(qazna_binary().empty()) << "QZ_BIN is not set; run through ctest";
    data_ = tmp_ / "data";
    ASSERT_TRUE(init_data_dir(InitOptions{.data_dir = data_, .genesis_time_ns = 1'704'412'800 * kS}).is_ok());
    FixedClock clock;
    std::unique_ptr<Node> node;
    RecoveryReport recovery;
    ASSERT_TRUE(Node::open(NodeOptions{.data_dir = data_, .clock = &clock}, &node, &recovery).is_ok());
    const auto block = [&](uint64_t seconds, std::vector<Command> commands) {
      clock.now = seconds * kS;
      SubmitResult result;
      ASSERT_TRUE(node->submit(commands, &result).is_ok());
      for (const Event& event : result.events) ASSERT_NE(event.event_kind(), EventKind::rejected);
    };
    block(1'704'844'800, {make_create_asset("KZT", 2), make_open_account(0, 1, AccountKind::issuance),  // 2024-01-10
                          make_open_account(0, 1, AccountKind::custody),
                          make_open_account(1001, 1, AccountKind::customer), make_transfer(1, 2, 100'000'000'00)});
    block(1'706'745'600,
          {make_register_client(1001, 1, 1, "KZ", "KZ", false),  // 2024-02-01
           make_register_client(1002, 1, 1, "IR", "IR", false), make_register_client(1003, 1, 0, "KZ", "KZ", false)});
    block(1'706'832'000, {make_set_client_status(1001, 2, 2), make_transfer(2, 3, 5'000'00)});
    block(1'714'521'600, {make_set_client_status(1003, 4, 8),  // 2024-05-01
                          make_register_client(1004, 2, 2, "KZ", "KZ", false)});
    block(1'735'776'000, {make_set_client_status(1004, 2, 2)});  // 2025-01-02
    node.reset();
  }
  void file_str() {
    std::unique_ptr<monitor::CaseStore> store;
    ASSERT_TRUE(monitor::CaseStore::open(data_ + "/monitor.db", &store).is_ok());
    monitor::Alert alert;
    alert.id = 1;
    alert.rule = monitor::Rule::high_risk_jurisdiction;
    alert.client = 1002;
    alert.height = 2;
    alert.time_ns = 1'706'745'600 * kS;
    alert.summary = "registered with residence and nationality IR, a high-risk jurisdiction";
    alert.evidence.push_back(monitor::Evidence{.height = 2,
                                               .event_index = 1,
                                               .kind = EventKind::client_registered,
                                               .time_ns = alert.time_ns,
                                               .client = 1002,
                                               .object_id = 1002,
                                               .label = "client registered",
                                               .asset = "",
                                               .scale = 0,
                                               .amount_minor = 0,
                                               .value_tiyn = monitor::kNoValue,
                                               .detail = "residence IR, nationality IR"});
    monitor::CaseSubject subject;
    subject.client = 1002;
    monitor::CaseOpening opening{.alerts = {alert},
                                 .subject = subject,
                                 .officer = "aigerim",
                                 .note = "",
                                 .now_ns = 1'717'000'000 * kS,
                                 .config_digest = std::string(64, 'a'),
                                 .tenge = "KZT"};
    uint64_t id = 0;
    ASSERT_TRUE(store->open_case(opening, &id).is_ok());
    ASSERT_TRUE(store->close(id, monitor::CaseOutcome::str_filed, "", "aigerim", 1'717'200'000 * kS).is_ok());
  }
  RunResult qazna(const std::vector<std::string>& args) { return run_qazna(tmp_.path(), args); }

  TempDir tmp_;
  std::string data_;
};

TEST_F(ReportCommandLine, AmlStatisticsAsJsonAndCsv) {
  RunResult r = qazna({"report", "aml", "--data", data_, "--year", "2024"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(data_ + "/monitor.db")) << "a report created the case store";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(std::string_view(doc["report"]), "aml_annual_statistics");
  EXPECT_EQ(std::string_view(doc["period"]), "2024");
  EXPECT_TRUE(bool(doc["complete"]));
  EXPECT_EQ(uint64_t(doc["journal_height"]), 5u);
  EXPECT_EQ(uint64_t(doc["clients"]["registered_end"]), 4u);
  EXPECT_EQ(uint64_t(doc["clients"]["total_end"]), 3u);
  EXPECT_EQ(uint64_t(doc["clients"]["new"]), 4u);
  EXPECT_EQ(uint64_t(doc["clients"]["status_end"]["pending"]), 2u);
  EXPECT_EQ(uint64_t(doc["high_risk"]["total_end"]), 1u);
  EXPECT_EQ(uint64_t(doc["rejected_prospects"]), 1u);
  EXPECT_EQ(uint64_t(doc["offboarded"]["by_reason"]["kyc_refused"]), 1u);
  EXPECT_EQ(uint64_t(doc["enhanced_due_diligence"]["clients"]), 1u);
  EXPECT_EQ(uint64_t(doc["reports_filed"]["str"]), 0u);
  EXPECT_NE(r.err.find("report: aml 2024 from blocks 0 to 5 (2025-01-02T00:00:00.000Z), complete"), std::string::npos)
      << r.err;

  file_str();
  r = qazna({"report", "aml", "--data", data_, "--year", "2024", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_GT(lines.size(), 50u) << r.out;
  EXPECT_EQ(lines[0], "section,item,figure,value");
  for (const char* row : {"report,,period,2024", "clients,,total_end,3", "clients_by_residence,IR,new,1",
                          "rejected_prospects,,count,1", "reports_filed,,str,1", "reports_filed_cases,1,client,1002",
                          "reports_filed_cases,1,filed_at,2024-06-01T00:00:00.000Z"}) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), row), lines.end()) << "missing: " << row << "\n" << r.out;
  }
  EXPECT_EQ(qazna({"report", "aml", "--data", data_, "--year", "2024", "--format", "csv"}).out, r.out);
  // 2025 holds the newest block: reported, marked incomplete.
  r = qazna({"report", "aml", "--data", data_, "--year", "2025"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("complete":false)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("incomplete"), std::string::npos) << r.err;
}

TEST_F(ReportCommandLine, QuarterlyReportAndTheConfigsHighRiskList) {
  RunResult r = qazna({"report", "quarterly", "--data", data_, "--quarter", "2024Q1", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  for (const char* row : {"report,,name,quarterly_client_and_volume", "report,,from,2024-01-01T00:00:00.000Z",
                          "clients,,new,3", "high_risk,,total_end,1", "trading,,trades,0", "deposits,KZT,count,1",
                          "deposits,KZT,amount,5000.00", "deposits,KZT,value_KZT,5000.00"}) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), row), lines.end()) << "missing: " << row << "\n" << r.out;
  }
  r = qazna({"report", "quarterly", "--data", data_, "--quarter", "2024q2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(std::string_view(doc["period"]), "2024Q2");
  EXPECT_EQ(uint64_t(doc["clients"]["new"]), 1u);
  EXPECT_EQ(uint64_t(doc["offboarded"]["total"]), 1u);
  EXPECT_EQ(simdjson::dom::array(doc["deposits"]).size(), 0u);

  write_file(tmp_ / "kz.conf", "high_risk.countries = KZ\n");
  r = qazna({"report", "quarterly", "--data", data_, "--quarter", "2024Q1", "--config", tmp_ / "kz.conf"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("high_risk_countries":["KZ"])"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("high_risk":{"total_end":2,"new":2,"during":2})"), std::string::npos) << r.out;
}

TEST_F(ReportCommandLine, RefusesBadArgumentsAndUnreadableJournals) {
  const auto expect = [&](const std::vector<std::string>& args, int code, const char* message) {
    const RunResult r = qazna(args);
    EXPECT_EQ(r.exit_code, code) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  };
  expect({"report", "aml", "--data", data_, "--year", "1969"}, 2, "--year: a year from 1970 to 2200");
  expect({"report", "aml", "--data", data_, "--year", "24"}, 2, "got '24'");
  expect({"report", "aml", "--data", data_}, 2, "--year is required");
  expect({"report", "quarterly", "--data", data_, "--quarter", "2024Q5"}, 2, "--quarter: YYYYQn");
  expect({"report", "quarterly", "--data", data_, "--quarter", "2024-1"}, 2, "got '2024-1'");
  expect({"report", "aml", "--data", data_, "--year", "2024", "--format", "xml"}, 2, "--format: json or csv");
  expect({"report"}, 2, "");
  expect({"report", "aml", "--data", tmp_ / "nowhere", "--year", "2024"}, 3, "holds no journal");
  expect({"report", "quarterly", "--data", data_, "--quarter", "2025Q2"}, 1,
         "the journal ends at block 5 (2025-01-02T00:00:00.000Z), before 2025Q2 begins");
  write_file(tmp_ / "bad.conf", "high_risk.countries = Iran\n");
  expect({"report", "aml", "--data", data_, "--year", "2024", "--config", tmp_ / "bad.conf"}, 1, "bad.conf: line 1");
}

}  // namespace
}  // namespace qz::app::testing
