// The history writer: events in, rows out (history.h, docs/history.md).
//
// What it keeps in memory, all of it derivable from the rows (so a reopened writer continues exactly): assets,
// accounts with their balances, each owner's trading account per asset (the first customer account, as the
// engine picks it), markets, open orders, each market's newest stored candle per stored interval, and the
// transfer id counter. Rows that change often (accounts, markets, orders, candles, and each account's newest chunk
// of ledger entries, entry_chunks.h) are written once per commit; append-only rows (trades, aggregate trades) as
// they happen. A trade's row holds both its fills (owners, orders, fees); the reader makes the fills from it and
// finds an owner's through the owner_trades chunks (entry_chunks.h), whose newest per owner and market the writer
// keeps in memory like the entries'.
//
// Trades move money without transfer events: a fill's settlement is derived from the engine's rule
// (docs/markets.md, "Settling a fill"): the buyer's spend account pays the notional to the seller's receive
// account and its fee to the quote fee account, then the seller's spend account pays the quantity to the
// buyer's receive account and its fee to the base fee account; each payment of a positive amount to another
// account takes the next transfer id. Every transfer_posted and hold_posted then checks the projection against
// the engine: the transfer id must be the next one, and a transfer's balances after must be the projected ones.
#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>
#include <utility>

#include "base/assert.h"
#include "history/history.h"
#include "history/internal/entry_chunks.h"
#include "history/internal/schema.h"

namespace qz::history {

namespace hi = history_internal;

namespace {

struct AssetState {
  std::string code;
  uint8_t scale = 0;
};

struct AccountState {
  uint64_t owner = 0;
  uint32_t asset = 0;
  uint8_t kind = 0;
  int64_t balance = 0;
  uint64_t opened_height = 0;
  int64_t opened_ms = 0;
  int64_t updated_ms = 0;
  bool dirty = false;
};

// The newest candle of one stored interval of one market.
struct CandleState {
  bool valid = false;
  bool dirty = false;
  int64_t open_time_ms = 0;
  int64_t open = 0;
  int64_t high = 0;
  int64_t low = 0;
  int64_t close = 0;
  int64_t volume = 0;
  int64_t quote_volume = 0;
  uint64_t trade_count = 0;
  int64_t taker_buy_volume = 0;
  int64_t taker_buy_quote_volume = 0;
  uint64_t first_trade_id = 0;
  uint64_t last_trade_id = 0;
};

struct MarketState {
  MarketRow row;
  bool dirty = false;
  uint64_t last_agg_id = 0;
  bool agg_open = false;  // the aggregate trade of this block still growing
  uint64_t agg_taker_order = 0;
  AggTradeRow agg;
  std::array<CandleState, hi::kStoredIntervals.size()> candles;
};

struct OrderState {
  OrderRow row;
  uint64_t receive_account = 0;
  std::vector<uint8_t> maker_trades;  // orders.maker_trades (entry_chunks.h)
  uint64_t last_maker_trade = 0;
  bool dirty = false;
};

// A trade event waits for its two order_filled events (maker first), which carry the fees.
struct PendingTrade {
  int fills = 0;  // 0: no trade pending
  uint32_t event_index = 0;
  TradePayload trade{};
  OrderFilledPayload maker{};
  OrderFilledPayload taker{};
};

std::string trimmed_code(const char* code) {
  size_t length = 0;
  while (length < kAssetCodeSize && code[length] != '\0') length++;
  return std::string(code, length);
}

}  // namespace

struct HistoryWriter::State {
  WriterOptions options;
  std::unique_ptr<sqlite::Database> db;
  std::unique_ptr<sqlite::Transaction> transaction;
  bool failed = false;
  std::string failure;
  WriterStats stats;

  int64_t last_height = -1;  // -1: no block yet
  uint64_t last_time_ns = 0;
  uint64_t next_transfer_id = 1;
  uint32_t blocks_in_batch = 0;

  std::vector<AssetState> assets;      // index = asset id - 1
  std::vector<AccountState> accounts;  // index = account id - 1
  std::vector<uint64_t> dirty_accounts;
  std::map<std::pair<uint64_t, uint32_t>, uint64_t> trading;  // (owner, asset) -> trading account; lookup only
  std::vector<MarketState> markets;                           // index = market id - 1
  std::vector<uint32_t> dirty_markets;
  std::vector<uint32_t> agg_markets;                // markets with an open aggregate trade in this block
  std::unordered_map<uint64_t, OrderState> orders;  // open orders, and orders ended since the last commit
  std::vector<uint64_t> dirty_orders;
  PendingTrade pending;
  // Accounts' newest chunks of entries, for the accounts that had entries in this batch or the one before.
  struct OpenChunk {
    hi::EntryChunk chunk;
    bool dirty = false;    // grown since the last commit
    bool touched = false;  // grown in this batch
  };
  std::unordered_map<uint64_t, OpenChunk> chunks;
  // Owners' newest chunks of fills (owner_trades) and of orders (owner_orders) per market, likewise.
  struct OpenIds {
    hi::IdChunk chunk;
    bool dirty = false;
    bool touched = false;
  };
  struct OwnerMarketHash {
    size_t operator()(const std::pair<uint64_t, uint32_t>& key) const {
      return std::hash<uint64_t>()(key.first * 0x9E37'79B9'7F4A'7C15ULL ^ key.second);
    }
  };
  struct IdList {
    const char* what;  // "fills", "orders"
    std::unordered_map<std::pair<uint64_t, uint32_t>, OpenIds, OwnerMarketHash> open;
    sqlite::Statement upsert;
    sqlite::Statement last;  // the newest chunk of an (owner, market)
  };
  IdList owner_fills{.what = "fills", .open = {}, .upsert = {}, .last = {}};
  IdList owner_orders{.what = "orders", .open = {}, .upsert = {}, .last = {}};

  // The block being projected.
  const BlockInput* block = nullptr;
  int64_t time_ms = 0;

  sqlite::Statement insert_asset;
  sqlite::Statement upsert_account;
  sqlite::Statement upsert_market;
  sqlite::Statement upsert_order;
  sqlite::Statement insert_trade;
  sqlite::Statement insert_agg;
  sqlite::Statement upsert_candle;
  sqlite::Statement upsert_chunk;
  sqlite::Statement last_chunk;
  sqlite::Statement set_meta;
  sqlite::Statement insert_client_text;

  // --- set-up -------------------------------------------------------------------------------------------------

