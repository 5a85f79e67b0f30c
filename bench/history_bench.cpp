// `bench_history FILE`: how fast the history writer projects a real engine's blocks into SQLite, and how long
// the server's reads take on the result.
//
// The workload
//   An LBOPS1 order-book stream (../shared/bench/README.md, e.g. pub_W1.lbops.zst) as engine commands: one
//   BTC/KZT market (tick 50.00 KZT, lot 0.0002 BTC, fees maker 10 / taker 20 bps, no band), `traders` funded
//   customers (stream order id i belongs to trader i mod traders); NEW is a limit place_order (GTC or IOC),
//   CANCEL a cancel_order, REPLACE a linked cancel_order + place_order of the order's remaining quantity at the
//   new price (found by an untimed pass of the stream through a bare OrderBook). Blocks of `block` commands
//   (a replace pair is never split), `block_ms` apart.
//
// The protocol
//   Each block is applied to a fresh Engine untimed; then HistoryWriter::on_block is timed alone (clock pair per
//   block), with `batch` blocks per SQLite transaction (synchronous=NORMAL, WAL), and the final flush. Rows per
//   second counts every row the writer inserted or updated. Then a handful of reads, each repeated, median
//   latency printed. The database lives in a fresh temporary directory, removed at the end (--keep DIR keeps it).
//
// The checks (exit 1 on failure): no command rejected, every projected balance equal to the engine's total,
// one trade row per trade event, the content hash printed for comparison between runs.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/assert.h"
#include "bench/bench_util.h"
#include "bench/book/book_bench.h"
#include "engine/engine.h"
#include "history/history.h"
#include "market/book.h"
#include "sqlite/sqlite.h"

