#include "journal/internal/store.h"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "base/assert.h"
#include "sqlite/sqlite.h"

namespace qz::journal_internal {

namespace {

// SQLite's usual 4 KiB pages. Measured against 16 and 64 KiB: the same throughput for full blocks (group
// commit and start-up scan alike), and less written per commit when blocks are small. Set at creation only.
constexpr int kPageSize = 4096;
// The page cache of one connection, in KiB (negative = KiB in SQLite's convention).
constexpr int kCacheKib = 64 * 1024;
// Checkpoint the WAL into the database once it holds about this many pages (64 MiB): rarely enough that the
// commit which runs the checkpoint is a rare event in the latency distribution.
constexpr int kAutoCheckpointPages = 16384;
constexpr int kBusyTimeoutMs = 10000;

int64_t to_sql_height(uint64_t height) {
  QZ_ASSERT(height <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  return static_cast<int64_t>(height);
}

std::span<const uint8_t> column_bytes(sqlite3_stmt* statement, int column) {
  const void* data = sqlite3_column_blob(statement, column);
  const int size = sqlite3_column_bytes(statement, column);
  if (data == nullptr || size <= 0) return {};
  return {static_cast<const uint8_t*>(data), static_cast<size_t>(size)};
}

void finalize(sqlite3_stmt** statement) {
  if (*statement != nullptr) sqlite3_finalize(*statement);
  *statement = nullptr;
}

}  // namespace

Status Store::error(std::string_view doing) const {
  return Status::error(path_ + ": " + std::string(doing) + ": " + (db_ ? sqlite3_errmsg(db_) : "no database"));
}

Status Store::exec(const char* sql, std::string_view doing) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return Status::error(path_ + ": " + std::string(doing) + ": " + text);
  }
  return Status::ok();
}

Status Store::prepare(const char* sql, sqlite3_stmt** statement) {
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, statement, nullptr) != SQLITE_OK) {
    return error(std::string("preparing \"") + sql + "\"");
  }
  return Status::ok();
}

Status Store::table_exists(const char* name, bool* exists) {
  sqlite3_stmt* statement = nullptr;
  QZ_TRY(prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", &statement));
  sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
  const int rc = sqlite3_step(statement);
  *exists = rc == SQLITE_ROW;
  Status status = rc == SQLITE_ROW || rc == SQLITE_DONE ? Status::ok() : error("reading the schema");
  sqlite3_finalize(statement);
  return status;
}

template <typename Describe>
Status Store::step_done_described(sqlite3_stmt* statement, const Describe& describe) {
  const int rc = sqlite3_step(statement);
  Status status = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? Status::ok() : error(describe());
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  return status;
}

Status Store::step_done(sqlite3_stmt* statement, std::string_view doing) {
  return step_done_described(statement, [doing] { return doing; });
}

// Installing a WAL hook replaces SQLite's automatic checkpoint (which is itself a WAL hook), so the hook sees
// to the checkpoint: passive, so it never waits for readers; the WAL is reused from its start afterwards. With
// background checkpoints on, the hook only wakes the checkpointer thread, so the commit that crossed the
// threshold (and every submitter waiting on it) does not pay for copying the WAL into the database.
int Store::on_wal(void* self, sqlite3* db, const char* name, int frames) {
  auto* store = static_cast<Store*>(self);
  store->wal_frames_ = frames;
  if (frames >= kAutoCheckpointPages && store->checkpointer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(store->checkpoint_mutex_);
      store->checkpoint_wanted_ = true;
    }
    store->checkpoint_wake_.notify_one();
    return SQLITE_OK;
  }
  if (frames >= kAutoCheckpointPages) {
    int log_frames = 0;
    int checkpointed = 0;
    if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &checkpointed) == SQLITE_OK &&
        checkpointed == log_frames) {
      store->wal_frames_ = 0;
    }
    store->checkpoints_++;
  }
  return SQLITE_OK;
}

