// The history projection through a real Engine: one scenario with every order end state, partial fills, a
// cancel-replace, an amend, a stop, a good-till-date expiry, a market order, self-trade prevention, a ledger hold
// post and a transfer reference, checked row by row; then the reader's pages, resuming after a restart (also
// in the middle of a batch), rebuild equality, and the writer's refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fixture.h"
#include "print.h"

namespace qz::history::testing {
namespace {

int64_t ms(uint64_t ns) { return static_cast<int64_t>(ns / 1'000'000); }

class HistoryScenario : public HistoryFixture {
 public:
  // The scenario of this file (ids dense from 1: orders 1-15, trades 1-7). Times are recorded in t_[].
  void play() {
    // 1. Alice rests a sell of 1 BTC at P.
    run({with_client_id(
        make_place_order(kAlice, kMarket, OrderSideCode::sell, OrderType::limit, OrderTif::gtc, kPrice, kOneBtc), 11)});
    mark(1);
    // 2. Bob buys 0.4: order 1 partially filled, order 2 filled (trade 1).
    run({with_client_id(
        make_place_order(kBob, kMarket, OrderSideCode::buy, OrderType::limit, OrderTif::gtc, kPrice, 4 * kOneBtc / 10),
        21)});
    mark(2);
    // 3. Bob's IOC for 1 BTC takes the 0.6 left (trade 2) and expires with the rest.
    run({with_client_id(
        make_place_order(kBob, kMarket, OrderSideCode::buy, OrderType::limit, OrderTif::ioc, kPrice, kOneBtc), 22)});
    mark(3);
    // 4. Three asks: Carol 0.5 at P+1 (order 4), Carol 0.5 at P+2 (order 5), Alice 0.3 at P+1 (order 6).
    run({make_place_order(kCarol, kMarket, OrderSideCode::sell, OrderType::limit, OrderTif::gtc, kPrice + kTick,
                          5 * kOneBtc / 10),
         with_client_id(make_place_order(kCarol, kMarket, OrderSideCode::sell, OrderType::limit, OrderTif::gtc,
                                         kPrice + 2 * kTick, 5 * kOneBtc / 10),
                        31),
         make_place_order(kAlice, kMarket, OrderSideCode::sell, OrderType::limit, OrderTif::gtc, kPrice + kTick,
                          3 * kOneBtc / 10)});
    mark(4);
    // 5. Bob sweeps 0.9 up to P+2: trades 3 (order 4) and 4 (order 6) at P+1, trade 5 (0.1 of order 5) at P+2.
    run({make_place_order(kBob, kMarket, OrderSideCode::buy, OrderType::limit, OrderTif::gtc, kPrice + 2 * kTick,
                          9 * kOneBtc / 10)});
    mark(5);
    // 6. Carol replaces order 5 (0.4 left) by a sell of 0.4 at P+3 (order 8).
    Command cancel = make_cancel_order(kCarol, kMarket, 5);
    cancel.flags = kFlagLinked;
    run({cancel, with_client_id(make_place_order(kCarol, kMarket, OrderSideCode::sell, OrderType::limit, OrderTif::gtc,
                                                 kPrice + 3 * kTick, 4 * kOneBtc / 10),
                                32)});
    mark(6);
    // 7. Carol amends order 8 down to 0.2.
    run({make_amend_order(kCarol, kMarket, 8, 2 * kOneBtc / 10)});
    mark(7);
    // 8. Alice bids 0.1 at P-1 (order 9); 9. her own sell into it expires by self-trade prevention (order 10).
    run({with_client_id(make_place_order(kAlice, kMarket, OrderSideCode::buy, OrderType::limit, OrderTif::gtc,
                                         kPrice - kTick, kOneBtc / 10),
                        12)});
    mark(8);
    Command self_trade = make_place_order(kAlice, kMarket, OrderSideCode::sell, OrderType::limit, OrderTif::gtc,
                                          kPrice - kTick, kOneBtc / 10);
    self_trade.place_order.self_trade_prevention = 1;  // expire taker
    run({self_trade});
    mark(9);
    // 10. Alice cancels order 9 by its client order id.
    run({make_cancel_order(kAlice, kMarket, 0, 12)});
    mark(10);
    // 11. Bob bids 0.1 at P-5 good till 1.5 s from now (order 11).
    Command gtd = make_place_order(kBob, kMarket, OrderSideCode::buy, OrderType::limit, OrderTif::gtd,
                                   kPrice - 5 * kTick, kOneBtc / 10);
    gtd.place_order.aux = time_ns_ + kSecondNs + kSecondNs + kSecondNs / 2;
    run({gtd});
    mark(11);
    // 12. Alice's stop-loss sell 0.1 (stop P+1, limit P) waits (order 12); Bob bids 0.1 at P (order 13).
    Command stop = make_place_order(kAlice, kMarket, OrderSideCode::sell, OrderType::stop_loss_limit, OrderTif::gtc,
                                    kPrice, kOneBtc / 10);
    stop.place_order.stop_price_minor = kPrice + kTick;
    run({stop,
         make_place_order(kBob, kMarket, OrderSideCode::buy, OrderType::limit, OrderTif::gtc, kPrice, kOneBtc / 10)});
    mark(12);
    // 13. Order 11 expires at the block's start; Carol sells into order 13 at P (trade 6, order 14), which
    //     triggers order 12: it rests at P.
    run({make_place_order(kCarol, kMarket, OrderSideCode::sell, OrderType::limit, OrderTif::gtc, kPrice,
                          kOneBtc / 10)});
    mark(13);
    // 14. Bob's market buy of 0.1 (order 15) takes order 12 (trade 7).
    run({make_place_order(kBob, kMarket, OrderSideCode::buy, OrderType::market, OrderTif::none, 0, kOneBtc / 10)});
    mark(14);
    // 15. Ledger: a hold on Alice's KZT to the KZT issuance account, and a transfer with a reference;
    //     16. the hold is posted.
    Command transfer = make_transfer(2, kzt_account(kCarol), 5'00);
    transfer.transfer.reference = 777;
    run({make_hold(kzt_account(kAlice), 2, 1'000'00, 0), transfer});
    mark(15);
    run({make_post_hold(1, 0, 0)});
    mark(16);
  }

  void mark(int step) { t_[step] = ms(time_ns_); }

  OrderRow order(uint64_t id) {
    OrderRow row;
    bool found = false;
    const Status status = reader_->order(kMarket, id, &row, &found);
    EXPECT_TRUE(status.is_ok()) << status.message();
    EXPECT_TRUE(found) << "order " << id;
    return row;
  }

  void SetUp() override {
    HistoryFixture::SetUp();
    play();
    reader_ = reader();
  }

  std::map<int, int64_t> t_;
  std::unique_ptr<HistoryReader> reader_;
};

OrderRow limit_row(uint64_t id, uint64_t owner, uint64_t account, OrderSideCode side, OrderTif tif, int64_t price,
                   int64_t qty) {
  return OrderRow{.id = id,
                  .market = kMarket,
                  .owner = owner,
                  .account = account,
                  .side = static_cast<uint8_t>(side),
                  .type = static_cast<uint8_t>(OrderType::limit),
                  .time_in_force = static_cast<uint8_t>(tif),
                  .price_minor = price,
                  .orig_qty_minor = qty};
}

TEST_F(HistoryScenario, OrdersEndInEveryStateWithExactTotals) {
  const int64_t q4 = 4 * kOneBtc / 10;
  const int64_t q6 = 6 * kOneBtc / 10;

  OrderRow o1 = limit_row(1, kAlice, btc_account(kAlice), OrderSideCode::sell, OrderTif::gtc, kPrice, kOneBtc);
  o1.client_order_id = 11;
  o1.executed_qty_minor = kOneBtc;
  o1.cumulative_quote_minor = notional(kPrice, kOneBtc);
  o1.fee_minor = fee(q4, 10) + fee(q6, 10);  // maker, in BTC
  o1.status = OrderStatus::filled;
  o1.created_height = 10;
  o1.created_ms = o1.working_ms = t_[1];
  o1.updated_ms = t_[3];
  EXPECT_EQ(order(1), o1);

  OrderRow o2 = limit_row(2, kBob, kzt_account(kBob), OrderSideCode::buy, OrderTif::gtc, kPrice, q4);
  o2.client_order_id = 21;
  o2.executed_qty_minor = q4;
  o2.cumulative_quote_minor = notional(kPrice, q4);
  o2.fee_minor = fee(notional(kPrice, q4), 20);  // taker, in KZT
  o2.status = OrderStatus::filled;
  o2.created_height = 11;
  o2.created_ms = o2.working_ms = o2.updated_ms = t_[2];
  EXPECT_EQ(order(2), o2);

  OrderRow o3 = limit_row(3, kBob, kzt_account(kBob), OrderSideCode::buy, OrderTif::ioc, kPrice, kOneBtc);
  o3.client_order_id = 22;
  o3.executed_qty_minor = q6;
  o3.cumulative_quote_minor = notional(kPrice, q6);
  o3.fee_minor = fee(notional(kPrice, q6), 20);
  o3.status = OrderStatus::expired;
  o3.end_reason = static_cast<uint8_t>(OrderEndReason::ioc_remainder);
  o3.created_height = 12;
  o3.created_ms = o3.working_ms = o3.updated_ms = t_[3];
  EXPECT_EQ(order(3), o3);

  // Order 5: partially filled, then cancelled by the replace.
  const OrderRow o5 = order(5);
  EXPECT_EQ(o5.client_order_id, 31u);
  EXPECT_EQ(o5.executed_qty_minor, kOneBtc / 10);
  EXPECT_EQ(o5.cumulative_quote_minor, notional(kPrice + 2 * kTick, kOneBtc / 10));
  EXPECT_EQ(o5.status, OrderStatus::canceled);
  EXPECT_EQ(o5.end_reason, static_cast<uint8_t>(OrderEndReason::replaced));
  EXPECT_EQ(o5.updated_ms, t_[6]);

  // Order 7 swept two levels; order 6 (Alice, behind Carol at P+1) filled whole.
  const OrderRow o7 = order(7);
  EXPECT_EQ(o7.status, OrderStatus::filled);
  EXPECT_EQ(o7.executed_qty_minor, 9 * kOneBtc / 10);
  const int64_t o7_quote = notional(kPrice + kTick, 8 * kOneBtc / 10) + notional(kPrice + 2 * kTick, kOneBtc / 10);
  EXPECT_EQ(o7.cumulative_quote_minor, o7_quote);
  EXPECT_EQ(o7.fee_minor, fee(notional(kPrice + kTick, 5 * kOneBtc / 10), 20) +
                              fee(notional(kPrice + kTick, 3 * kOneBtc / 10), 20) +
                              fee(notional(kPrice + 2 * kTick, kOneBtc / 10), 20));
  EXPECT_EQ(order(6).status, OrderStatus::filled);

  // Order 8: the replacement, amended down, still resting untouched.
  OrderRow o8 = limit_row(8, kCarol, btc_account(kCarol), OrderSideCode::sell, OrderTif::gtc, kPrice + 3 * kTick,
                          2 * kOneBtc / 10);
  o8.client_order_id = 32;
  o8.status = OrderStatus::new_order;
  o8.created_height = 15;
  o8.created_ms = o8.working_ms = t_[6];
  o8.updated_ms = t_[7];
  EXPECT_EQ(order(8), o8);

  EXPECT_EQ(order(9).status, OrderStatus::canceled);
  EXPECT_EQ(order(9).end_reason, static_cast<uint8_t>(OrderEndReason::by_owner));
  EXPECT_EQ(order(9).client_order_id, 12u);
  EXPECT_EQ(order(10).status, OrderStatus::expired_in_match);
  EXPECT_EQ(order(10).end_reason, static_cast<uint8_t>(OrderEndReason::self_trade_taker));
  EXPECT_EQ(order(10).self_trade_prevention, 1);
  EXPECT_EQ(order(10).executed_qty_minor, 0);

  const OrderRow o11 = order(11);
  EXPECT_EQ(o11.status, OrderStatus::expired);
  EXPECT_EQ(o11.end_reason, static_cast<uint8_t>(OrderEndReason::good_till_date));
  EXPECT_EQ(o11.time_in_force, static_cast<uint8_t>(OrderTif::gtd));
  EXPECT_EQ(o11.good_till_ms, t_[11] + 1'500);
  EXPECT_EQ(o11.updated_ms, t_[13]);

  // The stop order: created waiting (working 0), triggered in step 13, filled by the market order in step 14.
  OrderRow o12 = OrderRow{.id = 12,
                          .market = kMarket,
                          .owner = kAlice,
                          .account = btc_account(kAlice),
                          .side = static_cast<uint8_t>(OrderSideCode::sell),
                          .type = static_cast<uint8_t>(OrderType::stop_loss_limit),
                          .time_in_force = static_cast<uint8_t>(OrderTif::gtc),
                          .price_minor = kPrice,
                          .stop_price_minor = kPrice + kTick,
                          .orig_qty_minor = kOneBtc / 10,
                          .executed_qty_minor = kOneBtc / 10,
                          .cumulative_quote_minor = notional(kPrice, kOneBtc / 10),
                          .fee_minor = fee(kOneBtc / 10, 10),
                          .status = OrderStatus::filled,
                          .created_height = 21,
                          .created_ms = t_[12],
                          .working_ms = t_[13],
                          .updated_ms = t_[14]};
  EXPECT_EQ(order(12), o12);

  const OrderRow o15 = order(15);
  EXPECT_EQ(o15.type, static_cast<uint8_t>(OrderType::market));
  EXPECT_EQ(o15.price_minor, 0);  // a market order has no limit price
  EXPECT_EQ(o15.status, OrderStatus::filled);
  EXPECT_EQ(o15.cumulative_quote_minor, notional(kPrice, kOneBtc / 10));

  // Open orders: only order 8 (Carol).
  std::vector<OrderRow> open;
  ASSERT_TRUE(reader_->open_orders(kCarol, kMarket, &open).is_ok());
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].id, 8u);
  ASSERT_TRUE(reader_->open_orders(kAlice, std::nullopt, &open).is_ok());
  EXPECT_TRUE(open.empty());

