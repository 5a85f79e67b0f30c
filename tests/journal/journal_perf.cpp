// journal_perf: the journal's own throughput figures (the venue-wide benchmarks live in bench/).
//
//   durable  init a data directory, fund `customers` accounts, then `threads` submitters each call
//            Node::submit with batches of `batch` random customer->customer transfers until `commands` are
//            acknowledged (group commit; blocks of up to `block` commands). Prints commands/s and the submit
//            latency percentiles.
//   replay   stops the node and reopens the directory (snapshots are off, so every block is re-read,
//            re-hashed, signature-checked and re-applied). Prints commands/s of the open.
//   verify   verify_data_dir on the same directory.
// Each part checks itself: every acknowledged event is a posted transfer or an insufficient-funds rejection,
// the state hash after reopening equals the one before, and verify agrees.
//
//   journal_perf [--threads N] [--batch N] [--block N] [--commands N] [--customers N] [--dir DIR]
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "base/prng.h"
#include "engine/command.h"
#include "journal/journal.h"

namespace {

struct Options {
  uint32_t threads = 64;
  uint32_t batch = 256;
  uint32_t block = 8192;
  uint64_t commands = 10'000'000;
  uint32_t customers = 100'000;
  std::string dir;
  bool reopen_only = false;  // --reopen-only 1: skip set-up and the durable part; time opening DIR/data
};

double now_s() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

bool parse(int argc, char** argv, Options* options) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--threads") {
      options->threads = static_cast<uint32_t>(std::strtoul(value, nullptr, 10));
    } else if (flag == "--batch") {
      options->batch = static_cast<uint32_t>(std::strtoul(value, nullptr, 10));
    } else if (flag == "--block") {
      options->block = static_cast<uint32_t>(std::strtoul(value, nullptr, 10));
    } else if (flag == "--commands") {
      options->commands = std::strtoull(value, nullptr, 10);
    } else if (flag == "--customers") {
      options->customers = static_cast<uint32_t>(std::strtoul(value, nullptr, 10));
    } else if (flag == "--reopen-only") {
      options->reopen_only = std::string(value) == "1";
    } else if (flag == "--dir") {
      options->dir = value;
    } else {
      return false;
    }
  }
  return (argc % 2) == 1 && options->threads > 0 && options->batch > 0 && options->batch <= options->block &&
         options->customers >= 2;
}

bool fail(const char* what, const qz::Status& status) {
  std::fprintf(stderr, "journal_perf: %s: %s\n", what, status.message().c_str());
  return false;
}

bool reopen(const Options& options) {
  qz::NodeOptions node_options;
  node_options.data_dir = options.dir + "/data";
  node_options.max_block_commands = options.block;
  node_options.snapshot_every_blocks = 0;
  std::unique_ptr<qz::Node> node;
  qz::RecoveryReport report;
  const double open_started = now_s();
  const qz::Status status = qz::Node::open(node_options, &node, &report);
  const double open_elapsed = now_s() - open_started;
  if (!status.is_ok()) return fail("reopen", status);
  node->stop();
  std::printf("replay: opened %llu blocks, %llu commands in %.3f s = %.0f commands/s\n",
              static_cast<unsigned long long>(report.replayed_blocks),
              static_cast<unsigned long long>(report.replayed_commands), open_elapsed,
              static_cast<double>(report.replayed_commands) / open_elapsed);
  return true;
}

