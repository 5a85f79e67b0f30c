// Rule tables for the ledger, driven through Engine::apply with real blocks: one line per rejection code, in the
// order the checks run. Each line breaks its own rule and every rule checked after it, so a line passes only if
// the checks really run in that order. Every rejection must leave the ledger exactly as it was.
//
// Then the rules that span commands: linked groups, idempotency, hold expiry at block boundaries, permissions.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "reference_ledger.h"

namespace qz::testing {
namespace {

constexpr uint64_t kAlice = 101;
constexpr uint64_t kBob = 102;
constexpr uint64_t kMerchant = 103;

Command as(Command command, uint64_t actor, Role role) {
  command.actor = actor;
  command.role = static_cast<uint8_t>(role);
  return command;
}
Command alice(Command command) { return as(command, kAlice, Role::customer); }
Command bob(Command command) { return as(command, kBob, Role::customer); }
Command with_request(Command command, uint64_t request_id) {
  command.request_id = request_id;
  return command;
}
Command linked(Command command) {
  command.flags |= kFlagLinked;
  return command;
}

// Everything a rejection must leave untouched.
struct LedgerView {
  std::vector<int64_t> totals;
  std::vector<int64_t> helds;
  std::vector<uint64_t> holds;  // remaining of hold 1..next-1 (0 = not live)
  uint32_t assets = 0;
  uint64_t next_transfer_id = 0;
  uint64_t next_hold_id = 0;
  bool operator==(const LedgerView&) const = default;
};

LedgerView view_of(const Ledger& ledger) {
  LedgerView view;
  for (uint64_t id = 1; id <= ledger.account_count(); id++) {
    view.totals.push_back(ledger.account(id)->total_minor);
    view.helds.push_back(ledger.account(id)->held_minor);
  }
  for (uint64_t id = 1; id < ledger.next_hold_id(); id++) {
    const Hold* hold = ledger.hold(id);
    view.holds.push_back(hold == nullptr ? 0 : static_cast<uint64_t>(hold->remaining_minor));
  }
  view.assets = ledger.asset_count();
  view.next_transfer_id = ledger.next_transfer_id();
  view.next_hold_id = ledger.next_hold_id();
  return view;
}

// A venue: an engine plus its block height and time. The standard set-up:
//   assets   1 KZT (2), 2 BTC (8)
//   accounts 1 issuance KZT (venue)      2 Alice KZT 10000     3 Bob KZT 500      4 issuance BTC (venue)
//            5 Alice BTC 1000            6 fee income KZT (venue) 7 Alice KZT 0   8 merchant KZT 0
//            9 issuance KZT owned by Alice
class Venue {
 public:
  explicit Venue(const LedgerLimits& limits = {}) : engine_(limits) {}

  static constexpr uint64_t kStep = 1000;

  std::vector<Event> block(const std::vector<Command>& commands, uint64_t advance_ns = kStep) {
    std::vector<Event> events;
    if (height_ > 0) time_ns_ += advance_ns;
    engine_.apply(BlockInput{.height = height_, .time_ns = time_ns_, .commands = commands}, &events);
    height_++;
    const std::string problem = engine_.check_invariants();
    EXPECT_TRUE(problem.empty()) << problem;
    return events;
  }

  // One command in a block of its own; its event (expiries, if any, are skipped).
  Event run(const Command& command) {
    const std::vector<Event> events = block({command});
    for (const Event& event : events) {
      if (event.command_index == 0) return event;
    }
    ADD_FAILURE() << "no event for the command";
    return Event{};
  }

  void standard() {
    const std::vector<Event> events = block({
        make_create_asset("KZT", 2),
        make_create_asset("BTC", 8),
        make_open_account(0, 1, AccountKind::issuance),
        make_open_account(kAlice, 1, AccountKind::customer),
        make_open_account(kBob, 1, AccountKind::customer),
        make_open_account(0, 2, AccountKind::issuance),
        make_open_account(kAlice, 2, AccountKind::customer),
        make_open_account(0, 1, AccountKind::fee_income),
        make_open_account(kAlice, 1, AccountKind::customer),
        make_open_account(kMerchant, 1, AccountKind::customer),
        make_open_account(kAlice, 1, AccountKind::issuance),
        make_transfer(1, 2, 10000),
        make_transfer(1, 3, 500),
        make_transfer(4, 5, 1000),
    });
    for (const Event& event : events) ASSERT_NE(event.event_kind(), EventKind::rejected) << describe(event);
  }

  int64_t total(uint64_t account) const { return engine_.ledger().account(account)->total_minor; }
  int64_t held(uint64_t account) const { return engine_.ledger().account(account)->held_minor; }
  int64_t available(uint64_t account) const { return engine_.ledger().account(account)->available_minor(); }
  uint64_t time_ns() const { return time_ns_; }
  const Engine& engine() const { return engine_; }
  const Ledger& ledger() const { return engine_.ledger(); }

 private:
  Engine engine_;
  uint64_t height_ = 0;
  uint64_t time_ns_ = 1'000'000;
};

// --- rule tables ---------------------------------------------------------------------------------------------------

struct Row {
  const char* rule;
  Command command;
  Result expected;
  std::vector<Command> setup = {};  // applied in a block of its own after the standard set-up
  LedgerLimits limits = {};
};

void run_table(const char* table, const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(table) + ": " + row.rule);
    Venue venue(row.limits);
    venue.standard();
    if (!row.setup.empty()) {
      for (const Event& event : venue.block(row.setup)) {
        ASSERT_NE(event.event_kind(), EventKind::rejected) << "set-up: " << describe(event);
      }
    }
    const LedgerView before = view_of(venue.ledger());
    const Event event = venue.run(row.command);
    EXPECT_EQ(event.result_code(), row.expected) << describe(event);
    if (row.expected == Result::ok) {
      EXPECT_NE(event.event_kind(), EventKind::rejected) << describe(event);
      continue;
    }
    ASSERT_EQ(event.event_kind(), EventKind::rejected) << describe(event);
    EXPECT_EQ(event.command_index, 0u);
    EXPECT_EQ(event.rejected.actor, row.command.actor);
    EXPECT_EQ(event.rejected.request_id, row.command.request_id);
    EXPECT_EQ(event.rejected.command_kind, row.command.kind);
    EXPECT_TRUE(view_of(venue.ledger()) == before) << "a rejection changed the ledger";
  }
}

Command with_kind(Command command, uint16_t kind) {
  command.kind = kind;
  return command;
}
Command with_flags(Command command, uint8_t flags) {
  command.flags = flags;
  return command;
}
Command with_reserved(Command command, uint32_t reserved) {
  command.reserved = reserved;
  return command;
}
Command with_role(Command command, uint8_t role) {
  command.role = role;
  return command;
}

