// The exchange: markets, open orders and their settlement through the ledger. Part of the engine.
//
// The order books (market/book.h) know ticks and lots; the rules (market/rules.h) know the money arithmetic;
// this class joins them to the ledger. Every order is pre-funded: its maximum cost and fee are locked in the
// ledger on its owner's trading account (Ledger::lock) and the order records how much of that lock is its own;
// every fill is settled by moves out of the two orders' locked funds, and what an order no longer needs is
// unlocked as soon as it no longer needs it. docs/markets.md is the specification ("The engine: commands, checks
// and events" is normative); the reference model in tests/engine re-implements it independently.
//
// Invariants (check_invariants): every open order has exactly reservation(remaining) reserved, and each
// account's locked total in the ledger is the sum of its orders' reservations; the books'
// own invariants; each resting order is on its book with its remaining quantity; the id maps and the stop and
// expiry sets agree with the orders; best bid < best ask.
//
// Deterministic like the rest of the engine: hash maps are for lookup only; hashes and snapshots walk ids in
// order. Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/flat_map.h"
#include "base/result.h"
#include "base/sha256.h"
#include "engine/command.h"
#include "engine/event.h"
#include "ledger/ledger.h"
#include "market/book.h"
#include "market/candles.h"
#include "market/fees.h"
#include "market/rules.h"
#include "rules/clients.h"
#include "rules/limits.h"
#include "rules/rates.h"

namespace qz {

struct MarketLimits {
  uint32_t max_markets = 64;
  uint32_t orders_per_market = 1u << 16;  // open orders at once per market (resting and waiting stops)
  uint32_t window_levels = 1u << 14;      // the book's ladder window (book.h)
  uint32_t candle_history = 1440;         // closed 1-minute candles kept per market
};

// One open order. Quantities in base minor units, prices in price minor units.
struct OrderState {
  uint64_t order_id = 0;  // 0 = a free slot
  uint64_t owner = 0;
  uint64_t client_order_id = 0;
  int64_t reserved_minor = 0;  // locked on spend_account for this order: reservation(remaining)
  uint64_t spend_account = 0;
  uint64_t receive_account = 0;
  int64_t price_minor = 0;
  int64_t price_ticks = 0;  // price_minor / tick_size
  int64_t qty_minor = 0;  // the order's quantity (after amends)
  int64_t executed_minor = 0;
  int64_t stop_price_minor = 0;
  uint64_t expires_at_ns = 0;  // GTD; 0 = none
  int64_t visible_minor = 0;   // iceberg slice; 0 = none
  uint32_t fee_cap_bps = 0;    // r: the rate its reservation was sized with
  int64_t commitment_tiyn = 0;  // a limited client's buy: the purchase value still committed (rules/limits.h)
  int64_t commit_rate = 0;      // tiyn per unit of the quote asset when it was placed (0: not limited)
  uint8_t side = 0;            // OrderSideCode
  uint8_t type = 0;            // OrderType
  uint8_t time_in_force = 0;   // OrderTif
  uint8_t stp = 0;             // SelfTrade
  bool waiting = false;        // a stop order not yet triggered
  bool on_book = false;
  int64_t remaining_minor() const { return qty_minor - executed_minor; }
};

// An owner's trading accounts in a market's base and quote assets.
struct TradingPair {
  uint64_t base_account;
  uint64_t quote_account;
};

struct MarketState {
  uint32_t id = 0;
  MarketConfig config;
  FeeSchedule fees;
  uint64_t fee_account_base = 0;
  uint64_t fee_account_quote = 0;
  int64_t reference_price_minor = 0;  // last trade, or the operator's price until the next trade
  int64_t last_price_minor = 0;       // last trade; 0 = none yet
  uint64_t update_id = 0;             // of the last level_changed
  int64_t notional_per_tick_lot = 0;  // notional of one lot at one tick: tick * lot / 10^base_scale (exact)
  uint32_t open_orders = 0;
  std::unique_ptr<OrderBook> book;
  std::vector<OrderState> slots;     // index = the order's id in the book
  std::vector<uint32_t> free_slots;  // LIFO
  std::vector<uint64_t> occupied;    // bit per slot: holds an order (so state hashes and snapshots skip the rest)
  std::set<std::pair<int64_t, uint64_t>> stops_up;    // (stop, order id): trigger when last >= stop
  std::set<std::pair<int64_t, uint64_t>> stops_down;  // trigger when last <= stop
  VolumeTracker volumes;             // by owner, in quote minor units
  std::unique_ptr<CandleSeries> candles;  // 1 minute
  // Lookup cache (not state): owner + 1 -> its trading accounts here, filled on first use once both exist.
  mutable FlatMap<TradingPair> trading_pairs;
};

class Exchange final : private FillSink {
 public:
  // `clients` decides whether an actor may place orders (a frozen client may not); `client_limits` counts the
  // purchases of limited clients at the `rates`. Not owned.
  Exchange(Ledger* ledger, const ClientRegistry* clients, ClientLimits* client_limits, const ConversionRates* rates,
           const MarketLimits& limits);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  static bool handles(CommandKind kind) {
    switch (kind) {
      case CommandKind::create_market:
      case CommandKind::set_market_rules:
      case CommandKind::set_market_status:
      case CommandKind::set_fee_tier:
      case CommandKind::place_order:
      case CommandKind::cancel_order:
      case CommandKind::amend_order:
      case CommandKind::cancel_all: return true;
      default: return false;
    }
  }

