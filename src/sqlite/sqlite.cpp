#include "sqlite/sqlite.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "base/assert.h"

namespace qz::sqlite {

namespace {

std::string describe(std::string_view doing, std::string_view sql) {
  if (!doing.empty()) return std::string(doing);
  return "running \"" + std::string(sql.substr(0, 120)) + (sql.size() > 120 ? "...\"" : "\"");
}

}  // namespace

// --- Statement ----------------------------------------------------------------------------------------------------

Statement::~Statement() {
  if (statement_ != nullptr) sqlite3_finalize(statement_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), statement_(other.statement_), path_(other.path_), sql_(std::move(other.sql_)) {
  other.statement_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (statement_ != nullptr) sqlite3_finalize(statement_);
    db_ = other.db_;
    statement_ = other.statement_;
    path_ = other.path_;
    sql_ = std::move(other.sql_);
    other.statement_ = nullptr;
  }
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  QZ_ASSERT(statement_ != nullptr);
  sqlite3_bind_int64(statement_, index, value);
  return *this;
}

Statement& Statement::bind(int index, uint64_t value) { return bind(index, static_cast<int64_t>(value)); }

Statement& Statement::bind(int index, std::string_view text) {
  QZ_ASSERT(statement_ != nullptr);
  sqlite3_bind_text64(statement_, index, text.data() == nullptr ? "" : text.data(), text.size(), SQLITE_TRANSIENT,
                      SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const uint8_t> bytes) {
  QZ_ASSERT(statement_ != nullptr);
  static const uint8_t kEmpty = 0;
  sqlite3_bind_blob64(statement_, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  QZ_ASSERT(statement_ != nullptr);
  sqlite3_bind_null(statement_, index);
  return *this;
}

Status Statement::failed(int rc, std::string_view doing) const {
  const char* message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  return Status::error((path_ != nullptr ? *path_ : std::string("sqlite")) + ": " + describe(doing, sql_) + ": " +
                       message);
}

Status Statement::step(bool* row, std::string_view doing) {
  QZ_ASSERT(statement_ != nullptr);
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) {
    *row = true;
    return Status::ok();
  }
  *row = false;
  if (rc == SQLITE_DONE) return Status::ok();
  Status status = failed(rc, doing);
  sqlite3_reset(statement_);
  return status;
}

Status Statement::run(std::string_view doing) {
  bool row = true;
  while (row) {
    Status status = step(&row, doing);
    if (!status.is_ok()) {
      reset();
      return status;
    }
  }
  reset();
  return Status::ok();
}

void Statement::reset() {
  if (statement_ == nullptr) return;
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

int Statement::column_count() const { return statement_ == nullptr ? 0 : sqlite3_column_count(statement_); }

ColumnType Statement::column_type(int column) const {
  switch (sqlite3_column_type(statement_, column)) {
    case SQLITE_INTEGER: return ColumnType::integer;
    case SQLITE_FLOAT: return ColumnType::real;
    case SQLITE_TEXT: return ColumnType::text;
    case SQLITE_BLOB: return ColumnType::blob;
    default: return ColumnType::null;
  }
}

bool Statement::column_is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

int64_t Statement::column_i64(int column) const { return sqlite3_column_int64(statement_, column); }

uint64_t Statement::column_u64(int column) const { return static_cast<uint64_t>(column_i64(column)); }

std::string Statement::column_text(int column) const {
  const unsigned char* data = sqlite3_column_text(statement_, column);
  const int size = sqlite3_column_bytes(statement_, column);
  if (data == nullptr || size <= 0) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
}

std::vector<uint8_t> Statement::column_blob(int column) const {
  const void* data = sqlite3_column_blob(statement_, column);
  const int size = sqlite3_column_bytes(statement_, column);
  if (data == nullptr || size <= 0) return {};
  const auto* bytes = static_cast<const uint8_t*>(data);
  return std::vector<uint8_t>(bytes, bytes + size);
}

// --- Database -----------------------------------------------------------------------------------------------------

void configure_process() {
  static const bool configured = [] {
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_initialize() == SQLITE_OK;
  }();
  (void)configured;
}

Status Database::open(const std::string& path, const OpenOptions& options, std::unique_ptr<Database>* out) {
  configure_process();
  std::unique_ptr<Database> db(new Database());
  db->path_ = path;
  int flags = SQLITE_OPEN_NOMUTEX;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0);
  }
  const int rc = sqlite3_open_v2(path.c_str(), &db->db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db->db_ != nullptr ? sqlite3_errmsg(db->db_) : sqlite3_errstr(rc);
    return Status::error(path + ": opening: " + message);
  }
  sqlite3_extended_result_codes(db->db_, 1);
  sqlite3_busy_timeout(db->db_, options.busy_timeout_ms);
  if (!options.read_only) {
    // journal_mode answers with the mode it ended in: anything but "wal" (a file on a filesystem without shared
    // memory, say) is an error rather than a silent fallback.
    Statement mode;
    QZ_TRY(db->prepare("PRAGMA journal_mode=WAL", &mode));
    bool row = false;
    QZ_TRY(mode.step(&row, "switching to WAL mode"));
    if (!row || mode.column_text(0) != "wal") {
      return Status::error(path + ": switching to WAL mode: the database stayed in mode \"" +
                           (row ? mode.column_text(0) : std::string()) + "\"");
    }
    mode.reset();
    const char* sync = options.synchronous == Sync::full     ? "PRAGMA synchronous=FULL"
                       : options.synchronous == Sync::normal ? "PRAGMA synchronous=NORMAL"
                                                             : "PRAGMA synchronous=OFF";
    QZ_TRY(db->exec(sync, "setting synchronous"));
    if (options.wal_autocheckpoint_pages > 0) {
      QZ_TRY(db->exec("PRAGMA wal_autocheckpoint=" + std::to_string(options.wal_autocheckpoint_pages),
                      "setting the checkpoint interval"));
    }
  }
  QZ_TRY(db->exec(options.foreign_keys ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF", "setting foreign_keys"));
  if (options.cache_kib > 0) {
    QZ_TRY(db->exec("PRAGMA cache_size=-" + std::to_string(options.cache_kib), "setting the cache size"));
  }
  *out = std::move(db);
  return Status::ok();
}

Database::~Database() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
  for (const int fd : writeback_fds_) {
    if (fd >= 0) ::close(fd);
  }
}

int Database::write_back_slice(size_t bytes) {
  // Three turns at most: the end of one file, the other file empty, the first again from its start.
  for (int turn = 0; turn < 3; turn++) {
    int& fd = writeback_fds_[writeback_file_];
    struct stat info {};
    // A WAL is removed when the last connection to the file closes and made again by the next: a descriptor of
    // a file no longer linked is dropped, so that the new one is the file written back.
    if (fd >= 0 && (::fstat(fd, &info) != 0 || info.st_nlink == 0)) {
      ::close(fd);
      fd = -1;
    }
    if (fd < 0) {
      // Any descriptor will do: sync_file_range acts on the file's pages, which all descriptors share.
      fd = ::open(writeback_file_ == 0 ? path_.c_str() : (path_ + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0 && ::fstat(fd, &info) != 0) info.st_size = 0;
    }
    if (fd < 0 || writeback_at_ >= info.st_size) {
      writeback_file_ = 1 - writeback_file_;  // this file is done (or missing): the other one, from its start
      writeback_at_ = 0;
      continue;
    }
    (void)::sync_file_range(fd, writeback_at_, static_cast<off_t>(bytes), SYNC_FILE_RANGE_WRITE);
    writeback_at_ += static_cast<int64_t>(bytes);
    return writeback_file_;
  }
  return -1;
}

Status Database::error(std::string_view doing) const {
  return Status::error(path_ + ": " + std::string(doing) + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "closed"));
}

Status Database::exec(std::string_view sql, std::string_view doing) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    const std::string reason = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return Status::error(path_ + ": " + describe(doing, sql) + ": " + reason);
  }
  return Status::ok();
}

