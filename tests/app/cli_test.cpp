// The `qazna` binary end to end: init, exec, inspect, verify, run-demo, bench, and the rule that exec applies a
// file whole or not at all. Every case runs the real binary (QZ_BIN) in its own temp directory.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "cli_util.h"

namespace qz::app::testing {
namespace {

// --- reading the JSON the binary prints -------------------------------------------------------------------------

// A field of a one-line JSON object as text: strings unquoted, integers in decimal, "" when absent.
std::string field(const std::string& json, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) return "<not json>";
  simdjson::dom::element value;
  if (doc[key].get(value) != simdjson::SUCCESS) return "";
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  int64_t number = 0;
  if (value.get_int64().get(number) == simdjson::SUCCESS) return std::to_string(number);
  uint64_t unsigned_number = 0;
  if (value.get_uint64().get(unsigned_number) == simdjson::SUCCESS) return std::to_string(unsigned_number);
  return "<other>";
}

bool is_json_object(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(line).get(doc) == simdjson::SUCCESS && doc.type() == simdjson::dom::element_type::OBJECT;
}

struct AccountView {
  std::string owner, asset, kind, total, held, available;
  bool operator==(const AccountView&) const = default;
};

struct StateView {
  std::string height, last_hash, state_hash;
  std::vector<std::string> assets;  // codes
  std::vector<AccountView> accounts;
  uint64_t live_holds = 0;
};

StateView parse_inspect(const std::string& json) {
  StateView view;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  view.height = field(json, "height");
  view.last_hash = field(json, "last_hash");
  view.state_hash = field(json, "state_hash");
  simdjson::dom::array assets;
  if (doc["assets"].get_array().get(assets) == simdjson::SUCCESS) {
    for (simdjson::dom::element asset : assets) {
      std::string_view code;
      if (asset["code"].get_string().get(code) == simdjson::SUCCESS) view.assets.emplace_back(code);
    }
  }
  simdjson::dom::array accounts;
  if (doc["accounts"].get_array().get(accounts) == simdjson::SUCCESS) {
    for (simdjson::dom::element account : accounts) {
      const std::string text = simdjson::to_string(account);
      view.accounts.push_back(AccountView{field(text, "owner"), field(text, "asset"), field(text, "kind"),
                                          field(text, "total"), field(text, "held"), field(text, "available")});
    }
  }
  uint64_t holds = 0;
  if (doc["live_holds"].get_uint64().get(holds) == simdjson::SUCCESS) view.live_holds = holds;
  return view;
}

// --- fixture ----------------------------------------------------------------------------------------------------

class QaznaCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(qazna_binary().empty()) << "QZ_BIN is not set; run through ctest";
    ASSERT_FALSE(tmp_.path().empty());
    data_ = tmp_ / "data";
  }

  RunResult qazna(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    return run_qazna(tmp_.path(), args, stdin_text);
  }

  void init() {
    const RunResult r = qazna({"init", "--data", data_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // exec of `text` through stdin.
  RunResult exec(const std::string& text) { return qazna({"exec", "--data", data_, "-"}, text); }

  StateView inspect() {
    const RunResult r = qazna({"inspect", "--data", data_, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return parse_inspect(r.out);
  }

  TempDir tmp_;
  std::string data_;
};

// Accounts: 1 KZT issuance, 2 Aigerim KZT (1001), 3 Bauyrzhan KZT (1002), 4 BTC issuance, 5 Aigerim BTC.
// Aigerim holds 1000.00 KZT and 0.5 BTC; hold 1 (10.00 KZT of account 2, credit 3) is live.
constexpr char kSetup[] =
    R"({"cmd":"create_asset","code":"KZT","scale":2}
{"cmd":"create_asset","code":"BTC","scale":8}
{"cmd":"open_account","owner":0,"asset":"KZT","kind":"issuance"}
{"cmd":"open_account","owner":1001,"asset":"KZT","kind":"customer"}
{"cmd":"open_account","owner":1002,"asset":"KZT","kind":"customer"}
{"cmd":"open_account","owner":0,"asset":"BTC","kind":"issuance"}
{"cmd":"open_account","owner":1001,"asset":"BTC","kind":"customer"}
{"cmd":"transfer","debit":1,"credit":2,"amount":"1000.00"}
{"cmd":"transfer","debit":4,"credit":5,"amount":"0.5"}
{"cmd":"hold","account":2,"amount":"10.00","credit":3}
)";

// --- end to end -------------------------------------------------------------------------------------------------

TEST_F(QaznaCli, InitExecInspectVerifyEndToEnd) {
  RunResult r = qazna({"init", "--data", data_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string pubkey = read_file(data_ + "/keys/operator.pub").substr(0, 64);
  EXPECT_NE(r.out.find("genesis block:       height 0, hash "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(pubkey), std::string::npos) << "init should print the operator public key\n" << r.out;

  const std::string input =
      std::string(kSetup) +
      R"({"cmd":"transfer","debit":2,"credit":3,"amount":"1250.00","request_id":7,"actor":1001,"role":"customer"}
{"cmd":"transfer","debit":2,"credit":3,"amount":"250.50","request_id":8,"actor":1001,"role":"customer"}
{"cmd":"transfer","debit":2,"credit":3,"amount":"250.50","request_id":8,"actor":1001,"role":"customer"}
{"cmd":"post","hold":1,"amount":"4.00"}
{"cmd":"void","hold":1}
)";
  write_file(tmp_ / "input.jsonl", input);
  r = qazna({"exec", "--data", data_, tmp_ / "input.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> events = lines_of(r.out);
  ASSERT_EQ(events.size(), 15u) << r.out;
  for (const std::string& event : events) {
    EXPECT_TRUE(is_json_object(event)) << event;
    EXPECT_EQ(field(event, "height"), "1") << "one file of 15 commands fits one block: " << event;
  }
  EXPECT_EQ(field(events[0], "event"), "asset_created");
  EXPECT_EQ(field(events[0], "asset"), "KZT");
  EXPECT_EQ(field(events[7], "event"), "transfer_posted");
  EXPECT_EQ(field(events[7], "amount"), "1000.00");
  EXPECT_EQ(field(events[7], "credit_balance"), "1000.00");
  EXPECT_EQ(field(events[8], "amount"), "0.50000000");
  EXPECT_EQ(field(events[8], "asset"), "BTC");
  EXPECT_EQ(field(events[9], "event"), "hold_placed");
  EXPECT_EQ(field(events[9], "account_held"), "10.00");
  // Business rejection: an event with code, name and message; the exit code stays 0.
  EXPECT_EQ(field(events[10], "event"), "rejected");
  EXPECT_EQ(field(events[10], "line"), "11");
  EXPECT_EQ(field(events[10], "code"), "126");
  EXPECT_EQ(field(events[10], "result"), "insufficient_funds");
  EXPECT_EQ(field(events[10], "message"), "insufficient available balance");
  EXPECT_EQ(field(events[10], "request_id"), "7");
  EXPECT_EQ(field(events[11], "event"), "transfer_posted");
  EXPECT_EQ(field(events[11], "amount"), "250.50");
  const std::string transfer_id = field(events[11], "transfer");
  EXPECT_EQ(field(events[12], "event"), "duplicate");
  EXPECT_EQ(field(events[12], "object_id"), transfer_id);
  EXPECT_EQ(field(events[13], "event"), "hold_posted");
  EXPECT_EQ(field(events[13], "remaining"), "6.00");
  EXPECT_EQ(field(events[14], "event"), "hold_voided");
  EXPECT_EQ(field(events[14], "amount"), "6.00");
  EXPECT_EQ(field(events[14], "account_held"), "0.00");
  EXPECT_EQ(field(events[14], "remaining"), "0.00");

  const StateView state = inspect();
  EXPECT_EQ(state.height, "1");
  EXPECT_EQ(state.assets, (std::vector<std::string>{"KZT", "BTC"}));
  ASSERT_EQ(state.accounts.size(), 5u);
  EXPECT_EQ(state.accounts[0], (AccountView{"0", "KZT", "issuance", "-1000.00", "0.00", "-1000.00"}));
  EXPECT_EQ(state.accounts[1], (AccountView{"1001", "KZT", "customer", "745.50", "0.00", "745.50"}));
  EXPECT_EQ(state.accounts[2], (AccountView{"1002", "KZT", "customer", "254.50", "0.00", "254.50"}));
  EXPECT_EQ(state.accounts[4], (AccountView{"1001", "BTC", "customer", "0.50000000", "0.00000000", "0.50000000"}));
  EXPECT_EQ(state.live_holds, 0u);

  r = qazna({"inspect", "--data", data_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("state hash:     " + state.state_hash), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("745.50"), std::string::npos) << r.out;

  r = qazna({"verify", "--data", data_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("verify: ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("state hash: " + state.state_hash), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("last hash:  " + state.last_hash), std::string::npos) << r.out;
  r = qazna({"verify", "--data", data_, "--pubkey", pubkey});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// --- exec refuses bad input whole -------------------------------------------------------------------------------

struct BadLine {
  const char* name;
  const char* line;
  const char* expected;  // a piece of the error message besides "line 2"
};

// One case per rule. Each file is a good first line and this bad second line; the message must name line 2.
const BadLine kBadLines[] = {
    {"malformed JSON", R"({"cmd":"transfer","debit":2,)", "malformed JSON"},
    {"not an object", R"(["transfer",2,3])", "expected a JSON object"},
    {"unknown command", R"({"cmd":"teleport","debit":2,"credit":3,"amount":"1.00"})",
     R"("cmd": unknown command "teleport")"},
    {"missing cmd", R"({"debit":2,"credit":3,"amount":"1.00"})", R"("cmd": is required)"},
    {"missing field", R"({"cmd":"transfer","debit":2,"amount":"1.00"})", R"("credit": is required)"},
    {"unknown field", R"({"cmd":"transfer","debit":2,"credit":3,"amount":"1.00","memo":"x"})",
     R"("memo": is not a field of transfer)"},
    {"repeated field", R"({"cmd":"transfer","debit":2,"debit":2,"credit":3,"amount":"1.00"})",
     R"("debit": appears more than once)"},
    {"wrong type: id as string", R"({"cmd":"transfer","debit":"2","credit":3,"amount":"1.00"})",
     R"("debit": must be a non-negative integer, got a string)"},
    {"wrong type: amount as number", R"({"cmd":"transfer","debit":2,"credit":3,"amount":1.5})",
     R"("amount": must be a decimal string)"},
    {"negative id", R"({"cmd":"void","hold":-1})", R"("hold": must not be negative)"},
    {"unknown role", R"({"cmd":"transfer","debit":2,"credit":3,"amount":"1.00","role":"king"})",
     R"("role": unknown role "king")"},
    {"unknown account kind", R"({"cmd":"open_account","owner":1,"asset":"KZT","kind":"savings"})",
     R"("kind": unknown account kind)"},
    {"decimals beyond scale", R"({"cmd":"transfer","debit":2,"credit":3,"amount":"1.001"})",
     "has more decimals than KZT allows"},
    {"decimals beyond scale (hold)", R"({"cmd":"hold","account":5,"amount":"0.000000001"})",
     "has more decimals than BTC allows"},
    {"signed amount", R"({"cmd":"transfer","debit":2,"credit":3,"amount":"-1.00"})", "amount must not carry a sign"},
    {"exponent amount", R"({"cmd":"transfer","debit":2,"credit":3,"amount":"1e3"})", "amount must not use an exponent"},
    {"unknown debit account", R"({"cmd":"transfer","debit":99,"credit":3,"amount":"1.00"})",
     R"("debit": account 99 does not exist)"},
    {"unknown credit account", R"({"cmd":"transfer","debit":2,"credit":0,"amount":"1.00"})",
     R"("credit": account 0 does not exist)"},
    {"unknown asset", R"({"cmd":"open_account","owner":1,"asset":"EUR","kind":"customer"})",
     R"("asset": unknown asset "EUR")"},
    {"unknown hold (post)", R"({"cmd":"post","hold":42,"amount":"1.00"})", R"("hold": hold 42 does not exist)"},
    {"unknown hold (void)", R"({"cmd":"void","hold":42})", R"("hold": hold 42 does not exist)"},
    {"decimals beyond scale (void)", R"({"cmd":"void","hold":1,"amount":"4.001"})",
     R"("amount": "4.001" has more decimals than KZT allows (hold 1 holds KZT, scale 2))"},
    {"wrong type: void amount as number", R"({"cmd":"void","hold":1,"amount":4})",
     R"("amount": must be a decimal string)"},
    {"signed void amount", R"({"cmd":"void","hold":1,"amount":"-4.00"})", "amount must not carry a sign"},
    {"bad member of a linked group",
     R"({"cmd":"linked","commands":[{"cmd":"transfer","debit":2,"credit":3,"amount":"1.00"},{"cmd":"transfer","debit":2,"credit":77,"amount":"1.00"}]})",
     R"("commands[1].credit": account 77 does not exist)"},
    {"nested linked group", R"({"cmd":"linked","commands":[{"cmd":"linked","commands":[]}]})",
     "cannot hold another linked group"},
    {"empty linked group", R"({"cmd":"linked","commands":[]})", R"("commands": must hold at least one command)"},
    {"asset code too long", R"({"cmd":"create_asset","code":"ABCDEFGHIJKLM","scale":2})",
     R"("code": is 13 characters)"},
};

TEST_F(QaznaCli, ExecRefusesBadInputWholeAndNamesTheLine) {
  init();
  RunResult r = exec(kSetup);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const StateView before = inspect();

  for (const BadLine& bad : kBadLines) {
    SCOPED_TRACE(bad.name);
    const std::string text =
        std::string(R"({"cmd":"transfer","debit":1,"credit":2,"amount":"5.00"})") + "\n" + bad.line + "\n";
    r = exec(text);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("line 2: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(bad.expected), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing was applied"), std::string::npos) << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << "one clear line: " << r.err;
    EXPECT_EQ(r.out, "") << "no events for a refused file";
    const StateView after = inspect();
    EXPECT_EQ(after.state_hash, before.state_hash);
    EXPECT_EQ(after.height, before.height);
  }
  r = qazna({"verify", "--data", data_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(QaznaCli, ThirdLineBadAppliesNothingOfLinesOneAndTwo) {
  init();
  const StateView before = inspect();
  // Lines 1-2 create an asset of scale 0 and an account in it; line 3 is wrong only because of what they made.
  const std::string three_lines = R"({"cmd":"create_asset","code":"USD","scale":0}
{"cmd":"open_account","owner":7,"asset":"USD","kind":"issuance"}
{"cmd":"transfer","debit":1,"credit":1,"amount":"1.5"}
)";
  RunResult r = exec(three_lines);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 3: \"amount\": \"1.5\" has more decimals than USD allows"), std::string::npos) << r.err;
  StateView after = inspect();
  EXPECT_EQ(after.state_hash, before.state_hash);
  EXPECT_TRUE(after.assets.empty()) << "line 1's asset must not exist";
  EXPECT_TRUE(after.accounts.empty()) << "line 2's account must not exist";

  // A syntax error on line 3 refuses the file just the same.
  r = exec(R"({"cmd":"create_asset","code":"USD","scale":0}
{"cmd":"open_account","owner":7,"asset":"USD","kind":"issuance"}
{"cmd":"transfer","debit":1,"credit":2,"amount":"1"
)");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 3: malformed JSON"), std::string::npos) << r.err;
  EXPECT_EQ(inspect().state_hash, before.state_hash);

  // And a good version of the file applies all of it.
  r = exec(R"({"cmd":"create_asset","code":"USD","scale":0}
{"cmd":"open_account","owner":7,"asset":"USD","kind":"issuance"}
{"cmd":"open_account","owner":8,"asset":"USD","kind":"customer"}
{"cmd":"transfer","debit":1,"credit":2,"amount":"15"}
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  after = inspect();
  EXPECT_EQ(after.assets, std::vector<std::string>{"USD"});
  ASSERT_EQ(after.accounts.size(), 2u);
  EXPECT_EQ(after.accounts[1].total, "15");
}

TEST_F(QaznaCli, BlankLinesCountInLineNumbers) {
  init();
  RunResult r = exec("{\"cmd\":\"create_asset\",\"code\":\"KZT\",\"scale\":2}\n\n   \n{\"cmd\":\"nope\"}\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 4: "), std::string::npos) << r.err;
}

TEST_F(QaznaCli, LinkedGroupWithAFailingMemberMovesNothing) {
  init();
  ASSERT_EQ(exec(kSetup).exit_code, 0);
  const StateView before = inspect();
  // Member 0 alone would succeed; member 1 overdraws account 2 (990.00 available), so neither applies.
  RunResult r = exec(
      R"({"cmd":"linked","commands":[{"cmd":"transfer","debit":1,"credit":3,"amount":"100.00"},{"cmd":"transfer","debit":2,"credit":3,"amount":"5000.00"}]})"
      "\n");
  ASSERT_EQ(r.exit_code, 0) << "a business rejection is an event, not an error: " << r.err;
  const std::vector<std::string> events = lines_of(r.out);
  ASSERT_EQ(events.size(), 2u) << r.out;
  EXPECT_EQ(field(events[0], "event"), "rejected");
  EXPECT_EQ(field(events[0], "line"), "1");
  EXPECT_EQ(field(events[0], "member"), "0");
  EXPECT_EQ(field(events[0], "result"), "linked_event_failed");
  EXPECT_EQ(field(events[1], "event"), "rejected");
  EXPECT_EQ(field(events[1], "member"), "1");
  EXPECT_EQ(field(events[1], "result"), "insufficient_funds");
  EXPECT_EQ(inspect().accounts, before.accounts) << "no balance may change";

  // The same group with a payable second member applies whole.
  r = exec(
      R"({"cmd":"linked","commands":[{"cmd":"transfer","debit":1,"credit":3,"amount":"100.00"},{"cmd":"transfer","debit":2,"credit":3,"amount":"50.00"}]})"
      "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> applied = lines_of(r.out);
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(field(applied[0], "event"), "transfer_posted");
  EXPECT_EQ(field(applied[1], "event"), "transfer_posted");
  EXPECT_EQ(field(applied[1], "credit_balance"), "150.00");
}

TEST_F(QaznaCli, LinkedGroupMayUseAnAccountItOpens) {
  init();
  ASSERT_EQ(exec(kSetup).exit_code, 0);
  // Account 6 does not exist yet: the group opens it and pays into it in one all-or-nothing step.
  RunResult r = exec(
      R"({"cmd":"linked","commands":[{"cmd":"open_account","owner":1003,"asset":"KZT","kind":"customer"},{"cmd":"transfer","debit":1,"credit":6,"amount":"12.34"}]})"
      "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> events = lines_of(r.out);
  ASSERT_EQ(events.size(), 2u) << r.out;
  EXPECT_EQ(field(events[0], "account"), "6");
  EXPECT_EQ(field(events[1], "credit_balance"), "12.34");
}

TEST_F(QaznaCli, HoldExpiresByBlockTimeAndExecReportsIt) {
  init();
  ASSERT_EQ(exec(kSetup).exit_code, 0);
  RunResult r = exec(R"({"cmd":"hold","account":2,"amount":"20.00","timeout_ms":1})"
                     "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(field(lines_of(r.out).at(0), "event"), "hold_placed");
  const std::string hold = field(lines_of(r.out).at(0), "hold");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));

  // The next block expires the hold before its own commands run; a post to it is then a business rejection.
  r = exec(R"({"cmd":"post","hold":)" + hold +
           R"(})"
           "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> events = lines_of(r.out);
  ASSERT_EQ(events.size(), 2u) << r.out;
  EXPECT_EQ(field(events[0], "event"), "hold_expired");
  EXPECT_EQ(field(events[0], "hold"), hold);
  EXPECT_EQ(field(events[0], "amount"), "20.00");
  EXPECT_EQ(field(events[0], "account_held"), "10.00") << "hold 1 of the setup is still live";
  EXPECT_EQ(field(events[0], "line"), "") << "an expiry has no input line";
  EXPECT_EQ(field(events[1], "result"), "hold_already_closed");

  // A post with an amount to a hold that closed before this file cannot know its scale: refused, unless the
  // credit account names the asset.
  r = exec(R"({"cmd":"post","hold":)" + hold +
           R"(,"amount":"1.00"})"
           "\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("closed before this file"), std::string::npos) << r.err;
  r = exec(R"({"cmd":"post","hold":)" + hold +
           R"(,"amount":"1.00","credit":3})"
           "\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(field(lines_of(r.out).at(0), "result"), "hold_already_closed");
  EXPECT_EQ(qazna({"verify", "--data", data_}).exit_code, 0);
}

// A partial void releases part of a hold at once; the hold stays live with the rest, which a later void (or the
// hold's expiry) releases.
TEST_F(QaznaCli, PartialVoidReleasesPartAndKeepsTheRest) {
  init();
  ASSERT_EQ(exec(kSetup).exit_code, 0);
  RunResult r = exec(R"({"cmd":"void","hold":1,"amount":"4.00"}
{"cmd":"void","hold":1,"amount":"6.01"}
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> events = lines_of(r.out);
  ASSERT_EQ(events.size(), 2u) << r.out;
  EXPECT_EQ(field(events[0], "event"), "hold_voided");
  EXPECT_EQ(field(events[0], "hold"), "1");
  EXPECT_EQ(field(events[0], "amount"), "4.00");
  EXPECT_EQ(field(events[0], "account_held"), "6.00");
  EXPECT_EQ(field(events[0], "remaining"), "6.00");
  EXPECT_EQ(field(events[1], "event"), "rejected");
  EXPECT_EQ(field(events[1], "result"), "hold_amount_exceeded");
  StateView state = inspect();
  EXPECT_EQ(state.live_holds, 1u);
  EXPECT_EQ(state.accounts[1], (AccountView{"1001", "KZT", "customer", "1000.00", "6.00", "994.00"}));

  // A hold with a timeout, voided in part in the block that places it, expires later with only the rest.
  r = exec(R"({"cmd":"hold","account":2,"amount":"20.00","timeout_ms":1}
{"cmd":"void","hold":2,"amount":"5.00"}
{"cmd":"void","hold":1}
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  events = lines_of(r.out);
  ASSERT_EQ(events.size(), 3u) << r.out;
  EXPECT_EQ(field(events[1], "event"), "hold_voided");
  EXPECT_EQ(field(events[1], "remaining"), "15.00");
  EXPECT_EQ(field(events[2], "amount"), "6.00");
  EXPECT_EQ(field(events[2], "remaining"), "0.00");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  r = exec(R"({"cmd":"void","hold":2,"amount":"1.00"}
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  events = lines_of(r.out);
  ASSERT_EQ(events.size(), 2u) << r.out;
  EXPECT_EQ(field(events[0], "event"), "hold_expired");
  EXPECT_EQ(field(events[0], "amount"), "15.00");
  EXPECT_EQ(field(events[0], "account_held"), "0.00");
  EXPECT_EQ(field(events[0], "remaining"), "0.00");
  EXPECT_EQ(field(events[1], "result"), "hold_already_closed");
  state = inspect();
  EXPECT_EQ(state.live_holds, 0u);
  EXPECT_EQ(qazna({"verify", "--data", data_}).exit_code, 0);
}

TEST_F(QaznaCli, LargeFileIsSplitIntoBlocksWithoutSplittingGroups) {
  init();
  std::string text = kSetup;
  // 9,000 single transfers, then a linked pair: more than one block's worth of 8,192 commands.
  for (int i = 0; i < 9000; i++)
    text += R"({"cmd":"transfer","debit":1,"credit":3,"amount":"0.01"})"
            "\n";
  text +=
      R"({"cmd":"linked","commands":[{"cmd":"transfer","debit":1,"credit":3,"amount":"1"},{"cmd":"transfer","debit":3,"credit":2,"amount":"1"}]})"
      "\n";
  RunResult r = exec(text);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> events = lines_of(r.out);
  ASSERT_EQ(events.size(), 10u + 9000u + 2u);
  EXPECT_EQ(field(events.front(), "height"), "1");
  EXPECT_EQ(field(events.back(), "height"), "2");
  EXPECT_EQ(field(events[events.size() - 2], "height"), "2") << "a linked group stays in one block";
  const StateView state = inspect();
  EXPECT_EQ(state.accounts[2].total, "90.00");  // 9,000 x 0.01, and the linked pair nets to zero
  EXPECT_EQ(qazna({"verify", "--data", data_}).exit_code, 0);
}

TEST_F(QaznaCli, EmptyInputDoesNothing) {
  init();
  const StateView before = inspect();
  const RunResult r = exec("\n\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(inspect().state_hash, before.state_hash);
}

// --- verify and recovery ----------------------------------------------------------------------------------------

// Flips one byte of the stored body of block `height` (in its signature, so the block still decodes).
void corrupt_block(const std::string& data_dir, int height) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((data_dir + "/journal.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* read = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT body FROM blocks WHERE height = ?", -1, &read, nullptr), SQLITE_OK);
  sqlite3_bind_int(read, 1, height);
  ASSERT_EQ(sqlite3_step(read), SQLITE_ROW);
  const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(read, 0));
  std::vector<unsigned char> body(bytes, bytes + sqlite3_column_bytes(read, 0));
  sqlite3_finalize(read);
  ASSERT_GT(body.size(), 170u);
  body[170] ^= 0x01;
  sqlite3_stmt* write = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE blocks SET body = ? WHERE height = ?", -1, &write, nullptr), SQLITE_OK);
  sqlite3_bind_blob(write, 1, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int(write, 2, height);
  ASSERT_EQ(sqlite3_step(write), SQLITE_DONE);
  sqlite3_finalize(write);
  sqlite3_close(db);
}

// --- markets and orders -----------------------------------------------------------------------------------------

// docs/cli.md's market example. Accounts: 1-2 issuance KZT and BTC, 3-4 fee income KZT and BTC, 5-6 Aigerim
// (1001: KZT, BTC), 7-8 Bauyrzhan (1002: KZT, BTC). Market 1 trades BTC against KZT: tick 100.00 KZT, lot 0.01 BTC,
// fees maker 10 bps and taker 20 bps (so every hold reserves 20 bps on top), band 10 %.
constexpr char kMarketSetup[] =
    R"({"cmd":"create_asset","code":"KZT","scale":2}
{"cmd":"create_asset","code":"BTC","scale":8}
{"cmd":"open_account","owner":0,"asset":"KZT","kind":"issuance"}
{"cmd":"open_account","owner":0,"asset":"BTC","kind":"issuance"}
{"cmd":"open_account","owner":0,"asset":"KZT","kind":"fee_income"}
{"cmd":"open_account","owner":0,"asset":"BTC","kind":"fee_income"}
{"cmd":"open_account","owner":1001,"asset":"KZT","kind":"customer"}
{"cmd":"open_account","owner":1001,"asset":"BTC","kind":"customer"}
{"cmd":"open_account","owner":1002,"asset":"KZT","kind":"customer"}
{"cmd":"open_account","owner":1002,"asset":"BTC","kind":"customer"}
{"cmd":"transfer","debit":1,"credit":5,"amount":"10000000.00"}
{"cmd":"transfer","debit":2,"credit":8,"amount":"1"}
{"cmd":"create_market","base":"BTC","quote":"KZT","tick_size":"100.00","lot_step":"0.01","min_qty":"0.01","max_qty":"100"}
{"cmd":"set_market_rules","market":1,"band_bps":1000,"min_notional":"1000.00","maker_fee_bps":10,"taker_fee_bps":20,"fee_account_base":4,"fee_account_quote":3}
{"cmd":"set_market_status","market":1,"status":"trading","reference_price":"45000000.00"}
)";

std::vector<std::string> event_names(const std::vector<std::string>& events, size_t from) {
  std::vector<std::string> names;
  for (size_t i = from; i < events.size(); i++) names.push_back(field(events[i], "event"));
  return names;
}

// Bauyrzhan sells 0.10 BTC at 45,000,000.00; Aigerim buys 0.04 with an IOC limit of 45,100,000.00 and takes at the
// maker's price; Bauyrzhan lowers his order to 0.08 (0.04 left), then cancels it.
TEST_F(QaznaCli, ExecMarketRoundTrip) {
  init();
  const std::string input =
      std::string(kMarketSetup) +
      R"({"cmd":"place_order","actor":1002,"role":"customer","market":1,"side":"SELL","type":"LIMIT","timeInForce":"GTC","price":"45000000.00","quantity":"0.10","clientOrderId":1}
{"cmd":"place_order","actor":1001,"role":"customer","market":1,"side":"BUY","type":"LIMIT","timeInForce":"IOC","price":"45100000.00","quantity":"0.04","clientOrderId":1}
{"cmd":"amend_order","actor":1002,"role":"customer","market":1,"origClientOrderId":1,"newQty":"0.08"}
{"cmd":"cancel_order","actor":1002,"role":"customer","market":1,"orderId":1}
)";
  RunResult r = exec(input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> events = lines_of(r.out);
  for (const std::string& event : events) {
    ASSERT_TRUE(is_json_object(event)) << event;
    EXPECT_EQ(field(event, "code"), "0") << "nothing is rejected: " << event;
  }
  const std::vector<std::string> expected_names = {"market_created",        "market_rules_set",
                                                   "market_status_changed",  // lines 13-15
                                                   "order_accepted",        "order_rested",
                                                   "level_changed",  // line 16
                                                   "order_accepted",        "trade",
                                                   "order_filled",          "order_filled",
                                                   "level_changed",                            // line 17
                                                   "order_amended",         "level_changed",   // line 18
                                                   "order_cancelled",       "level_changed"};  // line 19
  ASSERT_EQ(event_names(events, 12), expected_names) << r.out;

  const std::string& created = events[12];
  EXPECT_EQ(field(created, "line"), "13");
  EXPECT_EQ(field(created, "market"), "1");
  EXPECT_EQ(field(created, "symbol"), "BTCKZT");
  EXPECT_EQ(field(created, "tick_size"), "100.00");
  EXPECT_EQ(field(created, "lot_step"), "0.01000000");
  EXPECT_EQ(field(created, "max_qty"), "100.00000000");
  EXPECT_EQ(field(events[13], "min_notional"), "1000.00");
  EXPECT_EQ(field(events[13], "taker_fee_bps"), "20");
  EXPECT_EQ(field(events[14], "status"), "trading");
  EXPECT_EQ(field(events[14], "previous_status"), "halted");
  EXPECT_EQ(field(events[14], "reference_price"), "45000000.00");

  // The sell rests; its hold reserves 0.10 BTC plus 20 bps.
  const std::string& sell = events[15];
  EXPECT_EQ(field(sell, "line"), "16");
  EXPECT_EQ(field(sell, "order"), "1");
  EXPECT_EQ(field(sell, "side"), "SELL");
  EXPECT_EQ(field(sell, "type"), "LIMIT");
  EXPECT_EQ(field(sell, "time_in_force"), "GTC");
  EXPECT_EQ(field(sell, "price"), "45000000.00");
  EXPECT_EQ(field(sell, "quantity"), "0.10000000");
  EXPECT_EQ(field(sell, "reserved"), "0.10020000");
  EXPECT_EQ(field(sell, "reserved_asset"), "BTC");
  EXPECT_EQ(field(events[16], "remaining_qty"), "0.10000000");
  EXPECT_EQ(field(events[17], "side"), "SELL");
  EXPECT_EQ(field(events[17], "price"), "45000000.00");
  EXPECT_EQ(field(events[17], "total_qty"), "0.10000000");
  EXPECT_EQ(field(events[17], "order_count"), "1");

  // The buy reserves its limit's cost plus 20 bps in KZT and trades 0.04 at the maker's price.
  const std::string& buy = events[18];
  EXPECT_EQ(field(buy, "order"), "2");
  EXPECT_EQ(field(buy, "side"), "BUY");
  EXPECT_EQ(field(buy, "time_in_force"), "IOC");
  EXPECT_EQ(field(buy, "reserved"), "1807608.00");
  EXPECT_EQ(field(buy, "reserved_asset"), "KZT");
  const std::string& trade = events[19];
  EXPECT_EQ(field(trade, "price"), "45000000.00");
  EXPECT_EQ(field(trade, "quantity"), "0.04000000");
  EXPECT_EQ(field(trade, "taker_side"), "BUY");
  EXPECT_EQ(field(trade, "maker_order"), "1");
  EXPECT_EQ(field(trade, "taker_order"), "2");
  const std::string& maker_fill = events[20];
  EXPECT_EQ(field(maker_fill, "order"), "1");
  EXPECT_EQ(field(maker_fill, "side"), "SELL");
  EXPECT_EQ(field(maker_fill, "quote_qty"), "1800000.00");
  EXPECT_EQ(field(maker_fill, "fee"), "0.00004000") << "maker: 10 bps of the 0.04 BTC it spends";
  EXPECT_EQ(field(maker_fill, "fee_asset"), "BTC");
  EXPECT_EQ(field(maker_fill, "remaining_qty"), "0.06000000");
  const std::string& taker_fill = events[21];
  EXPECT_EQ(field(taker_fill, "order"), "2");
  EXPECT_EQ(field(taker_fill, "side"), "BUY");
  EXPECT_EQ(field(taker_fill, "fee"), "3600.00") << "taker: 20 bps of the 1,800,000.00 KZT it spends";
  EXPECT_EQ(field(taker_fill, "fee_asset"), "KZT");
  EXPECT_EQ(field(taker_fill, "remaining_qty"), "0.00000000");
  EXPECT_EQ(field(events[22], "total_qty"), "0.06000000");

  // Amend to 0.08: 0.04 left, the hold shrinks from 0.06012 to 0.04008 BTC.
  EXPECT_EQ(field(events[23], "line"), "18");
  EXPECT_EQ(field(events[23], "new_qty"), "0.08000000");
  EXPECT_EQ(field(events[23], "remaining_qty"), "0.04000000");
  EXPECT_EQ(field(events[23], "released"), "0.02004000");
  EXPECT_EQ(field(events[23], "released_asset"), "BTC");
  EXPECT_EQ(field(events[24], "total_qty"), "0.04000000");
  // Cancel: the rest of the hold comes back and the level is gone.
  EXPECT_EQ(field(events[25], "reason"), "by_owner");
  EXPECT_EQ(field(events[25], "executed_qty"), "0.04000000");
  EXPECT_EQ(field(events[25], "released"), "0.04008000");
  EXPECT_EQ(field(events[25], "released_asset"), "BTC");
  EXPECT_EQ(field(events[26], "total_qty"), "0.00000000");
  EXPECT_EQ(field(events[26], "order_count"), "0");

  // Balances: the trade and both fees moved, nothing is held, and each asset sums to zero.
  const StateView state = inspect();
  ASSERT_EQ(state.accounts.size(), 8u);
  EXPECT_EQ(state.accounts[2], (AccountView{"0", "KZT", "fee_income", "3600.00", "0.00", "3600.00"}));
  EXPECT_EQ(state.accounts[3], (AccountView{"0", "BTC", "fee_income", "0.00004000", "0.00000000", "0.00004000"}));
  EXPECT_EQ(state.accounts[4], (AccountView{"1001", "KZT", "customer", "8196400.00", "0.00", "8196400.00"}));
  EXPECT_EQ(state.accounts[5], (AccountView{"1001", "BTC", "customer", "0.04000000", "0.00000000", "0.04000000"}));
  EXPECT_EQ(state.accounts[6], (AccountView{"1002", "KZT", "customer", "1800000.00", "0.00", "1800000.00"}));
  EXPECT_EQ(state.accounts[7], (AccountView{"1002", "BTC", "customer", "0.95996000", "0.00000000", "0.95996000"}));
  EXPECT_EQ(state.live_holds, 0u);

  r = qazna({"verify", "--data", data_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// A later exec knows the markets and the open orders of the state it starts from.
TEST_F(QaznaCli, ExecResolvesMarketsAndOrdersOfEarlierRuns) {
  init();
  RunResult r = exec(
      std::string(kMarketSetup) +
      R"({"cmd":"place_order","actor":1002,"role":"customer","market":1,"side":"SELL","type":"LIMIT","timeInForce":"GTC","price":"45000000.00","quantity":"0.01"}
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The quantity's scale comes from market 1's base asset, which this file never names.
  r = exec(
      R"({"cmd":"place_order","actor":1002,"role":"customer","market":1,"side":"SELL","type":"LIMIT","timeInForce":"GTC","price":"45000100.00","quantity":"0.000000001"}
)");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(R"(line 1: "quantity": "0.000000001" has more decimals than BTC allows)"), std::string::npos)
      << r.err;

  r = exec(R"({"cmd":"cancel_all","actor":1002,"role":"customer","market":1}
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> events = lines_of(r.out);
  ASSERT_EQ(event_names(events, 0), (std::vector<std::string>{"order_cancelled", "level_changed"})) << r.out;
  EXPECT_EQ(field(events[0], "order"), "1");
  EXPECT_EQ(field(events[0], "symbol"), "BTCKZT");
  EXPECT_EQ(field(events[0], "reason"), "cancel_all");
  EXPECT_EQ(field(events[0], "released"), "0.01002000") << "the order's side is known from the state";
  EXPECT_EQ(field(events[0], "released_asset"), "BTC");
  EXPECT_EQ(field(events[1], "side"), "SELL");

  r = exec(R"({"cmd":"cancel_all","market":2}
)");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(R"(line 1: "market": market 2 does not exist (markets are numbered 1 to 1))"), std::string::npos)
      << r.err;
}

// Under the engine's rules version 1 a clientOrderId is taken for good; from set_engine_rules 2 on it need only
// differ among the actor's open orders. verify replays both stretches as they were answered.
TEST_F(QaznaCli, ExecClientOrderIdsUnderBothRulesVersions) {
  init();
  ASSERT_EQ(exec(kMarketSetup).exit_code, 0);
  const std::string place =
      R"({"cmd":"place_order","actor":1001,"role":"customer","market":1,"side":"BUY","type":"LIMIT","timeInForce":"GTC","price":"44000000.00","quantity":"0.01","clientOrderId":7})";
  const std::string other_price =
      R"({"cmd":"place_order","actor":1001,"role":"customer","market":1,"side":"BUY","type":"LIMIT","timeInForce":"GTC","price":"43000000.00","quantity":"0.01","clientOrderId":7})";
  const std::string cancel = R"({"cmd":"cancel_order","actor":1001,"role":"customer","market":1,"origClientOrderId":7})";
  const auto results = [](const RunResult& run) {
    std::vector<std::string> out;
    for (const std::string& line : lines_of(run.out)) {
      if (field(line, "event") != "level_changed") out.push_back(field(line, "event") + " " + field(line, "result"));
    }
    return out;
  };
  RunResult r = exec(place + "\n" + cancel + "\n" + place + "\n" + other_price + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(results(r), (std::vector<std::string>{"order_accepted ok", "order_rested ok", "order_cancelled ok",
                                                 "duplicate ok", "rejected request_id_reused"}))
      << r.out;

  r = exec(R"({"cmd":"set_engine_rules","version":2})" "\n" + place + "\n" + other_price + "\n" + cancel + "\n" +
           other_price + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(results(r), (std::vector<std::string>{"engine_rules_set ok", "order_accepted ok", "order_rested ok",
                                                 "rejected client_order_id_open", "order_cancelled ok",
                                                 "order_accepted ok", "order_rested ok"}))
      << r.out;
  const RunResult verified = qazna({"verify", "--data", data_});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

// A bad order line after good ones refuses the file whole, like any other input error.
TEST_F(QaznaCli, ExecRefusesABadOrderLineWhole) {
  init();
  RunResult r = exec(kMarketSetup);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const StateView before = inspect();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"cmd":"place_order","market":1,"side":"BUY","type":"LIMIT","timeInForce":"GTC","price":"45000000.001","quantity":"0.01"})",
       R"(line 2: "price": "45000000.001" has more decimals than KZT allows (market 1 prices are in KZT, scale 2))"},
      {R"({"cmd":"place_order","market":1,"side":"BUY","type":"MARKET","quantity":"0.01","timeInForce":"IOC"})",
       R"(line 2: "timeInForce": is not a field of a MARKET order)"},
      {R"({"cmd":"amend_order","market":1,"orderId":1})", R"(line 2: "newQty": is required but missing)"},
  };
  for (const auto& [line, expected] : cases) {
    r = exec(
        std::string(
            R"({"cmd":"place_order","actor":1001,"role":"customer","market":1,"side":"BUY","type":"LIMIT","timeInForce":"GTC","price":"44000000.00","quantity":"0.01"})") +
        "\n" + line + "\n");
    EXPECT_EQ(r.exit_code, 1) << line;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(inspect().state_hash, before.state_hash) << "line 1's order must not exist";
  }
}

TEST_F(QaznaCli, VerifyNamesTheFirstBadBlock) {
  init();
  ASSERT_EQ(exec(kSetup).exit_code, 0);  // block 1
  ASSERT_EQ(exec(R"({"cmd":"transfer","debit":1,"credit":2,"amount":"1.00"})"
                 "\n")
                .exit_code,
            0);  // block 2
  ASSERT_EQ(exec(R"({"cmd":"transfer","debit":1,"credit":2,"amount":"2.00"})"
                 "\n")
                .exit_code,
            0);  // block 3
  ASSERT_EQ(qazna({"verify", "--data", data_}).exit_code, 0);
  corrupt_block(data_, 2);
  const RunResult r = qazna({"verify", "--data", data_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("block 2"), std::string::npos) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
}

TEST_F(QaznaCli, VerifyWithAnotherKeyFails) {
  init();
  const RunResult r = qazna({"verify", "--data", data_, "--pubkey", std::string(64, 'a')});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("block 0"), std::string::npos) << r.err;
}

TEST_F(QaznaCli, OpeningATornTailPrintsTheRecoveryLine) {
  init();
  ASSERT_EQ(exec(kSetup).exit_code, 0);  // block 1
  ASSERT_EQ(exec(R"({"cmd":"transfer","debit":1,"credit":2,"amount":"1.00"})"
                 "\n")
                .exit_code,
            0);  // block 2
  corrupt_block(data_, 2);
  const RunResult r = qazna({"inspect", "--data", data_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("block 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  EXPECT_EQ(field(r.out, "height"), "1");
  EXPECT_EQ(qazna({"verify", "--data", data_}).exit_code, 0) << "after truncation the chain verifies";
}

// --- the other subcommands --------------------------------------------------------------------------------------

TEST_F(QaznaCli, RunDemoExitsZeroAndVerifies) {
  const std::string demo = tmp_ / "demo";
  RunResult r = qazna({"run-demo", "--data", demo});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_LE(lines_of(r.out).size(), 60u) << r.out;
  EXPECT_NE(r.out.find("insufficient_funds"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("duplicate"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expired"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sum to zero: yes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("client_frozen"), std::string::npos) << r.out;
  // inspect counts the demo's one client, active again after its freeze was cleared.
  const RunResult inspected = qazna({"inspect", "--data", demo, "--json"});
  EXPECT_NE(inspected.out.find(R"("clients":{"pending":0,"active":1,"frozen":0,"offboarded":0)"), std::string::npos)
      << inspected.out;
  EXPECT_EQ(qazna({"verify", "--data", demo}).exit_code, 0);
  // A second run wipes its own previous demo.
  r = qazna({"run-demo", "--data", demo});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // But never a directory it did not make.
  init();
  r = qazna({"run-demo", "--data", data_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("refusing to wipe"), std::string::npos) << r.err;
  EXPECT_EQ(qazna({"verify", "--data", data_}).exit_code, 0);
}

TEST_F(QaznaCli, BenchLedgerTinyExitsZero) {
  const RunResult r = qazna({"bench", "ledger", "--tiny"});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("RESULT in_memory"), std::string::npos) << r.out;
}

TEST_F(QaznaCli, ArgumentErrorsAndHelp) {
  struct Case {
    std::vector<std::string> args;
    int exit_code;
  };
  const std::vector<Case> cases = {
      {{}, 2},
      {{"--help"}, 0},
      {{"frobnicate"}, 2},
      {{"init"}, 2},
      {{"init", "--help"}, 0},
      {{"exec", "--data", data_}, 2},
      {{"exec", "--help"}, 0},
      {{"verify"}, 2},
      {{"verify", "--data", data_, "--pubkey", "xyz"}, 2},
      {{"verify", "--help"}, 0},
      {{"inspect", "--data", data_, "--bogus"}, 2},
      {{"inspect", "--help"}, 0},
      {{"run-demo", "--help"}, 0},
      {{"bench"}, 2},
      {{"bench", "ledger", "--accounts", "-5"}, 2},
      {{"bench", "ledger", "--only", "everything"}, 2},
      {{"bench", "ledger", "--help"}, 0},
  };
  for (const Case& c : cases) {
    std::string joined;
    for (const std::string& arg : c.args) joined += arg + " ";
    SCOPED_TRACE(joined);
    const RunResult r = qazna(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    if (c.exit_code == 0) {
      EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r.out;
    } else {
      EXPECT_FALSE(r.err.empty());
    }
  }
  // Operating failures: a directory without a journal.
  RunResult r = qazna({"inspect", "--data", tmp_ / "nothing-here"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.err.empty());
  r = qazna({"exec", "--data", tmp_ / "nothing-here", "-"}, "");
  EXPECT_EQ(r.exit_code, 3);
  r = qazna({"verify", "--data", tmp_ / "nothing-here"});
  EXPECT_EQ(r.exit_code, 1);
  init();
  r = qazna({"init", "--data", data_});
  EXPECT_EQ(r.exit_code, 1) << "init refuses an existing journal";
  r = qazna({"exec", "--data", data_, tmp_ / "no-such-file.jsonl"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no-such-file.jsonl"), std::string::npos) << r.err;
}


// --- the digital tenge ------------------------------------------------------------------------------------------

// docs/cli.md's digital tenge example. Accounts: 1 KZT issuance (the venue's tenge account), 2 Aigerim's KZT at
// the exchange (1001); the engine opens one DKZT account per wallet and program escrow: wallets 1 central bank
// (100), 2 bank (200), 3 Aigerim, 4 a grocer (MCC 5411), 5 the venue (MCC 6051); programs 1 FOOD (groceries and
// pharmacies), 2 BUILD (milestones attested by user 300).
constexpr char kMoneyInput[] =
    R"({"cmd":"create_asset","code":"DKZT","scale":2}
{"cmd":"create_asset","code":"KZT","scale":2}
{"cmd":"open_account","owner":0,"asset":"KZT","kind":"issuance"}
{"cmd":"open_account","owner":1001,"asset":"KZT","kind":"customer"}
{"cmd":"open_wallet","actor":100,"role":"central_bank","owner":100,"kind":"central_bank"}
{"cmd":"open_wallet","actor":100,"role":"central_bank","owner":200,"kind":"bank"}
{"cmd":"define_wallet_class","actor":100,"role":"central_bank","kyc_level":2,"daily_limit":"100000.00"}
{"cmd":"open_wallet","actor":200,"role":"bank","owner":1001,"kind":"individual","wallet_class":1}
{"cmd":"open_wallet","owner":5001,"kind":"merchant","mcc":5411,"region":75}
{"cmd":"open_wallet","owner":0,"kind":"merchant","mcc":6051,"region":75}
{"cmd":"publish_program","actor":100,"role":"central_bank","code":"FOOD","issuer_wallet":1,"categories":[5411,5912],"per_payment_limit":"5000.00"}
{"cmd":"publish_program","actor":100,"role":"central_bank","code":"BUILD","issuer_wallet":1,"release_rule":"milestone","attester":300}
{"cmd":"issue_cbdc","actor":100,"role":"central_bank","bank_wallet":2,"amount":"1000000.00"}
{"cmd":"pay","actor":200,"role":"bank","payer":2,"payee":3,"amount":"1000.00"}
{"cmd":"grant","actor":100,"role":"central_bank","program":1,"holder":3,"amount":"500.00"}
{"cmd":"pay","actor":1001,"role":"customer","payer":3,"payee":4,"amount":"700.00"}
{"cmd":"grant","actor":100,"role":"central_bank","program":2,"holder":3,"amount":"300.00","tranches":["100.00","200.00"]}
{"cmd":"attest_release","actor":300,"role":"bank","release":1}
{"cmd":"set_exchange_link","venue_wallet":5,"tenge_account":1}
{"cmd":"pay","actor":1001,"role":"customer","payer":3,"payee":5,"amount":"300.00","exchange_account":2}
{"cmd":"pay","actor":1001,"role":"customer","payer":3,"payee":5,"amount":"100000.00","exchange_account":2}
)";

TEST_F(QaznaCli, ExecDigitalTengeFromIssuanceToTheExchange) {
  init();
  RunResult r = exec(kMoneyInput);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> events = lines_of(r.out);
  std::vector<std::string> heads;  // the events that open a command's answer, with their line
  for (const std::string& event : events) {
    ASSERT_TRUE(is_json_object(event)) << event;
    const std::string name = field(event, "event");
    if (name != "transfer_posted" && name != "lot_changed" && name != "release_opened" && name != "release_closed" &&
        name != "account_opened" && name != "money_part_taken") {
      heads.push_back(field(event, "line") + " " + name);
    }
  }
  const std::vector<std::string> expected = {
      "1 asset_created",      "2 asset_created",     "5 wallet_opened",   "6 wallet_opened",
      "7 wallet_class_defined", "8 wallet_opened",   "9 wallet_opened",   "10 wallet_opened",
      "11 program_published", "12 program_published", "13 cbdc_issued",   "14 cbdc_paid",
      "15 program_granted",   "16 cbdc_paid",         "17 program_granted", "18 release_done",
      "19 exchange_link_set", "20 cbdc_paid",         "21 rejected"};
  EXPECT_EQ(heads, expected);
  // The payment to the grocer spent the food lot first (500.00), then 200.00 of free money.
  bool unwrapped = false;
  for (const std::string& event : events) {
    if (field(event, "line") == "16" && field(event, "event") == "lot_changed") {
      EXPECT_EQ(field(event, "change"), "spent");
      EXPECT_EQ(field(event, "delta"), "-500.00");
      unwrapped = true;
    }
    if (field(event, "line") == "20" && field(event, "event") == "transfer_posted" && field(event, "asset") == "KZT") {
      EXPECT_EQ(field(event, "credit_balance"), "300.00");  // Aigerim's tenge at the exchange
    }
    if (field(event, "line") == "21") {
      EXPECT_EQ(field(event, "result"), "money_daily_limit");  // 1,000 spent today
    }
  }
  EXPECT_TRUE(unwrapped);
  // The journal replays to the same state: the book is in the state hash.
  r = qazna({"verify", "--data", data_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}


// The two program reports, from the journal of the digital tenge example.
TEST_F(QaznaCli, ProgramReportAndTrailFromTheJournal) {
  init();
  ASSERT_EQ(exec(kMoneyInput).exit_code, 0);
  RunResult r = qazna({"program", "report", "--data", data_, "--program", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            R"({"program":1,"code":"FOOD","version":1,"issuer_wallet":1,"status":"active","height":1,)"
            R"("granted":"500.00","pending":"0.00","released":"0.00","outstanding":"0.00","spent":"500.00","cashed_out":"0.00",)"
            R"("moved":"0.00","returned":"0.00","released_at_expiry":"0.00",)"
            R"("spent_by_category_region":[{"mcc":5411,"region":75,"spent":"500.00"}],"balanced":true})"
            "\n");
  // BUILD: 300.00 granted into two pending tranches; the first released and spent at the venue (MCC 6051).
  r = qazna({"program", "trail", "--data", data_, "--program", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* hop : {R"("hop":"granted","from":1,"to":3,"amount":"100.00","pending":true,"release":1)",
                          R"("hop":"granted","from":1,"to":3,"amount":"200.00","pending":true,"release":2)",
                          R"("hop":"released","from":3,"to":3,"amount":"100.00")",
                          R"("hop":"unwrapped","from":3,"to":5,"amount":"100.00")",
                          R"("terminal_recipients":[{"wallet":5,"kind":"merchant","mcc":6051,"region":75,"amount":"100.00"}])"}) {
    EXPECT_NE(r.out.find(hop), std::string::npos) << hop << " in " << r.out;
  }
  r = qazna({"program", "report", "--data", data_, "--program", "9"});
  EXPECT_EQ(r.exit_code, 1);
}

}  // namespace
}  // namespace qz::app::testing