TEST(RuleTable, Envelope) {
  Command unused_payload = make_transfer(2, 3, 1);
  unused_payload.payload[39] = 1;
  run_table("envelope", {
      {"unknown kind, before anything else", with_role(with_reserved(with_kind(make_transfer(2, 3, 1), 0), 1), 99),
       Result::unknown_command_kind},
      {"kind 8 is unknown", with_kind(make_transfer(2, 3, 1), 8), Result::unknown_command_kind},
      {"unknown flag, before the role", with_role(with_flags(make_transfer(2, 3, 1), 0x02), 99),
       Result::reserved_field_not_zero},
      {"reserved header field", with_reserved(make_transfer(2, 3, 1), 0x100), Result::reserved_field_not_zero},
      {"unused payload byte", unused_payload, Result::reserved_field_not_zero},
      {"role above the last one", with_role(make_transfer(2, 3, 1), kMaxRole + 1), Result::actor_not_permitted},
      {"well formed", make_transfer(2, 3, 1), Result::ok},
  });
}

TEST(RuleTable, CreateAsset) {
  run_table("create_asset", {
      {"only the operator creates assets", alice(make_create_asset("x", 99)), Result::actor_not_permitted},
      {"code characters A-Z 0-9", make_create_asset("btc", 99), Result::asset_code_invalid},
      {"code not empty", make_create_asset("", 99), Result::asset_code_invalid},
      {"no punctuation", make_create_asset("USD-T", 2), Result::asset_code_invalid},
      {"scale at most 18", make_create_asset("KZT", 19), Result::asset_scale_invalid},
      {"scale 255", make_create_asset("ETH", 255), Result::asset_scale_invalid},
      {"code already taken", make_create_asset("KZT", 2), Result::asset_exists, {}, LedgerLimits{.max_assets = 2}},
      {"no room for another asset", make_create_asset("ETH", 18), Result::asset_limit_reached, {},
       LedgerLimits{.max_assets = 2}},
      {"scale 18", make_create_asset("ETH", 18), Result::ok},
      {"twelve characters, digits", make_create_asset("ABCDEFGHIJ12", 0), Result::ok},
  });
}

TEST(RuleTable, OpenAccount) {
  run_table("open_account", {
      {"only the operator opens accounts", alice(make_open_account(kAlice, 99, static_cast<AccountKind>(9))),
       Result::actor_not_permitted},
      {"kind 0", make_open_account(kAlice, 99, static_cast<AccountKind>(0)), Result::account_kind_invalid},
      {"kind 6", make_open_account(kAlice, 99, static_cast<AccountKind>(6)), Result::account_kind_invalid},
      {"asset must exist", make_open_account(kAlice, 3, AccountKind::customer), Result::asset_not_found, {},
       LedgerLimits{.max_accounts = 9}},
      {"asset 0 does not exist", make_open_account(kAlice, 0, AccountKind::customer), Result::asset_not_found},
      {"no room for another account", make_open_account(kAlice, 1, AccountKind::customer),
       Result::account_limit_reached, {}, LedgerLimits{.max_accounts = 9}},
      {"escrow", make_open_account(kAlice, 2, AccountKind::escrow), Result::ok},
  });
}

TEST(RuleTable, Transfer) {
  run_table("transfer", {
      {"amount 0", bob(make_transfer(99, 99, 0)), Result::amount_must_be_positive},
      {"amount negative", bob(make_transfer(99, 99, -1)), Result::amount_must_be_positive},
      {"amount INT64_MIN", bob(make_transfer(99, 99, INT64_MIN)), Result::amount_must_be_positive},
      {"accounts differ", bob(make_transfer(99, 99, INT64_MAX)), Result::accounts_must_differ},
      {"debit exists", bob(make_transfer(99, 98, INT64_MAX)), Result::debit_account_not_found},
      {"debit 0 does not exist", bob(make_transfer(0, 98, INT64_MAX)), Result::debit_account_not_found},
      {"credit exists", bob(make_transfer(2, 98, INT64_MAX)), Result::credit_account_not_found},
      {"credit 0 does not exist", bob(make_transfer(2, 0, INT64_MAX)), Result::credit_account_not_found},
      {"same asset", bob(make_transfer(2, 5, INT64_MAX)), Result::asset_mismatch},
      {"customer debits only own accounts", bob(make_transfer(2, 3, INT64_MAX)), Result::debit_not_permitted},
      {"funds available", alice(make_transfer(2, 3, 10001)), Result::insufficient_funds},
      {"the operator needs funds too", make_transfer(3, 2, 501), Result::insufficient_funds},
      {"held funds are not available", alice(make_transfer(2, 3, 1001)), Result::insufficient_funds,
       {alice(make_hold(2, 0, 9000, 0))}},
      {"credit total would overflow", make_transfer(1, 3, INT64_MAX), Result::balance_overflow},
      {"issuance total would pass INT64_MIN", make_transfer(1, 6, INT64_MAX), Result::balance_overflow},
      {"all of the available balance", alice(make_transfer(2, 3, 1000)), Result::ok,
       {alice(make_hold(2, 0, 9000, 0))}},
      {"issuance goes negative", make_transfer(4, 5, INT64_MAX - 1000), Result::ok},
  });
}

TEST(RuleTable, Hold) {
  run_table("hold", {
      {"amount 0", bob(make_hold(99, 99, 0, UINT64_MAX)), Result::amount_must_be_positive},
      {"amount negative", bob(make_hold(99, 99, -5, UINT64_MAX)), Result::amount_must_be_positive},
      {"credit, if named, differs", bob(make_hold(99, 99, INT64_MAX, UINT64_MAX)), Result::accounts_must_differ},
      {"account exists", bob(make_hold(99, 98, INT64_MAX, UINT64_MAX)), Result::debit_account_not_found},
      {"account exists, no credit", bob(make_hold(99, 0, INT64_MAX, UINT64_MAX)), Result::debit_account_not_found},
      {"credit, if named, exists", bob(make_hold(2, 98, INT64_MAX, UINT64_MAX)), Result::credit_account_not_found},
      {"credit, if named, same asset", bob(make_hold(2, 5, INT64_MAX, UINT64_MAX)), Result::asset_mismatch},
      {"customer holds only on own accounts", bob(make_hold(2, 3, INT64_MAX, UINT64_MAX)),
       Result::debit_not_permitted},
      {"timeout must fit block time", alice(make_hold(2, 3, INT64_MAX, UINT64_MAX)), Result::hold_timeout_invalid},
      {"funds available", alice(make_hold(2, 3, 10001, 0)), Result::insufficient_funds},
      {"held funds are not available twice", alice(make_hold(2, 0, 1001, 0)), Result::insufficient_funds,
       {alice(make_hold(2, 0, 9000, 0))}},
      // Not listed in ledger.h (where held would overflow, only possible on issuance accounts).
      {"held on issuance would overflow", make_hold(1, 0, 1, 0), Result::balance_overflow,
       {make_hold(1, 0, INT64_MAX, 0)}},
      {"no room for another live hold", alice(make_hold(2, 0, 1, 0)), Result::hold_limit_reached,
       {alice(make_hold(2, 0, 1, 0))}, LedgerLimits{.max_live_holds = 1}},
      {"hold with a credit and a timeout", alice(make_hold(2, 3, 10000, 5)), Result::ok},
      {"hold without a credit", alice(make_hold(2, 0, 1, 0)), Result::ok},
  });
}

