// Candle aggregation; see candles.h for the contract.
#include "market/candles.h"

#include <algorithm>
#include <array>

#include "base/assert.h"

namespace qz {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kMsPerSecond = 1'000;
constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;
constexpr int64_t kMsPerWeek = 7 * kMsPerDay;
// 1970-01-01 was a Thursday, so the first Monday after the epoch is day 4: weeks are aligned to 4 days.
constexpr int64_t kWeekOffsetMs = 4 * kMsPerDay;

struct IntervalInfo {
  std::string_view name;
  int64_t length_ms;  // 0 for calendar months
};

constexpr std::array<IntervalInfo, kCandleIntervalCount> kIntervals = {{
    {"1s", kMsPerSecond},
    {"1m", kMsPerMinute},
    {"3m", 3 * kMsPerMinute},
    {"5m", 5 * kMsPerMinute},
    {"15m", 15 * kMsPerMinute},
    {"30m", 30 * kMsPerMinute},
    {"1h", kMsPerHour},
    {"2h", 2 * kMsPerHour},
    {"4h", 4 * kMsPerHour},
    {"6h", 6 * kMsPerHour},
    {"8h", 8 * kMsPerHour},
    {"12h", 12 * kMsPerHour},
    {"1d", kMsPerDay},
    {"3d", 3 * kMsPerDay},
    {"1w", kMsPerWeek},
    {"1M", 0},
}};

const IntervalInfo& info(CandleInterval interval) {
  const auto index = static_cast<size_t>(interval);
  QZ_ASSERT_LT(index, kCandleIntervalCount);
  return kIntervals[index];
}

// Floor division for a positive divisor (C++ division truncates toward zero).
int64_t floor_div(int64_t value, int64_t divisor) {
  QZ_ASSERT(divisor > 0);
  int64_t quotient = value / divisor;
  if (value % divisor != 0 && value < 0) quotient -= 1;
  return quotient;
}

void hash_i128(Sha256& hasher, int128 value) {
  const auto bits = static_cast<uint128>(value);
  hasher.update_u64(static_cast<uint64_t>(bits));
  hasher.update_u64(static_cast<uint64_t>(bits >> 64));
}

void hash_candle(Sha256& hasher, const Candle& candle) {
  hasher.update_u64(static_cast<uint64_t>(candle.open_time_ms));
  hasher.update_u64(static_cast<uint64_t>(candle.close_time_ms));
  hasher.update_u64(static_cast<uint64_t>(candle.open_price_minor));
  hasher.update_u64(static_cast<uint64_t>(candle.high_price_minor));
  hasher.update_u64(static_cast<uint64_t>(candle.low_price_minor));
  hasher.update_u64(static_cast<uint64_t>(candle.close_price_minor));
  hash_i128(hasher, candle.base_volume_minor);
  hash_i128(hasher, candle.quote_volume_minor);
  hasher.update_u64(candle.trade_count);
  hash_i128(hasher, candle.taker_buy_base_volume_minor);
  hash_i128(hasher, candle.taker_buy_quote_volume_minor);
}

void check_candle(CandleInterval interval, const Candle& candle) {
  QZ_ASSERT_LT(candle.open_time_ms, candle.close_time_ms);
  QZ_ASSERT_EQ(candle_open_time_ms(interval, candle.open_time_ms), candle.open_time_ms);
  QZ_ASSERT_EQ(candle_next_open_time_ms(interval, candle.open_time_ms) - 1, candle.close_time_ms);
  QZ_ASSERT(candle.trade_count >= 1);
  QZ_ASSERT(candle.low_price_minor > 0);
  QZ_ASSERT_LE(candle.low_price_minor, candle.open_price_minor);
  QZ_ASSERT_LE(candle.low_price_minor, candle.close_price_minor);
  QZ_ASSERT_LE(candle.open_price_minor, candle.high_price_minor);
  QZ_ASSERT_LE(candle.close_price_minor, candle.high_price_minor);
  // Every trade has a positive quantity, so the base volume is at least the trade count.
  QZ_ASSERT(candle.base_volume_minor >= static_cast<int128>(candle.trade_count));
  QZ_ASSERT(candle.quote_volume_minor >= 0);
  QZ_ASSERT(candle.taker_buy_base_volume_minor >= 0);
  QZ_ASSERT(candle.taker_buy_quote_volume_minor >= 0);
  QZ_ASSERT(candle.taker_buy_base_volume_minor <= candle.base_volume_minor);
  QZ_ASSERT(candle.taker_buy_quote_volume_minor <= candle.quote_volume_minor);
}

}  // namespace

