// The demo venue of `qazna demo`: assets KZT, BTC, ETH, USDT; markets BTCKZT, ETHKZT, USDTKZT, BTCUSDT,
// ETHUSDT; the operator's issuance and fee accounts; demo traders with funded balances and API keys; and a
// market maker inside the process that keeps two-sided books and trades moving.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "server/venue.h"

namespace qz::server {

struct DemoTrader {
  std::string name;
  uint64_t user = 0;
  std::string api_key;
  std::string secret;  // shown once, to the person running the demo
};

struct DemoMarket {
  std::string symbol;
  uint32_t id = 0;
  int64_t reference_price_minor = 0;  // where the market maker starts quoting
};

struct DemoSetup {
  std::vector<DemoTrader> traders;
  std::vector<DemoMarket> markets;
  uint64_t maker_user = 0;
  uint64_t taker_user = 0;
};

// Sets the venue up on a fresh data directory (refuses one that already has assets). Every step goes through
// the journal like any operator command. The traders' API keys are new random ones each time.
[[nodiscard]] Status set_up_demo(Venue* venue, DemoSetup* out);

// Quotes both sides of every demo market around a slowly drifting price, replacing its quotes every
// `period_ms`, and now and then sends a crossing order from a second account so that trades print.
// Deterministic given `seed` (the prices; the timing follows the clock).
class MarketMaker {
 public:
  MarketMaker(Venue* venue, const DemoSetup& setup, uint64_t seed, unsigned period_ms = 250);
  ~MarketMaker();  // stop()
  void start();
  void stop();
  uint64_t rounds() const { return rounds_.load(); }

 private:
  void run();
  void round();

  Venue* venue_;
  DemoSetup setup_;
  uint64_t rng_;
  unsigned period_ms_;
  std::vector<int64_t> mids_;  // per market, quote minor units
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> rounds_{0};
};

}  // namespace qz::server