// Holds of the post/void tables: 1 on Alice's account 2 (1000, no credit), 2 on account 2 (500, credit 3),
// 3 voided, 4 on issuance account 9 (1000, no credit).
std::vector<Command> hold_setup(std::vector<Command> extra = {}) {
  std::vector<Command> setup = {alice(make_hold(2, 0, 1000, 0)), alice(make_hold(2, 3, 500, 0)),
                                alice(make_hold(2, 0, 1, 0)), alice(make_void_hold(3))};
  setup.insert(setup.end(), extra.begin(), extra.end());
  return setup;
}

TEST(RuleTable, PostHold) {
  run_table("post_hold", {
      {"amount not negative", bob(make_post_hold(99, 0, -1)), Result::amount_must_be_positive, hold_setup()},
      {"hold exists", bob(make_post_hold(99, 98, INT64_MAX)), Result::hold_not_found, hold_setup()},
      {"hold 0 does not exist", bob(make_post_hold(0, 98, INT64_MAX)), Result::hold_not_found, hold_setup()},
      {"hold still open", bob(make_post_hold(3, 98, INT64_MAX)), Result::hold_already_closed, hold_setup()},
      {"customer posts only own holds", bob(make_post_hold(1, 98, INT64_MAX)), Result::debit_not_permitted,
       hold_setup()},
      {"credit named by the hold or the post", alice(make_post_hold(1, 0, INT64_MAX)), Result::hold_credit_required,
       hold_setup()},
      {"credit agrees with the hold's", alice(make_post_hold(2, 98, INT64_MAX)), Result::hold_credit_mismatch,
       hold_setup()},
      // Not listed for post_hold in ledger.h: posting into the held account itself.
      {"credit is not the held account", alice(make_post_hold(1, 2, INT64_MAX)), Result::accounts_must_differ,
       hold_setup()},
      {"credit exists", alice(make_post_hold(1, 98, INT64_MAX)), Result::credit_account_not_found, hold_setup()},
      {"credit same asset", alice(make_post_hold(1, 5, INT64_MAX)), Result::asset_mismatch, hold_setup()},
      {"amount within the hold", alice(make_post_hold(1, 3, 1001)), Result::hold_amount_exceeded, hold_setup()},
      {"credit total would overflow", alice(make_post_hold(1, 8, 1000)), Result::balance_overflow,
       hold_setup({make_transfer(9, 8, INT64_MAX - 500)})},
      {"issuance total would pass INT64_MIN", make_post_hold(4, 2, 0), Result::balance_overflow,
       hold_setup({make_transfer(9, 8, INT64_MAX - 500), make_hold(9, 0, 1000, 0)})},
      {"part of a hold", alice(make_post_hold(1, 3, 400)), Result::ok, hold_setup()},
      {"the rest, to the hold's credit", alice(make_post_hold(2, 0, 0)), Result::ok, hold_setup()},
      {"the hold's own credit named again", alice(make_post_hold(2, 3, 1)), Result::ok, hold_setup()},
  });
}

TEST(RuleTable, VoidHold) {
  run_table("void_hold", {
      {"amount not negative", bob(make_void_hold(99, -1)), Result::amount_must_be_positive, hold_setup()},
      {"amount not INT64_MIN", bob(make_void_hold(99, INT64_MIN)), Result::amount_must_be_positive, hold_setup()},
      {"hold exists", bob(make_void_hold(99, INT64_MAX)), Result::hold_not_found, hold_setup()},
      {"hold 0 does not exist", bob(make_void_hold(0, INT64_MAX)), Result::hold_not_found, hold_setup()},
      {"hold still open (voided)", bob(make_void_hold(3, INT64_MAX)), Result::hold_already_closed, hold_setup()},
      {"hold still open (posted in full)", bob(make_void_hold(2, INT64_MAX)), Result::hold_already_closed,
       hold_setup({alice(make_post_hold(2, 0, 0))})},
      {"hold still open (voided in parts)", bob(make_void_hold(1, INT64_MAX)), Result::hold_already_closed,
       hold_setup({alice(make_void_hold(1, 400)), alice(make_void_hold(1, 600))})},
      {"customer voids only own holds", bob(make_void_hold(1, 1001)), Result::debit_not_permitted, hold_setup()},
      {"amount within the hold", alice(make_void_hold(1, 1001)), Result::hold_amount_exceeded, hold_setup()},
      {"amount within what is left after a partial void", alice(make_void_hold(1, 601)),
       Result::hold_amount_exceeded, hold_setup({alice(make_void_hold(1, 400))})},
      {"amount within what is left after a partial post", make_void_hold(2, 401), Result::hold_amount_exceeded,
       hold_setup({alice(make_post_hold(2, 0, 100))})},
      {"owner voids", alice(make_void_hold(1)), Result::ok, hold_setup()},
      {"operator voids", make_void_hold(2), Result::ok, hold_setup()},
      {"part of a hold", alice(make_void_hold(1, 400)), Result::ok, hold_setup()},
      {"exactly what is left", alice(make_void_hold(1, 1000)), Result::ok, hold_setup()},
      {"the rest after a partial void", alice(make_void_hold(1, 600)), Result::ok,
       hold_setup({alice(make_void_hold(1, 400))})},
      {"part of an issuance account's hold", make_void_hold(4, 1), Result::ok, hold_setup({make_hold(9, 0, 1000, 0)})},
  });
}

// --- the successful paths, with the numbers -----------------------------------------------------------------------

TEST(Ledger, TransferMovesMoneyAndReportsBalances) {
  Venue venue;
  venue.standard();
  const Event event = venue.run(alice(make_transfer(2, 3, 2500)));
  ASSERT_EQ(event.event_kind(), EventKind::transfer_posted) << describe(event);
  EXPECT_EQ(event.transfer_posted.transfer, 4u);  // the set-up made transfers 1-3
  EXPECT_EQ(event.transfer_posted.debit_balance_after, 7500);
  EXPECT_EQ(event.transfer_posted.credit_balance_after, 3000);
  EXPECT_EQ(venue.total(2), 7500);
  EXPECT_EQ(venue.total(3), 3000);
}

