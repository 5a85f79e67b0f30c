// History: the engine's event stream projected into SQLite (DIR/history.db) for queries the engine does not keep:
// all orders, trades, aggregate trades, klines, the 24-hour ticker and ledger entries (docs/history.md).
//
// It is a projection (DESIGN.md section 5): it never decides anything and can be rebuilt from the journal at any
// time. The HistoryWriter reads (block, events) in height order, exactly what Engine::apply produced; nothing
// else. Its rows depend only on those blocks: a rebuild from the same blocks gives identical rows, whatever the
// batching (HistoryReader::content_hash checks it). A block at or below the last projected height is a no-op, so
// a restarted writer resumes exactly where the last committed transaction ended.
//
// Thread rules: one thread owns a HistoryWriter. A HistoryReader is one read-only connection for one thread at a
// time; readers in other threads or processes each open their own (WAL: reads never wait for the writer and see
// the last committed block).
//
// Units: amounts are integers in minor units (quantities of the base asset, prices in quote minor units per whole
// base unit, as in docs/markets.md); times are block times in ms since the Unix epoch. Formatting is the
// server's job.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/checked.h"
#include "base/sha256.h"
#include "base/status.h"
#include "engine/engine.h"
#include "engine/event.h"
#include "market/candles.h"
#include "sqlite/sqlite.h"

