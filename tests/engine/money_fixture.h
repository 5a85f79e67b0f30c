// A digital tenge venue for the engine's money tests: DKZT and KZT, the central bank's and a bank's wallets, two
// individuals with tenge accounts at the exchange, a grocer, a cafe and the venue's own wallet (MCC 6051), and
// three programs: FOOD (groceries only, expires), TRAVEL (transport and cafes, person to person, no expiry) and
// BUILD (milestones attested by kAttester). Every block is checked against the engine's invariants.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace qz {

inline constexpr uint64_t kCentralBankUser = 100;
inline constexpr uint64_t kBankUser = 200;
inline constexpr uint64_t kAttester = 300;
inline constexpr uint64_t kAlice = 1001;
inline constexpr uint64_t kBob = 1002;
inline constexpr uint64_t kHour = 3'600'000'000'000ULL;

inline Command as(Command command, uint64_t actor, Role role) {
  command.actor = actor;
  command.role = static_cast<uint8_t>(role);
  return command;
}
inline Command linked(Command command) {
  command.flags |= kFlagLinked;
  return command;
}
// grant_tranches with these amounts, as the operator.
inline Command tranche_part(std::initializer_list<int64_t> amounts) {
  Command command = make_grant(0, 0, 0);
  std::memset(command.payload, 0, sizeof command.payload);
  command.kind = static_cast<uint16_t>(CommandKind::grant_tranches);
  for (const int64_t amount : amounts) command.grant_tranches.amounts_minor[command.grant_tranches.count++] = amount;
  return command;
}

class MoneyEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    expect_ok(run({make_create_asset("DKZT", 2), make_create_asset("KZT", 2)}));
    const uint32_t kzt = engine.ledger().find_asset("KZT");
    const std::vector<Event> accounts =
        run({make_open_account(0, kzt, AccountKind::issuance), make_open_account(kAlice, kzt, AccountKind::customer),
             make_open_account(kBob, kzt, AccountKind::customer)});
    kzt_issuance = accounts[0].account_opened.account;
    venue_kzt = kzt_issuance;
    alice_kzt = accounts[1].account_opened.account;
    bob_kzt = accounts[2].account_opened.account;
    central = open(kCentralBankUser, WalletKind::central_bank, 0, 0, 0, Role::central_bank, kCentralBankUser);
    bank = open(kBankUser, WalletKind::bank, 0, 0, 0, Role::central_bank, kCentralBankUser);
    expect_ok(run({as(make_define_wallet_class(2, 0, 0, 0, 0), kCentralBankUser, Role::central_bank)}));
    alice = open(kAlice, WalletKind::individual, 1, 0, 0, Role::bank, kBankUser);
    bob = open(kBob, WalletKind::individual, 1, 0, 0, Role::bank, kBankUser);
    grocer = open(5001, WalletKind::merchant, 0, 5411, 1, Role::operator_, 0);
    cafe = open(5002, WalletKind::merchant, 0, 5812, 2, Role::operator_, 0);
    venue = open(0, WalletKind::merchant, 0, kMccQuasiCash, 1, Role::operator_, 0);

    ProgramTermsPayload terms{};
    terms.expires_at_ns = time_ns + 200 * kHour;
    terms.expiry_action = static_cast<uint8_t>(ExpiryAction::return_to_issuer);
    terms.release_rule = static_cast<uint8_t>(ReleaseRule::immediate);
    terms.terminal_kinds = kDefaultTerminal;
    food = publish("FOOD", terms, {list(ProgramListKind::categories, {5411})}).back().program_published.program;
    terms.expires_at_ns = 0;
    terms.flags = kProgramP2p;
    travel = publish("TRAVEL", terms, {list(ProgramListKind::categories, {4111, 5812})}).back().program_published.program;
    terms.flags = 0;
    terms.release_rule = static_cast<uint8_t>(ReleaseRule::milestone);
    terms.attester = kAttester;
    build = publish("BUILD", terms, {}).back().program_published.program;
  }

  static constexpr uint8_t kDefaultTerminal = wallet_kind_bit(WalletKind::merchant) |
                                              wallet_kind_bit(WalletKind::agency) | wallet_kind_bit(WalletKind::bank);

  static ProgramListPayload list(ProgramListKind kind, std::initializer_list<uint16_t> codes) {
    ProgramListPayload p{};
    p.list = static_cast<uint8_t>(kind);
    for (const uint16_t code : codes) p.codes[p.count++] = code;
    return p;
  }

  // Applies one block an hour after the last; checks the invariants.
  std::vector<Event> run(const std::vector<Command>& commands) { return run_at(time_ns + kHour, commands); }
  std::vector<Event> run_at(uint64_t at_ns, const std::vector<Command>& commands) {
    if (engine.next_height() != 0) {
      EXPECT_GT(at_ns, time_ns);
      time_ns = at_ns;
    }
    std::vector<Event> events;
    engine.apply(BlockInput{.height = engine.next_height(), .time_ns = time_ns, .commands = commands}, &events);
    EXPECT_EQ(engine.check_invariants(), "");
    return events;
  }
  static void expect_ok(const std::vector<Event>& events) {
    for (const Event& event : events) {
      EXPECT_EQ(event.result_code(), Result::ok) << event_kind_name(event.event_kind()) << " of command "
                                                  << event.command_index;
    }
  }

  uint64_t open(uint64_t owner, WalletKind kind, uint32_t wallet_class, uint16_t mcc, uint16_t region, Role role,
                uint64_t actor) {
    const Command command = as(make_open_wallet(OpenWalletPayload{.owner = owner, .account = 0, .linked_account = 0,
                                                                  .wallet_class = wallet_class,
                                                                  .kind = static_cast<uint8_t>(kind), .flags = 0,
                                                                  .mcc = mcc, .region = region, .zero = {}}),
                               actor, role);
    const std::vector<Event> events = run({command});
    EXPECT_EQ(events.back().event_kind(), EventKind::wallet_opened);
    return events.back().wallet_opened.wallet;
  }

  std::vector<Event> publish(std::string_view code, const ProgramTermsPayload& terms,
                             std::initializer_list<ProgramListPayload> lists) {
    std::vector<Command> group;
    Command part = make_grant(0, 0, 0);
    std::memset(part.payload, 0, sizeof part.payload);
    part.kind = static_cast<uint16_t>(CommandKind::program_terms);
    part.program_terms = terms;
    group.push_back(linked(as(part, kCentralBankUser, Role::central_bank)));
    for (const ProgramListPayload& l : lists) {
      part.kind = static_cast<uint16_t>(CommandKind::program_list);
      std::memset(part.payload, 0, sizeof part.payload);
      part.program_list = l;
      group.push_back(linked(as(part, kCentralBankUser, Role::central_bank)));
    }
    group.push_back(as(make_publish_program(code, central, 0), kCentralBankUser, Role::central_bank));
    const std::vector<Event> events = run(group);
    expect_ok(events);
    return events;
  }

  static uint64_t first_release(const std::vector<Event>& events) {
    for (const Event& event : events) {
      if (event.event_kind() == EventKind::release_opened) return event.release_opened.release;
    }
    return 0;
  }

  int64_t balance(uint64_t wallet) const {
    return engine.ledger().account(engine.money()->wallet(wallet)->spec.account)->total_minor;
  }
  uint64_t issuance_account() const { return engine.money()->wallet(central)->spec.account; }
  uint64_t bank_account() const { return engine.money()->wallet(bank)->spec.account; }

  // The state through a snapshot into a fresh engine: the same hash, the same invariants.
  void check_snapshot_round_trip() {
    std::vector<uint8_t> bytes;
    engine.write_snapshot(&bytes);
    Engine loaded;
    const Status status = loaded.load_snapshot(bytes);
    ASSERT_TRUE(status.is_ok()) << status.message();
    EXPECT_EQ(loaded.state_hash(), engine.state_hash());
    EXPECT_EQ(loaded.check_invariants(), "");
    ASSERT_NE(loaded.money(), nullptr);
    EXPECT_EQ(loaded.money()->state_hash(), engine.money()->state_hash());
  }

  Engine engine;
  uint64_t time_ns = 1'800'000'000'000'000'000ULL;
  uint64_t kzt_issuance = 0;
  uint64_t venue_kzt = 0;
  uint64_t alice_kzt = 0;
  uint64_t bob_kzt = 0;
  uint64_t central = 0;
  uint64_t bank = 0;
  uint64_t alice = 0;
  uint64_t bob = 0;
  uint64_t grocer = 0;
  uint64_t cafe = 0;
  uint64_t venue = 0;
  uint32_t food = 0;
  uint32_t travel = 0;
  uint32_t build = 0;
};

}  // namespace qz
