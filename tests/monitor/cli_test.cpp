// `qazna monitor` and `qazna case` end to end: the real binary (QZ_BIN) on a data directory that `qazna exec`
// filled, alerts as text and JSON, a config file, the case lifecycle with its refusals and exit codes, and the
// report. Each test runs in its own temporary directory.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../app/cli_util.h"

namespace qz::app::testing {
namespace {

// Accounts: 1 KZT issuance, 2 KZT custody, 3 client 1001's KZT, 4 client 1002's KZT. Client 1002 is registered
// with residence and nationality IR (alert 1: high_risk_jurisdiction); client 1001 receives three deposits just
// under 7,000,000.00 KZT in one block (alert 2: structuring).
constexpr char kVenue[] =
    R"({"cmd":"create_asset","code":"KZT","scale":2}
{"cmd":"open_account","owner":0,"asset":"KZT","kind":"issuance"}
{"cmd":"open_account","owner":0,"asset":"KZT","kind":"custody"}
{"cmd":"open_account","owner":1001,"asset":"KZT","kind":"customer"}
{"cmd":"open_account","owner":1002,"asset":"KZT","kind":"customer"}
{"cmd":"transfer","debit":1,"credit":2,"amount":"100000000.00"}
{"cmd":"register_client","client":1002,"class":"retail","kyc_tier":1,"residence":"IR","nationality":"IR"}
{"cmd":"transfer","debit":2,"credit":3,"amount":"6900000.00","reference":501}
{"cmd":"transfer","debit":2,"credit":3,"amount":"6950000.00","reference":502}
{"cmd":"transfer","debit":2,"credit":3,"amount":"6999999.99","reference":503}
)";

simdjson::dom::element parse(simdjson::dom::parser* parser, const std::string& json) {
  simdjson::dom::element doc;
  EXPECT_EQ(parser->parse(json).get(doc), simdjson::SUCCESS) << json;
  return doc;
}

class MonitorCommandLine : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(qazna_binary().empty()) << "QZ_BIN is not set; run through ctest";
    data_ = tmp_ / "data";
    ASSERT_EQ(qazna({"init", "--data", data_}).exit_code, 0);
    const RunResult r = qazna({"exec", "--data", data_, "-"}, kVenue);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  RunResult qazna(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    return run_qazna(tmp_.path(), args, stdin_text);
  }
  RunResult cases(std::vector<std::string> args) {
    args.insert(args.begin(), {"case"});
    args.insert(args.begin() + 2, {"--data", data_});
    return qazna(args);
  }

  TempDir tmp_;
  std::string data_;
};

