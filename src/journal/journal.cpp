// The journal: data directory set-up, recovery, the Node's sequencing and group commit, and verify.
//
// Node threads and what they own:
//   submitters (any number): build a Pending on their stack, queue it (a bounded queue: they wait while it
//              holds 4 x max_block_commands), then wait on the Pending's futex word;
//   journal:   the only thread that mutates the engine (under engine_mutex so with_engine can read), and the
//              only one that writes the store. One cycle: it takes whole Pendings from the queue into a block
//              (never splitting one), stamps a strictly increasing time and applies them; while submissions
//              are still queued it takes them too (up to kMaxCycleTakes times) and applies them as further
//              parts of the same block (Engine::apply_part), starting the next block only when one is full.
//              Each block is then sealed (both Merkle roots, the header, the block hash, the signature) with
//              each Pending's event range noted; the cycle commits its blocks in one SQLite transaction (group
//              commit) and releases their submitters.
// So while a commit is in flight the queue fills, and the next cycle takes all of it: under load blocks come
// out full or nearly so, which makes group commit, replay and verify cheaper per command, and a lone submitter
// is never delayed. Sequencing and writing in one thread costs the overlap of applying block k+1 while block
// k is written, and saves two thread hand-offs per commit; on two cores the hand-offs cost more (measured: see
// docs/benchmarks.md).
// Blocks travel in InFlight objects from a fixed pool. An InFlight returns to the pool when the journal thread
// and every submitter that reads its events are done with it (a reference count).
//
// A failed commit fails the node: that batch and every later submit get the error; the engine is ahead of the
// disk from then on, so nothing more is written. Reopening recovers from what is durable.
#include "journal/journal.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>

#include "base/assert.h"
#include "base/hex.h"
#include "base/merkle.h"
#include "journal/internal/keys.h"
#include "journal/internal/replay.h"
#include "journal/internal/store.h"

namespace qz {

using journal_internal::OperatorKey;
using journal_internal::PublicKey;
using journal_internal::Store;

namespace {

constexpr const char* kJournalFile = "/journal.db";
constexpr const char* kLockFile = "/LOCK";
constexpr const char* kMetaFormatVersion = "format_version";
constexpr const char* kMetaPublicKey = "operator_public_key";
constexpr const char* kMetaGenesisHash = "genesis_hash";
constexpr const char* kJournalFormatVersion = "1";
constexpr uint32_t kSnapshotsKept = 2;
// Blocks that may be between their sequencing and the end of their submitters' reads at once.
constexpr size_t kInFlightBlocks = 16;
// Blocks one cycle of the journal thread may sequence and commit together: below the pool's size, so that a
// cycle never waits for a block that only its own end would release.
constexpr size_t kMaxCycleBlocks = 8;
// Takes that bring submissions, in one cycle: this bounds how long the submissions it took first wait for its
// commit. Each such take goes into one block, so a cycle never has more blocks than takes.
constexpr size_t kMaxCycleTakes = 8;
static_assert(kMaxCycleBlocks < kInFlightBlocks);

class SystemClock final : public Clock {
 public:
  uint64_t now_ns() override {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(now.tv_nsec);
  }
};

std::string errno_text() { return std::strerror(errno); }

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

void sync_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// DIR/LOCK held with flock for as long as the object lives.
class DirLock {
 public:
  DirLock() = default;
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock() { release(); }

