// The fixture of the monitoring tests: a real Engine fed block by block, and a Monitor fed the same blocks and the
// engine's events, as the server's monitoring thread is.
//
// Assets: 1 BTC (scale 8), 2 KZT (scale 2). Accounts: 1 BTC issuance, 2 KZT issuance, 3 BTC custody, 4 KZT custody,
// 5 BTC fees, 6 KZT fees, then per customer its BTC and KZT accounts (Alice 7, 8; Bob 9, 10; Carol 11, 12).
// The custody accounts are funded from issuance (neither a deposit nor a withdrawal); deposits are transfers from
// custody to a customer, withdrawals the reverse. Market 1 is BTC/KZT, tick 100.00 KZT, lot 0.0001 BTC, no fees,
// no price band. BTC is worth 30,000,000.00 KZT (set_conversion_rate) unless a test says otherwise.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/engine.h"
#include "monitor/monitor.h"

namespace qz::monitor::testing {

constexpr uint64_t kAlice = 101;
constexpr uint64_t kBob = 102;
constexpr uint64_t kCarol = 103;
constexpr uint32_t kBtc = 1;
constexpr uint32_t kKzt = 2;
constexpr int64_t kOneBtc = 1'0000'0000;
constexpr int64_t kBtcRate = 30'000'000'00;             // tiyn per BTC
constexpr uint64_t kStart = 1'700'000'000'000'000'000;  // block time of the setup's first block

class MonitorScenario : public ::testing::Test {
 public:
  // Builds the venue. `rate` false leaves BTC without a conversion rate.
  void start(const Config& config = {}, bool rate = true) {
    monitor_ = std::make_unique<Monitor>(config);
    run({make_create_asset("BTC", 8), make_create_asset("KZT", 2)});
    run({make_open_account(0, kBtc, AccountKind::issuance), make_open_account(0, kKzt, AccountKind::issuance),
         make_open_account(0, kBtc, AccountKind::custody), make_open_account(0, kKzt, AccountKind::custody),
         make_open_account(0, kBtc, AccountKind::fee_income), make_open_account(0, kKzt, AccountKind::fee_income)});
    for (const uint64_t user : {kAlice, kBob, kCarol}) {
      run({make_open_account(user, kBtc, AccountKind::customer), make_open_account(user, kKzt, AccountKind::customer)});
    }
    run({make_transfer(1, 3, 1'000'000 * kOneBtc), make_transfer(2, 4, 1'000'000'000'000'00)});
    run({make_create_market(kBtc, kKzt, 100'00, 10'000, 10'000, 100 * kOneBtc)});
    run({make_set_market_rules(1, 0, 0, 0, 0, 5, 6), make_set_market_status(1, 1)});
    if (rate) run({make_set_conversion_rate(kBtc, kBtcRate)});
    ASSERT_TRUE(alerts_.empty()) << "the setup raised an alert";
    ASSERT_EQ(engine_.check_invariants(), "");
  }

  static uint64_t account_of(uint64_t user, uint32_t asset) {
    return 7 + (user - kAlice) * 2 + (asset == kKzt ? 1 : 0);
  }
  static uint64_t custody(uint32_t asset) { return asset == kBtc ? 3 : 4; }
  static Command deposit(uint64_t user, uint32_t asset, int64_t amount) {
    return make_transfer(custody(asset), account_of(user, asset), amount);
  }
  static Command withdrawal(uint64_t user, uint32_t asset, int64_t amount) {
    return make_transfer(account_of(user, asset), custody(asset), amount);
  }
  static Command limit(uint64_t user, OrderSideCode side, int64_t price, int64_t qty) {
    return make_place_order(user, 1, side, OrderType::limit, OrderTif::gtc, price, qty);
  }

  // Applies one block `advance_ns` after the previous one; returns the alerts it raised.
  std::vector<Alert> run(std::vector<Command> commands, uint64_t advance_ns = 1'000'000'000) {
    time_ns_ = time_ns_ == 0 ? kStart : time_ns_ + advance_ns;
    std::vector<Event> events;
    const uint64_t height = engine_.next_height();
    engine_.apply(BlockInput{.height = height, .time_ns = time_ns_, .commands = commands}, &events);
    for (const Event& event : events) {
      EXPECT_NE(event.event_kind(), EventKind::rejected)
          << "block " << height << ": " << result_name(event.result_code());
    }
    last_events_ = events;
    last_height_ = height;
    std::vector<Alert> raised;
    monitor_->on_block(BlockView{.height = height, .time_ns = time_ns_, .commands = commands, .events = events},
                       &raised);
    alerts_.insert(alerts_.end(), raised.begin(), raised.end());
    blocks_.push_back(Recorded{.height = height, .time_ns = time_ns_, .commands = commands, .events = events});
    return raised;
  }

  // Order id of the order_accepted event in the last block (the first one when several).
  uint64_t last_order_id() const {
    for (const Event& event : last_events_) {
      if (event.event_kind() == EventKind::order_accepted) return event.order_accepted.order;
    }
    ADD_FAILURE() << "no order_accepted in the last block";
    return 0;
  }
  // Index of the first event of `kind` in the last block.
  uint32_t index_of(EventKind kind, size_t nth = 0) const {
    for (size_t i = 0; i < last_events_.size(); i++) {
      if (last_events_[i].event_kind() == kind && nth-- == 0) return static_cast<uint32_t>(i);
    }
    ADD_FAILURE() << "no such event in the last block";
    return 0;
  }

  struct Recorded {
    uint64_t height;
    uint64_t time_ns;
    std::vector<Command> commands;
    std::vector<Event> events;
  };

  Engine engine_{
      LedgerLimits{},
      MarketLimits{.max_markets = 4, .orders_per_market = 1024, .window_levels = 4096, .candle_history = 16}};
  std::unique_ptr<Monitor> monitor_;
  std::vector<Alert> alerts_;  // every alert so far
  std::vector<Recorded> blocks_;
  std::vector<Event> last_events_;
  uint64_t last_height_ = 0;
  uint64_t time_ns_ = 0;
};

}  // namespace qz::monitor::testing
