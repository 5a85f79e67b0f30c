// The differential test of markets and orders: the real Engine and ReferenceExchange side by side on seeded
// random streams (order_stream.h). After every block: the same events byte for byte, the same total and held
// of every account, the same order reservations, commitments and id counters, the same conversion rates, tier
// limits, retail cap and per-client deposits, withdrawals, purchases (today's, this month's) and commitments,
// engine.check_invariants() and the model's own invariants empty, and per asset the totals sum to zero. A
// difference prints the first differing event of each side field by field, its bytes, the commands before it
// and the model's view of the market.
//
// AgreesWithTheEngineOnRandomStreams holds the engine to the spec as reference_exchange.h reads it (the readings
// the lead settled are the model's defaults; the engine bugs it once listed are fixed).
//
// QZ_SEED=<n> sets the base seed, QZ_EXCHANGE_RUNS the number of runs (seeds base .. base + runs - 1) and
// QZ_EXCHANGE_COMMANDS the commands per run. A failure prints its seed: `QZ_SEED=<seed> QZ_EXCHANGE_RUNS=1`
// replays exactly that run. QZ_EXCHANGE_READINGS=name,... selects alternative readings
// (reference_exchange.h) and QZ_EXCHANGE_AVOID_ABORTS=1 keeps the stream away from the known engine aborts.
// QZ_EXCHANGE_DUMP=1 prints the whole failing block, both sides.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "order_stream.h"
#include "reference_exchange.h"
#include "reference_ledger.h"
#include "rules/limits.h"

