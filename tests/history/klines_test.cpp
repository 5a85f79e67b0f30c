// Klines and the 24-hour ticker from the history: interval boundaries to the millisecond, empty intervals left
// out, weeks opening on Monday and months on the 1st (UTC, and under a UTC offset), then every interval and
// several offsets against a brute-force fold of a seeded random trade tape spanning months.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/prng.h"
#include "fixture.h"
#include "print.h"

namespace qz::history::testing {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 86'400'000;

int64_t utc_ms(int64_t year, uint32_t month, uint32_t day, int64_t hour = 0, int64_t minute = 0, int64_t second = 0,
               int64_t milli = 0) {
  return days_from_civil(year, month, day) * kDayMs + hour * kHourMs + minute * kMinuteMs + second * 1'000 + milli;
}

uint64_t ns_of(int64_t ms) { return static_cast<uint64_t>(ms) * 1'000'000; }

// One trade as the test made it.
struct Tape {
  uint64_t id;
  int64_t time_ms;
  int64_t price;
  int64_t qty;
  bool taker_buys;
};

class KlinesTest : public HistoryFixture {
 public:
  // One block at `time_ms` holding one trade of `qty` at `price`: the maker rests, the taker takes it whole.
  void trade_at(int64_t time_ms, int64_t price, int64_t qty, bool taker_buys = true) {
    const Command sell =
        make_place_order(kAlice, kMarket, OrderSideCode::sell, OrderType::limit, OrderTif::gtc, price, qty);
    const Command buy =
        make_place_order(kBob, kMarket, OrderSideCode::buy, OrderType::limit, OrderTif::gtc, price, qty);
    const std::vector<Event> events =
        run(taker_buys ? std::vector<Command>{sell, buy} : std::vector<Command>{buy, sell}, ns_of(time_ms));
    uint64_t id = 0;
    for (const Event& event : events) {
      if (event.event_kind() == EventKind::trade) id = event.trade.trade;
    }
    ASSERT_NE(id, 0u) << "no trade at " << time_ms;
    tape_.push_back(Tape{.id = id, .time_ms = time_ms, .price = price, .qty = qty, .taker_buys = taker_buys});
  }

  std::vector<Kline> klines(CandleInterval interval, const KlineQuery& query) {
    std::vector<Kline> out;
    const Status status = reader_->klines(kMarket, interval, query, &out);
    EXPECT_TRUE(status.is_ok()) << status.message();
    return out;
  }

  // Folds the tape by hand: every kline of `interval` under the offset, oldest first.
  std::vector<Kline> expected(CandleInterval interval, int32_t offset_minutes) const {
    const int64_t offset = int64_t{offset_minutes} * kMinuteMs;
    std::vector<Kline> out;
    for (const Tape& t : tape_) {
      const int64_t open = candle_open_time_ms(interval, t.time_ms + offset) - offset;
      const int64_t quote = notional(t.price, t.qty);
      if (out.empty() || out.back().open_time_ms != open) {
        out.push_back(Kline{.open_time_ms = open,
                            .close_time_ms = candle_next_open_time_ms(interval, open + offset) - offset - 1,
                            .open_minor = t.price,
                            .high_minor = t.price,
                            .low_minor = t.price,
                            .close_minor = t.price,
                            .first_trade_id = t.id});
      }
      Kline& k = out.back();
      k.high_minor = std::max(k.high_minor, t.price);
      k.low_minor = std::min(k.low_minor, t.price);
      k.close_minor = t.price;
      k.volume_minor += t.qty;
      k.quote_volume_minor += quote;
      k.trade_count++;
      if (t.taker_buys) {
        k.taker_buy_volume_minor += t.qty;
        k.taker_buy_quote_volume_minor += quote;
      }
      k.last_trade_id = t.id;
    }
    return out;
  }