Status Store::open(const std::string& path, Mode mode, std::unique_ptr<Store>* out) {
  std::unique_ptr<Store> store(new Store());
  store->path_ = path;
  struct stat info {};
  const bool exists = ::stat(path.c_str(), &info) == 0;
  if (mode == Mode::create && exists) return Status::error(path + " already exists");
  if (mode != Mode::create && !exists) return Status::error(path + " does not exist");

  sqlite::configure_process();
  int flags = SQLITE_OPEN_NOMUTEX;
  if (mode == Mode::read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE | (mode == Mode::create ? SQLITE_OPEN_CREATE : 0);
  }
  if (sqlite3_open_v2(path.c_str(), &store->db_, flags, nullptr) != SQLITE_OK) {
    return store->error("opening the database");
  }
  sqlite3_extended_result_codes(store->db_, 1);
  sqlite3_busy_timeout(store->db_, kBusyTimeoutMs);

  if (mode == Mode::create) {
    QZ_TRY(store->exec(("PRAGMA page_size=" + std::to_string(kPageSize)).c_str(), "setting the page size"));
  }
  if (mode != Mode::read_only) {
    QZ_TRY(store->exec("PRAGMA journal_mode=WAL", "switching to WAL mode"));
    QZ_TRY(store->exec("PRAGMA synchronous=FULL", "setting synchronous=FULL"));
    QZ_TRY(store->exec(("PRAGMA wal_autocheckpoint=" + std::to_string(kAutoCheckpointPages)).c_str(),
                       "setting the checkpoint interval"));
    sqlite3_wal_hook(store->db_, &Store::on_wal, store.get());
  }
  QZ_TRY(store->exec(("PRAGMA cache_size=-" + std::to_string(kCacheKib)).c_str(), "setting the cache size"));
  if (mode == Mode::create) {
    QZ_TRY(
        store->exec("BEGIN IMMEDIATE;"
                    "CREATE TABLE blocks(height INTEGER PRIMARY KEY, hash BLOB NOT NULL, body BLOB NOT NULL);"
                    "CREATE TABLE snapshots(height INTEGER PRIMARY KEY, state_hash BLOB NOT NULL,"
                    " digest BLOB NOT NULL, body BLOB NOT NULL);"
                    "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
                    "COMMIT;",
                    "creating the schema"));
  }

  // A snapshot bigger than a part is written over several commits (docs/journal.md). Files made before the
  // table existed get it at their first read-write open.
  constexpr const char* kPartsTable =
      "CREATE TABLE IF NOT EXISTS snapshot_parts(height INTEGER NOT NULL, part INTEGER NOT NULL,"
      " data BLOB NOT NULL, PRIMARY KEY(height, part))";
  bool have_parts = mode != Mode::read_only;
  if (have_parts) {
    QZ_TRY(store->exec(kPartsTable, "creating the snapshot parts table"));
  } else {
    QZ_TRY(store->table_exists("snapshot_parts", &have_parts));
  }

  Store& s = *store;
  if (have_parts) {
    QZ_TRY(s.prepare("SELECT data FROM snapshot_parts WHERE height = ?1 ORDER BY part", &s.get_snapshot_parts_));
  }
  if (mode != Mode::read_only) {
    QZ_TRY(s.prepare("INSERT OR REPLACE INTO snapshot_parts(height, part, data) VALUES(?1, ?2, ?3)",
                     &s.put_snapshot_part_));
    QZ_TRY(s.prepare("DELETE FROM snapshot_parts WHERE height NOT IN (SELECT height FROM snapshots)",
                     &s.prune_snapshot_parts_));
    QZ_TRY(s.prepare("DELETE FROM snapshot_parts WHERE height >= ?1", &s.truncate_snapshot_parts_));
    // A transaction's BEGIN and COMMIT are statements of their own, so that a commit does not parse SQL.
    QZ_TRY(s.prepare("BEGIN IMMEDIATE", &s.begin_));
    QZ_TRY(s.prepare("COMMIT", &s.commit_));
    QZ_TRY(s.prepare("INSERT INTO blocks(height, hash, body) VALUES(?1, ?2, ?3)", &s.put_block_));
    QZ_TRY(s.prepare("INSERT OR REPLACE INTO snapshots(height, state_hash, digest, body) VALUES(?1, ?2, ?3, ?4)",
                     &s.put_snapshot_));
    QZ_TRY(
        s.prepare("DELETE FROM snapshots WHERE height NOT IN"
                  " (SELECT height FROM snapshots ORDER BY height DESC LIMIT ?1)",
                  &s.prune_snapshots_));
    QZ_TRY(s.prepare("DELETE FROM blocks WHERE height >= ?1", &s.truncate_blocks_));
    QZ_TRY(s.prepare("DELETE FROM snapshots WHERE height >= ?1", &s.truncate_snapshots_));
    QZ_TRY(s.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", &s.put_meta_));
  }
  QZ_TRY(s.prepare("SELECT value FROM meta WHERE key = ?1", &s.get_meta_));
  QZ_TRY(s.prepare("SELECT max(height) FROM blocks", &s.newest_height_));
  QZ_TRY(s.prepare("SELECT hash, body FROM blocks WHERE height = ?1", &s.get_block_));
  QZ_TRY(s.prepare("SELECT height, state_hash, digest FROM snapshots ORDER BY height DESC", &s.list_snapshots_));
  QZ_TRY(s.prepare("SELECT body FROM snapshots WHERE height = ?1", &s.get_snapshot_));
  QZ_TRY(s.prepare("SELECT height, hash, body FROM blocks WHERE height >= ?1 ORDER BY height", &s.scan_));
  *out = std::move(store);
  return Status::ok();
}

Status Store::preallocate_wal() {
  QZ_ASSERT(!checkpointer_.joinable());
  int persist = 1;
  if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_PERSIST_WAL, &persist) != SQLITE_OK) {
    return error("keeping the WAL file across closes");
  }
  // The WAL exists once a transaction has run; read one so that it does.
  bool any = false;
  uint64_t height = 0;
  QZ_TRY(newest_height(&any, &height));
  const std::string wal_path = path_ + "-wal";
  const int fd = ::open(wal_path.c_str(), O_RDWR | O_CLOEXEC);  // read too: lock_wal_pages maps it
  if (fd < 0) return Status::error("journal: opening " + wal_path + ": " + std::strerror(errno));
  // A WAL of kAutoCheckpointPages frames (a 24-byte header and a page each) after its 32-byte header.
  constexpr off_t kWorkingBytes = 32 + off_t{kAutoCheckpointPages} * (kPageSize + 24);
  struct stat info {};
  Status status = ::fstat(fd, &info) == 0
                      ? Status::ok()
                      : Status::error("journal: reading the size of " + wal_path + ": " + std::strerror(errno));
  if (status.is_ok() && info.st_size < kWorkingBytes) {
    // In page-sized writes, as SQLite's own: the page cache then holds the file in single pages. Written in
    // bigger pieces it holds large folios, and a commit that touches a few bytes of one marks the whole folio
    // dirty (counted in the thread's write_bytes as if all of it were written).
    const std::vector<char> zeros(kPageSize, 0);
    for (off_t at = info.st_size; at < kWorkingBytes && status.is_ok();) {
      const auto length = static_cast<size_t>(std::min<off_t>(kWorkingBytes - at, static_cast<off_t>(zeros.size())));
      const ssize_t written = ::pwrite(fd, zeros.data(), length, at);
      if (written <= 0) {
        status = Status::error("journal: lengthening " + wal_path + ": " + std::strerror(errno));
      } else {
        at += written;
      }
    }
    if (status.is_ok() && ::fdatasync(fd) != 0) {
      status = Status::error("journal: syncing " + wal_path + ": " + std::strerror(errno));
    }
  }
  if (status.is_ok()) lock_wal_pages(fd, static_cast<size_t>(kWorkingBytes));
  ::close(fd);
  return status;
}

