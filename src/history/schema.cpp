#include "history/internal/schema.h"

#include <charconv>
#include <cstring>
#include <map>
#include <vector>

#include "base/assert.h"
#include "base/sha256.h"
#include "history/internal/entry_chunks.h"

namespace qz::history_internal {

namespace {

// Version 1. Every table has an explicit key (no implicit rowids in content), so a row's content never depends
// on the order rows were written in.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES('last_height', -1), ('last_time_ns', 0), ('next_transfer_id', 1);
CREATE TABLE assets(
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL,
  scale INTEGER NOT NULL);
CREATE TABLE accounts(
  id INTEGER PRIMARY KEY,
  owner INTEGER NOT NULL,
  asset INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  balance INTEGER NOT NULL,
  opened_height INTEGER NOT NULL,
  opened_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE INDEX accounts_of_owner ON accounts(owner, asset, id);
CREATE TABLE markets(
  id INTEGER PRIMARY KEY,
  symbol TEXT NOT NULL,
  base INTEGER NOT NULL,
  quote INTEGER NOT NULL,
  base_code TEXT NOT NULL,
  quote_code TEXT NOT NULL,
  base_scale INTEGER NOT NULL,
  quote_scale INTEGER NOT NULL,
  tick_size INTEGER NOT NULL,
  lot_step INTEGER NOT NULL,
  min_qty INTEGER NOT NULL,
  max_qty INTEGER NOT NULL,
  min_notional INTEGER NOT NULL,
  band_bps INTEGER NOT NULL,
  maker_fee_bps INTEGER NOT NULL,
  taker_fee_bps INTEGER NOT NULL,
  fee_account_base INTEGER NOT NULL,
  fee_account_quote INTEGER NOT NULL,
  status INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE INDEX markets_by_symbol ON markets(symbol, id);
CREATE TABLE orders(
  id INTEGER PRIMARY KEY,
  market INTEGER NOT NULL,
  owner INTEGER NOT NULL,
  account INTEGER NOT NULL,
  client_order_id INTEGER NOT NULL,
  side INTEGER NOT NULL,
  type INTEGER NOT NULL,
  time_in_force INTEGER NOT NULL,
  self_trade_prevention INTEGER NOT NULL,
  price INTEGER NOT NULL,
  stop_price INTEGER NOT NULL,
  iceberg_qty INTEGER NOT NULL,
  quote_order_qty INTEGER NOT NULL,
  good_till_ms INTEGER NOT NULL,
  orig_qty INTEGER NOT NULL,
  executed_qty INTEGER NOT NULL,
  cumulative_quote INTEGER NOT NULL,
  fee INTEGER NOT NULL,
  status TEXT NOT NULL
    CHECK(status IN ('NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED', 'EXPIRED_IN_MATCH')),
  end_reason INTEGER NOT NULL,
  created_height INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  working_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE INDEX orders_of_owner ON orders(owner, market, id);
CREATE INDEX orders_by_client_id ON orders(owner, client_order_id) WHERE client_order_id <> 0;
CREATE INDEX open_orders ON orders(owner, market, id) WHERE status IN ('NEW', 'PARTIALLY_FILLED');
CREATE TABLE trades(
  id INTEGER PRIMARY KEY,
  market INTEGER NOT NULL,
  price INTEGER NOT NULL,
  qty INTEGER NOT NULL,
  quote_qty INTEGER NOT NULL,
  buyer_is_maker INTEGER NOT NULL,
  maker_order INTEGER NOT NULL,
  taker_order INTEGER NOT NULL,
  maker_owner INTEGER NOT NULL,
  taker_owner INTEGER NOT NULL,
  maker_fee INTEGER NOT NULL,
  taker_fee INTEGER NOT NULL,
  agg_id INTEGER NOT NULL,
  height INTEGER NOT NULL,
  time_ms INTEGER NOT NULL);
CREATE INDEX trades_of_market ON trades(market, id);
CREATE TABLE fills(
  owner INTEGER NOT NULL,
  market INTEGER NOT NULL,
  trade_id INTEGER NOT NULL,
  order_id INTEGER NOT NULL,
  is_buyer INTEGER NOT NULL,
  is_maker INTEGER NOT NULL,
  price INTEGER NOT NULL,
  qty INTEGER NOT NULL,
  quote_qty INTEGER NOT NULL,
  fee INTEGER NOT NULL,
  fee_asset INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  PRIMARY KEY(owner, market, trade_id, is_maker)) WITHOUT ROWID;
CREATE INDEX fills_of_order ON fills(order_id, trade_id);
CREATE TABLE agg_trades(
  id INTEGER NOT NULL,
  market INTEGER NOT NULL,
  price INTEGER NOT NULL,
  qty INTEGER NOT NULL,
  first_trade_id INTEGER NOT NULL,
  last_trade_id INTEGER NOT NULL,
  buyer_is_maker INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  PRIMARY KEY(market, id)) WITHOUT ROWID;
CREATE TABLE candles(
  market INTEGER NOT NULL,
  interval TEXT NOT NULL CHECK(interval IN ('1s', '1m', '1h', '1d')),
  open_time_ms INTEGER NOT NULL,
  open INTEGER NOT NULL,
  high INTEGER NOT NULL,
  low INTEGER NOT NULL,
  close INTEGER NOT NULL,
  volume INTEGER NOT NULL,
  quote_volume INTEGER NOT NULL,
  trade_count INTEGER NOT NULL,
  taker_buy_volume INTEGER NOT NULL,
  taker_buy_quote_volume INTEGER NOT NULL,
  first_trade_id INTEGER NOT NULL,
  last_trade_id INTEGER NOT NULL,
  PRIMARY KEY(market, interval, open_time_ms)) WITHOUT ROWID;
CREATE TABLE entries(
  transfer_id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK(kind IN ('transfer', 'hold_post', 'trade', 'fee')),
  asset INTEGER NOT NULL,
  debit_account INTEGER NOT NULL,
  credit_account INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  debit_balance_after INTEGER NOT NULL,
  credit_balance_after INTEGER NOT NULL,
  hold_id INTEGER NOT NULL,
  trade_id INTEGER NOT NULL,
  reference INTEGER NOT NULL,
  height INTEGER NOT NULL,
  time_ms INTEGER NOT NULL);
CREATE INDEX entries_of_debit ON entries(debit_account, transfer_id);
CREATE INDEX entries_of_credit ON entries(credit_account, transfer_id);
)sql";

// Version 2: the texts of client order ids (tag_order), by owner and the 64-bit id derived from them.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE client_order_ids(
  owner INTEGER NOT NULL,
  client_order_id INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY(owner, client_order_id)
) WITHOUT ROWID;
)sql";

// Version 3: an account's entries packed in chunks (entry_chunks.h) in place of one row per transfer with an index
// per side: about a tenth of the rows and no index entries per entry. The entries of version 2 are moved over.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE account_entries(
  account INTEGER NOT NULL,
  first_transfer_id INTEGER NOT NULL,
  last_transfer_id INTEGER NOT NULL,
  first_time_ms INTEGER NOT NULL,
  last_time_ms INTEGER NOT NULL,
  count INTEGER NOT NULL CHECK(count BETWEEN 1 AND 32),
  entries BLOB NOT NULL,
  PRIMARY KEY(account, first_transfer_id));
)sql";