  Status acquire(const std::string& data_dir) {
    const std::string path = data_dir + kLockFile;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::error("journal: cannot open " + path + ": " + errno_text());
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const bool busy = errno == EWOULDBLOCK;
      const std::string why = errno_text();
      release();
      if (busy) {
        return Status::error("journal: " + data_dir + " is already open in another process (" + path + " is locked)");
      }
      return Status::error("journal: cannot lock " + path + ": " + why);
    }
    return Status::ok();
  }
  void release() {
    if (fd_ >= 0) ::close(fd_);  // closing drops the flock
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::span<const uint8_t> command_bytes(std::span<const Command> commands) {
  return {reinterpret_cast<const uint8_t*>(commands.data()), commands.size() * kCommandSize};
}
std::span<const uint8_t> event_bytes(std::span<const Event> events) {
  return {reinterpret_cast<const uint8_t*>(events.data()), events.size() * kEventSize};
}

Hash256 hash_from_bytes(const std::vector<uint8_t>& bytes) {
  Hash256 hash;
  if (bytes.size() == 32) std::memcpy(hash.bytes.data(), bytes.data(), 32);
  return hash;
}

// Fills the header's roots and hash, and signs it.
Hash256 seal_header(const OperatorKey& key, std::span<const Command> commands, std::span<const Event> events,
                    Block* block) {
  BlockHeader& header = block->header;
  QZ_ASSERT_EQ(header.command_count, commands.size());
  header.commands_root = merkle_root(command_bytes(commands), kCommandSize);
  header.events_root = merkle_root(event_bytes(events), kEventSize);
  header.event_count = static_cast<uint32_t>(events.size());
  const Hash256 hash = block_hash(header);
  block->signature = journal_internal::sign_hash(key, hash);
  return hash;
}

Status check_meta(Store* store, const std::string& data_dir) {
  std::string version;
  bool found = false;
  QZ_TRY(store->get_meta(kMetaFormatVersion, &version, &found));
  if (!found) return Status::error("journal: " + data_dir + "/journal.db has no format version: not a journal");
  if (version != kJournalFormatVersion) {
    return Status::error("journal: " + data_dir + "/journal.db has format version " + version +
                         "; this build reads version " + kJournalFormatVersion);
  }
  return Status::ok();
}

Status check_public_key_matches(Store* store, const std::string& data_dir, const PublicKey& key) {
  std::string recorded;
  bool found = false;
  QZ_TRY(store->get_meta(kMetaPublicKey, &recorded, &found));
  if (found && recorded != hex_encode(key)) {
    return Status::error("journal: " + data_dir + "/keys/operator.pub is not the key this journal was created with");
  }
  return Status::ok();
}

}  // namespace

Clock* system_clock() {
  static SystemClock clock;
  return &clock;
}

// ---------------------------------------------------------------------------------------------------------
// init

Status init_data_dir(const InitOptions& options) {
  const std::string& dir = options.data_dir;
  if (dir.empty()) return Status::error("init: no data directory given");
  if (file_exists(dir + kJournalFile)) {
    return Status::error("init: " + dir + " already holds a journal (" + dir + kJournalFile +
                         "); refusing to overwrite it");
  }
  if (file_exists(journal_internal::key_path(dir))) {
    return Status::error("init: " + journal_internal::key_path(dir) +
                         " already exists but there is no journal; refusing to overwrite an operator key (move " + dir +
                         "/keys away to start over)");
  }
  if (!journal_internal::crypto_ready()) return Status::error("init: libsodium failed to initialise");
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::error("init: cannot create " + dir + ": " + errno_text());
  }
  if (::mkdir((dir + "/keys").c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::error("init: cannot create " + dir + "/keys: " + errno_text());
  }
  DirLock lock;
  QZ_TRY(lock.acquire(dir));
  if (file_exists(dir + kJournalFile)) {  // created by someone else between the check and the lock
    return Status::error("init: " + dir + " already holds a journal (" + dir + kJournalFile + ")");
  }

  OperatorKey key;
  Status status = journal_internal::create_operator_key(dir, &key);
  if (!status.is_ok()) return Status::error("init: " + status.message());
  sync_directory(dir + "/keys");

  // Genesis: height 0, no commands, applied to an empty engine so that the engine's next height becomes 1.
  Engine engine;
  std::vector<Event> events;
  Block genesis;
  genesis.header.height = 0;
  genesis.header.time_ns = options.genesis_time_ns != 0 ? options.genesis_time_ns : system_clock()->now_ns();
  engine.apply(BlockInput{.height = 0, .time_ns = genesis.header.time_ns, .commands = {}}, &events);
  QZ_ASSERT_EQ(engine.next_height(), 1u);
  genesis.header.flags = kBlockFlagStateHash;
  genesis.header.state_hash = engine.state_hash();
  const Hash256 hash = seal_header(key, genesis.commands, events, &genesis);
  std::vector<uint8_t> body;
  encode_block(genesis, &body);

  // The database is built under a temporary name and renamed into place once genesis is committed and the
  // file closed (closing folds the WAL back into it), so DIR/journal.db either holds a genesis or is absent.
  const std::string building = dir + kJournalFile + ".init";
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((building + suffix).c_str());  // a crashed init's
  std::unique_ptr<Store> store;
  status = Store::open(building, Store::Mode::create, &store);
  if (status.is_ok()) status = store->begin();
  if (status.is_ok()) status = store->put_block(0, hash, body);
  if (status.is_ok()) status = store->put_meta(kMetaFormatVersion, kJournalFormatVersion);
  if (status.is_ok()) {
    status = store->put_meta(kMetaPublicKey, hex_encode(key.public_key));
  }
  if (status.is_ok()) status = store->put_meta(kMetaGenesisHash, hash.hex());
  if (status.is_ok()) status = store->commit();
  if (store) store->rollback();  // no-op after a commit
  store.reset();
  if (status.is_ok() && (file_exists(building + "-wal") || file_exists(building + "-shm"))) {
    status = Status::error(building + " did not close cleanly");
  }
  if (status.is_ok() && ::rename(building.c_str(), (dir + kJournalFile).c_str()) != 0) {
    status = Status::error("cannot rename " + building + " to " + dir + kJournalFile + ": " + errno_text());
  }
  if (!status.is_ok()) {
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((building + suffix).c_str());
    ::unlink(journal_internal::key_path(dir).c_str());
    ::unlink(journal_internal::public_key_path(dir).c_str());
    return Status::error("init: " + status.message());
  }
  sync_directory(dir);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------------------
// Recovery

namespace {

// "block 12 is corrupt (bad signature)" or "block 12 is missing".
std::string describe_bad_block(uint64_t height, const std::string& reason) {
  if (reason == "missing") return "block " + std::to_string(height) + " is missing";
  return "block " + std::to_string(height) + " is corrupt (" + reason + ")";
}

struct Recovered {
  std::unique_ptr<Engine> engine;
  uint64_t height = 0;
  Hash256 last_hash;
};

// Loads the snapshot `info` into a fresh engine after checking it against the block at its height. Empty on
// success, else why it was skipped.
std::string try_snapshot(Store* store, const Store::SnapshotInfo& info, const PublicKey& public_key,
                         std::unique_ptr<Engine>* engine, Hash256* block_hash_out, Status* io) {
  std::vector<uint8_t> stored_hash, body;
  bool found = false;
  *io = store->get_block(info.height, &found, &stored_hash, &body);
  if (!io->is_ok()) return "read error";
  if (!found) return "its block is missing";
  Block block;
  std::string reason =
      journal_internal::check_stored_block(stored_hash, body, info.height, public_key, &block, block_hash_out);
  if (!reason.empty()) return "its block is bad (" + reason + ")";
  if ((block.header.flags & kBlockFlagStateHash) == 0) return "its block records no state hash";
  if (hash_from_bytes(info.state_hash) != block.header.state_hash || info.state_hash.size() != 32) {
    return "its state hash differs from the block's";
  }
  std::vector<uint8_t> snapshot;
  *io = store->get_snapshot_body(info.height, &found, &snapshot);
  if (!io->is_ok()) return "read error";
  if (!found) return "it vanished";
  if (info.digest.size() != 32 || sha256(snapshot) != hash_from_bytes(info.digest)) return "digest mismatch";
  auto fresh = std::make_unique<Engine>();
  const Status loaded = fresh->load_snapshot(snapshot);
  if (!loaded.is_ok()) return "it does not load (" + loaded.message() + ")";
  if (fresh->next_height() != info.height + 1) return "it holds the wrong height";
  if (fresh->state_hash() != block.header.state_hash) return "state hash mismatch after loading";
  *engine = std::move(fresh);
  return {};
}

Status recover(Store* store, const std::string& data_dir, const PublicKey& public_key, bool verify,
               RecoveryReport* report, Recovered* out) {
  bool any = false;
  uint64_t newest = 0;
  QZ_TRY(store->newest_height(&any, &newest));
  if (!any) return Status::error("journal: " + data_dir + "/journal.db holds no blocks, not even genesis");

  bool may_truncate = true;
  for (;;) {
    // Start from the newest snapshot that checks out, else from genesis.
    std::unique_ptr<Engine> engine;
    uint64_t from = 0;
    Hash256 prev;
    std::vector<Store::SnapshotInfo> snapshots;
    QZ_TRY(store->list_snapshots(&snapshots));
    report->snapshot_height = 0;
    for (const Store::SnapshotInfo& info : snapshots) {
      if (info.height > newest || info.height == 0) continue;
      Status io = Status::ok();
      Hash256 snapshot_block_hash;
      const std::string skipped = try_snapshot(store, info, public_key, &engine, &snapshot_block_hash, &io);
      QZ_TRY(io);
      if (skipped.empty()) {
        from = info.height + 1;
        prev = snapshot_block_hash;
        report->snapshot_height = info.height;
        break;
      }
    }
    if (!engine) engine = std::make_unique<Engine>();

    journal_internal::ReplayOutcome outcome;
    QZ_TRY(journal_internal::replay_blocks(journal_internal::ReplayInput{.store = store,
                                                                         .engine = engine.get(),
                                                                         .from_height = from,
                                                                         .prev_hash = prev,
                                                                         .public_key = &public_key,
                                                                         .verify = verify},
                                           &outcome));

    if (!outcome.bad) {
      report->replayed_blocks = outcome.blocks;
      report->replayed_commands = outcome.commands;
      if (!outcome.have_last && from == 0) {
        return Status::error("journal: " + data_dir + "/journal.db changed while it was being read");
      }
      report->height = outcome.have_last ? outcome.last_height : from - 1;
      report->last_hash = outcome.have_last ? outcome.last_hash : prev;
      out->engine = std::move(engine);
      out->height = report->height;
      out->last_hash = report->last_hash;
      QZ_ASSERT_EQ(out->engine->next_height(), out->height + 1);
      return Status::ok();
    }

    const uint64_t bad = outcome.bad_height;
    if (bad == newest && bad > 0 && may_truncate) {
      // A torn or corrupt tail: cut it and say so in one line.
      QZ_TRY(store->begin());
      Status cut = store->truncate_from(bad);
      if (cut.is_ok()) cut = store->commit();
      if (!cut.is_ok()) {
        store->rollback();
        return cut;
      }
      report->truncated_tail = true;
      report->tail_message = "journal: " + describe_bad_block(bad, outcome.bad_reason) +
                             "; truncated the tail at height " + std::to_string(bad - 1);
      newest = bad - 1;
      may_truncate = false;
      if (!outcome.bad_applied) {
        report->replayed_blocks = outcome.blocks;
        report->replayed_commands = outcome.commands;
        report->height = newest;
        report->last_hash = outcome.have_last ? outcome.last_hash : prev;
        out->engine = std::move(engine);
        out->height = newest;
        out->last_hash = report->last_hash;
        QZ_ASSERT_EQ(out->engine->next_height(), out->height + 1);
        return Status::ok();
      }
      continue;  // the engine already applied the bad block: rebuild it without the cut tail
    }
    std::string message = "journal: " + describe_bad_block(bad, outcome.bad_reason);
    if (bad == 0) {
      message += "; the genesis block cannot be cut";
    } else if (bad < newest) {
      message += " and " + std::to_string(newest - bad) +
                 " later blocks follow it, so this is not a torn tail; refusing to start (run verify)";
    } else {
      message += " after the corrupt tail block above it was already cut; refusing to start (run verify)";
    }
    return Status::error(message);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Node

namespace {

struct InFlight;

struct Pending {
  enum State : uint32_t { waiting = 0, done = 1, failed = 2 };
  std::span<const Command> commands;
  std::atomic<uint32_t> state{waiting};  // a futex word: see Impl::finish
  // Set by the journal thread (before state changes):
  InFlight* block = nullptr;
  uint32_t first_index = 0;
  size_t event_begin = 0;
  size_t event_end = 0;
  // Set by whoever fails it:
  std::string error;
  // submit_async: the commands (owned) and the callback; such a Pending lives on the heap and is deleted once
  // its callback has run.
  std::vector<Command> owned;
  Node::SubmitCallback callback;
  std::chrono::steady_clock::time_point queued_at;  // for JournalStats::queue_wait_*
};

struct InFlight {
  Block block;                // header (roots filled by seal), signature, commands
  std::vector<Event> events;  // what the engine produced
  std::vector<Pending*> pendings;
  std::vector<uint8_t> snapshot;  // engine snapshot taken after this block, or empty
  std::vector<uint8_t> body;      // encode_block, by seal
  Hash256 hash;
  std::atomic<uint32_t> refs{0};
};

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) && std::atomic<uint32_t>::is_always_lock_free);

}  // namespace

struct Node::Impl {
  NodeOptions options;
  Clock* clock = nullptr;
  std::string data_dir;
  DirLock lock;
  OperatorKey key;
  std::unique_ptr<Store> store;  // the journal thread's once running

  uint64_t wal_locked_bytes = 0;  // Store::wal_locked_bytes at open

  std::mutex engine_mutex;
  std::unique_ptr<Engine> engine;
  uint64_t last_time_ns = 0;  // journal thread only
  std::unique_lock<std::mutex> block_lock;  // journal thread only: holds engine_mutex while a block is open

  // Submission queue.
  std::mutex queue_mutex;
  std::condition_variable queue_not_empty;
  std::condition_variable queue_not_full;
  std::deque<Pending*> queue;
  size_t queued_commands = 0;
  bool journal_waiting = false;  // the journal thread waits on queue_not_empty (under queue_mutex)
  size_t queue_capacity = 0;
  bool stopping = false;

  // The snapshot being written a part per commit (journal thread only). Its bytes stay allocated afterwards, so
  // that the next snapshot is serialized into memory already mapped.
  struct PartedSnapshot {
    bool active = false;
    uint64_t height = 0;
    Hash256 state_hash;
    std::vector<uint8_t> bytes;
    size_t written = 0;
    uint32_t next_part = 0;
    Sha256 digest;
  };
  PartedSnapshot parted;

  // Failure: once set, never cleared.
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
  std::string failure;

  // InFlight pool.
  std::mutex pool_mutex;
  std::condition_variable pool_cv;
  std::vector<std::unique_ptr<InFlight>> pool_storage;
  std::vector<InFlight*> pool;

  // Statistics (Node::journal_stats).
  std::atomic<uint64_t> stat_commits{0};
  std::atomic<uint64_t> stat_blocks{0};
  std::atomic<uint64_t> stat_commit_ns{0};
  std::atomic<uint64_t> stat_max_commit_ns{0};
  std::array<std::atomic<uint64_t>, Node::kCommitBucketUs.size()> stat_commit_buckets{};
  std::atomic<uint64_t> stat_queued{0};
  std::atomic<uint64_t> stat_queue_wait_ns{0};
  std::atomic<uint64_t> stat_snapshots{0};
  std::atomic<uint64_t> stat_snapshot_bytes{0};
  std::atomic<uint64_t> stat_snapshot_ns{0};
  std::atomic<uint64_t> stat_max_snapshot_ns{0};
  std::array<std::atomic<uint64_t>, Node::kCommitBucketUs.size()> stat_queue_wait_buckets{};

  // Durable position, written by the journal thread.
  std::mutex durable_mutex;
  uint64_t durable_height = 0;
  Hash256 durable_hash;

  std::thread journal;
  std::thread::id journal_id;  // set once at open; `journal` itself changes when stop joins it
  std::mutex stop_mutex;
  bool stopped = false;

  void fail(const std::string& message) {
    {
      std::lock_guard lock_guard(failure_mutex);
      if (failure.empty()) failure = message;
    }
    failed.store(true, std::memory_order_release);
    { std::lock_guard lock_guard(queue_mutex); }  // no waiter can miss the change between its check and sleep
    queue_not_full.notify_all();
    queue_not_empty.notify_all();
  }
  std::string failure_message() {
    std::lock_guard lock_guard(failure_mutex);
    return failure;
  }

  void release(InFlight* block) {
    if (block->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      {
        std::lock_guard lock_guard(pool_mutex);
        pool.push_back(block);
      }
      pool_cv.notify_one();
    }
  }

  InFlight* take_from_pool() {
    std::unique_lock lock_guard(pool_mutex);
    pool_cv.wait(lock_guard, [&] { return !pool.empty(); });
    InFlight* block = pool.back();
    pool.pop_back();
    return block;
  }

  // Publishes the outcome and wakes the submitter. The Pending lives on the submitter's stack and may be gone
  // as soon as the store is visible, so the wake-up is a raw FUTEX_WAKE on the address: for a private futex the
  // kernel never reads the memory, and a stray wake-up of whatever waits there later is harmless because every
  // wait here re-checks its condition. (std::atomic::notify_one on a destroyed object would be undefined.)
  static void finish(Pending* pending, Pending::State state) {
    uint32_t* address = reinterpret_cast<uint32_t*>(&pending->state);
    pending->state.store(state, std::memory_order_release);
    ::syscall(SYS_futex, address, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
  static void wait_for(Pending* pending) {
    while (pending->state.load(std::memory_order_acquire) == Pending::waiting) {
      ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&pending->state), FUTEX_WAIT_PRIVATE, Pending::waiting, nullptr,
                nullptr, 0);
    }
  }

  // Ends a submission: wakes a waiting submitter, or runs an async one's callback (then deletes it, and
  // releases its reference to the block).
  void complete(Pending* pending, Pending::State state) {
    if (!pending->callback) {
      finish(pending, state);
      return;
    }
    SubmitResult result;
    Status status = Status::ok();
    if (state == Pending::done) {
      const InFlight* block = pending->block;
      result.height = block->block.header.height;
      result.time_ns = block->block.header.time_ns;
      result.first_command_index = pending->first_index;
      result.events.assign(block->events.begin() + static_cast<std::ptrdiff_t>(pending->event_begin),
                           block->events.begin() + static_cast<std::ptrdiff_t>(pending->event_end));
    } else {
      status = Status::error(pending->error);
    }
    if (pending->block != nullptr) release(pending->block);
    const Node::SubmitCallback callback = std::move(pending->callback);
    delete pending;
    callback(status, std::move(result));
  }
  // Queues a submission; false (nothing queued, *error says why) when the node failed or is stopping.
  bool enqueue(Pending* pending, std::string* error) {
    // From the journal thread (on_durable, a callback) a full queue would wait for that very thread.
    QZ_ASSERT(std::this_thread::get_id() != journal_id);
    const size_t size = pending->commands.size();
    bool wake = false;
    {
      std::unique_lock lock_guard(queue_mutex);
      queue_not_full.wait(lock_guard, [&] {
        return stopping || failed.load(std::memory_order_acquire) || queue.empty() ||
               queued_commands + size <= queue_capacity;
      });
      if (failed.load(std::memory_order_acquire)) {
        *error = failure_message();
        return false;
      }
      if (stopping) {
        *error = "journal: the node is stopping; the commands were not sequenced";
        return false;
      }
      pending->queued_at = std::chrono::steady_clock::now();
      queue.push_back(pending);
      queued_commands += size;
      // Wake the journal thread only when it waits, and once: while it is busy it takes everything queued
      // when it comes back, and a futex wake per submission is not free.
      wake = journal_waiting;
      journal_waiting = false;
    }
    if (wake) queue_not_empty.notify_one();
    return true;
  }

  // The JournalStats bucket of a duration: the first whose bound it does not exceed.
  static size_t commit_bucket(uint64_t ns) {
    size_t bucket = 0;
    while (bucket + 1 < Node::kCommitBucketUs.size() && ns > Node::kCommitBucketUs[bucket] * 1000) bucket++;
    return bucket;
  }

  void run_journal();
  size_t take(size_t room, std::vector<Pending*>* taken, bool* more);
  InFlight* open_block();
  void extend_block(InFlight* block, const std::vector<Pending*>& taken, size_t commands);
  void close_block(InFlight* block);
  void seal(InFlight* block, Hash256* prev);
  Status write_batch(const std::vector<InFlight*>& batch);
  Status write_snapshot_parts(size_t parts, bool* completed);
  Status finish_parted_snapshot();
};

// Takes whole submissions from the queue, as many as fit in `room` commands, into *taken; returns their
// commands. *more: whether submissions are still queued after them.
size_t Node::Impl::take(size_t room, std::vector<Pending*>* taken, bool* more) {
  taken->clear();
  size_t commands = 0;
  {
    std::lock_guard lock_guard(queue_mutex);
    while (!queue.empty() && commands + queue.front()->commands.size() <= room) {
      commands += queue.front()->commands.size();
      taken->push_back(queue.front());
      queue.pop_front();
    }
    queued_commands -= commands;
    *more = !queue.empty();
  }
  if (taken->empty()) return 0;
  queue_not_full.notify_all();
  const auto taken_at = std::chrono::steady_clock::now();
  for (const Pending* pending : *taken) {
    const auto wait_ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(taken_at - pending->queued_at).count());
    stat_queue_wait_ns.fetch_add(wait_ns, std::memory_order_relaxed);
    stat_queue_wait_buckets[commit_bucket(wait_ns)].fetch_add(1, std::memory_order_relaxed);
  }
  stat_queued.fetch_add(taken->size(), std::memory_order_relaxed);
  return commands;
}

// Starts the next block: stamps its time and takes the engine's lock until close_block, so that readers never
// see a block half applied.
InFlight* Node::Impl::open_block() {
  InFlight* block = take_from_pool();
  block->pendings.clear();
  block->snapshot.clear();
  block->block.commands.clear();
  block->events.clear();
  BlockHeader& header = block->block.header;
  header = BlockHeader{};
  const uint64_t now_ns = clock->now_ns();
  header.time_ns = now_ns > last_time_ns ? now_ns : last_time_ns + 1;
  last_time_ns = header.time_ns;
  block_lock = std::unique_lock(engine_mutex);
  header.height = engine->next_height();
  engine->begin_block(header.height, header.time_ns, &block->events);
  return block;
}

// Appends `taken` (whole submissions, `commands` in all) to the open block and applies them.
void Node::Impl::extend_block(InFlight* block, const std::vector<Pending*>& taken, size_t commands) {
  std::vector<Command>& block_commands = block->block.commands;
  const size_t first = block_commands.size();
  QZ_ASSERT_LE(first + commands, options.max_block_commands);
  block_commands.resize(first + commands);
  size_t at = first;
  for (Pending* pending : taken) {
    std::memcpy(&block_commands[at], pending->commands.data(), pending->commands.size() * kCommandSize);
    pending->block = block;
    pending->first_index = static_cast<uint32_t>(at);
    at += pending->commands.size();
  }
  block->pendings.insert(block->pendings.end(), taken.begin(), taken.end());
  engine->apply_part(std::span<const Command>(block_commands).subspan(first), &block->events);
}

// Ends the open block: the state hash and the snapshot when due, each submitter's events, the references.
void Node::Impl::close_block(InFlight* block) {
  BlockHeader& header = block->block.header;
  header.command_count = static_cast<uint32_t>(block->block.commands.size());
  engine->end_block();
  const bool snapshot_due = options.snapshot_every_blocks != 0 && header.height % options.snapshot_every_blocks == 0;
  const bool state_hash_due =
      options.state_hash_every_blocks != 0 && header.height % options.state_hash_every_blocks == 0;
  std::chrono::steady_clock::time_point snapshot_start;
  if (snapshot_due) snapshot_start = std::chrono::steady_clock::now();
  if (snapshot_due || state_hash_due) {
    header.flags |= kBlockFlagStateHash;
    header.state_hash = engine->state_hash();
  }
  if (snapshot_due) {
    if (!parted.active) block->snapshot.swap(parted.bytes);  // memory the last snapshot already touched
    engine->write_snapshot(&block->snapshot, &header.state_hash);
    const auto held_ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - snapshot_start)
            .count());
    // Only this thread writes these.
    stat_snapshot_bytes.store(block->snapshot.size());
    stat_snapshot_ns.store(held_ns);
    if (held_ns > stat_max_snapshot_ns.load(std::memory_order_relaxed)) stat_max_snapshot_ns.store(held_ns);
    stat_snapshots.fetch_add(1);
  }
  block_lock.unlock();

