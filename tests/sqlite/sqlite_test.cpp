// The SQLite helper (src/sqlite/sqlite.h): pragmas on open, schema versions, typed binds and columns, errors as
// Statuses with the file and the operation in them, and the transaction guard.
#include "sqlite/sqlite.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace qz::sqlite {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "qz-sqlite-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::unique_ptr<Database> open_or_fail(const std::string& path, const OpenOptions& options = {}) {
  std::unique_ptr<Database> db;
  const Status status = Database::open(path, options, &db);
  EXPECT_TRUE(status.is_ok()) << status.message();
  return db;
}

int64_t pragma(Database* db, const std::string& name) {
  int64_t value = -1;
  const Status status = db->query_i64("PRAGMA " + name, &value);
  EXPECT_TRUE(status.is_ok()) << status.message();
  return value;
}

TEST(Sqlite, OpenSetsTheProjectPragmas) {
  TempDir dir;
  auto db = open_or_fail(dir.file("a.db"), OpenOptions{.synchronous = Sync::full, .busy_timeout_ms = 1234});
  ASSERT_NE(db, nullptr);
  Statement mode;
  ASSERT_TRUE(db->prepare("PRAGMA journal_mode", &mode).is_ok());
  bool row = false;
  ASSERT_TRUE(mode.step(&row).is_ok());
  ASSERT_TRUE(row);
  EXPECT_EQ(mode.column_text(0), "wal");
  EXPECT_EQ(pragma(db.get(), "synchronous"), 2);
  EXPECT_EQ(pragma(db.get(), "foreign_keys"), 1);
  EXPECT_EQ(pragma(db.get(), "busy_timeout"), 1234);

  auto normal = open_or_fail(dir.file("b.db"), OpenOptions{.synchronous = Sync::normal, .foreign_keys = false});
  EXPECT_EQ(pragma(normal.get(), "synchronous"), 1);
  EXPECT_EQ(pragma(normal.get(), "foreign_keys"), 0);
  EXPECT_EQ(pragma(normal.get(), "wal_autocheckpoint"), 1000);  // SQLite's default

  auto off = open_or_fail(dir.file("c.db"),
                          OpenOptions{.synchronous = Sync::off, .cache_kib = 8192, .wal_autocheckpoint_pages = 4096});
  EXPECT_EQ(pragma(off.get(), "synchronous"), 0);
  EXPECT_EQ(pragma(off.get(), "cache_size"), -8192);
  EXPECT_EQ(pragma(off.get(), "wal_autocheckpoint"), 4096);
}

TEST(Sqlite, WriteBackSweepsTheDatabaseThenItsWal) {
  TempDir dir;
  const std::string path = dir.file("w.db");
  auto db = open_or_fail(path, OpenOptions{.synchronous = Sync::off});
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB); PRAGMA wal_checkpoint(TRUNCATE)").is_ok());
  // A database file of some pages, then a WAL of about 300 KiB beside it (under the checkpoint's 1,000 pages).
  for (int i = 0; i < 40; i++) {
    ASSERT_TRUE(db->exec("INSERT INTO t(v) VALUES (zeroblob(7000))").is_ok());
  }
  ASSERT_TRUE(db->exec("PRAGMA wal_checkpoint(TRUNCATE)").is_ok());
  for (int i = 0; i < 40; i++) {
    ASSERT_TRUE(db->exec("INSERT INTO t(v) VALUES (zeroblob(7000))").is_ok());
  }
  constexpr size_t kSlice = 64 * 1024;
  const auto windows = [&](const std::string& file) {
    const auto size = static_cast<size_t>(std::filesystem::file_size(file));
    return (size + kSlice - 1) / kSlice;
  };
  const size_t db_windows = windows(path);
  const size_t wal_windows = windows(path + "-wal");
  ASSERT_GT(db_windows, 1u);
  ASSERT_GT(wal_windows, 1u);
  // Window by window through the database, then the WAL, then the database again from its start.
  std::vector<int> expected;
  for (int round = 0; round < 2; round++) {
    expected.insert(expected.end(), db_windows, 0);
    expected.insert(expected.end(), wal_windows, 1);
  }
  std::vector<int> seen;
  for (size_t i = 0; i < expected.size(); i++) seen.push_back(db->write_back_slice(kSlice));
  EXPECT_EQ(seen, expected);
  // An empty WAL is passed over: only the database's windows, round after round.
  ASSERT_TRUE(db->exec("PRAGMA wal_checkpoint(TRUNCATE)").is_ok());
  ASSERT_EQ(std::filesystem::file_size(path + "-wal"), 0u);
  for (size_t i = 0; i < 3 * db_windows + 1; i++) EXPECT_EQ(db->write_back_slice(kSlice), 0) << i;
  int64_t rows = 0;
  ASSERT_TRUE(db->query_i64("SELECT count(*) FROM t", &rows).is_ok());
  EXPECT_EQ(rows, 80);
  // Neither file there: nothing to write back.
  TempDir other;
  auto gone = open_or_fail(other.file("g.db"), OpenOptions{.synchronous = Sync::off});
  ASSERT_NE(gone, nullptr);
  std::filesystem::remove(other.file("g.db"));
  std::filesystem::remove(other.file("g.db-wal"));
  EXPECT_EQ(gone->write_back_slice(kSlice), -1);
}

