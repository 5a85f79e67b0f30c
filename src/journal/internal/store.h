// journal.db: the SQLite file that holds the chain of blocks, the engine snapshots and a little metadata.
// Internal to the journal; the schema is specified in docs/journal.md.
//
//   blocks(height INTEGER PRIMARY KEY, hash BLOB, body BLOB)   body = encode_block(block), hash = block_hash
//   snapshots(height INTEGER PRIMARY KEY, state_hash BLOB, digest BLOB, body BLOB)   digest = SHA-256(the bytes)
//   snapshot_parts(height, part, data, PRIMARY KEY(height, part))   a big snapshot's body, when its row's is empty
//   meta(key TEXT PRIMARY KEY, value)
//
// The database runs in WAL mode with synchronous=FULL, so a committed transaction is on disk when commit()
// returns. Statements are prepared once. Thread rules: a Store is used by one thread at a time (the caller
// hands it over, e.g. to the replay reader or the journal writer); SQLite itself is built thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace qz::journal_internal {

class Store {
 public:
  enum class Mode { create, read_write, read_only };
  // create: the file must not exist yet; sets the page size, WAL mode and creates the schema.
  [[nodiscard]] static Status open(const std::string& path, Mode mode, std::unique_ptr<Store>* out);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Keeps the WAL file across closes and lengthens it with zeros to the size it reaches between checkpoints, so
  // that commits overwrite blocks the file system has already allocated: on ext4 a commit that appends also
  // writes the inode and the allocation metadata at its fdatasync, a second device request per commit (measured
  // here: append + fdatasync of 8 KiB p50 245 us, overwrite 180 us). Only zeros past the file's end are
  // written, which a WAL reader never takes for frames (their salts and checksums do not match). Read-write
  // stores only; call before the background checkpoints start.
  //
  // Then maps that working size and locks it in memory (mlock), for as long as the store is open. A WAL frame is
  // a 24-byte header and a page, so every frame write covers part of a file page; when the kernel has dropped
  // that page from its cache (proactive reclaim takes clean pages that nobody maps), the write first reads the
  // page back from the disk, inside the commit: up to a few milliseconds for every submission queued behind it.
  // Locked pages stay. Best effort: without CAP_IPC_LOCK or a large enough RLIMIT_MEMLOCK the lock is refused
  // and the WAL works as before (wal_locked_bytes() then says 0).
  [[nodiscard]] Status preallocate_wal();
  // Bytes of the WAL that preallocate_wal locked in memory; 0 when it was not called or the lock was refused.
  size_t wal_locked_bytes() const { return wal_map_bytes_; }

  [[nodiscard]] Status begin();  // BEGIN IMMEDIATE
  [[nodiscard]] Status commit();
  void rollback();  // best effort; the transaction is gone afterwards either way

  [[nodiscard]] Status put_block(uint64_t height, const Hash256& hash, std::span<const uint8_t> body);
  [[nodiscard]] Status put_snapshot(uint64_t height, const Hash256& state_hash, const Hash256& digest,
                                    std::span<const uint8_t> body);
  // One part of a snapshot's body, written before its row (put_snapshot with an empty body) completes it.
  [[nodiscard]] Status put_snapshot_part(uint64_t height, uint32_t part, std::span<const uint8_t> data);
  // Deletes all but the `keep` newest snapshots, and every part whose snapshot has no row: call it only in the
  // transaction that completes a snapshot, when no other is being written.
  [[nodiscard]] Status prune_snapshots(uint32_t keep);
  // Deletes every block and snapshot at `height` and above (in the caller's transaction, or its own).
  [[nodiscard]] Status truncate_from(uint64_t height);
  [[nodiscard]] Status put_meta(std::string_view key, std::string_view value);
  [[nodiscard]] Status get_meta(std::string_view key, std::string* value, bool* found);

  // Newest height; *any is false for an empty table.
  [[nodiscard]] Status newest_height(bool* any, uint64_t* height);
  [[nodiscard]] Status get_block(uint64_t height, bool* found, std::vector<uint8_t>* hash, std::vector<uint8_t>* body);