void Store::lock_wal_pages(int fd, size_t bytes) {
  if (wal_map_ != nullptr) return;  // already locked
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return;
  if (::mlock(map, bytes) != 0) {
    ::munmap(map, bytes);
    return;
  }
  wal_map_ = map;
  wal_map_bytes_ = bytes;
}

Status Store::start_background_checkpoints() {
  QZ_ASSERT(!checkpointer_.joinable());
  QZ_ASSERT(checkpoint_db_ == nullptr);
  if (sqlite3_open_v2(path_.c_str(), &checkpoint_db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    const std::string message = checkpoint_db_ ? sqlite3_errmsg(checkpoint_db_) : "out of memory";
    if (checkpoint_db_ != nullptr) sqlite3_close(checkpoint_db_);
    checkpoint_db_ = nullptr;
    return Status::error("journal: opening the checkpoint connection to " + path_ + ": " + message);
  }
  sqlite3_busy_timeout(checkpoint_db_, kBusyTimeoutMs);
  // A new connection knows the file is in WAL mode only once it has read it; until then a checkpoint through
  // it does nothing at all.
  char* message = nullptr;
  if (sqlite3_exec(checkpoint_db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    sqlite3_close(checkpoint_db_);
    checkpoint_db_ = nullptr;
    return Status::error("journal: preparing the checkpoint connection to " + path_ + ": " + text);
  }
  checkpointer_ = std::thread([this] { run_checkpointer(); });
  return Status::ok();
}

void Store::run_checkpointer() {
  pthread_setname_np(pthread_self(), "qz-checkpoint");
  // A checkpoint is about 20 ms of copying (64 MiB of WAL frames into journal.db) that nothing waits for: at nice
  // 10 the threads that answer orders take the core from it. 60 s steady runs at 10,000 orders/s, 4 alternating
  // pairs: p99.9 4.5-5.1 against 5.3-7.2 ms, max 9-16 against 14-24 ms, orders over 5 ms 365-667 against
  // 734-1,363 (docs/benchmarks.md item 36). Raising one's own nice value needs no privilege.
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  std::unique_lock<std::mutex> lock(checkpoint_mutex_);
  while (true) {
    checkpoint_wake_.wait(lock, [this] { return checkpoint_wanted_ || checkpoint_stop_; });
    if (checkpoint_stop_) return;
    checkpoint_wanted_ = false;
    lock.unlock();
    // A failed passive checkpoint loses nothing: the frames stay in the WAL and the next one copies them.
    sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
    checkpoints_++;
  }
}

Store::~Store() {
  if (checkpointer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(checkpoint_mutex_);
      checkpoint_stop_ = true;
    }
    checkpoint_wake_.notify_one();
    checkpointer_.join();
  }
  if (checkpoint_db_ != nullptr) sqlite3_close(checkpoint_db_);
  for (sqlite3_stmt** statement :
       {&begin_, &commit_, &put_block_, &put_snapshot_, &prune_snapshots_, &put_snapshot_part_, &prune_snapshot_parts_,
        &truncate_snapshot_parts_, &get_snapshot_parts_, &truncate_blocks_, &truncate_snapshots_, &put_meta_,
        &get_meta_, &newest_height_, &get_block_, &list_snapshots_, &get_snapshot_, &scan_}) {
    finalize(statement);
  }
  if (db_ != nullptr) sqlite3_close(db_);
  if (wal_map_ != nullptr) ::munmap(wal_map_, wal_map_bytes_);
}

Status Store::begin() {
  QZ_ASSERT(begin_ != nullptr);  // a read-only store writes nothing
  return step_done(begin_, "beginning a transaction");
}
Status Store::commit() {
  QZ_ASSERT(commit_ != nullptr);
  return step_done(commit_, "committing");
}
void Store::rollback() {
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Store::put_block(uint64_t height, const Hash256& hash, std::span<const uint8_t> body) {
  QZ_ASSERT(body.size() < static_cast<size_t>(std::numeric_limits<int>::max()));
  sqlite3_bind_int64(put_block_, 1, to_sql_height(height));
  sqlite3_bind_blob(put_block_, 2, hash.bytes.data(), 32, SQLITE_STATIC);
  sqlite3_bind_blob(put_block_, 3, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
  return step_done_described(put_block_, [&] { return "storing block " + std::to_string(height); });
}

Status Store::put_snapshot(uint64_t height, const Hash256& state_hash, const Hash256& digest,
                           std::span<const uint8_t> body) {
  sqlite3_bind_int64(put_snapshot_, 1, to_sql_height(height));
  sqlite3_bind_blob(put_snapshot_, 2, state_hash.bytes.data(), 32, SQLITE_STATIC);
  sqlite3_bind_blob(put_snapshot_, 3, digest.bytes.data(), 32, SQLITE_STATIC);
  if (body.empty()) {
    sqlite3_bind_zeroblob(put_snapshot_, 4, 0);  // a null pointer would bind NULL
  } else {
    sqlite3_bind_blob64(put_snapshot_, 4, body.data(), body.size(), SQLITE_STATIC);
  }
  return step_done(put_snapshot_, "storing the snapshot at height " + std::to_string(height));
}

Status Store::put_snapshot_part(uint64_t height, uint32_t part, std::span<const uint8_t> data) {
  sqlite3_bind_int64(put_snapshot_part_, 1, to_sql_height(height));
  sqlite3_bind_int64(put_snapshot_part_, 2, part);
  sqlite3_bind_blob64(put_snapshot_part_, 3, data.data(), data.size(), SQLITE_STATIC);
  return step_done_described(put_snapshot_part_, [&] {
    return "storing part " + std::to_string(part) + " of the snapshot at height " + std::to_string(height);
  });
}

Status Store::prune_snapshots(uint32_t keep) {
  sqlite3_bind_int64(prune_snapshots_, 1, keep);
  QZ_TRY(step_done(prune_snapshots_, "pruning old snapshots"));
  return step_done(prune_snapshot_parts_, "pruning the parts of old snapshots");
}

Status Store::truncate_from(uint64_t height) {
  sqlite3_bind_int64(truncate_blocks_, 1, to_sql_height(height));
  QZ_TRY(step_done(truncate_blocks_, "deleting blocks from height " + std::to_string(height)));
  sqlite3_bind_int64(truncate_snapshots_, 1, to_sql_height(height));
  QZ_TRY(step_done(truncate_snapshots_, "deleting snapshots from height " + std::to_string(height)));
  sqlite3_bind_int64(truncate_snapshot_parts_, 1, to_sql_height(height));
  return step_done(truncate_snapshot_parts_, "deleting snapshot parts from height " + std::to_string(height));
}

Status Store::put_meta(std::string_view key, std::string_view value) {
  sqlite3_bind_text(put_meta_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_text(put_meta_, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  return step_done(put_meta_, "storing meta " + std::string(key));
}

Status Store::get_meta(std::string_view key, std::string* value, bool* found) {
  sqlite3_bind_text(get_meta_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  const int rc = sqlite3_step(get_meta_);
  Status status = Status::ok();
  *found = false;
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(get_meta_, 0);
    *found = true;
    value->assign(text ? reinterpret_cast<const char*>(text) : "",
                  static_cast<size_t>(sqlite3_column_bytes(get_meta_, 0)));
  } else if (rc != SQLITE_DONE) {
    status = error("reading meta " + std::string(key));
  }
  sqlite3_reset(get_meta_);
  sqlite3_clear_bindings(get_meta_);
  return status;
}

Status Store::newest_height(bool* any, uint64_t* height) {
  const int rc = sqlite3_step(newest_height_);
  Status status = Status::ok();
  *any = false;
  if (rc == SQLITE_ROW) {
    if (sqlite3_column_type(newest_height_, 0) != SQLITE_NULL) {
      const int64_t value = sqlite3_column_int64(newest_height_, 0);
      if (value < 0) {
        status = Status::error(path_ + ": a block has the negative height " + std::to_string(value));
      } else {
        *any = true;
        *height = static_cast<uint64_t>(value);
      }
    }
  } else {
    status = error("finding the newest block");
  }
  sqlite3_reset(newest_height_);
  return status;
}

Status Store::get_block(uint64_t height, bool* found, std::vector<uint8_t>* hash, std::vector<uint8_t>* body) {
  sqlite3_bind_int64(get_block_, 1, to_sql_height(height));
  const int rc = sqlite3_step(get_block_);
  Status status = Status::ok();
  *found = false;
  if (rc == SQLITE_ROW) {
    *found = true;
    const auto hash_bytes = column_bytes(get_block_, 0);
    const auto body_bytes = column_bytes(get_block_, 1);
    hash->assign(hash_bytes.begin(), hash_bytes.end());
    body->assign(body_bytes.begin(), body_bytes.end());
  } else if (rc != SQLITE_DONE) {
    status = error("reading block " + std::to_string(height));
  }
  sqlite3_reset(get_block_);
  sqlite3_clear_bindings(get_block_);
  return status;
}

Status Store::list_snapshots(std::vector<SnapshotInfo>* newest_first) {
  newest_first->clear();
  Status status = Status::ok();
  for (;;) {
    const int rc = sqlite3_step(list_snapshots_);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      status = error("listing snapshots");
      break;
    }
    const int64_t height = sqlite3_column_int64(list_snapshots_, 0);
    if (height < 0) continue;  // not ours; never used
    SnapshotInfo info;
    info.height = static_cast<uint64_t>(height);
    const auto state_hash = column_bytes(list_snapshots_, 1);
    const auto digest = column_bytes(list_snapshots_, 2);
    info.state_hash.assign(state_hash.begin(), state_hash.end());
    info.digest.assign(digest.begin(), digest.end());
    newest_first->push_back(std::move(info));
  }
  sqlite3_reset(list_snapshots_);
  return status;
}

Status Store::get_snapshot_body(uint64_t height, bool* found, std::vector<uint8_t>* body) {
  sqlite3_bind_int64(get_snapshot_, 1, to_sql_height(height));
  const int rc = sqlite3_step(get_snapshot_);
  Status status = Status::ok();
  *found = false;
  if (rc == SQLITE_ROW) {
    *found = true;
    const auto bytes = column_bytes(get_snapshot_, 0);
    body->assign(bytes.begin(), bytes.end());
  } else if (rc != SQLITE_DONE) {
    status = error("reading the snapshot at height " + std::to_string(height));
  }
  sqlite3_reset(get_snapshot_);
  sqlite3_clear_bindings(get_snapshot_);
  // An engine snapshot is never empty: an empty body means the snapshot was written in parts.
  if (!status.is_ok() || !*found || !body->empty() || get_snapshot_parts_ == nullptr) return status;
  sqlite3_bind_int64(get_snapshot_parts_, 1, to_sql_height(height));
  for (;;) {
    const int part_rc = sqlite3_step(get_snapshot_parts_);
    if (part_rc == SQLITE_DONE) break;
    if (part_rc != SQLITE_ROW) {
      status = error("reading the parts of the snapshot at height " + std::to_string(height));
      break;
    }
    const auto bytes = column_bytes(get_snapshot_parts_, 0);
    body->insert(body->end(), bytes.begin(), bytes.end());
  }
  sqlite3_reset(get_snapshot_parts_);
  sqlite3_clear_bindings(get_snapshot_parts_);
  return status;
}

Status Store::scan_begin(uint64_t from_height) {
  sqlite3_reset(scan_);
  sqlite3_bind_int64(scan_, 1, to_sql_height(from_height));
  return Status::ok();
}

Status Store::scan_next(bool* have_row, BlockRow* row) {
  const int rc = sqlite3_step(scan_);
  *have_row = false;
  if (rc == SQLITE_DONE) return Status::ok();
  if (rc != SQLITE_ROW) return error("reading blocks");
  const int64_t height = sqlite3_column_int64(scan_, 0);
  if (height < 0) return Status::error(path_ + ": a block has the negative height " + std::to_string(height));
  *have_row = true;
  row->height = static_cast<uint64_t>(height);
  row->hash = column_bytes(scan_, 1);
  row->body = column_bytes(scan_, 2);
  return Status::ok();
}

void Store::scan_end() {
  sqlite3_reset(scan_);
  sqlite3_clear_bindings(scan_);
}

Status Store::set_mmap_size(int64_t bytes) {
  return exec(("PRAGMA mmap_size=" + std::to_string(bytes)).c_str(), "setting the map size");
}

Status Store::set_auto_checkpoint(int pages) {
  return exec(("PRAGMA wal_autocheckpoint=" + std::to_string(pages)).c_str(), "setting the checkpoint interval");
}

Status Store::checkpoint() {
  if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) != SQLITE_OK) {
    return error("checkpointing the WAL");
  }
  return Status::ok();
}

}  // namespace qz::journal_internal
