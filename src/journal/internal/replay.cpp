#include "journal/internal/replay.h"

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "base/assert.h"
#include "base/merkle.h"

namespace qz::journal_internal {

namespace {

// Blocks in flight between the stages. Each holds up to one block's commands and events (about 1 MiB each
// for full blocks), so this bounds the memory of a replay.
constexpr size_t kPipelineDepth = 8;
// The reader maps the database while it scans (SQLite caps this at its compile-time limit, 2 GiB in Debian's
// build; beyond that it reads as usual).
constexpr int64_t kReplayMapBytes = int64_t{1} << 40;

struct Item {
  Block block;
  Hash256 hash;
  std::vector<Event> events;
  bool bad = false;  // the reader found this height bad; the item carries only the reason
  uint64_t bad_height = 0;
  std::string bad_reason;
};

// A blocking FIFO of item pointers. There are never more items than kPipelineDepth, so push never waits.
class Channel {
 public:
  void push(Item* item) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(item);
    }
    cv_.notify_one();
  }
  // nullptr once closed and empty.
  Item* pop() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return nullptr;
    Item* item = items_.front();
    items_.pop_front();
    return item;
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item*> items_;
  bool closed_ = false;
};

std::span<const uint8_t> command_bytes(const Block& block) {
  return {reinterpret_cast<const uint8_t*>(block.commands.data()), block.commands.size() * kCommandSize};
}

std::span<const uint8_t> event_bytes(const std::vector<Event>& events) {
  return {reinterpret_cast<const uint8_t*>(events.data()), events.size() * kEventSize};
}

// The lowest-height problem found by any stage.
class FirstBad {
 public:
  void report(uint64_t height, std::string reason, bool applied) {
    std::lock_guard lock(mutex_);
    if (bad_ && height >= height_) return;
    bad_ = true;
    height_ = height;
    reason_ = std::move(reason);
    applied_ = applied;
    any_.store(true, std::memory_order_release);
  }
  bool any() const { return any_.load(std::memory_order_acquire); }
  void copy_to(ReplayOutcome* outcome) {
    std::lock_guard lock(mutex_);
    outcome->bad = bad_;
    outcome->bad_height = height_;
    outcome->bad_reason = reason_;
    outcome->bad_applied = applied_;
  }

 private:
  std::mutex mutex_;
  std::atomic<bool> any_{false};
  bool bad_ = false;
  uint64_t height_ = 0;
  std::string reason_;
  bool applied_ = false;
};

}  // namespace

std::string check_stored_block(std::span<const uint8_t> stored_hash, std::span<const uint8_t> body,
                               uint64_t height, const PublicKey& public_key, Block* block, Hash256* hash) {
  const Status decoded = decode_block(body, block);
  if (!decoded.is_ok()) return "undecodable body: " + decoded.message();
  if (block->header.height != height) {
    return "its header says height " + std::to_string(block->header.height);
  }
  *hash = block_hash(block->header);
  if (stored_hash.size() != 32 || std::memcmp(stored_hash.data(), hash->bytes.data(), 32) != 0) {
    return "block hash mismatch";
  }
  if (merkle_root(command_bytes(*block), kCommandSize) != block->header.commands_root) {
    return "commands root mismatch";
  }
  if (!verify_hash(public_key, *hash, block->signature.data())) return "bad signature";
  return {};
}