  struct SnapshotInfo {
    uint64_t height = 0;
    std::vector<uint8_t> state_hash;
    std::vector<uint8_t> digest;
  };
  [[nodiscard]] Status list_snapshots(std::vector<SnapshotInfo>* newest_first);
  [[nodiscard]] Status get_snapshot_body(uint64_t height, bool* found, std::vector<uint8_t>* body);

  // Walks blocks with height >= from_height in height order. The spans stay valid until the next call.
  struct BlockRow {
    uint64_t height = 0;
    std::span<const uint8_t> hash;
    std::span<const uint8_t> body;
  };
  [[nodiscard]] Status scan_begin(uint64_t from_height);
  [[nodiscard]] Status scan_next(bool* have_row, BlockRow* row);
  void scan_end();

  // Memory-maps up to `bytes` of the database file for reads (0 = off): replay reads every block once, and a
  // map saves the copy through the kernel's page cache.
  [[nodiscard]] Status set_mmap_size(int64_t bytes);
  // Pages after which a commit also checkpoints the WAL into the database (0 = never automatically).
  [[nodiscard]] Status set_auto_checkpoint(int pages);
  // Copies as much of the WAL into the database as it can without waiting for readers (PASSIVE).
  [[nodiscard]] Status checkpoint();
  // Frames in the WAL after the last commit (from the WAL hook); 0 right after a checkpoint reset it.
  int wal_frames() const { return wal_frames_; }
  // From now on, checkpoints run on a thread of their own with a second connection, off the commit path.
  [[nodiscard]] Status start_background_checkpoints();
  // Checkpoints run so far (read it from the thread that commits, or after the Store is idle).
  uint64_t checkpoints() const { return checkpoints_; }

  const std::string& path() const { return path_; }

 private:
  Store() = default;
  Status error(std::string_view doing) const;
  Status exec(const char* sql, std::string_view doing);
  Status prepare(const char* sql, sqlite3_stmt** statement);
  Status table_exists(const char* name, bool* exists);
  // Steps a statement that returns no rows, then resets it and clears its bindings; an error names `doing`.
  Status step_done(sqlite3_stmt* statement, std::string_view doing);
  // The same, for the statements run for every block: `describe()` makes the name, and is called only when the
  // step failed (defined and used in store.cpp only).
  template <typename Describe>
  Status step_done_described(sqlite3_stmt* statement, const Describe& describe);
  static int on_wal(void* self, sqlite3* db, const char* name, int frames);
  void run_checkpointer();

  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* put_block_ = nullptr;
  sqlite3_stmt* put_snapshot_ = nullptr;
  sqlite3_stmt* prune_snapshots_ = nullptr;
  sqlite3_stmt* put_snapshot_part_ = nullptr;
  sqlite3_stmt* prune_snapshot_parts_ = nullptr;
  sqlite3_stmt* truncate_snapshot_parts_ = nullptr;
  sqlite3_stmt* get_snapshot_parts_ = nullptr;  // null when a read-only file predates the table
  sqlite3_stmt* truncate_blocks_ = nullptr;
  sqlite3_stmt* truncate_snapshots_ = nullptr;
  sqlite3_stmt* put_meta_ = nullptr;
  sqlite3_stmt* get_meta_ = nullptr;
  sqlite3_stmt* newest_height_ = nullptr;
  sqlite3_stmt* get_block_ = nullptr;
  sqlite3_stmt* list_snapshots_ = nullptr;
  sqlite3_stmt* get_snapshot_ = nullptr;
  sqlite3_stmt* scan_ = nullptr;
  int wal_frames_ = 0;
  uint64_t checkpoints_ = 0;  // guarded by checkpoint_mutex_ once the checkpointer runs

  void lock_wal_pages(int fd, size_t bytes);
  void* wal_map_ = nullptr;  // the WAL's working size mapped and locked (preallocate_wal), or null
  size_t wal_map_bytes_ = 0;

  sqlite3* checkpoint_db_ = nullptr;  // the checkpointer's own connection
  std::thread checkpointer_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_wake_;
  bool checkpoint_wanted_ = false;
  bool checkpoint_stop_ = false;
};

}  // namespace qz::journal_internal
