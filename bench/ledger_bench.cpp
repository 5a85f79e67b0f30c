// The ledger and journal benchmarks behind `qazna bench ledger` (contract in ledger_bench.h, how to run and
// results in docs/benchmarks.md).
//
// bench/ is not core: it reads the steady clock, starts threads and touches files. What it measures is the
// core (Engine::apply) and the journal (Node::submit, Node::open). Every workload is generated from the seed
// before the clock starts, so two runs with the same options apply the same commands and must reach the same
// state hash; that equality is one of the checks.
#include "ledger_bench.h"

#include <malloc.h>
#include <stdlib.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/prng.h"
#include "base/result.h"
#include "base/role.h"
#include "engine/command.h"
#include "engine/engine.h"
#include "engine/event.h"
#include "journal/journal.h"

namespace qz::bench {

namespace {

using SteadyClock = std::chrono::steady_clock;

// The workload's money: one asset, every customer funded from the issuance account, transfers small enough
// that a random walk of a few thousand of them never empties an account (so nearly all are posted).
constexpr char kAssetCode[] = "KZT";
constexpr uint8_t kAssetScale = 2;
constexpr int64_t kFundingMinor = 100'000'000;    // 1,000,000.00 KZT per customer account
constexpr int64_t kMaxTransferMinor = 10'000;     // transfers of 0.01 .. 100.00 KZT
constexpr uint64_t kBlockTimeStepNs = 1'000'000;  // in-memory blocks are 1 ms apart
constexpr uint64_t kFirstBlockTimeNs = 1'700'000'000'000'000'000ull;
// "Snapshots disabled" for the durable run: the open that follows must replay every block.
constexpr uint64_t kNoSnapshots = 1ull << 62;

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// 20000000 -> "20,000,000".
std::string grouped(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); i++) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string grouped_rate(double per_second) { return grouped(static_cast<uint64_t>(per_second + 0.5)); }

std::string short_hash(const Hash256& hash) { return hash.hex().substr(0, 16); }

// Collects the failures of one part; each is printed as it happens and the part reports ok or FAILED.
class Checks {
 public:
  void fail(const std::string& message) {
    std::printf("  check FAILED: %s\n", message.c_str());
    std::fflush(stdout);
    failures_++;
  }
  void expect(bool condition, const std::string& message) {
    if (!condition) fail(message);
  }
  bool ok() const { return failures_ == 0; }
  void print_summary(const char* part) const {
    if (ok()) {
      std::printf("  %s check: ok\n", part);
    } else {
      std::printf("  %s check: FAILED (%d problems)\n", part, failures_);
    }
    std::fflush(stdout);
  }

 private:
  int failures_ = 0;
};

// Account ids of the workload: the issuance account and a contiguous range of customer accounts whose owner
// user ids are 1..count (customer i has id first_customer + i and owner i + 1).
struct Accounts {
  uint64_t issuance = 0;
  uint64_t first_customer = 0;
  uint64_t count = 0;
  uint64_t owner_of(uint64_t account_id) const { return account_id - first_customer + 1; }
};

// Setup commands on an empty engine: the asset, the issuance account, `count` customer accounts and a funding
// transfer to each. On a fresh engine (and after a genesis block with no commands) the ids are the ones in
// expected_accounts().
std::vector<Command> setup_commands(uint64_t count) {
  std::vector<Command> commands;
  commands.reserve(2 + 2 * count);
  commands.push_back(make_create_asset(kAssetCode, kAssetScale));
  commands.push_back(make_open_account(0, 1, AccountKind::issuance));
  for (uint64_t i = 0; i < count; i++) commands.push_back(make_open_account(i + 1, 1, AccountKind::customer));
  for (uint64_t i = 0; i < count; i++) commands.push_back(make_transfer(1, 2 + i, kFundingMinor));
  return commands;
}

Accounts expected_accounts(uint64_t count) { return Accounts{.issuance = 1, .first_customer = 2, .count = count}; }

// One random customer->customer transfer ordered by the debit account's owner. `sequence` (0-based, unique
// within the workload) becomes the request id when this transfer is chosen to carry one.
Command random_transfer(Prng* prng, const Accounts& accounts, uint32_t request_id_percent, uint64_t sequence) {
  const uint64_t debit = prng->below(accounts.count);
  uint64_t credit = prng->below(accounts.count - 1);
  if (credit >= debit) credit++;
  const int64_t amount_minor = prng->range(1, kMaxTransferMinor);
  Command command =
      make_transfer(accounts.first_customer + debit, accounts.first_customer + credit, amount_minor);
  command.role = static_cast<uint8_t>(Role::customer);
  command.actor = accounts.owner_of(command.transfer.debit);
  if (request_id_percent != 0 && prng->below(100) < request_id_percent) command.request_id = sequence + 1;
  return command;
}

// Applies `commands` in blocks of `block_commands`, each block 1 ms after the previous one.
void apply_in_blocks(Engine* engine, std::span<const Command> commands, uint32_t block_commands,
                     std::vector<Event>* events) {
  for (size_t first = 0; first < commands.size(); first += block_commands) {
    const size_t n = std::min<size_t>(block_commands, commands.size() - first);
    const uint64_t height = engine->next_height();
    engine->apply(BlockInput{.height = height, .time_ns = kFirstBlockTimeNs + height * kBlockTimeStepNs,
                             .commands = commands.subspan(first, n)},
                  events);
  }
}

// Tally of what a run's events said.
struct Tally {
  uint64_t posted = 0;
  uint64_t rejected_insufficient = 0;
  uint64_t other = 0;  // any other kind or code: never expected by these workloads
  std::string first_other;