TEST(Sqlite, OpenFailuresNameTheFile) {
  TempDir dir;
  std::unique_ptr<Database> db;
  Status status = Database::open(dir.file("missing.db"), OpenOptions{.create = false}, &db);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("missing.db: opening:"), std::string::npos) << status.message();
  EXPECT_EQ(db, nullptr);

  status = Database::open(dir.file("no/such/dir/x.db"), OpenOptions{}, &db);
  EXPECT_FALSE(status.is_ok());
  status = Database::open(dir.file("missing.db"), OpenOptions{.read_only = true}, &db);
  EXPECT_FALSE(status.is_ok());
}

TEST(Sqlite, BindsAndReadsEveryType) {
  TempDir dir;
  auto db = open_or_fail(dir.file("t.db"));
  ASSERT_TRUE(db->exec("CREATE TABLE t(i INTEGER, u INTEGER, s TEXT, b BLOB, n INTEGER)").is_ok());
  Statement insert;
  ASSERT_TRUE(db->prepare("INSERT INTO t VALUES(?, ?, ?, ?, ?)", &insert).is_ok());
  const std::vector<uint8_t> blob = {0, 1, 2, 0xFF};
  const std::string text("a\0b", 3);  // an embedded NUL survives
  insert.bind(1, int64_t{-5}).bind(2, uint64_t{0xFFFF'FFFF'FFFF'FFFE}).bind(3, text).bind_blob(4, blob).bind_null(5);
  ASSERT_TRUE(insert.run().is_ok());
  EXPECT_EQ(db->changes(), 1);
  EXPECT_EQ(db->last_insert_rowid(), 1);
  // The statement is reusable after run(): bindings were cleared, so unbound parameters are NULL.
  insert.bind(1, true).bind(2, uint32_t{7});
  ASSERT_TRUE(insert.run().is_ok());

  Statement select;
  ASSERT_TRUE(db->prepare("SELECT i, u, s, b, n FROM t ORDER BY rowid", &select).is_ok());
  EXPECT_EQ(select.column_count(), 5);
  bool row = false;
  ASSERT_TRUE(select.step(&row).is_ok());
  ASSERT_TRUE(row);
  EXPECT_EQ(select.column_type(0), ColumnType::integer);
  EXPECT_EQ(select.column_type(2), ColumnType::text);
  EXPECT_EQ(select.column_type(3), ColumnType::blob);
  EXPECT_EQ(select.column_type(4), ColumnType::null);
  EXPECT_EQ(select.column_i64(0), -5);
  EXPECT_EQ(select.column_u64(1), 0xFFFF'FFFF'FFFF'FFFEu);
  EXPECT_EQ(select.column_i64(1), -2);  // stored as the signed value with the same bits
  EXPECT_EQ(select.column_text(2), text);
  EXPECT_EQ(select.column_blob(3), blob);
  EXPECT_TRUE(select.column_is_null(4));
  EXPECT_FALSE(select.column_is_null(0));
  ASSERT_TRUE(select.step(&row).is_ok());
  ASSERT_TRUE(row);
  EXPECT_EQ(select.column_i64(0), 1);
  EXPECT_EQ(select.column_i64(1), 7);
  EXPECT_TRUE(select.column_is_null(2));
  EXPECT_EQ(select.column_text(2), "");
  EXPECT_TRUE(select.column_blob(3).empty());
  ASSERT_TRUE(select.step(&row).is_ok());
  EXPECT_FALSE(row);

  int64_t count = 0;
  ASSERT_TRUE(db->query_i64("SELECT count(*) FROM t", &count).is_ok());
  EXPECT_EQ(count, 2);
  bool found = true;
  ASSERT_TRUE(db->query_i64("SELECT i FROM t WHERE i = 99", &count, &found).is_ok());
  EXPECT_FALSE(found);
  EXPECT_FALSE(db->query_i64("SELECT i FROM t WHERE i = 99", &count).is_ok());  // a row was required
}

TEST(Sqlite, ErrorsNameTheFileTheOperationAndTheReason) {
  TempDir dir;
  auto db = open_or_fail(dir.file("e.db"));
  Statement bad;
  Status status = db->prepare("SELECT * FROM nowhere", &bad);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("e.db: preparing \"SELECT * FROM nowhere\": no such table: nowhere"),
            std::string::npos)
      << status.message();
  EXPECT_FALSE(bad.prepared());

  ASSERT_TRUE(db->exec("CREATE TABLE k(id INTEGER PRIMARY KEY)").is_ok());
  Statement insert;
  ASSERT_TRUE(db->prepare("INSERT INTO k VALUES(?)", &insert).is_ok());
  ASSERT_TRUE(insert.bind(1, int64_t{1}).run("inserting k").is_ok());
  status = insert.bind(1, int64_t{1}).run("inserting k");
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("e.db: inserting k: UNIQUE constraint failed: k.id"), std::string::npos)
      << status.message();
  // The statement is usable again after a failure.
  EXPECT_TRUE(insert.bind(1, int64_t{2}).run().is_ok());

  status = db->exec("INSERT INTO k VALUES(2)");
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("running \"INSERT INTO k VALUES(2)\""), std::string::npos) << status.message();
}

