// The digital tenge through Engine::apply (docs/money.md, "The engine wiring"): a scenario from issuance through
// wallets, a grant, a payment to a terminal merchant, a milestone release, expiry with its reversal transfers
// and the exchange link; the group rules of money commands; snapshots; and a seeded random stream of payments,
// grants and releases with every invariant (supply, escrow, conservation) checked after every block and a
// snapshot round trip along the way.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "base/bytes.h"
#include "base/prng.h"
#include "base/sha256.h"
#include "engine/engine.h"
#include "money_fixture.h"

namespace qz {
namespace {

TEST_F(MoneyEngineTest, IssuanceWalletsGrantPaymentMilestoneExpiryAndTheExchangeLink) {
  // Issuance to the bank and distribution to a wallet.
  expect_ok(run({as(make_issue_cbdc(bank, 1'000'000'00), kCentralBankUser, Role::central_bank)}));
  EXPECT_EQ(balance(bank), 1'000'000'00);
  EXPECT_EQ(engine.money()->issued_minor(), 1'000'000'00);
  const auto paid = run({make_pay(kBankUser, bank, alice, 1'000'00)});
  ASSERT_EQ(paid[0].event_kind(), EventKind::rejected);  // role customer is not enough: the bank sends as a bank
  expect_ok(run({as(make_pay(kBankUser, bank, alice, 1'000'00), kBankUser, Role::bank)}));
  EXPECT_EQ(balance(alice), 1'000'00);

  // A grant of the food program (central bank: issuance), then a payment that unwraps lot money first.
  const std::vector<Event> granted = run({as(make_grant(food, alice, 500'00), kCentralBankUser, Role::central_bank)});
  ASSERT_EQ(granted[0].event_kind(), EventKind::program_granted);
  EXPECT_EQ(granted[0].money_plan.postings, 1);
  EXPECT_EQ(granted[1].event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(granted[2].event_kind(), EventKind::lot_changed);
  EXPECT_EQ(engine.money()->lot(alice, food)->balance_minor, 500'00);
  const std::vector<Event> shop = run({make_pay(kAlice, alice, grocer, 700'00)});
  ASSERT_EQ(shop[0].event_kind(), EventKind::cbdc_paid);
  EXPECT_EQ(shop[0].money_plan.postings, 2);  // ordinary part, then the unwrap from the escrow
  EXPECT_EQ(shop[0].money_plan.lot_changes, 1);
  EXPECT_EQ(shop[3].lot_changed.delta_minor, -500'00);
  EXPECT_EQ(shop[3].lot_changed.change, static_cast<uint8_t>(LotChangeKind::spent));
  EXPECT_EQ(balance(grocer), 700'00);
  EXPECT_EQ(balance(alice), 800'00);

  // A milestone grant in two tranches; the attester releases the first.
  const Command tranches = tranche_part({100'00, 200'00});
  const std::vector<Event> milestone =
      run({linked(as(tranches, kCentralBankUser, Role::central_bank)),
           as(make_grant(build, alice, 300'00), kCentralBankUser, Role::central_bank)});
  ASSERT_EQ(milestone[0].event_kind(), EventKind::money_part_taken);
  ASSERT_EQ(milestone[1].event_kind(), EventKind::program_granted);
  EXPECT_EQ(milestone[1].money_plan.releases_opened, 2);
  const uint64_t first = first_release(milestone);
  ASSERT_NE(first, 0u);
  EXPECT_EQ(run({as(make_release_command(CommandKind::attest_release, first + 1), kAttester, Role::bank)})[0]
                .result_code(),
            Result::money_tranche_out_of_order);
  const std::vector<Event> attested =
      run({as(make_release_command(CommandKind::attest_release, first), kAttester, Role::bank)});
  ASSERT_EQ(attested[0].event_kind(), EventKind::release_done);
  EXPECT_EQ(engine.money()->lot(alice, build)->balance_minor, 100'00);

  // The exchange link: free money goes to the exchange's tenge balance; food money may not (6051).
  expect_ok(run({make_set_exchange_link(venue, venue_kzt)}));
  expect_ok(run({make_grant(food, alice, 50'00)}));
  EXPECT_EQ(run({make_pay(kAlice, alice, venue, 950'00, alice_kzt)})[0].result_code(),
            Result::program_category_not_allowed);
  EXPECT_EQ(run({make_pay(kBob, alice, venue, 10'00, alice_kzt)})[0].result_code(),
            Result::money_exchange_account_invalid);  // not Alice
  const std::vector<Event> to_exchange = run({make_pay(kAlice, alice, venue, 300'00, alice_kzt)});
  ASSERT_EQ(to_exchange[0].event_kind(), EventKind::cbdc_paid);
  EXPECT_EQ(engine.ledger().account(alice_kzt)->total_minor, 300'00);
  EXPECT_EQ(balance(venue), 300'00);
  // ... and back: the customer asks, the venue's wallet pays, the exchange balance goes down.
  expect_ok(run({make_pay(kAlice, venue, alice, 120'00, alice_kzt)}));
  EXPECT_EQ(engine.ledger().account(alice_kzt)->total_minor, 180'00);
  EXPECT_EQ(balance(venue), 180'00);

  // Raw ledger commands cannot touch the issuance account or an escrow.
  EXPECT_EQ(run({make_transfer(issuance_account(), bank_account(), 1)})[0].result_code(),
            Result::money_account_in_use);

  // Expiry at the first block at or after it: the food lot goes back to the issuer as a transfer.
  const Program* program = engine.money()->program(food);
  const int64_t outstanding = program->stats.outstanding_minor;
  ASSERT_EQ(outstanding, 50'00);
  const int64_t supply_before = engine.money()->issued_minor() - engine.money()->redeemed_minor();
  const std::vector<Event> expired = run_at(program->spec.expires_at_ns, {});
  ASSERT_GE(expired.size(), 3u);
  EXPECT_EQ(expired[0].event_kind(), EventKind::program_expired);
  EXPECT_EQ(expired[0].command_index, kNoCommand);
  EXPECT_EQ(expired[1].event_kind(), EventKind::transfer_posted);
  EXPECT_EQ(expired[1].transfer_posted.credit, issuance_account());
  EXPECT_EQ(expired[2].lot_changed.change, static_cast<uint8_t>(LotChangeKind::returned));
  EXPECT_EQ(engine.money()->program(food)->status, ProgramStatus::expired);
  EXPECT_EQ(engine.money()->lot(alice, food), nullptr);
  // Returned to the central bank: redemption.
  EXPECT_EQ(engine.money()->issued_minor() - engine.money()->redeemed_minor(), supply_before - outstanding);

  // Redemption by the bank.
  expect_ok(run({as(make_redeem_cbdc(bank, 1'000'00), kCentralBankUser, Role::central_bank)}));
  check_snapshot_round_trip();
}

TEST_F(MoneyEngineTest, MoneyCommandsStandAloneOrWithTheirOwnParts) {
  expect_ok(run({as(make_issue_cbdc(bank, 1'000'00), kCentralBankUser, Role::central_bank)}));
  // A money command linked with a ledger command: refused whole.
  const std::vector<Event> mixed =
      run({linked(make_transfer(kzt_issuance, alice_kzt, 1'00)), as(make_pay(kBankUser, bank, alice, 1'00), kBankUser, Role::bank)});
  ASSERT_EQ(mixed.size(), 2u);
  EXPECT_EQ(mixed[0].result_code(), Result::linked_group_unsupported);
  EXPECT_EQ(mixed[1].result_code(), Result::linked_event_failed);
  // Tranches before a publish_program, or alone: refused.
  EXPECT_EQ(run({tranche_part({1'00})})[0].result_code(), Result::linked_group_unsupported);
  // A part from another actor than the command it completes.
  const std::vector<Event> foreign = run({linked(as(tranche_part({1'00}), 5, Role::central_bank)),
                                          as(make_grant(build, alice, 1'00), kCentralBankUser, Role::central_bank)});
  EXPECT_EQ(foreign[0].result_code(), Result::linked_group_unsupported);
  // A refused grant takes its parts with it; the book and the ledger are unchanged.
  const std::vector<Event> refused = run({linked(as(tranche_part({1'00, 2'00}), kCentralBankUser, Role::central_bank)),
                                          as(make_grant(build, alice, 4'00), kCentralBankUser, Role::central_bank)});
  EXPECT_EQ(refused[0].result_code(), Result::linked_event_failed);
  EXPECT_EQ(refused[1].result_code(), Result::money_tranches_invalid);
  EXPECT_EQ(engine.money()->program(build)->stats.granted_minor, 0);
  // Read-only roles move no money.
  EXPECT_EQ(run({as(make_pay(kAlice, alice, grocer, 1), kAlice, Role::regulator)})[0].result_code(),
            Result::actor_not_permitted);
  EXPECT_EQ(run({as(make_issue_cbdc(bank, 1), kBankUser, Role::bank)})[0].result_code(), Result::actor_not_permitted);
}

TEST_F(MoneyEngineTest, AProgramWithListsIsPublishedFromItsParts) {
  ProgramTermsPayload terms{};
  terms.expires_at_ns = time_ns + 100 * kHour;
  terms.expiry_action = static_cast<uint8_t>(ExpiryAction::release_to_holder);
  terms.release_rule = static_cast<uint8_t>(ReleaseRule::immediate);
  terms.terminal_kinds = wallet_kind_bit(WalletKind::merchant);
  terms.flags = kProgramP2p;
  ProgramListPayload categories{};
  categories.list = static_cast<uint8_t>(ProgramListKind::categories);
  categories.count = 2;
  categories.codes[0] = 5912;
  categories.codes[1] = 5411;
  const std::vector<Event> events = publish("PHARMACY-1", terms, {categories});
  ASSERT_EQ(events.back().event_kind(), EventKind::program_published);
  const Program* program = engine.money()->program(events.back().program_published.program);
  ASSERT_NE(program, nullptr);
  EXPECT_EQ(program->spec.categories, (std::vector<uint16_t>{5411, 5912}));
  EXPECT_TRUE(program->spec.p2p_allowed);
  EXPECT_EQ(program->spec.expiry_action, ExpiryAction::release_to_holder);
  EXPECT_EQ(engine.ledger().account(program->spec.escrow_account)->kind, AccountKind::escrow);
  // Publishing the code again is its next version.
  const std::vector<Event> again = publish("PHARMACY-1", terms, {categories});
  EXPECT_EQ(again.back().program_published.version, 2u);
}

// A seeded stream of payments (wallet to wallet, to merchants, to the exchange and back), grants, milestone
// releases and status changes, checked after every block: every invariant of the engine (the ledger's per-asset
// conservation, the book's supply and escrow backing and lots' expiry), and every accepted payment's event
// counts against its plan. Every 25 blocks the state goes through a snapshot into a fresh engine and must come
// back with the same hash and behave the same afterwards.
TEST_F(MoneyEngineTest, RandomStreamKeepsEveryInvariantAfterEveryBlock) {
  const uint64_t seed = 20261126;
  std::fprintf(stderr, "money stream seed %llu\n", static_cast<unsigned long long>(seed));
  Prng prng(seed);
  expect_ok(run({as(make_issue_cbdc(bank, 10'000'000'00), kCentralBankUser, Role::central_bank)}));
  expect_ok(run({make_set_exchange_link(venue, venue_kzt)}));
  const std::vector<uint64_t> people = {alice, bob};
  const std::vector<uint64_t> owners = {kAlice, kBob};
  const std::vector<uint64_t> shops = {grocer, cafe, venue};
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  for (int block = 0; block < 300; block++) {
    std::vector<Command> commands;
    const uint64_t count = 1 + prng.below(12);
    for (uint64_t i = 0; i < count; i++) {
      const uint64_t who = prng.below(people.size());
      const uint64_t roll = prng.below(100);
      if (roll < 10) {
        commands.push_back(as(make_pay(kBankUser, bank, people[who], prng.range(1, 5'000'00)), kBankUser, Role::bank));
      } else if (roll < 20) {
        commands.push_back(make_grant(prng.chance(50) ? food : travel, people[who], prng.range(1, 2'000'00)));
      } else if (roll < 25) {
        commands.push_back(linked(tranche_part({prng.range(1, 500'00), prng.range(1, 500'00)})));
        commands.back().role = static_cast<uint8_t>(Role::operator_);
        const auto& t = commands.back().grant_tranches;
        commands.push_back(make_grant(build, people[who], t.amounts_minor[0] + t.amounts_minor[1]));
      } else if (roll < 30 && engine.money()->program(build) != nullptr) {
        uint64_t release = 0;
        engine.money()->for_each_release([&](const PendingRelease& r) {
          if (release == 0 && r.program == build) release = r.id;
        });
        if (release != 0) {
          commands.push_back(as(make_release_command(prng.chance(80) ? CommandKind::attest_release
                                                                     : CommandKind::cancel_release,
                                                     release),
                                prng.chance(80) ? kAttester : kCentralBankUser,
                                prng.chance(80) ? Role::bank : Role::central_bank));
        }
      } else if (roll < 33) {
        commands.push_back(as(make_set_program_status(travel, static_cast<uint8_t>(1 + prng.below(2))),
                              kCentralBankUser, Role::central_bank));
      } else if (roll < 45) {
        commands.push_back(make_pay(owners[who], people[who], venue, prng.range(1, 300'00),
                                    who == 0 ? alice_kzt : bob_kzt));
      } else if (roll < 52) {
        commands.push_back(make_pay(owners[who], venue, people[who], prng.range(1, 300'00),
                                    who == 0 ? alice_kzt : bob_kzt));
      } else if (roll < 62) {
        commands.push_back(make_pay(owners[who], people[who], people[1 - who], prng.range(1, 500'00)));
      } else {
        commands.push_back(make_pay(owners[who], people[who], shops[prng.below(shops.size())], prng.range(1, 900'00)));
      }
    }
    const std::vector<Event> events = run_at(time_ns + 1 + prng.below(4 * kHour), commands);
    for (size_t i = 0; i < events.size(); i++) {
      const Event& event = events[i];
      if (event.event_kind() == EventKind::rejected) rejected++;
      if (event.event_kind() != EventKind::cbdc_paid) continue;
      accepted++;
      const MoneyPlanPayload& p = event.money_plan;
      ASSERT_LE(i + p.postings + p.lot_changes, events.size() - 1);
      for (size_t k = 1; k <= p.postings; k++) ASSERT_EQ(events[i + k].event_kind(), EventKind::transfer_posted);
      for (size_t k = 1; k <= p.lot_changes; k++) {
        ASSERT_EQ(events[i + p.postings + k].event_kind(), EventKind::lot_changed);
      }
    }
    ASSERT_EQ(engine.check_invariants(), "") << "block " << block << ", seed " << seed;
    if (block % 25 == 24) check_snapshot_round_trip();
  }
  EXPECT_GT(accepted, 300u);
  EXPECT_GT(rejected, 10u);
  EXPECT_EQ(engine.money()->program(food)->status, ProgramStatus::expired);  // the stream ran past its expiry
}


// A snapshot of version 6 (before the digital tenge: no money section) still loads, to the same state hash.
TEST(MoneySnapshot, AVersion6SnapshotStillLoads) {
  Engine engine;
  std::vector<Event> events;
  const std::vector<Command> setup = {make_create_asset("KZT", 2), make_open_account(0, 1, AccountKind::issuance)};
  engine.apply(BlockInput{.height = 0, .time_ns = 1, .commands = setup}, &events);
  std::vector<uint8_t> bytes;
  engine.write_snapshot(&bytes);
  ASSERT_EQ(get_u32(bytes.data() + 8), kSnapshotFormatVersion);
  // Version 6: the same bytes without the money flag and the rules version (the five bytes before the digest),
  // sealed again.
  bytes.resize(bytes.size() - 32);
  ASSERT_EQ(get_u32(bytes.data() + bytes.size() - 4), 1u);
  bytes.resize(bytes.size() - 4);
  ASSERT_EQ(bytes.back(), 0);
  bytes.pop_back();
  put_u32(bytes.data() + 8, 6);
  const Hash256 digest = sha256(bytes.data(), bytes.size());
  bytes.insert(bytes.end(), digest.bytes.begin(), digest.bytes.end());
  Engine loaded;
  const Status status = loaded.load_snapshot(bytes);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(loaded.state_hash(), engine.state_hash());
  EXPECT_EQ(loaded.money(), nullptr);
}

// The client gate sees the book's postings: a customer who may not move money (registered, checks pending) pays
// nothing from its wallet; expiry is never stopped, even when the issuer's user is frozen.
TEST_F(MoneyEngineTest, APayerWhoMayNotMoveMoneyPaysNothingAndExpiryStillRuns) {
  expect_ok(run({as(make_issue_cbdc(bank, 1'000'00), kCentralBankUser, Role::central_bank),
                 as(make_pay(kBankUser, bank, alice, 100'00), kBankUser, Role::bank), make_grant(food, alice, 50'00),
                 make_register_client(kAlice, 1, 2, "KZ", "KZ", false), make_register_client(kCentralBankUser, 2, 3, "KZ", "KZ", false),
                 make_set_client_status(kCentralBankUser, static_cast<uint8_t>(ClientStatus::frozen),
                                        static_cast<uint16_t>(ClientStatusReason::compliance_review))}));
  EXPECT_EQ(run({make_pay(kAlice, alice, cafe, 10'00)})[0].result_code(), Result::client_pending);
  // The food lot is spent before the free balance: the escrow is gated by nobody, yet the payment is refused
  // whole because Alice's own account is not movable.
  EXPECT_EQ(run({make_pay(kAlice, alice, grocer, 60'00)})[0].result_code(), Result::client_pending);
  EXPECT_EQ(engine.money()->lot(alice, food)->balance_minor, 50'00);
  // The central bank's user is frozen, yet the expiry returns the lot to its issuance account.
  const std::vector<Event> expired = run_at(engine.money()->program(food)->spec.expires_at_ns, {});
  ASSERT_FALSE(expired.empty());
  EXPECT_EQ(expired[0].event_kind(), EventKind::program_expired);
  EXPECT_EQ(engine.money()->program(food)->stats.returned_minor, 50'00);
}

}  // namespace
}  // namespace qz