TEST(Ledger, HoldPostVoidLifecycle) {
  Venue venue;
  venue.standard();
  Event e = venue.run(alice(make_hold(2, 0, 4000, 0)));
  ASSERT_EQ(e.event_kind(), EventKind::hold_placed) << describe(e);
  EXPECT_EQ(e.hold_placed.hold, 1u);
  EXPECT_EQ(e.hold_placed.account_held_after, 4000);
  EXPECT_EQ(e.hold_placed.expires_at_ns, 0u);
  EXPECT_EQ(venue.total(2), 10000);
  EXPECT_EQ(venue.available(2), 6000);

  e = venue.run(alice(make_post_hold(1, 3, 1500)));
  ASSERT_EQ(e.event_kind(), EventKind::hold_posted) << describe(e);
  EXPECT_EQ(e.hold_posted.transfer, 4u);
  EXPECT_EQ(e.hold_posted.amount_minor, 1500);
  EXPECT_EQ(e.hold_posted.remaining_minor, 2500);
  EXPECT_EQ(venue.total(2), 8500);
  EXPECT_EQ(venue.held(2), 2500);
  EXPECT_EQ(venue.total(3), 2000);

  e = venue.run(alice(make_post_hold(1, 7, 0)));  // the rest
  ASSERT_EQ(e.event_kind(), EventKind::hold_posted) << describe(e);
  EXPECT_EQ(e.hold_posted.amount_minor, 2500);
  EXPECT_EQ(e.hold_posted.remaining_minor, 0);
  EXPECT_EQ(venue.ledger().hold(1), nullptr);
  EXPECT_EQ(venue.held(2), 0);
  EXPECT_EQ(venue.total(7), 2500);
  EXPECT_EQ(venue.run(alice(make_void_hold(1))).result_code(), Result::hold_already_closed);

  e = venue.run(alice(make_hold(2, 3, 100, 0)));
  ASSERT_EQ(e.event_kind(), EventKind::hold_placed);
  EXPECT_EQ(e.hold_placed.hold, 2u);
  e = venue.run(alice(make_void_hold(2)));
  ASSERT_EQ(e.event_kind(), EventKind::hold_voided) << describe(e);
  EXPECT_EQ(e.hold_released.amount_minor, 100);
  EXPECT_EQ(e.hold_released.account_held_after, 0);
  EXPECT_EQ(venue.total(2), 6000);
  EXPECT_EQ(venue.run(alice(make_post_hold(2, 0, 0))).result_code(), Result::hold_already_closed);
}

TEST(Ledger, HoldTimeoutAtTheEdgeOfBlockTime) {
  Venue venue;
  venue.standard();
  const uint64_t next_time = venue.time_ns() + Venue::kStep;
  Event e = venue.run(alice(make_hold(2, 0, 1, UINT64_MAX - next_time)));
  ASSERT_EQ(e.event_kind(), EventKind::hold_placed) << describe(e);
  EXPECT_EQ(e.hold_placed.expires_at_ns, UINT64_MAX);
  e = venue.run(alice(make_hold(2, 0, 1, UINT64_MAX - next_time - Venue::kStep + 1)));
  EXPECT_EQ(e.result_code(), Result::hold_timeout_invalid) << describe(e);
}

// The order path's step: a hold keeps exactly what the order still needs and the excess goes back at once.
TEST(Ledger, PartialVoidKeepsTheHoldLiveWithTheRest) {
  Venue venue;
  venue.standard();
  Event e = venue.run(alice(make_hold(2, 3, 4000, 0)));  // hold 1
  ASSERT_EQ(e.event_kind(), EventKind::hold_placed) << describe(e);

  e = venue.run(alice(make_void_hold(1, 1500)));
  ASSERT_EQ(e.event_kind(), EventKind::hold_voided) << describe(e);
  EXPECT_EQ(e.result_code(), Result::ok);
  EXPECT_EQ(e.hold_released.hold, 1u);
  EXPECT_EQ(e.hold_released.account, 2u);
  EXPECT_EQ(e.hold_released.amount_minor, 1500);
  EXPECT_EQ(e.hold_released.account_held_after, 2500);
  EXPECT_EQ(e.hold_released.remaining_minor, 2500);
  ASSERT_NE(venue.ledger().hold(1), nullptr);
  EXPECT_EQ(venue.ledger().hold(1)->remaining_minor, 2500);
  EXPECT_EQ(venue.total(2), 10000);
  EXPECT_EQ(venue.available(2), 7500);

  // A post of "everything" now moves only what the hold still keeps.
  e = venue.run(alice(make_post_hold(1, 0, 1000)));
  ASSERT_EQ(e.event_kind(), EventKind::hold_posted) << describe(e);
  EXPECT_EQ(e.hold_posted.remaining_minor, 1500);
  EXPECT_EQ(venue.run(alice(make_void_hold(1, 1501))).result_code(), Result::hold_amount_exceeded);

  // Voiding exactly what is left closes the hold, and reports 0 remaining.
  e = venue.run(alice(make_void_hold(1, 1500)));
  ASSERT_EQ(e.event_kind(), EventKind::hold_voided) << describe(e);
  EXPECT_EQ(e.hold_released.amount_minor, 1500);
  EXPECT_EQ(e.hold_released.account_held_after, 0);
  EXPECT_EQ(e.hold_released.remaining_minor, 0);
  EXPECT_EQ(venue.ledger().hold(1), nullptr);
  EXPECT_EQ(venue.ledger().live_hold_count(), 0u);
  EXPECT_EQ(venue.total(2), 9000);
  EXPECT_EQ(venue.total(3), 1500);
  EXPECT_EQ(venue.run(alice(make_void_hold(1))).result_code(), Result::hold_already_closed);
}

TEST(Ledger, PartiallyVoidedHoldExpiresWithTheRest) {
  Venue venue;
  venue.standard();
  venue.block({alice(make_hold(2, 0, 1000, 5000))});  // hold 1, expires in 5000
  Event e = venue.run(alice(make_void_hold(1, 300)));
  ASSERT_EQ(e.event_kind(), EventKind::hold_voided) << describe(e);
  EXPECT_EQ(e.hold_released.remaining_minor, 700);
  const std::vector<Event> events = venue.block({}, 4000);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event_kind(), EventKind::hold_expired);
  EXPECT_EQ(events[0].hold_released.amount_minor, 700);
  EXPECT_EQ(events[0].hold_released.account_held_after, 0);
  EXPECT_EQ(events[0].hold_released.remaining_minor, 0);
  EXPECT_EQ(venue.held(2), 0);
}

// --- linked groups ---------------------------------------------------------------------------------------------------

