// Client limits through Engine::apply (docs/clients.md, "Limits and the retail cap"): rule tables for the two
// commands, then each limit at its edge (exactly at the limit passes, one tiyn or one lot more fails), the
// month and day boundaries, commitments of open buy orders (placed, filled, amended, cancelled, replaced), the
// rates they need, linked groups that undo what they counted, and snapshots. Every test ends with conservation.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "engine/engine.h"
#include "exchange_fixture.h"

namespace qz {
namespace {

constexpr uint8_t kRetail = 1;
constexpr uint8_t kProfessional = 2;
constexpr uint8_t kActive = static_cast<uint8_t>(ClientStatus::active);
constexpr auto kApproved = static_cast<uint16_t>(ClientStatusReason::kyc_approved);
constexpr uint8_t kDeposit = static_cast<uint8_t>(LimitKind::deposit);
constexpr uint8_t kWithdrawal = static_cast<uint8_t>(LimitKind::withdrawal);
constexpr uint8_t kPurchase = static_cast<uint8_t>(LimitKind::purchase);
constexpr uint32_t kBtcAsset = 1;
constexpr uint32_t kKztAsset = 2;
constexpr uint64_t kKztIssuance = 2;

constexpr int64_t kTiynPerUsd = 500'00;          // 1 USD = 500.00 KZT
constexpr int64_t kCapCents = 1'000'00;          // USD 1,000
constexpr int64_t kCapTiyn = 500'000'00;         // = 500,000.00 KZT
constexpr int64_t kPrice = 5'000'000'00;         // 5,000,000.00 KZT per BTC
constexpr int64_t kLot = 10'000;                 // 0.0001 BTC
constexpr int64_t kMin = 2 * kLot;               // 0.0002 BTC at kPrice: 1,000.00 KZT, the minimum notional
constexpr int64_t kCapQty = 1'000'0000;          // 0.1 BTC at kPrice = 500,000.00 KZT: exactly the cap
constexpr uint64_t kNsPerDay = 86'400'000'000'000ULL;
constexpr uint64_t kDec2023 = 1'701'388'800ULL * 1'000'000'000ULL;  // 2023-12-01T00:00:00Z

Command as_role(Command command, uint64_t actor, Role role) {
  command.actor = actor;
  command.role = static_cast<uint8_t>(role);
  return command;
}

class LimitsTest : public ExchangeTest {
 protected:
  void SetUp() override {
    ExchangeTest::SetUp();
    run({make_set_conversion_rate(kUsdRateAsset, kTiynPerUsd), make_set_conversion_rate(kKztAsset, 100),
         make_set_conversion_rate(kBtcAsset, kPrice)});
    ASSERT_EQ(last_rejection, Result::ok);
  }
  void onboard(uint64_t client, uint8_t classification = kRetail, uint8_t tier = 2, const char* residence = "KZ",
               bool knowledge_test = false) {
    run({make_register_client(client, classification, tier, residence, "KZ", knowledge_test),
         make_set_client_status(client, kActive, kApproved)});
    ASSERT_EQ(engine.clients().find(client)->status, ClientStatus::active);
  }
  void cap() {
    ASSERT_EQ(last(run({make_set_retail_cap(kCapCents, "KZ")})), Result::ok);
  }
  static Result last(const std::vector<Event>& events) { return events.back().result_code(); }
  static Command buy(uint64_t user, int64_t qty, int64_t price = kPrice) {
    return limit(user, OrderSideCode::buy, price, qty);
  }
  static Command sell(uint64_t user, int64_t qty, int64_t price = kPrice) {
    return limit(user, OrderSideCode::sell, price, qty);
  }
  static uint64_t order_of(const std::vector<Event>& events) {
    for (const Event& event : events) {
      if (event.event_kind() == EventKind::order_accepted) return event.order_accepted.order;
    }
    return 0;
  }
  const ClientUsage& usage(uint64_t client) const {
    const ClientUsage* used = engine.limits().usage(client);
    EXPECT_NE(used, nullptr);
    static const ClientUsage kNone;
    return used == nullptr ? kNone : *used;
  }
  int64_t purchased_month(uint64_t client) const {
    return ClientLimits::monthly(usage(client), LimitKind::purchase, period_of(time_ns));
  }
  std::vector<uint8_t> limits_bytes() const {
    std::vector<uint8_t> bytes;
    ByteWriter out(&bytes);
    engine.limits().write_snapshot(&out);
    return bytes;
  }
};

TEST_F(LimitsTest, CommandRuleTable) {
  struct Row {
    const char* name;
    Command command;
    Result expected;
  };
  const std::vector<Row> rows = {
      {"a customer may not set tier limits", as_role(make_set_tier_limits(1, kDeposit, 1, 2), kAlice, Role::customer),
       Result::actor_not_permitted},
      {"compliance may not either", as_role(make_set_tier_limits(1, kDeposit, 1, 2), 900, Role::compliance),
       Result::actor_not_permitted},
      {"tier 4", make_set_tier_limits(4, kDeposit, 1, 2), Result::limits_invalid},
      {"kind 0", make_set_tier_limits(1, 0, 1, 2), Result::limits_invalid},
      {"kind 4", make_set_tier_limits(1, 4, 1, 2), Result::limits_invalid},
      {"a negative daily limit", make_set_tier_limits(1, kDeposit, -1, 2), Result::limits_invalid},
      {"a negative monthly limit", make_set_tier_limits(1, kDeposit, 1, -2), Result::limits_invalid},
      {"daily above monthly", make_set_tier_limits(1, kDeposit, 3, 2), Result::limits_invalid},
      {"a customer may not set the cap", as_role(make_set_retail_cap(kCapCents, "KZ"), kAlice, Role::customer),
       Result::actor_not_permitted},
      {"a negative cap", make_set_retail_cap(-1, "KZ"), Result::limits_invalid},
      {"a cap without a residence", make_set_retail_cap(kCapCents, "\0\0"), Result::limits_invalid},
      {"a lower-case residence", make_set_retail_cap(kCapCents, "kz"), Result::limits_invalid},
      {"no cap with a residence", make_set_retail_cap(0, "KZ"), Result::limits_invalid},
  };
  for (const Row& row : rows) {
    const std::vector<uint8_t> before = limits_bytes();
    EXPECT_EQ(last(run({row.command})), row.expected) << row.name;
    EXPECT_EQ(limits_bytes(), before) << row.name << ": a rejection changed the limits";
  }
  // Accepted: the events say what was there before.
  auto events = run({make_set_tier_limits(1, kDeposit, 0, 2)});
  ASSERT_EQ(events[0].event_kind(), EventKind::tier_limits_set);
  EXPECT_EQ(events[0].tier_limits_set.monthly_tiyn, 2);
  EXPECT_EQ(events[0].tier_limits_set.previous_monthly_tiyn, 0);
  events = run({make_set_tier_limits(1, kDeposit, 2, 2)});
  EXPECT_EQ(events[0].tier_limits_set.previous_monthly_tiyn, 2);
  EXPECT_EQ(engine.limits().tier_limit(1, LimitKind::deposit), (PeriodLimit{.daily_tiyn = 2, .monthly_tiyn = 2}));
  events = run({make_set_retail_cap(kCapCents, "KZ")});
  ASSERT_EQ(events[0].event_kind(), EventKind::retail_cap_set);
  EXPECT_EQ(events[0].retail_cap_set.previous_usd_cents, 0);
  events = run({make_set_retail_cap(0, "\0\0")});
  EXPECT_EQ(events[0].retail_cap_set.previous_usd_cents, kCapCents);
  EXPECT_EQ(engine.limits().retail_cap().usd_cents, 0);
  expect_conserved();
}

TEST_F(LimitsTest, RetailCapAtItsEdge) {
  cap();
  onboard(kAlice);
  // Exactly the cap: accepted, and its value is committed.
  const auto first = run({buy(kAlice, kCapQty)});
  ASSERT_EQ(last_rejection, Result::ok);
  const uint64_t order = order_of(first);
  EXPECT_EQ(usage(kAlice).committed_tiyn, kCapTiyn);
  // One more lot, by another order: refused while the first is open.
  EXPECT_EQ(last(run({buy(kAlice, kMin)})), Result::retail_purchase_limit);
  // Cancelled, its commitment is released: the whole cap is there again, and not one lot more.
  run({make_cancel_order(kAlice, 1, order)});
  EXPECT_EQ(usage(kAlice).committed_tiyn, 0);
  EXPECT_EQ(last(run({buy(kAlice, kCapQty + kLot)})), Result::retail_purchase_limit);
  const auto again = run({buy(kAlice, kCapQty)});
  ASSERT_EQ(last(again), Result::ok);
  // Bob sells into it: the purchase moves from the commitment to the month's purchases.
  run({sell(kBob, kCapQty)});
  EXPECT_EQ(usage(kAlice).committed_tiyn, 0);
  EXPECT_EQ(purchased_month(kAlice), kCapTiyn);
  EXPECT_EQ(last(run({buy(kAlice, kMin)})), Result::retail_purchase_limit);
  // Sells are not purchases.
  EXPECT_EQ(last(run({sell(kAlice, kMin, kPrice + 100'00)})), Result::ok);
  expect_conserved();
}

TEST_F(LimitsTest, WhoTheCapBinds) {
  cap();
  onboard(kAlice, kRetail, 2, "KZ", /*knowledge_test=*/true);  // passed the test
  onboard(kBob, kProfessional, 2, "KZ");                      // professional
  onboard(kCarol, kRetail, 2, "DE");                          // resident elsewhere
  for (const uint64_t user : {kAlice, kBob, kCarol}) {
    EXPECT_EQ(last(run({buy(user, 2 * kCapQty)})), Result::ok) << user;
  }
  // An unregistered owner is not a client the limits know.
  run({make_open_account(104, 1, AccountKind::customer), make_open_account(104, 2, AccountKind::customer)});
  run({make_transfer(kKztIssuance, 12, 10'000'000'00)});
  EXPECT_EQ(last(run({buy(104, 2 * kCapQty)})), Result::ok);
  // Carol moves to Kazakhstan: her next buy is capped, counting her open order.
  run({make_update_client(kCarol, kRetail, 2, "KZ", "KZ", false)});
  EXPECT_EQ(last(run({buy(kCarol, kMin)})), Result::retail_purchase_limit);
  expect_conserved();
}

TEST_F(LimitsTest, RatesTheLimitsNeed) {
  // The quote asset's rate values the order; the dollar's values the cap. Without either: refused. On an engine
  // of its own, with no rates yet.
  Engine fresh{LedgerLimits{}, limits()};
  std::vector<Event> events;
  uint64_t t = 1'000'000'000;
  const auto apply = [&](std::vector<Command> commands) {
    events.clear();
    t += 1'000'000'000;
    fresh.apply(BlockInput{.height = fresh.next_height(), .time_ns = t, .commands = commands}, &events);
    EXPECT_EQ(fresh.check_invariants(), "");
    return events.back().result_code();
  };
  apply({make_create_asset("BTC", 8), make_create_asset("KZT", 2)});
  apply({make_open_account(0, 1, AccountKind::issuance), make_open_account(0, 2, AccountKind::issuance),
         make_open_account(0, 1, AccountKind::fee_income), make_open_account(0, 2, AccountKind::fee_income),
         make_open_account(kAlice, 1, AccountKind::customer), make_open_account(kAlice, 2, AccountKind::customer)});
  apply({make_transfer(2, 6, 100'000'000'00), make_transfer(1, 5, 10'0000'0000)});
  apply({make_create_market(1, 2, 100'00, 10'000, 10'000, 100'0000'0000)});
  apply({make_set_market_rules(1, 1'000, 1'000'00, 10, 20, 3, 4), make_set_market_status(1, 1)});
  apply({make_register_client(kAlice, kRetail, 2, "KZ", "KZ", false), make_set_client_status(kAlice, kActive, kApproved)});
  apply({make_set_retail_cap(kCapCents, "KZ")});
  EXPECT_EQ(apply({sell(kAlice, kMin)}), Result::ok);  // a sell needs no rate
  EXPECT_EQ(apply({buy(kAlice, 3 * kLot, kPrice - 100'00)}), Result::conversion_rate_missing);  // no KZT rate
  apply({make_set_conversion_rate(2, 100)});
  EXPECT_EQ(apply({buy(kAlice, 3 * kLot, kPrice - 100'00)}), Result::conversion_rate_missing);  // no dollar rate
  apply({make_set_conversion_rate(kUsdRateAsset, kTiynPerUsd)});
  EXPECT_EQ(apply({buy(kAlice, 3 * kLot, kPrice - 100'00)}), Result::ok);
  ASSERT_NE(fresh.limits().usage(kAlice), nullptr);
  EXPECT_EQ(fresh.limits().usage(kAlice)->committed_tiyn, 1'499'97);  // 0.0003 BTC at 4,999,900.00 KZT
  expect_conserved();
}

TEST_F(LimitsTest, TheDollarRateOfTheMomentSetsTheCap) {
  cap();
  onboard(kAlice);
  // The dollar at 400.00 KZT: the cap is 400,000.00 KZT, so 0.1 BTC at 5,000,000 no longer fits.
  run({make_set_conversion_rate(kUsdRateAsset, 400'00)});
  EXPECT_EQ(last(run({buy(kAlice, kCapQty)})), Result::retail_purchase_limit);
  EXPECT_EQ(last(run({buy(kAlice, 800'0000)})), Result::ok);  // 0.08 BTC = 400,000.00 KZT: exactly the cap
  expect_conserved();
}

TEST_F(LimitsTest, MonthBoundary) {
  cap();
  onboard(kAlice);
  time_ns = kDec2023 - 10'000'000'000ULL;  // 2023-11-30T23:59:50Z
  run({buy(kAlice, kCapQty / 2)});
  run({sell(kBob, kCapQty / 2)});
  EXPECT_EQ(purchased_month(kAlice), kCapTiyn / 2);
  const auto open = run({buy(kAlice, kCapQty / 2)});  // stays open into December
  ASSERT_EQ(last(open), Result::ok);
  EXPECT_EQ(last(run({buy(kAlice, kMin)})), Result::retail_purchase_limit);  // November is full
  time_ns = kDec2023;  // the next block is 2023-12-01T00:00:01Z
  // December: November's purchases no longer count; the open order's commitment does.
  EXPECT_EQ(last(run({buy(kAlice, kCapQty / 2 + kLot)})), Result::retail_purchase_limit);
  EXPECT_EQ(last(run({buy(kAlice, kCapQty / 2)})), Result::ok);
  EXPECT_EQ(usage(kAlice).committed_tiyn, kCapTiyn);
  expect_conserved();
}

TEST_F(LimitsTest, TierPurchaseLimitsDailyAndMonthly) {
  onboard(kAlice, kRetail, 1);
  // Tier 1: 100,000.00 KZT a day, 150,000.00 a month.
  run({make_set_tier_limits(1, kPurchase, 100'000'00, 150'000'00)});
  EXPECT_EQ(last(run({buy(kAlice, 200'0000 + kLot)})), Result::tier_purchase_limit);  // 100,050.00
  EXPECT_EQ(last(run({buy(kAlice, 200'0000)})), Result::ok);                       // 100,000.00: the day's limit
  run({sell(kBob, 200'0000)});
  EXPECT_EQ(last(run({buy(kAlice, kMin)})), Result::tier_purchase_limit);
  time_ns += kNsPerDay;  // the next day (still November 2023)
  EXPECT_EQ(last(run({buy(kAlice, 100'0000 + kLot)})), Result::tier_purchase_limit);  // the month's limit
  EXPECT_EQ(last(run({buy(kAlice, 100'0000)})), Result::ok);
  // Tier 2 has no limit: the same client upgraded buys freely.
  run({make_update_client(kAlice, kRetail, 2, "KZ", "KZ", false)});
  EXPECT_EQ(last(run({buy(kAlice, kCapQty)})), Result::ok);
  expect_conserved();
}

TEST_F(LimitsTest, AmendAndReplaceMoveTheCommitment) {
  cap();
  onboard(kAlice);
  const uint64_t order = order_of(run({buy(kAlice, kCapQty)}));
  // Amended down to half: half the commitment is released.
  run({make_amend_order(kAlice, 1, order, kCapQty / 2)});
  ASSERT_EQ(last_rejection, Result::ok);
  EXPECT_EQ(usage(kAlice).committed_tiyn, kCapTiyn / 2);
  EXPECT_EQ(last(run({buy(kAlice, kCapQty / 2 + kLot)})), Result::retail_purchase_limit);
  // Cancel-replace of the half by the whole cap: the replaced order's commitment does not count against it.
  Command cancel = make_cancel_order(kAlice, 1, order);
  cancel.flags |= kFlagLinked;
  const auto replaced = run({cancel, buy(kAlice, kCapQty)});
  ASSERT_EQ(last(replaced), Result::ok);
  EXPECT_EQ(usage(kAlice).committed_tiyn, kCapTiyn);
  expect_conserved();
}

TEST_F(LimitsTest, DepositAndWithdrawalLimits) {
  onboard(kAlice, kRetail, 1);
  // Tier 1: deposits 1,000,000.00 KZT a day and 1,500,000.00 a month; withdrawals 300,000.00 a day.
  run({make_set_tier_limits(1, kDeposit, 1'000'000'00, 1'500'000'00),
       make_set_tier_limits(1, kWithdrawal, 300'000'00, 0)});
  const uint64_t alice_kzt = kzt(kAlice);
  EXPECT_EQ(last(run({make_transfer(kKztIssuance, alice_kzt, 1'000'000'01)})), Result::tier_deposit_limit);
  EXPECT_EQ(last(run({make_transfer(kKztIssuance, alice_kzt, 1'000'000'00)})), Result::ok);
  EXPECT_EQ(last(run({make_transfer(kKztIssuance, alice_kzt, 1)})), Result::tier_deposit_limit);
  // Deposits of another asset count in tenge: 0.0001 BTC = 500.00 KZT.
  EXPECT_EQ(last(run({make_transfer(1, btc(kAlice), 10'000)})), Result::tier_deposit_limit);
  time_ns += kNsPerDay;
  EXPECT_EQ(last(run({make_transfer(kKztIssuance, alice_kzt, 500'000'01)})), Result::tier_deposit_limit);  // month
  EXPECT_EQ(last(run({make_transfer(kKztIssuance, alice_kzt, 499'500'00), make_transfer(1, btc(kAlice), 10'000)})),
            Result::ok);
  // Withdrawals: to the issuance account, by the operator; between clients is neither.
  EXPECT_EQ(last(run({make_transfer(alice_kzt, kKztIssuance, 300'000'01)})), Result::tier_withdrawal_limit);
  EXPECT_EQ(last(run({make_transfer(alice_kzt, kKztIssuance, 300'000'00)})), Result::ok);
  EXPECT_EQ(last(run({make_transfer(alice_kzt, kzt(kBob), 5'000'000'00)})), Result::ok);
  EXPECT_EQ(ClientLimits::daily(usage(kAlice), LimitKind::withdrawal, period_of(time_ns)), 300'000'00);
  // A withdrawal by hold and post counts when posted.
  const auto held = run({make_hold(alice_kzt, kKztIssuance, 1'00, 0)});
  ASSERT_EQ(last(held), Result::ok);
  EXPECT_EQ(last(run({make_post_hold(held[0].hold_placed.hold, 0, 0)})), Result::tier_withdrawal_limit);
  time_ns += kNsPerDay;
  EXPECT_EQ(last(run({make_post_hold(held[0].hold_placed.hold, 0, 0)})), Result::ok);
  expect_conserved();
}

TEST_F(LimitsTest, AGroupThatFailsCountsNothing) {
  onboard(kAlice, kRetail, 1);
  run({make_set_tier_limits(1, kDeposit, 1'000'000'00, 0)});
  Command first = make_transfer(kKztIssuance, kzt(kAlice), 600'000'00);
  first.flags |= kFlagLinked;
  const Command second = make_transfer(kKztIssuance, kzt(kAlice), 500'000'00);  // together over the day's limit
  const auto events = run({first, second});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].result_code(), Result::linked_event_failed);
  EXPECT_EQ(events[1].result_code(), Result::tier_deposit_limit);
  EXPECT_EQ(engine.limits().usage(kAlice), nullptr);  // nothing counted
  Command ok_first = make_transfer(kKztIssuance, kzt(kAlice), 600'000'00);
  ok_first.flags |= kFlagLinked;
  const auto ok = run({ok_first, make_transfer(kKztIssuance, kzt(kAlice), 400'000'00)});
  EXPECT_EQ(ok[1].result_code(), Result::ok);
  EXPECT_EQ(ClientLimits::daily(usage(kAlice), LimitKind::deposit, period_of(time_ns)), 1'000'000'00);
  expect_conserved();
}

TEST_F(LimitsTest, SnapshotKeepsLimitsAndCommitments) {
  cap();
  onboard(kAlice);
  run({make_set_tier_limits(2, kDeposit, 1'000'000'00, 0)});
  run({buy(kAlice, kCapQty / 2), make_transfer(kKztIssuance, kzt(kAlice), 10'00)});
  std::vector<uint8_t> snapshot;
  engine.write_snapshot(&snapshot);
  Engine loaded{LedgerLimits{}, limits()};
  ASSERT_TRUE(loaded.load_snapshot(snapshot).is_ok());
  EXPECT_EQ(loaded.state_hash(), engine.state_hash());
  EXPECT_EQ(loaded.check_invariants(), "");
  EXPECT_EQ(loaded.limits().usage(kAlice)->committed_tiyn, kCapTiyn / 2);
  // A limit is part of the state hash.
  const Hash256 before = engine.state_hash();
  run({make_set_tier_limits(3, kPurchase, 1, 1)});
  std::vector<uint8_t> again;
  engine.write_snapshot(&again);
  Engine other{LedgerLimits{}, limits()};
  ASSERT_TRUE(other.load_snapshot(again).is_ok());
  EXPECT_EQ(other.limits().tier_limit(3, LimitKind::purchase), (PeriodLimit{.daily_tiyn = 1, .monthly_tiyn = 1}));
  EXPECT_NE(engine.state_hash(), before);
  expect_conserved();
}

}  // namespace
}  // namespace qz