Status Database::prepare(std::string_view sql, Statement* out) {
  sqlite3_stmt* statement = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (rc != SQLITE_OK) {
    return Status::error(path_ + ": preparing \"" + std::string(sql) + "\": " + sqlite3_errmsg(db_));
  }
  if (statement == nullptr) return Status::error(path_ + ": preparing \"" + std::string(sql) + "\": no statement");
  Statement prepared;
  prepared.db_ = db_;
  prepared.statement_ = statement;
  prepared.path_ = &path_;
  prepared.sql_ = std::string(sql);
  *out = std::move(prepared);
  return Status::ok();
}

Status Database::query_i64(std::string_view sql, int64_t* out, bool* found) {
  Statement statement;
  QZ_TRY(prepare(sql, &statement));
  bool row = false;
  QZ_TRY(statement.step(&row));
  if (found != nullptr) *found = row;
  if (row) *out = statement.column_i64(0);
  if (!row && found == nullptr) {
    return Status::error(path_ + ": " + describe({}, sql) + ": no row");
  }
  return Status::ok();
}

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int64_t Database::changes() const { return sqlite3_changes64(db_); }

bool Database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

Status Database::user_version(int64_t* out) { return query_i64("PRAGMA user_version", out); }

Status Database::migrate(std::string_view name, std::span<const SchemaStep> steps) {
  int64_t version = 0;
  QZ_TRY(user_version(&version));
  const auto known = static_cast<int64_t>(steps.size());
  if (version < 0 || version > known) {
    return Status::error(path_ + ": " + std::string(name) + " schema version " + std::to_string(version) +
                         " is newer than this program knows (" + std::to_string(known) + ")");
  }
  for (int64_t from = version; from < known; from++) {
    const SchemaStep& step = steps[static_cast<size_t>(from)];
    QZ_ASSERT_MSG((step.sql != nullptr) != static_cast<bool>(step.run), "a schema step is SQL or a function");
    Transaction transaction(this);
    QZ_TRY(transaction.begin());
    // Another process may have migrated while this one waited for the lock.
    int64_t now = 0;
    QZ_TRY(user_version(&now));
    if (now != from) {
      transaction.rollback();
      if (now > known) {
        return Status::error(path_ + ": " + std::string(name) + " schema version " + std::to_string(now) +
                             " is newer than this program knows (" + std::to_string(known) + ")");
      }
      from = now - 1;
      continue;
    }
    const std::string doing = "upgrading the " + std::string(name) + " schema from version " + std::to_string(from);
    if (step.sql != nullptr) {
      QZ_TRY(exec(step.sql, doing));
    } else {
      Status status = step.run(*this);
      if (!status.is_ok()) return Status::error(doing + ": " + status.message());
    }
    QZ_TRY(exec("PRAGMA user_version=" + std::to_string(from + 1), doing));
    QZ_TRY(transaction.commit());
  }
  return Status::ok();
}

