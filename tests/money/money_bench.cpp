// Payment decisions per second: `money_bench [payments] [seed]`.
//
// Workload: 100,000 individual wallets (a KYC class with per-payment, daily and annual limits evaluated on every
// payment), 2,000 merchants in 8 categories, one food program (two categories, per-payment limit) whose lots
// 30% of the wallets hold. Each payment goes from a random wallet to a random merchant; the 30% of payers with
// a lot pay a merchant of an allowed category, so their payments unwrap lot money; the others pay from free
// balance. Requests are generated before the clock starts. Measured: decide_payment alone, then decide_payment
// plus execute (the ledger's linked group of transfers and the book's changes). Prints the workload, the
// figures and a checksum of the final state hash.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/prng.h"
#include "ledger/ledger.h"
#include "money/money.h"
#include "money/report.h"

namespace {

using qz::Actor;
using qz::Result;
using qz::Role;

constexpr Actor kOperator{.id = 1, .role = Role::operator_};
constexpr Actor kCentralBank{.id = 100, .role = Role::central_bank};
constexpr uint64_t kStart = 1'800'000'000'000'000'000ULL;
constexpr size_t kPeople = 100'000;
constexpr size_t kMerchants = 2'000;
constexpr uint16_t kCategories[8] = {5411, 5912, 5812, 5813, 5311, 4111, 5541, 5999};

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "money_bench: %s\n", what);
    std::exit(1);
  }
}

