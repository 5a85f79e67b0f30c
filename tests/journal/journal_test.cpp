// The journal's promises: init and its refusals, the directory lock, group commit (every acknowledged command
// survives a reopen), reopen and snapshots reproduce the same state hash, and corruption gets the documented
// outcome (a bad newest block is cut with one line; a bad middle block stops the open and verify, naming it).
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "base/prng.h"
#include "journal/internal/keys.h"
#include "journal/journal.h"
#include "journal_test_util.h"

namespace qz {
namespace {

using journal_test::Db;
using journal_test::issue;
using journal_test::kFirstCustomer;
using journal_test::TempDir;
using journal_test::TestClock;

constexpr size_t kCommandsOffset = kBlockHeaderSize + kSignatureSize;

NodeOptions small_options(const std::string& dir) {
  NodeOptions options;
  options.data_dir = dir;
  options.max_block_commands = 64;
  options.state_hash_every_blocks = 4;
  options.snapshot_every_blocks = 16;
  return options;
}

std::unique_ptr<Node> open_node(const NodeOptions& options, RecoveryReport* report = nullptr) {
  RecoveryReport local;
  std::unique_ptr<Node> node;
  const Status status = Node::open(options, &node, report != nullptr ? report : &local);
  EXPECT_TRUE(status.is_ok()) << status.message();
  return node;
}

Hash256 state_hash_of(Node* node) {
  Hash256 hash;
  node->with_engine([&](const Engine& engine) { hash = engine.state_hash(); });
  return hash;
}

// Submits `blocks` single-submit blocks of `per_block` issuance transfers with request ids from `*next_id`.
void submit_blocks(Node* node, int blocks, int per_block, uint64_t* next_id) {
  for (int b = 0; b < blocks; b++) {
    std::vector<Command> commands;
    for (int i = 0; i < per_block; i++) {
      commands.push_back(issue(kFirstCustomer + static_cast<uint64_t>(i % 8), 100 + i, (*next_id)++));
    }
    SubmitResult result;
    const Status status = node->submit(commands, &result);
    ASSERT_TRUE(status.is_ok()) << status.message();
  }
}

// A journal with a few dozen blocks, stopped. Returns the newest height.
uint64_t build_journal(const std::string& dir, int blocks, uint64_t* next_id) {
  EXPECT_TRUE(journal_test::init_dir(dir).is_ok());
  auto node = open_node(small_options(dir));
  journal_test::setup_ledger(node.get(), 8);
  submit_blocks(node.get(), blocks, 10, next_id);
  const uint64_t height = node->height();
  node->stop();
  return height;
}

TEST(Journal, InitCreatesKeysAndGenesis) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  struct stat info {};
  ASSERT_EQ(::stat((temp.data() + "/keys/operator.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::ifstream pub(temp.data() + "/keys/operator.pub");
  std::string hex;
  pub >> hex;
  EXPECT_EQ(hex.size(), 64u);

  VerifyReport verify;
  const Status verified = verify_data_dir(temp.data(), "", &verify);
  ASSERT_TRUE(verified.is_ok()) << verified.message();
  EXPECT_EQ(verify.blocks, 1u);
  EXPECT_EQ(verify.height, 0u);

  RecoveryReport report;
  auto node = open_node(small_options(temp.data()), &report);
  EXPECT_EQ(report.height, 0u);
  EXPECT_FALSE(report.truncated_tail);
  EXPECT_EQ(node->last_hash(), verify.last_hash);
  node->with_engine([](const Engine& engine) {
    EXPECT_EQ(engine.next_height(), 1u);
    EXPECT_EQ(engine.last_time_ns(), journal_test::kGenesisTimeNs);
  });
  EXPECT_EQ(state_hash_of(node.get()), verify.state_hash);

  // The genesis block records the state hash and the events root of zero events.
  node->stop();
  Db db(temp.data());
  Block genesis;
  ASSERT_TRUE(decode_block(db.body(0), &genesis).is_ok());
  EXPECT_EQ(genesis.header.flags, kBlockFlagStateHash);
  EXPECT_EQ(genesis.header.command_count, 0u);
  EXPECT_EQ(genesis.header.event_count, 0u);
  EXPECT_EQ(genesis.header.state_hash, verify.state_hash);
  EXPECT_TRUE(genesis.header.prev_hash.is_zero());
}

TEST(Journal, InitRefusesAnExistingJournal) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  const Status again = journal_test::init_dir(temp.data());
  ASSERT_FALSE(again.is_ok());
  EXPECT_NE(again.message().find("already holds a journal"), std::string::npos) << again.message();
}

TEST(Journal, OpenWithoutJournalSaysSo) {
  TempDir temp;
  std::unique_ptr<Node> node;
  RecoveryReport report;
  const Status status = Node::open(small_options(temp.data()), &node, &report);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("holds no journal"), std::string::npos) << status.message();
}

TEST(Journal, SecondOpenerGetsAClearError) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  auto first = open_node(small_options(temp.data()));
  std::unique_ptr<Node> second;
  RecoveryReport report;
  const Status status = Node::open(small_options(temp.data()), &second, &report);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("already open in another process"), std::string::npos) << status.message();
  first->stop();
  auto third = open_node(small_options(temp.data()));  // the lock is released by stop()
  EXPECT_NE(third, nullptr);
}

TEST(Journal, SubmitReturnsTheEventsOfExactlyItsCommands) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  auto node = open_node(small_options(temp.data()));
  journal_test::setup_ledger(node.get(), 4);
  std::vector<Command> commands = {issue(kFirstCustomer, 500, 1), issue(kFirstCustomer + 1, 700, 2),
                                   make_transfer(kFirstCustomer, kFirstCustomer + 1, 1'000'000)};  // too much
  SubmitResult result;
  ASSERT_TRUE(node->submit(commands, &result).is_ok());
  EXPECT_EQ(result.height, node->height());
  ASSERT_EQ(result.events.size(), 3u);
  for (uint32_t i = 0; i < 3; i++) EXPECT_EQ(result.events[i].command_index, result.first_command_index + i);
  EXPECT_EQ(result.events[0].event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(result.events[0].transfer_posted.amount_minor, 500);
  EXPECT_EQ(result.events[2].event_kind(), EventKind::rejected);
  EXPECT_EQ(result.events[2].result_code(), Result::insufficient_funds);
}

TEST(Journal, SubmitRefusesWhatCannotFormABlock) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  auto node = open_node(small_options(temp.data()));
  SubmitResult result;
  EXPECT_FALSE(node->submit({}, &result).is_ok());
  std::vector<Command> too_many(65, make_transfer(1, 2, 1));
  const Status big = node->submit(too_many, &result);
  EXPECT_FALSE(big.is_ok());
  EXPECT_NE(big.message().find("max_block_commands"), std::string::npos) << big.message();
  Command open_group = make_transfer(1, 2, 1);
  open_group.flags = kFlagLinked;
  const Status linked = node->submit(std::span<const Command>(&open_group, 1), &result);
  EXPECT_FALSE(linked.is_ok());
  EXPECT_NE(linked.message().find("linked"), std::string::npos) << linked.message();
  EXPECT_EQ(node->height(), 0u);
}

TEST(Journal, SubmitAfterStopFails) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  auto node = open_node(small_options(temp.data()));
  node->stop();
  SubmitResult result;
  const Command command = make_create_asset("KZT", 2);
  const Status status = node->submit(std::span<const Command>(&command, 1), &result);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("stopping"), std::string::npos) << status.message();
}

