// A small RAII layer over the SQLite C API for the edge stores (history, journal-side tools, client and case
// stores): one way to open a database with the project's pragmas, version its schema, prepare and step
// statements, and run transactions. Every failure is a qz::Status whose message names the file, what was being
// done and SQLite's own message: "history.db: inserting a trade: UNIQUE constraint failed: trades.id".
//
// Thread rules: a Database and its Statements belong to one thread at a time (the connection is opened with
// SQLITE_OPEN_NOMUTEX). Several connections, in one process or several, may share a file: WAL lets readers run
// beside the one writer, and the busy timeout makes a second writer wait rather than fail at once.
//
// Integers: SQLite stores signed 64-bit integers. bind(uint64_t) keeps the bits (a value above INT64_MAX is
// stored negative) and column_u64 gives them back, so ids round-trip exactly; SQL comparisons and ORDER BY on
// such values are signed. No floating point is bound or read here.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace qz::sqlite {

// PRAGMA synchronous in WAL mode: full syncs the WAL at every commit (a committed transaction survives power
// loss); normal syncs only at checkpoints (a commit survives a process crash, not a power loss); off never syncs
// (a power loss can corrupt the file: only for files rebuilt from scratch and discarded when interrupted).
enum class Sync : uint8_t { off = 0, normal = 1, full = 2 };

// What a column of the current row holds (SQLite's storage classes).
enum class ColumnType : uint8_t { integer = 1, real = 2, text = 3, blob = 4, null = 5 };

// Before SQLite's first use in the process: no memory statistics. They put a global mutex around every
// allocation SQLite makes (a tenth of a busy writer's time), and nothing here reads them. Database::open calls
// it; code that opens SQLite by itself calls it first. If SQLite was initialised already, nothing changes.
void configure_process();

struct OpenOptions {
  bool read_only = false;  // no writes; the file must exist; WAL is not switched on (the writer did that)
  bool create = true;      // create the file when missing (ignored when read_only)
  Sync synchronous = Sync::full;
  bool foreign_keys = true;
  int busy_timeout_ms = 5'000;       // how long a statement waits for another connection's lock
  int cache_kib = 0;                 // page cache of the connection; 0 = SQLite's default
  int wal_autocheckpoint_pages = 0;  // checkpoint the WAL when it holds this many pages; 0 = SQLite's default
};

class Database;

// One prepared statement. Parameters are 1-based and columns 0-based, as in SQLite. A Statement is reusable:
// reset() clears the bindings and rewinds it.
class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool prepared() const { return statement_ != nullptr; }
  std::string_view sql() const { return sql_; }

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, uint64_t value);  // bits kept (see the file comment)
  Statement& bind(int index, int32_t value) { return bind(index, int64_t{value}); }
  Statement& bind(int index, uint32_t value) { return bind(index, int64_t{value}); }
  Statement& bind(int index, bool value) { return bind(index, int64_t{value ? 1 : 0}); }
  Statement& bind(int index, std::string_view text);  // copied
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind_blob(int index, std::span<const uint8_t> bytes);  // copied
  Statement& bind_null(int index);

  // Runs one step: *row is true when a row is ready to read, false when the statement is done. A failure (a
  // constraint, a busy lock after the timeout, a full disk) is an error naming `doing` (or the SQL text).
  [[nodiscard]] Status step(bool* row, std::string_view doing = {});
  // Steps until done (ignoring any rows), then resets. For INSERT, UPDATE, DELETE and DDL.
  [[nodiscard]] Status run(std::string_view doing = {});
  // Rewinds and clears the bindings. Always safe.
  void reset();

  int column_count() const;
  ColumnType column_type(int column) const;
  bool column_is_null(int column) const;
  int64_t column_i64(int column) const;
  uint64_t column_u64(int column) const;
  std::string column_text(int column) const;
  std::vector<uint8_t> column_blob(int column) const;

 private:
  friend class Database;
  Status failed(int rc, std::string_view doing) const;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* statement_ = nullptr;
  const std::string* path_ = nullptr;  // the Database's, for messages
  std::string sql_;
};

// One schema version step: SQL run as a script, or a function for what SQL alone cannot do. Exactly one of the
// two is set. It runs inside the transaction that also records the new version.
struct SchemaStep {
  const char* sql = nullptr;
  std::function<Status(Database&)> run;
};

