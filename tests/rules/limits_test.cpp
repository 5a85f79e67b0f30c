// The limits' arithmetic on its own: calendar periods from block time, tenge values rounded against the client,
// the checks at their edges, and the group undo. The engine's use of them: tests/engine/limits_test.cpp.
#include "rules/limits.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace qz {
namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000ULL;

uint32_t month_of(int year, int month) { return static_cast<uint32_t>(year * 12 + month - 1); }

TEST(Limits, PeriodOfKnownDates) {
  struct Row {
    uint64_t unix_seconds;
    int year;
    int month;
  };
  const Row rows[] = {
      {0, 1970, 1},                     // 1970-01-01T00:00:00Z
      {2'678'399, 1970, 1},             // 1970-01-31T23:59:59Z
      {2'678'400, 1970, 2},             // 1970-02-01
      {951'782'400, 2000, 2},           // 2000-02-29 (a leap year of 400)
      {951'868'800, 2000, 3},           // 2000-03-01
      {1'709'164'800, 2024, 2},         // 2024-02-29
      {1'709'251'199, 2024, 2},         // 2024-02-29T23:59:59Z
      {1'709'251'200, 2024, 3},         // 2024-03-01
      {1'701'388'799, 2023, 11},        // 2023-11-30T23:59:59Z
      {1'701'388'800, 2023, 12},        // 2023-12-01
      {1'704'067'199, 2023, 12},        // 2023-12-31T23:59:59Z
      {1'704'067'200, 2024, 1},         // 2024-01-01
      {4'107'542'400, 2100, 3},         // 2100-03-01 (2100 is not a leap year)
      {4'107'542'399, 2100, 2},         // 2100-02-28T23:59:59Z
  };
  for (const Row& row : rows) {
    const Period period = period_of(row.unix_seconds * kNsPerSecond);
    EXPECT_EQ(period.month, month_of(row.year, row.month)) << row.unix_seconds;
    EXPECT_EQ(period.day, row.unix_seconds / 86'400) << row.unix_seconds;
  }
  // Every day of 1970-2200 lands in a month no earlier than the day before's, and months change on day 1 only.
  Period previous = period_of(0);
  int days_in_month = 1;
  for (uint64_t day = 1; day < 84'000; day++) {
    const Period now = period_of(day * 86'400 * kNsPerSecond);
    ASSERT_GE(now.month, previous.month);
    if (now.month != previous.month) {
      ASSERT_EQ(now.month, previous.month + 1) << day;
      ASSERT_GE(days_in_month, 28) << day;
      ASSERT_LE(days_in_month, 31) << day;
      days_in_month = 0;
    }
    days_in_month++;
    previous = now;
  }
}

TEST(Limits, TengeValueRoundsUp) {
  int64_t tiyn = 0;
  ASSERT_TRUE(tenge_value(100, 2, 100, &tiyn));  // 1.00 KZT at 100 tiyn per tenge
  EXPECT_EQ(tiyn, 100);
  ASSERT_TRUE(tenge_value(1, 8, 5'000'000'00, &tiyn));  // 1 satoshi at 5,000,000.00 KZT: exactly 5 tiyn
  EXPECT_EQ(tiyn, 5);
  ASSERT_TRUE(tenge_value(1, 8, 50'00, &tiyn));  // 1 satoshi at 50.00 KZT: 0.00005 tiyn, up to 1
  EXPECT_EQ(tiyn, 1);
  ASSERT_TRUE(tenge_value(20'000, 8, 50'00, &tiyn));  // exactly 1 tiyn
  EXPECT_EQ(tiyn, 1);
  ASSERT_TRUE(tenge_value(20'001, 8, 50'00, &tiyn));  // a little more: 2
  EXPECT_EQ(tiyn, 2);
  ASSERT_TRUE(tenge_value(0, 8, 5'000'000'00, &tiyn));
  EXPECT_EQ(tiyn, 0);
  EXPECT_FALSE(tenge_value(INT64_MAX, 0, 2, &tiyn));  // does not fit
  EXPECT_FALSE(tenge_value(-1, 2, 100, &tiyn));
  EXPECT_FALSE(tenge_value(1, 2, 0, &tiyn));
  EXPECT_FALSE(tenge_value(1, 19, 100, &tiyn));
}

TEST(Limits, ChecksAtTheirEdges) {
  ClientLimits limits;
  PeriodLimit previous;
  ASSERT_EQ(limits.set_tier_limits(1, LimitKind::deposit, {.daily_tiyn = 100, .monthly_tiyn = 150}, &previous),
            Result::ok);
  const Period day1 = period_of(1'701'000'000 * kNsPerSecond);
  const Period day2{.day = day1.day + 1, .month = day1.month};
  EXPECT_EQ(limits.check_movement(7, 1, LimitKind::deposit, 100, day1), Result::ok);
  EXPECT_EQ(limits.check_movement(7, 1, LimitKind::deposit, 101, day1), Result::tier_deposit_limit);
  EXPECT_EQ(limits.check_movement(7, 2, LimitKind::deposit, 1'000'000, day1), Result::ok);  // tier 2: no limit
  limits.add_movement(7, LimitKind::deposit, 100, day1);
  EXPECT_EQ(limits.check_movement(7, 1, LimitKind::deposit, 1, day1), Result::tier_deposit_limit);
  EXPECT_EQ(limits.check_movement(7, 1, LimitKind::deposit, 50, day2), Result::ok);
  EXPECT_EQ(limits.check_movement(7, 1, LimitKind::deposit, 51, day2), Result::tier_deposit_limit);  // monthly
  EXPECT_EQ(limits.check_movement(7, 1, LimitKind::withdrawal, INT64_MAX, day1), Result::ok);     // no limit set

  // The cap: USD 1,000 at 500.00 KZT = 50,000,000 tiyn.
  RetailCap was;
  ASSERT_EQ(limits.set_retail_cap(RetailCap{.usd_cents = 100'000, .residence = {'K', 'Z'}}, &was), Result::ok);
  ClientFacts facts;
  facts.residence[0] = 'K';
  facts.residence[1] = 'Z';
  EXPECT_TRUE(limits.capped(facts));
  EXPECT_EQ(limits.check_purchase(7, facts, 50'000'000, 0, day1, 50'000), Result::ok);
  EXPECT_EQ(limits.check_purchase(7, facts, 50'000'001, 0, day1, 50'000), Result::retail_purchase_limit);
  EXPECT_EQ(limits.check_purchase(7, facts, 1, 0, day1, 0), Result::conversion_rate_missing);
  limits.commit(7, 30'000'000);
  EXPECT_EQ(limits.check_purchase(7, facts, 20'000'001, 0, day1, 50'000), Result::retail_purchase_limit);
  EXPECT_EQ(limits.check_purchase(7, facts, 50'000'000, 30'000'000, day1, 50'000), Result::ok);  // replacing it
  limits.purchased(7, 30'000'001, 30'000'000, day1);  // a fill rounded up by a tiyn
  EXPECT_EQ(limits.usage(7)->committed_tiyn, 0);
  EXPECT_EQ(ClientLimits::monthly(*limits.usage(7), LimitKind::purchase, day1), 30'000'001);
  EXPECT_EQ(limits.check_purchase(7, facts, 20'000'000, 0, day1, 50'000), Result::retail_purchase_limit);
  EXPECT_EQ(limits.check_purchase(7, facts, 19'999'999, 0, day1, 50'000), Result::ok);
  facts.knowledge_test_passed = true;
  EXPECT_FALSE(limits.capped(facts));
  EXPECT_EQ(limits.check_invariants(), "");
}

TEST(Limits, GroupUndo) {
  ClientLimits limits;
  const Period now = period_of(1'701'000'000 * kNsPerSecond);
  limits.add_movement(7, LimitKind::deposit, 10, now);
  limits.begin_group();
  limits.add_movement(7, LimitKind::deposit, 5, now);
  limits.add_movement(8, LimitKind::withdrawal, 3, now);
  limits.end_group(false);
  EXPECT_EQ(ClientLimits::daily(*limits.usage(7), LimitKind::deposit, now), 10);
  EXPECT_EQ(limits.usage(8), nullptr);
  limits.begin_group();
  limits.add_movement(8, LimitKind::withdrawal, 3, now);
  limits.end_group(true);
  EXPECT_EQ(ClientLimits::daily(*limits.usage(8), LimitKind::withdrawal, now), 3);

  std::vector<uint8_t> bytes;
  ByteWriter out(&bytes);
  limits.write_snapshot(&out);
  ClientLimits loaded;
  ByteReader in(bytes.data(), bytes.size());
  ASSERT_TRUE(loaded.read_snapshot(&in));
  EXPECT_EQ(in.remaining(), 0u);
  Sha256 a;
  Sha256 b;
  limits.hash_into(&a);
  loaded.hash_into(&b);
  EXPECT_EQ(a.finish(), b.finish());
  // Truncated: refused.
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    ClientLimits partial;
    ByteReader short_in(bytes.data(), cut);
    EXPECT_FALSE(partial.read_snapshot(&short_in)) << cut;
  }
}

}  // namespace
}  // namespace qz