TEST(Journal, AppendAndReopenGiveTheSameStateHash) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  NodeOptions options = small_options(temp.data());
  options.snapshot_every_blocks = 0;  // replay everything from genesis
  Hash256 state_hash, last_hash;
  uint64_t height = 0;
  {
    auto node = open_node(options);
    journal_test::setup_ledger(node.get(), 8);
    uint64_t next_id = 1;
    submit_blocks(node.get(), 30, 7, &next_id);
    state_hash = state_hash_of(node.get());
    last_hash = node->last_hash();
    height = node->height();
    EXPECT_EQ(height, 31u);  // genesis, the set-up block, 30 blocks of transfers
  }                          // destructor stops
  RecoveryReport report;
  auto node = open_node(options, &report);
  EXPECT_EQ(report.height, height);
  EXPECT_EQ(report.last_hash, last_hash);
  EXPECT_EQ(report.snapshot_height, 0u);
  EXPECT_EQ(report.replayed_blocks, height + 1);
  EXPECT_EQ(report.replayed_commands, 10u + 30u * 7u);
  EXPECT_EQ(state_hash_of(node.get()), state_hash);
  EXPECT_EQ(node->last_hash(), last_hash);

  // It keeps appending after the reopen, linked to the old chain.
  uint64_t next_id = 10'000;
  submit_blocks(node.get(), 1, 3, &next_id);
  EXPECT_EQ(node->height(), height + 1);
  node->stop();
  VerifyReport verify;
  const Status verified = verify_data_dir(temp.data(), "", &verify);
  ASSERT_TRUE(verified.is_ok()) << verified.message();
  EXPECT_EQ(verify.height, height + 1);
}

// Regression: the WAL hook displaced SQLite's automatic checkpoint, so the WAL grew with every block and
// journal.db stayed empty until the node closed. After writing three times the checkpoint threshold, most of it
// must have reached journal.db while the node is still running.
TEST(Journal, WalIsCheckpointedWhileTheNodeRuns) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  NodeOptions options = small_options(temp.data());
  options.max_block_commands = 8192;
  options.snapshot_every_blocks = 0;
  auto node = open_node(options);
  journal_test::setup_ledger(node.get(), 8);
  std::vector<Command> batch;
  for (uint32_t i = 0; i < 8192; i++) batch.push_back(make_transfer(journal_test::kIssuance, 2 + i % 8, 1));
  const uint64_t written_bytes = uint64_t{3} * 16384 * 4096;  // 3 x the 64 MiB threshold
  SubmitResult result;
  for (uint64_t bytes = 0; bytes < written_bytes; bytes += batch.size() * kCommandSize) {
    const Status status = node->submit(batch, &result);
    ASSERT_TRUE(status.is_ok()) << status.message();
  }
  // The checkpointer runs beside the writer; give it a bounded time to catch up on a busy machine.
  const std::string database = temp.data() + "/journal.db";
  for (int waited_ms = 0; waited_ms < 20'000 && std::filesystem::file_size(database) <= written_bytes / 2;
       waited_ms += 50) {
    ::usleep(50'000);
  }
  EXPECT_GT(std::filesystem::file_size(database), written_bytes / 2) << "the WAL is not being checkpointed";
}

// The checkpoint thread yields the core to the order path: it runs at nice 10 (the 19th field of its stat). It
// names itself and lowers its priority as it starts, so the test waits a bounded time for both.
TEST(Journal, TheCheckpointThreadRunsAtNice10) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  auto node = open_node(small_options(temp.data()));
  const auto checkpoint_nice = [] {
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      if (name != "qz-checkpoint") continue;
      std::ifstream stat_file(task.path() / "stat");
      std::string stat;
      std::getline(stat_file, stat);
      // After "pid (comm) ": state is field 3, nice field 19.
      std::istringstream fields(stat.substr(stat.rfind(')') + 2));
      std::string field;
      for (int i = 3; i <= 19; i++) fields >> field;
      return field;
    }
    return std::string("no qz-checkpoint thread");
  };
  std::string nice = checkpoint_nice();
  for (int waited_ms = 0; waited_ms < 5'000 && nice != "10"; waited_ms += 10) {
    ::usleep(10'000);
    nice = checkpoint_nice();
  }
  EXPECT_EQ(nice, "10");
}

// A preallocated WAL (zeros past its frames, kept across closes) recovers like any other: after a clean close,
// and from a copy of the files taken while the node runs (what a crash leaves), with the zeros after the last
// commit never read as frames.
TEST(Journal, PreallocatedWalRecoversAfterACloseAndACrash) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  NodeOptions options = small_options(temp.data());
  options.preallocate_wal = true;
  const std::string wal = temp.data() + "/journal.db-wal";
  const uint64_t working_bytes = 32 + uint64_t{16384} * (4096 + 24);
  uint64_t next_id = 1;
  Hash256 state_hash;
  uint64_t height = 0;
  {
    auto node = open_node(options);
    ASSERT_GE(std::filesystem::file_size(wal), working_bytes);
    journal_test::setup_ledger(node.get(), 8);
    submit_blocks(node.get(), 20, 5, &next_id);
    state_hash = state_hash_of(node.get());
    height = node->height();
  }
  ASSERT_TRUE(std::filesystem::exists(wal));  // kept across the close
  EXPECT_GE(std::filesystem::file_size(wal), working_bytes);
  {
    auto node = open_node(options);
    EXPECT_EQ(node->height(), height);
    EXPECT_EQ(state_hash_of(node.get()), state_hash);
    submit_blocks(node.get(), 10, 5, &next_id);
    state_hash = state_hash_of(node.get());
    height = node->height();
    // What a crash leaves: the files as they are now, without the shared-memory index.
    const std::string copy = temp.path() + "/crashed";
    std::filesystem::copy(temp.data(), copy, std::filesystem::copy_options::recursive);
    std::filesystem::remove(copy + "/journal.db-shm");
    std::filesystem::remove(copy + "/LOCK");
    node->stop();
    NodeOptions crashed = options;
    crashed.data_dir = copy;
    auto recovered = open_node(crashed);
    EXPECT_EQ(recovered->height(), height);
    EXPECT_EQ(state_hash_of(recovered.get()), state_hash);
    recovered->stop();
    VerifyReport verify;
    const Status verified = verify_data_dir(copy, "", &verify);
    ASSERT_TRUE(verified.is_ok()) << verified.message();
    EXPECT_EQ(verify.height, height);
  }
  VerifyReport verify;
  const Status verified = verify_data_dir(temp.data(), "", &verify);
  ASSERT_TRUE(verified.is_ok()) << verified.message();
  EXPECT_EQ(verify.height, height);
}

// AddressSanitizer's mlock does nothing and reports success, so under it a lock can be neither seen nor refused.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMlockIsReal = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kMlockIsReal = false;
#else
constexpr bool kMlockIsReal = true;
#endif
#else
constexpr bool kMlockIsReal = true;
#endif

// The memory this process has locked (VmLck in /proc/self/status), in bytes.
uint64_t locked_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmLck:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Whether this process may lock `bytes`: CAP_IPC_LOCK, or a large enough RLIMIT_MEMLOCK.
bool may_lock(uint64_t bytes) {
  __user_cap_header_struct header{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) == 0 && (data[0].effective & (1u << CAP_IPC_LOCK)) != 0) return true;
  rlimit limit{};
  return ::getrlimit(RLIMIT_MEMLOCK, &limit) == 0 && (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= bytes);
}

