// The fixture of the history tests: a real Engine fed block by block, and a HistoryWriter fed the same blocks and
// the engine's events, as the server's history thread is. Every block is recorded, so a test can rebuild the
// history from them (a BlockSource over the recording) and compare.
//
// Assets: 1 BTC (scale 8), 2 KZT (scale 2). Accounts: 1 BTC issuance, 2 KZT issuance, 3 BTC fees, 4 KZT fees,
// then per customer its BTC and KZT trading accounts (Alice 5, 6; Bob 7, 8; Carol 9, 10), each funded with
// 100 BTC and 10,000,000,000.00 KZT. Market 1 is BTCKZT: tick 100.00 KZT, lot 0.0001 BTC, fees maker 10 / taker
// 20 bps, band 10% around the reference price 30,000,000.00 KZT, no minimum notional.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "history/history.h"
#include "sqlite/sqlite.h"

namespace qz::history::testing {

constexpr uint64_t kAlice = 101;
constexpr uint64_t kBob = 102;
constexpr uint64_t kCarol = 103;
constexpr uint32_t kBtc = 1;
constexpr uint32_t kKzt = 2;
constexpr uint32_t kMarket = 1;
constexpr int64_t kOneBtc = 1'0000'0000;
constexpr int64_t kTick = 100'00;
constexpr int64_t kLot = 1'0000;
constexpr int64_t kPrice = 30'000'000'00;  // 30,000,000.00 KZT per BTC
constexpr uint64_t kSecondNs = 1'000'000'000;
constexpr uint64_t kStartNs = 1'700'000'000'000'000'000;  // 2023-11-14 22:13:20 UTC

inline uint64_t btc_account(uint64_t user) { return 5 + (user - kAlice) * 2; }
inline uint64_t kzt_account(uint64_t user) { return 6 + (user - kAlice) * 2; }
// Quote minor units of qty at price, and a fee, as docs/markets.md rounds them (down).
inline int64_t notional(int64_t price, int64_t qty) { return static_cast<int64_t>(int128{price} * qty / kOneBtc); }
inline int64_t fee(int64_t amount, int64_t bps) { return amount * bps / 10'000; }

// The 24-hour ticker by hand from a market's trades in id order: those with time in [now - 24 h, now], and the last
// price before them as the previous close.
struct TickerTrade {
  uint64_t id = 0;
  int64_t time_ms = 0;
  int64_t price = 0;
  int64_t qty = 0;
  int64_t quote = 0;
};
inline Ticker24h ticker_by_hand(uint32_t market, const std::vector<TickerTrade>& trades, int64_t now) {
  constexpr int64_t kDay = 86'400'000;
  Ticker24h out{.market = market, .open_time_ms = now - kDay, .close_time_ms = now};
  bool any = false;
  for (const TickerTrade& t : trades) {
    if (t.time_ms < now - kDay) out.prev_close_minor = t.price;
    if (t.time_ms < now - kDay || t.time_ms > now) continue;
    if (!any) {
      out.open_minor = out.high_minor = out.low_minor = t.price;
      out.first_trade_id = t.id;
      any = true;
    }
    out.high_minor = std::max(out.high_minor, t.price);
    out.low_minor = std::min(out.low_minor, t.price);
    out.last_minor = t.price;
    out.last_qty_minor = t.qty;
    out.volume_minor += t.qty;
    out.quote_volume_minor += t.quote;
    out.last_trade_id = t.id;
    out.trade_count++;
  }
  if (!any) out.open_minor = out.high_minor = out.low_minor = out.last_minor = out.prev_close_minor;
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "qz-history-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct Recorded {
  uint64_t height;
  uint64_t time_ns;
  std::vector<Command> commands;
  std::vector<Event> events;
};

// Calls the sink with every recorded block, in order.
inline BlockSource source_of(const std::vector<Recorded>* blocks) {
  return [blocks](const BlockSink& sink) {
    for (const Recorded& b : *blocks) {
      QZ_TRY(sink(BlockInput{.height = b.height, .time_ns = b.time_ns, .commands = b.commands}, b.events));
    }
    return Status::ok();
  };
}

inline Command with_client_id(Command command, uint64_t client_order_id) {
  command.request_id = client_order_id;
  return command;
}

class HistoryFixture : public ::testing::Test {
 public:
  void SetUp() override {
    path_ = dir_.file("history.db");
    open_writer();
    run({make_create_asset("BTC", 8), make_create_asset("KZT", 2)});
    run({make_open_account(0, kBtc, AccountKind::issuance), make_open_account(0, kKzt, AccountKind::issuance),
         make_open_account(0, kBtc, AccountKind::fee_income), make_open_account(0, kKzt, AccountKind::fee_income)});
    for (const uint64_t user : {kAlice, kBob, kCarol}) {
      run({make_open_account(user, kBtc, AccountKind::customer), make_open_account(user, kKzt, AccountKind::customer)});
    }
    for (const uint64_t user : {kAlice, kBob, kCarol}) {
      run({make_transfer(1, btc_account(user), 100 * kOneBtc), make_transfer(2, kzt_account(user), 10'000'000'000'00)});
    }
    run({make_create_market(kBtc, kKzt, kTick, kLot, kLot, 1'000 * kOneBtc)});
    run({make_set_market_rules(kMarket, 1'000, 0, 10, 20, 3, 4), make_set_market_status(kMarket, 1, kPrice)});
  }

  void open_writer(const WriterOptions& options = {}) {
    writer_.reset();
    const Status status = HistoryWriter::open(path_, options, &writer_);
    ASSERT_TRUE(status.is_ok()) << status.message();
  }

  std::unique_ptr<HistoryReader> reader() const {
    std::unique_ptr<HistoryReader> out;
    const Status status = HistoryReader::open(path_, &out);
    EXPECT_TRUE(status.is_ok()) << status.message();
    return out;
  }

  // Applies one block at `time_ns` (0: one second after the last), records it and projects it. Every command
  // must be accepted unless `allow_rejections`.
  std::vector<Event> run(std::vector<Command> commands, uint64_t time_ns = 0, bool allow_rejections = false) {
    time_ns_ = time_ns != 0 ? time_ns : (time_ns_ == 0 ? kStartNs : time_ns_ + kSecondNs);
    std::vector<Event> events;
    const uint64_t height = engine_.next_height();
    engine_.apply(BlockInput{.height = height, .time_ns = time_ns_, .commands = commands}, &events);
    if (!allow_rejections) {
      for (const Event& event : events) {
        EXPECT_NE(event.event_kind(), EventKind::rejected)
            << "block " << height << ": " << result_name(event.result_code());
      }
    }
    blocks_.push_back(Recorded{.height = height, .time_ns = time_ns_, .commands = commands, .events = events});
    if (writer_ != nullptr) {
      const Status status =
          writer_->on_block(BlockInput{.height = height, .time_ns = time_ns_, .commands = commands}, events);
      EXPECT_TRUE(status.is_ok()) << status.message();
    }
    return events;
  }

  static uint64_t first_order_id(const std::vector<Event>& events, size_t nth = 0) {
    for (const Event& event : events) {
      if (event.event_kind() == EventKind::order_accepted && nth-- == 0) return event.order_accepted.order;
    }
    ADD_FAILURE() << "no such order_accepted";
    return 0;
  }

  Hash256 hash_of(const std::string& path) const {
    std::unique_ptr<HistoryReader> r;
    Status status = HistoryReader::open(path, &r);
    EXPECT_TRUE(status.is_ok()) << status.message();
    Hash256 hash;
    if (r != nullptr) {
      status = r->content_hash(&hash);
      EXPECT_TRUE(status.is_ok()) << status.message();
    }
    return hash;
  }

  // A one-integer query on the history file.
  int64_t query(const std::string& sql) const {
    std::unique_ptr<sqlite::Database> db;
    Status status = sqlite::Database::open(path_, sqlite::OpenOptions{.read_only = true}, &db);
    EXPECT_TRUE(status.is_ok()) << status.message();
    int64_t value = -1;
    if (db != nullptr) {
      status = db->query_i64(sql, &value);
      EXPECT_TRUE(status.is_ok()) << status.message();
    }
    return value;
  }

  // Every account's projected balance equals the engine's total; empty when so, else the first difference.
  std::string compare_balances() const {
    std::unique_ptr<sqlite::Database> db;
    Status status = sqlite::Database::open(path_, sqlite::OpenOptions{.read_only = true}, &db);
    if (!status.is_ok()) return status.message();
    sqlite::Statement s;
    status = db->prepare("SELECT id, balance FROM accounts ORDER BY id", &s);
    if (!status.is_ok()) return status.message();
    uint64_t count = 0;
    bool row = false;
    for (status = s.step(&row); status.is_ok() && row; status = s.step(&row)) {
      count++;
      const uint64_t id = s.column_u64(0);
      const Account* account = engine_.ledger().account(id);
      if (account == nullptr) return "account " + std::to_string(id) + " is not in the engine";
      if (account->total_minor != s.column_i64(1)) {
        return "account " + std::to_string(id) + ": engine " + std::to_string(account->total_minor) + ", history " +
               std::to_string(s.column_i64(1));
      }
    }
    if (!status.is_ok()) return status.message();
    if (count != engine_.ledger().account_count()) {
      return "history has " + std::to_string(count) + " accounts, the engine " +
             std::to_string(engine_.ledger().account_count());
    }
    return "";
  }

  TempDir dir_;
  std::string path_;
  Engine engine_{
      LedgerLimits{},
      MarketLimits{.max_markets = 8, .orders_per_market = 1024, .window_levels = 4096, .candle_history = 16}};
  std::unique_ptr<HistoryWriter> writer_;
  std::vector<Recorded> blocks_;
  uint64_t time_ns_ = 0;
};

}  // namespace qz::history::testing