std::string_view candle_interval_name(CandleInterval interval) { return info(interval).name; }

bool parse_candle_interval(std::string_view name, CandleInterval* out) {
  for (size_t index = 0; index < kCandleIntervalCount; ++index) {
    if (kIntervals[index].name == name) {
      *out = static_cast<CandleInterval>(index);
      return true;
    }
  }
  return false;
}

// Days from the civil date, counting years from March so that the leap day is the last day of a "year". A
// 400-year era has 146097 days; 719468 is the day number of 1970-01-01 counted from 0000-03-01.
int64_t days_from_civil(int64_t year, uint32_t month, uint32_t day) {
  QZ_ASSERT(month >= 1 && month <= 12);
  QZ_ASSERT(day >= 1 && day <= 31);
  const int64_t march_year = month <= 2 ? year - 1 : year;
  const int64_t era = floor_div(march_year, 400);
  const int64_t year_of_era = march_year - era * 400;                       // [0, 399]
  const int64_t month_from_march = (static_cast<int64_t>(month) + 9) % 12;  // Mar = 0 .. Feb = 11
  // Month lengths from March run 31 30 31 30 31 31 30 31 30 31 31 (28/29): (153 m + 2) / 5 sums them.
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + static_cast<int64_t>(day) - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// The inverse of days_from_civil.
void civil_from_days(int64_t days, int64_t* year, uint32_t* month, uint32_t* day) {
  const int64_t shifted = days + 719468;
  const int64_t era = floor_div(shifted, 146097);
  const int64_t day_of_era = shifted - era * 146097;  // [0, 146096]
  // Remove the leap days (one per 4 years, none per 100, one per 400) before dividing by 365.
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // [0, 399]
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;  // [0, 11]
  const int64_t day_of_month = day_of_year - (153 * month_from_march + 2) / 5 + 1;
  const int64_t civil_month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
  *year = year_of_era + era * 400 + (civil_month <= 2 ? 1 : 0);
  *month = static_cast<uint32_t>(civil_month);
  *day = static_cast<uint32_t>(day_of_month);
  QZ_ASSERT(*month >= 1 && *month <= 12);
  QZ_ASSERT(*day >= 1 && *day <= 31);
}

int64_t candle_open_time_ms(CandleInterval interval, int64_t time_ms) {
  if (interval == CandleInterval::mo1) {
    int64_t year = 0;
    uint32_t month = 0;
    uint32_t day = 0;
    civil_from_days(floor_div(time_ms, kMsPerDay), &year, &month, &day);
    return days_from_civil(year, month, 1) * kMsPerDay;
  }
  if (interval == CandleInterval::w1) {
    return floor_div(time_ms - kWeekOffsetMs, kMsPerWeek) * kMsPerWeek + kWeekOffsetMs;
  }
  const int64_t length_ms = info(interval).length_ms;
  return floor_div(time_ms, length_ms) * length_ms;
}

int64_t candle_next_open_time_ms(CandleInterval interval, int64_t open_time_ms) {
  QZ_ASSERT_EQ(candle_open_time_ms(interval, open_time_ms), open_time_ms);
  if (interval == CandleInterval::mo1) {
    int64_t year = 0;
    uint32_t month = 0;
    uint32_t day = 0;
    civil_from_days(floor_div(open_time_ms, kMsPerDay), &year, &month, &day);
    if (month == 12) return days_from_civil(year + 1, 1, 1) * kMsPerDay;
    return days_from_civil(year, month + 1, 1) * kMsPerDay;
  }
  if (interval == CandleInterval::w1) return open_time_ms + kMsPerWeek;
  return open_time_ms + info(interval).length_ms;
}

std::string candle_volume_digits(int128 volume_minor) {
  QZ_ASSERT(volume_minor >= 0);
  if (volume_minor == 0) return "0";
  std::string digits;
  auto rest = static_cast<uint128>(volume_minor);
  while (rest != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(rest % 10)));
    rest /= 10;
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

CandleSeries::CandleSeries(uint32_t market_id, CandleInterval interval, size_t history_capacity)
    : market_id_(market_id), interval_(interval), ring_(history_capacity) {
  QZ_ASSERT(history_capacity > 0);
  QZ_ASSERT_LT(static_cast<size_t>(interval), kCandleIntervalCount);
}

const Candle& CandleSeries::closed(size_t index) const {
  QZ_ASSERT_LT(index, closed_size_);
  return ring_[(closed_head_ + index) % ring_.size()];
}

void CandleSeries::push_closed(const Candle& candle) {
  const size_t capacity = ring_.size();
  if (closed_size_ < capacity) {
    ring_[(closed_head_ + closed_size_) % capacity] = candle;
    closed_size_ += 1;
  } else {
    ring_[closed_head_] = candle;
    closed_head_ = (closed_head_ + 1) % capacity;
  }
  closed_total_ += 1;
  QZ_ASSERT_LE(closed_size_, capacity);
}

std::optional<Candle> CandleSeries::close_if_due(int64_t time_ms) {
  if (!open_.has_value() || time_ms <= open_->close_time_ms) return std::nullopt;
  const Candle candle = *open_;
  open_.reset();
  push_closed(candle);
  QZ_ASSERT(closed(closed_size_ - 1) == candle);
  return candle;
}

std::optional<Candle> CandleSeries::advance_to(int64_t time_ns) {
  QZ_ASSERT(time_ns >= last_time_ns_);
  last_time_ns_ = time_ns;
  return close_if_due(floor_div(time_ns, kNsPerMs));
}

std::optional<Candle> CandleSeries::on_trade(int64_t time_ns, int64_t price_minor, int64_t qty_minor,
                                             int64_t quote_minor, bool taker_is_buyer) {
  QZ_ASSERT(time_ns >= last_time_ns_);
  QZ_ASSERT(price_minor > 0);
  QZ_ASSERT(qty_minor > 0);
  QZ_ASSERT(quote_minor >= 0);
  last_time_ns_ = time_ns;
  const int64_t time_ms = floor_div(time_ns, kNsPerMs);
  std::optional<Candle> closed_candle = close_if_due(time_ms);

  if (!open_.has_value()) {
    Candle fresh;
    fresh.open_time_ms = candle_open_time_ms(interval_, time_ms);
    fresh.close_time_ms = candle_next_open_time_ms(interval_, fresh.open_time_ms) - 1;
    fresh.open_price_minor = price_minor;
    fresh.high_price_minor = price_minor;
    fresh.low_price_minor = price_minor;
    open_ = fresh;
  }
  Candle& candle = *open_;
  QZ_ASSERT(candle.open_time_ms <= time_ms && time_ms <= candle.close_time_ms);
  candle.high_price_minor = std::max(candle.high_price_minor, price_minor);
  candle.low_price_minor = std::min(candle.low_price_minor, price_minor);
  candle.close_price_minor = price_minor;
  candle.base_volume_minor += qty_minor;
  candle.quote_volume_minor += quote_minor;
  candle.trade_count += 1;
  if (taker_is_buyer) {
    candle.taker_buy_base_volume_minor += qty_minor;
    candle.taker_buy_quote_volume_minor += quote_minor;
  }
  QZ_ASSERT(candle.low_price_minor <= candle.close_price_minor && candle.close_price_minor <= candle.high_price_minor);
  return closed_candle;
}

Hash256 CandleSeries::state_hash() const {
  Sha256 hasher;
  hasher.update(std::string_view("qz.market.candles.v1"));
  hasher.update_u64(market_id_);
  hasher.update_u64(static_cast<uint64_t>(interval_));
  hasher.update_u64(ring_.size());
  hasher.update_u64(static_cast<uint64_t>(last_time_ns_));
  hasher.update_u64(closed_total_);
  hasher.update_u64(closed_size_);
  for (size_t index = 0; index < closed_size_; ++index) hash_candle(hasher, closed(index));
  hasher.update_u64(open_.has_value() ? 1 : 0);
  if (open_.has_value()) hash_candle(hasher, *open_);
  return hasher.finish();
}

namespace {

void write_i128(ByteWriter* out, int128 value) {
  const auto bits = static_cast<uint128>(value);
  out->u64(static_cast<uint64_t>(bits));
  out->u64(static_cast<uint64_t>(bits >> 64));
}

int128 read_i128(ByteReader* in) {
  const uint64_t low = in->u64();
  const uint64_t high = in->u64();
  return static_cast<int128>((static_cast<uint128>(high) << 64) | low);
}

void write_candle(ByteWriter* out, const Candle& c) {
  for (const int64_t v : {c.open_time_ms, c.close_time_ms, c.open_price_minor, c.high_price_minor, c.low_price_minor,
                          c.close_price_minor}) {
    out->i64(v);
  }
  write_i128(out, c.base_volume_minor);
  write_i128(out, c.quote_volume_minor);
  write_i128(out, c.taker_buy_base_volume_minor);
  write_i128(out, c.taker_buy_quote_volume_minor);
  out->u64(c.trade_count);
}

Candle read_candle(ByteReader* in) {
  Candle c;
  c.open_time_ms = static_cast<int64_t>(in->u64());
  c.close_time_ms = static_cast<int64_t>(in->u64());
  c.open_price_minor = static_cast<int64_t>(in->u64());
  c.high_price_minor = static_cast<int64_t>(in->u64());
  c.low_price_minor = static_cast<int64_t>(in->u64());
  c.close_price_minor = static_cast<int64_t>(in->u64());
  c.base_volume_minor = read_i128(in);
  c.quote_volume_minor = read_i128(in);
  c.taker_buy_base_volume_minor = read_i128(in);
  c.taker_buy_quote_volume_minor = read_i128(in);
  c.trade_count = in->u64();
  return c;
}

}  // namespace

void CandleSeries::write_snapshot(ByteWriter* out) const {
  out->i64(last_time_ns_);
  out->u64(closed_total_);
  out->u64(closed_size_);
  for (size_t index = 0; index < closed_size_; ++index) write_candle(out, closed(index));
  out->u8(open_.has_value() ? 1 : 0);
  if (open_.has_value()) write_candle(out, *open_);
}

bool CandleSeries::read_snapshot(ByteReader* in) {
  const auto last_time_ns = static_cast<int64_t>(in->u64());
  const uint64_t closed_total = in->u64();
  const uint64_t closed_size = in->u64();
  if (!in->ok() || closed_size > ring_.size() || closed_size > closed_total) return false;
  std::vector<Candle> closed_candles;
  for (uint64_t i = 0; i < closed_size && in->ok(); i++) closed_candles.push_back(read_candle(in));
  const uint8_t has_open = in->u8();
  std::optional<Candle> open;
  if (has_open == 1) open = read_candle(in);
  if (!in->ok() || has_open > 1) return false;
  for (size_t i = 0; i < closed_candles.size(); i++) ring_[i] = closed_candles[i];
  closed_head_ = 0;
  closed_size_ = static_cast<size_t>(closed_size);
  closed_total_ = closed_total;
  last_time_ns_ = last_time_ns;
  open_ = open;
  return true;
}

void CandleSeries::check_invariants() const {
  QZ_ASSERT(!ring_.empty());
  QZ_ASSERT_LE(closed_size_, ring_.size());
  QZ_ASSERT_LT(closed_head_, ring_.size());
  QZ_ASSERT(closed_total_ >= closed_size_);
  for (size_t index = 0; index < closed_size_; ++index) {
    const Candle& candle = closed(index);
    check_candle(interval_, candle);
    // Consecutive closed candles do not overlap (gaps are empty intervals).
    if (index > 0) QZ_ASSERT_LT(closed(index - 1).close_time_ms, candle.open_time_ms);
    // A closed candle was closed by a later time.
    QZ_ASSERT_LT(candle.close_time_ms, floor_div(last_time_ns_, kNsPerMs));
  }
  if (open_.has_value()) {
    check_candle(interval_, *open_);
    if (closed_size_ > 0) QZ_ASSERT_LT(closed(closed_size_ - 1).close_time_ms, open_->open_time_ms);
    const int64_t last_ms = floor_div(last_time_ns_, kNsPerMs);
    QZ_ASSERT(open_->open_time_ms <= last_ms && last_ms <= open_->close_time_ms);
  }
}

}  // namespace qz