// A preallocated WAL is locked in memory while the node is open (a frame write then never waits for the disk to
// read a dropped page back), and unlocked when it closes; the journal reports how much.
TEST(Journal, PreallocatedWalIsLockedWhileTheNodeIsOpen) {
  const uint64_t working_bytes = 32 + uint64_t{16384} * (4096 + 24);
  if (!kMlockIsReal) GTEST_SKIP() << "mlock is a no-op under AddressSanitizer";
  if (!may_lock(working_bytes)) GTEST_SKIP() << "neither CAP_IPC_LOCK nor a large enough RLIMIT_MEMLOCK";
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  NodeOptions options = small_options(temp.data());
  const uint64_t before = locked_bytes();
  {
    auto node = open_node(options);  // without preallocate_wal: nothing locked
    EXPECT_EQ(node->journal_stats().wal_locked_bytes, 0u);
    EXPECT_EQ(locked_bytes(), before);
  }
  options.preallocate_wal = true;
  uint64_t next_id = 1;
  {
    auto node = open_node(options);
    EXPECT_EQ(node->journal_stats().wal_locked_bytes, working_bytes);
    EXPECT_GE(locked_bytes(), before + working_bytes);
    journal_test::setup_ledger(node.get(), 8);
    submit_blocks(node.get(), 20, 5, &next_id);
  }
  EXPECT_EQ(locked_bytes(), before);  // unlocked with the store
  auto node = open_node(options);     // and locked again by the next open
  EXPECT_EQ(node->journal_stats().wal_locked_bytes, working_bytes);
  submit_blocks(node.get(), 5, 5, &next_id);
}

// Where the lock is refused (no CAP_IPC_LOCK and a small RLIMIT_MEMLOCK), the node opens and works as before and
// reports nothing locked. Run in a child process, which drops the capability and the limit for itself.
TEST(Journal, PreallocatedWalWorksWhenTheLockIsRefused) {
  if (!kMlockIsReal) GTEST_SKIP() << "mlock is a no-op under AddressSanitizer";
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    __user_cap_header_struct header{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) != 0) ::_exit(10);
    data[0].effective &= ~(1u << CAP_IPC_LOCK);
    if (::syscall(SYS_capset, &header, data) != 0) ::_exit(11);
    const rlimit small{.rlim_cur = 64 * 1024, .rlim_max = 64 * 1024};
    if (::setrlimit(RLIMIT_MEMLOCK, &small) != 0) ::_exit(12);
    NodeOptions options = small_options(temp.data());
    options.preallocate_wal = true;
    std::unique_ptr<Node> node;
    RecoveryReport report;
    if (!Node::open(options, &node, &report).is_ok()) ::_exit(13);
    if (node->journal_stats().wal_locked_bytes != 0) ::_exit(14);
    journal_test::setup_ledger(node.get(), 4);
    uint64_t next_id = 1;
    const Command command = issue(kFirstCustomer, 5, next_id++);
    SubmitResult result;
    if (!node->submit(std::span<const Command>(&command, 1), &result).is_ok()) ::_exit(15);
    node->stop();
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10-12: the child could not drop the lock's permission; 13: open failed; "
                                       "14: the WAL was locked anyway; 15: a submit failed";
}

TEST(Journal, OpenWithoutVerifyingReachesTheSameState) {
  TempDir temp;
  uint64_t next_id = 1;
  const uint64_t height = build_journal(temp.data(), 10, &next_id);
  NodeOptions options = small_options(temp.data());
  Hash256 verified_hash;
  {
    auto node = open_node(options);
    verified_hash = state_hash_of(node.get());
  }
  options.verify_on_open = false;
  {
    Db db(temp.data());
    db.exec("DELETE FROM snapshots");
  }
  RecoveryReport report;
  auto node = open_node(options, &report);
  EXPECT_EQ(report.height, height);
  EXPECT_EQ(report.replayed_blocks, height + 1);
  EXPECT_EQ(state_hash_of(node.get()), verified_hash);
  const Command command = issue(kFirstCustomer, 5, next_id++);
  EXPECT_TRUE(node->submit(std::span<const Command>(&command, 1), nullptr).is_ok());  // result is optional
}

TEST(Journal, BlockTimesIncreaseEvenWhenTheClockGoesBack) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  TestClock clock(journal_test::kGenesisTimeNs + 1000);
  NodeOptions options = small_options(temp.data());
  options.clock = &clock;
  auto node = open_node(options);
  journal_test::setup_ledger(node.get(), 2);
  uint64_t next_id = 1;
  submit_blocks(node.get(), 2, 1, &next_id);
  clock.set(5);  // far before genesis
  submit_blocks(node.get(), 2, 1, &next_id);
  node->stop();
  Db db(temp.data());
  uint64_t previous = 0;
  for (uint64_t height = 0; height <= 5; height++) {
    Block block;
    ASSERT_TRUE(decode_block(db.body(height), &block).is_ok());
    if (height > 0) {
      EXPECT_GT(block.header.time_ns, previous) << "height " << height;
    }
    previous = block.header.time_ns;
  }
  EXPECT_EQ(previous, journal_test::kGenesisTimeNs + 1000 + 4);  // blocks 1-5: +1000 .. +1004
}

// A clock that, armed, runs a hook on the journal thread the next time a block is stamped, that is between the
// journal's first take of a cycle and its applying it: what the hook queues then is queued while a block is open.
class HookClock final : public Clock {
 public:
  explicit HookClock(uint64_t start_ns) : now_ns_(start_ns) {}
  uint64_t now_ns() override {
    std::function<void()> hook;
    {
      std::lock_guard lock_guard(mutex_);
      if (times_ > 0) {
        hook = hook_;
        times_--;
      }
    }
    if (hook) hook();
    return now_ns_ += 1000;
  }
  // Runs `hook` at each of the next `times` blocks.
  void arm(std::function<void()> hook, int times = 1) {
    std::lock_guard lock_guard(mutex_);
    hook_ = std::move(hook);
    times_ = times;
  }

 private:
  std::mutex mutex_;
  std::function<void()> hook_;
  int times_ = 0;
  std::atomic<uint64_t> now_ns_;
};

struct AsyncResults {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<std::pair<Status, SubmitResult>> results;  // in completion order

  Node::SubmitCallback callback() {
    return [this](const Status& status, SubmitResult&& result) {
      std::lock_guard lock_guard(mutex);
      results.emplace_back(status, std::move(result));
      done.notify_all();
    };
  }
  void wait_for(size_t count) {
    std::unique_lock lock_guard(mutex);
    done.wait(lock_guard, [&] { return results.size() >= count; });
  }
};

