// The history reader: the server's queries over the projection (history.h, docs/history.md).
//
// Every read is bounded by its limit: rows are walked in key order along an index and the walk stops once the
// page is full. Time bounds become id bounds first: ids (orders, trades, entries, and aggregate trades within a
// market) are assigned in block order and block times increase, so a row's time never decreases with its id
// and the first id at or after a time is found by binary search over the ids (about 40 key lookups at most).
// Klines of intervals that are not stored are folded from the stored 1s / 1m / 1h / 1d rows.
#include <algorithm>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <utility>

#include "base/assert.h"
#include "history/history.h"
#include "history/internal/entry_chunks.h"
#include "history/internal/schema.h"

namespace qz::history {

namespace hi = history_internal;

namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 86'400'000;
// Times are clamped to this many ms either side of the epoch (about 285,000 years) before any calendar math.
constexpr int64_t kTimeBoundMs = 9'000'000'000'000'000;

uint32_t capped(uint32_t limit) { return limit == 0 ? kDefaultLimit : std::min(limit, kMaxLimit); }

int64_t clamp_time(int64_t ms) { return std::clamp(ms, -kTimeBoundMs, kTimeBoundMs); }

int64_t id_bound(uint64_t id) { return id > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(id); }

// How to find ids by time in one table: the probe returns (id, time) of the first row with id >= ?1 (and
// market = ?2 when per market); the last query returns the highest id.
struct TimeIndex {
  const char* probe;
  const char* last;
  bool per_market;
};

constexpr TimeIndex kOrderTimes = {"SELECT id, created_ms FROM orders WHERE id >= ?1 ORDER BY id LIMIT 1",
                                   "SELECT id FROM orders ORDER BY id DESC LIMIT 1", false};
constexpr TimeIndex kTradeTimes = {"SELECT id, time_ms FROM trades WHERE id >= ?1 ORDER BY id LIMIT 1",
                                   "SELECT id FROM trades ORDER BY id DESC LIMIT 1", false};
constexpr TimeIndex kAggTimes = {
    "SELECT id, time_ms FROM agg_trades WHERE market = ?2 AND id >= ?1 ORDER BY id LIMIT 1",
    "SELECT id FROM agg_trades WHERE market = ?2 ORDER BY id DESC LIMIT 1", true};

// The rows a page asks for as an id range and a direction.
struct Bounds {
  int64_t lo = 0;
  int64_t hi = INT64_MAX;
  bool ascending = false;
  uint32_t limit = kDefaultLimit;
  bool empty = false;
};

// The stored interval klines of `interval` are folded from, under a UTC offset (ms, a whole number of minutes).
CandleInterval base_of(CandleInterval interval, int64_t offset_ms) {
  if (interval == CandleInterval::s1) return CandleInterval::s1;
  const bool day_or_more = interval == CandleInterval::d1 || interval == CandleInterval::d3 ||
                           interval == CandleInterval::w1 || interval == CandleInterval::mo1;
  if (day_or_more && offset_ms % kDayMs == 0) return CandleInterval::d1;
  if (interval >= CandleInterval::h1 && offset_ms % kHourMs == 0) return CandleInterval::h1;
  return CandleInterval::m1;
}

// Adds a later kline (or stored row) to one that ends before it.
void add_later(Kline* into, const Kline& next) {
  into->high_minor = std::max(into->high_minor, next.high_minor);
  into->low_minor = std::min(into->low_minor, next.low_minor);
  into->close_minor = next.close_minor;
  into->volume_minor += next.volume_minor;
  into->quote_volume_minor += next.quote_volume_minor;
  into->trade_count += next.trade_count;
  into->taker_buy_volume_minor += next.taker_buy_volume_minor;
  into->taker_buy_quote_volume_minor += next.taker_buy_quote_volume_minor;
  into->last_trade_id = next.last_trade_id;
}

// Adds an earlier one.
void add_earlier(Kline* into, const Kline& before) {
  into->high_minor = std::max(into->high_minor, before.high_minor);
  into->low_minor = std::min(into->low_minor, before.low_minor);
  into->open_minor = before.open_minor;
  into->volume_minor += before.volume_minor;
  into->quote_volume_minor += before.quote_volume_minor;
  into->trade_count += before.trade_count;
  into->taker_buy_volume_minor += before.taker_buy_volume_minor;
  into->taker_buy_quote_volume_minor += before.taker_buy_quote_volume_minor;
  into->first_trade_id = before.first_trade_id;
}

// A list of columns ("a, b") qualified by a table's alias ("t.a, t.b").
std::string qualified(std::string_view columns, std::string_view alias) {
  std::string out;
  size_t at = 0;
  while (at < columns.size()) {
    size_t end = columns.find(',', at);
    if (end == std::string_view::npos) end = columns.size();
    if (!out.empty()) out += ", ";
    out.append(alias).append(".").append(columns.substr(at, end - at));
    at = end + 1;
    while (at < columns.size() && columns[at] == ' ') at++;
  }
  return out;
}

void read_trade(const sqlite::Statement& s, TradeRow* row) {
  row->id = s.column_u64(0);
  row->market = static_cast<uint32_t>(s.column_i64(1));
  row->price_minor = s.column_i64(2);
  row->qty_minor = s.column_i64(3);
  row->quote_qty_minor = s.column_i64(4);
  row->buyer_is_maker = s.column_i64(5) != 0;
  row->maker_order = s.column_u64(6);
  row->taker_order = s.column_u64(7);
  row->maker_owner = s.column_u64(8);
  row->taker_owner = s.column_u64(9);
  row->maker_fee_minor = s.column_i64(10);
  row->taker_fee_minor = s.column_i64(11);
  row->agg_id = s.column_u64(12);
  row->height = s.column_u64(13);
  row->time_ms = s.column_i64(14);
}

// One trade by its id through `trade` (SELECT kTradeColumns FROM trades WHERE id = ?1); `found` false when none.
Status trade_by_id(sqlite::Statement* trade, uint64_t id, TradeRow* out, bool* found) {
  trade->bind(1, id);
  const Status stepped = trade->step(found);
  if (stepped.is_ok() && *found) read_trade(*trade, out);
  trade->reset();
  return stepped;
}

void read_agg(const sqlite::Statement& s, AggTradeRow* row) {
  row->id = s.column_u64(0);
  row->market = static_cast<uint32_t>(s.column_i64(1));
  row->price_minor = s.column_i64(2);
  row->qty_minor = s.column_i64(3);
  row->first_trade_id = s.column_u64(4);
  row->last_trade_id = s.column_u64(5);
  row->buyer_is_maker = s.column_i64(6) != 0;
  row->time_ms = s.column_i64(7);
}

}  // namespace

