// The fixture of the exchange tests: two assets, fee accounts, three funded customers and one open market.
// BTC has scale 8, KZT scale 2. Market 1 is BTC/KZT with tick 100.00 KZT and lot 0.0001 BTC, fees 10/20 bps,
// band 10%, min notional 1,000.00 KZT.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "engine/engine.h"

namespace qz {

constexpr uint64_t kAlice = 101;
constexpr uint64_t kBob = 102;
constexpr uint64_t kCarol = 103;

class ExchangeTest : public ::testing::Test {
 public:
  void SetUp() override {
    run({make_create_asset("BTC", 8), make_create_asset("KZT", 2)});
    // Accounts: 1 BTC issuance, 2 KZT issuance, 3 BTC fees, 4 KZT fees, then per customer BTC, KZT.
    run({make_open_account(0, 1, AccountKind::issuance), make_open_account(0, 2, AccountKind::issuance),
         make_open_account(0, 1, AccountKind::fee_income), make_open_account(0, 2, AccountKind::fee_income)});
    for (const uint64_t user : {kAlice, kBob, kCarol}) {
      run({make_open_account(user, 1, AccountKind::customer), make_open_account(user, 2, AccountKind::customer)});
    }
    // Each customer: 10 BTC and 100,000,000.00 KZT.
    for (const uint64_t user : {kAlice, kBob, kCarol}) {
      run({make_transfer(1, btc(user), 10'0000'0000), make_transfer(2, kzt(user), 100'000'000'00)});
    }
    run({make_create_market(1, 2, 100'00, 10'000, 10'000, 100'0000'0000)});
    ASSERT_EQ(last_rejection, Result::ok);
    run({make_set_market_rules(1, 1'000, 1'000'00, 10, 20, 3, 4), make_set_market_status(1, 1)});
    ASSERT_EQ(engine.check_invariants(), "");
  }

  static uint64_t btc(uint64_t user) { return 5 + (user - kAlice) * 2; }
  static uint64_t kzt(uint64_t user) { return 6 + (user - kAlice) * 2; }
  const Account& account(uint64_t id) const { return *engine.ledger().account(id); }

  std::vector<Event> run(std::vector<Command> commands) {
    std::vector<Event> events;
    time_ns += 1'000'000'000;
    engine.apply(BlockInput{.height = engine.next_height(), .time_ns = time_ns, .commands = commands}, &events);
    for (const Event& event : events) {
      if (event.event_kind() == EventKind::rejected) last_rejection = event.result_code();
    }
    EXPECT_EQ(engine.check_invariants(), "");
    return events;
  }

  static Command limit(uint64_t user, OrderSideCode side, int64_t price, int64_t qty, OrderTif tif = OrderTif::gtc,
                       uint64_t client_id = 0) {
    Command command = make_place_order(user, 1, side, OrderType::limit, tif, price, qty);
    command.request_id = client_id;
    return command;
  }

  static std::vector<EventKind> kinds(const std::vector<Event>& events) {
    std::vector<EventKind> out;
    for (const Event& event : events) out.push_back(event.event_kind());
    return out;
  }

  void expect_conserved() const {
    for (uint32_t asset = 1; asset <= engine.ledger().asset_count(); asset++) {
      int64_t sum = 0;
      for (uint64_t id = 1; id <= engine.ledger().account_count(); id++) {
        if (account(id).asset == asset) sum += account(id).total_minor;
      }
      EXPECT_EQ(sum, 0) << "asset " << asset;
    }
  }

  // Small limits keep each test's engine light; order_limit_reached is reachable with 64 open orders.
  static MarketLimits limits() {
    return MarketLimits{.max_markets = 8, .orders_per_market = 64, .window_levels = 1024, .candle_history = 16};
  }
  Engine engine{LedgerLimits{}, limits()};
  uint64_t time_ns = 1'700'000'000'000'000'000;
  Result last_rejection = Result::ok;
};

}  // namespace qz