// Submissions queued while the journal applies a block join that block as further parts (Engine::apply_part):
// one block, one signature, each submitter's command indexes and events its own; and once the block is full,
// the next submission starts a second block in the same commit. Reopening and verify replay both whole.
TEST(Journal, SubmissionsQueuedWhileABlockIsAppliedJoinIt) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  HookClock clock(journal_test::kGenesisTimeNs);
  NodeOptions options = small_options(temp.data());
  options.max_block_commands = 6;
  options.clock = &clock;
  auto node = open_node(options);
  journal_test::setup_ledger(node.get(), 4);
  uint64_t next_id = 1;
  submit_blocks(node.get(), 3, 2, &next_id);

  // The hook queues three submissions from another thread (the journal thread may not submit) while the first
  // block of the cycle is open: 2 + 2 commands fit beside the 1 already taken, the last 2 do not.
  AsyncResults async;
  const std::vector<size_t> sizes = {2, 2, 2};
  clock.arm([&] {
    std::thread submitter([&] {
      for (size_t size : sizes) {
        std::vector<Command> commands;
        for (size_t i = 0; i < size; i++) commands.push_back(issue(kFirstCustomer + i, 7, next_id++));
        node->submit_async(std::move(commands), async.callback());
      }
    });
    submitter.join();
  });
  const Node::JournalStats before = node->journal_stats();
  const uint64_t height_before = node->height();
  const Command first = issue(kFirstCustomer + 3, 11, next_id++);
  SubmitResult result;
  ASSERT_TRUE(node->submit(std::span<const Command>(&first, 1), &result).is_ok());
  async.wait_for(sizes.size());
  const Node::JournalStats after = node->journal_stats();

  EXPECT_EQ(after.commits - before.commits, 1u);  // one cycle
  EXPECT_EQ(after.blocks - before.blocks, 2u);
  EXPECT_EQ(result.height, height_before + 1);
  EXPECT_EQ(result.first_command_index, 0u);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].command_index, 0u);
  EXPECT_EQ(result.events[0].event_kind(), EventKind::transfer_posted);
  const uint64_t expected_height[] = {height_before + 1, height_before + 1, height_before + 2};
  const uint32_t expected_first[] = {1, 3, 0};
  ASSERT_EQ(async.results.size(), sizes.size());
  for (size_t k = 0; k < sizes.size(); k++) {
    const auto& [status, got] = async.results[k];
    ASSERT_TRUE(status.is_ok()) << status.message();
    EXPECT_EQ(got.height, expected_height[k]) << "submission " << k;
    if (got.height == result.height) {
      EXPECT_EQ(got.time_ns, result.time_ns) << "one block, one time";
    }
    EXPECT_EQ(got.first_command_index, expected_first[k]) << "submission " << k;
    ASSERT_EQ(got.events.size(), sizes[k]) << "submission " << k;
    for (size_t i = 0; i < sizes[k]; i++) {
      EXPECT_EQ(got.events[i].command_index, expected_first[k] + i);
      EXPECT_EQ(got.events[i].event_kind(), EventKind::transfer_posted);
    }
  }
  EXPECT_GT(async.results[2].second.time_ns, result.time_ns);
  const Hash256 state_hash = state_hash_of(node.get());
  const uint64_t height = node->height();
  node->stop();

  Db db(temp.data());
  Block block;
  ASSERT_TRUE(decode_block(db.body(height_before + 1), &block).is_ok());
  EXPECT_EQ(block.header.command_count, 5u);
  ASSERT_TRUE(decode_block(db.body(height_before + 2), &block).is_ok());
  EXPECT_EQ(block.header.command_count, 2u);
  VerifyReport verify;
  const Status verified = verify_data_dir(temp.data(), "", &verify);
  ASSERT_TRUE(verified.is_ok()) << verified.message();
  EXPECT_EQ(verify.height, height);
  options.clock = nullptr;
  auto reopened = open_node(options);
  EXPECT_EQ(reopened->height(), height);
  EXPECT_EQ(state_hash_of(reopened.get()), state_hash);
}

// While submissions that fill a block each keep arriving, one cycle seals as many blocks as it has takes
// (kMaxCycleTakes, 8): a full block is closed without spending a take on it.
TEST(Journal, ACycleFillsAsManyBlocksAsItTakes) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  HookClock clock(journal_test::kGenesisTimeNs);
  NodeOptions options = small_options(temp.data());
  options.clock = &clock;
  auto node = open_node(options);
  journal_test::setup_ledger(node.get(), 2);
  node->stop();
  options.max_block_commands = 2;  // the queue holds 4 x 2 commands: a submission or two at a time
  node = open_node(options);
  uint64_t next_id = 1;
  const auto pair_of = [&] {
    std::vector<Command> commands;
    for (uint64_t i = 0; i < 2; i++) commands.push_back(issue(kFirstCustomer + i, 3, next_id++));
    return commands;
  };
  // Each block opened queues the next submission, 11 times: the queue is never empty while the cycle takes.
  AsyncResults async;
  constexpr int kQueued = 11;
  clock.arm(
      [&] {
        std::thread submitter([&] { node->submit_async(pair_of(), async.callback()); });
        submitter.join();
      },
      kQueued);
  const Node::JournalStats before = node->journal_stats();
  const std::vector<Command> first = pair_of();
  SubmitResult result;
  ASSERT_TRUE(node->submit(first, &result).is_ok());
  async.wait_for(kQueued);
  const Node::JournalStats after = node->journal_stats();
  // The first cycle: the submission that woke it and 7 queued ones, a full block each; the second the other 4.
  EXPECT_EQ(after.blocks - before.blocks, static_cast<uint64_t>(kQueued + 1));
  EXPECT_EQ(after.commits - before.commits, 2u);
  for (const auto& [status, got] : async.results) {
    ASSERT_TRUE(status.is_ok()) << status.message();
    EXPECT_EQ(got.first_command_index, 0u);
    EXPECT_EQ(got.events.size(), 2u);
  }
  node->stop();
  VerifyReport verify;
  const Status verified = verify_data_dir(temp.data(), "", &verify);
  EXPECT_TRUE(verified.is_ok()) << verified.message();
}

TEST(Journal, GroupCommitFromManyThreadsKeepsEveryAcknowledgedCommand) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  NodeOptions options = small_options(temp.data());
  options.max_block_commands = 256;
  auto node = open_node(options);
  journal_test::setup_ledger(node.get(), 32);
  const uint64_t seed = 0x5eed0001;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  constexpr int kThreads = 16;
  constexpr int kSubmitsPerThread = 150;
  std::vector<std::vector<uint64_t>> acked(kThreads);
  std::vector<std::set<uint64_t>> heights(kThreads);
  const Node::JournalStats stats_before = node->journal_stats();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      Prng prng(seed + static_cast<uint64_t>(t));
      uint64_t counter = 0;
      for (int s = 0; s < kSubmitsPerThread; s++) {
        std::vector<Command> commands;
        const auto count = prng.range(1, 24);
        for (int64_t i = 0; i < count; i++) {
          const uint64_t id = (static_cast<uint64_t>(t + 1) << 32) | ++counter;
          commands.push_back(issue(kFirstCustomer + prng.below(32), prng.range(1, 1000), id));
        }
        SubmitResult result;
        const Status status = node->submit(commands, &result);
        ASSERT_TRUE(status.is_ok()) << status.message();
        ASSERT_EQ(result.events.size(), commands.size());
        for (size_t i = 0; i < commands.size(); i++) {
          ASSERT_EQ(result.events[i].event_kind(), EventKind::transfer_posted);
          ASSERT_EQ(result.events[i].command_index, result.first_command_index + i);
          acked[static_cast<size_t>(t)].push_back(commands[i].request_id);
        }
        heights[static_cast<size_t>(t)].insert(result.height);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const Hash256 state_hash = state_hash_of(node.get());
  const uint64_t height = node->height();
  const Node::JournalStats stats = node->journal_stats();
  node->stop();

  // Group commit shared blocks between submitters: far fewer blocks than submits.
  std::set<uint64_t> all_heights;
  for (const auto& set : heights) all_heights.insert(set.begin(), set.end());
  EXPECT_LT(all_heights.size(), static_cast<size_t>(kThreads * kSubmitsPerThread));
  // The writer's statistics count every block and every submission's wait in the queue, once.
  EXPECT_EQ(stats.blocks - stats_before.blocks, all_heights.size());
  EXPECT_EQ(stats.queued - stats_before.queued, static_cast<uint64_t>(kThreads * kSubmitsPerThread));
  uint64_t waits = 0;
  for (size_t i = 0; i < stats.queue_wait_buckets.size(); i++) {
    waits += stats.queue_wait_buckets[i] - stats_before.queue_wait_buckets[i];
  }
  EXPECT_EQ(waits, static_cast<uint64_t>(kThreads * kSubmitsPerThread));
  EXPECT_GT(stats.queue_wait_ns, stats_before.queue_wait_ns);
  std::printf("%d submits went into %zu blocks\n", kThreads * kSubmitsPerThread, all_heights.size());

  auto reopened = open_node(options);
  EXPECT_EQ(reopened->height(), height);
  EXPECT_EQ(state_hash_of(reopened.get()), state_hash);
  reopened->with_engine([&](const Engine& engine) {
    size_t checked = 0;
    for (const auto& ids : acked) {
      for (uint64_t id : ids) {
        const RequestEntry* entry = engine.requests().find(0, id);
        ASSERT_NE(entry, nullptr) << "acknowledged request " << id << " is missing";
        EXPECT_EQ(entry->result, 0u);
        checked++;
      }
    }
    EXPECT_GT(checked, 0u);
    EXPECT_EQ(engine.check_invariants(), "");
  });
  reopened->stop();
  VerifyReport verify;
  const Status verified = verify_data_dir(temp.data(), "", &verify);
  ASSERT_TRUE(verified.is_ok()) << verified.message();
  EXPECT_EQ(verify.state_hash, state_hash);
}