// Version 4: a fill is read from its trade, which holds both sides (owners, orders, fees), instead of being
// stored twice more as rows of its own. Measured with a probe over 400,000 trades among 64 owners: 3.9-4.0 us a
// trade against 5.8-5.9 us with the fills table, and 40% less file. The fills of version 3 are dropped: every
// column of theirs comes from the trade and its market. A maker order's trades are found by its index; a taker
// order's need none: they all happened when it started working (placed, or a stop triggered), so they are the
// taker owner's trades at that block time (HistoryReader::my_trades).
constexpr const char* kSchemaV4 = R"sql(
CREATE INDEX trades_of_maker ON trades(maker_owner, market, id);
CREATE INDEX trades_of_taker ON trades(taker_owner, market, id);
CREATE INDEX trades_of_maker_order ON trades(maker_order, id);
DROP TABLE fills;
)sql";

// Version 5: an owner's fills in a market packed in chunks (entry_chunks.h) in place of the trades_of_maker and
// trades_of_taker indexes, whose two index entries per trade were about 15% of the writer's instructions (callgrind
// over a rebuild of bench_load's journal). myTrades reads the owner's chunks, then each trade by its id. A maker
// order's trades keep their index (trades_of_maker_order); a taker order's are found as before, at the time it
// started working. The chunks are made from the trades of version 4.
constexpr const char* kSchemaV5 = R"sql(
CREATE TABLE owner_trades(
  owner INTEGER NOT NULL,
  market INTEGER NOT NULL,
  first_trade_id INTEGER NOT NULL,
  last_trade_id INTEGER NOT NULL,
  count INTEGER NOT NULL CHECK(count BETWEEN 1 AND 64),
  fills BLOB NOT NULL,
  PRIMARY KEY(owner, market, first_trade_id)) WITHOUT ROWID;
)sql";