  // By client order id.
  OrderRow found_row;
  bool found = false;
  ASSERT_TRUE(reader_->order_by_client_id(kCarol, kMarket, 32, &found_row, &found).is_ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(found_row.id, 8u);
  ASSERT_TRUE(reader_->order_by_client_id(kBob, kMarket, 32, &found_row, &found).is_ok());
  EXPECT_FALSE(found);  // another owner's id
  // An order placed without one answers to the id generated from its order id; one with its own id does not.
  ASSERT_TRUE(reader_->order_by_client_id(kCarol, kMarket, generated_client_order_key(4), &found_row, &found).is_ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(found_row.id, 4u);
  EXPECT_TRUE(answers_to_client_order_key(found_row, generated_client_order_key(4)));
  EXPECT_FALSE(answers_to_client_order_key(found_row, generated_client_order_key(5)));
  EXPECT_FALSE(answers_to_client_order_key(found_row, 0));
  ASSERT_TRUE(reader_->order_by_client_id(kAlice, kMarket, generated_client_order_key(4), &found_row, &found).is_ok());
  EXPECT_FALSE(found);  // Carol's order
  ASSERT_TRUE(reader_->order_by_client_id(kCarol, kMarket, generated_client_order_key(5), &found_row, &found).is_ok());
  EXPECT_FALSE(found);  // order 5 has its own id, 31
  EXPECT_TRUE(answers_to_client_order_key(order(5), 31));
  EXPECT_FALSE(answers_to_client_order_key(order(5), generated_client_order_key(5)));
  ASSERT_TRUE(
      reader_->order_by_client_id(kCarol, kMarket, generated_client_order_key(999), &found_row, &found).is_ok());
  EXPECT_FALSE(found);  // no such order
  ASSERT_TRUE(reader_->order(2, 1, &found_row, &found).is_ok());
  EXPECT_FALSE(found);  // another market

  EXPECT_EQ(compare_balances(), "");
}

TEST_F(HistoryScenario, TradesFillsAndAggregateTrades) {
  std::vector<TradeRow> trades;
  ASSERT_TRUE(reader_->trades(kMarket, Page{}, &trades).is_ok());
  ASSERT_EQ(trades.size(), 7u);
  const TradeRow t1{.id = 1,
                    .market = kMarket,
                    .price_minor = kPrice,
                    .qty_minor = 4 * kOneBtc / 10,
                    .quote_qty_minor = notional(kPrice, 4 * kOneBtc / 10),
                    .buyer_is_maker = false,
                    .maker_order = 1,
                    .taker_order = 2,
                    .maker_owner = kAlice,
                    .taker_owner = kBob,
                    .maker_fee_minor = fee(4 * kOneBtc / 10, 10),
                    .taker_fee_minor = fee(notional(kPrice, 4 * kOneBtc / 10), 20),
                    .agg_id = 1,
                    .height = 11,
                    .time_ms = t_[2]};
  EXPECT_EQ(trades[0], t1);
  EXPECT_EQ(trades[2].price_minor, kPrice + kTick);
  EXPECT_EQ(trades[3].maker_order, 6u);
  EXPECT_EQ(trades[4].price_minor, kPrice + 2 * kTick);
  EXPECT_EQ(trades[5].taker_order, 14u);  // Carol's sell into Bob's bid: the buyer was the maker
  EXPECT_TRUE(trades[5].buyer_is_maker);
  EXPECT_EQ(trades[6].maker_order, 12u);
  EXPECT_EQ(trades[6].taker_order, 15u);

  // Aggregates: trades 3 and 4 (one taker, one price) are one; the P+2 fill of the same taker is another.
  std::vector<AggTradeRow> aggs;
  ASSERT_TRUE(reader_->agg_trades(kMarket, Page{}, &aggs).is_ok());
  ASSERT_EQ(aggs.size(), 6u);
  EXPECT_EQ(aggs[2], (AggTradeRow{.id = 3,
                                  .market = kMarket,
                                  .price_minor = kPrice + kTick,
                                  .qty_minor = 8 * kOneBtc / 10,
                                  .first_trade_id = 3,
                                  .last_trade_id = 4,
                                  .buyer_is_maker = false,
                                  .time_ms = t_[5]}));
  EXPECT_EQ(aggs[3].first_trade_id, 5u);
  EXPECT_EQ(aggs[3].last_trade_id, 5u);
  EXPECT_EQ(aggs[4].first_trade_id, 6u);
  EXPECT_TRUE(aggs[4].buyer_is_maker);
  EXPECT_EQ(trades[3].agg_id, 3u);
  EXPECT_EQ(trades[4].agg_id, 4u);

  // Bob's fills, oldest first: trades 1, 2 (taker), 3, 4, 5 (taker), 6 (maker), 7 (taker).
  std::vector<FillRow> fills;
  ASSERT_TRUE(reader_->my_trades(kBob, kMarket, Page{}, std::nullopt, &fills).is_ok());
  ASSERT_EQ(fills.size(), 7u);
  EXPECT_EQ(fills[0], (FillRow{.owner = kBob,
                               .market = kMarket,
                               .trade_id = 1,
                               .order_id = 2,
                               .is_buyer = true,
                               .is_maker = false,
                               .price_minor = kPrice,
                               .qty_minor = 4 * kOneBtc / 10,
                               .quote_qty_minor = notional(kPrice, 4 * kOneBtc / 10),
                               .fee_minor = fee(notional(kPrice, 4 * kOneBtc / 10), 20),
                               .fee_asset = kKzt,
                               .time_ms = t_[2]}));
  EXPECT_TRUE(fills[5].is_maker);
  EXPECT_EQ(fills[5].order_id, 13u);
  EXPECT_EQ(fills[5].fee_minor, fee(notional(kPrice, kOneBtc / 10), 10));
  // One order's fills.
  ASSERT_TRUE(reader_->my_trades(kBob, kMarket, Page{}, uint64_t{7}, &fills).is_ok());
  ASSERT_EQ(fills.size(), 3u);
  EXPECT_EQ(fills[0].trade_id, 3u);
  EXPECT_EQ(fills[2].trade_id, 5u);
  // Alice's as seller and maker: fee in BTC.
  ASSERT_TRUE(reader_->my_trades(kAlice, kMarket, Page{.from_id = 2}, std::nullopt, &fills).is_ok());
  ASSERT_EQ(fills.size(), 3u);  // trades 2, 4, 7
  EXPECT_EQ(fills[0].trade_id, 2u);
  EXPECT_FALSE(fills[0].is_buyer);
  EXPECT_EQ(fills[0].fee_asset, kBtc);
  EXPECT_EQ(fills[2].trade_id, 7u);
}

TEST_F(HistoryScenario, LedgerEntriesCoverTransfersHoldPostsAndSettlements) {
  // Transfer ids are dense: 6 fundings, then 4 payments per trade with fees on both sides (7 trades: 28), then
  // the reference transfer and the hold post.
  EXPECT_EQ(query("SELECT value FROM meta WHERE key = 'next_transfer_id'"), 37);
  // Every entry is in its two accounts' chunks: 72 postings.
  EXPECT_EQ(query("SELECT sum(count) FROM account_entries"), 72);
  EXPECT_EQ(query("SELECT max(last_transfer_id) FROM account_entries"), 36);

  std::vector<EntryRow> entries;
  ASSERT_TRUE(reader_->entries(kzt_account(kAlice), Page{}, &entries).is_ok());
  ASSERT_FALSE(entries.empty());
  const EntryRow& post = entries.back();
  EXPECT_EQ(post.kind, "hold_post");
  EXPECT_EQ(post.transfer_id, 36u);
  EXPECT_EQ(post.hold_id, 1u);
  EXPECT_EQ(post.debit_account, kzt_account(kAlice));
  EXPECT_EQ(post.credit_account, 2u);
  EXPECT_EQ(post.amount_minor, 1'000'00);
  EXPECT_EQ(post.debit_balance_after, engine_.ledger().account(kzt_account(kAlice))->total_minor);
  EXPECT_EQ(post.credit_balance_after, engine_.ledger().account(2)->total_minor);
  EXPECT_EQ(post.time_ms, t_[16]);

  // Trade 1's settlement: Bob pays the notional and his fee in KZT, Alice the BTC and her fee.
  ASSERT_TRUE(reader_->entries(btc_account(kAlice), Page{.from_id = 7, .limit = 2}, &entries).is_ok());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].transfer_id, 9u);
  EXPECT_EQ(entries[0].kind, "trade");
  EXPECT_EQ(entries[0].trade_id, 1u);
  EXPECT_EQ(entries[0].credit_account, btc_account(kBob));
  EXPECT_EQ(entries[0].amount_minor, 4 * kOneBtc / 10);
  EXPECT_EQ(entries[0].debit_balance_after, 100 * kOneBtc - 4 * kOneBtc / 10);
  EXPECT_EQ(entries[1].kind, "fee");
  EXPECT_EQ(entries[1].credit_account, 3u);
  EXPECT_EQ(entries[1].amount_minor, fee(4 * kOneBtc / 10, 10));

