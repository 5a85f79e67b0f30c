// Order reservations in the ledger: Ledger::lock / unlock / settle_locked, called directly as the exchange
// calls them. Locked funds leave the available balance, no command can spend them, a fill pays out of them as
// transfers, a linked group's rollback restores them, and snapshots and the state hash carry them.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "ledger/ledger.h"

namespace qz {
namespace {

constexpr Actor kOperator{.id = 0, .role = Role::operator_};
constexpr Actor kAlice{.id = 101, .role = Role::customer};

class LockedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uint32_t asset = 0;
    ASSERT_EQ(ledger.create_asset(kOperator, "KZT", 2, &asset), Result::ok);
    uint64_t id = 0;
    ASSERT_EQ(ledger.open_account(kOperator, 0, asset, 4, &id), Result::ok);    // 1 issuance
    ASSERT_EQ(ledger.open_account(kOperator, 101, asset, 1, &id), Result::ok);  // 2 Alice
    ASSERT_EQ(ledger.open_account(kOperator, 102, asset, 1, &id), Result::ok);  // 3 Bob
    ASSERT_EQ(ledger.open_account(kOperator, 0, asset, 3, &id), Result::ok);    // 4 fees
    TransferDone done{};
    ASSERT_EQ(ledger.transfer(kOperator, {.debit = 1, .credit = 2, .amount_minor = 1000}, &done), Result::ok);
  }
  const Account& account(uint64_t id) const { return *ledger.account(id); }
  Ledger ledger;
};

TEST_F(LockedTest, LockedFundsLeaveAvailableAndNoCommandSpendsThem) {
  ASSERT_EQ(ledger.lock(2, 700), Result::ok);
  EXPECT_EQ(account(2).locked_minor, 700);
  EXPECT_EQ(account(2).held_minor, 0);
  EXPECT_EQ(account(2).available_minor(), 300);
  EXPECT_EQ(ledger.lock(2, 301), Result::insufficient_funds);
  TransferDone transfer{};
  EXPECT_EQ(ledger.transfer(kAlice, {.debit = 2, .credit = 3, .amount_minor = 301}, &transfer),
            Result::insufficient_funds);
  EXPECT_EQ(ledger.transfer(kOperator, {.debit = 2, .credit = 3, .amount_minor = 301}, &transfer),
            Result::insufficient_funds);
  HoldDone hold{};
  EXPECT_EQ(ledger.hold(kOperator, {.account = 2, .credit = 0, .amount_minor = 301, .timeout_ns = 0}, 0, &hold),
            Result::insufficient_funds);
  // What is free stays usable, and a hold and a lock add up against the total.
  ASSERT_EQ(ledger.hold(kOperator, {.account = 2, .credit = 3, .amount_minor = 300, .timeout_ns = 0}, 0, &hold),
            Result::ok);
  EXPECT_EQ(account(2).available_minor(), 0);
  EXPECT_EQ(ledger.lock(2, 1), Result::insufficient_funds);
  EXPECT_EQ(account(2).locked_minor, 700);
  EXPECT_EQ(ledger.check_invariants(), "");
}

TEST_F(LockedTest, SettlePaysOutOfLockedAsTransfersThenUnlocks) {
  ASSERT_EQ(ledger.lock(2, 700), Result::ok);
  const uint64_t next_transfer = ledger.next_transfer_id();
  const Ledger::Posting pays[3] = {{.credit = 3, .amount_minor = 400},  // to Bob
                                   {.credit = 4, .amount_minor = 0},    // a zero fee: no transfer
                                   {.credit = 2, .amount_minor = 50}};  // a self-trade: only unlocks
  ledger.settle_locked(2, pays, 100);
  EXPECT_EQ(ledger.next_transfer_id(), next_transfer + 1);
  EXPECT_EQ(account(2).total_minor, 600);
  EXPECT_EQ(account(2).locked_minor, 700 - 400 - 50 - 100);
  EXPECT_EQ(account(3).total_minor, 400);
  EXPECT_EQ(account(2).available_minor(), 600 - 150);
  ledger.unlock(2, 150);
  EXPECT_EQ(account(2).locked_minor, 0);
  EXPECT_EQ(account(2).available_minor(), 600);
  EXPECT_EQ(ledger.check_invariants(), "");
}

TEST_F(LockedTest, GroupRollbackRestoresLockedFunds) {
  ASSERT_EQ(ledger.lock(2, 200), Result::ok);
  ledger.begin_group();
  ASSERT_EQ(ledger.lock(2, 300), Result::ok);
  const Ledger::Posting pays[1] = {{.credit = 3, .amount_minor = 250}};
  ledger.settle_locked(2, pays, 0);
  ledger.unlock(2, 100);
  ledger.end_group(false);
  EXPECT_EQ(account(2).locked_minor, 200);
  EXPECT_EQ(account(2).total_minor, 1000);
  EXPECT_EQ(account(3).total_minor, 0);
  EXPECT_EQ(ledger.check_invariants(), "");
}

TEST_F(LockedTest, SnapshotAndHashCarryLockedFunds) {
  ASSERT_EQ(ledger.lock(2, 250), Result::ok);
  std::vector<uint8_t> bytes;
  ByteWriter out(&bytes);
  ledger.write_snapshot(&out);
  Ledger loaded;
  ByteReader in(bytes.data(), bytes.size());
  ASSERT_TRUE(loaded.read_snapshot(&in));
  EXPECT_EQ(loaded.account(2)->locked_minor, 250);
  Sha256 a;
  Sha256 b;
  ledger.hash_into(&a);
  loaded.hash_into(&b);
  EXPECT_EQ(a.finish(), b.finish());
  // The lock is part of the hash: the same totals with nothing locked hash differently.
  ledger.unlock(2, 250);
  Sha256 c;
  ledger.hash_into(&c);
  Sha256 d;
  loaded.hash_into(&d);
  EXPECT_NE(c.finish(), d.finish());
}

TEST_F(LockedTest, ASnapshotThatLocksMoreThanTheTotalIsRefused) {
  ASSERT_EQ(ledger.lock(2, 1000), Result::ok);
  std::vector<uint8_t> bytes;
  ByteWriter out(&bytes);
  ledger.write_snapshot(&out);
  // Account 2's record: after next ids (16), one asset (4 + 13), the account count (8) and account 1 (37):
  // owner u64, total i64, held i64, locked i64 at +24.
  const size_t locked_at = 16 + 4 + 13 + 8 + 37 + 24;
  ASSERT_EQ(bytes[locked_at], 1000 & 0xFF);
  bytes[locked_at + 1] = 0x10;  // 1000 -> 4328: more than the total of 1000
  Ledger loaded;
  ByteReader in(bytes.data(), bytes.size());
  EXPECT_FALSE(loaded.read_snapshot(&in));
}

}  // namespace
}  // namespace qz