// Version 6: an owner's orders per market in chunks, likewise, in place of the orders_of_owner index (allOrders):
// the index's entry per order was about 10% of the writer's instructions.
constexpr const char* kSchemaV6 = R"sql(
CREATE TABLE owner_orders(
  owner INTEGER NOT NULL,
  market INTEGER NOT NULL,
  first_order_id INTEGER NOT NULL,
  last_order_id INTEGER NOT NULL,
  count INTEGER NOT NULL CHECK(count BETWEEN 1 AND 64),
  orders BLOB NOT NULL,
  PRIMARY KEY(owner, market, first_order_id)) WITHOUT ROWID;
)sql";

// Version 7: no index of trades by market. A market's trades are the id ranges of its aggregate trades (a run of
// consecutive trade ids, the aggregate trades keyed by market and numbered from 1 in trade id order), so the reader
// walks those instead; the index's entry per trade was about 8% of the writer's instructions.
constexpr const char* kSchemaV7 = "DROP INDEX trades_of_market;";

// The entries table of versions 1 and 2, which version 3 replaces.
constexpr const char* kEntryColumns =
    "transfer_id, kind, asset, debit_account, credit_account, amount, debit_balance_after, credit_balance_after, "
    "hold_id, trade_id, reference, height, time_ms";

void read_entry(const sqlite::Statement& s, history::EntryRow* row) {
  row->transfer_id = s.column_u64(0);
  row->kind = s.column_text(1);
  row->asset = static_cast<uint32_t>(s.column_i64(2));
  row->debit_account = s.column_u64(3);
  row->credit_account = s.column_u64(4);
  row->amount_minor = s.column_i64(5);
  row->debit_balance_after = s.column_i64(6);
  row->credit_balance_after = s.column_i64(7);
  row->hold_id = s.column_u64(8);
  row->trade_id = s.column_u64(9);
  row->reference = s.column_u64(10);
  row->height = s.column_u64(11);
  row->time_ms = s.column_i64(12);
}

Status migrate_to_v3(sqlite::Database& db) {
  QZ_TRY(db.exec(kSchemaV3, "creating account_entries"));
  sqlite::Statement read;
  sqlite::Statement write;
  QZ_TRY(db.prepare(std::string("SELECT ") + kEntryColumns + " FROM entries ORDER BY transfer_id", &read));
  QZ_TRY(db.prepare(kChunkUpsert, &write));
  std::map<uint64_t, EntryChunk> open;  // by account
  const auto add = [&](uint64_t account, const history::EntryRow& entry) -> Status {
    EntryChunk& chunk = open[account];
    chunk.account = account;
    chunk.append(entry);
    if (!chunk.full()) return Status::ok();
    bind_chunk(&write, chunk);
    QZ_TRY(write.run("moving entries"));
    chunk = EntryChunk{};
    return Status::ok();
  };
  bool row = false;
  while (true) {
    QZ_TRY(read.step(&row));
    if (!row) break;
    history::EntryRow entry;
    read_entry(read, &entry);
    EntryKindCode kind{};
    if (!entry_kind_code(entry.kind, &kind) || entry.debit_account == entry.credit_account) {
      return Status::error("entry " + std::to_string(entry.transfer_id) + " is malformed");
    }
    QZ_TRY(add(entry.debit_account, entry));
    QZ_TRY(add(entry.credit_account, entry));
  }
  read.reset();
  for (const auto& [account, chunk] : open) {
    if (chunk.count == 0) continue;
    bind_chunk(&write, chunk);
    QZ_TRY(write.run("moving entries"));
  }
  return db.exec("DROP TABLE entries", "dropping entries");
}