// An (owner, market) list of ids in chunks (entry_chunks.h): its table and the names of its key columns.
struct OwnerIds {
  const char* columns;  // as read_id_chunk reads them
  const char* table;
  const char* first;  // the chunk's first id
};
constexpr OwnerIds kOwnerTrades = {hi::kFillChunkColumns, "owner_trades", "first_trade_id"};
constexpr OwnerIds kOwnerOrders = {hi::kOrderChunkColumns, "owner_orders", "first_order_id"};

struct HistoryReader::State {
  std::unique_ptr<sqlite::Database> db;
  std::map<std::string, sqlite::Statement> cache;  // prepared statements by SQL text

  // A prepared statement for `sql`, reset and ready to bind.
  Status statement(const std::string& sql, sqlite::Statement** out) {
    auto it = cache.find(sql);
    if (it == cache.end()) {
      sqlite::Statement prepared;
      QZ_TRY(db->prepare(sql, &prepared));
      it = cache.emplace(sql, std::move(prepared)).first;
    }
    it->second.reset();
    *out = &it->second;
    return Status::ok();
  }

  // The id of the first row whose time is >= t (ids in `index`'s table, of `market` when per market); one more
  // than the last id when there is none.
  Status first_id_at(const TimeIndex& index, uint32_t market, int64_t t, int64_t* out) {
    sqlite::Statement* last = nullptr;
    QZ_TRY(statement(index.last, &last));
    if (index.per_market) last->bind(2, market);
    bool row = false;
    QZ_TRY(last->step(&row));
    const int64_t max_id = row ? last->column_i64(0) : 0;
    last->reset();
    // f(x) = time of the first row with id >= x, rising with x; find the smallest x in [0, max_id + 1] with
    // f(x) >= t (f(max_id + 1) counts as infinite) and answer that row's id.
    sqlite::Statement* probe = nullptr;
    QZ_TRY(statement(index.probe, &probe));
    int64_t lo = 0;
    int64_t hi = max_id + 1;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      probe->bind(1, mid);
      if (index.per_market) probe->bind(2, market);
      QZ_TRY(probe->step(&row));
      const bool at_or_after = !row || probe->column_i64(1) >= t;
      probe->reset();
      if (at_or_after) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    if (lo > max_id) {
      *out = max_id + 1;
      return Status::ok();
    }
    probe->bind(1, lo);
    if (index.per_market) probe->bind(2, market);
    QZ_TRY(probe->step(&row));
    *out = row ? probe->column_i64(0) : max_id + 1;
    probe->reset();
    return Status::ok();
  }

  Status bounds(const Page& page, const TimeIndex& index, uint32_t market, Bounds* out) {
    out->limit = capped(page.limit);
    out->ascending = page.from_id.has_value() || page.start_ms.has_value();
    if (page.from_id) out->lo = std::max<int64_t>(out->lo, id_bound(*page.from_id));
    if (page.start_ms) {
      int64_t first = 0;
      QZ_TRY(first_id_at(index, market, clamp_time(*page.start_ms), &first));
      out->lo = std::max(out->lo, first);
    }
    if (page.end_ms) {
      int64_t after = 0;
      QZ_TRY(first_id_at(index, market, clamp_time(*page.end_ms) + 1, &after));
      out->hi = after - 1;
    }
    out->empty = out->lo > out->hi;
    return Status::ok();
  }

  // Runs `sql` (parameters: the fixed ones bound by `bind`, then ?lo ?hi ?limit as numbered in the text) and
  // reads each row with `read`; the rows come back oldest first.
  template <typename Row, typename Bind, typename Read>
  Status page_query(const std::string& sql, const Bounds& b, int first_bound_param, Bind bind, Read read,
                    std::vector<Row>* out) {
    out->clear();
    if (b.empty) return Status::ok();
    sqlite::Statement* s = nullptr;
    QZ_TRY(statement(sql, &s));
    bind(s);
    s->bind(first_bound_param, b.lo).bind(first_bound_param + 1, b.hi).bind(first_bound_param + 2, b.limit);
    bool row = false;
    while (true) {
      QZ_TRY(s->step(&row));
      if (!row) break;
      Row r;
      QZ_TRY(read(*s, &r));
      out->push_back(std::move(r));
    }
    s->reset();
    if (!b.ascending) std::reverse(out->begin(), out->end());
    return Status::ok();
  }