namespace qz::bench {
namespace {

constexpr uint32_t kBtc = 1;
constexpr uint32_t kKzt = 2;
constexpr uint64_t kIssuanceBtc = 1;
constexpr uint64_t kIssuanceKzt = 2;
constexpr uint64_t kFeeBtc = 3;
constexpr uint64_t kFeeKzt = 4;
constexpr uint64_t kFirstTraderAccount = 5;  // then each trader's BTC and KZT accounts
constexpr uint64_t kFirstTrader = 5'000;
constexpr uint32_t kMarket = 1;
constexpr int64_t kTickMinor = 50'00;
constexpr int64_t kLotMinor = 2'0000;  // tick x lot = 10^8: one lot at one tick is 1 KZT minor unit
constexpr uint64_t kTinyRecords = 20'000;
constexpr uint64_t kStartNs = 1'735'689'600'000'000'000;  // 2025-01-01 00:00 UTC

struct Options {
  std::string path;
  uint64_t records = 0;  // 0 = all
  uint32_t block = 1'000;
  uint32_t batch = 16;
  uint32_t traders = 1'000;
  uint64_t block_ms = 1'000;
  uint32_t read_repeats = 200;
  uint32_t cache_mib = 64;
  sqlite::Sync sync = sqlite::Sync::normal;
  std::string keep;
};

struct Workload {
  std::vector<Command> setup;
  std::vector<Command> commands;
  std::vector<size_t> block_ends;
  uint64_t places = 0;
  uint32_t max_resting = 0;
};

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// The remaining lots of every REPLACE, in stream order, from the stream through a bare book; and the most
// orders resting at once.
Status replace_quantities(const LbopsStream& stream, std::vector<int64_t>* out, uint32_t* max_resting) {
  OrderBook book(book_config_for(stream, 1u << 16));
  CountingSink sink;
  for (uint64_t i = 0; i < stream.records.size(); i++) {
    const LbopsRecord& r = stream.records[i];
    bool ok = true;
    if (r.type == 0) {
      const LimitOrder order{.order_id = r.id,
                             .side = r.is_buy != 0 ? Side::buy : Side::sell,
                             .price_ticks = static_cast<int64_t>(r.price),
                             .qty_lots = static_cast<int64_t>(r.qty),
                             .time_in_force = r.ioc != 0 ? TimeInForce::ioc : TimeInForce::gtc,
                             .post_only = false};
      ok = book.add(order, sink).status != AddStatus::book_full;
    } else if (r.type == 1) {
      ok = book.cancel(r.id).found;
    } else {
      RestingOrder resting{};
      ok = book.find(r.id, &resting);
      if (ok) {
        out->push_back(resting.qty_lots + resting.hidden_lots);
        book.replace(r.id, static_cast<int64_t>(r.price), sink);
      }
    }
    if (!ok) return Status::error("record " + std::to_string(i) + " targets no resting order");
    *max_resting = std::max(*max_resting, book.resting_count());
  }
  return Status::ok();
}

Status build(const LbopsStream& stream, const Options& options, Workload* w) {
  std::vector<int64_t> replace_lots;
  QZ_TRY(replace_quantities(stream, &replace_lots, &w->max_resting));
  // Each trader can pay for every buy of the stream at its highest price, and deliver every sell, twice over.
  int128 buy_lots = 0;
  int128 sell_lots = 0;
  int128 top_price = 0;
  for (const LbopsRecord& r : stream.records) {
    if (r.type != 1) top_price = std::max<int128>(top_price, r.price);
    if (r.type == 0) (r.is_buy != 0 ? buy_lots : sell_lots) += r.qty;
  }
  const int128 kzt = 2 * buy_lots * top_price + 1;
  const int128 btc = 2 * sell_lots * kLotMinor + 1;
  if (kzt > INT64_MAX / (options.traders + 1) || btc > INT64_MAX / (options.traders + 1)) {
    return Status::error("the stream is too large to fund every trader");
  }
  w->setup = {make_create_asset("BTC", 8),
              make_create_asset("KZT", 2),
              make_open_account(0, kBtc, AccountKind::issuance),
              make_open_account(0, kKzt, AccountKind::issuance),
              make_open_account(0, kBtc, AccountKind::fee_income),
              make_open_account(0, kKzt, AccountKind::fee_income)};
  for (uint32_t t = 0; t < options.traders; t++) {
    w->setup.push_back(make_open_account(kFirstTrader + t, kBtc, AccountKind::customer));
    w->setup.push_back(make_open_account(kFirstTrader + t, kKzt, AccountKind::customer));
  }
  for (uint32_t t = 0; t < options.traders; t++) {
    w->setup.push_back(make_transfer(kIssuanceBtc, kFirstTraderAccount + 2 * uint64_t{t}, static_cast<int64_t>(btc)));
    w->setup.push_back(
        make_transfer(kIssuanceKzt, kFirstTraderAccount + 2 * uint64_t{t} + 1, static_cast<int64_t>(kzt)));
  }
  w->setup.push_back(make_create_market(kBtc, kKzt, kTickMinor, kLotMinor, kLotMinor, 1'000'000 * kLotMinor));
  w->setup.push_back(make_set_market_rules(kMarket, 0, 0, 10, 20, kFeeBtc, kFeeKzt));
  w->setup.push_back(make_set_market_status(kMarket, 1));

  std::vector<uint64_t> engine_id(stream.n_orders, 0);
  std::vector<uint8_t> side(stream.n_orders, 0);
  uint64_t next_id = 1;
  size_t replaced = 0;
  size_t block_start = 0;
  for (const LbopsRecord& r : stream.records) {
    const uint64_t owner = kFirstTrader + r.id % options.traders;
    if (r.type == 0) {
      side[r.id] = static_cast<uint8_t>(r.is_buy != 0 ? OrderSideCode::buy : OrderSideCode::sell);
      w->commands.push_back(make_place_order(owner, kMarket, static_cast<OrderSideCode>(side[r.id]), OrderType::limit,
                                             r.ioc != 0 ? OrderTif::ioc : OrderTif::gtc,
                                             static_cast<int64_t>(r.price) * kTickMinor,
                                             static_cast<int64_t>(r.qty) * kLotMinor));
      engine_id[r.id] = next_id++;
    } else if (r.type == 1) {
      w->commands.push_back(make_cancel_order(owner, kMarket, engine_id[r.id]));
    } else {
      Command cancel = make_cancel_order(owner, kMarket, engine_id[r.id]);
      cancel.flags = kFlagLinked;
      w->commands.push_back(cancel);
      w->commands.push_back(make_place_order(owner, kMarket, static_cast<OrderSideCode>(side[r.id]), OrderType::limit,
                                             OrderTif::gtc, static_cast<int64_t>(r.price) * kTickMinor,
                                             replace_lots[replaced++] * kLotMinor));
      engine_id[r.id] = next_id++;
    }
    if (w->commands.size() - block_start >= options.block) {
      w->block_ends.push_back(w->commands.size());
      block_start = w->commands.size();
    }
  }
  if (w->commands.size() > block_start) w->block_ends.push_back(w->commands.size());
  w->places = next_id - 1;
  return Status::ok();
}

// Median of `repeats` timings of `read`, in microseconds; `rows` gets the last call's row count.
template <typename Read>
double median_us(uint32_t repeats, size_t* rows, Read read) {
  std::vector<uint64_t> times;
  for (uint32_t i = 0; i < repeats; i++) {
    const uint64_t start = now_ns();
    *rows = read();
    times.push_back(now_ns() - start);
  }
  std::sort(times.begin(), times.end());
  return static_cast<double>(times[times.size() / 2]) / 1'000.0;
}

uint64_t file_size(const std::string& path) {
  std::error_code code;
  const auto size = std::filesystem::file_size(path, code);
  return code ? 0 : static_cast<uint64_t>(size);
}

int run(const Options& options) {
  LbopsStream stream;
  Status status = load_lbops(options.path, &stream);
  if (!status.is_ok()) {
    std::fprintf(stderr, "bench_history: %s\n", status.message().c_str());
    return 2;
  }
  if (options.records != 0 && options.records < stream.records.size()) {
    stream.records.resize(options.records);
    stream.n_ops = options.records;
  }
  Workload workload;
  status = build(stream, options, &workload);
  if (!status.is_ok()) {
    std::fprintf(stderr, "bench_history: %s\n", status.message().c_str());
    return 2;
  }

  std::string dir = options.keep;
  if (dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "qz-history-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "bench_history: cannot make a temporary directory\n");
      return 2;
    }
    dir = pattern;
  } else {
    std::filesystem::create_directories(dir);
  }
  const std::string path = dir + "/history.db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");

