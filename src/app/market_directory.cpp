#include "app/market_directory.h"

#include "base/assert.h"
#include "engine/exchange.h"

namespace qz::app {

MarketAssets market_assets(const Ledger& ledger, uint32_t base, uint32_t quote) {
  const Asset* base_asset = ledger.asset(base);
  const Asset* quote_asset = ledger.asset(quote);
  QZ_ASSERT_MSG(base_asset != nullptr && quote_asset != nullptr, "a market names an asset the ledger does not have");
  return MarketAssets{.base = base,
                      .quote = quote,
                      .base_scale = base_asset->scale,
                      .quote_scale = quote_asset->scale,
                      .base_code = std::string(base_asset->code_view()),
                      .quote_code = std::string(quote_asset->code_view())};
}

// The only place exec reads markets and orders out of the engine (Engine::exchange(), engine/exchange.h). Open
// orders are the markets' occupied order slots (OrderState::order_id 0 marks a free slot).
void MarketDirectory::seed_from_engine(const Engine& engine) {
  markets_.clear();
  orders_.clear();
  last_trade_ = LastTrade{};
  const Exchange& exchange = engine.exchange();
  for (uint32_t id = 1; id <= exchange.market_count(); id++) {
    const MarketState* market = exchange.market(id);
    QZ_ASSERT(market != nullptr);
    add_market(id, market_assets(engine.ledger(), market->config.base_asset, market->config.quote_asset));
    for (const OrderState& order : market->slots) {
      if (order.order_id != 0) add_order(order.order_id, OrderInfo{.market = id, .side = order.side});
    }
  }
}

void MarketDirectory::observe(const Event& event, const Ledger& ledger) {
  switch (event.event_kind()) {
    case EventKind::market_created:
      add_market(event.market_created.market,
                 market_assets(ledger, event.market_created.base, event.market_created.quote));
      break;
    case EventKind::order_accepted:
      add_order(event.order_accepted.order,
                OrderInfo{.market = event.order_accepted.market, .side = event.order_accepted.side});
      break;
    case EventKind::trade:
      last_trade_ = LastTrade{.trade = event.trade.trade,
                              .market = event.trade.market,
                              .taker_side = event.trade.taker_side,
                              .maker_order = event.trade.maker_order,
                              .taker_order = event.trade.taker_order};
      break;
    case EventKind::order_filled:
      if (event.order_filled.remaining_qty_minor == 0) orders_.erase(event.order_filled.order);
      break;
    case EventKind::order_cancelled:
    case EventKind::order_expired: orders_.erase(event.order_ended.order); break;
    default: break;
  }
}

const MarketAssets* MarketDirectory::market(uint32_t id) const {
  const auto it = markets_.find(id);
  return it == markets_.end() ? nullptr : &it->second;
}

const OrderInfo* MarketDirectory::order(uint64_t id) const {
  const auto it = orders_.find(id);
  return it == orders_.end() ? nullptr : &it->second;
}

const OrderInfo* MarketDirectory::filled_order(uint64_t id, uint64_t trade) const {
  if (const OrderInfo* known = order(id)) return known;
  if (trade != 0 && trade == last_trade_.trade && (id == last_trade_.maker_order || id == last_trade_.taker_order)) {
    const uint8_t buy = static_cast<uint8_t>(OrderSideCode::buy);
    const uint8_t sell = static_cast<uint8_t>(OrderSideCode::sell);
    const uint8_t taker = last_trade_.taker_side;
    lookup_ = OrderInfo{.market = last_trade_.market,
                        .side = id == last_trade_.taker_order ? taker : (taker == buy ? sell : buy)};
    return &lookup_;
  }
  return nullptr;
}

void MarketDirectory::spent_asset(const MarketAssets& market, uint8_t side, uint8_t* scale, std::string* code) {
  const bool buy = side == static_cast<uint8_t>(OrderSideCode::buy);
  *scale = buy ? market.quote_scale : market.base_scale;
  *code = buy ? market.quote_code : market.base_code;
}

}  // namespace qz::app