TEST(Journal, SnapshotPlusReplayEqualsFullReplay) {
  TempDir temp;
  uint64_t next_id = 1;
  const uint64_t height = build_journal(temp.data(), 60, &next_id);  // snapshots every 16 blocks
  ASSERT_EQ(height, 61u);
  {
    Db db(temp.data());
    EXPECT_EQ(db.integer("SELECT count(*) FROM snapshots"), 2);  // 48 and 32 kept; 16 pruned
    EXPECT_EQ(db.integer("SELECT max(height) FROM snapshots"), 48);
    EXPECT_EQ(db.integer("SELECT min(height) FROM snapshots"), 32);
  }
  RecoveryReport report;
  auto node = open_node(small_options(temp.data()), &report);
  EXPECT_EQ(report.snapshot_height, 48u);
  EXPECT_EQ(report.replayed_blocks, height - 48);
  const Hash256 from_snapshot = state_hash_of(node.get());
  node->stop();

  VerifyReport verify;  // a fresh engine from genesis
  const Status verified = verify_data_dir(temp.data(), "", &verify);
  ASSERT_TRUE(verified.is_ok()) << verified.message();
  EXPECT_EQ(verify.state_hash, from_snapshot);
  EXPECT_EQ(verify.blocks, height + 1);

  // A corrupt newest snapshot falls back to the older one; no snapshot at all falls back to genesis.
  {
    Db db(temp.data());
    db.exec("UPDATE snapshots SET body = zeroblob(100) WHERE height = 48");
  }
  node = open_node(small_options(temp.data()), &report);
  EXPECT_EQ(report.snapshot_height, 32u);
  EXPECT_EQ(state_hash_of(node.get()), from_snapshot);
  node->stop();
  {
    Db db(temp.data());
    db.exec("DELETE FROM snapshots");
  }
  node = open_node(small_options(temp.data()), &report);
  EXPECT_EQ(report.snapshot_height, 0u);
  EXPECT_EQ(report.replayed_blocks, height + 1);
  EXPECT_EQ(state_hash_of(node.get()), from_snapshot);
}

// commit_interval_us: after a small commit, what is submitted within the interval shares one commit; after a big
// commit (small_commit_commands or more), the next cycle does not wait for the interval.
TEST(Journal, CommitIntervalGathersSmallCommitsIntoOne) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  NodeOptions options = small_options(temp.data());
  auto node = open_node(options);
  journal_test::setup_ledger(node.get(), 8);
  node->stop();
  options.commit_interval_us = 1'000'000;  // long enough that every submission below lands within it
  options.small_commit_commands = 8;
  node = open_node(options);
  uint64_t next_id = 1;
  SubmitResult result;
  const std::vector<Command> first = {issue(kFirstCustomer, 1, next_id++)};
  ASSERT_TRUE(node->submit(first, &result).is_ok());  // starts an interval
  const Node::JournalStats before = node->journal_stats();
  const uint64_t height_before = node->height();

  constexpr int kSubmits = 6;  // one command each: the commit they share is still small
  std::atomic<int> answered{0};
  std::mutex mutex;
  std::vector<uint64_t> heights;
  for (int s = 0; s < kSubmits; s++) {
    node->submit_async({issue(kFirstCustomer + static_cast<uint64_t>(s), 5, next_id++)},
                       [&](const Status& status, SubmitResult&& answer) {
                         EXPECT_TRUE(status.is_ok()) << status.message();
                         std::lock_guard guard(mutex);
                         heights.push_back(answer.height);
                         answered.fetch_add(1);
                       });
  }
  for (int spin = 0; answered.load() < kSubmits && spin < 10'000; spin++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(answered.load(), kSubmits);
  const Node::JournalStats after = node->journal_stats();
  EXPECT_EQ(after.commits - before.commits, 1u);  // one fdatasync for all six
  EXPECT_EQ(node->height(), height_before + 1);   // and one block
  for (const uint64_t height : heights) EXPECT_EQ(height, height_before + 1);

  // A commit of small_commit_commands or more: the cycle after it starts at once, where the interval would hold
  // it for a second.
  std::vector<Command> big;
  for (int i = 0; i < 8; i++) big.push_back(issue(kFirstCustomer, 1, next_id++));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(node->submit(big, &result).is_ok());  // waits out the interval the small commit began
  const auto after_big = std::chrono::steady_clock::now();
  const std::vector<Command> next = {issue(kFirstCustomer, 1, next_id++)};
  ASSERT_TRUE(node->submit(next, &result).is_ok());
  const auto after_next = std::chrono::steady_clock::now();
  EXPECT_GE(after_big - start, std::chrono::milliseconds(300));
  EXPECT_LT(after_next - after_big, std::chrono::milliseconds(800));
  node->stop();
}

// A snapshot bigger than a part goes in a part per commit and counts only once whole: until then recovery uses an
// older one; a stop finishes it; parts left by a crash are pruned with the next snapshot that completes.
TEST(Journal, SnapshotWrittenInPartsCountsOnlyWhenWhole) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  NodeOptions options = small_options(temp.data());  // snapshots every 16 blocks
  options.snapshot_part_bytes = 64;
  uint64_t next_id = 1;
  auto node = open_node(options);
  journal_test::setup_ledger(node.get(), 8);
  EXPECT_EQ(node->journal_stats().snapshots, 0u);
  submit_blocks(node.get(), 16 - static_cast<int>(node->height()), 10, &next_id);  // the block at 16 is the last
  ASSERT_EQ(node->height(), 16u);
  const Node::JournalStats stats = node->journal_stats();
  EXPECT_EQ(stats.snapshots, 1u);
  EXPECT_GT(stats.snapshot_ns, 0u);
  EXPECT_EQ(stats.max_snapshot_ns, stats.snapshot_ns);
  int64_t parts = 0;
  int64_t bytes = 0;
  {
    Db db(temp.data());
    EXPECT_EQ(db.integer("SELECT count(*) FROM snapshots"), 0);  // a part is in, the snapshot is not
    EXPECT_EQ(db.integer("SELECT count(*) FROM snapshot_parts WHERE height = 16"), 1);
  }
  submit_blocks(node.get(), 2, 10, &next_id);  // a part more with each commit
  {
    Db db(temp.data());
    EXPECT_EQ(db.integer("SELECT count(*) FROM snapshot_parts WHERE height = 16"), 3);
  }
  node->stop();  // finishes the snapshot
  {
    Db db(temp.data());
    EXPECT_EQ(db.integer("SELECT count(*) FROM snapshots WHERE height = 16 AND length(body) = 0"), 1);
    parts = db.integer("SELECT count(*) FROM snapshot_parts WHERE height = 16");
    bytes = db.integer("SELECT sum(length(data)) FROM snapshot_parts WHERE height = 16");
    EXPECT_GT(parts, 3);
    EXPECT_EQ(parts, (bytes + 63) / 64);
    EXPECT_EQ(static_cast<uint64_t>(bytes), stats.snapshot_bytes);  // the gauge is the snapshot's whole size
    EXPECT_EQ(db.integer("SELECT max(length(data)) FROM snapshot_parts"), 64);
  }
  RecoveryReport report;
  node = open_node(options, &report);
  EXPECT_EQ(report.snapshot_height, 16u);
  EXPECT_EQ(report.replayed_blocks, 2u);
  const Hash256 state = state_hash_of(node.get());
  node->stop();
  VerifyReport verify;  // checks every snapshot, the one in parts included
  Status verified = verify_data_dir(temp.data(), "", &verify);
  ASSERT_TRUE(verified.is_ok()) << verified.message();
  EXPECT_EQ(verify.state_hash, state);

  // A changed part fails the digest: recovery falls back to genesis and verify names the snapshot.
  {
    Db db(temp.data());
    db.exec("UPDATE snapshot_parts SET data = zeroblob(64) WHERE height = 16 AND part = 1");
  }
  node = open_node(options, &report);
  EXPECT_EQ(report.snapshot_height, 0u);
  EXPECT_EQ(state_hash_of(node.get()), state);
  node->stop();
  verified = verify_data_dir(temp.data(), "", &verify);
  EXPECT_FALSE(verified.is_ok());
  EXPECT_NE(verified.message().find("snapshot at height 16"), std::string::npos) << verified.message();

  // As a crash mid-snapshot leaves it: parts and no row. Nothing uses them; the next snapshot to complete, and the
  // one after it that is due while it is still being written, clear them away.
  {
    Db db(temp.data());
    db.exec("DELETE FROM snapshots");
  }
  node = open_node(options, &report);
  EXPECT_EQ(report.snapshot_height, 0u);
  EXPECT_EQ(state_hash_of(node.get()), state);
  submit_blocks(node.get(), 48 - static_cast<int>(node->height()), 10, &next_id);
  ASSERT_EQ(node->height(), 48u);
  const Hash256 at_48 = state_hash_of(node.get());
  node->stop();
  {
    Db db(temp.data());
    EXPECT_EQ(db.integer("SELECT count(*) FROM snapshot_parts WHERE height = 16"), 0);
    EXPECT_EQ(db.integer("SELECT min(height) FROM snapshots"), 32);
    EXPECT_EQ(db.integer("SELECT max(height) FROM snapshots"), 48);
    EXPECT_EQ(db.integer("SELECT count(DISTINCT height) FROM snapshot_parts"), 2);
  }
  node = open_node(options, &report);
  EXPECT_EQ(report.snapshot_height, 48u);
  EXPECT_EQ(state_hash_of(node.get()), at_48);
  node->stop();
  verified = verify_data_dir(temp.data(), "", &verify);
  ASSERT_TRUE(verified.is_ok()) << verified.message();
}