Status replay_blocks(const ReplayInput& input, ReplayOutcome* outcome) {
  QZ_ASSERT(input.store != nullptr && input.engine != nullptr && input.public_key != nullptr);
  QZ_ASSERT_EQ(input.engine->next_height(), input.from_height);
  *outcome = ReplayOutcome{};

  std::vector<std::unique_ptr<Item>> storage;
  Channel free_items, to_checker, to_engine, to_hasher;
  for (size_t i = 0; i < kPipelineDepth; i++) {
    storage.push_back(std::make_unique<Item>());
    free_items.push(storage.back().get());
  }
  FirstBad first_bad;
  std::atomic<bool> stop{false};
  Status read_status = Status::ok();
  // Where the reader hands blocks on: the checker when verifying, else straight to the engine.
  Channel& after_reader = input.verify ? to_checker : to_engine;

  // Stage 1: SQLite, decode, the block hash and the hash chain. Signatures and roots are the checker's.
  std::thread reader([&] {
    Store& store = *input.store;
    uint64_t expected = input.from_height;
    Hash256 prev = input.prev_hash;
    read_status = store.set_mmap_size(kReplayMapBytes);
    if (read_status.is_ok()) read_status = store.scan_begin(input.from_height);
    while (read_status.is_ok() && !stop.load(std::memory_order_acquire)) {
      Item* item = free_items.pop();
      if (item == nullptr) break;
      Store::BlockRow row;
      bool have_row = false;
      read_status = store.scan_next(&have_row, &row);
      if (!read_status.is_ok() || !have_row) {
        free_items.push(item);
        break;
      }
      std::string reason;
      const uint64_t height = row.height != expected ? expected : row.height;
      if (row.height != expected) {
        reason = "missing";
      } else if (const Status decoded = decode_block(row.body, &item->block); !decoded.is_ok()) {
        reason = "undecodable body: " + decoded.message();
      } else if (item->block.header.height != row.height) {
        reason = "its header says height " + std::to_string(item->block.header.height);
      } else if (row.hash.size() != 32) {
        reason = "stored hash is not 32 bytes";
      } else {
        if (input.verify) {
          item->hash = block_hash(item->block.header);
          if (std::memcmp(row.hash.data(), item->hash.bytes.data(), 32) != 0) reason = "block hash mismatch";
        } else {
          std::memcpy(item->hash.bytes.data(), row.hash.data(), 32);
        }
        if (reason.empty() && item->block.header.prev_hash != prev) {
          reason = "prev_hash does not match block " + std::to_string(row.height - 1);
        }
      }
      if (!reason.empty()) {
        item->bad = true;
        item->bad_height = height;
        item->bad_reason = std::move(reason);
        after_reader.push(item);
        break;
      }
      prev = item->hash;
      expected++;
      after_reader.push(item);
    }
    store.scan_end();
    const Status unmapped = store.set_mmap_size(0);
    if (read_status.is_ok()) read_status = unmapped;
    after_reader.close();
  });

  // Stage 2 (verifying): the commands root and the signature.
  std::thread checker;
  // Stage 4 (verifying): the events root of what the engine produced.
  std::thread hasher;
  if (input.verify) {
    checker = std::thread([&] {
      while (Item* item = to_checker.pop()) {
        if (!item->bad && !first_bad.any()) {
          const BlockHeader& header = item->block.header;
          const char* reason = nullptr;
          if (merkle_root(command_bytes(item->block), kCommandSize) != header.commands_root) {
            reason = "commands root mismatch";
          } else if (!verify_hash(*input.public_key, item->hash, item->block.signature.data())) {
            reason = "bad signature";
          }
          if (reason != nullptr) {
            item->bad = true;
            item->bad_height = header.height;
            item->bad_reason = reason;
            stop.store(true, std::memory_order_release);
          }
        }
        to_engine.push(item);
      }
      to_engine.close();
    });
    hasher = std::thread([&] {
      while (Item* item = to_hasher.pop()) {
        if (merkle_root(event_bytes(item->events), kEventSize) != item->block.header.events_root) {
          first_bad.report(item->block.header.height, "events root mismatch", true);
          stop.store(true, std::memory_order_release);
        }
        free_items.push(item);
      }
    });
  }

  // Stage 3, this thread: block time, Engine::apply, the event count and (verifying, when recorded) the state
  // hash. Only this stage touches the engine.
  Engine& engine = *input.engine;
  uint64_t applied_blocks = 0, applied_commands = 0, applied_events = 0;
  bool halted = false;  // a problem was found at or before this point: drain without applying
  while (Item* item = to_engine.pop()) {
    if (item->bad) {
      first_bad.report(item->bad_height, item->bad_reason, false);
      item->bad = false;
      halted = true;
    }
    if (halted || first_bad.any()) {
      halted = true;
      free_items.push(item);
      continue;
    }
    const BlockHeader& header = item->block.header;
    QZ_ASSERT_EQ(header.height, engine.next_height());
    if (header.height > 0 && header.time_ns <= engine.last_time_ns()) {
      first_bad.report(header.height, "block time does not increase", false);
      stop.store(true, std::memory_order_release);
      halted = true;
      free_items.push(item);
      continue;
    }
    item->events.clear();
    engine.apply(BlockInput{.height = header.height, .time_ns = header.time_ns, .commands = item->block.commands},
                 &item->events);
    std::string reason;
    if (item->events.size() != header.event_count) {
      reason = "event count mismatch (" + std::to_string(item->events.size()) + " replayed, " +
               std::to_string(header.event_count) + " recorded)";
    } else if (input.verify && (header.flags & kBlockFlagStateHash) != 0 &&
               engine.state_hash() != header.state_hash) {
      reason = "state hash mismatch";
    }
    if (!reason.empty()) {
      first_bad.report(header.height, std::move(reason), true);
      stop.store(true, std::memory_order_release);
      halted = true;
      free_items.push(item);
      continue;
    }
    applied_blocks++;
    applied_commands += header.command_count;
    applied_events += item->events.size();
    outcome->have_last = true;
    outcome->last_height = header.height;
    outcome->last_hash = item->hash;
    if (input.verify) {
      to_hasher.push(item);
    } else {
      free_items.push(item);
    }
  }
  to_hasher.close();
  if (hasher.joinable()) hasher.join();
  stop.store(true, std::memory_order_release);
  free_items.close();
  reader.join();
  if (checker.joinable()) checker.join();

  QZ_TRY(read_status);
  first_bad.copy_to(outcome);
  if (outcome->bad) {
    // Everything from the bad block on is untrusted: count only what came before it.
    if (outcome->have_last && outcome->last_height >= outcome->bad_height) {
      outcome->have_last = outcome->bad_height > input.from_height;
      outcome->last_height = outcome->bad_height - 1;
      outcome->last_hash = Hash256{};  // unknown here; the caller does not use it after a bad block
    }
    outcome->bad_applied = engine.next_height() > outcome->bad_height;
  }
  outcome->blocks = applied_blocks;
  outcome->commands = applied_commands;
  outcome->events = applied_events;
  return Status::ok();
}

}  // namespace qz::journal_internal