  // Each submitter's events: expiries (kNoCommand) come first, then every command's events in order.
  const std::vector<Event>& events = block->events;
  size_t e = 0;
  while (e < events.size() && events[e].command_index == kNoCommand) e++;
  for (Pending* pending : block->pendings) {
    const uint32_t end_index = pending->first_index + static_cast<uint32_t>(pending->commands.size());
    pending->event_begin = e;
    while (e < events.size() && events[e].command_index < end_index) e++;
    pending->event_end = e;
    QZ_ASSERT(pending->event_end - pending->event_begin >= pending->commands.size());
  }
  QZ_ASSERT_EQ(e, events.size());
  block->refs.store(static_cast<uint32_t>(block->pendings.size()) + 1, std::memory_order_relaxed);
}

void Node::Impl::seal(InFlight* block, Hash256* prev) {
  block->block.header.prev_hash = *prev;
  block->hash = seal_header(key, block->block.commands, block->events, &block->block);
  encode_block(block->block, &block->body);
  *prev = block->hash;
}

Status Node::Impl::write_batch(const std::vector<InFlight*>& batch) {
  QZ_TRY(store->begin());
  Status status = Status::ok();
  bool pruned = false;
  for (InFlight* block : batch) {
    status = store->put_block(block->block.header.height, block->hash, block->body);
    if (!status.is_ok()) break;
    if (block->snapshot.empty()) continue;
    // Snapshots are 65,536 blocks apart in a venue and take a few commits each, so one is never still being
    // written when the next is due; if it were (small intervals in tests), the older one is finished first.
    if (parted.active) {
      bool completed = false;
      status = write_snapshot_parts(std::numeric_limits<size_t>::max(), &completed);
      if (!status.is_ok()) break;
      QZ_ASSERT(completed);
    }
    const size_t part_bytes = options.snapshot_part_bytes;
    if (part_bytes == 0 || block->snapshot.size() <= part_bytes) {
      status = store->put_snapshot(block->block.header.height, block->block.header.state_hash, sha256(block->snapshot),
                                   block->snapshot);
      if (!status.is_ok()) break;
      pruned = true;
      continue;
    }
    parted.active = true;
    parted.height = block->block.header.height;
    parted.state_hash = block->block.header.state_hash;
    parted.bytes.swap(block->snapshot);
    parted.written = 0;
    parted.next_part = 0;
  }
  // One part of the snapshot being written goes with every commit.
  if (status.is_ok() && parted.active) {
    bool completed = false;
    status = write_snapshot_parts(1, &completed);
    if (completed) pruned = false;  // write_snapshot_parts pruned
  }
  if (status.is_ok() && pruned) status = store->prune_snapshots(kSnapshotsKept);
  if (status.is_ok()) status = store->commit();
  if (!status.is_ok()) store->rollback();
  return status;
}

// Writes up to `parts` parts of the snapshot being written, in the caller's transaction; after the last, its row
// (with an empty body: docs/journal.md) and the pruning of older snapshots. A failed write stops the node (the
// caller fails it), so what was written before the failure need not be undone here.
Status Node::Impl::write_snapshot_parts(size_t parts, bool* completed) {
  QZ_ASSERT(parted.active);
  *completed = false;
  const size_t part_bytes = std::max<size_t>(options.snapshot_part_bytes, 1);
  for (size_t n = 0; n < parts && parted.written < parted.bytes.size(); n++) {
    const size_t size = std::min(part_bytes, parted.bytes.size() - parted.written);
    const std::span<const uint8_t> data(parted.bytes.data() + parted.written, size);
    QZ_TRY(store->put_snapshot_part(parted.height, parted.next_part, data));
    parted.digest.update(data);
    parted.written += size;
    parted.next_part++;
  }
  if (parted.written < parted.bytes.size()) return Status::ok();
  QZ_TRY(store->put_snapshot(parted.height, parted.state_hash, parted.digest.finish(), {}));
  QZ_TRY(store->prune_snapshots(kSnapshotsKept));
  parted.active = false;
  *completed = true;
  return Status::ok();
}

// At a graceful stop: the snapshot being written is finished in a transaction of its own, so that the next open
// starts from it.
Status Node::Impl::finish_parted_snapshot() {
  if (!parted.active) return Status::ok();
  QZ_TRY(store->begin());
  bool completed = false;
  Status status = write_snapshot_parts(std::numeric_limits<size_t>::max(), &completed);
  if (status.is_ok()) status = store->commit();
  if (!status.is_ok()) store->rollback();
  return status;
}

void Node::Impl::run_journal() {
  pthread_setname_np(pthread_self(), "qz-journal");
  Hash256 chain_hash;
  {
    std::lock_guard lock_guard(durable_mutex);
    chain_hash = durable_hash;
  }
  std::vector<InFlight*> batch;
  std::vector<Pending*> taken;
  const auto interval = std::chrono::microseconds(options.commit_interval_us);
  auto cycle_start = std::chrono::steady_clock::now() - interval;
  size_t cycle_commands = 0;  // taken by the previous cycle
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock_guard(queue_mutex);
      if (queue.empty() && !stopping) {
        journal_waiting = true;  // cleared by the submitter that wakes this thread
        queue_not_empty.wait(lock_guard, [&] { return !queue.empty() || stopping; });
        journal_waiting = false;
      }
      if (queue.empty()) break;  // stopping and drained
      if (interval.count() > 0) {
        // Submitters do not wake this thread while it sleeps here (journal_waiting is false): what they queue
        // is taken when the interval is up.
        const auto due = cycle_start + interval;
        if (cycle_commands < options.small_commit_commands && std::chrono::steady_clock::now() < due && !stopping) {
          lock_guard.unlock();
          std::this_thread::sleep_until(due);
          lock_guard.lock();
        }
        cycle_start = std::chrono::steady_clock::now();
      }
    }
    cycle_commands = 0;
    // Take and apply while submissions are queued, up to the cycle's bound: what arrives while a part is
    // applied joins the same block, and the same commit. A block is sealed (its roots, hash and signature) when
    // the next submission does not fit in it or nothing more is queued, so under load a cycle makes one full
    // block rather than a small one per take.
    Hash256 prev = chain_hash;
    InFlight* open = nullptr;
    const auto close_open = [&] {
      close_block(open);
      seal(open, &prev);
      batch.push_back(open);
      open = nullptr;
    };
    size_t takes = 0;  // that brought submissions
    while (takes < kMaxCycleTakes && batch.size() < kMaxCycleBlocks) {
      const size_t room = options.max_block_commands - (open == nullptr ? size_t{0} : open->block.commands.size());
      bool more = false;
      const size_t commands = take(room, &taken, &more);
      if (taken.empty()) {
        if (open == nullptr || !more) break;
        close_open();  // full: the next submission starts the next block
        continue;
      }
      takes++;
      if (failed.load(std::memory_order_acquire)) {
        const std::string message = failure_message();
        for (Pending* pending : taken) {
          pending->error = message;
          complete(pending, Pending::failed);
        }
        continue;
      }
      cycle_commands += commands;
      if (open == nullptr) open = open_block();
      extend_block(open, taken, commands);
      // take() stops early only at a submission that does not fit: this block is done.
      if (more) close_open();
    }
    if (open != nullptr) close_open();
    if (batch.empty()) continue;