  void add(const Event& event) {
    if (event.event_kind() == EventKind::transfer_posted && event.result_code() == Result::ok) {
      posted++;
    } else if (event.event_kind() == EventKind::rejected && event.result_code() == Result::insufficient_funds) {
      rejected_insufficient++;
    } else {
      if (other == 0) {
        first_other = std::string(event_kind_name(event.event_kind())) + "/" + result_name(event.result_code());
      }
      other++;
    }
  }
};

// Sum of the totals of the customer accounts, and the issuance account's total, must be +-count * funding
// (transfers only move money between customers).
void check_conservation(const Engine& engine, const Accounts& accounts, Checks* checks) {
  int64_t customers_minor = 0;
  for (uint64_t i = 0; i < accounts.count; i++) {
    const Account* account = engine.ledger().account(accounts.first_customer + i);
    if (account == nullptr) {
      checks->fail("customer account " + std::to_string(accounts.first_customer + i) + " is missing");
      return;
    }
    customers_minor += account->total_minor;
  }
  const int64_t funded_minor = static_cast<int64_t>(accounts.count) * kFundingMinor;
  const Account* issuance = engine.ledger().account(accounts.issuance);
  checks->expect(customers_minor == funded_minor, "customer balances sum to " + std::to_string(customers_minor) +
                                                      ", funded " + std::to_string(funded_minor));
  checks->expect(issuance != nullptr && issuance->total_minor == -funded_minor,
                 "issuance account does not carry minus the funded amount");
}

void check_engine(const Engine& engine, Checks* checks) {
  const std::string problem = engine.check_invariants();
  checks->expect(problem.empty(), "invariants: " + problem);
}

// ---------------------------------------------------------------------------------------------------------------
// Part 1: in memory.

bool run_in_memory(const LedgerBenchOptions& options) {
  Checks checks;
  const uint32_t block = options.block_commands;
  const uint64_t blocks = (options.transfers + block - 1) / block;
  std::printf("\n[in_memory] Engine::apply, one thread\n");
  std::printf("  workload: %s customer accounts (1 asset %s, scale %u, each funded %s minor), %s random "
              "customer->customer transfers of 1..%s minor, actor = debit owner (role customer)\n",
              grouped(options.accounts).c_str(), kAssetCode, kAssetScale, grouped(kFundingMinor).c_str(),
              grouped(options.transfers).c_str(), grouped(kMaxTransferMinor).c_str());
  std::printf("  blocks of %s commands (%s blocks), seed %" PRIu64 ", request ids on %u%% of transfers, %u timed "
              "runs on fresh engines (+1 untimed checking run; timed engines sized at start-up for the run's "
              "request ids)\n",
              grouped(block).c_str(), grouped(blocks).c_str(), options.seed, options.request_id_percent,
              options.runs);
  std::fflush(stdout);

  const std::vector<Command> setup = setup_commands(options.accounts);
  const Accounts accounts = expected_accounts(options.accounts);
  std::vector<Command> transfers;
  transfers.reserve(options.transfers);
  Prng prng(options.seed);
  uint64_t with_request_id = 0;
  for (uint64_t i = 0; i < options.transfers; i++) {
    transfers.push_back(random_transfer(&prng, accounts, options.request_id_percent, i));
    if (transfers.back().request_id != 0) with_request_id++;
  }
  std::printf("  generated: %s transfers, %s with request ids, %s MB of commands\n",
              grouped(transfers.size()).c_str(), grouped(with_request_id).c_str(),
              grouped(transfers.size() * sizeof(Command) >> 20).c_str());

  // Checking run (untimed): every event is looked at.
  Hash256 expected_hash;
  uint64_t expected_next_transfer = 0;
  {
    Engine engine;
    std::vector<Event> events;
    apply_in_blocks(&engine, setup, block, &events);
    uint64_t setup_ok = 0;
    for (const Event& event : events) {
      if (event.result_code() == Result::ok) setup_ok++;
    }
    checks.expect(setup_ok == setup.size(), "setup: " + std::to_string(setup.size() - setup_ok) + " commands failed");
    Tally tally;
    uint64_t events_seen = 0;
    for (size_t first = 0; first < transfers.size(); first += block) {
      const size_t n = std::min<size_t>(block, transfers.size() - first);
      events.clear();
      const uint64_t height = engine.next_height();
      engine.apply(BlockInput{.height = height, .time_ns = kFirstBlockTimeNs + height * kBlockTimeStepNs,
                              .commands = std::span<const Command>(transfers).subspan(first, n)},
                   &events);
      events_seen += events.size();
      for (const Event& event : events) tally.add(event);
    }
    checks.expect(events_seen == transfers.size(), "expected one event per transfer, got " +
                                                       std::to_string(events_seen));
    checks.expect(tally.other == 0, std::to_string(tally.other) + " unexpected events, first " + tally.first_other);
    checks.expect(engine.requests().size() == with_request_id, "request table holds " +
                                                                   std::to_string(engine.requests().size()) +
                                                                   " entries, expected " +
                                                                   std::to_string(with_request_id));
    check_engine(engine, &checks);
    check_conservation(engine, accounts, &checks);
    expected_hash = engine.state_hash();
    expected_next_transfer = engine.ledger().next_transfer_id();
    std::printf("  checking run: %s posted, %s rejected (insufficient_funds), %s other; state hash %s\n",
                grouped(tally.posted).c_str(), grouped(tally.rejected_insufficient).c_str(),
                grouped(tally.other).c_str(), short_hash(expected_hash).c_str());
  }

  // Timed runs: one clock pair around all the blocks of a run; nothing else inside but clearing the events.
  std::vector<double> run_seconds;
  // Sized at start-up like a venue would be: room for every request id the run will remember.
  const LedgerLimits limits{.reserved_request_ids = with_request_id};
  for (uint32_t run = 0; run < options.runs; run++) {
    Engine engine(limits);
    std::vector<Event> events;
    apply_in_blocks(&engine, setup, block, &events);
    events.clear();
    events.reserve(block);
    const std::span<const Command> all(transfers);
    const SteadyClock::time_point start = SteadyClock::now();
    for (size_t first = 0; first < all.size(); first += block) {
      const size_t n = std::min<size_t>(block, all.size() - first);
      events.clear();
      const uint64_t height = engine.next_height();
      engine.apply(BlockInput{.height = height, .time_ns = kFirstBlockTimeNs + height * kBlockTimeStepNs,
                              .commands = all.subspan(first, n)},
                   &events);
    }
    const double seconds = std::max(seconds_since(start), 1e-9);
    run_seconds.push_back(seconds);
    const Hash256 hash = engine.state_hash();
    checks.expect(hash == expected_hash, "run " + std::to_string(run + 1) + ": state hash " + hash.hex() +
                                             " differs from the checking run's " + expected_hash.hex());
    checks.expect(engine.ledger().next_transfer_id() == expected_next_transfer,
                  "run " + std::to_string(run + 1) + ": a different number of transfers was posted");
    check_engine(engine, &checks);
    std::printf("  run %u: %.3f s, %s transfers/s, state hash %s\n", run + 1, seconds,
                grouped_rate(static_cast<double>(options.transfers) / seconds).c_str(), short_hash(hash).c_str());
    std::fflush(stdout);
  }

  if (!run_seconds.empty() && options.transfers != 0) {
    std::vector<double> sorted = run_seconds;
    std::sort(sorted.begin(), sorted.end());
    const double median = sorted[sorted.size() / 2];
    const double rate = static_cast<double>(options.transfers) / median;
    std::printf("  RESULT in_memory: %s transfers/s (median of %zu), %.1f ns/transfer; target >= 5,000,000/s: "
                "%s\n",
                grouped_rate(rate).c_str(), sorted.size(), median * 1e9 / static_cast<double>(options.transfers),
                options.smoke ? "not judged at smoke size" : rate >= 5e6 ? "met" : "MISSED");
  }
  checks.print_summary("in_memory");
  return checks.ok();
}

// ---------------------------------------------------------------------------------------------------------------
// Parts 2 and 3: durable, then replay.

// What the durable part left behind for the replay part to compare against.
struct DurableState {
  uint64_t height = 0;
  Hash256 last_hash;
  Hash256 state_hash;
  uint64_t total_commands = 0;  // setup + workload, every block since genesis
};

std::string filesystem_of(const std::string& path) {
  struct statfs info {};
  if (statfs(path.c_str(), &info) != 0) return "unknown";
  switch (static_cast<uint64_t>(info.f_type)) {
    case 0xEF53: return "ext4";
    case 0x01021994: return "tmpfs (fsync is free: not a durable figure)";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x794C7630: return "overlayfs";
    default: {
      char text[32];
      std::snprintf(text, sizeof text, "fs type 0x%" PRIx64, static_cast<uint64_t>(info.f_type));
      return text;
    }
  }
}

NodeOptions durable_node_options(const std::string& data_dir, const LedgerBenchOptions& options) {
  NodeOptions node_options;
  node_options.data_dir = data_dir;
  node_options.max_block_commands = options.block_commands;
  node_options.state_hash_every_blocks = options.state_hash_every_blocks;
  node_options.snapshot_every_blocks = kNoSnapshots;
  return node_options;
}

// Submits the setup commands in blocks and learns the account ids from the events.
bool durable_setup(Node* node, uint64_t count, uint32_t block_commands, Accounts* accounts, Checks* checks) {
  const std::vector<Command> setup = setup_commands(count);
  std::vector<uint64_t> opened;
  opened.reserve(count + 1);
  for (size_t first = 0; first < setup.size(); first += block_commands) {
    const size_t n = std::min<size_t>(block_commands, setup.size() - first);
    SubmitResult result;
    const Status status = node->submit(std::span<const Command>(setup).subspan(first, n), &result);
    if (!status.is_ok()) {
      checks->fail("setup submit: " + status.message());
      return false;
    }
    for (const Event& event : result.events) {
      if (event.result_code() != Result::ok) {
        checks->fail(std::string("setup command rejected: ") + result_name(event.result_code()));
        return false;
      }
      if (event.event_kind() == EventKind::account_opened) opened.push_back(event.account_opened.account);
    }
  }
  if (opened.size() != count + 1) {
    checks->fail("setup opened " + std::to_string(opened.size()) + " accounts");
    return false;
  }
  for (uint64_t i = 1; i < opened.size(); i++) {
    if (opened[i] != opened[1] + (i - 1)) {
      checks->fail("customer account ids are not contiguous");
      return false;
    }
  }
  *accounts = Accounts{.issuance = opened[0], .first_customer = opened[1], .count = count};
  return true;
}

struct SubmitterResult {
  std::vector<uint64_t> latencies_ns;  // one per submit call
  Tally tally;
  uint64_t acknowledged = 0;
  uint64_t submits = 0;
  std::string error;
};

uint64_t percentile(const std::vector<uint64_t>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(fraction * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

bool run_durable(const LedgerBenchOptions& options, const std::string& data_dir, DurableState* state) {
  Checks checks;
  const uint32_t batch = options.durable_batch_commands;
  std::printf("\n[durable] Node::submit through the journal with group commit (SQLite WAL, synchronous=FULL)\n");
  std::printf("  workload: %s customer accounts, %s transfers (same generator as in_memory) from %u submitter "
              "threads, %s per submit call, max %s commands per block, seed %" PRIu64
              ", request ids on %u%%, state hash every %s blocks, snapshots off\n",
              grouped(options.accounts).c_str(), grouped(options.durable_commands).c_str(),
              options.durable_submitters,
              batch == 1 ? "single-command submits" : (std::to_string(batch) + "-command batches").c_str(),
              grouped(options.block_commands).c_str(), options.seed, options.request_id_percent,
              grouped(options.state_hash_every_blocks).c_str());
  std::printf("  data directory: %s (%s)\n", data_dir.c_str(),
              filesystem_of(std::filesystem::path(data_dir).parent_path().string()).c_str());
  std::fflush(stdout);

  InitOptions init;
  init.data_dir = data_dir;
  const Status init_status = init_data_dir(init);
  if (!init_status.is_ok()) {
    checks.fail("init_data_dir: " + init_status.message());
    checks.print_summary("durable");
    return false;
  }
  const NodeOptions node_options = durable_node_options(data_dir, options);
  std::unique_ptr<Node> node;
  RecoveryReport report;
  const Status open_status = Node::open(node_options, &node, &report);
  if (!open_status.is_ok()) {
    checks.fail("Node::open: " + open_status.message());
    checks.print_summary("durable");
    return false;
  }

  Accounts accounts;
  const SteadyClock::time_point setup_start = SteadyClock::now();
  if (!durable_setup(node.get(), options.accounts, options.block_commands, &accounts, &checks)) {
    checks.print_summary("durable");
    return false;
  }
  const uint64_t setup_commands_count = 2 + 2 * options.accounts;
  std::printf("  setup: %s commands in %.3f s (height now %s)\n", grouped(setup_commands_count).c_str(),
              seconds_since(setup_start), grouped(node->height()).c_str());
  std::fflush(stdout);

  const uint64_t height_before = node->height();
  std::atomic<uint64_t> next_sequence{0};
  std::atomic<bool> stop{false};
  std::vector<SubmitterResult> results(options.durable_submitters);
  std::vector<std::thread> threads;
  threads.reserve(options.durable_submitters);
  const SteadyClock::time_point start = SteadyClock::now();
  for (uint32_t t = 0; t < options.durable_submitters; t++) {
    threads.emplace_back([&, t] {
      SubmitterResult& mine = results[t];
      mine.latencies_ns.reserve(options.durable_commands / batch / options.durable_submitters + 16);
      Prng prng(options.seed ^ (0x9E3779B97F4A7C15ull * (t + 1)));
      std::vector<Command> commands;
      commands.reserve(batch);
      SubmitResult result;
      while (!stop.load(std::memory_order_relaxed)) {
        const uint64_t first = next_sequence.fetch_add(batch, std::memory_order_relaxed);
        if (first >= options.durable_commands) break;
        const uint64_t n = std::min<uint64_t>(batch, options.durable_commands - first);
        commands.clear();
        for (uint64_t i = 0; i < n; i++) {
          commands.push_back(random_transfer(&prng, accounts, options.request_id_percent, first + i));
        }
        const SteadyClock::time_point submit_start = SteadyClock::now();
        const Status status = node->submit(commands, &result);
        mine.latencies_ns.push_back(static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - submit_start).count()));
        mine.submits++;
        if (!status.is_ok()) {
          mine.error = status.message();
          stop.store(true);
          break;
        }
        if (result.events.size() != n) {
          mine.error = "submit of " + std::to_string(n) + " commands returned " +
                       std::to_string(result.events.size()) + " events";
          stop.store(true);
          break;
        }
        mine.acknowledged += n;
        for (const Event& event : result.events) mine.tally.add(event);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::max(seconds_since(start), 1e-9);
  const uint64_t height_after = node->height();

  std::vector<uint64_t> latencies;
  Tally tally;
  uint64_t acknowledged = 0;
  uint64_t submits = 0;
  for (const SubmitterResult& r : results) {
    if (!r.error.empty()) checks.fail("submitter: " + r.error);
    latencies.insert(latencies.end(), r.latencies_ns.begin(), r.latencies_ns.end());
    tally.posted += r.tally.posted;
    tally.rejected_insufficient += r.tally.rejected_insufficient;
    if (r.tally.other != 0 && tally.other == 0) tally.first_other = r.tally.first_other;
    tally.other += r.tally.other;
    acknowledged += r.acknowledged;
    submits += r.submits;
  }
  std::sort(latencies.begin(), latencies.end());
  const uint64_t blocks = height_after - height_before;
  checks.expect(acknowledged == options.durable_commands,
                "acknowledged " + std::to_string(acknowledged) + " of " + std::to_string(options.durable_commands));
  checks.expect(tally.other == 0, std::to_string(tally.other) + " unexpected events, first " + tally.first_other);

  node->with_engine([&](const Engine& engine) {
    check_engine(engine, &checks);
    check_conservation(engine, accounts, &checks);
    // Every posted transfer that was acknowledged is in the engine: ids are dense from 1.
    checks.expect(engine.ledger().next_transfer_id() == 1 + options.accounts + tally.posted,
                  "engine posted " + std::to_string(engine.ledger().next_transfer_id() - 1 - options.accounts) +
                      " transfers, submitters saw " + std::to_string(tally.posted));
    state->state_hash = engine.state_hash();
  });
  state->height = node->height();
  state->last_hash = node->last_hash();
  state->total_commands = setup_commands_count + acknowledged;

  const double rate = static_cast<double>(acknowledged) / seconds;
  std::printf("  acknowledged %s commands in %.3f s over %s submit calls: %s posted, %s rejected "
              "(insufficient_funds)\n",
              grouped(acknowledged).c_str(), seconds, grouped(submits).c_str(), grouped(tally.posted).c_str(),
              grouped(tally.rejected_insufficient).c_str());
  std::printf("  blocks written: %s, average %.1f commands/block\n", grouped(blocks).c_str(),
              blocks == 0 ? 0.0 : static_cast<double>(acknowledged) / static_cast<double>(blocks));
  std::printf("  acknowledgement latency per submit call: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n",
              static_cast<double>(percentile(latencies, 0.50)) / 1e6,
              static_cast<double>(percentile(latencies, 0.99)) / 1e6,
              static_cast<double>(percentile(latencies, 0.999)) / 1e6,
              latencies.empty() ? 0.0 : static_cast<double>(latencies.back()) / 1e6);
  std::printf("  state hash %s at height %s, last block %s\n", short_hash(state->state_hash).c_str(),
              grouped(state->height).c_str(), short_hash(state->last_hash).c_str());
  std::printf("  RESULT durable: %s commands/s sustained; target >= 1,000,000/s: %s\n", grouped_rate(rate).c_str(),
              options.smoke ? "not judged at smoke size" : rate >= 1e6 ? "met" : "MISSED");
  std::fflush(stdout);

  const SteadyClock::time_point stop_start = SteadyClock::now();
  node->stop();
  node.reset();
  std::printf("  node stopped in %.3f s\n", seconds_since(stop_start));
  checks.print_summary("durable");
  return checks.ok();
}

// Reopens `data_dir`; `expected` is null when the directory was not written by this process.
bool run_replay(const LedgerBenchOptions& options, const std::string& data_dir, const DurableState* expected) {
  Checks checks;
  std::printf("\n[replay] Node::open of the durable run's directory (no snapshot: replays every block)\n");
  std::printf("  data directory: %s; blocks of up to %s commands\n", data_dir.c_str(),
              grouped(options.block_commands).c_str());
  std::fflush(stdout);

  double rate_verified = 0;
  for (const bool verify : {true, false}) {
    NodeOptions node_options = durable_node_options(data_dir, options);
    node_options.verify_on_open = verify;
    std::unique_ptr<Node> node;
    RecoveryReport report;
    const SteadyClock::time_point start = SteadyClock::now();
    const Status status = Node::open(node_options, &node, &report);
    const double seconds = std::max(seconds_since(start), 1e-9);
    if (!status.is_ok()) {
      checks.fail(std::string("Node::open (verify_on_open=") + (verify ? "true" : "false") + "): " +
                  status.message());
      break;
    }
    const double rate = static_cast<double>(report.replayed_commands) / seconds;
    if (verify) rate_verified = rate;
    std::printf("  verify_on_open=%s: open took %.3f s; replayed %s blocks, %s commands from snapshot height %s: "
                "%s commands/s\n",
                verify ? "true " : "false", seconds, grouped(report.replayed_blocks).c_str(),
                grouped(report.replayed_commands).c_str(), grouped(report.snapshot_height).c_str(),
                grouped_rate(rate).c_str());
    checks.expect(!report.truncated_tail, "the open truncated the tail: " + report.tail_message);
    Hash256 state_hash;
    node->with_engine([&](const Engine& engine) {
      check_engine(engine, &checks);
      state_hash = engine.state_hash();
    });
    if (expected != nullptr) {
      checks.expect(report.height == expected->height && node->height() == expected->height,
                    "height after replay " + std::to_string(report.height) + ", before close " +
                        std::to_string(expected->height));
      checks.expect(report.last_hash == expected->last_hash, "last block hash differs after replay");
      checks.expect(state_hash == expected->state_hash,
                    "state hash after replay " + state_hash.hex() + " differs from before close " +
                        expected->state_hash.hex());
      checks.expect(report.snapshot_height == 0, "the open started from a snapshot; the durable run disabled them");
      checks.expect(report.replayed_commands == expected->total_commands,
                    "replayed " + std::to_string(report.replayed_commands) + " commands, the journal holds " +
                        std::to_string(expected->total_commands));
    }
    std::printf("    state hash %s at height %s\n", short_hash(state_hash).c_str(), grouped(node->height()).c_str());
    node->stop();
  }

  // Independent check: `qazna verify`'s code path on the stopped directory (re-hash, signatures, fresh replay).
  VerifyReport verified;
  const SteadyClock::time_point verify_start = SteadyClock::now();
  const Status verify_status = verify_data_dir(data_dir, "", &verified);
  const double verify_seconds = seconds_since(verify_start);
  if (!verify_status.is_ok()) {
    checks.fail("verify_data_dir: " + verify_status.message());
  } else {
    std::printf("  verify_data_dir: %s blocks, %s commands in %.3f s, state hash %s\n",
                grouped(verified.blocks).c_str(), grouped(verified.commands).c_str(), verify_seconds,
                short_hash(verified.state_hash).c_str());
    if (expected != nullptr) {
      checks.expect(verified.state_hash == expected->state_hash, "verify_data_dir: state hash differs");
      checks.expect(verified.commands == expected->total_commands, "verify_data_dir: command count differs");
      checks.expect(verified.height == expected->height, "verify_data_dir: height differs");
    }
  }
  std::printf("  RESULT replay: %s commands/s (verify_on_open=true, the default); target >= 5,000,000/s: %s\n",
              grouped_rate(rate_verified).c_str(), options.smoke ? "not judged at smoke size" : rate_verified >= 5e6 ? "met" : "MISSED");
  checks.print_summary("replay");
  return checks.ok();
}

// ---------------------------------------------------------------------------------------------------------------
// Part 4: memory.

struct MemoryMark {
  uint64_t rss_bytes = 0;   // resident set (/proc/self/statm)
  uint64_t heap_bytes = 0;  // bytes handed out by malloc (mallinfo2: arenas in use + mmapped chunks)
};

MemoryMark memory_mark() {
  MemoryMark mark;
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
  if (statm >> size_pages >> resident_pages) {
    mark.rss_bytes = resident_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  }
  const struct mallinfo2 info = mallinfo2();
  mark.heap_bytes = info.uordblks + info.hblkhd;
  return mark;
}

void print_growth(const char* what, const MemoryMark& before, const MemoryMark& after, uint64_t count,
                  const char* record_note) {
  const auto per = [count](uint64_t a, uint64_t b) {
    return count == 0 ? 0.0 : (static_cast<double>(b) - static_cast<double>(a)) / static_cast<double>(count);
  };
  std::printf("  RESULT memory %-28s %6.1f bytes heap, %6.1f bytes RSS  (%s of them; %s)\n", what,
              per(before.heap_bytes, after.heap_bytes), per(before.rss_bytes, after.rss_bytes),
              grouped(count).c_str(), record_note);
  std::fflush(stdout);
}

bool run_memory(const LedgerBenchOptions& options) {
  Checks checks;
  const uint64_t count = options.memory_accounts;
  std::printf("\n[memory] growth per object on a fresh engine (heap = malloc in use incl. container slack, "
              "RSS = pages touched)\n");
  std::printf("  workload: %s accounts opened, funded; %s holds without timeout, %s holds with a timeout, %s "
              "transfers with request ids; blocks of %s commands\n",
              grouped(count).c_str(), grouped(options.memory_holds).c_str(), grouped(options.memory_holds).c_str(),
              grouped(options.memory_requests).c_str(), grouped(options.block_commands).c_str());
  std::printf("  record sizes: Account %zu bytes, Hold %zu bytes, RequestEntry %zu bytes\n", sizeof(Account),
              sizeof(Hold), sizeof(RequestEntry));
  std::fflush(stdout);

  // Give freed memory of the earlier parts back to the system, so that RSS growth below is this part's own.
  malloc_trim(0);
  Engine engine;
  std::vector<Event> events;
  std::vector<Command> commands;
  events.reserve(options.block_commands + 16);
  commands.reserve(options.block_commands);
  uint64_t failed = 0;
  const auto flush = [&] {
    if (commands.empty()) return;
    events.clear();
    apply_in_blocks(&engine, commands, options.block_commands, &events);
    for (const Event& event : events) {
      if (event.result_code() != Result::ok) failed++;
    }
    commands.clear();
  };
  const auto add = [&](const Command& command) {
    commands.push_back(command);
    if (commands.size() == options.block_commands) flush();
  };

  add(make_create_asset(kAssetCode, kAssetScale));
  add(make_open_account(0, 1, AccountKind::issuance));
  flush();
  const Accounts accounts{.issuance = 1, .first_customer = 2, .count = count};

  const MemoryMark before_accounts = memory_mark();
  for (uint64_t i = 0; i < count; i++) add(make_open_account(i + 1, 1, AccountKind::customer));
  flush();
  const MemoryMark after_accounts = memory_mark();
  print_growth("per account:", before_accounts, after_accounts, count, "Ledger::accounts_ vector");

  for (uint64_t i = 0; i < count; i++) add(make_transfer(accounts.issuance, accounts.first_customer + i, kFundingMinor));
  flush();

  const MemoryMark before_holds = memory_mark();
  for (uint64_t i = 0; i < options.memory_holds; i++) {
    add(make_hold(accounts.first_customer + i % count, 0, 1, 0));
  }
  flush();
  const MemoryMark after_holds = memory_mark();
  print_growth("per live hold (no timeout):", before_holds, after_holds, options.memory_holds,
               "unordered_map node + bucket");

  constexpr uint64_t kLongTimeoutNs = 1'000'000'000'000'000;  // ~11.6 days: none expires during the run
  for (uint64_t i = 0; i < options.memory_holds; i++) {
    add(make_hold(accounts.first_customer + i % count, 0, 1, kLongTimeoutNs));
  }
  flush();
  const MemoryMark after_timed_holds = memory_mark();
  print_growth("per live hold (with timeout):", after_holds, after_timed_holds, options.memory_holds,
               "map node + bucket + std::set expiry node");

  Prng prng(options.seed);
  for (uint64_t i = 0; i < options.memory_requests; i++) add(random_transfer(&prng, accounts, 100, i));
  flush();
  const MemoryMark after_requests = memory_mark();
  print_growth("per remembered request id:", after_timed_holds, after_requests, options.memory_requests,
               "RequestTable entry + hash slots; never freed");

  checks.expect(failed == 0, std::to_string(failed) + " commands of the memory workload were rejected");
  checks.expect(engine.ledger().account_count() == count + 1, "account count");
  checks.expect(engine.ledger().live_hold_count() == 2 * options.memory_holds, "live hold count");
  checks.expect(engine.requests().size() == options.memory_requests, "request table size");
  check_engine(engine, &checks);
  std::printf("  totals: heap %s MB, RSS %s MB for the whole process\n", grouped(after_requests.heap_bytes >> 20).c_str(),
              grouped(after_requests.rss_bytes >> 20).c_str());
  checks.print_summary("memory");
  return checks.ok();
}

std::string make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "qazna-bench-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) return "";
  return std::string(buffer.data());
}

}  // namespace

int run_ledger_bench(const LedgerBenchOptions& options) {
  if (options.accounts < 2 || options.block_commands == 0 || options.durable_submitters == 0 ||
      options.durable_batch_commands == 0 || options.durable_batch_commands > options.block_commands ||
      options.request_id_percent > 100 || options.memory_accounts < 2 || options.runs == 0) {
    std::fprintf(stderr,
                 "bench ledger: need accounts >= 2, block_commands > 0, submitters > 0, 0 < batch <= block_commands, "
                 "request_id_percent <= 100, memory_accounts >= 2, runs > 0\n");
    return 2;
  }
  if (options.replay && !options.durable && options.work_dir.empty()) {
    std::fprintf(stderr, "bench ledger: the replay part needs the durable part, or a work_dir holding a journal\n");
    return 2;
  }

  std::printf("qazna bench ledger: seed %" PRIu64 ", %u hardware threads\n", options.seed,
              std::thread::hardware_concurrency());
  std::fflush(stdout);
  bool ok = true;
  // Memory first: in a process that has not yet allocated and freed gigabytes, RSS growth is the part's own.
  if (options.memory) ok = run_memory(options) && ok;
  if (options.in_memory) ok = run_in_memory(options) && ok;

  if (options.durable || options.replay) {
    std::string temp_root;
    std::string data_dir = options.work_dir;
    if (data_dir.empty()) {
      temp_root = make_temp_dir();
      if (temp_root.empty()) {
        std::fprintf(stderr, "bench ledger: cannot create a temporary directory\n");
        return 1;
      }
      data_dir = temp_root + "/data";
    }
    DurableState state;
    bool durable_ok = true;
    if (options.durable) {
      durable_ok = run_durable(options, data_dir, &state);
      ok = durable_ok && ok;
    }
    if (options.replay && durable_ok) {
      ok = run_replay(options, data_dir, options.durable ? &state : nullptr) && ok;
    }
    if (!temp_root.empty()) {
      if (options.keep_work_dir) {
        std::printf("\n  kept data directory %s\n", data_dir.c_str());
      } else {
        std::error_code error;
        std::filesystem::remove_all(temp_root, error);
      }
    }
  }

  std::printf("\nbench ledger: %s\n", ok ? "all checks passed" : "SOME CHECKS FAILED");
  std::fflush(stdout);
  return ok ? 0 : 1;
}

}  // namespace qz::bench
