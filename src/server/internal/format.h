// Text of amounts in the trading API's answers and streams: decimal strings at the asset's scale.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/checked.h"
#include "base/decimal.h"
#include "json/writer.h"
#include "server/market_data.h"

namespace qz::server {

inline std::string price_text(const MarketInfo& m, int64_t price_minor) {
  return format_decimal(price_minor, m.quote.scale);
}
inline std::string qty_text(const MarketInfo& m, int64_t qty_minor) { return format_decimal(qty_minor, m.base.scale); }
inline std::string quote_text(const MarketInfo& m, int64_t quote_minor) {
  return format_decimal(quote_minor, m.quote.scale);
}

// The price change in percent of `open` with three decimals, rounded toward zero ("0.000" when open is 0).
inline std::string percent_change_text(int64_t change, int64_t open) {
  if (open == 0) return "0.000";
  return format_decimal(static_cast<int64_t>(static_cast<int128>(change) * 100'000 / open), 3);
}

// "name": [[price, qty], ...]
inline void write_levels(json::Writer& w, std::string_view name, const MarketInfo& m, const std::vector<Level>& levels) {
  w.key(name).begin_array();
  for (const Level& level : levels) {
    w.begin_array()
        .value(json::Decimal{price_text(m, level.price_minor)})
        .value(json::Decimal{qty_text(m, level.qty_minor)})
        .end_array();
  }
  w.end_array();
}

}  // namespace qz::server
