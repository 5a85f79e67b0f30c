// Crash test: a child process (journal_crash_child) submits transfers from several threads and records each
// acknowledged request id; the parent kills it with SIGKILL at random moments, reopens the journal after
// every kill and checks that every acknowledged command is there, the engine's invariants hold and
// verify_data_dir passes. The seed of the kill schedule is printed; QZ_CRASH_SEED=N repeats a schedule.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/prng.h"
#include "journal/journal.h"
#include "journal_test_util.h"

#ifndef QZ_JOURNAL_CRASH_CHILD
#error "QZ_JOURNAL_CRASH_CHILD must name the journal_crash_child executable"
#endif

namespace qz {
namespace {

constexpr int kRounds = 24;
constexpr int kChildThreads = 6;
constexpr uint32_t kCustomers = 64;

std::vector<uint64_t> read_acks(const std::string& path) {
  // A kill can cut the child's last write short; only whole 8-byte records count, and the file is trimmed to
  // them so that the next child's records stay aligned.
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t whole = bytes.size() / 8 * 8;
  if (whole != bytes.size()) {
    EXPECT_EQ(::truncate(path.c_str(), static_cast<off_t>(whole)), 0);
  }
  std::vector<uint64_t> ids;
  for (size_t at = 0; at < whole; at += 8) {
    uint64_t id = 0;
    for (int b = 7; b >= 0; b--) id = (id << 8) | bytes[at + static_cast<size_t>(b)];
    ids.push_back(id);
  }
  return ids;
}

off_t file_size(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? info.st_size : 0;
}

uint64_t monotonic_ms() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000u + static_cast<uint64_t>(now.tv_nsec) / 1'000'000u;
}

TEST(JournalCrash, KillNineNeverLosesAnAcknowledgedCommand) {
  uint64_t seed = 0;
  if (const char* fixed = std::getenv("QZ_CRASH_SEED")) {
    seed = std::strtoull(fixed, nullptr, 10);
  } else {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    seed = static_cast<uint64_t>(now.tv_nsec) ^ (static_cast<uint64_t>(now.tv_sec) << 20);
  }
  std::printf("crash test seed %llu (repeat with QZ_CRASH_SEED=%llu)\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  Prng prng(seed);

  journal_test::TempDir temp;
  const std::string dir = temp.data();
  const std::string acks = temp.path() + "/acks.bin";
  ASSERT_TRUE(journal_test::init_dir(dir).is_ok());
  NodeOptions options;
  options.data_dir = dir;
  options.max_block_commands = 512;
  options.state_hash_every_blocks = 4;
  options.snapshot_every_blocks = 32;
  {
    std::unique_ptr<Node> node;
    RecoveryReport report;
    ASSERT_TRUE(Node::open(options, &node, &report).is_ok());
    journal_test::setup_ledger(node.get(), kCustomers);
  }

  const uint64_t started_ms = monotonic_ms();
  int busy_rounds = 0;
  size_t previous_acks = 0;
  off_t previous_ack_bytes = 0;
  uint64_t previous_height = 0;
  for (int round = 0; round < kRounds; round++) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const std::string run = std::to_string(round), threads = std::to_string(kChildThreads),
                        customers = std::to_string(kCustomers);
      const char* args[] = {QZ_JOURNAL_CRASH_CHILD, dir.c_str(), acks.c_str(), run.c_str(), threads.c_str(),
                            customers.c_str(), nullptr};
      ::execv(args[0], const_cast<char* const*>(args));
      std::_Exit(127);
    }
    // One kill in five lands early (often during the child's own recovery); the others once the child is
    // acknowledging commands (its ack file grew), after a further random delay, so that they hit it under load
    // however slow the machine is.
    const uint64_t spawned_ms = monotonic_ms();
    const bool early = round % 5 == 4;
    if (!early) {
      while (file_size(acks) <= previous_ack_bytes && monotonic_ms() - spawned_ms < 10'000) ::usleep(1000);
    }
    const auto delay_ms = early ? prng.range(1, 30) : prng.range(0, 250);
    ::usleep(static_cast<useconds_t>(delay_ms * 1000));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    const uint64_t killed_after_ms = monotonic_ms() - spawned_ms;
    int wait_status = 0;
    ASSERT_EQ(::waitpid(pid, &wait_status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
        << "round " << round << ": the child ended on its own (exit status "
        << (WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1) << ") before the kill";

    const std::vector<uint64_t> acked = read_acks(acks);
    previous_ack_bytes = file_size(acks);
    std::unique_ptr<Node> node;
    RecoveryReport report;
    const Status opened = Node::open(options, &node, &report);
    ASSERT_TRUE(opened.is_ok()) << "round " << round << ": " << opened.message();
    EXPECT_FALSE(report.truncated_tail) << report.tail_message;  // SQLite commits are atomic: no torn tail
    EXPECT_GE(report.height, previous_height);
    size_t missing = 0;
    node->with_engine([&](const Engine& engine) {
      for (uint64_t id : acked) {
        const RequestEntry* entry = engine.requests().find(0, id);
        if (entry == nullptr) {
          if (missing++ < 5) {
            ADD_FAILURE() << "round " << round << ": acknowledged request " << id << " is missing";
          }
        } else {
          EXPECT_EQ(entry->result, 0u) << "request " << id;
        }
      }
      EXPECT_EQ(engine.check_invariants(), "") << "round " << round;
    });
    EXPECT_EQ(missing, 0u) << "round " << round;
    node->stop();
    node.reset();
    VerifyReport verify;
    const Status verified = verify_data_dir(dir, "", &verify);
    ASSERT_TRUE(verified.is_ok()) << "round " << round << ": " << verified.message();
    EXPECT_EQ(verify.height, report.height);

    std::printf("round %2d: killed %s after %4llu ms; height %llu (snapshot %llu, replayed %llu blocks); %zu acked "
                "(+%zu)\n",
                round, early ? "early" : "busy ", static_cast<unsigned long long>(killed_after_ms),
                static_cast<unsigned long long>(report.height),
                static_cast<unsigned long long>(report.snapshot_height),
                static_cast<unsigned long long>(report.replayed_blocks), acked.size(), acked.size() - previous_acks);
    if (!early) {
      busy_rounds++;
      EXPECT_GT(acked.size(), previous_acks) << "round " << round << ": the child never acknowledged a command";
    }
    previous_acks = acked.size();
    previous_height = report.height;
  }
  std::printf("%d kills (%d under load) in %llu ms; %zu acknowledged commands checked\n", kRounds, busy_rounds,
              static_cast<unsigned long long>(monotonic_ms() - started_ms), previous_acks);
  EXPECT_GE(busy_rounds, 19);
}

}  // namespace
}  // namespace qz