TEST(LinkedGroup, FailingMemberGetsItsCodeOthersLinkedEventFailedNothingMoves) {
  Venue venue;
  venue.standard();
  const LedgerView before = view_of(venue.ledger());
  const std::vector<Event> events = venue.block({
      linked(alice(make_transfer(2, 3, 100))),
      linked(alice(make_hold(2, 0, 50, 10))),
      linked(make_create_asset("ETH", 18)),
      linked(make_open_account(kBob, 3, AccountKind::customer)),
      bob(make_transfer(3, 2, 601)),  // Bob has 500 + 100
  });
  ASSERT_EQ(events.size(), 5u);
  for (uint32_t i = 0; i < 5; i++) {
    ASSERT_EQ(events[i].event_kind(), EventKind::rejected) << describe(events[i]);
    EXPECT_EQ(events[i].command_index, i);
    EXPECT_EQ(events[i].result_code(), i == 4 ? Result::insufficient_funds : Result::linked_event_failed);
  }
  EXPECT_TRUE(view_of(venue.ledger()) == before);
  EXPECT_EQ(venue.ledger().find_asset("ETH"), 0u);
  EXPECT_EQ(venue.ledger().account_count(), 9u);
  // Ids were not consumed: the next transfer, hold, asset and account get the ids the group would have.
  const std::vector<Event> after = venue.block({make_create_asset("ETH", 18), alice(make_transfer(2, 3, 1)),
                                                alice(make_hold(2, 0, 1, 0)),
                                                make_open_account(kBob, 3, AccountKind::customer)});
  EXPECT_EQ(after[0].asset_created.asset, 3u);
  EXPECT_EQ(after[1].transfer_posted.transfer, 4u);
  EXPECT_EQ(after[2].hold_placed.hold, 1u);
  EXPECT_EQ(after[3].account_opened.account, 10u);
}

TEST(LinkedGroup, FailureInTheMiddleStopsTheRest) {
  Venue venue;
  venue.standard();
  const std::vector<Event> events = venue.block({
      alice(make_transfer(2, 3, 1)),              // a lone command before the group
      linked(alice(make_transfer(2, 3, 100))),
      linked(bob(make_transfer(2, 3, 1))),        // Bob may not debit Alice's account
      alice(make_transfer(2, 3, 100)),
      alice(make_transfer(2, 3, 2)),              // a lone command after the group
  });
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(events[1].result_code(), Result::linked_event_failed);
  EXPECT_EQ(events[2].result_code(), Result::debit_not_permitted);
  EXPECT_EQ(events[3].result_code(), Result::linked_event_failed);
  EXPECT_EQ(events[4].event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(events[4].transfer_posted.transfer, 5u);
  EXPECT_EQ(venue.total(2), 10000 - 3);
}

TEST(LinkedGroup, SucceedsWholeAndLaterMembersSeeEarlierOnes) {
  Venue venue;
  venue.standard();
  const std::vector<Event> events = venue.block({
      linked(make_create_asset("ETH", 18)),
      linked(make_open_account(0, 3, AccountKind::issuance)),       // account 10
      linked(make_open_account(kBob, 3, AccountKind::customer)),    // account 11
      linked(make_transfer(10, 11, 5000)),
      linked(bob(make_hold(11, 0, 5000, 0))),                       // hold 1
      bob(make_post_hold(1, 10, 0)),                                // all of it back
  });
  ASSERT_EQ(events.size(), 6u);
  for (const Event& event : events) EXPECT_NE(event.event_kind(), EventKind::rejected) << describe(event);
  EXPECT_EQ(events[5].hold_posted.remaining_minor, 0);
  EXPECT_EQ(venue.total(10), 0);
  EXPECT_EQ(venue.total(11), 0);
  EXPECT_EQ(venue.ledger().live_hold_count(), 0u);
}

TEST(LinkedGroup, RollbackRestoresHoldsTouchedInTheGroup) {
  Venue venue;
  venue.standard();
  venue.block({alice(make_hold(2, 3, 1000, 5000))});  // hold 1, expires in 5000
  const LedgerView before = view_of(venue.ledger());
  const std::vector<Event> events = venue.block({
      linked(alice(make_post_hold(1, 0, 400))),
      linked(alice(make_void_hold(1))),
      linked(alice(make_hold(2, 0, 10, 1))),
      alice(make_void_hold(1)),  // already voided inside the group: hold_already_closed
  });
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3].result_code(), Result::hold_already_closed) << describe(events[3]);
  EXPECT_TRUE(view_of(venue.ledger()) == before);
  // The restored hold still expires on time, with its whole amount.
  const std::vector<Event> later = venue.block({}, 5000);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].event_kind(), EventKind::hold_expired);
  EXPECT_EQ(later[0].hold_released.amount_minor, 1000);
}

TEST(LinkedGroup, RollbackRestoresAHoldVoidedInParts) {
  Venue venue;
  venue.standard();
  venue.block({alice(make_hold(2, 3, 1000, 5000))});  // hold 1, expires in 5000
  const LedgerView before = view_of(venue.ledger());
  const std::vector<Event> events = venue.block({
      linked(alice(make_void_hold(1, 300))),
      linked(alice(make_post_hold(1, 0, 100))),
      linked(alice(make_void_hold(1, 200))),
      alice(make_void_hold(1, 401)),  // 400 left inside the group: hold_amount_exceeded
  });
  ASSERT_EQ(events.size(), 4u);
  for (size_t i = 0; i < 3; i++) EXPECT_EQ(events[i].result_code(), Result::linked_event_failed) << i;
  EXPECT_EQ(events[3].result_code(), Result::hold_amount_exceeded) << describe(events[3]);
  EXPECT_TRUE(view_of(venue.ledger()) == before);
  ASSERT_NE(venue.ledger().hold(1), nullptr);
  EXPECT_EQ(venue.ledger().hold(1)->remaining_minor, 1000);
  // The same group with an amount that fits applies whole.
  const std::vector<Event> applied = venue.block({
      linked(alice(make_void_hold(1, 300))),
      linked(alice(make_post_hold(1, 0, 100))),
      linked(alice(make_void_hold(1, 200))),
      alice(make_void_hold(1, 400)),
  });
  ASSERT_EQ(applied.size(), 4u);
  for (const Event& event : applied) EXPECT_NE(event.event_kind(), EventKind::rejected) << describe(event);
  EXPECT_EQ(applied[2].hold_released.remaining_minor, 400);
  EXPECT_EQ(applied[3].hold_released.remaining_minor, 0);
  EXPECT_EQ(venue.ledger().hold(1), nullptr);
  EXPECT_EQ(venue.held(2), 0);
  EXPECT_EQ(venue.total(2), 9900);
}