namespace qz::testing {
namespace {

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != 0 ? std::strtoull(text, nullptr, 0) : fallback;
}

struct Limits {
  LedgerLimits ledger;
  ReferenceMarketLimits markets;
  uint32_t window_levels = 1024;
};

// Every third seed runs with small limits, so that order_limit_reached and market_limit_reached are reached,
// and with the smallest book window.
Limits limits_for(uint64_t seed) {
  Limits limits;
  if (seed % 3 == 0) {
    limits.markets.max_markets = 4;
    limits.markets.orders_per_market = 12;
    limits.window_levels = 64;
  } else {
    limits.markets.max_markets = 6;
    limits.markets.orders_per_market = 4096;  // the engine's check_invariants walks every slot: keep it small
  }
  return limits;
}

int64_t saturated(int128 value) { return value > INT64_MAX ? INT64_MAX : static_cast<int64_t>(value); }

// Empty when the engine's rates, limits and per-client usage at time_ns equal the model's; else the first
// difference. The engine's counters saturate at INT64_MAX, the model's are exact.
std::string compare_limits(const Engine& engine, const ReferenceExchange& model, uint64_t time_ns) {
  const auto& state = model.state();
  std::ostringstream out;
  if (engine.rates().all() != state.rates) {
    out << "conversion rates: engine has " << engine.rates().size() << ", model " << state.rates.size();
    for (const auto& [asset, rate] : state.rates) out << " [" << asset << "]=" << rate;
    return out.str();
  }
  for (uint8_t tier = 0; tier <= 3; tier++) {
    for (uint8_t kind = 1; kind <= 3; kind++) {
      const PeriodLimit real = engine.limits().tier_limit(tier, static_cast<LimitKind>(kind));
      const auto mine = ReferenceExchange::tier_limit(state, tier, kind);
      if (real.daily_tiyn != mine.daily_tiyn || real.monthly_tiyn != mine.monthly_tiyn) {
        out << "tier " << int{tier} << " kind " << int{kind} << " limits: engine " << real.daily_tiyn << "/"
            << real.monthly_tiyn << ", model " << mine.daily_tiyn << "/" << mine.monthly_tiyn;
        return out.str();
      }
    }
  }
  const RetailCap& cap = engine.limits().retail_cap();
  if (cap.usd_cents != state.cap_usd_cents || cap.residence[0] != state.cap_residence[0] ||
      cap.residence[1] != state.cap_residence[1]) {
    out << "retail cap: engine " << cap.usd_cents << ", model " << state.cap_usd_cents;
    return out.str();
  }
  const Period now = period_of(time_ns);
  for (const auto& [client, facts] : state.clients) {
    const ClientUsage* usage = engine.limits().usage(client);
    const ClientUsage none;
    const ClientUsage& used = usage == nullptr ? none : *usage;
    if (used.committed_tiyn != ReferenceExchange::committed(state, client)) {
      out << "client " << client << " commits " << used.committed_tiyn << " tiyn in the engine, "
          << saturated(ReferenceExchange::committed(state, client)) << " in the model";
      return out.str();
    }
    for (uint8_t kind = 1; kind <= 3; kind++) {
      const auto k = static_cast<LimitKind>(kind);
      const int64_t today = usage == nullptr ? 0 : ClientLimits::daily(used, k, now);
      const int64_t month = usage == nullptr ? 0 : ClientLimits::monthly(used, k, now);
      const int64_t model_today = saturated(ReferenceExchange::used_today(state, client, kind, time_ns));
      const int64_t model_month = saturated(ReferenceExchange::used_this_month(state, client, kind, time_ns));
      if (today != model_today || month != model_month) {
        out << "client " << client << " " << limit_kind_name(k) << " today/month: engine " << today << "/" << month
            << ", model " << model_today << "/" << model_month;
        return out.str();
      }
    }
  }
  return {};
}

// Empty when the engine's money and ids equal the model's; else the first difference.
std::string compare_state(const Engine& engine, const ReferenceExchange& model) {
  const Ledger& ledger = engine.ledger();
  const auto& state = model.state();
  std::ostringstream out;
  if (ledger.account_count() != state.accounts.size()) {
    out << "account count " << ledger.account_count() << " vs model " << state.accounts.size();
    return out.str();
  }
  for (const auto& [id, account] : state.accounts) {
    const Account* real = ledger.account(id);
    if (real == nullptr || real->total_minor != account.total_minor || real->locked_minor != account.locked_minor ||
        real->held_minor != 0) {
      out << "account " << id << " (owner " << account.owner << ", asset " << account.asset
          << "): engine total/locked/held " << (real ? real->total_minor : 0) << "/" << (real ? real->locked_minor : 0)
          << "/" << (real ? real->held_minor : 0) << ", model " << account.total_minor << "/" << account.locked_minor
          << "/0";
      return out.str();
    }
  }
  if (ledger.live_hold_count() != 0 || ledger.next_hold_id() != 1) {
    out << "the streams place no ledger holds, but the engine has " << ledger.live_hold_count() << " live";
    return out.str();
  }
  for (const auto& [id, reservation] : state.reservations) {
    const OrderState* real = engine.exchange().order(id);
    if (real == nullptr || real->spend_account != reservation.account ||
        real->reserved_minor != reservation.remaining_minor) {
      out << "order " << id << ": engine reserves " << (real ? real->reserved_minor : -1) << " on account "
          << (real ? real->spend_account : 0) << ", model " << reservation.remaining_minor << " on account "
          << reservation.account;
      return out.str();
    }
  }
  for (const auto& [id, order] : state.orders) {
    const OrderState* real = engine.exchange().order(id);
    if (real == nullptr || real->commitment_tiyn != order.commitment_tiyn || real->commit_rate != order.commit_rate) {
      out << "order " << id << ": engine commits " << (real ? real->commitment_tiyn : -1) << " tiyn at rate "
          << (real ? real->commit_rate : -1) << ", model " << order.commitment_tiyn << " at " << order.commit_rate;
      return out.str();
    }
  }
  // The client registry.
  if (engine.clients().size() != state.clients.size() ||
      engine.clients().require_registered() != state.require_registered) {
    out << "clients: engine " << engine.clients().size() << " (policy " << engine.clients().require_registered()
        << "), model " << state.clients.size() << " (policy " << state.require_registered << ")";
    return out.str();
  }
  for (const auto& [id, client] : state.clients) {
    const Client* real = engine.clients().find(id);
    if (real == nullptr || static_cast<uint8_t>(real->status) != client.status ||
        static_cast<uint16_t>(real->reason) != client.reason || real->facts.kyc_tier != client.tier ||
        static_cast<uint8_t>(real->facts.classification) != client.classification) {
      out << "client " << id << ": engine status " << (real ? int{static_cast<uint8_t>(real->status)} : -1)
          << ", model " << int{client.status};
      return out.str();
    }
  }
  if (ledger.next_transfer_id() != state.next_transfer_id) {
    out << "next transfer id " << ledger.next_transfer_id() << " vs model " << state.next_transfer_id
        << " (R1: transfers per fill)";
    return out.str();
  }
  if (engine.requests().size() != model.answers().size()) {
    out << "remembered requests " << engine.requests().size() << " vs model " << model.answers().size();
    return out.str();
  }
  return {};
}

std::string conservation(const Engine& engine, const ReferenceExchange& model) {
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

// The model's open orders of one market (waiting stops and resting orders), for failure messages.
std::string market_orders(const ReferenceExchange& model, uint32_t market, uint64_t time_ns) {
  std::ostringstream out;
  const auto it = model.state().markets.find(market);
  if (it != model.state().markets.end()) {
    const MarketConfig& c = it->second.config;
    out << "\n  model's market " << market << ": status " << int{static_cast<uint8_t>(c.status)} << " band "
        << c.band_bps << " min_notional " << c.min_notional << " reference " << it->second.reference_minor
        << " last trade " << it->second.last_trade_minor << " tick " << c.tick_size << " lot " << c.lot_step;
    out << "\n  model's fee tiers of market " << market << ":";
    for (const FeeTier& tier : it->second.tiers) {
      out << " {" << tier.min_30d_volume_quote_minor << ", " << tier.maker_bps << ", " << tier.taker_bps << "}";
    }
    out << "\n  model's 30-day volumes in its quote asset (at the last block time):";
    for (const auto& [key, days] : model.state().volumes) {
      if (key.second != it->second.config.quote_asset) continue;
      out << " owner " << key.first << ": " << ReferenceExchange::volume(model.state(), key.first, key.second, time_ns)
          << ";";
    }
  }
  out << "\n  model's open orders of market " << market << " after the block:";
  for (const auto& [id, o] : model.state().orders) {
    if (o.market != market) continue;
    out << "\n    order " << id << " owner=" << o.owner << " side=" << int{o.side} << " type=" << int{o.type}
        << " tif=" << int{o.tif} << " stp=" << int{o.stp} << " price=" << o.price_minor << " qty=" << o.qty_minor
        << " executed=" << o.executed_minor << " stop=" << o.stop_price_minor << " slice=" << o.slice_minor
        << " visible=" << o.visible_minor << " hidden=" << o.hidden_minor << (o.waiting ? " waiting" : " resting");
  }
  return out.str();
}

// The field-by-field text of both events, their bytes, the bytes that differ, and the commands around.
std::string explain(uint64_t height, uint64_t time_ns, const std::vector<Command>& commands,
                    const std::vector<Event>& real, const std::vector<Event>& model, size_t i) {
  std::ostringstream out;
  out << "block " << height << " (time " << time_ns << ", " << commands.size() << " commands), event " << i
      << " (engine has " << real.size() << ", model " << model.size() << "):";
  for (size_t k = i >= 3 ? i - 3 : 0; k < i; k++) out << "\n  same:   " << describe_any(model[k]);
  out << "\n  engine: " << (i < real.size() ? describe_any(real[i]) : "(none)")
      << "\n  model:  " << (i < model.size() ? describe_any(model[i]) : "(none)");
  if (i < real.size()) out << "\n  engine bytes: " << hex(&real[i], sizeof(Event));
  if (i < model.size()) out << "\n  model bytes:  " << hex(&model[i], sizeof(Event));
  if (i < real.size() && i < model.size()) {
    out << "\n  differing bytes:";
    const auto* a = reinterpret_cast<const uint8_t*>(&real[i]);
    const auto* b = reinterpret_cast<const uint8_t*>(&model[i]);
    for (size_t k = 0; k < sizeof(Event); k++) {
      if (a[k] != b[k]) out << " " << k;
    }
  }
  const Event& ref = i < model.size() ? model[i] : real[i];
  if (ref.command_index != kNoCommand && ref.command_index < commands.size()) {
    const uint32_t at = ref.command_index;
    const uint32_t from = at >= 3 ? at - 3 : 0;
    out << "\n  commands " << from << ".." << at << ":";
    for (uint32_t k = from; k <= at && k < commands.size(); k++) {
      out << "\n    [" << k << "] " << describe_any(commands[k]);
    }
  } else {
    out << "\n  (block start: no command)";
  }
  return out.str();
}

struct RunStats {
  uint64_t commands = 0;
  uint64_t blocks = 0;
  uint64_t snapshots = 0;
  uint64_t events_by_kind[64] = {};
  uint64_t rejections_by_code[800] = {};
  uint64_t accepted_by_type[8] = {};
  uint64_t accepted_by_tif[8] = {};
  uint64_t ended_by_reason[32] = {};
  uint64_t stp_accepted[4] = {};  // orders accepted per STP mode
  uint64_t icebergs = 0;          // order_rested with visible < remaining
  uint64_t cascades = 0;          // commands that triggered two or more stops
  uint64_t self_trades = 0;       // trades whose maker and taker have the same owner
  uint64_t buys = 0;              // place_order commands that buy
  uint64_t buys_accepted = 0;
  uint64_t buys_refused_by_limits[4] = {};  // by code - 611: conversion_rate_missing, retail, tier purchase
};

void count(const std::vector<Event>& events, std::span<const Command> commands, RunStats* stats) {
  const auto buys = [&](uint32_t index) {
    return index < commands.size() && commands[index].kind == static_cast<uint16_t>(CommandKind::place_order) &&
           commands[index].place_order.side == static_cast<uint8_t>(OrderSideCode::buy);
  };
  for (size_t i = 0; i < commands.size(); i++) stats->buys += buys(static_cast<uint32_t>(i)) ? 1 : 0;
  uint32_t last_index = kNoCommand;
  uint32_t triggers = 0;
  for (const Event& e : events) {
    if (e.command_index != last_index) {
      if (triggers >= 2) stats->cascades++;
      triggers = 0;
      last_index = e.command_index;
    }
    stats->events_by_kind[e.kind < 64 ? e.kind : 0]++;
    switch (e.event_kind()) {
      case EventKind::rejected:
        stats->rejections_by_code[e.result < 800 ? e.result : 0]++;
        if (buys(e.command_index) && e.result >= static_cast<uint32_t>(Result::conversion_rate_missing) &&
            e.result <= static_cast<uint32_t>(Result::tier_purchase_limit)) {
          stats->buys_refused_by_limits[e.result - static_cast<uint32_t>(Result::conversion_rate_missing)]++;
        }
        break;
      case EventKind::order_accepted:
        stats->buys_accepted += e.order_accepted.side == static_cast<uint8_t>(OrderSideCode::buy) ? 1 : 0;
        stats->accepted_by_type[e.order_accepted.type & 7]++;
        stats->accepted_by_tif[e.order_accepted.time_in_force & 7]++;
        stats->stp_accepted[e.order_accepted.self_trade_prevention & 3]++;
        break;
      case EventKind::order_cancelled:
      case EventKind::order_expired: stats->ended_by_reason[e.order_ended.reason & 31]++; break;
      case EventKind::order_rested:
        if (e.order_rested.visible_qty_minor < e.order_rested.remaining_qty_minor) stats->icebergs++;
        break;
      case EventKind::order_triggered: triggers++; break;
      default: break;
    }
  }
  if (triggers >= 2) stats->cascades++;
}

// Runs one seeded stream of about `target_commands` commands. Returns an empty string on success.
struct RunConfig {
  ReferenceReadings readings;
  bool avoid_known_aborts = false;
  uint32_t rules_version = 1;  // OrderStreamOptions::rules_version
};

std::string run_differential(uint64_t seed, uint64_t target_commands, const RunConfig& config, RunStats* stats) {
  const Limits limits = limits_for(seed);
  MarketLimits market_limits;
  market_limits.max_markets = limits.markets.max_markets;
  market_limits.orders_per_market = limits.markets.orders_per_market;
  market_limits.window_levels = limits.window_levels;
  auto engine = std::make_unique<Engine>(limits.ledger, market_limits);
  ReferenceExchange model(limits.ledger, limits.markets, config.readings);
  OrderStreamOptions options;
  options.avoid_known_aborts = config.avoid_known_aborts;
  options.rules_version = config.rules_version;
  OrderStream stream(seed, &model, options);

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
    model.apply(time_ns, commands, &model_events);
    if (!model.broken_promise().empty()) {
      // The engine, following the same rules, would pay more than a reservation holds (the engine aborts on its
      // assertion): report it before handing it the block.
      return "block " + std::to_string(height) + ": following the spec, " + model.broken_promise() +
             " (see reference_exchange.h, the market_by_quote walk)";
    }
    // The engine asserts that every command got an event; name the commands the model answered with none
    // first, so that such an abort is explained.
    if (model_events.size() < commands.size()) {
      std::ostringstream out;
      out << "block " << height << ": the model answers " << commands.size() << " commands with " << model_events.size()
          << " events; Engine::apply asserts at least one per command, so it would abort "
          << "here (R3). Commands with no event:";
      std::vector<bool> answered(commands.size(), false);
      for (const Event& e : model_events) {
        if (e.command_index < commands.size()) answered[e.command_index] = true;
      }
      for (size_t k = 0; k < commands.size(); k++) {
        if (!answered[k]) out << "\n    [" << k << "] " << describe_any(commands[k]);
      }
      return out.str();
    }
    engine->apply(BlockInput{.height = height, .time_ns = time_ns, .commands = commands}, &real_events);

    const size_t n = std::max(real_events.size(), model_events.size());
    for (size_t i = 0; i < n; i++) {
      const bool same = i < real_events.size() && i < model_events.size() &&
                        std::memcmp(&real_events[i], &model_events[i], sizeof(Event)) == 0;
      if (!same) {
        uint32_t market = 0;
        const Event& e = i < model_events.size() ? model_events[i] : real_events[i];
        const uint32_t at = e.command_index;
        if (at != kNoCommand && at < commands.size() && commands[at].kind >= 10) {
          market = commands[at].place_order.market;  // every market and order payload starts with the market
        }
        std::string dump;
        if (env_u64("QZ_EXCHANGE_DUMP", 0) != 0) {  // the whole block, side by side
          std::ostringstream out;
          out << "\n  the block's commands:";
          for (size_t k = 0; k < commands.size(); k++) out << "\n    [" << k << "] " << describe_any(commands[k]);
          for (size_t k = 0; k < n; k++) {
            out << "\n  " << k
                << (k < real_events.size() && k < model_events.size() &&
                            std::memcmp(&real_events[k], &model_events[k], sizeof(Event)) == 0
                        ? " same   "
                        : " DIFFERS")
                << "\n    engine: " << (k < real_events.size() ? describe_any(real_events[k]) : "(none)")
                << "\n    model:  " << (k < model_events.size() ? describe_any(model_events[k]) : "(none)");
          }
          dump = out.str();
        }
        return explain(height, time_ns, commands, real_events, model_events, i) +
               (market != 0 ? market_orders(model, market, time_ns) : std::string()) + dump;
      }
    }
    std::string problem = compare_state(*engine, model);
    if (problem.empty()) problem = compare_limits(*engine, model, time_ns);
    if (problem.empty()) problem = engine->check_invariants();
    if (problem.empty()) problem = model.check_invariants();
    if (problem.empty()) problem = conservation(*engine, model);
    if (!problem.empty()) return "after block " + std::to_string(height) + ": " + problem;

    count(real_events, commands, stats);
    // Now and then the engine goes through a snapshot: write it, load it into a fresh engine and go on with
    // that one. The loaded engine must have the same state hash and, from here on, the same events.
    if (height % 97 == 96) {
      std::vector<uint8_t> bytes;
      engine->write_snapshot(&bytes);
      auto loaded = std::make_unique<Engine>(limits.ledger, market_limits);
      const Status status = loaded->load_snapshot(bytes);
      if (!status.is_ok()) return "after block " + std::to_string(height) + ": snapshot: " + status.message();
      if (loaded->state_hash() != engine->state_hash()) {
        return "after block " + std::to_string(height) + ": the loaded snapshot has another state hash";
      }
      engine = std::move(loaded);
      stats->snapshots++;
    }
    height++;
    run_commands += commands.size();
    stats->blocks++;
  }
  stats->commands += run_commands;
  return {};
}

void print_stats(const RunStats& stats) {
  std::printf("events:");
  for (uint16_t kind = 1; kind < 64; kind++) {
    if (stats.events_by_kind[kind] == 0) continue;
    std::printf(" %s=%llu", event_kind_name(static_cast<EventKind>(kind)),
                static_cast<unsigned long long>(stats.events_by_kind[kind]));
  }
  std::printf("\nrejections:");
  for (uint32_t code = 1; code < 800; code++) {
    if (stats.rejections_by_code[code] == 0) continue;
    std::printf(" %s=%llu", result_name(static_cast<Result>(code)),
                static_cast<unsigned long long>(stats.rejections_by_code[code]));
  }
  std::printf("\naccepted by type (1-6):");
  for (int type = 1; type <= 6; type++) {
    std::printf(" %llu", static_cast<unsigned long long>(stats.accepted_by_type[type]));
  }
  std::printf(", by tif (0-4):");
  for (int tif = 0; tif <= 4; tif++) std::printf(" %llu", static_cast<unsigned long long>(stats.accepted_by_tif[tif]));
  std::printf(", by stp (0-3):");
  for (int mode = 0; mode <= 3; mode++) {
    std::printf(" %llu", static_cast<unsigned long long>(stats.stp_accepted[mode]));
  }
  std::printf("\nended by reason:");
  for (int reason = 1; reason < 19; reason++) {
    if (stats.ended_by_reason[reason] != 0) {
      std::printf(" %d=%llu", reason, static_cast<unsigned long long>(stats.ended_by_reason[reason]));
    }
  }
  std::printf("\nbuys: %llu, accepted %llu; refused by conversion_rate_missing %llu, retail_purchase_limit %llu, "
              "tier_purchase_limit %llu",
              static_cast<unsigned long long>(stats.buys), static_cast<unsigned long long>(stats.buys_accepted),
              static_cast<unsigned long long>(stats.buys_refused_by_limits[0]),
              static_cast<unsigned long long>(stats.buys_refused_by_limits[2]),
              static_cast<unsigned long long>(stats.buys_refused_by_limits[3]));
  std::printf("\nicebergs rested: %llu, stop cascades: %llu, snapshot reloads: %llu\n",
              static_cast<unsigned long long>(stats.icebergs), static_cast<unsigned long long>(stats.cascades),
              static_cast<unsigned long long>(stats.snapshots));
}

// The default run must reach every order type, every end reason, and every rejection code of the market range
// that a customer or the operator can cause.
void expect_coverage(const RunStats& stats) {
  for (int type = 1; type <= 6; type++) EXPECT_GT(stats.accepted_by_type[type], 0u) << "order type " << type;
  for (int reason : {1, 2, 3, 4, 10, 11, 12, 13, 14, 15, 16, 18}) {
    EXPECT_GT(stats.ended_by_reason[reason], 0u) << "end reason " << reason;
  }
  for (EventKind kind : {EventKind::order_triggered, EventKind::order_amended, EventKind::candle_closed,
                         EventKind::duplicate, EventKind::fee_tier_set, EventKind::market_rules_set,
                         EventKind::client_registered, EventKind::client_updated, EventKind::client_status_changed,
                         EventKind::client_policy_set, EventKind::conversion_rate_set, EventKind::tier_limits_set,
                         EventKind::retail_cap_set}) {
    EXPECT_GT(stats.events_by_kind[static_cast<uint16_t>(kind)], 0u) << event_kind_name(kind);
  }
  EXPECT_GT(stats.icebergs, 0u);
  EXPECT_GT(stats.cascades, 0u);
  // Every purchase refusal reaches buys (index: code - conversion_rate_missing).
  for (size_t k : {0, 2, 3}) EXPECT_GT(stats.buys_refused_by_limits[k], 0u) << "buys refused by code " << 611 + k;
  const Result expected[] = {
      Result::reserved_field_not_zero,
      Result::actor_not_permitted,
      Result::unknown_command_kind,
      Result::linked_event_failed,
      Result::linked_group_open,
      Result::request_id_reused,
      Result::linked_group_unsupported,
      Result::insufficient_funds,
      Result::amount_must_be_positive,
      Result::market_assets_invalid,
      Result::market_tick_invalid,
      Result::market_lot_invalid,
      Result::market_qty_limits_invalid,
      Result::market_fee_invalid,
      Result::market_band_invalid,
      Result::market_halted,
      Result::market_closed,
      Result::price_not_on_tick,
      Result::qty_not_on_lot,
      Result::qty_below_minimum,
      Result::qty_above_maximum,
      Result::notional_below_minimum,
      Result::price_out_of_band,
      Result::amount_overflow,
      Result::market_not_found,
      Result::market_fee_accounts_invalid,
      Result::market_status_invalid,
      Result::fee_tiers_invalid,
      Result::order_type_invalid,
      Result::trading_account_not_found,
      Result::no_reference_price,
      Result::stop_price_invalid,
      Result::order_expiry_invalid,
      Result::iceberg_invalid,
      Result::order_would_take,
      Result::order_not_found,
      Result::amend_qty_invalid,
      Result::order_limit_reached,
      Result::order_field_invalid,
      Result::market_limit_reached,
      Result::market_not_ready,
      Result::client_id_invalid,
      Result::client_facts_invalid,
      Result::client_exists,
      Result::client_status_invalid,
      Result::client_status_unchanged,
      Result::client_pending,
      Result::client_frozen,
      Result::client_offboarded,
      Result::client_not_registered,
      Result::asset_not_found,
      Result::conversion_rate_invalid,
      Result::conversion_rate_missing,
      Result::limits_invalid,
      Result::retail_purchase_limit,
      Result::tier_purchase_limit,
      Result::tier_deposit_limit,
      Result::tier_withdrawal_limit,
  };
  for (Result code : expected) {
    EXPECT_GT(stats.rejections_by_code[static_cast<uint32_t>(code)], 0u) << result_name(code) << " never seen";
  }
}

void run_seeds(const char* name, const RunConfig& config, uint64_t default_runs, RunStats* totals = nullptr) {
  const uint64_t base_seed = env_u64("QZ_SEED", 20251126);
  const uint64_t runs = env_u64("QZ_EXCHANGE_RUNS", default_runs);
  const uint64_t per_run = env_u64("QZ_EXCHANGE_COMMANDS", 20'000);
  const auto started = std::chrono::steady_clock::now();
  RunStats stats;
  for (uint64_t run = 0; run < runs; run++) {
    const uint64_t seed = base_seed + run;
    // Printed before the run, so that an assertion inside the engine (which aborts) still names its seed.
    std::fprintf(stderr, "%s run %llu/%llu: seed %llu%s\n", name, static_cast<unsigned long long>(run + 1),
                 static_cast<unsigned long long>(runs), static_cast<unsigned long long>(seed),
                 seed % 3 == 0 ? " (small limits)" : "");
    const std::string problem = run_differential(seed, per_run, config, &stats);
    if (!problem.empty()) {
      FAIL() << "seed " << seed << " (replay: QZ_SEED=" << seed
             << " QZ_EXCHANGE_RUNS=1 QZ_EXCHANGE_COMMANDS=" << per_run << ")\n"
             << problem;
    }
  }
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::printf("%s: %llu commands in %llu blocks over %llu runs (base seed %llu), %lld ms\n", name,
              static_cast<unsigned long long>(stats.commands), static_cast<unsigned long long>(stats.blocks),
              static_cast<unsigned long long>(runs), static_cast<unsigned long long>(base_seed),
              static_cast<long long>(elapsed_ms));
  print_stats(stats);
  if (config.rules_version == 1 && runs * per_run >= 200'000) expect_coverage(stats);
  if (totals != nullptr) *totals = stats;
}

// The model's calendar (whole years, then months) against the engine's civil-date arithmetic, 1970-2200.
TEST(ReferenceExchange, CalendarMonthsAgreeWithTheEngine) {
  constexpr uint64_t kNsPerDay = 86'400'000'000'000ULL;
  for (uint64_t day = 0; day < 84'000; day++) {
    ASSERT_EQ(ReferenceExchange::month_of_day(day), period_of(day * kNsPerDay + kNsPerDay - 1).month) << "day " << day;
  }
  EXPECT_EQ(ReferenceExchange::month_of_day(0), 1970u * 12);           // 1970-01-01
  EXPECT_EQ(ReferenceExchange::month_of_day(19'782), 2024u * 12 + 1);  // 2024-02-29
  EXPECT_EQ(ReferenceExchange::month_of_day(19'783), 2024u * 12 + 2);  // 2024-03-01
}

// The spec as reference_exchange.h reads it. QZ_EXCHANGE_READINGS=name,... switches alternative readings on;
// QZ_EXCHANGE_AVOID_ABORTS=1 keeps the stream away from the cases known to abort the engine.
TEST(ReferenceExchange, AgreesWithTheEngineOnRandomStreams) {
  RunConfig config;
  const char* names = std::getenv("QZ_EXCHANGE_READINGS");
  ASSERT_TRUE(names == nullptr || parse_readings(names, &config.readings))
      << "QZ_EXCHANGE_READINGS: unknown name in '" << names << "'; known:\n"
      << readings_help();
  config.avoid_known_aborts = env_u64("QZ_EXCHANGE_AVOID_ABORTS", 0) != 0;
  run_seeds("exchange differential", config, 10);
}

// The same under rules version 2, switched on part way through each stream: a place_order's request id is a
// client order id, unique among the actor's open orders only, and no longer remembered.
TEST(ReferenceExchange, AgreesWithTheEngineUnderRulesVersion2) {
  RunConfig config;
  config.rules_version = 2;
  RunStats stats;
  run_seeds("exchange differential, rules version 2", config, 10, &stats);
  EXPECT_GT(stats.events_by_kind[static_cast<uint16_t>(EventKind::engine_rules_set)], 0u);
  for (Result code : {Result::client_order_id_open, Result::engine_rules_invalid, Result::request_id_reused,
                      Result::actor_not_permitted}) {
    EXPECT_GT(stats.rejections_by_code[static_cast<uint32_t>(code)], 0u) << result_name(code) << " never seen";
  }
  EXPECT_GT(stats.events_by_kind[static_cast<uint16_t>(EventKind::duplicate)], 0u);
}

}  // namespace
}  // namespace qz::testing