namespace qz::history {

// The 64-bit client order id a gateway derives from a client's text id (Binance's newClientOrderId) for `owner`.
// A generated text, "qz-" and the decimal digits of a number with the top bit set (generated_client_order_text),
// is that number: nothing needs journaling to recover the text, which is made again from the id. Any other text
// gives 63 bits of SHA-256 over the owner (8 bytes, little-endian) and the text, never 0 (top bit clear, so the two
// kinds never meet); tag_order journals such a text, and history pairs it with the order that carries this id.
uint64_t client_order_key(uint64_t owner, std::string_view text);

// Generated client order ids: the top bit marks them.
inline constexpr uint64_t kGeneratedClientOrderBit = uint64_t{1} << 63;

// The text of a generated client order id (`key` has kGeneratedClientOrderBit): "qz-" and its decimal digits.
std::string generated_client_order_text(uint64_t key);
// The same text in a buffer of its own (22 or 23 characters, past a std::string's inline buffer), for an answer
// that writes it once: no allocation.
struct GeneratedClientOrderText {
  char chars[3 + 20];  // "qz-" and the digits of the largest uint64_t
  uint8_t size = 0;
  std::string_view view() const { return {chars, size}; }
};
GeneratedClientOrderText generated_client_order_chars(uint64_t key);

// True when `text` is a generated client order id's text (then client_order_key is the number it spells).
bool is_generated_client_order_text(std::string_view text);

// An order placed without a client order id (client_order_id 0) answers to the generated id made from its order id,
// kGeneratedClientOrderBit | id: nothing is journaled or indexed for it, and the text is made again from the order.
// (Orders of earlier versions carry generated ids of the time and a counter in client_order_id instead.)
inline uint64_t generated_client_order_key(uint64_t order_id) { return kGeneratedClientOrderBit | order_id; }

// True when an order answers to the client order id `key`: its own, or, having none, the one made from its id.
struct OrderRow;
bool answers_to_client_order_key(const OrderRow& order, uint64_t key);

// Binance's caps for list routes (allOrders, myTrades, trades, aggTrades, klines).
inline constexpr uint32_t kDefaultLimit = 500;
inline constexpr uint32_t kMaxLimit = 1000;

// Binance order statuses. EXPIRED_IN_MATCH: self-trade prevention ended the order.
enum class OrderStatus : uint8_t {
  new_order = 1,
  partially_filled = 2,
  filled = 3,
  canceled = 4,
  expired = 5,
  expired_in_match = 6,
};
const char* order_status_name(OrderStatus status);  // "NEW", "PARTIALLY_FILLED", ...; "UNKNOWN" otherwise
[[nodiscard]] bool order_status_from_name(std::string_view name, OrderStatus* out);
inline bool is_open(OrderStatus status) {
  return status == OrderStatus::new_order || status == OrderStatus::partially_filled;
}

struct MarketRow {
  uint32_t id = 0;
  std::string symbol;  // base code + quote code: "BTCKZT"
  uint32_t base = 0;
  uint32_t quote = 0;
  std::string base_code;
  std::string quote_code;
  uint8_t base_scale = 0;
  uint8_t quote_scale = 0;
  int64_t tick_size = 0;
  int64_t lot_step = 0;
  int64_t min_qty = 0;
  int64_t max_qty = 0;
  int64_t min_notional = 0;
  uint32_t band_bps = 0;
  uint32_t maker_fee_bps = 0;  // tier 0
  uint32_t taker_fee_bps = 0;
  uint64_t fee_account_base = 0;
  uint64_t fee_account_quote = 0;
  uint8_t status = 0;  // MarketStatus: 1 trading, 2 halted, 3 closed
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  friend bool operator==(const MarketRow&, const MarketRow&) = default;
};

// One order, as it is now. Enum fields carry the engine's codes (docs/formats.md).
struct OrderRow {
  uint64_t id = 0;
  uint32_t market = 0;
  uint64_t owner = 0;
  uint64_t account = 0;          // the trading account its cost and fee were locked on
  uint64_t client_order_id = 0;  // the place_order's request id; 0 = none
  uint8_t side = 0;              // OrderSideCode
  uint8_t type = 0;              // OrderType
  uint8_t time_in_force = 0;     // OrderTif
  uint8_t self_trade_prevention = 0;
  int64_t price_minor = 0;            // the limit price; 0 for market orders
  int64_t stop_price_minor = 0;       // stop types; else 0
  int64_t iceberg_qty_minor = 0;      // visible slice of an iceberg; else 0
  int64_t quote_order_qty_minor = 0;  // market_by_quote: the quote amount asked for; else 0
  int64_t good_till_ms = 0;           // GTD expiry; else 0
  int64_t orig_qty_minor = 0;         // as accepted (market_by_quote: what the quote amount reached), lowered by amends
  int64_t executed_qty_minor = 0;
  int64_t cumulative_quote_minor = 0;  // sum of its fills' notionals
  int64_t fee_minor = 0;               // sum of its fills' fees, in the asset it spends
  OrderStatus status = OrderStatus::new_order;
  uint8_t end_reason = 0;  // OrderEndReason of a cancelled or expired order; 0 otherwise
  uint64_t created_height = 0;
  int64_t created_ms = 0;
  int64_t working_ms = 0;  // when it started working: accepted, or a stop order triggered; 0 = waiting stop
  int64_t updated_ms = 0;
  std::string client_order_text = std::string();  // the client's text of client_order_id (tag_order); "" = none
  friend bool operator==(const OrderRow&, const OrderRow&) = default;
};

struct TradeRow {
  uint64_t id = 0;  // the engine's trade id (dense across markets, so increasing per market)
  uint32_t market = 0;
  int64_t price_minor = 0;
  int64_t qty_minor = 0;
  int64_t quote_qty_minor = 0;
  bool buyer_is_maker = false;
  uint64_t maker_order = 0;
  uint64_t taker_order = 0;
  uint64_t maker_owner = 0;
  uint64_t taker_owner = 0;
  int64_t maker_fee_minor = 0;  // in the asset the maker spends
  int64_t taker_fee_minor = 0;
  uint64_t agg_id = 0;  // its aggregate trade
  uint64_t height = 0;
  int64_t time_ms = 0;
  friend bool operator==(const TradeRow&, const TradeRow&) = default;
};

// One side of one trade, as its owner sees it (myTrades). A self-trade gives the owner two fills.
struct FillRow {
  uint64_t owner = 0;
  uint32_t market = 0;
  uint64_t trade_id = 0;
  uint64_t order_id = 0;
  bool is_buyer = false;
  bool is_maker = false;
  int64_t price_minor = 0;
  int64_t qty_minor = 0;
  int64_t quote_qty_minor = 0;
  int64_t fee_minor = 0;   // commission
  uint32_t fee_asset = 0;  // the asset the order spends
  int64_t time_ms = 0;
  friend bool operator==(const FillRow&, const FillRow&) = default;
};

// Consecutive trades of one taker order at one price (Binance's aggregate trade); ids dense from 1 per market.
struct AggTradeRow {
  uint64_t id = 0;
  uint32_t market = 0;
  int64_t price_minor = 0;
  int64_t qty_minor = 0;
  uint64_t first_trade_id = 0;
  uint64_t last_trade_id = 0;
  bool buyer_is_maker = false;
  int64_t time_ms = 0;
  friend bool operator==(const AggTradeRow&, const AggTradeRow&) = default;
};

// One kline (Binance's 12 fields, volumes in minor units) and the trade ids it spans.
struct Kline {
  int64_t open_time_ms = 0;
  int64_t close_time_ms = 0;  // next open time - 1
  int64_t open_minor = 0;
  int64_t high_minor = 0;
  int64_t low_minor = 0;
  int64_t close_minor = 0;
  int128 volume_minor = 0;        // base
  int128 quote_volume_minor = 0;  // quote
  uint64_t trade_count = 0;
  int128 taker_buy_volume_minor = 0;
  int128 taker_buy_quote_volume_minor = 0;
  uint64_t first_trade_id = 0;
  uint64_t last_trade_id = 0;
  friend bool operator==(const Kline&, const Kline&) = default;
};

// The rolling 24-hour window [now - 24 h, now] of one market (trades after `now`, if any, are left out). With no trade
// in the window the prices are the last trade's before it (0 when the market never traded), volumes and count are 0 and
// the trade ids 0.
struct Ticker24h {
  uint32_t market = 0;
  int64_t open_time_ms = 0;   // now - 24 h
  int64_t close_time_ms = 0;  // now
  int64_t open_minor = 0;     // first trade in the window
  int64_t high_minor = 0;
  int64_t low_minor = 0;
  int64_t last_minor = 0;
  int64_t last_qty_minor = 0;
  int64_t prev_close_minor = 0;  // the last trade before the window (0 if none)
  int128 volume_minor = 0;
  int128 quote_volume_minor = 0;
  uint64_t first_trade_id = 0;
  uint64_t last_trade_id = 0;
  uint64_t trade_count = 0;
  friend bool operator==(const Ticker24h&, const Ticker24h&) = default;
};

// One ledger transfer with both sides' balances (account totals) after it. Kinds: "transfer" (a transfer
// command), "hold_post" (post_hold), "trade" (a fill's notional or quantity) and "fee" (a fill's fee).
struct EntryRow {
  uint64_t transfer_id = 0;
  std::string kind;
  uint32_t asset = 0;
  uint64_t debit_account = 0;
  uint64_t credit_account = 0;
  int64_t amount_minor = 0;
  int64_t debit_balance_after = 0;
  int64_t credit_balance_after = 0;
  uint64_t hold_id = 0;    // hold_post
  uint64_t trade_id = 0;   // trade, fee
  uint64_t reference = 0;  // transfer: the command's reference
  uint64_t height = 0;
  int64_t time_ms = 0;
  friend bool operator==(const EntryRow&, const EntryRow&) = default;
};

// A page of a list route, Binance's way: rows with id >= from_id and time in [start_ms, end_ms] (each bound when
// given). With from_id or start_ms the first `limit` such rows; otherwise the last `limit` (the most recent).
// Always returned oldest first. limit 0 = kDefaultLimit; above kMaxLimit = kMaxLimit. Binance's caps on the
// window's width (24 h, 1 h) are the server's to enforce.
struct Page {
  std::optional<uint64_t> from_id = std::nullopt;
  std::optional<int64_t> start_ms = std::nullopt;
  std::optional<int64_t> end_ms = std::nullopt;
  uint32_t limit = 0;
};

// Klines whose open time is in [start_ms, end_ms]; with start_ms the first `limit`, otherwise the last `limit`
// (up to end_ms). Intervals with no trade have no kline. utc_offset_minutes ([-720, 840], Binance's timeZone)
// moves the interval boundaries to that offset's local time; start and end stay UTC.
struct KlineQuery {
  std::optional<int64_t> start_ms = std::nullopt;
  std::optional<int64_t> end_ms = std::nullopt;
  uint32_t limit = 0;
  int32_t utc_offset_minutes = 0;
};

struct WriterOptions {
  // Blocks per SQLite transaction: fewer commits, and rows that change in several blocks of a batch are written
  // once (docs/history.md, section 7). A live writer that may fall behind sets it high and calls flush() whenever
  // its queue of blocks runs empty. An uncommitted batch is lost by a crash and projected again on the next run.
  uint32_t blocks_per_transaction = 1;
  // The history can be rebuilt from the journal, so losing the last commits to a power cut costs only time.
  sqlite::Sync synchronous = sqlite::Sync::normal;
  uint32_t cache_mib = 64;  // SQLite's page cache for the writer's connection
  // Checkpoint the WAL into the database when it holds this many pages (0: SQLite's default, 1,000). A live
  // writer with frequent commits sets it high: a page changed by many commits is copied back once.
  int wal_autocheckpoint_pages = 0;
  // Bytes of the files that write_back_slice() starts writing to disk each time (0: it does nothing).
  size_t writeback_slice_bytes = 0;
};

struct WriterStats {
  uint64_t blocks = 0;          // projected by this writer
  uint64_t skipped_blocks = 0;  // at or below the last projected height: no-ops
  uint64_t events = 0;
  uint64_t rows = 0;  // rows inserted or updated (each write of a row counts once)
  uint64_t commits = 0;
};

class HistoryWriter {
 public:
  // Opens or creates the database at `path` (schema docs/history.md, version in PRAGMA user_version) and loads
  // what projecting the next block needs: accounts and balances, markets, open orders, the current klines.
  [[nodiscard]] static Status open(const std::string& path, const WriterOptions& options,
                                   std::unique_ptr<HistoryWriter>* out);
  // An uncommitted batch is rolled back (call flush() to keep it).
  ~HistoryWriter();
  HistoryWriter(const HistoryWriter&) = delete;
  HistoryWriter& operator=(const HistoryWriter&) = delete;