  // The ticker by hand: trades with time in [now - 24 h, now].
  Ticker24h expected_ticker(int64_t now) const {
    std::vector<TickerTrade> trades;
    for (const Tape& t : tape_) {
      trades.push_back(TickerTrade{
          .id = t.id, .time_ms = t.time_ms, .price = t.price, .qty = t.qty, .quote = notional(t.price, t.qty)});
    }
    return ticker_by_hand(kMarket, trades, now);
  }

  void open_reader() {
    ASSERT_TRUE(writer_->flush().is_ok());
    reader_ = reader();
    ASSERT_NE(reader_, nullptr);
  }

  std::vector<Tape> tape_;
  std::unique_ptr<HistoryReader> reader_;
};

TEST_F(KlinesTest, MinuteBoundariesAndEmptyMinutes) {
  const int64_t base = utc_ms(2024, 1, 10, 12, 0);
  trade_at(base + 59'999, kPrice, kLot);                          // last ms of 12:00
  trade_at(base + kMinuteMs, kPrice + kTick, 2 * kLot, false);    // first ms of 12:01
  trade_at(base + kMinuteMs + 30'000, kPrice - kTick, 3 * kLot);  // 12:01:30
  trade_at(base + 5 * kMinuteMs + 1, kPrice + 2 * kTick, kLot);   // 12:05: 12:02-12:04 saw no trade
  open_reader();

  const std::vector<Kline> got = klines(CandleInterval::m1, KlineQuery{});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].open_time_ms, base);
  EXPECT_EQ(got[0].close_time_ms, base + 59'999);
  EXPECT_EQ(got[0].trade_count, 1u);
  const Kline minute1{.open_time_ms = base + kMinuteMs,
                      .close_time_ms = base + 2 * kMinuteMs - 1,
                      .open_minor = kPrice + kTick,
                      .high_minor = kPrice + kTick,
                      .low_minor = kPrice - kTick,
                      .close_minor = kPrice - kTick,
                      .volume_minor = 5 * kLot,
                      .quote_volume_minor = notional(kPrice + kTick, 2 * kLot) + notional(kPrice - kTick, 3 * kLot),
                      .trade_count = 2,
                      .taker_buy_volume_minor = 3 * kLot,
                      .taker_buy_quote_volume_minor = notional(kPrice - kTick, 3 * kLot),
                      .first_trade_id = tape_[1].id,
                      .last_trade_id = tape_[2].id};
  EXPECT_EQ(got[1], minute1);
  EXPECT_EQ(got[2].open_time_ms, base + 5 * kMinuteMs);

  // 3m: 12:00-12:02 holds three trades, 12:03-12:05 one; 1s: four seconds.
  const std::vector<Kline> three = klines(CandleInterval::m3, KlineQuery{});
  ASSERT_EQ(three.size(), 2u);
  EXPECT_EQ(three[0].trade_count, 3u);
  EXPECT_EQ(three[0].open_minor, kPrice);
  EXPECT_EQ(three[0].close_minor, kPrice - kTick);
  EXPECT_EQ(three[0].close_time_ms, base + 3 * kMinuteMs - 1);
  EXPECT_EQ(three[1].open_time_ms, base + 3 * kMinuteMs);
  EXPECT_EQ(klines(CandleInterval::s1, KlineQuery{}).size(), 4u);

  // startTime selects klines opening at or after it; endTime those opening at or before it.
  std::vector<Kline> range = klines(CandleInterval::m1, KlineQuery{.start_ms = base + 1});
  ASSERT_EQ(range.size(), 2u);
  EXPECT_EQ(range[0].open_time_ms, base + kMinuteMs);
  range = klines(CandleInterval::m1, KlineQuery{.start_ms = base, .end_ms = base + kMinuteMs});
  ASSERT_EQ(range.size(), 2u);
  range = klines(CandleInterval::m1, KlineQuery{.end_ms = base + kMinuteMs - 1});
  ASSERT_EQ(range.size(), 1u);
  EXPECT_EQ(range[0].open_time_ms, base);
  range = klines(CandleInterval::m1, KlineQuery{.start_ms = base + 2 * kMinuteMs, .end_ms = base + 4 * kMinuteMs});
  EXPECT_TRUE(range.empty());
  // The limit keeps the oldest with a start, the newest without.
  range = klines(CandleInterval::m1, KlineQuery{.start_ms = base, .limit = 2});
  ASSERT_EQ(range.size(), 2u);
  EXPECT_EQ(range[1].open_time_ms, base + kMinuteMs);
  range = klines(CandleInterval::m1, KlineQuery{.limit = 2});
  ASSERT_EQ(range.size(), 2u);
  EXPECT_EQ(range[0].open_time_ms, base + kMinuteMs);
  EXPECT_EQ(range[1].open_time_ms, base + 5 * kMinuteMs);
  range = klines(CandleInterval::m3, KlineQuery{.limit = 1});
  ASSERT_EQ(range.size(), 1u);
  EXPECT_EQ(range[0].open_time_ms, base + 3 * kMinuteMs);
  // Another market has none.
  std::vector<Kline> none;
  ASSERT_TRUE(reader_->klines(2, CandleInterval::m1, KlineQuery{}, &none).is_ok());
  EXPECT_TRUE(none.empty());
}

TEST_F(KlinesTest, WeeksOpenOnMondayAndMonthsOnTheFirst) {
  // 2023-12-31 is a Sunday; 2024-01-01 a Monday and the first of a month. 2024 is a leap year.
  trade_at(utc_ms(2023, 12, 31, 23, 59, 59, 999), kPrice, kLot);
  trade_at(utc_ms(2024, 1, 1, 0, 0, 0, 0), kPrice + kTick, kLot);
  trade_at(utc_ms(2024, 1, 31, 23, 59, 59, 999), kPrice + 2 * kTick, kLot);
  trade_at(utc_ms(2024, 2, 29, 12), kPrice + 3 * kTick, kLot);
  trade_at(utc_ms(2024, 3, 1, 0), kPrice + 4 * kTick, kLot);
  open_reader();

  const std::vector<Kline> weeks = klines(CandleInterval::w1, KlineQuery{});
  ASSERT_EQ(weeks.size(), 4u);
  EXPECT_EQ(weeks[0].open_time_ms, utc_ms(2023, 12, 25));  // Monday
  EXPECT_EQ(weeks[0].close_time_ms, utc_ms(2024, 1, 1) - 1);
  EXPECT_EQ(weeks[1].open_time_ms, utc_ms(2024, 1, 1));
  EXPECT_EQ(weeks[2].open_time_ms, utc_ms(2024, 1, 29));  // the Monday before Jan 31
  EXPECT_EQ(weeks[3].open_time_ms, utc_ms(2024, 2, 26));  // Feb 29 and Mar 1 share a week
  EXPECT_EQ(weeks[3].close_time_ms, utc_ms(2024, 3, 4) - 1);
  EXPECT_EQ(weeks[3].trade_count, 2u);
  EXPECT_EQ(weeks[3].open_minor, kPrice + 3 * kTick);
  EXPECT_EQ(weeks[3].close_minor, kPrice + 4 * kTick);

  const std::vector<Kline> months = klines(CandleInterval::mo1, KlineQuery{});
  ASSERT_EQ(months.size(), 4u);
  EXPECT_EQ(months[0].open_time_ms, utc_ms(2023, 12, 1));
  EXPECT_EQ(months[0].close_time_ms, utc_ms(2024, 1, 1) - 1);
  EXPECT_EQ(months[1].open_time_ms, utc_ms(2024, 1, 1));
  EXPECT_EQ(months[1].trade_count, 2u);
  EXPECT_EQ(months[1].open_minor, kPrice + kTick);
  EXPECT_EQ(months[1].close_minor, kPrice + 2 * kTick);
  EXPECT_EQ(months[2].open_time_ms, utc_ms(2024, 2, 1));
  EXPECT_EQ(months[2].close_time_ms, utc_ms(2024, 3, 1) - 1);  // 29 days
  EXPECT_EQ(months[3].open_time_ms, utc_ms(2024, 3, 1));

  // 3d klines are aligned to the epoch: 1970-01-01 + 3k days.
  for (const Kline& k : klines(CandleInterval::d3, KlineQuery{})) {
    EXPECT_EQ(k.open_time_ms % (3 * kDayMs), 0);
    EXPECT_EQ(k.close_time_ms, k.open_time_ms + 3 * kDayMs - 1);
  }

  // Almaty (UTC+5): the first trade, 23:59:59 UTC on Sunday, is Monday 04:59 local: the new week and month.
  const KlineQuery almaty{.utc_offset_minutes = 300};
  const std::vector<Kline> local_weeks = klines(CandleInterval::w1, almaty);
  ASSERT_FALSE(local_weeks.empty());
  EXPECT_EQ(local_weeks[0].open_time_ms, utc_ms(2024, 1, 1) - 5 * kHourMs);
  EXPECT_EQ(local_weeks[0].trade_count, 2u);
  const std::vector<Kline> local_months = klines(CandleInterval::mo1, almaty);
  ASSERT_EQ(local_months.size(), 3u);
  EXPECT_EQ(local_months[0].open_time_ms, utc_ms(2024, 1, 1) - 5 * kHourMs);
  EXPECT_EQ(local_months[0].trade_count, 2u);  // Jan 31 23:59 UTC is Feb 1 local
  EXPECT_EQ(local_months[1].open_time_ms, utc_ms(2024, 2, 1) - 5 * kHourMs);
  EXPECT_EQ(local_months[1].trade_count, 2u);  // Feb 1 04:59 and Feb 29 17:00 local
  EXPECT_EQ(local_months[2].open_time_ms, utc_ms(2024, 3, 1) - 5 * kHourMs);
  const std::vector<Kline> local_days = klines(CandleInterval::d1, almaty);
  ASSERT_FALSE(local_days.empty());
  EXPECT_EQ(local_days[0].open_time_ms, utc_ms(2023, 12, 31, 19));
  EXPECT_EQ(local_days[0].close_time_ms, utc_ms(2024, 1, 1, 19) - 1);

  // Offsets outside Binance's range are refused.
  std::vector<Kline> out;
  EXPECT_FALSE(reader_->klines(kMarket, CandleInterval::h1, KlineQuery{.utc_offset_minutes = 841}, &out).is_ok());
  EXPECT_FALSE(reader_->klines(kMarket, CandleInterval::h1, KlineQuery{.utc_offset_minutes = -721}, &out).is_ok());
}

TEST_F(KlinesTest, EveryIntervalAndOffsetMatchesABruteForceFold) {
  const uint64_t seed = 20'260'101;
  Prng prng(seed);
  int64_t time = utc_ms(2024, 1, 30, 22, 58);
  int64_t price = kPrice;
  for (int i = 0; i < 400; i++) {
    // Gaps from a millisecond to about nine days, most of them short.
    const uint64_t kind = prng.below(10);
    const int64_t gap = kind < 4   ? 1 + static_cast<int64_t>(prng.below(2'000))
                        : kind < 7 ? static_cast<int64_t>(prng.below(20 * kMinuteMs))
                        : kind < 9 ? static_cast<int64_t>(prng.below(12 * kHourMs))
                                   : static_cast<int64_t>(prng.below(9 * kDayMs));
    time += std::max<int64_t>(gap, 1);
    price += (static_cast<int64_t>(prng.below(41)) - 20) * kTick;
    price = std::clamp(price, kPrice * 9 / 10, kPrice * 11 / 10);
    trade_at(time, price, kLot * (1 + static_cast<int64_t>(prng.below(50))), prng.below(2) == 0);
    if (HasFatalFailure()) return;
  }
  open_reader();

  for (const int32_t offset : {0, 300, -210, 345, 840, -720}) {
    for (uint8_t code = 0; code < kCandleIntervalCount; code++) {
      const auto interval = static_cast<CandleInterval>(code);
      SCOPED_TRACE(std::string(candle_interval_name(interval)) + " offset " + std::to_string(offset) + " seed " +
                   std::to_string(seed));
      const std::vector<Kline> all = expected(interval, offset);
      ASSERT_FALSE(all.empty());
      // Everything (at most the limit), the newest few, and windows from random starts and ends.
      std::vector<Kline> want(all.end() - std::min<ptrdiff_t>(static_cast<ptrdiff_t>(all.size()), 1'000), all.end());
      EXPECT_EQ(klines(interval, KlineQuery{.limit = 1'000, .utc_offset_minutes = offset}), want);
      want.assign(all.end() - std::min<ptrdiff_t>(static_cast<ptrdiff_t>(all.size()), 7), all.end());
      EXPECT_EQ(klines(interval, KlineQuery{.limit = 7, .utc_offset_minutes = offset}), want);
      for (int round = 0; round < 4; round++) {
        const int64_t span = tape_.back().time_ms - tape_.front().time_ms;
        const int64_t start =
            tape_.front().time_ms - kDayMs + static_cast<int64_t>(prng.below(static_cast<uint64_t>(span + 2 * kDayMs)));
        const int64_t end = start + static_cast<int64_t>(prng.below(static_cast<uint64_t>(span / 2 + 1)));
        const uint32_t limit = 1 + static_cast<uint32_t>(prng.below(12));
        std::vector<Kline> in_range;
        for (const Kline& k : all) {
          if (k.open_time_ms >= start && k.open_time_ms <= end) in_range.push_back(k);
        }
        want.assign(in_range.begin(), in_range.begin() + std::min<ptrdiff_t>(in_range.size(), limit));
        EXPECT_EQ(klines(interval,
                         KlineQuery{.start_ms = start, .end_ms = end, .limit = limit, .utc_offset_minutes = offset}),
                  want)
            << "start " << start << " end " << end;
        want.clear();
        for (const Kline& k : all) {
          if (k.open_time_ms >= start && want.size() < limit) want.push_back(k);
        }
        EXPECT_EQ(klines(interval, KlineQuery{.start_ms = start, .limit = limit, .utc_offset_minutes = offset}), want);
        in_range.clear();
        for (const Kline& k : all) {
          if (k.open_time_ms <= end) in_range.push_back(k);
        }
        want.assign(in_range.end() - std::min<ptrdiff_t>(in_range.size(), limit), in_range.end());
        EXPECT_EQ(klines(interval, KlineQuery{.end_ms = end, .limit = limit, .utc_offset_minutes = offset}), want);
      }
    }
  }

  // The ticker at the last trade, between trades, on minute boundaries, before the first trade and long after.
  std::vector<int64_t> nows = {tape_.back().time_ms, tape_.front().time_ms - 1, tape_.back().time_ms + 2 * kDayMs};
  for (int i = 0; i < 60; i++) {
    const Tape& t = tape_[prng.below(tape_.size())];
    nows.push_back(t.time_ms + static_cast<int64_t>(prng.below(3)) - 1);
    nows.push_back(t.time_ms + kDayMs + static_cast<int64_t>(prng.below(3)) - 1);
    nows.push_back(candle_open_time_ms(CandleInterval::m1, t.time_ms) + (i % 2 == 0 ? 0 : kDayMs));
  }
  for (const int64_t now : nows) {
    Ticker24h got;
    ASSERT_TRUE(reader_->ticker_24h(kMarket, now, &got).is_ok());
    EXPECT_EQ(got, expected_ticker(now)) << "now " << now;
  }
}

}  // namespace
}  // namespace qz::history::testing