  // Calls take(ref, &enough) for the ids of an (owner, market) list in [lo, hi], in the page's direction, until it
  // sets `enough` or the ids run out: forward from the chunk that holds lo, or backward from the newest chunk that
  // begins by hi.
  template <typename Take>
  Status owner_ids(const OwnerIds& list, uint64_t owner, uint32_t market, const Bounds& b, Take take) {
    if (b.empty) return Status::ok();
    const std::string select = std::string("SELECT ") + list.columns + " FROM " + list.table +
                               " WHERE owner = ?1 AND market = ?2 AND " + list.first;
    sqlite::Statement* chunks = nullptr;
    if (b.ascending) {
      QZ_TRY(statement(select + " >= (SELECT coalesce(max(" + list.first + "), 0) FROM " + list.table +
                           " WHERE owner = ?1 AND market = ?2 AND " + list.first + " <= ?3) AND " + list.first +
                           " <= ?4 ORDER BY " + list.first,
                       &chunks));
      chunks->bind(1, owner).bind(2, market).bind(3, b.lo).bind(4, b.hi);
    } else {
      QZ_TRY(statement(select + " <= ?3 ORDER BY " + list.first + " DESC", &chunks));
      chunks->bind(1, owner).bind(2, market).bind(3, b.hi);
    }
    hi::IdChunk chunk;
    std::vector<hi::IdRef> refs;
    bool row = false;
    bool enough = false;
    Status status = Status::ok();
    while (!enough && status.is_ok()) {
      status = chunks->step(&row);
      if (!status.is_ok() || !row) break;
      hi::read_id_chunk(*chunks, &chunk);
      refs.clear();
      status = hi::unpack_ids(chunk.data, chunk.first_id, chunk.count, &refs);
      if (!status.is_ok()) {
        status = Status::error(db->path() + ": " + list.table + " of owner " + std::to_string(owner) + ": " +
                               status.message());
        break;
      }
      if (!b.ascending) std::reverse(refs.begin(), refs.end());
      for (const hi::IdRef& ref : refs) {
        const auto id = static_cast<int64_t>(ref.id);
        if (b.ascending ? id > b.hi : id < b.lo) {
          enough = true;
          break;
        }
        if (id < b.lo || id > b.hi) continue;
        status = take(ref, &enough);
        if (!status.is_ok() || enough) break;
      }
    }
    chunks->reset();
    return status;
  }

  // The trades an order made as maker (orders.maker_trades, schema version 8), rising; none for an unknown order.
  Status maker_trades(uint64_t order_id, std::vector<uint64_t>* out) {
    out->clear();
    sqlite::Statement* s = nullptr;
    QZ_TRY(statement("SELECT maker_trades FROM orders WHERE id = ?1", &s));
    s->bind(1, order_id);
    bool row = false;
    QZ_TRY(s->step(&row));
    const std::vector<uint8_t> packed = row ? s->column_blob(0) : std::vector<uint8_t>();
    s->reset();
    const Status status = hi::unpack_rising_ids(packed, out);
    if (!status.is_ok()) {
      return Status::error(db->path() + ": order " + std::to_string(order_id) + ": " + status.message());
    }
    return Status::ok();
  }

  // A market's trades. Schema version 7 keeps no index of trades by market: an aggregate trade is a run of
  // consecutive trade ids of one market (HistoryWriter), and a market's aggregate trades are numbered from 1 in
  // trade id order, so the market's trades are the id ranges of its aggregate trades, read by the trades' key.

  // The market's last aggregate trade id, 0 when it has none.
  Status last_agg(uint32_t market, int64_t* out) {
    sqlite::Statement* s = nullptr;
    QZ_TRY(statement(kAggTimes.last, &s));
    s->bind(2, market);
    bool row = false;
    QZ_TRY(s->step(&row));
    *out = row ? s->column_i64(0) : 0;
    s->reset();
    return Status::ok();
  }

