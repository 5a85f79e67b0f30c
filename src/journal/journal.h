// The journal: a data directory whose journal.db (SQLite, WAL, synchronous=FULL) holds a signed chain of
// blocks and engine snapshots, and the Node that sequences commands into it with group commit.
//
// Data directory layout (docs/formats.md):
//   DIR/journal.db        blocks(height, hash, body), snapshots(height, state_hash, digest, body),
//                         snapshot_parts(height, part, data), meta
//   DIR/keys/operator.key Ed25519 secret key (mode 0600); DIR/keys/operator.pub the public key (hex)
//   DIR/LOCK              held with flock by the one process that has the directory open
//
// Thread rules: Node::submit may be called from any number of threads. Inside, one journal thread forms
// blocks, applies, hashes and signs them, and commits them (group commit: what was queued while the previous
// commit was in flight goes into one SQLite transaction). submit returns only after the block holding its
// commands is durable, so an acknowledged command survives kill -9.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"
#include "engine/command.h"
#include "engine/engine.h"
#include "engine/event.h"
#include "journal/block.h"

namespace qz {

// Block time source. The journal thread keeps block times strictly increasing even if this goes backwards.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint64_t now_ns() = 0;
};
Clock* system_clock();  // wall-clock time (CLOCK_REALTIME) in ns since the Unix epoch

struct InitOptions {
  std::string data_dir;
  uint64_t genesis_time_ns = 0;  // 0 = now
};
// Creates DIR (must not already hold a journal), the operator key pair and the genesis block (height 0,
// no commands, state hash of the empty engine). Refuses an existing journal with a clear message.
[[nodiscard]] Status init_data_dir(const InitOptions& options);

struct NodeOptions {
  std::string data_dir;
  Clock* clock = nullptr;                   // nullptr = system_clock()
  uint32_t max_block_commands = 8192;       // a block closes when it has this many commands ...
  uint64_t state_hash_every_blocks = 1024;  // blocks at heights divisible by this record the state hash
  uint64_t snapshot_every_blocks = 4096;    // and at these heights a snapshot is written too
  // A snapshot bigger than this goes to journal.db a part per commit, its first part with its block, so that no
  // commit writes the whole state (megabytes) while every submitter waits; it counts once its last part is in.
  // 0: whole, with its block.
  size_t snapshot_part_bytes = 256 * 1024;
  // Group commit at moderate rates: while commits are small (the last cycle took fewer than
  // small_commit_commands commands), a cycle starts no sooner than commit_interval_us after the previous one
  // started, so that the submissions of that time share one commit (one fdatasync and one signature). A lone
  // submission after a quiet spell never waits, and under load (bigger commits) cycles follow back to back.
  // 0: no interval.
  uint32_t commit_interval_us = 0;
  uint32_t small_commit_commands = 8;
  bool verify_on_open = true;  // re-hash blocks and compare recorded hashes during replay
  // Write the journal's WAL at its working size (about 64 MiB of zeros) when it is shorter, and keep it across
  // closes, so that commits overwrite allocated blocks instead of growing the file (one device request less per
  // commit on ext4), and lock that much of it in memory (Store::preallocate_wal says why). For a server; tests
  // that open many journals leave it off.
  bool preallocate_wal = false;
  // Called for every block once it is durable, in height order, on the journal thread, before any submitter
  // of that block is answered (so whatever it projects is visible to them). Must be quick and must not call
  // submit or submit_async (the journal thread would wait for itself). Recovery replay does not call it.
  std::function<void(const Block& block, std::span<const Event> events)> on_durable = nullptr;
  // Called on the journal thread just before and just after it runs the submit_async callbacks of one commit
  // (after on_durable): a server that hands answers to other threads gathers them in between and hands each
  // thread its share at once. Must be quick and must not submit.
  std::function<void()> before_callbacks = nullptr;
  std::function<void()> after_callbacks = nullptr;
};

// What opening found and did; printed by the CLI.
struct RecoveryReport {
  uint64_t snapshot_height = 0;  // snapshot the replay started from (0 = genesis)
  uint64_t replayed_blocks = 0;
  uint64_t replayed_commands = 0;
  uint64_t height = 0;  // height of the newest block after recovery
  Hash256 last_hash;
  bool truncated_tail = false;
  std::string tail_message;  // one line saying what was cut, when truncated_tail
};

struct SubmitResult {
  uint64_t height = 0;               // block that holds the commands
  uint64_t time_ns = 0;              // that block's time
  uint32_t first_command_index = 0;  // index of the first submitted command inside that block
  std::vector<Event> events;         // the events of exactly the submitted commands, in order
};

