// Rule tables for the money module: one line per condition, allowed and refused, in the order the checks run
// (docs/money.md and docs/result-codes.md). Every row builds a fresh world and ends with the invariants.
#include <gtest/gtest.h>

#include <functional>

#include "money_world.h"

namespace qz::money_test {
namespace {

constexpr int64_t kGrant = 1'000'00;

ProgramSpec food_program() {
  ProgramSpec spec;
  spec.code = "SUBSIDY-FOOD-2027";
  spec.expires_at_ns = kStart + 365 * kDay;
  spec.categories = {5411, 5912};
  return spec;
}

// --- Program conditions on a payment from a lot -------------------------------------------------------------------

struct ConditionRow {
  const char* rule;
  std::function<uint64_t(MoneyWorld&)> payee;
  std::function<void(MoneyWorld&, ProgramSpec&, uint64_t payee)> spec;  // may be empty
  std::function<void(MoneyWorld&, uint32_t program, uint64_t payer, uint64_t payee)> before;  // may be empty
  int64_t amount_minor;
  Result expected;
};

uint64_t grocery(MoneyWorld& w) { return w.merchant(5411, 75); }

TEST(MoneyRules, ProgramConditionTable) {
  const ConditionRow rows[] = {
      {"paused program", grocery, nullptr,
       [](MoneyWorld& w, uint32_t p, uint64_t, uint64_t) {
         Plan plan;
         ASSERT_EQ(w.run(w.book->decide_program_status(kCentralBank, p, ProgramStatus::paused, &plan, nullptr), plan),
                   Result::ok);
       },
       100'00, Result::program_paused},
      {"before valid-from", grocery, [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.valid_from_ns = kStart + kDay; },
       nullptr, 100'00, Result::program_not_yet_valid},
      {"at valid-from", grocery, [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.valid_from_ns = kStart + kDay; },
       [](MoneyWorld& w, uint32_t, uint64_t, uint64_t) { w.block(kStart + kDay); }, 100'00, Result::ok},
      {"merchant on the deny list", grocery,
       [](MoneyWorld&, ProgramSpec& s, uint64_t payee) { s.deny = {payee}; }, nullptr, 100'00,
       Result::program_merchant_denied},
      {"merchant not on the allow list", grocery,
       [](MoneyWorld& w, ProgramSpec& s, uint64_t) { s.allow = {w.merchant(5411)}; }, nullptr, 100'00,
       Result::program_merchant_not_listed},
      {"merchant on the allow list", grocery, [](MoneyWorld&, ProgramSpec& s, uint64_t payee) { s.allow = {payee}; },
       nullptr, 100'00, Result::ok},
      {"category allowed (groceries 5411)", grocery, nullptr, nullptr, 100'00, Result::ok},
      {"category allowed (pharmacy 5912)", [](MoneyWorld& w) { return w.merchant(5912); }, nullptr, nullptr, 100'00,
       Result::ok},
      {"category refused (restaurant 5813)", [](MoneyWorld& w) { return w.merchant(5813); }, nullptr, nullptr, 100'00,
       Result::program_category_not_allowed},
      {"category refused (the venue 6051)", [](MoneyWorld& w) { return w.merchant(kMccQuasiCash); }, nullptr,
       nullptr, 100'00, Result::program_category_not_allowed},
      {"region allowed", grocery, [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.regions = {75, 19}; }, nullptr,
       100'00, Result::ok},
      {"region refused", [](MoneyWorld& w) { return w.merchant(5411, 71); },
       [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.regions = {75}; }, nullptr, 100'00,
       Result::program_region_not_allowed},
      {"person to person refused", [](MoneyWorld& w) { return w.individual(w.basic_class); }, nullptr, nullptr,
       100'00, Result::program_p2p_not_allowed},
      {"person to person allowed", [](MoneyWorld& w) { return w.individual(w.basic_class); },
       [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.p2p_allowed = true; }, nullptr, 100'00, Result::ok},
      {"cash-out refused", [](MoneyWorld& w) { return w.bank_wallet; }, nullptr, nullptr, 100'00,
       Result::program_cash_out_not_allowed},
      {"cash-out allowed", [](MoneyWorld& w) { return w.bank_wallet; },
       [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.cash_out_allowed = true; }, nullptr, 100'00, Result::ok},
      {"label kept: recipient class eligible", [](MoneyWorld& w) { return w.contractor(1520, 75, w.business_class); },
       [](MoneyWorld& w, ProgramSpec& s, uint64_t) {
         s.categories = {};
         s.eligible_classes = {w.basic_class, w.business_class};
       },
       nullptr, 100'00, Result::ok},
      {"label kept: recipient class not eligible", [](MoneyWorld& w) { return w.contractor(1520, 75, w.business_class); },
       [](MoneyWorld& w, ProgramSpec& s, uint64_t) {
         s.categories = {};
         s.eligible_classes = {w.basic_class};
       },
       nullptr, 100'00, Result::program_recipient_not_eligible},
      {"contractor made terminal: class not asked", [](MoneyWorld& w) { return w.contractor(1520, 75, w.business_class); },
       [](MoneyWorld& w, ProgramSpec& s, uint64_t) {
         s.categories = {};
         s.eligible_classes = {w.basic_class};
         s.terminal_kinds |= wallet_kind_bit(WalletKind::contractor);
       },
       nullptr, 100'00, Result::ok},
      {"per-payment limit: within", grocery, [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.per_payment_limit_minor = 300'00; },
       nullptr, 300'00, Result::ok},
      {"per-payment limit: above, nothing else to pay with", grocery,
       [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.per_payment_limit_minor = 300'00; }, nullptr, 300'01,
       Result::program_payment_limit},
      {"per-payment limit: above, free balance covers the rest", grocery,
       [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.per_payment_limit_minor = 300'00; },
       [](MoneyWorld& w, uint32_t, uint64_t payer, uint64_t) { w.fund(payer, 200'00); }, 500'00, Result::ok},
      {"period limit: within", grocery,
       [](MoneyWorld&, ProgramSpec& s, uint64_t) {
         s.period_limit_minor = 400'00;
         s.period_ns = kDay;
       },
       [](MoneyWorld& w, uint32_t, uint64_t payer, uint64_t payee) { ASSERT_EQ(w.pay(payer, payee, 300'00), Result::ok); },
       100'00, Result::ok},
      {"period limit: passed", grocery,
       [](MoneyWorld&, ProgramSpec& s, uint64_t) {
         s.period_limit_minor = 400'00;
         s.period_ns = kDay;
       },
       [](MoneyWorld& w, uint32_t, uint64_t payer, uint64_t payee) { ASSERT_EQ(w.pay(payer, payee, 300'00), Result::ok); },
       100'01, Result::program_period_limit},
      {"period limit: the next period", grocery,
       [](MoneyWorld&, ProgramSpec& s, uint64_t) {
         s.period_limit_minor = 400'00;
         s.period_ns = kDay;
       },
       [](MoneyWorld& w, uint32_t, uint64_t payer, uint64_t payee) {
         ASSERT_EQ(w.pay(payer, payee, 400'00), Result::ok);
         w.block(kStart + kDay);
       },
       400'00, Result::ok},
      {"category share cap: within", grocery,
       [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.category_share_cap_bps = 5'000; }, nullptr, 500'00, Result::ok},
      {"category share cap: passed", grocery,
       [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.category_share_cap_bps = 5'000; }, nullptr, 500'01,
       Result::program_category_share_cap},
      {"category share cap: another category has its own share", [](MoneyWorld& w) { return w.merchant(5912); },
       [](MoneyWorld&, ProgramSpec& s, uint64_t) { s.category_share_cap_bps = 5'000; },
       [](MoneyWorld& w, uint32_t, uint64_t payer, uint64_t) { ASSERT_EQ(w.pay(payer, w.merchant(5411), 500'00), Result::ok); },
       500'00, Result::ok},
      {"more than the lot, no free balance", grocery, nullptr, nullptr, kGrant + 1, Result::money_insufficient_funds},
  };
  for (const ConditionRow& row : rows) {
    SCOPED_TRACE(row.rule);
    MoneyWorld w;
    const uint64_t payer = w.individual(w.basic_class);
    const uint64_t payee = row.payee(w);
    ProgramSpec spec = food_program();
    if (row.spec) row.spec(w, spec, payee);
    const uint32_t program_id = w.publish(spec);
    ASSERT_EQ(w.grant(program_id, payer, kGrant), Result::ok);
    if (row.before) row.before(w, program_id, payer, payee);
    const int64_t lot_before = w.lot(payer, program_id);
    const Hash256 hash_before = w.book->state_hash();
    Refusal refusal;
    EXPECT_EQ(w.pay(payer, payee, row.amount_minor, &refusal), row.expected) << describe_refusal(*w.book, refusal);
    if (row.expected == Result::ok) {
      EXPECT_LT(w.lot(payer, program_id), lot_before);
    } else {
      EXPECT_EQ(refusal.code, row.expected);
      EXPECT_EQ(w.book->state_hash(), hash_before);  // a refusal changes nothing
      if (row.expected != Result::money_insufficient_funds) {
        EXPECT_EQ(refusal.program, program_id);
      }
    }
    w.check();
  }
}

TEST(MoneyRules, RefusalsNameTheProgramAndTheCondition) {
  MoneyWorld w;
  const uint64_t payer = w.individual(w.basic_class);
  ProgramSpec spec = food_program();
  spec.regions = {75};
  spec.per_payment_limit_minor = 50'00;
  const uint32_t food = w.publish(spec);
  ASSERT_EQ(w.grant(food, payer, kGrant), Result::ok);
  EXPECT_EQ(w.pay_text(payer, w.merchant(5813), 10'00), "program SUBSIDY-FOOD-2027: merchant category 5813 not allowed");
  EXPECT_EQ(w.pay_text(payer, w.merchant(5411, 71), 10'00), "program SUBSIDY-FOOD-2027: region 71 not allowed");
  EXPECT_EQ(w.pay_text(payer, w.individual(), 10'00), "program SUBSIDY-FOOD-2027: payments to individuals not allowed");
  EXPECT_EQ(w.pay_text(payer, w.bank_wallet, 10'00), "program SUBSIDY-FOOD-2027: cash-out to a bank not allowed");
  EXPECT_EQ(w.pay_text(payer, w.merchant(5411), 60'00), "program SUBSIDY-FOOD-2027: per-payment limit 50.00 reached");
  EXPECT_EQ(w.pay_text(payer, w.merchant(5411), 50'00), "ok");
  const uint64_t stranger = w.individual();
  EXPECT_EQ(w.pay_text(stranger, payer, 1'00), "wallet " + std::to_string(stranger) +
                                                   ": the lots that may pay this, the free balance and the linked "
                                                   "account do not cover the amount (covered 0.00)");
  w.check();
}

// The first condition met in spending order is the one reported.
TEST(MoneyRules, TheFirstBlockedLotInSpendingOrderIsReported) {
  MoneyWorld w;
  const uint64_t payer = w.individual(w.basic_class);
  ProgramSpec early = food_program();
  early.code = "EARLY";
  early.expires_at_ns = kStart + 10 * kDay;
  ProgramSpec late = food_program();
  late.code = "LATE";
  late.categories = {5812};
  const uint32_t late_id = w.publish(late);  // published first: a lower id, but a later expiry
  const uint32_t early_id = w.publish(early);
  ASSERT_EQ(w.grant(late_id, payer, 100'00), Result::ok);
  ASSERT_EQ(w.grant(early_id, payer, 100'00), Result::ok);
  EXPECT_EQ(w.pay_text(payer, w.merchant(5813), 10'00), "program EARLY: merchant category 5813 not allowed");
  w.check();
}

// --- Grants -------------------------------------------------------------------------------------------------------

struct GrantRow {
  const char* rule;
  std::function<void(MoneyWorld&, ProgramSpec&)> spec;  // may be empty
  std::function<void(MoneyWorld&, uint32_t program, GrantRequest&, Actor&)> before;  // may be empty
  Result expected;
};

TEST(MoneyRules, GrantTable) {
  const GrantRow rows[] = {
      {"ordinary grant", nullptr, nullptr, Result::ok},
      {"amount 0", nullptr, [](MoneyWorld&, uint32_t, GrantRequest& r, Actor&) { r.amount_minor = 0; },
       Result::amount_must_be_positive},
      {"program missing", nullptr, [](MoneyWorld&, uint32_t, GrantRequest& r, Actor&) { r.program = 99; },
       Result::money_program_not_found},
      {"not the issuer", nullptr, [](MoneyWorld&, uint32_t, GrantRequest&, Actor& a) { a = kBank; },
       Result::actor_not_permitted},
      {"revoked", nullptr,
       [](MoneyWorld& w, uint32_t p, GrantRequest&, Actor&) {
         Plan plan;
         ASSERT_EQ(w.run(w.book->decide_program_status(kCentralBank, p, ProgramStatus::revoked, &plan, nullptr), plan),
                   Result::ok);
       },
       Result::program_revoked},
      {"expired", nullptr, [](MoneyWorld& w, uint32_t, GrantRequest&, Actor&) { w.block(kStart + 400 * kDay); },
       Result::program_expired},
      {"paused", nullptr,
       [](MoneyWorld& w, uint32_t p, GrantRequest&, Actor&) {
         Plan plan;
         ASSERT_EQ(w.run(w.book->decide_program_status(kCentralBank, p, ProgramStatus::paused, &plan, nullptr), plan),
                   Result::ok);
       },
       Result::program_paused},
      {"before valid-from (granted, not yet spendable)",
       [](MoneyWorld&, ProgramSpec& s) { s.valid_from_ns = kStart + kDay; }, nullptr, Result::ok},
      {"holder missing", nullptr, [](MoneyWorld&, uint32_t, GrantRequest& r, Actor&) { r.holder = 999; },
       Result::money_wallet_not_found},
      {"holder class eligible", [](MoneyWorld& w, ProgramSpec& s) { s.eligible_classes = {w.basic_class}; }, nullptr,
       Result::ok},
      {"holder class not eligible", [](MoneyWorld& w, ProgramSpec& s) { s.eligible_classes = {w.business_class}; },
       nullptr, Result::program_class_not_eligible},
      {"a bank never holds lots", nullptr,
       [](MoneyWorld& w, uint32_t, GrantRequest& r, Actor&) { r.holder = w.bank_wallet; },
       Result::program_class_not_eligible},
      {"holder has lots of as many programs as it may", nullptr,
       [](MoneyWorld& w, uint32_t, GrantRequest& r, Actor&) {
         for (size_t i = 0; i < kWalletLotsMax; i++) {
           ProgramSpec other = food_program();
           other.code = "OTHER-" + std::to_string(i);
           ASSERT_EQ(w.grant(w.publish(other), r.holder, 1), Result::ok);
         }
       },
       Result::money_lot_limit},
      {"tranches on an immediate program", nullptr,
       [](MoneyWorld&, uint32_t, GrantRequest& r, Actor&) { r.tranches = {kGrant}; }, Result::money_tranches_invalid},
      {"milestone tranches that do not sum to the grant",
       [](MoneyWorld&, ProgramSpec& s) {
         s.release_rule = ReleaseRule::milestone;
         s.attester = 77;
       },
       [](MoneyWorld&, uint32_t, GrantRequest& r, Actor&) { r.tranches = {400'00, 500'00}; },
       Result::money_tranches_invalid},
      {"milestone tranches that sum to the grant",
       [](MoneyWorld&, ProgramSpec& s) {
         s.release_rule = ReleaseRule::milestone;
         s.attester = 77;
       },
       [](MoneyWorld&, uint32_t, GrantRequest& r, Actor&) { r.tranches = {400'00, 600'00}; }, Result::ok},
      {"agency issuer short of funds",
       [](MoneyWorld& w, ProgramSpec& s) { s.issuer_wallet = w.agency(); }, nullptr, Result::money_insufficient_funds},
      {"agency issuer with funds", [](MoneyWorld& w, ProgramSpec& s) { s.issuer_wallet = w.agency(); },
       [](MoneyWorld& w, uint32_t p, GrantRequest&, Actor&) { w.fund(w.book->program(p)->spec.issuer_wallet, kGrant); },
       Result::ok},
  };
  for (const GrantRow& row : rows) {
    SCOPED_TRACE(row.rule);
    MoneyWorld w;
    const uint64_t holder = w.individual(w.basic_class);
    ProgramSpec spec = food_program();
    spec.issuer_wallet = w.cb_wallet;
    if (row.spec) row.spec(w, spec);
    const uint32_t program_id = w.publish(spec);
    GrantRequest request{.program = program_id, .holder = holder, .amount_minor = kGrant, .tranches = {}};
    Actor actor = w.owner_of(spec.issuer_wallet);
    if (row.before) row.before(w, program_id, request, actor);
    const int64_t supply_before = w.supply();
    Plan plan;
    Refusal refusal;
    EXPECT_EQ(w.run(w.book->decide_grant(actor, w.ledger, request, &plan, &refusal), plan), row.expected)
        << describe_refusal(*w.book, refusal);
    if (row.expected == Result::ok) {
      const bool central = spec.issuer_wallet == w.cb_wallet;
      EXPECT_EQ(w.supply(), supply_before + (central ? kGrant : 0));  // the central bank's grants are issuance
      EXPECT_EQ(w.escrow(program_id), kGrant);
    }
    w.check();
  }
}

// --- Wallet classes and payments ----------------------------------------------------------------------------------

struct PaymentRow {
  const char* rule;
  std::function<void(MoneyWorld&, PaymentRequest&, Actor&)> before;  // may be empty
  Result expected;
};

TEST(MoneyRules, PaymentTable) {
  // The payer: basic class (per payment 100,000.00; daily 200,000.00; annual 1,000,000.00), funded 150,000.00.
  const PaymentRow rows[] = {
      {"ordinary payment", nullptr, Result::ok},
      {"amount 0", [](MoneyWorld&, PaymentRequest& r, Actor&) { r.amount_minor = 0; }, Result::amount_must_be_positive},
      {"payer missing", [](MoneyWorld&, PaymentRequest& r, Actor&) { r.payer = 999; }, Result::money_wallet_not_found},
      {"payee missing", [](MoneyWorld&, PaymentRequest& r, Actor&) { r.payee = 999; }, Result::money_wallet_not_found},
      {"to itself", [](MoneyWorld&, PaymentRequest& r, Actor&) { r.payee = r.payer; }, Result::accounts_must_differ},
      {"to the central bank", [](MoneyWorld& w, PaymentRequest& r, Actor&) { r.payee = w.cb_wallet; },
       Result::money_wallet_kind_invalid},
      {"by someone else", [](MoneyWorld&, PaymentRequest&, Actor& a) { a = Actor{.id = 5, .role = Role::customer}; },
       Result::money_not_wallet_owner},
      {"by the operator", [](MoneyWorld&, PaymentRequest&, Actor& a) { a = kOperator; }, Result::ok},
      {"at the per-payment limit", [](MoneyWorld&, PaymentRequest& r, Actor&) { r.amount_minor = 100'000'00; },
       Result::ok},
      {"above the per-payment limit", [](MoneyWorld&, PaymentRequest& r, Actor&) { r.amount_minor = 100'000'01; },
       Result::money_payment_limit},
      {"daily limit passed",
       [](MoneyWorld& w, PaymentRequest& r, Actor&) {
         w.fund(r.payer, 100'000'00);
         for (int i = 0; i < 2; i++) ASSERT_EQ(w.pay(r.payer, r.payee, 100'000'00), Result::ok);
       },
       Result::money_daily_limit},
      {"daily limit: the next day",
       [](MoneyWorld& w, PaymentRequest& r, Actor&) {
         w.fund(r.payer, 150'000'00);
         for (int i = 0; i < 2; i++) ASSERT_EQ(w.pay(r.payer, r.payee, 100'000'00), Result::ok);
         w.block(kStart + kDay);
       },
       Result::ok},
      {"annual limit passed",
       [](MoneyWorld& w, PaymentRequest& r, Actor&) {
         r.payee = w.merchant(5411);  // no class: no cap
         for (uint64_t day = 1; day <= 10; day++) {
           w.block(kStart + day * kDay);
           w.fund(r.payer, 100'000'00);
           ASSERT_EQ(w.pay(r.payer, r.payee, 100'000'00), Result::ok);
         }
         w.block(kStart + 11 * kDay);
       },
       Result::money_annual_limit},
      {"annual limit: the next calendar year",
       [](MoneyWorld& w, PaymentRequest& r, Actor&) {
         r.payee = w.merchant(5411);  // no class: no cap
         for (uint64_t day = 1; day <= 10; day++) {
           w.block(kStart + day * kDay);
           w.fund(r.payer, 100'000'00);
           ASSERT_EQ(w.pay(r.payer, r.payee, 100'000'00), Result::ok);
         }
         w.block(kStart + 351 * kDay);  // 2028-01-01
       },
       Result::ok},
      {"more than the wallet holds", [](MoneyWorld&, PaymentRequest& r, Actor&) { r.amount_minor = 150'000'01; },
       Result::money_payment_limit},
      {"more than the free balance",
       [](MoneyWorld& w, PaymentRequest& r, Actor&) { ASSERT_EQ(w.pay(r.payer, r.payee, 90'000'00), Result::ok); },
       Result::money_insufficient_funds},
      {"payee's cap passed, no waterfall",
       [](MoneyWorld& w, PaymentRequest& r, Actor&) { w.fund(r.payee, 450'000'00); }, Result::money_balance_cap},
      {"payee's cap reached exactly",
       [](MoneyWorld& w, PaymentRequest& r, Actor&) { w.fund(r.payee, 400'000'00); }, Result::ok},
  };
  for (const PaymentRow& row : rows) {
    SCOPED_TRACE(row.rule);
    MoneyWorld w;
    const uint64_t payer = w.individual(w.basic_class);
    const uint64_t payee = w.individual(w.basic_class);
    w.fund(payer, 150'000'00);
    PaymentRequest request{.payer = payer, .payee = payee, .amount_minor = 100'000'00};
    Actor actor = w.owner_of(payer);
    if (row.before) row.before(w, request, actor);
    Plan plan;
    Refusal refusal;
    EXPECT_EQ(w.run(w.book->decide_payment(actor, w.ledger, request, &plan, &refusal), plan), row.expected)
        << describe_refusal(*w.book, refusal);
    w.check();
  }
}

// --- Configuration ------------------------------------------------------------------------------------------------

TEST(MoneyRules, WalletClassTable) {
  struct Row {
    Actor actor;
    WalletClass wallet_class;
    Result expected;
  };
  const Row rows[] = {
      {kCentralBank, WalletClass{.kyc_level = 2, .per_payment_limit_minor = 10, .daily_limit_minor = 10}, Result::ok},
      {kOperator, WalletClass{}, Result::ok},
      {kBank, WalletClass{}, Result::actor_not_permitted},
      {kCentralBank, WalletClass{.kyc_level = 4}, Result::money_wallet_class_invalid},
      {kCentralBank, WalletClass{.balance_cap_minor = -1}, Result::money_wallet_class_invalid},
      {kCentralBank, WalletClass{.per_payment_limit_minor = 11, .daily_limit_minor = 10}, Result::money_wallet_class_invalid},
      {kCentralBank, WalletClass{.daily_limit_minor = 11, .annual_limit_minor = 10}, Result::money_wallet_class_invalid},
  };
  for (const Row& row : rows) {
    MoneyWorld w;
    uint32_t id = 0;
    EXPECT_EQ(w.book->define_wallet_class(row.actor, row.wallet_class, &id), row.expected);
  }
}

TEST(MoneyRules, OpenWalletTable) {
  struct Row {
    const char* rule;
    std::function<void(MoneyWorld&, WalletSpec&, Actor&)> change;
    Result expected;
  };
  const Row rows[] = {
      {"a merchant", nullptr, Result::ok},
      {"opened by a customer", [](MoneyWorld&, WalletSpec&, Actor& a) { a = Actor{.id = 9, .role = Role::customer}; },
       Result::actor_not_permitted},
      {"a bank opened by a bank",
       [](MoneyWorld& w, WalletSpec& s, Actor& a) {
         a = kBank;
         s = WalletSpec{.owner = 300, .account = w.account(300), .kind = WalletKind::bank};
       },
       Result::actor_not_permitted},
      {"unknown kind", [](MoneyWorld&, WalletSpec& s, Actor&) { s.kind = static_cast<WalletKind>(9); },
       Result::money_wallet_invalid},
      {"merchant without a category", [](MoneyWorld&, WalletSpec& s, Actor&) { s.mcc = 0; }, Result::money_wallet_invalid},
      {"individual with a category", [](MoneyWorld&, WalletSpec& s, Actor&) { s.kind = WalletKind::individual; },
       Result::money_wallet_invalid},
      {"class missing", [](MoneyWorld&, WalletSpec& s, Actor&) { s.wallet_class = 9; }, Result::money_wallet_class_not_found},
      {"a second central bank",
       [](MoneyWorld& w, WalletSpec& s, Actor& a) {
         a = kCentralBank;
         s = WalletSpec{.owner = 100, .account = w.account(100, AccountKind::issuance), .kind = WalletKind::central_bank};
       },
       Result::money_central_bank_exists},
      {"account of another owner", [](MoneyWorld& w, WalletSpec& s, Actor&) { s.account = w.account(4242); },
       Result::money_account_invalid},
      {"escrow account", [](MoneyWorld& w, WalletSpec& s, Actor&) { s.account = w.account(s.owner, AccountKind::escrow); },
       Result::money_account_invalid},
      {"account in use",
       [](MoneyWorld& w, WalletSpec& s, Actor&) { s.account = w.book->wallet(w.bank_wallet)->spec.account; s.owner = kBank.id; },
       Result::money_account_in_use},
      {"waterfall without a link", [](MoneyWorld&, WalletSpec& s, Actor&) { s.waterfall = true; }, Result::money_link_invalid},
      {"link to its own account", [](MoneyWorld&, WalletSpec& s, Actor&) { s.linked_account = s.account; },
       Result::money_link_invalid},
      {"link to the issuance account",
       [](MoneyWorld& w, WalletSpec& s, Actor&) { s.linked_account = w.book->wallet(w.cb_wallet)->spec.account; },
       Result::money_link_invalid},
      {"link to a bank deposit account",
       [](MoneyWorld& w, WalletSpec& s, Actor&) {
         s.linked_account = w.bank_deposits;
         s.waterfall = true;
       },
       Result::ok},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.rule);
    MoneyWorld w;
    WalletSpec spec{.owner = 5000, .account = w.account(5000), .kind = WalletKind::merchant, .mcc = 5411, .region = 75};
    Actor actor = kBank;
    if (row.change) row.change(w, spec, actor);
    uint64_t id = 0;
    EXPECT_EQ(w.book->open_wallet(actor, w.ledger, spec, &id), row.expected);
    w.check();
  }
}

TEST(MoneyRules, PublishProgramTable) {
  struct Row {
    const char* rule;
    std::function<void(MoneyWorld&, ProgramSpec&, Actor&)> change;
    Result expected;
  };
  const Row rows[] = {
      {"a program", nullptr, Result::ok},
      {"code with a space", [](MoneyWorld&, ProgramSpec& s, Actor&) { s.code = "FOOD 2027"; }, Result::money_program_invalid},
      {"code too long", [](MoneyWorld&, ProgramSpec& s, Actor&) { s.code = std::string(25, 'A'); },
       Result::money_program_invalid},
      {"expiry before valid-from",
       [](MoneyWorld&, ProgramSpec& s, Actor&) { s.valid_from_ns = s.expires_at_ns; }, Result::money_program_invalid},
      {"period limit without a period", [](MoneyWorld&, ProgramSpec& s, Actor&) { s.period_limit_minor = 1; },
       Result::money_program_invalid},
      {"share cap above 100%", [](MoneyWorld&, ProgramSpec& s, Actor&) { s.category_share_cap_bps = 10'001; },
       Result::money_program_invalid},
      {"MCC 0", [](MoneyWorld&, ProgramSpec& s, Actor&) { s.categories = {0}; }, Result::money_program_invalid},
      {"the central bank as terminal",
       [](MoneyWorld&, ProgramSpec& s, Actor&) { s.terminal_kinds |= wallet_kind_bit(WalletKind::central_bank); },
       Result::money_program_invalid},
      {"milestone without an attester", [](MoneyWorld&, ProgramSpec& s, Actor&) { s.release_rule = ReleaseRule::milestone; },
       Result::money_program_invalid},
      {"delayed without a delay", [](MoneyWorld&, ProgramSpec& s, Actor&) { s.release_rule = ReleaseRule::delayed; },
       Result::money_program_invalid},
      {"issuer missing", [](MoneyWorld&, ProgramSpec& s, Actor&) { s.issuer_wallet = 999; }, Result::money_wallet_not_found},
      {"issuer a merchant", [](MoneyWorld& w, ProgramSpec& s, Actor& a) {
         s.issuer_wallet = w.merchant(5411);
         a = w.owner_of(s.issuer_wallet);
       },
       Result::money_wallet_kind_invalid},
      {"an agency's program by the agency", [](MoneyWorld& w, ProgramSpec& s, Actor& a) {
         s.issuer_wallet = w.agency();
         a = w.owner_of(s.issuer_wallet);
       },
       Result::ok},
      {"an agency's program by someone else", [](MoneyWorld& w, ProgramSpec& s, Actor& a) {
         s.issuer_wallet = w.agency();
         a = kBank;
       },
       Result::actor_not_permitted},
      {"a new version by another issuer", [](MoneyWorld& w, ProgramSpec& s, Actor& a) {
         ProgramSpec first = s;
         w.publish(first);
         s.issuer_wallet = w.agency();
         a = w.owner_of(s.issuer_wallet);
       },
       Result::money_program_issuer_mismatch},
      {"escrow not an escrow account", [](MoneyWorld& w, ProgramSpec& s, Actor&) { s.escrow_account = w.account(100); },
       Result::money_account_invalid},
      {"escrow in use", [](MoneyWorld& w, ProgramSpec& s, Actor&) {
         ProgramSpec other = s;
         other.code = "OTHER";
         s.escrow_account = w.book->program(w.publish(other))->spec.escrow_account;
       },
       Result::money_account_in_use},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.rule);
    MoneyWorld w;
    ProgramSpec spec = food_program();
    spec.issuer_wallet = w.cb_wallet;
    spec.escrow_account = w.account(100, AccountKind::escrow);
    Actor actor = kCentralBank;
    if (row.change) row.change(w, spec, actor);
    uint32_t id = 0;
    EXPECT_EQ(w.book->publish_program(actor, w.ledger, spec, &id), row.expected);
    w.check();
  }
}

TEST(MoneyRules, IssueAndRedeemTable) {
  MoneyWorld w;
  const uint64_t person = w.individual();
  Plan plan;
  EXPECT_EQ(w.book->decide_issue(kBank, w.ledger, w.bank_wallet, 100, &plan, nullptr), Result::actor_not_permitted);
  EXPECT_EQ(w.book->decide_issue(kCentralBank, w.ledger, w.bank_wallet, 0, &plan, nullptr), Result::amount_must_be_positive);
  EXPECT_EQ(w.book->decide_issue(kCentralBank, w.ledger, 999, 100, &plan, nullptr), Result::money_wallet_not_found);
  EXPECT_EQ(w.book->decide_issue(kCentralBank, w.ledger, person, 100, &plan, nullptr), Result::money_wallet_kind_invalid);
  EXPECT_EQ(w.issue(w.bank_wallet, 1'000'00), Result::ok);
  EXPECT_EQ(w.supply(), 1'000'00);
  EXPECT_EQ(w.book->decide_redeem(kCentralBank, w.ledger, w.bank_wallet, 1'000'01, &plan, nullptr),
            Result::money_insufficient_funds);
  EXPECT_EQ(w.run(w.book->decide_redeem(kCentralBank, w.ledger, w.bank_wallet, 400'00, &plan, nullptr), plan), Result::ok);
  EXPECT_EQ(w.supply(), 600'00);
  EXPECT_EQ(w.book->issued_minor(), 1'000'00);
  EXPECT_EQ(w.book->redeemed_minor(), 400'00);
  w.check();
}

TEST(MoneyRules, ReleaseAndStatusTable) {
  MoneyWorld w;
  const uint64_t holder = w.individual(w.basic_class);
  ProgramSpec milestone = food_program();
  milestone.code = "LIVESTOCK-2027";
  milestone.release_rule = ReleaseRule::milestone;
  milestone.attester = 77;
  const uint32_t m = w.publish(milestone);
  ProgramSpec delayed = food_program();
  delayed.code = "DELAYED";
  delayed.release_rule = ReleaseRule::delayed;
  delayed.release_delay_ns = 7 * kDay;
  const uint32_t d = w.publish(delayed);
  ASSERT_EQ(w.grant(m, holder, 300'00, {100'00, 200'00}), Result::ok);  // releases 1 and 2
  ASSERT_EQ(w.grant(d, holder, 50'00), Result::ok);                     // release 3
  const Actor attester{.id = 77, .role = Role::customer};
  Plan plan;
  EXPECT_EQ(w.book->decide_attest(attester, 99, &plan, nullptr), Result::money_release_not_found);
  EXPECT_EQ(w.book->decide_attest(kCentralBank, 1, &plan, nullptr), Result::actor_not_permitted);
  EXPECT_EQ(w.book->decide_attest(attester, 2, &plan, nullptr), Result::money_tranche_out_of_order);
  EXPECT_EQ(w.book->decide_attest(kCentralBank, 3, &plan, nullptr), Result::money_release_state_invalid);
  EXPECT_EQ(w.book->decide_cancel_release(kCentralBank, 3, &plan, nullptr), Result::money_release_state_invalid);
  EXPECT_EQ(w.book->decide_dispute(kBank, 3, &plan, nullptr), Result::actor_not_permitted);
  EXPECT_EQ(w.book->decide_dispute(kCentralBank, 1, &plan, nullptr), Result::money_release_state_invalid);
  EXPECT_EQ(w.run(w.book->decide_dispute(kCentralBank, 3, &plan, nullptr), plan), Result::ok);
  EXPECT_EQ(w.book->decide_dispute(kCentralBank, 3, &plan, nullptr), Result::money_release_state_invalid);
  EXPECT_EQ(w.run(w.book->decide_attest(attester, 1, &plan, nullptr), plan), Result::ok);
  EXPECT_EQ(w.book->decide_attest(attester, 1, &plan, nullptr), Result::money_release_not_found);

  EXPECT_EQ(w.book->decide_program_status(kCentralBank, 99, ProgramStatus::paused, &plan, nullptr),
            Result::money_program_not_found);
  EXPECT_EQ(w.book->decide_program_status(kBank, m, ProgramStatus::paused, &plan, nullptr), Result::actor_not_permitted);
  EXPECT_EQ(w.book->decide_program_status(kCentralBank, m, ProgramStatus::active, &plan, nullptr),
            Result::money_program_status_invalid);
  EXPECT_EQ(w.book->decide_program_status(kCentralBank, m, ProgramStatus::expired, &plan, nullptr),
            Result::money_program_status_invalid);
  EXPECT_EQ(w.run(w.book->decide_program_status(kCentralBank, m, ProgramStatus::paused, &plan, nullptr), plan), Result::ok);
  EXPECT_EQ(w.run(w.book->decide_program_status(kCentralBank, m, ProgramStatus::active, &plan, nullptr), plan), Result::ok);
  EXPECT_EQ(w.run(w.book->decide_program_status(kCentralBank, m, ProgramStatus::revoked, &plan, nullptr), plan), Result::ok);
  EXPECT_EQ(w.book->decide_program_status(kCentralBank, m, ProgramStatus::active, &plan, nullptr),
            Result::money_program_status_invalid);
  w.check();
}

}  // namespace
}  // namespace qz::money_test