// Lists the ids that `select` reads (id, market, owner: the first owner's ref with its flag clear; with a second
// owner column, that owner's with its flag set, after it) in chunks by (owner, market), written with `upsert`.
Status chunk_ids(sqlite::Database& db, const char* select, const char* upsert, const char* what) {
  sqlite::Statement read;
  sqlite::Statement write;
  QZ_TRY(db.prepare(select, &read));
  QZ_TRY(db.prepare(upsert, &write));
  std::map<std::pair<uint64_t, uint32_t>, IdChunk> open;  // by (owner, market)
  const auto add = [&](uint64_t owner, uint32_t market, const IdRef& ref) -> Status {
    IdChunk& chunk = open[{owner, market}];
    chunk.owner = owner;
    chunk.market = market;
    chunk.append(ref);
    if (!chunk.full()) return Status::ok();
    bind_id_chunk(&write, chunk);
    QZ_TRY(write.run(std::string("listing ") + what));
    chunk = IdChunk{};
    return Status::ok();
  };
  bool row = false;
  uint64_t previous = 0;
  while (true) {
    QZ_TRY(read.step(&row));
    if (!row) break;
    const uint64_t id = read.column_u64(0);
    const auto market = static_cast<uint32_t>(read.column_i64(1));
    if (id <= previous) return Status::error(std::string(what) + ": id " + std::to_string(id) + " out of order");
    previous = id;
    QZ_TRY(add(read.column_u64(2), market, IdRef{.id = id, .flag = false}));
    if (read.column_count() > 3) QZ_TRY(add(read.column_u64(3), market, IdRef{.id = id, .flag = true}));
  }
  read.reset();
  for (const auto& [key, chunk] : open) {
    if (chunk.count == 0) continue;
    bind_id_chunk(&write, chunk);
    QZ_TRY(write.run(std::string("listing ") + what));
  }
  return Status::ok();
}

Status migrate_to_v5(sqlite::Database& db) {
  QZ_TRY(db.exec(kSchemaV5, "creating owner_trades"));
  // A self-trade's taker fill comes before its maker fill.
  QZ_TRY(
      chunk_ids(db, "SELECT id, market, taker_owner, maker_owner FROM trades ORDER BY id", kFillChunkUpsert, "fills"));
  return db.exec("DROP INDEX trades_of_maker; DROP INDEX trades_of_taker", "dropping the owners' trade indexes");
}

Status migrate_to_v6(sqlite::Database& db) {
  QZ_TRY(db.exec(kSchemaV6, "creating owner_orders"));
  QZ_TRY(chunk_ids(db, "SELECT id, market, owner FROM orders ORDER BY id", kOrderChunkUpsert, "orders"));
  return db.exec("DROP INDEX orders_of_owner", "dropping the owners' order index");
}

