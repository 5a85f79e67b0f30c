// exec's two stages without the binary: parse_input (syntax) and plan_exec (names, amounts, ids, dry run), and
// chunk_plan (blocks never split a line).
#include "app/exec_plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/exec_input.h"
#include "engine/engine.h"

namespace qz::app {
namespace {

class FixedClock final : public Clock {
 public:
  uint64_t now_ns() override { return now_ns_ += 1'000; }

 private:
  uint64_t now_ns_ = 1'000'000;
};

// The state after genesis (what init_data_dir leaves), as snapshot bytes.
std::vector<uint8_t> genesis_snapshot() {
  Engine engine;
  std::vector<Event> events;
  engine.apply(BlockInput{.height = 0, .time_ns = 1, .commands = {}}, &events);
  std::vector<uint8_t> bytes;
  engine.write_snapshot(&bytes);
  return bytes;
}

Status plan(const std::string& text, ExecPlan* out) {
  std::vector<InputLine> lines;
  QZ_TRY(parse_input(text, &lines));
  FixedClock clock;
  return plan_exec(genesis_snapshot(), lines, &clock, out);
}

constexpr char kAccounts[] =
    R"({"cmd":"create_asset","code":"BTC","scale":8}
{"cmd":"open_account","owner":0,"asset":"BTC","kind":"issuance"}
{"cmd":"open_account","owner":5,"asset":"BTC","kind":"customer"}
)";

TEST(ExecInput, ParsesEveryFieldOfEveryCommand) {
  std::vector<InputLine> lines;
  const Status status = parse_input(
      R"({"cmd":"create_asset","code":"KZT","scale":2,"actor":9,"role":"central_bank","request_id":3}
{"cmd":"open_account","owner":1001,"asset":"KZT","kind":"escrow"}
{"cmd":"transfer","debit":1,"credit":2,"amount":"1250.00","reference":77}
{"cmd":"hold","account":2,"amount":"10.00","credit":3,"timeout_ms":60000,"reference":5}
{"cmd":"post","hold":1,"amount":"4.00","credit":3}
{"cmd":"void_hold","hold":1,"amount":"4.00"}
{"cmd":"linked","actor":4,"role":"customer","commands":[{"cmd":"transfer","debit":1,"credit":2,"amount":"1"},{"cmd":"post_hold","hold":2,"actor":6}]})",
      &lines);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(lines.size(), 7u);
  const CommandText& asset = lines[0].commands[0];
  EXPECT_EQ(asset.kind, CommandKind::create_asset);
  EXPECT_EQ(asset.code, "KZT");
  EXPECT_EQ(asset.scale, 2);
  EXPECT_EQ(asset.actor, 9u);
  EXPECT_EQ(asset.role, Role::central_bank);
  EXPECT_EQ(asset.request_id, 3u);
  EXPECT_EQ(lines[1].commands[0].account_kind, AccountKind::escrow);
  EXPECT_EQ(lines[1].commands[0].role, Role::operator_) << "role defaults to operator";
  EXPECT_EQ(lines[2].commands[0].amount, "1250.00");
  EXPECT_EQ(lines[2].commands[0].reference, 77u);
  EXPECT_EQ(lines[3].commands[0].timeout_ns, 60'000'000'000u);
  EXPECT_EQ(lines[3].commands[0].credit, 3u);
  EXPECT_TRUE(lines[4].commands[0].has_amount);
  EXPECT_EQ(lines[5].commands[0].kind, CommandKind::void_hold);
  EXPECT_TRUE(lines[5].commands[0].has_amount);
  EXPECT_EQ(lines[5].commands[0].amount, "4.00");
  ASSERT_TRUE(lines[6].linked);
  ASSERT_EQ(lines[6].commands.size(), 2u);
  EXPECT_EQ(lines[6].commands[0].actor, 4u) << "members inherit the group's actor";
  EXPECT_EQ(lines[6].commands[0].role, Role::customer);
  EXPECT_EQ(lines[6].commands[1].actor, 6u) << "a member's own actor wins";
  EXPECT_FALSE(lines[6].commands[1].has_amount);
  EXPECT_EQ(lines[6].commands[1].where, "commands[1]");
}

TEST(ExecInput, TimeoutThatOverflowsNanosecondsIsRefused) {
  std::vector<InputLine> lines;
  const Status status =
      parse_input(R"({"cmd":"hold","account":2,"amount":"1","timeout_ms":18446744073709551615})", &lines);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("line 1: \"timeout_ms\": is too large"), std::string::npos) << status.message();
}

TEST(ExecPlan, AmountsAreExactAtTheScaleOfTheDebitAccount) {
  ExecPlan out;
  const Status status =
      plan(std::string(kAccounts) + R"({"cmd":"transfer","debit":1,"credit":2,"amount":"0.00012345"})", &out);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(out.commands.size(), 4u);
  EXPECT_EQ(out.commands[3].transfer.amount_minor, 12'345);
  EXPECT_EQ(out.origins[3].line_number, 4u);
  EXPECT_EQ(out.dry_run_rejections, 0u);
}

TEST(ExecPlan, VoidAmountIsAtTheScaleOfTheHeldAccountAndOptional) {
  ExecPlan out;
  const Status status = plan(std::string(kAccounts) + R"({"cmd":"transfer","debit":1,"credit":2,"amount":"1"}
{"cmd":"hold","account":2,"amount":"0.5"}
{"cmd":"void","hold":1,"amount":"0.00000001"}
{"cmd":"void","hold":1}
)",
                             &out);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(out.commands.size(), 7u);
  EXPECT_EQ(out.commands[5].void_hold.hold, 1u);
  EXPECT_EQ(out.commands[5].void_hold.amount_minor, 1);
  EXPECT_EQ(out.commands[6].void_hold.amount_minor, 0) << "no amount: everything still held";
  EXPECT_EQ(out.dry_run_rejections, 0u);

  const Status refused =
      plan(std::string(kAccounts) + R"({"cmd":"transfer","debit":1,"credit":2,"amount":"1"}
{"cmd":"hold","account":2,"amount":"0.5"}
{"cmd":"void","hold":1,"amount":"0.000000001"}
)",
           &out);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("line 6: \"amount\": \"0.000000001\" has more decimals than BTC allows"),
            std::string::npos)
      << refused.message();
}