class Node {
 public:
  // Opens DIR: takes the lock, loads the newest valid snapshot, replays later blocks checking the recorded
  // hashes and signatures; a corrupt newest block is truncated (reported in RecoveryReport), a corrupt block
  // anywhere else fails the open with a message naming its height. Starts the threads.
  // Blocks below the snapshot the replay starts from are not re-read here (that is verify_data_dir's job); the
  // snapshot itself is trusted only if its digest, its block's signature and its state hash check out.
  [[nodiscard]] static Status open(const NodeOptions& options, std::unique_ptr<Node>* node, RecoveryReport* report);
  ~Node();  // stop()

  // Sequences `commands` (at most max_block_commands; a linked group must be whole) into one block and
  // waits until that block is durable. Thread-safe. Fails only if the journal has failed (disk error) or the
  // node is stopping; then nothing of it is acknowledged.
  // `result` may be nullptr when only the acknowledgement matters. Refused before anything is queued: no
  // commands, more than max_block_commands, or a last command flagged linked (its group would otherwise run
  // into the next submitter's commands).
  [[nodiscard]] Status submit(std::span<const Command> commands, SubmitResult* result);

  // The same without waiting: `done` is called exactly once, when the block is durable (or the node failed or
  // is stopping), on the journal thread, or on this thread when the submission is refused at once.
  // It must be quick (hand the result to another thread) and must not submit. Blocks only while the queue is
  // full.
  using SubmitCallback = std::function<void(const Status& status, SubmitResult&& result)>;
  void submit_async(std::vector<Command> commands, SubmitCallback done);

  // Stops accepting, finishes every block in flight, writes them, closes the database.
  void stop();

  // What the journal thread has written since open: SQLite transactions committed (each ends with the fsync of group
  // commit), the blocks in them, and the time spent writing and committing them.
  // commit_buckets[i] counts the commits that took at most kCommitBucketUs[i] microseconds (the last bucket:
  // longer), so that a tail of slow fsyncs shows beside the average.
  // And how long submissions waited in the queue before the journal thread took them (behind its current
  // commit, or blocks being applied), in the same buckets: the part of a submission's latency that grows when
  // the node falls behind.
  static constexpr std::array<uint64_t, 9> kCommitBucketUs = {100,   250,    500,    1'000,     2'000,
                                                              5'000, 10'000, 50'000, UINT64_MAX};
  struct JournalStats {
    uint64_t commits = 0;
    uint64_t blocks = 0;
    uint64_t commit_ns = 0;
    uint64_t max_commit_ns = 0;
    std::array<uint64_t, kCommitBucketUs.size()> commit_buckets{};
    uint64_t queued = 0;  // submissions the journal thread took
    uint64_t queue_wait_ns = 0;
    std::array<uint64_t, kCommitBucketUs.size()> queue_wait_buckets{};
    // Engine snapshots taken since the start. Taking one (the state hash, then the serialization) holds the
    // journal thread and the engine: every submission waits for it.
    uint64_t snapshots = 0;
    uint64_t snapshot_bytes = 0;   // the newest snapshot's size
    uint64_t snapshot_ns = 0;      // and the time it held the journal thread
    uint64_t max_snapshot_ns = 0;  // the longest such hold since the start
    // Bytes of the WAL kept in memory (preallocate_wal), 0 when they are not: see Store::preallocate_wal.
    uint64_t wal_locked_bytes = 0;
  };
  JournalStats journal_stats() const;

  // Reads under the engine's lock; for CLI inspection and tests.
  void with_engine(const std::function<void(const Engine&)>& reader);
  // The newest durable (committed) block; the engine may already have applied later ones.
  uint64_t height();
  Hash256 last_hash();

 private:
  struct Impl;
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads DIR's journal from genesis (read-only: a running node may have it open), applies every block in a fresh
// engine, checks each block's stored hash, its link to the block before and its events root, and hands every
// block at or above `from_height` to `sink` with the events the engine produced, in height order. Stops at the
// first failing sink call or bad block (naming it). *height: the newest block read. For projections that must
// catch up with the journal (history, monitoring); not a verification (no signatures; see verify_data_dir).
using BlockSinkFn = std::function<Status(const Block& block, std::span<const Event> events)>;
[[nodiscard]] Status replay_journal_blocks(const std::string& data_dir, uint64_t from_height, const BlockSinkFn& sink,
                                           uint64_t* height);

struct VerifyReport {
  uint64_t blocks = 0;
  uint64_t commands = 0;
  uint64_t events = 0;
  uint64_t height = 0;
  Hash256 last_hash;
  Hash256 state_hash;
};
// Re-hashes the whole chain, checks every signature against keys/operator.pub (or `public_key_hex` when
// given), replays from genesis in a fresh engine comparing events roots and state hashes, and checks the
// engine's invariants at the end. Read-only: works on a stopped directory. The error names the first bad block.
[[nodiscard]] Status verify_data_dir(const std::string& data_dir, const std::string& public_key_hex,
                                     VerifyReport* report);

}  // namespace qz
