// The differential test: the real Engine and the reference ledger side by side on seeded random command
// streams. After every block: the same events byte for byte, the same balances, holds and counters, and
// check_invariants() empty. Every so often the engine is replaced by one loaded from its own snapshot. At the
// end, per asset the totals sum to zero in both.
//
// QZ_SEED=<n> overrides the base seed; QZ_DIFF_COMMANDS=<n> the number of commands in the default test. A
// failure prints the seed of the failing run: `QZ_SEED=<seed> QZ_DIFF_RUNS=1` replays exactly that run.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "command_stream.h"
#include "engine/engine.h"
#include "reference_ledger.h"

namespace qz::testing {
namespace {

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != 0 ? std::strtoull(text, nullptr, 0) : fallback;
}

// Empty when the engine's state equals the model's; else the first difference.
std::string compare_state(const Engine& engine, const ReferenceLedger& model) {
  const Ledger& ledger = engine.ledger();
  const auto& state = model.state();
  std::ostringstream out;
  if (ledger.asset_count() != state.assets.size()) {
    out << "asset count " << ledger.asset_count() << " vs model " << state.assets.size();
    return out.str();
  }
  for (const auto& [id, asset] : state.assets) {
    const Asset* real = ledger.asset(id);
    if (real == nullptr || real->code_view() != asset.code || real->scale != asset.scale) {
      out << "asset " << id << " differs";
      return out.str();
    }
  }
  if (ledger.account_count() != state.accounts.size()) {
    out << "account count " << ledger.account_count() << " vs model " << state.accounts.size();
    return out.str();
  }
  for (const auto& [id, account] : state.accounts) {
    const Account* real = ledger.account(id);
    if (real == nullptr || real->owner != account.owner || real->asset != account.asset ||
        static_cast<uint8_t>(real->kind) != account.kind || real->total_minor != account.total_minor ||
        real->held_minor != account.held_minor) {
      out << "account " << id << ": engine total/held " << (real ? real->total_minor : 0) << "/"
          << (real ? real->held_minor : 0) << ", model " << account.total_minor << "/" << account.held_minor;
      return out.str();
    }
  }
  if (ledger.live_hold_count() != state.holds.size()) {
    out << "live holds " << ledger.live_hold_count() << " vs model " << state.holds.size();
    return out.str();
  }
  for (const auto& [id, hold] : state.holds) {
    const Hold* real = ledger.hold(id);
    if (real == nullptr || real->account != hold.account || real->credit != hold.credit ||
        real->remaining_minor != hold.remaining_minor || real->expires_at_ns != hold.expires_at_ns) {
      out << "hold " << id << " differs";
      return out.str();
    }
  }
  if (ledger.next_transfer_id() != state.next_transfer_id || ledger.next_hold_id() != state.next_hold_id) {
    out << "next ids (transfer, hold) " << ledger.next_transfer_id() << "," << ledger.next_hold_id() << " vs model "
        << state.next_transfer_id << "," << state.next_hold_id;
    return out.str();
  }
  if (engine.requests().size() != model.answers().size()) {
    out << "remembered requests " << engine.requests().size() << " vs model " << model.answers().size();
    return out.str();
  }
  return {};
}

std::string conservation(const Engine& engine, const ReferenceLedger& model) {
  std::vector<int128> sums(engine.ledger().asset_count() + 1, 0);
  for (uint64_t id = 1; id <= engine.ledger().account_count(); id++) {
    const Account* account = engine.ledger().account(id);
    sums.at(account->asset) += account->total_minor;
  }
  for (size_t asset = 1; asset < sums.size(); asset++) {
    if (sums[asset] != 0) return "engine: asset " + std::to_string(asset) + " does not sum to zero";
  }
  for (const auto& [asset, sum] : model.asset_sums()) {
    if (sum != 0) return "model: asset " + std::to_string(asset) + " does not sum to zero";
  }
  return {};
}

struct RunStats {
  uint64_t commands = 0;
  uint64_t blocks = 0;
  uint64_t events_by_kind[10] = {};
  uint64_t rejections_by_code[200] = {};
  uint64_t snapshots = 0;
  uint64_t partial_voids = 0;  // hold_voided events that left the hold live
  // Rejections of void_hold, by code: the partial-release checks must be reached by the void command itself.
  uint64_t void_amount_negative = 0;
  uint64_t void_amount_exceeded = 0;
};

// Runs one seeded stream of about `target_commands` commands. Returns an empty string on success.
std::string run_differential(uint64_t seed, uint64_t target_commands, RunStats* stats) {
  const bool small = seed % 3 == 0;
  const LedgerLimits limits = small ? small_limits() : LedgerLimits{};
  StreamOptions options;
  if (small) options.account_target = 60;
  ReferenceLedger model(limits);
  auto engine = std::make_unique<Engine>(limits);
  CommandStream stream(seed, &model, options);
  Prng snapshot_prng(seed ^ 0x5AA5);

  std::vector<Command> commands;
  std::vector<Event> real_events;
  std::vector<Event> model_events;
  uint64_t height = 0;
  uint64_t run_commands = 0;
  while (run_commands < target_commands) {
    uint64_t time_ns = 0;
    stream.next_block(&time_ns, &commands);
    real_events.clear();
    model_events.clear();
    engine->apply(BlockInput{.height = height, .time_ns = time_ns, .commands = commands}, &real_events);
    model.apply(time_ns, commands, &model_events);

    const size_t n = std::max(real_events.size(), model_events.size());
    for (size_t i = 0; i < n; i++) {
      const bool same = i < real_events.size() && i < model_events.size() &&
                        std::memcmp(&real_events[i], &model_events[i], sizeof(Event)) == 0;
      if (same) continue;
      std::ostringstream out;
      out << "block " << height << " (time " << time_ns << ", " << commands.size() << " commands), event " << i
          << ":\n  engine: " << (i < real_events.size() ? describe(real_events[i]) : "(none)")
          << "\n  model:  " << (i < model_events.size() ? describe(model_events[i]) : "(none)");
      const Event& ref = i < model_events.size() ? model_events[i] : real_events[i];
      if (ref.command_index != kNoCommand && ref.command_index < commands.size()) {
        const uint32_t at = ref.command_index;
        const uint32_t from = at >= 5 ? at - 5 : 0;
        out << "\n  commands " << from << ".." << at << ":";
        for (uint32_t k = from; k <= at && k < commands.size(); k++) {
          out << "\n    [" << k << "] " << describe(commands[k]);
        }
      }
      return out.str();
    }
    std::string problem = compare_state(*engine, model);
    if (problem.empty()) problem = engine->check_invariants();
    if (!problem.empty()) return "after block " + std::to_string(height) + ": " + problem;

    for (const Event& e : real_events) {
      stats->events_by_kind[e.kind < 10 ? e.kind : 0]++;
      if (e.kind == static_cast<uint16_t>(EventKind::rejected)) {
        const uint32_t code = e.result;
        stats->rejections_by_code[code < 200 ? code : 0]++;
        if (e.rejected.command_kind == static_cast<uint16_t>(CommandKind::void_hold)) {
          if (e.result_code() == Result::amount_must_be_positive) stats->void_amount_negative++;
          if (e.result_code() == Result::hold_amount_exceeded) stats->void_amount_exceeded++;
        }
      }
      if (e.kind == static_cast<uint16_t>(EventKind::hold_voided) && e.hold_released.remaining_minor > 0) {
        stats->partial_voids++;
      }
    }

    // Now and then continue from the engine's own snapshot.
    if (snapshot_prng.chance(2)) {
      std::vector<uint8_t> bytes;
      engine->write_snapshot(&bytes);
      auto loaded = std::make_unique<Engine>(limits);
      const Status status = loaded->load_snapshot(bytes);
      const std::string where = "snapshot after block " + std::to_string(height);
      if (!status.is_ok()) return where + " fails to load: " + status.message();
      if (loaded->state_hash() != engine->state_hash()) return where + " has another state hash";
      engine = std::move(loaded);
      stats->snapshots++;
    }
    height++;
    run_commands += commands.size();
    stats->blocks++;
  }
  stats->commands += run_commands;
  return conservation(*engine, model);
}

TEST(ReferenceLedger, AgreesWithTheEngineOnRandomStreams) {
  const uint64_t base_seed = env_u64("QZ_SEED", 20240601);
  const uint64_t total = env_u64("QZ_DIFF_COMMANDS", 1'050'000);
  const uint64_t runs = env_u64("QZ_DIFF_RUNS", 21);
  const uint64_t per_run = (total + runs - 1) / runs;
  const auto started = std::chrono::steady_clock::now();
  RunStats stats;
  for (uint64_t run = 0; run < runs; run++) {
    const uint64_t seed = base_seed + run;
    // Printed before the run, so that an assertion inside the engine (which aborts) still names its seed.
    std::fprintf(stderr, "differential run %llu/%llu: seed %llu%s\n", static_cast<unsigned long long>(run + 1),
                 static_cast<unsigned long long>(runs), static_cast<unsigned long long>(seed),
                 seed % 3 == 0 ? " (small limits)" : "");
    const std::string problem = run_differential(seed, per_run, &stats);
    if (!problem.empty()) {
      FAIL() << "seed " << seed << " (replay: QZ_SEED=" << seed << " QZ_DIFF_RUNS=1 QZ_DIFF_COMMANDS=" << per_run
             << ")\n" << problem;
    }
  }
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::printf("differential: %llu commands in %llu blocks over %llu runs (base seed %llu), %llu snapshot reloads, "
              "%lld ms\n",
              static_cast<unsigned long long>(stats.commands), static_cast<unsigned long long>(stats.blocks),
              static_cast<unsigned long long>(runs), static_cast<unsigned long long>(base_seed),
              static_cast<unsigned long long>(stats.snapshots), static_cast<long long>(elapsed_ms));
  std::printf("events by kind:");
  for (uint16_t kind = 1; kind < 10; kind++) {
    std::printf(" %s=%llu", event_kind_name(static_cast<EventKind>(kind)),
                static_cast<unsigned long long>(stats.events_by_kind[kind]));
  }
  std::printf("\nrejections by code:");
  for (uint32_t code = 1; code < 200; code++) {
    if (stats.rejections_by_code[code] != 0) {
      std::printf(" %s=%llu", result_name(static_cast<Result>(code)),
                  static_cast<unsigned long long>(stats.rejections_by_code[code]));
    }
  }
  std::printf("\nvoid_hold: %llu partial releases, %llu negative amounts, %llu amounts above the rest\n",
              static_cast<unsigned long long>(stats.partial_voids),
              static_cast<unsigned long long>(stats.void_amount_negative),
              static_cast<unsigned long long>(stats.void_amount_exceeded));
  EXPECT_GE(stats.commands, total);
  EXPECT_GT(stats.partial_voids, 0u);
  EXPECT_GT(stats.void_amount_negative, 0u);
  EXPECT_GT(stats.void_amount_exceeded, 0u);
  // The stream must reach every rejection code the ledger and envelope can give.
  const Result expected[] = {
      Result::unknown_command_kind,  Result::reserved_field_not_zero, Result::actor_not_permitted,
      Result::linked_event_failed,   Result::linked_group_open,       Result::request_id_reused,
      Result::asset_code_invalid,    Result::asset_scale_invalid,     Result::asset_exists,
      Result::asset_limit_reached,   Result::asset_not_found,         Result::account_kind_invalid,
      Result::account_limit_reached, Result::amount_must_be_positive, Result::accounts_must_differ,
      Result::debit_account_not_found, Result::credit_account_not_found, Result::asset_mismatch,
      Result::debit_not_permitted,   Result::insufficient_funds,      Result::balance_overflow,
      Result::hold_timeout_invalid,  Result::hold_not_found,          Result::hold_already_closed,
      Result::hold_credit_required,  Result::hold_credit_mismatch,    Result::hold_amount_exceeded,
  };
  if (total >= 1'000'000) {
    for (Result code : expected) {
      EXPECT_GT(stats.rejections_by_code[static_cast<uint32_t>(code)], 0u) << result_name(code) << " never seen";
    }
    for (uint16_t kind = 1; kind < 10; kind++) {
      EXPECT_GT(stats.events_by_kind[kind], 0u) << event_kind_name(static_cast<EventKind>(kind)) << " never seen";
    }
  }
}

// The same blocks into two fresh engines give the same events and the same state hash after every block.
TEST(ReferenceLedger, TheEngineIsDeterministic) {
  const uint64_t seed = env_u64("QZ_SEED", 777);
  ReferenceLedger model;
  StreamOptions options;
  options.request_ids_in_open_groups = false;  // that case has its own regression test
  CommandStream stream(seed, &model, options);
  Engine a;
  Engine b;
  std::vector<Command> commands;
  std::vector<Event> events_a;
  std::vector<Event> events_b;
  std::vector<Event> model_events;
  for (uint64_t height = 0; height < 300; height++) {
    uint64_t time_ns = 0;
    stream.next_block(&time_ns, &commands);
    events_a.clear();
    events_b.clear();
    a.apply(BlockInput{.height = height, .time_ns = time_ns, .commands = commands}, &events_a);
    b.apply(BlockInput{.height = height, .time_ns = time_ns, .commands = commands}, &events_b);
    model.apply(time_ns, commands, &model_events);
    ASSERT_EQ(events_a.size(), events_b.size()) << "seed " << seed << " block " << height;
    ASSERT_TRUE(same_events(events_a, events_b))
        << "seed " << seed << " block " << height;
    ASSERT_EQ(a.state_hash(), b.state_hash()) << "seed " << seed << " block " << height;
    EXPECT_EQ(a.next_height(), height + 1);
    EXPECT_EQ(a.last_time_ns(), time_ns);
  }
}

}  // namespace
}  // namespace qz::testing
