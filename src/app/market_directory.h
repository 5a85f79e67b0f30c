// What exec needs to know about markets and orders to read and print their amounts: each market's base and quote
// assets (codes and scales), and the side and market of every open order.
//
// The directory is seeded from an engine state (seed_from_engine) and then follows the events of the blocks
// applied after it (observe), so it stays current without asking the engine again: exec is the only writer
// while it holds the data directory's lock. Orders leave the directory when an event ends them, so it holds at
// most the open orders. An order the directory does not know (it cannot happen after a complete seed) is still
// printed, with its side-dependent amounts in minor units (event_json.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "engine/engine.h"
#include "engine/event.h"
#include "ledger/ledger.h"

namespace qz::app {

struct MarketAssets {
  uint32_t base = 0;
  uint32_t quote = 0;
  uint8_t base_scale = 0;
  uint8_t quote_scale = 0;
  std::string base_code;
  std::string quote_code;

  std::string symbol() const { return base_code + quote_code; }  // "BTCKZT"
};

struct OrderInfo {
  uint32_t market = 0;
  uint8_t side = 0;  // OrderSideCode
};

class MarketDirectory {
 public:
  // Every market of `engine` and every open order (engine_markets.cpp). Replaces what the directory held.
  void seed_from_engine(const Engine& engine);

  // Follows one event of a block applied after the seed. `ledger` is the state after that block (it holds the
  // assets a market_created names). Call after formatting the event: an event that ends an order drops it.
  void observe(const Event& event, const Ledger& ledger);

  const MarketAssets* market(uint32_t id) const;
  uint32_t market_count() const { return static_cast<uint32_t>(markets_.size()); }
  // An open order's side and market; nullptr when unknown.
  const OrderInfo* order(uint64_t id) const;
  // The same for the order of an order_filled event of `trade`: from the directory, else from that trade's own
  // event, observed just before (it names the maker, the taker and the taker's side).
  const OrderInfo* filled_order(uint64_t id, uint64_t trade) const;
  // The spent asset's scale and code of an order's side (quote for buys, base for sells).
  static void spent_asset(const MarketAssets& market, uint8_t side, uint8_t* scale, std::string* code);

  void add_market(uint32_t id, MarketAssets assets) { markets_[id] = std::move(assets); }
  void add_order(uint64_t id, OrderInfo info) { orders_[id] = info; }

 private:
  struct LastTrade {
    uint64_t trade = 0;
    uint32_t market = 0;
    uint8_t taker_side = 0;
    uint64_t maker_order = 0;
    uint64_t taker_order = 0;
  };

  std::map<uint32_t, MarketAssets> markets_;
  std::map<uint64_t, OrderInfo> orders_;
  LastTrade last_trade_;
  mutable OrderInfo lookup_;
};

// Assets of `ledger`'s asset ids `base` and `quote` (both must exist) as a MarketAssets.
MarketAssets market_assets(const Ledger& ledger, uint32_t base, uint32_t quote);

}  // namespace qz::app