TEST(Sqlite, TransactionRollsBackUnlessCommitted) {
  TempDir dir;
  auto db = open_or_fail(dir.file("x.db"));
  ASSERT_TRUE(db->exec("CREATE TABLE v(x INTEGER)").is_ok());
  {
    Transaction tx(db.get());
    ASSERT_TRUE(tx.begin().is_ok());
    EXPECT_TRUE(tx.active());
    EXPECT_TRUE(db->in_transaction());
    ASSERT_TRUE(db->exec("INSERT INTO v VALUES(1)").is_ok());
  }  // dropped: rolled back
  EXPECT_FALSE(db->in_transaction());
  int64_t count = -1;
  ASSERT_TRUE(db->query_i64("SELECT count(*) FROM v", &count).is_ok());
  EXPECT_EQ(count, 0);
  {
    Transaction tx(db.get());
    ASSERT_TRUE(tx.begin().is_ok());
    ASSERT_TRUE(db->exec("INSERT INTO v VALUES(2)").is_ok());
    ASSERT_TRUE(tx.commit().is_ok());
    EXPECT_FALSE(tx.active());
  }
  ASSERT_TRUE(db->query_i64("SELECT count(*) FROM v", &count).is_ok());
  EXPECT_EQ(count, 1);

  // Not nestable.
  Transaction outer(db.get());
  ASSERT_TRUE(outer.begin().is_ok());
  Transaction inner(db.get());
  const Status status = inner.begin();
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("already open"), std::string::npos) << status.message();
  outer.rollback();
  EXPECT_FALSE(db->in_transaction());
}

TEST(Sqlite, SecondWriterWaitsThenFailsWithBusy) {
  TempDir dir;
  const std::string path = dir.file("w.db");
  auto first = open_or_fail(path);
  ASSERT_TRUE(first->exec("CREATE TABLE v(x INTEGER)").is_ok());
  auto second = open_or_fail(path, OpenOptions{.busy_timeout_ms = 50});
  auto reader = open_or_fail(path, OpenOptions{.read_only = true});

  Transaction holding(first.get());
  ASSERT_TRUE(holding.begin().is_ok());
  ASSERT_TRUE(first->exec("INSERT INTO v VALUES(1)").is_ok());

  Transaction waiting(second.get());
  const Status status = waiting.begin();
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("w.db: beginning a transaction: database is locked"), std::string::npos)
      << status.message();
  // WAL: a reader sees the last committed state while the writer holds its transaction.
  int64_t count = -1;
  ASSERT_TRUE(reader->query_i64("SELECT count(*) FROM v", &count).is_ok());
  EXPECT_EQ(count, 0);
  ASSERT_TRUE(holding.commit().is_ok());
  ASSERT_TRUE(reader->query_i64("SELECT count(*) FROM v", &count).is_ok());
  EXPECT_EQ(count, 1);
  EXPECT_TRUE(waiting.begin().is_ok());

  // A read-only connection cannot write.
  const Status write = reader->exec("INSERT INTO v VALUES(2)");
  ASSERT_FALSE(write.is_ok());
  EXPECT_NE(write.message().find("readonly"), std::string::npos) << write.message();
}