Status Database::apply_schema_script(std::string_view name, std::string_view script, std::string_view format_version) {
  const std::string store(name);
  // The format row, when the file has a meta table (*row false when it has none, or the row is missing).
  const auto read_format = [&](bool* row, std::string* found) -> Status {
    *row = false;
    bool has_meta = false;
    int64_t ignored = 0;
    QZ_TRY(query_i64("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'", &ignored, &has_meta));
    if (!has_meta) return Status::ok();
    Statement version;
    QZ_TRY(prepare("SELECT value FROM meta WHERE key = 'format_version'", &version));
    QZ_TRY(version.step(row, "reading the format version of the " + store));
    if (*row) *found = version.column_text(0);
    return Status::ok();
  };
  const auto refuse = [&](bool row, const std::string& found) {
    return Status::error(path_ + ": the " + store +
                         (row ? " is format version " + found : std::string(" has no format version")) +
                         "; this program reads " + std::string(format_version));
  };
  // A file of another format is refused before the script touches it.
  bool row = false;
  std::string found;
  QZ_TRY(read_format(&row, &found));
  if (row && found != format_version) return refuse(row, found);
  {
    Transaction transaction(this);
    QZ_TRY(transaction.begin());
    QZ_TRY(exec(script, "setting up the " + store));
    QZ_TRY(transaction.commit());
  }
  QZ_TRY(read_format(&row, &found));
  if (row && found == format_version) return Status::ok();
  return refuse(row, found);
}

// --- Transaction --------------------------------------------------------------------------------------------------

Status Transaction::begin() {
  QZ_ASSERT(!active_);
  if (db_->in_transaction()) return Status::error(db_->path() + ": begin: a transaction is already open");
  QZ_TRY(db_->exec("BEGIN IMMEDIATE", "beginning a transaction"));
  active_ = true;
  return Status::ok();
}

Status Transaction::commit() {
  QZ_ASSERT(active_);
  Status status = db_->exec("COMMIT", "committing");
  if (!status.is_ok()) {
    rollback();
    return status;
  }
  active_ = false;
  return Status::ok();
}

void Transaction::rollback() {
  if (!active_) return;
  active_ = false;
  // A failed statement may already have ended the transaction (SQLite rolls back on some errors).
  if (db_->in_transaction()) sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace qz::sqlite
