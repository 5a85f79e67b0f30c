// The case store: the lifecycle (open, assign, comment, close), refusals that change nothing (a closed case, an
// unknown case, an alert already in a case, bad names and text), the append-only log, persistence across opens,
// and the contents of the suspicious transaction report in JSON and text.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "monitor/cases.h"
#include "monitor/render.h"

namespace qz::monitor {
namespace {

constexpr uint64_t kT0 = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z

Alert structuring_alert(uint64_t id, uint64_t client) {
  Alert alert;
  alert.id = id;
  alert.rule = Rule::structuring;
  alert.client = client;
  alert.height = 40 + id;
  alert.time_ns = kT0 + id * kSecondNs;
  alert.summary = "3 deposits just under the 7000000.00 KZT reporting threshold";
  for (uint32_t i = 0; i < 3; i++) {
    Evidence e;
    e.height = 30 + i;
    e.event_index = i;
    e.kind = EventKind::transfer_posted;
    e.time_ns = kT0 + i * kHourNs;
    e.client = client;
    e.object_id = 10 + i;
    e.label = "deposit";
    e.asset = i == 2 ? "BTC" : "KZT";
    e.scale = i == 2 ? 8 : 2;
    e.amount_minor = i == 2 ? 23'000'000 : 6'900'000'00;
    e.value_tiyn = 6'900'000'00;
    e.detail = "transfer " + std::to_string(10 + i) + " from account 4 (custody) to account 8 (customer)";
    alert.evidence.push_back(e);
  }
  return alert;
}

CaseSubject subject_of(uint64_t client) {
  CaseSubject s;
  s.client = client;
  s.registered = true;
  s.facts.classification = ClientClass::retail;
  s.facts.kyc_tier = 2;
  s.facts.residence[0] = 'K';
  s.facts.residence[1] = 'Z';
  s.facts.nationality[0] = 'I';
  s.facts.nationality[1] = 'R';
  s.status = ClientStatus::active;
  s.as_of_height = 57;
  return s;
}

class CaseStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("qz-cases-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void reopen() {
    store_.reset();
    const Status status = CaseStore::open((dir_ / "monitor.db").string(), &store_);
    ASSERT_TRUE(status.is_ok()) << status.message();
  }
  CaseOpening opening(std::vector<Alert> alerts, uint64_t client = 101) {
    return CaseOpening{.alerts = std::move(alerts),
                       .subject = subject_of(client),
                       .officer = "aigerim",
                       .note = "three deposits in a day",
                       .now_ns = kT0 + kDayNs,
                       .config_digest = std::string(64, 'a'),
                       .tenge = "KZT"};
  }
  uint64_t open_one(std::vector<Alert> alerts) {
    uint64_t id = 0;
    const CaseResult result = store_->open_case(opening(std::move(alerts)), &id);
    EXPECT_TRUE(result.is_ok()) << result.message();
    return id;
  }
  size_t action_count(uint64_t case_id) {
    Case c;
    EXPECT_TRUE(store_->load(case_id, &c).is_ok());
    return c.actions.size();
  }

  std::filesystem::path dir_;
  std::unique_ptr<CaseStore> store_;
};

TEST_F(CaseStoreTest, LifecycleOpenAssignCommentClose) {
  const uint64_t id = open_one({structuring_alert(3, 101), structuring_alert(1, 101)});
  EXPECT_EQ(id, 1u);
  ASSERT_TRUE(store_->assign(id, "bauyrzhan", "aigerim", kT0 + kDayNs + 60 * kSecondNs).is_ok());
  ASSERT_TRUE(
      store_->comment(id, "Source of funds asked for.\nNo answer in 5 days.", "bauyrzhan", kT0 + 2 * kDayNs).is_ok());
  ASSERT_TRUE(store_->close(id, CaseOutcome::str_filed, "Filed with the FIU.", "bauyrzhan", kT0 + 7 * kDayNs).is_ok());

  reopen();  // everything is in the file
  Case c;
  ASSERT_TRUE(store_->load(id, &c).is_ok());
  EXPECT_EQ(c.client, 101u);
  EXPECT_FALSE(c.open);
  EXPECT_EQ(c.assignee, "bauyrzhan");
  EXPECT_EQ(c.outcome, CaseOutcome::str_filed);
  EXPECT_EQ(c.opened_by, "aigerim");
  EXPECT_EQ(c.opened_at_ns, kT0 + kDayNs);
  EXPECT_EQ(c.closed_at_ns, kT0 + 7 * kDayNs);
  ASSERT_EQ(c.alerts.size(), 2u);
  EXPECT_EQ(c.alerts[0], structuring_alert(1, 101));  // alerts and evidence come back exactly, in id order
  EXPECT_EQ(c.alerts[1], structuring_alert(3, 101));
  EXPECT_EQ(std::string(c.subject.facts.nationality, 2), "IR");
  EXPECT_EQ(c.subject.as_of_height, 57u);
  ASSERT_EQ(c.actions.size(), 4u);
  EXPECT_EQ(c.actions[0].action, "opened");
  EXPECT_EQ(c.actions[0].value, "1,3");
  EXPECT_EQ(c.actions[0].text, "three deposits in a day");
  EXPECT_EQ(c.actions[1].action, "assigned");
  EXPECT_EQ(c.actions[1].value, "bauyrzhan");
  EXPECT_EQ(c.actions[1].officer, "aigerim");
  EXPECT_EQ(c.actions[2].action, "commented");
  EXPECT_EQ(c.actions[3].action, "closed");
  EXPECT_EQ(c.actions[3].value, "str_filed");
  EXPECT_EQ(c.actions[3].at_ns, kT0 + 7 * kDayNs);
  for (size_t i = 1; i < c.actions.size(); i++) EXPECT_GT(c.actions[i].seq, c.actions[i - 1].seq);

  std::vector<Case> all;
  ASSERT_TRUE(store_->list(&all).is_ok());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].alerts.size(), 2u);
  EXPECT_EQ(all[0].alerts[1].id, 3u);
}

