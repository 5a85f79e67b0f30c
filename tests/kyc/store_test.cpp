// The client store (kyc/store.h): every version kept and the newest current, append-only tables that refuse
// changes even through SQL, holds that close once, rollback, hits with their explanations, the list state.
#include "kyc/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace qz::kyc {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "qz-kyc-store-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

ClientRecord person(uint64_t id, const std::string& latin) {
  ClientRecord r;
  r.id = id;
  r.kind = ClientKind::person;
  r.name.latin = latin;
  r.date_of_birth = "1990-03-04";
  r.nationality = "KZ";
  r.residence = "KZ";
  r.document = IdentityDocument{.type = DocumentType::national_id, .number = "900304400123", .country = "KZ"};
  r.address = Address{.street = "Abay 1", .city = "Almaty", .postcode = "", .country = "KZ"};
  return r;
}

// Runs SQL on the file directly; returns SQLite's error message, "" on success.
std::string raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  char* error = nullptr;
  std::string message;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) message = error == nullptr ? "?" : error;
  sqlite3_free(error);
  sqlite3_close(db);
  return message;
}

TEST(ClientStore, KeepsEveryVersionAndReadsTheNewest) {
  TempDir dir;
  std::unique_ptr<ClientStore> store;
  ASSERT_TRUE(ClientStore::open(dir.file("clients.db"), &store).is_ok());
  uint64_t version = 0;
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->add_version(7, 1'000, "aigerim", "onboarded", person(7, "Aigerim Serikova"), &version).is_ok());
  EXPECT_EQ(version, 1u);
  ASSERT_TRUE(store->commit().is_ok());
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->add_version(7, 2'000, "bauyrzhan", "updated", person(7, "Aigerim Nurlanovna"), &version).is_ok());
  EXPECT_EQ(version, 2u);
  ASSERT_TRUE(store->commit().is_ok());

  bool found = false;
  RecordVersion current;
  ASSERT_TRUE(store->current(7, &found, &current).is_ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(current.version, 2u);
  EXPECT_EQ(current.record.name.latin, "Aigerim Nurlanovna");
  EXPECT_EQ(current.officer, "bauyrzhan");
  EXPECT_EQ(current.change, "updated");
  EXPECT_EQ(current.at_ns, 2'000u);
  std::vector<RecordVersion> versions;
  ASSERT_TRUE(store->versions(7, &versions).is_ok());
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].record, person(7, "Aigerim Serikova"));
  EXPECT_EQ(versions[0].officer, "aigerim");
  ASSERT_TRUE(store->current(8, &found, &current).is_ok());
  EXPECT_FALSE(found);

  // A rolled-back version leaves no trace; the store reopens with what was committed.
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->add_version(7, 3'000, "x", "updated", person(7, "Someone Else"), &version).is_ok());
  store->rollback();
  store.reset();
  ASSERT_TRUE(ClientStore::open(dir.file("clients.db"), &store).is_ok());
  ASSERT_TRUE(store->versions(7, &versions).is_ok());
  EXPECT_EQ(versions.size(), 2u);
  std::vector<uint64_t> ids;
  ASSERT_TRUE(store->client_ids(&ids).is_ok());
  EXPECT_EQ(ids, std::vector<uint64_t>{7});
}

TEST(ClientStore, HistoryIsAppendOnlyEvenThroughSql) {
  TempDir dir;
  const std::string path = dir.file("clients.db");
  std::unique_ptr<ClientStore> store;
  ASSERT_TRUE(ClientStore::open(path, &store).is_ok());
  uint64_t version = 0;
  uint64_t hold = 0;
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->add_version(7, 1, "a", "onboarded", person(7, "Aigerim Serikova"), &version).is_ok());
  ASSERT_TRUE(store->add_action(7, 1, "a", "onboarded", "version 1", "").is_ok());
  ASSERT_TRUE(store->add_hold(7, 1, "a", false, &hold).is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  store.reset();
  EXPECT_NE(raw_sql(path, "UPDATE record_versions SET officer = 'b'").find("append-only"), std::string::npos);
  EXPECT_NE(raw_sql(path, "DELETE FROM record_versions").find("append-only"), std::string::npos);
  EXPECT_NE(raw_sql(path, "DELETE FROM actions").find("append-only"), std::string::npos);
  EXPECT_NE(raw_sql(path, "DELETE FROM holds").find("never deleted"), std::string::npos);
  EXPECT_EQ(raw_sql(path, "UPDATE holds SET state = 'cleared'"), "");
  EXPECT_NE(raw_sql(path, "UPDATE holds SET state = 'open'").find("a closed hold is final"), std::string::npos);
}

TEST(ClientStore, OneOpenHoldPerClientClosedOnce) {
  TempDir dir;
  std::unique_ptr<ClientStore> store;
  ASSERT_TRUE(ClientStore::open(dir.file("clients.db"), &store).is_ok());
  uint64_t hold = 0;
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->add_hold(7, 10, "a", true, &hold).is_ok());
  uint64_t second = 0;
  EXPECT_FALSE(store->add_hold(7, 11, "a", false, &second).is_ok()) << "a second open hold for one client";
  ASSERT_TRUE(store->add_hold(8, 11, "a", false, &second).is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  bool found = false;
  Hold open;
  ASSERT_TRUE(store->open_hold(7, &found, &open).is_ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(open.id, hold);
  EXPECT_TRUE(open.froze);
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->close_hold(hold, HoldState::confirmed, 20, "b", "same person", "ofac", "16691").is_ok());
  const Status again = store->close_hold(hold, HoldState::cleared, 21, "b", "no", "", "");
  EXPECT_FALSE(again.is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  ASSERT_TRUE(store->open_hold(7, &found, &open).is_ok());
  EXPECT_FALSE(found);
  std::vector<Hold> holds;
  ASSERT_TRUE(store->holds(7, &holds).is_ok());
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds[0].state, HoldState::confirmed);
  EXPECT_EQ(holds[0].closed_by, "b");
  EXPECT_EQ(holds[0].entry_uid, "16691");
  EXPECT_EQ(holds[0].text, "same person");
}

TEST(ClientStore, ScreeningsKeepHitsWithTheirExplanations) {
  TempDir dir;
  std::unique_ptr<ClientStore> store;
  ASSERT_TRUE(ClientStore::open(dir.file("clients.db"), &store).is_ok());
  Screening s{.client = 7, .version = 1, .at_ns = 5, .officer = "a", .trigger = "onboarding", .lists = "l",
              .scope = "all entries", .threshold = 76, .queries = 2, .hold_id = 3, .hits = {}};
  ScreeningHit h;
  h.subject = "client, original script";
  h.query = screening::Query{.name = "Сергей Нарышкин", .dob = "1954-10-27", .country = "RU"};
  h.hit.list_id = "ofac_sdn_2021-07";
  h.hit.uid = "16691";
  h.hit.score = 100;
  h.hit.name_score = 92;
  h.hit.matched_name = "NARYSHKIN, Sergey";
  h.hit.matched_kind = screening::NameKind::alias;
  h.hit.primary_name = "NARYSHKIN, Sergey Yevgenyevich";
  h.hit.tokens = {{.query = "sergei", .listed = "sergey", .how = screening::MatchHow::phonetic, .similarity = 92}};
  h.hit.unmatched_listed = {"yevgenyevich"};
  h.hit.evidence = {"date of birth 1954-10-27 matches listed 1954-10-27 (+5)"};
  s.hits.push_back(h);
  uint64_t id = 0;
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->add_screening(s, &id).is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  std::vector<Screening> read;
  ASSERT_TRUE(store->screenings(7, &read).is_ok());
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].id, id);
  EXPECT_EQ(read[0].hold_id, 3u);
  EXPECT_EQ(read[0].queries, 2u);
  ASSERT_EQ(read[0].hits.size(), 1u);
  const ScreeningHit& back = read[0].hits[0];
  EXPECT_EQ(back.query.name, "Сергей Нарышкин");
  EXPECT_EQ(back.hit.matched_kind, screening::NameKind::alias);
  ASSERT_EQ(back.hit.tokens.size(), 1u);
  EXPECT_EQ(back.hit.tokens[0].how, screening::MatchHow::phonetic);
  EXPECT_EQ(back.hit.tokens[0].similarity, 92u);
  EXPECT_EQ(back.hit.unmatched_listed, h.hit.unmatched_listed);
  EXPECT_EQ(back.hit.evidence, h.hit.evidence);
}

// A store made before deposits and withdrawals were screened: its CHECK on the trigger is widened when opened,
// its rows kept.
TEST(ClientStore, StoresBeforeMovementScreeningAreWidened) {
  TempDir dir;
  const std::string path = dir.file("clients.db");
  {
    std::unique_ptr<ClientStore> store;
    ASSERT_TRUE(ClientStore::open(path, &store).is_ok());
  }
  const std::string narrow =
      "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, "
      "'''list_update'', ''withdrawal'', ''deposit'')', "
      "'''list_update'')') WHERE name = 'screenings'; PRAGMA schema_version = 100; PRAGMA writable_schema = OFF;"
      "INSERT INTO screenings VALUES (1, 7, 1, 5, 'a', 'onboarding', 'l', 'all entries', 76, 1, 0);";
  ASSERT_EQ(raw_sql(path, narrow), "");
  EXPECT_NE(raw_sql(path, "INSERT INTO screenings VALUES (2, 7, 1, 5, 'a', 'withdrawal', 'l', 's', 76, 1, 0)"), "");
  std::unique_ptr<ClientStore> store;
  ASSERT_TRUE(ClientStore::open(path, &store).is_ok());
  Screening s{.client = 7, .version = 0, .at_ns = 6, .officer = "gateway", .trigger = "withdrawal", .lists = "l",
              .scope = "withdrawal 9 beneficiary", .threshold = 76, .queries = 1, .hold_id = 0, .hits = {}};
  uint64_t id = 0;
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->add_screening(s, &id).is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  std::vector<Screening> read;
  ASSERT_TRUE(store->screenings(7, &read).is_ok());
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].trigger, "onboarding");
  EXPECT_EQ(read[1].trigger, "withdrawal");
  EXPECT_EQ(raw_sql(path, "INSERT INTO screenings VALUES (8, 7, 0, 5, 'a', 'deposit', 'l', 's', 76, 1, 0)"), "");
  EXPECT_NE(raw_sql(path, "INSERT INTO screenings VALUES (9, 7, 1, 5, 'a', 'whim', 'l', 's', 76, 1, 0)"), "");
  EXPECT_EQ(raw_sql(path, "PRAGMA integrity_check"), "");
}