    const auto write_start = std::chrono::steady_clock::now();
    const Status status = write_batch(batch);
    const auto commit_ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - write_start).count());
    stat_commit_ns.fetch_add(commit_ns);
    // Only this thread writes the maximum; readers may see it a commit late.
    if (commit_ns > stat_max_commit_ns.load(std::memory_order_relaxed)) stat_max_commit_ns.store(commit_ns);
    stat_commit_buckets[commit_bucket(commit_ns)].fetch_add(1, std::memory_order_relaxed);
    stat_commits.fetch_add(1);
    stat_blocks.fetch_add(batch.size());
    bool ok = status.is_ok();
    if (!ok) {
      fail("journal: writing block " + std::to_string(batch.front()->block.header.height) +
           " failed; the node has stopped accepting commands: " + status.message());
    } else {
      chain_hash = prev;
      {
        std::lock_guard lock_guard(durable_mutex);
        durable_height = batch.back()->block.header.height;
        durable_hash = chain_hash;
      }
      if (options.on_durable) {
        for (const InFlight* block : batch) options.on_durable(block->block, block->events);
      }
    }
    const std::string message = ok ? std::string() : failure_message();
    if (options.before_callbacks) options.before_callbacks();
    for (InFlight* block : batch) {
      // A snapshot is as big as the state: no pooled block keeps such a buffer. The journal keeps one, for the
      // next snapshot, unless the snapshot being written a part per commit holds it.
      if (!block->snapshot.empty()) {
        if (!parted.active) {
          block->snapshot.clear();
          parted.bytes.swap(block->snapshot);
        }
        std::vector<uint8_t>().swap(block->snapshot);
      }
      // Take this thread's reference last: a submitter may recycle the block as soon as it is released.
      for (Pending* pending : block->pendings) {
        if (ok) {
          complete(pending, Pending::done);
        } else {
          pending->error = message;
          complete(pending, Pending::failed);
        }
      }
      release(block);
    }
    if (options.after_callbacks) options.after_callbacks();
  }
  if (!failed.load(std::memory_order_acquire)) {
    const Status finished = finish_parted_snapshot();
    if (!finished.is_ok()) fail("journal: finishing the snapshot at stop failed: " + finished.message());
  }
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Node::~Node() { stop(); }