  std::printf("workload: %s, %" PRIu64 " records as %zu commands (%" PRIu64
              " place_order) in %zu blocks of ~%u, %u traders, %" PRIu64 " ms apart\n",
              options.path.c_str(), static_cast<uint64_t>(stream.records.size()), workload.commands.size(),
              workload.places, workload.block_ends.size(), options.block, options.traders, options.block_ms);
  std::printf("writer: %u blocks per transaction, synchronous=%s, WAL, cache %u MiB; database %s\n", options.batch,
              options.sync == sqlite::Sync::off    ? "OFF"
              : options.sync == sqlite::Sync::full ? "FULL"
                                                   : "NORMAL",
              options.cache_mib, path.c_str());

  Engine engine(LedgerLimits{}, MarketLimits{.max_markets = 4,
                                             .orders_per_market = workload.max_resting + 1'024,
                                             .window_levels = 1u << 16,
                                             .candle_history = 16});
  std::unique_ptr<history::HistoryWriter> writer;
  status = history::HistoryWriter::open(
      path,
      history::WriterOptions{
          .blocks_per_transaction = options.batch, .synchronous = options.sync, .cache_mib = options.cache_mib},
      &writer);
  if (!status.is_ok()) {
    std::fprintf(stderr, "bench_history: %s\n", status.message().c_str());
    return 2;
  }

  bool ok = true;
  uint64_t rejected = 0;
  uint64_t trades = 0;
  uint64_t events_total = 0;
  uint64_t write_ns = 0;
  uint64_t slowest_block_ns = 0;
  uint64_t time_ns = kStartNs;
  std::vector<Event> events;
  const auto project = [&](std::span<const Command> commands) {
    events.clear();
    engine.apply(BlockInput{.height = engine.next_height(), .time_ns = time_ns, .commands = commands}, &events);
    for (const Event& e : events) {
      rejected += e.event_kind() == EventKind::rejected ? 1 : 0;
      trades += e.event_kind() == EventKind::trade ? 1 : 0;
    }
    events_total += events.size();
    const uint64_t start = now_ns();
    const Status projected = writer->on_block(
        BlockInput{.height = engine.next_height() - 1, .time_ns = time_ns, .commands = commands}, events);
    const uint64_t took = now_ns() - start;
    write_ns += took;
    slowest_block_ns = std::max(slowest_block_ns, took);
    time_ns += options.block_ms * 1'000'000;
    if (!projected.is_ok()) {
      std::fprintf(stderr, "bench_history: %s\n", projected.message().c_str());
      ok = false;
    }
  };
  project(workload.setup);
  size_t begin = 0;
  for (const size_t end : workload.block_ends) {
    if (!ok) break;
    project(std::span<const Command>(workload.commands).subspan(begin, end - begin));
    begin = end;
  }
  const uint64_t flush_start = now_ns();
  status = writer->flush();
  write_ns += now_ns() - flush_start;
  if (!status.is_ok()) {
    std::fprintf(stderr, "bench_history: %s\n", status.message().c_str());
    ok = false;
  }
  const history::WriterStats stats = writer->stats();
  writer.reset();
  if (!ok) return 1;

