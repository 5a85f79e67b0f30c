// `qazna run-demo`: the README's first command. Initialises a fresh data directory, drives a small venue through
// the Node (so every block is signed, journaled and durable), verifies the chain from genesis and prints a
// readable account of what happened. Every step checks the events it expects, so the demo doubles as an end-to-end
// smoke test: any surprise is an error naming the step, and the exit code is non-zero.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "app/app.h"
#include "app/event_json.h"
#include "base/assert.h"
#include "base/decimal.h"
#include "engine/engine.h"

namespace qz::app {

namespace {

constexpr const char* kDemoMarker = "DEMO";  // file that marks a directory made by run-demo (so it may be wiped)

constexpr uint64_t kVenue = 0;
constexpr uint64_t kAigerim = 1001;
constexpr uint64_t kBauyrzhan = 1002;
constexpr uint64_t kDana = 1003;

const char* owner_name(uint64_t owner) {
  switch (owner) {
    case kAigerim: return "Aigerim";
    case kBauyrzhan: return "Bauyrzhan";
    case kDana: return "Dana";
    default: return "venue";
  }
}

std::string short_hash(const Hash256& hash) { return hash.hex().substr(0, 16) + "..."; }

Command as_actor(Command command, uint64_t actor, Role role, uint64_t request_id = 0) {
  command.actor = actor;
  command.role = static_cast<uint8_t>(role);
  command.request_id = request_id;
  return command;
}

// Exact amount of a literal in the demo script; a typo in the script is a programmer error.
int64_t minor(const char* text, uint8_t scale) {
  int64_t out = 0;
  const DecimalError error = parse_decimal(text, scale, &out);
  QZ_ASSERT_MSG(error == DecimalError::ok, text);
  return out;
}

struct Step {
  uint64_t height = 0;
  std::vector<Event> events;
};

class Demo {
 public:
  explicit Demo(Node* node) : node_(node) {}

  // Submits one block's worth of commands and checks the kinds of the events that come back.
  bool run(const char* what, const std::vector<Command>& commands, const std::vector<EventKind>& expected, Step* step) {
    SubmitResult result;
    const Status status = node_->submit(commands, &result);
    if (!status.is_ok()) {
      std::fprintf(stderr, "run-demo: %s: the journal failed: %s\n", what, status.message().c_str());
      return false;
    }
    step->height = result.height;
    step->events = result.events;
    bool as_expected = result.events.size() == expected.size();
    for (size_t i = 0; as_expected && i < expected.size(); i++) {
      as_expected = result.events[i].event_kind() == expected[i];
    }
    if (!as_expected) {
      std::fprintf(stderr, "run-demo: %s: unexpected events:\n", what);
      node_->with_engine([&](const Engine& engine) {
        for (const Event& event : result.events) {
          std::fprintf(stderr, "  %s\n", event_json(event, result.height, nullptr, engine.ledger()).c_str());
        }
      });
      return false;
    }
    return true;
  }

  std::string amount(uint64_t account, int64_t value) {
    std::string text;
    node_->with_engine([&](const Engine& engine) {
      std::string code;
      text = format_account_amount(engine.ledger(), account, value, &code) + " " + code;
    });
    return text;
  }