TEST_F(CaseStoreTest, RefusesBadTransitionsAndChangesNothing) {
  const uint64_t id = open_one({structuring_alert(1, 101)});
  ASSERT_TRUE(store_->assign(id, "bauyrzhan", "aigerim", kT0).is_ok());
  EXPECT_EQ(store_->assign(id, "bauyrzhan", "aigerim", kT0).code(), CaseCode::conflict);
  EXPECT_EQ(store_->comment(99, "x", "aigerim", kT0).code(), CaseCode::not_found);
  EXPECT_EQ(store_->comment(id, "", "aigerim", kT0).code(), CaseCode::invalid);
  EXPECT_EQ(store_->comment(id, "bell\a", "aigerim", kT0).code(), CaseCode::invalid);
  EXPECT_EQ(store_->comment(id, "\xC3\x28", "aigerim", kT0).code(), CaseCode::invalid);  // not UTF-8
  EXPECT_EQ(store_->comment(id, std::string(4'001, 'x'), "aigerim", kT0).code(), CaseCode::invalid);
  EXPECT_EQ(store_->comment(id, "ok", "ai gerim", kT0).code(), CaseCode::invalid);
  EXPECT_EQ(store_->close(id, CaseOutcome::none, "", "aigerim", kT0).code(), CaseCode::invalid);
  EXPECT_EQ(action_count(id), 2u);

  ASSERT_TRUE(store_->comment(id, "Жалоба клиента приложена.", "aigerim", kT0).is_ok());  // UTF-8 is fine
  ASSERT_TRUE(store_->close(id, CaseOutcome::no_action, "", "bauyrzhan", kT0 + kHourNs).is_ok());
  const CaseResult comment = store_->comment(id, "too late", "aigerim", kT0 + 2 * kHourNs);
  EXPECT_EQ(comment.code(), CaseCode::closed);
  EXPECT_EQ(comment.message(), "case 1 is closed; a closed case is final");
  EXPECT_EQ(store_->assign(id, "dana", "aigerim", kT0).code(), CaseCode::closed);
  EXPECT_EQ(store_->close(id, CaseOutcome::str_filed, "", "aigerim", kT0).code(), CaseCode::closed);
  EXPECT_EQ(action_count(id), 4u);
  Case c;
  ASSERT_TRUE(store_->load(id, &c).is_ok());
  EXPECT_EQ(c.outcome, CaseOutcome::no_action);
  EXPECT_EQ(store_->load(2, &c).code(), CaseCode::not_found);
}

TEST_F(CaseStoreTest, RefusesBadOpenings) {
  uint64_t id = 0;
  EXPECT_EQ(store_->open_case(opening({}), &id).code(), CaseCode::invalid);
  EXPECT_EQ(store_->open_case(opening({structuring_alert(1, 101), structuring_alert(1, 101)}), &id).code(),
            CaseCode::invalid);
  const CaseResult mixed = store_->open_case(opening({structuring_alert(1, 101), structuring_alert(2, 102)}), &id);
  EXPECT_EQ(mixed.code(), CaseCode::invalid);
  EXPECT_NE(mixed.message().find("alert 2 concerns client 102"), std::string::npos) << mixed.message();
  CaseOpening no_officer = opening({structuring_alert(1, 101)});
  no_officer.officer = "";
  EXPECT_EQ(store_->open_case(no_officer, &id).code(), CaseCode::invalid);

  EXPECT_EQ(open_one({structuring_alert(1, 101)}), 1u);
  const CaseResult again = store_->open_case(opening({structuring_alert(2, 101), structuring_alert(1, 101)}), &id);
  EXPECT_EQ(again.code(), CaseCode::conflict);
  EXPECT_EQ(again.message(), "alert 1 is already in case 1");
  std::vector<Case> all;
  ASSERT_TRUE(store_->list(&all).is_ok());
  EXPECT_EQ(all.size(), 1u);  // the refused opening left no case and no alert 2 behind
  uint64_t holder = 7;
  ASSERT_TRUE(store_->case_of_alert(2, &holder).is_ok());
  EXPECT_EQ(holder, 0u);
  EXPECT_EQ(open_one({structuring_alert(2, 101)}), 2u);  // ids stay dense
}

TEST_F(CaseStoreTest, TheActionLogIsAppendOnly) {
  const uint64_t id = open_one({structuring_alert(1, 101)});
  ASSERT_TRUE(store_->close(id, CaseOutcome::no_action, "", "aigerim", kT0).is_ok());
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "monitor.db").c_str(), &db), SQLITE_OK);
  for (const char* sql :
       {"UPDATE case_actions SET officer = 'someone'", "DELETE FROM case_actions", "DELETE FROM case_evidence",
        "UPDATE case_alerts SET summary = ''", "DELETE FROM cases", "UPDATE cases SET state = 'open'"}) {
    EXPECT_NE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  sqlite3_close(db);
  reopen();
  EXPECT_EQ(action_count(id), 2u);
}

TEST_F(CaseStoreTest, RefusesAFileOfAnotherFormat) {
  store_.reset();
  const std::string path = (dir_ / "monitor.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "UPDATE meta SET value = '2' WHERE key = 'format_version'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const Status opened = CaseStore::open(path, &store_);
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.message(), path + ": the case store is format version 2; this program reads 1");
}

TEST_F(CaseStoreTest, ReportCarriesFactsAlertsEvidenceCommentsAndOutcome) {
  const uint64_t id = open_one({structuring_alert(1, 101)});
  ASSERT_TRUE(store_->assign(id, "bauyrzhan", "aigerim", kT0 + kDayNs).is_ok());
  ASSERT_TRUE(store_->comment(id, "Client says \"salary\"; no payslips.", "bauyrzhan", kT0 + 2 * kDayNs).is_ok());
  ASSERT_TRUE(store_->close(id, CaseOutcome::str_filed, "Filed.", "bauyrzhan", kT0 + 3 * kDayNs).is_ok());
  Case c;
  ASSERT_TRUE(store_->load(id, &c).is_ok());

  const std::string json = str_json(c);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["report"]), "suspicious_transaction_report");
  EXPECT_EQ(uint64_t(doc["case"]), id);
  EXPECT_EQ(std::string_view(doc["outcome"]), "str_filed");
  EXPECT_EQ(std::string_view(doc["state"]), "closed");
  EXPECT_EQ(std::string_view(doc["subject"]["residence"]), "KZ");
  EXPECT_EQ(std::string_view(doc["subject"]["nationality"]), "IR");
  EXPECT_EQ(std::string_view(doc["subject"]["classification"]), "retail");
  EXPECT_EQ(uint64_t(doc["subject"]["kyc_tier"]), 2u);
  simdjson::dom::array alerts = doc["alerts"];
  ASSERT_EQ(alerts.size(), 1u);
  simdjson::dom::element alert = alerts.at(0);
  EXPECT_EQ(std::string_view(alert["rule"]), "structuring");
  simdjson::dom::array evidence = alert["evidence"];
  ASSERT_EQ(evidence.size(), 3u);
  EXPECT_EQ(std::string_view(evidence.at(2)["asset"]), "BTC");
  EXPECT_EQ(std::string_view(evidence.at(2)["amount"]), "0.23000000");
  EXPECT_EQ(std::string_view(evidence.at(2)["value_KZT"]), "6900000.00");
  EXPECT_EQ(std::string_view(evidence.at(2)["time"]), "2023-11-15T00:13:20.000Z");
  EXPECT_EQ(uint64_t(evidence.at(2)["height"]), 32u);
  simdjson::dom::array comments = doc["comments"];
  ASSERT_EQ(comments.size(), 3u);  // the opening note, the comment, the closing text
  EXPECT_EQ(std::string_view(comments.at(1)["text"]), "Client says \"salary\"; no payslips.");
  EXPECT_EQ(std::string_view(comments.at(1)["officer"]), "bauyrzhan");
  simdjson::dom::array actions = doc["actions"];
  EXPECT_EQ(actions.size(), 4u);

  const std::string text = str_text(c);
  for (const char* expected :
       {"SUSPICIOUS TRANSACTION REPORT", "Case 1, closed with outcome str_filed", "client id:       101",
        "residence:       KZ", "nationality:     IR", "KYC tier:        2",
        "alert 1  structuring  client 101  block 41", "3 deposits just under the 7000000.00 KZT",
        "block 32 event 2  2023-11-15T00:13:20.000Z  deposit  0.23000000 BTC (6900000.00 KZT)",
        "Client says \"salary\"; no payslips.", "bauyrzhan  closed with outcome str_filed", "Outcome: str_filed"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing: " << expected << "\n" << text;
  }
}

TEST(MonitorRender, TimesAreUtcToTheMillisecond) {
  EXPECT_EQ(format_time_utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_time_utc(kT0 + 123'456'789), "2023-11-14T22:13:20.123Z");
}

}  // namespace
}  // namespace qz::monitor