// Corruption (a): the newest block's body is cut mid-record, as a torn write would leave it.
TEST(JournalCorruption, TailCutMidRecordIsTruncatedWithOneLine) {
  TempDir temp;
  uint64_t next_id = 1;
  const uint64_t newest = build_journal(temp.data(), 20, &next_id);
  {
    Db db(temp.data());
    db.exec("UPDATE blocks SET body = substr(body, 1, length(body) - 40) WHERE height = " + std::to_string(newest));
  }
  RecoveryReport report;
  std::unique_ptr<Node> node;
  const Status status = Node::open(small_options(temp.data()), &node, &report);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_TRUE(report.truncated_tail);
  EXPECT_EQ(report.height, newest - 1);
  EXPECT_EQ(node->height(), newest - 1);
  EXPECT_EQ(report.tail_message.find('\n'), std::string::npos);
  EXPECT_NE(report.tail_message.find("block " + std::to_string(newest) + " is corrupt"), std::string::npos)
      << report.tail_message;
  EXPECT_NE(report.tail_message.find("truncated the tail at height " + std::to_string(newest - 1)), std::string::npos)
      << report.tail_message;
  std::printf("%s\n", report.tail_message.c_str());

  // The chain goes on from the cut, and verifies.
  submit_blocks(node.get(), 2, 3, &next_id);
  EXPECT_EQ(node->height(), newest + 1);
  node->stop();
  VerifyReport verify;
  const Status verified = verify_data_dir(temp.data(), "", &verify);
  EXPECT_TRUE(verified.is_ok()) << verified.message();
}

TEST(JournalCorruption, TailWithBadSignatureIsTruncated) {
  TempDir temp;
  uint64_t next_id = 1;
  const uint64_t newest = build_journal(temp.data(), 20, &next_id);
  {
    Db db(temp.data());
    db.flip_byte(newest, kBlockHeaderSize + 9);
  }
  RecoveryReport report;
  auto node = open_node(small_options(temp.data()), &report);
  ASSERT_NE(node, nullptr);
  EXPECT_TRUE(report.truncated_tail);
  EXPECT_NE(report.tail_message.find("bad signature"), std::string::npos) << report.tail_message;
  EXPECT_EQ(node->height(), newest - 1);
}

// Rewrites block `height` with `mutate` applied to its header, re-hashed and re-signed with the operator's key,
// as an operator (or an attacker holding the key) could: only replay can catch what it claims.
template <typename Mutate>
void resign_block(const std::string& dir, uint64_t height, Mutate mutate) {
  journal_internal::OperatorKey key;
  ASSERT_TRUE(journal_internal::load_operator_key(dir, &key).is_ok());
  Db db(dir);
  Block block;
  ASSERT_TRUE(decode_block(db.body(height), &block).is_ok());
  mutate(&block.header);
  const Hash256 hash = block_hash(block.header);
  block.signature = journal_internal::sign_hash(key, hash);
  std::vector<uint8_t> bytes;
  encode_block(block, &bytes);
  db.set_body(height, bytes);
  db.set_hash(height, hash);
}

// A bad newest block found only after the engine applied it (its events root): it is cut and the engine is
// rebuilt without it.
TEST(JournalCorruption, TailWithWrongEventsRootIsTruncatedAfterReplay) {
  TempDir temp;
  uint64_t next_id = 1;
  const uint64_t newest = build_journal(temp.data(), 20, &next_id);
  Hash256 state_before;
  {
    NodeOptions options = small_options(temp.data());
    // The state one block before the tail, from a journal cut there by hand in a copy.
    TempDir copy;
    std::filesystem::copy(temp.data(), copy.data(), std::filesystem::copy_options::recursive);
    {
      Db db(copy.data());
      db.exec("DELETE FROM blocks WHERE height = " + std::to_string(newest));
      db.exec("DELETE FROM snapshots WHERE height >= " + std::to_string(newest));
    }
    options.data_dir = copy.data();
    auto node = open_node(options);
    state_before = state_hash_of(node.get());
  }
  resign_block(temp.data(), newest, [](BlockHeader* header) { header->events_root.bytes[0] ^= 1; });
  RecoveryReport report;
  auto node = open_node(small_options(temp.data()), &report);
  ASSERT_NE(node, nullptr);
  EXPECT_TRUE(report.truncated_tail);
  EXPECT_NE(report.tail_message.find("events root mismatch"), std::string::npos) << report.tail_message;
  EXPECT_EQ(node->height(), newest - 1);
  EXPECT_EQ(state_hash_of(node.get()), state_before);
}

// A re-signed middle block whose recorded state hash is wrong: only replay sees it; the open fails naming it.
TEST(JournalCorruption, WrongStateHashInMiddleBlockFailsNamingIt) {
  TempDir temp;
  uint64_t next_id = 1;
  const uint64_t newest = build_journal(temp.data(), 20, &next_id);
  const uint64_t bad = 12;  // state hashes every 4 blocks
  ASSERT_LT(bad, newest);
  resign_block(temp.data(), bad, [](BlockHeader* header) { header->state_hash.bytes[5] ^= 1; });
  // The next block must still link to the rewritten one for the state hash to be what fails.
  resign_block(temp.data(), bad + 1, [&](BlockHeader* header) {
    Db db(temp.data());
    Block rewritten;
    ASSERT_TRUE(decode_block(db.body(bad), &rewritten).is_ok());
    header->prev_hash = block_hash(rewritten.header);
  });
  std::unique_ptr<Node> node;
  RecoveryReport report;
  NodeOptions options = small_options(temp.data());
  {
    Db db(temp.data());
    db.exec("DELETE FROM snapshots");  // replay from genesis, through the bad block
  }
  const Status status = Node::open(options, &node, &report);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("block 12 is corrupt (state hash mismatch)"), std::string::npos) << status.message();
}