  // The transfer keeps its command's reference.
  ASSERT_TRUE(reader_->entries(kzt_account(kCarol), Page{.limit = 1}, &entries).is_ok());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].kind, "transfer");
  EXPECT_EQ(entries[0].reference, 777u);
  EXPECT_EQ(entries[0].transfer_id, 35u);

  // Every account's entries add up to its balance, and each entry's balance after is the running sum.
  std::vector<uint64_t> seen;
  for (uint64_t account = 1; account <= 10; account++) {
    ASSERT_TRUE(reader_->entries(account, Page{.from_id = 0, .limit = kMaxLimit}, &entries).is_ok());
    int64_t balance = 0;
    for (const EntryRow& e : entries) {
      ASSERT_TRUE(e.debit_account == account || e.credit_account == account);
      balance += e.credit_account == account ? e.amount_minor : -e.amount_minor;
      EXPECT_EQ(e.credit_account == account ? e.credit_balance_after : e.debit_balance_after, balance);
      seen.push_back(e.transfer_id);
    }
    EXPECT_EQ(balance, engine_.ledger().account(account)->total_minor) << "account " << account;
  }
  // Each of the 36 transfers seen from both of its accounts.
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen.size(), 72u);
  for (size_t i = 0; i < seen.size(); i++) EXPECT_EQ(seen[i], i / 2 + 1);
  EXPECT_EQ(compare_balances(), "");
}