bool run(const Options& options) {
  if (options.reopen_only) return reopen(options);
  const std::string dir = options.dir + "/data";
  const qz::Status initialised = qz::init_data_dir(qz::InitOptions{.data_dir = dir});
  if (!initialised.is_ok()) return fail("init", initialised);

  qz::NodeOptions node_options;
  node_options.data_dir = dir;
  node_options.max_block_commands = options.block;
  node_options.snapshot_every_blocks = 0;  // so that the reopen replays every block
  std::unique_ptr<qz::Node> node;
  qz::RecoveryReport report;
  qz::Status status = qz::Node::open(node_options, &node, &report);
  if (!status.is_ok()) return fail("open", status);

  // Set-up: one asset, an issuance account (1), customers 2 .. customers+1, each funded.
  {
    std::vector<qz::Command> setup;
    setup.push_back(qz::make_create_asset("KZT", 2));
    setup.push_back(qz::make_open_account(0, 1, qz::AccountKind::issuance));
    for (uint32_t i = 0; i < options.customers; i++) {
      setup.push_back(qz::make_open_account(1000 + i, 1, qz::AccountKind::customer));
    }
    for (uint32_t i = 0; i < options.customers; i++) setup.push_back(qz::make_transfer(1, 2 + i, 1'000'000'000));
    qz::SubmitResult result;
    for (size_t at = 0; at < setup.size(); at += options.block) {
      const size_t count = std::min<size_t>(options.block, setup.size() - at);
      status = node->submit(std::span<const qz::Command>(setup.data() + at, count), &result);
      if (!status.is_ok()) return fail("set-up", status);
    }
  }

  // Pre-generated batches so that the submitters spend their time in submit().
  constexpr size_t kBatchesPerThread = 16;
  const uint64_t per_thread = options.commands / options.threads;
  std::vector<std::vector<std::vector<qz::Command>>> batches(options.threads);
  for (uint32_t t = 0; t < options.threads; t++) {
    qz::Prng prng(1 + t);
    for (size_t b = 0; b < kBatchesPerThread; b++) {
      std::vector<qz::Command> batch;
      for (uint32_t i = 0; i < options.batch; i++) {
        const uint64_t debit = 2 + prng.below(options.customers);
        uint64_t credit = 2 + prng.below(options.customers - 1);
        if (credit >= debit) credit++;
        batch.push_back(qz::make_transfer(debit, credit, prng.range(1, 100)));
      }
      batches[t].push_back(std::move(batch));
    }
  }

  const uint64_t height_before = node->height();
  std::vector<std::vector<float>> latencies_us(options.threads);
  std::vector<uint64_t> acknowledged(options.threads, 0);
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> bad_events{0};
  std::vector<std::thread> threads;
  const double started = now_s();
  for (uint32_t t = 0; t < options.threads; t++) {
    threads.emplace_back([&, t] {
      qz::SubmitResult result;
      latencies_us[t].reserve(per_thread / options.batch + 1);
      for (size_t b = 0; acknowledged[t] < per_thread; b++) {
        const auto& batch = batches[t][b % kBatchesPerThread];
        const double submitted = now_s();
        const qz::Status submitted_status = node->submit(batch, &result);
        const double done = now_s();
        if (!submitted_status.is_ok()) {
          fail("submit", submitted_status);
          failed = true;
          return;
        }
        latencies_us[t].push_back(static_cast<float>((done - submitted) * 1e6));
        acknowledged[t] += batch.size();
        for (const qz::Event& event : result.events) {
          if (event.event_kind() != qz::EventKind::transfer_posted &&
              event.result_code() != qz::Result::insufficient_funds) {
            bad_events++;
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double elapsed = now_s() - started;
  if (failed) return false;

  uint64_t total = 0;
  std::vector<float> all;
  for (uint32_t t = 0; t < options.threads; t++) {
    total += acknowledged[t];
    all.insert(all.end(), latencies_us[t].begin(), latencies_us[t].end());
  }
  std::sort(all.begin(), all.end());
  auto percentile = [&](double p) { return all.empty() ? 0.0 : all[static_cast<size_t>(p * (all.size() - 1))]; };
  const uint64_t blocks = node->height() - height_before;
  std::printf("durable: %u submitters x batches of %u transfers, blocks of up to %u, %u accounts\n",
              options.threads, options.batch, options.block, options.customers);
  std::printf("durable: %llu commands in %.3f s = %.0f commands/s; %llu blocks (%.0f commands/block)\n",
              static_cast<unsigned long long>(total), elapsed, static_cast<double>(total) / elapsed,
              static_cast<unsigned long long>(blocks), blocks ? static_cast<double>(total) / blocks : 0.0);
  std::printf("durable: submit latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", percentile(0.50) / 1e3,
              percentile(0.99) / 1e3, all.empty() ? 0.0 : all.back() / 1e3);
  qz::Hash256 state_hash;
  node->with_engine([&](const qz::Engine& engine) { state_hash = engine.state_hash(); });
  node->stop();
  node.reset();
  std::printf("check: %s\n",
              bad_events == 0 ? "every event posted or insufficient_funds" : "FAILED: unexpected events");
  if (bad_events != 0) return false;

  const double open_started = now_s();
  status = qz::Node::open(node_options, &node, &report);
  const double open_elapsed = now_s() - open_started;
  if (!status.is_ok()) return fail("reopen", status);
  qz::Hash256 reopened_hash;
  node->with_engine([&](const qz::Engine& engine) { reopened_hash = engine.state_hash(); });
  node->stop();
  node.reset();
  std::printf("replay: opened %llu blocks, %llu commands in %.3f s = %.0f commands/s\n",
              static_cast<unsigned long long>(report.replayed_blocks),
              static_cast<unsigned long long>(report.replayed_commands), open_elapsed,
              static_cast<double>(report.replayed_commands) / open_elapsed);
  std::printf("check: state hash after reopen %s\n", reopened_hash == state_hash ? "equal" : "DIFFERS");
  if (reopened_hash != state_hash) return false;

  qz::VerifyReport verify;
  const double verify_started = now_s();
  status = qz::verify_data_dir(dir, "", &verify);
  const double verify_elapsed = now_s() - verify_started;
  if (!status.is_ok()) return fail("verify", status);
  std::printf("verify: %llu blocks, %llu commands in %.3f s = %.0f commands/s; state hash %s\n",
              static_cast<unsigned long long>(verify.blocks), static_cast<unsigned long long>(verify.commands),
              verify_elapsed, static_cast<double>(verify.commands) / verify_elapsed,
              verify.state_hash == state_hash ? "equal" : "DIFFERS");
  return verify.state_hash == state_hash;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: %s [--threads N] [--batch N] [--block N] [--commands N] [--customers N] [--dir DIR]\n",
                 argv[0]);
    return 64;
  }
  const bool temporary = options.dir.empty();
  if (temporary && options.reopen_only) return 64;
  if (temporary) {
    char pattern[] = "/tmp/qz-journal-perf-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) return 1;
    options.dir = pattern;
  }
  const bool ok = run(options);
  if (temporary) {
    std::error_code ignored;
    std::filesystem::remove_all(options.dir, ignored);
  }
  return ok ? 0 : 1;
}
