// Candles: interval boundaries (fixed, 3d, Monday weeks, calendar months with leap years), the calendar against a
// day-by-day walk, the series' closing rules and history ring, and a differential test against a naive
// std::map aggregation driven by a seeded random trade stream across all 16 intervals.
#include "market/candles.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

#include "base/prng.h"

namespace qz {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kNsPerMs = 1'000'000;

// Known UTC instants, in ms since the epoch.
constexpr int64_t k2023Feb01 = 1'675'209'600'000;
constexpr int64_t k2023Mar01 = 1'677'628'800'000;
constexpr int64_t k2023Dec01 = 1'701'388'800'000;
constexpr int64_t k2023Dec31 = 1'703'980'800'000;  // a Sunday
constexpr int64_t k2024Jan01 = 1'704'067'200'000;  // a Monday
constexpr int64_t k2024Jan08 = 1'704'672'000'000;
constexpr int64_t k2024Feb01 = 1'706'745'600'000;
constexpr int64_t k2024Mar01 = 1'709'251'200'000;
constexpr int64_t k2000Feb01 = 949'363'200'000;
constexpr int64_t k2000Mar01 = 951'868'800'000;
constexpr int64_t k2100Feb01 = 4'105'123'200'000;
constexpr int64_t k2100Mar01 = 4'107'542'400'000;
constexpr int64_t k1900Feb01 = -2'206'310'400'000;
constexpr int64_t k1900Mar01 = -2'203'891'200'000;

std::vector<CandleInterval> all_intervals() {
  std::vector<CandleInterval> out;
  for (size_t index = 0; index < kCandleIntervalCount; ++index) out.push_back(static_cast<CandleInterval>(index));
  return out;
}

void expect_window(CandleInterval interval, int64_t time_ms, int64_t open_ms, int64_t next_open_ms) {
  SCOPED_TRACE(std::string(candle_interval_name(interval)) + " at " + std::to_string(time_ms));
  EXPECT_EQ(candle_open_time_ms(interval, time_ms), open_ms);
  EXPECT_EQ(candle_next_open_time_ms(interval, open_ms), next_open_ms);
}

TEST(CandleInterval, NamesRoundTripAndUnknownNamesAreRefused) {
  const char* names[] = {"1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h",
                         "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"};
  for (size_t index = 0; index < kCandleIntervalCount; ++index) {
    CandleInterval parsed = CandleInterval::s1;
    ASSERT_TRUE(parse_candle_interval(names[index], &parsed)) << names[index];
    EXPECT_EQ(static_cast<size_t>(parsed), index);
    EXPECT_EQ(candle_interval_name(parsed), names[index]);
  }
  CandleInterval parsed = CandleInterval::s1;
  for (const char* bad : {"", "1", "2m", "1W", "1D", "1H", "1mo", " 1m", "1m ", "60m", "1S"}) {
    EXPECT_FALSE(parse_candle_interval(bad, &parsed)) << "'" << bad << "'";
  }
}

TEST(CandleInterval, FixedIntervalsAreAlignedToTheEpoch) {
  const int64_t lengths_ms[] = {1'000,     60'000,     180'000,    300'000,    900'000,
                                1'800'000, 3'600'000,  7'200'000,  14'400'000, 21'600'000,
                                28'800'000, 43'200'000, 86'400'000, 259'200'000};
  const int64_t t = 1'710'510'449'123;  // 2024-03-15 13:47:29.123 UTC
  for (size_t index = 0; index < 14; ++index) {
    const auto interval = static_cast<CandleInterval>(index);
    const int64_t length = lengths_ms[index];
    expect_window(interval, t, t - t % length, t - t % length + length);
    // First and last millisecond of a window, and the first of the next.
    const int64_t open = 100 * length;
    expect_window(interval, open, open, open + length);
    expect_window(interval, open + length - 1, open, open + length);
    expect_window(interval, open + length, open + length, open + 2 * length);
    // Before the epoch, windows still floor (not truncate toward zero).
    expect_window(interval, -1, -length, 0);
    expect_window(interval, -length, -length, 0);
  }
  // Concrete values: 13:47:29.123 lies in the 13:45 15m candle, the 12:00 4h/6h/12h candles, the 08:00 8h candle.
  EXPECT_EQ(candle_open_time_ms(CandleInterval::m15, t), k2024Mar01 + 14 * kDayMs + 13 * 3'600'000 + 45 * 60'000);
  EXPECT_EQ(candle_open_time_ms(CandleInterval::h4, t), k2024Mar01 + 14 * kDayMs + 12 * 3'600'000);
  EXPECT_EQ(candle_open_time_ms(CandleInterval::h8, t), k2024Mar01 + 14 * kDayMs + 8 * 3'600'000);
  EXPECT_EQ(candle_open_time_ms(CandleInterval::d1, t), k2024Mar01 + 14 * kDayMs);
}

TEST(CandleInterval, ThreeDaysAreAlignedToTheEpochNotToWeeksOrMonths) {
  // Day 19722 (2023-12-31) is a multiple of 3, so 2024-01-01 is the second day of a 3d candle.
  expect_window(CandleInterval::d3, k2024Jan01, k2023Dec31, k2023Dec31 + 3 * kDayMs);
  expect_window(CandleInterval::d3, k2023Dec31 + 3 * kDayMs - 1, k2023Dec31, k2023Dec31 + 3 * kDayMs);
  expect_window(CandleInterval::d3, 0, 0, 3 * kDayMs);
  expect_window(CandleInterval::d3, -1, -3 * kDayMs, 0);
  // Across a month end: 2024-02-29 (day 19782, 19782 % 3 == 0) opens a candle running into March.
  expect_window(CandleInterval::d3, k2024Mar01, k2024Mar01 - kDayMs, k2024Mar01 + 2 * kDayMs);
}

TEST(CandleInterval, WeeksOpenOnMondayUtc) {
  expect_window(CandleInterval::w1, k2024Jan01, k2024Jan01, k2024Jan08);
  expect_window(CandleInterval::w1, k2024Jan08 - 1, k2024Jan01, k2024Jan08);  // Sunday 23:59:59.999
  expect_window(CandleInterval::w1, k2024Jan08, k2024Jan08, k2024Jan08 + 7 * kDayMs);
  expect_window(CandleInterval::w1, k2023Dec31, k2024Jan01 - 7 * kDayMs, k2024Jan01);  // Sunday
  // The epoch was a Thursday: its week opened on Monday 1969-12-29.
  expect_window(CandleInterval::w1, 0, -3 * kDayMs, 4 * kDayMs);
  expect_window(CandleInterval::w1, 4 * kDayMs, 4 * kDayMs, 11 * kDayMs);
  // Every open time is a Monday: days since the epoch = 4 (mod 7).
  Prng prng(12345);
  for (int round = 0; round < 1000; ++round) {
    const int64_t time_ms = prng.range(-4'000'000'000'000, 8'000'000'000'000);
    const int64_t open = candle_open_time_ms(CandleInterval::w1, time_ms);
    ASSERT_EQ(open % kDayMs, 0);
    ASSERT_EQ((((open / kDayMs) % 7) + 7) % 7, 4);
    ASSERT_LE(open, time_ms);
    ASSERT_GT(open + 7 * kDayMs, time_ms);
  }
}

TEST(CandleInterval, MonthsFollowTheCalendarWithLeapYears) {
  const auto mo = CandleInterval::mo1;
  // 2024 is a leap year: February has 29 days.
  expect_window(mo, k2024Feb01, k2024Feb01, k2024Mar01);
  expect_window(mo, k2024Mar01 - 1, k2024Feb01, k2024Mar01);  // 2024-02-29 23:59:59.999
  EXPECT_EQ(k2024Mar01 - k2024Feb01, 29 * kDayMs);
  // 2023 is not.
  expect_window(mo, k2023Mar01 - 1, k2023Feb01, k2023Mar01);
  EXPECT_EQ(k2023Mar01 - k2023Feb01, 28 * kDayMs);
  // 2000 is (divisible by 400); 1900 and 2100 are not (divisible by 100).
  expect_window(mo, k2000Mar01 - 1, k2000Feb01, k2000Mar01);
  EXPECT_EQ(k2000Mar01 - k2000Feb01, 29 * kDayMs);
  expect_window(mo, k2100Mar01 - 1, k2100Feb01, k2100Mar01);
  EXPECT_EQ(k2100Mar01 - k2100Feb01, 28 * kDayMs);
  expect_window(mo, k1900Mar01 - 1, k1900Feb01, k1900Mar01);
  EXPECT_EQ(k1900Mar01 - k1900Feb01, 28 * kDayMs);
  // December rolls into January of the next year; 31-day and 30-day months.
  expect_window(mo, k2024Jan01 - 1, k2023Dec01, k2024Jan01);
  expect_window(mo, k2024Jan01, k2024Jan01, k2024Feb01);
  EXPECT_EQ(candle_next_open_time_ms(mo, k2024Mar01), k2024Mar01 + 31 * kDayMs);
  EXPECT_EQ(candle_next_open_time_ms(mo, k2024Mar01 + 31 * kDayMs), k2024Mar01 + 61 * kDayMs);  // April: 30
  // The epoch and the month before it.
  expect_window(mo, 0, 0, 31 * kDayMs);
  expect_window(mo, -1, -31 * kDayMs, 0);
}

// Naive calendar: walk day by day from 1600-01-01 (day -135140) to 2400-12-31.
TEST(Calendar, AgreesWithADayByDayWalk) {
  const uint32_t month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t year = 1600;
  uint32_t month = 1;
  uint32_t day = 1;
  int64_t days = -135140;
  ASSERT_EQ(days_from_civil(1970, 1, 1), 0);
  ASSERT_EQ(days_from_civil(2024, 1, 1), k2024Jan01 / kDayMs);
  while (year <= 2400) {
    ASSERT_EQ(days_from_civil(year, month, day), days) << year << "-" << month << "-" << day;
    int64_t y = 0;
    uint32_t m = 0;
    uint32_t d = 0;
    civil_from_days(days, &y, &m, &d);
    ASSERT_EQ(y, year);
    ASSERT_EQ(m, month);
    ASSERT_EQ(d, day);
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const uint32_t length = month == 2 && leap ? 29 : month_days[month - 1];
    // Month candles open on day 1 of this month and close the ms before day 1 of the next.
    if (day == 1 || day == length) {
      const int64_t open = days_from_civil(year, month, 1) * kDayMs;
      const int64_t time_ms = days * kDayMs + (day == 1 ? 0 : kDayMs - 1);
      ASSERT_EQ(candle_open_time_ms(CandleInterval::mo1, time_ms), open);
      ASSERT_EQ(candle_next_open_time_ms(CandleInterval::mo1, open), open + length * kDayMs);
    }
    ++days;
    if (++day > length) {
      day = 1;
      if (++month > 12) {
        month = 1;
        ++year;
      }
    }
  }
}

TEST(CandleSeries, EmptyIntervalsProduceNoCandleAndTheCandleClosesOnTheNextTrade) {
  CandleSeries series(7, CandleInterval::m1, 16);
  const int64_t minute_ns = 60'000 * kNsPerMs;
  EXPECT_FALSE(series.on_trade(0, 100, 5, 500, true).has_value());
  EXPECT_FALSE(series.on_trade(10 * kNsPerMs, 120, 1, 120, false).has_value());
  EXPECT_FALSE(series.on_trade(minute_ns - 1, 90, 2, 180, true).has_value());  // the last ns of the minute
  // Five minutes later: the first candle closes, minutes 1..4 produce nothing.
  const std::optional<Candle> closed = series.on_trade(5 * minute_ns + 3, 110, 4, 440, false);
  ASSERT_TRUE(closed.has_value());
  const Candle expected{.open_time_ms = 0,
                        .close_time_ms = 59'999,
                        .open_price_minor = 100,
                        .high_price_minor = 120,
                        .low_price_minor = 90,
                        .close_price_minor = 90,
                        .base_volume_minor = 8,
                        .quote_volume_minor = 800,
                        .trade_count = 3,
                        .taker_buy_base_volume_minor = 7,
                        .taker_buy_quote_volume_minor = 680};
  EXPECT_EQ(*closed, expected);
  ASSERT_EQ(series.closed_count(), 1u);
  EXPECT_EQ(series.closed(0), expected);
  ASSERT_TRUE(series.open_candle().has_value());
  EXPECT_EQ(series.open_candle()->open_time_ms, 300'000);
  EXPECT_EQ(series.open_candle()->close_time_ms, 359'999);
  EXPECT_EQ(series.open_candle()->trade_count, 1u);
  series.check_invariants();
}

TEST(CandleSeries, AdvanceClosesOnlyAfterTheCloseTime) {
  CandleSeries series(1, CandleInterval::m1, 4);
  EXPECT_FALSE(series.advance_to(0).has_value());  // nothing open
  EXPECT_FALSE(series.on_trade(1'000 * kNsPerMs, 50, 1, 50, true).has_value());
  EXPECT_FALSE(series.advance_to(59'999 * kNsPerMs).has_value());
  EXPECT_FALSE(series.advance_to(60'000 * kNsPerMs - 1).has_value());  // still ms 59999
  const std::optional<Candle> closed = series.advance_to(60'000 * kNsPerMs);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->close_time_ms, 59'999);
  EXPECT_FALSE(series.open_candle().has_value());
  EXPECT_FALSE(series.advance_to(10'000'000 * kNsPerMs).has_value());
  EXPECT_EQ(series.closed_count(), 1u);
  series.check_invariants();
}

TEST(CandleSeries, HistoryKeepsTheLastNClosedCandles) {
  CandleSeries series(1, CandleInterval::s1, 3);
  for (int64_t second = 0; second < 10; ++second) {
    (void)series.on_trade(second * 1'000 * kNsPerMs, 10 + second, 1, 10 + second, false);
  }
  EXPECT_EQ(series.closed_total(), 9u);
  ASSERT_EQ(series.closed_count(), 3u);
  EXPECT_EQ(series.closed(0).open_time_ms, 6'000);
  EXPECT_EQ(series.closed(1).open_time_ms, 7'000);
  EXPECT_EQ(series.closed(2).open_time_ms, 8'000);
  EXPECT_EQ(series.closed(2).close_price_minor, 18);
  EXPECT_EQ(series.open_candle()->open_time_ms, 9'000);
  series.check_invariants();
}

TEST(CandleSeries, StateHashCoversEveryField) {
  auto run = [](bool flip_taker, int64_t last_qty) {
    CandleSeries series(3, CandleInterval::m5, 8);
    (void)series.on_trade(1 * kNsPerMs, 100, 2, 200, true);
    (void)series.on_trade(400'000 * kNsPerMs, 101, 3, 303, flip_taker);
    (void)series.on_trade(400'001 * kNsPerMs, 99, last_qty, 99 * last_qty, false);
    return series.state_hash();
  };
  const Hash256 base = run(false, 1);
  EXPECT_EQ(base, run(false, 1));
  EXPECT_NE(base, run(true, 1));
  EXPECT_NE(base, run(false, 2));
  EXPECT_NE(CandleSeries(1, CandleInterval::m1, 8).state_hash(), CandleSeries(1, CandleInterval::m3, 8).state_hash());
  EXPECT_NE(CandleSeries(1, CandleInterval::m1, 8).state_hash(), CandleSeries(2, CandleInterval::m1, 8).state_hash());
}

TEST(CandleSeries, VolumesSumPastInt64) {
  CandleSeries series(1, CandleInterval::mo1, 2);
  const int64_t big = INT64_MAX / 2;
  for (int trade = 0; trade < 10; ++trade) (void)series.on_trade(k2024Jan01 * kNsPerMs + trade, 1, big, big, true);
  const Candle& candle = *series.open_candle();
  EXPECT_TRUE(candle.base_volume_minor == static_cast<int128>(big) * 10);
  EXPECT_EQ(candle_volume_digits(candle.base_volume_minor), "46116860184273879030");
  EXPECT_EQ(candle_volume_digits(0), "0");
  EXPECT_EQ(candle_volume_digits(1'234), "1234");
  series.check_invariants();
}

TEST(CandleSeriesDeathTest, TradesInThePastAreAProgrammerError) {
  CandleSeries series(1, CandleInterval::m1, 2);
  (void)series.on_trade(1'000, 1, 1, 1, true);
  EXPECT_DEATH((void)series.on_trade(999, 1, 1, 1, true), "time_ns >= last_time_ns_");
  EXPECT_DEATH((void)series.on_trade(1'000, 0, 1, 1, true), "price_minor > 0");
  EXPECT_DEATH((void)series.on_trade(1'000, 1, 0, 1, true), "qty_minor > 0");
}

// ----- Differential test against a naive aggregation -----

// Month starts from 1969-01 to 2031-12 built by walking a days-per-month table (independent of the code under
// test), and the reference open time computed by searching them; fixed intervals by a Euclidean remainder.
class ReferenceBoundaries {
 public:
  ReferenceBoundaries() {
    const int64_t month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t start_ms = -365 * kDayMs;  // 1969-01-01
    for (int64_t year = 1969; year <= 2031; ++year) {
      for (int month = 0; month < 12; ++month) {
        month_starts_.push_back(start_ms);
        const bool leap = year % 4 == 0;  // exact for 1901..2099
        start_ms += (month == 1 && leap ? 29 : month_days[month]) * kDayMs;
      }
    }
    month_starts_.push_back(start_ms);
  }

  // [open, close] of the window holding time_ms.
  std::pair<int64_t, int64_t> window(CandleInterval interval, int64_t time_ms) const {
    if (interval == CandleInterval::mo1) {
      const auto next = std::upper_bound(month_starts_.begin(), month_starts_.end(), time_ms);
      EXPECT_TRUE(next != month_starts_.begin() && next != month_starts_.end());
      return {*(next - 1), *next - 1};
    }
    const int64_t lengths_ms[] = {1'000,      60'000,     180'000,    300'000,    900'000,
                                  1'800'000,  3'600'000,  7'200'000,  14'400'000, 21'600'000,
                                  28'800'000, 43'200'000, 86'400'000, 259'200'000, 7 * 86'400'000};
    const int64_t length = lengths_ms[static_cast<size_t>(interval)];
    const int64_t anchor = interval == CandleInterval::w1 ? k2024Jan01 : 0;  // a Monday
    const int64_t offset = ((time_ms - anchor) % length + length) % length;
    return {time_ms - offset, time_ms - offset + length - 1};
  }

 private:
  std::vector<int64_t> month_starts_;
};

struct ReferenceSeries {
  std::map<int64_t, Candle> candles;  // open time -> candle

  void add(const ReferenceBoundaries& bounds, CandleInterval interval, int64_t time_ns, int64_t price, int64_t qty,
           int64_t quote, bool taker_is_buyer) {
    const int64_t time_ms = time_ns >= 0 ? time_ns / kNsPerMs : -((-time_ns + kNsPerMs - 1) / kNsPerMs);
    const auto [open, close] = bounds.window(interval, time_ms);
    auto [it, inserted] = candles.try_emplace(open);
    Candle& candle = it->second;
    if (inserted) {
      candle.open_time_ms = open;
      candle.close_time_ms = close;
      candle.open_price_minor = price;
      candle.high_price_minor = price;
      candle.low_price_minor = price;
    }
    candle.high_price_minor = std::max(candle.high_price_minor, price);
    candle.low_price_minor = std::min(candle.low_price_minor, price);
    candle.close_price_minor = price;
    candle.base_volume_minor += qty;
    candle.quote_volume_minor += quote;
    candle.trade_count += 1;
    if (taker_is_buyer) {
      candle.taker_buy_base_volume_minor += qty;
      candle.taker_buy_quote_volume_minor += quote;
    }
  }
};

uint64_t test_seed() {
  if (const char* env = std::getenv("QZ_SEED")) return std::strtoull(env, nullptr, 10);
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

TEST(CandleSeries, MatchesNaiveAggregationOnRandomTradesForEveryInterval) {
  const uint64_t seed = test_seed();
  std::printf("candles differential seed=%llu (rerun with QZ_SEED=%llu)\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Prng prng(seed);
  const ReferenceBoundaries bounds;
  constexpr int kTrades = 20'000;
  constexpr size_t kSmallHistory = 5;

  const std::vector<CandleInterval> intervals = all_intervals();
  std::vector<std::unique_ptr<CandleSeries>> full;
  std::vector<std::unique_ptr<CandleSeries>> small;
  std::vector<ReferenceSeries> reference(intervals.size());
  std::vector<std::vector<Candle>> reported(intervals.size());
  for (CandleInterval interval : intervals) {
    full.push_back(std::make_unique<CandleSeries>(9, interval, kTrades));
    small.push_back(std::make_unique<CandleSeries>(9, interval, kSmallHistory));
  }

  // Start near a year end (2023-12-30), with gaps from 0 ns to about 20 days, so that every interval closes
  // candles, skips empty windows, and months roll through the 2024 leap February.
  int64_t time_ns = (k2023Dec31 - kDayMs) * kNsPerMs + prng.range(0, kDayMs) * kNsPerMs;
  int128 sum_base = 0;
  int128 sum_quote = 0;
  int128 sum_taker_base = 0;
  int128 sum_taker_quote = 0;
  for (int trade = 0; trade < kTrades; ++trade) {
    switch (prng.below(6)) {
      case 0: break;                                                   // same instant
      case 1: time_ns += prng.range(1, 999'999); break;                 // within a millisecond
      case 2: time_ns += prng.range(1, 2'000) * kNsPerMs; break;        // around a second
      case 3: time_ns += prng.range(1, 600'000) * kNsPerMs; break;      // up to 10 minutes
      case 4: time_ns += prng.range(1, 12 * 3'600'000) * kNsPerMs; break;  // up to half a day
      default: time_ns += prng.below(50) == 0 ? prng.range(1, 20 * kDayMs) * kNsPerMs : 0; break;
    }
    const int64_t price = prng.range(1, 1'000'000'000'000);
    // Mostly small quantities, sometimes huge ones so that sums exceed int64.
    const int64_t qty = prng.below(20) == 0 ? prng.range(1, INT64_MAX / 4) : prng.range(1, 1'000'000);
    const int64_t quote = prng.below(20) == 0 ? prng.range(0, INT64_MAX / 4) : prng.range(0, 1'000'000'000);
    const bool taker_is_buyer = prng.below(2) == 0;
    sum_base += qty;
    sum_quote += quote;
    if (taker_is_buyer) {
      sum_taker_base += qty;
      sum_taker_quote += quote;
    }
    // Sometimes a block ends before the trade: the clock advances up to the trade's time without one.
    const bool block_end = prng.below(10) == 0;
    for (size_t index = 0; index < intervals.size(); ++index) {
      if (block_end) {
        if (std::optional<Candle> closed = full[index]->advance_to(time_ns)) reported[index].push_back(*closed);
        (void)small[index]->advance_to(time_ns);
        if (full[index]->open_candle().has_value()) {
          ASSERT_GE(full[index]->open_candle()->close_time_ms, time_ns / kNsPerMs);
        }
      }
      reference[index].add(bounds, intervals[index], time_ns, price, qty, quote, taker_is_buyer);
      const std::optional<Candle> closed = full[index]->on_trade(time_ns, price, qty, quote, taker_is_buyer);
      const std::optional<Candle> closed_small = small[index]->on_trade(time_ns, price, qty, quote, taker_is_buyer);
      ASSERT_EQ(closed, closed_small);
      if (closed.has_value()) {
        reported[index].push_back(*closed);
        ASSERT_EQ(full[index]->closed(full[index]->closed_count() - 1), *closed);
      }
      // The open candle equals the reference's newest candle at every step.
      ASSERT_TRUE(full[index]->open_candle().has_value());
      ASSERT_EQ(*full[index]->open_candle(), reference[index].candles.rbegin()->second)
          << candle_interval_name(intervals[index]) << " trade " << trade;
    }
    if (trade % 997 == 0) {
      for (size_t index = 0; index < intervals.size(); ++index) {
        full[index]->check_invariants();
        small[index]->check_invariants();
      }
    }
  }

  size_t one_second_candles = 0;
  for (size_t index = 0; index < intervals.size(); ++index) {
    SCOPED_TRACE(std::string(candle_interval_name(intervals[index])));
    const CandleSeries& series = *full[index];
    series.check_invariants();
    small[index]->check_invariants();
    // Every reported candle, then the open one, is exactly the reference, in order, with nothing missing.
    const auto& expected = reference[index].candles;
    ASSERT_EQ(reported[index].size() + 1, expected.size());
    ASSERT_EQ(series.closed_count(), reported[index].size());
    ASSERT_EQ(series.closed_total(), reported[index].size());
    auto it = expected.begin();
    for (size_t position = 0; position < reported[index].size(); ++position, ++it) {
      ASSERT_EQ(reported[index][position], it->second) << "candle " << position;
      ASSERT_EQ(series.closed(position), it->second);
    }
    ASSERT_EQ(*series.open_candle(), it->second);
    // The small history holds the same last candles.
    const CandleSeries& tail = *small[index];
    ASSERT_EQ(tail.closed_total(), series.closed_total());
    ASSERT_EQ(tail.closed_count(), std::min(kSmallHistory, series.closed_count()));
    for (size_t position = 0; position < tail.closed_count(); ++position) {
      ASSERT_EQ(tail.closed(position), series.closed(series.closed_count() - tail.closed_count() + position));
    }
    // Exact volume sums over all candles.
    int128 base = 0;
    int128 quote = 0;
    int128 taker_base = 0;
    int128 taker_quote = 0;
    uint64_t count = 0;
    for (const auto& [open, candle] : expected) {
      base += candle.base_volume_minor;
      quote += candle.quote_volume_minor;
      taker_base += candle.taker_buy_base_volume_minor;
      taker_quote += candle.taker_buy_quote_volume_minor;
      count += candle.trade_count;
    }
    EXPECT_TRUE(base == sum_base);
    EXPECT_TRUE(quote == sum_quote);
    EXPECT_TRUE(taker_base == sum_taker_base);
    EXPECT_TRUE(taker_quote == sum_taker_quote);
    EXPECT_EQ(count, static_cast<uint64_t>(kTrades));
    if (intervals[index] == CandleInterval::s1) one_second_candles = expected.size();
    if (intervals[index] == CandleInterval::mo1) {
      EXPECT_GE(expected.size(), 3u);  // months really rolled
    }
  }
  EXPECT_TRUE(sum_base > static_cast<int128>(INT64_MAX));
  EXPECT_GT(one_second_candles, 1'000u);
}

}  // namespace
}  // namespace qz