  // Applies one market or order command. On ok its events are appended; on a rejection nothing changed and
  // nothing was appended. *object_id: the market (market commands) or order (place, cancel, amend) it
  // created or acted on; 0 for cancel_all.
  [[nodiscard]] Result apply(const Command& command, uint32_t index, uint64_t block_time_ns,
                             std::vector<Event>* events, uint64_t* object_id);
  // The linked pair cancel_order, place_order (cancel-replace) of one actor in one market: both or neither.
  // *cancelled_id: the cancelled order; *object_id: the new order; *failed_member: which one failed.
  [[nodiscard]] Result apply_cancel_replace(const Command& cancel, const Command& place, uint32_t index,
                                            uint64_t block_time_ns, std::vector<Event>* events,
                                            uint64_t* cancelled_id, uint64_t* object_id, size_t* failed_member);
  // Cancels every open order, in every market, whose owner may no longer move money out (the client registry
  // says so), in order id order: order_cancelled with `reason`, then the level changes, as command `index`.
  // `owner` limits it to one owner's orders (0: every owner). Returns how many. After a client command.
  uint64_t cancel_unmovable_orders(uint64_t owner, OrderEndReason reason, uint32_t index,
                                   std::vector<Event>* events);
  // Block start: good-till-date expiries, then candles that closed.
  void begin_block(uint64_t block_time_ns, std::vector<Event>* events);
  // The ledger opened an account (kept: outside any rolled-back group). Indexes trading accounts.
  void on_account_opened(uint64_t account_id);

  const MarketState* market(uint32_t market_id) const;
  uint32_t market_count() const { return static_cast<uint32_t>(markets_.size()); }
  // The open order with this id, or nullptr.
  const OrderState* order(uint64_t order_id) const;
  uint64_t next_order_id() const { return next_order_id_; }
  uint64_t next_trade_id() const { return next_trade_id_; }
  uint64_t trading_account(uint64_t owner, uint32_t asset) const;  // 0 when none
  // owner -> the sum of its open orders' purchase commitments (owners with none are absent).
  std::map<uint64_t, int64_t> open_commitments() const;
  // The key of the client order id index (public so that tests can make two pairs collide).
  static uint64_t client_hash(uint64_t owner, uint64_t client_order_id);

  void hash_into(Sha256* hasher) const;
  std::string check_invariants() const;
  void write_snapshot(ByteWriter* out) const;
  // Into a fresh exchange whose ledger is already loaded. False on malformed or inconsistent input.
  [[nodiscard]] bool read_snapshot(ByteReader* in);

 private:
  struct Prepared;
  struct OrderRef {
    uint32_t market;
    uint32_t slot;
  };

  // FillSink
  void on_fill(const Fill& fill) override;
  SelfTrade on_self_trade_check(uint32_t aggressor_id, uint32_t resting_id) override;