// Version 8: an order's trades as maker listed in its row (orders.maker_trades, entry_chunks.h) in place of the index
// trades(maker_order, id), whose entry per trade was about 9% of the writer's instructions. The lists are made from
// the trades of version 7.
Status migrate_to_v8(sqlite::Database& db) {
  QZ_TRY(db.exec("ALTER TABLE orders ADD COLUMN maker_trades BLOB NOT NULL DEFAULT x''", "adding orders.maker_trades"));
  sqlite::Statement read;
  sqlite::Statement write;
  QZ_TRY(db.prepare("SELECT maker_order, id FROM trades INDEXED BY trades_of_maker_order ORDER BY maker_order, id",
                    &read));
  QZ_TRY(db.prepare("UPDATE orders SET maker_trades = ?2 WHERE id = ?1", &write));
  uint64_t order = 0;
  uint64_t previous = 0;
  std::vector<uint8_t> list;
  const auto write_list = [&]() -> Status {
    if (list.empty()) return Status::ok();
    write.bind(1, order).bind_blob(2, list);
    QZ_TRY(write.run("listing an order's trades as maker"));
    list.clear();
    previous = 0;
    return Status::ok();
  };
  bool row = false;
  while (true) {
    QZ_TRY(read.step(&row));
    if (!row) break;
    const uint64_t maker_order = read.column_u64(0);
    const uint64_t id = read.column_u64(1);
    if (maker_order != order) {
      QZ_TRY(write_list());
      order = maker_order;
    }
    append_rising_id(&list, previous, id);
    previous = id;
  }
  read.reset();
  QZ_TRY(write_list());
  return db.exec("DROP INDEX trades_of_maker_order", "dropping the index of trades by maker order");
}

const sqlite::SchemaStep kSteps[] = {
    sqlite::SchemaStep{.sql = kSchemaV1, .run = {}},           // 1: the tables
    sqlite::SchemaStep{.sql = kSchemaV2, .run = {}},           // 2: client order id texts
    sqlite::SchemaStep{.sql = nullptr, .run = migrate_to_v3},  // 3: entries in chunks
    sqlite::SchemaStep{.sql = kSchemaV4, .run = {}},           // 4: fills read from trades
    sqlite::SchemaStep{.sql = nullptr, .run = migrate_to_v5},  // 5: an owner's fills in chunks
    sqlite::SchemaStep{.sql = nullptr, .run = migrate_to_v6},  // 6: an owner's orders in chunks
    sqlite::SchemaStep{.sql = kSchemaV7, .run = {}},           // 7: no index of trades by market
    sqlite::SchemaStep{.sql = nullptr, .run = migrate_to_v8},  // 8: an order's trades as maker in its row
};

constexpr TableKey kHashed[] = {
    {"meta", "key"},
    {"assets", "id"},
    {"accounts", "id"},
    {"markets", "id"},
    {"orders", "id"},
    {"trades", "id"},
    {"agg_trades", "market, id"},
    {"candles", "market, interval, open_time_ms"},
    {"account_entries", "account, first_transfer_id"},
    {"client_order_ids", "owner, client_order_id"},
    {"owner_trades", "owner, market, first_trade_id"},
    {"owner_orders", "owner, market, first_order_id"},
};

}  // namespace

std::span<const sqlite::SchemaStep> schema_steps() { return kSteps; }

std::span<const TableKey> hashed_tables() { return kHashed; }

void bind_order(sqlite::Statement* s, const history::OrderRow& row) {
  // The table's CHECK on status, which the writer's connection does not evaluate.
  QZ_ASSERT(std::string_view(history::order_status_name(row.status)) != "UNKNOWN");
  s->bind(1, row.id)
      .bind(2, row.market)
      .bind(3, row.owner)
      .bind(4, row.account)
      .bind(5, row.client_order_id)
      .bind(6, uint32_t{row.side})
      .bind(7, uint32_t{row.type})
      .bind(8, uint32_t{row.time_in_force})
      .bind(9, uint32_t{row.self_trade_prevention})
      .bind(10, row.price_minor)
      .bind(11, row.stop_price_minor)
      .bind(12, row.iceberg_qty_minor)
      .bind(13, row.quote_order_qty_minor)
      .bind(14, row.good_till_ms)
      .bind(15, row.orig_qty_minor)
      .bind(16, row.executed_qty_minor)
      .bind(17, row.cumulative_quote_minor)
      .bind(18, row.fee_minor)
      .bind(19, history::order_status_name(row.status))
      .bind(20, uint32_t{row.end_reason})
      .bind(21, row.created_height)
      .bind(22, row.created_ms)
      .bind(23, row.working_ms)
      .bind(24, row.updated_ms);
}

}  // namespace qz::history_internal

