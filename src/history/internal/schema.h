// The history database's schema (docs/history.md) and what the writer and the reader share about it.
// Internal to the history module.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"
#include "history/history.h"
#include "market/candles.h"
#include "sqlite/sqlite.h"

namespace qz::history_internal {

// Schema versions, in order: steps()[i] takes PRAGMA user_version i to i + 1.
std::span<const sqlite::SchemaStep> schema_steps();

// Tables in content-hash order, each with its key columns (rows are hashed in this order).
struct TableKey {
  const char* table;
  const char* order_by;
};
std::span<const TableKey> hashed_tables();

// The intervals kept as rows (the candles table's `interval`); every other interval is folded from one of them.
inline constexpr std::array<CandleInterval, 4> kStoredIntervals = {CandleInterval::s1, CandleInterval::m1,
                                                                   CandleInterval::h1, CandleInterval::d1};

// Meta keys.
inline constexpr const char* kMetaLastHeight = "last_height";  // -1 before the first block
inline constexpr const char* kMetaLastTimeNs = "last_time_ns";
inline constexpr const char* kMetaNextTransferId = "next_transfer_id";

// Column lists shared by the writer's upserts and the reader's selects, in struct field order.
inline constexpr const char* kOrderColumns =
    "id, market, owner, account, client_order_id, side, type, time_in_force, self_trade_prevention, price, "
    "stop_price, iceberg_qty, quote_order_qty, good_till_ms, orig_qty, executed_qty, cumulative_quote, fee, status, "
    "end_reason, created_height, created_ms, working_ms, updated_ms";
// kOrderColumns and the text of the order's client order id (NULL when none was journaled), for reads.
#define QZ_HISTORY_ORDER_SELECT                                                                                  \
  "id, market, owner, account, client_order_id, side, type, time_in_force, self_trade_prevention, price, "      \
  "stop_price, iceberg_qty, quote_order_qty, good_till_ms, orig_qty, executed_qty, cumulative_quote, fee, status, " \
  "end_reason, created_height, created_ms, working_ms, updated_ms, (SELECT text FROM client_order_ids c WHERE "  \
  "c.owner = orders.owner AND c.client_order_id = orders.client_order_id)"
inline constexpr const char* kOrderSelect = QZ_HISTORY_ORDER_SELECT;
#undef QZ_HISTORY_ORDER_SELECT
inline constexpr const char* kMarketColumns =
    "id, symbol, base, quote, base_code, quote_code, base_scale, quote_scale, tick_size, lot_step, min_qty, max_qty, "
    "min_notional, band_bps, maker_fee_bps, taker_fee_bps, fee_account_base, fee_account_quote, status, created_ms, "
    "updated_ms";
inline constexpr const char* kTradeColumns =
    "id, market, price, qty, quote_qty, buyer_is_maker, maker_order, taker_order, maker_owner, taker_owner, "
    "maker_fee, taker_fee, agg_id, height, time_ms";
inline constexpr const char* kAggColumns =
    "id, market, price, qty, first_trade_id, last_trade_id, buyer_is_maker, time_ms";
inline constexpr const char* kCandleColumns =
    "open_time_ms, open, high, low, close, volume, quote_volume, trade_count, taker_buy_volume, "
    "taker_buy_quote_volume, first_trade_id, last_trade_id";

// Binds an OrderRow / MarketRow as parameters 1.. in column order; reads one from columns 0.. of a row.
void bind_order(sqlite::Statement* statement, const history::OrderRow& row);
[[nodiscard]] Status read_order(const sqlite::Statement& statement, history::OrderRow* row);
void bind_market(sqlite::Statement* statement, const history::MarketRow& row);
void read_market(const sqlite::Statement& statement, history::MarketRow* row);

// A stored candle (kCandleColumns order) into a Kline; close_time_ms is left to the caller.
void read_candle(const sqlite::Statement& statement, history::Kline* out);

inline int64_t ms_of(uint64_t time_ns) { return static_cast<int64_t>(time_ns / 1'000'000); }

}  // namespace qz::history_internal