 private:
  Node* node_;
};


}  // namespace

int run_demo(const DemoArgs& args) {
  const std::string& dir = args.data_dir;
  Status status = prepare_demo_directory(dir, kDemoMarker, "run-demo");
  if (!status.is_ok()) {
    std::fprintf(stderr, "run-demo: %s\n", status.message().c_str());
    return kExitRefused;
  }
  status = init_data_dir(InitOptions{.data_dir = dir});
  if (!status.is_ok()) {
    std::fprintf(stderr, "run-demo: %s\n", status.message().c_str());
    return kExitFailure;
  }
  mark_demo_directory(dir, kDemoMarker, "run-demo");

  std::unique_ptr<Node> node;
  status = open_node(dir, &node);
  if (!status.is_ok()) {
    std::fprintf(stderr, "run-demo: %s\n", status.message().c_str());
    return kExitFailure;
  }
  Demo demo(node.get());
  Step step;

  std::printf("Qazna demo: a small venue in %s, every command journaled in signed, durable blocks\n", dir.c_str());
  std::printf("genesis    block 0  hash %s  operator key %s\n", short_hash(node->last_hash()).c_str(),
              read_public_key_hex(dir).substr(0, 16).c_str());

  // Assets.
  if (!demo.run("create assets",
                {make_create_asset("KZT", 2), make_create_asset("BTC", 8), make_create_asset("USDT", 6)},
                {EventKind::asset_created, EventKind::asset_created, EventKind::asset_created}, &step)) {
    return kExitRefused;
  }
  const uint32_t kzt = step.events[0].asset_created.asset;
  const uint32_t btc = step.events[1].asset_created.asset;
  const uint32_t usdt = step.events[2].asset_created.asset;
  std::printf("block %-3llu  assets: KZT (scale 2), BTC (scale 8), USDT (scale 6)\n",
              static_cast<unsigned long long>(step.height));

  // Accounts: issuance (the outside world, may go negative), the venue's fee income, customers.
  struct Open {
    uint64_t owner;
    uint32_t asset;
    AccountKind kind;
  };
  const std::vector<Open> opens = {
      {kVenue, kzt, AccountKind::issuance},     {kVenue, btc, AccountKind::issuance},
      {kVenue, usdt, AccountKind::issuance},    {kVenue, kzt, AccountKind::fee_income},
      {kAigerim, kzt, AccountKind::customer},   {kAigerim, btc, AccountKind::customer},
      {kAigerim, usdt, AccountKind::customer},  {kBauyrzhan, kzt, AccountKind::customer},
      {kBauyrzhan, btc, AccountKind::customer}, {kDana, kzt, AccountKind::customer},
      {kDana, usdt, AccountKind::customer},
  };
  std::vector<Command> commands;
  for (const Open& open : opens) commands.push_back(make_open_account(open.owner, open.asset, open.kind));
  if (!demo.run("open accounts", commands, std::vector<EventKind>(opens.size(), EventKind::account_opened), &step)) {
    return kExitRefused;
  }
  std::vector<uint64_t> ids;
  for (const Event& event : step.events) ids.push_back(event.account_opened.account);
  const uint64_t issue_kzt = ids[0], issue_btc = ids[1], issue_usdt = ids[2], fees = ids[3];
  const uint64_t aigerim_kzt = ids[4], aigerim_btc = ids[5], aigerim_usdt = ids[6];
  const uint64_t bauyrzhan_kzt = ids[7], bauyrzhan_btc = ids[8];
  const uint64_t dana_kzt = ids[9], dana_usdt = ids[10];
  std::printf(
      "block %-3llu  %zu accounts: issuance for each asset, fee income, and customers Aigerim (1001),\n"
      "           Bauyrzhan (1002), Dana (1003)\n",
      static_cast<unsigned long long>(step.height), opens.size());

  // Deposits: money enters from the issuance accounts.
  if (!demo.run("deposits",
                {make_transfer(issue_kzt, aigerim_kzt, minor("1000000.00", 2)),
                 make_transfer(issue_kzt, bauyrzhan_kzt, minor("250000.00", 2)),
                 make_transfer(issue_btc, bauyrzhan_btc, minor("0.5", 8)),
                 make_transfer(issue_usdt, dana_usdt, minor("5000", 6))},
                std::vector<EventKind>(4, EventKind::transfer_posted), &step)) {
    return kExitRefused;
  }
  std::printf("block %-3llu  deposits: Aigerim %s, Bauyrzhan %s and %s, Dana %s\n",
              static_cast<unsigned long long>(step.height), demo.amount(aigerim_kzt, minor("1000000.00", 2)).c_str(),
              demo.amount(bauyrzhan_kzt, minor("250000.00", 2)).c_str(),
              demo.amount(bauyrzhan_btc, minor("0.5", 8)).c_str(), demo.amount(dana_usdt, minor("5000", 6)).c_str());

  // A customer's own transfer, with a request id for idempotency.
  const Command payment =
      as_actor(make_transfer(aigerim_kzt, dana_kzt, minor("125000.50", 2)), kAigerim, Role::customer, 1);
  if (!demo.run("transfer", {payment}, {EventKind::transfer_posted}, &step)) return kExitRefused;
  const uint64_t payment_transfer = step.events[0].transfer_posted.transfer;
  std::printf("block %-3llu  Aigerim pays Dana %s (request id 1): transfer %llu\n",
              static_cast<unsigned long long>(step.height), demo.amount(aigerim_kzt, minor("125000.50", 2)).c_str(),
              static_cast<unsigned long long>(payment_transfer));

  // A trade as a linked group: all three legs or none.
  {
    std::vector<Command> trade = {make_transfer(bauyrzhan_btc, aigerim_btc, minor("0.01", 8)),
                                  make_transfer(aigerim_kzt, bauyrzhan_kzt, minor("450000.00", 2)),
                                  make_transfer(bauyrzhan_kzt, fees, minor("450.00", 2))};
    trade[0].flags = kFlagLinked;
    trade[1].flags = kFlagLinked;
    if (!demo.run("linked trade", trade, std::vector<EventKind>(3, EventKind::transfer_posted), &step)) {
      return kExitRefused;
    }
    std::printf(
        "block %-3llu  linked trade, all or nothing: 0.01 BTC Bauyrzhan -> Aigerim, 450000.00 KZT back,\n"
        "           450.00 KZT fee to the venue: 3 transfers posted together\n",
        static_cast<unsigned long long>(step.height));
  }

  // The same shape of group where one leg cannot be paid: nothing of it moves.
  {
    std::vector<Command> trade = {make_transfer(bauyrzhan_btc, aigerim_btc, minor("0.02", 8)),
                                  make_transfer(aigerim_kzt, bauyrzhan_kzt, minor("900000.00", 2))};
    trade[0].flags = kFlagLinked;
    if (!demo.run("failing linked trade", trade, {EventKind::rejected, EventKind::rejected}, &step)) {
      return kExitRefused;
    }
    std::printf(
        "block %-3llu  linked trade for 900000.00 KZT: Aigerim cannot pay (%s), so the BTC leg is\n"
        "           rolled back too (%s); nothing moved\n",
        static_cast<unsigned long long>(step.height), result_name(step.events[1].result_code()),
        result_name(step.events[0].result_code()));
  }

  // Holds: one posted in part and then voided, one left to expire by block time.
  constexpr uint64_t kExpiryTimeoutNs = 50'000'000;  // 50 ms of block time
  if (!demo.run("holds",
                {make_hold(dana_kzt, bauyrzhan_kzt, minor("50000.00", 2), 0),
                 make_hold(dana_usdt, 0, minor("100", 6), kExpiryTimeoutNs)},
                {EventKind::hold_placed, EventKind::hold_placed}, &step)) {
    return kExitRefused;
  }
  const uint64_t hold_kzt = step.events[0].hold_placed.hold;
  const uint64_t hold_usdt = step.events[1].hold_placed.hold;
  std::printf("block %-3llu  hold %llu: %s of Dana's reserved for Bauyrzhan; hold %llu: %s, expires in 50 ms\n",
              static_cast<unsigned long long>(step.height), static_cast<unsigned long long>(hold_kzt),
              demo.amount(dana_kzt, minor("50000.00", 2)).c_str(), static_cast<unsigned long long>(hold_usdt),
              demo.amount(dana_usdt, minor("100", 6)).c_str());

  if (!demo.run("partial post", {make_post_hold(hold_kzt, 0, minor("20000.00", 2))}, {EventKind::hold_posted}, &step)) {
    return kExitRefused;
  }
  std::printf("block %-3llu  hold %llu posted in part: %s to Bauyrzhan, %s still held\n",
              static_cast<unsigned long long>(step.height), static_cast<unsigned long long>(hold_kzt),
              demo.amount(dana_kzt, step.events[0].hold_posted.amount_minor).c_str(),
              demo.amount(dana_kzt, step.events[0].hold_posted.remaining_minor).c_str());

  if (!demo.run("void", {make_void_hold(hold_kzt)}, {EventKind::hold_voided}, &step)) return kExitRefused;
  std::printf("block %-3llu  hold %llu voided: %s released to Dana\n", static_cast<unsigned long long>(step.height),
              static_cast<unsigned long long>(hold_kzt),
              demo.amount(dana_kzt, step.events[0].hold_released.amount_minor).c_str());

  // Let the USDT hold's deadline pass; the next block expires it before its commands run, so Dana can then move
  // all 5000 USDT (with the hold live only 4900 were available).
  std::this_thread::sleep_for(std::chrono::nanoseconds(kExpiryTimeoutNs + 20'000'000));
  if (!demo.run("transfer after expiry", {make_transfer(dana_usdt, aigerim_usdt, minor("4950", 6))},
                {EventKind::transfer_posted}, &step)) {
    return kExitRefused;
  }
  bool expired = false;
  node->with_engine([&](const Engine& engine) {
    expired = engine.ledger().hold(hold_usdt) == nullptr && engine.ledger().account(dana_usdt)->held_minor == 0;
  });
  if (!expired) {
    std::fprintf(stderr, "run-demo: hold %llu should have expired by block time\n",
                 static_cast<unsigned long long>(hold_usdt));
    return kExitRefused;
  }
  std::printf(
      "block %-3llu  hold %llu expired by block time (100 USDT released); Dana then sends Aigerim %s,\n"
      "           more than the 4900 USDT available while the hold was live\n",
      static_cast<unsigned long long>(step.height), static_cast<unsigned long long>(hold_usdt),
      demo.amount(dana_usdt, minor("4950", 6)).c_str());

  // A business rejection: not an error, an event with a stable code.
  if (!demo.run("overdraft",
                {as_actor(make_transfer(bauyrzhan_btc, aigerim_btc, minor("10", 8)), kBauyrzhan, Role::customer)},
                {EventKind::rejected}, &step)) {
    return kExitRefused;
  }
  std::printf("block %-3llu  Bauyrzhan tries to send 10 BTC: rejected, code %u %s (\"%s\")\n",
              static_cast<unsigned long long>(step.height), step.events[0].result,
              result_name(step.events[0].result_code()), result_message(step.events[0].result_code()));

  // Idempotency: the same request again returns the first answer and moves nothing.
  if (!demo.run("duplicate", {payment}, {EventKind::duplicate}, &step)) return kExitRefused;
  if (step.events[0].duplicate.object_id != payment_transfer) {
    std::fprintf(stderr, "run-demo: the duplicate should name transfer %llu\n",
                 static_cast<unsigned long long>(payment_transfer));
    return kExitRefused;
  }
  std::printf("block %-3llu  Aigerim's request 1 sent again: duplicate of transfer %llu, nothing moved\n",
              static_cast<unsigned long long>(step.height), static_cast<unsigned long long>(payment_transfer));

  // Compliance: Bauyrzhan is registered and approved; a confirmed screening hit freezes him, and then nothing
  // leaves his accounts, whoever asks; a review lifts the freeze.
  constexpr uint64_t kOfficer = 9001;
  const auto officer = [&](Command command) { return as_actor(command, kOfficer, Role::compliance); };
  if (!demo.run("client onboarding",
                {officer(make_register_client(kBauyrzhan, static_cast<uint8_t>(ClientClass::retail), 2, "KZ", "KZ",
                                              false)),
                 officer(make_set_client_status(kBauyrzhan, static_cast<uint8_t>(ClientStatus::active),
                                                static_cast<uint16_t>(ClientStatusReason::kyc_approved)))},
                {EventKind::client_registered, EventKind::client_status_changed}, &step)) {
    return kExitRefused;
  }
  std::printf("block %-3llu  compliance registers Bauyrzhan as a client (retail, KYC tier 2, resident in KZ) and\n"
              "           approves him (kyc_approved)\n",
              static_cast<unsigned long long>(step.height));
  if (!demo.run("freeze",
                {officer(make_set_client_status(kBauyrzhan, static_cast<uint8_t>(ClientStatus::frozen),
                                                static_cast<uint16_t>(ClientStatusReason::sanctions_match))),
                 as_actor(make_transfer(bauyrzhan_kzt, dana_kzt, minor("100.00", 2)), kBauyrzhan, Role::customer),
                 make_transfer(bauyrzhan_kzt, dana_kzt, minor("100.00", 2))},
                {EventKind::client_status_changed, EventKind::rejected, EventKind::rejected}, &step)) {
    return kExitRefused;
  }
  std::printf(
      "block %-3llu  compliance freezes Bauyrzhan (sanctions_match): his transfer and the operator's from his\n"
      "           account are both rejected, %s; his balances stay visible\n",
      static_cast<unsigned long long>(step.height), result_name(step.events[1].result_code()));
  if (!demo.run("unfreeze",
                {officer(make_set_client_status(kBauyrzhan, static_cast<uint8_t>(ClientStatus::active),
                                                static_cast<uint16_t>(ClientStatusReason::review_cleared))),
                 as_actor(make_transfer(bauyrzhan_kzt, dana_kzt, minor("100.00", 2)), kBauyrzhan, Role::customer)},
                {EventKind::client_status_changed, EventKind::transfer_posted}, &step)) {
    return kExitRefused;
  }
  std::printf("block %-3llu  the review clears him (review_cleared): he pays Dana %s\n",
              static_cast<unsigned long long>(step.height), demo.amount(bauyrzhan_kzt, minor("100.00", 2)).c_str());

  // Limits in tenge: the operator journals the rates, caps KYC tier 2's deposits at 1,000,000.00 KZT a day and
  // sets the AIFC retail cap; a deposit over the tier's limit is refused, one at the limit passes.
  if (!demo.run("limits",
                {make_set_conversion_rate(kUsdRateAsset, minor("500.00", 2)),
                 make_set_conversion_rate(kzt, minor("1.00", 2)),
                 make_set_tier_limits(2, static_cast<uint8_t>(LimitKind::deposit), minor("1000000.00", 2), 0),
                 make_set_retail_cap(minor("1000.00", 2), "KZ"),
                 make_transfer(issue_kzt, bauyrzhan_kzt, minor("1500000.00", 2)),
                 make_transfer(issue_kzt, bauyrzhan_kzt, minor("1000000.00", 2))},
                {EventKind::conversion_rate_set, EventKind::conversion_rate_set, EventKind::tier_limits_set,
                 EventKind::retail_cap_set, EventKind::rejected, EventKind::transfer_posted},
                &step)) {
    return kExitRefused;
  }
  std::printf(
      "block %-3llu  the operator sets USD = 500.00 KZT, tier 2's deposit limit (1,000,000.00 KZT a day) and the\n"
      "           AIFC retail cap (USD 1,000 a month for KZ retail clients without the knowledge test): a deposit\n"
      "           of 1,500,000.00 KZT to Bauyrzhan is rejected, %s; one of 1,000,000.00 passes\n",
      static_cast<unsigned long long>(step.height), result_name(step.events[4].result_code()));

  // Balances and checks on the live engine.
  std::string invariants;
  Hash256 live_state;
  std::vector<std::string> balance_lines;
  std::map<uint32_t, int64_t> sums;
  node->with_engine([&](const Engine& engine) {
    const Ledger& ledger = engine.ledger();
    invariants = engine.check_invariants();
    live_state = engine.state_hash();
    for (uint64_t id = 1; id <= ledger.account_count(); id++) {
      const Account* account = ledger.account(id);
      sums[account->asset] += account->total_minor;
      if (account->kind == AccountKind::issuance) continue;
      const Asset* asset = ledger.asset(account->asset);
      char line[200];
      const std::string who = account->kind == AccountKind::fee_income ? "venue fees" : owner_name(account->owner);
      std::snprintf(line, sizeof line, "  %-10s %-4s total %16s   held %12s   locked %12s   available %16s",
                    who.c_str(), std::string(asset->code_view()).c_str(),
                    format_decimal(account->total_minor, asset->scale).c_str(),
                    format_decimal(account->held_minor, asset->scale).c_str(),
                    format_decimal(account->locked_minor, asset->scale).c_str(),
                    format_decimal(account->available_minor(), asset->scale).c_str());
      balance_lines.emplace_back(line);
    }
  });
  std::printf("balances (issuance accounts, the outside world's side, not shown):\n");
  for (const std::string& line : balance_lines) std::printf("%s\n", line.c_str());
  bool conserved = true;
  for (const auto& [asset, sum] : sums) conserved = conserved && sum == 0;
  std::printf("checks:    invariants %s; every asset's balances sum to zero: %s\n",
              invariants.empty() ? "hold" : invariants.c_str(), conserved ? "yes" : "NO");
  node->stop();
  if (!invariants.empty() || !conserved) return kExitRefused;

  VerifyReport report;
  status = verify_data_dir(dir, "", &report);
  if (!status.is_ok()) {
    std::fprintf(stderr, "run-demo: verify failed: %s\n", status.message().c_str());
    return kExitRefused;
  }
  if (report.state_hash != live_state) {
    std::fprintf(stderr, "run-demo: the replayed state hash differs from the live engine's\n");
    return kExitRefused;
  }
  std::printf("verify:    %llu blocks re-hashed, signatures checked, %llu commands replayed from genesis\n",
              static_cast<unsigned long long>(report.blocks), static_cast<unsigned long long>(report.commands));
  std::printf("           last block %llu hash %s\n", static_cast<unsigned long long>(report.height),
              report.last_hash.hex().c_str());
  std::printf("           state hash %s (same as the live engine)\n", report.state_hash.hex().c_str());
  std::printf("next:      qazna inspect --data %s   |   qazna verify --data %s\n", dir.c_str(), dir.c_str());
  return kExitOk;
}

}  // namespace qz::app