class Database {
 public:
  // Opens (or creates) `path` with the pragmas of `options`: journal_mode=WAL and synchronous (writable
  // connections), foreign_keys, busy timeout, cache size. Fails with a clear message, e.g. "history.db: opening:
  // unable to open database file".
  [[nodiscard]] static Status open(const std::string& path, const OpenOptions& options, std::unique_ptr<Database>* out);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  // Runs one or more ;-separated statements (no results). `doing` names it in an error.
  [[nodiscard]] Status exec(std::string_view sql, std::string_view doing = {});
  // Prepares one statement into *out (which may have held another).
  [[nodiscard]] Status prepare(std::string_view sql, Statement* out);
  // Runs a query expected to return one integer (first column of the first row): *found false when no row.
  [[nodiscard]] Status query_i64(std::string_view sql, int64_t* out, bool* found = nullptr);

  int64_t last_insert_rowid() const;
  int64_t changes() const;  // rows changed by the last INSERT, UPDATE or DELETE
  bool in_transaction() const;

  // PRAGMA user_version: the schema version this file is at (0 for a new file).
  [[nodiscard]] Status user_version(int64_t* out);

  // Brings the schema to version steps.size(): steps[i] takes version i to i + 1, each in its own BEGIN
  // IMMEDIATE transaction that also sets user_version, so a failed step leaves the file at the version before
  // it. A file at a version above steps.size() is refused: "x.db: schema version 3 is newer than this program
  // knows (2)". `name` names the store in messages ("history").
  [[nodiscard]] Status migrate(std::string_view name, std::span<const SchemaStep> steps);

  // The schema of a store that predates migrate() (the client and case stores): one script of statements that
  // are safe to run again (CREATE ... IF NOT EXISTS, INSERT OR IGNORE), and the format kept as the row
  // ('format_version', V) of the store's own table meta(key, value), with user_version left at 0. A file that
  // already records another format is refused before the script runs, so it is left as it was: "clients.db: the
  // client store is format version 2; this program reads 1". Otherwise runs `script` in one BEGIN IMMEDIATE
  // transaction (all of it or none), then refuses the file unless it now records `format_version` ("... has no
  // format version; ..."). `name` names the store in messages ("client store"). A new store uses migrate()
  // instead.
  [[nodiscard]] Status apply_schema_script(std::string_view name, std::string_view script,
                                           std::string_view format_version);

  // An error Status for `doing` with SQLite's last message on this connection.
  Status error(std::string_view doing) const;

  // Starts writing to disk the dirty pages in the next `bytes` of the database file and its WAL, and returns
  // without waiting for them or flushing the disk's cache (Linux sync_file_range). The window sweeps one file,
  // then the other, and starts again. A connection that never syncs (Sync::off) calls it at a steady pace, so
  // that its pages reach the disk a slice at a time: left alone, the kernel writes them 30 s after they were
  // dirtied as one burst of hundreds of MiB, and every fsync on that disk (such as the journal's commits)
  // waits behind the burst. Advisory: a file that cannot be opened is skipped. Returns the file whose window
  // it started: 0 the database, 1 the WAL, -1 neither (both empty or missing).
  int write_back_slice(size_t bytes);

 private:
  Database() = default;
  sqlite3* db_ = nullptr;
  std::string path_;
  // write_back_slice's descriptors of the database file and its WAL (opened when first needed), and its window.
  int writeback_fds_[2] = {-1, -1};
  int writeback_file_ = 0;
  int64_t writeback_at_ = 0;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when it goes out of scope uncommitted:
//     Transaction tx(db);
//     QZ_TRY(tx.begin());
//     ... statements ...
//     QZ_TRY(tx.commit());
// IMMEDIATE takes the write lock at once, so a second writer waits (busy timeout) at begin() instead of
// failing half-way. Not nestable: begin() fails when the connection is already in a transaction.
class Transaction {
 public:
  explicit Transaction(Database* db) : db_(db) {}
  ~Transaction() { rollback(); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  [[nodiscard]] Status begin();
  [[nodiscard]] Status commit();  // after a failed commit the transaction is rolled back
  void rollback();                // no-op unless active
  bool active() const { return active_; }

 private:
  Database* db_;
  bool active_ = false;
};

}  // namespace qz::sqlite
