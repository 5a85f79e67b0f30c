// The Binance-compatible routes (api/binance-spot-subset.md section 4), on the venue's views.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/assert.h"
#include "base/checked.h"
#include "base/decimal.h"
#include "base/result.h"
#include "history/history.h"
#include "json/writer.h"
#include "market/rules.h"
#include "server/internal/format.h"
#include "server/internal/venue_impl.h"
#include "server/log.h"

namespace qz::server {

namespace {

using json::Writer;

const char* status_name(uint8_t status) {
  switch (static_cast<MarketStatus>(status)) {
    case MarketStatus::trading: return "TRADING";
    case MarketStatus::halted: return "HALT";
    case MarketStatus::closed: return "BREAK";
  }
  return "BREAK";
}

const char* side_name(uint8_t side) { return side == static_cast<uint8_t>(OrderSideCode::buy) ? "BUY" : "SELL"; }

const char* type_name(uint8_t type) {
  switch (static_cast<OrderType>(type)) {
    case OrderType::limit: return "LIMIT";
    case OrderType::limit_maker: return "LIMIT_MAKER";
    case OrderType::market:
    case OrderType::market_by_quote: return "MARKET";
    case OrderType::stop_loss_limit: return "STOP_LOSS_LIMIT";
    case OrderType::take_profit_limit: return "TAKE_PROFIT_LIMIT";
  }
  return "LIMIT";
}

const char* tif_name(uint8_t type, uint8_t tif) {
  if (type == static_cast<uint8_t>(OrderType::limit_maker)) return "GTC";
  switch (static_cast<OrderTif>(tif)) {
    case OrderTif::ioc: return "IOC";
    case OrderTif::fok: return "FOK";
    case OrderTif::gtd: return "GTD";
    case OrderTif::gtc:
    case OrderTif::none: break;
  }
  return "GTC";
}

const char* stp_name(uint8_t stp) {
  switch (stp) {
    case 1: return "EXPIRE_TAKER";
    case 2: return "EXPIRE_MAKER";
    case 3: return "EXPIRE_BOTH";
    default: return "NONE";
  }
}

// The Binance reply for an order command the engine rejected.
BinanceError order_rejection(Result result, bool market_order) {
  switch (result) {
    case Result::price_not_on_tick: return binance_error(BinanceErrorKind::filter_failure, "PRICE_FILTER");
    case Result::price_out_of_band: return binance_error(BinanceErrorKind::filter_failure, "PERCENT_PRICE_BY_SIDE");
    case Result::stop_price_invalid:
      return binance_error(BinanceErrorKind::order_rejected, "Order would trigger immediately.");
    case Result::qty_not_on_lot:
    case Result::qty_below_minimum:
    case Result::qty_above_maximum:
    case Result::iceberg_invalid:
      return binance_error(BinanceErrorKind::filter_failure, market_order ? "MARKET_LOT_SIZE" : "LOT_SIZE");
    case Result::notional_below_minimum: return binance_error(BinanceErrorKind::filter_failure, "NOTIONAL");
    case Result::order_limit_reached: return binance_error(BinanceErrorKind::filter_failure, "MAX_NUM_ORDERS");
    case Result::market_halted:
    case Result::market_closed: return binance_error(BinanceErrorKind::market_closed);
    case Result::insufficient_funds: return binance_error(BinanceErrorKind::insufficient_balance);
    case Result::order_would_take: return binance_error(BinanceErrorKind::order_would_take);
    case Result::request_id_reused:
    case Result::client_order_id_open: return binance_error(BinanceErrorKind::duplicate_order);
    case Result::market_not_found: return binance_error(BinanceErrorKind::invalid_symbol);
    case Result::order_not_found: return binance_error(BinanceErrorKind::unknown_order);
    default: break;
  }
  return binance_error(BinanceErrorKind::order_rejected, result_message(result));
}

// What one order's events in one submission say.
struct OrderOutcome {
  bool accepted = false;
  Result rejected = Result::ok;
  uint64_t order_id = 0;
  OrderAcceptedPayload accepted_payload{};
  int64_t executed_minor = 0;
  int64_t cumulative_quote_minor = 0;
  bool rested = false;
  bool filled = false;
  bool cancelled = false;
  bool expired = false;
  uint8_t end_reason = 0;
  struct Fill {
    uint64_t trade = 0;
    int64_t price_minor = 0;
    int64_t qty_minor = 0;
    int64_t fee_minor = 0;
  };
  std::vector<Fill> fills;
};

// Reads the events of the command at `index` of a submission (and the trades they refer to).
OrderOutcome outcome_of(std::span<const Event> events, uint32_t index) {
  OrderOutcome out;
  std::vector<std::pair<uint64_t, int64_t>> trade_prices;  // trade id -> price, in this submission
  for (const Event& event : events) {
    if (event.command_index != index) continue;
    switch (event.event_kind()) {
      case EventKind::rejected: out.rejected = event.result_code(); break;
      case EventKind::duplicate: out.rejected = Result::request_id_reused; break;
      case EventKind::order_accepted:
        if (out.order_id == 0) {
          out.accepted = true;
          out.order_id = event.order_accepted.order;
          out.accepted_payload = event.order_accepted;
        }
        break;
      case EventKind::trade: trade_prices.emplace_back(event.trade.trade, event.trade.price_minor); break;
      case EventKind::order_filled:
        if (event.order_filled.order == out.order_id) {
          int64_t price = 0;
          for (const auto& [trade, trade_price] : trade_prices) {
            if (trade == event.order_filled.trade) price = trade_price;
          }
          out.executed_minor += event.order_filled.qty_minor;
          out.cumulative_quote_minor += event.order_filled.quote_qty_minor;
          out.fills.push_back({.trade = event.order_filled.trade, .price_minor = price,
                               .qty_minor = event.order_filled.qty_minor, .fee_minor = event.order_filled.fee_minor});
          if (event.order_filled.remaining_qty_minor == 0) out.filled = true;
        }
        break;
      case EventKind::order_rested:
        if (event.order_rested.order == out.order_id) out.rested = true;
        break;
      case EventKind::order_cancelled:
        if (event.order_ended.order == out.order_id) {
          out.cancelled = true;
          out.end_reason = event.order_ended.reason;
        }
        break;
      case EventKind::order_expired:
        if (event.order_ended.order == out.order_id) {
          out.expired = true;
          out.end_reason = event.order_ended.reason;
        }
        break;
      default: break;
    }
  }
  return out;
}

const char* outcome_status(const OrderOutcome& o) {
  if (o.filled) return "FILLED";
  if (o.expired) {
    const auto reason = static_cast<OrderEndReason>(o.end_reason);
    return reason == OrderEndReason::self_trade_taker || reason == OrderEndReason::self_trade_maker
               ? "EXPIRED_IN_MATCH"
               : "EXPIRED";
  }
  if (o.cancelled) return "CANCELED";
  return o.executed_minor > 0 ? "PARTIALLY_FILLED" : "NEW";
}

// Query helpers.
std::optional<int64_t> limit_param(const CallPtr& call, int64_t fallback, int64_t maximum,
                                   std::optional<BinanceError>* error) {
  const ParamValue<int64_t> limit = param_integer(call->params, "limit", Presence::optional);
  if (!limit.ok()) {
    *error = limit.error;
    return std::nullopt;
  }
  if (!limit.present) return fallback;
  if (limit.value <= 0) {
    *error = binance_error(BinanceErrorKind::illegal_chars_in_param, "limit", "positive");
    return std::nullopt;
  }
  return std::min(limit.value, maximum);
}

void write_symbol_info(Writer& w, const MarketInfo& m) {
  const int64_t max_price = INT64_MAX / 4 / m.tick_size * m.tick_size;  // non-zero: ccxt reads 0 as a maximum
  w.begin_object()
      .field("symbol", std::string_view(m.symbol))
      .field("status", status_name(m.status))
      .field("baseAsset", std::string_view(m.base.code))
      .field("baseAssetPrecision", static_cast<int>(m.base.scale))
      .field("quoteAsset", std::string_view(m.quote.code))
      .field("quotePrecision", static_cast<int>(m.quote.scale))
      .field("quoteAssetPrecision", static_cast<int>(m.quote.scale))
      .field("baseCommissionPrecision", static_cast<int>(m.base.scale))
      .field("quoteCommissionPrecision", static_cast<int>(m.quote.scale));
  w.key("orderTypes").begin_array();
  for (const char* type : {"LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"}) w.value(type);
  w.end_array();
  w.field("icebergAllowed", true)
      .field("ocoAllowed", false)
      .field("otoAllowed", false)
      .field("quoteOrderQtyMarketAllowed", true)
      .field("allowTrailingStop", false)
      .field("cancelReplaceAllowed", true)
      .field("isSpotTradingAllowed", true)
      .field("isMarginTradingAllowed", false);
  w.key("filters").begin_array();
  w.begin_object()
      .field("filterType", "PRICE_FILTER")
      .field("minPrice", json::Decimal{price_text(m, m.tick_size)})
      .field("maxPrice", json::Decimal{price_text(m, max_price)})
      .field("tickSize", json::Decimal{price_text(m, m.tick_size)})
      .end_object();
  w.begin_object()
      .field("filterType", "LOT_SIZE")
      .field("minQty", json::Decimal{qty_text(m, m.min_qty)})
      .field("maxQty", json::Decimal{qty_text(m, m.max_qty)})
      .field("stepSize", json::Decimal{qty_text(m, m.lot_step)})
      .end_object();
  w.begin_object()
      .field("filterType", "MARKET_LOT_SIZE")
      .field("minQty", json::Decimal{qty_text(m, m.min_qty)})
      .field("maxQty", json::Decimal{qty_text(m, m.max_qty)})
      .field("stepSize", json::Decimal{qty_text(m, m.lot_step)})
      .end_object();
  w.begin_object()
      .field("filterType", "NOTIONAL")
      .field("minNotional", json::Decimal{quote_text(m, m.min_notional)})
      .field("applyMinToMarket", true)
      .field("maxNotional", json::Decimal{quote_text(m, INT64_MAX / 4)})
      .field("applyMaxToMarket", false)
      .field("avgPriceMins", 0)
      .end_object();
  if (m.band_bps != 0) {
    // The price band around the reference price (the last trade), the same on both sides.
    const std::string up = format_decimal(10'000 + m.band_bps, 4);
    const std::string down = format_decimal(10'000 - m.band_bps, 4);
    w.begin_object()
        .field("filterType", "PERCENT_PRICE_BY_SIDE")
        .field("bidMultiplierUp", json::Decimal{up})
        .field("bidMultiplierDown", json::Decimal{down})
        .field("askMultiplierUp", json::Decimal{up})
        .field("askMultiplierDown", json::Decimal{down})
        .field("avgPriceMins", 0)
        .end_object();
  }
  w.end_array();
  w.key("permissions").begin_array().end_array();
  w.key("permissionSets").begin_array().begin_array().value("SPOT").end_array().end_array();
  w.field("defaultSelfTradePreventionMode", "NONE");
  w.key("allowedSelfTradePreventionModes").begin_array();
  for (const char* mode : {"NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"}) w.value(mode);
  w.end_array();
  w.end_object();
}

void write_ticker(Writer& w, const MarketInfo& m, const Ticker24h& t, const BookTop& top) {
  const int64_t open = t.count == 0 ? t.last_price_minor : t.open_price_minor;
  const int64_t change = t.last_price_minor - open;
  const std::string percent = percent_change_text(change, open);
  std::string weighted = price_text(m, t.last_price_minor);
  if (t.volume_minor != 0) {
    const int128 minor = t.quote_volume_minor;
    // quote minor per whole base unit: quote_volume / (volume / 10^base_scale)
    int128 base_unit = 1;
    for (int i = 0; i < m.base.scale; i++) base_unit *= 10;
    weighted = price_text(m, static_cast<int64_t>(minor * base_unit / t.volume_minor));
  }
  w.begin_object()
      .field("symbol", std::string_view(m.symbol))
      .field("priceChange", json::Decimal{price_text(m, change)})
      .field("priceChangePercent", json::Decimal{percent})
      .field("weightedAvgPrice", json::Decimal{weighted})
      .field("prevClosePrice", json::Decimal{price_text(m, t.prev_close_minor)})
      .field("lastPrice", json::Decimal{price_text(m, t.last_price_minor)})
      .field("lastQty", json::Decimal{qty_text(m, t.last_qty_minor)})
      .field("bidPrice", json::Decimal{price_text(m, top.bid.price_minor)})
      .field("bidQty", json::Decimal{qty_text(m, top.bid.qty_minor)})
      .field("askPrice", json::Decimal{price_text(m, top.ask.price_minor)})
      .field("askQty", json::Decimal{qty_text(m, top.ask.qty_minor)})
      .field("openPrice", json::Decimal{price_text(m, open)})
      .field("highPrice", json::Decimal{price_text(m, t.count == 0 ? t.last_price_minor : t.high_price_minor)})
      .field("lowPrice", json::Decimal{price_text(m, t.count == 0 ? t.last_price_minor : t.low_price_minor)})
      .field("volume", json::Decimal{qty_text(m, t.volume_minor)})
      .field("quoteVolume", json::Decimal{quote_text(m, t.quote_volume_minor)})
      .field("openTime", t.open_time_ms)
      .field("closeTime", t.close_time_ms)
      .field("firstId", t.count == 0 ? int64_t{-1} : static_cast<int64_t>(t.first_id))
      .field("lastId", t.count == 0 ? int64_t{-1} : static_cast<int64_t>(t.last_id))
      .field("count", t.count)
      .end_object();
}

const char* row_status(const history::OrderRow& row) { return history::order_status_name(row.status); }

// The text of an order's client order id: journaled by tag_order, or made from the number (a generated id of an
// earlier version, or one given as a number by the operator's tools), or, when the order has none, the generated
// id made from its order id.
std::string client_text(const history::OrderRow& o) {
  if (!o.client_order_text.empty()) return o.client_order_text;
  if (o.client_order_id == 0) return history::generated_client_order_text(history::generated_client_order_key(o.id));
  return "qz-" + std::to_string(o.client_order_id);
}

// The answer about an order a cancel ended (contract 4.12), as it is now.
void write_cancelled(Writer& w, const MarketInfo& m, const history::OrderRow& o, const std::string& cancel_id,
                     int64_t time_ms) {
  w.begin_object()
      .field("symbol", std::string_view(m.symbol))
      .field("origClientOrderId", std::string_view(client_text(o)))
      .field("orderId", o.id)
      .field("orderListId", -1)
      .field("clientOrderId", std::string_view(cancel_id))
      .field("transactTime", time_ms)
      .field("price", json::Decimal{price_text(m, o.price_minor)})
      .field("origQty", json::Decimal{qty_text(m, o.orig_qty_minor)})
      .field("executedQty", json::Decimal{qty_text(m, o.executed_qty_minor)})
      .field("cummulativeQuoteQty", json::Decimal{quote_text(m, o.cumulative_quote_minor)})
      .field("status", "CANCELED")
      .field("timeInForce", tif_name(o.type, o.time_in_force))
      .field("type", type_name(o.type))
      .field("side", side_name(o.side))
      .field("selfTradePreventionMode", stp_name(o.self_trade_prevention))
      .end_object();
}

// The order object of GET /api/v3/order, openOrders and allOrders (contract 4.11).
void write_order(Writer& w, const MarketInfo& m, const history::OrderRow& o) {
  const bool market_type = o.type == static_cast<uint8_t>(OrderType::market) ||
                           o.type == static_cast<uint8_t>(OrderType::market_by_quote);
  w.begin_object()
      .field("symbol", std::string_view(m.symbol))
      .field("orderId", o.id)
      .field("orderListId", -1)
      .field("clientOrderId", std::string_view(client_text(o)))
      .field("price", json::Decimal{price_text(m, market_type ? 0 : o.price_minor)})
      .field("origQty", json::Decimal{qty_text(m, o.orig_qty_minor)})
      .field("executedQty", json::Decimal{qty_text(m, o.executed_qty_minor)})
      .field("cummulativeQuoteQty", json::Decimal{quote_text(m, o.cumulative_quote_minor)})
      .field("status", row_status(o))
      .field("timeInForce", tif_name(o.type, o.time_in_force))
      .field("type", type_name(o.type))
      .field("side", side_name(o.side))
      .field("stopPrice", json::Decimal{price_text(m, o.stop_price_minor)})
      .field("icebergQty", json::Decimal{qty_text(m, o.iceberg_qty_minor)})
      .field("time", o.created_ms)
      .field("updateTime", o.updated_ms)
      .field("isWorking", o.working_ms != 0)
      .field("workingTime", o.working_ms != 0 ? o.working_ms : int64_t{-1})
      .field("origQuoteOrderQty", json::Decimal{quote_text(m, o.quote_order_qty_minor)})
      .field("selfTradePreventionMode", stp_name(o.self_trade_prevention))
      .end_object();
}

// Reads startTime, endTime, fromId (or another id parameter) and limit into a history page; false when a
// parameter is malformed (*error says which).
bool read_page(const RequestParams& params, std::string_view id_param, history::Page* page,
               std::optional<BinanceError>* error) {
  const ParamValue<int64_t> start = param_integer(params, "startTime", Presence::optional);
  const ParamValue<int64_t> end = param_integer(params, "endTime", Presence::optional);
  const ParamValue<int64_t> from = param_integer(params, id_param, Presence::optional);
  const ParamValue<int64_t> limit = param_integer(params, "limit", Presence::optional);
  for (const auto* value : {&start, &end, &from, &limit}) {
    if (!value->ok()) {
      *error = value->error;
      return false;
    }
  }
  if (from.present && from.value < 0) {
    *error = binance_error(BinanceErrorKind::illegal_chars_in_param, id_param, "non-negative");
    return false;
  }
  if (limit.present && (limit.value <= 0 || limit.value > history::kMaxLimit)) {
    *error = binance_error(BinanceErrorKind::illegal_chars_in_param, "limit", "1 to 1000");
    return false;
  }
  if (start.present) page->start_ms = start.value;
  if (end.present) page->end_ms = end.value;
  if (from.present) page->from_id = static_cast<uint64_t>(from.value);
  if (limit.present) page->limit = static_cast<uint32_t>(limit.value);
  return true;
}

}  // namespace

std::optional<MarketInfo> Venue::Impl::symbol_market(const CallPtr& call) {
  const ParamValue<std::string_view> symbol = param_symbol(call->params, "symbol", Presence::mandatory);
  if (!symbol.ok()) {
    reply_error(call, *symbol.error);
    return std::nullopt;
  }
  std::optional<MarketInfo> found = market.market_by_symbol(symbol.value);
  if (!found) reply_error(call, binance_error(BinanceErrorKind::invalid_symbol));
  return found;
}

void Venue::Impl::route_binance(const CallPtr& call) {
  const std::string_view path = call->route->path;
  const std::string_view method = call->route->method;
  const RequestParams& params = call->params;

  // The markets named by `symbol` or `symbols`, or all; nullopt when the reply has been sent.
  const auto selected_markets = [&](bool* single) -> std::optional<std::vector<MarketInfo>> {
    *single = false;
    const ParamValue<std::vector<std::string>> symbols = param_symbols(params, "symbols", Presence::optional);
    if (!symbols.ok()) {
      reply_error(call, *symbols.error);
      return std::nullopt;
    }
    if (params.find("symbol") != nullptr) {
      std::optional<MarketInfo> one = symbol_market(call);
      if (!one) return std::nullopt;
      *single = true;
      return std::vector<MarketInfo>{*one};
    }
    if (!symbols.present) return market.markets();
    std::vector<MarketInfo> out;
    for (const std::string& symbol : symbols.value) {
      std::optional<MarketInfo> found = market.market_by_symbol(symbol);
      if (!found) {
        reply_error(call, binance_error(BinanceErrorKind::invalid_symbol));
        return std::nullopt;
      }
      out.push_back(*found);
    }
    return out;
  };

  if (path == "/api/v3/ping") return reply(call, 200, "{}");
  if (path == "/api/v3/time") return reply(call, 200, "{\"serverTime\":" + std::to_string(call->now_ms) + "}");

  if (path == "/api/v3/exchangeInfo") {
    bool single = false;
    const std::optional<std::vector<MarketInfo>> markets = selected_markets(&single);
    if (!markets) return;
    Writer w;
    w.begin_object().field("timezone", "UTC").field("serverTime", call->now_ms);
    w.key("rateLimits").begin_array();
    for (const RateLimitInfo& info : rate_limit_infos(options.rate_limits)) {
      w.begin_object()
          .field("rateLimitType", info.type)
          .field("interval", info.interval)
          .field("intervalNum", info.interval_num)
          .field("limit", info.limit)
          .end_object();
    }
    w.end_array();
    w.key("exchangeFilters").begin_array().end_array();
    w.key("symbols").begin_array();
    for (const MarketInfo& m : *markets) write_symbol_info(w, m);
    w.end_array().end_object();
    return reply(call, 200, w.take());
  }

  if (path == "/api/v3/depth") {
    const std::optional<MarketInfo> m = symbol_market(call);
    if (!m) return;
    std::optional<BinanceError> error;
    const std::optional<int64_t> limit = limit_param(call, 100, 5000, &error);
    if (!limit) return reply_error(call, *error);
    DepthSnapshot depth;
    QZ_ASSERT(market.depth(m->id, static_cast<size_t>(*limit), &depth));
    Writer w;
    w.begin_object().field("lastUpdateId", depth.last_update_id);
    write_levels(w, "bids", *m, depth.bids);
    write_levels(w, "asks", *m, depth.asks);
    w.end_object();
    return reply(call, 200, w.take());
  }

  if (path == "/api/v3/aggTrades") return history_trades(call, true);
  if (path == "/api/v3/trades" && params.find("fromId") == nullptr) {
    const std::optional<MarketInfo> m = symbol_market(call);
    if (!m) return;
    std::optional<BinanceError> error;
    const std::optional<int64_t> limit = limit_param(call, 500, 1000, &error);
    if (!limit) return reply_error(call, *error);
    const bool aggregate = path == "/api/v3/aggTrades";
    const ParamValue<int64_t> start = param_integer(params, "startTime", Presence::optional);
    const ParamValue<int64_t> end = param_integer(params, "endTime", Presence::optional);
    const ParamValue<int64_t> from_id = param_integer(params, "fromId", Presence::optional);
    for (const auto* value : {&start, &end, &from_id}) {
      if (!value->ok()) return reply_error(call, *value->error);
    }
    std::vector<TradeInfo> trades = market.recent_trades(m->id, 1000);
    std::vector<TradeInfo> chosen;
    for (const TradeInfo& t : trades) {
      if (aggregate && start.present && t.time_ms < start.value) continue;
      if (aggregate && end.present && t.time_ms > end.value) continue;
      if (aggregate && from_id.present && static_cast<int64_t>(t.id) < from_id.value) continue;
      chosen.push_back(t);
    }
    // The newest `limit`, or with a start (time or id) the oldest `limit` from it; oldest first either way.
    const auto count = static_cast<size_t>(*limit);
    if (chosen.size() > count) {
      if (aggregate && (start.present || from_id.present)) {
        chosen.resize(count);
      } else {
        chosen.erase(chosen.begin(), chosen.end() - static_cast<std::ptrdiff_t>(count));
      }
    }
    Writer w;
    w.begin_array();
    for (const TradeInfo& t : chosen) {
      if (aggregate) {
        w.begin_object()
            .field("a", t.id)
            .field("p", json::Decimal{price_text(*m, t.price_minor)})
            .field("q", json::Decimal{qty_text(*m, t.qty_minor)})
            .field("f", t.id)
            .field("l", t.id)
            .field("T", t.time_ms)
            .field("m", t.buyer_is_maker)
            .field("M", true)
            .end_object();
      } else {
        w.begin_object()
            .field("id", t.id)
            .field("price", json::Decimal{price_text(*m, t.price_minor)})
            .field("qty", json::Decimal{qty_text(*m, t.qty_minor)})
            .field("quoteQty", json::Decimal{quote_text(*m, t.quote_qty_minor)})
            .field("time", t.time_ms)
            .field("isBuyerMaker", t.buyer_is_maker)
            .field("isBestMatch", true)
            .end_object();
      }
    }
    w.end_array();
    return reply(call, 200, w.take());
  }

  if (path == "/api/v3/ticker/24hr" || path == "/api/v3/ticker/bookTicker" || path == "/api/v3/ticker/price") {
    bool single = false;
    const std::optional<std::vector<MarketInfo>> markets = selected_markets(&single);
    if (!markets) return;
    Writer w;
    if (!single) w.begin_array();
    for (const MarketInfo& m : *markets) {
      BookTop top;
      market.top(m.id, &top);
      if (path == "/api/v3/ticker/24hr") {
        Ticker24h ticker;
        market.ticker(m.id, call->now_ms, &ticker);
        write_ticker(w, m, ticker, top);
      } else if (path == "/api/v3/ticker/bookTicker") {
        w.begin_object()
            .field("symbol", std::string_view(m.symbol))
            .field("bidPrice", json::Decimal{price_text(m, top.bid.price_minor)})
            .field("bidQty", json::Decimal{qty_text(m, top.bid.qty_minor)})
            .field("askPrice", json::Decimal{price_text(m, top.ask.price_minor)})
            .field("askQty", json::Decimal{qty_text(m, top.ask.qty_minor)})
            .end_object();
      } else {
        w.begin_object()
            .field("symbol", std::string_view(m.symbol))
            .field("price", json::Decimal{price_text(m, m.last_price_minor)})
            .end_object();
      }
    }
    if (!single) w.end_array();
    return reply(call, 200, w.take());
  }

  if (path == "/api/v3/account") {
    const uint64_t owner = call->identity.owner_user;
    struct Balance {
      std::string asset;
      int64_t free_minor = 0;
      int64_t locked_minor = 0;
      uint8_t scale = 0;
    };
    std::vector<Balance> balances;
    const std::vector<AssetInfo> assets = market.assets();
    node->with_engine([&](const Engine& engine) {
      for (const AssetInfo& asset : assets) {
        Balance balance{.asset = asset.code, .free_minor = 0, .locked_minor = 0, .scale = asset.scale};
        const uint64_t account_id = engine.exchange().trading_account(owner, asset.id);
        if (account_id != 0) {
          const Account* account = engine.ledger().account(account_id);
          if (account != nullptr) {
            balance.locked_minor = account->held_minor + account->locked_minor;
            balance.free_minor = account->total_minor - balance.locked_minor;
          }
        }
        balances.push_back(balance);
      }
    });
    const std::string* omit = params.find("omitZeroBalances");
    const bool omit_zero = omit != nullptr && *omit == "true";
    Writer w;
    w.begin_object()
        .field("makerCommission", 0)
        .field("takerCommission", 0)
        .field("buyerCommission", 0)
        .field("sellerCommission", 0);
    w.key("commissionRates")
        .begin_object()
        .field("maker", json::Decimal{"0.00000000"})
        .field("taker", json::Decimal{"0.00000000"})
        .field("buyer", json::Decimal{"0.00000000"})
        .field("seller", json::Decimal{"0.00000000"})
        .end_object();
    const bool can_trade = (call->identity.permissions & static_cast<uint8_t>(Permission::trade)) != 0;
    const bool can_withdraw = (call->identity.permissions & static_cast<uint8_t>(Permission::withdraw)) != 0;
    w.field("canTrade", can_trade)
        .field("canWithdraw", can_withdraw)
        .field("canDeposit", true)
        .field("brokered", false)
        .field("requireSelfTradePrevention", false)
        .field("preventSor", false)
        .field("updateTime", block_time_ms(node->height()))
        .field("accountType", "SPOT");
    w.key("balances").begin_array();
    for (const Balance& b : balances) {
      if (omit_zero && b.free_minor == 0 && b.locked_minor == 0) continue;
      w.begin_object()
          .field("asset", std::string_view(b.asset))
          .field("free", json::Decimal{format_decimal(b.free_minor, b.scale)})
          .field("locked", json::Decimal{format_decimal(b.locked_minor, b.scale)})
          .end_object();
    }
    w.end_array();
    w.key("permissions").begin_array().value("SPOT").end_array();
    w.field("uid", owner).end_object();
    return reply(call, 200, w.take());
  }

  if (path == "/api/v3/historicalTrades" || path == "/api/v3/trades") return history_trades(call, false);
  if (path == "/api/v3/klines" || path == "/api/v3/uiKlines") return klines(call);
  if ((path == "/api/v3/order" && method == "GET") || (path == "/api/v3/openOrders" && method == "GET") ||
      path == "/api/v3/allOrders") {
    return query_orders(call);
  }
  if (path == "/api/v3/openOrders" && method == "DELETE") return cancel_open_orders(call);
  if (path == "/api/v3/myTrades") return my_trades(call);
  if (path == "/api/v3/order" && method == "POST") return place_order(call, false);
  if (path == "/api/v3/order/test" && method == "POST") return place_order(call, true);
  if (path == "/api/v3/order" && method == "DELETE") return cancel_order(call);

  return reply_error(call, binance_error(BinanceErrorKind::unsupported_operation));
}

// ---------------------------------------------------------------------------------------------------------------
// New orders

void Venue::Impl::place_order(const CallPtr& call, bool test_only) {
  const RequestParams& params = call->params;
  std::optional<MarketInfo> found = symbol_market(call);
  if (!found) return;
  const MarketInfo& m = *found;

  static constexpr std::array<std::string_view, 2> kSides = {"BUY", "SELL"};
  static constexpr std::array<std::string_view, 5> kTypes = {"LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT",
                                                            "TAKE_PROFIT_LIMIT"};
  static constexpr std::array<std::string_view, 3> kTifs = {"GTC", "IOC", "FOK"};
  static constexpr std::array<std::string_view, 4> kStp = {"NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"};
  static constexpr std::array<std::string_view, 3> kResp = {"ACK", "RESULT", "FULL"};
  const ParamValue<uint32_t> side = param_enum(params, "side", kSides, Presence::mandatory,
                                               BinanceErrorKind::invalid_side);
  if (!side.ok()) return reply_error(call, *side.error);
  const ParamValue<uint32_t> type = param_enum(params, "type", kTypes, Presence::mandatory,
                                               BinanceErrorKind::invalid_order_type);
  if (!type.ok()) return reply_error(call, *type.error);
  const ParamValue<uint32_t> tif = param_enum(params, "timeInForce", kTifs, Presence::optional,
                                              BinanceErrorKind::invalid_tif);
  if (!tif.ok()) return reply_error(call, *tif.error);
  const ParamValue<uint32_t> stp = param_enum(params, "selfTradePreventionMode", kStp, Presence::optional);
  if (!stp.ok()) return reply_error(call, *stp.error);
  const ParamValue<uint32_t> resp = param_enum(params, "newOrderRespType", kResp, Presence::optional);
  if (!resp.ok()) return reply_error(call, *resp.error);
  const ParamValue<int64_t> quantity = param_decimal(params, "quantity", m.base.scale, Presence::optional);
  if (!quantity.ok()) return reply_error(call, *quantity.error);
  const ParamValue<int64_t> quote_qty = param_decimal(params, "quoteOrderQty", m.quote.scale, Presence::optional);
  if (!quote_qty.ok()) return reply_error(call, *quote_qty.error);
  const ParamValue<int64_t> price = param_decimal(params, "price", m.quote.scale, Presence::optional);
  if (!price.ok()) return reply_error(call, *price.error);
  const ParamValue<int64_t> stop_price = param_decimal(params, "stopPrice", m.quote.scale, Presence::optional);
  if (!stop_price.ok()) return reply_error(call, *stop_price.error);
  const ParamValue<int64_t> iceberg = param_decimal(params, "icebergQty", m.base.scale, Presence::optional);
  if (!iceberg.ok()) return reply_error(call, *iceberg.error);

  const std::string_view type_text = kTypes[type.value];
  const bool is_market = type_text == "MARKET";
  const bool is_maker = type_text == "LIMIT_MAKER";
  const bool is_stop = type_text == "STOP_LOSS_LIMIT" || type_text == "TAKE_PROFIT_LIMIT";
  // Mandatory parameters by type (contract 4.10).
  if (!is_market && !is_maker && !tif.present) {
    return reply_error(call, binance_error(BinanceErrorKind::mandatory_param, "timeInForce"));
  }
  if (is_maker && tif.present) return reply_error(call, binance_error(BinanceErrorKind::tif_not_required));
  if (is_market && tif.present) return reply_error(call, binance_error(BinanceErrorKind::tif_not_required));
  if (is_market) {
    if (quantity.present == quote_qty.present) {
      return reply_error(call, binance_error(BinanceErrorKind::param_either, "quantity", "quoteOrderQty"));
    }
    if (price.present) return reply_error(call, binance_error(BinanceErrorKind::param_not_required, "price"));
  } else {
    if (!quantity.present) return reply_error(call, binance_error(BinanceErrorKind::mandatory_param, "quantity"));
    if (!price.present) return reply_error(call, binance_error(BinanceErrorKind::mandatory_param, "price"));
    if (quote_qty.present) {
      return reply_error(call, binance_error(BinanceErrorKind::param_not_required, "quoteOrderQty"));
    }
  }
  if (is_stop && !stop_price.present) {
    return reply_error(call, binance_error(BinanceErrorKind::mandatory_param, "stopPrice"));
  }
  if (!is_stop && stop_price.present) {
    return reply_error(call, binance_error(BinanceErrorKind::param_not_required, "stopPrice"));
  }
  if (iceberg.present && (is_market || (tif.present && kTifs[tif.value] != "GTC"))) {
    return reply_error(call, binance_error(BinanceErrorKind::param_not_required, "icebergQty"));
  }

  // The client order id: given (1-36 of A-Z a-z 0-9 _ -), or none, and then the answers show the one made from the
  // order id (history::generated_client_order_key): nothing to journal or index for it.
  std::string client_text;
  if (const std::string* given = params.find("newClientOrderId"); given != nullptr) {
    if (given->empty()) return reply_error(call, binance_error(BinanceErrorKind::empty_new_client_order_id));
    const bool valid = given->size() <= 36 && std::all_of(given->begin(), given->end(), [](char c) {
                         return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '_' || c == '-';
                       });
    if (!valid) {
      return reply_error(call, binance_error(BinanceErrorKind::illegal_chars_in_param, "newClientOrderId",
                                             "^[a-zA-Z0-9-_]{1,36}$"));
    }
    client_text = *given;
  }

  const uint64_t owner = call->identity.owner_user;
  const auto order_side = side.value == 0 ? OrderSideCode::buy : OrderSideCode::sell;
  OrderType order_type = OrderType::limit;
  OrderTif order_tif = OrderTif::none;
  int64_t qty_minor = quantity.value;
  int64_t price_minor = price.value;
  if (type_text == "LIMIT") {
    order_tif = tif.value == 0 ? OrderTif::gtc : tif.value == 1 ? OrderTif::ioc : OrderTif::fok;
  } else if (is_maker) {
    order_type = OrderType::limit_maker;
  } else if (is_market) {
    order_type = quote_qty.present ? OrderType::market_by_quote : OrderType::market;
    qty_minor = quote_qty.present ? quote_qty.value : quantity.value;
    price_minor = 0;
  } else {
    order_type = type_text == "STOP_LOSS_LIMIT" ? OrderType::stop_loss_limit : OrderType::take_profit_limit;
    order_tif = tif.value == 0 ? OrderTif::gtc : tif.value == 1 ? OrderTif::ioc : OrderTif::fok;
  }
  Command command = make_place_order(owner, m.id, order_side, order_type, order_tif, price_minor, qty_minor);
  command.role = static_cast<uint8_t>(call->identity.role);
  command.place_order.stop_price_minor = stop_price.present ? stop_price.value : 0;
  command.place_order.self_trade_prevention = static_cast<uint8_t>(stp.present ? stp.value : 0);
  if (iceberg.present) command.place_order.aux = static_cast<uint64_t>(iceberg.value);
  command.request_id = client_text.empty() ? 0 : client_order_key(owner, client_text);

  if (test_only) {
    // Validation as far as it goes without the book and the balance (the engine decides those).
    return reply(call, 200, "{}");
  }
  const std::string_view resp_type = resp.present                          ? kResp[resp.value]
                                     : (is_market || type_text == "LIMIT") ? "FULL"
                                                                           : "ACK";
  const bool market_order = is_market;
  const int64_t submitted_us = static_cast<int64_t>(clock->now_ns() / 1000);
  // A client's own text is journaled just before the order (tag_order), so that it survives; a generated one is
  // made again from the id.
  std::vector<Command> commands;
  if (!client_text.empty() && !history::is_generated_client_order_text(client_text)) {
    commands.push_back(make_tag_order(owner, client_text));
    commands.back().role = command.role;
  }
  commands.push_back(command);
  const auto place_offset = static_cast<uint32_t>(commands.size() - 1);
  // The market and the client's text are moved along, not copied: each callback runs once.
  node->submit_async(std::move(commands), [this, call, m = std::move(*found), client_text = std::move(client_text),
                                           resp_type, market_order, submitted_us, place_offset,
                                           quote_requested = quote_qty.present ? quote_qty.value : 0](
                                              const Status& status, SubmitResult&& result) mutable {
    metrics.commits.fetch_add(1);
    const int64_t now_us = static_cast<int64_t>(clock->now_ns() / 1000);
    metrics.commit_us_sum.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, now_us - submitted_us)));
    if (!status.is_ok()) {
      return reply_error(call, binance_error(BinanceErrorKind::internal));
    }
    const uint64_t height = result.height;
    const int64_t time_ms = static_cast<int64_t>(result.time_ns / 1'000'000);
    const uint32_t index = result.first_command_index + place_offset;  // the place_order, after any tag
    // Answered as soon as the block is durable, without waiting for the projector: a read that could show this
    // order's effects waits for the projection instead (see dispatch).
    call->respond.post([this, call, m = std::move(m), client_text = std::move(client_text), resp_type, market_order,
                        events = std::move(result.events), height, time_ms, index, quote_requested] {
      acknowledge(call->identity.owner_user, height);
      const OrderOutcome o = outcome_of(events, index);
      if (!o.accepted) {
        metrics.orders_rejected.fetch_add(1);
        return reply_error(call, order_rejection(o.rejected == Result::ok ? Result::order_field_invalid : o.rejected,
                                                 market_order));
      }
      metrics.orders_placed.fetch_add(1);
      const OrderAcceptedPayload& a = o.accepted_payload;
      Writer w;
      w.begin_object()
          .field("symbol", std::string_view(m.symbol))
          .field("orderId", o.order_id)
          .field("orderListId", -1)
          .field("clientOrderId",
                 client_text.empty()
                     ? history::generated_client_order_chars(history::generated_client_order_key(o.order_id)).view()
                     : std::string_view(client_text))
          .field("transactTime", time_ms);
      if (resp_type != "ACK") {
        const bool is_market_type = a.type == static_cast<uint8_t>(OrderType::market) ||
                                    a.type == static_cast<uint8_t>(OrderType::market_by_quote);
        const int64_t orig_qty = a.type == static_cast<uint8_t>(OrderType::market_by_quote) ? o.executed_minor
                                                                                              : a.qty_minor;
        w.field("price", json::Decimal{price_text(m, is_market_type ? 0 : a.price_minor)})
            .field("origQty", json::Decimal{qty_text(m, orig_qty)})
            .field("executedQty", json::Decimal{qty_text(m, o.executed_minor)})
            .field("origQuoteOrderQty", json::Decimal{quote_text(m, quote_requested)})
            .field("cummulativeQuoteQty", json::Decimal{quote_text(m, o.cumulative_quote_minor)})
            .field("status", outcome_status(o))
            .field("timeInForce", tif_name(a.type, a.time_in_force))
            .field("type", type_name(a.type))
            .field("side", side_name(a.side))
            .field("workingTime", time_ms)
            .field("selfTradePreventionMode", stp_name(a.self_trade_prevention));
      }
      if (resp_type == "FULL") {
        const bool buy = a.side == static_cast<uint8_t>(OrderSideCode::buy);
        const std::string& fee_asset = buy ? m.quote.code : m.base.code;
        const uint8_t fee_scale = buy ? m.quote.scale : m.base.scale;
        w.key("fills").begin_array();
        for (const OrderOutcome::Fill& fill : o.fills) {
          w.begin_object()
              .field("price", json::Decimal{price_text(m, fill.price_minor)})
              .field("qty", json::Decimal{qty_text(m, fill.qty_minor)})
              .field("commission", json::Decimal{format_decimal(fill.fee_minor, fee_scale)})
              .field("commissionAsset", std::string_view(fee_asset))
              .field("tradeId", fill.trade)
              .end_object();
        }
        w.end_array();
      }
      w.end_object();
      reply(call, 200, w.take());
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Cancels

void Venue::Impl::cancel_order(const CallPtr& call) {
  const RequestParams& params = call->params;
  const std::optional<MarketInfo> found = symbol_market(call);
  if (!found) return;
  const MarketInfo m = *found;
  const ParamValue<int64_t> order_id = param_integer(params, "orderId", Presence::optional);
  if (!order_id.ok()) return reply_error(call, *order_id.error);
  const std::string* orig_client = params.find("origClientOrderId");
  const bool by_client = orig_client != nullptr && !orig_client->empty();
  if (!order_id.present && !by_client) {
    return reply_error(call, binance_error(BinanceErrorKind::param_either, "orderId", "origClientOrderId"));
  }
  const uint64_t owner = call->identity.owner_user;
  history::OrderRow row;
  bool known = false;
  if (!read_history(call, [&](history::HistoryReader& reader) {
        if (order_id.present) {
          QZ_TRY(reader.order(m.id, order_id.value > 0 ? static_cast<uint64_t>(order_id.value) : 0, &row, &known));
          if (known && by_client && !history::answers_to_client_order_key(row, client_order_key(owner, *orig_client))) {
            known = false;
          }
          return Status::ok();
        }
        return reader.order_by_client_id(owner, m.id, client_order_key(owner, *orig_client), &row, &known);
      })) {
    return;
  }
  if (!known || row.owner != owner || !history::is_open(row.status)) {
    return reply_error(call, binance_error(BinanceErrorKind::unknown_order));
  }
  Command command = make_cancel_order(owner, m.id, row.id);
  command.role = static_cast<uint8_t>(call->identity.role);
  const std::string* new_client = params.find("newClientOrderId");
  const std::string cancel_id = new_client != nullptr && !new_client->empty() ? *new_client
                                                                              : "cancel-" + std::to_string(row.id);
  node->submit_async({command}, [this, call, m, row, cancel_id](const Status& status, SubmitResult&& result) {
    if (!status.is_ok()) return reply_error(call, binance_error(BinanceErrorKind::internal));
    auto events = std::make_shared<std::vector<Event>>(std::move(result.events));
    const uint64_t height = result.height;
    // The answer shows the order as it was cancelled: history's row at the cancel's height.
    when_history(height, [this, call, m, row, cancel_id, events, height] {
      acknowledge(call->identity.owner_user, height);
      bool cancelled = false;
      for (const Event& event : *events) {
        if (event.event_kind() == EventKind::order_cancelled && event.order_ended.order == row.id) cancelled = true;
      }
      // Filled (or ended otherwise) between the look-up and the cancel: the order is no longer open.
      if (!cancelled) return reply_error(call, binance_error(BinanceErrorKind::unknown_order));
      history::OrderRow now = row;
      bool still_known = false;
      if (!read_history(call,
                        [&](history::HistoryReader& reader) { return reader.order(m.id, row.id, &now, &still_known); })) {
        return;
      }
      Writer w;
      write_cancelled(w, m, now, cancel_id, block_time_ms(height));
      reply(call, 200, w.take());
    });
  });
}

void Venue::Impl::cancel_open_orders(const CallPtr& call) {
  const std::optional<MarketInfo> found = symbol_market(call);
  if (!found) return;
  const MarketInfo m = *found;
  const uint64_t owner = call->identity.owner_user;
  Command command = make_cancel_all(owner, m.id);
  command.role = static_cast<uint8_t>(call->identity.role);
  node->submit_async({command}, [this, call, m](const Status& status, SubmitResult&& result) {
    if (!status.is_ok()) return reply_error(call, binance_error(BinanceErrorKind::internal));
    auto events = std::make_shared<std::vector<Event>>(std::move(result.events));
    const uint64_t height = result.height;
    when_history(height, [this, call, m, events, height] {
      acknowledge(call->identity.owner_user, height);
      std::vector<uint64_t> cancelled;
      for (const Event& event : *events) {
        if (event.event_kind() == EventKind::order_cancelled) cancelled.push_back(event.order_ended.order);
      }
      // Nothing open: Binance answers an unknown order.
      if (cancelled.empty()) return reply_error(call, binance_error(BinanceErrorKind::unknown_order));
      std::vector<history::OrderRow> rows;
      if (!read_history(call, [&](history::HistoryReader& reader) {
            for (const uint64_t id : cancelled) {
              history::OrderRow row;
              bool known = false;
              QZ_TRY(reader.order(m.id, id, &row, &known));
              if (known) rows.push_back(row);
            }
            return Status::ok();
          })) {
        return;
      }
      Writer w;
      w.begin_array();
      for (const history::OrderRow& row : rows) {
        write_cancelled(w, m, row, "cancel-" + std::to_string(row.id), block_time_ms(height));
      }
      w.end_array();
      reply(call, 200, w.take());
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// History routes

bool Venue::Impl::read_history(const CallPtr& call, const std::function<Status(history::HistoryReader&)>& read) {
  Status status = Status::ok();
  {
    std::lock_guard guard(history_mutex);
    if (history_failed.load()) {
      status = Status::error("history is unavailable: " + history_error);
    } else {
      status = read(*history_reader);
    }
  }
  if (status.is_ok()) return true;
  LogLine(LogLevel::error, "history_read_failed")
      .field("method", std::string_view(call->request.method))
      .field("path", std::string_view(call->request.path))
      .field("message", status.message());
  reply_error(call, binance_error(BinanceErrorKind::internal));
  return false;
}

void Venue::Impl::query_orders(const CallPtr& call) {
  const RequestParams& params = call->params;
  const std::string_view path = call->route->path;
  const bool open_only = path == "/api/v3/openOrders";
  const bool single = path == "/api/v3/order";
  const uint64_t owner = call->identity.owner_user;
  const ParamValue<std::string_view> symbol =
      param_symbol(params, "symbol", open_only ? Presence::optional : Presence::mandatory);
  if (!symbol.ok()) return reply_error(call, *symbol.error);
  std::optional<MarketInfo> one;
  if (symbol.present) {
    one = market.market_by_symbol(symbol.value);
    if (!one) return reply_error(call, binance_error(BinanceErrorKind::invalid_symbol));
  }
  std::vector<history::OrderRow> rows;
  if (single) {
    const ParamValue<int64_t> order_id = param_integer(params, "orderId", Presence::optional);
    if (!order_id.ok()) return reply_error(call, *order_id.error);
    const std::string* orig_client = params.find("origClientOrderId");
    const bool by_client = orig_client != nullptr && !orig_client->empty();
    if (!order_id.present && !by_client) {
      return reply_error(call, binance_error(BinanceErrorKind::param_either, "orderId", "origClientOrderId"));
    }
    history::OrderRow row;
    bool known = false;
    if (!read_history(call, [&](history::HistoryReader& reader) {
          if (order_id.present) {
            QZ_TRY(reader.order(one->id, order_id.value > 0 ? static_cast<uint64_t>(order_id.value) : 0, &row, &known));
            if (known && by_client &&
                !history::answers_to_client_order_key(row, client_order_key(owner, *orig_client))) {
              known = false;
            }
            return Status::ok();
          }
          return reader.order_by_client_id(owner, one->id, client_order_key(owner, *orig_client), &row, &known);
        })) {
      return;
    }
    if (!known || row.owner != owner) return reply_error(call, binance_error(BinanceErrorKind::order_does_not_exist));
    Writer w;
    write_order(w, *one, row);
    return reply(call, 200, w.take());
  }
  history::Page page;
  if (!open_only) {
    std::optional<BinanceError> error;
    if (!read_page(params, "orderId", &page, &error)) return reply_error(call, *error);
  }
  if (!read_history(call, [&](history::HistoryReader& reader) {
        if (open_only) return reader.open_orders(owner, one ? std::optional<uint32_t>(one->id) : std::nullopt, &rows);
        return reader.all_orders(owner, one->id, page, &rows);
      })) {
    return;
  }
  Writer w;
  w.begin_array();
  for (const history::OrderRow& row : rows) {
    const std::optional<MarketInfo> m = one ? one : market.market(row.market);
    if (m) write_order(w, *m, row);
  }
  w.end_array();
  reply(call, 200, w.take());
}

void Venue::Impl::my_trades(const CallPtr& call) {
  const RequestParams& params = call->params;
  const std::optional<MarketInfo> found = symbol_market(call);
  if (!found) return;
  const MarketInfo m = *found;
  const ParamValue<int64_t> order_id = param_integer(params, "orderId", Presence::optional);
  if (!order_id.ok()) return reply_error(call, *order_id.error);
  history::Page page;
  std::optional<BinanceError> error;
  if (!read_page(params, "fromId", &page, &error)) return reply_error(call, *error);
  std::vector<history::FillRow> rows;
  const uint64_t owner = call->identity.owner_user;
  if (!read_history(call, [&](history::HistoryReader& reader) {
        return reader.my_trades(owner, m.id, page,
                                order_id.present ? std::optional<uint64_t>(static_cast<uint64_t>(order_id.value))
                                                 : std::nullopt,
                                &rows);
      })) {
    return;
  }
  Writer w;
  w.begin_array();
  for (const history::FillRow& fill : rows) {
    const std::optional<AssetInfo> fee_asset = market.asset(fill.fee_asset);
    w.begin_object()
        .field("symbol", std::string_view(m.symbol))
        .field("id", fill.trade_id)
        .field("orderId", fill.order_id)
        .field("orderListId", -1)
        .field("price", json::Decimal{price_text(m, fill.price_minor)})
        .field("qty", json::Decimal{qty_text(m, fill.qty_minor)})
        .field("quoteQty", json::Decimal{quote_text(m, fill.quote_qty_minor)})
        .field("commission", json::Decimal{format_decimal(fill.fee_minor, fee_asset ? fee_asset->scale : 0)})
        .field("commissionAsset", std::string_view(fee_asset ? fee_asset->code : std::string()))
        .field("time", fill.time_ms)
        .field("isBuyer", fill.is_buyer)
        .field("isMaker", fill.is_maker)
        .field("isBestMatch", true)
        .end_object();
  }
  w.end_array();
  reply(call, 200, w.take());
}

void Venue::Impl::klines(const CallPtr& call) {
  const RequestParams& params = call->params;
  const std::optional<MarketInfo> found = symbol_market(call);
  if (!found) return;
  const MarketInfo m = *found;
  const std::string* interval_text = params.find("interval");
  if (interval_text == nullptr || interval_text->empty()) {
    return reply_error(call, binance_error(BinanceErrorKind::mandatory_param, "interval"));
  }
  CandleInterval interval;
  if (!parse_candle_interval(*interval_text, &interval)) {
    return reply_error(call, binance_error(BinanceErrorKind::invalid_interval));
  }
  history::Page page;
  std::optional<BinanceError> error;
  if (!read_page(params, "fromId", &page, &error)) return reply_error(call, *error);
  history::KlineQuery query{.start_ms = page.start_ms, .end_ms = page.end_ms, .limit = page.limit,
                            .utc_offset_minutes = 0};
  if (const std::string* zone = params.find("timeZone"); zone != nullptr && !zone->empty()) {
    // "+5", "-3:30", "5:45": hours with optional minutes, within [-12:00, +14:00].
    int sign = 1;
    std::string_view text = *zone;
    if (text[0] == '+' || text[0] == '-') {
      sign = text[0] == '-' ? -1 : 1;
      text.remove_prefix(1);
    }
    int hours = 0;
    int minutes = 0;
    size_t at = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9' && at < 2) hours = hours * 10 + (text[at++] - '0');
    bool ok = at > 0;
    if (ok && at < text.size()) {
      ok = text[at] == ':' && text.size() == at + 3 && text[at + 1] >= '0' && text[at + 1] <= '5' &&
           text[at + 2] >= '0' && text[at + 2] <= '9';
      if (ok) minutes = (text[at + 1] - '0') * 10 + (text[at + 2] - '0');
    }
    const int offset = sign * (hours * 60 + minutes);
    if (!ok || offset < -720 || offset > 840) {
      return reply_error(call, binance_error(BinanceErrorKind::illegal_chars_in_param, "timeZone", "-12:00 to +14:00"));
    }
    query.utc_offset_minutes = offset;
  }
  std::vector<history::Kline> rows;
  if (!read_history(call, [&](history::HistoryReader& reader) { return reader.klines(m.id, interval, query, &rows); })) {
    return;
  }
  const auto volume = [](int128 value, uint8_t scale) {
    return format_decimal(value > INT64_MAX ? INT64_MAX : static_cast<int64_t>(value), scale);
  };
  Writer w;
  w.begin_array();
  for (const history::Kline& k : rows) {
    w.begin_array()
        .value(k.open_time_ms)
        .value(json::Decimal{price_text(m, k.open_minor)})
        .value(json::Decimal{price_text(m, k.high_minor)})
        .value(json::Decimal{price_text(m, k.low_minor)})
        .value(json::Decimal{price_text(m, k.close_minor)})
        .value(json::Decimal{volume(k.volume_minor, m.base.scale)})
        .value(k.close_time_ms)
        .value(json::Decimal{volume(k.quote_volume_minor, m.quote.scale)})
        .value(k.trade_count)
        .value(json::Decimal{volume(k.taker_buy_volume_minor, m.base.scale)})
        .value(json::Decimal{volume(k.taker_buy_quote_volume_minor, m.quote.scale)})
        .value(json::Decimal{"0"})
        .end_array();
  }
  w.end_array();
  reply(call, 200, w.take());
}

void Venue::Impl::history_trades(const CallPtr& call, bool aggregate) {
  const RequestParams& params = call->params;
  const std::optional<MarketInfo> found = symbol_market(call);
  if (!found) return;
  const MarketInfo m = *found;
  history::Page page;
  std::optional<BinanceError> error;
  if (!read_page(params, "fromId", &page, &error)) return reply_error(call, *error);
  if (!aggregate) {
    page.start_ms.reset();  // trades pages by id only
    page.end_ms.reset();
  }
  Writer w;
  w.begin_array();
  if (aggregate) {
    std::vector<history::AggTradeRow> rows;
    if (!read_history(call, [&](history::HistoryReader& reader) { return reader.agg_trades(m.id, page, &rows); })) {
      return;
    }
    for (const history::AggTradeRow& t : rows) {
      w.begin_object()
          .field("a", t.id)
          .field("p", json::Decimal{price_text(m, t.price_minor)})
          .field("q", json::Decimal{qty_text(m, t.qty_minor)})
          .field("f", t.first_trade_id)
          .field("l", t.last_trade_id)
          .field("T", t.time_ms)
          .field("m", t.buyer_is_maker)
          .field("M", true)
          .end_object();
    }
  } else {
    std::vector<history::TradeRow> rows;
    if (!read_history(call, [&](history::HistoryReader& reader) { return reader.trades(m.id, page, &rows); })) {
      return;
    }
    for (const history::TradeRow& t : rows) {
      w.begin_object()
          .field("id", t.id)
          .field("price", json::Decimal{price_text(m, t.price_minor)})
          .field("qty", json::Decimal{qty_text(m, t.qty_minor)})
          .field("quoteQty", json::Decimal{quote_text(m, t.quote_qty_minor)})
          .field("time", t.time_ms)
          .field("isBuyerMaker", t.buyer_is_maker)
          .field("isBestMatch", true)
          .end_object();
    }
  }
  w.end_array();
  reply(call, 200, w.take());
}

}  // namespace qz::server
