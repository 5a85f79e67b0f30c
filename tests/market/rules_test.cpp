// Tests for the market rules (src/market/rules.h, docs/markets.md).
//
// 1. Rule tables for validate_market_config and check_limit_order: one line per code, in check order. Each line
//    breaks its own rule and every rule checked after it (verified line by line against independent predicates
//    written here), so a line passes only if the checks run in that order. Random inputs then check that the
//    result is always the first broken rule.
// 2. Exactness: for random valid markets, the notional of whole ticks and lots is exact.
// 3. The reservation property of docs/markets.md: for random valid markets, limit orders and sequences of fills
//    at prices no worse than the limit, the hold never goes negative and always covers what the remaining
//    quantity requires, so the release after each fill is never negative.
// 4. protection_price and 5. fill_fee, by examples and by their defining inequalities.
//
// Randomised tests print their seed; QZ_SEED=<n> replays one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include "base/checked.h"
#include "base/prng.h"
#include "base/result.h"
#include "market/rules.h"

namespace qz {
namespace {

constexpr int128 kInt64Max = INT64_MAX;

uint64_t seed_for(const char* test, uint64_t fallback) {
  const char* text = std::getenv("QZ_SEED");
  const uint64_t seed = text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 10) : fallback;
  std::printf("%s: seed %llu (QZ_SEED=<n> to replay)\n", test, static_cast<unsigned long long>(seed));
  return seed;
}

int128 pow10_wide(uint8_t scale) {
  int128 value = 1;
  for (uint8_t i = 0; i < scale; i++) value *= 10;
  return value;
}

// A valid market: two-decimal base and quote, tick 0.10, lot 0.10 (tick * lot = 1.00 of 10^2: exact).
MarketConfig valid_market() {
  MarketConfig config;
  config.base_asset = 1;
  config.quote_asset = 2;
  config.base_scale = 2;
  config.quote_scale = 2;
  config.tick_size = 10;
  config.lot_step = 10;
  config.min_qty = 100;
  config.max_qty = 1'000'000;
  config.min_notional = 1'000;
  config.band_bps = 1'000;
  config.maker_fee_bps = 10;
  config.taker_fee_bps = 20;
  return config;
}

// ---- independent statements of the rules, in check order --------------------------------------------------

// Every configuration rule the config breaks, in check order (written from rules.h, not from rules.cpp).
std::vector<Result> broken_config_rules(const MarketConfig& c) {
  std::vector<Result> broken;
  const bool assets_ok = c.base_asset != 0 && c.quote_asset != 0 && c.base_asset != c.quote_asset &&
                         c.base_scale <= 18 && c.quote_scale <= 18;
  if (!assets_ok) broken.push_back(Result::market_assets_invalid);
  if (!(c.tick_size > 0)) broken.push_back(Result::market_tick_invalid);
  const bool lot_ok = c.lot_step > 0 && c.tick_size > 0 && c.base_scale <= 18 &&
                      (static_cast<int128>(c.tick_size) * c.lot_step) % pow10_wide(c.base_scale) == 0;
  if (!lot_ok) broken.push_back(Result::market_lot_invalid);
  const bool limits_ok = c.lot_step > 0 && c.min_qty >= c.lot_step && c.max_qty >= c.min_qty &&
                         c.min_qty % c.lot_step == 0 && c.max_qty % c.lot_step == 0;
  if (!limits_ok) broken.push_back(Result::market_qty_limits_invalid);
  if (c.maker_fee_bps > 1'000 || c.taker_fee_bps > 1'000) broken.push_back(Result::market_fee_invalid);
  if (c.band_bps > 9'000) broken.push_back(Result::market_band_invalid);
  return broken;
}

struct Order {
  int64_t reference_minor = 0;
  int64_t price_minor = 0;
  int64_t qty_minor = 0;
};

// x + ceil(x * 1000 / 10000) fits in int64 (the reservation at the highest fee a valid market allows).
bool reservation_at_max_fee_fits(int128 amount) {
  if (amount > kInt64Max) return false;
  const int128 fee = (amount * 1'000 + 9'999) / 10'000;
  return amount + fee <= kInt64Max;
}

// Every limit-order rule the order breaks, in check order (market_halted and market_closed share the first step).
std::vector<Result> broken_order_rules(const MarketConfig& c, const Order& o) {
  std::vector<Result> broken;
  if (c.status == MarketStatus::halted) broken.push_back(Result::market_halted);
  if (c.status == MarketStatus::closed) broken.push_back(Result::market_closed);
  if (o.price_minor <= 0 || o.price_minor % c.tick_size != 0) broken.push_back(Result::price_not_on_tick);
  if (o.qty_minor <= 0 || o.qty_minor % c.lot_step != 0) broken.push_back(Result::qty_not_on_lot);
  if (o.qty_minor < c.min_qty) broken.push_back(Result::qty_below_minimum);
  if (o.qty_minor > c.max_qty) broken.push_back(Result::qty_above_maximum);
  const int128 notional = static_cast<int128>(o.price_minor) * o.qty_minor / pow10_wide(c.base_scale);
  if (notional < c.min_notional) broken.push_back(Result::notional_below_minimum);
  if (c.band_bps != 0 && o.reference_minor != 0) {
    int128 distance = static_cast<int128>(o.price_minor) - o.reference_minor;
    if (distance < 0) distance = -distance;
    // Out of band: distance / reference > band / 10000.
    if (distance * 10'000 > static_cast<int128>(o.reference_minor) * c.band_bps) {
      broken.push_back(Result::price_out_of_band);
    }
  }
  if (notional >= 0 && o.qty_minor >= 0 &&
      (!reservation_at_max_fee_fits(notional) || !reservation_at_max_fee_fits(o.qty_minor))) {
    broken.push_back(Result::amount_overflow);
  }
  return broken;
}

Result first_or_ok(const std::vector<Result>& broken) { return broken.empty() ? Result::ok : broken.front(); }

// The check order of each function, as rules.h lists it.
const std::vector<Result> kConfigOrder = {Result::market_assets_invalid, Result::market_tick_invalid,
                                          Result::market_lot_invalid,    Result::market_qty_limits_invalid,
                                          Result::market_fee_invalid,    Result::market_band_invalid};
const std::vector<Result> kOrderOrder = {Result::market_halted,         Result::market_closed,
                                         Result::price_not_on_tick,     Result::qty_not_on_lot,
                                         Result::qty_below_minimum,     Result::qty_above_maximum,
                                         Result::notional_below_minimum, Result::price_out_of_band,
                                         Result::amount_overflow};

bool contains(const std::vector<Result>& codes, Result code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// ---- 1. rule tables ---------------------------------------------------------------------------------------

struct ConfigLine {
  Result expected;
  uint32_t quote_asset;
  int64_t tick_size;
  int64_t lot_step;
  int64_t min_qty;
  int64_t max_qty;
  uint32_t maker_fee_bps;
  uint32_t band_bps;
};

TEST(MarketConfigRules, TableInCheckOrder) {
  // clang-format off
  const std::vector<ConfigLine> table = {
      // expected                          quote tick lot  min  max        maker band
      {Result::market_assets_invalid,      1,    0,   0,   100, 50,        1001, 9001},  // quote == base
      {Result::market_tick_invalid,        2,    0,   0,   100, 50,        1001, 9001},  // tick 0
      {Result::market_lot_invalid,         2,    10,  0,   100, 50,        1001, 9001},  // lot 0
      {Result::market_qty_limits_invalid,  2,    10,  10,  100, 50,        1001, 9001},  // max < min
      {Result::market_fee_invalid,         2,    10,  10,  100, 1'000'000, 1001, 9001},  // maker 1001 bps
      {Result::market_band_invalid,        2,    10,  10,  100, 1'000'000, 10,   9001},  // band 9001 bps
      {Result::ok,                         2,    10,  10,  100, 1'000'000, 10,   1000},
  };
  // clang-format on
  ASSERT_EQ(table.size(), kConfigOrder.size() + 1);
  for (size_t i = 0; i < table.size(); i++) {
    const ConfigLine& line = table[i];
    MarketConfig config = valid_market();
    config.quote_asset = line.quote_asset;
    config.tick_size = line.tick_size;
    config.lot_step = line.lot_step;
    config.min_qty = line.min_qty;
    config.max_qty = line.max_qty;
    config.maker_fee_bps = line.maker_fee_bps;
    config.band_bps = line.band_bps;
    // The line breaks exactly its own rule and every later one.
    std::vector<Result> expected_broken(kConfigOrder.begin() + static_cast<std::ptrdiff_t>(i), kConfigOrder.end());
    EXPECT_EQ(broken_config_rules(config), expected_broken) << "line " << i << " does not break the right rules";
    EXPECT_EQ(validate_market_config(config), line.expected)
        << "line " << i << ": got " << result_name(validate_market_config(config)) << ", expected "
        << result_name(line.expected);
  }
}

TEST(MarketConfigRules, EveryWayToBreakEachRule) {
  const auto check = [](Result expected, auto mutate, const char* what) {
    MarketConfig config = valid_market();
    mutate(config);
    EXPECT_EQ(validate_market_config(config), expected) << what;
  };
  check(Result::ok, [](MarketConfig&) {}, "the valid market");
  check(Result::market_assets_invalid, [](MarketConfig& c) { c.base_asset = 0; }, "base asset 0");
  check(Result::market_assets_invalid, [](MarketConfig& c) { c.quote_asset = 0; }, "quote asset 0");
  check(Result::market_assets_invalid, [](MarketConfig& c) { c.quote_asset = c.base_asset; }, "same asset");
  check(Result::market_assets_invalid, [](MarketConfig& c) { c.base_scale = 19; }, "base scale 19");
  check(Result::market_assets_invalid, [](MarketConfig& c) { c.quote_scale = 19; }, "quote scale 19");
  check(Result::market_tick_invalid, [](MarketConfig& c) { c.tick_size = 0; }, "tick 0");
  check(Result::market_tick_invalid, [](MarketConfig& c) { c.tick_size = -10; }, "tick -10");
  check(Result::market_lot_invalid, [](MarketConfig& c) { c.lot_step = 0; }, "lot 0");
  check(Result::market_lot_invalid, [](MarketConfig& c) { c.lot_step = -10; }, "lot -10");
  check(Result::market_lot_invalid, [](MarketConfig& c) { c.tick_size = 5; }, "tick * lot = 50, not whole");
  check(Result::market_lot_invalid, [](MarketConfig& c) { c.base_scale = 3; }, "tick * lot = 100 of 10^3");
  check(Result::ok, [](MarketConfig& c) { c.tick_size = 4, c.lot_step = 25, c.min_qty = 100; }, "4 * 25 = 100");
  check(Result::market_lot_invalid,
        [](MarketConfig& c) { c.base_scale = 18, c.tick_size = INT64_MAX, c.lot_step = INT64_MAX; },
        "tick * lot beyond 64 bits and not a multiple of 10^18");
  check(Result::ok,
        [](MarketConfig& c) {
          c.base_scale = 18, c.tick_size = 1'000'000'000, c.lot_step = 1'000'000'000, c.min_qty = c.lot_step,
          c.max_qty = c.lot_step;
        },
        "tick * lot = 10^18 exactly");
  check(Result::market_qty_limits_invalid, [](MarketConfig& c) { c.min_qty = 0; }, "min 0 < lot");
  check(Result::market_qty_limits_invalid, [](MarketConfig& c) { c.min_qty = 105; }, "min off the lot");
  check(Result::market_qty_limits_invalid, [](MarketConfig& c) { c.max_qty = 1'000'005; }, "max off the lot");
  check(Result::market_qty_limits_invalid, [](MarketConfig& c) { c.max_qty = 90; }, "max < min");
  check(Result::ok, [](MarketConfig& c) { c.min_qty = 10, c.max_qty = 10; }, "min == max == lot");
  check(Result::market_fee_invalid, [](MarketConfig& c) { c.maker_fee_bps = 1'001; }, "maker 1001 bps");
  check(Result::market_fee_invalid, [](MarketConfig& c) { c.taker_fee_bps = 1'001; }, "taker 1001 bps");
  check(Result::ok, [](MarketConfig& c) { c.maker_fee_bps = 1'000, c.taker_fee_bps = 1'000; }, "fees 1000 bps");
  check(Result::market_band_invalid, [](MarketConfig& c) { c.band_bps = 9'001; }, "band 9001 bps");
  check(Result::ok, [](MarketConfig& c) { c.band_bps = 9'000; }, "band 9000 bps");
  check(Result::ok, [](MarketConfig& c) { c.band_bps = 0; }, "no band");
}

int64_t pick(Prng& prng, std::initializer_list<int64_t> values) {
  const std::vector<int64_t> list(values);
  return list[prng.below(list.size())];
}

TEST(MarketConfigRules, RandomConfigsGetTheFirstBrokenRule) {
  Prng prng(seed_for("MarketConfigRules.RandomConfigsGetTheFirstBrokenRule", 3'001));
  std::map<Result, int> seen;
  for (int i = 0; i < 100'000; i++) {
    MarketConfig c = valid_market();
    c.base_asset = static_cast<uint32_t>(prng.range(0, 2));
    c.quote_asset = static_cast<uint32_t>(prng.range(0, 3));
    c.base_scale = static_cast<uint8_t>(prng.chance(5) ? 19 : prng.range(0, 6));
    c.quote_scale = static_cast<uint8_t>(prng.chance(5) ? 19 : prng.range(0, 6));
    c.tick_size = prng.chance(10) ? pick(prng, {0, -1, INT64_MIN}) : pick(prng, {1, 2, 4, 5, 10, 25, 100, 1000});
    c.lot_step = prng.chance(10) ? pick(prng, {0, -1, INT64_MIN}) : pick(prng, {1, 2, 4, 5, 10, 25, 100, 1000});
    const int64_t lot = c.lot_step > 0 ? c.lot_step : 10;
    c.min_qty = lot * prng.range(0, 3) + (prng.chance(10) ? 1 : 0);
    c.max_qty = c.min_qty + lot * prng.range(-1, 3) + (prng.chance(10) ? 1 : 0);
    c.maker_fee_bps = static_cast<uint32_t>(prng.range(0, 1'100));
    c.taker_fee_bps = static_cast<uint32_t>(prng.range(0, 1'100));
    c.band_bps = static_cast<uint32_t>(prng.range(0, 9'900));
    const Result expected = first_or_ok(broken_config_rules(c));
    ASSERT_EQ(validate_market_config(c), expected) << "case " << i << ": got "
                                                   << result_name(validate_market_config(c));
    seen[expected]++;
  }
  EXPECT_TRUE(seen.count(Result::ok) != 0);
  for (Result code : kConfigOrder) EXPECT_GT(seen[code], 0) << result_name(code) << " never came up";
}

struct OrderLine {
  Result expected;
  MarketConfig config;
  Order order;
  const char* note;
};

TEST(LimitOrderRules, TableInCheckOrder) {
  // Base market: valid_market() (tick 10, lot 10, min 100, max 1'000'000, min notional 1'000, band 10%).
  // The amount_overflow lines use sells whose quantity is so large that qty + 10% leaves int64 (and buys
  // whose notional does). Two rules cannot both be broken in a valid market: below the minimum and above the
  // maximum. The lines from qty_not_on_lot up use a market with min > max (which validate_market_config
  // refuses) to break both; every other line's market is valid.
  constexpr int64_t kHuge = 8'500'000'000'000'000'000;  // qty + 10% > INT64_MAX; on the lot
  const MarketConfig base = valid_market();
  MarketConfig big_max = base;  // valid: max 9e18
  big_max.max_qty = 9'000'000'000'000'000'000;
  MarketConfig small_max = base;  // valid, with a minimum notional nothing below 2^63 - 1 reaches
  small_max.min_notional = INT64_MAX;
  MarketConfig big_max_min_notional = small_max;  // valid: max 9e18 and the unreachable minimum notional
  big_max_min_notional.max_qty = big_max.max_qty;
  MarketConfig min_above_max = small_max;  // min > max: a quantity can be below one and above the other
  min_above_max.min_qty = 9'000'000'000'000'000'000;
  MarketConfig closed = min_above_max;
  closed.status = MarketStatus::closed;
  MarketConfig halted = min_above_max;
  halted.status = MarketStatus::halted;
  // clang-format off
  const std::vector<OrderLine> table = {
      {Result::market_halted,          halted,        {10'000, 11,     kHuge + 1}, "halted, price off tick, ..."},
      {Result::market_closed,          closed,        {10'000, 11,     kHuge + 1}, "closed, price off tick, ..."},
      {Result::price_not_on_tick,      min_above_max, {10'000, 11,     kHuge + 1}, "price 11, tick 10"},
      {Result::qty_not_on_lot,         min_above_max, {10'000, 10,     kHuge + 1}, "qty off the lot"},
      {Result::qty_below_minimum,      min_above_max, {10'000, 10,     kHuge},     "qty below min (and above max)"},
      {Result::qty_above_maximum,      small_max,     {10'000, 10,     kHuge},     "qty above max 1'000'000"},
      {Result::notional_below_minimum, big_max_min_notional, {10'000, 10, kHuge},  "notional 8.5e17 < int64 max"},
      {Result::price_out_of_band,      big_max,       {10'000, 20'000, kHuge},     "price 2x the reference"},
      {Result::amount_overflow,        big_max,       {10'000, 10'000, kHuge},     "notional beyond int64"},
      {Result::ok,                     base,          {10'000, 10'000, 1'000},     "a valid order"},
  };
  // clang-format on
  ASSERT_EQ(table.size(), kOrderOrder.size() + 1);
  for (size_t i = 0; i < table.size(); i++) {
    const OrderLine& line = table[i];
    SCOPED_TRACE(line.note);
    const std::vector<Result> broken = broken_order_rules(line.config, line.order);
    // Own rule broken, every later rule broken (halted and closed are alternatives of one step), none earlier.
    if (line.expected != Result::ok) {
      EXPECT_EQ(first_or_ok(broken), line.expected) << "line " << i << " breaks an earlier rule";
      for (size_t later = std::max<size_t>(i + 1, 2); later < kOrderOrder.size(); later++) {
        EXPECT_TRUE(contains(broken, kOrderOrder[later]))
            << "line " << i << " does not break " << result_name(kOrderOrder[later]);
      }
    } else {
      EXPECT_TRUE(broken.empty());
    }
    const Result got = check_limit_order(line.config, line.order.reference_minor, line.order.price_minor,
                                         line.order.qty_minor);
    EXPECT_EQ(got, line.expected) << "line " << i << ": got " << result_name(got) << ", expected "
                                  << result_name(line.expected);
  }
}

TEST(LimitOrderRules, Boundaries) {
  const MarketConfig m = valid_market();
  const auto check = [&](const MarketConfig& config, Order o) {
    return check_limit_order(config, o.reference_minor, o.price_minor, o.qty_minor);
  };
  EXPECT_EQ(check(m, {10'000, 10'000, 100}), Result::ok);          // qty == min
  EXPECT_EQ(check(m, {10'000, 10'000, 90}), Result::qty_below_minimum);
  EXPECT_EQ(check(m, {10'000, 10'000, 1'000'000}), Result::ok);    // qty == max
  EXPECT_EQ(check(m, {10'000, 10'000, 1'000'010}), Result::qty_above_maximum);
  EXPECT_EQ(check(m, {0, 1'000, 100}), Result::ok);                // notional 1'000 == min notional
  EXPECT_EQ(check(m, {0, 990, 100}), Result::notional_below_minimum);
  EXPECT_EQ(check(m, {10'000, 11'000, 100}), Result::ok);          // exactly +10%
  EXPECT_EQ(check(m, {10'000, 11'010, 100}), Result::price_out_of_band);
  EXPECT_EQ(check(m, {10'000, 9'000, 100}), Result::ok);           // exactly -10%
  EXPECT_EQ(check(m, {10'000, 8'990, 100}), Result::price_out_of_band);
  EXPECT_EQ(check(m, {10'005, 11'000, 100}), Result::ok);          // reference off the tick: 11'005.5 allowed
  EXPECT_EQ(check(m, {0, 1'000'000'000, 100}), Result::ok);        // no reference: no band
  MarketConfig no_band = m;
  no_band.band_bps = 0;
  EXPECT_EQ(check(no_band, {10'000, 1'000'000'000, 100}), Result::ok);
  EXPECT_EQ(check(m, {10'000, 0, 100}), Result::price_not_on_tick);
  EXPECT_EQ(check(m, {10'000, -10, 100}), Result::price_not_on_tick);
  EXPECT_EQ(check(m, {10'000, 10'000, 0}), Result::qty_not_on_lot);
  EXPECT_EQ(check(m, {10'000, 10'000, -100}), Result::qty_not_on_lot);
  // amount_overflow: the largest quantity whose reservation at 1000 bps still fits, and the next lot.
  MarketConfig sells = m;
  sells.max_qty = 9'000'000'000'000'000'000;
  sells.min_notional = 0;
  sells.base_scale = 18;
  sells.tick_size = 1'000'000'000;
  sells.lot_step = 1'000'000'000;
  int64_t largest_qty = 0;  // largest multiple of the lot with q + ceil(q / 10) <= INT64_MAX
  for (int64_t q = INT64_MAX / 11 * 10 / sells.lot_step * sells.lot_step; reservation_at_max_fee_fits(q);
       q += sells.lot_step) {
    largest_qty = q;
  }
  EXPECT_EQ(check(sells, {0, 1'000'000'000, largest_qty}), Result::ok);
  EXPECT_EQ(check(sells, {0, 1'000'000'000, largest_qty + sells.lot_step}), Result::amount_overflow);
  // A status value that is neither trading nor halted counts as closed.
  MarketConfig odd = m;
  odd.status = static_cast<MarketStatus>(7);
  EXPECT_EQ(check(odd, {10'000, 10'000, 100}), Result::market_closed);
}

TEST(LimitOrderRules, RandomOrdersGetTheFirstBrokenRule) {
  Prng prng(seed_for("LimitOrderRules.RandomOrdersGetTheFirstBrokenRule", 3'002));
  std::map<Result, int> seen;
  for (int i = 0; i < 200'000; i++) {
    MarketConfig c = valid_market();
    c.status = prng.chance(3) ? (prng.chance(50) ? MarketStatus::halted : MarketStatus::closed)
                              : MarketStatus::trading;
    c.base_scale = static_cast<uint8_t>(prng.range(0, 3));
    c.tick_size = pick(prng, {1, 10, 100});
    c.lot_step = pick(prng, {10, 100, 1000});
    c.min_qty = c.lot_step * prng.range(1, 10);
    c.max_qty = prng.chance(20) ? 9'000'000'000'000'000'000 / c.lot_step * c.lot_step
                                : c.min_qty + c.lot_step * prng.range(0, 1'000);
    c.min_notional = prng.chance(5) ? INT64_MAX : prng.range(0, 100'000);
    c.band_bps = static_cast<uint32_t>(prng.chance(20) ? 0 : prng.range(1, 9'000));
    Order o;
    o.reference_minor = prng.chance(20) ? 0 : prng.range(1, 1'000'000);
    const int64_t around = o.reference_minor != 0 ? o.reference_minor : prng.range(1, 1'000'000);
    o.price_minor = around + prng.range(-around / 2, around / 2);
    if (prng.chance(70)) o.price_minor = o.price_minor / c.tick_size * c.tick_size;
    if (prng.chance(2)) o.price_minor = -o.price_minor;
    if (prng.chance(5)) o.price_minor = pick(prng, {INT64_MAX / 10 * 10, 1'000'000'000'000'000'000});
    o.qty_minor = prng.chance(5) ? pick(prng, {0, -10, 8'500'000'000'000'000'000, INT64_MAX / 1000 * 1000})
                                 : c.min_qty + prng.range(-2, 1'010) * c.lot_step;
    if (prng.chance(10)) o.qty_minor += 1;
    const Result expected = first_or_ok(broken_order_rules(c, o));
    const Result got = check_limit_order(c, o.reference_minor, o.price_minor, o.qty_minor);
    ASSERT_EQ(got, expected) << "case " << i << ": got " << result_name(got) << ", expected "
                             << result_name(expected);
    seen[expected]++;
  }
  std::printf("results:");
  for (const auto& [code, count] : seen) std::printf(" %s=%d", result_name(code), count);
  std::printf("\n");
  EXPECT_GT(seen[Result::ok], 0);
  for (Result code : kOrderOrder) EXPECT_GT(seen[code], 0) << result_name(code) << " never came up";
}

// ---- 2. exactness -----------------------------------------------------------------------------------------

// A random valid market: scales 0..8; tick * lot a multiple of 10^base_scale by splitting the 2s and 5s of
// 10^base_scale between tick and lot (times small cofactors); fees 0..max_fee_bps.
MarketConfig random_valid_market(Prng& prng, uint32_t max_fee_bps) {
  MarketConfig c;
  c.base_asset = 1;
  c.quote_asset = 2;
  c.base_scale = static_cast<uint8_t>(prng.range(0, 8));
  c.quote_scale = static_cast<uint8_t>(prng.range(0, 8));
  const int64_t twos = prng.range(0, c.base_scale);
  const int64_t fives = prng.range(0, c.base_scale);
  int64_t tick = prng.range(1, 9);
  int64_t lot = prng.range(1, 9);
  for (int64_t k = 0; k < c.base_scale; k++) {
    if (k < twos) tick *= 2; else lot *= 2;
    if (k < fives) tick *= 5; else lot *= 5;
  }
  c.tick_size = tick;
  c.lot_step = lot;
  c.min_qty = lot * prng.range(1, 3);
  c.max_qty = c.min_qty + lot * prng.range(0, 1'000'000'000);
  c.min_notional = prng.range(0, 10);
  c.band_bps = static_cast<uint32_t>(prng.range(0, 9'000));
  c.maker_fee_bps = static_cast<uint32_t>(prng.range(0, max_fee_bps));
  c.taker_fee_bps = static_cast<uint32_t>(prng.range(0, max_fee_bps));
  return c;
}

// A number of units spread over magnitudes: 1..10^digits with digits itself random.
int64_t random_count(Prng& prng, int64_t max_digits) {
  int64_t bound = 1;
  for (int64_t d = prng.range(0, max_digits); d > 0; d--) bound *= 10;
  return prng.range(1, bound);
}

TEST(MarketNotional, ExactForWholeTicksAndLots) {
  Prng prng(seed_for("MarketNotional.ExactForWholeTicksAndLots", 3'003));
  int exact = 0;
  int overflow = 0;
  for (int i = 0; i < 200'000; i++) {
    const MarketConfig c = random_valid_market(prng, 100);
    ASSERT_EQ(validate_market_config(c), Result::ok);
    const int64_t price = c.tick_size * random_count(prng, 9);
    const int64_t qty = c.lot_step * random_count(prng, 9);
    const int128 product = static_cast<int128>(price) * qty;
    int64_t notional = -1;
    if (market_notional(c, price, qty, &notional)) {
      ASSERT_EQ(static_cast<int128>(notional) * pow10_wide(c.base_scale), product)
          << "price " << price << " qty " << qty << " scale " << int{c.base_scale};
      exact++;
    } else {
      ASSERT_GT(product / pow10_wide(c.base_scale), kInt64Max) << "false without an overflow";
      overflow++;
    }
  }
  std::printf("exact %d, overflowed (reported) %d\n", exact, overflow);
  EXPECT_GT(exact, 150'000);
  EXPECT_GT(overflow, 0);
}

TEST(MarketNotional, ExamplesAndOverflow) {
  MarketConfig btc_kzt = valid_market();  // BTC (8 decimals) against KZT (2): tick 1 KZT, lot 0.01 BTC
  btc_kzt.base_scale = 8;
  btc_kzt.tick_size = 100;
  btc_kzt.lot_step = 1'000'000;
  btc_kzt.min_qty = btc_kzt.lot_step;
  btc_kzt.max_qty = btc_kzt.lot_step * 100'000;
  ASSERT_EQ(validate_market_config(btc_kzt), Result::ok);
  int64_t notional = 0;
  // 0.01 BTC at 45,000,000.00 KZT = 450,000.00 KZT.
  ASSERT_TRUE(market_notional(btc_kzt, 4'500'000'000, 1'000'000, &notional));
  EXPECT_EQ(notional, 45'000'000);
  ASSERT_TRUE(market_notional(btc_kzt, 4'500'000'000, 0, &notional));
  EXPECT_EQ(notional, 0);
  EXPECT_FALSE(market_notional(btc_kzt, INT64_MAX / 100 * 100, 100'000'000'000, &notional));
  MarketConfig scale0 = valid_market();
  scale0.base_scale = 0;
  EXPECT_TRUE(market_notional(scale0, INT64_MAX, 1, &notional));
  EXPECT_EQ(notional, INT64_MAX);
  EXPECT_FALSE(market_notional(scale0, INT64_MAX, 2, &notional));
}

// ---- 3. the reservation covers every fill ---------------------------------------------------------------

struct HoldStats {
  int64_t orders = 0;
  int64_t fills = 0;
  int64_t tight_fills = 0;  // fills after which nothing was left to release
  int64_t skipped_orders = 0;
};

// One limit order and a random sequence of fills that fills it completely. Fails the test when the hold is
// overdrawn or falls short of what the remaining quantity requires (a negative release).
void simulate_order(Prng& prng, uint32_t max_fee_bps, HoldStats* stats) {
  const MarketConfig c = random_valid_market(prng, max_fee_bps);
  ASSERT_EQ(validate_market_config(c), Result::ok);
  const OrderSide side = prng.chance(50) ? OrderSide::buy : OrderSide::sell;
  const int64_t limit_ticks = random_count(prng, 7);
  const int64_t limit_price = c.tick_size * limit_ticks;
  const int64_t qty_lots = prng.chance(90) ? prng.range(1, 60) : random_count(prng, 6);
  const int64_t qty = c.lot_step * qty_lots;
  if (check_limit_order(c, 0, limit_price, qty) != Result::ok) {
    stats->skipped_orders++;
    return;
  }
  const uint32_t r = std::max(c.maker_fee_bps, c.taker_fee_bps);
  int64_t hold = 0;
  ASSERT_TRUE(limit_reservation(c, side, limit_price, qty, r, &hold)) << "an accepted order must be reservable";
  // Accepted orders are reservable at any fee a valid market allows.
  int64_t at_max_fee = 0;
  ASSERT_TRUE(limit_reservation(c, side, limit_price, qty, 1'000, &at_max_fee));
  stats->orders++;

  int64_t remaining_lots = qty_lots;
  while (remaining_lots > 0) {
    const int64_t fill_lots = prng.chance(60) ? std::min<int64_t>(remaining_lots, prng.range(1, 3))
                                              : prng.range(1, remaining_lots);
    // On the tick, no worse than the limit: at the limit half the time, else up to 1,000 ticks better.
    int64_t fill_ticks = limit_ticks;
    if (prng.chance(50)) {
      const int64_t better = prng.range(1, 1'000);
      fill_ticks = side == OrderSide::buy ? std::max<int64_t>(1, limit_ticks - better) : limit_ticks + better;
    }
    const int64_t fill_price = c.tick_size * fill_ticks;
    const int64_t fill_qty = c.lot_step * fill_lots;
    const uint32_t fee_bps = prng.chance(50) ? c.maker_fee_bps : c.taker_fee_bps;
    int64_t spent = fill_qty;
    if (side == OrderSide::buy) {
      ASSERT_TRUE(market_notional(c, fill_price, fill_qty, &spent));
    }
    const int64_t fee = fill_fee(spent, fee_bps);
    hold -= spent + fee;
    remaining_lots -= fill_lots;
    int64_t required = 0;
    ASSERT_TRUE(limit_reservation(c, side, limit_price, c.lot_step * remaining_lots, r, &required));
    ASSERT_GE(hold, 0) << "hold overdrawn: market tick " << c.tick_size << " lot " << c.lot_step << " scale "
                       << int{c.base_scale} << " fees " << c.maker_fee_bps << "/" << c.taker_fee_bps;
    ASSERT_GE(hold, required) << "hold below what the remaining quantity needs (a negative release)";
    if (hold == required) stats->tight_fills++;
    hold = required;  // release the difference: the invariant holds with equality
    stats->fills++;
  }
  ASSERT_EQ(hold, 0);
}

void run_hold_property(const char* name, uint64_t fallback_seed, uint32_t max_fee_bps, int64_t min_fills) {
  Prng prng(seed_for(name, fallback_seed));
  HoldStats stats;
  while (stats.fills < min_fills) {
    simulate_order(prng, max_fee_bps, &stats);
    if (::testing::Test::HasFatalFailure()) return;
  }
  std::printf("%s: %lld orders, %lld fills (%lld with nothing to release), %lld orders refused and skipped\n", name,
              static_cast<long long>(stats.orders), static_cast<long long>(stats.fills),
              static_cast<long long>(stats.tight_fills), static_cast<long long>(stats.skipped_orders));
  EXPECT_GE(stats.fills, min_fills);
  EXPECT_GT(stats.tight_fills, 0) << "no fill ever used the whole reservation: the test is too gentle";
}

TEST(LimitReservation, CoversEveryFillSequence) {
  run_hold_property("LimitReservation.CoversEveryFillSequence", 3'004, 100, 200'000);
}

TEST(LimitReservation, CoversEveryFillSequenceAtTheHighestFees) {
  run_hold_property("LimitReservation.CoversEveryFillSequenceAtTheHighestFees", 3'005, 1'000, 50'000);
}

TEST(LimitReservation, Examples) {
  MarketConfig btc_kzt = valid_market();
  btc_kzt.base_scale = 8;
  btc_kzt.tick_size = 100;
  btc_kzt.lot_step = 1'000'000;
  int64_t reserve = 0;
  // 0.01 BTC at 45,000,000.00 KZT: 450,000.00 KZT plus 0.15% = 675.00 KZT.
  ASSERT_TRUE(limit_reservation(btc_kzt, OrderSide::buy, 4'500'000'000, 1'000'000, 15, &reserve));
  EXPECT_EQ(reserve, 45'067'500);
  // One satoshi: 45 tiyn, fee 0.0675 tiyn rounded up to 1.
  ASSERT_TRUE(limit_reservation(btc_kzt, OrderSide::buy, 4'500'000'000, 1, 15, &reserve));
  EXPECT_EQ(reserve, 46);
  ASSERT_TRUE(limit_reservation(btc_kzt, OrderSide::buy, 4'500'000'000, 1, 0, &reserve));
  EXPECT_EQ(reserve, 45);
  ASSERT_TRUE(limit_reservation(btc_kzt, OrderSide::sell, 4'500'000'000, 1'000'000, 15, &reserve));
  EXPECT_EQ(reserve, 1'001'500);
  ASSERT_TRUE(limit_reservation(btc_kzt, OrderSide::sell, 4'500'000'000, 1, 15, &reserve));
  EXPECT_EQ(reserve, 2);
  ASSERT_TRUE(limit_reservation(btc_kzt, OrderSide::sell, 4'500'000'000, 0, 15, &reserve));
  EXPECT_EQ(reserve, 0);
  ASSERT_TRUE(limit_reservation(btc_kzt, OrderSide::buy, 4'500'000'000, 0, 15, &reserve));
  EXPECT_EQ(reserve, 0);
  // Overflow: of the notional, and of the fee on top.
  EXPECT_FALSE(limit_reservation(btc_kzt, OrderSide::buy, INT64_MAX, INT64_MAX, 0, &reserve));
  ASSERT_TRUE(limit_reservation(btc_kzt, OrderSide::sell, 1, INT64_MAX, 0, &reserve));
  EXPECT_EQ(reserve, INT64_MAX);
  EXPECT_FALSE(limit_reservation(btc_kzt, OrderSide::sell, 1, INT64_MAX, 1, &reserve));
  EXPECT_FALSE(limit_reservation(btc_kzt, OrderSide::sell, 1, INT64_MAX - 1, 1, &reserve));
}

// ---- 4. protection price ----------------------------------------------------------------------------------

TEST(ProtectionPrice, RoundsTowardTheBandToATick) {
  MarketConfig m = valid_market();  // tick 10, band 10%
  int64_t price = 0;
  ASSERT_TRUE(protection_price(m, OrderSide::buy, 10'000, &price));
  EXPECT_EQ(price, 11'000);
  ASSERT_TRUE(protection_price(m, OrderSide::sell, 10'000, &price));
  EXPECT_EQ(price, 9'000);
  // 10'005 * 1.1 = 11'005.5: down to 11'000 for a buy; 10'005 * 0.9 = 9'004.5: up to 9'010 for a sell.
  ASSERT_TRUE(protection_price(m, OrderSide::buy, 10'005, &price));
  EXPECT_EQ(price, 11'000);
  ASSERT_TRUE(protection_price(m, OrderSide::sell, 10'005, &price));
  EXPECT_EQ(price, 9'010);
  // One rounding, not two: 10'009 * 1.1 = 11'009.9 -> 11'000 (never the band edge rounded then re-rounded up).
  ASSERT_TRUE(protection_price(m, OrderSide::buy, 10'009, &price));
  EXPECT_EQ(price, 11'000);
  // No band: the reference itself, rounded to a tick (down for buys, up for sells).
  m.band_bps = 0;
  ASSERT_TRUE(protection_price(m, OrderSide::buy, 10'005, &price));
  EXPECT_EQ(price, 10'000);
  ASSERT_TRUE(protection_price(m, OrderSide::sell, 10'005, &price));
  EXPECT_EQ(price, 10'010);
}

TEST(ProtectionPrice, NoReferenceNotPositiveAndOverflow) {
  MarketConfig m = valid_market();
  int64_t price = 12'345;
  EXPECT_FALSE(protection_price(m, OrderSide::buy, 0, &price));
  EXPECT_FALSE(protection_price(m, OrderSide::sell, 0, &price));
  EXPECT_FALSE(protection_price(m, OrderSide::buy, -10'000, &price));
  // A buy whose protection price rounds down to zero ticks.
  EXPECT_FALSE(protection_price(m, OrderSide::buy, 5, &price));
  // A sell always rounds up to at least one tick while the band is below 100%.
  ASSERT_TRUE(protection_price(m, OrderSide::sell, 1, &price));
  EXPECT_EQ(price, 10);
  // Bands of 100% or more leave a sell nothing positive (such bands are refused by validate_market_config).
  m.band_bps = 10'000;
  EXPECT_FALSE(protection_price(m, OrderSide::sell, 10'000, &price));
  m.band_bps = 20'000;
  EXPECT_FALSE(protection_price(m, OrderSide::sell, 10'000, &price));
  // Overflow of a buy above the largest price; a sell below it is fine.
  m = valid_market();
  m.tick_size = 1;
  EXPECT_FALSE(protection_price(m, OrderSide::buy, INT64_MAX, &price));
  ASSERT_TRUE(protection_price(m, OrderSide::sell, INT64_MAX, &price));
  EXPECT_EQ(price, static_cast<int64_t>((static_cast<int128>(INT64_MAX) * 9'000 + 9'999) / 10'000));
  m.band_bps = 0;
  ASSERT_TRUE(protection_price(m, OrderSide::buy, INT64_MAX, &price));
  EXPECT_EQ(price, INT64_MAX);
}

TEST(ProtectionPrice, RandomAgreesWithItsDefinition) {
  Prng prng(seed_for("ProtectionPrice.RandomAgreesWithItsDefinition", 3'006));
  int computed = 0;
  for (int i = 0; i < 200'000; i++) {
    const MarketConfig c = random_valid_market(prng, 100);
    const OrderSide side = prng.chance(50) ? OrderSide::buy : OrderSide::sell;
    const int64_t reference = random_count(prng, 17);
    const int128 factor = side == OrderSide::buy ? 10'000 + int128{c.band_bps} : 10'000 - int128{c.band_bps};
    const int128 exact_times_10k = static_cast<int128>(reference) * factor;  // the band edge, times 10'000
    int64_t price = 0;
    if (!protection_price(c, side, reference, &price)) {
      // Only when the rounded price is not positive (buys) or would not fit.
      ASSERT_TRUE(side == OrderSide::buy ? exact_times_10k < static_cast<int128>(c.tick_size) * 10'000
                                         : exact_times_10k > kInt64Max * 10'000)
          << "refused reference " << reference << " band " << c.band_bps << " tick " << c.tick_size;
      continue;
    }
    computed++;
    ASSERT_EQ(price % c.tick_size, 0);
    ASSERT_GT(price, 0);
    const int128 p = static_cast<int128>(price) * 10'000;
    const int128 t = static_cast<int128>(c.tick_size) * 10'000;
    if (side == OrderSide::buy) {
      ASSERT_LE(p, exact_times_10k);  // never beyond the band
      ASSERT_GT(p + t, exact_times_10k);  // the highest such tick
    } else {
      ASSERT_GE(p, exact_times_10k);
      ASSERT_LT(p - t, exact_times_10k);
    }
  }
  EXPECT_GT(computed, 100'000);
}

// ---- 5. fill fee ------------------------------------------------------------------------------------------

TEST(FillFee, RoundsDownAndNeverExceedsSpent) {
  EXPECT_EQ(fill_fee(0, 100), 0);
  EXPECT_EQ(fill_fee(9'999, 1), 0);
  EXPECT_EQ(fill_fee(10'000, 1), 1);
  EXPECT_EQ(fill_fee(19'999, 1), 1);
  EXPECT_EQ(fill_fee(45'000'000, 15), 67'500);
  EXPECT_EQ(fill_fee(45, 15), 0);      // the reservation rounds this up to 1; the charge rounds it down
  EXPECT_EQ(fill_fee(1'999, 50), 9);   // 9.995 -> 9
  EXPECT_EQ(fill_fee(123, 0), 0);
  EXPECT_EQ(fill_fee(123, 10'000), 123);
  EXPECT_EQ(fill_fee(INT64_MAX, 10'000), INT64_MAX);
  EXPECT_EQ(fill_fee(INT64_MAX, 1'000), INT64_MAX / 10);
  Prng prng(seed_for("FillFee.RoundsDownAndNeverExceedsSpent", 3'007));
  for (int i = 0; i < 200'000; i++) {
    const int64_t spent = prng.chance(10) ? prng.range(INT64_MAX - 1'000'000, INT64_MAX) : random_count(prng, 18);
    const uint32_t bps = static_cast<uint32_t>(prng.chance(5) ? pick(prng, {0, 1, 9'999, 10'000})
                                                              : prng.range(0, 1'000));
    const int64_t fee = fill_fee(spent, bps);
    const int128 scaled = static_cast<int128>(spent) * bps;
    ASSERT_GE(fee, 0);
    ASSERT_LE(fee, spent);
    ASSERT_LE(static_cast<int128>(fee) * 10'000, scaled) << spent << " at " << bps;  // rounded down ...
    ASSERT_GT((static_cast<int128>(fee) + 1) * 10'000, scaled) << spent << " at " << bps;  // ... by less than 1
  }
}

}  // namespace
}  // namespace qz
