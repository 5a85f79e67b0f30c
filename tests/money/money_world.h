// A small digital tenge world for the money tests: a ledger with the DKZT asset, the book, the central bank's
// wallet (the issuance account), one bank, wallet classes, and helpers that open wallets and programs, decide
// and execute, and keep every executed plan (the stream a trail is built from).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "money/money.h"
#include "money/report.h"

namespace qz::money_test {

inline constexpr Actor kOperator{.id = 1, .role = Role::operator_};
inline constexpr Actor kCentralBank{.id = 100, .role = Role::central_bank};
inline constexpr Actor kBank{.id = 200, .role = Role::bank};
inline constexpr uint64_t kDay = 86'400'000'000'000ULL;
inline constexpr uint64_t kStart = 1'800'000'000'000'000'000ULL;  // 2027-01-15, a block time

class MoneyWorld {
 public:
  MoneyWorld() {
    EXPECT_EQ(ledger.create_asset(kOperator, "DKZT", 2, &dkzt), Result::ok);
    book = std::make_unique<MoneyBook>(dkzt);
    cb_wallet = open(WalletKind::central_bank, kCentralBank.id, 0, 0, 0, 0, AccountKind::issuance);
    bank_wallet = open(WalletKind::bank, kBank.id);
    bank_deposits = account(kBank.id, AccountKind::custody);  // customers' deposits at the bank: waterfall links
    EXPECT_EQ(book->define_wallet_class(kCentralBank, WalletClass{.kyc_level = 1, .balance_cap_minor = 500'000'00,
                                                                   .per_payment_limit_minor = 100'000'00,
                                                                   .daily_limit_minor = 200'000'00,
                                                                   .annual_limit_minor = 1'000'000'00},
                                        &basic_class),
              Result::ok);
    EXPECT_EQ(book->define_wallet_class(kCentralBank, WalletClass{.kyc_level = 3}, &business_class), Result::ok);
    book->begin_block(&ledger, kStart, nullptr);
  }

  uint64_t account(uint64_t owner, AccountKind kind = AccountKind::customer) {
    uint64_t id = 0;
    EXPECT_EQ(ledger.open_account(kOperator, owner, dkzt, static_cast<uint8_t>(kind), &id), Result::ok);
    return id;
  }

  uint64_t open(WalletKind kind, uint64_t owner, uint32_t wallet_class = 0, uint16_t mcc = 0, uint16_t region = 0,
                uint64_t link = 0, AccountKind account_kind = AccountKind::customer, bool waterfall = false,
                bool reverse = false) {
    WalletSpec spec{.owner = owner, .account = account(owner, account_kind), .wallet_class = wallet_class,
                    .kind = kind, .mcc = mcc, .region = region, .linked_account = link, .waterfall = waterfall,
                    .reverse_waterfall = reverse};
    uint64_t id = 0;
    EXPECT_EQ(book->open_wallet(kOperator, ledger, spec, &id), Result::ok) << wallet_kind_name(kind);
    return id;
  }
  uint64_t individual(uint32_t wallet_class = 0) { return open(WalletKind::individual, next_owner++, wallet_class); }
  uint64_t merchant(uint16_t mcc, uint16_t region = 75) { return open(WalletKind::merchant, next_owner++, 0, mcc, region); }
  uint64_t contractor(uint16_t mcc, uint16_t region = 75, uint32_t wallet_class = 0) {
    return open(WalletKind::contractor, next_owner++, wallet_class, mcc, region);
  }
  uint64_t agency(uint16_t mcc = 9399, uint16_t region = 71) { return open(WalletKind::agency, next_owner++, 0, mcc, region); }

  Actor owner_of(uint64_t wallet_id) const {
    const Wallet* w = book->wallet(wallet_id);
    EXPECT_NE(w, nullptr);
    return Actor{.id = w->spec.owner, .role = w->spec.kind == WalletKind::central_bank ? Role::central_bank
                                             : w->spec.kind == WalletKind::bank       ? Role::bank
                                                                                      : Role::customer};
  }

  // Publishes with a fresh escrow account; the issuer defaults to the central bank.
  uint32_t publish(ProgramSpec spec) {
    if (spec.issuer_wallet == 0) spec.issuer_wallet = cb_wallet;
    spec.escrow_account = account(book->wallet(spec.issuer_wallet)->spec.owner, AccountKind::escrow);
    uint32_t id = 0;
    EXPECT_EQ(book->publish_program(owner_of(spec.issuer_wallet), ledger, spec, &id), Result::ok) << spec.code;
    return id;
  }

  Result run(Result decided, const Plan& plan) {
    if (decided != Result::ok) return decided;
    const Result executed = book->execute(&ledger, plan);
    if (executed == Result::ok) journal.push_back(plan);
    return executed;
  }

  Result issue(uint64_t bank, int64_t amount) {
    Plan plan;
    return run(book->decide_issue(kCentralBank, ledger, bank, amount, &plan, nullptr), plan);
  }
  Result grant(uint32_t program_id, uint64_t holder, int64_t amount, std::vector<int64_t> tranches = {},
               Refusal* refusal = nullptr) {
    Plan plan;
    const Program* p = book->program(program_id);
    const Actor issuer = p == nullptr ? kCentralBank : owner_of(p->spec.issuer_wallet);
    return run(book->decide_grant(issuer, ledger,
                                  GrantRequest{.program = program_id, .holder = holder, .amount_minor = amount,
                                               .tranches = std::move(tranches)},
                                  &plan, refusal),
               plan);
  }
  Result pay(uint64_t payer, uint64_t payee, int64_t amount, Refusal* refusal = nullptr) {
    Plan plan;
    return run(book->decide_payment(owner_of(payer), ledger,
                                    PaymentRequest{.payer = payer, .payee = payee, .amount_minor = amount}, &plan,
                                    refusal),
               plan);
  }
  // Pays with the refusal's text, or "ok".
  std::string pay_text(uint64_t payer, uint64_t payee, int64_t amount) {
    Refusal refusal;
    const Result result = pay(payer, payee, amount, &refusal);
    return result == Result::ok ? "ok" : describe_refusal(*book, refusal);
  }
  // Ordinary money from the bank (issued first when short).
  void fund(uint64_t wallet_id, int64_t amount) {
    if (free(bank_wallet) < amount) {
      ASSERT_EQ(issue(bank_wallet, amount), Result::ok);
    }
    ASSERT_EQ(pay(bank_wallet, wallet_id, amount), Result::ok);
  }
  void block(uint64_t block_time_ns) {
    std::vector<Plan> done;
    book->begin_block(&ledger, block_time_ns, &done);
    journal.insert(journal.end(), done.begin(), done.end());
  }

  int64_t free(uint64_t wallet_id) const { return ledger.account(book->wallet(wallet_id)->spec.account)->total_minor; }
  int64_t balance(uint64_t account_id) const { return ledger.account(account_id)->total_minor; }
  int64_t lot(uint64_t holder, uint32_t program_id) const {
    const Lot* l = book->lot(holder, program_id);
    return l == nullptr ? 0 : l->balance_minor;
  }
  int64_t escrow(uint32_t program_id) const { return balance(book->program(program_id)->spec.escrow_account); }
  int64_t supply() const { return -balance(book->wallet(cb_wallet)->spec.account); }

  void check() const {
    EXPECT_EQ(ledger.check_invariants(), "");
    EXPECT_EQ(book->check_invariants(ledger), "");
    EXPECT_EQ(supply(), book->issued_minor() - book->redeemed_minor());
  }

  Ledger ledger;
  uint32_t dkzt = 0;
  std::unique_ptr<MoneyBook> book;
  uint64_t cb_wallet = 0;
  uint64_t bank_wallet = 0;
  uint64_t bank_deposits = 0;
  uint32_t basic_class = 0;
  uint32_t business_class = 0;
  uint64_t next_owner = 1000;
  std::vector<Plan> journal;
};

}  // namespace qz::money_test