TEST(LinkedGroup, OpenAtTheEndOfTheBlockFailsWithLinkedGroupOpen) {
  Venue venue;
  venue.standard();
  const LedgerView before = view_of(venue.ledger());
  const std::vector<Event> events = venue.block({
      alice(make_transfer(2, 3, 1)),
      linked(alice(make_transfer(2, 3, 100))),
      linked(with_request(alice(make_transfer(2, 3, 200)), 77)),
  });
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(events[1].result_code(), Result::linked_group_open);
  EXPECT_EQ(events[2].result_code(), Result::linked_group_open);
  EXPECT_EQ(events[2].command_index, 2u);
  EXPECT_EQ(venue.total(2), 10000 - 1);
  (void)before;
  // The group does not continue into the next block; its request id was answered.
  const std::vector<Event> next = venue.block({with_request(alice(make_transfer(2, 3, 200)), 77)});
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].event_kind(), EventKind::rejected);
  EXPECT_EQ(next[0].result_code(), Result::request_id_reused) << "the retry is not linked, so it differs";
  Command retry = linked(with_request(alice(make_transfer(2, 3, 200)), 77));
  const std::vector<Event> again = venue.block({retry, alice(make_transfer(2, 3, 1))});
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].event_kind(), EventKind::duplicate) << describe(again[0]);
  EXPECT_EQ(again[0].result_code(), Result::linked_group_open);
  EXPECT_EQ(again[1].result_code(), Result::linked_event_failed);
}

TEST(LinkedGroup, ALoneLinkedCommandAtTheEnd) {
  Venue venue;
  venue.standard();
  const std::vector<Event> events = venue.block({linked(alice(make_transfer(2, 3, 1)))});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].result_code(), Result::linked_group_open);
  EXPECT_EQ(venue.total(2), 10000);
}

TEST(LinkedGroup, StructurallyBrokenMember) {
  Venue venue;
  venue.standard();
  const std::vector<Event> events =
      venue.block({linked(alice(make_transfer(2, 3, 1))), with_kind(make_transfer(2, 3, 1), 42)});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].result_code(), Result::linked_event_failed);
  EXPECT_EQ(events[1].result_code(), Result::unknown_command_kind);
  EXPECT_EQ(venue.total(2), 10000);
}

// --- idempotency -----------------------------------------------------------------------------------------------------

TEST(Idempotency, RepeatGetsTheOriginalAnswerAndMovesNothing) {
  Venue venue;
  venue.standard();
  const Command pay = with_request(alice(make_transfer(2, 3, 700)), 5);
  const Event first = venue.run(pay);
  ASSERT_EQ(first.event_kind(), EventKind::transfer_posted);
  const LedgerView after_first = view_of(venue.ledger());
  for (int i = 0; i < 3; i++) {
    const Event again = venue.run(pay);
    ASSERT_EQ(again.event_kind(), EventKind::duplicate) << describe(again);
    EXPECT_EQ(again.result_code(), Result::ok);
    EXPECT_EQ(again.duplicate.object_id, first.transfer_posted.transfer);
    EXPECT_EQ(again.duplicate.actor, kAlice);
    EXPECT_EQ(again.duplicate.request_id, 5u);
    EXPECT_EQ(again.duplicate.command_kind, static_cast<uint16_t>(CommandKind::transfer));
    EXPECT_TRUE(view_of(venue.ledger()) == after_first);
  }
  // In the same block as the original, too.
  const std::vector<Event> events = venue.block({with_request(alice(make_transfer(2, 3, 1)), 6),
                                                 with_request(alice(make_transfer(2, 3, 1)), 6)});
  EXPECT_EQ(events[0].event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(events[1].event_kind(), EventKind::duplicate);
  EXPECT_EQ(events[1].duplicate.object_id, events[0].transfer_posted.transfer);
  EXPECT_EQ(venue.total(2), 10000 - 700 - 1);
}

TEST(Idempotency, ObjectIdsOfEveryKind) {
  Venue venue;
  venue.standard();
  const std::vector<Command> commands = {
      with_request(make_create_asset("ETH", 18), 1), with_request(make_open_account(kBob, 1, AccountKind::customer), 2),
      with_request(alice(make_hold(2, 0, 10, 0)), 3), with_request(alice(make_post_hold(1, 3, 4)), 4),
      with_request(alice(make_void_hold(1)), 5)};
  Event first[5];
  for (size_t i = 0; i < 5; i++) first[i] = venue.run(commands[i]);
  const uint64_t expected_objects[] = {first[0].asset_created.asset, first[1].account_opened.account,
                                       first[2].hold_placed.hold, first[3].hold_posted.transfer,
                                       first[4].hold_released.hold};
  for (size_t i = 0; i < commands.size(); i++) {
    const Event again = venue.run(commands[i]);
    ASSERT_EQ(again.event_kind(), EventKind::duplicate) << describe(again);
    EXPECT_EQ(again.result_code(), Result::ok);
    EXPECT_EQ(again.duplicate.object_id, expected_objects[i]) << i;
  }
}

TEST(Idempotency, RepeatOfARejectionRepeatsTheRejection) {
  Venue venue;
  venue.standard();
  const Command overdraw = with_request(alice(make_transfer(2, 3, 20000)), 9);
  EXPECT_EQ(venue.run(overdraw).result_code(), Result::insufficient_funds);
  venue.block({make_transfer(1, 2, 50000)});  // now it would succeed
  const Event again = venue.run(overdraw);
  EXPECT_EQ(again.event_kind(), EventKind::duplicate) << describe(again);
  EXPECT_EQ(again.result_code(), Result::insufficient_funds);
  EXPECT_EQ(again.duplicate.object_id, 0u);
  EXPECT_EQ(venue.total(2), 60000);
}

TEST(Idempotency, SameIdDifferentCommandIsRequestIdReused) {
  Venue venue;
  venue.standard();
  ASSERT_EQ(venue.run(with_request(alice(make_transfer(2, 3, 100)), 11)).event_kind(), EventKind::transfer_posted);
  const LedgerView before = view_of(venue.ledger());
  const Command variants[] = {
      with_request(alice(make_transfer(2, 3, 101)), 11),             // another amount
      with_request(alice(make_transfer(2, 7, 100)), 11),             // another credit
      with_request(alice(make_hold(2, 3, 100, 0)), 11),              // another kind
      with_request(as(make_transfer(2, 3, 100), kAlice, Role::merchant), 11),  // another role
  };
  for (const Command& c : variants) {
    const Event e = venue.run(c);
    EXPECT_EQ(e.event_kind(), EventKind::rejected) << describe(e);
    EXPECT_EQ(e.result_code(), Result::request_id_reused) << describe(c);
  }
  EXPECT_TRUE(view_of(venue.ledger()) == before);
  // A request_id_reused answer is not what the id means: the original still repeats as a duplicate.
  EXPECT_EQ(venue.run(with_request(alice(make_transfer(2, 3, 100)), 11)).event_kind(), EventKind::duplicate);
}

TEST(Idempotency, ScopedPerActor) {
  Venue venue;
  venue.standard();
  EXPECT_EQ(venue.run(with_request(alice(make_transfer(2, 3, 100)), 12)).event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(venue.run(with_request(bob(make_transfer(3, 2, 100)), 12)).event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(venue.run(with_request(make_transfer(3, 2, 100), 12)).event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(venue.run(with_request(as(make_transfer(3, 2, 100), 1, Role::operator_), 12)).event_kind(),
            EventKind::transfer_posted);
  EXPECT_EQ(venue.run(with_request(bob(make_transfer(3, 2, 100)), 12)).event_kind(), EventKind::duplicate);
}

TEST(Idempotency, RequestIdZeroIsNeverDeduplicated) {
  Venue venue;
  venue.standard();
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(venue.run(alice(make_transfer(2, 3, 100))).event_kind(), EventKind::transfer_posted);
  }
  EXPECT_EQ(venue.total(3), 800);
  EXPECT_EQ(venue.engine().requests().size(), 0u);
}

TEST(Idempotency, StructuralRejectionsAreRemembered) {
  Venue venue;
  venue.standard();
  const Command broken = with_request(with_reserved(alice(make_transfer(2, 3, 1)), 1), 13);
  EXPECT_EQ(venue.run(broken).result_code(), Result::reserved_field_not_zero);
  const Event again = venue.run(broken);
  EXPECT_EQ(again.event_kind(), EventKind::duplicate);
  EXPECT_EQ(again.result_code(), Result::reserved_field_not_zero);
}

TEST(Idempotency, DuplicateInsideAGroupStopsTheGroup) {
  Venue venue;
  venue.standard();
  const Command original = with_request(alice(make_transfer(2, 3, 100)), 20);
  ASSERT_EQ(venue.run(original).event_kind(), EventKind::transfer_posted);
  const LedgerView before = view_of(venue.ledger());
  const std::vector<Event> events = venue.block({
      linked(with_request(alice(make_transfer(2, 3, 1)), 21)),
      linked(original),  // not the same bytes: the original was not linked
      with_request(alice(make_transfer(2, 3, 2)), 22),
  });
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].result_code(), Result::linked_event_failed);
  EXPECT_EQ(events[1].result_code(), Result::request_id_reused);
  EXPECT_EQ(events[2].result_code(), Result::linked_event_failed);
  EXPECT_TRUE(view_of(venue.ledger()) == before);

  const std::vector<Event> second = venue.block({
      linked(with_request(alice(make_transfer(2, 3, 1)), 21)),
      original,
  });
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].result_code(), Result::linked_event_failed);
  EXPECT_EQ(second[1].event_kind(), EventKind::duplicate);
  EXPECT_EQ(second[1].result_code(), Result::ok);
  EXPECT_TRUE(view_of(venue.ledger()) == before);
  // Request 21 was not answered by those screened groups, so it is still free.
  EXPECT_EQ(venue.run(with_request(alice(make_transfer(2, 3, 1)), 21)).event_kind(), EventKind::transfer_posted);
}

