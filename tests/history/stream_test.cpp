// The history against the engine on seeded random streams of every order kind (tests/engine/order_stream.h:
// every type and time in force, icebergs, stops, GTD expiries, self-trade modes, cancels, amends, replaces,
// closes, fee changes, client freezes, deposits and withdrawals). After the stream: every account's projected
// balance is the engine's total, the transfer id counter is the engine's, the open orders of the history are
// the open orders of the engine with the same quantities, the trade rows are every trade event, and rebuilding
// the history in one batch gives the same content hash as projecting it block by block in random batches.
//
// QZ_SEED=<n> sets the base seed and QZ_HISTORY_RUNS the number of seeds.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/prng.h"
#include "fixture.h"
#include "order_stream.h"
#include "reference_exchange.h"

namespace qz::history::testing {
namespace {

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != 0 ? std::strtoull(text, nullptr, 0) : fallback;
}

struct OpenOrder {
  int64_t orig_qty = 0;
  int64_t executed = 0;
  uint64_t owner = 0;
  friend bool operator==(const OpenOrder&, const OpenOrder&) = default;
};

// What the streams exercised, summed over the seeds.
struct Coverage {
  uint64_t trades = 0;
  std::map<std::string, uint64_t> statuses;  // orders by final status
  uint64_t entries = 0;
};

// Runs one seed; empty when the history agreed with the engine, else the first difference.
// myTrades against a brute-force reading of the trade rows: every owner's fills in every market (the newest
// page, pages from an id, and one order's), as the fills of schema version 3 were ordered: by trade id, a
// self-trade's taker side first.
std::string check_fills(const std::string& path, uint64_t seed) {
  std::unique_ptr<sqlite::Database> db;
  Status status = sqlite::Database::open(path, sqlite::OpenOptions{.read_only = true}, &db);
  if (!status.is_ok()) return status.message();
  std::map<uint32_t, std::pair<uint32_t, uint32_t>> assets;  // market -> (base, quote)
  sqlite::Statement s;
  bool row = false;
  if (!(status = db->prepare("SELECT id, base, quote FROM markets", &s)).is_ok()) return status.message();
  while ((status = s.step(&row)).is_ok() && row) {
    assets[static_cast<uint32_t>(s.column_i64(0))] = {static_cast<uint32_t>(s.column_i64(1)),
                                                      static_cast<uint32_t>(s.column_i64(2))};
  }
  if (!status.is_ok()) return status.message();
  std::map<std::pair<uint64_t, uint32_t>, std::vector<FillRow>> expected;  // (owner, market) -> fills
  if (!(status = db->prepare("SELECT id, market, price, qty, quote_qty, buyer_is_maker, maker_order, taker_order, "
                             "maker_owner, taker_owner, maker_fee, taker_fee, time_ms FROM trades ORDER BY id",
                             &s))
           .is_ok()) {
    return status.message();
  }
  while ((status = s.step(&row)).is_ok() && row) {
    const auto market = static_cast<uint32_t>(s.column_i64(1));
    const bool buyer_is_maker = s.column_i64(5) != 0;
    for (const bool maker : {false, true}) {
      const bool buyer = maker == buyer_is_maker;
      const FillRow fill{.owner = s.column_u64(maker ? 8 : 9),
                         .market = market,
                         .trade_id = s.column_u64(0),
                         .order_id = s.column_u64(maker ? 6 : 7),
                         .is_buyer = buyer,
                         .is_maker = maker,
                         .price_minor = s.column_i64(2),
                         .qty_minor = s.column_i64(3),
                         .quote_qty_minor = s.column_i64(4),
                         .fee_minor = s.column_i64(maker ? 10 : 11),
                         .fee_asset = buyer ? assets[market].second : assets[market].first,
                         .time_ms = s.column_i64(12)};
      expected[{fill.owner, market}].push_back(fill);
    }
  }
  if (!status.is_ok()) return status.message();
  s = sqlite::Statement();
  db.reset();

  std::unique_ptr<HistoryReader> reader;
  if (!(status = HistoryReader::open(path, &reader)).is_ok()) return status.message();
  Prng prng(seed);
  std::vector<FillRow> got;
  const auto tail = [](const std::vector<FillRow>& all, size_t n) {
    return std::vector<FillRow>(all.end() - static_cast<std::ptrdiff_t>(std::min(n, all.size())), all.end());
  };
  for (const auto& [key, fills] : expected) {
    const auto [owner, market] = key;
    const std::string who = "owner " + std::to_string(owner) + " market " + std::to_string(market);
    // The newest page.
    if (!(status = reader->my_trades(owner, market, Page{}, std::nullopt, &got)).is_ok()) return status.message();
    if (got != tail(fills, kDefaultLimit)) return who + ": the newest fills differ";
    // Pages from a trade id, a few rows each, to the end.
    const uint32_t limit = 2 + static_cast<uint32_t>(prng.below(6));  // two at least: a self-trade fits
    uint64_t from = fills.front().trade_id;
    size_t at = 0;
    while (at < fills.size()) {
      if (!(status = reader->my_trades(owner, market, Page{.from_id = from, .limit = limit}, std::nullopt, &got))
               .is_ok()) {
        return status.message();
      }
      const size_t n = std::min<size_t>(limit, fills.size() - at);
      if (got != std::vector<FillRow>(fills.begin() + static_cast<std::ptrdiff_t>(at),
                                      fills.begin() + static_cast<std::ptrdiff_t>(at + n))) {
        return who + ": the page from trade " + std::to_string(from) + " differs";
      }
      at += n;
      // The next page starts at the next trade id; a self-trade cut between its two fills repeats its taker side.
      if (at < fills.size() && fills[at].trade_id == fills[at - 1].trade_id) at--;
      if (at < fills.size()) from = fills[at].trade_id;
      if (n < limit) break;
    }
    // Each order's fills (as maker from the order's row, as taker by the time it started working).
    std::map<uint64_t, std::vector<FillRow>> by_order;
    for (const FillRow& f : fills) by_order[f.order_id].push_back(f);
    for (const auto& [order, of_order] : by_order) {
      if (!(status = reader->my_trades(owner, market, Page{}, order, &got)).is_ok()) return status.message();
      if (got != tail(of_order, kDefaultLimit)) {
        return who + ": the fills of order " + std::to_string(order) + " differ";
      }
    }
  }
  return "";
}

// allOrders against a brute-force reading of the order rows: every owner's orders in every market (the newest page,
// pages from an order id, and a time window), by order id.
std::string check_orders(const std::string& path, uint64_t seed) {
  std::unique_ptr<HistoryReader> reader;
  Status status = HistoryReader::open(path, &reader);
  if (!status.is_ok()) return status.message();
  std::unique_ptr<sqlite::Database> db;
  if (!(status = sqlite::Database::open(path, sqlite::OpenOptions{.read_only = true}, &db)).is_ok()) {
    return status.message();
  }
  std::map<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, int64_t>>> expected;  // ids, created_ms
  sqlite::Statement s;
  bool row = false;
  if (!(status = db->prepare("SELECT id, owner, market, created_ms FROM orders ORDER BY id", &s)).is_ok()) {
    return status.message();
  }
  while ((status = s.step(&row)).is_ok() && row) {
    expected[{s.column_u64(1), static_cast<uint32_t>(s.column_i64(2))}].emplace_back(s.column_u64(0), s.column_i64(3));
  }
  if (!status.is_ok()) return status.message();
  Prng prng(seed ^ 0x0DE5);
  std::vector<OrderRow> got;
  const auto ids = [](const std::vector<OrderRow>& rows) {
    std::vector<uint64_t> out;
    for (const OrderRow& r : rows) out.push_back(r.id);
    return out;
  };
  for (const auto& [key, orders] : expected) {
    const auto [owner, market] = key;
    const std::string who = "owner " + std::to_string(owner) + " market " + std::to_string(market);
    std::vector<uint64_t> all;
    for (const auto& [id, created] : orders) all.push_back(id);
    const uint32_t limit = 1 + static_cast<uint32_t>(prng.below(9));
    if (!(status = reader->all_orders(owner, market, Page{.limit = limit}, &got)).is_ok()) return status.message();
    const size_t n = std::min<size_t>(limit, all.size());
    if (ids(got) != std::vector<uint64_t>(all.end() - static_cast<std::ptrdiff_t>(n), all.end())) {
      return who + ": the newest orders differ";
    }
    for (size_t at = 0; at < all.size(); at += limit) {
      if (!(status = reader->all_orders(owner, market, Page{.from_id = all[at], .limit = limit}, &got)).is_ok()) {
        return status.message();
      }
      const size_t m = std::min<size_t>(limit, all.size() - at);
      if (ids(got) != std::vector<uint64_t>(all.begin() + static_cast<std::ptrdiff_t>(at),
                                            all.begin() + static_cast<std::ptrdiff_t>(at + m))) {
        return who + ": the page from order " + std::to_string(all[at]) + " differs";
      }
    }
    // A window of creation times: the first `limit` created in it.
    const int64_t start = orders[prng.below(orders.size())].second;
    const int64_t end = start + static_cast<int64_t>(prng.below(5'000));
    std::vector<uint64_t> in_window;
    for (const auto& [id, created] : orders) {
      if (created >= start && created <= end && in_window.size() < limit) in_window.push_back(id);
    }
    if (!(status = reader->all_orders(owner, market, Page{.start_ms = start, .end_ms = end, .limit = limit}, &got))
             .is_ok()) {
      return status.message();
    }
    if (ids(got) != in_window) return who + ": the orders created from " + std::to_string(start) + " differ";
  }
  return "";
}

// The trades pages and the 24-hour ticker against a brute-force reading of the trade rows, in every market (schema
// version 7 finds a market's trades through its aggregate trades): the newest page, pages from a trade id to the
// end, pages from ids of other markets' trades, time windows from either end, and the ticker at times around the
// trades.
std::string check_trades(const std::string& path, uint64_t seed) {
  std::unique_ptr<sqlite::Database> db;
  Status status = sqlite::Database::open(path, sqlite::OpenOptions{.read_only = true}, &db);
  if (!status.is_ok()) return status.message();
  std::map<uint32_t, std::vector<TradeRow>> expected;  // by market, by id
  std::vector<uint64_t> ids;                           // every trade's
  sqlite::Statement s;
  bool row = false;
  if (!(status = db->prepare("SELECT id, market, price, qty, quote_qty, buyer_is_maker, maker_order, taker_order, "
                             "maker_owner, taker_owner, maker_fee, taker_fee, agg_id, height, time_ms FROM trades "
                             "ORDER BY id",
                             &s))
           .is_ok()) {
    return status.message();
  }
  while ((status = s.step(&row)).is_ok() && row) {
    const TradeRow t{.id = s.column_u64(0),
                     .market = static_cast<uint32_t>(s.column_i64(1)),
                     .price_minor = s.column_i64(2),
                     .qty_minor = s.column_i64(3),
                     .quote_qty_minor = s.column_i64(4),
                     .buyer_is_maker = s.column_i64(5) != 0,
                     .maker_order = s.column_u64(6),
                     .taker_order = s.column_u64(7),
                     .maker_owner = s.column_u64(8),
                     .taker_owner = s.column_u64(9),
                     .maker_fee_minor = s.column_i64(10),
                     .taker_fee_minor = s.column_i64(11),
                     .agg_id = s.column_u64(12),
                     .height = s.column_u64(13),
                     .time_ms = s.column_i64(14)};
    expected[t.market].push_back(t);
    ids.push_back(t.id);
  }
  if (!status.is_ok()) return status.message();
  s = sqlite::Statement();
  db.reset();
  if (expected.size() < 2) return "the stream traded in fewer than two markets";

  std::unique_ptr<HistoryReader> reader;
  if (!(status = HistoryReader::open(path, &reader)).is_ok()) return status.message();
  Prng prng(seed ^ 0x7EAD);
  std::vector<TradeRow> got;
  // The first `limit` trades of `all` that pass `keep`, or the last `limit` when !from_low.
  const auto pick = [](const std::vector<TradeRow>& all, uint32_t limit, bool from_low, auto keep) {
    std::vector<TradeRow> out;
    for (const TradeRow& t : all) {
      if (keep(t)) out.push_back(t);
    }
    if (out.size() > limit) {
      if (from_low) {
        out.resize(limit);
      } else {
        out.erase(out.begin(), out.end() - limit);
      }
    }
    return out;
  };
  for (const auto& [market, all] : expected) {
    const std::string where = "market " + std::to_string(market);
    const auto any = [](const TradeRow&) { return true; };
    if (!(status = reader->trades(market, Page{}, &got)).is_ok()) return status.message();
    if (got != pick(all, kDefaultLimit, false, any)) return where + ": the newest trades differ";
    const uint32_t limit = 1 + static_cast<uint32_t>(prng.below(9));
    if (!(status = reader->trades(market, Page{.limit = limit}, &got)).is_ok()) return status.message();
    if (got != pick(all, limit, false, any)) return where + ": the newest " + std::to_string(limit) + " differ";
    // Pages from the first trade to the end.
    uint64_t from = all.front().id;
    for (size_t at = 0; at < all.size(); at += limit) {
      if (!(status = reader->trades(market, Page{.from_id = from, .limit = limit}, &got)).is_ok()) {
        return status.message();
      }
      const size_t n = std::min<size_t>(limit, all.size() - at);
      if (got != std::vector<TradeRow>(all.begin() + static_cast<std::ptrdiff_t>(at),
                                       all.begin() + static_cast<std::ptrdiff_t>(at + n))) {
        return where + ": the page from trade " + std::to_string(from) + " differs";
      }
      if (at + n < all.size()) from = all[at + n].id;
    }
    // Pages from any trade's id (mostly other markets'), from before the first and past the last.
    for (int i = 0; i < 24; i++) {
      const uint64_t id = i == 0 ? 0 : i == 1 ? ids.back() + 1 : ids[prng.below(ids.size())] + prng.below(2);
      if (!(status = reader->trades(market, Page{.from_id = id, .limit = limit}, &got)).is_ok()) {
        return status.message();
      }
      if (got != pick(all, limit, true, [&](const TradeRow& t) { return t.id >= id; })) {
        return where + ": the page from id " + std::to_string(id) + " differs";
      }
    }
    // Time windows: from a start (oldest first) and up to an end (the newest up to it).
    for (int i = 0; i < 8; i++) {
      const int64_t start = all[prng.below(all.size())].time_ms - static_cast<int64_t>(prng.below(3));
      const int64_t end = start + static_cast<int64_t>(prng.below(20'000));
      if (!(status = reader->trades(market, Page{.start_ms = start, .end_ms = end, .limit = limit}, &got)).is_ok()) {
        return status.message();
      }
      if (got != pick(all, limit, true, [&](const TradeRow& t) { return t.time_ms >= start && t.time_ms <= end; })) {
        return where + ": the trades from " + std::to_string(start) + " to " + std::to_string(end) + " differ";
      }
      if (!(status = reader->trades(market, Page{.end_ms = end, .limit = limit}, &got)).is_ok()) {
        return status.message();
      }
      if (got != pick(all, limit, false, [&](const TradeRow& t) { return t.time_ms <= end; })) {
        return where + ": the trades up to " + std::to_string(end) + " differ";
      }
    }
    // The ticker: at a day after some trade (so a previous close), at a trade's time, and before the first trade.
    std::vector<TickerTrade> tape;
    for (const TradeRow& t : all) {
      tape.push_back(TickerTrade{
          .id = t.id, .time_ms = t.time_ms, .price = t.price_minor, .qty = t.qty_minor, .quote = t.quote_qty_minor});
    }
    constexpr int64_t kDayMs = 86'400'000;
    for (int i = 0; i < 8; i++) {
      const int64_t t = all[prng.below(all.size())].time_ms;
      const int64_t now = i == 0       ? all.front().time_ms - 1
                          : i % 2 == 0 ? t
                                       : t + kDayMs + static_cast<int64_t>(prng.below(3)) - 1;
      Ticker24h ticker;
      if (!(status = reader->ticker_24h(market, now, &ticker)).is_ok()) return status.message();
      if (ticker != ticker_by_hand(market, tape, now))
        return where + ": the ticker at " + std::to_string(now) + " differs";
    }
  }
  return "";
}

std::string run_seed(uint64_t seed, const std::string& dir, Coverage* coverage) {
  LedgerLimits ledger_limits;
  qz::testing::ReferenceMarketLimits model_limits;
  model_limits.max_markets = 6;
  model_limits.orders_per_market = 4096;
  MarketLimits market_limits;
  market_limits.max_markets = model_limits.max_markets;
  market_limits.orders_per_market = model_limits.orders_per_market;
  market_limits.window_levels = 1024;
  Engine engine(ledger_limits, market_limits);
  qz::testing::ReferenceExchange model(ledger_limits, model_limits);
  qz::testing::OrderStreamOptions options;
  options.avoid_known_aborts = true;
  qz::testing::OrderStream stream(seed, &model, options);

  Prng batches(seed ^ 0x5EED);
  const std::string path = dir + "/stream-" + std::to_string(seed) + ".db";
  std::unique_ptr<HistoryWriter> writer;
  Status status = HistoryWriter::open(
      path, WriterOptions{.blocks_per_transaction = 1 + static_cast<uint32_t>(batches.below(8))}, &writer);
  if (!status.is_ok()) return status.message();

  std::vector<Recorded> blocks;
  uint64_t trades = 0;
  std::vector<Event> model_events;
  for (uint64_t height = 0; height < 400; height++) {
    Recorded block{.height = height, .time_ns = 0, .commands = {}, .events = {}};
    stream.next_block(&block.time_ns, &block.commands);
    model_events.clear();
    model.apply(block.time_ns, block.commands, &model_events);
    engine.apply(BlockInput{.height = height, .time_ns = block.time_ns, .commands = block.commands}, &block.events);
    for (const Event& e : block.events) trades += e.event_kind() == EventKind::trade ? 1 : 0;
    status = writer->on_block(BlockInput{.height = height, .time_ns = block.time_ns, .commands = block.commands},
                              block.events);
    if (!status.is_ok()) return status.message();
    blocks.push_back(std::move(block));
    // Now and then the writer restarts (dropping any open batch) and catches up from genesis.
    if (batches.below(50) == 0) {
      writer.reset();
      status = HistoryWriter::open(
          path, WriterOptions{.blocks_per_transaction = 1 + static_cast<uint32_t>(batches.below(8))}, &writer);
      if (!status.is_ok()) return status.message();
      for (const Recorded& b : blocks) {
        status =
            writer->on_block(BlockInput{.height = b.height, .time_ns = b.time_ns, .commands = b.commands}, b.events);
        if (!status.is_ok()) return status.message();
      }
    }
  }
  status = writer->flush();
  if (!status.is_ok()) return status.message();
  writer.reset();

  std::unique_ptr<sqlite::Database> db;
  status = sqlite::Database::open(path, sqlite::OpenOptions{.read_only = true}, &db);
  if (!status.is_ok()) return status.message();
  // Balances.
  sqlite::Statement s;
  bool row = false;
  if (!(status = db->prepare("SELECT id, balance FROM accounts ORDER BY id", &s)).is_ok()) return status.message();
  uint64_t accounts = 0;
  while (true) {
    if (!(status = s.step(&row)).is_ok()) return status.message();
    if (!row) break;
    accounts++;
    const Account* account = engine.ledger().account(s.column_u64(0));
    if (account == nullptr || account->total_minor != s.column_i64(1)) {
      return "account " + std::to_string(s.column_u64(0)) + ": history " + std::to_string(s.column_i64(1)) +
             ", engine " + (account == nullptr ? std::string("none") : std::to_string(account->total_minor));
    }
  }
  if (accounts != engine.ledger().account_count()) return "account count differs";
  int64_t value = 0;
  if (!(status = db->query_i64("SELECT value FROM meta WHERE key = 'next_transfer_id'", &value)).is_ok()) {
    return status.message();
  }
  if (static_cast<uint64_t>(value) != engine.ledger().next_transfer_id()) {
    return "next transfer id: history " + std::to_string(value) + ", engine " +
           std::to_string(engine.ledger().next_transfer_id());
  }
  if (!(status = db->query_i64("SELECT count(*) FROM trades", &value)).is_ok()) return status.message();
  if (static_cast<uint64_t>(value) != trades) return "trade rows " + std::to_string(value);
  // Open orders: the model's (which the engine's differential test holds equal to the engine's).
  std::map<uint64_t, OpenOrder> history_open;
  if (!(status = db->prepare("SELECT id, orig_qty, executed_qty, owner FROM orders "
                             "WHERE status IN ('NEW', 'PARTIALLY_FILLED')",
                             &s))
           .is_ok()) {
    return status.message();
  }
  while (true) {
    if (!(status = s.step(&row)).is_ok()) return status.message();
    if (!row) break;
    history_open[s.column_u64(0)] =
        OpenOrder{.orig_qty = s.column_i64(1), .executed = s.column_i64(2), .owner = s.column_u64(3)};
  }
  std::map<uint64_t, OpenOrder> engine_open;
  for (const auto& [id, order] : model.state().orders) {
    engine_open[id] = OpenOrder{.orig_qty = order.qty_minor, .executed = order.executed_minor, .owner = order.owner};
  }
  if (history_open != engine_open) {
    return "open orders: history has " + std::to_string(history_open.size()) + ", engine " +
           std::to_string(engine_open.size());
  }
  // Executed quantity is never above the order's quantity, and a filled order executed all of it.
  if (!(status = db->query_i64("SELECT count(*) FROM orders WHERE executed_qty > orig_qty OR "
                               "(status = 'FILLED' AND executed_qty <> orig_qty)",
                               &value))
           .is_ok()) {
    return status.message();
  }
  if (value != 0) return std::to_string(value) + " orders with executed quantities that do not fit";
  coverage->trades += trades;
  if (!(status = db->prepare("SELECT status, count(*) FROM orders GROUP BY status", &s)).is_ok()) {
    return status.message();
  }
  while (true) {
    if (!(status = s.step(&row)).is_ok()) return status.message();
    if (!row) break;
    coverage->statuses[s.column_text(0)] += s.column_u64(1);
  }
  // Each entry is in its two accounts' chunks.
  status = db->query_i64("SELECT coalesce(sum(count), 0) / 2 FROM account_entries", &value);
  if (!status.is_ok()) return status.message();
  coverage->entries += static_cast<uint64_t>(value);
  s = sqlite::Statement();
  db.reset();

  // Rebuild equality.
  const std::string rebuilt = dir + "/rebuilt-" + std::to_string(seed) + ".db";
  RebuildReport report;
  status = rebuild_history(rebuilt, source_of(&blocks), RebuildOptions{.blocks_per_transaction = 1'000}, &report);
  if (!status.is_ok()) return status.message();
  Hash256 a;
  Hash256 b;
  std::unique_ptr<HistoryReader> reader;
  if (!(status = HistoryReader::open(path, &reader)).is_ok() || !(status = reader->content_hash(&a)).is_ok()) {
    return status.message();
  }
  if (!(status = HistoryReader::open(rebuilt, &reader)).is_ok() || !(status = reader->content_hash(&b)).is_ok()) {
    return status.message();
  }
  if (a != b) return "the rebuilt history differs from the live one";

  // Migration equality: the rebuilt file taken back to schema version 4 (its indexes by owner, by market and by maker
  // order, no owner_trades, owner_orders or orders.maker_trades) and opened again makes the same chunks of fills and
  // orders, and the same lists of trades as maker, as the live writer.
  reader.reset();
  {
    std::unique_ptr<sqlite::Database> old;
    if (!(status = sqlite::Database::open(rebuilt, sqlite::OpenOptions{}, &old)).is_ok() ||
        !(status = old->exec("DROP TABLE owner_trades; DROP TABLE owner_orders; "
                             "CREATE INDEX orders_of_owner ON orders(owner, market, id); "
                             "CREATE INDEX trades_of_maker ON trades(maker_owner, market, id); "
                             "CREATE INDEX trades_of_taker ON trades(taker_owner, market, id); "
                             "CREATE INDEX trades_of_market ON trades(market, id); "
                             "CREATE INDEX trades_of_maker_order ON trades(maker_order, id); "
                             "ALTER TABLE orders DROP COLUMN maker_trades; "
                             "PRAGMA user_version = 4",
                             "going back to version 4"))
             .is_ok()) {
      return status.message();
    }
  }
  {
    std::unique_ptr<HistoryWriter> migrated;
    if (!(status = HistoryWriter::open(rebuilt, WriterOptions{}, &migrated)).is_ok()) return status.message();
  }
  if (!(status = HistoryReader::open(rebuilt, &reader)).is_ok() || !(status = reader->content_hash(&b)).is_ok()) {
    return status.message();
  }
  if (a != b) return "the history migrated from version 4 differs from the live one";
  reader.reset();
  const std::string migrated_fills = check_fills(rebuilt, seed);
  if (!migrated_fills.empty()) return "migrated: " + migrated_fills;
  const std::string migrated_orders = check_orders(rebuilt, seed);
  if (!migrated_orders.empty()) return "migrated: " + migrated_orders;
  const std::string migrated_trades = check_trades(rebuilt, seed);
  if (!migrated_trades.empty()) return "migrated: " + migrated_trades;
  const std::string orders = check_orders(path, seed);
  if (!orders.empty()) return orders;
  const std::string trades_read = check_trades(path, seed);
  if (!trades_read.empty()) return trades_read;
  return check_fills(path, seed);
}

TEST(HistoryStream, AgreesWithTheEngineOnRandomStreams) {
  const uint64_t base = env_u64("QZ_SEED", 1);
  const uint64_t runs = env_u64("QZ_HISTORY_RUNS", 6);
  TempDir dir;
  Coverage coverage;
  for (uint64_t seed = base; seed < base + runs; seed++) {
    const std::string problem = run_seed(seed, dir.file(""), &coverage);
    EXPECT_EQ(problem, "") << "seed " << seed << " (QZ_SEED=" << seed << " QZ_HISTORY_RUNS=1 replays it)";
  }
  // The streams reach every final status (a short run may not: only the default checks it).
  std::string seen;
  for (const auto& [status, count] : coverage.statuses) seen += " " + status + "=" + std::to_string(count);
  std::printf("%llu seeds: %llu trades, %llu ledger entries, orders:%s\n", static_cast<unsigned long long>(runs),
              static_cast<unsigned long long>(coverage.trades), static_cast<unsigned long long>(coverage.entries),
              seen.c_str());
  if (runs >= 6) {
    EXPECT_GT(coverage.trades, 100u);
    for (const char* status : {"NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED", "EXPIRED_IN_MATCH"}) {
      EXPECT_GT(coverage.statuses[status], 0u) << status;
    }
  }
}

}  // namespace
}  // namespace qz::history::testing