TEST(Sqlite, MigrateRunsEachStepOnceAndRecordsTheVersion) {
  TempDir dir;
  const std::string path = dir.file("m.db");
  int calls = 0;
  const std::vector<SchemaStep> v1 = {
      SchemaStep{.sql = "CREATE TABLE a(x INTEGER); INSERT INTO a VALUES(1);", .run = {}},
  };
  const std::vector<SchemaStep> v2 = {
      v1[0],
      SchemaStep{.sql = nullptr,
                 .run =
                     [&calls](Database& db) {
                       calls++;
                       return db.exec("ALTER TABLE a ADD COLUMN y INTEGER NOT NULL DEFAULT 7");
                     }},
  };
  {
    auto db = open_or_fail(path);
    int64_t version = -1;
    ASSERT_TRUE(db->user_version(&version).is_ok());
    EXPECT_EQ(version, 0);
    ASSERT_TRUE(db->migrate("test", v1).is_ok());
    ASSERT_TRUE(db->user_version(&version).is_ok());
    EXPECT_EQ(version, 1);
    ASSERT_TRUE(db->migrate("test", v1).is_ok());  // nothing to do: the INSERT did not run twice
    int64_t rows = 0;
    ASSERT_TRUE(db->query_i64("SELECT count(*) FROM a", &rows).is_ok());
    EXPECT_EQ(rows, 1);
  }
  {
    auto db = open_or_fail(path);
    ASSERT_TRUE(db->migrate("test", v2).is_ok());
    EXPECT_EQ(calls, 1);
    int64_t y = 0;
    ASSERT_TRUE(db->query_i64("SELECT y FROM a", &y).is_ok());
    EXPECT_EQ(y, 7);
    ASSERT_TRUE(db->migrate("test", v2).is_ok());
    EXPECT_EQ(calls, 1);
    // An older program refuses the newer file.
    const Status status = db->migrate("test", v1);
    ASSERT_FALSE(status.is_ok());
    EXPECT_NE(status.message().find("m.db: test schema version 2 is newer than this program knows (1)"),
              std::string::npos)
        << status.message();
  }
}

TEST(Sqlite, FailedMigrationStepLeavesThePreviousVersion) {
  TempDir dir;
  auto db = open_or_fail(dir.file("f.db"));
  const std::vector<SchemaStep> steps = {
      SchemaStep{.sql = "CREATE TABLE a(x INTEGER);", .run = {}},
      SchemaStep{.sql = "CREATE TABLE b(x INTEGER); CREATE TABLE a(x INTEGER);", .run = {}},
  };
  const Status status = db->migrate("test", steps);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("upgrading the test schema from version 1: table a already exists"),
            std::string::npos)
      << status.message();
  int64_t version = -1;
  ASSERT_TRUE(db->user_version(&version).is_ok());
  EXPECT_EQ(version, 1);
  bool found = true;
  int64_t ignored = 0;
  ASSERT_TRUE(db->query_i64("SELECT 1 FROM sqlite_master WHERE name = 'b'", &ignored, &found).is_ok());
  EXPECT_FALSE(found);  // step 2 was rolled back whole
  EXPECT_FALSE(db->in_transaction());
}

TEST(Sqlite, SchemaScriptRunsWholeThenChecksTheFormatVersion) {
  TempDir dir;
  auto db = open_or_fail(dir.file("s.db"));
  const char* script =
      "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS a(x INTEGER);"
      "INSERT OR IGNORE INTO meta(key, value) VALUES('format_version', '1');";
  ASSERT_TRUE(db->apply_schema_script("test store", script, "1").is_ok());
  ASSERT_TRUE(db->apply_schema_script("test store", script, "1").is_ok());  // again: nothing changes
  EXPECT_EQ(pragma(db.get(), "user_version"), 0);

  // A program that reads another format refuses the file, before its script runs: the file is left as it was.
  const Status other = db->apply_schema_script(
      "test store", "CREATE TABLE IF NOT EXISTS c(x INTEGER); UPDATE meta SET value = '2';", "2");
  ASSERT_FALSE(other.is_ok());
  EXPECT_NE(other.message().find("s.db: the test store is format version 1; this program reads 2"), std::string::npos)
      << other.message();
  bool touched = true;
  int64_t one = 0;
  ASSERT_TRUE(db->query_i64("SELECT 1 FROM sqlite_master WHERE name = 'c'", &one, &touched).is_ok());
  EXPECT_FALSE(touched);
  ASSERT_TRUE(db->apply_schema_script("test store", script, "1").is_ok());  // still format 1

  // A script that fails half-way leaves nothing of itself.
  const Status failed =
      db->apply_schema_script("test store", "CREATE TABLE b(x INTEGER); CREATE TABLE a(x INTEGER);", "1");
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.message().find("s.db: setting up the test store: table a already exists"), std::string::npos)
      << failed.message();
  bool found = true;
  int64_t ignored = 0;
  ASSERT_TRUE(db->query_i64("SELECT 1 FROM sqlite_master WHERE name = 'b'", &ignored, &found).is_ok());
  EXPECT_FALSE(found);
  EXPECT_FALSE(db->in_transaction());

  // A file whose meta table lacks the row.
  auto bare = open_or_fail(dir.file("t.db"));
  const Status none =
      bare->apply_schema_script("test store", "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);", "1");
  ASSERT_FALSE(none.is_ok());
  EXPECT_NE(none.message().find("t.db: the test store has no format version; this program reads 1"), std::string::npos)
      << none.message();
}

}  // namespace
}  // namespace qz::sqlite
