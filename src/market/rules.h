// Market rules: a market's configuration and filters, and the money arithmetic of orders (reservations and
// fees). Pure functions over integers; the spec, with the proof that a reservation always covers its fills,
// is docs/markets.md. The engine wires these to the order book (book.h) and the ledger.
#pragma once

#include <cstdint>

#include "base/amount.h"
#include "base/result.h"

namespace qz {

enum class MarketStatus : uint8_t { trading = 1, halted = 2, closed = 3 };

struct MarketConfig {
  uint32_t base_asset = 0;
  uint32_t quote_asset = 0;
  uint8_t base_scale = 0;   // scales of the two assets, copied at creation
  uint8_t quote_scale = 0;
  int64_t tick_size = 0;    // price minor units (quote minor per whole base unit)
  int64_t lot_step = 0;     // base minor units
  int64_t min_qty = 0;      // base minor units, inclusive
  int64_t max_qty = 0;      // base minor units, inclusive
  int64_t min_notional = 0; // quote minor units, inclusive
  uint32_t band_bps = 0;    // price band around the reference price; 0 = no band
  uint32_t maker_fee_bps = 0;
  uint32_t taker_fee_bps = 0;
  MarketStatus status = MarketStatus::trading;
};

// Checks a configuration before a market is created or changed. Codes in order: market_assets_invalid (the
// same asset twice, an asset id of 0, or a scale above 18), market_tick_invalid (tick <= 0), market_lot_invalid (lot <= 0, or
// tick * lot not a multiple of 10^base_scale, so that notionals of whole ticks and lots are exact),
// market_qty_limits_invalid (min < lot, max < min, either not a multiple of the lot), market_fee_invalid (a fee
// above 1,000 bps), market_band_invalid (band above 9,000 bps: limit prices from 10% to 190% of the reference).
[[nodiscard]] Result validate_market_config(const MarketConfig& config);

enum class OrderSide : uint8_t { buy = 0, sell = 1 };

// Notional of quantity at price, exact for a valid market (see validate_market_config); false on overflow.
[[nodiscard]] bool market_notional(const MarketConfig& config, int64_t price_minor, int64_t qty_minor,
                                   int64_t* notional_minor);

// Filters of a limit order, in order: market_halted / market_closed (status), price_not_on_tick (price <= 0 or
// not a multiple of the tick), qty_not_on_lot (qty <= 0 or not a multiple of the lot), qty_below_minimum,
// qty_above_maximum, notional_below_minimum, price_out_of_band (|price - reference| above band_bps of the
// reference; not checked while reference is 0), amount_overflow (the notional, or either side's reservation at
// the highest allowed fee of 1,000 bps, does not fit in int64: so limit_reservation never fails for an order
// that passed). Any status other than trading or halted counts as closed.
[[nodiscard]] Result check_limit_order(const MarketConfig& config, int64_t reference_price_minor,
                                       int64_t price_minor, int64_t qty_minor);

// check_limit_order for the engine's hot path: the same filters, in the same order, with the same results, for
// a valid market whose notional of one lot at one tick (tick * lot / 10^base_scale, exact by
// validate_market_config) is `notional_per_tick_lot` (> 0). On ok, *price_ticks, *qty_lots and *notional_minor
// are the accepted order's; the notional is ticks * lots * notional_per_tick_lot, so the only divisions are the
// two that find the ticks and the lots.
struct LimitOrderShape {
  int64_t price_ticks = 0;
  int64_t qty_lots = 0;
  int64_t notional_minor = 0;
};
[[nodiscard]] Result check_limit_order_shape(const MarketConfig& config, int64_t notional_per_tick_lot,
                                             int64_t reference_price_minor, int64_t price_minor, int64_t qty_minor,
                                             LimitOrderShape* shape);

// spent_minor + ceil(spent_minor * max_fee_bps / 10000): the reservation of an order that may spend spent_minor
// (the notional for a buy, the quantity for a sell; see limit_reservation). False when it does not fit.
[[nodiscard]] bool reservation_with_fee(int64_t spent_minor, uint32_t max_fee_bps, int64_t* reserve_minor);

// What a limit order of `qty_minor` at `price_minor` must reserve (docs/markets.md): buys reserve quote
// C + ceil(C * r / 10000) with C the notional; sells reserve base qty + ceil(qty * r / 10000); r = max_fee_bps,
// the larger of the account's maker and taker rates (the caller takes the max). False on overflow.
[[nodiscard]] bool limit_reservation(const MarketConfig& config, OrderSide side, int64_t price_minor,
                                     int64_t qty_minor, uint32_t max_fee_bps, int64_t* reserve_minor);

// The fee of one fill: floor(spent_minor * fee_bps / 10000), in the spent asset. Never more than spent.
int64_t fill_fee(int64_t spent_minor, uint32_t fee_bps);

// The protection price of a market order: reference * (10000 + band) / 10000 rounded down to a tick for buys,
// reference * (10000 - band) / 10000 rounded up to a tick for sells. False when there is no reference or the
// result is not positive or overflows.
[[nodiscard]] bool protection_price(const MarketConfig& config, OrderSide side, int64_t reference_price_minor,
                                    int64_t* price_minor);

}  // namespace qz
