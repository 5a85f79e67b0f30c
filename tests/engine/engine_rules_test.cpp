// The engine's rules version (set_engine_rules): who may change it and how, what version 2 changes for client
// order ids, and that the version goes into the state hash and snapshots without changing version 1's.
#include <gtest/gtest.h>

#include <cstring>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/sha256.h"
#include "exchange_fixture.h"

namespace qz {
namespace {

class EngineRulesTest : public ExchangeTest {
 protected:
  Command as(Command command, uint64_t actor, Role role) {
    command.actor = actor;
    command.role = static_cast<uint8_t>(role);
    return command;
  }
  const Event& first(const std::vector<Event>& events) {
    EXPECT_FALSE(events.empty());
    return events.front();
  }
  // Alice's cancel-replace of `order` by a GTC buy: the first event of each of the two commands.
  std::vector<Event> replace(uint64_t order, int64_t price, uint64_t client_id) {
    Command cancel = make_cancel_order(kAlice, 1, order);
    cancel.flags = kFlagLinked;
    return heads(run({cancel, limit(kAlice, OrderSideCode::buy, price, 10'000, OrderTif::gtc, client_id)}));
  }
  // A snapshot's bytes (without their digest) sealed with a new one.
  static std::vector<uint8_t> sealed(std::vector<uint8_t> body) {
    const Hash256 digest = sha256(body.data(), body.size());
    body.insert(body.end(), digest.bytes.begin(), digest.bytes.end());
    return body;
  }
  // The snapshot with its rules version (the last field before the digest) changed.
  static std::vector<uint8_t> with_rules_version(std::vector<uint8_t> snapshot, uint32_t version) {
    snapshot.resize(snapshot.size() - 32);
    put_u32(snapshot.data() + snapshot.size() - 4, version);
    return sealed(std::move(snapshot));
  }
  // The first event of each command of the block, by command index.
  static std::vector<Event> heads(const std::vector<Event>& events) {
    std::vector<Event> out;
    for (const Event& event : events) {
      if (event.command_index != kNoCommand && event.command_index == out.size()) out.push_back(event);
    }
    return out;
  }
};

TEST_F(EngineRulesTest, OnlyTheOperatorMovesTheVersionAndOnlyUp) {
  EXPECT_EQ(engine.rules_version(), 1u);
  EXPECT_EQ(first(run({as(make_set_engine_rules(2), kAlice, Role::customer)})).result_code(),
            Result::actor_not_permitted);
  EXPECT_EQ(first(run({as(make_set_engine_rules(2), 7, Role::compliance)})).result_code(), Result::actor_not_permitted);
  for (const uint32_t version : {0u, 1u, kEngineRulesVersion + 1, 0xFFFF'FFFFu}) {
    EXPECT_EQ(first(run({make_set_engine_rules(version)})).result_code(), Result::engine_rules_invalid) << version;
  }
  Command nonzero = make_set_engine_rules(2);
  nonzero.set_engine_rules.zero[35] = 1;
  EXPECT_EQ(first(run({nonzero})).result_code(), Result::reserved_field_not_zero);
  EXPECT_EQ(engine.rules_version(), 1u);

  const std::vector<Event> set = run({make_set_engine_rules(2)});
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0].event_kind(), EventKind::engine_rules_set);
  EXPECT_EQ(set[0].engine_rules_set.version, 2u);
  EXPECT_EQ(set[0].engine_rules_set.previous_version, 1u);
  EXPECT_EQ(engine.rules_version(), 2u);
  EXPECT_EQ(first(run({make_set_engine_rules(2)})).result_code(), Result::engine_rules_invalid);
  EXPECT_EQ(engine.rules_version(), 2u);
  expect_conserved();
}

TEST_F(EngineRulesTest, ItStandsAloneInALinkedGroup) {
  Command rules = make_set_engine_rules(2);
  rules.flags = kFlagLinked;
  const std::vector<Event> events = run({rules, make_create_asset("ETH", 8)});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].result_code(), Result::linked_group_unsupported);
  EXPECT_EQ(events[1].result_code(), Result::linked_group_unsupported);
  EXPECT_EQ(engine.rules_version(), 1u);
  EXPECT_EQ(engine.ledger().asset_count(), 2u);
}

// Version 1 remembers every request id for good: a closed order's client order id cannot be used again.
TEST_F(EngineRulesTest, Version1KeepsEveryClientOrderIdForGood) {
  const Command place = limit(kAlice, OrderSideCode::buy, 39'000'000'00, 10'000, OrderTif::gtc, 77);
  ASSERT_EQ(first(run({place})).event_kind(), EventKind::order_accepted);
  EXPECT_EQ(engine.requests().size(), 1u);
  ASSERT_EQ(first(run({make_cancel_order(kAlice, 1, 1)})).event_kind(), EventKind::order_cancelled);
  EXPECT_EQ(first(run({place})).event_kind(), EventKind::duplicate);  // the same bytes: the first answer
  const Command other = limit(kAlice, OrderSideCode::buy, 38'000'000'00, 10'000, OrderTif::gtc, 77);
  EXPECT_EQ(first(run({other})).result_code(), Result::request_id_reused);
  EXPECT_EQ(engine.requests().size(), 1u);
}

TEST_F(EngineRulesTest, Version2AsksOnlyForUniquenessAmongOpenOrders) {
  run({make_set_engine_rules(2)});
  const Command place = limit(kAlice, OrderSideCode::buy, 39'000'000'00, 10'000, OrderTif::gtc, 77);
  ASSERT_EQ(first(run({place})).event_kind(), EventKind::order_accepted);
  EXPECT_EQ(engine.requests().size(), 0u);
  // While it is open: the same bytes or another order with its id are refused, and nothing changes.
  EXPECT_EQ(first(run({place})).result_code(), Result::client_order_id_open);
  const Command other = limit(kAlice, OrderSideCode::sell, 45'000'000'00, 10'000, OrderTif::gtc, 77);
  EXPECT_EQ(first(run({other})).result_code(), Result::client_order_id_open);
  // Another owner, or another id, is free.
  ASSERT_EQ(first(run({limit(kBob, OrderSideCode::buy, 39'000'000'00, 10'000, OrderTif::gtc, 77)})).event_kind(),
            EventKind::order_accepted);
  ASSERT_EQ(first(run({limit(kAlice, OrderSideCode::buy, 39'000'000'00, 10'000, OrderTif::gtc, 78)})).event_kind(),
            EventKind::order_accepted);
  // Two in one block: the second sees the first open.
  const std::vector<Event> pair = heads(run({limit(kCarol, OrderSideCode::buy, 39'000'000'00, 10'000, OrderTif::gtc, 5),
                                             limit(kCarol, OrderSideCode::buy, 38'000'000'00, 10'000, OrderTif::gtc, 5)}));
  ASSERT_EQ(pair.size(), 2u);
  EXPECT_EQ(pair[0].event_kind(), EventKind::order_accepted);
  EXPECT_EQ(pair[1].result_code(), Result::client_order_id_open);

  // Closed (cancelled by its client order id), the id is free again: a new order, a new order id.
  Command cancel = make_cancel_order(kAlice, 1, 0);
  cancel.cancel_order.client_order_id = 77;
  ASSERT_EQ(first(run({cancel})).event_kind(), EventKind::order_cancelled);
  const std::vector<Event> again = run({place});
  ASSERT_EQ(first(again).event_kind(), EventKind::order_accepted);
  EXPECT_EQ(first(again).order_accepted.order, 5u);
  // A cancel by that id now finds the new order.
  const std::vector<Event> cancelled = run({cancel});
  ASSERT_EQ(first(cancelled).event_kind(), EventKind::order_cancelled);
  EXPECT_EQ(first(cancelled).order_ended.order, 5u);
  // An order that fills at once is closed at once: its id is free for the next.
  ASSERT_EQ(first(run({limit(kBob, OrderSideCode::sell, 41'000'000'00, 10'000, OrderTif::gtc, 9)})).event_kind(),
            EventKind::order_accepted);
  const Command take = limit(kAlice, OrderSideCode::buy, 41'000'000'00, 10'000, OrderTif::ioc, 90);
  ASSERT_EQ(first(run({take})).event_kind(), EventKind::order_accepted);
  EXPECT_EQ(first(run({take})).event_kind(), EventKind::order_accepted);  // expires unfilled: closed too
  EXPECT_EQ(engine.requests().size(), 0u);
  expect_conserved();
}

TEST_F(EngineRulesTest, Version2StillRemembersOtherCommandsRequestIds) {
  run({make_set_engine_rules(2)});
  ASSERT_EQ(first(run({limit(kAlice, OrderSideCode::buy, 39'000'000'00, 10'000)})).event_kind(),
            EventKind::order_accepted);
  Command cancel = make_cancel_order(kAlice, 1, 1);
  cancel.request_id = 500;
  ASSERT_EQ(first(run({cancel})).event_kind(), EventKind::order_cancelled);
  EXPECT_EQ(engine.requests().size(), 1u);
  const Event retried = first(run({cancel}));
  EXPECT_EQ(retried.event_kind(), EventKind::duplicate);
  EXPECT_EQ(retried.duplicate.object_id, 1u);
  // A place_order may carry an id a cancel used: they are looked up in different places.
  EXPECT_EQ(first(run({limit(kAlice, OrderSideCode::buy, 39'000'000'00, 10'000, OrderTif::gtc, 500)})).event_kind(),
            EventKind::order_accepted);
}

// A cancel-replace may give the new order the id of the order it replaces (the cancel frees it), but not the id
// of another open order.
TEST_F(EngineRulesTest, Version2CancelReplaceMayKeepTheReplacedOrdersId) {
  run({make_set_engine_rules(2)});
  run({limit(kAlice, OrderSideCode::buy, 39'000'000'00, 10'000, OrderTif::gtc, 1),
       limit(kAlice, OrderSideCode::buy, 38'000'000'00, 10'000, OrderTif::gtc, 2)});
  const std::vector<Event> kept = replace(1, 39'100'000'00, 1);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].event_kind(), EventKind::order_cancelled);
  EXPECT_EQ(kept[1].event_kind(), EventKind::order_accepted);
  const std::vector<Event> refused = replace(kept[1].order_accepted.order, 39'200'000'00, 2);
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0].result_code(), Result::linked_event_failed);
  EXPECT_EQ(refused[1].result_code(), Result::client_order_id_open);
  expect_conserved();
}

TEST_F(EngineRulesTest, TheVersionGoesIntoTheHashAndTheSnapshot) {
  // Version 1 adds nothing to the state hash, so that journals written before the version existed still match:
  // a version-1 engine and a twin that loaded its snapshot agree, and moving to version 2 changes the hash.
  std::vector<uint8_t> v1;
  engine.write_snapshot(&v1);
  ASSERT_EQ(get_u32(v1.data() + 8), kSnapshotFormatVersion);
  ASSERT_EQ(get_u32(v1.data() + v1.size() - 32 - 4), 1u);

  // A version 7 snapshot (no rules version: the same bytes without the last four before the digest) still loads,
  // at version 1, to the same state hash.
  std::vector<uint8_t> v7 = v1;
  v7.resize(v7.size() - 32 - 4);
  put_u32(v7.data() + 8, 7);
  v7 = sealed(std::move(v7));
  Engine old(LedgerLimits{}, limits());
  ASSERT_TRUE(old.load_snapshot(v7).is_ok());
  EXPECT_EQ(old.rules_version(), 1u);
  EXPECT_EQ(old.state_hash(), engine.state_hash());

  run({make_set_engine_rules(2), limit(kAlice, OrderSideCode::buy, 39'000'000'00, 10'000, OrderTif::gtc, 77)});
  std::vector<uint8_t> v2;
  engine.write_snapshot(&v2);
  Engine loaded(LedgerLimits{}, limits());
  const Status status = loaded.load_snapshot(v2);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(loaded.rules_version(), 2u);
  EXPECT_EQ(loaded.state_hash(), engine.state_hash());
  // The loaded engine decides by version 2, and knows the open order's client order id.
  std::vector<Event> events;
  const Command repeat = limit(kAlice, OrderSideCode::buy, 38'000'000'00, 10'000, OrderTif::gtc, 77);
  loaded.apply(BlockInput{.height = loaded.next_height(), .time_ns = time_ns + 1, .commands = {&repeat, 1}}, &events);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].result_code(), Result::client_order_id_open);

  // The same state but for the version: different hashes.
  Engine refused(LedgerLimits{}, limits());
  const Status mismatch = refused.load_snapshot(with_rules_version(v2, 1));
  ASSERT_FALSE(mismatch.is_ok());
  EXPECT_NE(mismatch.message().find("state hash"), std::string::npos) << mismatch.message();
  // An unknown version is refused by name.
  Engine newer(LedgerLimits{}, limits());
  const Status unknown = newer.load_snapshot(with_rules_version(v2, kEngineRulesVersion + 1));
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.message().find("rules version"), std::string::npos) << unknown.message();
}

}  // namespace
}  // namespace qz