TEST_F(HistoryScenario, PagesFollowBinance) {
  std::vector<OrderRow> orders;
  // Most recent first limited, returned oldest first.
  ASSERT_TRUE(reader_->all_orders(kBob, kMarket, Page{.limit = 2}, &orders).is_ok());
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0].id, 13u);
  EXPECT_EQ(orders[1].id, 15u);
  // From an id, ascending.
  ASSERT_TRUE(reader_->all_orders(kBob, kMarket, Page{.from_id = 3, .limit = 2}, &orders).is_ok());
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0].id, 3u);
  EXPECT_EQ(orders[1].id, 7u);
  // A time range: created in [t2, t5] -> 2, 3, 7.
  ASSERT_TRUE(reader_->all_orders(kBob, kMarket, Page{.start_ms = t_[2], .end_ms = t_[5]}, &orders).is_ok());
  ASSERT_EQ(orders.size(), 3u);
  EXPECT_EQ(orders[0].id, 2u);
  EXPECT_EQ(orders[2].id, 7u);
  // End only: the most recent up to it.
  ASSERT_TRUE(reader_->all_orders(kBob, kMarket, Page{.end_ms = t_[5] - 1, .limit = 1}, &orders).is_ok());
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].id, 3u);
  // A window between orders, and one after everything.
  ASSERT_TRUE(reader_->all_orders(kBob, kMarket, Page{.start_ms = t_[5] + 1, .end_ms = t_[11] - 1}, &orders).is_ok());
  EXPECT_TRUE(orders.empty());
  ASSERT_TRUE(reader_->all_orders(kBob, kMarket, Page{.start_ms = t_[16] + 1}, &orders).is_ok());
  EXPECT_TRUE(orders.empty());
  ASSERT_TRUE(reader_->all_orders(kBob, 2, Page{}, &orders).is_ok());
  EXPECT_TRUE(orders.empty());

  // Trades by time and from an id.
  std::vector<TradeRow> trades;
  ASSERT_TRUE(reader_->trades(kMarket, Page{.start_ms = t_[5], .limit = 2}, &trades).is_ok());
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].id, 3u);
  EXPECT_EQ(trades[1].id, 4u);
  ASSERT_TRUE(reader_->trades(kMarket, Page{.from_id = 6}, &trades).is_ok());
  ASSERT_EQ(trades.size(), 2u);
  ASSERT_TRUE(reader_->trades(kMarket, Page{.limit = 1}, &trades).is_ok());
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].id, 7u);
  // Aggregates in a time window.
  std::vector<AggTradeRow> aggs;
  ASSERT_TRUE(reader_->agg_trades(kMarket, Page{.start_ms = t_[3], .end_ms = t_[5]}, &aggs).is_ok());
  ASSERT_EQ(aggs.size(), 3u);
  EXPECT_EQ(aggs[0].id, 2u);
  EXPECT_EQ(aggs[2].id, 4u);
  ASSERT_TRUE(reader_->agg_trades(kMarket, Page{.from_id = 5, .limit = 1}, &aggs).is_ok());
  ASSERT_EQ(aggs.size(), 1u);
  EXPECT_EQ(aggs[0].first_trade_id, 6u);
  // myTrades by time.
  std::vector<FillRow> fills;
  ASSERT_TRUE(
      reader_->my_trades(kBob, kMarket, Page{.start_ms = t_[13], .end_ms = t_[13]}, std::nullopt, &fills).is_ok());
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].trade_id, 6u);

  // Limits: 0 is the default, above the maximum is the maximum.
  ASSERT_TRUE(reader_->trades(kMarket, Page{.limit = 100'000}, &trades).is_ok());
  EXPECT_EQ(trades.size(), 7u);

  std::optional<uint64_t> height;
  ASSERT_TRUE(reader_->last_height(&height).is_ok());
  EXPECT_EQ(height, blocks_.back().height);
  std::vector<MarketRow> markets;
  ASSERT_TRUE(reader_->markets(&markets).is_ok());
  ASSERT_EQ(markets.size(), 1u);
  EXPECT_EQ(markets[0].symbol, "BTCKZT");
  EXPECT_EQ(markets[0].status, 1);
  EXPECT_EQ(markets[0].band_bps, 1'000u);
  EXPECT_EQ(markets[0].taker_fee_bps, 20u);
  EXPECT_EQ(markets[0].fee_account_quote, 4u);
}

TEST_F(HistoryScenario, RebuildGivesIdenticalRowsWhateverTheBatching) {
  ASSERT_TRUE(writer_->flush().is_ok());
  const Hash256 live = hash_of(path_);
  for (const uint32_t batch : {1u, 3u, 1'000u}) {
    const std::string copy = dir_.file("rebuilt-" + std::to_string(batch) + ".db");
    RebuildReport report;
    const Status status =
        rebuild_history(copy, source_of(&blocks_), RebuildOptions{.blocks_per_transaction = batch}, &report);
    ASSERT_TRUE(status.is_ok()) << status.message();
    EXPECT_EQ(report.blocks, blocks_.size());
    EXPECT_EQ(report.last_height, blocks_.back().height);
    EXPECT_EQ(hash_of(copy), live) << "batch " << batch;
    EXPECT_FALSE(std::filesystem::exists(copy + ".rebuild"));
  }
  // Rebuilding over an existing file replaces it.
  const std::string target = dir_.file("rebuilt-1.db");
  RebuildReport report;
  ASSERT_TRUE(rebuild_history(target, source_of(&blocks_), RebuildOptions{}, &report).is_ok());
  EXPECT_EQ(hash_of(target), live);

  // A source that fails leaves the target as it was and no partial file.
  const BlockSource failing = [this](const BlockSink& sink) {
    QZ_TRY(sink(BlockInput{.height = blocks_[0].height, .time_ns = blocks_[0].time_ns, .commands = blocks_[0].commands},
                blocks_[0].events));
    return Status::error("journal unreadable");
  };
  const Status status = rebuild_history(target, failing, RebuildOptions{}, &report);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("journal unreadable"), std::string::npos) << status.message();
  EXPECT_EQ(hash_of(target), live);
  EXPECT_FALSE(std::filesystem::exists(target + ".rebuild"));
}

TEST_F(HistoryFixture, ResumesAfterARestartExactly) {
  // The first half, committed block by block; the writer goes away; a new one takes the rest, while the source
  // replays everything from genesis.
  run({make_place_order(kAlice, kMarket, OrderSideCode::sell, OrderType::limit, OrderTif::gtc, kPrice, kOneBtc)});
  run({make_place_order(kBob, kMarket, OrderSideCode::buy, OrderType::limit, OrderTif::gtc, kPrice, kOneBtc / 2)});
  const size_t half = blocks_.size();
  writer_.reset();
  run({make_place_order(kBob, kMarket, OrderSideCode::buy, OrderType::limit, OrderTif::gtc, kPrice, kOneBtc / 4)});
  run({make_place_order(kCarol, kMarket, OrderSideCode::buy, OrderType::limit, OrderTif::ioc, kPrice + kTick,
                        kOneBtc)});

  open_writer();
  ASSERT_EQ(writer_->last_height(), blocks_[half - 1].height);
  for (const Recorded& b : blocks_) {
    const Status status =
        writer_->on_block(BlockInput{.height = b.height, .time_ns = b.time_ns, .commands = b.commands}, b.events);
    ASSERT_TRUE(status.is_ok()) << status.message();
  }
  EXPECT_EQ(writer_->stats().skipped_blocks, half);
  EXPECT_EQ(writer_->stats().blocks, blocks_.size() - half);
  ASSERT_TRUE(writer_->flush().is_ok());

  const std::string rebuilt = dir_.file("rebuilt.db");
  RebuildReport report;
  ASSERT_TRUE(rebuild_history(rebuilt, source_of(&blocks_), RebuildOptions{}, &report).is_ok());
  EXPECT_EQ(hash_of(path_), hash_of(rebuilt));
  EXPECT_EQ(compare_balances(), "");
  // Order 1 (partially filled before the restart) was carried across it and filled after.
  std::unique_ptr<HistoryReader> r = reader();
  OrderRow row;
  bool found = false;
  ASSERT_TRUE(r->order(kMarket, 1, &row, &found).is_ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(row.status, OrderStatus::filled);
  EXPECT_EQ(row.executed_qty_minor, kOneBtc);
}

TEST_F(HistoryFixture, UncommittedBatchIsProjectedAgainAfterACrash) {
  ASSERT_TRUE(writer_->flush().is_ok());
  const uint64_t committed = *writer_->last_height();
  open_writer(WriterOptions{.blocks_per_transaction = 4});
  for (int i = 0; i < 6; i++) {
    run({make_place_order(kAlice, kMarket, OrderSideCode::sell, OrderType::limit, OrderTif::gtc, kPrice + i * kTick,
                          kOneBtc / 10),
         make_place_order(kBob, kMarket, OrderSideCode::buy, OrderType::limit, OrderTif::gtc, kPrice + i * kTick,
                          kOneBtc / 20)});
  }
  // Four blocks were committed with the first batch; two are in the open batch when the writer dies.
  writer_.reset();
  open_writer();
  EXPECT_EQ(writer_->last_height(), committed + 4);
  for (const Recorded& b : blocks_) {
    ASSERT_TRUE(
        writer_->on_block(BlockInput{.height = b.height, .time_ns = b.time_ns, .commands = b.commands}, b.events)
            .is_ok());
  }
  EXPECT_EQ(writer_->stats().blocks, 2u);
  ASSERT_TRUE(writer_->flush().is_ok());
  const std::string rebuilt = dir_.file("rebuilt.db");
  RebuildReport report;
  ASSERT_TRUE(rebuild_history(rebuilt, source_of(&blocks_), RebuildOptions{}, &report).is_ok());
  EXPECT_EQ(hash_of(path_), hash_of(rebuilt));
  EXPECT_EQ(compare_balances(), "");
}

TEST_F(HistoryFixture, RefusesGapsAndTimeGoingBack) {
  ASSERT_TRUE(writer_->flush().is_ok());
  const Recorded& last = blocks_.back();
  const Status gap =
      writer_->on_block(BlockInput{.height = last.height + 2, .time_ns = last.time_ns + 5, .commands = {}}, {});
  ASSERT_FALSE(gap.is_ok());
  EXPECT_NE(gap.message().find("block " + std::to_string(last.height + 2) + " follows block " +
                               std::to_string(last.height) + ": the blocks between are missing"),
            std::string::npos)
      << gap.message();
  // The writer is failed now: every later call returns the error.
  const Status after =
      writer_->on_block(BlockInput{.height = last.height + 1, .time_ns = last.time_ns + 5, .commands = {}}, {});
  EXPECT_FALSE(after.is_ok());
  EXPECT_FALSE(writer_->flush().is_ok());

  open_writer();
  const Status back =
      writer_->on_block(BlockInput{.height = last.height + 1, .time_ns = last.time_ns, .commands = {}}, {});
  ASSERT_FALSE(back.is_ok());
  EXPECT_NE(back.message().find("is not later than the block before it"), std::string::npos) << back.message();

  // A fresh history starts at genesis or block 1, nowhere else.
  std::unique_ptr<HistoryWriter> fresh;
  ASSERT_TRUE(HistoryWriter::open(dir_.file("fresh.db"), WriterOptions{}, &fresh).is_ok());
  EXPECT_FALSE(fresh->on_block(BlockInput{.height = 5, .time_ns = 1, .commands = {}}, {}).is_ok());
}

TEST_F(HistoryFixture, RefusesEventsThatDoNotFitTheProjection) {
  ASSERT_TRUE(writer_->flush().is_ok());
  const Recorded& last = blocks_.back();
  // An order_filled without its trade, and a transfer whose balances differ from the projection's.
  Event filled = make_event(EventKind::order_filled, 0);
  filled.order_filled.order = 1;
  std::vector<Event> events = {filled};
  Status status =
      writer_->on_block(BlockInput{.height = last.height + 1, .time_ns = last.time_ns + 1, .commands = {}}, events);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("order_filled without its trade"), std::string::npos) << status.message();

  open_writer();
  Event transfer = make_event(EventKind::transfer_posted, 0);
  transfer.transfer_posted = TransferPostedPayload{
      .transfer = 7, .debit = 1, .credit = 5, .amount_minor = 1, .debit_balance_after = 0, .credit_balance_after = 0};
  events = {transfer};
  status =
      writer_->on_block(BlockInput{.height = last.height + 1, .time_ns = last.time_ns + 1, .commands = {}}, events);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("the engine's balances after are 0 and 0"), std::string::npos) << status.message();

  open_writer();
  transfer.transfer_posted.transfer = 9;
  events = {transfer};
  status =
      writer_->on_block(BlockInput{.height = last.height + 1, .time_ns = last.time_ns + 1, .commands = {}}, events);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("transfer id 9 where the projection expected 7"), std::string::npos)
      << status.message();
  // Nothing of the refused blocks was committed.
  open_writer();
  EXPECT_EQ(writer_->last_height(), last.height);
  EXPECT_EQ(compare_balances(), "");
}

TEST(HistoryReaderOpen, RefusesAFileThatIsNotAHistory) {
  TempDir dir;
  std::unique_ptr<sqlite::Database> db;
  ASSERT_TRUE(sqlite::Database::open(dir.file("other.db"), sqlite::OpenOptions{}, &db).is_ok());
  ASSERT_TRUE(db->exec("CREATE TABLE t(x INTEGER)").is_ok());
  std::unique_ptr<HistoryReader> reader;
  const Status status = HistoryReader::open(dir.file("other.db"), &reader);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("history schema version 0"), std::string::npos) << status.message();
  EXPECT_FALSE(HistoryReader::open(dir.file("missing.db"), &reader).is_ok());
}

