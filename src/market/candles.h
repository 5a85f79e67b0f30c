// Candles (klines): trades of one market aggregated into OHLC bars of one interval, with Binance semantics.
//
// Contract:
// - Time comes in as the block time in ns since the Unix epoch; candles are in ms (Binance): a trade at time_ns
//   belongs to the candle whose [open_time_ms, close_time_ms] holds floor(time_ns / 1e6).
// - Boundaries: fixed-length intervals (1s .. 3d) are aligned to the Unix epoch; 1w opens on Monday 00:00 UTC;
//   1M opens on the first day of each calendar month UTC. close_time_ms = next open time - 1 ms.
// - A candle exists only for an interval that saw at least one trade: empty intervals produce no candle.
// - A candle is closed (reported once, by value) when the first trade or clock advance at or after its end arrives.
//   The series keeps the last `history_capacity` closed candles in a ring, oldest first, for queries.
// - Deterministic: integers only, no clocks, no hashing containers. Trades must arrive in non-decreasing time; a
//   trade in the past, a non-positive price or quantity, or a negative quote amount is a programmer error
//   (QZ_ASSERT): the engine validates before it trades.
// - Volumes are 128-bit sums of int64 minor amounts, so a month of trades in an 18-decimal asset cannot overflow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/checked.h"
#include "base/sha256.h"

namespace qz {

// Binance kline intervals, in Binance's order. Numbers are stable (they are hashed).
enum class CandleInterval : uint8_t {
  s1 = 0,
  m1 = 1,
  m3 = 2,
  m5 = 3,
  m15 = 4,
  m30 = 5,
  h1 = 6,
  h2 = 7,
  h4 = 8,
  h6 = 9,
  h8 = 10,
  h12 = 11,
  d1 = 12,
  d3 = 13,
  w1 = 14,
  mo1 = 15,
};
inline constexpr size_t kCandleIntervalCount = 16;

// Binance's name ("1s", "1m", ..., "1w", "1M").
std::string_view candle_interval_name(CandleInterval interval);
// Parses a Binance interval name (case-sensitive: "1m" is a minute, "1M" a month); false for anything else.
[[nodiscard]] bool parse_candle_interval(std::string_view name, CandleInterval* out);
// Open time (ms) of the candle of `interval` that contains `time_ms` (any int64 ms in +-2.9e11 years is fine).
int64_t candle_open_time_ms(CandleInterval interval, int64_t time_ms);
// Open time of the next candle after the one opening at `open_time_ms` (which must be aligned).
int64_t candle_next_open_time_ms(CandleInterval interval, int64_t open_time_ms);

// Calendar helpers (proleptic Gregorian, UTC), integer only. days = days since 1970-01-01.
int64_t days_from_civil(int64_t year, uint32_t month, uint32_t day);  // month 1..12, day 1..31
void civil_from_days(int64_t days, int64_t* year, uint32_t* month, uint32_t* day);

struct Candle {
  int64_t open_time_ms = 0;
  int64_t close_time_ms = 0;  // next open - 1
  int64_t open_price_minor = 0;
  int64_t high_price_minor = 0;
  int64_t low_price_minor = 0;
  int64_t close_price_minor = 0;
  int128 base_volume_minor = 0;
  int128 quote_volume_minor = 0;
  uint64_t trade_count = 0;
  int128 taker_buy_base_volume_minor = 0;   // trades whose taker was the buyer
  int128 taker_buy_quote_volume_minor = 0;
  friend bool operator==(const Candle&, const Candle&) = default;
};

// Decimal digits of a non-negative volume (for the API layer, which places the decimal point).
std::string candle_volume_digits(int128 volume_minor);

class CandleSeries {
 public:
  // history_capacity > 0: how many closed candles are kept for queries.
  CandleSeries(uint32_t market_id, CandleInterval interval, size_t history_capacity);

  uint32_t market_id() const { return market_id_; }
  CandleInterval interval() const { return interval_; }

  // Adds one trade. If it falls after the open candle's close time, that candle is closed and returned (and kept
  // in the history), and the trade opens a new candle. Preconditions: time_ns >= every earlier time given to this
  // series, price_minor > 0, qty_minor > 0, quote_minor >= 0.
  [[nodiscard]] std::optional<Candle> on_trade(int64_t time_ns, int64_t price_minor, int64_t qty_minor,
                                               int64_t quote_minor, bool taker_is_buyer);
  // Advances the clock without a trade (e.g. at the end of a block): closes and returns the open candle if
  // time_ns is past its close time. Same time precondition as on_trade.
  [[nodiscard]] std::optional<Candle> advance_to(int64_t time_ns);

  // The candle still collecting trades, if any.
  const std::optional<Candle>& open_candle() const { return open_; }
  // Closed candles in the history, oldest first: index 0 .. closed_count() - 1.
  size_t closed_count() const { return closed_size_; }
  const Candle& closed(size_t index) const;
  size_t history_capacity() const { return ring_.size(); }
  // Total closed since creation (including ones dropped from the history).
  uint64_t closed_total() const { return closed_total_; }

  // SHA-256 over the whole state in a fixed order (interval, market, clock, history oldest first, open candle).
  Hash256 state_hash() const;
  // O(history) check of every candle and of their order; fails with QZ_ASSERT.
  void check_invariants() const;

  // Format: last_time_ns i64 | closed_total u64 | closed_size u64 | closed candles oldest first | has_open u8 |
  // open candle. A candle: 6 x i64 (times, OHLC) | 4 x 128-bit volumes (low u64, high u64) | trade_count u64.
  void write_snapshot(ByteWriter* out) const;
  // Into a series constructed with the same market, interval and capacity; false (state unchanged) on
  // malformed input or more closed candles than the capacity.
  [[nodiscard]] bool read_snapshot(ByteReader* in);

 private:
  std::optional<Candle> close_if_due(int64_t time_ms);
  void push_closed(const Candle& candle);

  uint32_t market_id_;
  CandleInterval interval_;
  int64_t last_time_ns_ = INT64_MIN;
  std::optional<Candle> open_;
  std::vector<Candle> ring_;  // fixed size = capacity
  size_t closed_head_ = 0;    // index of the oldest closed candle in ring_
  size_t closed_size_ = 0;
  uint64_t closed_total_ = 0;
};

}  // namespace qz
