// bench_micro: Google Benchmark microbenchmarks of the hot primitives under the ledger benchmarks
// (docs/benchmarks.md). Each reports items/s or bytes/s beside the time, so the figures read as throughput.
//
//   parse_decimal          "12345.67" at scale 2 (and a longer 8-decimal amount)
//   format_decimal         1234567 minor at scale 2 (and an 8-decimal amount)
//   sha256/64              SHA-256 of one 64-byte record through qz::sha256
//   merkle_root/8192x64    Merkle root of one block's 8,192 64-byte records (commands or events)
//   engine_apply/8192      Engine::apply of one block of 8,192 random customer->customer transfers
// and, to explain the replay figure of bench_ledger (what a verified open pays per block):
//   engine_state_hash      Engine::state_hash of a ledger of N accounts (recorded every 64 blocks by default)
//   ed25519_sign/verify    libsodium over a 32-byte block hash (the journal signs and verifies every block)
//   decode_block/8192      decode_block of an encoded 8,192-command block
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/decimal.h"
#include "base/merkle.h"
#include "base/prng.h"
#include "base/role.h"
#include "base/sha256.h"
#include "engine/command.h"
#include "engine/engine.h"
#include "engine/event.h"
#include "journal/block.h"

namespace {

void BM_parse_decimal(benchmark::State& state, const char* text, uint8_t scale) {
  int64_t minor = 0;
  const std::string_view view(text);
  for (auto _ : state) {
    benchmark::DoNotOptimize(view.data());
    const qz::DecimalError error = qz::parse_decimal(view, scale, &minor);
    benchmark::DoNotOptimize(error);
    benchmark::DoNotOptimize(minor);
  }
  if (qz::parse_decimal(view, scale, &minor) != qz::DecimalError::ok) state.SkipWithError("parse failed");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_parse_decimal, kzt_12345_67, "12345.67", 2);
BENCHMARK_CAPTURE(BM_parse_decimal, btc_0_00012345, "0.00012345", 8);

void BM_format_decimal(benchmark::State& state, int64_t minor, uint8_t scale) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(minor);
    std::string text = qz::format_decimal(minor, scale);
    benchmark::DoNotOptimize(text.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_format_decimal, kzt_12345_67, 1'234'567, 2);
BENCHMARK_CAPTURE(BM_format_decimal, btc_0_00012345, 12'345, 8);

void BM_sha256_64(benchmark::State& state) {
  std::array<uint8_t, 64> record{};
  for (size_t i = 0; i < record.size(); i++) record[i] = static_cast<uint8_t>(i * 7 + 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(record.data());
    const qz::Hash256 hash = qz::sha256(record.data(), record.size());
    benchmark::DoNotOptimize(hash.bytes.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 64);
}
BENCHMARK(BM_sha256_64)->Name("sha256/64");

// Through one reused Sha256 (the way merkle_root and the state hash use it): shows the per-call set-up cost
// that the free function pays.
void BM_sha256_64_reused(benchmark::State& state) {
  std::array<uint8_t, 64> record{};
  for (size_t i = 0; i < record.size(); i++) record[i] = static_cast<uint8_t>(i * 7 + 1);
  qz::Sha256 hasher;
  for (auto _ : state) {
    benchmark::DoNotOptimize(record.data());
    const qz::Hash256 hash = hasher.update(record.data(), record.size()).finish();
    benchmark::DoNotOptimize(hash.bytes.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 64);
}
BENCHMARK(BM_sha256_64_reused)->Name("sha256/64/reused_context");

void BM_merkle_root(benchmark::State& state) {
  constexpr size_t kRecords = 8192;
  constexpr size_t kRecordSize = 64;
  std::vector<uint8_t> records(kRecords * kRecordSize);
  qz::Prng prng(1);
  for (uint8_t& byte : records) byte = static_cast<uint8_t>(prng.next());
  for (auto _ : state) {
    const qz::Hash256 root = qz::merkle_root(records, kRecordSize);
    benchmark::DoNotOptimize(root.bytes.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(kRecords));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(records.size()));
}
BENCHMARK(BM_merkle_root)->Name("merkle_root/8192x64");

// One block of random transfers applied again and again to a ledger of `accounts` funded accounts. Amounts
// are small next to the balances, so the repeated block keeps posting (checked after the loop).
void BM_engine_apply(benchmark::State& state) {
  constexpr uint32_t kBlockCommands = 8192;
  constexpr int64_t kFundingMinor = 1'000'000'000'000;
  const auto accounts = static_cast<uint64_t>(state.range(0));
  qz::Engine engine;
  std::vector<qz::Command> setup;
  setup.push_back(qz::make_create_asset("KZT", 2));
  setup.push_back(qz::make_open_account(0, 1, qz::AccountKind::issuance));
  for (uint64_t i = 0; i < accounts; i++) setup.push_back(qz::make_open_account(i + 1, 1, qz::AccountKind::customer));
  for (uint64_t i = 0; i < accounts; i++) setup.push_back(qz::make_transfer(1, 2 + i, kFundingMinor));
  std::vector<qz::Event> events;
  engine.apply(qz::BlockInput{.height = 0, .time_ns = 1, .commands = setup}, &events);

  qz::Prng prng(1);
  std::vector<qz::Command> block;
  block.reserve(kBlockCommands);
  for (uint32_t i = 0; i < kBlockCommands; i++) {
    const uint64_t debit = prng.below(accounts);
    uint64_t credit = prng.below(accounts - 1);
    if (credit >= debit) credit++;
    qz::Command command = qz::make_transfer(2 + debit, 2 + credit, prng.range(1, 10'000));
    command.role = static_cast<uint8_t>(qz::Role::customer);
    command.actor = debit + 1;
    block.push_back(command);
  }
  events.clear();
  events.reserve(kBlockCommands);
  uint64_t time_ns = 1;
  for (auto _ : state) {
    events.clear();
    time_ns += 1'000'000;
    engine.apply(qz::BlockInput{.height = engine.next_height(), .time_ns = time_ns, .commands = block}, &events);
    benchmark::DoNotOptimize(events.data());
  }
  for (const qz::Event& event : events) {
    if (event.event_kind() != qz::EventKind::transfer_posted) {
      state.SkipWithError("a transfer of the block was not posted");
      break;
    }
  }
  if (!engine.check_invariants().empty()) state.SkipWithError("invariants failed");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kBlockCommands);
  state.counters["ns_per_transfer"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kBlockCommands,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_engine_apply)->Name("engine_apply/8192")->Arg(100'000)->Arg(1'000'000)->ArgName("accounts")
    ->Unit(benchmark::kMicrosecond);

// A ledger of `accounts` funded customer accounts (ids 2..accounts+1, owners 1..accounts).
void setup_ledger(qz::Engine* engine, uint64_t accounts) {
  std::vector<qz::Command> setup;
  setup.push_back(qz::make_create_asset("KZT", 2));
  setup.push_back(qz::make_open_account(0, 1, qz::AccountKind::issuance));
  for (uint64_t i = 0; i < accounts; i++) setup.push_back(qz::make_open_account(i + 1, 1, qz::AccountKind::customer));
  for (uint64_t i = 0; i < accounts; i++) setup.push_back(qz::make_transfer(1, 2 + i, 100'000'000));
  std::vector<qz::Event> events;
  engine->apply(qz::BlockInput{.height = engine->next_height(), .time_ns = 1, .commands = setup}, &events);
}

void BM_engine_state_hash(benchmark::State& state) {
  const auto accounts = static_cast<uint64_t>(state.range(0));
  qz::Engine engine;
  setup_ledger(&engine, accounts);
  for (auto _ : state) {
    const qz::Hash256 hash = engine.state_hash();
    benchmark::DoNotOptimize(hash.bytes.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(accounts));
}
BENCHMARK(BM_engine_state_hash)->Name("engine_state_hash")->Arg(100'000)->Arg(1'000'000)->ArgName("accounts")
    ->Unit(benchmark::kMillisecond);

struct SodiumKey {
  SodiumKey() {
    if (sodium_init() < 0) std::abort();
    crypto_sign_keypair(public_key.data(), secret_key.data());
  }
  std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> public_key{};
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> secret_key{};
};

void BM_ed25519_sign(benchmark::State& state) {
  const SodiumKey key;
  const qz::Hash256 hash = qz::sha256(std::string_view("block header"));
  std::array<uint8_t, crypto_sign_BYTES> signature{};
  for (auto _ : state) {
    crypto_sign_detached(signature.data(), nullptr, hash.bytes.data(), hash.bytes.size(), key.secret_key.data());
    benchmark::DoNotOptimize(signature.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ed25519_sign)->Name("ed25519_sign/32");

void BM_ed25519_verify(benchmark::State& state) {
  const SodiumKey key;
  const qz::Hash256 hash = qz::sha256(std::string_view("block header"));
  std::array<uint8_t, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr, hash.bytes.data(), hash.bytes.size(), key.secret_key.data());
  for (auto _ : state) {
    const int bad = crypto_sign_verify_detached(signature.data(), hash.bytes.data(), hash.bytes.size(),
                                                key.public_key.data());
    benchmark::DoNotOptimize(bad);
    if (bad != 0) state.SkipWithError("signature did not verify");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ed25519_verify)->Name("ed25519_verify/32");

void BM_decode_block(benchmark::State& state) {
  qz::Block block;
  block.header.height = 7;
  block.header.time_ns = 1;
  qz::Prng prng(1);
  for (uint32_t i = 0; i < 8192; i++) {
    qz::Command command = qz::make_transfer(2 + prng.below(1000), 1003 + prng.below(1000), prng.range(1, 10'000));
    block.commands.push_back(command);
  }
  block.header.command_count = 8192;
  std::vector<uint8_t> encoded;
  qz::encode_block(block, &encoded);
  qz::Block decoded;
  for (auto _ : state) {
    const qz::Status status = qz::decode_block(encoded, &decoded);
    if (!status.is_ok()) state.SkipWithError(status.message().c_str());
    benchmark::DoNotOptimize(decoded.commands.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 8192);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(encoded.size()));
}
BENCHMARK(BM_decode_block)->Name("decode_block/8192");

}  // namespace

BENCHMARK_MAIN();