TEST(ExecPlan, BusinessRejectionsInTheDryRunAreNotErrors) {
  ExecPlan out;
  // A customer account cannot pay what it does not have: rejected when applied, but the file is valid.
  const Status status = plan(std::string(kAccounts) + R"({"cmd":"transfer","debit":2,"credit":1,"amount":"1"})", &out);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(out.dry_run_rejections, 1u);
}

TEST(ExecPlan, RejectedCreationLeavesLaterReferencesUnknown) {
  ExecPlan out;
  // Line 1's asset code is invalid, so the engine rejects it and line 2 names an asset that does not exist.
  const Status status = plan(R"({"cmd":"create_asset","code":"kzt","scale":2}
{"cmd":"open_account","owner":1,"asset":"kzt","kind":"customer"})",
                             &out);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("line 2: \"asset\": unknown asset \"kzt\""), std::string::npos) << status.message();
}

TEST(ExecPlan, LinkedGroupsSeeWhatEarlierMembersCreate) {
  ExecPlan out;
  const Status status = plan(
      R"({"cmd":"linked","commands":[{"cmd":"create_asset","code":"USDT","scale":6},{"cmd":"open_account","owner":0,"asset":"USDT","kind":"issuance"},{"cmd":"open_account","owner":1,"asset":"USDT","kind":"customer"},{"cmd":"hold","account":1,"credit":2,"amount":"2.5"},{"cmd":"post","hold":1,"amount":"0.000001"}]})",
      &out);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(out.commands.size(), 5u);
  for (size_t i = 0; i + 1 < out.commands.size(); i++) EXPECT_TRUE(out.commands[i].linked()) << i;
  EXPECT_FALSE(out.commands.back().linked());
  EXPECT_EQ(out.commands[1].open_account.asset, 1u);
  EXPECT_EQ(out.commands[3].hold.amount_minor, 2'500'000);
  EXPECT_EQ(out.commands[4].post_hold.amount_minor, 1);
  EXPECT_EQ(out.dry_run_rejections, 0u);
}

TEST(ExecPlan, HoldsPlacedEarlierInTheFileKeepTheirScaleAfterClosing) {
  ExecPlan out;
  const Status status = plan(std::string(kAccounts) + R"({"cmd":"hold","account":1,"credit":2,"amount":"1"}
{"cmd":"void","hold":1}
{"cmd":"post","hold":1,"amount":"0.5"})",
                             &out);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(out.commands.back().post_hold.amount_minor, 50'000'000);
}

TEST(ExecPlan, ChunksNeverSplitALine) {
  ExecPlan out;
  out.line_starts = {0, 3, 5, 9, 10};  // lines of 3, 2, 4, 1 and 6 commands
  out.commands.resize(16);
  const auto chunks = chunk_plan(out, 6);
  const std::vector<std::pair<size_t, size_t>> expected = {{0, 5}, {5, 10}, {10, 16}};
  EXPECT_EQ(chunks, expected);
  const auto single = chunk_plan(out, 100);
  EXPECT_EQ(single, (std::vector<std::pair<size_t, size_t>>{{0, 16}}));
  ExecPlan empty;
  EXPECT_TRUE(chunk_plan(empty, 10).empty());
}

}  // namespace
}  // namespace qz::app