  const double seconds = static_cast<double>(write_ns) / 1e9;
  std::printf("projected: %" PRIu64 " blocks, %" PRIu64 " events, %" PRIu64 " trades, %" PRIu64
              " rows written, %" PRIu64 " commits\n",
              stats.blocks, events_total, trades, stats.rows, stats.commits);
  std::printf(
      "writer time: %.3f s  ->  %.0f rows/s, %.0f events/s, %.0f commands/s, %.0f trades/s; slowest block "
      "%.2f ms\n",
      seconds, static_cast<double>(stats.rows) / seconds, static_cast<double>(events_total) / seconds,
      static_cast<double>(workload.commands.size()) / seconds, static_cast<double>(trades) / seconds,
      static_cast<double>(slowest_block_ns) / 1e6);
  std::printf("database: %.1f MB\n", static_cast<double>(file_size(path) + file_size(path + "-wal")) / 1e6);

  // Checks.
  if (rejected != 0) {
    std::printf("CHECK FAILED: %" PRIu64 " commands rejected\n", rejected);
    ok = false;
  }
  {
    std::unique_ptr<sqlite::Database> db;
    status = sqlite::Database::open(path, sqlite::OpenOptions{.read_only = true}, &db);
    sqlite::Statement s;
    if (status.is_ok()) status = db->prepare("SELECT id, balance FROM accounts ORDER BY id", &s);
    uint64_t differing = 0;
    bool row = false;
    while (status.is_ok()) {
      status = s.step(&row);
      if (!status.is_ok() || !row) break;
      const Account* account = engine.ledger().account(s.column_u64(0));
      if (account == nullptr || account->total_minor != s.column_i64(1)) differing++;
    }
    int64_t trade_rows = -1;
    if (status.is_ok()) status = db->query_i64("SELECT count(*) FROM trades", &trade_rows);
    if (!status.is_ok() || differing != 0 || static_cast<uint64_t>(trade_rows) != trades) {
      std::printf("CHECK FAILED: %s%" PRIu64 " balances differ from the engine, %" PRId64 " trade rows for %" PRIu64
                  " trades\n",
                  status.is_ok() ? "" : (status.message() + "; ").c_str(), differing, trade_rows, trades);
      ok = false;
    }
  }

  // Reads.
  std::unique_ptr<history::HistoryReader> reader;
  status = history::HistoryReader::open(path, &reader);
  if (!status.is_ok()) {
    std::fprintf(stderr, "bench_history: %s\n", status.message().c_str());
    return 1;
  }
  Hash256 hash;
  const uint64_t hash_start = now_ns();
  status = reader->content_hash(&hash);
  const uint64_t hash_ns = now_ns() - hash_start;
  if (!status.is_ok()) {
    std::fprintf(stderr, "bench_history: %s\n", status.message().c_str());
    return 1;
  }
  std::printf("content hash: %s (%.0f ms)\n", hash.hex().c_str(), static_cast<double>(hash_ns) / 1e6);
  const int64_t last_ms = static_cast<int64_t>((time_ns - options.block_ms * 1'000'000) / 1'000'000);
  const uint64_t trader = kFirstTrader + 7;
  const uint32_t n = options.read_repeats;
  std::vector<history::Kline> klines;
  std::vector<history::TradeRow> trade_rows;
  std::vector<history::AggTradeRow> aggs;
  std::vector<history::OrderRow> orders;
  std::vector<history::FillRow> fills;
  history::Ticker24h ticker;
  size_t rows = 0;
  bool read_ok = true;
  const auto check = [&read_ok](const Status& s) {
    if (!s.is_ok()) {
      std::fprintf(stderr, "bench_history: %s\n", s.message().c_str());
      read_ok = false;
    }
  };
  std::printf("reads (median of %u):\n", n);
  const auto report = [&](const char* what, double us) {
    std::printf("  %-44s %9.1f us  %5zu rows\n", what, us, rows);
  };
  report("klines 1m, newest 500", median_us(n, &rows, [&] {
           check(reader->klines(kMarket, CandleInterval::m1, history::KlineQuery{}, &klines));
           return klines.size();
         }));
  report("klines 5m, newest 500 (folded from 1m)", median_us(n, &rows, [&] {
           check(reader->klines(kMarket, CandleInterval::m5, history::KlineQuery{}, &klines));
           return klines.size();
         }));
  report("klines 1M, newest 500 (folded from 1d)", median_us(n, &rows, [&] {
           check(reader->klines(kMarket, CandleInterval::mo1, history::KlineQuery{}, &klines));
           return klines.size();
         }));
  report("klines 1d at UTC+5 (folded from 1h)", median_us(n, &rows, [&] {
           check(reader->klines(kMarket, CandleInterval::d1, history::KlineQuery{.utc_offset_minutes = 300}, &klines));
           return klines.size();
         }));
  report("trades, newest 500", median_us(n, &rows, [&] {
           check(reader->trades(kMarket, history::Page{}, &trade_rows));
           return trade_rows.size();
         }));
  report("trades, 500 from the middle trade id", median_us(n, &rows, [&] {
           check(reader->trades(kMarket, history::Page{.from_id = trades / 2, .limit = 500}, &trade_rows));
           return trade_rows.size();
         }));
  report("aggTrades, newest 500", median_us(n, &rows, [&] {
           check(reader->agg_trades(kMarket, history::Page{}, &aggs));
           return aggs.size();
         }));
  report("aggTrades, 1000 from a start time", median_us(n, &rows, [&] {
           check(reader->agg_trades(kMarket, history::Page{.start_ms = last_ms - 600'000, .limit = 1'000}, &aggs));
           return aggs.size();
         }));
  report("allOrders of one trader, newest 500", median_us(n, &rows, [&] {
           check(reader->all_orders(trader, kMarket, history::Page{}, &orders));
           return orders.size();
         }));
  report("myTrades of one trader, newest 500", median_us(n, &rows, [&] {
           check(reader->my_trades(trader, kMarket, history::Page{}, std::nullopt, &fills));
           return fills.size();
         }));
  report("ticker/24hr", median_us(n, &rows, [&] {
           check(reader->ticker_24h(kMarket, last_ms, &ticker));
           return size_t{1};
         }));
  if (!read_ok) ok = false;
  reader.reset();