TEST_F(MonitorCommandLine, PrintsTheAlertsOfTheJournal) {
  RunResult r = qazna({"monitor", "--data", data_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  simdjson::dom::parser parser;
  simdjson::dom::element first = parse(&parser, lines[0]);
  EXPECT_EQ(uint64_t(first["alert"]), 1u);
  EXPECT_EQ(std::string_view(first["rule"]), "high_risk_jurisdiction");
  EXPECT_EQ(uint64_t(first["client"]), 1002u);
  simdjson::dom::parser parser2;
  simdjson::dom::element second = parse(&parser2, lines[1]);
  EXPECT_EQ(std::string_view(second["rule"]), "structuring");
  EXPECT_EQ(uint64_t(second["client"]), 1001u);
  simdjson::dom::array evidence = second["evidence"];
  ASSERT_EQ(evidence.size(), 3u);
  EXPECT_EQ(std::string_view(evidence.at(1)["amount"]), "6950000.00");
  EXPECT_EQ(std::string_view(evidence.at(1)["kind"]), "transfer_posted");
  EXPECT_NE(std::string_view(evidence.at(1)["detail"]).find("reference 502"), std::string_view::npos);
  EXPECT_NE(r.err.find("2 alerts (structuring 1, rapid_in_out 0, velocity 0, high_risk_jurisdiction 1"),
            std::string::npos)
      << r.err;

  r = qazna({"monitor", "--data", data_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("alert 2  structuring  client 1001"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("deposit  6999999.99 KZT  [transfer 4, reference 503 from account 2 (custody)"),
            std::string::npos)
      << r.out;

  // The same journal gives the same alerts every time.
  EXPECT_EQ(qazna({"monitor", "--data", data_, "--json"}).out, lines[0] + "\n" + lines[1] + "\n");
}

TEST_F(MonitorCommandLine, ConfigFileChangesThresholdsAndBadOnesAreRefused) {
  write_file(tmp_ / "strict.conf", "# four, not three\nstructuring.min_count = 4\nhigh_risk.countries = KP\n");
  RunResult r = qazna({"monitor", "--data", data_, "--config", tmp_ / "strict.conf"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "no alerts\n");

  write_file(tmp_ / "bad.conf", "structuring.min_count = 4\nstructuring.window = 60\n");
  r = qazna({"monitor", "--data", data_, "--config", tmp_ / "bad.conf"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.conf: line 2: unknown key \"structuring.window\""), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());

  r = qazna({"monitor", "--data", tmp_ / "nowhere"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("holds no journal"), std::string::npos) << r.err;
  EXPECT_EQ(qazna({"monitor"}).exit_code, 2);
}

TEST_F(MonitorCommandLine, CaseLifecycleAndReport) {
  RunResult r = cases({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "no cases\n");
  EXPECT_FALSE(std::filesystem::exists(data_ + "/monitor.db")) << "a read created the case file";

  // Refusals before anything exists.
  r = cases({"open", "--alert", "9", "--by", "aigerim"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("alert 9 does not exist (the journal raises alerts 1 to 2"), std::string::npos) << r.err;
  r = cases({"open", "--alert", "1,2", "--by", "aigerim"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("concerns client"), std::string::npos) << r.err;
  EXPECT_EQ(cases({"open", "--alert", "2", "--by", "ai gerim"}).exit_code, 2);
  EXPECT_EQ(cases({"open", "--alert", "-2", "--by", "aigerim"}).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(data_ + "/monitor.db")) << "a refused opening created the case file";

  r = cases({"open", "--alert", "2", "--by", "aigerim", "--note", "three deposits in one block"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "opened case 1 for client 1001 with alert 2\n");
  r = cases({"open", "--alert", "2", "--by", "aigerim"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("alert 2 is already in case 1; nothing changed"), std::string::npos) << r.err;

  EXPECT_EQ(cases({"assign", "--case", "1", "--to", "bauyrzhan", "--by", "aigerim"}).exit_code, 0);
  EXPECT_EQ(
      cases({"comment", "--case", "1", "--text", "Asked for the source of funds.", "--by", "bauyrzhan"}).exit_code, 0);
  EXPECT_EQ(cases({"close", "--case", "1", "--outcome", "filed", "--by", "bauyrzhan"}).exit_code, 2);
  r = cases(
      {"close", "--case", "1", "--outcome", "client_frozen", "--text", "Filed an STR; frozen.", "--by", "bauyrzhan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"({"cmd":"set_client_status","client":1001,"status":"frozen")"), std::string::npos) << r.out;

  r = cases({"comment", "--case", "1", "--text", "late", "--by", "aigerim"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("case 1 is closed"), std::string::npos) << r.err;
  EXPECT_EQ(cases({"show", "--case", "2"}).exit_code, 1);

  r = cases({"list"});
  EXPECT_NE(r.out.find("case 1  client 1001  closed (client_frozen)  assignee bauyrzhan  alerts 2"), std::string::npos)
      << r.out;
  r = cases({"show", "--case", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("aigerim  assigned to bauyrzhan"), std::string::npos) << r.out;

  r = cases({"report", "--case", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* expected :
       {"SUSPICIOUS TRANSACTION REPORT", "closed with outcome client_frozen", "registry:        not registered",
        "alert 2  structuring  client 1001", "Asked for the source of funds.", "Outcome: client_frozen"}) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << "missing: " << expected << "\n" << r.out;
  }
  r = cases({"report", "--case", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parse(&parser, r.out);
  EXPECT_EQ(std::string_view(doc["outcome"]), "client_frozen");
  EXPECT_EQ(uint64_t(doc["subject"]["client"]), 1001u);
  EXPECT_FALSE(bool(doc["subject"]["registered"]));
  EXPECT_EQ(simdjson::dom::array(doc["alerts"]).size(), 1u);
  EXPECT_EQ(simdjson::dom::array(doc["actions"]).size(), 4u);
}

}  // namespace
}  // namespace qz::app::testing