// Failures name the file and what was being done; a file of another format is refused when opened.
TEST(ClientStore, FailuresNameTheFile) {
  TempDir dir;
  const std::string path = dir.file("clients.db");
  {
    std::unique_ptr<ClientStore> store;
    ASSERT_TRUE(ClientStore::open(path, &store).is_ok());
    uint64_t hold = 0;
    ASSERT_TRUE(store->begin().is_ok());
    ASSERT_TRUE(store->add_hold(7, 1'000, "aigerim", false, &hold).is_ok());
    ASSERT_TRUE(
        store->add_report(Report{.hold_id = hold, .client = 7, .at_ns = 2'000, .json = "{}", .text = "t"}).is_ok());
    const Status again =
        store->add_report(Report{.hold_id = hold, .client = 7, .at_ns = 3'000, .json = "{}", .text = "t"});
    ASSERT_FALSE(again.is_ok());
    EXPECT_EQ(again.message(), path + ": storing the report of hold 1: UNIQUE constraint failed: reports.hold_id");
    store->rollback();
  }
  ASSERT_EQ(raw_sql(path, "UPDATE meta SET value = '2' WHERE key = 'format_version'"), "");
  std::unique_ptr<ClientStore> store;
  const Status opened = ClientStore::open(path, &store);
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.message(), path + ": the client store is format version 2; this program reads 1");
}

TEST(ClientStore, ListStateIsReplacedWhole) {
  TempDir dir;
  std::unique_ptr<ClientStore> store;
  ASSERT_TRUE(ClientStore::open(dir.file("clients.db"), &store).is_ok());
  ListState state;
  std::string summary;
  ASSERT_TRUE(store->list_state(&state, &summary).is_ok());
  EXPECT_TRUE(state.empty());
  const ListState first = {{{"a", "1"}, "d1"}, {{"a", "2"}, "d2"}};
  const ListState second = {{{"a", "1"}, "d1x"}, {{"b", "9"}, "d9"}};
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->set_list_state(first, "first", 1).is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->set_list_state(second, "second", 2).is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  ASSERT_TRUE(store->list_state(&state, &summary).is_ok());
  EXPECT_EQ(state, second);
  EXPECT_EQ(summary, "second");
}

}  // namespace
}  // namespace qz::kyc
