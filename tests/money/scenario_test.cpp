// Scenarios of the digital tenge: the waterfall and reverse waterfall, the spending order and expiry order,
// milestone and delayed releases, a budget program's chain of custody across three hops, the exchange link,
// revocation, versions, all-or-nothing plans, and the state hash. Each ends with the invariants.
#include <gtest/gtest.h>

#include "money_world.h"

namespace qz::money_test {
namespace {

ProgramSpec open_program(const char* code) {
  ProgramSpec spec;
  spec.code = code;
  return spec;
}

std::vector<PostingRole> roles(const Plan& plan) {
  std::vector<PostingRole> out;
  for (const MoneyPosting& posting : plan.postings) out.push_back(posting.role);
  return out;
}

void fund_account(MoneyWorld& w, uint64_t account_id, int64_t amount) {
  ASSERT_EQ(w.issue(w.bank_wallet, amount), Result::ok);
  TransferDone done{};
  ASSERT_EQ(w.ledger.transfer(kOperator,
                              TransferRequest{.debit = w.book->wallet(w.bank_wallet)->spec.account,
                                              .credit = account_id, .amount_minor = amount},
                              &done),
            Result::ok);
}

TEST(MoneyScenario, WaterfallSweepsTheExcessToTheLinkedAccount) {
  MoneyWorld w;
  const uint64_t saver = w.open(WalletKind::individual, 3000, w.basic_class, 0, 0, w.bank_deposits,
                                AccountKind::customer, /*waterfall=*/true, /*reverse=*/false);
  const uint64_t payer = w.individual(w.business_class);
  w.fund(saver, 450'000'00);
  w.fund(payer, 100'000'00);
  ASSERT_EQ(w.pay(payer, saver, 80'000'00), Result::ok);  // cap 500,000.00: 30,000.00 above it
  EXPECT_EQ(roles(w.journal.back()), (std::vector{PostingRole::pay, PostingRole::waterfall}));
  EXPECT_EQ(w.journal.back().postings[1].amount_minor, 30'000'00);
  EXPECT_EQ(w.free(saver), 500'000'00);
  EXPECT_EQ(w.balance(w.bank_deposits), 30'000'00);
  // At the cap exactly, nothing moves; above it again, only the excess.
  ASSERT_EQ(w.pay(payer, saver, 1), Result::ok);
  EXPECT_EQ(w.free(saver), 500'000'00);
  EXPECT_EQ(w.balance(w.bank_deposits), 30'000'01);
  w.check();
}

TEST(MoneyScenario, ReverseWaterfallPullsTheShortfallFromTheLinkedAccount) {
  MoneyWorld w;
  const uint64_t spender = w.open(WalletKind::individual, 3000, w.basic_class, 0, 0, w.bank_deposits,
                                  AccountKind::customer, /*waterfall=*/false, /*reverse=*/true);
  const uint64_t shop = w.merchant(5411);
  fund_account(w, w.bank_deposits, 500'00);
  w.fund(spender, 30'00);
  ASSERT_EQ(w.pay(spender, shop, 100'00), Result::ok);
  EXPECT_EQ(roles(w.journal.back()), (std::vector{PostingRole::reverse_waterfall, PostingRole::pay}));
  EXPECT_EQ(w.journal.back().postings[0].amount_minor, 70'00);
  EXPECT_EQ(w.free(spender), 0);
  EXPECT_EQ(w.free(shop), 100'00);
  EXPECT_EQ(w.balance(w.bank_deposits), 430'00);
  // Lots first, then the free balance, then the link.
  const uint32_t food = w.publish(open_program("FOOD"));
  ASSERT_EQ(w.grant(food, spender, 40'00), Result::ok);
  w.fund(spender, 10'00);
  ASSERT_EQ(w.pay(spender, shop, 100'00), Result::ok);
  EXPECT_EQ(roles(w.journal.back()), (std::vector{PostingRole::reverse_waterfall, PostingRole::pay, PostingRole::unwrap}));
  EXPECT_EQ(w.journal.back().postings[0].amount_minor, 50'00);
  EXPECT_EQ(w.balance(w.bank_deposits), 380'00);
  // The link cannot cover more than it holds.
  Refusal refusal;
  EXPECT_EQ(w.pay(spender, shop, 380'01, &refusal), Result::money_insufficient_funds);
  EXPECT_EQ(refusal.value, 380'00);
  w.check();
}

TEST(MoneyScenario, SpendingOrderIsEarliestExpiryFirstThenFreeBalance) {
  MoneyWorld w;
  ProgramSpec a = open_program("A-DAY10");
  a.expires_at_ns = kStart + 10 * kDay;
  ProgramSpec b = open_program("B-DAY5");
  b.expires_at_ns = kStart + 5 * kDay;
  b.expiry_action = ExpiryAction::release_to_holder;
  const uint32_t c_id = w.publish(open_program("C-NEVER"));  // lowest id, never expires: spent last of the lots
  const uint32_t a_id = w.publish(a);
  const uint32_t b_id = w.publish(b);
  const uint64_t holder = w.individual(w.basic_class);
  const uint64_t other = w.individual(w.basic_class);
  const uint64_t shop = w.merchant(5411);
  for (const uint32_t p : {a_id, b_id, c_id}) ASSERT_EQ(w.grant(p, holder, 100'00), Result::ok);
  ASSERT_EQ(w.grant(a_id, other, 70'00), Result::ok);
  w.fund(holder, 100'00);

  ASSERT_EQ(w.pay(holder, shop, 150'00), Result::ok);
  const Plan& first = w.journal.back();
  ASSERT_EQ(first.lot_changes.size(), 2u);
  EXPECT_EQ(first.lot_changes[0].program, b_id);
  EXPECT_EQ(first.lot_changes[0].delta_minor, -100'00);
  EXPECT_EQ(first.lot_changes[1].program, a_id);
  EXPECT_EQ(first.lot_changes[1].delta_minor, -50'00);
  ASSERT_EQ(w.pay(holder, shop, 170'00), Result::ok);  // A 50, C 100, then 20 of free balance
  EXPECT_EQ(w.lot(holder, a_id), 0);
  EXPECT_EQ(w.lot(holder, c_id), 0);
  EXPECT_EQ(w.free(holder), 80'00);
  EXPECT_EQ(w.free(shop), 320'00);
  w.check();
}

TEST(MoneyScenario, ExpiryRunsAtBlockBoundariesInExpiryThenHolderOrder) {
  MoneyWorld w;
  ProgramSpec a = open_program("A-DAY10");
  a.expires_at_ns = kStart + 10 * kDay;
  ProgramSpec b = open_program("B-DAY5");
  b.expires_at_ns = kStart + 5 * kDay;
  b.expiry_action = ExpiryAction::release_to_holder;
  const uint32_t a_id = w.publish(a);
  const uint32_t b_id = w.publish(b);
  const uint32_t c_id = w.publish(open_program("C-NEVER"));
  const uint64_t first = w.individual(w.basic_class);
  const uint64_t second = w.individual(w.basic_class);
  ASSERT_EQ(w.grant(a_id, second, 70'00), Result::ok);
  ASSERT_EQ(w.grant(a_id, first, 100'00), Result::ok);
  ASSERT_EQ(w.grant(b_id, first, 40'00), Result::ok);
  ASSERT_EQ(w.grant(c_id, first, 10'00), Result::ok);
  const int64_t supply = w.supply();

  // Just before B's expiry nothing happens; at it, B is released into the holder's free balance.
  std::vector<Plan> done;
  w.book->begin_block(&w.ledger, kStart + 5 * kDay - 1, &done);
  EXPECT_TRUE(done.empty());
  EXPECT_EQ(w.lot(first, b_id), 40'00);
  w.book->begin_block(&w.ledger, kStart + 5 * kDay, &done);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].kind, PlanKind::expiry);
  EXPECT_EQ(roles(done[0]), (std::vector{PostingRole::release_to_holder}));
  EXPECT_EQ(w.book->lot(first, b_id), nullptr);
  EXPECT_EQ(w.free(first), 40'00);
  EXPECT_EQ(w.book->program(b_id)->status, ProgramStatus::expired);
  EXPECT_EQ(w.supply(), supply);  // released to the holder: still in circulation
  w.check();

  // Much later: A expires; its lots go back to the central bank in holder order, as redemption.
  done.clear();
  w.book->begin_block(&w.ledger, kStart + 30 * kDay, &done);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].program, a_id);
  ASSERT_EQ(done[0].lot_changes.size(), 2u);
  EXPECT_EQ(done[0].lot_changes[0].holder, first);
  EXPECT_EQ(done[0].lot_changes[1].holder, second);
  EXPECT_EQ(done[0].lot_changes[0].kind, LotChangeKind::returned);
  EXPECT_EQ(w.supply(), supply - 170'00);
  EXPECT_EQ(w.escrow(a_id), 0);
  EXPECT_EQ(w.lot(first, c_id), 10'00);  // never expires
  EXPECT_EQ(w.book->program(a_id)->stats.returned_minor, 170'00);
  w.check();

  // One block that passes two expiries runs them in expiry order, whatever the program ids.
  MoneyWorld v;
  const uint32_t late = v.publish(a);
  const uint32_t early = v.publish(b);
  const uint64_t h = v.individual();
  ASSERT_EQ(v.grant(late, h, 1'00), Result::ok);
  ASSERT_EQ(v.grant(early, h, 1'00), Result::ok);
  done.clear();
  v.book->begin_block(&v.ledger, kStart + 20 * kDay, &done);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].program, early);
  EXPECT_EQ(done[1].program, late);
  v.check();
}

TEST(MoneyScenario, MilestoneReleaseTrancheByTranche) {
  MoneyWorld w;
  const uint64_t ministry = w.agency(9399, 71);
  w.fund(ministry, 1'000'000'00);
  ProgramSpec spec = open_program("LIVESTOCK-2027");
  spec.issuer_wallet = ministry;
  spec.release_rule = ReleaseRule::milestone;
  spec.attester = 77;  // the veterinary registry
  spec.categories = {5999, 763};  // farm supplies, agricultural cooperatives
  const uint32_t program_id = w.publish(spec);
  const uint64_t farmer = w.individual(w.basic_class);
  const uint64_t feed = w.merchant(763, 71);
  ASSERT_EQ(w.grant(program_id, farmer, 300'000'00, {100'000'00, 200'000'00}), Result::ok);
  EXPECT_EQ(w.escrow(program_id), 300'000'00);
  EXPECT_EQ(w.lot(farmer, program_id), 0);
  EXPECT_EQ(w.pay(farmer, feed, 1'00), Result::money_insufficient_funds);  // nothing released yet
  w.check();

  const Actor registry{.id = 77, .role = Role::customer};
  Plan plan;
  EXPECT_EQ(w.book->decide_attest(registry, 2, &plan, nullptr), Result::money_tranche_out_of_order);
  ASSERT_EQ(w.run(w.book->decide_attest(registry, 1, &plan, nullptr), plan), Result::ok);  // cattle registered
  EXPECT_EQ(w.lot(farmer, program_id), 100'000'00);
  ASSERT_EQ(w.pay(farmer, feed, 60'000'00), Result::ok);
  EXPECT_EQ(w.escrow(program_id), 240'000'00);  // lot 40,000.00 + pending 200,000.00
  w.check();
  ASSERT_EQ(w.run(w.book->decide_attest(registry, 2, &plan, nullptr), plan), Result::ok);
  EXPECT_EQ(w.lot(farmer, program_id), 240'000'00);
  EXPECT_EQ(w.book->program(program_id)->stats.released_minor, 300'000'00);

  // A tranche whose milestone is never met goes back to the ministry.
  ASSERT_EQ(w.grant(program_id, farmer, 50'000'00, {20'000'00, 30'000'00}), Result::ok);  // releases 3, 4
  const int64_t ministry_before = w.free(ministry);
  ASSERT_EQ(w.run(w.book->decide_cancel_release(w.owner_of(ministry), 4, &plan, nullptr), plan), Result::ok);
  EXPECT_EQ(w.free(ministry), ministry_before + 30'000'00);
  EXPECT_EQ(w.book->release(4), nullptr);
  EXPECT_NE(w.book->release(3), nullptr);
  EXPECT_EQ(w.book->program(program_id)->stats.returned_minor, 30'000'00);
  w.check();
}

TEST(MoneyScenario, DelayedReleaseUnlessDisputed) {
  MoneyWorld w;
  ProgramSpec spec = open_program("SCHOOL-MEALS");
  spec.release_rule = ReleaseRule::delayed;
  spec.release_delay_ns = 7 * kDay;
  const uint32_t program_id = w.publish(spec);
  const uint64_t canteen = w.contractor(5812, 75, w.business_class);
  ASSERT_EQ(w.grant(program_id, canteen, 10'00), Result::ok);  // release 1 at day 7
  ASSERT_EQ(w.grant(program_id, canteen, 20'00), Result::ok);  // release 2 at day 7, disputed
  ASSERT_EQ(w.grant(program_id, canteen, 40'00), Result::ok);  // release 3 at day 7, disputed then cancelled
  Plan plan;
  ASSERT_EQ(w.run(w.book->decide_dispute(kCentralBank, 2, &plan, nullptr), plan), Result::ok);
  ASSERT_EQ(w.run(w.book->decide_dispute(kCentralBank, 3, &plan, nullptr), plan), Result::ok);
  w.block(kStart + 7 * kDay - 1);
  EXPECT_EQ(w.lot(canteen, program_id), 0);
  w.block(kStart + 7 * kDay);
  EXPECT_EQ(w.journal.back().kind, PlanKind::release);
  EXPECT_EQ(w.lot(canteen, program_id), 10'00);
  w.block(kStart + 30 * kDay);
  EXPECT_EQ(w.lot(canteen, program_id), 10'00);  // disputed: no automatic release
  ASSERT_EQ(w.run(w.book->decide_attest(kCentralBank, 2, &plan, nullptr), plan), Result::ok);  // settled for it
  EXPECT_EQ(w.lot(canteen, program_id), 30'00);
  const int64_t supply = w.supply();
  ASSERT_EQ(w.run(w.book->decide_cancel_release(kCentralBank, 3, &plan, nullptr), plan), Result::ok);
  EXPECT_EQ(w.supply(), supply - 40'00);  // back to the central bank: redeemed
  EXPECT_EQ(w.escrow(program_id), 30'00);
  w.check();
}

// Budget money: the ministry pays a railway contractor, who pays a subcontractor, who pays a supplier, who buys
// materials from a merchant. The label stays on through the contractors and comes off at the merchant.
TEST(MoneyScenario, ChainOfCustodyAcrossThreeHops) {
  MoneyWorld w;
  const uint64_t ministry = w.agency(9399, 71);
  w.fund(ministry, 2'000'000'00);
  const uint64_t railway = w.contractor(1611, 71, w.business_class);      // heavy construction
  const uint64_t subcontractor = w.contractor(1771, 75, w.business_class);  // concrete work
  const uint64_t supplier = w.contractor(5039, 75, w.business_class);      // construction materials wholesale
  const uint64_t depot = w.merchant(5211, 75);                              // building materials
  const uint64_t worker = w.individual(w.basic_class);
  ProgramSpec spec = open_program("RAIL-2027");
  spec.issuer_wallet = ministry;
  spec.eligible_classes = {w.business_class};
  spec.terminal_kinds = wallet_kind_bit(WalletKind::merchant);
  spec.categories = {1611, 1771, 5039, 5211};
  const uint32_t rail = w.publish(spec);

  ASSERT_EQ(w.grant(rail, railway, 1'000'000'00), Result::ok);
  ASSERT_EQ(w.pay(railway, subcontractor, 600'000'00), Result::ok);
  ASSERT_EQ(w.pay(subcontractor, supplier, 250'000'00), Result::ok);
  ASSERT_EQ(w.pay(supplier, depot, 100'000'00), Result::ok);
  // Still marked at every contractor; ordinary at the merchant.
  EXPECT_EQ(w.lot(railway, rail), 400'000'00);
  EXPECT_EQ(w.lot(subcontractor, rail), 350'000'00);
  EXPECT_EQ(w.lot(supplier, rail), 150'000'00);
  EXPECT_EQ(w.free(subcontractor), 0);
  EXPECT_EQ(w.free(depot), 100'000'00);
  EXPECT_EQ(w.escrow(rail), 900'000'00);
  // Marked money cannot leave the purpose.
  EXPECT_EQ(w.pay_text(subcontractor, worker, 1'00), "program RAIL-2027: payments to individuals not allowed");
  EXPECT_EQ(w.pay(subcontractor, w.bank_wallet, 1'00), Result::program_cash_out_not_allowed);
  EXPECT_EQ(w.pay(supplier, w.merchant(5813), 1'00), Result::program_category_not_allowed);
  // The merchant's money is ordinary: it goes anywhere.
  ASSERT_EQ(w.pay(depot, worker, 10'00), Result::ok);

  const std::vector<TrailHop> trail = program_trail(*w.book, w.journal, rail);
  ASSERT_EQ(trail.size(), 4u);
  const TrailHop expected[] = {
      {.kind = HopKind::granted, .from = ministry, .to = railway, .amount_minor = 1'000'000'00},
      {.kind = HopKind::passed, .from = railway, .to = subcontractor, .amount_minor = 600'000'00},
      {.kind = HopKind::passed, .from = subcontractor, .to = supplier, .amount_minor = 250'000'00},
      {.kind = HopKind::unwrapped, .from = supplier, .to = depot, .amount_minor = 100'000'00},
  };
  for (size_t i = 0; i < 4; i++) {
    EXPECT_EQ(trail[i].kind, expected[i].kind) << i;
    EXPECT_EQ(trail[i].from, expected[i].from) << i;
    EXPECT_EQ(trail[i].to, expected[i].to) << i;
    EXPECT_EQ(trail[i].amount_minor, expected[i].amount_minor) << i;
  }
  EXPECT_LT(trail[0].sequence, trail[1].sequence);
  EXPECT_EQ(program_report(*w.book, rail),
            "program RAIL-2027 v1 active\n"
            "granted 1000000.00\n"
            "pending 0.00\n"
            "released 0.00\n"
            "outstanding 900000.00\n"
            "spent 100000.00\n"
            "cashed_out 0.00\n"
            "moved 850000.00\n"
            "returned 0.00\n"
            "released_at_expiry 0.00\n"
            "spent 5211 75 100000.00\n");
  w.check();
}

TEST(MoneyScenario, ExchangeLinkTakesOnlyMoneyWhoseProgramAllowsQuasiCash) {
  MoneyWorld w;
  const uint64_t venue = w.open(WalletKind::merchant, 1, 0, kMccQuasiCash, 75);  // the venue's DKZT account
  const uint64_t customer = w.individual(w.basic_class);
  ProgramSpec food = open_program("SUBSIDY-FOOD-2027");
  food.categories = {5411};
  ProgramSpec bonus = open_program("INVEST-BONUS");
  bonus.categories = {kMccQuasiCash};
  const uint32_t food_id = w.publish(food);
  const uint32_t bonus_id = w.publish(bonus);
  ASSERT_EQ(w.grant(food_id, customer, 100'00), Result::ok);
  EXPECT_EQ(w.pay_text(customer, venue, 50'00),
            "program SUBSIDY-FOOD-2027: merchant category 6051 not allowed");
  w.fund(customer, 30'00);
  ASSERT_EQ(w.pay(customer, venue, 30'00), Result::ok);  // free balance: to the exchange
  EXPECT_EQ(w.lot(customer, food_id), 100'00);          // the subsidy stayed
  ASSERT_EQ(w.grant(bonus_id, customer, 20'00), Result::ok);
  ASSERT_EQ(w.pay(customer, venue, 20'00), Result::ok);
  EXPECT_EQ(w.free(venue), 50'00);
  ASSERT_EQ(w.pay(venue, customer, 45'00), Result::ok);  // back from the exchange: ordinary money
  EXPECT_EQ(w.free(customer), 45'00);
  w.check();
}

TEST(MoneyScenario, RevocationReturnsEverythingToTheIssuer) {
  MoneyWorld w;
  ProgramSpec spec = open_program("PILOT");
  spec.release_rule = ReleaseRule::milestone;
  spec.attester = 77;
  const uint32_t program_id = w.publish(spec);
  const uint64_t a = w.individual();
  const uint64_t b = w.individual();
  ASSERT_EQ(w.grant(program_id, b, 30'00, {10'00, 20'00}), Result::ok);
  ASSERT_EQ(w.grant(program_id, a, 5'00, {5'00}), Result::ok);
  Plan plan;
  ASSERT_EQ(w.run(w.book->decide_attest(Actor{.id = 77, .role = Role::customer}, 1, &plan, nullptr), plan), Result::ok);
  const int64_t supply = w.supply();
  ASSERT_EQ(w.run(w.book->decide_program_status(kCentralBank, program_id, ProgramStatus::revoked, &plan, nullptr), plan),
            Result::ok);
  ASSERT_EQ(plan.lot_changes.size(), 1u);  // b's lot; a's lot is empty
  EXPECT_EQ(plan.lot_changes[0].holder, b);
  ASSERT_EQ(plan.closed.size(), 2u);  // pending releases 2 and 3, in id order
  EXPECT_EQ(plan.closed[0].id, 2u);
  EXPECT_EQ(plan.closed[1].id, 3u);
  EXPECT_EQ(w.supply(), supply - 35'00);
  EXPECT_EQ(w.escrow(program_id), 0);
  EXPECT_EQ(w.book->lot(b, program_id), nullptr);
  EXPECT_EQ(w.book->program(program_id)->stats.returned_minor, 35'00);
  EXPECT_EQ(w.grant(program_id, a, 1'00), Result::program_revoked);
  w.check();
}

TEST(MoneyScenario, ANewVersionLeavesTheOldOneAsItWas) {
  MoneyWorld w;
  ProgramSpec v1 = open_program("SUBSIDY-FOOD-2027");
  v1.categories = {5411};
  const uint32_t first = w.publish(v1);
  ProgramSpec v2 = v1;
  v2.categories = {5411, 5912};
  const uint32_t second = w.publish(v2);
  EXPECT_EQ(w.book->find_program("SUBSIDY-FOOD-2027"), second);
  EXPECT_EQ(w.book->program(second)->version, 2u);
  EXPECT_NE(w.book->program(first)->spec.escrow_account, w.book->program(second)->spec.escrow_account);
  const uint64_t holder = w.individual();
  const uint64_t pharmacy = w.merchant(5912);
  ASSERT_EQ(w.grant(first, holder, 10'00), Result::ok);
  EXPECT_EQ(w.pay(holder, pharmacy, 5'00), Result::program_category_not_allowed);  // v1's rules
  ASSERT_EQ(w.grant(second, holder, 10'00), Result::ok);
  ASSERT_EQ(w.pay(holder, pharmacy, 5'00), Result::ok);
  EXPECT_EQ(w.lot(holder, first), 10'00);
  EXPECT_EQ(w.lot(holder, second), 5'00);
  w.check();
}

// A client rule outside the book (the engine's freeze) refuses one posting: the whole plan is undone.
class FreezeGate final : public DebitGate {
 public:
  explicit FreezeGate(uint64_t frozen) : frozen_(frozen) {}
  Result check_debit(const Account& account) const override {
    return account.owner == frozen_ ? Result::client_frozen : Result::ok;
  }

 private:
  uint64_t frozen_;
};

Hash256 ledger_hash(const Ledger& ledger) {
  Sha256 hasher;
  ledger.hash_into(&hasher);
  return hasher.finish();
}

TEST(MoneyScenario, APlanIsAppliedWholeOrNotAtAll) {
  MoneyWorld w;
  const uint64_t saver = w.open(WalletKind::individual, 3000, w.basic_class, 0, 0, w.bank_deposits,
                                AccountKind::customer, /*waterfall=*/true, /*reverse=*/false);
  const uint64_t payer = w.individual(w.business_class);
  const uint32_t food = w.publish(open_program("FOOD"));
  w.fund(saver, 500'000'00);
  w.fund(payer, 100'00);
  ASSERT_EQ(w.grant(food, payer, 50'00), Result::ok);
  // The payee is frozen: the payment itself would pass, but its waterfall sweep debits the payee.
  const FreezeGate gate(3000);
  w.ledger.set_debit_gate(&gate);
  const Hash256 book_before = w.book->state_hash();
  const Hash256 ledger_before = ledger_hash(w.ledger);
  Plan plan;
  ASSERT_EQ(w.book->decide_payment(w.owner_of(payer), w.ledger,
                                   PaymentRequest{.payer = payer, .payee = saver, .amount_minor = 100'00}, &plan,
                                   nullptr),
            Result::ok);
  EXPECT_EQ(roles(plan), (std::vector{PostingRole::pay, PostingRole::waterfall}));  // the lot may not pay a person
  EXPECT_EQ(w.book->execute(&w.ledger, plan), Result::client_frozen);
  EXPECT_EQ(w.book->state_hash(), book_before);
  EXPECT_EQ(ledger_hash(w.ledger), ledger_before);
  w.ledger.set_debit_gate(nullptr);
  EXPECT_EQ(w.book->execute(&w.ledger, plan), Result::ok);
  w.check();
}

TEST(MoneyScenario, TheSameStepsGiveTheSameStateHash) {
  auto script = [](MoneyWorld& w) {
    const uint32_t food = w.publish(open_program("FOOD"));
    const uint64_t a = w.individual(w.basic_class);
    const uint64_t shop = w.merchant(5411);
    w.fund(a, 70'00);
    EXPECT_EQ(w.grant(food, a, 50'00), Result::ok);
    EXPECT_EQ(w.pay(a, shop, 90'00), Result::ok);
    w.block(kStart + kDay);
  };
  MoneyWorld one;
  MoneyWorld two;
  script(one);
  script(two);
  EXPECT_EQ(one.book->state_hash(), two.book->state_hash());
  ASSERT_EQ(two.pay(two.individual(), 4, 1), Result::money_insufficient_funds);  // a refusal leaves no trace...
  EXPECT_NE(one.book->state_hash(), two.book->state_hash());                     // ...but the new wallet does
  one.check();
  two.check();
}

}  // namespace
}  // namespace qz::money_test