namespace qz::history {

namespace {

constexpr std::string_view kGeneratedPrefix = "qz-";

// The number a generated text spells, or 0: "qz-" and canonical decimal digits (no leading zero) of a number with
// the top bit set.
uint64_t generated_key_of(std::string_view text) {
  if (text.size() <= kGeneratedPrefix.size() || text.substr(0, kGeneratedPrefix.size()) != kGeneratedPrefix) return 0;
  const std::string_view digits = text.substr(kGeneratedPrefix.size());
  if (digits.front() == '0') return 0;
  uint64_t value = 0;
  const std::from_chars_result parsed = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (parsed.ec != std::errc() || parsed.ptr != digits.data() + digits.size()) return 0;
  return (value & kGeneratedClientOrderBit) != 0 ? value : 0;
}

}  // namespace

GeneratedClientOrderText generated_client_order_chars(uint64_t key) {
  QZ_ASSERT((key & kGeneratedClientOrderBit) != 0);
  GeneratedClientOrderText text;
  static_assert(sizeof text.chars == kGeneratedPrefix.size() + 20);
  std::memcpy(text.chars, kGeneratedPrefix.data(), kGeneratedPrefix.size());
  const std::to_chars_result end =
      std::to_chars(text.chars + kGeneratedPrefix.size(), text.chars + sizeof text.chars, key);
  QZ_ASSERT(end.ec == std::errc());
  text.size = static_cast<uint8_t>(end.ptr - text.chars);
  return text;
}

std::string generated_client_order_text(uint64_t key) { return std::string(generated_client_order_chars(key).view()); }

bool is_generated_client_order_text(std::string_view text) { return generated_key_of(text) != 0; }

bool answers_to_client_order_key(const OrderRow& order, uint64_t key) {
  return key != 0 &&
         (order.client_order_id == key || (order.client_order_id == 0 && key == generated_client_order_key(order.id)));
}

uint64_t client_order_key(uint64_t owner, std::string_view text) {
  if (const uint64_t generated = generated_key_of(text); generated != 0) return generated;
  Sha256 hasher;
  hasher.update_u64(owner);
  hasher.update(text);
  const Hash256 digest = hasher.finish();
  uint64_t key = 0;
  for (size_t i = 0; i < 8; i++) key |= uint64_t{digest.bytes[i]} << (8 * i);
  key &= 0x7FFF'FFFF'FFFF'FFFFULL;
  return key == 0 ? 1 : key;
}

}  // namespace qz::history