Status Node::open(const NodeOptions& options, std::unique_ptr<Node>* node, RecoveryReport* report) {
  *report = RecoveryReport{};
  const std::string& dir = options.data_dir;
  if (dir.empty()) return Status::error("journal: no data directory given");
  if (options.max_block_commands == 0 || options.max_block_commands > kMaxBlockCommands) {
    return Status::error("journal: max_block_commands must be between 1 and " + std::to_string(kMaxBlockCommands));
  }
  if (!file_exists(dir + kJournalFile)) {
    return Status::error("journal: " + dir + " holds no journal (" + dir + kJournalFile + " is missing; run init)");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = options.clock != nullptr ? options.clock : system_clock();
  impl->data_dir = dir;
  impl->queue_capacity = size_t{4} * options.max_block_commands;
  QZ_TRY(impl->lock.acquire(dir));
  QZ_TRY(journal_internal::load_operator_key(dir, &impl->key));
  QZ_TRY(Store::open(dir + kJournalFile, Store::Mode::read_write, &impl->store));
  QZ_TRY(check_meta(impl->store.get(), dir));
  QZ_TRY(check_public_key_matches(impl->store.get(), dir, impl->key.public_key));

  Recovered recovered;
  QZ_TRY(recover(impl->store.get(), dir, impl->key.public_key, options.verify_on_open, report, &recovered));
  impl->engine = std::move(recovered.engine);
  impl->last_time_ns = impl->engine->last_time_ns();
  impl->durable_height = recovered.height;
  impl->durable_hash = recovered.last_hash;
  if (options.preallocate_wal) QZ_TRY(impl->store->preallocate_wal());
  impl->wal_locked_bytes = impl->store->wal_locked_bytes();
  QZ_TRY(impl->store->start_background_checkpoints());

  for (size_t i = 0; i < kInFlightBlocks; i++) {
    impl->pool_storage.push_back(std::make_unique<InFlight>());
    impl->pool.push_back(impl->pool_storage.back().get());
  }
  Impl* raw = impl.get();
  impl->journal = std::thread([raw] { raw->run_journal(); });
  impl->journal_id = impl->journal.get_id();
  node->reset(new Node(std::move(impl)));
  return Status::ok();
}

Status Node::submit(std::span<const Command> commands, SubmitResult* result) {
  Impl& impl = *impl_;
  if (commands.empty()) return Status::error("journal: submit needs at least one command");
  if (commands.size() > impl.options.max_block_commands) {
    return Status::error("journal: submit of " + std::to_string(commands.size()) +
                         " commands exceeds max_block_commands (" + std::to_string(impl.options.max_block_commands) +
                         ")");
  }
  if (commands.back().linked()) {
    return Status::error(
        "journal: the last submitted command is flagged linked; a linked group must end inside "
        "one submit");
  }
  Pending pending;
  pending.commands = commands;
  std::string error;
  if (!impl.enqueue(&pending, &error)) return Status::error(error);

  Impl::wait_for(&pending);
  if (pending.state.load(std::memory_order_acquire) == Pending::failed) {
    if (pending.block != nullptr) impl.release(pending.block);
    return Status::error(pending.error);
  }
  InFlight* block = pending.block;
  if (result != nullptr) {
    result->height = block->block.header.height;
    result->time_ns = block->block.header.time_ns;
    result->first_command_index = pending.first_index;
    result->events.assign(block->events.begin() + static_cast<std::ptrdiff_t>(pending.event_begin),
                          block->events.begin() + static_cast<std::ptrdiff_t>(pending.event_end));
  }
  impl.release(block);
  return Status::ok();
}

void Node::submit_async(std::vector<Command> commands, SubmitCallback done) {
  Impl& impl = *impl_;
  QZ_ASSERT(done);
  const auto refuse = [&](const std::string& message) { done(Status::error(message), SubmitResult{}); };
  if (commands.empty()) return refuse("journal: submit needs at least one command");
  if (commands.size() > impl.options.max_block_commands) {
    return refuse("journal: submit of " + std::to_string(commands.size()) + " commands exceeds max_block_commands (" +
                  std::to_string(impl.options.max_block_commands) + ")");
  }
  if (commands.back().linked()) {
    return refuse("journal: the last submitted command is flagged linked; a linked group must end inside one submit");
  }
  auto* pending = new Pending;
  pending->owned = std::move(commands);
  pending->commands = pending->owned;
  pending->callback = std::move(done);
  std::string error;
  if (!impl.enqueue(pending, &error)) {
    const SubmitCallback callback = std::move(pending->callback);
    delete pending;
    callback(Status::error(error), SubmitResult{});
  }
}

void Node::stop() {
  if (!impl_) return;
  Impl& impl = *impl_;
  std::lock_guard stop_guard(impl.stop_mutex);
  if (impl.stopped) return;
  {
    std::lock_guard lock_guard(impl.queue_mutex);
    impl.stopping = true;
  }
  impl.queue_not_empty.notify_all();
  impl.queue_not_full.notify_all();
  if (impl.journal.joinable()) impl.journal.join();
  impl.store.reset();
  impl.lock.release();
  impl.stopped = true;
}

void Node::with_engine(const std::function<void(const Engine&)>& reader) {
  std::lock_guard lock_guard(impl_->engine_mutex);
  reader(*impl_->engine);
}

Node::JournalStats Node::journal_stats() const {
  JournalStats stats{.commits = impl_->stat_commits.load(),
                    .blocks = impl_->stat_blocks.load(),
                    .commit_ns = impl_->stat_commit_ns.load(),
                    .max_commit_ns = impl_->stat_max_commit_ns.load()};
  for (size_t i = 0; i < stats.commit_buckets.size(); i++)
    stats.commit_buckets[i] = impl_->stat_commit_buckets[i].load();
  stats.queued = impl_->stat_queued.load();
  stats.queue_wait_ns = impl_->stat_queue_wait_ns.load();
  stats.snapshots = impl_->stat_snapshots.load();
  stats.snapshot_bytes = impl_->stat_snapshot_bytes.load();
  stats.snapshot_ns = impl_->stat_snapshot_ns.load();
  stats.max_snapshot_ns = impl_->stat_max_snapshot_ns.load();
  stats.wal_locked_bytes = impl_->wal_locked_bytes;
  for (size_t i = 0; i < stats.queue_wait_buckets.size(); i++) {
    stats.queue_wait_buckets[i] = impl_->stat_queue_wait_buckets[i].load();
  }
  return stats;
}

uint64_t Node::height() {
  std::lock_guard lock_guard(impl_->durable_mutex);
  return impl_->durable_height;
}

Hash256 Node::last_hash() {
  std::lock_guard lock_guard(impl_->durable_mutex);
  return impl_->durable_hash;
}

// ---------------------------------------------------------------------------------------------------------
// replay for projections

Status replay_journal_blocks(const std::string& data_dir, uint64_t from_height, const BlockSinkFn& sink,
                             uint64_t* height) {
  const std::string path = data_dir + kJournalFile;
  if (!file_exists(path)) return Status::error(data_dir + " holds no journal (" + path + " is missing)");
  std::unique_ptr<Store> store;
  QZ_TRY(Store::open(path, Store::Mode::read_only, &store));
  QZ_TRY(store->scan_begin(0));
  auto engine = std::make_unique<Engine>();
  Hash256 previous;
  uint64_t expected = 0;
  std::vector<Event> events;
  Block block;
  for (;;) {
    bool have = false;
    Store::BlockRow row;
    QZ_TRY(store->scan_next(&have, &row));
    if (!have) break;
    const std::string where = "journal: block " + std::to_string(expected) + ": ";
    if (row.height != expected) {
      return Status::error(where + "missing (the next block stored is " + std::to_string(row.height) + ")");
    }
    const Status decoded = decode_block(row.body, &block);
    if (!decoded.is_ok()) return Status::error(where + decoded.message());
    const Hash256 hash = block_hash(block.header);
    if (block.header.height != expected || row.hash.size() != hash.bytes.size() ||
        !std::equal(row.hash.begin(), row.hash.end(), hash.bytes.begin()) || block.header.prev_hash != previous) {
      return Status::error(where + "its hash, height or link to the block before does not check; run qazna verify");
    }
    if (expected > 0 && block.header.time_ns <= engine->last_time_ns()) {
      return Status::error(where + "its time does not follow the block before; run qazna verify");
    }
    events.clear();
    engine->apply(BlockInput{.height = expected, .time_ns = block.header.time_ns, .commands = block.commands}, &events);
    const std::span<const uint8_t> event_bytes(reinterpret_cast<const uint8_t*>(events.data()),
                                               events.size() * kEventSize);
    if (events.size() != block.header.event_count || merkle_root(event_bytes, kEventSize) != block.header.events_root) {
      return Status::error(where + "the replayed events differ from those the block committed to; run qazna verify");
    }
    if (expected >= from_height) QZ_TRY(sink(block, events));
    previous = hash;
    expected++;
  }
  store->scan_end();
  if (expected == 0) return Status::error(path + " holds no blocks, not even genesis");
  *height = expected - 1;
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------------------
// verify

Status verify_data_dir(const std::string& data_dir, const std::string& public_key_hex, VerifyReport* report) {
  *report = VerifyReport{};
  if (!journal_internal::crypto_ready()) return Status::error("verify: libsodium failed to initialise");
  PublicKey public_key{};
  if (!public_key_hex.empty()) {
    if (!hex_decode(public_key_hex, public_key)) {
      return Status::error("verify: the public key must be 64 hex digits");
    }
  } else {
    const Status loaded = journal_internal::load_public_key(data_dir, &public_key);
    if (!loaded.is_ok()) return Status::error("verify: " + loaded.message());
  }
  if (!file_exists(data_dir + kJournalFile)) {
    return Status::error("verify: " + data_dir + " holds no journal (" + data_dir + kJournalFile + " is missing)");
  }
  std::unique_ptr<Store> store;
  Status status = Store::open(data_dir + kJournalFile, Store::Mode::read_only, &store);
  if (status.is_ok()) status = check_meta(store.get(), data_dir);
  if (!status.is_ok()) return Status::error("verify: " + status.message());

  bool any = false;
  uint64_t newest = 0;
  status = store->newest_height(&any, &newest);
  if (!status.is_ok()) return Status::error("verify: " + status.message());
  if (!any) return Status::error("verify: the journal holds no blocks, not even genesis");

  Engine engine;
  journal_internal::ReplayOutcome outcome;
  status = journal_internal::replay_blocks(journal_internal::ReplayInput{.store = store.get(),
                                                                         .engine = &engine,
                                                                         .from_height = 0,
                                                                         .prev_hash = {},
                                                                         .public_key = &public_key,
                                                                         .verify = true},
                                           &outcome);
  if (!status.is_ok()) return Status::error("verify: " + status.message());
  if (outcome.bad) {
    return Status::error("verify: " + describe_bad_block(outcome.bad_height, outcome.bad_reason));
  }
  QZ_ASSERT(outcome.have_last);
  if (outcome.last_height != newest) {
    return Status::error("verify: replay stopped at block " + std::to_string(outcome.last_height) +
                         " but the journal holds blocks up to " + std::to_string(newest));
  }
  const std::string invariants = engine.check_invariants();
  if (!invariants.empty()) {
    return Status::error("verify: after block " + std::to_string(newest) +
                         " the engine's invariants fail: " + invariants);
  }

  // Snapshots: each must be intact and hold the state its block recorded.
  std::vector<Store::SnapshotInfo> snapshots;
  status = store->list_snapshots(&snapshots);
  if (!status.is_ok()) return Status::error("verify: " + status.message());
  for (const Store::SnapshotInfo& info : snapshots) {
    std::unique_ptr<Engine> loaded;
    Hash256 ignored;
    Status io = Status::ok();
    const std::string reason = try_snapshot(store.get(), info, public_key, &loaded, &ignored, &io);
    if (!io.is_ok()) return Status::error("verify: " + io.message());
    if (!reason.empty()) {
      return Status::error("verify: the snapshot at height " + std::to_string(info.height) + " is bad (" + reason +
                           ")");
    }
  }

  report->blocks = outcome.blocks;
  report->commands = outcome.commands;
  report->events = outcome.events;
  report->height = outcome.last_height;
  report->last_hash = outcome.last_hash;
  report->state_hash = engine.state_hash();
  return Status::ok();
}

}  // namespace qz
