// A seeded random stream of market and order commands for differential tests of the exchange.
//
// Block 0 sets up four assets (KZT, BTC, ETH, USDT), the venue's issuance and fee accounts, trading accounts
// for users 1..10 (user 11 has only KZT, user 12 none) and funds them, and funded custody accounts; block 1
// opens three markets (BTC/KZT and ETH/KZT share the quote, BTC/KZT and BTC/USDT the base) with fee tiers, and
// sets rates for the dollar, KZT and BTC (ETH and USDT get theirs later), tier limits and the retail cap for
// KZ. Later blocks mix, reading the reference model between blocks to aim at live orders and prices near the
// touch: every order type and time in force, icebergs, GTD orders expiring across blocks, stops near the last
// price (some cascading), all four self-trade modes with owners crossing their own orders, cancels by id and by
// client id, cancel_all, amends, cancel-replace pairs, unsupported linked groups, halts, resumes, closes,
// reference prices, fee tier and rule changes while orders rest, deposits and customer transfers, time jumps of
// minutes (candles) and days (the 30-day window and calendar months), client registrations (mostly resident in
// KZ, of every class, tier and knowledge test), rare changes of conversion rates, tier limits and the retail cap
// (some invalid), deposits from issuance or custody and withdrawals back, so that the limits refuse some buys,
// deposits and withdrawals, and a share of commands aimed at every rejection code.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "base/prng.h"
#include "engine/command.h"
#include "reference_exchange.h"

namespace qz::testing {

struct OrderStreamOptions {
  uint32_t max_block_commands = 60;  // blocks hold 0..max commands
  // Steer clear of the cases known to abort the engine, so that a run can go on to find other differences: no
  // market_by_quote with STP expire_maker or in a cancel-replace (the walk can overspend the hold, R16).
  bool avoid_known_aborts = false;
  // 2: now and then a block starts with set_engine_rules(2) until the model is at version 2; some blocks carry
  // a set_engine_rules that fails (an old or unknown version, or not the operator); places reuse the client
  // order id of an open order (client_order_id_open), and cancel-replace pairs that of the order they replace.
  // 1 leaves the stream exactly as before.
  uint32_t rules_version = 1;
};

class OrderStream {
 public:
  // `model` is read between blocks; it must have applied every block this stream handed out before.
  OrderStream(uint64_t seed, const ReferenceExchange* model, const OrderStreamOptions& options = {});

  // The next block: its time (strictly increasing) and commands.
  void next_block(uint64_t* time_ns, std::vector<Command>* commands);

 private:
  struct Trader {
    uint64_t id;
    uint8_t role;
  };

  void setup_accounts(std::vector<Command>* commands);
  void setup_markets(std::vector<Command>* commands);
  void random_block(std::vector<Command>* commands);
  void add_random(std::vector<Command>* commands);

  Command place(uint64_t actor, uint8_t role, uint32_t market);
  Command place_random();
  Command cancel();
  Command amend();
  Command cancel_all();
  Command deposit();
  Command withdrawal();
  Command customer_transfer();
  Command conversion_rate();
  Command tier_limits();
  Command retail_cap();
  Command fee_tier();
  Command client_command();  // register, update, set a status, or (rarely) the registration policy
  Command market_rules();
  Command market_status();
  Command create_market();
  Command open_account();
  void corrupt(Command* command);
  void with_request_id(Command* command, uint32_t percent);
  Command place_with_open_client_id();

  Trader pick_trader();
  uint32_t pick_market();
  const ReferenceExchange::OrderState* pick_order();
  int64_t centre(uint32_t market) const;  // a price near the action
  int64_t lots(int64_t lo, int64_t hi) { return prng_.range(lo, hi); }

  Prng prng_;
  const ReferenceExchange* model_;
  OrderStreamOptions options_;
  uint64_t time_ns_ = 1'700'000'000'000'000'000ULL;
  uint64_t blocks_ = 0;
  uint64_t next_request_id_ = 1;
  std::vector<Command> history_;  // recent commands that carried a request id
  size_t history_next_ = 0;

  // Ids fixed by the set-up blocks.
  std::map<uint32_t, uint64_t> issuance_;                       // asset -> account
  std::map<uint32_t, uint64_t> fee_;                            // asset -> fee_income account
  std::map<uint32_t, uint64_t> custody_;                        // asset -> the venue's custody account
  std::map<std::pair<uint64_t, uint32_t>, uint64_t> customer_;  // (user, asset) -> trading account
  uint64_t escrow_ = 0;
  uint64_t second_kzt_ = 0;               // user 3's second KZT account (not its trading account)
  std::vector<uint64_t> open_order_ids_;  // view of the model at the start of the block
};

}  // namespace qz::testing