  // Projects one block: `events` are what Engine::apply produced for exactly `block`. A block at or below the
  // last projected height is skipped. Errors: a gap in heights ("block 12 follows 10"), time going backwards,
  // events that do not fit the projection (an unknown order, account or market, ids out of sequence, a balance
  // that differs from the engine's), SQLite failures. After an error the writer is failed: every later call
  // returns that error; reopen to resume from the last commit.
  [[nodiscard]] Status on_block(const BlockInput& block, std::span<const Event> events);
  // Commits the open batch, if any.
  [[nodiscard]] Status flush();
  // Commits, then checkpoints the WAL into the database with full syncs, so that everything committed survives a
  // power cut (a writer opened with synchronous OFF calls it before it calls its history clean).
  [[nodiscard]] Status sync_to_disk();
  // Starts writing the next WriterOptions::writeback_slice_bytes of history.db and its WAL to disk, without
  // waiting (sqlite::Database::write_back_slice). A live writer with synchronous off calls it at a steady pace
  // while it works, so that its pages reach the disk in small pieces instead of the kernel's 30 s burst.
  void write_back_slice();

  // The last projected height (committed or in the open batch); nullopt before the first block.
  std::optional<uint64_t> last_height() const;
  // The open orders as projected so far: (order id, owner), in order id order.
  std::vector<std::pair<uint64_t, uint64_t>> open_order_owners() const;
  const WriterStats& stats() const;