TEST(ClientOrderKey, GeneratedTextsAreTheirNumbersAndOthersAHash) {
  const uint64_t key = kGeneratedClientOrderBit | (uint64_t{1'764'000'000'123} << 20) | 7;
  const std::string text = generated_client_order_text(key);
  EXPECT_EQ(text, "qz-" + std::to_string(key));
  EXPECT_LE(text.size(), 36u);  // Binance's limit for a client order id
  EXPECT_TRUE(is_generated_client_order_text(text));
  EXPECT_EQ(client_order_key(5, text), key);
  EXPECT_EQ(client_order_key(6, text), key);  // the number, whoever the owner
  EXPECT_EQ(generated_client_order_text(kGeneratedClientOrderBit), "qz-9223372036854775808");
  EXPECT_EQ(generated_client_order_text(UINT64_MAX), "qz-18446744073709551615");
  EXPECT_EQ(generated_client_order_chars(UINT64_MAX).view(), "qz-18446744073709551615");  // the buffer's whole size
  EXPECT_EQ(generated_client_order_chars(key).view(), text);
  // Not generated: below the top bit, leading zeros, past 64 bits, other characters, other prefixes, no digits.
  for (const std::string other : {"qz-9223372036854775807", "qz-09223372036854775808", "qz-18446744073709551616",
                                  "qz-99999999999999999999", "qz-9223372036854775808x", "QZ-9223372036854775808",
                                  "qz9223372036854775808", "qz-", "my-order-1"}) {
    EXPECT_FALSE(is_generated_client_order_text(other)) << other;
    const uint64_t hashed = client_order_key(5, other);
    EXPECT_EQ(hashed & kGeneratedClientOrderBit, 0u) << other;
    EXPECT_NE(hashed, 0u) << other;
    EXPECT_NE(hashed, client_order_key(6, other)) << other;  // a hash depends on the owner
  }
}

}  // namespace
}  // namespace qz::history::testing