namespace qz::history_internal {

Status read_order(const sqlite::Statement& s, history::OrderRow* row) {
  row->id = s.column_u64(0);
  row->market = static_cast<uint32_t>(s.column_i64(1));
  row->owner = s.column_u64(2);
  row->account = s.column_u64(3);
  row->client_order_id = s.column_u64(4);
  row->side = static_cast<uint8_t>(s.column_i64(5));
  row->type = static_cast<uint8_t>(s.column_i64(6));
  row->time_in_force = static_cast<uint8_t>(s.column_i64(7));
  row->self_trade_prevention = static_cast<uint8_t>(s.column_i64(8));
  row->price_minor = s.column_i64(9);
  row->stop_price_minor = s.column_i64(10);
  row->iceberg_qty_minor = s.column_i64(11);
  row->quote_order_qty_minor = s.column_i64(12);
  row->good_till_ms = s.column_i64(13);
  row->orig_qty_minor = s.column_i64(14);
  row->executed_qty_minor = s.column_i64(15);
  row->cumulative_quote_minor = s.column_i64(16);
  row->fee_minor = s.column_i64(17);
  const std::string status = s.column_text(18);
  if (!history::order_status_from_name(status, &row->status)) {
    return Status::error("history: order " + std::to_string(row->id) + " has an unknown status \"" + status + "\"");
  }
  row->end_reason = static_cast<uint8_t>(s.column_i64(19));
  row->created_height = s.column_u64(20);
  row->created_ms = s.column_i64(21);
  row->working_ms = s.column_i64(22);
  row->updated_ms = s.column_i64(23);
  row->client_order_text = s.column_count() > 24 && !s.column_is_null(24) ? s.column_text(24) : std::string();
  return Status::ok();
}

void bind_market(sqlite::Statement* s, const history::MarketRow& row) {
  s->bind(1, row.id)
      .bind(2, row.symbol)
      .bind(3, row.base)
      .bind(4, row.quote)
      .bind(5, row.base_code)
      .bind(6, row.quote_code)
      .bind(7, uint32_t{row.base_scale})
      .bind(8, uint32_t{row.quote_scale})
      .bind(9, row.tick_size)
      .bind(10, row.lot_step)
      .bind(11, row.min_qty)
      .bind(12, row.max_qty)
      .bind(13, row.min_notional)
      .bind(14, row.band_bps)
      .bind(15, row.maker_fee_bps)
      .bind(16, row.taker_fee_bps)
      .bind(17, row.fee_account_base)
      .bind(18, row.fee_account_quote)
      .bind(19, uint32_t{row.status})
      .bind(20, row.created_ms)
      .bind(21, row.updated_ms);
}

void read_market(const sqlite::Statement& s, history::MarketRow* row) {
  row->id = static_cast<uint32_t>(s.column_i64(0));
  row->symbol = s.column_text(1);
  row->base = static_cast<uint32_t>(s.column_i64(2));
  row->quote = static_cast<uint32_t>(s.column_i64(3));
  row->base_code = s.column_text(4);
  row->quote_code = s.column_text(5);
  row->base_scale = static_cast<uint8_t>(s.column_i64(6));
  row->quote_scale = static_cast<uint8_t>(s.column_i64(7));
  row->tick_size = s.column_i64(8);
  row->lot_step = s.column_i64(9);
  row->min_qty = s.column_i64(10);
  row->max_qty = s.column_i64(11);
  row->min_notional = s.column_i64(12);
  row->band_bps = static_cast<uint32_t>(s.column_i64(13));
  row->maker_fee_bps = static_cast<uint32_t>(s.column_i64(14));
  row->taker_fee_bps = static_cast<uint32_t>(s.column_i64(15));
  row->fee_account_base = s.column_u64(16);
  row->fee_account_quote = s.column_u64(17);
  row->status = static_cast<uint8_t>(s.column_i64(18));
  row->created_ms = s.column_i64(19);
  row->updated_ms = s.column_i64(20);
}

void read_candle(const sqlite::Statement& s, history::Kline* out) {
  out->open_time_ms = s.column_i64(0);
  out->open_minor = s.column_i64(1);
  out->high_minor = s.column_i64(2);
  out->low_minor = s.column_i64(3);
  out->close_minor = s.column_i64(4);
  out->volume_minor = s.column_i64(5);
  out->quote_volume_minor = s.column_i64(6);
  out->trade_count = s.column_u64(7);
  out->taker_buy_volume_minor = s.column_i64(8);
  out->taker_buy_quote_volume_minor = s.column_i64(9);
  out->first_trade_id = s.column_u64(10);
  out->last_trade_id = s.column_u64(11);
}

}  // namespace qz::history_internal

namespace qz::history {

const char* order_status_name(OrderStatus status) {
  switch (status) {
    case OrderStatus::new_order: return "NEW";
    case OrderStatus::partially_filled: return "PARTIALLY_FILLED";
    case OrderStatus::filled: return "FILLED";
    case OrderStatus::canceled: return "CANCELED";
    case OrderStatus::expired: return "EXPIRED";
    case OrderStatus::expired_in_match: return "EXPIRED_IN_MATCH";
  }
  return "UNKNOWN";
}

bool order_status_from_name(std::string_view name, OrderStatus* out) {
  for (uint8_t value = 1; value <= 6; value++) {
    const auto status = static_cast<OrderStatus>(value);
    if (name == order_status_name(status)) {
      *out = status;
      return true;
    }
  }
  return false;
}

}  // namespace qz::history