 private:
  struct State;
  explicit HistoryWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class HistoryReader {
 public:
  [[nodiscard]] static Status open(const std::string& path, std::unique_ptr<HistoryReader>* out);
  ~HistoryReader();
  HistoryReader(const HistoryReader&) = delete;
  HistoryReader& operator=(const HistoryReader&) = delete;

  // The last committed height; nullopt when nothing was projected yet.
  [[nodiscard]] Status last_height(std::optional<uint64_t>* out);

  [[nodiscard]] Status markets(std::vector<MarketRow>* out);
  [[nodiscard]] Status market(uint32_t id, MarketRow* out, bool* found);

  // GET /api/v3/order: by order id (any owner: the server checks the owner), or by the owner's client order id (the
  // newest order carrying it, else the order whose generated id it is).
  [[nodiscard]] Status order(uint32_t market, uint64_t order_id, OrderRow* out, bool* found);
  [[nodiscard]] Status order_by_client_id(uint64_t owner, uint32_t market, uint64_t client_order_id, OrderRow* out,
                                          bool* found);
  // GET /api/v3/openOrders: NEW and PARTIALLY_FILLED orders, by id; every market when `market` is nullopt.
  [[nodiscard]] Status open_orders(uint64_t owner, std::optional<uint32_t> market, std::vector<OrderRow>* out);
  // GET /api/v3/allOrders: from_id is an order id, times are creation times.
  [[nodiscard]] Status all_orders(uint64_t owner, uint32_t market, const Page& page, std::vector<OrderRow>* out);
  // GET /api/v3/myTrades: from_id is a trade id; with order_id only that order's fills.
  [[nodiscard]] Status my_trades(uint64_t owner, uint32_t market, const Page& page, std::optional<uint64_t> order_id,
                                 std::vector<FillRow>* out);
  // GET /api/v3/trades and historicalTrades: from_id is a trade id.
  [[nodiscard]] Status trades(uint32_t market, const Page& page, std::vector<TradeRow>* out);
  // GET /api/v3/aggTrades: from_id is an aggregate trade id.
  [[nodiscard]] Status agg_trades(uint32_t market, const Page& page, std::vector<AggTradeRow>* out);
  // GET /api/v3/klines and uiKlines, every Binance interval. Fails on an offset outside [-720, 840].
  [[nodiscard]] Status klines(uint32_t market, CandleInterval interval, const KlineQuery& query,
                              std::vector<Kline>* out);
  // GET /api/v3/ticker/24hr (bid and ask come from the book, not from here). The window is read from the stored
  // 1h, 1m and 1s klines that fit in it whole, and its two partial seconds from the trades. Window starts before
  // the epoch count no trades.
  [[nodiscard]] Status ticker_24h(uint32_t market, int64_t now_ms, Ticker24h* out);
  // An account's ledger entries (either side): from_id is a transfer id.
  [[nodiscard]] Status entries(uint64_t account, const Page& page, std::vector<EntryRow>* out);

  // SHA-256 over every table in a fixed order, rows in key order, each value with its type: equal hashes mean
  // equal contents.
  [[nodiscard]] Status content_hash(Hash256* out);

 private:
  struct State;
  explicit HistoryReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// What a rebuild reads: calls `sink` once per block from genesis (height 0, or 1 without it) in height order,
// with the events Engine::apply produced for it, and stops at the first sink call that fails, returning its
// Status. A journal replay into a fresh Engine is such a source.
using BlockSink = std::function<Status(const BlockInput& block, std::span<const Event> events)>;
using BlockSource = std::function<Status(const BlockSink& sink)>;

struct RebuildOptions {
  uint32_t blocks_per_transaction = 256;
  uint32_t cache_mib = 256;
  // off: the file being rebuilt is not synced until it is complete (an interrupted rebuild is discarded).
  sqlite::Sync synchronous = sqlite::Sync::off;
};

struct RebuildReport {
  uint64_t blocks = 0;
  uint64_t events = 0;
  uint64_t rows = 0;
  std::optional<uint64_t> last_height;
};

// Builds a fresh history from `source` into `path`.rebuild, then moves it over `path` (removing the old file's
// -wal and -shm first). Run it while no writer has `path` open; readers must reopen afterwards. On failure `path`
// is untouched and the partial file is removed.
[[nodiscard]] Status rebuild_history(const std::string& path, const BlockSource& source, const RebuildOptions& options,
                                     RebuildReport* report);

}  // namespace qz::history