TEST(Idempotency, TwoMembersOfAGroupShareAnId) {
  Venue venue;
  venue.standard();
  const std::vector<Event> events = venue.block({
      linked(with_request(alice(make_transfer(2, 3, 1)), 30)),
      with_request(alice(make_transfer(2, 3, 1)), 30),
  });
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].result_code(), Result::linked_event_failed);
  EXPECT_EQ(events[1].result_code(), Result::request_id_reused);
  EXPECT_EQ(venue.total(2), 10000);
}

// --- hold expiry -----------------------------------------------------------------------------------------------------

TEST(HoldExpiry, AtBlockBoundariesInExpiryThenIdOrder) {
  Venue venue;
  venue.standard();
  const uint64_t t = venue.time_ns() + Venue::kStep;  // time of the next block
  const std::vector<Event> placed = venue.block({
      alice(make_hold(2, 0, 100, 300)),   // hold 1, expires t+300
      alice(make_hold(2, 0, 200, 100)),   // hold 2, expires t+100
      alice(make_hold(2, 3, 300, 100)),   // hold 3, expires t+100
      alice(make_hold(2, 0, 400, 200)),   // hold 4, expires t+200
      alice(make_hold(2, 0, 500, 0)),     // hold 5, never
      alice(make_hold(2, 0, 600, 1)),     // hold 6, expires t+1; posted in part below
  });
  ASSERT_EQ(placed.size(), 6u);
  EXPECT_EQ(placed[1].hold_placed.expires_at_ns, t + 100);
  EXPECT_EQ(venue.held(2), 2100);

  // At t+1 hold 6 expires before the block's commands run, so the post that names it finds it closed.
  std::vector<Event> events = venue.block({alice(make_post_hold(6, 3, 1))}, 1);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event_kind(), EventKind::hold_expired);
  EXPECT_EQ(events[0].command_index, kNoCommand);
  EXPECT_EQ(events[0].hold_released.hold, 6u);
  EXPECT_EQ(events[0].hold_released.amount_minor, 600);
  EXPECT_EQ(events[0].hold_released.account_held_after, 1500);
  EXPECT_EQ(events[1].result_code(), Result::hold_already_closed);

  // Post part of hold 4 so that it expires with the remainder.
  events = venue.block({alice(make_post_hold(4, 3, 150))}, 98);  // at t+99
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event_kind(), EventKind::hold_posted);

  // At t+250: holds 2 and 3 (t+100, by id) then 4 (t+200); hold 1 (t+300) stays.
  events = venue.block({alice(make_transfer(2, 3, 1))}, 151);
  ASSERT_EQ(events.size(), 4u);
  const uint64_t order[] = {2, 3, 4};
  const int64_t amounts[] = {200, 300, 250};
  const int64_t held_after[] = {1150, 850, 600};  // 1500 - 150 posted, then minus 200, 300, 250
  for (size_t i = 0; i < 3; i++) {
    EXPECT_EQ(events[i].event_kind(), EventKind::hold_expired) << describe(events[i]);
    EXPECT_EQ(events[i].command_index, kNoCommand);
    EXPECT_EQ(events[i].result_code(), Result::ok);
    EXPECT_EQ(events[i].hold_released.hold, order[i]);
    EXPECT_EQ(events[i].hold_released.account, 2u);
    EXPECT_EQ(events[i].hold_released.amount_minor, amounts[i]);
    EXPECT_EQ(events[i].hold_released.account_held_after, held_after[i]) << i;
  }
  EXPECT_EQ(events[3].event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(events[3].command_index, 0u);
  EXPECT_EQ(venue.held(2), 600);  // holds 1 and 5

  // Exactly at t+300 hold 1 expires (expiry <= block time).
  events = venue.block({}, 50);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].hold_released.hold, 1u);
  EXPECT_EQ(venue.held(2), 500);
  EXPECT_NE(venue.ledger().hold(5), nullptr);
  EXPECT_EQ(venue.run(alice(make_void_hold(1))).result_code(), Result::hold_already_closed);
  EXPECT_EQ(venue.run(alice(make_void_hold(5))).event_kind(), EventKind::hold_voided);
}

TEST(HoldExpiry, OneNanosecondBeforeItsTimeAHoldIsStillLive) {
  Venue venue;
  venue.standard();
  venue.block({alice(make_hold(2, 0, 100, 1000))});
  EXPECT_TRUE(venue.block({}, 999).empty());
  EXPECT_EQ(venue.held(2), 100);
  const std::vector<Event> events = venue.block({}, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event_kind(), EventKind::hold_expired);
  EXPECT_EQ(venue.held(2), 0);
}