uint64_t open_wallet(qz::Ledger& ledger, qz::MoneyBook& book, uint32_t asset, qz::WalletSpec spec,
                     qz::AccountKind kind = qz::AccountKind::customer) {
  require(ledger.open_account(kOperator, spec.owner, asset, static_cast<uint8_t>(kind), &spec.account) == Result::ok,
          "open_account");
  uint64_t id = 0;
  require(book.open_wallet(kOperator, ledger, spec, &id) == Result::ok, "open_wallet");
  return id;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t payments = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;

  qz::Ledger ledger;
  uint32_t asset = 0;
  require(ledger.create_asset(kOperator, "DKZT", 2, &asset) == Result::ok, "create_asset");
  qz::MoneyBook book(asset);
  book.begin_block(&ledger, kStart, nullptr);
  const uint64_t central = open_wallet(ledger, book, asset,
                                       qz::WalletSpec{.owner = 100, .kind = qz::WalletKind::central_bank},
                                       qz::AccountKind::issuance);
  const uint64_t bank = open_wallet(ledger, book, asset, qz::WalletSpec{.owner = 200, .kind = qz::WalletKind::bank});
  uint32_t person_class = 0;
  require(book.define_wallet_class(kCentralBank,
                                   qz::WalletClass{.kyc_level = 2, .per_payment_limit_minor = 1'000'000'00,
                                                   .daily_limit_minor = 1'000'000'000'00,
                                                   .annual_limit_minor = 1'000'000'000'000'00},
                                   &person_class) == Result::ok,
          "define_wallet_class");
  std::vector<uint64_t> people;
  for (size_t i = 0; i < kPeople; i++) {
    people.push_back(open_wallet(ledger, book, asset,
                                 qz::WalletSpec{.owner = 10'000 + i, .wallet_class = person_class,
                                                .kind = qz::WalletKind::individual}));
  }
  std::vector<uint64_t> merchants;
  std::vector<uint64_t> food_merchants;
  for (size_t i = 0; i < kMerchants; i++) {
    const uint16_t mcc = kCategories[i % 8];
    merchants.push_back(open_wallet(ledger, book, asset,
                                    qz::WalletSpec{.owner = 1'000'000 + i, .kind = qz::WalletKind::merchant,
                                                   .mcc = mcc, .region = static_cast<uint16_t>(10 + i % 20)}));
    if (mcc == 5411 || mcc == 5912) food_merchants.push_back(merchants.back());
  }
  qz::ProgramSpec food;
  food.code = "SUBSIDY-FOOD-2027";
  food.issuer_wallet = central;
  require(ledger.open_account(kOperator, 100, asset, static_cast<uint8_t>(qz::AccountKind::escrow),
                              &food.escrow_account) == Result::ok,
          "escrow");
  food.expires_at_ns = kStart + 365ULL * 86'400'000'000'000ULL;
  food.categories = {5411, 5912};
  food.per_payment_limit_minor = 50'000'00;
  uint32_t food_id = 0;
  require(book.publish_program(kCentralBank, ledger, food, &food_id) == Result::ok, "publish");

  // Money: every wallet gets free balance through the bank; 30% get a food lot.
  qz::Plan plan;
  require(book.decide_issue(kCentralBank, ledger, bank, 4'000'000'000'000'00, &plan, nullptr) == Result::ok &&
              book.execute(&ledger, plan) == Result::ok,
          "issue");
  qz::Prng prng(seed);
  std::vector<bool> has_lot(kPeople, false);
  for (size_t i = 0; i < kPeople; i++) {
    require(book.decide_payment(kOperator, ledger, {.payer = bank, .payee = people[i], .amount_minor = 10'000'000'00},
                                &plan, nullptr) == Result::ok &&
                book.execute(&ledger, plan) == Result::ok,
            "distribute");
    if (prng.chance(30)) {
      has_lot[i] = true;
      require(book.decide_grant(kCentralBank, ledger,
                                {.program = food_id, .holder = people[i], .amount_minor = 10'000'000'00, .tranches = {}},
                                &plan, nullptr) == Result::ok &&
                  book.execute(&ledger, plan) == Result::ok,
              "grant");
    }
  }

  struct Request {
    Actor actor;
    qz::PaymentRequest payment;
  };
  std::vector<Request> requests;
  requests.reserve(payments);
  uint64_t lot_payments = 0;
  for (uint64_t i = 0; i < payments; i++) {
    const size_t who = prng.below(kPeople);
    const bool lot = has_lot[who];
    lot_payments += lot ? 1 : 0;
    const uint64_t to = lot ? food_merchants[prng.below(food_merchants.size())] : merchants[prng.below(kMerchants)];
    requests.push_back({.actor = Actor{.id = 10'000 + who, .role = Role::customer},
                        .payment = {.payer = people[who], .payee = to, .amount_minor = prng.range(1'00, 20'000'00)}});
  }

  using Clock = std::chrono::steady_clock;
  uint64_t accepted = 0;
  const auto t0 = Clock::now();
  for (const Request& r : requests) accepted += book.decide_payment(r.actor, ledger, r.payment, &plan, nullptr) == Result::ok;
  const auto t1 = Clock::now();
  uint64_t executed = 0;
  for (const Request& r : requests) {
    if (book.decide_payment(r.actor, ledger, r.payment, &plan, nullptr) != Result::ok) continue;
    executed += book.execute(&ledger, plan) == Result::ok ? 1 : 0;
  }
  const auto t2 = Clock::now();
  require(book.check_invariants(ledger).empty() && ledger.check_invariants().empty(), "invariants");

  const double decide_s = std::chrono::duration<double>(t1 - t0).count();
  const double full_s = std::chrono::duration<double>(t2 - t1).count();
  std::printf("workload: %zu wallets, %zu merchants, %llu payments, %.1f%% from payers holding a program lot, seed %llu\n",
              kPeople, kMerchants, static_cast<unsigned long long>(payments),
              100.0 * static_cast<double>(lot_payments) / static_cast<double>(payments ? payments : 1),
              static_cast<unsigned long long>(seed));
  std::printf("decide only:      %12.0f payments/s (%llu accepted)\n", static_cast<double>(payments) / decide_s,
              static_cast<unsigned long long>(accepted));
  std::printf("decide + execute: %12.0f payments/s (%llu executed)\n", static_cast<double>(payments) / full_s,
              static_cast<unsigned long long>(executed));
  std::printf("program %s: spent %s, outstanding %s; state %s\n", food.code.c_str(),
              qz::format_tenge(book.program(food_id)->stats.spent_minor).c_str(),
              qz::format_tenge(book.program(food_id)->stats.outstanding_minor).c_str(),
              book.state_hash().hex().substr(0, 16).c_str());
  return 0;
}