  // The market's last aggregate trade among [1, last] whose first trade id is <= trade_id, or 0: by binary search,
  // the first trade ids rising with the aggregate ids.
  Status agg_at(uint32_t market, int64_t last, int64_t trade_id, int64_t* out) {
    sqlite::Statement* s = nullptr;
    QZ_TRY(statement("SELECT first_trade_id FROM agg_trades WHERE market = ?1 AND id = ?2", &s));
    int64_t lo = 0;  // an aggregate trade that begins by trade_id (0: none yet)
    int64_t hi = last;
    while (lo < hi) {
      const int64_t mid = hi - (hi - lo) / 2;
      s->bind(1, market).bind(2, mid);
      bool row = false;
      const Status stepped = s->step(&row);
      const int64_t first = row ? s->column_i64(0) : 0;
      s->reset();
      QZ_TRY(stepped);
      if (!row) {
        return Status::error(db->path() + ": market " + std::to_string(market) + " has no aggregate trade " +
                             std::to_string(mid) + " of its " + std::to_string(last));
      }
      if (first <= trade_id) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    *out = lo;
    return Status::ok();
  }

  // Calls take(row) for the market's trades with ids in [b.lo, b.hi], at most b.limit of them, from the low end
  // when ascending, else from the high end (and then newest first).
  template <typename Take>
  Status market_trades(uint32_t market, const Bounds& b, Take take) {
    if (b.empty) return Status::ok();
    int64_t last = 0;
    QZ_TRY(last_agg(market, &last));
    int64_t first_agg = 1;
    int64_t last_agg = last;
    if (b.lo > 1) QZ_TRY(agg_at(market, last, b.lo, &first_agg));
    first_agg = std::max<int64_t>(first_agg, 1);  // the aggregate trade holding b.lo, or the first
    if (b.hi < INT64_MAX) QZ_TRY(agg_at(market, last, b.hi, &last_agg));
    if (first_agg > last_agg) return Status::ok();
    // CROSS JOIN keeps the aggregate trades as the outer loop, so the order needs no sort and the limit ends the walk.
    static const std::string columns = qualified(hi::kTradeColumns, "t");
    const char* direction = b.ascending ? "ASC" : "DESC";
    sqlite::Statement* s = nullptr;
    QZ_TRY(statement("SELECT " + columns +
                         " FROM agg_trades a CROSS JOIN trades t ON t.id BETWEEN a.first_trade_id AND a.last_trade_id "
                         "WHERE a.market = ?1 AND a.id BETWEEN ?2 AND ?3 AND t.id BETWEEN ?4 AND ?5 ORDER BY a.id " +
                         direction + ", t.id " + direction + " LIMIT ?6",
                     &s));
    s->bind(1, market).bind(2, first_agg).bind(3, last_agg).bind(4, b.lo).bind(5, b.hi).bind(6, b.limit);
    bool row = false;
    Status status = Status::ok();
    while (status.is_ok()) {
      status = s->step(&row);
      if (!status.is_ok() || !row) break;
      TradeRow t;
      read_trade(*s, &t);
      if (t.market != market) {
        status =
            Status::error(db->path() + ": trade " + std::to_string(t.id) + " of market " + std::to_string(t.market) +
                          " lies in an aggregate trade of market " + std::to_string(market));
        break;
      }
      status = take(t);
    }
    s->reset();
    return status;
  }

  // Stored rows of one market and interval with open time in [lo, hi], in the given direction.
  Status candle_rows(uint32_t market, CandleInterval interval, int64_t lo, int64_t hi, bool ascending,
                     sqlite::Statement** out) {
    QZ_TRY(statement(std::string("SELECT ") + hi::kCandleColumns +
                         " FROM candles WHERE market = ?1 AND interval = ?2 AND open_time_ms BETWEEN ?3 AND ?4 "
                         "ORDER BY open_time_ms " +
                         (ascending ? "ASC" : "DESC"),
                     out));
    (*out)->bind(1, market).bind(2, candle_interval_name(interval)).bind(3, lo).bind(4, hi);
    return Status::ok();
  }
};

HistoryReader::HistoryReader(std::unique_ptr<State> state) : state_(std::move(state)) {}

HistoryReader::~HistoryReader() = default;

Status HistoryReader::open(const std::string& path, std::unique_ptr<HistoryReader>* out) {
  auto state = std::make_unique<State>();
  QZ_TRY(sqlite::Database::open(path, sqlite::OpenOptions{.read_only = true}, &state->db));
  int64_t version = 0;
  QZ_TRY(state->db->user_version(&version));
  const auto known = static_cast<int64_t>(hi::schema_steps().size());
  if (version != known) {
    return Status::error(path + ": history schema version " + std::to_string(version) + ", this program reads " +
                         std::to_string(known) + (version == 0 ? " (not a history database, or never written)" : ""));
  }
  out->reset(new HistoryReader(std::move(state)));
  return Status::ok();
}

Status HistoryReader::last_height(std::optional<uint64_t>* out) {
  int64_t height = -1;
  QZ_TRY(
      state_->db->query_i64(std::string("SELECT value FROM meta WHERE key = '") + hi::kMetaLastHeight + "'", &height));
  *out = height < 0 ? std::nullopt : std::optional<uint64_t>(static_cast<uint64_t>(height));
  return Status::ok();
}

Status HistoryReader::markets(std::vector<MarketRow>* out) {
  out->clear();
  sqlite::Statement* s = nullptr;
  QZ_TRY(state_->statement(std::string("SELECT ") + hi::kMarketColumns + " FROM markets ORDER BY id", &s));
  bool row = false;
  while (true) {
    QZ_TRY(s->step(&row));
    if (!row) break;
    out->emplace_back();
    hi::read_market(*s, &out->back());
  }
  return Status::ok();
}

Status HistoryReader::market(uint32_t id, MarketRow* out, bool* found) {
  sqlite::Statement* s = nullptr;
  QZ_TRY(state_->statement(std::string("SELECT ") + hi::kMarketColumns + " FROM markets WHERE id = ?1", &s));
  s->bind(1, id);
  QZ_TRY(s->step(found));
  if (*found) hi::read_market(*s, out);
  s->reset();
  return Status::ok();
}

Status HistoryReader::order(uint32_t market, uint64_t order_id, OrderRow* out, bool* found) {
  sqlite::Statement* s = nullptr;
  QZ_TRY(
      state_->statement(std::string("SELECT ") + hi::kOrderSelect + " FROM orders WHERE id = ?1 AND market = ?2", &s));
  s->bind(1, order_id).bind(2, market);
  QZ_TRY(s->step(found));
  Status status = *found ? hi::read_order(*s, out) : Status::ok();
  s->reset();
  return status;
}

Status HistoryReader::order_by_client_id(uint64_t owner, uint32_t market, uint64_t client_order_id, OrderRow* out,
                                         bool* found) {
  *found = false;
  if (client_order_id == 0) return Status::ok();
  sqlite::Statement* s = nullptr;
  QZ_TRY(state_->statement(std::string("SELECT ") + hi::kOrderSelect +
                               " FROM orders WHERE owner = ?1 AND client_order_id = ?2 AND market = ?3 "
                               "AND client_order_id <> 0 ORDER BY id DESC LIMIT 1",
                           &s));
  s->bind(1, owner).bind(2, client_order_id).bind(3, market);
  QZ_TRY(s->step(found));
  Status status = *found ? hi::read_order(*s, out) : Status::ok();
  s->reset();
  if (*found || !status.is_ok() || (client_order_id & kGeneratedClientOrderBit) == 0) return status;
  // A generated id made from the order id, by an order placed without one (generated_client_order_key).
  QZ_TRY(order(market, client_order_id & ~kGeneratedClientOrderBit, out, found));
  if (*found && (out->owner != owner || !answers_to_client_order_key(*out, client_order_id))) *found = false;
  return Status::ok();
}

Status HistoryReader::open_orders(uint64_t owner, std::optional<uint32_t> market, std::vector<OrderRow>* out) {
  out->clear();
  sqlite::Statement* s = nullptr;
  const std::string where = market ? " AND market = ?2" : "";
  QZ_TRY(state_->statement(std::string("SELECT ") + hi::kOrderSelect + " FROM orders WHERE owner = ?1" + where +
                               " AND status IN ('NEW', 'PARTIALLY_FILLED') ORDER BY id",
                           &s));
  s->bind(1, owner);
  if (market) s->bind(2, *market);
  bool row = false;
  while (true) {
    QZ_TRY(s->step(&row));
    if (!row) break;
    out->emplace_back();
    QZ_TRY(hi::read_order(*s, &out->back()));
  }
  s->reset();
  return Status::ok();
}

Status HistoryReader::all_orders(uint64_t owner, uint32_t market, const Page& page, std::vector<OrderRow>* out) {
  out->clear();
  Bounds b;
  QZ_TRY(state_->bounds(page, kOrderTimes, market, &b));
  // The owner's orders in the market are listed in chunks (schema version 6); each is read by its id.
  sqlite::Statement* order = nullptr;
  QZ_TRY(state_->statement(std::string("SELECT ") + hi::kOrderSelect + " FROM orders WHERE id = ?1", &order));
  const Status status =
      state_->owner_ids(kOwnerOrders, owner, market, b, [&](const hi::IdRef& ref, bool* enough) -> Status {
        order->bind(1, ref.id);
        bool found = false;
        Status stepped = order->step(&found);
        OrderRow row;
        if (stepped.is_ok() && found) stepped = hi::read_order(*order, &row);
        order->reset();
        QZ_TRY(stepped);
        if (!found) {
          return Status::error(state_->db->path() + ": owner " + std::to_string(owner) + " has an order " +
                               std::to_string(ref.id) + ", which is not there");
        }
        out->push_back(std::move(row));
        *enough = out->size() == b.limit;
        return Status::ok();
      });
  if (!b.ascending) std::reverse(out->begin(), out->end());
  return status;
}

Status HistoryReader::my_trades(uint64_t owner, uint32_t market, const Page& page, std::optional<uint64_t> order_id,
                                std::vector<FillRow>* out) {
  out->clear();
  Bounds b;
  QZ_TRY(state_->bounds(page, kTradeTimes, market, &b));
  if (b.empty) return Status::ok();
  MarketRow m;
  bool market_found = false;
  QZ_TRY(this->market(market, &m, &market_found));
  if (!market_found) return Status::ok();  // no market, no trades
  // A fill is one side of a trade row (schema version 4). The owner's fills are listed in chunks (version 5) in
  // (trade id, taker before maker) order, the order of the answer; each is read from its trade. The fee is in the
  // asset the order spends: quote for the buyer, base for the seller.
  const auto fill_of = [&](const TradeRow& t, bool maker) {
    const bool is_buyer = maker ? t.buyer_is_maker : !t.buyer_is_maker;
    return FillRow{.owner = owner,
                   .market = t.market,
                   .trade_id = t.id,
                   .order_id = maker ? t.maker_order : t.taker_order,
                   .is_buyer = is_buyer,
                   .is_maker = maker,
                   .price_minor = t.price_minor,
                   .qty_minor = t.qty_minor,
                   .quote_qty_minor = t.quote_qty_minor,
                   .fee_minor = maker ? t.maker_fee_minor : t.taker_fee_minor,
                   .fee_asset = is_buyer ? m.quote : m.base,
                   .time_ms = t.time_ms};
  };
  // The owner's fills with trade ids in [lo, hi], the first `limit` in the page's direction, oldest first; with
  // `taker_order` only that order's taker fills.
  const auto listed = [&](const Bounds& bb, std::optional<uint64_t> taker_order, std::vector<FillRow>* fills) {
    fills->clear();
    sqlite::Statement* trade = nullptr;
    QZ_TRY(state_->statement(std::string("SELECT ") + hi::kTradeColumns + " FROM trades WHERE id = ?1", &trade));
    const Status status =
        state_->owner_ids(kOwnerTrades, owner, market, bb, [&](const hi::IdRef& ref, bool* enough) -> Status {
          if (taker_order && ref.flag) return Status::ok();
          TradeRow t;
          bool found = false;
          QZ_TRY(trade_by_id(trade, ref.id, &t, &found));
          if (!found) {
            return Status::error(state_->db->path() + ": owner " + std::to_string(owner) + " has a fill of trade " +
                                 std::to_string(ref.id) + ", which is not there");
          }
          if (taker_order && t.taker_order != *taker_order) return Status::ok();
          fills->push_back(fill_of(t, ref.flag));
          *enough = fills->size() == bb.limit;
          return Status::ok();
        });
    if (!bb.ascending) std::reverse(fills->begin(), fills->end());
    return status;
  };
  if (!order_id) return listed(b, std::nullopt, out);

  // One order's fills. A maker order lists its trades in its row (schema version 8); an order takes only when it
  // starts working (placed, or a stop triggered), all in that block, so its taker fills are the owner's taker fills
  // at that time.
  OrderRow order_row;
  bool found = false;
  QZ_TRY(order(market, *order_id, &order_row, &found));
  if (!found || order_row.owner != owner) return Status::ok();
  std::vector<FillRow> sides[2];
  std::vector<uint64_t> maker_ids;
  QZ_TRY(state_->maker_trades(*order_id, &maker_ids));
  const auto from = std::lower_bound(maker_ids.begin(), maker_ids.end(), static_cast<uint64_t>(b.lo));
  const auto to = std::upper_bound(from, maker_ids.end(), static_cast<uint64_t>(b.hi));
  const auto n = std::min<std::ptrdiff_t>(to - from, b.limit);
  sqlite::Statement* trade = nullptr;
  QZ_TRY(state_->statement(std::string("SELECT ") + hi::kTradeColumns + " FROM trades WHERE id = ?1", &trade));
  for (auto it = b.ascending ? from : to - n; it != (b.ascending ? from + n : to); ++it) {
    TradeRow t;
    bool there = false;
    QZ_TRY(trade_by_id(trade, *it, &t, &there));
    if (!there || t.maker_order != *order_id) {
      return Status::error(state_->db->path() + ": order " + std::to_string(*order_id) + " lists trade " +
                           std::to_string(*it) + " as maker, which " + (there ? "has another maker" : "is not there"));
    }
    sides[1].push_back(fill_of(t, true));
  }
  if (order_row.working_ms != 0) {
    Bounds when;
    QZ_TRY(state_->bounds(Page{.start_ms = order_row.working_ms, .end_ms = order_row.working_ms}, kTradeTimes, market,
                          &when));
    Bounds taker_bounds = b;
    taker_bounds.lo = std::max(b.lo, when.lo);
    taker_bounds.hi = std::min(b.hi, when.hi);
    taker_bounds.empty = when.empty || taker_bounds.lo > taker_bounds.hi;
    QZ_TRY(listed(taker_bounds, *order_id, &sides[0]));
  }
  // Both sides ascending; a self-trade gives a taker fill, then a maker fill, of one trade id.
  out->reserve(sides[0].size() + sides[1].size());
  std::merge(sides[0].begin(), sides[0].end(), sides[1].begin(), sides[1].end(), std::back_inserter(*out),
             [](const FillRow& x, const FillRow& y) {
               return x.trade_id != y.trade_id ? x.trade_id < y.trade_id : x.is_maker < y.is_maker;
             });
  if (out->size() > b.limit) {
    if (b.ascending) {
      out->resize(b.limit);
    } else {
      out->erase(out->begin(), out->end() - static_cast<std::ptrdiff_t>(b.limit));
    }
  }
  return Status::ok();
}

Status HistoryReader::trades(uint32_t market, const Page& page, std::vector<TradeRow>* out) {
  out->clear();
  Bounds b;
  QZ_TRY(state_->bounds(page, kTradeTimes, market, &b));
  const Status status = state_->market_trades(market, b, [&](TradeRow& t) {
    out->push_back(std::move(t));
    return Status::ok();
  });
  if (!b.ascending) std::reverse(out->begin(), out->end());
  return status;
}

Status HistoryReader::agg_trades(uint32_t market, const Page& page, std::vector<AggTradeRow>* out) {
  Bounds b;
  QZ_TRY(state_->bounds(page, kAggTimes, market, &b));
  const std::string sql = std::string("SELECT ") + hi::kAggColumns +
                          " FROM agg_trades WHERE market = ?1 AND id BETWEEN ?2 AND ?3 ORDER BY id " +
                          (b.ascending ? "ASC" : "DESC") + " LIMIT ?4";
  return state_->page_query<AggTradeRow>(
      sql, b, 2, [&](sqlite::Statement* s) { s->bind(1, market); },
      [](const sqlite::Statement& s, AggTradeRow* r) {
        read_agg(s, r);
        return Status::ok();
      },
      out);
}

Status HistoryReader::entries(uint64_t account, const Page& page, std::vector<EntryRow>* out) {
  out->clear();
  const uint32_t limit = capped(page.limit);
  const bool ascending = page.from_id.has_value() || page.start_ms.has_value();
  const uint64_t from = page.from_id.value_or(0);
  const int64_t start = page.start_ms ? clamp_time(*page.start_ms) : std::numeric_limits<int64_t>::min();
  const int64_t end = page.end_ms ? clamp_time(*page.end_ms) : std::numeric_limits<int64_t>::max();
  if (start > end) return Status::ok();
  // Chunks in the page's direction: forward from the chunk that holds from_id (a start time skips chunks that
  // end before it), or backward from the newest chunk that begins by the end time.
  sqlite::Statement* s = nullptr;
  if (ascending) {
    QZ_TRY(state_->statement(std::string("SELECT ") + hi::kChunkColumns +
                                 " FROM account_entries WHERE account = ?1 AND first_transfer_id >= (SELECT "
                                 "coalesce(max(first_transfer_id), 0) FROM account_entries WHERE account = ?1 AND "
                                 "first_transfer_id <= ?2) AND last_time_ms >= ?3 ORDER BY first_transfer_id",
                             &s));
    s->bind(1, account).bind(2, id_bound(from)).bind(3, start);
  } else {
    QZ_TRY(state_->statement(std::string("SELECT ") + hi::kChunkColumns +
                                 " FROM account_entries WHERE account = ?1 AND first_time_ms <= ?2 ORDER BY "
                                 "first_transfer_id DESC",
                             &s));
    s->bind(1, account).bind(2, end);
  }
  hi::EntryChunk chunk;
  std::vector<EntryRow> unpacked;
  bool row = false;
  bool done = false;
  while (!done) {
    Status stepped = s->step(&row);
    if (!stepped.is_ok()) {
      s->reset();
      return stepped;
    }
    if (!row) break;
    hi::read_chunk(*s, &chunk);
    unpacked.clear();
    Status status = hi::unpack_entries(chunk.data, chunk.first_transfer_id, chunk.count, &unpacked);
    if (!status.is_ok()) {
      s->reset();
      return Status::error(state_->db->path() + ": account " + std::to_string(account) + ": " + status.message());
    }
    if (!ascending) std::reverse(unpacked.begin(), unpacked.end());
    for (EntryRow& e : unpacked) {
      if (ascending ? e.time_ms > end : e.time_ms < start) {
        done = true;
        break;
      }
      if (e.transfer_id < from || e.time_ms < start || e.time_ms > end) continue;
      out->push_back(std::move(e));
      if (out->size() == limit) {
        done = true;
        break;
      }
    }
  }
  s->reset();
  if (!ascending) std::reverse(out->begin(), out->end());
  return Status::ok();
}

Status HistoryReader::klines(uint32_t market, CandleInterval interval, const KlineQuery& query,
                             std::vector<Kline>* out) {
  out->clear();
  if (query.utc_offset_minutes < -720 || query.utc_offset_minutes > 840) {
    return Status::error("history: klines: UTC offset " + std::to_string(query.utc_offset_minutes) +
                         " minutes is outside [-12:00, +14:00]");
  }
  const int64_t offset = int64_t{query.utc_offset_minutes} * kMinuteMs;
  const uint32_t limit = capped(query.limit);
  const CandleInterval base = base_of(interval, offset);
  const auto bucket_open = [&](int64_t t) { return candle_open_time_ms(interval, t + offset) - offset; };
  const auto bucket_next = [&](int64_t open) { return candle_next_open_time_ms(interval, open + offset) - offset; };
  const bool ascending = query.start_ms.has_value();

  // Stored rows that can belong to a kline opening in [start, end].
  int64_t lo = std::numeric_limits<int64_t>::min();
  int64_t hi = std::numeric_limits<int64_t>::max();
  if (query.start_ms) {
    const int64_t start = clamp_time(*query.start_ms);
    lo = bucket_open(start);
    if (lo < start) lo = bucket_next(lo);
  }
  if (query.end_ms) hi = bucket_next(bucket_open(clamp_time(*query.end_ms))) - 1;
  if (lo > hi) return Status::ok();

  sqlite::Statement* s = nullptr;
  QZ_TRY(state_->candle_rows(market, base, lo, hi, ascending, &s));
  bool have = false;
  Kline current;
  bool row = false;
  while (true) {
    QZ_TRY(s->step(&row));
    if (!row) break;
    Kline stored;
    hi::read_candle(*s, &stored);
    const int64_t open = bucket_open(stored.open_time_ms);
    if (have && open == current.open_time_ms) {
      if (ascending) {
        add_later(&current, stored);
      } else {
        add_earlier(&current, stored);
      }
      continue;
    }
    if (have) {
      out->push_back(current);
      if (out->size() == limit) break;
    }
    current = stored;
    current.open_time_ms = open;
    current.close_time_ms = bucket_next(open) - 1;
    have = true;
  }
  s->reset();
  if (have && out->size() < limit) out->push_back(current);
  if (!ascending) std::reverse(out->begin(), out->end());
  return Status::ok();
}

Status HistoryReader::ticker_24h(uint32_t market, int64_t now_ms, Ticker24h* out) {
  State& st = *state_;
  const int64_t now = clamp_time(now_ms);
  const int64_t window_start = now - kDayMs;
  *out = Ticker24h{.market = market, .open_time_ms = window_start, .close_time_ms = now};

  bool have = false;
  Kline total;
  const auto add = [&](const Kline& k) {
    if (!have) {
      total = k;
      have = true;
    } else {
      add_later(&total, k);
    }
  };
  sqlite::Statement* s = nullptr;
  bool row = false;
  // Trades of the market with time in [from, to).
  const auto add_trades = [&](int64_t from, int64_t to) -> Status {
    int64_t first = 0;
    int64_t after = 0;
    QZ_TRY(st.first_id_at(kTradeTimes, market, from, &first));
    QZ_TRY(st.first_id_at(kTradeTimes, market, to, &after));
    if (after <= first) return Status::ok();
    const Bounds range{.lo = first, .hi = after - 1, .ascending = true, .limit = UINT32_MAX};
    return st.market_trades(market, range, [&](const TradeRow& t) {
      const bool taker_buys = !t.buyer_is_maker;
      add(Kline{.open_time_ms = t.time_ms,
                .close_time_ms = t.time_ms,
                .open_minor = t.price_minor,
                .high_minor = t.price_minor,
                .low_minor = t.price_minor,
                .close_minor = t.price_minor,
                .volume_minor = t.qty_minor,
                .quote_volume_minor = t.quote_qty_minor,
                .trade_count = 1,
                .taker_buy_volume_minor = taker_buys ? t.qty_minor : 0,
                .taker_buy_quote_volume_minor = taker_buys ? t.quote_qty_minor : 0,
                .first_trade_id = t.id,
                .last_trade_id = t.id});
      return Status::ok();
    });
  };
  // [from, to) in time order from the coarsest stored rows that fit whole, the ragged ends from finer ones and,
  // below a second, from the trades: at most two partial seconds of trades, then tens of stored rows.
  constexpr CandleInterval kLevels[] = {CandleInterval::s1, CandleInterval::m1, CandleInterval::h1};
  constexpr int64_t kLengths[] = {1'000, kMinuteMs, kHourMs};
  std::function<Status(int64_t, int64_t, int)> cover = [&](int64_t from, int64_t to, int level) -> Status {
    if (from >= to) return Status::ok();
    if (level < 0) return add_trades(from, to);
    const int64_t length = kLengths[level];
    const int64_t first = from % length == 0 ? from : from - from % length + length;  // times are positive
    const int64_t last = to - to % length;
    if (first >= last) return cover(from, to, level - 1);
    QZ_TRY(cover(from, first, level - 1));
    QZ_TRY(st.candle_rows(market, kLevels[level], first, last - 1, true, &s));
    while (true) {
      QZ_TRY(s->step(&row));
      if (!row) break;
      Kline k;
      hi::read_candle(*s, &k);
      add(k);
    }
    s->reset();
    return cover(last, to, level - 1);
  };
  if (window_start > 0) QZ_TRY(cover(window_start, now + 1, 2));

  int64_t first_id = 0;
  QZ_TRY(st.first_id_at(kTradeTimes, market, window_start, &first_id));
  // The last trade before the window: its aggregate trade's price (an aggregate trade has one price).
  int64_t last_agg = 0;
  int64_t before = 0;
  QZ_TRY(st.last_agg(market, &last_agg));
  QZ_TRY(st.agg_at(market, last_agg, first_id - 1, &before));
  out->prev_close_minor = 0;
  if (before > 0) {
    QZ_TRY(st.statement("SELECT price FROM agg_trades WHERE market = ?1 AND id = ?2", &s));
    s->bind(1, market).bind(2, before);
    QZ_TRY(s->step(&row));
    out->prev_close_minor = row ? s->column_i64(0) : 0;
    s->reset();
  }

  if (!have) {
    out->open_minor = out->high_minor = out->low_minor = out->last_minor = out->prev_close_minor;
    return Status::ok();
  }
  out->open_minor = total.open_minor;
  out->high_minor = total.high_minor;
  out->low_minor = total.low_minor;
  out->last_minor = total.close_minor;
  out->volume_minor = total.volume_minor;
  out->quote_volume_minor = total.quote_volume_minor;
  out->first_trade_id = total.first_trade_id;
  out->last_trade_id = total.last_trade_id;
  out->trade_count = total.trade_count;
  QZ_TRY(st.statement("SELECT qty FROM trades WHERE id = ?1", &s));
  s->bind(1, total.last_trade_id);
  QZ_TRY(s->step(&row));
  out->last_qty_minor = row ? s->column_i64(0) : 0;
  s->reset();
  return Status::ok();
}

Status HistoryReader::content_hash(Hash256* out) {
  Sha256 hasher;
  hasher.update(std::string_view("qazna.history.v1"));
  sqlite::Statement* s = nullptr;
  for (const hi::TableKey& table : hi::hashed_tables()) {
    hasher.update(std::string_view(table.table)).update(std::string_view("\0", 1));
    QZ_TRY(state_->statement(std::string("SELECT * FROM ") + table.table + " ORDER BY " + table.order_by, &s));
    const int columns = s->column_count();
    uint64_t rows = 0;
    bool row = false;
    while (true) {
      QZ_TRY(s->step(&row));
      if (!row) break;
      rows++;
      for (int c = 0; c < columns; c++) {
        const sqlite::ColumnType type = s->column_type(c);
        const auto tag = static_cast<uint8_t>(type);
        hasher.update(&tag, 1);
        switch (type) {
          case sqlite::ColumnType::integer: hasher.update_u64(s->column_u64(c)); break;
          case sqlite::ColumnType::text: {
            const std::string text = s->column_text(c);
            hasher.update_u64(text.size()).update(text);
            break;
          }
          case sqlite::ColumnType::blob: {
            const std::vector<uint8_t> bytes = s->column_blob(c);
            hasher.update_u64(bytes.size()).update(bytes);
            break;
          }
          case sqlite::ColumnType::real:
            return Status::error(state_->db->path() + ": table " + table.table + " holds a floating-point value");
          case sqlite::ColumnType::null: break;
        }
      }
    }
    s->reset();
    hasher.update_u64(rows);
  }
  *out = hasher.finish();
  return Status::ok();
}

}  // namespace qz::history