TEST(HoldExpiry, ClosedAndRolledBackHoldsNeverExpire) {
  Venue venue;
  venue.standard();
  venue.block({alice(make_hold(2, 0, 100, 10)), alice(make_void_hold(1)), alice(make_hold(2, 3, 100, 10)),
               alice(make_post_hold(2, 0, 0)), linked(alice(make_hold(2, 0, 100, 10))), bob(make_void_hold(3))});
  EXPECT_EQ(venue.ledger().live_hold_count(), 0u);
  EXPECT_TRUE(venue.block({}, 100).empty());
}

// --- permissions -----------------------------------------------------------------------------------------------------

TEST(Permissions, OnlyTheOperatorCreatesAssetsAndOpensAccounts) {
  for (uint8_t role = 0; role <= kMaxRole; role++) {
    if (role == static_cast<uint8_t>(Role::operator_)) continue;
    SCOPED_TRACE(role_name(static_cast<Role>(role)));
    Venue venue;
    venue.standard();
    EXPECT_EQ(venue.run(as(make_create_asset("ETH", 18), 0, static_cast<Role>(role))).result_code(),
              Result::actor_not_permitted);
    EXPECT_EQ(venue.run(as(make_open_account(kAlice, 1, AccountKind::customer), kAlice, static_cast<Role>(role)))
                  .result_code(),
              Result::actor_not_permitted);
    EXPECT_EQ(venue.ledger().asset_count(), 2u);
    EXPECT_EQ(venue.ledger().account_count(), 9u);
  }
}

TEST(Permissions, CustomersDebitOnlyTheirOwnAccounts) {
  Venue venue;
  venue.standard();
  // Every way of moving money out of Alice's account, by Bob, by a bank, by a regulator: refused.
  for (Role role : {Role::customer, Role::merchant, Role::bank, Role::regulator, Role::central_bank, Role::none}) {
    SCOPED_TRACE(role_name(role));
    EXPECT_EQ(venue.run(as(make_transfer(2, 3, 1), kBob, role)).result_code(), Result::debit_not_permitted);
    EXPECT_EQ(venue.run(as(make_hold(2, 3, 1, 0), kBob, role)).result_code(), Result::debit_not_permitted);
  }
  ASSERT_EQ(venue.run(alice(make_hold(2, 0, 10, 0))).event_kind(), EventKind::hold_placed);
  EXPECT_EQ(venue.run(bob(make_post_hold(1, 3, 0))).result_code(), Result::debit_not_permitted);
  EXPECT_EQ(venue.run(bob(make_void_hold(1))).result_code(), Result::debit_not_permitted);
  // The owner may, in any non-operator role; the operator may debit anyone's account.
  EXPECT_EQ(venue.run(as(make_transfer(2, 3, 1), kAlice, Role::merchant)).event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(venue.run(make_transfer(2, 3, 1)).event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(venue.run(as(make_transfer(3, 2, 1), 12345, Role::operator_)).event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(venue.run(bob(make_transfer(3, 2, 1))).event_kind(), EventKind::transfer_posted);
  // The merchant's own account.
  EXPECT_EQ(venue.run(as(make_transfer(8, 2, 1), kMerchant, Role::merchant)).result_code(),
            Result::insufficient_funds);
}

// Stricter than ledger.h's "the operator, or the owner of the debit account": the venue's accounts (owner 0)
// cannot be debited by a non-operator claiming actor id 0, and issuance accounts only by the operator.
TEST(Permissions, VenueAndIssuanceAccountsOnlyByTheOperator) {
  Venue venue;
  venue.standard();
  venue.block({make_transfer(1, 6, 100)});  // fee income holds 100
  EXPECT_EQ(venue.run(as(make_transfer(6, 2, 1), 0, Role::customer)).result_code(), Result::debit_not_permitted);
  EXPECT_EQ(venue.run(as(make_transfer(1, 2, 1), 0, Role::bank)).result_code(), Result::debit_not_permitted);
  EXPECT_EQ(venue.run(alice(make_transfer(9, 2, 1))).result_code(), Result::debit_not_permitted);
  EXPECT_EQ(venue.run(alice(make_hold(9, 2, 1, 0))).result_code(), Result::debit_not_permitted);
  EXPECT_EQ(venue.run(make_transfer(9, 2, 1)).event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(venue.run(make_transfer(6, 2, 1)).event_kind(), EventKind::transfer_posted);
}

TEST(Conservation, EveryScenarioSumsToZero) {
  Venue venue;
  venue.standard();
  venue.block({alice(make_transfer(2, 3, 10)), alice(make_hold(2, 3, 100, 5)), make_transfer(4, 5, 999),
               bob(make_transfer(3, 2, 3))});
  venue.block({}, 10);
  std::vector<int128> sums(venue.ledger().asset_count() + 1, 0);
  for (uint64_t id = 1; id <= venue.ledger().account_count(); id++) {
    sums[venue.ledger().account(id)->asset] += venue.ledger().account(id)->total_minor;
  }
  for (size_t asset = 1; asset < sums.size(); asset++) EXPECT_TRUE(sums[asset] == 0) << asset;
  EXPECT_EQ(venue.engine().check_invariants(), "");
}

// --- regressions ----------------------------------------------------------------------------------------------------

// Last in this file because, while the bug stands, it aborts the whole test program.
// Regression: a repeated request id inside a group left open at the end of a block. The open group is
// answered linked_group_open and remembered; remembering an id that is already remembered broke the request
// table's precondition and aborted the engine (requests.cpp: find(...) == nullptr). Any client retry of a
// linked command that happens to end a block could stop the venue, and every replay of that block too.
TEST(Regression, RepeatedRequestIdInAGroupLeftOpenAtTheEndOfTheBlock) {
  Venue venue;
  venue.standard();
  const Command original = linked(with_request(alice(make_transfer(2, 3, 100)), 40));
  const std::vector<Event> first = venue.block({original});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].result_code(), Result::linked_group_open);
  // The exact retry, again at the end of a block.
  const std::vector<Event> retry = venue.block({original});
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].event_kind(), EventKind::duplicate) << describe(retry[0]);
  EXPECT_EQ(retry[0].result_code(), Result::linked_group_open);
  // Two members of one open group sharing an id.
  const std::vector<Event> twins = venue.block({linked(with_request(alice(make_transfer(2, 3, 1)), 41)),
                                                linked(with_request(alice(make_transfer(2, 3, 1)), 41))});
  ASSERT_EQ(twins.size(), 2u);
  EXPECT_EQ(twins[1].result_code(), Result::request_id_reused) << describe(twins[1]);
  EXPECT_EQ(venue.total(2), 10000);
}

}  // namespace
}  // namespace qz::testing
