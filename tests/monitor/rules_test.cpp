// The monitoring rules through a real Engine: for every rule a scenario in which it fires with the expected
// evidence, and near misses in which it does not (at the threshold, one second past a window, a share just short).
// Every test checks the whole list of alerts the Monitor raised, so no rule fires where it should not.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "monitor/monitor.h"
#include "scenario.h"

namespace qz::monitor::testing {
namespace {

constexpr uint64_t kSecond = kSecondNs;
constexpr int64_t kPrice = 30'000'000'00;  // KZT per BTC, in tiyn

std::vector<Rule> rules_of(const std::vector<Alert>& alerts) {
  std::vector<Rule> out;
  for (const Alert& alert : alerts) out.push_back(alert.rule);
  return out;
}

struct Expected {
  uint64_t height;
  uint32_t event_index;
  EventKind kind;
  const char* label;
  int64_t amount_minor;
  int64_t value_tiyn;
};

void expect_evidence(const Evidence& e, const Expected& x) {
  EXPECT_EQ(e.height, x.height);
  EXPECT_EQ(e.event_index, x.event_index);
  EXPECT_EQ(e.kind, x.kind);
  EXPECT_EQ(e.label, x.label);
  EXPECT_EQ(e.amount_minor, x.amount_minor);
  EXPECT_EQ(e.value_tiyn, x.value_tiyn);
}

class Rules : public MonitorScenario {
 protected:
  // Deposits that let Alice and Bob trade: 10 BTC and 1,000,000,000.00 KZT each.
  void fund_traders() {
    ASSERT_TRUE(run({deposit(kAlice, kBtc, 10 * kOneBtc), deposit(kAlice, kKzt, 1'000'000'000'00),
                     deposit(kBob, kBtc, 10 * kOneBtc), deposit(kBob, kKzt, 1'000'000'000'00)})
                    .empty());
  }
  // Alice (or `seller`) sells 0.01 BTC at kPrice to `buyer` in one block; returns the alerts.
  std::vector<Alert> trade(uint64_t seller, uint64_t buyer) {
    return run({limit(seller, OrderSideCode::sell, kPrice, kOneBtc / 100),
                limit(buyer, OrderSideCode::buy, kPrice, kOneBtc / 100)});
  }
  // Alice places a buy of `qty` at `price` and cancels it `lifetime_ns` later.
  std::vector<Alert> place_and_cancel(int64_t price, int64_t qty, uint64_t lifetime_ns) {
    std::vector<Alert> raised = run({limit(kAlice, OrderSideCode::buy, price, qty)});
    const uint64_t order = last_order_id();
    std::vector<Alert> more = run({make_cancel_order(kAlice, 1, order)}, lifetime_ns);
    raised.insert(raised.end(), more.begin(), more.end());
    return raised;
  }
};

// --- structuring --------------------------------------------------------------------------------------------------

TEST_F(Rules, StructuringFiresOnThreeDepositsJustUnderTheThreshold) {
  start();
  EXPECT_TRUE(run({deposit(kAlice, kKzt, 6'900'000'00)}).empty());
  const uint64_t first = last_height_;
  EXPECT_TRUE(run({deposit(kAlice, kKzt, 6'300'000'00)}, kHourNs).empty());  // the margin's floor counts
  const std::vector<Alert> raised = run({deposit(kAlice, kKzt, 6'999'999'99)}, 20 * kHourNs);
  ASSERT_EQ(raised.size(), 1u);
  const Alert& alert = raised[0];
  EXPECT_EQ(alert.id, 1u);
  EXPECT_EQ(alert.rule, Rule::structuring);
  EXPECT_EQ(alert.client, kAlice);
  EXPECT_EQ(alert.height, last_height_);
  EXPECT_EQ(alert.time_ns, time_ns_);
  EXPECT_NE(alert.summary.find("3 deposits just under the 7000000.00 KZT reporting threshold"), std::string::npos)
      << alert.summary;
  ASSERT_EQ(alert.evidence.size(), 3u);
  expect_evidence(alert.evidence[0], {first, 0, EventKind::transfer_posted, "deposit", 6'900'000'00, 6'900'000'00});
  expect_evidence(alert.evidence[1], {first + 1, 0, EventKind::transfer_posted, "deposit", 6'300'000'00, 6'300'000'00});
  expect_evidence(alert.evidence[2], {first + 2, 0, EventKind::transfer_posted, "deposit", 6'999'999'99, 6'999'999'99});
  EXPECT_EQ(alert.evidence[0].time_ns, time_ns_ - 21 * kHourNs);
  EXPECT_EQ(alert.evidence[0].client, kAlice);
  EXPECT_EQ(alert.evidence[0].asset, "KZT");
  EXPECT_EQ(alert.evidence[0].object_id, 3u);  // transfers 1 and 2 funded the custody accounts
  EXPECT_EQ(alerts_.size(), 1u);
}

TEST_F(Rules, StructuringNearMissADepositExactlyAtTheThresholdIsNotJustUnder) {
  start();
  EXPECT_TRUE(run({deposit(kAlice, kKzt, 6'900'000'00)}).empty());
  EXPECT_TRUE(run({deposit(kAlice, kKzt, 7'000'000'00)}).empty());  // at the threshold: reported anyway
  EXPECT_TRUE(run({deposit(kAlice, kKzt, 6'900'000'00)}).empty());
  EXPECT_TRUE(run({deposit(kAlice, kKzt, 6'299'999'99)}).empty());     // one tiyn below the margin's floor
  EXPECT_TRUE(run({withdrawal(kAlice, kKzt, 6'900'000'00)}).empty());  // a withdrawal counts with withdrawals
  EXPECT_TRUE(alerts_.empty());
  // A third deposit just under: now it fires, with the two earlier ones that were just under.
  const std::vector<Alert> raised = run({deposit(kAlice, kKzt, 6'900'000'00)});
  ASSERT_EQ(raised.size(), 1u);
  ASSERT_EQ(raised[0].evidence.size(), 3u);
  EXPECT_EQ(raised[0].evidence[1].height, raised[0].evidence[0].height + 2);
}

TEST_F(Rules, StructuringWindowIsInclusiveAndOneSecondLaterMisses) {
  start();
  run({deposit(kAlice, kKzt, 6'900'000'00), deposit(kBob, kKzt, 6'900'000'00)});
  run({deposit(kAlice, kKzt, 6'900'000'00), deposit(kBob, kKzt, 6'900'000'00)}, 12 * kHourNs);
  // Alice's third comes exactly 24h after her first; Bob's one second later.
  const std::vector<Alert> raised = run({deposit(kAlice, kKzt, 6'900'000'00)}, 12 * kHourNs);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].client, kAlice);
  EXPECT_TRUE(run({deposit(kBob, kKzt, 6'900'000'00)}, kSecond).empty());
  EXPECT_EQ(alerts_.size(), 1u);
}

TEST_F(Rules, StructuringValuesOtherAssetsAtTheJournaledRateOnly) {
  start();
  run({deposit(kAlice, kKzt, 6'900'000'00)});
  run({deposit(kAlice, kKzt, 6'900'000'00)});
  const std::vector<Alert> raised = run({deposit(kAlice, kBtc, 23'000'000)});  // 0.23 BTC = 6,900,000.00 KZT
  ASSERT_EQ(raised.size(), 1u);
  expect_evidence(raised[0].evidence[2],
                  {last_height_, 0, EventKind::transfer_posted, "deposit", 23'000'000, 6'900'000'00});
  EXPECT_EQ(raised[0].evidence[2].asset, "BTC");
}

TEST_F(Rules, StructuringNearMissNoRateNoTengeValue) {
  start({}, /*rate=*/false);
  run({deposit(kAlice, kKzt, 6'900'000'00)});
  run({deposit(kAlice, kKzt, 6'900'000'00)});
  EXPECT_TRUE(run({deposit(kAlice, kBtc, 23'000'000)}).empty());
  EXPECT_EQ(monitor_->stats().unvalued_movements, 1u);
  EXPECT_EQ(monitor_->value_tiyn(kBtc, kOneBtc), kNoValue);
  // Once the operator journals a rate, the same deposit counts.
  run({make_set_conversion_rate(kBtc, kBtcRate)});
  EXPECT_EQ(rules_of(run({deposit(kAlice, kBtc, 23'000'000)})), std::vector<Rule>{Rule::structuring});
}

// --- rapid in and out ---------------------------------------------------------------------------------------------

TEST_F(Rules, RapidInOutFiresOnAWithdrawalWithinHoursWithoutTrading) {
  start();
  run({deposit(kAlice, kBtc, kOneBtc)});
  const uint64_t deposited_at = last_height_;
  const std::vector<Alert> raised = run({withdrawal(kAlice, kBtc, 95'000'000)}, 3 * kHourNs);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].rule, Rule::rapid_in_out);
  EXPECT_EQ(raised[0].client, kAlice);
  ASSERT_EQ(raised[0].evidence.size(), 2u);
  expect_evidence(raised[0].evidence[0], {deposited_at, 0, EventKind::transfer_posted, "deposit", kOneBtc, kBtcRate});
  expect_evidence(raised[0].evidence[1],
                  {last_height_, 0, EventKind::transfer_posted, "withdrawal", 95'000'000, 28'500'000'00});
  EXPECT_NE(raised[0].summary.find("withdrew 0.95000000 BTC (95%) within 3h of depositing 1.00000000 BTC"),
            std::string::npos)
      << raised[0].summary;
  // The pair is consumed: a second withdrawal of the rest does not raise it again.
  EXPECT_TRUE(run({withdrawal(kAlice, kBtc, 5'000'000)}).empty());
}

TEST_F(Rules, RapidInOutNearMissOneSecondAfterTheWindow) {
  start();
  run({deposit(kAlice, kBtc, kOneBtc), deposit(kBob, kBtc, kOneBtc)});
  EXPECT_EQ(rules_of(run({withdrawal(kBob, kBtc, kOneBtc)}, kDayNs)), std::vector<Rule>{Rule::rapid_in_out});
  EXPECT_TRUE(run({withdrawal(kAlice, kBtc, kOneBtc)}, kSecond).empty());  // 24h and one second
  EXPECT_EQ(alerts_.size(), 1u);
}

TEST_F(Rules, RapidInOutNearMissWithdrawingLessThanTheShare) {
  start();
  run({deposit(kAlice, kBtc, kOneBtc)});
  EXPECT_TRUE(run({withdrawal(kAlice, kBtc, 89'999'999)}, kHourNs).empty());  // one satoshi short of 90%
  EXPECT_EQ(rules_of(run({withdrawal(kAlice, kBtc, 1)}, kHourNs)), std::vector<Rule>{Rule::rapid_in_out});
}

TEST_F(Rules, RapidInOutNearMissTradingMoreThanALittle) {
  start();
  run({deposit(kBob, kBtc, 10 * kOneBtc), deposit(kAlice, kKzt, 100'000'000'00),
       deposit(kCarol, kKzt, 100'000'000'00)});
  run({deposit(kAlice, kBtc, kOneBtc), deposit(kCarol, kBtc, kOneBtc)});
  // Alice buys 0.11 BTC (11% of her deposit), Carol 0.10 BTC (10%: still "little").
  run({limit(kBob, OrderSideCode::sell, kPrice, 21'000'000)});
  run({limit(kAlice, OrderSideCode::buy, kPrice, 11'000'000), limit(kCarol, OrderSideCode::buy, kPrice, 10'000'000)});
  EXPECT_TRUE(run({withdrawal(kAlice, kBtc, 95'000'000)}, kHourNs).empty());
  const std::vector<Alert> raised = run({withdrawal(kCarol, kBtc, 95'000'000)});
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].client, kCarol);
  EXPECT_NE(raised[0].summary.find("trading 0.10000000 BTC (10%)"), std::string::npos) << raised[0].summary;
}

// --- velocity ----------------------------------------------------------------------------------------------------

class Velocity : public Rules {
 protected:
  // A deposit of 1,000,000.00 KZT by `user` on each of `days` days, one day apart.
  void history(uint64_t user, int days) {
    for (int day = 0; day < days; day++) {
      ASSERT_TRUE(run({deposit(user, kKzt, 1'000'000'00)}, day == 0 ? kSecond : kDayNs).empty()) << "day " << day;
    }
  }
};

TEST_F(Velocity, FiresAboveFiveTimesTheClientsDailyAverage) {
  start();
  history(kAlice, 11);  // 11,000,000.00 over the 10 days before the recent window: 1,100,000.00 a day
  const std::vector<Alert> raised = run({deposit(kAlice, kKzt, 5'500'000'01)}, kDayNs);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].rule, Rule::velocity);
  EXPECT_EQ(raised[0].client, kAlice);
  ASSERT_EQ(raised[0].evidence.size(), 1u);
  expect_evidence(raised[0].evidence[0],
                  {last_height_, 0, EventKind::transfer_posted, "deposit", 5'500'000'01, 5'500'000'01});
  EXPECT_NE(raised[0].summary.find("against an average of 1100000.00 KZT per 24h over the previous 10d"),
            std::string::npos)
      << raised[0].summary;
  // Within the next day it does not fire again for the same client and asset.
  EXPECT_TRUE(run({deposit(kAlice, kKzt, 9'000'000'00)}, kHourNs).empty());
}

TEST_F(Velocity, NearMissExactlyFiveTimesTheAverage) {
  start();
  history(kAlice, 11);
  EXPECT_TRUE(run({deposit(kAlice, kKzt, 5'500'000'00)}, kDayNs).empty());
  EXPECT_TRUE(alerts_.empty());
}

TEST_F(Velocity, NearMissHistoryShorterThanTheMinimum) {
  start();
  history(kAlice, 7);  // the baseline before the recent window spans 6 days; 7 are needed
  EXPECT_TRUE(run({deposit(kAlice, kKzt, 50'000'000'00)}, kDayNs).empty());
  EXPECT_TRUE(alerts_.empty());
}

TEST_F(Velocity, NearMissBelowTheMinimumValue) {
  Config config;
  config.velocity.min_value_tiyn = 6'000'000'00;
  start(config);
  history(kAlice, 11);
  EXPECT_TRUE(run({deposit(kAlice, kKzt, 5'500'000'01)}, kDayNs).empty());
  EXPECT_TRUE(alerts_.empty());
}

// --- high-risk jurisdictions --------------------------------------------------------------------------------------

TEST_F(Rules, HighRiskFiresOnRegistrationAndOnMovements) {
  start();
  std::vector<Alert> raised = run({make_register_client(kCarol, 1, 1, "IR", "IR", false)});
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].rule, Rule::high_risk_jurisdiction);
  EXPECT_EQ(raised[0].client, kCarol);
  EXPECT_NE(raised[0].summary.find("registered with residence and nationality IR"), std::string::npos)
      << raised[0].summary;
  ASSERT_EQ(raised[0].evidence.size(), 1u);
  EXPECT_EQ(raised[0].evidence[0].kind, EventKind::client_registered);
  EXPECT_EQ(raised[0].evidence[0].object_id, kCarol);
  EXPECT_TRUE(raised[0].evidence[0].asset.empty());

  raised = run({deposit(kCarol, kKzt, 1'000'00)});
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].rule, Rule::high_risk_jurisdiction);
  expect_evidence(raised[0].evidence[0], {last_height_, 0, EventKind::transfer_posted, "deposit", 1'000'00, 1'000'00});
  ASSERT_NE(monitor_->client(kCarol), nullptr);
  EXPECT_EQ(std::string(monitor_->client(kCarol)->facts.residence, 2), "IR");
}

TEST_F(Rules, HighRiskNearMissOtherCountriesAndUpdates) {
  start();
  EXPECT_TRUE(run({make_register_client(kBob, 1, 1, "AE", "KZ", false)}).empty());
  EXPECT_TRUE(run({deposit(kBob, kKzt, 1'000'00)}).empty());
  // An update that adds a listed nationality fires once; a later update keeping it does not.
  const std::vector<Alert> raised = run({make_update_client(kBob, 1, 2, "AE", "KP", false)});
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_NE(raised[0].summary.find("updated with nationality KP"), std::string::npos) << raised[0].summary;
  EXPECT_EQ(raised[0].evidence[0].kind, EventKind::client_updated);
  EXPECT_TRUE(run({make_update_client(kBob, 1, 3, "AE", "KP", true)}).empty());
  EXPECT_EQ(alerts_.size(), 1u);
}

TEST_F(Rules, HighRiskNearMissListAndMinimumFromTheConfig) {
  Config config;
  config.high_risk.countries = {"KP"};
  config.high_risk.min_value_tiyn = 5'000'00;
  start(config);
  EXPECT_TRUE(run({make_register_client(kCarol, 1, 1, "IR", "IR", false)}).empty());  // IR not listed here
  EXPECT_EQ(rules_of(run({make_register_client(kBob, 1, 1, "KZ", "KP", false)})),
            std::vector<Rule>{Rule::high_risk_jurisdiction});
  EXPECT_TRUE(run({deposit(kBob, kKzt, 4'999'99)}).empty());  // below the minimum
  EXPECT_EQ(rules_of(run({deposit(kBob, kKzt, 5'000'00)})), std::vector<Rule>{Rule::high_risk_jurisdiction});
}

// --- wash trading --------------------------------------------------------------------------------------------------

TEST_F(Rules, WashTradingFiresOnAClientTradingWithItself) {
  start();
  fund_traders();
  EXPECT_TRUE(trade(kAlice, kAlice).empty());
  EXPECT_TRUE(trade(kAlice, kAlice).empty());
  const std::vector<Alert> raised = trade(kAlice, kAlice);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].rule, Rule::wash_trading);
  EXPECT_EQ(raised[0].client, kAlice);
  ASSERT_EQ(raised[0].evidence.size(), 3u);
  const uint32_t trade_index = index_of(EventKind::trade);
  expect_evidence(raised[0].evidence[2],
                  {last_height_, trade_index, EventKind::trade, "wash trade", 300'000'00, 300'000'00});
  EXPECT_EQ(raised[0].evidence[2].asset, "KZT");
  EXPECT_EQ(raised[0].evidence[2].object_id, 3u);  // the third trade
  EXPECT_NE(raised[0].evidence[2].detail.find("of client 101, taker order"), std::string::npos);
  EXPECT_NE(raised[0].summary.find("3 trades with beneficial owner 101 on both sides"), std::string::npos);
}

TEST_F(Rules, WashTradingNearMissDifferentOwnersOrTooFew) {
  start();
  fund_traders();
  for (int i = 0; i < 3; i++) EXPECT_TRUE(trade(kAlice, kBob).empty());
  EXPECT_TRUE(trade(kAlice, kAlice).empty());
  EXPECT_TRUE(trade(kAlice, kAlice).empty());  // two with herself: one short
  EXPECT_TRUE(alerts_.empty());
}

TEST_F(Rules, WashTradingUsesTheBeneficialOwnerMap) {
  Config config;
  config.wash_trading.owners = {{kBob, kAlice}};  // Bob's account is Alice's
  start(config);
  fund_traders();
  EXPECT_TRUE(trade(kAlice, kBob).empty());
  EXPECT_TRUE(trade(kBob, kAlice).empty());
  const std::vector<Alert> raised = trade(kAlice, kBob);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].client, kAlice);
  EXPECT_NE(raised[0].evidence[0].detail.find("of client 102"), std::string::npos);
}

TEST_F(Rules, WashTradingNearMissBelowTheMinimumVolume) {
  Config config;
  config.wash_trading.min_volume_tiyn = 1'000'000'00;  // three trades of 300,000.00 are not enough; four are
  start(config);
  fund_traders();
  for (int i = 0; i < 3; i++) EXPECT_TRUE(trade(kAlice, kAlice).empty());
  const std::vector<Alert> raised = trade(kAlice, kAlice);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].evidence.size(), 4u);
}

// --- spoofing and layering ---------------------------------------------------------------------------------------

TEST_F(Rules, SpoofingFiresOnLargeOrdersAwayFromTheTouchCancelledQuickly) {
  start();
  fund_traders();
  run({limit(kBob, OrderSideCode::buy, kPrice, kOneBtc / 10)});  // the touch: 0.1 BTC bid at 30,000,000.00
  const int64_t away = kPrice - 50'000'00;                       // 500 ticks, 16 bps behind
  EXPECT_TRUE(place_and_cancel(away, kOneBtc, 5 * kSecond).empty());
  EXPECT_TRUE(place_and_cancel(away, kOneBtc, 5 * kSecond).empty());
  const uint64_t placed = last_height_ + 1;
  const std::vector<Alert> raised = place_and_cancel(away - 100'00, kOneBtc, 30 * kSecond);  // 30s: still quick
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].rule, Rule::spoofing);
  EXPECT_EQ(raised[0].client, kAlice);
  ASSERT_EQ(raised[0].evidence.size(), 6u);
  const Evidence& rested = raised[0].evidence[4];
  const Evidence& cancelled = raised[0].evidence[5];
  EXPECT_EQ(rested.height, placed);
  EXPECT_EQ(rested.kind, EventKind::order_rested);
  EXPECT_EQ(rested.amount_minor, kOneBtc);
  EXPECT_EQ(rested.value_tiyn, kBtcRate);
  EXPECT_NE(rested.detail.find("501 ticks (16 bps) behind the best bid 30000000.00 KZT; 1000% of its 0.10000000 BTC"),
            std::string::npos)
      << rested.detail;
  EXPECT_EQ(cancelled.height, placed + 1);
  EXPECT_EQ(cancelled.kind, EventKind::order_cancelled);
  EXPECT_EQ(cancelled.object_id, rested.object_id);
  EXPECT_NE(cancelled.detail.find("cancelled 30s after placement, 0% filled"), std::string::npos) << cancelled.detail;
}

TEST_F(Rules, SpoofingNearMisses) {
  start();
  fund_traders();
  run({limit(kBob, OrderSideCode::buy, kPrice, kOneBtc / 10)});
  const int64_t away = kPrice - 50'000'00;
  EXPECT_TRUE(place_and_cancel(away, kOneBtc, 5 * kSecond).empty());
  EXPECT_TRUE(place_and_cancel(away, kOneBtc, 5 * kSecond).empty());
  EXPECT_TRUE(place_and_cancel(away, kOneBtc, 31 * kSecond).empty());          // one second too slow
  EXPECT_TRUE(place_and_cancel(kPrice - 1'000'00, kOneBtc, kSecond).empty());  // 10 ticks: 0 bps, not away
  EXPECT_TRUE(place_and_cancel(away, kOneBtc / 5, kSecond).empty());           // 200% of the touch: not large
  EXPECT_TRUE(alerts_.empty());
}

TEST_F(Rules, SpoofingCountsANotionalAboveTheAbsoluteMinimumAsLarge) {
  start();
  fund_traders();
  run({limit(kBob, OrderSideCode::sell, kPrice + 100'00, 10 * kOneBtc / 10)});  // an ask: the other side
  run({limit(kBob, OrderSideCode::buy, kPrice, 9 * kOneBtc)});                  // a deep touch: 9 BTC
  const int64_t away = kPrice - 50'000'00;
  EXPECT_TRUE(place_and_cancel(away, 2 * kOneBtc, kSecond).empty());  // 22% of the touch, 59,900,000.00 KZT
  EXPECT_TRUE(place_and_cancel(away, 2 * kOneBtc, kSecond).empty());
  EXPECT_EQ(rules_of(place_and_cancel(away, 2 * kOneBtc, kSecond)), std::vector<Rule>{Rule::spoofing});
  // Below the notional minimum (1 BTC: 29,950,000.00 KZT) three more do not.
  for (int i = 0; i < 3; i++) EXPECT_TRUE(place_and_cancel(away, kOneBtc, kSecond).empty());
  EXPECT_EQ(alerts_.size(), 1u);
}

// --- determinism ---------------------------------------------------------------------------------------------------

TEST_F(Rules, SameBlocksGiveTheSameAlertsInTheSameOrder) {
  start();
  fund_traders();
  run({make_register_client(kCarol, 1, 1, "KP", "KZ", false),
       make_set_client_status(kCarol, static_cast<uint8_t>(ClientStatus::active),
                              static_cast<uint16_t>(ClientStatusReason::kyc_approved))});
  for (int i = 0; i < 3; i++) {
    run({deposit(kCarol, kKzt, 6'900'000'00), limit(kAlice, OrderSideCode::sell, kPrice, kOneBtc / 100),
         limit(kAlice, OrderSideCode::buy, kPrice, kOneBtc / 100)});
  }
  run({withdrawal(kCarol, kKzt, 20'000'000'00)}, kHourNs);
  ASSERT_EQ(rules_of(alerts_),
            (std::vector<Rule>{Rule::high_risk_jurisdiction, Rule::high_risk_jurisdiction, Rule::high_risk_jurisdiction,
                               Rule::structuring, Rule::high_risk_jurisdiction, Rule::wash_trading, Rule::rapid_in_out,
                               Rule::high_risk_jurisdiction}));
  for (size_t i = 0; i < alerts_.size(); i++) EXPECT_EQ(alerts_[i].id, i + 1);

  // A second monitor fed the recorded blocks, as a replay of the journal would, raises exactly the same alerts.
  Monitor replay{Config{}};
  std::vector<Alert> again;
  for (const Recorded& block : blocks_) {
    replay.on_block(
        BlockView{.height = block.height, .time_ns = block.time_ns, .commands = block.commands, .events = block.events},
        &again);
  }
  EXPECT_EQ(again, alerts_);
  EXPECT_EQ(replay.stats().alerts, alerts_.size());
}

}  // namespace
}  // namespace qz::monitor::testing