  if (options.keep.empty()) std::filesystem::remove_all(dir);
  std::printf("checks: %s\n", ok ? "passed" : "FAILED");
  return ok ? 0 : 1;
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_history FILE [--records N] [--block N] [--batch N] [--traders K] [--block-ms MS]\n"
               "                     [--reads N] [--cache-mib N] [--sync off|normal|full] [--keep DIR] [--tiny]\n"
               "  FILE: an LBOPS1 stream or its .zst, e.g. ../shared/bench/pub_W1.lbops.zst\n");
  return 2;
}

}  // namespace
}  // namespace qz::bench

int main(int argc, char** argv) {
  qz::bench::Options options;
  for (int i = 1; i < argc; i++) {
    const std::string arg = argv[i];
    uint64_t value = 0;
    const auto number = [&](uint64_t min) {
      return i + 1 < argc && qz::bench::parse_u64(argv[++i], &value) && value >= min;
    };
    if (arg == "--records" && number(1)) {
      options.records = value;
    } else if (arg == "--block" && number(1)) {
      options.block = static_cast<uint32_t>(value);
    } else if (arg == "--batch" && number(1)) {
      options.batch = static_cast<uint32_t>(value);
    } else if (arg == "--traders" && number(1)) {
      options.traders = static_cast<uint32_t>(value);
    } else if (arg == "--block-ms" && number(1)) {
      options.block_ms = value;
    } else if (arg == "--reads" && number(1)) {
      options.read_repeats = static_cast<uint32_t>(value);
    } else if (arg == "--cache-mib" && number(1)) {
      options.cache_mib = static_cast<uint32_t>(value);
    } else if (arg == "--sync" && i + 1 < argc) {
      const std::string mode = argv[++i];
      if (mode != "off" && mode != "normal" && mode != "full") return qz::bench::usage();
      options.sync = mode == "off"    ? qz::sqlite::Sync::off
                     : mode == "full" ? qz::sqlite::Sync::full
                                      : qz::sqlite::Sync::normal;
    } else if (arg == "--keep" && i + 1 < argc) {
      options.keep = argv[++i];
    } else if (arg == "--tiny") {
      options.records = qz::bench::kTinyRecords;
      options.read_repeats = 5;
    } else if (!arg.empty() && arg[0] != '-' && options.path.empty()) {
      options.path = arg;
    } else {
      return qz::bench::usage();
    }
  }
  if (options.path.empty()) return qz::bench::usage();
  return qz::bench::run(options);
}
