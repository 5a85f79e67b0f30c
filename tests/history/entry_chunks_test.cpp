// Ledger entries packed per account and fills per owner and market (history/internal/entry_chunks.h): the packing
// round-trips and refuses malformed bytes; statements page across chunk boundaries exactly as one list would,
// through commits, a reopened writer and a rebuild; and a version 2 history's entries move into chunks unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "base/prng.h"
#include "fixture.h"
#include "history/internal/entry_chunks.h"
#include "history/internal/schema.h"
#include "print.h"

namespace qz::history::testing {
namespace {

namespace hi = history_internal;

EntryRow random_entry(Prng* prng, uint64_t id) {
  static const char* const kKinds[] = {"transfer", "hold_post", "trade", "fee"};
  const auto wide = [&] {  // small, large and extreme values alike
    switch (prng->below(4)) {
      case 0: return static_cast<int64_t>(prng->below(100));
      case 1: return static_cast<int64_t>(prng->next());
      case 2: return std::numeric_limits<int64_t>::min();
      default: return std::numeric_limits<int64_t>::max();
    }
  };
  return EntryRow{.transfer_id = id,
                  .kind = kKinds[prng->below(4)],
                  .asset = static_cast<uint32_t>(prng->next()),
                  .debit_account = prng->next(),
                  .credit_account = prng->below(1000),
                  .amount_minor = wide(),
                  .debit_balance_after = wide(),
                  .credit_balance_after = wide(),
                  .hold_id = prng->below(2) == 0 ? 0 : prng->next(),
                  .trade_id = prng->below(1 << 20),
                  .reference = std::numeric_limits<uint64_t>::max(),
                  .height = prng->below(1'000'000),
                  .time_ms = wide()};
}

TEST(EntryChunks, PackedEntriesComeBackUnchanged) {
  Prng prng(7);
  for (int round = 0; round < 200; round++) {
    hi::EntryChunk chunk{.account = 5};
    std::vector<EntryRow> written;
    uint64_t id = prng.below(3) == 0 ? std::numeric_limits<uint64_t>::max() - 200 : 1 + prng.below(1'000'000);
    const uint32_t count = 1 + static_cast<uint32_t>(prng.below(hi::kEntriesPerChunk));
    for (uint32_t i = 0; i < count; i++) {
      written.push_back(random_entry(&prng, id));
      chunk.append(written.back());
      id += 1 + prng.below(3);
    }
    EXPECT_EQ(chunk.count, count);
    EXPECT_EQ(chunk.first_transfer_id, written.front().transfer_id);
    EXPECT_EQ(chunk.last_transfer_id, written.back().transfer_id);
    EXPECT_EQ(chunk.last_time_ms, written.back().time_ms);
    EXPECT_EQ(chunk.full(), count == hi::kEntriesPerChunk);
    std::vector<EntryRow> read;
    const Status status = hi::unpack_entries(chunk.data, chunk.first_transfer_id, chunk.count, &read);
    ASSERT_TRUE(status.is_ok()) << status.message();
    EXPECT_EQ(read, written);
  }
}

TEST(EntryChunks, MalformedChunksAreRefused) {
  hi::EntryChunk chunk{.account = 5};
  Prng prng(3);
  chunk.append(random_entry(&prng, 10));
  chunk.append(random_entry(&prng, 12));
  std::vector<EntryRow> read;
  const auto refused = [&](std::vector<uint8_t> data, uint64_t first, uint32_t count, const std::string& why) {
    read.clear();
    const Status status = hi::unpack_entries(data, first, count, &read);
    EXPECT_FALSE(status.is_ok());
    EXPECT_NE(status.message().find(why), std::string::npos) << status.message();
  };
  refused({chunk.data.begin(), chunk.data.end() - 1}, 10, 2, "truncated");
  refused(chunk.data, 10, 1, "bytes after its 1 entries");
  refused(chunk.data, 10, 3, "truncated");
  std::vector<uint8_t> bad_kind = chunk.data;
  bad_kind[1] = 9;
  refused(bad_kind, 10, 2, "unknown kind");
  std::vector<uint8_t> not_first = chunk.data;
  not_first[0] = 1;
  refused(not_first, 10, 2, "do not rise");
  refused({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02}, 10, 1, "overlong");
  refused({}, 10, 1, "truncated");
  read.clear();
  EXPECT_TRUE(hi::unpack_entries({}, 10, 0, &read).is_ok());
  EXPECT_TRUE(read.empty());
}

TEST(IdChunks, PackedIdsComeBackUnchanged) {
  Prng prng(11);
  for (int round = 0; round < 200; round++) {
    hi::IdChunk chunk{.owner = 9, .market = 2};
    std::vector<hi::IdRef> written;
    const bool near_top = prng.below(3) == 0;
    uint64_t id = near_top ? std::numeric_limits<uint64_t>::max() - 1'000 : 1 + prng.below(1'000'000);
    const uint32_t count = 1 + static_cast<uint32_t>(prng.below(hi::kIdsPerChunk));
    while (written.size() < count) {
      // A self-trade: the taker fill, then the maker fill of the same trade.
      if (prng.below(4) == 0 && written.size() + 2 <= count) {
        written.push_back({.id = id, .flag = false});
        chunk.append(written.back());
        written.push_back({.id = id, .flag = true});
      } else {
        written.push_back({.id = id, .flag = prng.below(2) == 0});
      }
      chunk.append(written.back());
      id += 1 + prng.below(near_top || prng.below(2) == 0 ? 3 : 100'000);
    }
    EXPECT_EQ(chunk.count, count);
    EXPECT_EQ(chunk.first_id, written.front().id);
    EXPECT_EQ(chunk.last_id, written.back().id);
    EXPECT_EQ(chunk.full(), count == hi::kIdsPerChunk);
    std::vector<hi::IdRef> read;
    const Status status = hi::unpack_ids(chunk.data, chunk.first_id, chunk.count, &read);
    ASSERT_TRUE(status.is_ok()) << status.message();
    EXPECT_EQ(read, written);
  }
}

TEST(IdChunks, MalformedChunksAreRefused) {
  hi::IdChunk chunk{.owner = 9, .market = 2};
  chunk.append({.id = 10, .flag = false});
  chunk.append({.id = 10, .flag = true});
  chunk.append({.id = 300, .flag = false});
  ASSERT_EQ(chunk.data, (std::vector<uint8_t>{0x00, 0x01, 0xC4, 0x04}));  // deltas 0, 0, 290: (delta << 1) | maker
  std::vector<hi::IdRef> read;
  const auto refused = [&](std::vector<uint8_t> data, uint64_t first, uint32_t count, const std::string& why) {
    read.clear();
    const Status status = hi::unpack_ids(data, first, count, &read);
    EXPECT_FALSE(status.is_ok());
    EXPECT_NE(status.message().find(why), std::string::npos) << status.message();
  };
  refused({chunk.data.begin(), chunk.data.end() - 1}, 10, 3, "truncated");
  refused(chunk.data, 10, 2, "bytes after its 2 ids");
  refused(chunk.data, 10, 4, "truncated");
  refused({0x02}, 10, 1, "not the chunk's first");
  refused({0x01, 0x00}, 10, 2, "out of order or twice");  // a taker fill after the maker fill of one trade
  refused({0x00, 0x00}, 10, 2, "out of order or twice");  // the same fill twice
  refused({0x00, 0x02}, std::numeric_limits<uint64_t>::max(), 2, "past 2^64");
  refused({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02}, 10, 1, "overlong");
  read.clear();
  EXPECT_TRUE(hi::unpack_ids({}, 10, 0, &read).is_ok());
  EXPECT_TRUE(read.empty());
}

// What a page of `all` (an account's entries, oldest first) must be, as history.h's Page says.
std::vector<EntryRow> expected_page(const std::vector<EntryRow>& all, const Page& page) {
  std::vector<EntryRow> kept;
  for (const EntryRow& e : all) {
    if (page.from_id && e.transfer_id < *page.from_id) continue;
    if (page.start_ms && e.time_ms < *page.start_ms) continue;
    if (page.end_ms && e.time_ms > *page.end_ms) continue;
    kept.push_back(e);
  }
  const size_t limit = page.limit == 0 ? kDefaultLimit : std::min(page.limit, kMaxLimit);
  if (kept.size() <= limit) return kept;
  const bool ascending = page.from_id.has_value() || page.start_ms.has_value();
  return ascending ? std::vector<EntryRow>(kept.begin(), kept.begin() + static_cast<ptrdiff_t>(limit))
                   : std::vector<EntryRow>(kept.end() - static_cast<ptrdiff_t>(limit), kept.end());
}

class EntryStatements : public HistoryFixture {};

TEST_F(EntryStatements, PagesAcrossChunksMatchOneList) {
  open_writer(WriterOptions{.blocks_per_transaction = 7});
  // 60 blocks of three transfers each between Alice and Bob: Alice's KZT account gets 181 entries, six chunks.
  for (int block = 0; block < 60; block++) {
    if (block == 31) {  // the open chunk is read back
      ASSERT_TRUE(writer_->flush().is_ok());
      open_writer(WriterOptions{.blocks_per_transaction = 5});
    }
    std::vector<Command> commands;
    for (int i = 0; i < 3; i++) {
      const int64_t amount = 100 + block * 3 + i;
      commands.push_back((block + i) % 2 == 0 ? make_transfer(kzt_account(kAlice), kzt_account(kBob), amount)
                                              : make_transfer(kzt_account(kBob), kzt_account(kAlice), amount));
    }
    run(commands);
  }
  ASSERT_TRUE(writer_->flush().is_ok());
  const uint64_t alice = kzt_account(kAlice);
  EXPECT_EQ(query("SELECT count(*) FROM account_entries WHERE account = " + std::to_string(alice)), 6);

  auto r = reader();
  std::vector<EntryRow> all;
  ASSERT_TRUE(r->entries(alice, Page{.from_id = 0, .limit = kMaxLimit}, &all).is_ok());
  ASSERT_EQ(all.size(), 181u);
  int64_t balance = 0;
  for (size_t i = 0; i < all.size(); i++) {
    if (i > 0) {
      EXPECT_LT(all[i - 1].transfer_id, all[i].transfer_id);
    }
    balance += all[i].credit_account == alice ? all[i].amount_minor : -all[i].amount_minor;
    EXPECT_EQ(all[i].credit_account == alice ? all[i].credit_balance_after : all[i].debit_balance_after, balance);
  }
  EXPECT_EQ(balance, engine_.ledger().account(alice)->total_minor);

  std::vector<Page> pages = {Page{}, Page{.limit = 1}, Page{.limit = 70}, Page{.limit = 2000}};
  for (const size_t at : {size_t{0}, size_t{1}, size_t{31}, size_t{32}, size_t{33}, size_t{63}, size_t{64},
                          size_t{159}, size_t{160}, size_t{180}}) {
    pages.push_back(Page{.from_id = all[at].transfer_id, .limit = 10});
    pages.push_back(Page{.from_id = all[at].transfer_id + 1, .limit = 100});
    pages.push_back(Page{.start_ms = all[at].time_ms, .limit = 5});
    pages.push_back(Page{.end_ms = all[at].time_ms, .limit = 65});
    pages.push_back(Page{.start_ms = all[at].time_ms - 1, .end_ms = all[at].time_ms + 20'000});
    pages.push_back(Page{.from_id = all[at].transfer_id, .start_ms = all[0].time_ms, .end_ms = all[at].time_ms});
  }
  pages.push_back(Page{.from_id = all.back().transfer_id + 1});
  pages.push_back(Page{.start_ms = all.back().time_ms + 1});
  pages.push_back(Page{.end_ms = all.front().time_ms - 1});
  pages.push_back(Page{.start_ms = all[100].time_ms, .end_ms = all[50].time_ms});
  for (const Page& page : pages) {
    std::vector<EntryRow> got;
    ASSERT_TRUE(r->entries(alice, page, &got).is_ok());
    EXPECT_EQ(got, expected_page(all, page)) << "from " << page.from_id.value_or(0) << " start "
                                             << page.start_ms.value_or(0) << " end " << page.end_ms.value_or(0)
                                             << " limit " << page.limit;
  }

  // A rebuild from the blocks, in other batches, has the same rows.
  const std::string rebuilt = dir_.file("rebuilt.db");
  RebuildReport report;
  ASSERT_TRUE(rebuild_history(rebuilt, source_of(&blocks_), RebuildOptions{.blocks_per_transaction = 3}, &report)
                  .is_ok());
  writer_.reset();
  EXPECT_EQ(hash_of(rebuilt), hash_of(path_));
  EXPECT_EQ(compare_balances(), "");
}

TEST(EntryChunksMigration, VersionTwoEntriesMoveIntoChunks) {
  TempDir dir;
  const std::string path = dir.file("v2.db");
  std::vector<EntryRow> rows;
  {
    std::unique_ptr<sqlite::Database> db;
    ASSERT_TRUE(sqlite::Database::open(path, sqlite::OpenOptions{}, &db).is_ok());
    // Version 2 as it was: its two steps, then 150 entries among accounts 1-3.
    const auto steps = hi::schema_steps();
    ASSERT_GE(steps.size(), 3u);
    ASSERT_TRUE(db->exec(steps[0].sql, "v1").is_ok());
    ASSERT_TRUE(db->exec(steps[1].sql, "v2").is_ok());
    ASSERT_TRUE(db->exec("PRAGMA user_version=2", "v2").is_ok());
    sqlite::Statement insert;
    ASSERT_TRUE(db->prepare("INSERT INTO entries(transfer_id, kind, asset, debit_account, credit_account, amount, "
                            "debit_balance_after, credit_balance_after, hold_id, trade_id, reference, height, "
                            "time_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            &insert)
                    .is_ok());
    for (uint64_t id = 1; id <= 150; id++) {
      const uint64_t debit = 1 + id % 3;
      const uint64_t credit = 1 + (id + 1) % 3;
      rows.push_back(EntryRow{.transfer_id = id,
                              .kind = id % 2 == 0 ? "trade" : "transfer",
                              .asset = 2,
                              .debit_account = debit,
                              .credit_account = credit,
                              .amount_minor = static_cast<int64_t>(id),
                              .debit_balance_after = -static_cast<int64_t>(id),
                              .credit_balance_after = static_cast<int64_t>(id * 7),
                              .hold_id = 0,
                              .trade_id = id % 2 == 0 ? id / 2 : 0,
                              .reference = id % 2 == 0 ? 0 : id * 11,
                              .height = id / 4,
                              .time_ms = static_cast<int64_t>(1'000 * (id / 4))});
      const EntryRow& e = rows.back();
      ASSERT_TRUE(insert.bind(1, e.transfer_id)
                      .bind(2, e.kind)
                      .bind(3, e.asset)
                      .bind(4, e.debit_account)
                      .bind(5, e.credit_account)
                      .bind(6, e.amount_minor)
                      .bind(7, e.debit_balance_after)
                      .bind(8, e.credit_balance_after)
                      .bind(9, e.hold_id)
                      .bind(10, e.trade_id)
                      .bind(11, e.reference)
                      .bind(12, e.height)
                      .bind(13, e.time_ms)
                      .run("inserting")
                      .is_ok());
    }
  }
  std::unique_ptr<HistoryWriter> writer;
  const Status opened = HistoryWriter::open(path, WriterOptions{}, &writer);
  ASSERT_TRUE(opened.is_ok()) << opened.message();
  writer.reset();
  std::unique_ptr<HistoryReader> reader;
  ASSERT_TRUE(HistoryReader::open(path, &reader).is_ok());
  for (uint64_t account = 1; account <= 3; account++) {
    std::vector<EntryRow> expected;
    for (const EntryRow& e : rows) {
      if (e.debit_account == account || e.credit_account == account) expected.push_back(e);
    }
    std::vector<EntryRow> got;
    ASSERT_TRUE(reader->entries(account, Page{.from_id = 0, .limit = kMaxLimit}, &got).is_ok());
    EXPECT_EQ(got, expected) << "account " << account;
  }
  std::unique_ptr<sqlite::Database> db;
  ASSERT_TRUE(sqlite::Database::open(path, sqlite::OpenOptions{.read_only = true}, &db).is_ok());
  int64_t tables = -1;
  ASSERT_TRUE(db->query_i64("SELECT count(*) FROM sqlite_master WHERE name = 'entries'", &tables).is_ok());
  EXPECT_EQ(tables, 0);
  // And on to version 4: fills are read from trades, their table gone; then version 5: the owners' fills in
  // chunks, no index of trades by owner.
  ASSERT_TRUE(db->query_i64("SELECT count(*) FROM sqlite_master WHERE name = 'fills'", &tables).is_ok());
  EXPECT_EQ(tables, 0);
  ASSERT_TRUE(db->query_i64("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'trades' AND "
                            "name IN ('trades_of_maker', 'trades_of_taker')",
                            &tables)
                  .is_ok());
  EXPECT_EQ(tables, 0);
  ASSERT_TRUE(db->query_i64("SELECT count(*) FROM sqlite_master WHERE name = 'owner_trades'", &tables).is_ok());
  EXPECT_EQ(tables, 1);
  // Version 6: the owners' orders in chunks, no index by owner.
  ASSERT_TRUE(db->query_i64("SELECT count(*) FROM sqlite_master WHERE name IN ('owner_orders', 'orders_of_owner')",
                            &tables)
                  .is_ok());
  EXPECT_EQ(tables, 1);
  // Version 7: no index of trades by market.
  ASSERT_TRUE(db->query_i64("SELECT count(*) FROM sqlite_master WHERE name = 'trades_of_market'", &tables).is_ok());
  EXPECT_EQ(tables, 0);
  // Version 8: an order's trades as maker in its row, no index by maker order.
  ASSERT_TRUE(
      db->query_i64("SELECT count(*) FROM sqlite_master WHERE name = 'trades_of_maker_order'", &tables).is_ok());
  EXPECT_EQ(tables, 0);
  ASSERT_TRUE(db->query_i64("SELECT count(*) FROM pragma_table_info('orders') WHERE name = 'maker_trades'", &tables)
                  .is_ok());
  EXPECT_EQ(tables, 1);
  int64_t version = 0;
  ASSERT_TRUE(db->user_version(&version).is_ok());
  EXPECT_EQ(version, 8);
}

}  // namespace
}  // namespace qz::history::testing