// The newest block carries the newest snapshot and is corrupt: the snapshot is not trusted, the block is cut,
// and the snapshot goes with it.
TEST(JournalCorruption, CorruptTailAtASnapshotHeightDropsThatSnapshot) {
  TempDir temp;
  uint64_t next_id = 1;
  const uint64_t newest = build_journal(temp.data(), 15, &next_id);
  ASSERT_EQ(newest, 16u);  // a snapshot height
  {
    Db db(temp.data());
    EXPECT_EQ(db.integer("SELECT max(height) FROM snapshots"), 16);
    db.flip_byte(newest, kBlockHeaderSize + 1);
  }
  RecoveryReport report;
  auto node = open_node(small_options(temp.data()), &report);
  ASSERT_NE(node, nullptr);
  EXPECT_TRUE(report.truncated_tail);
  EXPECT_EQ(report.snapshot_height, 0u);
  EXPECT_EQ(report.height, 15u);
  node->stop();
  Db db(temp.data());
  EXPECT_EQ(db.integer("SELECT count(*) FROM snapshots WHERE height >= 16"), 0);
  VerifyReport verify;
  const Status verified = verify_data_dir(temp.data(), "", &verify);
  EXPECT_TRUE(verified.is_ok()) << verified.message();
}

void expect_middle_corruption_named(const std::string& dir, uint64_t bad_height, const char* reason) {
  std::unique_ptr<Node> node;
  RecoveryReport report;
  const Status status = Node::open(small_options(dir), &node, &report);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("block " + std::to_string(bad_height) + " is "), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find(reason), std::string::npos) << status.message();
  std::printf("%s\n", status.message().c_str());
  VerifyReport verify;
  const Status verified = verify_data_dir(dir, "", &verify);
  ASSERT_FALSE(verified.is_ok());
  EXPECT_NE(verified.message().find("block " + std::to_string(bad_height) + " "), std::string::npos)
      << verified.message();
  EXPECT_NE(verified.message().find(reason), std::string::npos) << verified.message();
  std::printf("%s\n", verified.message().c_str());
  // Nothing was cut: the journal still holds every block.
  Db db(dir);
  EXPECT_GT(db.integer("SELECT max(height) FROM blocks"), static_cast<int64_t>(bad_height));
}

// Corruption (b): a flipped byte in a middle block (a transfer amount) stops the start and names the block.
TEST(JournalCorruption, FlippedByteInMiddleBlockFailsOpenAndVerifyNamingIt) {
  TempDir temp;
  uint64_t next_id = 1;
  const uint64_t newest = build_journal(temp.data(), 20, &next_id);
  const uint64_t bad = newest - 2;  // after the newest snapshot (16), so the open replays it
  {
    Db db(temp.data());
    db.flip_byte(bad, kCommandsOffset + 2 * kCommandSize + 40);  // third command's amount_minor
  }
  expect_middle_corruption_named(temp.data(), bad, "commands root mismatch");
}

TEST(JournalCorruption, FlippedHeaderByteInMiddleBlockFailsNamingIt) {
  TempDir temp;
  uint64_t next_id = 1;
  const uint64_t newest = build_journal(temp.data(), 20, &next_id);
  const uint64_t bad = newest - 3;
  {
    Db db(temp.data());
    db.flip_byte(bad, 100);  // inside events_root
  }
  expect_middle_corruption_named(temp.data(), bad, "block hash mismatch");
}

// Corruption (c): a wrong signature on a middle block.
TEST(JournalCorruption, WrongSignatureInMiddleBlockFailsOpenAndVerifyNamingIt) {
  TempDir temp;
  uint64_t next_id = 1;
  const uint64_t newest = build_journal(temp.data(), 20, &next_id);
  const uint64_t bad = newest - 4;  // after the newest snapshot (16)
  {
    Db db(temp.data());
    db.flip_byte(bad, kBlockHeaderSize + 17);
  }
  expect_middle_corruption_named(temp.data(), bad, "bad signature");
}

// The open starts from the newest snapshot and does not re-read the blocks below it; verify does.
TEST(JournalCorruption, CorruptionBelowTheSnapshotIsFoundByVerify) {
  TempDir temp;
  uint64_t next_id = 1;
  build_journal(temp.data(), 20, &next_id);  // snapshot at 16
  {
    Db db(temp.data());
    db.flip_byte(9, kBlockHeaderSize + 3);
  }
  RecoveryReport report;
  auto node = open_node(small_options(temp.data()), &report);
  EXPECT_EQ(report.snapshot_height, 16u);
  node->stop();
  VerifyReport verify;
  const Status verified = verify_data_dir(temp.data(), "", &verify);
  ASSERT_FALSE(verified.is_ok());
  EXPECT_NE(verified.message().find("block 9 is corrupt (bad signature)"), std::string::npos) << verified.message();
}

TEST(JournalCorruption, MissingMiddleBlockFailsNamingIt) {
  TempDir temp;
  uint64_t next_id = 1;
  const uint64_t newest = build_journal(temp.data(), 20, &next_id);
  {
    Db db(temp.data());
    db.exec("DELETE FROM blocks WHERE height = " + std::to_string(newest - 2));
  }
  expect_middle_corruption_named(temp.data(), newest - 2, "missing");
}

