// `bench_orders FILE` (and a later `qazna bench orders FILE`): the full-path order benchmark. Replays an LBOPS1
// stream (../shared/bench/README.md) as engine commands through qz::Engine::apply, so every order is checked,
// reserved by a ledger hold, matched, settled with fees and released: what a venue does per order.
//
// The workload
//   - One market, BTC (scale 8) against KZT (scale 2): tick 50.00 KZT, lot 0.0002 BTC (tick x lot = 10^8, so one
//     lot at one tick is 1 minor unit of KZT), no band, no min notional, fees maker 10 / taker 20 bps.
//   - `traders` customers (user ids 1000 .. 1000+traders-1); stream order id i belongs to 1000 + i % traders.
//     Each has a BTC and a KZT trading account, funded by the operator from the issuance accounts with more
//     than all the stream's orders could ever reserve or spend, so no order is refused for funds.
//   - NEW -> place_order (limit, GTC or IOC); CANCEL -> cancel_order by engine order id; REPLACE -> the linked
//     pair cancel_order + place_order (cancel-replace) of the order's remaining quantity at the new price. STP
//     none. Engine order ids are dense from 1 in acceptance order, so every command is built before the run:
//     the remaining quantities a REPLACE needs come from an untimed pre-pass of the stream through a bare
//     qz::OrderBook (the book the engine itself uses; same price-time rules).
//   - Commands go in blocks of about `block_commands` (a cancel-replace pair is never split; the warm-up ends
//     on a block boundary). Block times step by 1 ms.
//
// The protocol
//   Setup and warm-up blocks are applied untimed. Each measured block is timed by a clock pair around its
//   Engine::apply call alone; the run's time is their sum (the bench's scan of the events between blocks is not
//   included; the wall time of the whole measured loop is printed beside it). `runs` runs, each on a fresh
//   engine; the median is reported, with per-block apply latency percentiles over all runs.
//
// The checks (any failure: exit 1)
//   Every command accepted (rejections are counted by code and printed); order ids as predicted; trades,
//   traded quantity (measured part) and resting orders at the end equal the bare book's pre-pass and, for a
//   whole public stream, the README table; Engine::check_invariants(); per asset all balances sum to zero; each
//   fee account holds exactly the fees of the order_filled events; state hashes equal across runs.
#pragma once

#include <cstdint>
#include <string>

namespace qz::bench {

struct OrdersBenchOptions {
  std::string path;                   // LBOPS1 stream or its .zst
  uint32_t runs = 3;                  // timed runs, each on a fresh engine; the median is reported
  uint32_t block_commands = 10'000;   // commands per block (a cancel-replace pair may make it one more)
  uint32_t traders = 1'000;           // owners the stream's orders are spread over
  uint32_t window_levels = 1u << 16;  // the market's ladder window (MarketLimits::window_levels)
  uint64_t max_records = 0;           // 0 = the whole stream; else only its first records (warm-up: at most half)
  bool request_ids = false;           // every command carries a distinct request id (client order id)
  uint32_t rules_version = 1;         // the engine's rules version (set_engine_rules first when above 1)
  int cpu = -1;                       // pin the process to this CPU (>= 0) before measuring
};

// The records a `--tiny` run keeps (a smoke run for CI; figures printed, no README checksums).
inline constexpr uint64_t kTinyRecords = 20'000;

// Prints the workload, figures and checks to stdout. Returns 0 when every check passed, 1 when a check failed,
// 2 when the options are unusable or the file could not be read or parsed.
int run_orders_bench(const OrdersBenchOptions& options);

}  // namespace qz::bench
