// GoogleTest printers for the history rows, so that a failed comparison shows fields rather than bytes.
#pragma once

#include <ostream>
#include <string>

#include "history/history.h"

namespace qz::history {

inline std::string text128(int128 value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  uint128 magnitude = negative ? static_cast<uint128>(-(value + 1)) + 1 : static_cast<uint128>(value);
  std::string digits;
  while (magnitude > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  return negative ? "-" + digits : digits;
}

inline void PrintTo(const OrderRow& o, std::ostream* out) {
  *out << "{id " << o.id << " market " << o.market << " owner " << o.owner << " account " << o.account << " cid "
       << o.client_order_id << " side " << int{o.side} << " type " << int{o.type} << " tif " << int{o.time_in_force}
       << " stp " << int{o.self_trade_prevention} << " price " << o.price_minor << " stop " << o.stop_price_minor
       << " iceberg " << o.iceberg_qty_minor << " quote_qty " << o.quote_order_qty_minor << " gtd " << o.good_till_ms
       << " orig " << o.orig_qty_minor << " executed " << o.executed_qty_minor << " cum_quote "
       << o.cumulative_quote_minor << " fee " << o.fee_minor << " " << order_status_name(o.status) << " reason "
       << int{o.end_reason} << " height " << o.created_height << " created " << o.created_ms << " working "
       << o.working_ms << " updated " << o.updated_ms << "}";
}

inline void PrintTo(const TradeRow& t, std::ostream* out) {
  *out << "{id " << t.id << " market " << t.market << " price " << t.price_minor << " qty " << t.qty_minor << " quote "
       << t.quote_qty_minor << " buyer_is_maker " << t.buyer_is_maker << " maker " << t.maker_order << "/"
       << t.maker_owner << " taker " << t.taker_order << "/" << t.taker_owner << " fees " << t.maker_fee_minor << "/"
       << t.taker_fee_minor << " agg " << t.agg_id << " height " << t.height << " time " << t.time_ms << "}";
}

inline void PrintTo(const FillRow& f, std::ostream* out) {
  *out << "{owner " << f.owner << " market " << f.market << " trade " << f.trade_id << " order " << f.order_id
       << " buyer " << f.is_buyer << " maker " << f.is_maker << " price " << f.price_minor << " qty " << f.qty_minor
       << " quote " << f.quote_qty_minor << " fee " << f.fee_minor << " asset " << f.fee_asset << " time " << f.time_ms
       << "}";
}

inline void PrintTo(const AggTradeRow& a, std::ostream* out) {
  *out << "{agg " << a.id << " market " << a.market << " price " << a.price_minor << " qty " << a.qty_minor
       << " trades " << a.first_trade_id << ".." << a.last_trade_id << " buyer_is_maker " << a.buyer_is_maker
       << " time " << a.time_ms << "}";
}

inline void PrintTo(const Kline& k, std::ostream* out) {
  *out << "{open " << k.open_time_ms << " close " << k.close_time_ms << " OHLC " << k.open_minor << "/" << k.high_minor
       << "/" << k.low_minor << "/" << k.close_minor << " volume " << text128(k.volume_minor) << " quote "
       << text128(k.quote_volume_minor) << " count " << k.trade_count << " taker buy "
       << text128(k.taker_buy_volume_minor) << "/" << text128(k.taker_buy_quote_volume_minor) << " trades "
       << k.first_trade_id << ".." << k.last_trade_id << "}";
}

inline void PrintTo(const EntryRow& e, std::ostream* out) {
  *out << "{transfer " << e.transfer_id << " " << e.kind << " asset " << e.asset << " " << e.debit_account << " -> "
       << e.credit_account << " amount " << e.amount_minor << " after " << e.debit_balance_after << "/"
       << e.credit_balance_after << " hold " << e.hold_id << " trade " << e.trade_id << " reference " << e.reference
       << " height " << e.height << " time " << e.time_ms << "}";
}

inline void PrintTo(const Ticker24h& t, std::ostream* out) {
  *out << "{market " << t.market << " window " << t.open_time_ms << ".." << t.close_time_ms << " OHLC " << t.open_minor
       << "/" << t.high_minor << "/" << t.low_minor << "/" << t.last_minor << " last qty " << t.last_qty_minor
       << " prev close " << t.prev_close_minor << " volume " << text128(t.volume_minor) << " quote "
       << text128(t.quote_volume_minor) << " trades " << t.first_trade_id << ".." << t.last_trade_id << " count "
       << t.trade_count << "}";
}

}  // namespace qz::history
