// Clients through Engine::apply: registration, status changes and the gates they drive. A rule table per
// command (one line per rejection, in check order), then the scenarios: a frozen client moves nothing out and
// loses its open orders, an unfrozen one trades again, the venue's policy requires registration, and the
// registry survives snapshots and takes part in the state hash. Every scenario ends with conservation.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "exchange_fixture.h"

namespace qz {
namespace {

constexpr uint8_t kRetail = 1;
constexpr uint8_t kProfessional = 2;
constexpr uint8_t kActive = static_cast<uint8_t>(ClientStatus::active);
constexpr uint8_t kFrozen = static_cast<uint8_t>(ClientStatus::frozen);
constexpr uint8_t kOffboarded = static_cast<uint8_t>(ClientStatus::offboarded);
constexpr auto kApproved = static_cast<uint16_t>(ClientStatusReason::kyc_approved);
constexpr auto kReview = static_cast<uint16_t>(ClientStatusReason::compliance_review);
constexpr auto kCleared = static_cast<uint16_t>(ClientStatusReason::review_cleared);
constexpr auto kRequest = static_cast<uint16_t>(ClientStatusReason::client_request);
constexpr uint64_t kOfficer = 900;

Command as_role(Command command, uint64_t actor, Role role) {
  command.actor = actor;
  command.role = static_cast<uint8_t>(role);
  return command;
}
Command compliance(Command command) { return as_role(command, kOfficer, Role::compliance); }

class ClientsTest : public ExchangeTest {
 protected:
  // Registers and approves a client (by a compliance officer).
  void onboard(uint64_t client, uint8_t classification = kRetail) {
    run({compliance(make_register_client(client, classification, 2, "KZ", "KZ", false)),
         compliance(make_set_client_status(client, kActive, kApproved))});
    ASSERT_NE(engine.clients().find(client), nullptr);
    ASSERT_EQ(engine.clients().find(client)->status, ClientStatus::active);
  }
  Result last(const std::vector<Event>& events) const { return events.back().result_code(); }
  // The registry as its snapshot writes it (the state hash moves with every block's height and time).
  std::vector<uint8_t> registry() const {
    std::vector<uint8_t> bytes;
    ByteWriter out(&bytes);
    engine.clients().write_snapshot(&out);
    return bytes;
  }
  Command alice_transfer(int64_t amount) {
    return as_role(make_transfer(kzt(kAlice), kzt(kBob), amount), kAlice, Role::customer);
  }
};

TEST_F(ClientsTest, RegisterAndUpdateRuleTable) {
  struct Row {
    const char* name;
    Command command;
    Result expected;
  };
  const std::vector<Row> rows = {
      {"a customer may not register", as_role(make_register_client(7, kRetail, 1, "KZ", "KZ", false), 7,
                                              Role::customer), Result::actor_not_permitted},
      {"client id 0", compliance(make_register_client(0, kRetail, 1, "KZ", "KZ", false)), Result::client_id_invalid},
      {"class 3", compliance(make_register_client(7, 3, 1, "KZ", "KZ", false)), Result::client_facts_invalid},
      {"tier 4", compliance(make_register_client(7, kRetail, 4, "KZ", "KZ", false)), Result::client_facts_invalid},
      {"lower-case country", compliance(make_register_client(7, kRetail, 1, "kz", "KZ", false)),
       Result::client_facts_invalid},
      {"digit in nationality", compliance(make_register_client(7, kRetail, 1, "KZ", "K1", false)),
       Result::client_facts_invalid},
      {"update of an unknown client", compliance(make_update_client(8, kRetail, 1, "KZ", "KZ", false)),
       Result::client_not_found},
  };
  for (const Row& row : rows) {
    const std::vector<uint8_t> before = registry();
    const auto events = run({row.command});
    ASSERT_EQ(events.size(), 1u) << row.name;
    EXPECT_EQ(last(events), row.expected) << row.name;
    EXPECT_EQ(registry(), before) << row.name << ": a rejection changed the registry";
  }
  const auto registered = run({compliance(make_register_client(7, kProfessional, 3, "DE", "KZ", true))});
  ASSERT_EQ(registered[0].event_kind(), EventKind::client_registered);
  EXPECT_EQ(registered[0].client_facts.status, static_cast<uint8_t>(ClientStatus::pending));
  EXPECT_EQ(last(run({compliance(make_register_client(7, kRetail, 1, "KZ", "KZ", false))})), Result::client_exists);
  const auto updated = run({make_update_client(7, kRetail, 1, "KZ", "KZ", false)});  // the operator may too
  ASSERT_EQ(updated[0].event_kind(), EventKind::client_updated);
  const Client* client = engine.clients().find(7);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->facts.classification, ClientClass::retail);
  EXPECT_EQ(client->facts.kyc_tier, 1);
  EXPECT_EQ(client->status, ClientStatus::pending);  // an update keeps the status
  expect_conserved();
}

TEST_F(ClientsTest, StatusRuleTable) {
  run({compliance(make_register_client(7, kRetail, 1, "KZ", "KZ", false))});
  struct Row {
    const char* name;
    Command command;
    Result expected;
  };
  const std::vector<Row> rows = {
      {"a customer may not set a status", as_role(make_set_client_status(7, kFrozen, kReview), 7, Role::customer),
       Result::actor_not_permitted},
      {"a regulator may not either", as_role(make_set_client_status(7, kFrozen, kReview), 5, Role::regulator),
       Result::actor_not_permitted},
      {"client id 0", compliance(make_set_client_status(0, kFrozen, kReview)), Result::client_id_invalid},
      {"status 5", compliance(make_set_client_status(7, 5, kReview)), Result::client_status_invalid},
      {"back to pending", compliance(make_set_client_status(7, 1, 1)), Result::client_status_invalid},
      {"reason 10", compliance(make_set_client_status(7, kFrozen, 10)), Result::client_status_invalid},
      {"a freeze needs a freeze's reason", compliance(make_set_client_status(7, kFrozen, kApproved)),
       Result::client_status_invalid},
      {"unknown client", compliance(make_set_client_status(8, kFrozen, kReview)), Result::client_not_found},
  };
  for (const Row& row : rows) {
    const std::vector<uint8_t> before = registry();
    EXPECT_EQ(last(run({row.command})), row.expected) << row.name;
    EXPECT_EQ(registry(), before) << row.name;
  }
  EXPECT_EQ(last(run({compliance(make_set_client_status(7, kActive, kApproved))})), Result::ok);
  EXPECT_EQ(last(run({compliance(make_set_client_status(7, kActive, kApproved))})), Result::client_status_unchanged);
  EXPECT_EQ(last(run({compliance(make_set_client_status(7, kOffboarded, kRequest))})), Result::ok);
  // Offboarded is final: no status change, no update.
  EXPECT_EQ(last(run({compliance(make_set_client_status(7, kActive, kApproved))})), Result::client_offboarded);
  EXPECT_EQ(last(run({compliance(make_update_client(7, kRetail, 2, "KZ", "KZ", false))})), Result::client_offboarded);
}

TEST_F(ClientsTest, APendingClientMovesNothingOut) {
  run({compliance(make_register_client(kAlice, kRetail, 1, "KZ", "KZ", false))});
  EXPECT_EQ(last(run({alice_transfer(100)})), Result::client_pending);
  EXPECT_EQ(last(run({limit(kAlice, OrderSideCode::buy, 40'000'000'00, 1000'0000)})), Result::client_pending);
  // Money may come in.
  EXPECT_EQ(last(run({make_transfer(2, kzt(kAlice), 100)})), Result::ok);
  expect_conserved();
}

TEST_F(ClientsTest, FreezeStopsEveryOutgoingMovementAndCancelsOpenOrders) {
  onboard(kAlice);
  onboard(kBob);
  run({limit(kAlice, OrderSideCode::buy, 40'000'000'00, 1000'0000), limit(kAlice, OrderSideCode::sell, 41'000'000'00, 2000'0000),
       limit(kBob, OrderSideCode::sell, 42'000'000'00, 1000'0000)});
  ASSERT_GT(account(kzt(kAlice)).locked_minor, 0);
  run({make_hold(kzt(kAlice), 0, 5'000'00, 0)});  // a payment hold placed before the freeze
  const uint64_t hold_id = engine.ledger().next_hold_id() - 1;
  const int64_t total_kzt = account(kzt(kAlice)).total_minor;
  const int64_t total_btc = account(btc(kAlice)).total_minor;

  const auto frozen = run({compliance(make_set_client_status(kAlice, kFrozen, kReview))});
  ASSERT_GE(frozen.size(), 3u);
  EXPECT_EQ(frozen[0].event_kind(), EventKind::client_status_changed);
  EXPECT_EQ(frozen[0].client_status_changed.previous_status, kActive);
  EXPECT_EQ(frozen[0].client_status_changed.orders_cancelled, 2u);
  EXPECT_EQ(frozen[1].event_kind(), EventKind::order_cancelled);
  EXPECT_EQ(frozen[1].order_ended.reason, static_cast<uint8_t>(OrderEndReason::client_frozen));
  EXPECT_EQ(frozen[2].order_ended.order, frozen[1].order_ended.order + 1);  // order id order
  EXPECT_EQ(frozen.back().event_kind(), EventKind::level_changed);
  // Frozen funds stay visible: totals unchanged, nothing locked any more, Bob's order untouched.
  EXPECT_EQ(account(kzt(kAlice)).total_minor, total_kzt);
  EXPECT_EQ(account(btc(kAlice)).total_minor, total_btc);
  EXPECT_EQ(account(kzt(kAlice)).locked_minor, 0);
  EXPECT_GT(account(btc(kBob)).locked_minor, 0);

  // Nothing moves out, whoever asks: the owner, or the operator.
  EXPECT_EQ(last(run({alice_transfer(100)})), Result::client_frozen);
  EXPECT_EQ(last(run({make_transfer(kzt(kAlice), kzt(kBob), 100)})), Result::client_frozen);
  EXPECT_EQ(last(run({make_hold(kzt(kAlice), 0, 100, 0)})), Result::client_frozen);
  EXPECT_EQ(last(run({make_post_hold(hold_id, kzt(kBob), 100)})), Result::client_frozen);
  EXPECT_EQ(last(run({limit(kAlice, OrderSideCode::buy, 42'000'000'00, 1000'0000)})), Result::client_frozen);
  // What does not move money out still works: a deposit, releasing a hold, cancelling (nothing left).
  EXPECT_EQ(last(run({make_transfer(2, kzt(kAlice), 100)})), Result::ok);
  EXPECT_EQ(last(run({make_void_hold(hold_id)})), Result::ok);
  EXPECT_EQ(last(run({make_cancel_all(kAlice, 1)})), Result::order_not_found);
  // A permission check still comes first: Bob learns nothing about Alice's status.
  EXPECT_EQ(last(run({as_role(make_transfer(kzt(kAlice), kzt(kBob), 100), kBob, Role::customer)})),
            Result::debit_not_permitted);

  // Unfrozen, Alice trades again.
  run({compliance(make_set_client_status(kAlice, kActive, kCleared))});
  const auto trade = run({limit(kAlice, OrderSideCode::buy, 42'000'000'00, 1000'0000)});
  EXPECT_EQ(trade[1].event_kind(), EventKind::trade);
  EXPECT_EQ(last(run({alice_transfer(100)})), Result::ok);
  expect_conserved();
}

TEST_F(ClientsTest, OffboardingCancelsOrdersAndIsFinal) {
  onboard(kCarol);
  run({limit(kCarol, OrderSideCode::sell, 41'000'000'00, 1000'0000)});
  const auto out = run({compliance(make_set_client_status(kCarol, kOffboarded, kRequest))});
  EXPECT_EQ(out[0].client_status_changed.orders_cancelled, 1u);
  EXPECT_EQ(out[1].order_ended.reason, static_cast<uint8_t>(OrderEndReason::client_offboarded));
  EXPECT_EQ(last(run({as_role(make_transfer(btc(kCarol), btc(kBob), 1), kCarol, Role::customer)})),
            Result::client_offboarded);
  expect_conserved();
}

TEST_F(ClientsTest, PolicyRequiresRegisteredClients) {
  onboard(kAlice);
  EXPECT_EQ(last(run({as_role(make_set_client_policy(true), kOfficer, Role::compliance)})),
            Result::actor_not_permitted);  // the venue's policy is the operator's
  const auto set = run({make_set_client_policy(true)});
  ASSERT_EQ(set[0].event_kind(), EventKind::client_policy_set);
  EXPECT_EQ(last(run({as_role(make_transfer(kzt(kBob), kzt(kAlice), 100), kBob, Role::customer)})),
            Result::client_not_registered);
  EXPECT_EQ(last(run({limit(kBob, OrderSideCode::buy, 40'000'000'00, 1000'0000)})), Result::client_not_registered);
  // Venue accounts are no client's: the operator still moves issuance and fees.
  EXPECT_EQ(last(run({make_transfer(2, kzt(kBob), 100)})), Result::ok);
  EXPECT_EQ(last(run({alice_transfer(100)})), Result::ok);
  run({make_set_client_policy(false)});
  EXPECT_EQ(last(run({limit(kBob, OrderSideCode::buy, 40'000'000'00, 1000'0000)})), Result::ok);
  expect_conserved();
}

TEST_F(ClientsTest, RegisteringATraderCancelsTheOrdersThatCouldStillFill) {
  // Alice trades before compliance knows her; registered, she is pending, and a resting order of hers could
  // otherwise fill and move her money.
  run({limit(kAlice, OrderSideCode::sell, 41'000'000'00, 1000'0000)});
  const auto registered = run({compliance(make_register_client(kAlice, kRetail, 1, "KZ", "KZ", false))});
  ASSERT_GE(registered.size(), 2u);
  EXPECT_EQ(registered[0].client_facts.orders_cancelled, 1u);
  EXPECT_EQ(registered[1].event_kind(), EventKind::order_cancelled);
  EXPECT_EQ(registered[1].order_ended.reason, static_cast<uint8_t>(OrderEndReason::client_not_active));
  const int64_t btc_before = account(btc(kAlice)).total_minor;
  const auto buy = run({limit(kBob, OrderSideCode::buy, 41'000'000'00, 1000'0000)});
  EXPECT_EQ(buy[1].event_kind(), EventKind::order_rested);  // nothing to trade with
  EXPECT_EQ(account(btc(kAlice)).total_minor, btc_before);
  expect_conserved();
}

TEST_F(ClientsTest, ThePolicyCancelsTheOrdersOfUnregisteredTraders) {
  onboard(kAlice);
  run({limit(kBob, OrderSideCode::sell, 41'000'000'00, 1000'0000), limit(kAlice, OrderSideCode::sell, 42'000'000'00, 1000'0000)});
  const auto set = run({make_set_client_policy(true)});
  ASSERT_GE(set.size(), 2u);
  EXPECT_EQ(set[0].client_policy_set.orders_cancelled, 1u);  // Bob's; Alice is registered and active
  EXPECT_EQ(set[1].order_ended.reason, static_cast<uint8_t>(OrderEndReason::client_not_active));
  EXPECT_EQ(account(btc(kBob)).locked_minor, 0);
  EXPECT_GT(account(btc(kAlice)).locked_minor, 0);
  expect_conserved();
}

TEST_F(ClientsTest, AFrozenClientsOtherAccountsAreGatedToo) {
  // An escrow account the operator opened for a registered client is the client's: frozen, nothing leaves it.
  const auto opened = run({make_open_account(kAlice, 2, AccountKind::escrow)});
  const uint64_t escrow = opened[0].account_opened.account;
  run({make_transfer(2, escrow, 1'000'00)});
  onboard(kAlice);
  run({compliance(make_set_client_status(kAlice, kFrozen, kReview))});
  EXPECT_EQ(last(run({as_role(make_transfer(escrow, kzt(kBob), 1'00), kAlice, Role::customer)})), Result::client_frozen);
  EXPECT_EQ(last(run({make_transfer(escrow, kzt(kBob), 1'00)})), Result::client_frozen);
  // The venue's own accounts (owner 0) are no client's.
  EXPECT_EQ(last(run({make_transfer(2, kzt(kBob), 1'00)})), Result::ok);
  expect_conserved();
}

TEST_F(ClientsTest, AFreezeCanChangeItsReason) {
  onboard(kAlice);
  run({compliance(make_set_client_status(kAlice, kFrozen, kReview))});
  const auto escalated =
      run({compliance(make_set_client_status(kAlice, kFrozen, static_cast<uint16_t>(ClientStatusReason::sanctions_match)))});
  ASSERT_EQ(escalated[0].event_kind(), EventKind::client_status_changed);
  EXPECT_EQ(escalated[0].client_status_changed.previous_status, kFrozen);
  EXPECT_EQ(engine.clients().find(kAlice)->reason, ClientStatusReason::sanctions_match);
  EXPECT_EQ(last(run({compliance(make_set_client_status(kAlice, kFrozen,
                                                        static_cast<uint16_t>(ClientStatusReason::sanctions_match)))})),
            Result::client_status_unchanged);
}

TEST_F(ClientsTest, ASnapshotWithAnOpenOrderOfAFrozenClientIsRefused) {
  onboard(kAlice);
  run({limit(kAlice, OrderSideCode::sell, 41'000'000'00, 1000'0000)});
  std::vector<uint8_t> bytes;
  engine.write_snapshot(&bytes);
  // The registry comes last but for the (empty) rate table and the limits (no limits, no usage: 12 x 16 bytes,
  // the cap and its residence, count u64) and the money flag: policy u8, count u64, then Alice (id, class, tier, 2 countries, test,
  // status, reason u16). Hand-edit her to frozen for review (the engine itself would have cancelled the order),
  // and seal the bytes again.
  const size_t limits_section = 12 * 16 + 8 + 2 + 8;
  const size_t money_flag = 1;  // no digital tenge book
  const size_t rules_version = 4;
  const size_t registry = bytes.size() - 32 - rules_version - money_flag - limits_section - 4 - (1 + 8 + 18);
  ASSERT_EQ(get_u64(bytes.data() + registry + 9), kAlice);
  bytes[registry + 9 + 15] = kFrozen;
  bytes[registry + 9 + 16] = static_cast<uint8_t>(kReview);
  bytes.resize(bytes.size() - 32);
  const Hash256 digest = sha256(bytes.data(), bytes.size());
  bytes.insert(bytes.end(), digest.bytes.begin(), digest.bytes.end());
  Engine loaded(LedgerLimits{}, limits());
  const Status status = loaded.load_snapshot(bytes);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("markets and clients disagree"), std::string::npos) << status.message();
}

TEST_F(ClientsTest, ConversionRatesAreTheOperatorsAndGoIntoTheStateAndSnapshots) {
  EXPECT_EQ(last(run({as_role(make_set_conversion_rate(1, 100), kOfficer, Role::compliance)})),
            Result::actor_not_permitted);
  EXPECT_EQ(last(run({make_set_conversion_rate(9, 100)})), Result::asset_not_found);
  EXPECT_EQ(last(run({make_set_conversion_rate(1, 0)})), Result::conversion_rate_invalid);
  EXPECT_EQ(last(run({make_set_conversion_rate(1, -5)})), Result::conversion_rate_invalid);
  EXPECT_EQ(engine.rates().size(), 0u);
  // BTC (asset 1) at 45,000,000.00 KZT, then at 46,000,000.00; the dollar (asset 0) at 470.00 KZT.
  const auto first = run({make_set_conversion_rate(1, 45'000'000'00)});
  ASSERT_EQ(first[0].event_kind(), EventKind::conversion_rate_set);
  EXPECT_EQ(first[0].conversion_rate_set.previous_tiyn_per_unit, 0);
  const auto second = run({make_set_conversion_rate(1, 46'000'000'00), make_set_conversion_rate(kUsdRateAsset, 470'00)});
  EXPECT_EQ(second[0].conversion_rate_set.previous_tiyn_per_unit, 45'000'000'00);
  EXPECT_EQ(engine.rates().rate(1), 46'000'000'00);
  EXPECT_EQ(engine.rates().rate(kUsdRateAsset), 470'00);
  EXPECT_EQ(engine.rates().rate(2), 0);
  std::vector<uint8_t> bytes;
  engine.write_snapshot(&bytes);
  Engine loaded(LedgerLimits{}, limits());
  ASSERT_TRUE(loaded.load_snapshot(bytes).is_ok());
  EXPECT_EQ(loaded.state_hash(), engine.state_hash());
  EXPECT_EQ(loaded.rates().rate(1), 46'000'000'00);
  // A rate is in the state hash: the same empty block on both, then one more rate on one.
  const std::vector<Command> change = {make_set_conversion_rate(2, 1)};
  std::vector<Event> ignored;
  const uint64_t height = engine.next_height();
  loaded.apply(BlockInput{.height = height, .time_ns = time_ns + 1'000'000'000, .commands = {}}, &ignored);
  engine.apply(BlockInput{.height = height, .time_ns = time_ns + 1'000'000'000, .commands = change}, &ignored);
  EXPECT_NE(engine.state_hash(), loaded.state_hash());
}

TEST_F(ClientsTest, ClientCommandsStandAloneAndRemember) {
  Command a = compliance(make_register_client(7, kRetail, 1, "KZ", "KZ", false));
  a.flags = kFlagLinked;
  const Command b = compliance(make_register_client(8, kRetail, 1, "KZ", "KZ", false));
  const auto events = run({a, b});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].result_code(), Result::linked_group_unsupported);
  EXPECT_EQ(events[1].result_code(), Result::linked_group_unsupported);
  EXPECT_EQ(engine.clients().size(), 0u);
  // A retry with the same request id gets the original answer, with the client id as the object.
  Command once = compliance(make_register_client(9, kRetail, 1, "KZ", "KZ", false));
  once.request_id = 77;
  run({once});
  const auto again = run({once});
  ASSERT_EQ(again[0].event_kind(), EventKind::duplicate);
  EXPECT_EQ(again[0].duplicate.object_id, 9u);
  EXPECT_EQ(engine.clients().size(), 1u);
}

TEST_F(ClientsTest, SnapshotAndStateHashCarryTheRegistry) {
  onboard(kAlice, kProfessional);
  run({compliance(make_register_client(kBob, kRetail, 0, "RU", "KZ", false)), make_set_client_policy(true),
       compliance(make_set_client_status(kAlice, kFrozen, kReview))});
  std::vector<uint8_t> bytes;
  engine.write_snapshot(&bytes);
  Engine loaded(LedgerLimits{}, limits());
  const Status status = loaded.load_snapshot(bytes);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(loaded.state_hash(), engine.state_hash());
  EXPECT_EQ(loaded.clients().size(), 2u);
  EXPECT_EQ(loaded.clients().find(kAlice)->status, ClientStatus::frozen);
  EXPECT_TRUE(loaded.clients().require_registered());
  // The registry is in the state hash: the same block on both engines, one with a registry change.
  const BlockInput same{.height = engine.next_height(), .time_ns = time_ns + 1'000'000'000, .commands = {}};
  std::vector<Event> ignored;
  loaded.apply(same, &ignored);
  const std::vector<Command> change = {compliance(make_update_client(kBob, kRetail, 1, "RU", "KZ", false))};
  engine.apply(BlockInput{.height = same.height, .time_ns = same.time_ns, .commands = change}, &ignored);
  EXPECT_NE(engine.state_hash(), loaded.state_hash());
}

}  // namespace
}  // namespace qz