  Result create_market(const Command& command, uint32_t index, std::vector<Event>* events, uint64_t* object_id);
  Result set_market_rules(const Command& command, uint32_t index, std::vector<Event>* events);
  Result set_market_status(const Command& command, uint32_t index, std::vector<Event>* events);
  Result set_fee_tier(const Command& command, uint32_t index, std::vector<Event>* events);
  Result prepare_place(const Command& command, uint64_t block_time_ns, const OrderRef* replaced, Prepared* out);
  Result reserve(Prepared* prepared);
  uint64_t execute_place(const Command& command, Prepared& prepared, uint32_t index, std::vector<Event>* events);
  Result find_own_order(const Command& command, uint32_t market, uint64_t order_id, uint64_t client_order_id,
                        OrderRef* out) const;
  Result cancel_order(const Command& command, uint64_t* object_id);
  Result cancel_all(const Command& command, uint32_t index, std::vector<Event>* events);
  Result amend_order(const Command& command, uint64_t* object_id);

  void activate(MarketState& market, uint32_t slot);
  void run_stops(MarketState& market);
  void end_order(MarketState& market, uint32_t slot, EventKind kind, OrderEndReason reason);
  void release_to(OrderState& order, int64_t keep_minor);
  int64_t reservation(const MarketState& market, const OrderState& order, int64_t remaining_minor) const;
  const FeeTier& tier_of(const MarketState& market, uint64_t owner) const;
  TradingPair trading_pair(MarketState& market, uint64_t owner) const;
  void touch(const MarketState& market, Side side, int64_t price_ticks);
  void flush_levels();
  void free_slot(MarketState& market, uint32_t slot);
  Event& emit(EventKind kind);
  MarketState* mutable_market(uint32_t market_id);

  void commit_fill(const MarketState& market, OrderState& buyer, int64_t notional_minor);
  void release_commitment(OrderState& order, int64_t keep_tiyn);

  Ledger* ledger_;
  const ClientRegistry* clients_;
  ClientLimits* client_limits_;
  const ConversionRates* rates_;
  Period period_;  // of block_time_ns_
  MarketLimits limits_;
  std::vector<std::unique_ptr<MarketState>> markets_;  // index = market id - 1
  FlatMap<OrderRef> orders_;                           // open order id -> where
  struct ClientKey {
    uint64_t owner;
    uint64_t client_order_id;
    friend bool operator==(const ClientKey&, const ClientKey&) = default;
  };
  struct ClientKeyHash {
    size_t operator()(const ClientKey& key) const;
  };
  // Open orders with a client id: (owner, client order id) -> order id. A flat map by a 64-bit hash of the pair
  // (each entry keeps its pair, so a lookup checks it), and an ordered map for the rare pair whose hash is taken.
  struct ClientEntry {
    uint64_t owner;
    uint64_t client_order_id;
    uint64_t order_id;
  };
  void index_client(uint64_t owner, uint64_t client_order_id, uint64_t order_id);
  uint64_t find_client(uint64_t owner, uint64_t client_order_id) const;  // 0 when none
  void unindex_client(uint64_t owner, uint64_t client_order_id, uint64_t order_id);
  FlatMap<ClientEntry> client_ids_;
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> client_overflow_;
  std::unordered_map<ClientKey, uint64_t, ClientKeyHash> trading_accounts_;  // (owner, asset) -> account
  std::set<std::pair<uint64_t, uint64_t>> expiries_;  // (GTD expiry, order id) of open orders
  uint64_t next_order_id_ = 1;
  uint64_t next_trade_id_ = 1;

  // The command being applied.
  std::vector<Event>* events_ = nullptr;
  uint32_t command_index_ = kNoCommand;
  uint64_t block_time_ns_ = 0;
  MarketState* matching_ = nullptr;  // the market whose book is matching
  uint32_t taker_rate_bps_ = 0;
  struct Touched {
    uint32_t market;
    uint8_t side;
    int64_t price_ticks;
    friend auto operator<=>(const Touched&, const Touched&) = default;
  };
  std::vector<Touched> touched_;
  std::vector<uint64_t> scratch_ids_;
};

}  // namespace qz
