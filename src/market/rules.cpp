// Market rules: see rules.h for the contract and docs/markets.md for the money rules and the proof that a
// reservation covers its fills.
//
// All products go through 128-bit intermediates: operands are int64 (below 2^63) and the factors below are at most
// 10^18 or 20'000, so every product here is below 2^127 and cannot wrap. Values leave the 128-bit domain only
// after a range check.
#include "market/rules.h"

#include "base/assert.h"
#include "base/checked.h"

namespace qz {

namespace {

constexpr int64_t kBpsDenominator = 10'000;
constexpr uint32_t kMaxFeeBps = 1'000;   // validate_market_config: fees at most this
constexpr uint32_t kMaxBandBps = 9'000;  // validate_market_config: band at most this

constexpr int128 kInt64Max = INT64_MAX;

// 10^scale as a 128-bit value; scale must be a valid asset scale.
int128 pow10_128(uint8_t scale) {
  QZ_ASSERT(scale <= kMaxScale);
  return static_cast<int128>(pow10_i64(scale));
}

// price * qty / 10^base_scale rounded down, exact when the market is valid and price and qty are on the grid.
// The division is done in 64 bits when the product fits (the common case: a 128-bit division is a library call).
int128 notional_128(const MarketConfig& config, int64_t price_minor, int64_t qty_minor) {
  QZ_ASSERT(price_minor >= 0 && qty_minor >= 0);
  uint64_t product = 0;
  if (!__builtin_mul_overflow(static_cast<uint64_t>(price_minor), static_cast<uint64_t>(qty_minor), &product)) {
    return static_cast<int128>(product / static_cast<uint64_t>(pow10_i64(config.base_scale)));
  }
  return static_cast<int128>(price_minor) * qty_minor / pow10_128(config.base_scale);
}

// amount + ceil(amount * fee_bps / 10'000): the cost of `amount` spent plus its largest fee. amount must fit in
// int64 (then the product cannot wrap).
int128 with_max_fee_128(int128 amount_minor, uint32_t fee_bps) {
  QZ_ASSERT(amount_minor >= 0 && amount_minor <= kInt64Max);
  QZ_ASSERT(fee_bps <= static_cast<uint32_t>(kBpsDenominator));
  int128 fee = 0;
  if (amount_minor <= static_cast<int128>(INT64_MAX / 10'000)) {  // 64-bit arithmetic suffices
    const auto scaled = static_cast<uint64_t>(amount_minor) * fee_bps;
    fee = static_cast<int128>(scaled / 10'000 + (scaled % 10'000 != 0 ? 1 : 0));
  } else {
    const int128 scaled = amount_minor * fee_bps;
    fee = scaled / kBpsDenominator + (scaled % kBpsDenominator != 0 ? 1 : 0);
  }
  QZ_ASSERT(fee >= 0 && fee <= amount_minor);
  return amount_minor + fee;
}

bool on_grid(int64_t value, int64_t step) { return value > 0 && value % step == 0; }

// Amounts up to this one have a reservation at the highest fee (x + ceil(x / 10)) that surely fits in int64:
// x <= (M - 1) / 11 * 10 gives x + ceil(x / 10) <= (M - 1) / 11 * 11 + 1 <= M. Larger ones are computed.
constexpr int64_t kSurelyFitsWithMaxFee = (INT64_MAX - 1) / 11 * 10;
static_assert(kMaxFeeBps == 1'000, "kSurelyFitsWithMaxFee assumes the highest fee is 10%");

// True when amount (at most INT64_MAX) plus its largest fee at the highest rate a market may charge fits.
bool fits_with_highest_fee(int128 amount_minor) {
  return amount_minor <= kSurelyFitsWithMaxFee || with_max_fee_128(amount_minor, kMaxFeeBps) <= kInt64Max;
}

}  // namespace

Result validate_market_config(const MarketConfig& config) {
  // An asset's scale is at most kMaxScale (the ledger refuses others), so a larger one names no existing asset.
  if (config.base_asset == 0 || config.quote_asset == 0 || config.base_asset == config.quote_asset ||
      config.base_scale > kMaxScale || config.quote_scale > kMaxScale) {
    return Result::market_assets_invalid;
  }
  if (config.tick_size <= 0) return Result::market_tick_invalid;
  if (config.lot_step <= 0) return Result::market_lot_invalid;
  const int128 tick_times_lot = static_cast<int128>(config.tick_size) * config.lot_step;
  if (tick_times_lot % pow10_128(config.base_scale) != 0) return Result::market_lot_invalid;
  if (config.min_qty < config.lot_step || config.max_qty < config.min_qty || config.min_qty % config.lot_step != 0 ||
      config.max_qty % config.lot_step != 0) {
    return Result::market_qty_limits_invalid;
  }
  if (config.maker_fee_bps > kMaxFeeBps || config.taker_fee_bps > kMaxFeeBps) return Result::market_fee_invalid;
  if (config.band_bps > kMaxBandBps) return Result::market_band_invalid;
  return Result::ok;
}

bool market_notional(const MarketConfig& config, int64_t price_minor, int64_t qty_minor, int64_t* notional_minor) {
  QZ_ASSERT(notional_minor != nullptr);
  const int128 notional = notional_128(config, price_minor, qty_minor);
  // Whole ticks times whole lots of a valid market are exact: nothing may be rounded away from a payment.
  if (config.tick_size > 0 && config.lot_step > 0 && on_grid(price_minor, config.tick_size) &&
      on_grid(qty_minor, config.lot_step) &&
      static_cast<int128>(config.tick_size) * config.lot_step % pow10_128(config.base_scale) == 0) {
    QZ_ASSERT(notional * pow10_128(config.base_scale) == static_cast<int128>(price_minor) * qty_minor);
  }
  if (notional > kInt64Max) return false;
  *notional_minor = static_cast<int64_t>(notional);
  QZ_ASSERT(*notional_minor >= 0);
  return true;
}

Result check_limit_order(const MarketConfig& config, int64_t reference_price_minor, int64_t price_minor,
                         int64_t qty_minor) {
  QZ_ASSERT(config.tick_size > 0 && config.lot_step > 0);
  QZ_ASSERT(config.base_scale <= kMaxScale);
  QZ_ASSERT(reference_price_minor >= 0);
  if (config.status == MarketStatus::halted) return Result::market_halted;
  if (config.status != MarketStatus::trading) return Result::market_closed;
  if (!on_grid(price_minor, config.tick_size)) return Result::price_not_on_tick;
  if (!on_grid(qty_minor, config.lot_step)) return Result::qty_not_on_lot;
  if (qty_minor < config.min_qty) return Result::qty_below_minimum;
  if (qty_minor > config.max_qty) return Result::qty_above_maximum;
  // 128-bit: a notional too large for int64 is certainly not below the minimum; it is refused last.
  const int128 notional = notional_128(config, price_minor, qty_minor);
  if (notional < config.min_notional) return Result::notional_below_minimum;
  if (config.band_bps != 0 && reference_price_minor != 0) {
    const int128 distance = price_minor >= reference_price_minor
                                ? static_cast<int128>(price_minor) - reference_price_minor
                                : static_cast<int128>(reference_price_minor) - price_minor;
    if (distance * kBpsDenominator > static_cast<int128>(reference_price_minor) * config.band_bps) {
      return Result::price_out_of_band;
    }
  }
  // Either side's reservation at the highest fee a valid market may charge must fit, so limit_reservation can
  // never fail for an accepted order, whatever its side and fee tier.
  if (notional > kInt64Max || !fits_with_highest_fee(notional) || !fits_with_highest_fee(qty_minor)) {
    return Result::amount_overflow;
  }
  return Result::ok;
}

Result check_limit_order_shape(const MarketConfig& config, int64_t notional_per_tick_lot,
                               int64_t reference_price_minor, int64_t price_minor, int64_t qty_minor,
                               LimitOrderShape* shape) {
  QZ_ASSERT(config.tick_size > 0 && config.lot_step > 0 && notional_per_tick_lot > 0);
  QZ_ASSERT(reference_price_minor >= 0);
  if (config.status == MarketStatus::halted) return Result::market_halted;
  if (config.status != MarketStatus::trading) return Result::market_closed;
  const int64_t ticks = price_minor / config.tick_size;
  if (price_minor <= 0 || ticks * config.tick_size != price_minor) return Result::price_not_on_tick;
  const int64_t lots = qty_minor / config.lot_step;
  if (qty_minor <= 0 || lots * config.lot_step != qty_minor) return Result::qty_not_on_lot;
  if (qty_minor < config.min_qty) return Result::qty_below_minimum;
  if (qty_minor > config.max_qty) return Result::qty_above_maximum;
  // ticks, lots and the unit are each below 2^63 and their product is price * qty / 10^scale < 2^126: the
  // 128-bit product cannot wrap, whatever the order of the multiplications.
  const int128 notional = static_cast<int128>(ticks) * lots * notional_per_tick_lot;
  if (notional < config.min_notional) return Result::notional_below_minimum;
  if (config.band_bps != 0 && reference_price_minor != 0) {
    const int128 distance = price_minor >= reference_price_minor
                                ? static_cast<int128>(price_minor) - reference_price_minor
                                : static_cast<int128>(reference_price_minor) - price_minor;
    if (distance * kBpsDenominator > static_cast<int128>(reference_price_minor) * config.band_bps) {
      return Result::price_out_of_band;
    }
  }
  if (notional > kInt64Max || !fits_with_highest_fee(notional) || !fits_with_highest_fee(qty_minor)) {
    return Result::amount_overflow;
  }
  shape->price_ticks = ticks;
  shape->qty_lots = lots;
  shape->notional_minor = static_cast<int64_t>(notional);
  return Result::ok;
}

bool reservation_with_fee(int64_t spent_minor, uint32_t max_fee_bps, int64_t* reserve_minor) {
  QZ_ASSERT(spent_minor >= 0);
  QZ_ASSERT(max_fee_bps <= static_cast<uint32_t>(kBpsDenominator));
  const int128 reserve = with_max_fee_128(spent_minor, max_fee_bps);
  if (reserve > kInt64Max) return false;
  *reserve_minor = static_cast<int64_t>(reserve);
  return true;
}

bool limit_reservation(const MarketConfig& config, OrderSide side, int64_t price_minor, int64_t qty_minor,
                       uint32_t max_fee_bps, int64_t* reserve_minor) {
  QZ_ASSERT(reserve_minor != nullptr);
  QZ_ASSERT(price_minor > 0 && qty_minor >= 0);
  QZ_ASSERT(max_fee_bps <= static_cast<uint32_t>(kBpsDenominator));
  const int128 spent = side == OrderSide::buy ? notional_128(config, price_minor, qty_minor) : int128{qty_minor};
  if (spent > kInt64Max) return false;
  const int128 reserve = with_max_fee_128(spent, max_fee_bps);
  QZ_ASSERT(reserve >= spent && reserve - spent <= spent);
  if (reserve > kInt64Max) return false;
  *reserve_minor = static_cast<int64_t>(reserve);
  return true;
}

int64_t fill_fee(int64_t spent_minor, uint32_t fee_bps) {
  QZ_ASSERT(spent_minor >= 0);
  QZ_ASSERT(fee_bps <= static_cast<uint32_t>(kBpsDenominator));
  if (spent_minor <= INT64_MAX / 10'000) {  // 64-bit arithmetic suffices
    return static_cast<int64_t>(static_cast<uint64_t>(spent_minor) * fee_bps / 10'000);
  }
  const int128 fee = static_cast<int128>(spent_minor) * fee_bps / kBpsDenominator;
  QZ_ASSERT(fee >= 0 && fee <= spent_minor);
  return static_cast<int64_t>(fee);
}

bool protection_price(const MarketConfig& config, OrderSide side, int64_t reference_price_minor,
                      int64_t* price_minor) {
  QZ_ASSERT(price_minor != nullptr);
  QZ_ASSERT(config.tick_size > 0);
  if (reference_price_minor <= 0) return false;
  const int128 factor_bps = side == OrderSide::buy ? kBpsDenominator + int128{config.band_bps}
                                                   : kBpsDenominator - int128{config.band_bps};
  if (factor_bps <= 0) return false;
  // reference * factor / 10'000 rounded to a tick in one division, so only one rounding happens: down for buys
  // (never above the band), up for sells (never below it).
  const int128 scaled = static_cast<int128>(reference_price_minor) * factor_bps;
  const int128 tick_unit = static_cast<int128>(config.tick_size) * kBpsDenominator;
  int128 ticks = scaled / tick_unit;
  if (side == OrderSide::sell && scaled % tick_unit != 0) ticks += 1;
  const int128 price = ticks * config.tick_size;
  if (side == OrderSide::buy) {
    QZ_ASSERT(price * kBpsDenominator <= scaled && scaled - price * kBpsDenominator < tick_unit);
  } else {
    QZ_ASSERT(price * kBpsDenominator >= scaled && price * kBpsDenominator - scaled < tick_unit);
  }
  if (price <= 0 || price > kInt64Max) return false;
  *price_minor = static_cast<int64_t>(price);
  return true;
}

}  // namespace qz
