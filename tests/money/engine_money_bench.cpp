// Wallet payments per second through Engine::apply:
// `engine_money_bench [payments] [seed] [block_commands] [request_ids]`.
//
// The workload of money_bench, but as commands in blocks through the whole engine (validation, the money group,
// the book's decision, the ledger's linked group of transfers, the book's changes and every event): 100,000
// individual wallets of a KYC class whose per-payment, daily and annual limits are evaluated on every payment,
// 2,000 merchants in 8 categories and one food program (two categories, a per-payment limit, an expiry) whose
// lots 30% of the wallets hold. Each payment goes from a random wallet to a random merchant; payers holding a lot
// pay a merchant of an allowed category, so about 30% of payments unwrap lot money (checked from the events);
// the others pay from free balance. Commands are built before the clock starts and applied in blocks of
// `block_commands` (default 8,192, exec's block size); with request_ids 1 every payment carries an idempotency
// key (unique, from 1), which the engine looks up and remembers (its table sized for them at start-up). Prints the workload, the figure, the events per payment,
// and the final state hash after checking every invariant.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "base/prng.h"
#include "engine/engine.h"

namespace {

using qz::Command;
using qz::Engine;
using qz::Event;
using qz::EventKind;
using qz::Role;

constexpr uint64_t kStart = 1'800'000'000'000'000'000ULL;
constexpr uint64_t kCentralBankUser = 100;
constexpr uint64_t kBankUser = 200;
constexpr size_t kPeople = 100'000;
constexpr size_t kMerchants = 2'000;
constexpr uint16_t kCategories[8] = {5411, 5912, 5812, 5813, 5311, 4111, 5541, 5999};

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "engine_money_bench: %s\n", what);
    std::exit(1);
  }
}

Command as(Command command, uint64_t actor, Role role) {
  command.actor = actor;
  command.role = static_cast<uint8_t>(role);
  return command;
}

class Venue {
 public:
  // Room for `request_ids` idempotency keys made at start-up, as a server does.
  explicit Venue(uint64_t request_ids) : engine(qz::LedgerLimits{.reserved_request_ids = request_ids}) {}
  // Applies `commands` as blocks of at most `per_block`; every event must be ok unless `refusals_allowed`.
  std::vector<Event> run(const std::vector<Command>& commands, size_t per_block = 8192) {
    std::vector<Event> all;
    for (size_t at = 0; at < commands.size() || (commands.empty() && at == 0); at += per_block) {
      const size_t count = std::min(per_block, commands.size() - at);
      events_.clear();
      time_ns_ += 1'000'000;
      engine.apply(qz::BlockInput{.height = engine.next_height(), .time_ns = time_ns_,
                                  .commands = std::span<const Command>(commands).subspan(at, count)},
                   &events_);
      for (const Event& event : events_) require(event.result_code() == qz::Result::ok, "a setup command was refused");
      all.insert(all.end(), events_.begin(), events_.end());
      if (commands.empty()) break;
    }
    return all;
  }
  Engine engine;
  uint64_t time_ns_ = kStart;
  std::vector<Event> events_;
};