TEST(JournalCorruption, VerifyWithAnotherKeyFailsAtGenesis) {
  TempDir temp;
  uint64_t next_id = 1;
  build_journal(temp.data(), 3, &next_id);
  VerifyReport verify;
  const Status status = verify_data_dir(temp.data(), std::string(64, '7'), &verify);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("block 0 is corrupt (bad signature)"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace qz

namespace qz {
namespace {

using journal_test::issue;
using journal_test::kFirstCustomer;
using journal_test::TempDir;

// Runs `threads` submitters until each gets an error; returns every acknowledged request id and the errors.
struct SubmitStorm {
  std::vector<std::vector<uint64_t>> acked;
  std::vector<std::string> errors;
};

SubmitStorm storm(Node* node, int threads, int max_submits, std::atomic<bool>* go_on) {
  SubmitStorm result;
  result.acked.resize(static_cast<size_t>(threads));
  result.errors.resize(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; t++) {
    workers.emplace_back([&, t] {
      uint64_t counter = 0;
      for (int s = 0; s < max_submits && go_on->load(); s++) {
        std::vector<Command> commands;
        for (int i = 0; i < 16; i++) {
          commands.push_back(issue(kFirstCustomer + static_cast<uint64_t>(i % 8), 1 + i,
                                   (static_cast<uint64_t>(t + 1) << 32) | ++counter));
        }
        SubmitResult submitted;
        const Status status = node->submit(commands, &submitted);
        if (!status.is_ok()) {
          result.errors[static_cast<size_t>(t)] = status.message();
          return;
        }
        for (const Command& command : commands) result.acked[static_cast<size_t>(t)].push_back(command.request_id);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  return result;
}

void expect_all_present(const std::string& dir, const SubmitStorm& storm_result) {
  NodeOptions options;
  options.data_dir = dir;
  std::unique_ptr<Node> node;
  RecoveryReport report;
  const Status opened = Node::open(options, &node, &report);
  ASSERT_TRUE(opened.is_ok()) << opened.message();
  node->with_engine([&](const Engine& engine) {
    for (const auto& ids : storm_result.acked) {
      for (uint64_t id : ids) ASSERT_NE(engine.requests().find(0, id), nullptr) << "acknowledged " << id << " lost";
    }
    EXPECT_EQ(engine.check_invariants(), "");
  });
  node->stop();
  VerifyReport verify;
  const Status verified = verify_data_dir(dir, "", &verify);
  EXPECT_TRUE(verified.is_ok()) << verified.message();
}

// Graceful stop while many threads submit: every submit either is acknowledged (and durable) or is told the
// node is stopping; nothing hangs.
TEST(JournalNode, StopWhileSubmittingDrainsEverything) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  NodeOptions options;
  options.data_dir = temp.data();
  options.max_block_commands = 128;
  std::unique_ptr<Node> node;
  RecoveryReport report;
  ASSERT_TRUE(Node::open(options, &node, &report).is_ok());
  journal_test::setup_ledger(node.get(), 8);
  std::atomic<bool> go_on{true};
  SubmitStorm result;
  std::thread submitters([&] { result = storm(node.get(), 12, 1'000'000, &go_on); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  node->stop();
  submitters.join();
  size_t acked = 0;
  for (size_t t = 0; t < result.errors.size(); t++) {
    EXPECT_NE(result.errors[t].find("stopping"), std::string::npos) << result.errors[t];
    acked += result.acked[t].size();
  }
  EXPECT_GT(acked, 0u);
  node.reset();
  expect_all_present(temp.data(), result);
}

// A disk error (the WAL cannot grow past RLIMIT_FSIZE) fails the commit: that batch and every later submit
// get the error, acknowledged commands stay durable, and a reopen recovers.
TEST(JournalNode, DiskErrorFailsPendingAndLaterSubmits) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  NodeOptions options;
  options.data_dir = temp.data();
  options.max_block_commands = 256;
  std::unique_ptr<Node> node;
  RecoveryReport report;
  ASSERT_TRUE(Node::open(options, &node, &report).is_ok());
  journal_test::setup_ledger(node.get(), 8);

  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto* previous_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limited = saved;
  limited.rlim_cur = 4u << 20;  // the WAL may grow to 4 MiB, then writes fail with EFBIG
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  std::atomic<bool> go_on{true};
  const SubmitStorm result = storm(node.get(), 8, 100'000, &go_on);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  ::signal(SIGXFSZ, previous_handler);

  for (const std::string& error : result.errors) {
    EXPECT_NE(error.find("journal: writing block"), std::string::npos) << error;
  }
  SubmitResult later;
  const Command command = issue(kFirstCustomer, 1, 999);
  const Status after = node->submit(std::span<const Command>(&command, 1), &later);
  ASSERT_FALSE(after.is_ok());
  EXPECT_NE(after.message().find("failed"), std::string::npos) << after.message();
  std::printf("%s\n", after.message().c_str());
  node->stop();
  node.reset();
  expect_all_present(temp.data(), result);
}

// submit_async: every callback runs exactly once, after its block is durable, with the events of exactly its
// commands; the durable listener sees every block in height order before any of its submitters hears back; and
// the callbacks run between before_callbacks and after_callbacks, on the thread that calls them.
TEST(Journal, AsyncSubmitAnswersOnceWhenDurableAndAfterTheListener) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  NodeOptions options = small_options(temp.data());
  std::mutex mutex;
  std::vector<uint64_t> listened;  // heights, in the order the listener saw them
  uint64_t listened_commands = 0;
  options.on_durable = [&](const Block& block, std::span<const Event> events) {
    std::lock_guard guard(mutex);
    listened.push_back(block.header.height);
    listened_commands += block.commands.size();
    EXPECT_GE(events.size(), block.commands.size());
  };
  std::atomic<bool> bracketed{false};  // between before_callbacks and after_callbacks
  std::atomic<std::thread::id> bracket_thread{};
  std::atomic<int> brackets{0};
  options.before_callbacks = [&] {
    EXPECT_FALSE(bracketed.exchange(true));
    bracket_thread.store(std::this_thread::get_id());
  };
  options.after_callbacks = [&] {
    EXPECT_TRUE(bracketed.exchange(false));
    EXPECT_EQ(bracket_thread.load(), std::this_thread::get_id());
    brackets.fetch_add(1);
  };
  auto node = open_node(options);
  journal_test::setup_ledger(node.get(), 4);

  constexpr int kSubmits = 400;
  std::atomic<int> answered{0};
  std::vector<int> calls(kSubmits, 0);
  std::vector<uint64_t> heights(kSubmits, 0);
  for (int s = 0; s < kSubmits; s++) {
    std::vector<Command> commands = {issue(kFirstCustomer + static_cast<uint64_t>(s % 4), 10 + s, 1 + 2 * uint64_t(s)),
                                     issue(kFirstCustomer, 1, 2 + 2 * uint64_t(s))};
    node->submit_async(std::move(commands), [&, s](const Status& status, SubmitResult&& result) {
      EXPECT_TRUE(status.is_ok()) << status.message();
      ASSERT_EQ(result.events.size(), 2u);
      EXPECT_EQ(result.events[0].event_kind(), EventKind::transfer_posted);
      EXPECT_EQ(result.events[0].transfer_posted.amount_minor, 10 + s);
      EXPECT_EQ(result.events[1].command_index, result.first_command_index + 1);
      {
        std::lock_guard guard(mutex);
        calls[static_cast<size_t>(s)]++;
        heights[static_cast<size_t>(s)] = result.height;
        // The listener has seen this block already.
        EXPECT_NE(std::find(listened.begin(), listened.end(), result.height), listened.end());
      }
      EXPECT_TRUE(bracketed.load());
      EXPECT_EQ(bracket_thread.load(), std::this_thread::get_id());
      answered.fetch_add(1);
    });
  }
  for (int spin = 0; answered.load() < kSubmits && spin < 10'000; spin++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(answered.load(), kSubmits);
  const uint64_t height = node->height();
  node->stop();
  EXPECT_FALSE(bracketed.load());
  EXPECT_GE(brackets.load(), 1);
  EXPECT_LE(brackets.load(), static_cast<int>(height));  // one a commit, and a commit has a block at least
  for (int s = 0; s < kSubmits; s++) {
    EXPECT_EQ(calls[static_cast<size_t>(s)], 1);
    EXPECT_LE(heights[static_cast<size_t>(s)], height);
  }
  // Every block from the first after genesis, once, in order.
  ASSERT_FALSE(listened.empty());
  for (size_t i = 0; i < listened.size(); i++) EXPECT_EQ(listened[i], i + 1);
  EXPECT_EQ(listened.back(), height);
  EXPECT_EQ(listened_commands, 2u * kSubmits + 2 + 4);  // the set-up: asset, issuance account, 4 customers

  auto reopened = open_node(small_options(temp.data()));
  reopened->with_engine([&](const Engine& engine) {
    for (int s = 0; s < kSubmits; s++) EXPECT_NE(engine.requests().find(0, 1 + 2 * uint64_t(s)), nullptr);
  });
}

TEST(Journal, AsyncSubmitRefusalsAnswerAtOnce) {
  TempDir temp;
  ASSERT_TRUE(journal_test::init_dir(temp.data()).is_ok());
  auto node = open_node(small_options(temp.data()));
  std::vector<std::string> errors;
  const auto collect = [&](const Status& status, SubmitResult&& result) {
    EXPECT_FALSE(status.is_ok());
    EXPECT_TRUE(result.events.empty());
    errors.push_back(status.message());
  };
  node->submit_async({}, collect);
  node->submit_async(std::vector<Command>(65, make_transfer(1, 2, 1)), collect);
  Command open_group = make_transfer(1, 2, 1);
  open_group.flags = kFlagLinked;
  node->submit_async({open_group}, collect);
  node->stop();
  node->submit_async({make_create_asset("KZT", 2)}, collect);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_NE(errors[0].find("at least one"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("max_block_commands"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("linked"), std::string::npos) << errors[2];
  EXPECT_NE(errors[3].find("stopping"), std::string::npos) << errors[3];
}

}  // namespace
}  // namespace qz