  Status prepare() {
    QZ_TRY(db->prepare("INSERT INTO assets(id, code, scale) VALUES(?, ?, ?)", &insert_asset));
    QZ_TRY(db->prepare("INSERT OR IGNORE INTO client_order_ids(owner, client_order_id, text) VALUES(?, ?, ?)",
                       &insert_client_text));
    QZ_TRY(
        db->prepare("INSERT INTO accounts(id, owner, asset, kind, balance, opened_height, opened_ms, updated_ms) "
                    "VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET balance = excluded.balance, "
                    "updated_ms = excluded.updated_ms",
                    &upsert_account));
    QZ_TRY(db->prepare(std::string("INSERT OR REPLACE INTO markets(") + hi::kMarketColumns +
                           ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       &upsert_market));
    QZ_TRY(db->prepare(
        std::string("INSERT INTO orders(") + hi::kOrderColumns +
            ", maker_trades) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?) ON CONFLICT(id) DO UPDATE SET orig_qty = excluded.orig_qty, "
            "executed_qty = excluded.executed_qty, cumulative_quote = excluded.cumulative_quote, "
            "fee = excluded.fee, status = excluded.status, end_reason = excluded.end_reason, "
            "working_ms = excluded.working_ms, updated_ms = excluded.updated_ms, "
            "maker_trades = excluded.maker_trades",
        &upsert_order));
    QZ_TRY(db->prepare(std::string("INSERT INTO trades(") + hi::kTradeColumns +
                           ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       &insert_trade));
    QZ_TRY(db->prepare(std::string("INSERT INTO agg_trades(") + hi::kAggColumns + ") VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                       &insert_agg));
    QZ_TRY(db->prepare(std::string("INSERT OR REPLACE INTO candles(market, interval, ") + hi::kCandleColumns +
                           ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       &upsert_candle));
    QZ_TRY(db->prepare(hi::kChunkUpsert, &upsert_chunk));
    QZ_TRY(db->prepare(hi::kFillChunkUpsert, &owner_fills.upsert));
    QZ_TRY(db->prepare(std::string("SELECT ") + hi::kFillChunkColumns +
                           " FROM owner_trades WHERE owner = ? AND market = ? ORDER BY first_trade_id DESC LIMIT 1",
                       &owner_fills.last));
    QZ_TRY(db->prepare(hi::kOrderChunkUpsert, &owner_orders.upsert));
    QZ_TRY(db->prepare(std::string("SELECT ") + hi::kOrderChunkColumns +
                           " FROM owner_orders WHERE owner = ? AND market = ? ORDER BY first_order_id DESC LIMIT 1",
                       &owner_orders.last));
    QZ_TRY(db->prepare(std::string("SELECT ") + hi::kChunkColumns +
                           " FROM account_entries WHERE account = ? ORDER BY first_transfer_id DESC LIMIT 1",
                       &last_chunk));
    QZ_TRY(db->prepare("UPDATE meta SET value = ? WHERE key = ?", &set_meta));
    return Status::ok();
  }

  Status load() {
    bool found = false;
    QZ_TRY(
        db->query_i64(std::string("SELECT value FROM meta WHERE key = '") + hi::kMetaLastHeight + "'", &last_height));
    int64_t value = 0;
    QZ_TRY(db->query_i64(std::string("SELECT value FROM meta WHERE key = '") + hi::kMetaLastTimeNs + "'", &value));
    last_time_ns = static_cast<uint64_t>(value);
    QZ_TRY(db->query_i64(std::string("SELECT value FROM meta WHERE key = '") + hi::kMetaNextTransferId + "'", &value));
    next_transfer_id = static_cast<uint64_t>(value);

    sqlite::Statement s;
    bool row = false;
    QZ_TRY(db->prepare("SELECT id, code, scale FROM assets ORDER BY id", &s));
    while (true) {
      QZ_TRY(s.step(&row));
      if (!row) break;
      if (s.column_u64(0) != assets.size() + 1) return corrupt("assets are not dense");
      assets.push_back(AssetState{.code = s.column_text(1), .scale = static_cast<uint8_t>(s.column_i64(2))});
    }
    QZ_TRY(
        db->prepare("SELECT id, owner, asset, kind, balance, opened_height, opened_ms, updated_ms FROM accounts "
                    "ORDER BY id",
                    &s));
    while (true) {
      QZ_TRY(s.step(&row));
      if (!row) break;
      if (s.column_u64(0) != accounts.size() + 1) return corrupt("accounts are not dense");
      accounts.push_back(AccountState{.owner = s.column_u64(1),
                                      .asset = static_cast<uint32_t>(s.column_i64(2)),
                                      .kind = static_cast<uint8_t>(s.column_i64(3)),
                                      .balance = s.column_i64(4),
                                      .opened_height = s.column_u64(5),
                                      .opened_ms = s.column_i64(6),
                                      .updated_ms = s.column_i64(7),
                                      .dirty = false});
      note_trading_account(accounts.size());
    }
    QZ_TRY(db->prepare(std::string("SELECT ") + hi::kMarketColumns + " FROM markets ORDER BY id", &s));
    while (true) {
      QZ_TRY(s.step(&row));
      if (!row) break;
      MarketState market;
      hi::read_market(s, &market.row);
      if (market.row.id != markets.size() + 1) return corrupt("markets are not dense");
      markets.push_back(std::move(market));
    }
    sqlite::Statement agg;
    QZ_TRY(db->prepare("SELECT max(id) FROM agg_trades WHERE market = ?", &agg));
    sqlite::Statement candle;
    QZ_TRY(db->prepare(std::string("SELECT ") + hi::kCandleColumns +
                           " FROM candles WHERE market = ? AND interval = ? ORDER BY open_time_ms DESC LIMIT 1",
                       &candle));
    for (MarketState& market : markets) {
      agg.bind(1, market.row.id);
      QZ_TRY(agg.step(&row));
      market.last_agg_id = row ? agg.column_u64(0) : 0;
      agg.reset();
      for (size_t i = 0; i < hi::kStoredIntervals.size(); i++) {
        candle.bind(1, market.row.id).bind(2, candle_interval_name(hi::kStoredIntervals[i]));
        QZ_TRY(candle.step(&found));
        if (found) {
          Kline k;
          hi::read_candle(candle, &k);
          market.candles[i] =
              CandleState{.valid = true,
                          .dirty = false,
                          .open_time_ms = k.open_time_ms,
                          .open = k.open_minor,
                          .high = k.high_minor,
                          .low = k.low_minor,
                          .close = k.close_minor,
                          .volume = static_cast<int64_t>(k.volume_minor),
                          .quote_volume = static_cast<int64_t>(k.quote_volume_minor),
                          .trade_count = k.trade_count,
                          .taker_buy_volume = static_cast<int64_t>(k.taker_buy_volume_minor),
                          .taker_buy_quote_volume = static_cast<int64_t>(k.taker_buy_quote_volume_minor),
                          .first_trade_id = k.first_trade_id,
                          .last_trade_id = k.last_trade_id};
        }
        candle.reset();
      }
    }
    QZ_TRY(db->prepare(std::string("SELECT ") + hi::kOrderColumns +
                           ", NULL, maker_trades FROM orders WHERE status IN ('NEW', 'PARTIALLY_FILLED') ORDER BY id",
                       &s));
    std::vector<uint64_t> maker_trades;
    while (true) {
      QZ_TRY(s.step(&row));
      if (!row) break;
      OrderState order;
      QZ_TRY(hi::read_order(s, &order.row));
      order.maker_trades = s.column_blob(25);  // column 24 is read_order's client order text: none here
      maker_trades.clear();
      const Status unpacked = hi::unpack_rising_ids(order.maker_trades, &maker_trades);
      if (!unpacked.is_ok()) return corrupt("order " + std::to_string(order.row.id) + ": " + unpacked.message());
      order.last_maker_trade = maker_trades.empty() ? 0 : maker_trades.back();
      QZ_TRY(set_receive_account(&order));
      orders.emplace(order.row.id, std::move(order));
    }
    return Status::ok();
  }

  Status corrupt(const std::string& what) const {
    return Status::error(db->path() + ": the history does not fit together: " + what);
  }

  // --- lookups ------------------------------------------------------------------------------------------------

  AccountState* account(uint64_t id) { return id == 0 || id > accounts.size() ? nullptr : &accounts[id - 1]; }
  MarketState* market(uint32_t id) { return id == 0 || id > markets.size() ? nullptr : &markets[id - 1]; }

  void note_trading_account(uint64_t id) {
    const AccountState& a = accounts[id - 1];
    if (a.kind == static_cast<uint8_t>(AccountKind::customer)) trading.emplace(std::make_pair(a.owner, a.asset), id);
  }

  // The account an order's fills pay into: the owner's trading account of the asset it does not spend.
  Status set_receive_account(OrderState* order) {
    const MarketState* m = market(order->row.market);
    if (m == nullptr) return problem("order " + std::to_string(order->row.id) + " names an unknown market");
    const bool buy = order->row.side == static_cast<uint8_t>(OrderSideCode::buy);
    const auto it = trading.find({order->row.owner, buy ? m->row.base : m->row.quote});
    if (it == trading.end()) {
      return problem("order " + std::to_string(order->row.id) + ": its owner has no trading account to receive into");
    }
    order->receive_account = it->second;
    return Status::ok();
  }

  Status problem(const std::string& what) const {
    return Status::error(db->path() + ": block " + std::to_string(block != nullptr ? block->height : 0) + ": " + what);
  }

  Status find_order(uint64_t id, OrderState** out) {
    const auto it = orders.find(id);
    if (it == orders.end()) return problem("order " + std::to_string(id) + " is not an open order of the history");
    *out = &it->second;
    return Status::ok();
  }

  void touch_order(OrderState* order) {
    order->row.updated_ms = time_ms;
    if (!order->dirty) {
      order->dirty = true;
      dirty_orders.push_back(order->row.id);
    }
  }
  void touch_account(uint64_t id) {
    AccountState& a = accounts[id - 1];
    a.updated_ms = time_ms;
    if (!a.dirty) {
      a.dirty = true;
      dirty_accounts.push_back(id);
    }
  }
  void touch_market(MarketState* m) {
    m->row.updated_ms = time_ms;
    if (!m->dirty) {
      m->dirty = true;
      dirty_markets.push_back(m->row.id);
    }
  }

  // --- writing ------------------------------------------------------------------------------------------------

  Status write_meta(const char* key, int64_t value) {
    stats.rows++;
    return set_meta.bind(1, value).bind(2, key).run("writing meta");
  }

  Status write_candle(uint32_t market_id, size_t interval, CandleState* c) {
    stats.rows++;
    c->dirty = false;
    return upsert_candle.bind(1, market_id)
        .bind(2, candle_interval_name(hi::kStoredIntervals[interval]))
        .bind(3, c->open_time_ms)
        .bind(4, c->open)
        .bind(5, c->high)
        .bind(6, c->low)
        .bind(7, c->close)
        .bind(8, c->volume)
        .bind(9, c->quote_volume)
        .bind(10, c->trade_count)
        .bind(11, c->taker_buy_volume)
        .bind(12, c->taker_buy_quote_volume)
        .bind(13, c->first_trade_id)
        .bind(14, c->last_trade_id)
        .run("writing a candle");
  }

  Status write_agg(MarketState* m) {
    stats.rows++;
    m->agg_open = false;
    const AggTradeRow& a = m->agg;
    return insert_agg.bind(1, a.id)
        .bind(2, a.market)
        .bind(3, a.price_minor)
        .bind(4, a.qty_minor)
        .bind(5, a.first_trade_id)
        .bind(6, a.last_trade_id)
        .bind(7, a.buyer_is_maker)
        .bind(8, a.time_ms)
        .run("inserting an aggregate trade");
  }

  // Adds an entry to an account's open chunk, which is read back from the rows when not in memory.
  Status add_entry(uint64_t account, const EntryRow& e) {
    auto [it, inserted] = chunks.try_emplace(account);
    OpenChunk& open = it->second;
    if (inserted) {
      bool found = false;
      last_chunk.bind(1, account);
      Status stepped = last_chunk.step(&found);
      if (stepped.is_ok() && found) hi::read_chunk(last_chunk, &open.chunk);
      last_chunk.reset();
      QZ_TRY(stepped);
      if (!found || open.chunk.full()) {
        open.chunk = hi::EntryChunk{.account = account};
      } else {
        // Its entries are packed against the last one's height: unpack it to learn that (and check it).
        std::vector<EntryRow> packed;
        const Status unpacked =
            hi::unpack_entries(open.chunk.data, open.chunk.first_transfer_id, open.chunk.count, &packed);
        if (!unpacked.is_ok() || packed.empty()) {
          chunks.erase(it);
          return corrupt("account " + std::to_string(account) + ": " + unpacked.message());
        }
        open.chunk.last_height = packed.back().height;
      }
    }
    if (open.chunk.full()) {
      QZ_TRY(write_chunk(open.chunk));
      open.chunk = hi::EntryChunk{.account = account};
    }
    open.chunk.append(e);
    open.dirty = true;
    open.touched = true;
    return Status::ok();
  }

  // Adds an id to its owner's open chunk of the market in `list`, which is read back from the rows when not in
  // memory.
  Status add_id(IdList* list, uint64_t owner, uint32_t market, const hi::IdRef& ref) {
    auto [it, inserted] = list->open.try_emplace({owner, market});
    OpenIds& open = it->second;
    if (inserted) {
      bool found = false;
      list->last.bind(1, owner).bind(2, market);
      Status stepped = list->last.step(&found);
      if (stepped.is_ok() && found) hi::read_id_chunk(list->last, &open.chunk);
      list->last.reset();
      QZ_TRY(stepped);
      if (!found || open.chunk.full()) {
        open.chunk = hi::IdChunk{.owner = owner, .market = market};
      } else {
        // The next id is checked against the last one's flag: unpack it to learn that (and check it).
        std::vector<hi::IdRef> packed;
        const Status unpacked = hi::unpack_ids(open.chunk.data, open.chunk.first_id, open.chunk.count, &packed);
        if (!unpacked.is_ok() || packed.empty() || packed.back().id != open.chunk.last_id) {
          list->open.erase(it);
          return corrupt(std::string("the ") + list->what + " of owner " + std::to_string(owner) + " in market " +
                         std::to_string(market) + ": " +
                         (unpacked.is_ok() ? "the last id is not the chunk's last" : unpacked.message()));
        }
        open.chunk.last_flag = packed.back().flag;
      }
    }
    if (open.chunk.full()) {
      QZ_TRY(write_id_chunk(list, open.chunk));
      open.chunk = hi::IdChunk{.owner = owner, .market = market};
    }
    open.chunk.append(ref);
    open.dirty = true;
    open.touched = true;
    return Status::ok();
  }

  Status write_id_chunk(IdList* list, const hi::IdChunk& chunk) {
    stats.rows++;
    hi::bind_id_chunk(&list->upsert, chunk);
    return list->upsert.run(std::string("writing ") + list->what);
  }

  Status write_chunk(const hi::EntryChunk& chunk) {
    stats.rows++;
    hi::bind_chunk(&upsert_chunk, chunk);
    return upsert_chunk.run("writing ledger entries");
  }

  // Writes the grown chunks of `open` (OpenChunk or OpenIds by key) and drops those the batch did not touch.
  template <typename Open, typename Write>
  static Status write_open_chunks(Open* open, Write write) {
    for (auto it = open->begin(); it != open->end();) {
      auto& chunk = it->second;
      if (chunk.dirty) QZ_TRY(write(chunk.chunk));
      chunk.dirty = false;
      if (!chunk.touched) {
        it = open->erase(it);
        continue;
      }
      chunk.touched = false;
      ++it;
    }
    return Status::ok();
  }

  // Everything kept in memory that changed since the last commit, then the meta rows.
  Status write_changes() {
    // Open chunks: the grown ones are written; the ones this batch did not touch leave memory.
    QZ_TRY(write_open_chunks(&chunks, [this](const hi::EntryChunk& chunk) { return write_chunk(chunk); }));
    for (IdList* list : {&owner_fills, &owner_orders}) {
      QZ_TRY(write_open_chunks(&list->open, [&](const hi::IdChunk& chunk) { return write_id_chunk(list, chunk); }));
    }
    for (const uint64_t id : dirty_accounts) {
      AccountState& a = accounts[id - 1];
      a.dirty = false;
      stats.rows++;
      QZ_TRY(upsert_account.bind(1, id)
                 .bind(2, a.owner)
                 .bind(3, a.asset)
                 .bind(4, uint32_t{a.kind})
                 .bind(5, a.balance)
                 .bind(6, a.opened_height)
                 .bind(7, a.opened_ms)
                 .bind(8, a.updated_ms)
                 .run("writing an account"));
    }
    dirty_accounts.clear();
    for (const uint32_t id : dirty_markets) {
      MarketState& m = markets[id - 1];
      m.dirty = false;
      stats.rows++;
      hi::bind_market(&upsert_market, m.row);
      QZ_TRY(upsert_market.run("writing a market"));
    }
    dirty_markets.clear();
    for (const uint64_t id : dirty_orders) {
      const auto it = orders.find(id);
      QZ_ASSERT(it != orders.end());
      stats.rows++;
      hi::bind_order(&upsert_order, it->second.row);
      upsert_order.bind_blob(25, it->second.maker_trades);
      QZ_TRY(upsert_order.run("writing an order"));
      if (is_open(it->second.row.status)) {
        it->second.dirty = false;
      } else {
        orders.erase(it);
      }
    }
    dirty_orders.clear();
    for (MarketState& m : markets) {
      for (size_t i = 0; i < m.candles.size(); i++) {
        if (m.candles[i].dirty) QZ_TRY(write_candle(m.row.id, i, &m.candles[i]));
      }
    }
    QZ_TRY(write_meta(hi::kMetaLastHeight, last_height));
    QZ_TRY(write_meta(hi::kMetaLastTimeNs, static_cast<int64_t>(last_time_ns)));
    QZ_TRY(write_meta(hi::kMetaNextTransferId, static_cast<int64_t>(next_transfer_id)));
    return Status::ok();
  }

  Status commit() {
    if (transaction == nullptr || !transaction->active()) return Status::ok();
    QZ_TRY(write_changes());
    QZ_TRY(transaction->commit());
    stats.commits++;
    blocks_in_batch = 0;
    return Status::ok();
  }

  Status fail(Status status) {
    failed = true;
    failure = status.message();
    if (transaction != nullptr) transaction->rollback();
    return status;
  }

  // --- money --------------------------------------------------------------------------------------------------

  // Moves `amount` from debit to credit in the projection and writes its entry; *entry gets the balances after.
  Status move(EntryRow* entry) {
    AccountState* debit = account(entry->debit_account);
    AccountState* credit = account(entry->credit_account);
    if (debit == nullptr || credit == nullptr || debit->asset != credit->asset) {
      return problem("transfer " + std::to_string(entry->transfer_id) + " between unknown or mismatched accounts " +
                     std::to_string(entry->debit_account) + " and " + std::to_string(entry->credit_account));
    }
    int64_t debit_after = 0;
    int64_t credit_after = 0;
    if (!checked_sub(debit->balance, entry->amount_minor, &debit_after) ||
        !checked_add(credit->balance, entry->amount_minor, &credit_after)) {
      return problem("transfer " + std::to_string(entry->transfer_id) + " overflows a balance");
    }
    debit->balance = debit_after;
    credit->balance = credit_after;
    touch_account(entry->debit_account);
    touch_account(entry->credit_account);
    entry->asset = debit->asset;
    entry->debit_balance_after = debit_after;
    entry->credit_balance_after = credit_after;
    entry->height = block->height;
    entry->time_ms = time_ms;
    QZ_TRY(add_entry(entry->debit_account, *entry));
    return add_entry(entry->credit_account, *entry);
  }

  Status take_transfer_id(uint64_t id) {
    if (id != next_transfer_id) {
      return problem("transfer id " + std::to_string(id) + " where the projection expected " +
                     std::to_string(next_transfer_id));
    }
    next_transfer_id++;
    return Status::ok();
  }

  Status on_transfer(const Event& event) {
    const TransferPostedPayload& p = event.transfer_posted;
    QZ_TRY(take_transfer_id(p.transfer));
    uint64_t reference = 0;
    if (event.command_index < block->commands.size()) {
      const Command& command = block->commands[event.command_index];
      if (command.command_kind() == CommandKind::transfer) reference = command.transfer.reference;
    }
    EntryRow entry{.transfer_id = p.transfer,
                   .kind = "transfer",
                   .debit_account = p.debit,
                   .credit_account = p.credit,
                   .amount_minor = p.amount_minor,
                   .reference = reference};
    QZ_TRY(move(&entry));
    if (entry.debit_balance_after != p.debit_balance_after || entry.credit_balance_after != p.credit_balance_after) {
      return problem("transfer " + std::to_string(p.transfer) + ": the engine's balances after are " +
                     std::to_string(p.debit_balance_after) + " and " + std::to_string(p.credit_balance_after) +
                     ", the projection's " + std::to_string(entry.debit_balance_after) + " and " +
                     std::to_string(entry.credit_balance_after));
    }
    return Status::ok();
  }

  Status on_hold_posted(const HoldPostedPayload& p) {
    QZ_TRY(take_transfer_id(p.transfer));
    EntryRow entry{.transfer_id = p.transfer,
                   .kind = "hold_post",
                   .debit_account = p.debit,
                   .credit_account = p.credit,
                   .amount_minor = p.amount_minor,
                   .hold_id = p.hold};
    return move(&entry);
  }

  // One payment of a fill's settlement: none for 0 or for a payment into the paying account itself.
  Status settle(const char* kind, uint64_t debit, uint64_t credit, int64_t amount, uint64_t trade_id) {
    if (amount == 0 || debit == credit) return Status::ok();
    if (credit == 0)
      return problem("trade " + std::to_string(trade_id) + " pays a fee to a market without fee account");
    EntryRow entry{.transfer_id = next_transfer_id++,
                   .kind = kind,
                   .debit_account = debit,
                   .credit_account = credit,
                   .amount_minor = amount,
                   .trade_id = trade_id};
    return move(&entry);
  }

  // --- markets and orders -------------------------------------------------------------------------------------

  Status on_market_created(const MarketCreatedPayload& p) {
    if (p.market != markets.size() + 1) {
      return problem("market " + std::to_string(p.market) + " created where " + std::to_string(markets.size() + 1) +
                     " was next");
    }
    if (p.base == 0 || p.base > assets.size() || p.quote == 0 || p.quote > assets.size()) {
      return problem("market " + std::to_string(p.market) + " names an unknown asset");
    }
    MarketState m;
    const AssetState& base = assets[p.base - 1];
    const AssetState& quote = assets[p.quote - 1];
    m.row = MarketRow{.id = p.market,
                      .symbol = base.code + quote.code,
                      .base = p.base,
                      .quote = p.quote,
                      .base_code = base.code,
                      .quote_code = quote.code,
                      .base_scale = base.scale,
                      .quote_scale = quote.scale,
                      .tick_size = p.tick_size,
                      .lot_step = p.lot_step,
                      .min_qty = p.min_qty,
                      .max_qty = p.max_qty,
                      .status = 2,  // halted until opened
                      .created_ms = time_ms,
                      .updated_ms = time_ms};
    markets.push_back(std::move(m));
    touch_market(&markets.back());
    return Status::ok();
  }

  Status on_order_accepted(const Event& event) {
    const OrderAcceptedPayload& p = event.order_accepted;
    if (event.command_index >= block->commands.size() ||
        block->commands[event.command_index].command_kind() != CommandKind::place_order) {
      return problem("order " + std::to_string(p.order) + " accepted without its place_order");
    }
    const Command& command = block->commands[event.command_index];
    const PlaceOrderPayload& place = command.place_order;
    const AccountState* spend = account(p.account);
    if (spend == nullptr) return problem("order " + std::to_string(p.order) + " spends from an unknown account");
    if (orders.count(p.order) != 0) return problem("order " + std::to_string(p.order) + " accepted twice");
    const auto type = static_cast<OrderType>(p.type);
    const auto tif = static_cast<OrderTif>(p.time_in_force);
    const bool stop = type == OrderType::stop_loss_limit || type == OrderType::take_profit_limit;
    const bool iceberg_field = tif == OrderTif::gtc || type == OrderType::limit_maker;
    OrderState order;
    order.row = OrderRow{.id = p.order,
                         .market = p.market,
                         .owner = spend->owner,
                         .account = p.account,
                         .client_order_id = command.request_id,
                         .side = p.side,
                         .type = p.type,
                         .time_in_force = p.time_in_force,
                         .self_trade_prevention = p.self_trade_prevention,
                         .price_minor = place.price_minor,
                         .stop_price_minor = place.stop_price_minor,
                         .iceberg_qty_minor = iceberg_field ? static_cast<int64_t>(place.aux) : 0,
                         .quote_order_qty_minor = type == OrderType::market_by_quote ? place.qty_minor : 0,
                         .good_till_ms = tif == OrderTif::gtd ? hi::ms_of(place.aux) : 0,
                         .orig_qty_minor = p.qty_minor,
                         .executed_qty_minor = 0,
                         .cumulative_quote_minor = 0,
                         .fee_minor = 0,
                         .status = OrderStatus::new_order,
                         .end_reason = 0,
                         .created_height = block->height,
                         .created_ms = time_ms,
                         .working_ms = stop ? 0 : time_ms,
                         .updated_ms = time_ms};
    QZ_TRY(set_receive_account(&order));
    QZ_TRY(add_id(&owner_orders, order.row.owner, p.market, hi::IdRef{.id = p.order, .flag = false}));
    OrderState& stored = orders.emplace(p.order, std::move(order)).first->second;
    touch_order(&stored);
    return Status::ok();
  }

  Status on_order_ended(const Event& event) {
    const OrderEndedPayload& p = event.order_ended;
    OrderState* order = nullptr;
    QZ_TRY(find_order(p.order, &order));
    const auto reason = static_cast<OrderEndReason>(p.reason);
    if (event.event_kind() == EventKind::order_cancelled) {
      order->row.status = OrderStatus::canceled;
    } else {
      const bool stp = reason == OrderEndReason::self_trade_taker || reason == OrderEndReason::self_trade_maker;
      order->row.status = stp ? OrderStatus::expired_in_match : OrderStatus::expired;
    }
    order->row.end_reason = p.reason;
    touch_order(order);
    return Status::ok();
  }

  Status apply_fill(OrderState* order, const OrderFilledPayload& fill) {
    OrderRow& row = order->row;
    if (!checked_add(row.executed_qty_minor, fill.qty_minor, &row.executed_qty_minor) ||
        !checked_add(row.cumulative_quote_minor, fill.quote_qty_minor, &row.cumulative_quote_minor) ||
        !checked_add(row.fee_minor, fill.fee_minor, &row.fee_minor)) {
      return problem("order " + std::to_string(row.id) + ": its totals overflow");
    }
    row.status = fill.remaining_qty_minor == 0 ? OrderStatus::filled : OrderStatus::partially_filled;
    touch_order(order);
    return Status::ok();
  }

  Status add_to_candles(MarketState* m, const TradePayload& t, int64_t quote, bool taker_buys) {
    for (size_t i = 0; i < hi::kStoredIntervals.size(); i++) {
      CandleState& c = m->candles[i];
      const int64_t open_time = candle_open_time_ms(hi::kStoredIntervals[i], time_ms);
      if (c.valid && c.open_time_ms == open_time) {
        c.high = std::max(c.high, t.price_minor);
        c.low = std::min(c.low, t.price_minor);
        c.close = t.price_minor;
        if (!checked_add(c.volume, t.qty_minor, &c.volume) || !checked_add(c.quote_volume, quote, &c.quote_volume) ||
            (taker_buys && (!checked_add(c.taker_buy_volume, t.qty_minor, &c.taker_buy_volume) ||
                            !checked_add(c.taker_buy_quote_volume, quote, &c.taker_buy_quote_volume)))) {
          return problem("market " + std::to_string(m->row.id) + ": a " +
                         std::string(candle_interval_name(hi::kStoredIntervals[i])) +
                         " candle's volume passes 64 bits");
        }
        c.trade_count++;
        c.last_trade_id = t.trade;
        c.dirty = true;
        continue;
      }
      if (c.valid && open_time < c.open_time_ms) return problem("a trade older than the market's newest candle");
      if (c.dirty) QZ_TRY(write_candle(m->row.id, i, &c));
      c = CandleState{.valid = true,
                      .dirty = true,
                      .open_time_ms = open_time,
                      .open = t.price_minor,
                      .high = t.price_minor,
                      .low = t.price_minor,
                      .close = t.price_minor,
                      .volume = t.qty_minor,
                      .quote_volume = quote,
                      .trade_count = 1,
                      .taker_buy_volume = taker_buys ? t.qty_minor : 0,
                      .taker_buy_quote_volume = taker_buys ? quote : 0,
                      .first_trade_id = t.trade,
                      .last_trade_id = t.trade};
    }
    return Status::ok();
  }

  // The aggregate trade this trade joins (or opens): same taker order, same price, the very next trade id.
  Status add_to_agg(MarketState* m, const TradePayload& t, bool buyer_is_maker, uint64_t* agg_id) {
    if (m->agg_open && m->agg_taker_order == t.taker_order && m->agg.price_minor == t.price_minor &&
        m->agg.last_trade_id + 1 == t.trade) {
      if (!checked_add(m->agg.qty_minor, t.qty_minor, &m->agg.qty_minor)) {
        return problem("aggregate trade quantity overflows");
      }
      m->agg.last_trade_id = t.trade;
      *agg_id = m->agg.id;
      return Status::ok();
    }
    if (m->agg_open) {
      QZ_TRY(write_agg(m));
    } else {
      agg_markets.push_back(m->row.id);
    }
    m->agg_open = true;
    m->agg_taker_order = t.taker_order;
    m->agg = AggTradeRow{.id = ++m->last_agg_id,
                         .market = m->row.id,
                         .price_minor = t.price_minor,
                         .qty_minor = t.qty_minor,
                         .first_trade_id = t.trade,
                         .last_trade_id = t.trade,
                         .buyer_is_maker = buyer_is_maker,
                         .time_ms = time_ms};
    *agg_id = m->agg.id;
    return Status::ok();
  }

  // The trade and both fills are in: orders, money, the trade's rows, candles.
  Status on_trade_complete() {
    const TradePayload& t = pending.trade;
    MarketState* m = market(t.market);
    if (m == nullptr) return problem("trade " + std::to_string(t.trade) + " in an unknown market");
    OrderState* maker = nullptr;
    OrderState* taker = nullptr;
    QZ_TRY(find_order(t.maker_order, &maker));
    QZ_TRY(find_order(t.taker_order, &taker));
    if (t.trade <= maker->last_maker_trade) {
      return problem("trade " + std::to_string(t.trade) + " comes after trade " +
                     std::to_string(maker->last_maker_trade) + " of its maker order");
    }
    const OrderFilledPayload& mf = pending.maker;
    const OrderFilledPayload& tf = pending.taker;
    if (mf.qty_minor != t.qty_minor || tf.qty_minor != t.qty_minor || mf.quote_qty_minor != tf.quote_qty_minor) {
      return problem("trade " + std::to_string(t.trade) + ": its fills disagree on the quantity or notional");
    }
    const int64_t quote = mf.quote_qty_minor;
    const bool taker_buys = t.taker_side == static_cast<uint8_t>(OrderSideCode::buy);
    QZ_TRY(apply_fill(maker, mf));
    QZ_TRY(apply_fill(taker, tf));

    const OrderState& buyer = taker_buys ? *taker : *maker;
    const OrderState& seller = taker_buys ? *maker : *taker;
    const int64_t buyer_fee = taker_buys ? tf.fee_minor : mf.fee_minor;
    const int64_t seller_fee = taker_buys ? mf.fee_minor : tf.fee_minor;
    QZ_TRY(settle("trade", buyer.row.account, seller.receive_account, quote, t.trade));
    QZ_TRY(settle("fee", buyer.row.account, m->row.fee_account_quote, buyer_fee, t.trade));
    QZ_TRY(settle("trade", seller.row.account, buyer.receive_account, t.qty_minor, t.trade));
    QZ_TRY(settle("fee", seller.row.account, m->row.fee_account_base, seller_fee, t.trade));

    uint64_t agg_id = 0;
    QZ_TRY(add_to_agg(m, t, !taker_buys, &agg_id));
    stats.rows++;
    QZ_TRY(insert_trade.bind(1, t.trade)
               .bind(2, t.market)
               .bind(3, t.price_minor)
               .bind(4, t.qty_minor)
               .bind(5, quote)
               .bind(6, !taker_buys)
               .bind(7, t.maker_order)
               .bind(8, t.taker_order)
               .bind(9, maker->row.owner)
               .bind(10, taker->row.owner)
               .bind(11, mf.fee_minor)
               .bind(12, tf.fee_minor)
               .bind(13, agg_id)
               .bind(14, block->height)
               .bind(15, time_ms)
               .run("inserting a trade"));
    hi::append_rising_id(&maker->maker_trades, maker->last_maker_trade, t.trade);
    maker->last_maker_trade = t.trade;
    // The owners' fills: a self-trade's taker fill first.
    QZ_TRY(add_id(&owner_fills, taker->row.owner, t.market, hi::IdRef{.id = t.trade, .flag = false}));
    QZ_TRY(add_id(&owner_fills, maker->row.owner, t.market, hi::IdRef{.id = t.trade, .flag = true}));
    return add_to_candles(m, t, quote, taker_buys);
  }

  Status on_filled(uint32_t index, const OrderFilledPayload& p) {
    if (pending.fills == 0) return problem("event " + std::to_string(index) + ": order_filled without its trade");
    const bool maker_turn = pending.fills == 2;
    const uint64_t want = maker_turn ? pending.trade.maker_order : pending.trade.taker_order;
    if (p.order != want || p.trade != pending.trade.trade) {
      return problem("event " + std::to_string(index) + ": order_filled for order " + std::to_string(p.order) +
                     " where trade " + std::to_string(pending.trade.trade) + " needs order " + std::to_string(want));
    }
    (maker_turn ? pending.maker : pending.taker) = p;
    pending.fills--;
    if (pending.fills > 0) return Status::ok();
    return on_trade_complete();
  }

  // --- one event ----------------------------------------------------------------------------------------------

  Status on_event(uint32_t index, const Event& event) {
    if (pending.fills != 0 && event.event_kind() != EventKind::order_filled) {
      return problem("event " + std::to_string(index) + ": trade " + std::to_string(pending.trade.trade) +
                     " is missing its fills");
    }
    switch (event.event_kind()) {
      case EventKind::asset_created: {
        const AssetCreatedPayload& p = event.asset_created;
        if (p.asset != assets.size() + 1) return problem("asset " + std::to_string(p.asset) + " out of sequence");
        assets.push_back(AssetState{.code = trimmed_code(p.code), .scale = p.scale});
        stats.rows++;
        return insert_asset.bind(1, p.asset)
            .bind(2, assets.back().code)
            .bind(3, uint32_t{p.scale})
            .run("inserting an asset");
      }
      case EventKind::account_opened: {
        const AccountOpenedPayload& p = event.account_opened;
        if (p.account != accounts.size() + 1) {
          return problem("account " + std::to_string(p.account) + " out of sequence");
        }
        if (p.asset == 0 || p.asset > assets.size()) return problem("account of an unknown asset");
        accounts.push_back(AccountState{.owner = p.owner,
                                        .asset = p.asset,
                                        .kind = p.kind,
                                        .balance = 0,
                                        .opened_height = block->height,
                                        .opened_ms = time_ms,
                                        .updated_ms = time_ms,
                                        .dirty = false});
        note_trading_account(p.account);
        touch_account(p.account);
        return Status::ok();
      }
      case EventKind::transfer_posted: return on_transfer(event);
      case EventKind::hold_posted: return on_hold_posted(event.hold_posted);
      case EventKind::market_created: return on_market_created(event.market_created);
      case EventKind::market_rules_set: {
        const MarketRulesSetPayload& p = event.market_rules_set;
        MarketState* m = market(p.market);
        if (m == nullptr) return problem("rules for unknown market " + std::to_string(p.market));
        m->row.band_bps = p.band_bps;
        m->row.maker_fee_bps = p.maker_fee_bps;
        m->row.taker_fee_bps = p.taker_fee_bps;
        m->row.min_notional = p.min_notional;
        m->row.fee_account_base = p.fee_account_base;
        m->row.fee_account_quote = p.fee_account_quote;
        touch_market(m);
        return Status::ok();
      }
      case EventKind::market_status_changed: {
        MarketState* m = market(event.market_status_changed.market);
        if (m == nullptr) return problem("status of an unknown market");
        m->row.status = event.market_status_changed.status;
        touch_market(m);
        return Status::ok();
      }
      case EventKind::fee_tier_set: {
        const FeeTierSetPayload& p = event.fee_tier_set;
        MarketState* m = market(p.market);
        if (m == nullptr) return problem("fee tier of an unknown market");
        if (p.index == 0) {
          m->row.maker_fee_bps = p.maker_fee_bps;
          m->row.taker_fee_bps = p.taker_fee_bps;
          touch_market(m);
        }
        return Status::ok();
      }
      case EventKind::order_accepted: return on_order_accepted(event);
      case EventKind::order_rested: {
        OrderState* order = nullptr;
        return find_order(event.order_rested.order, &order);
      }
      case EventKind::trade:
        pending = PendingTrade{.fills = 2, .event_index = index, .trade = event.trade, .maker = {}, .taker = {}};
        return Status::ok();
      case EventKind::order_filled: return on_filled(index, event.order_filled);
      case EventKind::order_cancelled:
      case EventKind::order_expired: return on_order_ended(event);
      case EventKind::order_triggered: {
        OrderState* order = nullptr;
        QZ_TRY(find_order(event.order_triggered.order, &order));
        order->row.working_ms = time_ms;
        touch_order(order);
        return Status::ok();
      }
      case EventKind::order_amended: {
        OrderState* order = nullptr;
        QZ_TRY(find_order(event.order_amended.order, &order));
        order->row.orig_qty_minor = event.order_amended.new_qty_minor;
        touch_order(order);
        return Status::ok();
      }
      case EventKind::order_tagged: {
        const OrderTaggedPayload& p = event.order_tagged;
        const std::string text(p.text, std::min<size_t>(p.length, kClientOrderIdMax));
        stats.rows++;
        return insert_client_text.bind(1, p.actor)
            .bind(2, history::client_order_key(p.actor, text))
            .bind(3, text)
            .run("keeping a client order id");
      }
      default: return Status::ok();  // nothing the history keeps
    }
  }

  Status project(const BlockInput& input, std::span<const Event> events) {
    block = &input;
    time_ms = hi::ms_of(input.time_ns);
    for (uint32_t i = 0; i < events.size(); i++) QZ_TRY(on_event(i, events[i]));
    if (pending.fills != 0) return problem("the block ends inside trade " + std::to_string(pending.trade.trade));
    // Fills of one taker order all come from one command: an aggregate trade never spans blocks.
    for (const uint32_t id : agg_markets) {
      MarketState& m = markets[id - 1];
      if (m.agg_open) QZ_TRY(write_agg(&m));
    }
    agg_markets.clear();
    return Status::ok();
  }
};

HistoryWriter::HistoryWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}

HistoryWriter::~HistoryWriter() = default;

Status HistoryWriter::open(const std::string& path, const WriterOptions& options, std::unique_ptr<HistoryWriter>* out) {
  if (options.blocks_per_transaction == 0) return Status::error("history: blocks_per_transaction must be positive");
  auto state = std::make_unique<State>();
  state->options = options;
  QZ_TRY(sqlite::Database::open(
      path,
      sqlite::OpenOptions{.synchronous = options.synchronous,
                          .cache_kib = static_cast<int>(options.cache_mib) * 1024,
                          .wal_autocheckpoint_pages = options.wal_autocheckpoint_pages},
      &state->db));
  QZ_TRY(state->db->migrate("history", hi::schema_steps()));
  // The CHECK constraints document the values; the writer only ever writes names from its own tables, and
  // bind_order and bind_chunk assert the order status and the chunk count the constraints bound. SQLite
  // evaluates a CHECK's IN list of more than two values by building a temporary index per row written, which
  // made an order's row cost eight times a plain insert.
  QZ_TRY(state->db->exec("PRAGMA ignore_check_constraints=ON", "turning off CHECK evaluation"));
  QZ_TRY(state->prepare());
  QZ_TRY(state->load());
  state->transaction = std::make_unique<sqlite::Transaction>(state->db.get());
  out->reset(new HistoryWriter(std::move(state)));
  return Status::ok();
}

Status HistoryWriter::on_block(const BlockInput& block, std::span<const Event> events) {
  State& s = *state_;
  if (s.failed) return Status::error(s.failure);
  if (s.last_height >= 0 && block.height <= static_cast<uint64_t>(s.last_height)) {
    s.stats.skipped_blocks++;
    return Status::ok();
  }
  // A fresh history starts at genesis (0) or, when the source leaves genesis out, at 1: genesis has no events.
  const bool fits = s.last_height >= 0 ? block.height == static_cast<uint64_t>(s.last_height) + 1 : block.height <= 1;
  if (!fits) {
    return s.fail(Status::error(s.db->path() + ": block " + std::to_string(block.height) + " follows " +
                                (s.last_height >= 0 ? "block " + std::to_string(s.last_height) : "no block") +
                                ": the blocks between are missing"));
  }
  if (s.last_height >= 0 && block.time_ns <= s.last_time_ns) {
    return s.fail(Status::error(s.db->path() + ": block " + std::to_string(block.height) +
                                " is not later than the block before it"));
  }
  if (!s.transaction->active()) {
    Status begun = s.transaction->begin();
    if (!begun.is_ok()) return s.fail(std::move(begun));
  }
  Status projected = s.project(block, events);
  s.block = nullptr;
  if (!projected.is_ok()) return s.fail(std::move(projected));
  s.last_height = static_cast<int64_t>(block.height);
  s.last_time_ns = block.time_ns;
  s.stats.blocks++;
  s.stats.events += events.size();
  if (++s.blocks_in_batch >= s.options.blocks_per_transaction) {
    Status committed = s.commit();
    if (!committed.is_ok()) return s.fail(std::move(committed));
  }
  return Status::ok();
}

Status HistoryWriter::flush() {
  State& s = *state_;
  if (s.failed) return Status::error(s.failure);
  Status committed = s.commit();
  if (!committed.is_ok()) return s.fail(std::move(committed));
  return Status::ok();
}

Status HistoryWriter::sync_to_disk() {
  QZ_TRY(flush());
  State& s = *state_;
  QZ_TRY(s.db->exec("PRAGMA synchronous=FULL", "syncing history"));
  QZ_TRY(s.db->exec("PRAGMA wal_checkpoint(TRUNCATE)", "syncing history"));
  return Status::ok();
}

void HistoryWriter::write_back_slice() {
  State& s = *state_;
  if (s.options.writeback_slice_bytes > 0) s.db->write_back_slice(s.options.writeback_slice_bytes);
}

std::optional<uint64_t> HistoryWriter::last_height() const {
  if (state_->last_height < 0) return std::nullopt;
  return static_cast<uint64_t>(state_->last_height);
}

std::vector<std::pair<uint64_t, uint64_t>> HistoryWriter::open_order_owners() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& [id, order] : state_->orders) {
    if (is_open(order.row.status)) out.emplace_back(id, order.row.owner);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const WriterStats& HistoryWriter::stats() const { return state_->stats; }

}  // namespace qz::history