qz::OpenWalletPayload wallet(uint64_t owner, qz::WalletKind kind, uint32_t wallet_class = 0, uint16_t mcc = 0,
                             uint16_t region = 0) {
  return qz::OpenWalletPayload{.owner = owner, .account = 0, .linked_account = 0, .wallet_class = wallet_class,
                               .kind = static_cast<uint8_t>(kind), .flags = 0, .mcc = mcc, .region = region,
                               .zero = {}};
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t payments = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4'000'000;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  const size_t per_block = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 8192;
  const bool request_ids = argc > 4 && std::strtoull(argv[4], nullptr, 10) == 1;
  require(per_block > 0, "block_commands must be positive");

  Venue venue(request_ids ? payments : 0);
  venue.run({qz::make_create_asset("DKZT", 2)});
  const uint64_t central = venue.run({as(qz::make_open_wallet(wallet(kCentralBankUser, qz::WalletKind::central_bank)),
                                         kCentralBankUser, Role::central_bank)})
                               .back()
                               .wallet_opened.wallet;
  const uint64_t bank = venue.run({as(qz::make_open_wallet(wallet(kBankUser, qz::WalletKind::bank)), kCentralBankUser,
                                      Role::central_bank)})
                            .back()
                            .wallet_opened.wallet;
  venue.run({as(qz::make_define_wallet_class(2, 0, 1'000'000'00, 1'000'000'000'00, 1'000'000'000'000'00),
                kCentralBankUser, Role::central_bank)});

  std::vector<Command> setup;
  for (size_t i = 0; i < kPeople; i++) {
    setup.push_back(
        as(qz::make_open_wallet(wallet(10'000 + i, qz::WalletKind::individual, 1)), kBankUser, Role::bank));
  }
  for (size_t i = 0; i < kMerchants; i++) {
    setup.push_back(qz::make_open_wallet(
        wallet(1'000'000 + i, qz::WalletKind::merchant, 0, kCategories[i % 8], static_cast<uint16_t>(10 + i % 20))));
  }
  std::vector<uint64_t> people;
  std::vector<uint64_t> merchants;
  std::vector<uint64_t> food_merchants;
  for (const Event& event : venue.run(setup)) {
    if (event.event_kind() != EventKind::wallet_opened) continue;
    const qz::WalletOpenedPayload& p = event.wallet_opened;
    if (p.kind == static_cast<uint8_t>(qz::WalletKind::individual)) people.push_back(p.wallet);
    if (p.kind != static_cast<uint8_t>(qz::WalletKind::merchant)) continue;
    merchants.push_back(p.wallet);
    if (p.mcc == 5411 || p.mcc == 5912) food_merchants.push_back(p.wallet);
  }
  require(people.size() == kPeople && merchants.size() == kMerchants, "wallets");

  // The food program: groceries and pharmacies, at most 50,000.00 of one payment, a year long.
  Command terms = qz::make_grant(0, 0, 0);
  terms.grant = {};
  terms.kind = static_cast<uint16_t>(qz::CommandKind::program_terms);
  terms.program_terms.expires_at_ns = kStart + 365ULL * 86'400'000'000'000ULL;
  terms.program_terms.expiry_action = static_cast<uint8_t>(qz::ExpiryAction::return_to_issuer);
  terms.program_terms.release_rule = static_cast<uint8_t>(qz::ReleaseRule::immediate);
  terms.program_terms.terminal_kinds = qz::ProgramSpec{}.terminal_kinds;
  Command limits = terms;
  limits.program_limits = {};
  limits.kind = static_cast<uint16_t>(qz::CommandKind::program_limits);
  limits.program_limits.per_payment_limit_minor = 50'000'00;
  Command list = terms;
  list.program_list = {};
  list.kind = static_cast<uint16_t>(qz::CommandKind::program_list);
  list.program_list.list = static_cast<uint8_t>(qz::ProgramListKind::categories);
  list.program_list.count = 2;
  list.program_list.codes[0] = 5411;
  list.program_list.codes[1] = 5912;
  std::vector<Command> publish;
  for (Command part : {terms, limits, list}) {
    part.flags = qz::kFlagLinked;
    publish.push_back(as(part, kCentralBankUser, Role::central_bank));
  }
  publish.push_back(as(qz::make_publish_program("SUBSIDY-FOOD-2027", central, 0), kCentralBankUser,
                       Role::central_bank));
  const uint32_t food = venue.run(publish).back().program_published.program;

  // Money: every wallet gets free balance through the bank; 30% get a food lot.
  std::vector<Command> money = {
      as(qz::make_issue_cbdc(bank, 4'000'000'000'000'00), kCentralBankUser, Role::central_bank)};
  qz::Prng prng(seed);
  std::vector<bool> has_lot(kPeople, false);
  for (size_t i = 0; i < kPeople; i++) {
    money.push_back(as(qz::make_pay(kBankUser, bank, people[i], 10'000'000'00), kBankUser, Role::bank));
    if (prng.chance(30)) {
      has_lot[i] = true;
      money.push_back(as(qz::make_grant(food, people[i], 10'000'000'00), kCentralBankUser, Role::central_bank));
    }
  }
  venue.run(money);

  std::vector<Command> commands;
  commands.reserve(payments);
  uint64_t lot_payers = 0;
  for (uint64_t i = 0; i < payments; i++) {
    const size_t who = prng.below(kPeople);
    const bool lot = has_lot[who];
    lot_payers += lot ? 1 : 0;
    const uint64_t to = lot ? food_merchants[prng.below(food_merchants.size())] : merchants[prng.below(kMerchants)];
    commands.push_back(qz::make_pay(10'000 + who, people[who], to, static_cast<int64_t>(prng.range(1'00, 20'000'00))));
    if (request_ids) commands.back().request_id = i + 1;
  }

  using Clock = std::chrono::steady_clock;
  std::vector<Event> events;
  events.reserve(per_block * 5);
  uint64_t paid = 0;
  uint64_t from_lot = 0;
  uint64_t event_count = 0;
  uint64_t time_ns = venue.time_ns_;
  Engine& engine = venue.engine;
  const auto t0 = Clock::now();
  for (size_t at = 0; at < commands.size(); at += per_block) {
    const size_t count = std::min(per_block, commands.size() - at);
    events.clear();
    time_ns += 1'000'000;
    engine.apply(qz::BlockInput{.height = engine.next_height(), .time_ns = time_ns,
                                .commands = std::span<const Command>(commands).subspan(at, count)},
                 &events);
    event_count += events.size();
    for (const Event& event : events) {
      paid += event.event_kind() == EventKind::cbdc_paid ? 1 : 0;
      from_lot += event.event_kind() == EventKind::cbdc_paid && event.money_plan.lot_changes != 0 ? 1 : 0;
    }
  }
  const auto t1 = Clock::now();
  require(engine.check_invariants().empty(), "invariants");

  const double seconds = std::chrono::duration<double>(t1 - t0).count();
  std::printf("workload: %zu wallets, %zu merchants, %llu payments in blocks of %zu through Engine::apply, %s, seed %llu\n",
              kPeople, kMerchants, static_cast<unsigned long long>(payments), per_block,
              request_ids ? "each with a request id" : "no request ids", static_cast<unsigned long long>(seed));
  std::printf("paid %llu, %.1f%% of them from a program lot (%.1f%% of payers hold one), %.2f events per payment\n",
              static_cast<unsigned long long>(paid),
              100.0 * static_cast<double>(from_lot) / static_cast<double>(paid ? paid : 1),
              100.0 * static_cast<double>(lot_payers) / static_cast<double>(payments ? payments : 1),
              static_cast<double>(event_count) / static_cast<double>(payments ? payments : 1));
  std::printf("Engine::apply: %12.0f payments/s\n", static_cast<double>(payments) / seconds);
  std::printf("program SUBSIDY-FOOD-2027: spent %lld minor; state %s\n",
              static_cast<long long>(engine.money()->program(food)->stats.spent_minor),
              engine.state_hash().hex().substr(0, 16).c_str());
  return paid == payments ? 0 : 1;
}
